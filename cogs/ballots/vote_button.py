"""Answers the buttons that open the builder or a duel: the public Vote and Duel buttons
(``bot.ui``) for whoever clicks, and Edit under a member's own ballot.

The buttons only announce the click as the ``vote_button``, ``duel_button`` or
``edit_ballot_button`` event; listening here keeps the cogs that draw Vote and Duel
(debates, results, summaries) independent of this one, and the ballot reply, which the
builder's Save answers with, free of the builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.errors import guarded
from bot.ui import guild_of
from cogs.ballots.builder_view import open_builder
from cogs.ballots.duel_view import open_duel

if TYPE_CHECKING:
    from bot.client import RankingBot


class VoteButtonListener(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_vote_button(
        self, interaction: discord.Interaction[RankingBot], debate_id: int
    ) -> None:
        await self._open(interaction, debate_id, in_place=False)

    @commands.Cog.listener()
    async def on_edit_ballot_button(
        self, interaction: discord.Interaction[RankingBot], debate_id: int
    ) -> None:
        await self._open(interaction, debate_id, in_place=True)

    async def _open(
        self, interaction: discord.Interaction[RankingBot], debate_id: int, *, in_place: bool
    ) -> None:
        async def open_for(clicked: discord.Interaction[RankingBot]) -> None:
            debate = await self.bot.directory.by_id(guild_of(clicked), debate_id)
            await open_builder(clicked, debate, in_place=in_place)

        await guarded(interaction, open_for)

    @commands.Cog.listener()
    async def on_duel_button(
        self, interaction: discord.Interaction[RankingBot], debate_id: int
    ) -> None:
        async def open_for(clicked: discord.Interaction[RankingBot]) -> None:
            await open_duel(clicked, await self.bot.directory.by_id(guild_of(clicked), debate_id))

        await guarded(interaction, open_for)
