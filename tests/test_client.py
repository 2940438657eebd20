"""The bot's own client: how it talks to Discord's HTTP API."""

import asyncio

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.client import DISCORD_CONNECTIONS, RankingBot

REQUESTS = 100


async def test_a_burst_of_requests_shares_a_bounded_pool_of_connections(bot: RankingBot) -> None:
    """The replies of one group commit go out together: they wait for one of a bounded
    number of connections rather than open one each (a TLS handshake each, on Discord)."""
    peers: set[tuple[str, int]] = set()

    async def slow(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        await asyncio.sleep(0.05)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/", slow)
    # The session discord.py makes at login is built the same way, on the bot's connector.
    session = aiohttp.ClientSession(connector=bot.http.connector, connector_owner=False)
    async with TestServer(app) as server, session:

        async def one() -> None:
            async with session.get(server.make_url("/")) as response:
                await response.read()

        await asyncio.gather(*(one() for _ in range(REQUESTS)))
    await bot.http.connector.close()
    assert len(peers) <= DISCORD_CONNECTIONS < REQUESTS
