"""The database the bot owns: SQLite (one file, the default) or PostgreSQL, its transactions
and its migrations. Both backends give the repositories the same :class:`Connection`."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import ClassVar, NamedTuple, Self

import aiosqlite

from bot.storage._util import utcnow
from bot.storage.backup import BackupReport, backup_database
from bot.storage.sql import (
    Connection,
    ConstraintViolation,
    Cursor,
    ForeignKeyViolation,
    Params,
    Row,
    UniqueViolation,
)

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the bot; the message is one line."""


class MigrationFailed(Exception):
    """A migration was rolled back; the message is one line and the database is unchanged."""


class DatabaseUnavailable(Exception):
    """The database could not be reached or refused us; the message is one line."""


# Set by bot.storage.postgres when it loads (Database.open loads it for a PostgreSQL URL,
# so a SQLite bot never imports asyncpg): the backend depends on this module, not the
# other way round.
_connect_postgres: Callable[[str], Awaitable[Database]] | None = None


def register_postgres(connect: Callable[[str], Awaitable[Database]]) -> None:
    global _connect_postgres
    _connect_postgres = connect


def sqlite_path(target: Path | str) -> Path | None:
    """The file a ``DATABASE_URL``/``DATABASE_PATH`` names, or None for PostgreSQL.

    ``sqlite:///relative.sqlite3`` and ``sqlite:////absolute/path`` (as SQLAlchemy reads them).
    """
    if isinstance(target, Path):
        return target
    if target.startswith(POSTGRES_SCHEMES):
        return None
    if target.startswith(SQLITE_SCHEME):
        return Path(target.removeprefix(SQLITE_SCHEME))
    return Path(target)


def describe_target(target: Path | str) -> str:
    """Where a database is, for logs and messages: never the password of a URL."""
    path = sqlite_path(target)
    if path is not None:
        return str(path)
    assert isinstance(target, str)
    return re.sub(r"//[^@/]*@", "//", target)


