"""DebateDirectory: finding debates by name from a per-server listing kept in memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import builtin_catalog, load_catalog
from bot.debate_directory import DebateDirectory
from bot.errors import DebateNotFound, UserError
from bot.models import DebateHeader, DebateSpec, ItemSpec
from bot.server_lifecycle import KEEP_AFTER_LEAVING, ServerLifecycle
from bot.storage import BallotRepository, Database, DebateRepository, SettingsRepository
from bot.storage.guilds import GuildRepository

GUILD, OTHER = 1, 2


def spec(slug: str, title: str) -> DebateSpec:
    return DebateSpec(slug, title, "Which?", "Me", (ItemSpec("A"), ItemSpec("B")))


@pytest.fixture
async def directory(db: Database) -> DebateDirectory:
    debates = DebateRepository(db)
    await debates.sync_catalog(load_catalog(builtin_catalog()))
    return DebateDirectory(debates, BallotRepository(db), SettingsRepository(db))


class CountingRepository(DebateRepository):
    """Counts the listing queries, to show which answers came from memory."""

    loads = 0

    async def headers_for_guild(self, guild_id: int | None):  # type: ignore[no-untyped-def]
        self.loads += 1
        return await super().headers_for_guild(guild_id)


async def test_autocomplete_reads_the_database_once_per_change(db: Database) -> None:
    debates = CountingRepository(db)
    directory = DebateDirectory(debates, BallotRepository(db), SettingsRepository(db))
    await debates.create(spec("one", "Rocky films"), guild_id=GUILD)
    for typed in ["r", "ro", "roc", "rock"]:
        assert await directory.suggest(GUILD, typed) == [("Rocky films", "one")]
    assert debates.loads == 1

    created = await debates.create(spec("two", "Rocky songs"), guild_id=GUILD)
    assert [slug for _, slug in await directory.suggest(GUILD, "rocky")] == ["one", "two"]
    assert debates.loads == 2

    await debates.create(spec("three", "Elsewhere"), guild_id=OTHER)  # another server's
    await directory.suggest(GUILD, "rocky")
    assert debates.loads == 2

    await debates.set_open(GUILD, created.id, False)
    assert [h.is_open for h in await directory.headers(GUILD)] == [True, False]
    await debates.revise(
        created.id,
        spec("two", "Rocky soundtracks"),
        [i.id for i in created.items],
        expected_revision=created.revision,
    )
    assert ("Rocky soundtracks", "two") in await directory.suggest(GUILD, "sound")
    await debates.delete(created.id)
    assert await directory.suggest(GUILD, "sound") == []


async def test_a_catalog_change_reaches_every_server(directory: DebateDirectory) -> None:
    before = await directory.suggest(GUILD, "")
    await directory.suggest(OTHER, "")
    await directory.debates.sync_catalog([spec("new-catalog", "A new catalog debate")])
    for guild in (GUILD, OTHER):
        assert await directory.suggest(guild, "") == [
            *before,
            ("A new catalog debate", "new-catalog"),
        ]


async def test_resolve_by_slug_title_or_unique_part(directory: DebateDirectory) -> None:
    mine = await directory.debates.create(spec("mine", "My own debate"), guild_id=GUILD)
    assert (await directory.resolve(GUILD, "mine")).id == mine.id
    assert (await directory.resolve(GUILD, "my OWN debate")).id == mine.id
    assert (await directory.resolve(GUILD, "own deb")).items == mine.items
    with pytest.raises(UserError, match="don't know"):
        await directory.resolve(OTHER, "mine")


async def test_the_current_debate_is_the_chosen_one_else_the_first(
    directory: DebateDirectory,
) -> None:
    first = (await directory.headers(GUILD))[0]
    assert (await directory.current(GUILD)).id == first.id
    mine = await directory.debates.create(spec("mine", "My own debate"), guild_id=GUILD)
    await directory.settings.update(GUILD, current_debate_id=mine.id)
    assert (await directory.current(GUILD)).id == mine.id
    assert (await directory.current(OTHER)).id == first.id


async def test_a_debate_deleted_or_of_another_server_is_gone(directory: DebateDirectory) -> None:
    mine = await directory.debates.create(spec("mine", "My own debate"), guild_id=GUILD)
    with pytest.raises(DebateNotFound):
        await directory.by_id(OTHER, mine.id)
    await directory.debates.delete(mine.id)
    with pytest.raises(DebateNotFound, match="no longer exists"):
        await directory.by_id(GUILD, mine.id)


async def test_the_listing_of_few_servers_is_kept(
    directory: DebateDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory._headers, "limit", 3)
    for guild in range(10):
        await directory.headers(guild)
    assert list(directory._headers._values) == [7, 8, 9]


async def test_votes_arriving_together_read_the_listing_once(
    directory: DebateDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = []
    read = directory.debates.headers_for_guild

    async def counted(guild_id: int | None) -> list[DebateHeader]:
        reads.append(guild_id)
        return await read(guild_id)

    monkeypatch.setattr(directory.debates, "headers_for_guild", counted)
    listings = await asyncio.gather(*(directory.headers(GUILD) for _ in range(50)))
    assert reads == [GUILD] and all(listing == listings[0] for listing in listings)


async def test_a_server_purged_after_leaving_is_listed_afresh(db: Database) -> None:
    debates = DebateRepository(db)
    directory = DebateDirectory(debates, BallotRepository(db), SettingsRepository(db))
    left_at = datetime(2026, 5, 1, tzinfo=UTC)
    clock = [left_at]
    lifecycle = ServerLifecycle(
        GuildRepository(db), clock=lambda: clock[0], on_purge=directory.forget_server
    )
    await debates.create(spec("mine", "My own debate"), guild_id=GUILD)
    assert await directory.suggest(GUILD, "own") == [("My own debate", "mine")]
    await lifecycle.left(GUILD)
    clock[0] = left_at + KEEP_AFTER_LEAVING + timedelta(days=1)
    assert await lifecycle.purge_expired() == [GUILD]
    assert await directory.suggest(GUILD, "own") == []
