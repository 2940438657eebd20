"""What each tier-list picture shows: a ballot, the author's list, the consensus, factions.

The drawing is :mod:`bot.render.tierlist`'s; this module turns the bot's results into
rows. Pictures are drawn in the bounded chart worker (``bot.ui.tierlist_picture``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Debate, Tiers
from bot.ranking import ConsensusResult, Factions, Matchup
from bot.render.tierlist import LETTERS, TierList, TierRow, place_rows

# /consensus rows: a new row starts below an item that beats the next one clearly.
CLEAR_SHARE = 0.6
CONSENSUS_RULE = (
    "Rows: a new row starts where an item beats the next one clearly (at least "
    f"{CLEAR_SHARE:.0%} of the members who ordered the two); items closer than that, or tied, "
    f"share a row. At most {len(LETTERS)} rows, split at the clearest wins."
)
FACTION_TOP = 5
TIERLIST_NAME = "tierlist.png"


def _name(debate: Debate, item_id: int) -> str:
    return " ".join(debate.item(item_id).name.split())


def ballot_tierlist(debate: Debate, tiers: Tiers, *, title: str, subtitle: str = "") -> TierList:
    """A member's ballot (or any order): a row per place, the unranked last."""
    ranked = {i for tier in tiers for i in tier}
    rows = place_rows(
        [[_name(debate, i) for i in tier] for tier in tiers],
        unranked=[_name(debate, item.id) for item in debate.items if item.id not in ranked],
    )
    return TierList(title=title, rows=rows, subtitle=subtitle)


def author_tierlist(debate: Debate) -> TierList:
    return ballot_tierlist(
        debate, debate.author_tiers, title=debate.title, subtitle=f"Ranked by {debate.author}"
    )


def consensus_rows(result: ConsensusResult[int]) -> list[list[int]]:
    """The consensus order cut into rows by :data:`CONSENSUS_RULE`."""
    ranking = result.ranking
    if not ranking:
        return []
    breaks = [(i, _clear_share(m)) for i, m in enumerate(result.pairs) if not m.tied and _clear(m)]
    if len(breaks) > len(LETTERS) - 1:
        # Keep the clearest wins; between equally clear ones, the higher in the order.
        breaks = sorted(breaks, key=lambda b: (-b[1], b[0]))[: len(LETTERS) - 1]
    cuts = sorted(i + 1 for i, _ in breaks)
    return [ranking[a:b] for a, b in zip([0, *cuts], [*cuts, len(ranking)], strict=True)]


def _clear_share(matchup: Matchup[int]) -> float:
    return matchup.above_wins / matchup.compared if matchup.compared else 0.5


def _clear(matchup: Matchup[int]) -> bool:
    return _clear_share(matchup) >= CLEAR_SHARE


def consensus_tierlist(debate: Debate, result: ConsensusResult[int]) -> TierList:
    rows = [
        TierRow(LETTERS[n], [_name(debate, i) for i in row])
        for n, row in enumerate(consensus_rows(result))
    ]
    voters = f"{result.voters:,} voter{'' if result.voters == 1 else 's'}"
    return TierList(
        title=f"Server ranking: {debate.title}",
        rows=rows,
        subtitle=f"{voters} · {result.label}",
        footer=CONSENSUS_RULE,
        letters=True,
    )


def factions_tierlist(
    debate: Debate, result: Factions[int, int], labels: Sequence[str] | None = None
) -> TierList:
    """One row per faction: its top items, best first."""
    rows = [
        TierRow(
            faction.letter,
            [_name(debate, i) for i in faction.consensus.ranking[:FACTION_TOP]],
            note=f"{faction.size} member{'' if faction.size == 1 else 's'}",
        )
        for faction in result.factions
    ]
    return TierList(
        title=f"Factions: {debate.title}",
        rows=rows,
        subtitle=f"Each faction's top {FACTION_TOP}, by its own ranking",
    )
