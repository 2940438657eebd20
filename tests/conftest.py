"""Shared fixtures: a real database per test (a SQLite file, and a PostgreSQL schema), and the
real bot driven by payloads."""

from __future__ import annotations

import os

# As `python -m bot` runs (bot/__main__.py): single-threaded BLAS, set before numpy loads.
# Threaded OpenBLAS on a busy 2-core box made the engine's small matrix products 10x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from discord.http import HTTPClient
from hypothesis import settings

from bot.client import RankingBot
from bot.settings import Settings
from bot.storage import Database
from tests.support import postgres
from tests.support.bots import open_bot
from tests.support.discord_fake import (
    Driver,
    FakeDiscord,
    fake_get_from_cdn,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


# Property tests draw the same examples on every run, so a commit is green or red, not
# green by luck; `HYPOTHESIS_PROFILE=explore` draws fresh ones to hunt for new failures.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def fresh_clock_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no estimate of the host's clock error (bot/timely.py)."""
    import bot.timely

    monkeypatch.setattr(bot.timely, "CLOCK", bot.timely.ClockOffset())


BACKENDS = ("sqlite", "postgresql")
# .ci/run sets this: there, PostgreSQL tests must run, never skip.
REQUIRE_POSTGRES = os.environ.get("RD_REQUIRE_POSTGRES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: checks SQLite itself (files, pragmas); no PostgreSQL run"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test of SQLite's own behaviour keeps its SQLite run only.
    items[:] = [
        item
        for item in items
        if not (
            item.get_closest_marker("sqlite_only")
            and getattr(item, "callspec", None) is not None
            and item.callspec.params.get("db") == "postgresql"
        )
    ]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this test session (started on first use, stopped at the end)."""
    try:
        server = postgres.start()
    except postgres.Unavailable as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def pg_url(postgres_url: str) -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL schema of its own (dropped afterwards)."""
    schema = await postgres.new_schema(postgres_url)
    try:
        yield postgres.with_search_path(postgres_url, schema)
    finally:
        await postgres.drop_schema(postgres_url, schema)


async def open_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    """A migrated database on ``backend``: a file in tmp_path, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        async with await Database.open(tmp_path / "test.sqlite3") as database:
            await database.migrate()
            yield database
        return
    url = request.getfixturevalue("postgres_url")
    schema = await postgres.new_schema(url)
    try:
        async with await Database.open(postgres.with_search_path(url, schema)) as database:
            await database.migrate()
            yield database
    finally:
        await postgres.drop_schema(url, schema)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The storage and service suites run once on each backend."""
    async for database in open_database(request.param, tmp_path, request):
        yield database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        discord_token="x" * 24 + ".abcd." + "y" * 27,
        database_path=tmp_path / "bot.sqlite3",
        vote_saves_per_minute=0,
    )


@pytest.fixture
async def bot(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RankingBot]:
    """The real bot with every cog loaded, not logged in; Discord's HTTP side is faked."""
    fake = FakeDiscord()
    fake.install(monkeypatch)
    monkeypatch.setattr(HTTPClient, "get_from_cdn", fake_get_from_cdn)
    async with open_bot(settings, fake) as client:
        yield client
    # Every message the bot sent was checked against Discord's limits as it went out.
    assert not fake.refusals, "Discord would have refused:\n" + "\n".join(fake.refusals)


@pytest.fixture
def driver(bot: RankingBot) -> Driver:
    return Driver(bot, bot.fake)  # type: ignore[attr-defined]
