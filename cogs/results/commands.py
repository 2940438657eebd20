"""/consensus, /hottest and /leaderboard: the server's results, rendered from the engine.

The numbers come from ``bot.results`` (kept tallies); these commands pick the debate and the
method, acknowledge (the first request after a start loads every ballot), render and answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.arguments import DebateArg
from bot.errors import UserError
from bot.ranking import METHODS
from bot.render.summary import hottest_embed
from bot.ui import guild_of
from cogs.results.answer import PUBLIC_HELP, Shown, answer_result
from cogs.results.buttons import consensus_view, leaderboard_view
from cogs.results.pages import (
    choose_method,
    consensus_message,
    consensus_picture,
    hidden_members_message,
    leaderboard_message,
)

if TYPE_CHECKING:
    from bot.client import RankingBot

METHOD_CHOICES = [app_commands.Choice(name=info.label, value=info.id) for info in METHODS.values()]


class Results(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # guild_only() hides the commands in DMs; this answers a client that sends them anyway.
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        return True

    @app_commands.command(
        name="consensus", description="The server's ranking, and how it was counted"
    )
    @app_commands.describe(
        method="How to count (default: the server's method)",
        public=PUBLIC_HELP,
    )
    @app_commands.choices(method=METHOD_CHOICES)
    @app_commands.guild_only()
    async def consensus(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        method: str | None = None,
        public: bool = False,
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        chosen = await choose_method(self.bot, guild_id, found, method)

        async def show() -> Shown:
            shown = await consensus_message(self.bot, guild_id, found, chosen)
            picture = await consensus_picture(self.bot, guild_id, found, chosen)
            view = consensus_view(
                found.id, chosen, 0, len(shown.pages), voters=shown.voters, is_open=shown.is_open
            )
            return Shown(shown.pages[0], view, picture, pages=shown.pages)

        await answer_result(interaction, found, public=public, show=show)

    @app_commands.command(name="hottest", description="The hottest disagreements in this server")
    @app_commands.describe(public=PUBLIC_HELP)
    @app_commands.guild_only()
    async def hottest(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        public: bool = False,
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        settings = await self.bot.server_settings.get(guild_id)
        method = await choose_method(self.bot, guild_id, found, None)

        async def show() -> Shown:
            result, summary = await self.bot.results.disagreement(guild_id, found, method)
            snapshot = await self.bot.results.snapshot(guild_id, found)
            is_open = await self.bot.debate_admin.is_open(guild_id, found)
            embed = hottest_embed(
                found,
                summary,
                ballots=snapshot.ballots,
                reasons=await self.bot.results.reasons(guild_id, found),
                hide_members=settings.hide_members,
                min_voters=settings.min_voters,
                closed=not is_open,
            )
            view = consensus_view(
                found.id, result.method, 0, 1, voters=result.voters, is_open=is_open
            )
            return Shown(embed, view)

        await answer_result(interaction, found, public=public, show=show)

    @app_commands.command(name="leaderboard", description="Items or members, ranked and paged")
    @app_commands.describe(
        board="items (default): places, scores, first places; members: who agrees with whom; "
        "predictions: who guessed the outcome best",
        public=PUBLIC_HELP,
    )
    @app_commands.choices(
        board=[
            app_commands.Choice(name="items", value="items"),
            app_commands.Choice(name="members", value="members"),
            app_commands.Choice(name="predictions", value="predictions"),
        ]
    )
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        board: str = "items",
        public: bool = False,
    ) -> None:
        guild_id = guild_of(interaction)
        found = debate or await self.bot.directory.current(guild_id)
        method = await choose_method(self.bot, guild_id, found, None)
        if board == "members" and (await self.bot.server_settings.get(guild_id)).hide_members:
            raise UserError(hidden_members_message())

        async def show() -> Shown:
            pages = await leaderboard_message(self.bot, guild_id, found, board, method)
            return Shown(pages[0], leaderboard_view(found.id, board, method, 0, len(pages)))

        await answer_result(interaction, found, public=public, show=show)
