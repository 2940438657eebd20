"""Reminders before a deadline: who asked for one, and each reminder posted, once."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Literal

from bot.models import Deadline, ReminderPost
from bot.storage._util import from_iso, to_iso
from bot.storage.database import Database
from bot.storage.debates import deadline_of


class ReminderRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- who asked ---------------------------------------------------------------------------

    async def toggle(self, guild_id: int, debate_id: int, member_id: int, now: datetime) -> bool:
        """Ask for the reminder, or stop asking if already asked; True when now asked."""
        async with self.db.transaction() as conn:
            gone = await conn.execute(
                "DELETE FROM reminder_requests WHERE guild_id = ? AND debate_id = ?"
                " AND member_id = ?",
                (guild_id, debate_id, member_id),
            )
            if gone.rowcount:
                return False
            await conn.execute(
                "INSERT INTO reminder_requests (guild_id, debate_id, member_id, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, debate_id, member_id, to_iso(now)),
            )
        return True

    async def waiting(self, guild_id: int, debate_id: int) -> list[int]:
        """Members who asked to be reminded and have no ballot yet, in the order they asked."""
        rows = await self.db.fetchall(
            "SELECT r.member_id FROM reminder_requests r WHERE r.guild_id = ? AND r.debate_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM current_ballots c WHERE c.guild_id = r.guild_id"
            " AND c.debate_id = r.debate_id AND c.member_id = r.member_id)"
            " ORDER BY r.created_at, r.member_id",
            (guild_id, debate_id),
        )
        return [int(row["member_id"]) for row in rows]

    # -- posting once ------------------------------------------------------------------------

    async def due(self, now: datetime) -> list[Deadline]:
        """Open debates whose reminder time has come and whose reminder is not claimed yet."""
        rows = await self.db.fetchall(
            "SELECT * FROM guild_debates WHERE remind_at <= ? AND is_open = 1"
            " AND closes_at IS NOT NULL ORDER BY remind_at",
            (to_iso(now),),
        )
        return [deadline_of(row) for row in rows]

    async def claim(self, deadline: Deadline, *, nonce: str, now: datetime) -> ReminderPost | None:
        """Record that the reminder of ``deadline`` is being posted, in one transaction.

        Only while the debate is still open with that deadline and reminder time: another
        claim (a second loop, a restart) finds nothing to do and gets None.
        """
        assert deadline.remind_at is not None
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE guild_debates SET remind_at = NULL WHERE guild_id = ? AND debate_id = ?"
                " AND is_open = 1 AND closes_at = ? AND remind_at = ?",
                (
                    deadline.guild_id,
                    deadline.debate_id,
                    to_iso(deadline.closes_at),
                    to_iso(deadline.remind_at),
                ),
            )
            if cursor.rowcount != 1:
                return None
            async with conn.execute(
                "INSERT INTO reminder_posts (guild_id, debate_id, channel_id, closes_at, nonce,"
                " status, claimed_at) VALUES (?, ?, ?, ?, ?, 'claimed', ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    deadline.guild_id,
                    deadline.debate_id,
                    deadline.announce_channel_id,
                    to_iso(deadline.closes_at),
                    nonce,
                    to_iso(now),
                ),
            ) as inserted:
                row = await inserted.fetchone()
        if row is None:
            return None  # this deadline was reminded of before (reopened with the same time)
        return ReminderPost(
            id=int(row[0]),
            guild_id=deadline.guild_id,
            debate_id=deadline.debate_id,
            channel_id=deadline.announce_channel_id,
            closes_at=deadline.closes_at,
            nonce=nonce,
            status="claimed",
            claimed_at=now,
        )

    async def mark_sent(self, post_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE reminder_posts SET status = 'sent', sent_at = ?, error = NULL WHERE id = ?",
                (to_iso(now), post_id),
            )

    async def mark_unsent(
        self, post_id: int, status: Literal["failed", "abandoned"], error: str
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE reminder_posts SET status = ?, error = ? WHERE id = ?",
                (status, error[:500], post_id),
            )

    async def unfinished(self) -> list[ReminderPost]:
        """Reminders claimed but never marked sent or failed: the process stopped in between."""
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_posts WHERE status = 'claimed' ORDER BY id"
        )
        return [_post(row) for row in rows]

    async def posts(self, guild_id: int, debate_id: int) -> list[ReminderPost]:
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_posts WHERE guild_id = ? AND debate_id = ? ORDER BY id",
            (guild_id, debate_id),
        )
        return [_post(row) for row in rows]


def _post(row: sqlite3.Row) -> ReminderPost:
    closes_at, claimed_at = from_iso(row["closes_at"]), from_iso(row["claimed_at"])
    assert closes_at is not None and claimed_at is not None
    return ReminderPost(
        id=row["id"],
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        channel_id=row["channel_id"],
        closes_at=closes_at,
        nonce=row["nonce"],
        status=row["status"],
        claimed_at=claimed_at,
    )
