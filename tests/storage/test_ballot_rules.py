"""Ballot storage rules: replace in one transaction, full history, withdraw, servers apart."""

from __future__ import annotations

import pytest

from bot.models import Debate, DebateGone, DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.sql import Connection

GUILD, OTHER_GUILD = 1, 2
MEMBER, OTHER_MEMBER = 10, 11


@pytest.fixture
async def debate(db: Database) -> Debate:
    spec = DebateSpec(
        "films", "Films", "Which is best?", "Me", tuple(ItemSpec(n) for n in ("A", "B", "C", "D"))
    )
    return await DebateRepository(db).create(spec, guild_id=None)


@pytest.fixture
def ballots(db: Database) -> BallotRepository:
    return BallotRepository(db)


def ids(debate: Debate) -> list[int]:
    return [item.id for item in debate.items]


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_a_new_ballot_replaces_the_current_one_and_history_keeps_both(
    ballots: BallotRepository, debate: Debate
) -> None:
    a, b, c, _ = ids(debate)
    first, replaced = await ballots.save(GUILD, debate.id, MEMBER, ((a,), (b,)), "first")
    assert replaced is None
    second, replaced = await ballots.save(GUILD, debate.id, MEMBER, ((c,), (a, b)), None)
    assert replaced == first
    assert await ballots.current(GUILD, debate.id, MEMBER) == second
    history = await ballots.history(GUILD, debate.id, MEMBER)
    assert [h.id for h in history] == [first.id, second.id]
    assert [h.tiers for h in history] == [((a,), (b,)), ((c,), (a, b))]
    assert history[0].reason == "first" and history[1].reason is None
    assert history[0].created_at <= history[1].created_at
    assert await ballots.count_current(GUILD, debate.id) == 1


async def test_withdraw_keeps_the_ballot_in_history_but_stops_counting_it(
    ballots: BallotRepository, debate: Debate
) -> None:
    a, b, *_ = ids(debate)
    saved, _ = await ballots.save(GUILD, debate.id, MEMBER, ((a,), (b,)))
    withdrawn = await ballots.withdraw(GUILD, debate.id, MEMBER)
    assert withdrawn is not None and withdrawn.id == saved.id
    assert await ballots.current(GUILD, debate.id, MEMBER) is None
    assert await ballots.count_current(GUILD, debate.id) == 0
    (kept,) = await ballots.history(GUILD, debate.id, MEMBER)
    assert kept.id == saved.id and kept.withdrawn_at is not None
    assert await ballots.withdraw(GUILD, debate.id, MEMBER) is None
    # Voting again after a withdrawal starts fresh: nothing current was replaced.
    again, replaced = await ballots.save(GUILD, debate.id, MEMBER, ((b,),))
    assert replaced is None
    assert [h.id for h in await ballots.history(GUILD, debate.id, MEMBER)] == [saved.id, again.id]


async def test_servers_never_touch_each_other(ballots: BallotRepository, debate: Debate) -> None:
    a, b, c, d = ids(debate)
    here, _ = await ballots.save(GUILD, debate.id, MEMBER, ((a,), (b,)))
    there, replaced = await ballots.save(OTHER_GUILD, debate.id, MEMBER, ((d,), (c,)))
    assert replaced is None  # the same member and debate in another server is another ballot
    await ballots.save(OTHER_GUILD, debate.id, OTHER_MEMBER, ((c,),))
    assert await ballots.voter_counts(GUILD) == {debate.id: 1}
    assert await ballots.voter_counts(OTHER_GUILD) == {debate.id: 2}
    await ballots.withdraw(OTHER_GUILD, debate.id, MEMBER)
    assert await ballots.current(GUILD, debate.id, MEMBER) == here
    assert [b.id for b in await ballots.current_all(GUILD, debate.id)] == [here.id]
    assert [h.id for h in await ballots.history(GUILD, debate.id, MEMBER)] == [here.id]
    assert [h.id for h in await ballots.history(OTHER_GUILD, debate.id, MEMBER)] == [there.id]


async def test_a_write_that_fails_half_way_stores_nothing(
    ballots: BallotRepository, debate: Debate, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, *_ = ids(debate)
    before, _ = await ballots.save(GUILD, debate.id, MEMBER, ((a,),))
    real_execute = Connection.execute

    def failing_execute(conn: Connection, sql: str, *args: object):  # type: ignore[no-untyped-def]
        # The new revision is already inserted when the pointer update fails.
        if sql.startswith("INSERT INTO current_ballots"):
            raise OSError("disk I/O error")
        return real_execute(conn, sql, *args)

    monkeypatch.setattr(Connection, "execute", failing_execute)
    with pytest.raises(OSError, match="disk I/O"):
        await ballots.save(GUILD, debate.id, MEMBER, ((b,), (a,)))
    monkeypatch.undo()
    assert await count(db, "ballots") == 1
    assert await ballots.current(GUILD, debate.id, MEMBER) == before
    # The connection is usable afterwards: the failed transaction was rolled back.
    after, replaced = await ballots.save(GUILD, debate.id, MEMBER, ((b,),))
    assert replaced == before and after.tiers == ((b,),)


async def test_a_ballot_for_a_missing_debate_stores_nothing(
    ballots: BallotRepository, db: Database
) -> None:
    with pytest.raises(DebateGone):
        await ballots.save(GUILD, 999_999, MEMBER, ((1,),))
    assert await count(db, "ballots") == 0
    assert await count(db, "current_ballots") == 0


@pytest.mark.parametrize("tiers", [(), ((),), ((1,), ())])
async def test_empty_ballots_and_empty_tiers_are_refused(
    ballots: BallotRepository, debate: Debate, db: Database, tiers: tuple[tuple[int, ...], ...]
) -> None:
    with pytest.raises(ValueError):
        await ballots.save(GUILD, debate.id, MEMBER, tiers)
    assert await count(db, "ballots") == 0
