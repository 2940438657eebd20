"""Duel sessions: one row per member, server and debate, holding the tournament so far."""

from __future__ import annotations

from datetime import datetime

from bot.models import DuelSession, DuelSessionChanged
from bot.storage._util import from_iso, to_iso, utcnow
from bot.storage.database import Database
from bot.storage.sql import Row


class DuelRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, session_id: int) -> DuelSession | None:
        row = await self.db.fetchone("SELECT * FROM duel_sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def find(self, guild_id: int, debate_id: int, member_id: int) -> DuelSession | None:
        row = await self.db.fetchone(
            "SELECT * FROM duel_sessions WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
            (guild_id, debate_id, member_id),
        )
        return _session(row) if row else None

    async def start(
        self, guild_id: int, debate_id: int, member_id: int, state: str, step: int = 0
    ) -> DuelSession:
        """A new session, replacing the member's earlier one on this debate if any."""
        now = utcnow()
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM duel_sessions WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
                (guild_id, debate_id, member_id),
            )
            inserted = await conn.fetchone(
                "INSERT INTO duel_sessions"
                " (guild_id, debate_id, member_id, state, step, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, debate_id, member_id, state, step, to_iso(now), to_iso(now)),
            )
        assert inserted is not None
        session_id = int(inserted["id"])
        return DuelSession(session_id, guild_id, debate_id, member_id, state, step, now, now)

    async def advance(self, session: DuelSession, state: str, step: int) -> DuelSession:
        """Store the next state of ``session``, as it was read; DuelSessionChanged when it
        has moved on or ended since (two clicks on one question: only the first counts)."""
        now = utcnow()
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE duel_sessions SET state = ?, step = ?, updated_at = ?"
                " WHERE id = ? AND step = ?",
                (state, step, to_iso(now), session.id, session.step),
            )
            changed = cursor.rowcount
        if changed != 1:
            raise DuelSessionChanged(session.id)
        return DuelSession(
            session.id,
            session.guild_id,
            session.debate_id,
            session.member_id,
            state,
            step,
            session.created_at,
            now,
        )

    async def end(self, session_id: int) -> bool:
        """Delete the session; False when it was already gone."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM duel_sessions WHERE id = ?", (session_id,))
            return cursor.rowcount == 1

    async def drop_idle(self, before: datetime) -> int:
        """Delete the sessions last touched before ``before``; how many went."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM duel_sessions WHERE updated_at < ?", (to_iso(before),)
            )
            return cursor.rowcount


def _session(row: Row) -> DuelSession:
    created, updated = from_iso(row["created_at"]), from_iso(row["updated_at"])
    assert created is not None and updated is not None
    return DuelSession(
        id=row["id"],
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        member_id=row["member_id"],
        state=row["state"],
        step=row["step"],
        created_at=created,
        updated_at=updated,
    )
