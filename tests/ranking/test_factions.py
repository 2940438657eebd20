"""Factions: planted groups are found, random and single-crowd ballots give none, always alike."""

from __future__ import annotations

import numpy as np
import pytest

from bot.ranking import MemberBallots, Tally, consensus
from bot.ranking import factions as engine
from bot.ranking.factions import FactionRules, Factions, find_factions

Ballot = list[list[int]]


def camps(
    rng: np.random.Generator,
    n: int,
    sizes: list[int],
    noise: float,
    *,
    partial: bool = False,
    orders: list[list[int]] | None = None,
) -> tuple[list[Ballot], list[int]]:
    """Each camp ranks by its own hidden order plus noise (Thurstone); returns ballots, camps."""
    ballots: list[Ballot] = []
    truth: list[int] = []
    for camp, size in enumerate(sizes):
        base = orders[camp] if orders else rng.permutation(n).tolist()
        quality = np.empty(n)
        quality[base] = np.linspace(1.0, 0.0, n)
        for _ in range(size):
            order = np.argsort(-(quality + rng.normal(scale=noise, size=n)))
            if partial:
                order = order[: rng.integers(n // 2, n + 1)]
            ballots.append([[int(i)] for i in order])
            truth.append(camp)
    return ballots, truth


def book(n: int, ballots: list[Ballot], ids: list[int] | None = None) -> MemberBallots[int, int]:
    members: MemberBallots[int, int] = MemberBallots(range(n))
    for member, ballot in zip(ids or range(len(ballots)), ballots, strict=True):
        members.set(member, ballot)
    return members


def recovered(result: Factions[int, int], truth: list[int]) -> float:
    """The share of members whose faction's most common camp is their own camp."""
    right = 0
    for faction in result.factions:
        found = [truth[m] for m in faction.members]
        right += max(found.count(camp) for camp in set(found))
    return right / len(truth)


@pytest.mark.parametrize(
    ("n", "sizes", "partial"),
    [(20, [30, 20], False), (10, [15, 15, 15], False), (20, [40, 30, 30], True)],
)
def test_planted_factions_are_found(n: int, sizes: list[int], partial: bool) -> None:
    ballots, truth = camps(np.random.default_rng(7), n, sizes, 0.3, partial=partial)
    result = find_factions(book(n, ballots))
    assert len(result.factions) == len(sizes)
    assert recovered(result, truth) >= 0.95  # noise may carry the odd member across
    assert result.silhouette is not None and result.silhouette >= 0.25


def test_many_items_are_compared_on_a_sample_of_pairs_and_still_found() -> None:
    # 60 items have 1,770 pairs, more than MAX_PAIRS: the sampled pairs must do.
    ballots, truth = camps(np.random.default_rng(3), 60, [100, 80, 70], 0.3, partial=True)
    result = find_factions(book(60, ballots))
    assert len(result.factions) == 3
    assert recovered(result, truth) >= 0.95


def test_sampled_ballots_find_the_same_factions(monkeypatch: pytest.MonkeyPatch) -> None:
    # Above FIT_BALLOTS the factions are fitted on a sample and everyone else joins the
    # closest; shrunk here so the test stays small.
    ballots, truth = camps(np.random.default_rng(5), 20, [500, 300, 200], 0.3, partial=True)
    full = find_factions(book(20, ballots))
    monkeypatch.setattr(engine, "FIT_BALLOTS", 250)
    monkeypatch.setattr(engine, "SAMPLE_BALLOTS", 120)
    sampled = find_factions(book(20, ballots))
    assert len(sampled.factions) == len(full.factions) == 3
    assert recovered(sampled, truth) >= 0.93
    same = sum(sampled.membership[m] == full.membership[m] for m in full.membership)
    assert same / len(full.membership) >= 0.95


@pytest.mark.parametrize(("n", "voters"), [(6, 30), (10, 50), (20, 200), (30, 120)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_uniformly_random_ballots_have_no_clear_factions(n: int, voters: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ballots = [[[int(i)] for i in rng.permutation(n)] for _ in range(voters)]
    result = find_factions(book(n, ballots))
    assert not result.clear
    assert result.reason in {"weak", "small_groups"}
    assert result.factions == () and result.membership == {}


@pytest.mark.parametrize("noise", [0.15, 0.3, 0.5])
def test_one_crowd_around_one_order_is_not_split_into_factions(noise: float) -> None:
    ballots, _ = camps(np.random.default_rng(11), 12, [150], noise)
    assert not find_factions(book(12, ballots)).clear


def test_the_same_ballots_give_the_same_factions_whoever_cast_them_first() -> None:
    ballots, _ = camps(np.random.default_rng(2), 15, [20, 20, 15], 0.3, partial=True)
    first = find_factions(book(15, ballots))
    again = find_factions(book(15, ballots))
    shuffled = np.random.default_rng(9).permutation(len(ballots)).tolist()
    other = find_factions(book(15, [ballots[i] for i in shuffled], ids=shuffled))
    assert first.clear
    for result in (again, other):
        assert [set(f.members) for f in result.factions] == [set(f.members) for f in first.factions]
        assert [f.consensus.order for f in result.factions] == [
            f.consensus.order for f in first.factions
        ]
        assert result.silhouette == first.silhouette


def test_each_faction_has_its_own_consensus_by_the_method_asked() -> None:
    ballots, _ = camps(np.random.default_rng(4), 12, [20, 15], 0.3)
    members = book(12, ballots)
    result = find_factions(members, method="borda")
    for faction in result.factions:
        own = Tally.from_ballots(range(12), [members[m] for m in faction.members])
        expected = consensus(own, "borda")
        assert faction.consensus.order == expected.order
        assert faction.consensus.method == "borda"
        assert faction.consensus.voters == faction.size


def test_every_member_is_closest_to_their_own_faction() -> None:
    ballots, _ = camps(np.random.default_rng(6), 10, [20, 20, 20], 0.35, partial=True)
    members = book(10, ballots)
    result = find_factions(members)
    assert result.clear
    for member, ballot in members.items():
        shares = [a.share or 0.0 for a in result.closeness(ballot)]
        number = result.membership[member]
        assert shares[number - 1] == max(shares)
        assert result.faction_of(member) is result.factions[number - 1]


def test_distinctive_items_and_what_every_faction_agrees_on() -> None:
    # Two camps swap the top and the middle; both put items 8 and 9 last.
    a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    b = [5, 6, 7, 3, 4, 0, 1, 2, 8, 9]
    ballots, _ = camps(np.random.default_rng(8), 10, [20, 15], 0.1, orders=[a, b])
    result = find_factions(book(10, ballots))
    assert [f.size for f in result.factions] == [20, 15]
    first, second = result.factions
    assert {d.item for d in first.distinctive} <= {0, 1, 2, 5, 6, 7}
    assert first.distinctive and all(d.higher == (d.item in (0, 1, 2)) for d in first.distinctive)
    assert second.consensus.ranking[0] == 5
    shared = {(p.above, p.below) for p in result.shared}
    assert shared and all(below in (8, 9) or above in (3,) for above, below in shared)
    assert all(p.share >= 2 / 3 for p in result.shared)


def test_fewer_voters_than_the_rules_ask_for_give_no_factions() -> None:
    ballots, _ = camps(np.random.default_rng(1), 8, [5, 4], 0.1)
    result = find_factions(book(8, ballots))
    assert result.reason == "few_voters" and not result.clear
    assert find_factions(book(8, ballots), rules=FactionRules(min_voters=8, min_size=3)).clear


def test_groups_smaller_than_the_rules_allow_are_not_factions() -> None:
    ballots, _ = camps(np.random.default_rng(1), 10, [30, 4], 0.1)
    assert find_factions(book(10, ballots)).clear
    strict = find_factions(book(10, ballots), rules=FactionRules(min_size=5))
    assert not strict.clear
    assert strict.reason == "small_groups"


def test_ballots_that_order_too_few_pairs_belong_to_no_faction() -> None:
    ballots, _ = camps(np.random.default_rng(1), 10, [15, 15], 0.1)
    members = book(10, ballots)
    members.set("lurker", [])  # type: ignore[arg-type]
    result = find_factions(members)
    assert result.clear and result.placed == 30 and result.voters == 31
    assert result.faction_of("lurker") is None  # type: ignore[arg-type]


def test_rules_are_checked() -> None:
    with pytest.raises(ValueError):
        FactionRules(min_voters=4, min_size=3)
    with pytest.raises(ValueError):
        FactionRules(max_factions=1)
