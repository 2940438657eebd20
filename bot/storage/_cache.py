"""Rows a repository keeps in memory after reading them, dropped by its own writes.

Every vote reads the same few rows (its debate, whether it is open, the server's settings,
the debate's rules); a burst of 1,000 votes read them 14,000 times, each a round trip to the
database thread. The repositories that own those rows keep them here instead.

Keeping them in the process is correct because every write of those rows goes through
the process that owns the server: Discord puts each server on one shard, the process of
that shard is the only one that answers its admins (/settings, /debate edit, open/close,
rules), and those writes go through the same repository, which drops what it kept. Writes
by another process (``python -m bot forget``, seen through ``Database.data_version``) drop
everything (``forget_all``). A debate of the catalog, shared by every server, changes only
when a process starts and syncs ``data/``, and the saves check their items inside their
own transaction whatever a process kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptRows(Generic[K, V]):
    """At most ``limit`` values by key, the least recently used dropped first.

    A value read while a write dropped something is returned but not kept: the read may
    have seen the row from before that write. None (nothing found) is not kept either.
    Concurrent reads of a key not kept share one load: a burst of votes arriving together
    reads its server's settings once, not once each. Not for reads inside a transaction:
    those must see the transaction's own writes, so the repositories make them directly.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[K, V] = OrderedDict()
        # Bumped by every drop, so a read that raced a write is not kept after it.
        self._generation = 0
        # Loads under way; a drop forgets them too, so a read after a write loads afresh.
        self._loading: dict[K, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        return len(self._values)

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The kept value, else ``load()``'s (kept unless a drop happened meanwhile)."""
        try:
            value = self._values[key]
        except KeyError:
            pass
        else:
            self._values.move_to_end(key)
            return value
        loading = self._loading.get(key)
        if loading is None:
            # A task of its own, so that no reader's cancellation cancels it for the others.
            loading = asyncio.ensure_future(self._load(key, load, self._generation))
            loading.add_done_callback(_retrieved)
            self._loading[key] = loading
        return await asyncio.shield(loading)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]], generation: int) -> V:
        try:
            value = await load()
        finally:
            if self._loading.get(key) is asyncio.current_task():
                del self._loading[key]
        if generation == self._generation and value is not None:
            self._values[key] = value
            if len(self._values) > self.limit:
                self._values.popitem(last=False)
        return value

    def forget(self, key: K) -> None:
        self._generation += 1
        self._values.pop(key, None)
        self._loading.clear()

    def forget_where(self, stale: Callable[[K, V], bool]) -> None:
        """Drop every kept value for which ``stale(key, value)`` is true."""
        self._generation += 1
        for key in [key for key, value in self._values.items() if stale(key, value)]:
            del self._values[key]
        self._loading.clear()

    def forget_all(self) -> None:
        self._generation += 1
        self._values.clear()
        self._loading.clear()


def _retrieved(task: asyncio.Future[Any]) -> None:
    # Every reader may have been cancelled: the error is theirs to see, not asyncio's to log.
    if not task.cancelled():
        task.exception()
