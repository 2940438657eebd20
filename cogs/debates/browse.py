"""/debate list and /debate show, and the page buttons under the author's ranking."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import custom_ids
from bot.arguments import DebateArg
from bot.debate_rules import describe_voters
from bot.render.debate import author_ranking_pages, debate_list_pages
from bot.render.tiers import TIERLIST_NAME, author_tierlist
from bot.ui import (
    CogMixin,
    DuelButton,
    DynamicButton,
    RemindButton,
    defer_answer,
    dynamic_view,
    guild_of,
    page_answer,
    picture_message,
    tierlist_picture,
    vote_button,
)

if TYPE_CHECKING:
    from datetime import datetime

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
        # One page a message: ten long pages at once were over Discord's 6,000 characters.
        await interaction.response.send_message(
            embed=pages[0], view=list_view(0, len(pages)), ephemeral=True
        )

    @app_commands.command(name="show", description="The author's ranking, with their reasoning")
    @app_commands.guild_only()
    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        found = debate or await self.bot.directory.current(interaction.guild_id)
        # The tier-list picture of a long list takes a moment to draw, and a burst of shows
        # queues on the database: acknowledge first.
        note = await defer_answer(interaction, public=True)
        embeds, is_open, closes_at = await _author_pages(self.bot, interaction.guild_id, found)
        view = show_view(found, 0, len(embeds), is_open=is_open, remind=closes_at is not None)
        picture = await tierlist_picture(
            self.bot, author_tierlist(found), TIERLIST_NAME, guild_id=interaction.guild_id
        )
        await interaction.followup.send(
            **picture_message(embeds[0], picture, buttons=view, pages=embeds, note=note)
        )


def list_view(page: int, pages: int) -> discord.ui.View:
    """◀ ▶ under /debate list, when it needs more than one page."""
    if pages <= 1:
        return dynamic_view()
    return dynamic_view(
        ListPageButton(page - 1, "◀", disabled=page == 0),
        ListPageButton(page + 1, "▶", disabled=page >= pages - 1),
    )


class ListPageButton(DynamicButton, spec=custom_ids.LIST_PAGE):
    """Turns the page of /debate list in place; the list is read again, so it is current."""

    def __init__(self, page: int, label: str = "", *, disabled: bool = False) -> None:
        self.page = max(page, 0)
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=self.spec.format(page=self.page),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ListPageButton:
        return cls(int(match["page"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        guild_id = guild_of(interaction)
        pages = debate_list_pages(await interaction.client.directory.listings(guild_id))
        page = min(self.page, len(pages) - 1)
        await interaction.response.edit_message(embed=pages[page], view=list_view(page, len(pages)))


async def _author_pages(
    bot: RankingBot, guild_id: int | None, debate: Debate
) -> tuple[list[discord.Embed], bool, datetime | None]:
    """The author's ranking pages, whether voting is open in this server, and its deadline."""
    if guild_id is None:
        return author_ranking_pages(debate), True, None
    is_open = await bot.debate_admin.is_open(guild_id, debate)
    closes_at = await bot.directory.closes_at(guild_id, debate) if is_open else None
    rules = await rule_lines(bot, guild_id, debate) if is_open else []
    return author_ranking_pages(debate, closes_at, rules, is_open=is_open), is_open, closes_at


async def rule_lines(bot: RankingBot, guild_id: int, debate: Debate) -> list[str]:
    """How the debate runs here, when that differs from "anyone votes, results live"."""
    lines = []
    voters = await bot.debate_rules.voters(guild_id, debate)
    if not voters.open_to_all:
        lines.append(f"🗳️ Who may vote: {describe_voters(voters)}")
    if await bot.debate_rules.results(guild_id, debate) == "after-close":
        lines.append("🔒 Results stay hidden until voting closes; `/predict` to guess them")
    return lines


def show_view(
    debate: Debate, page: int, pages: int, *, is_open: bool = True, remind: bool = False
) -> discord.ui.View:
    """Vote and Duel while voting is open (and Remind me before a deadline), plus page
    buttons when the ranking needs more than one embed."""
    items: list[discord.ui.Item[Any]] = []
    if pages > 1:
        items.append(ShowPageButton(debate.id, page - 1, "◀", disabled=page == 0))
        items.append(ShowPageButton(debate.id, page + 1, "▶", disabled=page >= pages - 1))
    if is_open:
        items += [vote_button(debate.id), DuelButton(debate.id)]
        if remind:
            items.append(RemindButton(debate.id))
    return dynamic_view(*items)


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
        embeds, is_open, closes_at = await _author_pages(bot, interaction.guild_id, debate)
        page = min(self.page, len(embeds) - 1)
        view = show_view(debate, page, len(embeds), is_open=is_open, remind=closes_at is not None)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            answer = page_answer(message, embeds[page], view, in_place=True)
            await interaction.response.edit_message(**answer)
        else:
            answer = page_answer(message, embeds[page], view, in_place=False)
            await interaction.response.send_message(**answer, ephemeral=True)
