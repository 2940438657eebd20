"""``GET /healthz`` for orchestrators (Docker, systemd watchdogs, uptime checks).

200 when the gateway is connected and the database answers, else 503; the body says which,
with the gateway latency and the number of servers. Served by aiohttp, which discord.py
already depends on, on ``HEALTH_HOST:HEALTH_PORT`` (loopback by default).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0


async def health_report(bot: RankingBot) -> tuple[int, dict[str, Any]]:
    """The status code and the body of ``/healthz``."""
    connected = bot.is_ready() and not bot.is_closed() and bot.gateway_connected()
    # Until the first heartbeat is acknowledged the latency is infinite: connected, unknown.
    latency = bot.latency if connected and math.isfinite(bot.latency) else None
    try:
        await asyncio.wait_for(bot.db.fetchone("SELECT 1"), DATABASE_TIMEOUT)
    except Exception as exc:  # any failure is the answer, not a crash of the check
        database = f"error: {type(exc).__name__}"
    else:
        database = "ok"
    healthy = connected and database == "ok"
    body = {
        "status": "ok" if healthy else "unavailable",
        "gateway": "connected" if connected else "disconnected",
        "latency_ms": None if latency is None else round(latency * 1000, 1),
        "database": database,
        "servers": len(bot.guilds),
    }
    return (200 if healthy else 503), body


class HealthServer:
    def __init__(self, bot: RankingBot, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> int:
        """Listen; returns the port (useful when 0 asked for any free one)."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.port
        log.info("Health check on http://%s:%d/healthz", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _healthz(self, _: web.Request) -> web.Response:
        status, body = await health_report(self.bot)
        return web.json_response(body, status=status)
