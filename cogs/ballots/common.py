"""What the ballot commands, buttons and builder share: finding the debate, the intro."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.models import Ballot, Debate
from bot.ranking import agreement
from bot.render.ballot import agreement_sentence, saved_at_text
from bot.render.factions import member_lines
from bot.render.results import item_names
from bot.render.text import safe

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


async def ballot_intro(bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot) -> str:
    """When it was saved and how far it is from the author (and the consensus, when known)."""
    item_ids = [item.id for item in debate.items]
    lines = [saved_at_text(ballot.created_at)]
    versions = len(await bot.voting.history(guild_id, debate, ballot.member_id))
    if versions > 1:
        lines[0] += f" · version {versions}, earlier ones kept"
    author = agreement(ballot.tiers, debate.author_tiers, item_ids)
    lines.append(agreement_sentence(author, "the author"))
    lines += await consensus_comparison(bot, guild_id, debate, ballot)
    return "\n".join(lines)


async def consensus_comparison(
    bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot
) -> list[str]:
    """The line comparing the ballot with the server's consensus (none before anyone voted)."""
    consensus = await bot.results.consensus_tiers(guild_id, debate)
    if consensus is None:
        return []
    result = agreement(ballot.tiers, consensus, [item.id for item in debate.items])
    return [agreement_sentence(result, "this server's consensus")]


async def faction_lines(
    bot: RankingBot, guild_id: int, debate: Debate, ballot: Ballot
) -> list[str]:
    """Which faction the member is in and how close they are to each (none: no lines)."""
    standing = await bot.factions.member(guild_id, debate, ballot.member_id, ballot.tiers)
    names = item_names(debate, limit=40)
    return member_lines(standing.factions, standing.number, standing.closeness, names)


def no_ballot_error(debate: Debate) -> UserError:
    return UserError(f"You haven't ranked **{safe(debate.title)}** yet. `/vote` to rank it.")
