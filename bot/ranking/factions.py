"""Factions: groups of members who rank alike, each with its own consensus.

Distance
    Two ballots are compared on the pairs of items both of them order (the ballot
    convention applies: a ranked item beats an unranked one; ties and two unranked items
    order nothing). Their distance is the share of those pairs they order differently:
    0 for the same order, 1 for opposite orders, about ½ for unrelated ones. Pairs of
    ballots that share fewer than :data:`MIN_OVERLAP` ordered pairs are treated as
    unrelated (distance ½), and a ballot that orders fewer than that many pairs at all
    belongs to no faction.

Grouping
    For each count k from 2 to ``max_factions``, k starting ballots are chosen by PAM's
    greedy BUILD step (Kaufman & Rousseeuw) on a sample, then refined as in k-means: each
    ballot joins the faction whose pairwise majorities it agrees with on the largest share
    of pairs, and each faction's majorities are recounted, until no ballot moves. The
    count kept is the one with the best **mean silhouette** (how much closer each ballot is
    to its own faction than to the next one, from -1 to 1) among those whose factions all
    have at least ``min_size`` members. Below ``min_silhouette`` (0.25: the level under
    which Kaufman & Rousseeuw call a structure "no substantial structure") there are no
    clear factions. Being a member of a faction and being closest to it are the same
    thing: :meth:`Factions.closeness` uses the same majorities.

Speed and sampling
    A ballot is a vector of ±1/0 over item pairs, so agreement between ballots or with a
    faction's majorities is a matrix product. The silhouette and the starting ballots use
    at most :data:`SAMPLE_BALLOTS` ballots (the silhouette is a mean, and a sample of 500
    estimates it to within about ±0.03, two standard errors); the refinement uses every ballot up to
    :data:`FIT_BALLOTS`, and above that a sample, the rest joining their closest faction.
    Debates with more than :data:`MAX_PAIRS` item pairs (29 items and up) compare ballots
    on a fixed sample of that many pairs, which estimates a distance to within ±0.025
    (one standard deviation, at worst). tests/ranking/test_factions.py checks that
    planted factions are recovered with these samples. Samples come from a fixed seed,
    and ballots are put in a canonical order first, so the same ballots always give the
    same factions whoever cast them first.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from bot.ranking.ballots import MemberBallots, Tally, TiersLike
from bot.ranking.disagreements import Agreement
from bot.ranking.methods import ConsensusResult, consensus

K = TypeVar("K", bound=Hashable)
M = TypeVar("M", bound=Hashable)

MIN_OVERLAP = 3  # ordered pairs two ballots must share to be compared
SAMPLE_BALLOTS = 500
FIT_BALLOTS = 10_000
MAX_PAIRS = 400
MAX_ROUNDS = 25
SEED = 16
# An item is distinctive for a faction when its average place there differs by at least
# this many places from its average place among everyone else.
DISTINCTIVE_PLACES = 1.0
DISTINCTIVE_COUNT = 3
# "Every faction agrees": a pair that each faction's members order the same way by at
# least this share.
SHARED_SHARE = 2 / 3
SHARED_COUNT = 5
# Factions' majorities must differ on at least this share of pairs (see _best_grouping).
MIN_SEPARATION = 0.2
# The silhouette must beat chance's best (see _null_silhouette) by this much.
NULL_REPEATS = 3
SILHOUETTE_SLACK = 0.05
# Chance's silhouette is measured on at most this many ballots. Fewer ballots score higher
# by chance, so a smaller sample only makes the test stricter.
NULL_BALLOTS = 200
NULL_REPEATS_SMALL = 19
NULL_SMALL = 100
NULL_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class FactionRules:
    """When factions are shown. The defaults are the bot's; servers can change the first two."""

    min_voters: int = 10
    min_size: int = 3
    max_factions: int = 5
    min_silhouette: float = 0.25

    def __post_init__(self) -> None:
        if self.min_size < 1 or self.min_voters < 2 * self.min_size:
            raise ValueError("Factions need min_size >= 1 and room for two of them.")
        if not 2 <= self.max_factions <= 9:
            raise ValueError("max_factions must be between 2 and 9.")


