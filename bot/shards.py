"""Which servers this process serves when the bot runs as several shard processes.

Discord puts every server on exactly one shard, ``(guild_id >> 22) % shard_count``. A process
that runs shards 0 and 1 of 4 receives the events of those servers only, so it is the only
writer of their ballots, keeps their tallies and runs their schedules and deadlines. The
database claims (:mod:`bot.storage.summaries`) still make a misconfigured overlap harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shards:
    """Shards ``ids`` of ``count``; the default, one shard of one, serves every server."""

    count: int = 1
    ids: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or not all(0 <= i < self.count for i in self.ids):
            raise ValueError(f"shards {sorted(self.ids)} of {self.count} are not valid")

    @classmethod
    def of(cls, count: int, ids: Iterable[int] | None = None) -> Shards:
        """Shards ``ids`` of ``count`` (every shard when ``ids`` is None)."""
        return cls(count, frozenset(range(count) if ids is None else ids))

    @property
    def everything(self) -> bool:
        return len(self.ids) == self.count

    def owns(self, guild_id: int) -> bool:
        """Whether the server ``guild_id`` is on one of this process's shards."""
        return self.everything or shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        return f"shard(s) {', '.join(map(str, sorted(self.ids)))} of {self.count}"


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends the server's events to (the formula of Discord's docs)."""
    return (guild_id >> 22) % count
