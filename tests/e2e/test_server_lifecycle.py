"""Schedules that cannot post are paused, not retried for ever: the channel was deleted, or
the bot left the server (and resumed when it is invited back)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.guilds import LEFT_REASON
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild
from tests.e2e.test_scheduled_summary import move_due, schedule_daily_summary, schedule_sentinel

pytestmark = pytest.mark.e2e


def schedule_rows(database: Path, guild: Guild) -> list[tuple[str | None, str | None]]:
    conn = sqlite3.connect(database)
    try:
        return conn.execute(
            "SELECT paused_at, paused_reason FROM summary_schedules WHERE guild_id = ?",
            (guild.id,),
        ).fetchall()
    finally:
        conn.close()


async def until(check, what: str, within: float = 15.0):
    for _ in range(int(within / 0.1)):
        if result := await asyncio.to_thread(check):
            return result
        await asyncio.sleep(0.1)
    pytest.fail(f"waited {within:.0f}s for {what}")


async def test_a_schedule_whose_channel_is_gone_is_paused_and_shown_paused(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    summaries = dev_guild.add_channel("summaries")
    bot = await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})
    await schedule_daily_summary(emulator, dev_guild, summaries)
    await bot.stop()
    await move_due(bot.database_path, dev_guild, datetime.now(UTC) - timedelta(hours=1))
    dev_guild.remove_channel(summaries)

    await bot.start()

    [(_, reason)] = await until(
        lambda: [r for r in schedule_rows(bot.database_path, dev_guild) if r[0]], "the pause"
    )
    assert reason and "no longer exists" in reason and str(summaries.id) in reason
    listed = await (await emulator.command("summary list", member=dev_guild.admin)).message()
    assert listed.ephemeral and "paused" in listed.text and "no longer exists" in listed.text
    assert "`/summary schedule` it again to resume" in listed.text
    warnings = [line for line in bot.log_tail(400).splitlines() if "not sent" in line]
    assert len(warnings) == 1 and "schedule is paused" in warnings[0], warnings


async def test_leaving_a_server_pauses_its_schedules_until_invited_back(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    other = emulator.add_guild("Italian Stallions", members=2)
    bot = await start_bot(start=False)
    await bot.start()
    await bot.stop()
    await schedule_sentinel(bot.database_path, other)  # due just now in #general
    await move_due(bot.database_path, other, datetime.now(UTC) + timedelta(days=1))
    await bot.start()

    emulator.remove_bot_from(other)
    await until(lambda: schedule_rows(bot.database_path, other)[0][1] == LEFT_REASON, "the pause")
    emulator.invite_bot_back(other)
    await until(lambda: schedule_rows(bot.database_path, other)[0] == (None, None), "resume")
    assert "Back in server" in bot.log_tail(50)


def departed(database: Path) -> set[int]:
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT guild_id FROM departed_guilds")}
    finally:
        conn.close()


async def test_a_server_removed_while_the_bot_was_offline_is_marked_left_at_ready(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    # Made first, so the bot looks at it before the removed one (its id is smaller).
    in_outage = emulator.add_guild("Drago Fans", members=2)
    removed = emulator.add_guild("Italian Stallions", members=2)
    bot = await start_bot(start=False)
    await bot.start()
    await bot.stop()
    for guild in (in_outage, removed):
        await schedule_sentinel(bot.database_path, guild)
        await move_due(bot.database_path, guild, datetime.now(UTC) + timedelta(days=1))

    # While the bot is offline it is removed from one server (no GUILD_DELETE reaches it),
    # and another is in an outage: READY lists it as unavailable, and no GUILD_CREATE comes.
    emulator.remove_bot_from(removed)
    in_outage.outage = True
    await bot.start()

    await until(lambda: removed.id in departed(bot.database_path), "the removed server left")
    assert schedule_rows(bot.database_path, removed)[0][1] == LEFT_REASON
    assert departed(bot.database_path) == {removed.id}, "the unavailable one is still ours"
    assert schedule_rows(bot.database_path, in_outage)[0] == (None, None)
    assert f"Server {removed.id} was not listed at READY" in bot.log_tail(200)

    # Invited back later: the join resumes it, as for a server left while online.
    emulator.invite_bot_back(removed)
    await until(lambda: removed.id not in departed(bot.database_path), "the server resumed")
    assert schedule_rows(bot.database_path, removed)[0] == (None, None)
