"""Tally and MemberBallots: validation, the partial-ballot convention, incremental updates."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import MemberBallots, Tally
from tests.ranking.profiles import ballots, naive_wins, profiles, rank_of

ROCKY = ["Rocky", "II", "III", "IV", "V", "Balboa"]


def test_the_convention_ranked_beats_unranked_and_ties_count_for_neither() -> None:
    tally = Tally(ROCKY)
    tally.add([["IV"], ["II", "III"]])
    w = dict(zip(ROCKY, range(6), strict=True))
    assert tally.wins[w["IV"], w["II"]] == 1
    assert tally.wins[w["II"], w["III"]] == 0 and tally.wins[w["III"], w["II"]] == 0
    assert tally.wins[w["II"], w["Rocky"]] == 1  # ranked beats unranked
    assert tally.wins[w["Rocky"], w["V"]] == 0 and tally.wins[w["V"], w["Rocky"]] == 0
    assert tally.voters == 1


def test_position_statistics_use_best_place_for_counts_and_shared_places_for_means() -> None:
    tally = Tally(["a", "b", "c", "d"])
    tally.add([["a"], ["b", "c", "d"]])  # b, c, d tied for 2nd: places 2-4, average 3
    tally.add([["b"], ["a"]])
    assert tally.position_counts.tolist() == [
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 1, 0, 0],
    ]
    assert tally.ranked_by.tolist() == [2, 2, 1, 1]
    np.testing.assert_allclose(tally.mean_positions(), [1.5, 2.0, 3.0, 3.0])
    np.testing.assert_allclose(tally.position_spread(), [0.5, 1.0, 0.0, 0.0])


def test_an_item_nobody_ranked_has_no_mean_position() -> None:
    tally = Tally([1, 2, 3])
    tally.add([[1]])
    assert np.isnan(tally.mean_positions()[2])


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ([["IV"], ["Rocky 7"]], "Unknown item 'Rocky 7'"),
        ([["IV"], ["II", "IV"]], "'IV' appears twice"),
        ([[["IV"]]], "cannot be an item"),
    ],
)
def test_bad_ballots_are_refused_and_change_nothing(ballot, message) -> None:
    tally = Tally(ROCKY)
    tally.add([["II"]])
    before = tally.copy()
    with pytest.raises(ValueError, match=message):
        tally.add(ballot)
    with pytest.raises(ValueError, match=message):
        tally.replace([["II"]], ballot)
    assert tally == before


def test_a_string_is_not_a_ballot() -> None:
    with pytest.raises(TypeError):
        Tally(["ab", "a", "b"]).add("ab")
    with pytest.raises(TypeError):
        Tally(["ab", "a", "b"]).add(["ab"])


def test_items_must_be_distinct() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Tally([1, 2, 1])


def test_removing_a_ballot_that_was_never_added_fails_and_changes_nothing() -> None:
    tally = Tally([1, 2, 3])
    with pytest.raises(ValueError, match="empty tally"):
        tally.remove([[1]])
    tally.add([[1], [2]])
    before = tally.copy()
    with pytest.raises(ValueError, match="never added"):
        tally.remove([[2], [1]])
    assert tally == before


def test_empty_tiers_are_skipped() -> None:
    assert Tally.from_ballots([1, 2], [[[], [1], [], [2]]]) == Tally.from_ballots(
        [1, 2], [[[1], [2]]]
    )


def test_member_ballots_keep_the_tally_in_step_and_hand_ballots_back() -> None:
    book: MemberBallots[str, str] = MemberBallots(ROCKY)
    book.set("ann", [["IV"], ["II", "III"]])
    book.set("bob", [["V"]])
    book.set("ann", [["II"], ["IV"]])
    assert dict(book) == {"ann": (("II",), ("IV",)), "bob": (("V",),)}
    assert book.tally == Tally.from_ballots(ROCKY, [[["II"], ["IV"]], [["V"]]])
    book.withdraw("ann")
    assert list(book) == ["bob"] and "ann" not in book
    assert book.tally == Tally.from_ballots(ROCKY, [[["V"]]])
    with pytest.raises(KeyError):
        book.withdraw("ann")
    with pytest.raises(ValueError):
        book.set("bob", [["Rocky 7"]])
    assert book["bob"] == (("V",),)


def test_member_ballots_grow_past_their_first_capacity_and_keep_recency() -> None:
    book: MemberBallots[int, int] = MemberBallots([0, 1, 2])
    for member in range(40):
        book.set(member, [[member % 3]])
    book.set(5, [[2], [1]])
    book.withdraw(0)
    assert len(book) == 39
    assert book.recent(3) == [5, 39, 38]
    assert book.ranks[:, book.recent_columns(1)[0]].tolist() == [3, 1, 0]
    assert book[39] == ((0,),)
    assert book.ranks.shape == (3, 39)


@settings(max_examples=60, deadline=None)
@given(profiles(max_items=7, max_voters=15))
def test_tally_matches_a_direct_count(profile) -> None:
    n, ballot_list = profile
    tally = Tally.from_ballots(range(n), ballot_list)
    np.testing.assert_array_equal(tally.wins, naive_wins(ballot_list, n))
    assert tally.voters == len(ballot_list)
    # Means of fractional places, straight from the definition.
    for item in range(n):
        places = []
        for ballot in ballot_list:
            ranks = rank_of(ballot, n)
            if ranks[item] < n:
                above = sum(1 for r in ranks if r < ranks[item])
                tied = sum(1 for r in ranks if r == ranks[item])
                places.append(above + (tied + 1) / 2)
        if places:
            assert tally.mean_positions()[item] == pytest.approx(np.mean(places))
            assert tally.position_spread()[item] == pytest.approx(np.std(places))
        assert tally.ranked_by[item] == len(places)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_incremental_updates_in_any_order_equal_a_tally_from_scratch(data) -> None:
    n = data.draw(st.integers(1, 7))
    members = data.draw(st.integers(1, 8))
    history = data.draw(
        st.lists(
            st.tuples(st.integers(0, members - 1), st.one_of(st.none(), ballots(n))),
            min_size=1,
            max_size=30,
        )
    )
    book: MemberBallots[int, int] = MemberBallots(range(n))
    current: dict[int, list[list[int]]] = {}
    for member, ballot in history:
        if ballot is None:  # a withdrawal
            if member in current:
                book.withdraw(member)
                del current[member]
        else:
            book.set(member, ballot)
            current[member] = ballot
    scratch = Tally.from_ballots(range(n), current.values())
    assert book.tally == scratch
    # The same final ballots added in another order, and via add/remove/replace on a Tally.
    shuffled = list(current.values())
    random.Random(data.draw(st.integers(0, 2**16))).shuffle(shuffled)
    assert Tally.from_ballots(range(n), shuffled) == scratch
    tally = Tally(range(n))
    for ballot in shuffled:
        tally.add([[0]] if n else [])
        tally.replace([[0]] if n else [], ballot)
    tally.add(shuffled[0] if shuffled else [])
    tally.remove(shuffled[0] if shuffled else [])
    assert tally == scratch
    for member, ballot in current.items():
        assert book[member] == tuple(tuple(sorted(t)) for t in ballot if t)


@settings(max_examples=80, deadline=None)
@given(profiles(min_items=1, max_items=8, max_voters=15))
def test_a_tally_counted_in_bulk_from_ranks_equals_one_added_ballot_at_a_time(profile) -> None:
    n, ballot_list = profile
    book: MemberBallots[int, int] = MemberBallots(range(n))
    for member, ballot in enumerate(ballot_list):
        book.set(member, ballot)
    assert Tally.from_ranks(range(n), book.ranks) == Tally.from_ballots(range(n), ballot_list)


@settings(max_examples=80, deadline=None)
@given(profiles(min_items=1, max_items=8, max_voters=15))
def test_member_ballots_built_in_bulk_equal_ballots_set_one_at_a_time(profile) -> None:
    n, ballot_list = profile
    one_by_one: MemberBallots[str, int] = MemberBallots(range(n))
    for member, ballot in enumerate(ballot_list):
        one_by_one.set(f"m{member}", ballot)
    members = [f"m{member}" for member in range(len(ballot_list))]
    bulk = MemberBallots.from_ranks(range(n), members, one_by_one.ranks)
    assert bulk.tally == one_by_one.tally
    assert bulk.members == members and dict(bulk) == dict(one_by_one)
    assert bulk.recent(3) == one_by_one.recent(3)
    # And it goes on like the other: a change and a withdrawal keep the two equal.
    for book in (bulk, one_by_one):
        book.set("late", [[0]])
        if members:
            book.withdraw(members[0])
    assert bulk.tally == one_by_one.tally and dict(bulk) == dict(one_by_one)


def test_member_ballots_in_bulk_refuse_a_member_twice_or_a_wrong_matrix() -> None:
    with pytest.raises(ValueError, match="twice"):
        MemberBallots.from_ranks(["a", "b"], ["x", "x"], np.zeros((2, 2), dtype=np.int8))
    with pytest.raises(ValueError, match="3 columns"):
        MemberBallots.from_ranks(["a", "b"], ["x", "y", "z"], np.zeros((2, 2), dtype=np.int8))
    with pytest.raises(ValueError, match="2 rows"):
        MemberBallots.from_ranks(["a", "b"], ["x"], np.zeros((3, 1), dtype=np.int8))


def test_a_rank_matrix_of_the_wrong_shape_or_values_is_refused() -> None:
    with pytest.raises(ValueError, match="3 rows"):
        Tally.from_ranks(["a", "b", "c"], np.zeros((2, 4), dtype=np.int8))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        Tally.from_ranks(["a", "b"], np.array([[0], [3]]))


def test_member_ballots_count_their_changes() -> None:
    book: MemberBallots[str, str] = MemberBallots(ROCKY)
    book.set("ann", [["IV"]])
    book.set("ann", [["II"]])
    book.set("bo", [["V"]])
    book.withdraw("ann")
    assert book.changes == 4


@settings(max_examples=80, deadline=None)
@given(profiles(min_items=1, max_items=8, max_voters=10), st.data())
def test_distinct_ballots_counted_once_each_weighted_equal_every_copy_added(profile, data) -> None:
    n, ballot_list = profile
    counts = data.draw(st.lists(st.integers(1, 5), min_size=len(ballot_list)))[: len(ballot_list)]
    counts += [1] * (len(ballot_list) - len(counts))
    columns = np.array([rank_of(ballot, n) for ballot in ballot_list], dtype=np.int8).T
    copies = [
        ballot for ballot, count in zip(ballot_list, counts, strict=True) for _ in range(count)
    ]
    weighted = Tally.from_ranks(range(n), columns, np.array(counts))
    assert weighted == Tally.from_ballots(range(n), copies)
    assert weighted == Tally.from_ranks(range(n), np.repeat(columns, counts, axis=1))

    members = [f"m{m}" for m in range(len(copies))]
    book = MemberBallots.from_ranks(range(n), members, columns, np.array(counts))
    one_by_one: MemberBallots[str, int] = MemberBallots(range(n))
    for member, ballot in zip(members, copies, strict=True):
        one_by_one.set(member, ballot)
    assert book.tally == one_by_one.tally and dict(book) == dict(one_by_one)
    runs, run_counts = book.runs()
    assert np.array_equal(runs, columns) and run_counts is not None
    assert run_counts.tolist() == counts
    # A change ends the runs: each member stands alone again.
    book.set("late", [[0]])
    runs, run_counts = book.runs()
    assert run_counts is None and np.array_equal(runs, book.ranks)


def test_counts_must_fit_the_columns_and_be_at_least_one() -> None:
    columns = np.zeros((2, 2), dtype=np.int8)
    with pytest.raises(ValueError, match="2 counts"):
        Tally.from_ranks(["a", "b"], columns, np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="at least 1"):
        Tally.from_ranks(["a", "b"], columns, np.array([1, 0]))
    with pytest.raises(ValueError, match="voters in all"):
        Tally.from_ranks(["a", "b"], columns, np.array([2**40, 1]))
    with pytest.raises(ValueError, match="counted 3 times"):
        MemberBallots.from_ranks(["a", "b"], ["x", "y"], columns, np.array([1, 2]))
