"""Ballot history stays cheap: counted by query, kept to the newest revisions per member."""

from __future__ import annotations

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.personal_data import PersonalDataRepository

SPEC = DebateSpec("films", "Films", "Best?", "A", (ItemSpec("Alien"), ItemSpec("Aliens")))


async def test_saves_keep_the_newest_revisions_and_the_count_stays_true(db: Database) -> None:
    debate = await DebateRepository(db).create(SPEC, guild_id=1)
    a, b = (item.id for item in debate.items)
    ballots = BallotRepository(db, keep_revisions=3)
    for n in range(7):
        await ballots.save(1, debate.id, 5, ((a,), (b,)) if n % 2 else ((b,), (a,)))
    await ballots.save(1, debate.id, 6, ((a,),))
    kept = await ballots.history(1, debate.id, 5)
    assert len(kept) == 3
    current = await ballots.current(1, debate.id, 5)
    assert current is not None and kept[-1].id == current.id
    assert await ballots.count_revisions(1, debate.id, 5) == 7
    assert await ballots.count_revisions(1, debate.id, 6) == 1
    assert await ballots.count_revisions(1, debate.id, 7) == 0


async def test_history_kept_from_before_the_retention_is_compacted_in_batches(
    db: Database,
) -> None:
    debate = await DebateRepository(db).create(SPEC, guild_id=1)
    a, _ = (item.id for item in debate.items)
    unbounded = BallotRepository(db, keep_revisions=10**9)
    for member in range(5):
        for _ in range(6):
            await unbounded.save(1, debate.id, member, ((a,),))
    ballots = BallotRepository(db, keep_revisions=2)
    assert await ballots.compact_all(batch=2) == 5 * 4
    for member in range(5):
        assert len(await ballots.history(1, debate.id, member)) == 2
        assert await ballots.count_revisions(1, debate.id, member) == 6
    assert await ballots.compact_all() == 0


async def test_erasing_a_member_forgets_their_compacted_count_too(db: Database) -> None:
    debate = await DebateRepository(db).create(SPEC, guild_id=1)
    a, _ = (item.id for item in debate.items)
    ballots = BallotRepository(db, keep_revisions=1)
    for _ in range(3):
        await ballots.save(1, debate.id, 5, ((a,),))
    await PersonalDataRepository(db).erase(5)
    assert await ballots.count_revisions(1, debate.id, 5) == 0


async def test_per_debate_scans_use_an_index(db: Database) -> None:
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id, tiers FROM ballots WHERE debate_id = ?", (1,)
    )
    assert any("ballots_debate" in row["detail"] for row in plan), [r["detail"] for r in plan]
