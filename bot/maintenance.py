"""The operator's commands: ``python -m bot backup [PATH]``, ``forget USER_ID``, ``migrate``
and ``copy-db FROM TO``.

All are safe while the bot runs: SQLite in WAL mode lets them read a consistent snapshot and
wait their turn to write, and PostgreSQL takes turns on its own.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.render.privacy import describe_erasure
from bot.settings import Settings
from bot.storage import Database
from bot.storage.backup import BackupError, backup_database, backup_name
from bot.storage.copy import CopyRefused, CopyReport, copy_database
from bot.storage.database import (
    DatabaseTooNew,
    DatabaseUnavailable,
    MigrationFailed,
    sqlite_path,
)
from bot.storage.personal_data import Erasure, PersonalDataRepository

# What a database command can fail with, each with a one-line message for the operator.
DATABASE_ERRORS = (DatabaseTooNew, MigrationFailed, BackupError, DatabaseUnavailable, CopyRefused)


def backup_target(settings: Settings, given: str | None) -> Path:
    """``PATH`` as given (inside it when it is a folder), else a dated file in BACKUP_DIR or
    beside the database."""
    if given is None:
        folder = settings.backup_dir or settings.database_path.parent
        return folder / backup_name()
    path = Path(given).expanduser()
    return path / backup_name() if path.is_dir() else path


def backup_command(settings: Settings, args: list[str]) -> int:
    if len(args) > 1:
        print("usage: python -m bot backup [PATH]", file=sys.stderr)
        return 2
    if settings.database_url is not None:
        print(
            "ranking-debates: backup copies the SQLite file; back up PostgreSQL with pg_dump.",
            file=sys.stderr,
        )
        return 1
    try:
        report = backup_database(settings.database_path, backup_target(settings, *args[:1]))
    except BackupError as exc:
        print(f"ranking-debates: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {settings.database_path} to {report.describe()}")
    return 0


def forget_command(settings: Settings, args: list[str]) -> int:
    """Erase a user's rows in every server, answering a deletion request."""
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m bot forget USER_ID  (the numeric Discord id)", file=sys.stderr)
        return 2
    if settings.database_url is None and not settings.database_path.is_file():
        print(
            f"ranking-debates: there is no database at {settings.database_path}.", file=sys.stderr
        )
        return 1
    try:
        erasure = asyncio.run(_forget(settings.database, int(args[0])))
    except DATABASE_ERRORS as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    print(describe_erasure(erasure, where="in every server", whose="their", whom="them"))
    return 0


async def _forget(database: Path | str, member_id: int) -> Erasure:
    async with await Database.open(database) as db:
        await db.migrate()
        # A running bot hears of the change (SQLite's data_version, PostgreSQL's NOTIFY)
        # and recounts its results.
        return await PersonalDataRepository(db).erase(member_id)


def migrate_command(settings: Settings, args: list[str]) -> int:
    """Bring the database to this version's schema and exit (before starting many shards)."""
    if args:
        print("usage: python -m bot migrate", file=sys.stderr)
        return 2
    try:
        name, version = asyncio.run(_migrate(settings.database))
    except DATABASE_ERRORS as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    print(f"{name} is at schema version {version}.")
    return 0


async def _migrate(database: Path | str) -> tuple[str, int]:
    async with await Database.open(database) as db:
        return db.name, await db.migrate()


def copy_db_command(args: list[str]) -> int:
    """Copy every row from one database to an empty one, e.g. SQLite to PostgreSQL."""
    if len(args) != 2:
        print(
            "usage: python -m bot copy-db FROM TO  (a SQLite path or sqlite:///path, and "
            "postgresql://user:password@host/database; TO must be empty)",
            file=sys.stderr,
        )
        return 2
    source, target = args
    source_file = sqlite_path(source)
    if source_file is not None and not source_file.is_file():
        print(f"ranking-debates: there is no database at {source}.", file=sys.stderr)
        return 1
    try:
        report = asyncio.run(_copy(source, target))
    except DATABASE_ERRORS as exc:
        print(f"ranking-debates: copy-db failed: {exc}", file=sys.stderr)
        return 1
    print(f"Copied and counted: {report.describe()}.")
    return 0


async def _copy(source: str, target: str) -> CopyReport:
    async with await Database.open(source) as src, await Database.open(target) as dst:
        return await copy_database(src, dst)
