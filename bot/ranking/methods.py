"""Consensus methods: a tally in, a full order with ties and its explanation out.

Every method works from the pairwise counts of a :class:`~bot.ranking.ballots.Tally`
(mean position also uses its position sums), so none rereads ballots. Where a method
needs a fixed order of items to break ties (Ranked Pairs, and Kemeny–Young between
equally good orders), it uses the tally's item order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from bot.ranking.ballots import Tally

K = TypeVar("K", bound=Hashable)

# Kemeny–Young's subset programme takes O(2^n · n) time and memory. On the 2-core box
# 19 items take ~0.3 s and 20 take ~0.7 s (bench/engine.py); 19 leaves room for a busy machine.
KEMENY_MAX_ITEMS = 19


@dataclass(frozen=True, slots=True)
class MethodInfo:
    id: str
    label: str
    description: str  # one line, shown to users as "how this was counted"


METHODS: Mapping[str, MethodInfo] = {
    info.id: info
    for info in (
        MethodInfo(
            "schulze",
            "Schulze",
            "Every match-up goes head to head; when wins run in circles, the side with the stronger "
            "chain of wins comes first, and chains of equal strength make a tie.",
        ),
        MethodInfo(
            "ranked_pairs",
            "Ranked Pairs",
            "Head-to-head wins are locked in from the biggest margin down, skipping any that "
            "would contradict wins already locked; equal margins go in the debate's item order.",
        ),
        MethodInfo(
            "copeland",
            "Copeland",
            "Each item scores its head-to-head wins minus its head-to-head losses.",
        ),
        MethodInfo(
            "kemeny",
            "Kemeny–Young",
            "The order that agrees with the most members on the most match-ups "
            f"(exact; up to {KEMENY_MAX_ITEMS} items).",
        ),
        MethodInfo(
            "borda",
            "Borda",
            "Each ballot gives an item a point for every item below it and half a point for "
            "every item tied with it; unranked items share the bottom places.",
        ),
        MethodInfo(
            "mean_position",
            "Mean position",
            "Items in order of the average place they got from the members who ranked them "
            "(tied items share their places).",
        ),
    )
}


class MethodTooLarge(ValueError):
    """The method cannot finish quickly for this many items; the message says what to use."""

    def __init__(self, method: str, items: int, limit: int, suggestion: str) -> None:
        self.method, self.items, self.limit, self.suggestion = method, items, limit, suggestion
        label = METHODS[method].label
        super().__init__(
            f"{label} can rank at most {limit} items exactly in reasonable time, and this "
            f"debate has {items}. Try {METHODS[suggestion].label}: it agrees with "
            f"{label} whenever one item beats every other head to head."
        )


@dataclass(frozen=True, slots=True)
class Matchup(Generic[K]):
    """A head-to-head result: ``above_wins`` members prefer ``above`` to ``below``."""

    above: K
    below: K
    above_wins: int
    below_wins: int
    tied: bool = False  # the two share a tier in the order being explained

    @property
    def compared(self) -> int:
        return self.above_wins + self.below_wins


@dataclass(frozen=True, slots=True)
class Cycle(Generic[K]):
    """Items whose head-to-head majorities go round in circles.

    ``items`` is the whole tangle (a strongly connected part of the majority graph);
    ``example`` one cycle through it, each item beating the next and the last the first.
    """

    items: tuple[K, ...]
    example: tuple[Matchup[K], ...]


@dataclass(frozen=True, slots=True)
class ConsensusResult(Generic[K]):
    method: str
    label: str
    description: str
    order: list[list[K]]  # tiers, best first; every item appears once
    voters: int
    pairs: list[Matchup[K]]  # each adjacent pair of the flattened order
    cycles: list[Cycle[K]]
    scores: dict[K, float] | None = None
    score_label: str | None = None
    ranked_by: dict[K, int] | None = None  # members who ranked each item (set by consensus())
    skipped: list[Matchup[K]] = field(default_factory=list)  # Ranked Pairs: wins not locked
    record: dict[K, tuple[int, int]] | None = None  # Copeland: head-to-head wins and losses

    @property
    def ranking(self) -> list[K]:
        return [key for tier in self.order for key in tier]

    def place(self, key: K) -> int:
        """1-based place; tied items share the best place of their tier ("=2")."""
        above = 0
        for tier in self.order:
            if key in tier:
                return above + 1
            above += len(tier)
        raise KeyError(key)


def consensus(tally: Tally[K], method: str = "schulze") -> ConsensusResult[K]:
    """Rank the tally's items by ``method`` (a key of :data:`METHODS`)."""
    try:
        info = METHODS[method]
    except KeyError:
        known = ", ".join(METHODS)
        raise ValueError(f"Unknown method {method!r}; choose one of {known}.") from None
    tiers, extra = _ORDERS[method](tally)
    order = [[tally.items[i] for i in tier] for tier in tiers]
    return ConsensusResult(
        method=method,
        label=info.label,
        description=info.description,
        order=order,
        voters=tally.voters,
        pairs=_adjacent_pairs(tally, tiers),
        cycles=majority_cycles(tally),
        ranked_by={
            key: int(count)
            for key, count in zip(tally.items, tally.ranked_by.tolist(), strict=True)
        },
        **extra,
    )


