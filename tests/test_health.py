"""/healthz answers 503, saying why, when the gateway or the database is down."""

from __future__ import annotations

import sqlite3

import aiohttp
import pytest

from bot.client import RankingBot
from bot.health import HealthServer


async def get_health(port: int) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


async def test_unavailable_until_the_gateway_connects_and_when_the_database_fails(
    bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = HealthServer(bot, "127.0.0.1", 0)
    port = await server.start()
    try:
        status, body = await get_health(port)
        assert status == 503  # the test bot never logs in
        assert body == {
            "status": "unavailable",
            "gateway": "disconnected",
            "latency_ms": None,
            "database": "ok",
            "servers": 0,
        }

        async def broken(*_: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(bot.db, "fetchone", broken)
        status, body = await get_health(port)
        assert (status, body["database"]) == (503, "error: OperationalError")
    finally:
        await server.stop()
