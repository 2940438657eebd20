"""The loop behind timed actions sleeps until the next is due, and wakes when told."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.client import RankingBot
from bot.due_loop import MAX_SLEEP_SECONDS, MIN_SLEEP_SECONDS, DueLoop
from tests.support.discord_fake import CHANNEL_ID, GUILD_ID

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def loop_with(*due: datetime | None, runs: list[str] | None = None) -> DueLoop:
    async def act() -> None:
        if runs is not None:
            runs.append("ran")

    def next_due(value: datetime | None):  # type: ignore[no-untyped-def]
        async def read() -> datetime | None:
            return value

        return read

    return DueLoop([("act", act)], [next_due(d) for d in due], clock=lambda: NOW)


async def test_it_sleeps_until_the_earliest_due_thing_within_its_bounds() -> None:
    soon, later = NOW + timedelta(seconds=30), NOW + timedelta(hours=2)
    assert await loop_with(later, soon).delay() == 30
    assert await loop_with(None, None).delay() == MAX_SLEEP_SECONDS
    assert await loop_with(later).delay() == MAX_SLEEP_SECONDS, "a look every few minutes"
    assert await loop_with(NOW - timedelta(hours=1)).delay() == MIN_SLEEP_SECONDS


async def test_a_failing_action_does_not_stop_the_others() -> None:
    runs: list[str] = []

    async def broken() -> None:
        raise RuntimeError("database hiccup")

    async def fine() -> None:
        runs.append("fine")

    loop = DueLoop([("broken", broken), ("fine", fine)], [], clock=lambda: NOW)
    await loop.run_once()
    assert runs == ["fine"]


async def test_waking_it_runs_the_actions_again_at_once() -> None:
    runs: list[str] = []
    loop = loop_with(None, runs=runs)  # nothing due: it would sleep for minutes
    task = asyncio.create_task(loop.run())
    try:
        for _ in range(50):
            if runs:
                break
            await asyncio.sleep(0.01)
        assert runs == ["ran"]
        loop.wake(123, 456)  # as the debate store's listener calls it
        for _ in range(50):
            if len(runs) == 2:
                break
            await asyncio.sleep(0.01)
        assert runs == ["ran", "ran"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _until(check: Callable[[], Awaitable[bool]], seconds: float) -> float:
    """How long until ``check`` holds (polling every 20 ms); fails after ``seconds``."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_deadline_set_in_this_process_wakes_the_loop_at_once(bot: RankingBot) -> None:
    looks: list[float] = []

    async def look() -> None:
        looks.append(time.monotonic())

    bot.due.actions.append(("look", look))
    assert bot.due.max_sleep == MAX_SLEEP_SECONDS  # idle, it would sleep for minutes
    debate = await bot.directory.current(GUILD_ID)
    task = asyncio.create_task(bot.due.run())
    try:

        async def looked(times: int) -> bool:
            return len(looks) >= times

        async def closed() -> bool:
            return not await bot.debate_store.is_open(GUILD_ID, debate.id)

        await _until(lambda: looked(1), 5)
        # As /debate open closes:… does: the store tells the loop, which looks again now
        # and then sleeps only until the new deadline, not for minutes.
        closes_at = datetime.now(UTC) + timedelta(seconds=1.5)
        await bot.debate_store.set_deadline(GUILD_ID, debate.id, closes_at, CHANNEL_ID)
        assert await _until(lambda: looked(2), 5) < 0.5
        await _until(closed, 5)
        assert datetime.now(UTC) >= closes_at
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