# -- the methods: each returns tiers of item indices and extra result fields ----------

Tiers = list[list[int]]
_Extra = dict[str, Any]  # optional ConsensusResult fields, passed as keyword arguments


# Snapshots of the path matrix cost (n + 1) · n² cells; above this many cells Schulze
# falls back to recomputing from scratch after a wrong guess (only for 200+ items).
_SNAPSHOT_CELLS = 8_000_000


def schulze_tiers(margins: np.ndarray) -> Tiers:
    """Schulze winners first, then the winners among the rest, and so on.

    Path strength is the smallest margin along a chain of majority wins (pref_voting's
    ``beat_path``); ``swf_from_vm(beat_path)`` gives the same order. Recomputing all paths
    for each remaining set is O(n⁴). Instead: Floyd–Warshall's state after processing a
    set of intermediate items holds the strongest paths through those items only, so
    processing items bottom-up in a guessed order yields, at each tier boundary, exactly
    the paths the corresponding round needs. We guess the order from the strongest paths,
    check the rounds top-down, and at the first wrong round take its true winners, guess
    again for the rest, and resume from the snapshot where the old and new processing
    orders part (the bottom of the order rarely changes).
    """
    n = len(margins)
    if n == 0:
        return []
    # Narrow integers halve the memory each Floyd–Warshall step streams through.
    dtype = np.int16 if np.abs(margins).max(initial=0) < np.iinfo(np.int16).max else np.int32
    base = np.where(margins > 0, margins, 0).astype(dtype)
    keep_snapshots = (n + 1) * n * n <= _SNAPSHOT_CELLS
    guess = _by_beaters(_strongest_beats(_widest_paths(base.copy()), np.arange(n)))
    tiers: Tiers = []
    sequence: list[int] = []  # the processing order the snapshots belong to (bottom-up)
    snapshots = [base]  # snapshots[j]: state after processing sequence[:j]
    while True:
        new_sequence = [i for tier in reversed(guess) for i in tier]
        shared = 0
        if keep_snapshots:
            limit = min(len(sequence), len(new_sequence), len(snapshots) - 1)
            while shared < limit and sequence[shared] == new_sequence[shared]:
                shared += 1
        sequence, snapshots = new_sequence, snapshots[: shared + 1]
        # Round r ranks the items left after r tiers: the first `size` of the sequence.
        sizes = (len(sequence) - np.cumsum([0] + [len(t) for t in guess[:-1]])).tolist()
        checked: dict[int, tuple[list[int], np.ndarray] | None] = {}
        state = snapshots[shared].copy()
        for step, item in enumerate(sequence[shared:], start=shared + 1):
            _relax(state, item)
            if keep_snapshots:
                snapshots.append(state.copy())
            elif step in sizes:  # no snapshot to come back to: check this round now
                round_no = sizes.index(step)
                checked[round_no] = _check_round(state, guess[round_no], sequence[:step])
        wrong = None
        for round_no, size in enumerate(sizes):
            if round_no not in checked:
                checked[round_no] = _check_round(snapshots[size], guess[round_no], sequence[:size])
            if checked[round_no] is not None:
                wrong = round_no
                break
        if wrong is None:
            return tiers + [sorted(tier) for tier in guess]
        winners, paths = checked[wrong]  # type: ignore[misc]
        tiers += [sorted(tier) for tier in guess[:wrong]] + [winners]
        done = {i for tier in guess[:wrong] for i in tier} | set(winners)
        left = np.array([i for i in sequence if i not in done], dtype=np.intp)
        if not left.size:
            return tiers
        # Guess again from the exact paths of the wrong round, its winners still in them.
        guess = [left[tier].tolist() for tier in _by_beaters(_strongest_beats(paths, left))]


