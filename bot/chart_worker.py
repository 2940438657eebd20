"""Charts drawn in their own thread, a few at a time, each image kept for as long as its
tally stands still.

A 200-item chart takes a second or more of CPU. Drawn in the shared default pool, a dozen
clicks filled it and other servers' counts queued behind them; so charts get one thread of
their own, each server at most one chart in flight, a few in flight overall, and each
member one "Show the numbers" per cooldown. An image is cached under the tally's version,
so repeated clicks on an unchanged debate cost nothing.

Tier-list pictures (a 200-item one takes over a second) share that thread: the same
picture asked twice at once is drawn once, a drawn one is cached under what it shows, and
a server with a picture already being drawn gets its answer without one rather than a
place in the queue, so one server can't hold the thread.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.cooldowns import Cooldowns
from bot.errors import UserError
from bot.render.charts import HEAD_TO_HEAD, ChartData, render_chart

if TYPE_CHECKING:
    from bot.models import Debate

# What drawing needs and the bot's start does not import (tests/test_lazy_imports.py).
# What tier lists (every /consensus) need: Pillow, and Matplotlib for its fonts. A chart's
# plotting machinery (a dozen MB more) loads with the first chart, in the chart thread.
DRAWING_MODULES = ("PIL.Image", "PIL.ImageDraw", "PIL.ImageFont", "matplotlib.ft2font")


class ChartWorker:
    """Draws :class:`ChartData` off the event loop within fixed bounds (see the module doc)."""

    def __init__(
        self,
        *,
        cooldown_seconds: float = 10.0,
        per_server: int = 1,
        in_flight: int = 3,
        cache_size: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_server = per_server
        self.in_flight = in_flight
        self.cache_size = cache_size
        # One thread: Matplotlib draws one figure at a time anyway (see render.charts).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
        self._cache: OrderedDict[Hashable, bytes] = OrderedDict()
        self._drawing: dict[int, int] = {}
        self._asked = Cooldowns(cooldown_seconds, clock)
        self._pictures: OrderedDict[Hashable, bytes] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[bytes]] = {}
        self._picturing: dict[int | None, int] = {}

    def preload(self) -> None:
        """Load what tier-list pictures need in the chart thread now, in the background: the
        bot starts without it, and the first /consensus after a start should not pay for it."""
        for module in DRAWING_MODULES:
            self._executor.submit(importlib.import_module, module)

    def ask(self, guild_id: int, member_id: int) -> None:
        """Count a member's click on an expensive button; refuse it within the cooldown."""
        wait = self._asked.wait_text((guild_id, member_id))
        if wait is not None:
            raise UserError(f"You asked for a chart a moment ago: try again in {wait}.")
        self._asked.record((guild_id, member_id))

    async def draw(
        self,
        key: Hashable,
        make: Callable[[], ChartData],
        *,
        guild_id: int | None,
        measure: str = HEAD_TO_HEAD,
    ) -> bytes:
        """The ``measure`` chart for ``key`` (cached); ``guild_id`` None is the bot's own
        scheduled post, which is never refused."""
        key = (key, measure)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        with self._slot(guild_id):
            data = make()
            image = await asyncio.get_running_loop().run_in_executor(
                self._executor, render_chart, data, measure
            )
        self._cache[key] = image
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return image

    async def picture(
        self, key: Hashable, render: Callable[[], bytes], *, guild_id: int | None
    ) -> bytes | None:
        """The PNG ``render`` draws (in the worker thread), cached under ``key``; None when
        ``guild_id``'s server already has a picture being drawn, or the worker has
        ``in_flight`` of them: the caller answers without the picture."""
        cached = self._pictures.get(key)
        if cached is not None:
            self._pictures.move_to_end(key)
            return cached
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        if self._picturing.get(guild_id, 0) >= self.per_server or (
            sum(self._picturing.values()) >= self.in_flight
        ):
            return None
        drawn = asyncio.get_running_loop().run_in_executor(self._executor, render)
        self._pending[key] = drawn
        self._picturing[guild_id] = self._picturing.get(guild_id, 0) + 1
        try:
            image = await asyncio.shield(drawn)
        finally:
            del self._pending[key]
            self._picturing[guild_id] -= 1
            if not self._picturing[guild_id]:
                del self._picturing[guild_id]
        self._pictures[key] = image
        while len(self._pictures) > self.cache_size:
            self._pictures.popitem(last=False)
        return image

    @contextmanager
    def _slot(self, guild_id: int | None) -> Iterator[None]:
        if guild_id is None:
            yield
            return
        if self._drawing.get(guild_id, 0) >= self.per_server:
            raise UserError(
                "I'm drawing another chart for this server right now. Try again in a few seconds."
            )
        if sum(self._drawing.values()) >= self.in_flight:
            raise UserError("I'm busy drawing charts right now. Try again in a few seconds.")
        self._drawing[guild_id] = self._drawing.get(guild_id, 0) + 1
        try:
            yield
        finally:
            self._drawing[guild_id] -= 1
            if not self._drawing[guild_id]:
                del self._drawing[guild_id]

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def chart_key(guild_id: int, debate: Debate, method: str, version: int) -> Hashable:
    """What a chart depends on: the tally's version, the method, and the names drawn."""
    return (guild_id, debate.id, method, version, debate.title, tuple(i.name for i in debate.items))
