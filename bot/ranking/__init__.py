"""The ranking engine: ballots in, consensus and disagreement out. No discord, no database.

Ballots
    A ballot is a sequence of tiers, best first; each tier is a sequence of item keys,
    tied with each other. Keys are any hashable (the bot uses item ids, ``analyze`` item
    names). A ballot may be partial, and the convention is: **a ranked item beats every
    unranked item; two unranked items, or two tied items, are no preference either way.**

Tallies
    :class:`Tally` keeps pairwise wins and per-item place statistics, updated in
    O(items²) per added, removed or replaced ballot. :class:`MemberBallots` also keeps
    who voted what (a rank matrix), which the member-level measures need.

Consensus
    :func:`consensus` with any method of :data:`METHODS` returns a full order with ties,
    the head-to-head numbers for each adjacent pair, and the majority cycles.

Factions
    :func:`find_factions` groups members who rank alike, each group with its own consensus.

Disagreement
    :func:`disagreement` gives close contests, polarizing items, server vs author,
    member agreement and rivalries; :func:`agreement` compares one ballot with an order.
    The ``describe_*`` helpers put all of these in words.
"""

from typing import TYPE_CHECKING

from bot.ranking.ballots import MemberBallots, Tally, TiersLike
from bot.ranking.disagreements import (
    MIN_COMMON_ITEMS,
    POLARIZING_MIN_SHARE,
    RIVALRY_MAX_MEMBERS,
    Agreement,
    AuthorComparison,
    AuthorRow,
    BallotComparison,
    Contest,
    DisagreementSummary,
    ItemSpread,
    MemberAgreements,
    MemberPair,
    Split,
    agreement,
    closest_contests,
    compare_ballot,
    compare_with_author,
    disagreement,
    polarizing_items,
    rivalry_window,
)
from bot.ranking.methods import (
    KEMENY_MAX_ITEMS,
    METHODS,
    ConsensusResult,
    Cycle,
    Matchup,
    MethodInfo,
    MethodTooLarge,
    consensus,
    head_to_head,
    majority_cycles,
)
from bot.ranking.text import (
    describe_agreement,
    describe_author,
    describe_contest,
    describe_cycle,
    describe_matchup,
    describe_member_pair,
    describe_order,
    describe_result,
    describe_spread,
)

if TYPE_CHECKING:
    from bot.ranking.factions import (
        Distinctive,
        Faction,
        FactionRules,
        Factions,
        SharedPair,
        find_factions,
    )

# Factions load on first use: ``python -m bot analyze`` never groups members, and their
# classes cost a quarter of the engine's import time.
_FACTIONS = {"Distinctive", "Faction", "FactionRules", "Factions", "SharedPair", "find_factions"}


def __getattr__(name: str) -> object:
    if name in _FACTIONS:
        from bot.ranking import factions

        return getattr(factions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KEMENY_MAX_ITEMS",
    "METHODS",
    "MIN_COMMON_ITEMS",
    "POLARIZING_MIN_SHARE",
    "RIVALRY_MAX_MEMBERS",
    "Agreement",
    "AuthorComparison",
    "AuthorRow",
    "BallotComparison",
    "ConsensusResult",
    "Contest",
    "Cycle",
    "DisagreementSummary",
    "Distinctive",
    "Faction",
    "FactionRules",
    "Factions",
    "ItemSpread",
    "Matchup",
    "MemberAgreements",
    "MemberBallots",
    "MemberPair",
    "MethodInfo",
    "MethodTooLarge",
    "SharedPair",
    "Split",
    "Tally",
    "TiersLike",
    "agreement",
    "closest_contests",
    "compare_ballot",
    "compare_with_author",
    "consensus",
    "describe_agreement",
    "describe_author",
    "describe_contest",
    "describe_cycle",
    "describe_matchup",
    "describe_member_pair",
    "describe_order",
    "describe_result",
    "describe_spread",
    "disagreement",
    "find_factions",
    "head_to_head",
    "majority_cycles",
    "polarizing_items",
    "rivalry_window",
]
