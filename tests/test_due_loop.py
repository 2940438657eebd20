"""The loop behind timed actions sleeps until the next is due, and wakes when told."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from bot.due_loop import MAX_SLEEP_SECONDS, MIN_SLEEP_SECONDS, DueLoop

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
