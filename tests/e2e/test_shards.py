"""Scenario: the bot as two processes, shards 0 and 1 of 2, on one database.

Each process IDENTIFYs with its shard and hears of its own servers only; members in servers on
both shards vote and see the right consensus; each server's scheduled summary is posted once,
by the process of its shard. Then the shard-1 process is killed (SIGKILL, no shutdown) while
shard 0 goes on serving, and restarted: every ballot is still counted, voting goes on, and no
summary is posted again.

It runs on PostgreSQL, what a cluster uses, and on one shared SQLite file, which works too
(for trying shards on one machine). Kept lean (two bot processes on a shared 2-core
machine): one scenario, one restart.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.ranking import MemberBallots, consensus
from tests.conftest import BACKENDS
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import Channel, DiscordEmulator, Guild, Member
from tests.e2e.gateway import Session
from tests.e2e.harness import BotProcess
from tests.e2e.reading import placed_lines
from tests.e2e.test_scheduled_summary import (
    VOTES,
    assert_is_the_summary,
    eventually_settled,
    move_due,
    schedule_daily_summary,
    stored_posts,
)
from tests.support.rocky import BALBOA, IV, ROCKY_TITLES, V

pytestmark = pytest.mark.e2e

SHARDS = 2
LATE_VOTE = ((V,), (IV,), (BALBOA,))


def order_of(tiers: tuple[tuple[str, ...], ...]) -> str:
    return " > ".join(" = ".join(tier) for tier in tiers)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database both processes use: a PostgreSQL schema, or one SQLite file."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite3")
    return str(request.getfixturevalue("pg_url"))


async def start_shard(start_bot: StartBot, guild: Guild, shard: int, database: str) -> BotProcess:
    """A process of shard ``shard`` that publishes its commands to ``guild`` (its dev guild)."""
    setting = "DATABASE_URL" if "://" in database else "DATABASE_PATH"
    env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(shard), setting: database}
    return await start_bot(dev_guild=guild, env=env | {"HEALTH_PORT": "0"})


async def health(bot: BotProcess) -> dict[str, object]:
    """``/healthz`` of the bot's latest start, once it answers 200 (as an orchestrator asks)."""
    start = bot.log_text().rsplit("===== start", 1)[-1]
    [url] = re.findall(r"http://127\.0\.0\.1:\d+/healthz", start)
    for _ in range(100):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            status, body = response.status, await response.json()
        if status == 200:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz of a shard process stayed {status}: {body}")


def session_of(emulator: DiscordEmulator, guild: Guild) -> Session:
    session = emulator.gateway.live_session(guild.id)
    assert session is not None, f"no session hears of {guild.name}"
    return session


async def consensus_in(emulator: DiscordEmulator, guild: Guild) -> tuple[list[str], str]:
    """The order /consensus shows in ``guild``, and its text."""
    shown = await (await emulator.command("consensus", guild=guild)).message()
    return [item for _, item, _ in placed_lines(shown)], shown.text


def expected_order(votes: list[tuple[tuple[str, ...], ...]]) -> list[str]:
    return consensus(MemberBallots(ROCKY_TITLES, dict(enumerate(votes))).tally).ranking


async def vote(
    emulator: DiscordEmulator, member: Member, tiers: tuple[tuple[str, ...], ...]
) -> str:
    handle = await emulator.command("vote", {"order": order_of(tiers)}, member=member)
    reply = await handle.message()
    assert handle.session_id == session_of(emulator, member.guild).id, "its shard's session"
    return reply.text


async def test_two_shard_processes_share_one_database_and_survive_a_kill(
    emulator: DiscordEmulator, start_bot: StartBot, database: str
) -> None:
    guilds = [
        emulator.add_guild(f"Shard {n} Stallions", members=4, shard=(n, SHARDS)) for n in (0, 1)
    ]
    channels: list[Channel] = [guild.add_channel("summaries") for guild in guilds]
    bots = [await start_shard(start_bot, guild, n, database) for n, guild in enumerate(guilds)]

    # Each process identified with its shard, is healthy, and was told of its shard's servers
    # only.
    for bot in bots:
        assert (await health(bot))["gateway"] == "connected"
    sessions = [session_of(emulator, guild) for guild in guilds]
    assert [s.shard for s in sessions] == [(0, SHARDS), (1, SHARDS)]
    for session in sessions:
        ready = next(e["d"] for e in session.events if e["t"] == "READY")
        told = {int(g["id"]) for g in ready["guilds"]}
        assert told == {g for g in emulator.guilds if session.serves(g)} and told

    # Members on both shards vote; each server schedules its daily summary.
    for guild, channel in zip(guilds, channels, strict=True):
        await schedule_daily_summary(emulator, guild, channel)
    for guild in guilds:
        order, text = await consensus_in(emulator, guild)
        assert order == expected_order(VOTES) and "**3 voters**" in text, text

    # Both summaries fall due while both processes run: each posted once, by its shard.
    due = datetime.now(UTC) - timedelta(minutes=1)
    for guild in guilds:
        await move_due(database, guild, due)
    posts = [await emulator.wait_for_message(channel=channel) for channel in channels]
    for post in posts:
        assert_is_the_summary(post)

    # Recorded as sent first: a post caught by a kill between Discord's answer and its record
    # is test_scheduled_summary's case, and its 60-second resend window is too tight to race
    # on a loaded machine.
    for guild in guilds:
        await eventually_settled(database, guild, within=30)

    # Shard 1's process dies; shard 0's goes on serving its servers meanwhile.
    assert await bots[1].kill() == -9
    assert "Saved" in await vote(emulator, guilds[0].plain_members[3], LATE_VOTE)
    await bots[1].start()
    on_shard_1 = [g for g in emulator.guilds if session_of(emulator, guilds[1]).serves(g)]
    assert (await health(bots[1]))["servers"] == len(on_shard_1)

    # Nothing of shard 1 was lost, and it takes votes again.
    order, text = await consensus_in(emulator, guilds[1])
    assert order == expected_order(VOTES) and "**3 voters**" in text, text
    assert "Saved" in await vote(emulator, guilds[1].plain_members[3], LATE_VOTE)
    for guild in guilds:
        order, text = await consensus_in(emulator, guild)
        assert order == expected_order([*VOTES, LATE_VOTE]) and "**4 voters**" in text, text

    # Still one summary each, recorded as sent, and the schedules moved past the slot.
    for guild, channel, post in zip(guilds, channels, posts, strict=True):
        stored, schedule = await stored_posts(database, guild)
        assert emulator.channel_messages(channel) == [post]
        assert [(p.status, p.message_id) for p in stored] == [("sent", post.id)]
        assert schedule.next_due > datetime.now(UTC)
