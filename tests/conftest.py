"""Shared fixtures: a real SQLite file per test, and the real bot driven by payloads."""

from __future__ import annotations

import os

# As `python -m bot` runs (bot/__main__.py): single-threaded BLAS, set before numpy loads.
# Threaded OpenBLAS on a busy 2-core box made the engine's small matrix products 10x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord.http import HTTPClient

from bot.client import RankingBot
from bot.settings import Settings
from bot.storage import Database
from tests.support.bots import open_bot
from tests.support.discord_fake import (
    Driver,
    FakeDiscord,
    fake_get_from_cdn,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    await database.migrate()
    yield database
    await database.close()


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
