"""The whole bot on PostgreSQL: the same commands, answered the same way, kept in PostgreSQL.

The storage and service suites run on both backends (the ``db`` fixture); these run the real
bot, every cog loaded, on a PostgreSQL schema of its own.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.client import RankingBot
from bot.settings import Settings
from tests.support.discord_fake import GUILD_ID, MEMBER_ID, Driver


@pytest.fixture
def settings(settings: Settings, pg_url: str) -> Settings:
    return replace(settings, database_url=pg_url)


async def test_votes_and_consensus_on_postgresql(driver: Driver, bot: RankingBot) -> None:
    assert bot.db.dialect == "postgresql"
    for offset, order in enumerate(["IV > II", "IV > III", "II > IV"]):
        reply = await driver.slash("vote", order=order, user_id=MEMBER_ID + offset)
        assert reply.ephemeral and "Saved" in reply.text, reply.text
    again = await driver.slash("vote", order="III > IV", user_id=MEMBER_ID)
    assert "Saved" in again.text
    reply = await driver.slash("consensus")
    assert "**3 voters**" in reply.text, reply.text
    debate = await bot.directory.current(GUILD_ID)
    history = await bot.ballot_store.history(GUILD_ID, debate.id, MEMBER_ID)
    assert len(history) == 2, "every revision is kept"


async def test_forgetting_a_member_on_postgresql(bot: RankingBot) -> None:
    debate = await bot.directory.current(GUILD_ID)
    iv, ii, *_ = (item.id for item in debate.items)
    for member in (1, 2, 3):
        await bot.voting.submit(GUILD_ID, debate, member, ((iv,), (ii,)), "because")
    erasure = await bot.privacy.forget(1, None)
    assert erasure.revisions == 1
    assert (await bot.results.consensus(GUILD_ID, debate)).voters == 2
