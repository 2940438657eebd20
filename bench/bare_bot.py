"""The reference for ``bench/burst.py``: a bare discord.py bot whose ``/vote`` answers "ok".

The same command shape as the project's ``/vote`` (so the emulator injects the same
interaction), the same endpoints settings, and nothing else: no database, no reply to
compute. What it reaches is the most the emulator and discord.py allow on this machine.
"""

from __future__ import annotations

import asyncio
import os

import discord
from aiohttp import TCPConnector
from discord import app_commands

from bot.endpoints import apply_endpoints


class BareBot(discord.Client):
    def __init__(self, guild_id: int, connections: int | None) -> None:
        # discord.py's default pool is unbounded; BARE_CONNECTIONS bounds it per host as the
        # bot does (bot.client.DISCORD_CONNECTIONS), for a like-for-like second reference.
        pool = (
            {} if connections is None else {"connector": TCPConnector(limit_per_host=connections)}
        )
        super().__init__(intents=discord.Intents(guilds=True), **pool)
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(id=guild_id)

        @self.tree.command(name="vote", description="Answers ok")
        async def vote(
            interaction: discord.Interaction,
            order: str | None = None,
            debate: str | None = None,
            why: str | None = None,
        ) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild)
        await self.tree.sync(guild=self.guild)


async def main() -> None:
    apply_endpoints(os.environ["DISCORD_API_BASE_URL"], os.environ["DISCORD_GATEWAY_URL"])
    connections = os.environ.get("BARE_CONNECTIONS")
    bot = BareBot(int(os.environ["DEV_GUILD_ID"]), int(connections) if connections else None)
    async with bot as client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
