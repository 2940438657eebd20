"""Consistent copies of the database file, safe while the bot is writing to it.

Copying the file itself is not: in WAL mode the newest pages live in ``-wal`` until a
checkpoint, so a copy can miss them or catch half a transaction. SQLite's backup API reads
one snapshot instead; the copy is then checked (``integrity_check``) and counted against
that same snapshot before it takes its final name.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.storage._util import utcnow

# Names of the backups this bot makes, so that pruning never touches anyone else's files.
BACKUP_NAME = re.compile(r"^ranking-debates-\d{8}T\d{6}Z\.sqlite3$")


class BackupError(Exception):
    """The copy could not be made or did not check out; the message is one line."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    counts: dict[str, int]  # rows per table, the same in the database and the copy

    def describe(self) -> str:
        shown = ", ".join(f"{n} {table}" for table, n in self.counts.items())
        return f"{self.path}: integrity ok; {shown or 'no tables'}"


def backup_name(moment: datetime | None = None) -> str:
    return f"ranking-debates-{(moment or utcnow()):%Y%m%dT%H%M%SZ}.sqlite3"


def backup_database(source: Path, target: Path) -> BackupReport:
    """Copy ``source`` to ``target`` (a new file) and check the copy. Blocking: run in a thread."""
    if target.exists():
        raise BackupError(f"{target} already exists; pick another name.")
    if not source.is_file():
        raise BackupError(f"there is no database at {source}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # mode=rw: a mistyped path must not create an empty database to back up.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None)
    try:
        src.execute("PRAGMA busy_timeout = 5000")
        src.execute("BEGIN")  # one read snapshot for the counts and the copy
        counts = table_counts(src)
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst)
            # The copy inherits WAL mode; a backup should be one self-contained file.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    check = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro", uri=True)
    try:
        integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
        copied = table_counts(check)
    finally:
        check.close()
    if integrity != "ok" or copied != counts:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy did not check out ({integrity}; {copied} vs {counts}).")
    partial.replace(target)
    return BackupReport(target, counts)


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # Table names come from sqlite_master itself, quoted as identifiers.
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` of this bot's backups in ``folder``; the deleted."""
    ours = sorted(p for p in folder.iterdir() if BACKUP_NAME.match(p.name))
    gone = ours[: max(len(ours) - keep, 0)]
    for path in gone:
        path.unlink()
    return gone
