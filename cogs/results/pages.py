"""The steps the results commands and buttons share: resolving what was asked, and building
the pages (from ``bot.results``' kept tallies, rendered by ``bot.render``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.chart_worker import chart_key
from bot.debate_rules import HiddenResults
from bot.errors import UserError
from bot.permissions import is_admin
from bot.ranking import KEMENY_MAX_ITEMS, METHODS, MethodTooLarge
from bot.render.charts import CHARTS, chart_data
from bot.render.leaderboard import item_board_pages, member_board_pages
from bot.render.results import consensus_pages, head_to_head_pages
from bot.render.running import prediction_board_pages, preview_note
from bot.render.tiers import TIERLIST_NAME, consensus_tierlist
from bot.ui import guild_of, page_answer, tierlist_picture

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate

# -- shared steps -----------------------------------------------------------------------------


async def results_gate(interaction: discord.Interaction[RankingBot], debate: Debate) -> str | None:
    """None when the debate's results show; while they are hidden (``results: after-close``
    and still open) an admin gets the note that marks a private preview, and a member
    :class:`HiddenResults`: how many ranked and when results come out."""
    bot = interaction.client
    hidden = await bot.debate_rules.hidden(guild_of(interaction), debate)
    if hidden is None:
        return None
    if await is_admin(interaction, bot.server_settings):
        return preview_note(hidden)
    raise HiddenResults(hidden)


async def choose_method(bot: RankingBot, guild_id: int, debate: Debate, method: str | None) -> str:
    """The method asked for, else the server's default; refuses early what cannot finish.

    Checked before deferring: an error after a public defer would replace the public
    "thinking…" message instead of answering privately.
    """
    chosen = method or (await bot.server_settings.get(guild_id)).default_method
    if chosen not in METHODS:
        raise UserError(f"I don't know the method '{chosen[:40]}'. Pick one from the list.")
    if chosen == "kemeny" and len(debate.items) > KEMENY_MAX_ITEMS:
        raise UserError(
            str(MethodTooLarge("kemeny", len(debate.items), KEMENY_MAX_ITEMS, "ranked_pairs"))
        )
    return chosen


async def answer_page(
    interaction: discord.Interaction[RankingBot],
    build: Callable[[], Awaitable[tuple[discord.Embed, discord.ui.View]]],
) -> None:
    """Edit a private copy in place; answer a click on a public message with a private copy.

    A click on a public message may be the first request since a restart, which loads the
    debate's tallies from every ballot: acknowledge first. A private copy was made by an
    earlier request, so its tallies are in memory and the edit answers at once.
    """
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        embed, view = await build()
        await interaction.response.edit_message(**page_answer(message, embed, view, in_place=True))
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    embed, view = await build()
    await interaction.followup.send(
        **page_answer(message, embed, view, in_place=False), ephemeral=True
    )


# -- building pages ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsensusMessage:
    pages: list[discord.Embed]
    voters: int
    is_open: bool


async def consensus_message(
    bot: RankingBot, guild_id: int, debate: Debate, method: str
) -> ConsensusMessage:
    settings = await bot.server_settings.get(guild_id)
    result = await bot.results.consensus(guild_id, debate, method)
    is_open = await bot.debate_admin.is_open(guild_id, debate)
    pages = consensus_pages(debate, result, min_voters=settings.min_voters, closed=not is_open)
    return ConsensusMessage(pages, result.voters, is_open)


async def consensus_picture(
    bot: RankingBot, guild_id: int, debate: Debate, method: str
) -> discord.File | None:
    """The consensus as a tier list (rows by ``CONSENSUS_RULE``), or None before any vote."""
    result = await bot.results.consensus(guild_id, debate, method)
    if result.voters == 0:
        return None
    return await tierlist_picture(
        bot, consensus_tierlist(debate, result), TIERLIST_NAME, guild_id=guild_id
    )


async def numbers_message(
    bot: RankingBot, guild_id: int, debate: Debate, method: str, *, chart: bool
) -> tuple[list[discord.Embed], list[tuple[str, bytes]]]:
    """The head-to-head table's pages and, when asked, the charts: one measure per image."""
    result = await bot.results.consensus(guild_id, debate, method)
    kept = await bot.results.snapshot(guild_id, debate)
    tally = kept.ballots.tally
    pages = head_to_head_pages(debate, result, tally)
    if not chart:
        return pages, []
    names = {item.id: item.name for item in debate.items}
    charts = []
    for measure in CHARTS:
        # Drawing takes a second or two for big debates: in the chart worker, within its bounds.
        image = await bot.charts.draw(
            chart_key(guild_id, debate, method, kept.version),
            lambda: chart_data(tally, result.ranking, names, debate.title, result.label),
            guild_id=guild_id,
            measure=measure,
        )
        charts.append((f"{measure}.png", image))
    return pages, charts


async def leaderboard_message(
    bot: RankingBot, guild_id: int, debate: Debate, board: str, method: str
) -> list[discord.Embed]:
    settings = await bot.server_settings.get(guild_id)
    if board == "predictions":
        result = await bot.results.consensus(guild_id, debate, method)
        scores = await bot.predictions.scores(guild_id, debate, result)
        return prediction_board_pages(debate, scores, hide_members=settings.hide_members)
    if board == "members":
        if settings.hide_members:
            raise UserError(hidden_members_message())
        _, summary = await bot.results.disagreement(guild_id, debate, method)
        return member_board_pages(debate, summary, min_voters=settings.min_voters)
    result = await bot.results.consensus(guild_id, debate, method)
    tally = (await bot.results.snapshot(guild_id, debate)).ballots.tally
    return item_board_pages(
        debate,
        result,
        tally,
        previous=await bot.summary_poster.last_places(guild_id, debate),
        min_voters=settings.min_voters,
    )


def hidden_members_message() -> str:
    return (
        "This server keeps member-level results private, so there is no member leaderboard. "
        "`/leaderboard board:items` shows the items."
    )
