"""Consensus methods: against pref_voting, textbook results, and properties."""

from __future__ import annotations

import random
from itertools import permutations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pref_voting.c1_methods import copeland_ranking
from pref_voting.helper import swf_from_vm
from pref_voting.margin_based_methods import beat_path, ranked_pairs_tb
from pref_voting.other_methods import kemeny_young
from pref_voting.scoring_methods import borda_ranking

from bot.ranking import KEMENY_MAX_ITEMS, METHODS, MethodTooLarge, Tally, consensus, methods
from bot.ranking.methods import _closure, _layers, schulze_tiers
from tests.ranking.profiles import (
    profiles,
    random_profile,
    rank_of,
    ranking_tiers,
    sorted_tiers,
    to_pref_voting,
)

KINDS = ["complete", "partial", "ties"]


def generated(count: int, seed: int, max_items: int = 6, max_voters: int = 15):
    rng = random.Random(seed)
    for k in range(count):
        n = rng.randint(2, max_items)
        kind = KINDS[k % 3]
        ballots = random_profile(rng, n, rng.randint(1, max_voters), kind)
        yield n, ballots


# -- against pref_voting -------------------------------------------------------------


def test_margins_match_pref_voting_with_extended_strict_preference() -> None:
    for n, ballots in generated(90, seed=1):
        profile = to_pref_voting(ballots, n)
        expected = [[profile.margin(a, b) for b in range(n)] for a in range(n)]
        assert Tally.from_ballots(range(n), ballots).margins.tolist() == expected


@pytest.mark.parametrize(
    ("method", "reference"),
    [
        ("borda", borda_ranking),  # symmetric Borda: items below minus items above
        ("copeland", copeland_ranking),
        ("schulze", swf_from_vm(beat_path)),
    ],
)
def test_orders_match_pref_voting(method, reference) -> None:
    for n, ballots in generated(300, seed=2, max_items=7):
        tally = Tally.from_ballots(range(n), ballots)
        expected = ranking_tiers(reference(to_pref_voting(ballots, n)))
        assert sorted_tiers(consensus(tally, method).order) == expected, ballots


def test_kemeny_finds_an_optimal_order_whose_winner_pref_voting_agrees_with() -> None:
    for n, ballots in generated(150, seed=3, max_items=6):
        tally = Tally.from_ballots(range(n), ballots)
        order = consensus(tally, "kemeny").order
        ranking = [i for tier in order for i in tier]
        assert ranking[0] in kemeny_young(to_pref_voting(ballots, n))
        best = max(_support(tally.wins, p) for p in permutations(range(n)))
        assert _support(tally.wins, ranking) == best
        for tier in order:  # any order inside a tier is optimal too
            for a in tier:
                for b in tier:
                    assert tally.wins[a, b] == tally.wins[b, a]


def test_ranked_pairs_winner_matches_pref_voting_with_the_item_order_tie_breaker() -> None:
    # ranked_pairs_tb also locks zero margins (in tie-breaker order) after the rest, so its
    # single winner must be one of our first tier, and our only winner when no margin is 0.
    for n, ballots in generated(200, seed=4, max_items=7):
        tally = Tally.from_ballots(range(n), ballots)
        first = consensus(tally, "ranked_pairs").order[0]
        winner = ranked_pairs_tb(to_pref_voting(ballots, n), tie_breaker=list(range(n)))
        assert winner[0] in first
        off_diagonal = ~np.eye(n, dtype=bool)
        if (tally.margins[off_diagonal] != 0).all():
            assert first == winner


def test_ranked_pairs_matches_its_definition() -> None:
    for n, ballots in generated(200, seed=5, max_items=8):
        tally = Tally.from_ballots(range(n), ballots)
        result = consensus(tally, "ranked_pairs")
        expected, skipped = _ranked_pairs_by_definition(tally.margins)
        assert result.order == expected
        assert {(m.above, m.below) for m in result.skipped} == skipped


def test_mean_position_matches_its_definition() -> None:
    for n, ballots in generated(60, seed=6):
        tally = Tally.from_ballots(range(n), ballots)
        result = consensus(tally, "mean_position")
        for item in range(n):
            places = [_fractional_place(b, n, item) for b in ballots]
            places = [p for p in places if p is not None]
            assert result.ranked_by[item] == len(places)
            if places:
                assert result.scores[item] == pytest.approx(sum(places) / len(places))
        unranked = [i for i in range(n) if result.ranked_by[i] == 0]
        if unranked:
            assert result.order[-1] == unranked


def test_borda_scores_follow_the_stated_rule() -> None:
    # Points: items below plus half the items tied; unranked items share the bottom places.
    for n, ballots in generated(60, seed=7):
        tally = Tally.from_ballots(range(n), ballots)
        scores = consensus(tally, "borda").scores
        for item in range(n):
            expected = 0.0
            for ballot in ballots:
                ranks = rank_of(ballot, n)
                expected += sum(1 for r in ranks if r > ranks[item])
                expected += 0.5 * (sum(1 for r in ranks if r == ranks[item]) - 1)
            assert scores[item] == expected


