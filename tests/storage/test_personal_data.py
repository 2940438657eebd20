"""Erasing a member: their rows in one server (or all), nobody else's, in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.personal_data import ERASED_MEMBER, PersonalDataRepository
from bot.storage.summaries import Schedule, SummaryRepository

HERE, THERE = 101, 202
MEMBER, OTHER = 7, 8
SPEC = DebateSpec(
    slug="films", title="Films", question="Which?", author="me",
    items=(ItemSpec("Alien"), ItemSpec("Aliens"), ItemSpec("Alien 3")),
)  # fmt: skip


async def test_erasing_in_one_server_leaves_other_servers_and_members(db: Database) -> None:
    debates, ballots = DebateRepository(db), BallotRepository(db)
    mine = await debates.create(SPEC, guild_id=HERE, created_by=MEMBER)
    a, b, c = (i.id for i in mine.items)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await SummaryRepository(db).set_schedule(
        Schedule(HERE, mine.id, 555, "daily", 9, None, now, MEMBER, now)
    )
    await ballots.save(HERE, mine.id, MEMBER, ((a,), (b,)), "first")
    await ballots.save(HERE, mine.id, MEMBER, ((b,), (a,)), "second thoughts")
    await ballots.save(HERE, mine.id, OTHER, ((c,),))
    await ballots.save(THERE, mine.id, MEMBER, ((c,),))

    erasure = await PersonalDataRepository(db).erase(MEMBER, HERE)

    assert (erasure.revisions, erasure.debates, erasure.creator_links) == (2, 1, 2)
    assert [(x.guild_id, x.tiers, x.reason) for x in erasure.counted] == [
        (HERE, ((b,), (a,)), "second thoughts")
    ]
    assert await ballots.history(HERE, mine.id, MEMBER) == []
    assert await ballots.current(HERE, mine.id, OTHER) is not None
    assert await ballots.current(THERE, mine.id, MEMBER) is not None, "another server's stays"
    schedule = await SummaryRepository(db).get_schedule(HERE, mine.id)
    assert schedule is not None and schedule.created_by == ERASED_MEMBER
    rows = await db.fetchall("SELECT created_by FROM debates WHERE id = ?", (mine.id,))
    assert rows[0]["created_by"] is None

    everywhere = await PersonalDataRepository(db).erase(MEMBER)
    assert (everywhere.revisions, len(everywhere.counted)) == (1, 1)
    assert (await PersonalDataRepository(db).erase(MEMBER)).nothing
    left = await db.fetchall("SELECT COUNT(*) FROM ballots WHERE member_id = ?", (MEMBER,))
    assert left[0][0] == 0


async def test_the_pseudonym_key_is_made_once_per_installation(db: Database) -> None:
    key = await PersonalDataRepository(db).pseudonym_key()
    assert len(key) == 32 and key == await PersonalDataRepository(db).pseudonym_key()


# Columns that name a member; every table holding one must be covered by erase().
MEMBER_COLUMNS = {"member_id", "created_by"}


async def test_no_table_keeps_a_member_after_erasing_everywhere(db: Database) -> None:
    """A new table with a member column fails here until erase() covers it."""
    tables = [
        r["name"]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    debate = await DebateRepository(db).create(SPEC, guild_id=HERE, created_by=MEMBER)
    now = "2026-01-01T00:00:00+00:00"
    member_tables = []
    for table in tables:
        columns = {c["name"]: c for c in await db.fetchall(f'PRAGMA table_info("{table}")')}
        if not MEMBER_COLUMNS & set(columns):
            continue
        member_tables.append(table)
        # A row naming the member, with plausible values for the other required columns
        # (a lone integer primary key fills itself; a composite key's columns are required).
        lone_key = sum(1 for c in columns.values() if c["pk"]) == 1
        values = {
            name: MEMBER if name in MEMBER_COLUMNS else HERE if name == "guild_id"
            else debate.id if name == "debate_id" else now if name.endswith("_at") else 0
            for name, c in columns.items()
            if (c["notnull"] or c["pk"]) and c["dflt_value"] is None and not (c["pk"] and lone_key)
        }  # fmt: skip
        if table in ("ballots", "current_ballots", "debates", "summary_schedules"):
            continue  # filled through their repositories above and in the test before
        values |= {"state": "{}"} if "state" in columns else {}
        values |= {"tiers": "[]"} if "tiers" in columns else {}
        marks = ", ".join("?" * len(values))
        async with db.transaction() as conn:
            await conn.execute(
                f'INSERT INTO "{table}" ({", ".join(values)}) VALUES ({marks})',
                tuple(values.values()),
            )
    await BallotRepository(db).save(HERE, debate.id, MEMBER, ((debate.items[0].id,),))

    await PersonalDataRepository(db).erase(MEMBER)

    for table in member_tables:
        columns = {c["name"] for c in await db.fetchall(f'PRAGMA table_info("{table}")')}
        for column in MEMBER_COLUMNS & columns:
            rows = await db.fetchall(f'SELECT 1 FROM "{table}" WHERE {column} = ?', (MEMBER,))
            assert rows == [], f"{table}.{column} still names the member after erase()"
