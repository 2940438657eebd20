"""What happens when the bot leaves a server or comes back.

Leaving pauses the server's scheduled summaries (posting into a server the bot is not in
would fail every day for ever) and starts a 30-day countdown: invited back within it,
everything is as it was and the schedules resume; after it, the server's data is deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from bot.shards import shard_of
from bot.storage.guilds import GuildRepository

log = logging.getLogger(__name__)

KEEP_AFTER_LEAVING = timedelta(days=30)
PURGE_CHECK_SECONDS = 3600.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class ServerLifecycle:
    def __init__(
        self,
        store: GuildRepository,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_purge: Callable[[int], None] = lambda guild_id: None,
        owns: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        self.store = store
        self.clock = clock
        # The servers this process serves (its shards'): the one that forgets a server's data
        # must be the one that remembers things about it.
        self.owns = owns
        # Told of each server whose data was deleted: what is kept in memory about it goes too.
        self.on_purge = on_purge

    async def left(self, guild_id: int) -> None:
        paused = await self.store.left(guild_id, self.clock())
        log.info(
            "Left server %d: paused %d schedule(s); its data is deleted after %d days",
            guild_id,
            paused,
            KEEP_AFTER_LEAVING.days,
        )

    async def joined(self, guild_id: int) -> None:
        resumed = await self.store.joined(guild_id)
        if resumed:
            log.info("Back in server %d: resumed %d schedule(s)", guild_id, resumed)

    async def reconcile(
        self, present: Iterable[int], *, covers: Callable[[int], bool] | None = None
    ) -> None:
        """On READY, with the servers it listed (unavailable ones included): those marked as
        left that the bot is in again resume, and those the database knows but READY did not
        list were left while the bot was offline (no GUILD_DELETE comes for that).

        ``covers`` says which servers that READY speaks for (one shard's, when sharded); by
        default every server of this process. A server on another process's shards is never
        marked here: this READY could not have listed it.
        """
        present = set(present)
        for guild_id in present & await self.store.departed():
            await self.joined(guild_id)
        speaks_for = covers or self.owns
        for guild_id in sorted(await self.store.known() - present):
            if speaks_for(guild_id) and self.owns(guild_id):
                log.info("Server %d was not listed at READY: removed while offline", guild_id)
                await self.left(guild_id)

    async def reconcile_shard(self, shard_id: int, count: int, present: Iterable[int]) -> None:
        """On one shard's READY (shard ``shard_id`` of ``count``), with the servers it listed."""
        await self.reconcile(present, covers=lambda guild_id: shard_of(guild_id, count) == shard_id)

    async def purge_expired(self) -> list[int]:
        purged = await self.store.purge_left_before(
            self.clock() - KEEP_AFTER_LEAVING, only=self.owns
        )
        for guild_id in purged:
            self.on_purge(guild_id)
            log.info(
                "Deleted the data of server %d, left %d days ago", guild_id, KEEP_AFTER_LEAVING.days
            )
        return purged

    async def run(self) -> None:
        """Forever: delete the data of servers left long enough ago."""
        while True:
            try:
                await self.purge_expired()
            except Exception:
                log.exception("Deleting the data of servers left long ago failed; trying later")
            await asyncio.sleep(PURGE_CHECK_SECONDS)
