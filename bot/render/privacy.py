"""What a member (or the operator) is told after an erasure."""

from __future__ import annotations

from bot.render.results import plural
from bot.storage.personal_data import Erasure


def describe_erasure(
    erasure: Erasure, *, where: str, whose: str = "your", whom: str = "you"
) -> str:
    """What was erased, for the member who asked (or, ``whose="their"``, the operator)."""
    if erasure.nothing:
        return f"There was nothing about {whom} to erase {where}: no ballots, no debates created."
    parts = []
    if erasure.revisions:
        parts.append(
            f"{whose} ballots on {plural(erasure.debates, 'debate')} "
            f"({plural(erasure.revisions, 'saved version')}, with their reasons)"
        )
    if erasure.creator_links:
        parts.append(
            f"{whose} name on {plural(erasure.creator_links, 'debate or schedule', 'debates or schedules')}"
        )
    if erasure.duels:
        parts.append(f"{whose} unfinished {plural(erasure.duels, 'duel')}")
    counted = len(erasure.counted)
    after = (
        f" The results no longer count {plural(counted, 'ballot')} of {whom}." if counted else ""
    )
    return f"Erased {' and '.join(parts)} {where}.{after}"