def _check_round(
    paths: np.ndarray, tier: list[int], ranked: list[int]
) -> tuple[list[int], np.ndarray] | None:
    """None if ``tier`` is exactly the winners among ``ranked``; else the true winners."""
    rest = np.array(ranked, dtype=np.intp)
    if _is_winner_tier(paths, tier, rest):
        return None
    return sorted(rest[_winners(paths[np.ix_(rest, rest)])].tolist()), paths.copy()


def _strongest_beats(paths: np.ndarray, items: np.ndarray) -> np.ndarray:
    sub = paths[np.ix_(items, items)]
    return sub > sub.T


def _is_winner_tier(paths: np.ndarray, tier: list[int], rest: np.ndarray) -> bool:
    """Is ``tier`` exactly the unbeaten items of ``rest``?

    The tier must be unbeaten, and (the Schulze relation being transitive, every beaten
    item is beaten by an unbeaten one) every other item must be beaten by one of them.
    """
    if len(tier) == 1:  # the common case: one row against one column
        t = tier[0]
        return np.count_nonzero(paths[t][rest] > paths[:, t][rest]) == rest.size - 1
    over = paths[tier][:, rest]
    under = paths[:, tier][rest].T
    if (under > over).any():
        return False
    return int((over > under).any(axis=0).sum()) == rest.size - len(tier)


def _relax(paths: np.ndarray, k: int) -> None:
    np.maximum(paths, np.minimum(paths[:, k, None], paths[None, k, :]), out=paths)


def _widest_paths(paths: np.ndarray) -> np.ndarray:
    for k in range(len(paths)):
        _relax(paths, k)
    return paths


def _winners(paths: np.ndarray) -> np.ndarray:
    """Indices not beaten: no ``b`` with a stronger path to ``a`` than ``a`` has to ``b``."""
    return np.flatnonzero(~(paths < paths.T).any(axis=1))


def _by_beaters(beats: np.ndarray) -> Tiers:
    """Group items by how many beat them: an order with ties that respects ``beats``.

    In a transitive relation whoever beats an item is beaten by fewer, so this never puts
    an item above one that beats it. It is only a guess for Schulze (checked there), so it
    need not find the exact layers, and it costs a few vectorised calls instead of a loop.
    """
    if not len(beats):
        return []
    _, group = np.unique(beats.sum(axis=0), return_inverse=True)
    return _groups(group)


def _groups(label: np.ndarray) -> Tiers:
    """Item indices grouped by label, lowest label first."""
    order = np.argsort(label, kind="stable")
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    return [group.tolist() for group in np.split(order, bounds)]


def _layers(beats: np.ndarray) -> Tiers:
    """Split a strict partial order into layers: the unbeaten, then the unbeaten among the rest…

    Usually the order is a strict weak order (a ranking with ties), where the layers are
    simply the groups of items beaten by equally many others; one comparison confirms it.
    Otherwise an item's layer is the length of the longest chain of items above it.
    """
    if not len(beats):
        return []
    beaten_by = beats.sum(axis=0)
    _, layer = np.unique(beaten_by, return_inverse=True)
    if not np.array_equal(beats, layer[:, None] < layer[None, :]):
        # Transitivity: more items beat a lower item than any item above it, so counting
        # beaters gives an order in which every item comes after all items that beat it.
        layer = np.zeros(len(beats), dtype=np.intp)
        for a in np.argsort(beaten_by, kind="stable").tolist():
            above = layer[beats[:, a]]
            layer[a] = above.max() + 1 if above.size else 0
    return _groups(layer)


def ranked_pairs_tiers(margins: np.ndarray) -> tuple[Tiers, list[tuple[int, int]]]:
    """Tideman's Ranked Pairs; returns tiers and the majority wins it skipped.

    Pairs are taken by margin, largest first; equal margins in the tally's item order
    (winner's index, then loser's), as pref_voting's ``ranked_pairs_tb`` does with that
    order as its tie-breaker. Zero margins lock nothing, so items the locked wins leave
    unordered are tied, each as high as the locked wins allow.

    A win can only be skipped if it closes a cycle, and a cycle never leaves one tangle
    of the majority graph, so the locking runs tangle by tangle and every other win is
    locked outright; tangles are usually small, so most wins need no check at all.
    """
    beats = margins > 0
    locked = beats.copy()
    skipped: list[tuple[int, int]] = []
    for tangle in _tangles(_closure(beats)):
        sub = margins[np.ix_(tangle, tangle)]
        for a, b in _lock_pairs(sub):
            skipped.append((tangle[a], tangle[b]))
            locked[tangle[a], tangle[b]] = False
    skipped.sort(key=lambda pair: (-margins[pair], pair))
    return _layers(_closure(locked)), skipped


