"""Leaving a server pauses its schedules; coming back resumes them; 30 days on, its data goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import DebateSpec, ItemSpec, Schedule
from bot.storage import BallotRepository, Database, DebateRepository, SettingsRepository
from bot.storage.guilds import LEFT_REASON, GuildRepository
from bot.storage.summaries import SummaryRepository

LEFT, STAYED = 101, 202
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
SPEC = DebateSpec(
    slug="films", title="Films", question="Which?", author="me",
    items=(ItemSpec("Alien"), ItemSpec("Aliens")),
)  # fmt: skip


async def a_server_with_everything(db: Database, guild_id: int) -> int:
    """A server with its own debate, ballots, settings and a schedule; the debate's id."""
    debate = await DebateRepository(db).create(SPEC, guild_id=guild_id, created_by=7)
    await BallotRepository(db).save(guild_id, debate.id, 7, ((debate.items[0].id,),), "why")
    await SettingsRepository(db).update(guild_id, min_voters=5)
    await DebateRepository(db).set_open(guild_id, debate.id, False)
    await SummaryRepository(db).set_schedule(
        Schedule(guild_id, debate.id, 555, "daily", 9, None, NOW, 7, NOW)
    )
    return debate.id


async def rows_of(db: Database, guild_id: int) -> int:
    total = 0
    for table in ("ballots", "current_ballots", "guild_settings", "guild_debates",
                  "summary_schedules", "debates"):  # fmt: skip
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (guild_id,))
        total += row[0]
    return total


async def test_leaving_pauses_and_coming_back_resumes_only_what_leaving_paused(
    db: Database,
) -> None:
    debate = await a_server_with_everything(db, LEFT)
    summaries, guilds = SummaryRepository(db), GuildRepository(db)
    await summaries.set_schedule(Schedule(LEFT, debate, 556, "daily", 10, None, NOW, 7, NOW))
    await summaries.pause(LEFT, debate, "the channel <#556> no longer exists", NOW)

    assert await guilds.left(LEFT, NOW) == 0, "already paused for its own reason"
    [schedule] = await summaries.schedules_for_guild(LEFT)
    assert schedule.paused_reason == "the channel <#556> no longer exists"
    assert await summaries.due(NOW + timedelta(days=9)) == []

    await summaries.set_schedule(Schedule(LEFT, debate, 557, "daily", 10, None, NOW, 7, NOW))
    assert await guilds.left(LEFT, NOW) == 1
    assert (await summaries.get_schedule(LEFT, debate)).paused_reason == LEFT_REASON
    assert await guilds.departed() == {LEFT}

    assert await guilds.joined(LEFT) == 1
    assert (await summaries.get_schedule(LEFT, debate)).paused_at is None
    assert await guilds.departed() == set()


async def test_the_data_of_a_server_left_30_days_ago_is_deleted_and_nobody_elses(
    db: Database,
) -> None:
    await a_server_with_everything(db, LEFT)
    stayed_debate = await DebateRepository(db).create(
        DebateSpec(slug="other", title="O", question="Q?", author="me", items=SPEC.items),
        guild_id=STAYED,
    )
    await BallotRepository(db).save(STAYED, stayed_debate.id, 7, ((stayed_debate.items[0].id,),))
    guilds = GuildRepository(db)
    await guilds.left(LEFT, NOW)
    before = await rows_of(db, STAYED)

    assert await guilds.purge_left_before(NOW) == [], "not yet"
    assert await rows_of(db, LEFT) > 0
    later = NOW + timedelta(days=30, seconds=1)
    # A process of other shards leaves it to the process that serves the server.
    assert await guilds.purge_left_before(later, only=lambda guild: guild != LEFT) == []
    assert await rows_of(db, LEFT) > 0
    assert await guilds.purge_left_before(later) == [LEFT]

    assert await rows_of(db, LEFT) == 0
    orphans = await db.fetchone(
        "SELECT COUNT(*) FROM items WHERE debate_id NOT IN (SELECT id FROM debates)"
    )
    assert orphans[0] == 0
    assert await guilds.departed() == set()
    assert await rows_of(db, STAYED) == before
