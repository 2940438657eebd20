"""The one SQLite connection the bot owns, its transactions and its migrations."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple, Self

import aiosqlite

from bot.storage._util import utcnow
from bot.storage.backup import BackupReport, backup_database

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the bot; the message is one line."""


class MigrationFailed(Exception):
    """A migration was rolled back; the message is one line and the database is unchanged."""


class Database:
    """Owns one aiosqlite connection (WAL, foreign keys on, autocommit outside transactions).

    Writes go through :meth:`transaction`, which serialises writers with an asyncio lock:
    a single connection is shared by every coroutine, so without the lock one command's
    statements could land inside another command's open transaction.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit BEGINs; transactions are explicit below.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        return cls(conn, path)

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(
        self, *, foreign_keys: bool = True
    ) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back.

        ``foreign_keys=False`` is for migrations: the pragma is a no-op inside a transaction,
        so it is switched off before ``BEGIN`` and back on after the end.
        """
        async with self._write_lock:
            if not foreign_keys:
                await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    await self.conn.rollback()
                    raise
                else:
                    await self.conn.commit()
            finally:
                if not foreign_keys:
                    await self.conn.execute("PRAGMA foreign_keys = ON")

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        # One trip to the connection's thread, not three (execute, fetch, close): every
        # trip is a future and a thread handoff, and a /vote reads a handful of rows.
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def data_version(self) -> int:
        """Changes when another connection (another process) commits to the database."""
        row = await self.fetchone("PRAGMA data_version")
        return int(row[0]) if row else 0

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply numbered migrations newer than the recorded version; returns the new version.

        A database written by a newer bot is refused (:class:`DatabaseTooNew`). Before the
        first pending migration the file is backed up next to itself. Each migration and its
        version bump commit together, so a failed one leaves the previous version.
        """
        migrations = available_migrations() if migrations is None else migrations
        current = await self.schema_version()
        newest = max((m.version for m in migrations), default=0)
        if current > newest:
            raise DatabaseTooNew(
                f"{self.path} was written by a newer version of Ranking Debates (schema "
                f"{current}; this one knows up to {newest}): upgrade the bot, or restore a "
                "backup made before that version ran."
            )
        pending = [m for m in migrations if m.version > current]
        if pending and current > 0 and str(self.path) != ":memory:":
            report = await self.backup_before_migrating(current)
            log.info("Backed up the database before migrating: %s", report.describe())
        for migration in pending:
            await self._apply(migration)
            current = migration.version
        return current

    async def backup_before_migrating(self, version: int) -> BackupReport:
        stamp = f"{utcnow():%Y%m%dT%H%M%SZ}"
        target = self.path.with_name(f"{self.path.name}.v{version}-{stamp}.bak")
        return await asyncio.to_thread(backup_database, self.path, target)

    async def _apply(self, migration: Migration) -> None:
        log.info("Applying migration %s", migration.name)
        # Foreign keys off: the standard way to change a table (create the new one, copy,
        # drop the old, rename) would otherwise cascade the drop onto every row that refers
        # to it. foreign_key_check then refuses a migration that leaves a dangling reference.
        async with self.transaction(foreign_keys=False) as conn:
            for statement in _split_statements(migration.sql):
                await conn.execute(statement)
            async with conn.execute("PRAGMA foreign_key_check") as cursor:
                dangling = list(await cursor.fetchall())
            if dangling:
                table, rowid, parent, _ = dangling[0]
                raise MigrationFailed(
                    f"Migration {migration.name} would leave {len(dangling)} row(s) referring "
                    f"to nothing (first: {table} row {rowid} -> {parent}); nothing was changed."
                )
            # PRAGMA takes no parameters; version is an int parsed from the file name.
            await conn.execute(f"PRAGMA user_version = {migration.version:d}")


def available_migrations(folder: Traversable | None = None) -> list[Migration]:
    """The ``NNNN_name.sql`` files of ``folder`` (the bot's own by default), in order."""
    if folder is None:
        folder = resources.files("bot.storage") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            sql = entry.read_text(encoding="utf-8")
            found.append(Migration(int(match.group(1)), entry.name, sql))
    found.sort()
    versions = [version for version, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Two migrations share a number: {[name for _, name, _ in found]}")
    return found


def _split_statements(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction; sqlite3.complete_statement splits safely.
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"Unterminated SQL statement in migration: {buffer.strip()[:80]}")
    return statements
