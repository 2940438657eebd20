"""The operator's commands: ``python -m bot backup [PATH]`` and ``python -m bot forget USER_ID``.

Both work on the database file and are safe while the bot runs (SQLite in WAL mode lets
them read a consistent snapshot and wait their turn to write).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.render.privacy import describe_erasure
from bot.settings import Settings
from bot.storage import Database
from bot.storage.backup import BackupError, backup_database, backup_name
from bot.storage.database import DatabaseTooNew, MigrationFailed
from bot.storage.personal_data import Erasure, PersonalDataRepository


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
    if not settings.database_path.is_file():
        print(
            f"ranking-debates: there is no database at {settings.database_path}.", file=sys.stderr
        )
        return 1
    try:
        erasure = asyncio.run(_forget(settings.database_path, int(args[0])))
    except (DatabaseTooNew, MigrationFailed, BackupError) as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    print(describe_erasure(erasure, where="in every server", whose="their", whom="them"))
    return 0


async def _forget(database: Path, member_id: int) -> Erasure:
    async with await Database.open(database) as db:
        await db.migrate()
        # A running bot sees the change (PRAGMA data_version) and recounts its results.
        return await PersonalDataRepository(db).erase(member_id)
