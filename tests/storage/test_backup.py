"""Backups are consistent while another connection writes, checked, and never overwrite."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.backup import (
    BackupError,
    backup_database,
    backup_name,
    prune_backups,
    table_counts,
)


def busy_database(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)")
    conn.close()


def write_pairs(path: Path, stop: threading.Event, written: list[int]) -> None:
    """Writes a parent and its child in one transaction, again and again, until ``stop``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    while not stop.is_set():
        conn.execute("BEGIN IMMEDIATE")
        parent = conn.execute("INSERT INTO parent DEFAULT VALUES").lastrowid
        conn.execute("INSERT INTO child (parent_id) VALUES (?)", (parent,))
        conn.execute("COMMIT")
        written.append(1)
    conn.close()


def test_a_backup_taken_while_another_connection_writes_is_one_snapshot(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    busy_database(source)
    stop, written = threading.Event(), []
    writer = threading.Thread(target=write_pairs, args=(source, stop, written))
    writer.start()
    try:
        while len(written) < 200:
            stop.wait(0.01)
        reports = [backup_database(source, tmp_path / f"copy{n}.sqlite3") for n in range(3)]
    finally:
        stop.set()
        writer.join()
    for report in reports:
        copy = sqlite3.connect(report.path)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "one file"
        assert table_counts(copy) == report.counts
        # Never half a transaction: every parent has its child.
        assert report.counts["parent"] == report.counts["child"] > 0
        copy.close()
    assert not list(tmp_path.glob("*.partial"))


def test_a_backup_never_overwrites_and_needs_a_database(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    busy_database(source)
    (tmp_path / "taken.sqlite3").write_text("mine")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(source, tmp_path / "taken.sqlite3")
    assert (tmp_path / "taken.sqlite3").read_text() == "mine"
    with pytest.raises(BackupError, match="there is no database"):
        backup_database(tmp_path / "typo.sqlite3", tmp_path / "copy.sqlite3")
    assert not (tmp_path / "typo.sqlite3").exists()


def test_pruning_keeps_the_newest_of_our_backups_only(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    names = [backup_name(start + timedelta(days=n)) for n in range(5)]
    for name in [*names, "notes.txt", "ranking-debates.sqlite3"]:
        (tmp_path / name).write_text("x")
    gone = prune_backups(tmp_path, keep=2)
    assert sorted(p.name for p in gone) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[3:], "notes.txt", "ranking-debates.sqlite3"]
    )
