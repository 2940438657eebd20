"""Servers the bot left: their schedules paused, their data kept for a while, then deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.storage._util import to_iso
from bot.storage.database import Database

LEFT_REASON = "the bot is no longer in this server"


class GuildRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def left(self, guild_id: int, now: datetime) -> int:
        """Record that the bot left and pause the server's schedules; how many were paused."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, to_iso(now)),
            )
            cursor = await conn.execute(
                "UPDATE summary_schedules SET paused_at = ?, paused_reason = ?"
                " WHERE guild_id = ? AND paused_at IS NULL",
                (to_iso(now), LEFT_REASON, guild_id),
            )
        return cursor.rowcount

    async def joined(self, guild_id: int) -> int:
        """The bot is (back) in the server: resume what leaving paused; how many resumed."""
        async with self.db.transaction() as conn:
            gone = await conn.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))
            if not gone.rowcount:
                return 0
            cursor = await conn.execute(
                "UPDATE summary_schedules SET paused_at = NULL, paused_reason = NULL"
                " WHERE guild_id = ? AND paused_reason = ?",
                (guild_id, LEFT_REASON),
            )
        return cursor.rowcount

    async def departed(self) -> set[int]:
        rows = await self.db.fetchall("SELECT guild_id FROM departed_guilds")
        return {row["guild_id"] for row in rows}

    async def known(self) -> set[int]:
        """The servers the database holds rows of and has not recorded leaving: those the
        bot was in when it last saw them."""
        found: set[int] = set()
        for table in await self._tables_with_guild_id():
            if table == "departed_guilds":
                continue
            rows = await self.db.fetchall(
                f'SELECT DISTINCT guild_id FROM "{table}" WHERE guild_id IS NOT NULL'
            )
            found.update(row[0] for row in rows)
        return found - await self.departed()

    async def purge_left_before(
        self, cutoff: datetime, *, only: Callable[[int], bool] = lambda _guild: True
    ) -> list[int]:
        """Delete every row of each server the bot left before ``cutoff`` (of those ``only``
        accepts); those servers."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM departed_guilds WHERE left_at < ?", (to_iso(cutoff),)
        )
        purged = [row["guild_id"] for row in rows if only(row["guild_id"])]
        tables = await self._tables_with_guild_id()
        for guild_id in purged:
            async with self.db.transaction() as conn:
                # Every table that names a server, so a table added later is covered too;
                # the server's own debates go last and take their items along (cascade).
                for table in tables:
                    await conn.execute(f'DELETE FROM "{table}" WHERE guild_id = ?', (guild_id,))
        return purged

    async def _tables_with_guild_id(self) -> list[str]:
        found = [
            table for table, columns in (await self.db.tables()).items() if "guild_id" in columns
        ]
        # Debates last: deleting them cascades to rows the other deletes already removed.
        return sorted(found, key=lambda t: (t in ("debates", "departed_guilds"), t))
