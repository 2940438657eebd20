"""The reference for ``bench/burst.py``: a bare discord.py bot whose ``/vote`` answers "ok".

The same command shape as the project's ``/vote`` (so the emulator injects the same
interaction), the same endpoints settings, and nothing else: no database, no reply to
compute. What it reaches is the most the emulator and discord.py allow on this machine.
"""

from __future__ import annotations

import asyncio
import os

import discord
from discord import app_commands

from bot.endpoints import apply_endpoints


class BareBot(discord.Client):
    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
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
    async with BareBot(int(os.environ["DEV_GUILD_ID"])) as client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
