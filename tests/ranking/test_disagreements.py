"""Disagreement measures against direct computations from the ballots."""

from __future__ import annotations

import random
from itertools import combinations
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.stats import kendalltau

from bot.ranking import (
    Agreement,
    MemberBallots,
    Tally,
    agreement,
    closest_contests,
    consensus,
    disagreement,
    polarizing_items,
    rivalry_window,
)
from bot.ranking import disagreements as measures
from bot.ranking.disagreements import agreement_counts, compare_ballot
from tests.ranking.profiles import profiles, random_profile, rank_of


def _pref(ranks: list[int], a: int, b: int) -> int:
    return (ranks[a] < ranks[b]) - (ranks[a] > ranks[b])


def _agreement_by_pairs(ballot, reference, n: int) -> Agreement:
    mine, theirs = rank_of(ballot, n), rank_of(reference, n)
    agreed = compared = 0
    for a, b in combinations(range(n), 2):
        x, y = _pref(mine, a, b), _pref(theirs, a, b)
        if x and y:
            compared += 1
            agreed += x == y
    return Agreement(agreed, compared)


def _common_agreement(first, second, n: int) -> tuple[Agreement, int]:
    """Two members over the items both ranked (no convention for unranked items here)."""
    r1, r2 = rank_of(first, n), rank_of(second, n)
    common = [i for i in range(n) if r1[i] < n and r2[i] < n]
    agreed = compared = 0
    for a, b in combinations(common, 2):
        x, y = _pref(r1, a, b), _pref(r2, a, b)
        if x and y:
            compared += 1
            agreed += x == y
    return Agreement(agreed, compared), len(common)


@settings(max_examples=60, deadline=None)
@given(profiles(max_items=7, max_voters=10))
def test_member_agreement_counts_match_pair_by_pair_counting(profile) -> None:
    n, ballots = profile
    tally = Tally.from_ballots(range(n), ballots)
    book = MemberBallots(range(n), dict(enumerate(ballots)))
    reference = consensus(tally, "borda").order  # has ties often enough
    agreed, compared = agreement_counts(book.ranks, np.array(tally.ranks(reference)))
    for member, ballot in enumerate(ballots):
        expected = _agreement_by_pairs(ballot, reference, n)
        assert (agreed[member], compared[member]) == (expected.agreed, expected.compared)
        assert agreement(ballot, reference, range(n)) == expected


@settings(max_examples=80, deadline=None)
@given(profiles(max_items=9, max_voters=8))
def test_one_ballot_is_compared_alike_pair_by_pair_and_in_numpy(profile) -> None:
    """Small debates compare a ballot in plain Python (SMALL_ITEMS); larger ones in numpy:
    the same agreement and the same splits, in the same order."""
    n, ballots = profile
    tally = Tally.from_ballots(range(n), ballots)
    for method in ("borda", "schulze"):
        result = consensus(tally, method)
        for ballot in ballots:
            small = compare_ballot(ballot, result, tally)
            with mock.patch.object(measures, "SMALL_ITEMS", 0):
                large = compare_ballot(ballot, result, tally)
                large_agreement = agreement(ballot, result.order, range(n))
            assert small == large
            assert agreement(ballot, result.order, range(n)) == large_agreement


def test_agreement_of_one_ballot_with_an_order() -> None:
    order = [["IV"], ["II"], ["III"], ["Rocky"]]
    assert agreement([["IV"], ["II"]], order) == Agreement(5, 5)  # 1 + 2 + 2 with unranked
    assert agreement([["Rocky"], ["III"], ["II"], ["IV"]], order) == Agreement(0, 6)
    assert agreement([["II", "IV"]], order) == Agreement(4, 4)  # the tie is no opinion
    assert agreement([], order).compared == 0
    assert Agreement(0, 0).share is None and Agreement(3, 4).share == 0.75


def test_closest_contests_follow_turnout_to_the_min_over_max() -> None:
    rng = random.Random(11)
    for _ in range(30):
        n = rng.randint(2, 7)
        ballots = random_profile(rng, n, rng.randint(1, 25), "ties")
        tally = Tally.from_ballots(range(n), ballots)
        expected = []
        for a, b in combinations(range(n), 2):
            x, y = int(tally.wins[a, b]), int(tally.wins[b, a])
            if max(x, y):
                expected.append(((x + y) ** (min(x, y) / max(x, y)), x + y))
        expected.sort(reverse=True)
        got = closest_contests(tally, count=100)
        assert [c.controversy for c in got] == pytest.approx([e[0] for e in expected])
        assert [c.matchup.compared for c in got] == [e[1] for e in expected]
        for contest in got:
            assert contest.matchup.above_wins >= contest.matchup.below_wins


