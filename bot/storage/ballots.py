"""Ballots: every revision kept with its time, and a pointer to each member's current one."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from bot.models import Ballot, DebateGone, ItemsGone, Tiers
from bot.storage._util import dump_tiers, from_iso, load_tiers, to_iso, utcnow
from bot.storage.database import Database

_CURRENT = (
    "SELECT b.* FROM current_ballots c JOIN ballots b ON b.id = c.ballot_id"
    " WHERE c.guild_id = ? AND c.debate_id = ?"
)


# Retention: a member's newest revisions of a ballot on a debate that are kept (the current
# one is the newest); each save deletes older ones of that member in its own transaction,
# counting them in ballot_history_compacted. Documented in README ("What is kept").
KEEP_REVISIONS = 20

_MEMBER = "guild_id = ? AND debate_id = ? AND member_id = ?"


class BallotRepository:
    def __init__(self, db: Database, *, keep_revisions: int = KEEP_REVISIONS) -> None:
        self.db = db
        self.keep_revisions = keep_revisions

    async def save(
        self,
        guild_id: int,
        debate_id: int,
        member_id: int,
        tiers: Tiers,
        reason: str | None = None,
    ) -> tuple[Ballot, Ballot | None]:
        """Store a new revision and make it current, in one transaction.

        Raises :class:`ItemsGone` if the debate no longer has one of the ballot's items.

        Returns the new ballot and the one it replaced (None for a first vote), so callers
        can update running tallies without rereading anything.
        """
        if not tiers or not all(tiers):
            raise ValueError("A ballot needs at least one item and no empty tiers.")
        created = utcnow()
        try:
            return await self._save(guild_id, debate_id, member_id, tiers, reason, created)
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            raise DebateGone(debate_id) from None

    async def _save(
        self,
        guild_id: int,
        debate_id: int,
        member_id: int,
        tiers: Tiers,
        reason: str | None,
        created: datetime,
    ) -> tuple[Ballot, Ballot | None]:
        async with self.db.transaction() as conn:
            # Checked here, inside the write: an item removed after the caller's last read
            # must not end up in a stored ballot.
            async with conn.execute(
                "SELECT id FROM items WHERE debate_id = ?", (debate_id,)
            ) as cursor:
                known = {row[0] for row in await cursor.fetchall()}
            if not known:  # every debate has items: no items, no debate
                raise DebateGone(debate_id)
            if any(item not in known for tier in tiers for item in tier):
                raise ItemsGone(debate_id)
            async with conn.execute(
                _CURRENT + " AND c.member_id = ?", (guild_id, debate_id, member_id)
            ) as cursor:
                previous_row = await cursor.fetchone()
            cursor = await conn.execute(
                "INSERT INTO ballots (guild_id, debate_id, member_id, tiers, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, debate_id, member_id, dump_tiers(tiers), reason, to_iso(created)),
            )
            ballot_id = cursor.lastrowid
            assert ballot_id is not None
            await conn.execute(
                "INSERT INTO current_ballots (guild_id, debate_id, member_id, ballot_id)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, debate_id, member_id)"
                " DO UPDATE SET ballot_id = excluded.ballot_id",
                (guild_id, debate_id, member_id, ballot_id),
            )
            await self._compact(conn, guild_id, debate_id, member_id)
        ballot = Ballot(
            id=ballot_id,
            guild_id=guild_id,
            debate_id=debate_id,
            member_id=member_id,
            tiers=tuple(tuple(tier) for tier in tiers),
            reason=reason,
            created_at=created,
        )
        return ballot, _ballot(previous_row) if previous_row else None

    async def withdraw(self, guild_id: int, debate_id: int, member_id: int) -> Ballot | None:
        """Stop counting the member's current ballot; it stays in history, marked withdrawn."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                _CURRENT + " AND c.member_id = ?", (guild_id, debate_id, member_id)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute(
                "UPDATE ballots SET withdrawn_at = ? WHERE id = ?", (to_iso(utcnow()), row["id"])
            )
            await conn.execute(
                "DELETE FROM current_ballots WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
                (guild_id, debate_id, member_id),
            )
        return _ballot(row)

    async def current(self, guild_id: int, debate_id: int, member_id: int) -> Ballot | None:
        row = await self.db.fetchone(
            _CURRENT + " AND c.member_id = ?", (guild_id, debate_id, member_id)
        )
        return _ballot(row) if row else None

    async def current_all(self, guild_id: int, debate_id: int) -> list[Ballot]:
        rows = await self.db.fetchall(_CURRENT + " ORDER BY b.id", (guild_id, debate_id))
        return [_ballot(row) for row in rows]

    async def count_current(self, guild_id: int, debate_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM current_ballots WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return int(row[0]) if row else 0

    async def voter_counts(self, guild_id: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT debate_id, COUNT(*) AS n FROM current_ballots WHERE guild_id = ?"
            " GROUP BY debate_id",
            (guild_id,),
        )
        return {row["debate_id"]: row["n"] for row in rows}

    async def active_debates(self) -> list[tuple[int, int]]:
        """Every (guild_id, debate_id) with at least one current ballot."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, debate_id FROM current_ballots ORDER BY guild_id, debate_id"
        )
        return [(row["guild_id"], row["debate_id"]) for row in rows]

    async def _compact(
        self, conn: aiosqlite.Connection, guild_id: int, debate_id: int, member_id: int
    ) -> int:
        """Delete the member's revisions older than the newest ``keep_revisions``, counting
        them; how many went. Walks only that member's rows (index ballots_member)."""
        key = (guild_id, debate_id, member_id)
        cursor = await conn.execute(
            f"DELETE FROM ballots WHERE {_MEMBER} AND id < (SELECT id FROM ballots"
            f" WHERE {_MEMBER} ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (*key, *key, self.keep_revisions - 1),
        )
        gone = max(cursor.rowcount, 0)
        if gone:
            await conn.execute(
                "INSERT INTO ballot_history_compacted (guild_id, debate_id, member_id, revisions)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, debate_id, member_id)"
                " DO UPDATE SET revisions = ballot_history_compacted.revisions"
                " + excluded.revisions",
                (*key, gone),
            )
        return gone

    async def compact_all(self, *, batch: int = 100) -> int:
        """Apply the retention to every member with too many revisions (kept from before it
        existed); how many revisions went. Many short transactions, so votes go on meanwhile."""
        total = 0
        while True:
            rows = await self.db.fetchall(
                "SELECT guild_id, debate_id, member_id FROM ballots"
                " GROUP BY guild_id, debate_id, member_id HAVING COUNT(*) > ? LIMIT ?",
                (self.keep_revisions, batch),
            )
            if not rows:
                return total
            for row in rows:
                async with self.db.transaction() as conn:
                    total += await self._compact(conn, *tuple(row))

    async def count_revisions(self, guild_id: int, debate_id: int, member_id: int) -> int:
        """How many revisions the member ever saved, compacted ones included."""
        key = (guild_id, debate_id, member_id)
        row = await self.db.fetchone(
            f"SELECT (SELECT COUNT(*) FROM ballots WHERE {_MEMBER})"
            f" + COALESCE((SELECT revisions FROM ballot_history_compacted WHERE {_MEMBER}), 0)",
            (*key, *key),
        )
        return int(row[0]) if row else 0

    async def history(self, guild_id: int, debate_id: int, member_id: int) -> list[Ballot]:
        """The revisions kept of the member's ballot (see KEEP_REVISIONS), oldest first,
        withdrawn ones included."""
        rows = await self.db.fetchall(
            "SELECT * FROM ballots WHERE guild_id = ? AND debate_id = ? AND member_id = ?"
            " ORDER BY id",
            (guild_id, debate_id, member_id),
        )
        return [_ballot(row) for row in rows]


def _ballot(row: sqlite3.Row) -> Ballot:
    created = from_iso(row["created_at"])
    assert created is not None
    return Ballot(
        id=row["id"],
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        member_id=row["member_id"],
        tiers=load_tiers(row["tiers"]),
        reason=row["reason"],
        created_at=created,
        withdrawn_at=from_iso(row["withdrawn_at"]),
    )