def _lock_pairs(margins: np.ndarray) -> list[tuple[int, int]]:
    """Run the locking on one tangle; return the skipped pairs."""
    n = len(margins)
    winners, losers = np.nonzero(margins > 0)
    order = np.lexsort((losers, winners, -margins[winners, losers]))
    reach = np.eye(n, dtype=bool)  # reflexive-transitive closure of the locked wins
    skipped: list[tuple[int, int]] = []
    for a, b in zip(winners[order].tolist(), losers[order].tolist(), strict=True):
        if reach[b, a]:
            skipped.append((a, b))
        elif not reach[a, b]:
            reach |= reach[:, a, None] & reach[None, b, :]
    return skipped


def _closure(beats: np.ndarray) -> np.ndarray:
    """Transitive closure by squaring: log2(n) products of small matrices."""
    reach = beats.copy()
    as_float = reach.astype(np.float32)
    while True:
        step = reach | ((as_float @ as_float) > 0)
        if np.array_equal(step, reach):
            return reach
        reach = step
        as_float = reach.astype(np.float32)


def _tangles(reach: np.ndarray) -> list[list[int]]:
    """Strongly connected parts with more than one item, given the transitive closure."""
    mutual = reach & reach.T
    seen = np.zeros(len(reach), dtype=bool)
    tangles: list[list[int]] = []
    for i in np.flatnonzero(mutual.any(axis=1)).tolist():
        if not seen[i]:
            members = np.flatnonzero(mutual[i]).tolist()  # includes i: it reaches itself
            seen[members] = True
            tangles.append(members)
    return tangles


def score_tiers(scores: np.ndarray, higher_first: bool = True) -> Tiers:
    """Group items with equal scores; NaN (no score) goes last."""
    known = ~np.isnan(scores)
    values = sorted(set(scores[known].tolist()), reverse=higher_first)
    tiers = [np.flatnonzero(scores == v).tolist() for v in values]
    if (~known).any():
        tiers.append(np.flatnonzero(~known).tolist())
    return tiers


def copeland_scores(margins: np.ndarray) -> np.ndarray:
    """Head-to-head wins minus losses."""
    return ((margins > 0).sum(axis=1) - (margins < 0).sum(axis=1)).astype(float)


def borda_scores(tally: Tally[K]) -> np.ndarray:
    """Points for items below plus half points for items tied, summed over ballots.

    Per ballot and pair, the preferred item gets 1, tied or both-unranked items ½ each;
    summed over ballots that is ``(voters + margin) / 2`` per pair, so the tally suffices.
    """
    return (tally.voters * (tally.n - 1) + tally.margins.sum(axis=1)) / 2.0


def kemeny_order(wins: np.ndarray) -> list[int]:
    """An order maximising the total support of its pairs, by dynamic programming.

    ``best[S]`` is the best score of putting the set ``S`` first; adding ``x`` below
    ``S`` gains the wins of ``S``'s items over ``x``. Subsets are handled a popcount
    layer at a time, vectorised. Between equally good orders the choice is fixed: from
    the bottom up, each place goes to the latest item (in tally order) that keeps the
    score optimal.
    """
    n = len(wins)
    if n <= 1:
        return list(range(n))
    full = (1 << n) - 1
    subsets = np.arange(1 << n, dtype=np.int64)
    popcount = np.bitwise_count(subsets)
    by_layer = np.argsort(popcount, kind="stable")
    bounds = np.searchsorted(popcount[by_layer], np.arange(n + 2))
    slot = np.empty(1 << n, dtype=np.int64)  # position of each subset within its layer
    best = np.zeros(1 << n, dtype=np.int64)
    # support[slot[S], x] = Σ_{y∈S} wins[y, x], kept for one layer at a time.
    support = np.zeros((1, n), dtype=np.int64)
    slot[0] = 0
    for k in range(1, n + 1):
        layer = by_layer[bounds[k] : bounds[k + 1]]
        slot[layer] = np.arange(layer.size)
        low = layer & -layer
        low_index = np.bitwise_count(low - 1).astype(np.intp)
        layer_best = np.full(layer.size, np.iinfo(np.int64).min, dtype=np.int64)
        for x in range(n):
            bit = 1 << x
            has = (layer & bit) != 0
            rest = layer[has] ^ bit
            gain = best[rest] + support[slot[rest], x]
            idx = np.flatnonzero(has)
            layer_best[idx] = np.maximum(layer_best[idx], gain)
        best[layer] = layer_best
        if k < n:
            support = support[slot[layer ^ low]] + wins[low_index]
    order: list[int] = []
    chosen = full
    while chosen:
        members = [x for x in range(n) if chosen >> x & 1]
        # The last place goes to the latest item that keeps the score optimal.
        for x in reversed(members):
            rest = chosen ^ (1 << x)
            gain = int(wins[[y for y in members if y != x], x].sum())
            if best[rest] + gain == best[chosen]:
                order.append(x)
                chosen = rest
                break
    order.reverse()
    return order