@dataclass(frozen=True, slots=True)
class Distinctive(Generic[K]):
    """An item a faction ranks unlike everyone else (average places, 1 = top)."""

    item: K
    faction_place: float
    others_place: float

    @property
    def higher(self) -> bool:
        """True when the faction ranks it higher (nearer the top) than the others do."""
        return self.faction_place < self.others_place


@dataclass(frozen=True, slots=True)
class SharedPair(Generic[K]):
    """Every faction prefers ``above`` to ``below``; ``share`` is the weakest faction's share."""

    above: K
    below: K
    share: float


@dataclass(frozen=True, slots=True)
class Faction(Generic[K, M]):
    number: int  # 1-based, largest faction first
    members: tuple[M, ...]
    consensus: ConsensusResult[K]
    distinctive: tuple[Distinctive[K], ...]
    cohesion: float  # members' mean share of pairs agreeing with the faction's majorities
    tally: Tally[K] = field(repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def letter(self) -> str:
        return "ABCDEFGHI"[self.number - 1]


@dataclass(frozen=True, slots=True)
class Factions(Generic[K, M]):
    """The factions of one debate, or why there are none (``factions`` empty, ``reason``)."""

    items: tuple[K, ...]
    voters: int  # ballots considered
    placed: int  # ballots that order enough pairs to belong anywhere
    factions: tuple[Faction[K, M], ...]
    silhouette: float | None  # of the grouping kept, or the best one tried
    reason: str | None  # "few_voters", "small_groups" or "weak" when there are no factions
    shared: tuple[SharedPair[K], ...]
    rules: FactionRules
    membership: dict[M, int] = field(repr=False, compare=False)  # member -> faction number

    @property
    def clear(self) -> bool:
        return bool(self.factions)

    def faction_of(self, member: M) -> Faction[K, M] | None:
        number = self.membership.get(member)
        return None if number is None else self.factions[number - 1]

    def closeness(self, ballot: TiersLike) -> list[Agreement]:
        """For each faction, the pairs on which ``ballot`` sides with its majority."""
        if not self.factions:
            return []
        ranks = np.array(self.factions[0].tally.ranks(ballot))
        prefers = ranks[:, None] < ranks[None, :]
        ordered = prefers | prefers.T
        result = []
        for faction in self.factions:
            margins = faction.tally.margins
            compared = ordered & (margins != 0)
            agreed = prefers & (margins > 0)
            result.append(Agreement(int(agreed.sum()), int(compared.sum()) // 2))
        return result


def find_factions(
    ballots: MemberBallots[M, K], method: str = "schulze", rules: FactionRules | None = None
) -> Factions[K, M]:
    """Group the members of ``ballots`` by how they rank; see the module docstring."""
    rules = rules or FactionRules()
    items = ballots.item_keys
    n = len(items)
    members = ballots.members
    ranks = np.asarray(ballots.ranks)
    if len(members) < rules.min_voters or n < 2:
        # Too few either way; counting who orders enough pairs would change nothing.
        return _none(items, len(members), len(members), rules, "few_voters")
    # Canonical order: ballots sorted by their rank vectors, so the order they were cast in
    # cannot change the result (identical ballots always end up together anyway).
    canonical = np.lexsort(ranks[::-1])
    ranks = ranks[:, canonical]
    members = [members[c] for c in canonical.tolist()]
    rng = np.random.default_rng(SEED)
    first, second = _pairs(n, rng)
    signs = _signs(ranks, first, second)
    placed = np.flatnonzero(np.abs(signs).sum(axis=1) >= MIN_OVERLAP)
    if placed.size < rules.min_voters:
        return _none(items, len(members), placed.size, rules, "few_voters")
    fit = placed if placed.size <= FIT_BALLOTS else np.sort(rng.choice(placed, FIT_BALLOTS, False))
    sample_at = (
        np.arange(fit.size)
        if fit.size <= SAMPLE_BALLOTS
        else np.sort(rng.choice(fit.size, SAMPLE_BALLOTS, replace=False))
    )
    sample = signs[fit[sample_at]]
    grouping = _best_grouping(sample, rules, rules.min_size * sample_at.size / placed.size)
    if isinstance(grouping, str):
        return _none(items, len(members), placed.size, rules, grouping)
    score, centres = grouping
    null_at = fit[sample_at[:NULL_BALLOTS]] if sample_at.size > NULL_BALLOTS else fit[sample_at]
    null = _null_silhouette(ranks[:, null_at], first, second, rules, rng)
    if score < max(rules.min_silhouette, null + NULL_MARGIN):
        return _none(items, len(members), placed.size, rules, "weak", score)
    # The count and the starting majorities come from the sample; every ballot refines them.
    fit_labels, centres = _refine(signs[fit], centres)
    labels = np.full(len(members), -1, dtype=np.intp)
    labels[fit] = fit_labels
    rest = np.setdiff1d(placed, fit, assume_unique=True)
    for chunk in np.array_split(rest, max(1, rest.size // 5000)):
        if chunk.size:
            labels[chunk] = _nearest(signs[chunk], centres)
    counts = np.bincount(labels[labels >= 0], minlength=len(centres))
    if counts.min() < rules.min_size:
        return _none(items, len(members), placed.size, rules, "small_groups", score)
    # Largest faction first; equal sizes by their first ballot in canonical order.
    firsts = [int(np.flatnonzero(labels == f)[0]) for f in range(len(centres))]
    order = sorted(range(len(centres)), key=lambda f: (-counts[f], firsts[f]))
    return _describe(items, members, ranks, signs, labels, order, method, rules, score)


_Grouping = tuple[float, np.ndarray]  # silhouette, centres


def _best_grouping(signs: np.ndarray, rules: FactionRules, min_size: float) -> _Grouping | str:
    """The count of factions with the best silhouette on these ballots, or why none qualifies.

    A count qualifies when each faction has ``min_size`` members and every two factions'
    majorities differ on at least MIN_SEPARATION of the pairs both order: a single crowd
    split in two has close majorities, however neat the split looks.
    """
    distances = _distances(signs)
    starts = _build(distances, rules.max_factions)
    scored: list[_Grouping] = []
    reason = "weak"
    for k in range(2, min(rules.max_factions, len(starts)) + 1):
        labels, centres = _refine(signs, np.sign(signs[starts[:k]]))
        if np.bincount(labels, minlength=k).min() < min_size:
            reason = "small_groups"
            continue
        if _separation(centres) < MIN_SEPARATION:
            continue
        scored.append((_silhouette(distances, labels, k), centres))
    if not scored:
        return reason
    # The silhouette favours a few far-apart camps over the closer ones inside them; the
    # largest count that scores nearly as well as the best keeps those apart.
    top = max(score for score, _ in scored)
    return [found for found in scored if found[0] >= top - SILHOUETTE_SLACK][-1]


def _null_silhouette(
    ranks: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    rules: FactionRules,
    rng: np.random.Generator,
) -> float:
    """The best silhouette the search finds when every ballot's places are dealt at random.

    Few ballots over few items fall into neat groups by chance (10 random orders of 6
    items often score above 0.25); factions must beat what chance gives on ballots of the
    same number and shape. Run on the silhouette sample, so its cost is bounded.
    """
    best = -1.0
    # Small samples vary most by chance: the best of 19 is chance's 95th percentile.
    repeats = NULL_REPEATS if ranks.shape[1] > NULL_SMALL else NULL_REPEATS_SMALL
    for _ in range(repeats):
        shuffled = rng.permuted(ranks, axis=0)
        signs = _signs(shuffled, first, second)
        found = _best_grouping(signs, rules, rules.min_size)
        if not isinstance(found, str):
            best = max(best, found[0])
    return best


# -- building blocks ----------------------------------------------------------------------


def _none(
    items: tuple[K, ...],
    voters: int,
    placed: int,
    rules: FactionRules,
    reason: str,
    silhouette: float | None = None,
) -> Factions[K, M]:
    return Factions(
        items=items,
        voters=voters,
        placed=int(placed),
        factions=(),
        silhouette=silhouette,
        reason=reason,
        shared=(),
        rules=rules,
        membership={},
    )


def _separation(centres: np.ndarray) -> float:
    """The smallest share of commonly ordered pairs on which two centres differ."""
    shares = _shares(centres, centres)
    np.fill_diagonal(shares, 0.0)
    return float(1.0 - shares.max())


def _pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Item pairs (i < j) to compare on: all of them, or a fixed sample of MAX_PAIRS."""
    first, second = np.triu_indices(n, k=1)
    if first.size > MAX_PAIRS:
        keep = np.sort(rng.choice(first.size, MAX_PAIRS, replace=False))
        first, second = first[keep], second[keep]
    return first, second


def _signs(ranks: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Ballots × pairs: +1 when the ballot puts ``first`` above ``second``, -1 below, 0 neither."""
    wide = ranks.astype(np.int16)
    return np.sign(wide[second] - wide[first]).T.astype(np.float32)


_UNKNOWN = np.empty(0)


def _magnitude(signs: np.ndarray) -> np.ndarray | None:
    """Which pairs each ballot orders; None when every ballot orders every pair."""
    magnitude = np.abs(signs)
    return None if magnitude.all() else magnitude


def _shares(
    signs: np.ndarray, centres: np.ndarray, magnitude: np.ndarray | None = _UNKNOWN
) -> np.ndarray:
    """Share of commonly ordered pairs on which each ballot agrees with each centre.

    Below MIN_OVERLAP common pairs the share is ½: too little to tell, so neither near nor far.
    ``magnitude`` is :func:`_magnitude` of ``signs``, when the caller keeps it.
    """
    net = signs @ centres.T  # agreed - disagreed
    if magnitude is _UNKNOWN:
        magnitude = _magnitude(signs)
    if magnitude is None:  # complete strict ballots: a centre's pairs are all compared
        compared = np.broadcast_to(np.abs(centres).sum(axis=1), net.shape)
    else:
        compared = magnitude @ np.abs(centres).T
    enough = compared >= MIN_OVERLAP
    return np.where(enough, (compared + net) / (2 * np.maximum(compared, 1)), np.float32(0.5))


def _distances(signs: np.ndarray) -> np.ndarray:
    distances = 1.0 - _shares(signs, signs)
    np.fill_diagonal(distances, 0.0)
    return distances


def _build(distances: np.ndarray, k: int) -> list[int]:
    """PAM's BUILD: the most central ballot, then each time the one that helps most.

    The choice for k is the first k choices for any larger count, so one run serves all.
    """
    chosen = [int(np.argmin(distances.sum(axis=1)))]
    nearest = distances[chosen[0]].copy()
    while len(chosen) < min(k, len(distances)):
        gain = np.maximum(nearest[None, :] - distances, 0.0).sum(axis=1)
        gain[chosen] = -1.0
        pick = int(np.argmax(gain))
        chosen.append(pick)
        nearest = np.minimum(nearest, distances[pick])
    return chosen


def _nearest(
    signs: np.ndarray, centres: np.ndarray, magnitude: np.ndarray | None = _UNKNOWN
) -> np.ndarray:
    # argmax takes the first of equal shares: the lower faction, the same every time.
    return np.argmax(_shares(signs, centres, magnitude), axis=1).astype(np.intp)


def _refine(signs: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k-means on ballots: join the closest majorities, recount them, until nobody moves."""
    magnitude = _magnitude(signs)
    labels = _nearest(signs, centres, magnitude)
    k = len(centres)
    for _ in range(MAX_ROUNDS):
        onehot = np.zeros((k, len(signs)), dtype=np.float32)
        onehot[labels, np.arange(len(signs))] = 1.0
        centres = np.sign(onehot @ signs)
        moved = _nearest(signs, centres, magnitude)
        if np.array_equal(moved, labels):
            break
        labels = moved
    return labels, centres


def _silhouette(distances: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Mean silhouette of the sample: (b - a) / max(a, b) per ballot, 0 for a lone one."""
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    sizes = onehot.sum(axis=0)
    if np.count_nonzero(sizes) < 2:
        return -1.0
    sums = distances @ onehot
    own = sizes[labels]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / sizes
        a = sums[np.arange(len(labels)), labels] / (own - 1)
    means[:, sizes == 0] = np.inf
    means[np.arange(len(labels)), labels] = np.inf
    b = means.min(axis=1)
    width = np.maximum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where((own > 1) & (width > 0), (b - a) / width, 0.0)
    return float(scores.mean())


def _describe(
    items: tuple[K, ...],
    members: list[M],
    ranks: np.ndarray,
    signs: np.ndarray,
    labels: np.ndarray,
    order: list[int],
    method: str,
    rules: FactionRules,
    score: float,
) -> Factions[K, M]:
    """Each faction's tally, consensus and distinctive items; what they all share."""
    tallies = [Tally.from_ranks(items, ranks[:, labels == f]) for f in order]
    stats = [t.stats_array() for t in tallies]
    total = sum(stats[1:], stats[0])
    factions: list[Faction[K, M]] = []
    membership: dict[M, int] = {}
    for number, (f, tally, own) in enumerate(zip(order, tallies, stats, strict=True), start=1):
        columns = np.flatnonzero(labels == f)
        group = tuple(members[c] for c in columns.tolist())
        membership.update(dict.fromkeys(group, number))
        centre = np.sign(signs[columns].sum(axis=0))[None, :]
        factions.append(
            Faction(
                number=number,
                members=group,
                consensus=consensus(tally, method),
                distinctive=_distinctive(items, own, total - own, rules.min_size),
                cohesion=float(_shares(signs[columns], centre).mean()),
                tally=tally,
            )
        )
    return Factions(
        items=items,
        voters=len(members),
        placed=int(np.count_nonzero(np.abs(signs).sum(axis=1) >= MIN_OVERLAP)),
        factions=tuple(factions),
        silhouette=score,
        reason=None,
        shared=_shared(items, tallies),
        rules=rules,
        membership=membership,
    )


def _mean_places(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(stats)
    ranked_by = stats[:, n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return stats[:, n + 1] / (2.0 * ranked_by), ranked_by


def _distinctive(
    items: tuple[K, ...], own: np.ndarray, others: np.ndarray, min_size: int
) -> tuple[Distinctive[K], ...]:
    """The items whose average place in the faction differs most from everyone else's."""
    mine, mine_by = _mean_places(own)
    theirs, theirs_by = _mean_places(others)
    gap = np.abs(mine - theirs)
    gap[(mine_by < min_size) | (theirs_by < min_size) | np.isnan(gap)] = 0.0
    picked = [int(i) for i in np.argsort(-gap, kind="stable")[:DISTINCTIVE_COUNT]]
    return tuple(
        Distinctive(items[i], float(mine[i]), float(theirs[i]))
        for i in picked
        if gap[i] >= DISTINCTIVE_PLACES
    )


def _shared(items: tuple[K, ...], tallies: Sequence[Tally[K]]) -> tuple[SharedPair[K], ...]:
    """Pairs every faction orders the same way by at least SHARED_SHARE, strongest first."""
    weakest = np.full((len(items), len(items)), np.inf)
    for tally in tallies:
        wins = tally.wins.astype(np.float64)
        compared = wins + wins.T
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(compared > 0, wins / compared, 0.0)
        weakest = np.minimum(weakest, share)
    above, below = np.nonzero(weakest >= SHARED_SHARE)
    # Strongest agreement first; then the pair's items in debate order, for a fixed result.
    order = np.lexsort((below, above, -weakest[above, below]))[:SHARED_COUNT]
    return tuple(
        SharedPair(items[int(above[o])], items[int(below[o])], float(weakest[above[o], below[o]]))
        for o in order
    )
