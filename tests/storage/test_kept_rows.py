"""What the repositories keep in memory: read once, dropped by their own writes."""

from __future__ import annotations

import asyncio

from bot.catalog import builtin_catalog, load_catalog
from bot.storage import Database, DebateRepository, SettingsRepository
from bot.storage._cache import KeptRows
from bot.storage.debate_rules import DebateRulesRepository

GUILD = 1


async def test_concurrent_reads_share_one_load_and_the_value_is_kept() -> None:
    kept: KeptRows[int, str] = KeptRows(limit=10)
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return "row"

    assert await asyncio.gather(*(kept.get(1, load) for _ in range(50))) == ["row"] * 50
    assert await kept.get(1, load) == "row"
    assert loads == 1


async def test_a_read_that_raced_a_write_is_not_kept() -> None:
    kept: KeptRows[int, str] = KeptRows(limit=10)
    release = asyncio.Event()

    async def old() -> str:
        await release.wait()
        return "before the write"

    reading = asyncio.create_task(kept.get(1, old))
    await asyncio.sleep(0)
    kept.forget(1)  # the write committed while the read was under way
    release.set()
    assert await reading == "before the write"

    async def new() -> str:
        return "after the write"

    assert await kept.get(1, new) == "after the write"


async def test_nothing_found_is_not_kept_and_the_oldest_go_beyond_the_limit() -> None:
    kept: KeptRows[int, str | None] = KeptRows(limit=2)

    async def nothing() -> str | None:
        return None

    assert await kept.get(1, nothing) is None
    assert len(kept) == 0
    for key in (1, 2, 3):

        async def load(key: int = key) -> str | None:
            return f"row {key}"

        await kept.get(key, load)
    assert len(kept) == 2

    async def reloaded() -> str | None:
        return "reloaded"

    assert await kept.get(1, reloaded) == "reloaded", "the least recently used went first"


async def test_a_reader_cancelled_does_not_cancel_the_load_of_the_others() -> None:
    kept: KeptRows[int, str] = KeptRows(limit=10)
    release = asyncio.Event()

    async def load() -> str:
        await release.wait()
        return "row"

    first = asyncio.create_task(kept.get(1, load))
    second = asyncio.create_task(kept.get(1, load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == "row"


async def test_the_stores_see_their_own_writes_at_once(db: Database) -> None:
    settings, debates, rules = (
        SettingsRepository(db),
        DebateRepository(db),
        DebateRulesRepository(db),
    )
    (rocky,) = await debates.sync_catalog(load_catalog(builtin_catalog()))
    assert (await settings.get(GUILD)).min_voters == 3
    assert await debates.is_open(GUILD, rocky.id)
    assert (await rules.get(GUILD, rocky.id)).results is None
    assert await debates.get(rocky.id) == rocky

    await settings.update(GUILD, min_voters=7)
    await debates.set_open(GUILD, rocky.id, False)
    await rules.update(GUILD, rocky.id, results="after-close")
    renamed = await debates.replace(rocky.id, load_catalog(builtin_catalog())[0])
    assert (await settings.get(GUILD)).min_voters == 7
    assert not await debates.is_open(GUILD, rocky.id)
    assert (await rules.get(GUILD, rocky.id)).results == "after-close"
    assert (await debates.get(rocky.id)) == renamed


async def test_writes_behind_their_backs_are_seen_once_they_forget(db: Database) -> None:
    """A purge or another process writes without the stores: they are told to forget."""
    settings, debates = SettingsRepository(db), DebateRepository(db)
    (rocky,) = await debates.sync_catalog(load_catalog(builtin_catalog()))
    assert (await settings.get(GUILD)).min_voters == 3
    assert await debates.is_open(GUILD, rocky.id)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, min_voters) VALUES (?, ?)", (GUILD, 9)
        )
        await conn.execute(
            "INSERT INTO guild_debates (guild_id, debate_id, is_open) VALUES (?, ?, 0)",
            (GUILD, rocky.id),
        )
    assert (await settings.get(GUILD)).min_voters == 3, "kept"
    settings.forget(GUILD)
    debates.forget_server(GUILD)
    assert (await settings.get(GUILD)).min_voters == 9
    assert not await debates.is_open(GUILD, rocky.id)
