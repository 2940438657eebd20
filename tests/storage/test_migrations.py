"""Migrations that rebuild a table keep every row; a database from a newer bot is refused."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.database import (
    DatabaseTooNew,
    MigrationFailed,
    available_migrations,
)

ROOT = Path(__file__).resolve().parents[2]
NEWEST = available_migrations()[-1].version

# The standard way to change a table SQLite cannot ALTER: new table, copy, drop, rename.
# With foreign keys on, the DROP would cascade onto every item, ballot and schedule.
REBUILD_DEBATES = """\
CREATE TABLE new_debates (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    question    TEXT NOT NULL,
    author      TEXT NOT NULL,
    source      TEXT,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO new_debates (id, guild_id, slug, title, question, author, source, created_by,
    created_at) SELECT id, guild_id, slug, title, question, author, source, created_by,
    created_at FROM debates;
DROP TABLE debates;
ALTER TABLE new_debates RENAME TO debates;
CREATE UNIQUE INDEX debates_guild_slug ON debates (COALESCE(guild_id, 0), slug);
"""


def migration_folder(tmp_path: Path, name: str, sql: str) -> Path:
    """The bot's own migrations plus one more, numbered after them."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for migration in available_migrations():
        (folder / migration.name).write_text(migration.sql)
    (folder / f"{NEWEST + 1:04d}_{name}.sql").write_text(sql)
    return folder


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bak"))


def everything(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order, without the debates' new column."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
        rows["debates"] = [row[:9] for row in rows["debates"]]
        return rows
    finally:
        conn.close()


async def full_of_ballots(path: Path) -> None:
    """Three debates in two servers, 150 members each with revisions, some withdrawn."""
    rng = random.Random(13)
    async with await Database.open(path) as db:
        await db.migrate()
        debates = DebateRepository(db)
        ballots = BallotRepository(db)
        for n in range(3):
            spec = DebateSpec(
                slug=f"d{n}", title=f"D{n}", question="Which?", author="me",
                items=tuple(ItemSpec(f"item {i}") for i in range(8)),
            )  # fmt: skip
            debate = await debates.create(spec, guild_id=None if n == 0 else 100 + n)
            ids = [item.id for item in debate.items]
            for guild in (101, 102):
                for member in range(150):
                    for _ in range(rng.randint(1, 2)):
                        order = rng.sample(ids, rng.randint(1, len(ids)))
                        await ballots.save(guild, debate.id, member, [[i] for i in order], "why")
                    if member % 10 == 0:
                        await ballots.withdraw(guild, debate.id, member)
            await debates.set_open(101, debate.id, False)


async def test_a_table_rebuild_migration_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await full_of_ballots(path)
    before = everything(path)
    assert len(before["ballots"]) > 1000 and len(before["current_ballots"]) > 700

    folder = migration_folder(tmp_path, "rebuild_debates", REBUILD_DEBATES)
    async with await Database.open(path) as db:
        assert await db.migrate(available_migrations(folder)) == NEWEST + 1
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1, "back on after migrating"
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"

    assert everything(path) == before
    [backup] = backups(tmp_path)
    assert backup.name.startswith(f"bot.sqlite3.v{NEWEST}-")
    assert everything(backup) == before, "the backup taken before migrating has it all"


def test_the_same_rebuild_with_foreign_keys_on_would_lose_the_ballots(tmp_path: Path) -> None:
    """Why migrations switch foreign keys off: the control experiment."""
    path = tmp_path / "bot.sqlite3"
    asyncio.run(full_of_ballots(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(f"BEGIN; {REBUILD_DEBATES} COMMIT;")
    assert conn.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 0
    conn.close()


async def test_a_migration_that_leaves_dangling_rows_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await full_of_ballots(path)
    before = everything(path)
    folder = migration_folder(tmp_path, "orphan", "DELETE FROM debates WHERE slug = 'd1';\n")
    async with await Database.open(path) as db:
        with pytest.raises(MigrationFailed, match=r"would leave \d+ row\(s\) referring to nothing"):
            await db.migrate(available_migrations(folder))
        assert await db.schema_version() == NEWEST
    assert everything(path) == before


async def test_a_database_from_a_newer_bot_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate()
        await db.conn.execute(f"PRAGMA user_version = {NEWEST + 5}")
    async with await Database.open(path) as db:
        with pytest.raises(DatabaseTooNew, match=f"schema {NEWEST + 5}; this one knows up to"):
            await db.migrate()
    assert backups(tmp_path) == []


def test_python_m_bot_refuses_a_newer_database_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {NEWEST + 1}")
    conn.close()
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": token,
           "DATABASE_PATH": str(path)}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ranking-debates: ") and "newer version of Ranking Debates" in line
