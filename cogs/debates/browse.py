"""/debate list and /debate show, and the page buttons under the author's ranking."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import custom_ids
from bot.arguments import DebateArg
from bot.render.debate import author_ranking_pages, debate_list_pages
from bot.render.tiers import TIERLIST_NAME, author_tierlist, draw
from bot.ui import (
    BaseView,
    CogMixin,
    DuelButton,
    DynamicButton,
    page_answer,
    picture_message,
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
        embeds, is_open = await _author_pages(self.bot, interaction.guild_id, found)
        view = show_view(found, 0, len(embeds), is_open=is_open)
        # The tier-list picture of a long list takes a moment to draw: acknowledge first.
        await interaction.response.defer(thinking=True)
        picture = await asyncio.to_thread(draw, author_tierlist(found), TIERLIST_NAME)
        await interaction.followup.send(
            **picture_message(embeds[0], picture, buttons=view, pages=embeds)
        )


async def _author_pages(
    bot: RankingBot, guild_id: int | None, debate: Debate
) -> tuple[list[discord.Embed], bool]:
    """The author's ranking pages, and whether voting is open in this server."""
    is_open = guild_id is None or await bot.debate_admin.is_open(guild_id, debate)
    closes_at = await bot.directory.closes_at(guild_id, debate) if is_open else None
    return author_ranking_pages(debate, closes_at, is_open=is_open), is_open


def show_view(debate: Debate, page: int, pages: int, *, is_open: bool = True) -> discord.ui.View:
    """Vote and Duel while voting is open, plus page buttons when the ranking needs more
    than one embed."""
    view = BaseView(timeout=None)
    if pages > 1:
        view.add_item(ShowPageButton(debate.id, page - 1, "◀", disabled=page == 0))
        view.add_item(ShowPageButton(debate.id, page + 1, "▶", disabled=page >= pages - 1))
    if is_open:
        view.add_item(vote_button(debate.id))
        view.add_item(DuelButton(debate.id))
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
        embeds, is_open = await _author_pages(bot, interaction.guild_id, debate)
        page = min(self.page, len(embeds) - 1)
        view = show_view(debate, page, len(embeds), is_open=is_open)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            answer = page_answer(message, embeds[page], view, in_place=True)
            await interaction.response.edit_message(**answer)
        else:
            answer = page_answer(message, embeds[page], view, in_place=False)
            await interaction.response.send_message(**answer, ephemeral=True)
