"""Scoring predictions of a final consensus ("guess the server"): pure, no discord.

A prediction scores the share of item pairs the consensus orders that it orders the same
way (:func:`bot.ranking.agreement`'s pair agreement), so a near miss in a long list still
counts for most of it. Equal scores share their place (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from bot.ranking.ballots import Tally, TiersLike
from bot.ranking.disagreements import Agreement, agreement_counts

M = TypeVar("M", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PredictionScore(Generic[M]):
    member: M
    place: int  # 1 = best; equal scores share the best place of their group
    agreement: Agreement

    @property
    def share(self) -> float:
        return self.agreement.share or 0.0


def score_predictions(
    predictions: Mapping[M, TiersLike], consensus: TiersLike, items: Sequence[Hashable]
) -> list[PredictionScore[M]]:
    """Each prediction against the consensus, best first, ties sharing a place."""
    if not predictions:
        return []
    tally = Tally(items)
    members = list(predictions)
    # Items × members, one column per prediction: every pair count in one vectorised pass.
    ranks = np.array([tally.ranks(predictions[m]) for m in members], dtype=np.int32).T
    reference = np.array(tally.ranks(consensus), dtype=np.int32)
    agreed, compared = agreement_counts(ranks, reference)
    scored = [
        (Agreement(int(a), int(c)), member)
        for member, a, c in zip(members, agreed, compared, strict=True)
    ]
    # Best share first; a tie on the share is a tie, whatever the members' ids.
    scored.sort(key=lambda pair: -(pair[0].share or 0.0))
    result: list[PredictionScore[M]] = []
    for index, (score, member) in enumerate(scored):
        same = result and (result[-1].agreement.share or 0.0) == (score.share or 0.0)
        place = result[-1].place if same else index + 1
        result.append(PredictionScore(member, place, score))
    return result
