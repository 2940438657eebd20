"""A debate's own rules in a server (results visibility, who may vote), kept beside its
open/closed state in ``guild_debates``."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from bot.models import DebateRules
from bot.storage._cache import KeptRows
from bot.storage.database import Database

_COLUMNS = tuple(f.name for f in fields(DebateRules))

# (server, debate) pairs whose rules are kept in memory.
KEPT_RULES = 20_000


class DebateRulesRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Every vote reads its debate's rules; kept, and dropped by update (see _cache).
        self._kept: KeptRows[tuple[int, int], DebateRules] = KeptRows(KEPT_RULES)

    async def get(self, guild_id: int, debate_id: int) -> DebateRules:
        return await self._kept.get((guild_id, debate_id), lambda: self._load(guild_id, debate_id))

    def forget(self, guild_id: int | None, debate_id: int | None) -> None:
        """Drop what is kept of a server's rows, or a debate's in every server, deleted
        outside this store (a purge, a deleted debate whose rows cascaded away); (None,
        None): everything, as after another process changed the database."""
        if guild_id is None and debate_id is None:
            self._kept.forget_all()
        else:
            self._kept.forget_where(lambda key, _: key[0] == guild_id or key[1] == debate_id)

    async def _load(self, guild_id: int, debate_id: int) -> DebateRules:
        row = await self.db.fetchone(
            f"SELECT {', '.join(_COLUMNS)} FROM guild_debates WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        if row is None:
            return DebateRules()
        return DebateRules(**{column: row[column] for column in _COLUMNS})

    async def update(self, guild_id: int, debate_id: int, **changes: Any) -> DebateRules:
        """Change some rules (names of :class:`DebateRules` fields; None: follow the server)."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM guild_debates"
                " WHERE guild_id = ? AND debate_id = ?",
                (guild_id, debate_id),
            ) as cursor:
                row = await cursor.fetchone()
            before = DebateRules(**{c: row[c] for c in _COLUMNS}) if row else DebateRules()
            updated = replace(before, **changes)
            values = tuple(getattr(updated, c) for c in _COLUMNS)
            # A missing row means open: inserting one keeps it open.
            await conn.execute(
                f"INSERT INTO guild_debates (guild_id, debate_id, {', '.join(_COLUMNS)})"
                f" VALUES (?, ?, {', '.join('?' * len(_COLUMNS))})"
                " ON CONFLICT (guild_id, debate_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS),
                (guild_id, debate_id, *values),
            )
        self._kept.forget((guild_id, debate_id))
        return updated