@pytest.mark.parametrize("snapshots", [True, False])
def test_schulze_matches_recomputing_paths_every_round_on_bigger_profiles(
    snapshots, monkeypatch
) -> None:
    # Our Schulze guesses the order from one set of paths and repairs it; check it against
    # the plain algorithm (Floyd-Warshall afresh for each remaining set) where pref_voting
    # would be slow, including many zero margins that make guesses go wrong. Without
    # snapshots (very long lists) it takes its other path.
    if not snapshots:
        monkeypatch.setattr(methods, "_SNAPSHOT_CELLS", 0)
    rng = random.Random(8)
    for k in range(150):
        n = rng.randint(3, 25)
        ballots = random_profile(rng, n, rng.randint(1, 30), KINDS[k % 3])
        margins = Tally.from_ballots(range(n), ballots).margins
        assert sorted_tiers(schulze_tiers(margins)) == _schulze_by_rounds(margins)


# -- textbook cases --------------------------------------------------------------------

# Schulze's own example (Schulze 2011, Section 3.1; also Wikipedia's "Schulze method"):
# 45 voters, five candidates.
SCHULZE_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]

# Tennessee's capital, the standard example for Ranked Pairs, Kemeny, Borda, Copeland.
TENNESSEE = [
    (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
    (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
    (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
    (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
]


def _expand(rows) -> list[list[list[str]]]:
    return [[[c] for c in order] for count, order in rows for _ in range(count)]


def test_schulze_worked_example() -> None:
    tally = Tally.from_ballots("ABCDE", _expand(SCHULZE_45))
    assert tally.wins.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    result = consensus(tally)
    assert result.order == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert result.voters == 45
    assert [(m.above, m.below, m.above_wins, m.below_wins) for m in result.pairs] == [
        ("E", "A", 23, 22),
        ("A", "C", 26, 19),
        ("C", "B", 29, 16),
        ("B", "D", 33, 12),
    ]
    assert result.cycles and set(result.cycles[0].items) == set("ABCDE")


@pytest.mark.parametrize(
    ("method", "order"),
    [
        ("schulze", ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        ("ranked_pairs", ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        ("kemeny", ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        ("copeland", ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        ("borda", ["Nashville", "Chattanooga", "Memphis", "Knoxville"]),
    ],
)
def test_tennessee(method, order) -> None:
    cities = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
    result = consensus(Tally.from_ballots(cities, _expand(TENNESSEE)), method)
    assert result.ranking == order
    assert all(len(tier) == 1 for tier in result.order)
    assert result.cycles == []
    if method == "borda":  # Wikipedia's Borda count: 194, 173, 126, 107
        assert result.scores == {
            "Nashville": 194,
            "Chattanooga": 173,
            "Memphis": 126,
            "Knoxville": 107,
        }


def test_a_cycle_is_reported_and_ranked_pairs_sets_the_weakest_win_aside() -> None:
    # 4 × A>B>C, 3 × B>C>A, 2 × C>A>B: A beats B 6–3, B beats C 7–2, C beats A 5–4.
    rows = [(4, "ABC"), (3, "BCA"), (2, "CAB")]
    tally = Tally.from_ballots("ABC", _expand(rows))
    for method in ("schulze", "ranked_pairs", "kemeny"):
        assert consensus(tally, method).ranking == ["A", "B", "C"]
    rp = consensus(tally, "ranked_pairs")
    assert [(m.above, m.below, m.above_wins, m.below_wins) for m in rp.skipped] == [
        ("C", "A", 5, 4)
    ]
    (cycle,) = rp.cycles
    assert set(cycle.items) == {"A", "B", "C"}
    assert [(m.above, m.below) for m in cycle.example] == [("A", "B"), ("B", "C"), ("C", "A")]
    assert consensus(tally, "copeland").order == [["A", "B", "C"]]


def test_ranked_pairs_breaks_equal_margins_by_item_order() -> None:
    # A perfect three-way cycle: every margin is 1, so item order decides what is locked.
    tally = Tally.from_ballots("ABC", _expand([(1, "ABC"), (1, "BCA"), (1, "CAB")]))
    result = consensus(tally, "ranked_pairs")
    assert result.ranking == ["A", "B", "C"]  # A>B locked first, then B>C; C>A skipped
    assert [(m.above, m.below) for m in result.skipped] == [("C", "A")]
    assert consensus(tally, "schulze").order == [["A", "B", "C"]]  # Schulze: a three-way tie


def test_no_ballots_ties_everything() -> None:
    tally = Tally([1, 2, 3])
    for method in METHODS:
        result = consensus(tally, method)
        assert sorted_tiers(result.order) == [[1, 2, 3]]
        assert result.voters == 0


def test_kemeny_refuses_too_many_items_and_says_what_to_use() -> None:
    tally = Tally(range(KEMENY_MAX_ITEMS + 1))
    with pytest.raises(MethodTooLarge, match="Ranked Pairs") as caught:
        consensus(tally, "kemeny")
    assert caught.value.items == KEMENY_MAX_ITEMS + 1
    assert str(KEMENY_MAX_ITEMS) in str(caught.value)


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="choose one of schulze"):
        consensus(Tally([1]), "plurality")


def test_every_method_has_a_label_and_a_one_line_description() -> None:
    for method_id, info in METHODS.items():
        assert info.id == method_id and info.label
        assert info.description and "\n" not in info.description


# -- properties ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(profiles(max_items=6, max_voters=12))
def test_a_condorcet_winner_comes_first(profile) -> None:
    n, ballots = profile
    tally = Tally.from_ballots(range(n), ballots)
    margins = tally.margins
    winners = [a for a in range(n) if all(margins[a, b] > 0 for b in range(n) if b != a)]
    if not winners:
        return
    for method in ("schulze", "ranked_pairs", "copeland", "kemeny"):
        assert consensus(tally, method).order[0] == winners, method


@settings(max_examples=60, deadline=None)
@given(profiles(max_items=6, max_voters=10), st.randoms(use_true_random=False))
def test_renaming_items_renames_the_results(profile, rng) -> None:
    n, ballots = profile
    names = [f"item {k}" for k in rng.sample(range(100), n)]
    tally = Tally.from_ballots(range(n), ballots)
    renamed = Tally.from_ballots(names, [[[names[i] for i in t] for t in b] for b in ballots])
    for method in METHODS:
        ours, theirs = consensus(tally, method), consensus(renamed, method)
        assert [[names[i] for i in tier] for tier in ours.order] == theirs.order
        assert [(names[m.above], names[m.below]) for m in ours.pairs] == [
            (m.above, m.below) for m in theirs.pairs
        ]


@settings(max_examples=60, deadline=None)
@given(profiles(max_items=6, max_voters=10), st.randoms(use_true_random=False))
def test_methods_without_tie_breaks_ignore_the_order_items_are_listed_in(profile, rng) -> None:
    n, ballots = profile
    shuffled = list(range(n))
    rng.shuffle(shuffled)
    a = Tally.from_ballots(range(n), ballots)
    b = Tally.from_ballots(shuffled, ballots)
    for method in ("schulze", "copeland", "borda", "mean_position"):
        assert sorted_tiers(consensus(a, method).order) == sorted_tiers(consensus(b, method).order)


# -- references written from the definitions --------------------------------------------


def _support(wins: np.ndarray, ranking) -> int:
    return sum(int(wins[a, b]) for i, a in enumerate(ranking) for b in ranking[i + 1 :])


def _fractional_place(ballot, n: int, item: int) -> float | None:
    ranks = rank_of(ballot, n)
    if ranks[item] == n:
        return None
    above = sum(1 for r in ranks if r < ranks[item])
    tied = sum(1 for r in ranks if r == ranks[item])
    return above + (tied + 1) / 2


def _ranked_pairs_by_definition(margins: np.ndarray):
    """Lock by margin, then item order; skip a pair if its loser already reaches its winner."""
    n = len(margins)
    pairs = sorted(
        ((a, b) for a in range(n) for b in range(n) if margins[a, b] > 0),
        key=lambda p: (-margins[p], p[0], p[1]),
    )
    locked: set[tuple[int, int]] = set()
    skipped: set[tuple[int, int]] = set()

    def reaches(x: int, y: int) -> bool:
        stack, seen = [x], {x}
        while stack:
            node = stack.pop()
            if node == y:
                return True
            for a, b in locked:
                if a == node and b not in seen:
                    seen.add(b)
                    stack.append(b)
        return False

    for a, b in pairs:
        if reaches(b, a):
            skipped.add((a, b))
        else:
            locked.add((a, b))
    # Layers: an item goes just below the lowest item that reaches it.
    depth = {}
    for item in range(n):
        depth[item] = 0
    changed = True
    while changed:
        changed = False
        for a, b in locked:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
    levels = sorted(set(depth.values()))
    return [[i for i in range(n) if depth[i] == lv] for lv in levels], skipped


def _schulze_by_rounds(margins: np.ndarray) -> list[list[int]]:
    remaining = list(range(len(margins)))
    tiers = []
    while remaining:
        k = len(remaining)
        d = [[max(int(margins[a, b]), 0) for b in remaining] for a in remaining]
        for m in range(k):
            for i in range(k):
                for j in range(k):
                    d[i][j] = max(d[i][j], min(d[i][m], d[m][j]))
        winners = [remaining[i] for i in range(k) if all(d[i][j] >= d[j][i] for j in range(k))]
        tiers.append(sorted(winners))
        remaining = [r for r in remaining if r not in winners]
    return tiers


def test_layers_and_closure_helpers() -> None:
    beats = np.zeros((4, 4), dtype=bool)
    beats[0, 1] = beats[1, 2] = True  # 0 > 1 > 2, 3 unrelated
    closure = _closure(beats)
    assert closure[0, 2] and not closure[2, 0]
    assert _layers(closure) == [[0, 3], [1], [2]]
