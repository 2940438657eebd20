"""What changed since the last summary: new voters, revised ballots, items that moved.

Each post stores a snapshot (method, voters, places, the newest ballot id); the next
summary compares with the last one *sent*.
"""

from __future__ import annotations

from bot.models import ChangesSince, Movement, SummarySnapshot, VoterChanges
from bot.ranking import ConsensusResult


def snapshot_of(result: ConsensusResult[int], ballot_mark: int) -> SummarySnapshot:
    places = {key: result.place(key) for key in result.ranking}
    return SummarySnapshot(result.method, result.voters, ballot_mark, places)


def changes_since(
    previous: SummarySnapshot | None, current: SummarySnapshot, voters: VoterChanges | None
) -> ChangesSince:
    if previous is None:
        return ChangesSince(first=True, voters_now=current.voters)
    moved = tuple(
        Movement(item, previous.places.get(item), place)
        for item, place in current.places.items()
        if previous.places.get(item) != place
    )
    return ChangesSince(
        first=False,
        voters_before=previous.voters,
        voters_now=current.voters,
        new_voters=voters.new if voters else 0,
        changed_ballots=voters.changed if voters else 0,
        moved=moved,
        method_changed=previous.method != current.method,
    )
