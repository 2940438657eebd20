"""Answers the public Vote button (``bot.ui.VoteButton``): opens the builder for whoever clicks.

The button only announces the click as the ``vote_button`` event; listening here keeps the
cogs that draw it (debates, results, summaries) independent of this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.errors import guarded
from cogs.ballots.builder_view import open_builder
from cogs.ballots.common import debate_by_id, guild_of

if TYPE_CHECKING:
    from bot.client import RankingBot


class VoteButtonListener(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_vote_button(self, interaction: discord.Interaction, debate_id: int) -> None:
        async def open_for(clicked: discord.Interaction) -> None:
            debate = await debate_by_id(self.bot, guild_of(clicked), debate_id)
            await open_builder(clicked, debate)

        await guarded(interaction, open_for)
