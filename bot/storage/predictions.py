"""Members' predictions of a debate's final consensus ("guess the server")."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.models import Prediction, Tiers
from bot.storage._util import dump_tiers, from_iso, load_tiers, to_iso
from bot.storage.database import Database


class PredictionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(
        self, guild_id: int, debate_id: int, member_id: int, tiers: Tiers, now: datetime
    ) -> tuple[Prediction, bool]:
        """Store the member's prediction, replacing theirs; and whether it replaced one."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT created_at FROM predictions"
                " WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
                (guild_id, debate_id, member_id),
            ) as cursor:
                before = await cursor.fetchone()
            await conn.execute(
                "INSERT INTO predictions (guild_id, debate_id, member_id, tiers, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, debate_id, member_id) DO UPDATE SET"
                " tiers = excluded.tiers, updated_at = excluded.updated_at",
                (guild_id, debate_id, member_id, dump_tiers(tiers), to_iso(now), to_iso(now)),
            )
        created = from_iso(before["created_at"]) if before else now
        assert created is not None
        return Prediction(guild_id, debate_id, member_id, tiers, created, now), before is not None

    async def get(self, guild_id: int, debate_id: int, member_id: int) -> Prediction | None:
        row = await self.db.fetchone(
            "SELECT * FROM predictions WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
            (guild_id, debate_id, member_id),
        )
        return _prediction(row) if row else None

    async def all(self, guild_id: int, debate_id: int) -> list[Prediction]:
        rows = await self.db.fetchall(
            "SELECT * FROM predictions WHERE guild_id = ? AND debate_id = ? ORDER BY member_id",
            (guild_id, debate_id),
        )
        return [_prediction(row) for row in rows]


def _prediction(row: sqlite3.Row) -> Prediction:
    created, updated = from_iso(row["created_at"]), from_iso(row["updated_at"])
    assert created is not None and updated is not None
    return Prediction(
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        member_id=row["member_id"],
        tiers=load_tiers(row["tiers"]),
        created_at=created,
        updated_at=updated,
    )