def kemeny_tiers(wins: np.ndarray) -> Tiers:
    """Kemeny's order, with runs of adjacent items that all tie head to head as one tier.

    Reordering such a run keeps the total score, so each order of it is optimal too.
    """
    n = len(wins)
    if n > KEMENY_MAX_ITEMS:
        raise MethodTooLarge("kemeny", n, KEMENY_MAX_ITEMS, "ranked_pairs")
    margins = wins - wins.T
    tiers: Tiers = []
    for x in kemeny_order(wins):
        if tiers and all(margins[x, y] == 0 for y in tiers[-1]):
            tiers[-1].append(x)
        else:
            tiers.append([x])
    return tiers


def _schulze(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    return schulze_tiers(tally.margins), {}


def _ranked_pairs(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    tiers, skipped = ranked_pairs_tiers(tally.margins)
    return tiers, {"skipped": [_matchup(tally, a, b) for a, b in skipped]}


def _copeland(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    margins = tally.margins
    scores = copeland_scores(margins)
    extra = _scored(tally, scores, "head-to-head wins minus losses")
    wins, losses = (margins > 0).sum(axis=1).tolist(), (margins < 0).sum(axis=1).tolist()
    extra["record"] = {
        key: (int(w), int(lo)) for key, w, lo in zip(tally.items, wins, losses, strict=True)
    }
    return score_tiers(scores), extra


def _kemeny(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    return kemeny_tiers(tally.wins), {}


def _borda(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    scores = borda_scores(tally)
    return score_tiers(scores), _scored(tally, scores, "Borda points")


def _mean_position(tally: Tally[K]) -> tuple[Tiers, _Extra]:
    means = tally.mean_positions()
    return score_tiers(means, higher_first=False), _scored(tally, means, "average place")


def _scored(tally: Tally[K], scores: np.ndarray, label: str) -> _Extra:
    return {
        "scores": {
            key: float(s) for key, s in zip(tally.items, scores.tolist(), strict=True) if s == s
        },
        "score_label": label,
    }


_ORDERS: dict[str, Callable[[Tally], tuple[Tiers, _Extra]]] = {
    "schulze": _schulze,
    "ranked_pairs": _ranked_pairs,
    "copeland": _copeland,
    "kemeny": _kemeny,
    "borda": _borda,
    "mean_position": _mean_position,
}


# -- explanation ----------------------------------------------------------------------


def _matchup(tally: Tally[K], a: int, b: int, tied: bool = False) -> Matchup[K]:
    return Matchup(
        tally.items[a], tally.items[b], int(tally.wins[a, b]), int(tally.wins[b, a]), tied
    )


def head_to_head(tally: Tally[K], a: K, b: K) -> Matchup[K]:
    """How many members prefer ``a`` to ``b`` and the other way round."""
    return _matchup(tally, tally.index[a], tally.index[b])


def _adjacent_pairs(tally: Tally[K], tiers: Tiers) -> list[Matchup[K]]:
    pairs: list[Matchup[K]] = []
    previous: int | None = None
    for tier in tiers:
        for position, i in enumerate(tier):
            if previous is not None:
                pairs.append(_matchup(tally, previous, i, tied=position > 0))
            previous = i
    return pairs


def majority_cycles(tally: Tally[K]) -> list[Cycle[K]]:
    """The tangles of the majority graph (a beats b when more prefer a), each with one cycle."""
    beats = tally.margins > 0
    cycles: list[Cycle[K]] = []
    for members in _tangles(_closure(beats)):
        loop = _shortest_cycle(beats, members[0], set(members))
        example = tuple(
            _matchup(tally, a, b) for a, b in zip(loop, loop[1:] + loop[:1], strict=True)
        )
        cycles.append(Cycle(tuple(tally.items[m] for m in members), example))
    return cycles


def _shortest_cycle(beats: np.ndarray, start: int, within: set[int]) -> list[int]:
    """Breadth-first from ``start`` back to itself inside one tangle."""
    parent: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following: list[int] = []
        for a in frontier:
            for b in np.flatnonzero(beats[a]).tolist():
                if b == start:
                    path = [a]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return path[::-1]
                if b in within and b not in parent:
                    parent[b] = a
                    following.append(b)
        frontier = following
    raise AssertionError("a tangle always has a cycle through each member")
