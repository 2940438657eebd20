"""Per-member cooldowns: when each (server, member) last did something, and how long to wait."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

# Above this many remembered members, those whose cooldown is over are forgotten, so the
# map can't grow without end.
_PRUNE_ABOVE = 10_000


class Cooldowns:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may act again (0 when it may now)."""
        last = self._last.get(key)
        if last is None or self.seconds <= 0:
            return 0.0
        return max(0.0, self.seconds - (self._clock() - last))

    def wait_text(self, key: Hashable) -> str | None:
        """ "3 seconds" while ``key`` must wait, else None."""
        wait = self.retry_after(key)
        if wait <= 0:
            return None
        seconds = max(1, math.ceil(wait))
        return f"{seconds} second" if seconds == 1 else f"{seconds} seconds"

    def record(self, key: Hashable) -> None:
        now = self._clock()
        if len(self._last) > _PRUNE_ABOVE:
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        self._last[key] = now
