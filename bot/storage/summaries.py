"""Summary schedules and the record of every summary posted, with what each one showed."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Literal

from bot.models import Deadline, PostKind, Schedule, SummaryPost, SummarySnapshot, VoterChanges
from bot.storage._util import from_iso, to_iso
from bot.storage.database import Database


class SummaryRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- schedules -----------------------------------------------------------------------

    async def set_schedule(self, schedule: Schedule) -> Schedule:
        """Create or replace the schedule of one debate in one server (and resume it)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO summary_schedules (guild_id, debate_id, channel_id, every, hour,"
                " weekday, next_due, created_by, created_at, paused_at, paused_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, debate_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " every = excluded.every, hour = excluded.hour, weekday = excluded.weekday,"
                " next_due = excluded.next_due, created_by = excluded.created_by,"
                " created_at = excluded.created_at, paused_at = excluded.paused_at,"
                " paused_reason = excluded.paused_reason",
                (
                    schedule.guild_id,
                    schedule.debate_id,
                    schedule.channel_id,
                    schedule.every,
                    schedule.hour,
                    schedule.weekday,
                    to_iso(schedule.next_due),
                    schedule.created_by,
                    to_iso(schedule.created_at),
                    to_iso(schedule.paused_at) if schedule.paused_at else None,
                    schedule.paused_reason,
                ),
            )
        return schedule

    async def pause(self, guild_id: int, debate_id: int, reason: str, now: datetime) -> None:
        """Stop posting until an admin schedules again; ``reason`` is shown to them."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE summary_schedules SET paused_at = ?, paused_reason = ?"
                " WHERE guild_id = ? AND debate_id = ?",
                (to_iso(now), reason[:500], guild_id, debate_id),
            )

    async def get_schedule(self, guild_id: int, debate_id: int) -> Schedule | None:
        row = await self.db.fetchone(
            "SELECT * FROM summary_schedules WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return _schedule(row) if row else None

    async def schedules_for_guild(self, guild_id: int) -> list[Schedule]:
        rows = await self.db.fetchall(
            "SELECT * FROM summary_schedules WHERE guild_id = ? ORDER BY next_due", (guild_id,)
        )
        return [_schedule(row) for row in rows]

    async def remove_schedule(self, guild_id: int, debate_id: int) -> Schedule | None:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM summary_schedules WHERE guild_id = ? AND debate_id = ?",
                (guild_id, debate_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute(
                "DELETE FROM summary_schedules WHERE guild_id = ? AND debate_id = ?",
                (guild_id, debate_id),
            )
        return _schedule(row)

    async def due(self, now: datetime) -> list[Schedule]:
        rows = await self.db.fetchall(
            "SELECT * FROM summary_schedules WHERE next_due <= ? AND paused_at IS NULL"
            " ORDER BY next_due",
            (to_iso(now),),
        )
        return [_schedule(row) for row in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest running schedule is due (None: no schedule runs)."""
        row = await self.db.fetchone(
            "SELECT MIN(next_due) FROM summary_schedules WHERE paused_at IS NULL"
        )
        return from_iso(row[0]) if row and row[0] else None

    # -- posts ---------------------------------------------------------------------------

    async def claim_slot(
        self,
        schedule: Schedule,
        *,
        next_due: datetime,
        snapshot: SummarySnapshot,
        nonce: str,
        now: datetime,
    ) -> SummaryPost | None:
        """Record that ``schedule``'s due slot is being posted and move it to ``next_due``.

        One transaction: either the slot is claimed and the schedule moved on, or nothing
        changed. Returns None when the slot is no longer due as read (the schedule was
        changed, stopped or claimed meanwhile), so a slot is never claimed twice.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT next_due FROM summary_schedules WHERE guild_id = ? AND debate_id = ?",
                (schedule.guild_id, schedule.debate_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["next_due"] != to_iso(schedule.next_due):
                return None
            cursor = await conn.execute(
                "INSERT INTO summary_posts (guild_id, debate_id, channel_id, slot, nonce, status,"
                " snapshot, claimed_at) VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    schedule.guild_id,
                    schedule.debate_id,
                    schedule.channel_id,
                    to_iso(schedule.next_due),
                    nonce,
                    dump_snapshot(snapshot),
                    to_iso(now),
                ),
            )
            post_id = cursor.lastrowid if cursor.rowcount else None
            await conn.execute(
                "UPDATE summary_schedules SET next_due = ? WHERE guild_id = ? AND debate_id = ?",
                (to_iso(next_due), schedule.guild_id, schedule.debate_id),
            )
        if post_id is None:
            return None  # the slot was posted before; the schedule has now moved past it
        return SummaryPost(
            id=post_id,
            guild_id=schedule.guild_id,
            debate_id=schedule.debate_id,
            channel_id=schedule.channel_id,
            slot=schedule.next_due,
            nonce=nonce,
            status="claimed",
            snapshot=snapshot,
            claimed_at=now,
        )

    async def claim_manual(
        self,
        guild_id: int,
        debate_id: int,
        channel_id: int,
        *,
        snapshot: SummarySnapshot,
        nonce: str,
        now: datetime,
        kind: PostKind = "summary",
    ) -> SummaryPost:
        """Record a /summary post (or a reveal at a close by hand) about to be sent."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO summary_posts (guild_id, debate_id, channel_id, slot, nonce, status,"
                " snapshot, claimed_at, kind) VALUES (?, ?, ?, NULL, ?, 'claimed', ?, ?, ?)",
                (
                    guild_id,
                    debate_id,
                    channel_id,
                    nonce,
                    dump_snapshot(snapshot),
                    to_iso(now),
                    kind,
                ),
            )
            post_id = cursor.lastrowid
        assert post_id is not None
        return SummaryPost(
            id=post_id,
            guild_id=guild_id,
            debate_id=debate_id,
            channel_id=channel_id,
            slot=None,
            nonce=nonce,
            status="claimed",
            snapshot=snapshot,
            claimed_at=now,
            kind=kind,
        )

    async def claim_reveal(
        self, deadline: Deadline, *, snapshot: SummarySnapshot, nonce: str, now: datetime
    ) -> SummaryPost | None:
        """Close a debate at its deadline and record its reveal, in one transaction.

        Only while the debate is still open with that very deadline: a second claim (another
        loop, a restart, an admin who reopened or closed it meanwhile) finds nothing to do
        and gets None, so a deadline closes and reveals once.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE guild_debates SET is_open = 0, closed_at = closes_at, closes_at = NULL,"
                " remind_at = NULL"
                " WHERE guild_id = ? AND debate_id = ? AND is_open = 1 AND closes_at = ?",
                (deadline.guild_id, deadline.debate_id, to_iso(deadline.closes_at)),
            )
            if cursor.rowcount != 1:
                return None
            cursor = await conn.execute(
                "INSERT INTO summary_posts (guild_id, debate_id, channel_id, slot, nonce, status,"
                " snapshot, claimed_at, kind) VALUES (?, ?, ?, NULL, ?, 'claimed', ?, ?, 'reveal')",
                (
                    deadline.guild_id,
                    deadline.debate_id,
                    deadline.announce_channel_id,
                    nonce,
                    dump_snapshot(snapshot),
                    to_iso(now),
                ),
            )
            post_id = cursor.lastrowid
        assert post_id is not None
        return SummaryPost(
            id=post_id,
            guild_id=deadline.guild_id,
            debate_id=deadline.debate_id,
            channel_id=deadline.announce_channel_id,
            slot=None,
            nonce=nonce,
            status="claimed",
            snapshot=snapshot,
            claimed_at=now,
            kind="reveal",
        )

    async def mark_sent(self, post_id: int, message_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE summary_posts SET status = 'sent', message_id = ?, sent_at = ?, error = NULL"
                " WHERE id = ?",
                (message_id, to_iso(now), post_id),
            )

    async def mark_unsent(
        self, post_id: int, status: Literal["failed", "abandoned"], error: str
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE summary_posts SET status = ?, error = ? WHERE id = ?",
                (status, error[:500], post_id),
            )

    async def unfinished(self) -> list[SummaryPost]:
        """Posts claimed but never marked sent or failed: the process stopped in between."""
        rows = await self.db.fetchall(
            "SELECT * FROM summary_posts WHERE status = 'claimed' ORDER BY id"
        )
        return [_post(row) for row in rows]

    async def get_post(self, post_id: int) -> SummaryPost | None:
        row = await self.db.fetchone("SELECT * FROM summary_posts WHERE id = ?", (post_id,))
        return _post(row) if row else None

    async def posts(self, guild_id: int, debate_id: int) -> list[SummaryPost]:
        rows = await self.db.fetchall(
            "SELECT * FROM summary_posts WHERE guild_id = ? AND debate_id = ? ORDER BY id",
            (guild_id, debate_id),
        )
        return [_post(row) for row in rows]

    async def last_sent(self, guild_id: int, debate_id: int) -> SummaryPost | None:
        row = await self.db.fetchone(
            "SELECT * FROM summary_posts WHERE guild_id = ? AND debate_id = ? AND status = 'sent'"
            " ORDER BY id DESC LIMIT 1",
            (guild_id, debate_id),
        )
        return _post(row) if row else None

    # -- what changed among the ballots ----------------------------------------------------

    async def ballot_mark(self, guild_id: int, debate_id: int) -> int:
        """The highest ballot id of the debate in the server (0 when nobody voted)."""
        row = await self.db.fetchone(
            "SELECT COALESCE(MAX(id), 0) FROM ballots WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return int(row[0]) if row else 0

    async def voter_changes(self, guild_id: int, debate_id: int, mark: int) -> VoterChanges:
        """Among the current voters: who first voted after ``mark``, and who revised since."""
        # A member whose oldest revisions were compacted away (the history retention) had
        # voted before: counted as changed, not new, whenever they voted the first time.
        earlier = (
            "(EXISTS (SELECT 1 FROM ballots b WHERE b.guild_id = c.guild_id"
            " AND b.debate_id = c.debate_id AND b.member_id = c.member_id AND b.id <= ?)"
            " OR EXISTS (SELECT 1 FROM ballot_history_compacted h WHERE h.guild_id = c.guild_id"
            " AND h.debate_id = c.debate_id AND h.member_id = c.member_id))"
        )
        row = await self.db.fetchone(
            f"SELECT SUM(CASE WHEN {earlier} THEN 0 ELSE 1 END),"
            f" SUM(CASE WHEN c.ballot_id > ? AND {earlier} THEN 1 ELSE 0 END)"
            " FROM current_ballots c WHERE c.guild_id = ? AND c.debate_id = ?",
            (mark, mark, mark, guild_id, debate_id),
        )
        if row is None:
            return VoterChanges(0, 0)
        return VoterChanges(new=int(row[0] or 0), changed=int(row[1] or 0))


def _schedule(row: sqlite3.Row) -> Schedule:
    next_due, created_at = from_iso(row["next_due"]), from_iso(row["created_at"])
    assert next_due is not None and created_at is not None
    return Schedule(
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        channel_id=row["channel_id"],
        every=row["every"],
        hour=row["hour"],
        weekday=row["weekday"],
        next_due=next_due,
        created_by=row["created_by"],
        created_at=created_at,
        paused_at=from_iso(row["paused_at"]),
        paused_reason=row["paused_reason"],
    )


def _post(row: sqlite3.Row) -> SummaryPost:
    claimed_at = from_iso(row["claimed_at"])
    assert claimed_at is not None
    return SummaryPost(
        id=row["id"],
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        channel_id=row["channel_id"],
        slot=from_iso(row["slot"]),
        nonce=row["nonce"],
        status=row["status"],
        snapshot=load_snapshot(row["snapshot"]),
        claimed_at=claimed_at,
        sent_at=from_iso(row["sent_at"]),
        message_id=row["message_id"],
        error=row["error"],
        kind=row["kind"],
    )


def dump_snapshot(snapshot: SummarySnapshot) -> str:
    return json.dumps(
        {
            "method": snapshot.method,
            "voters": snapshot.voters,
            "ballot_mark": snapshot.ballot_mark,
            # JSON keys are strings; a list of pairs keeps the ids as ints.
            "places": sorted(snapshot.places.items()),
        },
        separators=(",", ":"),
    )


def load_snapshot(text: str) -> SummarySnapshot:
    data = json.loads(text)
    return SummarySnapshot(
        method=str(data["method"]),
        voters=int(data["voters"]),
        ballot_mark=int(data["ballot_mark"]),
        places={int(k): int(v) for k, v in data["places"]},
    )
