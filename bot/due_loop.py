"""The one loop behind every timed action: closing debates at their deadlines (with the
reveal), reminders before them, and scheduled summaries.

It sleeps until the next of them is due rather than polling: a deadline a minute away is
met within a moment of it, and an idle bot does nothing. A deadline or schedule set or
changed meanwhile wakes it early (:meth:`DueLoop.wake`), so it never sleeps past a new,
earlier one. Each action keeps its own exactly-once guarantee (claim, then send; see
:mod:`bot.summary_poster` and :mod:`bot.reminders`); the loop only decides when to look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

log = logging.getLogger(__name__)

# A look at least this often, whatever is due: the database may be changed by another
# process (`python -m bot forget`), which cannot wake this one.
MAX_SLEEP_SECONDS = 300.0
# When other processes share the database (shards of one bot), they schedule and move
# deadlines this process must act on for its own servers, and cannot wake it either.
SHARED_MAX_SLEEP_SECONDS = 5.0
# After a look, at least this long before the next: something due that keeps failing must
# not turn the loop into a busy one.
MIN_SLEEP_SECONDS = 1.0

NextDue = Callable[[], Awaitable[datetime | None]]


class DueLoop:
    def __init__(
        self,
        actions: list[tuple[str, Callable[[], Awaitable[object]]]],
        next_due: list[NextDue],
        clock: Callable[[], datetime],
        *,
        max_sleep: float = MAX_SLEEP_SECONDS,
    ) -> None:
        self.actions = actions
        self.max_sleep = max_sleep
        self.next_due = next_due
        self.clock = clock
        self._wake = asyncio.Event()

    def wake(self, *_: object) -> None:
        """Look again now: something due may have been set or moved (any arguments ignored,
        so it can listen to the debate store's changes)."""
        self._wake.set()

    async def run_once(self) -> None:
        for what, act in self.actions:
            try:
                await act()
            except Exception:
                # A database hiccup must not end the loop: the next look tries again.
                log.exception("%s failed", what)

    async def delay(self) -> float:
        """Seconds until the next thing is due, within the loop's bounds."""
        times = []
        for next_due in self.next_due:
            try:
                due = await next_due()
            except Exception:
                log.exception("Finding the next due action failed")
                continue
            if due is not None:
                times.append(due)
        if not times:
            return self.max_sleep
        seconds = (min(times) - self.clock()).total_seconds()
        return min(self.max_sleep, max(MIN_SLEEP_SECONDS, seconds))

    async def run(self) -> None:
        while True:
            self._wake.clear()
            await self.run_once()
            delay = await self.delay()
            log.debug("Next look for due actions in %.1f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
