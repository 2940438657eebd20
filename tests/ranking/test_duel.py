"""The duel tournament against target orders: full runs, early stops, bounds, saved state."""

from __future__ import annotations

import random
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking.duel import (
    Answer,
    Duel,
    DuelStateError,
    bounds,
    full_bound,
    top_bound,
)

Target = list[list[int]]


@st.composite
def targets(draw: st.DrawFn, ties: bool, min_items: int = 2, max_items: int = 30) -> Target:
    """A member's true order over items 0..n-1: strict, or with ties."""
    n = draw(st.integers(min_items, max_items))
    order = draw(st.permutations(range(n)))
    tiers: Target = []
    for item in order:
        if ties and tiers and draw(st.booleans()):
            tiers[-1].append(item)
        else:
            tiers.append([item])
    return tiers


def oracle(target: Target):
    rank = {item: place for place, tier in enumerate(target) for item in tier}

    def answer(a: tuple[int, ...], b: tuple[int, ...]) -> Answer:
        if rank[a[0]] < rank[b[0]]:
            return Answer.A
        if rank[a[0]] > rank[b[0]]:
            return Answer.B
        return Answer.SAME

    return answer


def as_sets(tiers) -> list[frozenset[int]]:
    return [frozenset(tier) for tier in tiers]


def items_of(target: Target) -> list[int]:
    return sorted(item for tier in target for item in tier)


def run(duel: Duel, target: Target, *, limit: int | None = None) -> Duel:
    answer = oracle(target)
    while duel.question is not None and (limit is None or duel.asked < limit):
        duel.answer(answer(*duel.question))
    return duel


both = pytest.mark.parametrize("ties", [False, True], ids=["strict", "ties"])


@both
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_full_run_saves_the_target_within_the_bound(ties: bool, data: st.DataObject) -> None:
    target = data.draw(targets(ties))
    seed = data.draw(st.integers(0, 2**32))
    duel = Duel.start(items_of(target), rng=random.Random(seed))
    promised = duel.bound()
    assert promised == full_bound(len(items_of(target)))
    run(duel, target)
    assert duel.finished and duel.goal_reached
    assert as_sets(duel.settled) == as_sets(target)
    assert duel.asked <= promised


@both
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_an_early_stop_saves_exactly_a_top_of_the_target(ties: bool, data: st.DataObject) -> None:
    target = data.draw(targets(ties))
    seed = data.draw(st.integers(0, 2**32))
    stop = data.draw(st.integers(0, full_bound(len(items_of(target)))))
    duel = run(Duel.start(items_of(target), rng=random.Random(seed)), target, limit=stop)
    settled = as_sets(duel.settled)
    assert settled == as_sets(target)[: len(settled)]


@both
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_bound_shown_never_grows_and_always_holds(ties: bool, data: st.DataObject) -> None:
    target = data.draw(targets(ties))
    seed = data.draw(st.integers(0, 2**32))
    goal = data.draw(st.none() | st.integers(1, len(items_of(target))))
    duel = Duel.start(items_of(target), goal=goal, rng=random.Random(seed))
    answer = oracle(target)
    promised: list[int] = []
    while not duel.goal_reached:
        assert duel.question is not None
        promised.append(duel.bound())
        duel.answer(answer(*duel.question))
    assert promised == sorted(promised, reverse=True), "the 'at most' never goes up"
    assert all(duel.asked <= bound for bound in promised), "and it holds"


@both
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_top_k_takes_no_more_than_its_bound(ties: bool, data: st.DataObject) -> None:
    target = data.draw(targets(ties))
    n = len(items_of(target))
    k = data.draw(st.integers(1, n))
    duel = Duel.start(items_of(target), goal=k, rng=random.Random(data.draw(st.integers())))
    answer = oracle(target)
    while not duel.goal_reached:
        assert duel.question is not None
        duel.answer(answer(*duel.question))
    assert duel.asked <= top_bound(n, k)
    assert duel.placed_count >= k


@both
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_saved_duel_carries_on_exactly_where_it_was(ties: bool, data: st.DataObject) -> None:
    target = data.draw(targets(ties, max_items=15))
    seed = data.draw(st.integers(0, 2**32))
    straight = Duel.start(items_of(target), rng=random.Random(seed))
    restored = Duel.start(items_of(target), rng=random.Random(seed))
    answer = oracle(target)
    while straight.question is not None:
        restored = Duel.from_json(restored.to_json())
        assert restored.question == straight.question
        assert restored.bound() == straight.bound() and restored.settled == straight.settled
        given_answer = answer(*straight.question)
        straight.answer(given_answer)
        restored.answer(given_answer)
    assert restored.finished and restored.settled == straight.settled


@both
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_refining_a_ballot_asks_only_about_the_items_it_leaves_out(
    ties: bool, data: st.DataObject
) -> None:
    target = data.draw(targets(ties))
    kept = data.draw(st.integers(0, len(target)))
    ballot = target[:kept]
    ranked = {item for tier in ballot for item in tier}
    open_items = [item for item in items_of(target) if item not in ranked]
    duel = Duel.start(items_of(target), settled=ballot, rng=random.Random(data.draw(st.integers())))
    assert duel.settled[:kept] == tuple(tuple(tier) for tier in ballot)
    assert duel.bound() == full_bound(len(open_items))
    answer = oracle(target)
    while duel.question is not None:
        a, b = duel.question
        assert ranked.isdisjoint(a + b), "never asks about an item the ballot places"
        duel.answer(answer(a, b))
    assert as_sets(duel.settled) == as_sets(target)
    assert duel.asked <= full_bound(len(open_items))


def test_six_items_take_at_most_eleven_answers_in_every_order() -> None:
    worst = 0
    for order in permutations(range(6)):
        for seed in range(3):
            target = [[item] for item in order]
            worst = max(worst, run(Duel.start(range(6), rng=random.Random(seed)), target).asked)
    assert worst <= 11 == full_bound(6)


def test_the_figures_told_up_front() -> None:
    assert bounds(6).full == 11
    assert 60 <= bounds(20).full <= 75
    assert bounds(20).top3 < bounds(20).top10 < bounds(20).full
    big = bounds(200)
    assert big.top3 == 199 + 2 * 8 and big.full < 200 * 8
    assert bounds(1).full == 0 and bounds(2) == bounds(2).__class__(2, 1, 1, 1)


def test_same_puts_two_items_in_one_tier_that_advances_together() -> None:
    duel = Duel.start([1, 2], rng=random.Random(0))
    assert duel.question is not None and duel.bound() == 1
    duel.answer(Answer.SAME)
    assert duel.finished and as_sets(duel.settled) == [frozenset({1, 2})]
    with pytest.raises(ValueError, match="no question"):
        duel.answer(Answer.A)


def test_nothing_to_ask_when_at_most_one_item_is_open() -> None:
    assert Duel.start([7]).finished and Duel.start([7]).settled == ((7,),)
    refined = Duel.start([1, 2, 3], settled=[[2], [3]])
    assert refined.finished and refined.asked == 0 and refined.settled == ((2,), (3,), (1,))
    assert Duel.start([]).finished and Duel.start([]).settled == ()


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"version": 99}', '{"version": 1, "leaves": [1, 2], "heads": [], "placed": []}'],
)
def test_an_unreadable_state_is_refused(text: str) -> None:
    with pytest.raises(DuelStateError):
        Duel.from_json(text)
