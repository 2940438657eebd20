"""DuelService: a duel saved through the voting service, under its rules, and kept in SQLite."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import load_catalog
from bot.duels import DuelOffer, DuelSaved, DuelService, DuelTurn
from bot.errors import UserError
from bot.models import Debate, DebateSpec, ItemSpec, Tiers
from bot.ranking.duel import Answer, bounds
from bot.storage import BallotRepository, Database, DebateRepository, DuelRepository
from bot.voting import SaveLimit, VotingService
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, V

GUILD, MEMBER, OTHER = 1, 10, 11
CATALOG = Path(__file__).resolve().parent.parent / "data" / "debates"
TARGET = [[IV], [II, III], [ROCKY_I], [BALBOA], [V]]


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rocky(db: Database) -> Debate:
    (debate,) = await DebateRepository(db).sync_catalog(load_catalog(CATALOG))
    return debate


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def debates(db: Database) -> DebateRepository:
    """The one debate store of the process, as the bot has (it keeps what it read)."""
    return DebateRepository(db)


@pytest.fixture
def voting(db: Database, debates: DebateRepository, clock: Clock) -> VotingService:
    return VotingService(
        BallotRepository(db), debates, limit=SaveLimit(1, per_seconds=10), clock=clock
    )


@pytest.fixture
def duels(db: Database, debates: DebateRepository, voting: VotingService) -> DuelService:
    return DuelService(DuelRepository(db), debates, voting, rng=random.Random(4))


def ids(debate: Debate, tiers: list[list[str]]) -> list[set[int]]:
    by_name = {item.name: item.id for item in debate.items}
    return [{by_name[name] for name in tier} for tier in tiers]


def as_sets(tiers: Tiers) -> list[set[int]]:
    return [set(tier) for tier in tiers]


def answer_for(debate: Debate, turn: DuelTurn, target: list[list[str]] = TARGET) -> Answer:
    place = {item: p for p, tier in enumerate(ids(debate, target)) for item in tier}
    assert turn.duel.question is not None
    a, b = (place[unit[0]] for unit in turn.duel.question)
    return Answer.A if a < b else Answer.B if a > b else Answer.SAME


async def play(
    duels: DuelService, debate: Debate, outcome, *, until=None, target=TARGET
) -> DuelTurn | DuelSaved:
    """Answer as a member whose order is TARGET, until saved (or ``until`` answers)."""
    while (
        isinstance(outcome, DuelTurn)
        and outcome.duel.question is not None
        and (until is None or outcome.duel.asked < until)
    ):
        session = outcome.session
        outcome = await duels.answer(
            GUILD, MEMBER, session.id, session.step, answer_for(debate, outcome, target)
        )
    return outcome


async def test_a_full_duel_saves_the_members_order_as_their_ballot(
    duels: DuelService, voting: VotingService, rocky: Debate
) -> None:
    changes = []
    voting.add_listener(lambda *change: changes.append(change))
    offer = await duels.open(GUILD, rocky, MEMBER)
    assert isinstance(offer, DuelOffer) and offer.refine is None
    assert offer.fresh == bounds(6) and offer.goals(False) == [None], "a top 3 of 6 costs as much"
    saved = await play(
        duels, rocky, await duels.begin(GUILD, rocky, MEMBER, goal=None, refine=False)
    )
    assert isinstance(saved, DuelSaved) and saved.session is None and not saved.replaced
    assert as_sets(saved.ballot.tiers) == ids(rocky, TARGET)
    current = await voting.current(GUILD, rocky, MEMBER)
    assert current is not None and current.id == saved.ballot.id
    assert len(changes) == 1, "the tallies heard of it once"
    assert isinstance(await duels.open(GUILD, rocky, MEMBER), DuelOffer), "the duel is over"


async def test_an_early_stop_saves_only_the_places_found(
    duels: DuelService, voting: VotingService, rocky: Debate
) -> None:
    turn = await duels.begin(GUILD, rocky, MEMBER, goal=None, refine=False)
    assert isinstance(turn, DuelTurn)
    with pytest.raises(UserError, match="Nothing is settled yet"):
        await duels.save(GUILD, MEMBER, turn.session.id)
    while not turn.duel.settled:  # answer until the first place is found, then stop
        turn = await play(duels, rocky, turn, until=turn.duel.asked + 1)
        assert isinstance(turn, DuelTurn)
    assert not turn.duel.finished
    saved = await duels.save(GUILD, MEMBER, turn.session.id)
    kept = as_sets(saved.ballot.tiers)
    assert kept == ids(rocky, TARGET)[: len(kept)]
    with pytest.raises(UserError, match="has ended"):
        await duels.current(GUILD, MEMBER, turn.session.id)


async def test_a_top_three_saves_and_keeps_going_from_where_it_stopped(
    duels: DuelService, voting: VotingService, db: Database, clock: Clock
) -> None:
    names = [f"Film {n}" for n in range(12)]
    spec = DebateSpec("films", "Films", "Best?", "Ann", tuple(ItemSpec(n) for n in names))
    films = await DebateRepository(db).create(spec, guild_id=GUILD, created_by=MEMBER)
    target = [[name] for name in names]  # the member agrees with the author
    start = await duels.begin(GUILD, films, MEMBER, goal=3, refine=False)
    saved = await play(duels, films, start, target=target)
    assert isinstance(saved, DuelSaved) and saved.session is not None
    assert as_sets(saved.ballot.tiers) == ids(films, target)[:3]
    clock.now += 11
    resumed = await duels.open(GUILD, films, MEMBER)
    assert isinstance(resumed, DuelTurn) and resumed.duel.goal == 10
    assert resumed.duel.asked == saved.session.step, "no answer asked twice"
    assert resumed.duel.bound() <= bounds(12).top10
    top10 = await play(duels, films, resumed, target=target)
    assert isinstance(top10, DuelSaved) and top10.replaced
    placed = as_sets(top10.ballot.tiers)
    assert len(placed) >= 10 and placed == ids(films, target)[: len(placed)]
    final = top10
    if top10.session is not None:  # the last two may need one more answer, or none
        clock.now += 11
        final = await play(duels, films, await duels.open(GUILD, films, MEMBER), target=target)
    assert isinstance(final, DuelSaved) and as_sets(final.ballot.tiers) == ids(films, target)
    assert final.session is None and final.ballot.ranked_ids == tuple(i.id for i in films.items)


async def test_refining_asks_only_about_what_the_ballot_leaves_out_and_keeps_the_reason(
    duels: DuelService, voting: VotingService, rocky: Debate, clock: Clock
) -> None:
    top = ids(rocky, TARGET[:2])
    await voting.submit(GUILD, rocky, MEMBER, tuple(tuple(sorted(t)) for t in top), "snow!")
    clock.now += 11
    offer = await duels.open(GUILD, rocky, MEMBER)
    assert isinstance(offer, DuelOffer) and offer.refine == bounds(3)
    assert offer.goals(True) == [None], "the ballot already places three"
    turn = await duels.begin(GUILD, rocky, MEMBER, goal=None, refine=True)
    assert isinstance(turn, DuelTurn)
    ranked = set().union(*top)
    asked = 0
    while isinstance(turn, DuelTurn):
        assert turn.duel.question is not None
        assert ranked.isdisjoint(turn.duel.question[0] + turn.duel.question[1])
        asked += 1
        turn = await duels.answer(
            GUILD, MEMBER, turn.session.id, turn.session.step, answer_for(rocky, turn)
        )
    assert asked <= bounds(3).full
    assert as_sets(turn.ballot.tiers) == ids(rocky, TARGET) and turn.ballot.reason == "snow!"


async def test_a_second_click_on_one_question_changes_nothing(
    duels: DuelService, rocky: Debate
) -> None:
    turn = await duels.begin(GUILD, rocky, MEMBER, goal=None, refine=False)
    assert isinstance(turn, DuelTurn)
    first = await duels.answer(GUILD, MEMBER, turn.session.id, turn.session.step, Answer.A)
    offered_again = await duels.begin(GUILD, rocky, MEMBER, goal=3, refine=False)
    assert isinstance(offered_again, DuelTurn) and offered_again.notice
    assert offered_again.session.id == turn.session.id and offered_again.duel.asked == 1
    again = await duels.answer(GUILD, MEMBER, turn.session.id, turn.session.step, Answer.B)
    assert isinstance(first, DuelTurn) and isinstance(again, DuelTurn)
    assert again.notice and "already answered" in again.notice
    assert again.duel.asked == first.duel.asked == 1 and again.duel.question == first.duel.question


async def test_the_voting_rules_apply(
    duels: DuelService, voting: VotingService, rocky: Debate, db: Database
) -> None:
    await voting.submit(GUILD, rocky, MEMBER, ((rocky.items[0].id,),))
    turn = await play(
        duels, rocky, await duels.begin(GUILD, rocky, MEMBER, goal=None, refine=False)
    )
    assert isinstance(turn, DuelTurn), "the cooldown holds the save back…"
    assert turn.duel.finished and turn.notice and "Try again" in turn.notice
    assert await duels.current(GUILD, MEMBER, turn.session.id), "…and keeps every answer"
    with pytest.raises(UserError, match="isn't yours"):
        await duels.current(GUILD, OTHER, turn.session.id)
    await voting.debates.set_open(GUILD, rocky.id, False)
    with pytest.raises(UserError, match="closed"):
        await duels.open(GUILD, rocky, MEMBER)
    with pytest.raises(UserError, match="closed"):
        await duels.save(GUILD, MEMBER, turn.session.id)


async def test_idle_sessions_are_dropped_and_edited_debates_refused(
    duels: DuelService, db: Database
) -> None:
    spec = DebateSpec("mine", "Mine", "Best?", "Ann", (ItemSpec("A"), ItemSpec("B"), ItemSpec("C")))
    debate = await DebateRepository(db).create(spec, guild_id=GUILD, created_by=MEMBER)
    turn = await duels.begin(GUILD, debate, MEMBER, goal=None, refine=False)
    assert isinstance(turn, DuelTurn)
    edited = await duels.debates.replace(debate.id, replace(spec, items=spec.items[:2]))
    with pytest.raises(UserError, match="was edited"):
        await duels.current(GUILD, MEMBER, turn.session.id)
    with pytest.raises(UserError, match="has ended"):
        await duels.current(GUILD, MEMBER, turn.session.id)
    assert isinstance(await duels.open(GUILD, edited, MEMBER), DuelOffer), "free to start again"
    await duels.begin(GUILD, edited, MEMBER, goal=None, refine=False)
    day_ago = (datetime.now(UTC) - timedelta(days=1, minutes=1)).isoformat()
    async with db.transaction() as conn:
        await conn.execute("UPDATE duel_sessions SET updated_at = ?", (day_ago,))
    assert isinstance(await duels.open(GUILD, edited, MEMBER), DuelOffer)
    assert await db.fetchall("SELECT id FROM duel_sessions") == []
