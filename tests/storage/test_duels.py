"""Duel sessions in SQLite: one per member and debate, guarded steps, idle ones dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import DebateSpec, DuelSession, DuelSessionChanged, ItemSpec
from bot.storage import Database, DebateRepository, DuelRepository
from bot.storage._util import utcnow

G1, G2, ANN, BO = 1, 2, 7, 8
SPEC = DebateSpec("films", "Films", "Best film?", "Ann", (ItemSpec("A"), ItemSpec("B")))


@pytest.fixture
async def debate(db: Database):
    return await DebateRepository(db).create(SPEC, guild_id=None)


async def test_a_session_reads_back_as_it_was_stored(db: Database, debate) -> None:
    duels = DuelRepository(db)
    session = await duels.start(G1, debate.id, ANN, '{"x":1}')
    assert isinstance(session, DuelSession) and session.step == 0
    assert await duels.get(session.id) == session
    assert await duels.find(G1, debate.id, ANN) == session
    assert await duels.find(G2, debate.id, ANN) is None
    assert await duels.find(G1, debate.id, BO) is None


async def test_starting_again_replaces_the_session_under_a_new_id(db: Database, debate) -> None:
    duels = DuelRepository(db)
    first = await duels.start(G1, debate.id, ANN, "one")
    second = await duels.start(G1, debate.id, ANN, "two")
    assert second.id != first.id and await duels.get(first.id) is None
    await duels.end(second.id)
    third = await duels.start(G1, debate.id, ANN, "three")
    assert third.id > second.id, "ids are never reused, so old buttons can't reach new sessions"


async def test_only_the_first_of_two_answers_to_one_step_counts(db: Database, debate) -> None:
    duels = DuelRepository(db)
    session = await duels.start(G1, debate.id, ANN, "s0")
    moved = await duels.advance(session, "s1", 1)
    assert moved.step == 1 and moved.updated_at >= session.updated_at
    with pytest.raises(DuelSessionChanged):
        await duels.advance(session, "s1 again", 1)
    stored = await duels.get(session.id)
    assert stored is not None and (stored.state, stored.step) == ("s1", 1)
    assert await duels.end(session.id) and not await duels.end(session.id)
    with pytest.raises(DuelSessionChanged):
        await duels.advance(moved, "s2", 2)


async def test_idle_sessions_are_dropped(db: Database, debate) -> None:
    duels = DuelRepository(db)
    idle = await duels.start(G1, debate.id, ANN, "old")
    fresh = await duels.start(G1, debate.id, BO, "new")
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE duel_sessions SET updated_at = ? WHERE id = ?",
            ((utcnow() - timedelta(days=2)).isoformat(), idle.id),
        )
    assert await duels.drop_idle(utcnow() - timedelta(days=1)) == 1
    assert await duels.get(idle.id) is None and await duels.get(fresh.id) == fresh


async def test_a_deleted_debate_takes_its_sessions_with_it(db: Database) -> None:
    own = await DebateRepository(db).create(SPEC, guild_id=G1, created_by=ANN)
    duels = DuelRepository(db)
    session = await duels.start(G1, own.id, ANN, "s")
    await DebateRepository(db).delete(own.id)
    assert await duels.get(session.id) is None
