"""The PostgreSQL backend: twins of every migration, the same schema, migrations that take
turns, and news of other processes' changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.database import (
    DatabaseTooNew,
    Migration,
    MigrationFailed,
    available_migrations,
)
from bot.storage.personal_data import PersonalDataRepository
from bot.storage.sql import numbered_placeholders, returns_rows

SPEC = DebateSpec("best", "Best", "Which?", "Ann", (ItemSpec("A"), ItemSpec("B")))
NEWEST = available_migrations()[-1].version


def test_every_sqlite_migration_has_a_postgresql_twin() -> None:
    sqlite = [m.name for m in available_migrations()]
    postgres = [m.name for m in available_migrations(dialect="postgresql")]
    assert postgres == sqlite, "add bot/storage/migrations/postgres/<same name> for each one"


async def test_both_backends_end_with_the_same_tables_and_columns(
    tmp_path: Path, pg_url: str
) -> None:
    async with (
        await Database.open(tmp_path / "a.sqlite3") as sqlite,
        await Database.open(pg_url) as postgres,
    ):
        assert await sqlite.migrate() == await postgres.migrate() == NEWEST
        assert await postgres.tables() == await sqlite.tables()
        assert await postgres.references() == await sqlite.references()


async def test_processes_starting_together_migrate_in_turn(pg_url: str) -> None:
    opened = [await Database.open(pg_url) for _ in range(3)]
    try:
        versions = await asyncio.gather(*(db.migrate() for db in opened))
        assert versions == [NEWEST] * 3
        rows = await opened[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m.version for m in available_migrations()]
    finally:
        for db in opened:
            await db.close()


async def test_a_failed_migration_changes_nothing(pg_url: str) -> None:
    broken = Migration(
        NEWEST + 1, f"{NEWEST + 1:04d}_broken.sql", "CREATE TABLE t (x INT); SELEC 1;"
    )
    async with await Database.open(pg_url) as db:
        await db.migrate()
        with pytest.raises(MigrationFailed, match="broken"):
            await db.migrate([*db.migrations(), broken])
        assert await db.schema_version() == NEWEST
        assert "t" not in await db.tables()


async def test_a_database_from_a_newer_bot_is_refused(pg_url: str) -> None:
    async with await Database.open(pg_url) as db:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (NEWEST + 5, "future", "now"),
            )
        with pytest.raises(DatabaseTooNew, match="newer version"):
            await db.migrate()


async def test_another_process_hears_of_an_erasure_but_not_of_its_own(pg_url: str) -> None:
    async with await Database.open(pg_url) as bot, await Database.open(pg_url) as tool:
        await bot.migrate()
        debate = await DebateRepository(bot).create(SPEC, guild_id=1, created_by=2)
        await BallotRepository(bot).save(1, debate.id, 3, ((debate.items[0].id,),))
        seen_by_bot, seen_by_tool = await bot.data_version(), await tool.data_version()
        await PersonalDataRepository(tool).erase(3)
        for _ in range(100):
            if await bot.data_version() != seen_by_bot:
                break
            await asyncio.sleep(0.02)
        assert await bot.data_version() != seen_by_bot
        assert await tool.data_version() == seen_by_tool


async def test_ids_fit_discord_snowflakes(db: Database) -> None:
    guild, member = 1_200_000_000_000_000_000, 987_654_321_098_765_432
    debate = await DebateRepository(db).create(SPEC, guild_id=guild, created_by=member)
    ballot, _ = await BallotRepository(db).save(guild, debate.id, member, ((debate.items[1].id,),))
    assert await BallotRepository(db).current(guild, debate.id, member) == ballot


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ? -- what?\n AND c = ?"
    assert numbered_placeholders(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $2 -- what?\n AND c = $3"
    )


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("SELECT 1", True),
        ("  with x AS (SELECT 1) SELECT * FROM x", True),
        ("INSERT INTO t (a) VALUES (?) RETURNING id", True),
        ("UPDATE t SET a = 1", False),
        ("DELETE FROM t", False),
    ],
)
def test_statements_that_return_rows_are_told_apart(sql: str, rows: bool) -> None:
    assert returns_rows(sql) is rows


async def test_a_lost_listener_counts_as_news(pg_url: str) -> None:
    async with await Database.open(pg_url) as db:
        seen = await db.data_version()
        listener = db._listener  # type: ignore[attr-defined]
        await listener.close()
        assert await db.data_version() != seen, "changes may have been missed: reload"
        assert await db.data_version() == await db.data_version()
