"""What the ballot commands, buttons and builder share: finding the debate, the intro."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bot.errors import UserError
from bot.models import Ballot, Debate
from bot.ranking import METHODS, agreement
from bot.render.ballot import comparison_fields
from bot.render.text import safe

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


def bot_of(interaction: discord.Interaction) -> RankingBot:
    return cast("RankingBot", interaction.client)


def guild_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("This only works in a server: ballots belong to one.")
    return interaction.guild_id


async def debate_by_id(bot: RankingBot, guild_id: int, debate_id: int) -> Debate:
    """A debate a button names, if this server can see it."""
    return await bot.directory.by_id(guild_id, debate_id)


async def ballot_comparison(
    bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot, *, is_open: bool
) -> list[tuple[str, str]]:
    """Where the ballot splits from the server (by the server's method) and the author."""
    item_ids = [item.id for item in debate.items]
    author = agreement(ballot.tiers, debate.author_tiers, item_ids)
    method = (await bot.server_settings.get(guild_id)).default_method
    try:
        server = await bot.results.compare(guild_id, debate, ballot.tiers, method)
    except UserError:  # the server's method can't rank this many items: Schulze can
        method = "schulze"
        server = await bot.results.compare(guild_id, debate, ballot.tiers, method)
    return comparison_fields(
        debate, author=author, server=server, method_label=METHODS[method].label, is_open=is_open
    )


def no_ballot_error(debate: Debate, *, is_open: bool = True) -> UserError:
    if not is_open:
        return UserError(
            f"You didn't rank **{safe(debate.title)}** before voting closed. "
            "`/consensus` shows its final ranking."
        )
    return UserError(f"You haven't ranked **{safe(debate.title)}** yet. `/vote` to rank it.")
