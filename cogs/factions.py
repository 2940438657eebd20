"""/factions: who ranks alike, each group with its own ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.arguments import DebateArg
from bot.render.factions import IMAGE_NAME, factions_embed
from bot.render.tiers import factions_tierlist
from bot.ui import guild_of, tierlist_picture
from cogs.results.answer import PUBLIC_HELP, Shown, answer_result

if TYPE_CHECKING:
    from bot.client import RankingBot


class FactionsCog(commands.Cog, name="Factions"):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="factions", description="Who ranks alike: the server's camps and what sets them apart"
    )
    @app_commands.describe(public=PUBLIC_HELP)
    @app_commands.guild_only()
    async def factions(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        public: bool = False,
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        settings = await self.bot.server_settings.get(guild_id)

        async def show() -> Shown:
            # Grouping thousands of ballots takes up to a second, after loading them.
            result = await self.bot.factions.factions(guild_id, found)
            picture = None
            if result.clear:
                tiers = factions_tierlist(found, result)
                picture = await tierlist_picture(self.bot, tiers, IMAGE_NAME, guild_id=guild_id)
            embed = factions_embed(found, result, hide_members=settings.hide_members)
            return Shown(embed, file=picture)

        await answer_result(interaction, found, public=public, show=show)


async def setup(bot: RankingBot) -> None:
    await bot.add_cog(FactionsCog(bot))