def test_polarizing_items_report_spread_and_distribution() -> None:
    tally = Tally("abc")
    for ballot in ([["a"], ["b"], ["c"]], [["c"], ["b"], ["a"]], [["b"], ["a", "c"]]):
        tally.add(ballot)
    rows = {row.item: row for row in polarizing_items(tally)}
    assert rows["a"].distribution == [1, 1, 1]
    assert rows["b"].distribution == [1, 2, 0]
    assert rows["a"].mean_place == pytest.approx((1 + 3 + 2.5) / 3)
    assert rows["b"].spread == pytest.approx(np.std([2, 2, 1]))
    first = polarizing_items(tally)[0]
    assert first.item in {"a", "c"} and first.spread == max(r.spread for r in rows.values())


@settings(max_examples=60, deadline=None)
@given(profiles(min_items=3, max_items=6, max_voters=9))
def test_rivalries_are_the_extreme_pairs_of_members(profile) -> None:
    n, ballots = profile
    _check_rivalries(n, ballots)


@pytest.mark.parametrize("kind", ["complete", "partial", "ties"])
def test_rivalries_on_generated_profiles(kind) -> None:
    rng = random.Random(14)
    for _ in range(25):
        n = rng.randint(3, 8)
        _check_rivalries(n, random_profile(rng, n, rng.randint(2, 12), kind))


@settings(max_examples=60, deadline=None)
@given(profiles(min_items=3, max_items=6, max_voters=14))
def test_rivalries_found_block_by_block_are_those_of_one_block(profile) -> None:
    # Many equal shares in small profiles: the ties must go the same way across blocks.
    n, ballots = profile
    book = MemberBallots(range(n), dict(enumerate(ballots)))
    found = []
    for block in (2, 3, measures.RIVALRY_MAX_MEMBERS):
        with mock.patch.object(measures, "RIVALRY_BLOCK", block):
            summary = disagreement(book.tally, book)
        found.append((summary.closest_pair, summary.most_opposed))
    assert found[0] == found[1] == found[2]


def _check_rivalries(n: int, ballots) -> None:
    book = MemberBallots(range(n), dict(enumerate(ballots)))
    summary = disagreement(book.tally, book)
    scored = {}
    for i, j in combinations(range(len(ballots)), 2):
        result, common = _common_agreement(ballots[i], ballots[j], n)
        if common >= 3 and result.compared:
            scored[(i, j)] = (result, common)
    if not scored:
        assert summary.closest_pair is None and summary.most_opposed is None
        return
    for pair, pick in ((summary.closest_pair, max), (summary.most_opposed, min)):
        best = pick(r.share for r, _ in scored.values())
        # Kindred spirits agree on most pairs, the most opposed disagree on most.
        if (pick is max and best <= 0.5) or (pick is min and best >= 0.5):
            assert pair is None
            continue
        ties = [r.compared for r, _ in scored.values() if r.share == best]
        assert pair.agreement.share == best
        assert pair.agreement.compared == max(ties)  # more pairs compared wins a tie
        key = tuple(sorted((pair.first, pair.second)))
        assert scored[key] == (pair.agreement, pair.common_items)


def test_rivalries_look_only_at_the_most_recent_ballots(monkeypatch) -> None:
    monkeypatch.setattr(measures, "RIVALRY_MAX_MEMBERS", 3)
    assert rivalry_window(4) == 3
    book: MemberBallots[str, int] = MemberBallots(range(4))
    book.set("old", [[0], [1], [2], [3]])
    book.set("old rival", [[3], [2], [1], [0]])
    for name in ("x", "y", "z"):
        book.set(name, [[0], [1], [3], [2]])
    summary = disagreement(book.tally, book)
    assert summary.rivalry_window == 3
    # Only x, y and z are compared, and they agree: nobody is "most opposed".
    assert summary.most_opposed is None and summary.closest_pair.agreement == Agreement(6, 6)
    book.set("old", [[0], [1], [2], [3]])  # voting again makes a ballot recent
    book.set("old rival", [[3], [2], [1], [0]])
    opposed = disagreement(book.tally, book).most_opposed
    assert {opposed.first, opposed.second} == {"old", "old rival"}
    assert opposed.agreement == Agreement(0, 6)


