"""/forget-me: a member erases everything the bot stores about them in this server."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render.privacy import describe_erasure
from bot.ui import OwnedView

if TYPE_CHECKING:
    from bot.client import RankingBot

QUESTION = (
    "Erase everything I store about you in this server? That is your ballots on every debate "
    "(every saved version, with your reasons) and your name on debates or schedules you "
    "created. The results stop counting you at once. This can't be undone."
)


class ForgetView(OwnedView):
    """Erase or Cancel, for the member who asked only."""

    def __init__(self, bot: RankingBot, member_id: int, guild_id: int) -> None:
        super().__init__(member_id, timeout=300)
        self.bot = bot
        self.guild_id = guild_id
        self.origin: discord.Interaction | None = None

    @discord.ui.button(label="Erase my data", style=discord.ButtonStyle.danger)
    async def erase(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        erasure = await self.bot.privacy.forget(self.owner_id, self.guild_id)
        text = describe_erasure(erasure, where="in this server")
        await interaction.response.edit_message(content=text, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing erased.", view=None)

    async def on_timeout(self) -> None:
        if self.origin is not None:
            # HTTPException: the member dismissed the message meanwhile.
            with contextlib.suppress(discord.HTTPException):
                await self.origin.edit_original_response(
                    content="Nothing erased: this question timed out.", view=None
                )


class Privacy(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="forget-me",
        description="Erase your ballots and everything else I store about you here",
    )
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction[RankingBot]) -> None:
        assert interaction.guild_id is not None
        view = ForgetView(self.bot, interaction.user.id, interaction.guild_id)
        view.origin = interaction
        await interaction.response.send_message(QUESTION, view=view, ephemeral=True)


async def setup(bot: RankingBot) -> None:
    await bot.add_cog(Privacy(bot))
