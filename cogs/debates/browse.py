"""/debate list and /debate show, and the page buttons under the author's ranking."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import custom_ids
from bot.arguments import DebateArg
from bot.debate_rules import describe_voters
from bot.render.debate import author_ranking_pages, debate_list_pages
from bot.render.tiers import TIERLIST_NAME, author_tierlist, draw
from bot.ui import (
    BaseView,
    CogMixin,
    DuelButton,
    DynamicButton,
    RemindButton,
    vote_button,
)

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate


class BrowseCommands(CogMixin):
    bot: RankingBot

    @app_commands.command(
        name="list", description="The debates in this server and how many ranked each"
    )
    @app_commands.guild_only()
    async def list_debates(self, interaction: discord.Interaction[RankingBot]) -> None:
        assert interaction.guild_id is not None
        pages = debate_list_pages(await self.bot.directory.listings(interaction.guild_id))
        await interaction.response.send_message(embeds=pages[:10], ephemeral=True)

    @app_commands.command(name="show", description="The author's ranking, with their reasoning")
    @app_commands.guild_only()
    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        found = debate or await self.bot.directory.current(interaction.guild_id)
        assert interaction.guild_id is not None
        # The tier-list picture of a long list takes a moment to draw, and a burst of shows
        # queues on the database: acknowledge first.
        await interaction.response.defer(thinking=True)
        closes_at = await self.bot.directory.closes_at(interaction.guild_id, found)
        rules = await rule_lines(self.bot, interaction.guild_id, found)
        embeds = author_ranking_pages(found, closes_at, rules)
        view = show_view(found, 0, len(embeds), remind=closes_at is not None)
        picture = await asyncio.to_thread(draw, author_tierlist(found), TIERLIST_NAME)
        embed = embeds[0].set_image(url=f"attachment://{TIERLIST_NAME}")
        await interaction.followup.send(embed=embed, view=view, file=picture)


async def rule_lines(bot: RankingBot, guild_id: int, debate: Debate) -> list[str]:
    """How the debate runs here, when that differs from "anyone votes, results live"."""
    lines = []
    voters = await bot.debate_rules.voters(guild_id, debate)
    if not voters.open_to_all:
        lines.append(f"🗳️ Who may vote: {describe_voters(voters)}")
    if await bot.debate_rules.results(guild_id, debate) == "after-close":
        lines.append("🔒 Results stay hidden until voting closes; `/predict` to guess them")
    return lines


def show_view(debate: Debate, page: int, pages: int, *, remind: bool = False) -> discord.ui.View:
    """Vote and Duel (and Remind me before a deadline), plus page buttons when the ranking
    needs more than one embed."""
    view = BaseView(timeout=None)
    if pages > 1:
        view.add_item(ShowPageButton(debate.id, page - 1, "◀", disabled=page == 0))
        view.add_item(ShowPageButton(debate.id, page + 1, "▶", disabled=page >= pages - 1))
    view.add_item(vote_button(debate.id))
    view.add_item(DuelButton(debate.id))
    if remind:
        view.add_item(RemindButton(debate.id))
    return view


class ShowPageButton(DynamicButton, spec=custom_ids.SHOW_PAGE):
    """Turns the page of the author's ranking; survives restarts (its state is its custom_id).

    On the public message it answers with an ephemeral copy at the new page, so one member
    paging does not move the page under everyone else's eyes.
    """

    def __init__(
        self, debate_id: int, page: int, label: str = "", *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=self.spec.format(debate_id=debate_id, page=max(page, 0)),
                disabled=disabled,
            )
        )
        self.debate_id = debate_id
        self.page = max(page, 0)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ShowPageButton:
        return cls(int(match["debate_id"]), int(match["page"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        bot = interaction.client
        debate = await bot.directory.by_id(interaction.guild_id, self.debate_id)
        embeds = author_ranking_pages(
            debate, await bot.directory.closes_at(interaction.guild_id, debate)
        )
        page = min(self.page, len(embeds) - 1)
        view = show_view(debate, page, len(embeds))
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(embed=embeds[page], view=view)
        else:
            await interaction.response.send_message(embed=embeds[page], view=view, ephemeral=True)
