"""``python -m bot copy-db``: a SQLite database moves to PostgreSQL whole, history included."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.copy import SEEDED_BY_MIGRATIONS, CopyRefused, copy_database, count_rows
from bot.storage.personal_data import PersonalDataRepository

ROOT = Path(__file__).resolve().parents[2]
SPEC = DebateSpec("best", "Best", "Which?", "Ann", tuple(ItemSpec(n) for n in "ABCD"))
GUILD = 1_100_000_000_000_000_001


async def fill(db: Database) -> None:
    debates, ballots = DebateRepository(db), BallotRepository(db)
    debate = await debates.create(SPEC, guild_id=GUILD, created_by=5)
    a, b, c, _ = (item.id for item in debate.items)
    for member in range(30):
        await ballots.save(GUILD, debate.id, member, ((a,), (b, c)))
        if member % 3 == 0:
            await ballots.save(GUILD, debate.id, member, ((c,), (a,)), reason="changed my mind")
        if member % 7 == 0:
            await ballots.withdraw(GUILD, debate.id, member)
    await debates.set_open(GUILD, debate.id, False)


async def test_every_row_moves_and_new_rows_follow_the_copied_ids(
    tmp_path: Path, pg_url: str
) -> None:
    async with await Database.open(tmp_path / "old.sqlite3") as source:
        await source.migrate()
        await fill(source)
        counts = await count_rows(source)
        history = await BallotRepository(source).history(GUILD, 1, 0)
        key = await PersonalDataRepository(source).pseudonym_key()
        async with await Database.open(pg_url) as target:
            report = await copy_database(source, target)
            assert report.counts == counts == await count_rows(target)
            assert counts["ballots"] == 30 + 10 and counts["current_ballots"] == 30 - 5
            assert await BallotRepository(target).history(GUILD, 1, 0) == history
            assert await PersonalDataRepository(target).pseudonym_key() == key
            # A new debate after the copy gets the next id, not one of the copied ones.
            other = await DebateRepository(target).create(SPEC, guild_id=7, created_by=None)
            assert other.id == 2 and other.items[0].id == 5


async def test_a_target_with_rows_is_refused_untouched(tmp_path: Path, pg_url: str) -> None:
    async with (
        await Database.open(tmp_path / "old.sqlite3") as source,
        await Database.open(pg_url) as target,
    ):
        await source.migrate()
        await fill(source)
        await target.migrate()
        await DebateRepository(target).create(SPEC, guild_id=9, created_by=None)
        before = await count_rows(target)
        with pytest.raises(CopyRefused, match="is not empty"):
            await copy_database(source, target)
        assert await count_rows(target) == before


async def test_only_the_known_tables_are_filled_by_migrations(tmp_path: Path) -> None:
    # copy-db replaces these in the target; a migration that seeds another table must say so.
    async with await Database.open(tmp_path / "new.sqlite3") as db:
        await db.migrate()
        filled = [table for table, n in (await count_rows(db)).items() if n]
        assert filled == list(SEEDED_BY_MIGRATIONS)


@pytest.mark.slow
def test_python_m_bot_copy_db_and_migrate(tmp_path: Path, pg_url: str) -> None:
    async def make() -> None:
        async with await Database.open(tmp_path / "old.sqlite3") as source:
            await source.migrate()
            await fill(source)

    asyncio.run(make())
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": pg_url}

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    migrated = bot("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "at schema version" in migrated.stdout
    copied = bot("copy-db", "sqlite:///old.sqlite3", pg_url)
    assert copied.returncode == 0, copied.stderr
    assert "40 ballots" in copied.stdout and "25 current_ballots" in copied.stdout
    again = bot("copy-db", "old.sqlite3", pg_url)
    assert again.returncode == 1
    [line] = again.stderr.strip().splitlines()
    assert "is not empty" in line and "Traceback" not in again.stderr


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://nobody@/none?host={tmp_path}"  # no server listens there
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ranking-debates: could not connect to PostgreSQL"), line
