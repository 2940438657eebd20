"""The real bot, not logged in, on a database file, with Discord's HTTP side faked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

from bot.client import RankingBot, make_bot
from bot.settings import Settings
from bot.storage import Database
from tests.support.discord_fake import APPLICATION_ID, FakeDiscord


@asynccontextmanager
async def open_bot(settings: Settings, fake: FakeDiscord) -> AsyncIterator[RankingBot]:
    """The bot ``python -m bot`` would make of ``settings``, its cogs loaded, answered by
    ``fake`` (installed by the caller); closed with its own database connection after."""
    async with await Database.open(settings.database) as database:
        client = make_bot(settings, database)
        client._connection.application_id = APPLICATION_ID
        client._connection.user = discord.ClientUser(state=client._connection, data=fake.bot_user)  # type: ignore[arg-type]
        await client._async_setup_hook()  # what login() does first: binds the loop
        await client.setup_hook()
        client.fake = fake  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            await client.close()
