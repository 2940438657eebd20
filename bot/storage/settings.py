"""Per-server settings."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from bot.models import GuildSettings
from bot.storage._cache import KeptRows
from bot.storage.database import Database

_COLUMNS = tuple(f.name for f in fields(GuildSettings) if f.name != "guild_id")

# Servers whose settings are kept in memory (a few hundred bytes each).
KEPT_SERVERS = 10_000


class SettingsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Every vote reads its server's settings; kept, and dropped by update (see _cache).
        self._kept: KeptRows[int, GuildSettings] = KeptRows(KEPT_SERVERS)

    async def get(self, guild_id: int) -> GuildSettings:
        return await self._kept.get(guild_id, lambda: self._load(guild_id))

    def forget(self, guild_id: int) -> None:
        """Drop what is kept of a server whose rows were deleted outside this store."""
        self._kept.forget(guild_id)

    def forget_all(self) -> None:
        """Drop everything kept: another process changed the database."""
        self._kept.forget_all()

    async def _load(self, guild_id: int) -> GuildSettings:
        row = await self.db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            current_debate_id=row["current_debate_id"],
            min_voters=row["min_voters"],
            hide_members=bool(row["hide_members"]),
            default_method=row["default_method"],
            admin_role_id=row["admin_role_id"],
            pseudonymous_exports=bool(row["pseudonymous_exports"]),
            results=row["results"],
            voter_role_id=row["voter_role_id"],
            min_member_days=row["min_member_days"],
            faction_min_voters=row["faction_min_voters"],
            faction_min_size=row["faction_min_size"],
        )

    async def update(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some settings; unknown names are a programming error (``TypeError``)."""
        async with self.db.transaction() as conn:
            # Read inside the transaction so two admins changing different settings both win.
            updated = replace(await self._load(guild_id), **changes)
            values = tuple(
                int(v) if isinstance(v, bool) else v
                for v in (getattr(updated, c) for c in _COLUMNS)
            )
            await conn.execute(
                f"INSERT INTO guild_settings (guild_id, {', '.join(_COLUMNS)})"
                f" VALUES (?, {', '.join('?' * len(_COLUMNS))})"
                " ON CONFLICT (guild_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS),
                (guild_id, *values),
            )
        self._kept.forget(guild_id)
        return updated
