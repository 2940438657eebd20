"""Profiles for the engine tests: random generators, hypothesis strategies, pref_voting glue."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
from hypothesis import strategies as st

Ballot = list[list[int]]


def random_ballot(rng: random.Random, n: int, kind: str) -> Ballot:
    """kind: "complete" (strict, every item), "partial" (strict, a prefix) or "ties" (both)."""
    items = list(range(n))
    rng.shuffle(items)
    if kind != "complete":
        items = items[: rng.randint(0, n)]
    tiers: Ballot = []
    for item in items:
        if kind == "ties" and tiers and rng.random() < 0.35:
            tiers[-1].append(item)
        else:
            tiers.append([item])
    return tiers


def random_profile(rng: random.Random, n: int, voters: int, kind: str) -> list[Ballot]:
    return [random_ballot(rng, n, kind) for _ in range(voters)]


@st.composite
def ballots(draw: st.DrawFn, n: int) -> Ballot:
    """A ballot over items 0..n-1: partial, with ties, possibly empty."""
    order = draw(st.permutations(range(n)))
    ranked = draw(st.integers(0, n))
    breaks = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    tiers: Ballot = []
    for item, new_tier in zip(order[:ranked], breaks, strict=False):
        if new_tier or not tiers:
            tiers.append([item])
        else:
            tiers[-1].append(item)
    return tiers


@st.composite
def profiles(draw: st.DrawFn, min_items: int = 2, max_items: int = 6, max_voters: int = 12):
    n = draw(st.integers(min_items, max_items))
    return n, draw(st.lists(ballots(n), min_size=1, max_size=max_voters))


def rank_of(ballot: Ballot, n: int) -> list[int]:
    """Tier number per item, n for unranked (the convention: unranked are tied, last)."""
    ranks = [n] * n
    for t, tier in enumerate(ballot):
        for item in tier:
            ranks[item] = t
    return ranks


def naive_wins(ballots: list[Ballot], n: int) -> np.ndarray:
    wins = np.zeros((n, n), dtype=np.int64)
    for ballot in ballots:
        ranks = rank_of(ballot, n)
        for a, b in combinations(range(n), 2):
            if ranks[a] < ranks[b]:
                wins[a, b] += 1
            elif ranks[b] < ranks[a]:
                wins[b, a] += 1
    return wins


def to_pref_voting(ballots: list[Ballot], n: int):
    """A pref_voting ProfileWithTies: ranked items beat unranked ones (extended strict pref)."""
    from pref_voting.profiles_with_ties import ProfileWithTies

    rankings = [{item: t for t, tier in enumerate(b) for item in tier} for b in ballots]
    profile = ProfileWithTies(rankings, candidates=list(range(n)))
    profile.use_extended_strict_preference()
    return profile


def ranking_tiers(ranking) -> list[list[int]]:
    """A pref_voting Ranking as tiers of candidates, best first."""
    levels = sorted(set(ranking.rmap.values()))
    return [sorted(c for c, level in ranking.rmap.items() if level == lv) for lv in levels]


def sorted_tiers(order: list[list[int]]) -> list[list[int]]:
    return [sorted(tier) for tier in order]
