"""Removing items: recorded in the edit's transaction, stripped from revisions in batches."""

from __future__ import annotations

import asyncio

import pytest

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage._util import dump_tiers
from bot.voting import SaveLimit, VotingService
from tests.support.storage import counted_transactions

GUILD, OTHER = 7, 8
SPEC = DebateSpec("films", "Films", "Best?", "Ann", (ItemSpec("A"), ItemSpec("B"), ItemSpec("C")))


async def pending(db: Database) -> list[tuple[int, int]]:
    rows = await db.fetchall("SELECT debate_id, item_id FROM item_removals ORDER BY item_id")
    return [(row[0], row[1]) for row in rows]


async def stored_tiers(db: Database, debate_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT tiers FROM ballots WHERE debate_id = ? ORDER BY id", (debate_id,)
    )
    return [row[0] for row in rows]


async def without(repo: DebateRepository, debate_id: int, name: str):
    """``repo.revise`` keeping every item but ``name``."""
    debate = await repo.get(debate_id)
    kept = [item for item in debate.items if item.name != name]
    spec = DebateSpec(
        debate.slug, debate.title, debate.question, debate.author,
        tuple(ItemSpec(item.name) for item in kept),
    )  # fmt: skip
    return await repo.revise(
        debate_id, spec, [item.id for item in kept], expected_revision=debate.revision
    )


async def test_a_removal_is_stripped_in_batches_each_its_own_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    debate = await repo.create(SPEC, guild_id=GUILD)
    a, b, c = (item.id for item in debate.items)
    for member in range(10):
        await ballots.save(GUILD, debate.id, member, ((a,), (b, c)) if member else ((b,),))
    monkeypatch.setattr("bot.storage.debates.REMOVAL_BATCH", 3)
    with counted_transactions(db, monkeypatch) as transactions:
        await without(repo, debate.id, "B")
    # The edit, then 10 revisions 3 at a time, then the last look that forgets the removal.
    assert len(transactions) == 1 + 4 + 1
    assert await pending(db) == []
    # Member 0's only item is gone: their revision is left empty, and no longer counts.
    assert set(await stored_tiers(db, debate.id)) == {f"[[{a}],[{c}]]", "[]"}
    current = {x.member_id: x.tiers for x in await ballots.current_all(GUILD, debate.id)}
    assert 0 not in current  # ranked only B: no longer counts
    assert current == {member: ((a,), (c,)) for member in range(1, 10)}


async def test_other_servers_saves_go_on_between_the_batches(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    debate = await repo.create(SPEC, guild_id=GUILD)
    a, b, _ = (item.id for item in debate.items)
    for member in range(20):
        await ballots.save(GUILD, debate.id, member, ((a,), (b,)))
    monkeypatch.setattr("bot.storage.debates.REMOVAL_BATCH", 2)
    order: list[str] = []
    started = asyncio.Event()
    batch = repo._removal_batch

    async def watched(*args):
        started.set()
        done = await batch(*args)
        order.append("batch")
        return done

    monkeypatch.setattr(repo, "_removal_batch", watched)

    async def other_server_saves() -> None:
        await started.wait()
        await ballots.save(OTHER, debate.id, 99, ((a,),))
        order.append("save")

    await asyncio.gather(without(repo, debate.id, "B"), other_server_saves())
    # The save waited for one short batch, not for the whole removal.
    assert order.index("save") < len(order) - 5
    assert await pending(db) == []


async def test_a_removal_stopped_half_way_reads_right_and_finishes_later(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    voting = VotingService(ballots, repo, limit=SaveLimit(0))
    debate = await repo.create(SPEC, guild_id=GUILD)
    a, b, c = (item.id for item in debate.items)
    for member in range(6):
        await ballots.save(GUILD, debate.id, member, ((b,), (a,), (c,)))
    await ballots.save(GUILD, debate.id, 50, ((b,),))
    monkeypatch.setattr("bot.storage.debates.REMOVAL_BATCH", 2)
    batch = repo._removal_batch
    batches = 0

    async def dies_after_two(*args):
        nonlocal batches
        batches += 1
        if batches > 2:
            raise RuntimeError("the process stopped here")
        return await batch(*args)

    monkeypatch.setattr(repo, "_removal_batch", dies_after_two)
    after = await without(repo, debate.id, "B")  # the edit itself is saved and answered
    assert [item.name for item in after.items] == ["A", "C"]
    assert await pending(db) == [(debate.id, b)]
    assert sum(str(b) in tiers for tiers in await stored_tiers(db, debate.id)) == 3
    # Meanwhile every reader leaves the removed item out: /myvote and the tallies.
    for member in range(6):
        mine = await voting.current(GUILD, after, member)
        assert mine is not None and mine.tiers == ((a,), (c,))
    assert await voting.current(GUILD, after, 50) is None
    monkeypatch.undo()

    # The next start finishes it, with a fresh repository as a new process would have.
    assert await DebateRepository(db).finish_removals() == 3
    assert await pending(db) == []
    assert not any(str(b) in tiers for tiers in await stored_tiers(db, debate.id))
    assert 50 not in {x.member_id for x in await ballots.current_all(GUILD, debate.id)}


async def test_a_removal_recorded_while_another_runs_still_strips_every_revision(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    debate = await repo.create(SPEC, guild_id=GUILD)
    a, b, c = (item.id for item in debate.items)
    for member in range(8):
        await ballots.save(GUILD, debate.id, member, ((a,), (b,), (c,)))
    monkeypatch.setattr("bot.storage.debates.REMOVAL_BATCH", 3)
    batch = repo._removal_batch
    calls = 0

    async def second_edit_meanwhile(*args):
        nonlocal calls
        calls += 1
        if calls == 2:
            # Another removal lands between the batches of the first (from its own task).
            await asyncio.create_task(without(DebateRepository(db), debate.id, "C"))
        return await batch(*args)

    monkeypatch.setattr(repo, "_removal_batch", second_edit_meanwhile)
    await without(repo, debate.id, "B")
    assert await pending(db) == []
    assert set(await stored_tiers(db, debate.id)) == {dump_tiers(((a,),))}
