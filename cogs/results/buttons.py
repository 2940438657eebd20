"""The buttons under results, and the views that hold them.

Every button keeps its whole state in its custom_id (a dynamic item), so it keeps working
after a restart. On a public message a button answers with a private copy, so one member
paging does not move the page under everyone else's eyes; on the private copy it turns the
page in place.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

import discord

from bot import custom_ids
from bot.render.results import NUMBERS_LABEL
from bot.ui import (
    DynamicButton,
    dynamic_view,
    guild_of,
    page_answer,
    picture_message,
    vote_button,
)
from cogs.results.pages import (
    answer_page,
    choose_method,
    consensus_message,
    leaderboard_message,
    numbers_message,
    results_gate,
)

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate


def pager(
    make: Callable[[int, str, bool], discord.ui.Item[Any]], page: int, pages: int
) -> list[discord.ui.Item[Any]]:
    """◀ and ▶ for a paged message (nothing when it has one page)."""
    if pages <= 1:
        return []
    return [make(page - 1, "◀", page == 0), make(page + 1, "▶", page >= pages - 1)]


def consensus_view(
    debate_id: int, method: str, page: int, pages: int, *, voters: int, is_open: bool
) -> discord.ui.View:
    """Pages, the numbers (once there are any) and Vote (while the debate is open)."""

    def make(to: int, label: str, off: bool) -> ConsensusPageButton:
        return ConsensusPageButton(debate_id, method, to, label, disabled=off)

    numbers = [NumbersButton(debate_id, method)] if voters else []
    vote = [vote_button(debate_id)] if is_open else []
    return dynamic_view(*pager(make, page, pages), *numbers, *vote)


def numbers_view(debate_id: int, method: str, page: int, pages: int) -> discord.ui.View:
    def make(to: int, label: str, off: bool) -> NumbersPageButton:
        return NumbersPageButton(debate_id, method, to, label, disabled=off)

    return dynamic_view(*pager(make, page, pages))


def leaderboard_view(
    debate_id: int, board: str, method: str, page: int, pages: int
) -> discord.ui.View:
    def make(to: int, label: str, off: bool) -> LeaderboardPageButton:
        return LeaderboardPageButton(debate_id, board, method, to, label, disabled=off)

    return dynamic_view(*pager(make, page, pages))


# -- the buttons ----------------------------------------------------------------------------


def button(
    label: str, custom_id: str, *, disabled: bool, opens: bool = False
) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=label,
        custom_id=custom_id,
        disabled=disabled,
        style=discord.ButtonStyle.primary if opens else discord.ButtonStyle.secondary,
        emoji="📊" if opens else None,
    )


class ResultsButton:
    """What the results buttons share: their state, resolved again at each click."""

    debate_id: int
    method: str
    page: int

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        debate = await interaction.client.directory.by_id(guild_of(interaction), self.debate_id)
        method = await choose_method(interaction.client, guild_of(interaction), debate, self.method)
        # Buttons under an admin's private preview turn its pages; a member's click while
        # the results are hidden is told when they come out.
        await results_gate(interaction, debate)
        await self.show(interaction, debate, method)

    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: Debate, method: str
    ) -> None:
        raise NotImplementedError


class PageButton(ResultsButton, DynamicButton):
    """A page button whose id holds the debate, the method and the page it turns to."""

    def __init__(
        self, debate_id: int, method: str, page: int, label: str = "", *, disabled: bool = False
    ) -> None:
        self.debate_id, self.method, self.page = debate_id, method, max(page, 0)
        custom_id = self.spec.format(debate_id=debate_id, method=method, page=self.page)
        super().__init__(button(label, custom_id, disabled=disabled))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["debate_id"]), match["method"], int(match["page"]))


class ConsensusPageButton(PageButton, spec=custom_ids.CONSENSUS_PAGE):
    """A page of the ranking ("Full ranking" under a summary opens its first page)."""

    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: Debate, method: str
    ) -> None:
        async def build() -> tuple[discord.Embed, discord.ui.View]:
            shown = await consensus_message(
                interaction.client, guild_of(interaction), debate, method
            )
            page = min(self.page, len(shown.pages) - 1)
            view = consensus_view(
                debate.id,
                method,
                page,
                len(shown.pages),
                voters=shown.voters,
                is_open=shown.is_open,
            )
            return shown.pages[page], view

        await answer_page(interaction, build)


class NumbersButton(ResultsButton, DynamicButton, spec=custom_ids.NUMBERS):
    """ "Show the numbers": the head-to-head table and the chart, in a private message."""

    def __init__(self, debate_id: int, method: str, page: int = 0) -> None:
        self.debate_id, self.method, self.page = debate_id, method, max(page, 0)
        custom_id = self.spec.format(debate_id=debate_id, method=method, page=self.page)
        super().__init__(button(NUMBERS_LABEL, custom_id, disabled=False, opens=True))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NumbersButton:
        return cls(int(match["debate_id"]), match["method"], int(match["page"]))

    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: Debate, method: str
    ) -> None:
        # Each member one chart per cooldown, counted before any work is done for the click.
        interaction.client.charts.ask(guild_of(interaction), interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        pages, charts = await numbers_message(
            interaction.client, guild_of(interaction), debate, method, chart=True
        )
        # The page is 0 but on the table's own page buttons of earlier versions.
        page = min(self.page, len(pages) - 1)
        # One card: the table, the charts under it; its ◀ ▶ turn the table and keep them.
        pictures = [discord.File(io.BytesIO(png), filename=name) for name, png in charts]
        view = numbers_view(debate.id, method, page, len(pages))
        await interaction.followup.send(
            **picture_message(pages[page], pictures, buttons=view, pages=pages), ephemeral=True
        )


class NumbersPageButton(PageButton, spec=custom_ids.NUMBERS_PAGE):
    """◀ ▶ under the head-to-head table: turn its page in place."""

    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: Debate, method: str
    ) -> None:
        pages, _ = await numbers_message(
            interaction.client, guild_of(interaction), debate, method, chart=False
        )
        page = min(self.page, len(pages) - 1)
        view = numbers_view(debate.id, method, page, len(pages))
        message = interaction.message
        await interaction.response.edit_message(
            **page_answer(message, pages[page], view, in_place=True)
        )


class LeaderboardPageButton(ResultsButton, DynamicButton, spec=custom_ids.LEADERBOARD_PAGE):
    def __init__(
        self,
        debate_id: int,
        board: str,
        method: str,
        page: int,
        label: str = "",
        *,
        disabled: bool = False,
    ) -> None:
        self.debate_id, self.board, self.method, self.page = debate_id, board, method, max(page, 0)
        custom_id = self.spec.format(
            debate_id=debate_id, board=board, method=method, page=self.page
        )
        super().__init__(button(label, custom_id, disabled=disabled))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> LeaderboardPageButton:
        board, method, page = match["board"], match["method"], int(match["page"])
        return cls(int(match["debate_id"]), board, method, page)

    async def show(
        self, interaction: discord.Interaction[RankingBot], debate: Debate, method: str
    ) -> None:
        async def build() -> tuple[discord.Embed, discord.ui.View]:
            guild_id = guild_of(interaction)
            pages = await leaderboard_message(
                interaction.client, guild_id, debate, self.board, method
            )
            page = min(self.page, len(pages) - 1)
            return pages[page], leaderboard_view(debate.id, self.board, method, page, len(pages))

        await answer_page(interaction, build)
