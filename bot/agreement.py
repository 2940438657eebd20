"""How far a member's ballot is from another ranking (the author's, later the consensus).

Pure and small on purpose: /myvote needs one number now, and the ranking engine
(``bot/ranking``) may offer a richer measure later without anything here changing shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Tiers


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """``agree`` of the ``compared`` pairs go the same way in both rankings."""

    agree: int
    compared: int

    @property
    def disagree(self) -> int:
        return self.compared - self.agree


def rank_map(tiers: Tiers, item_ids: Sequence[int]) -> dict[int, int]:
    """Each item's tier index; unranked items share the index after the last tier."""
    ranks = {item_id: len(tiers) for item_id in item_ids}
    for index, tier in enumerate(tiers):
        for item_id in tier:
            ranks[item_id] = index
    return ranks


def pair_agreement(ballot: Tiers, reference: Tiers, item_ids: Sequence[int]) -> PairAgreement:
    """Count the item pairs that both rankings order, and on how many they agree.

    A ranked item beats an unranked one; pairs either side ties (two unranked items
    included) are not compared, since there is no direction to agree on. So a partial
    top three reads "12 of 12 pairs", not punished for what it left out. This is the
    convention of ``bot.ranking.disagreements.agreement``, so the numbers match /hottest.
    """
    mine = rank_map(ballot, item_ids)
    theirs = rank_map(reference, item_ids)
    ids = list(item_ids)
    agree = compared = 0
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            mine_sign = _sign(mine[a] - mine[b])
            their_sign = _sign(theirs[a] - theirs[b])
            if mine_sign and their_sign:
                compared += 1
                agree += mine_sign == their_sign
    return PairAgreement(agree, compared)


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)
