"""The operator's commands: ``python -m bot backup [PATH]`` and ``python -m bot forget USER_ID``.

Both work on the database file and are safe while the bot runs (SQLite in WAL mode lets
them read a consistent snapshot and wait their turn to write).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.settings import Settings
from bot.storage.backup import BackupError, backup_database, backup_name


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
