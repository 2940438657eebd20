from pathlib import Path

import pytest

from bot.storage import Database
from bot.storage.database import _split_statements, available_migrations
from bot.storage.sql import ForeignKeyViolation, UniqueViolation


async def test_migrates_from_empty_and_records_the_version(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "a.sqlite3") as db:
        assert await db.schema_version() == 0
        version = await db.migrate()
        assert version == available_migrations()[-1][0]
        assert await db.schema_version() == version
        assert await db.migrate() == version  # idempotent
        tables = {
            r["name"]
            for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {
            "debates",
            "items",
            "ballots",
            "current_ballots",
            "guild_settings",
            "guild_debates",
        } <= tables


@pytest.mark.sqlite_only
async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_foreign_keys_are_enforced_as_a_storage_error(db: Database) -> None:
    with pytest.raises(ForeignKeyViolation):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO items (debate_id, position, name) VALUES (999, 0, 'x')")


async def test_a_unique_key_is_enforced_as_a_storage_error(db: Database) -> None:
    insert = "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?)"
    async with db.transaction() as conn:
        await conn.execute(insert, (1, "now"))
    with pytest.raises(UniqueViolation):
        async with db.transaction() as conn:
            await conn.execute(insert, (1, "later"))


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO debates (slug, title, question, author, created_at)"
                " VALUES ('a', 'A', 'Q', 'me', 'now')"
            )
            raise RuntimeError("boom")
    assert await db.fetchall("SELECT * FROM debates") == []
    # The connection is usable afterwards: the rollback ended the transaction.
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO debates (slug, title, question, author, created_at) VALUES ('b', 'B', 'Q', 'me', 'now')"
        )
    assert len(await db.fetchall("SELECT * FROM debates")) == 1


async def test_reopening_finds_everything(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    async with await Database.open(path) as db:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO debates (slug, title, question, author, created_at) VALUES ('b', 'B', 'Q', 'me', 'now')"
            )
    async with await Database.open(path) as db:
        assert await db.schema_version() > 0
        rows = await db.fetchall("SELECT slug FROM debates")
        assert [r["slug"] for r in rows] == ["b"]


def test_statement_splitter_keeps_semicolons_in_strings() -> None:
    sql = "-- comment\nCREATE TABLE t (a TEXT DEFAULT ';');\nINSERT INTO t VALUES ('x;y');\n"
    assert _split_statements(sql) == [
        "CREATE TABLE t (a TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('x;y');",
    ]


def test_migrations_are_numbered_without_gaps() -> None:
    # A database migrated past a gap would never run the migration that later fills it.
    versions = [v for v, _, _ in available_migrations()]
    assert versions == list(range(1, versions[-1] + 1))
