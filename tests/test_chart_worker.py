"""The chart worker: its own thread, bounded per server and overall, cached per tally version."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

import bot.chart_worker as chart_worker
from bot.chart_worker import ChartWorker
from bot.errors import UserError
from bot.render.charts import HEAD_TO_HEAD, PLACES, PNG_MAGIC, ChartData
from tests.test_voting import FakeClock


def tiny() -> ChartData:
    wins = np.array([[0, 2], [1, 0]])
    return ChartData(["1. A", "2. B"], wins, np.array([[2, 1], [1, 2]]), np.zeros(2), 3, "T")


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Drawing waits for the test to open the gate, so 'in flight' lasts as long as needed."""
    opened = threading.Event()
    drawn: list[str] = []

    def render(data: ChartData, measure: str = HEAD_TO_HEAD) -> bytes:
        drawn.append(threading.current_thread().name)
        opened.wait(10)
        return PNG_MAGIC + f"{data.title}:{measure}".encode()

    monkeypatch.setattr(chart_worker, "render_chart", render)
    opened.drawn = drawn  # type: ignore[attr-defined]
    return opened


async def test_a_member_gets_one_chart_per_cooldown() -> None:
    clock = FakeClock()
    worker = ChartWorker(cooldown_seconds=10, clock=clock)
    worker.ask(1, 7)
    with pytest.raises(UserError, match="try again in 10 seconds"):
        worker.ask(1, 7)
    worker.ask(1, 8)  # another member
    worker.ask(2, 7)  # the same member in another server
    clock.now += 10
    worker.ask(1, 7)


async def test_a_server_draws_one_chart_at_a_time_in_the_charts_thread(
    gate: threading.Event,
) -> None:
    worker = ChartWorker()
    first = asyncio.create_task(worker.draw("a", tiny, guild_id=1))
    await asyncio.sleep(0.05)
    with pytest.raises(UserError, match="another chart for this server"):
        await worker.draw("b", tiny, guild_id=1)
    other = asyncio.create_task(worker.draw("c", tiny, guild_id=2))  # queued, not refused
    gate.set()
    assert (await first).startswith(PNG_MAGIC) and (await other).startswith(PNG_MAGIC)
    assert set(gate.drawn) == {"charts_0"}  # type: ignore[attr-defined]
    worker.close()


async def test_no_more_than_in_flight_charts_wait_overall(gate: threading.Event) -> None:
    worker = ChartWorker(in_flight=2)
    waiting = [asyncio.create_task(worker.draw(g, tiny, guild_id=g)) for g in (1, 2)]
    await asyncio.sleep(0.05)
    with pytest.raises(UserError, match="busy drawing charts"):
        await worker.draw(3, tiny, guild_id=3)
    # The bot's own scheduled post is never refused; it waits its turn.
    post = asyncio.create_task(worker.draw(4, tiny, guild_id=None))
    gate.set()
    await asyncio.gather(*waiting, post)
    worker.close()


async def test_an_unchanged_tally_is_drawn_once_and_the_cache_is_bounded(
    gate: threading.Event,
) -> None:
    gate.set()
    worker = ChartWorker(cache_size=2)
    same = [await worker.draw("k", tiny, guild_id=1) for _ in range(3)]
    assert len(set(same)) == 1 and len(gate.drawn) == 1  # type: ignore[attr-defined]
    await worker.draw("k2", tiny, guild_id=1)
    await worker.draw("k3", tiny, guild_id=1)
    await worker.draw("k", tiny, guild_id=1)  # evicted: drawn again
    assert len(gate.drawn) == 4  # type: ignore[attr-defined]
    worker.close()


async def test_each_measure_of_a_tally_is_its_own_image_each_kept(gate: threading.Event) -> None:
    gate.set()
    worker = ChartWorker()
    pairs = await worker.draw("k", tiny, guild_id=1, measure=HEAD_TO_HEAD)
    places = await worker.draw("k", tiny, guild_id=1, measure=PLACES)
    assert pairs.endswith(b":head-to-head") and places.endswith(b":places")
    assert await worker.draw("k", tiny, guild_id=1, measure=PLACES) == places
    assert len(gate.drawn) == 2  # type: ignore[attr-defined]
    worker.close()


async def test_tier_list_pictures_share_the_worker_thread_within_bounds() -> None:
    worker = ChartWorker(per_server=1, in_flight=2)
    opened = threading.Event()
    threads: list[str] = []

    def render(name: str) -> bytes:
        threads.append(threading.current_thread().name)
        opened.wait(10)
        return PNG_MAGIC + name.encode()

    try:
        first = asyncio.create_task(worker.picture("a", lambda: render("a"), guild_id=1))
        same = asyncio.create_task(worker.picture("a", lambda: render("a"), guild_id=2))
        await asyncio.sleep(0.05)
        # The same server's second picture is not queued behind the first: answered without.
        assert await worker.picture("b", lambda: render("b"), guild_id=1) is None
        other = asyncio.create_task(worker.picture("c", lambda: render("c"), guild_id=3))
        await asyncio.sleep(0.05)
        # The worker is full overall (a and c): a fourth server waits for nothing either.
        assert await worker.picture("d", lambda: render("d"), guild_id=4) is None
        opened.set()
        assert await first == await same == PNG_MAGIC + b"a"
        assert await other == PNG_MAGIC + b"c"
        assert threads == ["charts_0", "charts_0"]  # "a" drawn once, in the charts thread
        # Cached: asked again, it is not drawn again.
        assert await worker.picture("a", lambda: render("x"), guild_id=1) == PNG_MAGIC + b"a"
        assert len(threads) == 2
    finally:
        opened.set()
        worker.close()
