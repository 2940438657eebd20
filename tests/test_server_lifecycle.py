"""ServerLifecycle.reconcile: at READY, servers removed while the bot was offline are left."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.server_lifecycle import ServerLifecycle
from bot.shards import Shards, shard_of
from bot.storage import Database
from bot.storage.guilds import LEFT_REASON, GuildRepository
from bot.storage.summaries import SummaryRepository
from tests.storage.test_guilds import a_server_with_everything

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def on_shard(shard: int, count: int, start: int) -> int:
    """A server id on ``shard`` of ``count``, from ``start`` on."""
    guild_id = start
    while shard_of(guild_id, count) != shard:
        guild_id += 1 << 22
    return guild_id


async def test_servers_ready_did_not_list_are_left_and_listed_ones_kept(db: Database) -> None:
    stayed, removed, back = 1 << 22, 2 << 22, 3 << 22
    for guild_id in (stayed, removed, back):
        await a_server_with_everything(db, guild_id)
    guilds = GuildRepository(db)
    await guilds.left(back, NOW)
    lifecycle = ServerLifecycle(guilds, clock=lambda: NOW)

    # READY lists ``stayed`` (perhaps as unavailable) and ``back``, not ``removed``.
    await lifecycle.reconcile([stayed, back])

    assert await guilds.departed() == {removed}
    assert await guilds.known() == {stayed, back}
    summaries = SummaryRepository(db)
    [paused] = await summaries.schedules_for_guild(removed)
    assert paused.paused_reason == LEFT_REASON
    [resumed] = await summaries.schedules_for_guild(back)
    assert resumed.paused_at is None
    await lifecycle.reconcile([stayed, back])  # a second READY changes nothing
    assert await guilds.departed() == {removed}


async def test_one_shards_ready_speaks_only_for_that_shards_servers(db: Database) -> None:
    shards = Shards.of(4, [0, 1])  # this process runs shards 0 and 1 of 4
    mine_0, mine_1, theirs = on_shard(0, 4, 10), on_shard(1, 4, 10), on_shard(2, 4, 10)
    for guild_id in (mine_0, mine_1, theirs):
        await a_server_with_everything(db, guild_id)
    guilds = GuildRepository(db)
    lifecycle = ServerLifecycle(guilds, clock=lambda: NOW, owns=shards.owns)

    # Shard 0's READY lists none of its servers: only shard 0's server is left; shard 1's
    # has not had its READY yet, and shard 2's belongs to another process.
    await lifecycle.reconcile_shard(0, 4, [])
    assert await guilds.departed() == {mine_0}
    # The whole process's READY (both its shards) lists only shard 1's server.
    await lifecycle.reconcile([mine_1])
    assert await guilds.departed() == {mine_0}, "never another process's server"
