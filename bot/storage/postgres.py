"""PostgreSQL through asyncpg: the same :class:`Connection` as SQLite's, for several processes.

Many processes (shards) may share one PostgreSQL database. Each keeps the same rules as the
SQLite bot inside itself (one writer transaction at a time, so read-then-write logic stays
as it was reviewed); across processes, a server belongs to one shard, and claims are
unique keys or conditional updates, never a read followed by a write.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg

from bot.storage._util import to_iso, utcnow
from bot.storage.database import (
    Database,
    DatabaseUnavailable,
    Migration,
    MigrationFailed,
    describe_target,
    register_postgres,
)
from bot.storage.sql import (
    Connection,
    ConstraintViolation,
    Cursor,
    ForeignKeyViolation,
    Params,
    Row,
    UniqueViolation,
    numbered_placeholders,
    returns_rows,
)

log = logging.getLogger(__name__)

# pg_advisory_lock key for migrations: any fixed bigint that nothing else uses.
MIGRATION_LOCK = 0x52616E6B_44656261  # "RankDeba"
# LISTEN/NOTIFY channel on which a process tells the others that it changed rows outside
# their servers (python -m bot forget): they recount their tallies, as SQLite's data_version.
CHANGES_CHANNEL = "ranking_debates_changes"
_VERSIONS = "schema_migrations"

# The connection of the transaction the current task is in, so that its reads see its writes.
_in_transaction: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar(
    "pg_transaction", default=None
)


class PostgresConnection(Connection):
    def __init__(self, conn: asyncpg.Connection, announcer: str) -> None:
        self.conn = conn
        self._announcer = announcer

    async def _execute(self, sql: str, params: Params) -> Cursor:
        query = numbered_placeholders(sql)
        try:
            if returns_rows(sql):
                rows = await self.conn.fetch(query, *params)
                return Cursor(rows, len(rows), None, "postgresql")
            status = await self.conn.execute(query, *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _violation(exc) from exc
        # "UPDATE 3", "DELETE 0", "INSERT 0 1": the count comes last.
        count = status.rsplit(" ", 1)[-1]
        return Cursor([], int(count) if count.isdigit() else -1, None, "postgresql")

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        try:
            await self.conn.executemany(numbered_placeholders(sql), batch)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _violation(exc) from exc

    async def announce_change(self) -> None:
        # Delivered when the transaction commits, and not at all if it rolls back.
        await self.conn.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, self._announcer)


def _violation(exc: asyncpg.IntegrityConstraintViolationError) -> ConstraintViolation:
    if isinstance(exc, asyncpg.UniqueViolationError):
        return UniqueViolation(str(exc))
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return ForeignKeyViolation(str(exc))
    return ConstraintViolation(str(exc))


class PostgresDatabase(Database):
    """A small pool of asyncpg connections; transactions one at a time in this process."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.name = describe_target(url)
        # Who this process is on the change channel: its own announcements are not news.
        self._announcer = secrets.token_hex(8)
        self._write_lock = asyncio.Lock()
        self._listener: asyncpg.Connection | None = None
        self._changes_seen = 0

    @classmethod
    async def connect(cls, url: str, *, max_size: int = 4) -> PostgresDatabase:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(
                f"could not connect to PostgreSQL at {describe_target(url)}: {exc}"
            ) from None
        return cls(pool, url)

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        await self.pool.close()

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        # The lock keeps SQLite's semantics: the repositories' read-then-write steps were
        # written for one writer at a time in a process.
        async with self._write_lock, self.pool.acquire() as conn, conn.transaction():
            token = _in_transaction.set(conn)
            try:
                yield PostgresConnection(conn, self._announcer)
            finally:
                _in_transaction.reset(token)

    async def _run(self, sql: str, params: Params) -> Cursor:
        current = _in_transaction.get()
        if current is not None:
            return await PostgresConnection(current, self._announcer)._execute(sql, params)
        async with self.pool.acquire() as conn:
            return await PostgresConnection(conn, self._announcer)._execute(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await (await self._run(sql, params)).fetchall()

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await (await self._run(sql, params)).fetchone()

    async def data_version(self) -> int:
        """How many changes other processes announced since this one started listening."""
        if self._listener is not None and self._listener.is_closed():
            # Notifications sent while it was gone are lost: count that as a change.
            self._listener = None
            self._changes_seen += 1
        if self._listener is None:
            self._listener = await asyncpg.connect(self.url)
            await self._listener.add_listener(CHANGES_CHANNEL, self._on_change)
        return self._changes_seen

    def _on_change(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload != self._announcer:
            self._changes_seen += 1

    async def schema_version(self) -> int:
        exists = await self.fetchone("SELECT to_regclass(?) IS NOT NULL", (_VERSIONS,))
        if not exists or not exists[0]:
            return 0
        row = await self.fetchone(f"SELECT COALESCE(MAX(version), 0) FROM {_VERSIONS}")
        return int(row[0]) if row else 0

    async def tables(self) -> dict[str, list[str]]:
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> ?"
            " ORDER BY table_name, ordinal_position",
            (_VERSIONS,),
        )
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return found

    async def references(self) -> dict[str, set[str]]:
        rows = await self.fetchall(
            "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent"
            " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE c.contype = 'f' AND n.nspname = current_schema()"
        )
        found: dict[str, set[str]] = {table: set() for table in await self.tables()}
        for row in rows:
            found.setdefault(row["child"], set()).add(row["parent"])
        return found

    async def after_copy(self, conn: Connection, tables: Iterable[str]) -> None:
        for table in tables:
            # Identity columns keep their own counter: move it past the copied ids.
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'id'),"
                f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)',
                (table,),
            )

    def migration_turn(self) -> AbstractAsyncContextManager[None]:
        return self._migration_turn()

    @asynccontextmanager
    async def _migration_turn(self) -> AsyncIterator[None]:
        # A session-level advisory lock: processes starting together migrate one after the
        # other, and the later ones find nothing left to do. It goes with the connection,
        # so a process that dies while migrating does not leave it held.
        async with self.pool.acquire() as holder:
            await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await holder.execute(
                    f"CREATE TABLE IF NOT EXISTS {_VERSIONS} (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                yield
            finally:
                await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def apply(self, migration: Migration) -> None:
        try:
            async with self._write_lock, self.pool.acquire() as conn, conn.transaction():
                # No parameters: the simple protocol runs the whole file, statement by statement.
                await conn.execute(migration.sql)
                await conn.execute(
                    f"INSERT INTO {_VERSIONS} (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    to_iso(utcnow()),
                )
        except asyncpg.PostgresError as exc:
            raise MigrationFailed(
                f"Migration {migration.name} failed ({exc}); nothing was changed."
            ) from exc


register_postgres(PostgresDatabase.connect)
