"""Several bot processes on one database: each serves its shards' servers, and whatever they
are told, a summary slot or a deadline is claimed by exactly one of them."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.client import RankingBot, ShardedRankingBot
from bot.models import Debate
from bot.settings import Settings
from bot.shards import Shards, shard_of
from bot.summary_poster import SummaryPoster
from bot.ui import summary_card, summary_view
from tests.conftest import BACKENDS
from tests.support.bots import open_bot
from tests.support.discord_fake import FakeDiscord
from tests.support.rocky import ROCKY_TITLES
from tests.test_summaries import ADMIN, CHANNEL, START, Clock

# Servers on shard 0 and on shard 1 of 2: the shard is in the id's bits above the 22nd.
SHARD_0_GUILD = (1_000_000 << 22) + 17
SHARD_1_GUILD = (1_000_001 << 22) + 17
OTHER_CHANNEL = CHANNEL + 1


# -- which servers a process serves ----------------------------------------------------------


def test_a_server_is_on_the_shard_discord_computes() -> None:
    assert (shard_of(SHARD_0_GUILD, 2), shard_of(SHARD_1_GUILD, 2)) == (0, 1)
    assert Shards.of(2, [0]).owns(SHARD_0_GUILD) and not Shards.of(2, [0]).owns(SHARD_1_GUILD)
    assert Shards().owns(SHARD_1_GUILD) and Shards.of(2).everything
    assert Shards.of(4, [3, 1]).describe() == "shard(s) 1, 3 of 4"
    with pytest.raises(ValueError, match="not valid"):
        Shards.of(2, [2])


@given(st.integers(min_value=0, max_value=2**63 - 1), st.integers(min_value=1, max_value=64))
def test_processes_that_split_the_shards_serve_each_server_exactly_once(
    guild_id: int, count: int
) -> None:
    processes = [Shards.of(count, [i]) for i in range(count)]
    assert sum(p.owns(guild_id) for p in processes) == 1


# -- two schedulers on one database -----------------------------------------------------------


@dataclasses.dataclass
class Process:
    bot: RankingBot
    poster: SummaryPoster


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    fake = FakeDiscord()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture(params=BACKENDS)
def shared(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Settings of the database the processes share: the SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return settings
    return dataclasses.replace(settings, database_url=request.getfixturevalue("pg_url"))


async def start_processes(
    settings: Settings, fake: FakeDiscord, clock: Clock, shard_ids: Sequence[Sequence[int]]
) -> AsyncIterator[list[Process]]:
    """One bot per entry of ``shard_ids`` (shards of 2), each on its own connection to the
    same database file, as separate processes would be."""
    bots = [
        open_bot(dataclasses.replace(settings, shard_count=2, shard_ids=tuple(ids)), fake)
        for ids in shard_ids
    ]
    opened = [await bot.__aenter__() for bot in bots]
    try:
        yield [
            Process(b, SummaryPoster(b, buttons=summary_view, card=summary_card, clock=clock))
            for b in opened
        ]
    finally:
        for bot in reversed(bots):
            await bot.__aexit__(None, None, None)


@pytest.fixture
async def misconfigured(
    shared: Settings, fake: FakeDiscord, clock: Clock
) -> AsyncIterator[list[Process]]:
    """Two processes both told to run shard 0 of 2."""
    async for processes in start_processes(shared, fake, clock, [[0], [0]]):
        yield processes


@pytest.fixture
async def split(shared: Settings, fake: FakeDiscord, clock: Clock) -> AsyncIterator[list[Process]]:
    """Two processes, shard 0 and shard 1 of 2."""
    async for processes in start_processes(shared, fake, clock, [[0], [1]]):
        yield processes


async def voted_debate(bot: RankingBot, guild_id: int) -> Debate:
    debate = await bot.directory.current(guild_id)
    by_name = {item.name: item.id for item in debate.items}
    for member, names in enumerate([ROCKY_TITLES, ROCKY_TITLES[::-1], ROCKY_TITLES], start=1):
        await bot.voting.submit(guild_id, debate, member, tuple((by_name[n],) for n in names))
    return debate


def posted(fake: FakeDiscord, channel: int) -> list[dict]:
    return [m for m in fake.messages.values() if m["channel_id"] == str(channel)]


async def test_a_sharded_process_is_an_auto_sharded_bot_over_its_shards(split) -> None:
    first, second = (p.bot for p in split)
    assert isinstance(first, ShardedRankingBot)
    assert (first.shard_count, first.shard_ids, second.shard_ids) == (2, [0], [1])
    assert first.own_shards.owns(SHARD_0_GUILD) and not first.own_shards.owns(SHARD_1_GUILD)
    assert not first.gateway_connected(), "not logged in: no shard connected"


async def test_two_schedulers_told_the_same_shard_post_a_due_summary_once(
    misconfigured, fake, clock
) -> None:
    first, second = misconfigured
    debate = await voted_debate(first.bot, SHARD_0_GUILD)
    await first.poster.schedule(SHARD_0_GUILD, debate, CHANNEL, "daily", 12, ADMIN)
    clock.now = START.replace(hour=12, second=5)
    for _ in range(3):  # each loop looks again, as the real ones do every few seconds
        posts = await asyncio.gather(first.poster.run_due(), second.poster.run_due())
        clock.advance(seconds=5)
    assert len(posted(fake, CHANNEL)) == 1
    stored = await first.bot.summary_store.posts(SHARD_0_GUILD, debate.id)
    assert [(p.status, p.slot) for p in stored] == [("sent", START.replace(hour=12, minute=0))]
    assert sum(len(p) for p in posts) == 0, "the last looks found nothing left to post"
    # Both start again at once: neither recovers nor posts anything more.
    assert await asyncio.gather(first.poster.recover(), second.poster.recover()) == [[], []]
    assert len(posted(fake, CHANNEL)) == 1


async def test_two_schedulers_told_the_same_shard_close_a_debate_and_reveal_once(
    misconfigured, fake, clock
) -> None:
    first, second = misconfigured
    debate = await voted_debate(first.bot, SHARD_0_GUILD)
    closes_at = START + timedelta(minutes=5)
    await first.bot.debate_store.set_deadline(SHARD_0_GUILD, debate.id, closes_at, CHANNEL)
    clock.now = closes_at + timedelta(seconds=1)
    closed = await asyncio.gather(first.poster.close_due(), second.poster.close_due())
    assert sorted(len(posts) for posts in closed) == [0, 1]
    [reveal] = posted(fake, CHANNEL)
    # A card: the reveal line above its sections, where a message with embeds has content.
    assert reveal["components"][0]["content"].startswith(f"Voting on **{debate.title}** has")
    assert not await second.bot.debate_store.is_open(SHARD_0_GUILD, debate.id)
    assert await second.bot.debate_store.closed_at(SHARD_0_GUILD, debate.id) == closes_at
    assert await asyncio.gather(first.poster.close_due(), second.poster.close_due()) == [[], []]
    assert len(posted(fake, CHANNEL)) == 1


async def test_split_processes_each_post_their_own_servers_summaries_and_no_others(
    split, fake, clock
) -> None:
    first, second = split
    for guild_id, channel in ((SHARD_0_GUILD, CHANNEL), (SHARD_1_GUILD, OTHER_CHANNEL)):
        debate = await voted_debate(first.bot, guild_id)
        await first.poster.schedule(guild_id, debate, channel, "daily", 12, ADMIN)
    clock.now = START.replace(hour=12, second=5)
    posts = await first.poster.run_due()
    assert [p.guild_id for p in posts] == [SHARD_0_GUILD]
    assert (len(posted(fake, CHANNEL)), len(posted(fake, OTHER_CHANNEL))) == (1, 0)
    assert [p.guild_id for p in await second.poster.run_due()] == [SHARD_1_GUILD]
    assert (len(posted(fake, CHANNEL)), len(posted(fake, OTHER_CHANNEL))) == (1, 1)


async def test_a_process_preloads_the_tallies_of_its_own_servers_only(split) -> None:
    first, second = split
    for guild_id in (SHARD_0_GUILD, SHARD_1_GUILD):
        await voted_debate(first.bot, guild_id)
    assert await second.bot.results.warm(second.bot.debate_store) == 1
    assert {guild for guild, _ in second.bot.results._kept} == {SHARD_1_GUILD}