class Database(ABC):
    """The bot's database. Writes go through :meth:`transaction`; reads through
    :meth:`fetchone`/:meth:`fetchall`. Open one with :meth:`open`."""

    dialect: ClassVar[str]
    # Where the database is, for logs (a file, or a URL without its password).
    name: str
    # The SQLite file; None on PostgreSQL (no file to back up).
    file: Path | None = None

    @classmethod
    async def open(cls, target: Path | str) -> Database:
        """A file path, ``sqlite:///path`` or ``postgresql://…``."""
        path = sqlite_path(target)
        if path is not None:
            return await SQLiteDatabase.open_file(path)
        assert isinstance(target, str)
        if _connect_postgres is None:
            importlib.import_module("bot.storage.postgres")  # registers itself
        assert _connect_postgres is not None
        return await _connect_postgres(target)

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """One all-or-nothing unit of writes; any exception rolls everything back."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abstractmethod
    async def data_version(self) -> int:
        """Changes when another process tells of a change (see ``Connection.announce_change``)."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def tables(self) -> dict[str, list[str]]:
        """Every table of the bot's schema and its columns, bookkeeping tables left out."""

    @abstractmethod
    async def references(self) -> dict[str, set[str]]:
        """For each table, the tables its foreign keys refer to."""

    async def after_copy(self, conn: Connection, tables: Iterable[str]) -> None:
        """After rows were inserted with their ids (``copy-db``): the next new id follows."""
        return None

    def migrations(self) -> list[Migration]:
        return available_migrations(dialect=self.dialect)

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply numbered migrations newer than the recorded version; returns the new version.

        A database written by a newer bot is refused (:class:`DatabaseTooNew`). Each
        migration and its version bump commit together, so a failed one leaves the previous
        version. Several processes starting at once take turns (see :meth:`migration_turn`).
        """
        migrations = self.migrations() if migrations is None else migrations
        async with self.migration_turn():
            current = await self.schema_version()
            newest = max((m.version for m in migrations), default=0)
            if current > newest:
                raise DatabaseTooNew(
                    f"{self.name} was written by a newer version of Ranking Debates (schema "
                    f"{current}; this one knows up to {newest}): upgrade the bot, or restore a "
                    "backup made before that version ran."
                )
            pending = [m for m in migrations if m.version > current]
            if pending and current > 0:
                await self.before_migrating(current)
            for migration in pending:
                log.info("Applying migration %s", migration.name)
                await self.apply(migration)
                current = migration.version
        return current

    def migration_turn(self) -> AbstractAsyncContextManager[None]:
        """Held while migrating; one process at a time where several share the database."""
        return _nothing_to_hold()

    async def before_migrating(self, version: int) -> None:
        """Called once before the first pending migration of a database at ``version``."""
        return None

    @abstractmethod
    async def apply(self, migration: Migration) -> None: ...


@asynccontextmanager
async def _nothing_to_hold() -> AsyncIterator[None]:
    yield


class SQLiteConnection(Connection):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _execute(self, sql: str, params: Params) -> Cursor:
        try:
            cursor = await self.conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise _violation(exc) from exc
        # Only a statement that gives rows back costs a second trip to the driver's thread.
        rows: list[Row] = [*await cursor.fetchall()] if cursor.description is not None else []
        return Cursor(rows, cursor.rowcount, cursor.lastrowid)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            await self.conn.executemany(sql, [tuple(row) for row in rows])
        except sqlite3.IntegrityError as exc:
            raise _violation(exc) from exc


def _violation(exc: sqlite3.IntegrityError) -> ConstraintViolation:
    text = str(exc)
    if "UNIQUE" in text or "PRIMARY KEY" in text:
        return UniqueViolation(text)
    if "FOREIGN KEY" in text:
        return ForeignKeyViolation(text)
    return ConstraintViolation(text)


class SQLiteDatabase(Database):
    """Owns one aiosqlite connection (WAL, foreign keys on, autocommit outside transactions).

    Writes go through :meth:`transaction`, which serialises writers with an asyncio lock:
    a single connection is shared by every coroutine, so without the lock one command's
    statements could land inside another command's open transaction.
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.file = path
        self.name = str(path)
        self._sql = SQLiteConnection(conn)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open_file(cls, path: Path | str) -> SQLiteDatabase:
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

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back."""
        return self._transaction(foreign_keys=True)

    @asynccontextmanager
    async def _transaction(self, *, foreign_keys: bool) -> AsyncIterator[Connection]:
        """``foreign_keys=False`` is for migrations: the pragma is a no-op inside a
        transaction, so it is switched off before ``BEGIN`` and back on after the end."""
        async with self._write_lock:
            if not foreign_keys:
                await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._sql
                except BaseException:
                    await self.conn.rollback()
                    raise
                else:
                    await self.conn.commit()
            finally:
                if not foreign_keys:
                    await self.conn.execute("PRAGMA foreign_keys = ON")

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._sql.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._sql.fetchone(sql, params)

    async def data_version(self) -> int:
        """Changes when another connection (another process) commits to the database."""
        row = await self.fetchone("PRAGMA data_version")
        return int(row[0]) if row else 0

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def tables(self) -> dict[str, list[str]]:
        names = [
            row["name"]
            for row in await self.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        # Table names come from sqlite_master itself, quoted as identifiers.
        return {
            table: [c["name"] for c in await self.fetchall(f'PRAGMA table_info("{table}")')]
            for table in names
        }

    async def references(self) -> dict[str, set[str]]:
        return {
            table: {
                row["table"] for row in await self.fetchall(f'PRAGMA foreign_key_list("{table}")')
            }
            for table in await self.tables()
        }

    async def before_migrating(self, version: int) -> None:
        if str(self.path) != ":memory:":
            report = await self.backup_before_migrating(version)
            log.info("Backed up the database before migrating: %s", report.describe())

    async def backup_before_migrating(self, version: int) -> BackupReport:
        stamp = f"{utcnow():%Y%m%dT%H%M%SZ}"
        target = self.path.with_name(f"{self.path.name}.v{version}-{stamp}.bak")
        return await asyncio.to_thread(backup_database, self.path, target)

    async def apply(self, migration: Migration) -> None:
        # Foreign keys off: the standard way to change a table (create the new one, copy,
        # drop the old, rename) would otherwise cascade the drop onto every row that refers
        # to it. foreign_key_check then refuses a migration that leaves a dangling reference.
        async with self._transaction(foreign_keys=False) as conn:
            for statement in _split_statements(migration.sql):
                await conn.execute(statement)
            dangling = await conn.fetchall("PRAGMA foreign_key_check")
            if dangling:
                table, rowid, parent, _ = dangling[0]
                raise MigrationFailed(
                    f"Migration {migration.name} would leave {len(dangling)} row(s) referring "
                    f"to nothing (first: {table} row {rowid} -> {parent}); nothing was changed."
                )
            # PRAGMA takes no parameters; version is an int parsed from the file name.
            await conn.execute(f"PRAGMA user_version = {migration.version:d}")


def available_migrations(
    folder: Traversable | None = None, *, dialect: str = "sqlite"
) -> list[Migration]:
    """The ``NNNN_name.sql`` files of ``folder`` (by default the bot's own for ``dialect``:
    ``migrations/`` for SQLite, ``migrations/postgres/`` for PostgreSQL), in order."""
    if folder is None:
        folder = resources.files("bot.storage") / "migrations"
        if dialect == "postgresql":
            folder = folder / "postgres"
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