def test_rivalry_window_shrinks_with_long_lists_and_ties(monkeypatch) -> None:
    assert rivalry_window(10) == measures.RIVALRY_MAX_MEMBERS
    assert 150 < rivalry_window(100) < rivalry_window(50) < measures.RIVALRY_MAX_MEMBERS
    assert rivalry_window(100, products=2) == int(rivalry_window(100) / 2**0.5)
    monkeypatch.setattr(measures, "RIVALRY_BUDGET", 60)  # 4 items: 6 pairs
    book: MemberBallots[int, int] = MemberBallots(range(4))
    for member in range(12):
        book.set(member, [[0], [1], [2], [3]])
    assert disagreement(book.tally, book).rivalry_window == 3  # isqrt(60 / 6) = 3
    book.set(0, [[0, 1], [2]])
    assert disagreement(book.tally, book).rivalry_window == 2  # isqrt(60 / 12) = 2


def test_server_against_author_matches_kendall_tau_b() -> None:
    rng = random.Random(12)
    for _ in range(40):
        n = rng.randint(2, 8)
        ballots = random_profile(rng, n, rng.randint(1, 20), "ties")
        tally = Tally.from_ballots(range(n), ballots)
        result = consensus(tally, "copeland")  # plenty of ties in its order
        author = rng.sample(range(n), n)
        comparison = disagreement(tally, dict(enumerate(ballots)), author, result).author
        places = [result.place(i) for i in range(n)]
        expected = _agreement_by_pairs([[i] for i in author], result.order, n)
        assert comparison.agreement == expected
        tau = kendalltau(places, [author.index(i) for i in range(n)]).statistic
        if np.isnan(tau):
            assert comparison.kendall_tau is None
        else:
            assert comparison.kendall_tau == pytest.approx(tau)
        assert [row.item for row in comparison.rows] == result.ranking
        assert [row.author_place for row in comparison.rows] == [
            author.index(i) + 1 for i in result.ranking
        ]


def test_summary_gives_each_member_agreement_with_consensus_and_author() -> None:
    ballots = {"ann": [["a"], ["b"], ["c"]], "bob": [["c"], ["b"]], "cat": [["a"], ["c"]]}
    summary = disagreement(Tally.from_ballots("abc", ballots.values()), ballots, ["c", "b", "a"])
    order = summary.author.rows
    assert [r.item for r in order] == ["a", "c", "b"]
    for member, ballot in ballots.items():
        consensus_order = [[r.item] for r in order]
        assert summary.members.with_consensus(member) == agreement(ballot, consensus_order)
        assert summary.members.with_author(member) == agreement(ballot, [["c"], ["b"], ["a"]])
    assert summary.members.least_in_line(1)[0][0] == "bob"
    assert summary.voters == 3 and summary.method == "schulze"


def test_a_plain_mapping_gives_the_same_summary_as_kept_ballots() -> None:
    rng = random.Random(13)
    ballots = dict(enumerate(random_profile(rng, 6, 40, "ties")))
    book = MemberBallots(range(6), ballots)
    from_book = disagreement(book.tally, book, [5, 4, 3, 2, 1, 0])
    from_mapping = disagreement(book.tally, ballots, [5, 4, 3, 2, 1, 0])
    assert from_book.closest_pair == from_mapping.closest_pair
    assert from_book.most_opposed == from_mapping.most_opposed
    assert from_book.author == from_mapping.author
    np.testing.assert_array_equal(
        from_book.members.consensus_agreed, from_mapping.members.consensus_agreed
    )


def test_ballots_for_other_items_are_refused() -> None:
    with pytest.raises(ValueError, match="different items"):
        disagreement(Tally("abc"), MemberBallots("abd"))


def test_an_item_is_polarizing_only_when_members_place_it_far_apart() -> None:
    # Eight items; "a" is 1st or 2nd for everyone (±0.5), "h" first for half and last for
    # the other half.
    items = list("abcdefgh")
    book: MemberBallots[str, int] = MemberBallots(items)
    for member in range(4):
        rest = [[x] for x in "bcdefg"]
        if member % 2:
            book.set(member, [["h"], ["a"], *rest])
        else:
            book.set(member, [["a"], *rest, ["h"]])
    rows = {row.item: row for row in polarizing_items(book.tally)}
    assert rows["a"].spread == 0.5 and not rows["a"].polarizing
    assert rows["h"].spread_share == 1.0 and rows["h"].polarizing
