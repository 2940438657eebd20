"""What the kept tallies are built from (bot.results): each member's current tiers on one
debate, read in bulk with nothing else (no times, no reasons), into a few arrays.

A debate may have 100,000 ballots: a Ballot, a datetime and a tuple per tier for each was
most of the time a cold debate took to load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.storage.ballots import current_ballots_query
from bot.storage.database import Database
from bot.storage.sql import Row


@dataclass(frozen=True, slots=True)
class CurrentTiers:
    """The current ballots in the order they were saved: ``members[b]`` cast ballot ``b``;
    then one entry per item any ballot lists, in ballot order and best first: the ballot
    (``ballots``), the tier within it from 0 (``tiers``) and the item id (``items``)."""

    members: np.ndarray
    ballots: np.ndarray
    tiers: np.ndarray
    items: np.ndarray


class TallySource:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current_tiers(self, guild_id: int, debate_id: int) -> CurrentTiers:
        rows = await self.db.fetchall(
            current_ballots_query("c.member_id, b.tiers") + " ORDER BY b.id",
            (guild_id, debate_id),
        )
        return await asyncio.to_thread(parse_current_tiers, rows)


# The stored tiers are JSON lists of lists of item ids (storage._util.dump_tiers), one line
# per ballot here: where each number stands, counted in bytes, tells its ballot (line ends
# before it) and its tier (brackets opened before it), and one C parse reads every number.
_DIGITS = np.zeros(256, dtype=np.bool_)
_DIGITS[[*b"0123456789"]] = True
_NUMBERS_ONLY = bytes(c if _DIGITS[c] else 32 for c in range(256))


def parse_current_tiers(rows: Sequence[Row]) -> CurrentTiers:
    """``(member_id, tiers JSON)`` rows as :class:`CurrentTiers`."""
    members = np.array([row[0] for row in rows], dtype=np.int64)
    text = "".join([row[1] + "\n" for row in rows]).encode("ascii")
    data = np.frombuffer(text, dtype=np.uint8)
    digits = _DIGITS[data]
    starts = np.flatnonzero(digits & ~np.concatenate(([False], digits[:-1])))
    # (fromstring reads a text with no number at all as [0].)
    numbers = text.translate(_NUMBERS_ONLY).decode("ascii") if len(starts) else ""
    items = np.fromstring(numbers, dtype=np.int64, sep=" ")
    ends = np.flatnonzero(data == ord("\n"))
    opens = np.cumsum(data == ord("["))
    if len(items) != len(starts) or len(ends) != len(rows):
        raise ValueError("A stored ballot's tiers are not one line of JSON.")
    ballots = np.searchsorted(ends, starts)  # the ballot each item is in: ends before it
    # Brackets opened before the ballot's first byte, then its outer list's and its tier's.
    opened_before = np.concatenate(([0], opens[ends[:-1]])) if len(ends) else ends
    tiers = opens[starts] - opened_before[ballots] - 2
    return CurrentTiers(members, ballots, tiers, items)
