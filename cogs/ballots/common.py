"""What the ballot commands, buttons and builder share: finding the debate, the intro."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.errors import UserError
from bot.models import Ballot, Debate
from bot.permissions import member_role_ids
from bot.ranking import METHODS, agreement
from bot.render.ballot import comparison_fields
from bot.render.factions import member_lines
from bot.render.results import item_names
from bot.render.text import safe
from bot.ui import guild_of

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


async def ballot_comparison(
    bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot, *, is_open: bool
) -> list[tuple[str, str]]:
    """Where the ballot splits from the server (by the server's method) and the author."""
    item_ids = [item.id for item in debate.items]
    author = agreement(ballot.tiers, debate.author_tiers, item_ids)
    method = (await bot.server_settings.get(guild_id)).default_method
    hidden = await bot.debate_rules.hidden(guild_id, debate)
    if hidden is not None:
        # The comparison would give the consensus away: only the author's stays.
        fields = comparison_fields(
            debate, author=author, server=None, method_label="", is_open=is_open
        )
        return [("Where you split from the server", f"{hidden.line()}"), *fields]
    try:
        server = await bot.results.compare(guild_id, debate, ballot.tiers, method)
    except UserError:  # the server's method can't rank this many items: Schulze can
        method = "schulze"
        server = await bot.results.compare(guild_id, debate, ballot.tiers, method)
    return comparison_fields(
        debate, author=author, server=server, method_label=METHODS[method].label, is_open=is_open
    )


async def faction_lines(
    bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot
) -> list[str]:
    """Which faction the member is in and how close they are to each (none: no lines)."""
    if await bot.debate_rules.hidden(guild_id, debate) is not None:
        return []  # factions are results too: hidden until the close
    standing = await bot.factions.member(guild_id, debate, ballot.member_id, ballot.tiers)
    names = item_names(debate, limit=40)
    return member_lines(standing.factions, standing.number, standing.closeness, names)


async def ensure_may_vote(
    interaction: discord.Interaction[RankingBot], debate: Debate, *, prediction: bool = False
) -> None:
    """One ephemeral line saying why and when, unless the member may vote on ``debate`` now
    (or, for a ``prediction``, guess its outcome): it is open, and they pass its voter rules.

    The one check before every way in (/vote, /predict, the builder and its Paste… and
    Save, Vote, Edit, /duel, Duel and a duel's Start, Keep going and Save): a click on a
    message shown earlier is checked again, since the debate may have closed or the
    member's roles changed since. The rules are read from the interaction's own member data
    (role ids, join time): no privileged intent, and nothing about the member is stored.
    """
    bot, user = interaction.client, interaction.user
    if prediction:
        await bot.predictions.ensure_open(guild_of(interaction), debate)
    else:
        await bot.voting.ensure_open(guild_of(interaction), debate)
    await bot.debate_rules.ensure_may_vote(
        guild_of(interaction),
        debate,
        role_ids=member_role_ids(user),
        joined_at=getattr(user, "joined_at", None),
        now=discord.utils.utcnow(),
    )


def no_ballot_error(debate: Debate, *, is_open: bool = True) -> UserError:
    if not is_open:
        return UserError(
            f"You didn't rank **{safe(debate.title)}** before voting closed. "
            "`/consensus` shows its final ranking."
        )
    return UserError(f"You haven't ranked **{safe(debate.title)}** yet. `/vote` to rank it.")
