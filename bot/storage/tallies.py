"""What the kept tallies are built from (bot.results): each member's current tiers on one
debate, read in bulk with nothing else (no times, no reasons, no Ballot per row)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.sql import Row


@dataclass(frozen=True, slots=True)
class CurrentTiers:
    """Members in the order their current ballots were saved, and each one's tiers: lists
    of item ids, best first."""

    members: list[int]
    tiers: list[list[list[int]]]


class TallySource:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current_tiers(self, guild_id: int, debate_id: int) -> CurrentTiers:
        rows = await self.db.fetchall(
            "SELECT c.member_id, b.tiers FROM current_ballots c JOIN ballots b"
            " ON b.id = c.ballot_id WHERE c.guild_id = ? AND c.debate_id = ? ORDER BY b.id",
            (guild_id, debate_id),
        )
        # A debate may have 100,000 ballots: read off the event loop.
        return await asyncio.to_thread(_current_tiers, rows)


def _current_tiers(rows: Sequence[Row]) -> CurrentTiers:
    # The tiers are stored as JSON: one document for all rows is one parse instead of one
    # per ballot, and plain lists instead of a tuple per tier.
    tiers = json.loads("[" + ",".join([row[1] for row in rows]) + "]")
    return CurrentTiers([row[0] for row in rows], tiers)
