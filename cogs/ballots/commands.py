"""/vote, /duel, /myvote and /unvote."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.arguments import DebateArg
from bot.ballot_parser import BallotParseError, TypedOrder, read_order, unranked_notice
from bot.errors import UserError
from bot.render.text import safe
from bot.timely import TimelyAnswer
from bot.ui import guild_of
from bot.voting import MAX_REASON_LENGTH
from cogs.ballots.ballot_reply import ballot_message, prediction_message
from cogs.ballots.builder_view import open_builder
from cogs.ballots.common import ensure_may_vote, no_ballot_error
from cogs.ballots.duel_view import open_duel

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate

# Discord's limit for a string option.
_ORDER_LIMIT = 6000


class Ballots(commands.Cog):
    """Members' own orderings: give, see and withdraw them."""

    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="vote", description="Give your own order: type it, or leave order out to build it"
    )
    @app_commands.describe(
        order="Best first, e.g. IV > II = III > Rocky (= ties). Leave out to pick from menus",
        why="Why you rank it this way (shown when you share it)",
    )
    @app_commands.guild_only()
    async def vote(
        self,
        interaction: discord.Interaction[RankingBot],
        order: app_commands.Range[str, 1, _ORDER_LIMIT] | None = None,
        debate: DebateArg | None = None,
        why: app_commands.Range[str, 1, MAX_REASON_LENGTH] | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        if order is None:
            found = debate or await self.bot.directory.current(guild_id)
            await open_builder(interaction, found, reason=why)
            return
        # Under a burst of votes the save and the reply can take longer than the 3 seconds
        # Discord allows for the first answer: deferred if they come close to it.
        async with TimelyAnswer(interaction) as answer:
            found = debate or await self.bot.directory.current(guild_id)
            await ensure_may_vote(interaction, found)
            typed = await typed_order(interaction, found, order)
            ballot, replaced = await self.bot.voting.submit_replacing(
                guild_id, found, interaction.user.id, typed.tiers, why, writing=answer.preparing
            )
            headline = "Saved. This is how I read your order:"
            if replaced is not None:
                headline = "Saved, replacing your earlier ballot. This is how I read your order:"
            first = found.item(typed.tiers[0][0])
            notice = unranked_notice(typed.unranked, first)
            if notice is not None:
                headline = f"{notice}\n{headline}"
            embed, view = await ballot_message(self.bot, guild_id, found, ballot, headline=headline)
            await answer.send(embed=embed, view=view)

    @app_commands.command(
        name="predict",
        description="Guess the server's final order while results are hidden; scored at the close",
    )
    @app_commands.describe(
        order="Your guess, best first, e.g. IV > II = III > Rocky. Leave out to pick from menus",
    )
    @app_commands.guild_only()
    async def predict(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        order: app_commands.Range[str, 1, _ORDER_LIMIT] | None = None,
    ) -> None:
        """The same ways in as /vote (typed, builder, paste); a guess, not a ballot."""
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        if order is None:
            await open_builder(interaction, found, prediction=True)
            return
        await ensure_may_vote(interaction, found, prediction=True)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tiers = (await typed_order(interaction, found, order)).tiers
        replaced = await self.bot.predictions.submit(guild_id, found, interaction.user.id, tiers)
        embed = await prediction_message(self.bot, guild_id, found, tiers, replaced=replaced)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(
        name="duel", description='Rank by answering "this or that?", one tap at a time'
    )
    @app_commands.guild_only()
    async def duel(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        found = debate or await self.bot.directory.current(guild_of(interaction))
        await open_duel(interaction, found)

    @app_commands.command(
        name="myvote",
        description="Your ballot, and where you split from the server and the author",
    )
    @app_commands.guild_only()
    async def myvote(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        ballot = await self.bot.voting.current(guild_id, found, interaction.user.id)
        if ballot is None:
            raise no_ballot_error(
                found, is_open=await self.bot.debate_admin.is_open(guild_id, found)
            )
        # Factions may need a second to find after a change: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, view = await ballot_message(self.bot, guild_id, found, ballot, factions=True)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="unvote",
        description="Withdraw your ballot (kept in your history, left out of results)",
    )
    @app_commands.guild_only()
    async def unvote(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        await self.bot.voting.withdraw(guild_id, found, interaction.user.id)
        await interaction.response.send_message(
            f"Withdrew your ballot on **{safe(found.title)}**. It stays in your history but no "
            "longer counts. `/vote` to rank it again.",
            ephemeral=True,
        )


async def typed_order(
    interaction: discord.Interaction[RankingBot], debate: Debate, order: str
) -> TypedOrder:
    """An order as typed in /vote or /predict, read against the debate's items."""
    try:
        return await read_order(order, debate.items, reader=interaction.user.id)
    except BallotParseError as error:
        raise UserError(error.message) from error
