"""Where a debate's members disagree: close contests, polarizing items, author, rivals.

Everything here reads the kept :class:`~bot.ranking.ballots.Tally` and the member rank
matrix of :class:`~bot.ranking.ballots.MemberBallots`; nothing rereads ballots, and the
per-member measures are vectorised over members.

Member rivalries (the closest and the most opposed pair of members) compare pairs of
members, which cannot be done for every pair of 100,000 members in 50 ms. They are
computed exactly, but only among the most recently cast or changed ballots: the newest
``rivalry_window(items)``, at most :data:`RIVALRY_MAX_MEMBERS` (1,000 up to 20 items)
and fewer for long lists so that the work, members² × item pairs, stays under
:data:`RIVALRY_BUDGET` (200 ballots at 100 items); ties among ranked items double the
work, so then the window is 1/√2 as wide. The summary reports the window used.
Everything else (agreement of every member with the consensus and the author, contests,
spreads) covers all ballots.

The rivalry search is float32 matrix products; run the process with
``OPENBLAS_NUM_THREADS=1`` on a small shared box, where BLAS threads contending with
other work made its products 15× slower in bench/engine.py.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from bot.ranking.ballots import MemberBallots, Tally, TiersLike
from bot.ranking.methods import ConsensusResult, Cycle, Matchup, consensus, head_to_head

K = TypeVar("K", bound=Hashable)
M = TypeVar("M", bound=Hashable)

RIVALRY_MAX_MEMBERS = 1000
# Members whose pairs are scored at a time: a block's matrices stay in the CPU's cache,
# and only pairs above the diagonal are computed (1,000 members: 30 ms -> 11 ms).
RIVALRY_BLOCK = 128
RIVALRY_BUDGET = 200_000_000  # members² × item pairs: ~6 ms of single-threaded sgemm here
MIN_COMMON_ITEMS = 3  # members who share fewer ranked items are not compared
POLARIZING_MIN_SHARE = 0.4  # of the largest possible spread
POLARIZING_MIN_MEMBERS = 3


@dataclass(frozen=True, slots=True)
class Agreement:
    """On ``agreed`` of the ``compared`` pairs both sides order, they order them alike."""

    agreed: int
    compared: int

    @property
    def disagreed(self) -> int:
        return self.compared - self.agreed

    @property
    def share(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


@dataclass(frozen=True, slots=True)
class Contest(Generic[K]):
    """A close head-to-head: ``controversy`` is turnout^(smaller side / larger side)."""

    matchup: Matchup[K]  # ``above`` is the side with more support (the earlier item if even)
    controversy: float


@dataclass(frozen=True, slots=True)
class ItemSpread(Generic[K]):
    item: K
    ranked_by: int
    mean_place: float | None  # fractional: tied items share the average of their places
    spread: float | None  # standard deviation of the place; None below 2 rankings
    distribution: list[int]  # members per place 1..n; a tie counts at its best place
    # The spread as a share of the largest possible, (n - 1) / 2: half the members putting
    # it first and half last. Members spread evenly over all places give about 0.6.
    spread_share: float | None = None

    @property
    def polarizing(self) -> bool:
        """Do members place it far apart? A spread of ±0.5 in 8 places is agreement."""
        return (
            self.spread_share is not None
            and self.spread_share >= POLARIZING_MIN_SHARE
            and self.ranked_by >= POLARIZING_MIN_MEMBERS
        )


@dataclass(frozen=True, slots=True)
class AuthorRow(Generic[K]):
    item: K
    consensus_place: int  # ties share the best place ("=2")
    author_place: int | None  # None: the author left it unranked


@dataclass(frozen=True, slots=True)
class AuthorComparison(Generic[K]):
    rows: list[AuthorRow[K]]  # in consensus order
    agreement: Agreement  # pairs the server's order and the author's both order
    kendall_tau: float | None  # tau-b: 1 same order, -1 reversed; None if either is all ties


@dataclass(frozen=True, slots=True)
class MemberPair(Generic[M]):
    first: M
    second: M
    agreement: Agreement  # over pairs of the items both ranked
    common_items: int


@dataclass
class MemberAgreements(Generic[M]):
    """Each member's agreement with the consensus and with the author, as parallel arrays.

    Plain arrays rather than one object per member: building 100,000 objects alone would
    take longer than the whole summary may.
    """

    members: list[M]
    consensus_agreed: np.ndarray
    consensus_compared: np.ndarray
    author_agreed: np.ndarray | None = None
    author_compared: np.ndarray | None = None
    _index: dict[M, int] | None = field(default=None, repr=False)

    def _column(self, member: M) -> int:
        if self._index is None:
            self._index = {m: i for i, m in enumerate(self.members)}
        return self._index[member]

    def with_consensus(self, member: M) -> Agreement:
        i = self._column(member)
        return Agreement(int(self.consensus_agreed[i]), int(self.consensus_compared[i]))

    def with_author(self, member: M) -> Agreement | None:
        if self.author_agreed is None or self.author_compared is None:
            return None
        i = self._column(member)
        return Agreement(int(self.author_agreed[i]), int(self.author_compared[i]))

    def least_in_line(self, count: int = 5) -> list[tuple[M, Agreement]]:
        """The members who agree least with the consensus (share, then more pairs first)."""
        compared = self.consensus_compared
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(compared > 0, self.consensus_agreed / compared, np.inf)
        order = np.lexsort((-compared, share))[:count]
        # By position, not through with_consensus: its index of every member would cost
        # more than the whole summary for a file of 100,000 ballots.
        return [
            (self.members[i], Agreement(int(self.consensus_agreed[i]), int(compared[i])))
            for i in order.tolist()
            if compared[i] > 0
        ]


@dataclass(frozen=True)
class DisagreementSummary(Generic[K, M]):
    voters: int
    method: str
    closest_contests: list[Contest[K]]
    polarizing: list[ItemSpread[K]]  # most spread first; items with no spread last
    author: AuthorComparison[K] | None
    members: MemberAgreements[M]
    closest_pair: MemberPair[M] | None  # only members who agree on most pairs they both order
    most_opposed: MemberPair[M] | None  # only members who disagree on most of them
    rivalry_window: int  # how many of the most recent ballots the member pairs came from
    cycles: list[Cycle[K]]


def disagreement(
    tally: Tally[K],
    ballots: Mapping[M, TiersLike],
    author_order: Sequence[K] | None = None,
    consensus_result: ConsensusResult[K] | None = None,
    *,
    top: int = 5,
) -> DisagreementSummary[K, M]:
    """The whole disagreement summary for one debate.

    ``ballots`` should be the debate's kept :class:`MemberBallots`; any other mapping of
    member to tiers is loaded into one first, which reads every ballot. ``tally`` is
    normally ``ballots.tally``; ``consensus_result`` defaults to the Schulze consensus.
    """
    if not isinstance(ballots, MemberBallots):
        ballots = MemberBallots(tally.items, ballots)
    if ballots.item_keys != tally.items:
        raise ValueError("The ballots and the tally are for different items.")
    result = consensus(tally) if consensus_result is None else consensus_result
    consensus_ranks = _reference_ranks(tally, result.order)
    author_ranks = None if author_order is None else _author_ranks(tally, author_order)
    ranks = ballots.ranks
    names = ballots.members
    members = MemberAgreements(names, *_per_member(ballots, consensus_ranks))
    if author_ranks is not None:
        members.author_agreed, members.author_compared = _per_member(ballots, author_ranks)
    window = ballots.recent_columns(rivalry_window(tally.n))
    closest, opposed, compared = _rivalries(ranks[:, window], tally.n)
    return DisagreementSummary(
        voters=tally.voters,
        method=result.method,
        closest_contests=closest_contests(tally, top),
        polarizing=polarizing_items(tally),
        author=None if author_order is None else compare_with_author(tally, result, author_order),
        members=members,
        closest_pair=_kindred(_member_pair(names, window, closest)),
        most_opposed=_opposed(_member_pair(names, window, opposed)),
        rivalry_window=compared,
        cycles=result.cycles,
    )


def _kindred(pair: MemberPair[M] | None) -> MemberPair[M] | None:
    share = None if pair is None else pair.agreement.share
    return pair if share is not None and share > 0.5 else None


def _opposed(pair: MemberPair[M] | None) -> MemberPair[M] | None:
    # Two members who agree on 3 of 3 pairs are not opposed, however few others voted.
    share = None if pair is None else pair.agreement.share
    return pair if share is not None and share < 0.5 else None


# -- items ------------------------------------------------------------------------------


def closest_contests(tally: Tally[K], count: int = 5) -> list[Contest[K]]:
    """Pairs many members compared that split nearly evenly: turnout^(min/max), highest first.

    Turnout rewards pairs that many members decided; the exponent, 1 for an even split
    and near 0 for a rout, rewards closeness (Reddit's "controversial" score).
    """
    n = tally.n
    first, second = np.triu_indices(n, 1)
    a = tally.wins[first, second]
    b = tally.wins[second, first]
    high = np.maximum(a, b)
    low = np.minimum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(high > 0, (a + b) ** (low / np.where(high > 0, high, 1)), 0.0)
    order = np.lexsort((second, first, -(a + b), -score))
    contests: list[Contest[K]] = []
    for p in order[:count].tolist():
        if score[p] <= 0:
            break
        i, j = int(first[p]), int(second[p])
        if a[p] < b[p]:
            i, j = j, i
        contests.append(
            Contest(head_to_head(tally, tally.items[i], tally.items[j]), float(score[p]))
        )
    return contests


def polarizing_items(tally: Tally[K]) -> list[ItemSpread[K]]:
    """Every item with the spread and distribution of its places, most spread first."""
    stats = tally.stats_array()
    n = tally.n
    counts = stats[:, n]
    means = tally.mean_positions()
    spreads = tally.position_spread()
    widest = (n - 1) / 2
    rows = [
        ItemSpread(
            item=key,
            ranked_by=int(counts[i]),
            mean_place=float(means[i]) if counts[i] else None,
            spread=float(spreads[i]) if counts[i] >= 2 else None,
            distribution=stats[i, :n].tolist(),
            spread_share=float(spreads[i]) / widest if counts[i] >= 2 and widest else None,
        )
        for i, key in enumerate(tally.items)
    ]
    return sorted(rows, key=lambda row: -1.0 if row.spread is None else -row.spread)


def compare_with_author(
    tally: Tally[K], result: ConsensusResult[K], author_order: Sequence[K]
) -> AuthorComparison[K]:
    consensus_ranks = _reference_ranks(tally, result.order)
    author_ranks = _author_ranks(tally, author_order)
    author_place = {key: place for place, key in enumerate(author_order, start=1)}
    rows = [
        AuthorRow(key, result.place(key), author_place.get(key))
        for tier in result.order
        for key in tier
    ]
    n = tally.n
    first, second = np.triu_indices(n, 1)
    mine = np.sign(consensus_ranks[second] - consensus_ranks[first])
    theirs = np.sign(author_ranks[second] - author_ranks[first])
    both = (mine != 0) & (theirs != 0)
    agreed = int(np.count_nonzero(both & (mine == theirs)))
    compared = int(np.count_nonzero(both))
    total = len(first)
    # tau-b: ties on either side shrink the denominator instead of counting as discord.
    denominator = math.sqrt(
        (total - int(np.count_nonzero(mine == 0))) * (total - int(np.count_nonzero(theirs == 0)))
    )
    tau = (2 * agreed - compared) / denominator if denominator else None
    return AuthorComparison(rows, Agreement(agreed, compared), tau)


# -- members ----------------------------------------------------------------------------


def agreement(
    ballot: TiersLike, reference: TiersLike, items: Sequence[Hashable] | None = None
) -> Agreement:
    """One ballot against a reference order (the consensus, the author's): pairs both order.

    The ballot convention applies to both: a ranked item beats an unranked one. ``items``
    defaults to every item named in either.
    """
    if items is None:
        named = [key for tier in (*reference, *ballot) for key in tier]
        items = list(dict.fromkeys(named))
    tally = Tally(items)
    mine, theirs = tally.ranks(ballot), tally.ranks(reference)
    if tally.n <= SMALL_ITEMS:
        return Agreement(*_one_ballot_counts(mine, theirs))
    agreed, compared = agreement_counts(np.array(mine)[:, None], np.array(theirs))
    return Agreement(int(agreed[0]), int(compared[0]))


# Up to this many items one ballot is compared pair by pair in Python: numpy's cost per
# call (a few microseconds, a dozen calls) outweighs 12 × 12 comparisons; the reply to a
# vote on a small debate compares twice (the server, the author).
SMALL_ITEMS = 12


def _one_ballot_counts(mine: Sequence[int], theirs: Sequence[int]) -> tuple[int, int]:
    """Pairs one ranking (``mine``, ranks: lower is better) orders as ``theirs`` does, and
    pairs both order; what :func:`agreement_counts` gives for one column."""
    agreed = disagreed = 0
    for i, (mi, ti) in enumerate(zip(mine, theirs, strict=True)):
        for mj, tj in zip(mine[i + 1 :], theirs[i + 1 :], strict=True):
            if ti == tj or mi == mj:
                continue
            if (ti < tj) == (mi < mj):
                agreed += 1
            else:
                disagreed += 1
    return agreed, agreed + disagreed


@dataclass(frozen=True, slots=True)
class Split(Generic[K]):
    """A pair one ballot orders against the consensus: the ballot puts ``mine`` first, the
    consensus ``theirs``; ``for_mine`` and ``for_theirs`` count the members on each side."""

    mine: K
    theirs: K
    for_mine: int
    for_theirs: int


@dataclass(frozen=True, slots=True)
class BallotComparison(Generic[K]):
    """One ballot against the consensus, over every pair of items (a stable total)."""

    pairs: int  # every item against every other: n(n - 1) / 2, the same for every member
    agreement: Agreement  # pairs both order; the rest one of them leaves open
    splits: list[Split[K]]  # pairs the ballot orders the other way, most decided first
    voters: int
    method: str


def compare_ballot(
    ballot: TiersLike, result: ConsensusResult[K], tally: Tally[K]
) -> BallotComparison[K]:
    """Where a ballot splits from the consensus, with the members behind each side.

    Splits are the pairs the member ranked both items of and ordered the other way round
    from the consensus (an item they left out is not a stated opinion about it); the
    server's clearest majorities come first.
    """
    n = tally.n
    total = n * (n - 1) // 2
    my_ranks, their_ranks = tally.ranks(ballot), tally.ranks(result.order)
    pairs: list[tuple[int, int]]
    if n <= SMALL_ITEMS:
        agreement_ = Agreement(*_one_ballot_counts(my_ranks, their_ranks))
        pairs = [
            (i, j)
            for i in range(n)
            for j in range(n)
            if my_ranks[i] < my_ranks[j] < n and their_ranks[i] > their_ranks[j]
        ]
    else:
        mine, theirs = np.array(my_ranks), np.array(their_ranks)
        agreed, compared = agreement_counts(mine[:, None], theirs)
        agreement_ = Agreement(int(agreed[0]), int(compared[0]))
        ranked = mine < n
        a, b = np.nonzero(
            (mine[:, None] < mine[None, :]) & ranked[None, :] & (theirs[:, None] > theirs[None, :])
        )
        pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    wins = tally.wins
    splits = [
        Split(tally.items[i], tally.items[j], int(wins[i, j]), int(wins[j, i])) for i, j in pairs
    ]
    splits.sort(key=lambda s: (-(s.for_theirs - s.for_mine), -s.for_theirs))
    return BallotComparison(total, agreement_, splits, result.voters, result.method)


# Up to this many items, one ballot is compared in one n × n step (at most 250,000 cells).
ONE_BALLOT_MATRIX_ITEMS = 500


def agreement_counts(ranks: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each column of ``ranks`` (items × members), pairs agreed with and compared.

    ``reference`` is a rank vector (lower is better, equal is a tie). Rows are sorted by
    the reference, so each item is compared with one contiguous block of the items the
    reference puts below it: two vectorised comparisons per item, over contiguous memory.
    """
    n, m = ranks.shape
    if m == 1 and n <= ONE_BALLOT_MATRIX_ITEMS:
        # One ballot (a reply to a vote): one n × n comparison beats n small ones.
        mine = ranks[:, 0]
        above = reference[:, None] < reference[None, :]
        agreed_one = np.count_nonzero(above & (mine[:, None] < mine[None, :]))
        disagreed_one = np.count_nonzero(above & (mine[:, None] > mine[None, :]))
        return np.array([agreed_one]), np.array([agreed_one + disagreed_one])
    order = np.argsort(reference, kind="stable")
    sorted_ranks = ranks[order]
    sorted_reference = reference[order]
    # Where each item's strictly-worse block starts in the sorted order.
    block_start = np.searchsorted(sorted_reference, sorted_reference, side="right")
    dtype = np.int16 if n * (n - 1) // 2 < np.iinfo(np.int16).max else np.int32
    agreed: np.ndarray = np.zeros(m, dtype=dtype)
    disagreed: np.ndarray = np.zeros(m, dtype=dtype)
    for p in range(n):
        below = sorted_ranks[block_start[p] :]
        if not below.shape[0]:
            break
        row = sorted_ranks[p]
        agreed += (below > row).sum(axis=0, dtype=dtype)
        disagreed += (below < row).sum(axis=0, dtype=dtype)
    return agreed.astype(np.int64), (agreed + disagreed).astype(np.int64)


def _per_member(
    ballots: MemberBallots[M, K], reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`agreement_counts` for every member, computed once per run of members who
    cast the same ballot (a file's line and its count)."""
    columns, counts = ballots.runs()
    agreed, compared = agreement_counts(columns, reference)
    if counts is None:
        return agreed, compared
    return np.repeat(agreed, counts), np.repeat(compared, counts)


def rivalry_window(items: int, products: int = 1) -> int:
    """How many of the most recent ballots member rivalries consider at this many items.

    ``products`` is 2 when ballots have ties, which costs a second matrix product.
    """
    pairs = max(items * (items - 1) // 2, 1)
    return max(2, min(RIVALRY_MAX_MEMBERS, math.isqrt(RIVALRY_BUDGET // (pairs * products))))


_Found = tuple[int, int, int, int, int]  # columns i < j, agreed, compared, common items


def _rivalries(ranks: np.ndarray, n: int) -> tuple[_Found | None, _Found | None, int]:
    """Closest and most opposed pair among these columns, over the items both ranked.

    ``ranks`` holds the window, newest first; returns the two pairs and how many of the
    newest columns were compared.

    Each member becomes a vector over item pairs: +1/-1 for their order of a pair of items
    they both ranked, 0 otherwise; one matrix product then gives agreed minus disagreed
    for every pair of members at once, a block of members at a time (see _pair_block).
    Ties go to the pair that compared more, then to the first pair (i, j) in order.
    """
    ranked = ranks < n
    no_ties = np.array_equal(np.where(ranked, ranks, -1).max(axis=0) + 1, ranked.sum(axis=0))
    if not no_ties:
        # Ties need a second product (pairs both members order): keep within budget.
        keep = rivalry_window(n, products=2)
        ranks, ranked = ranks[:, :keep], ranked[:, :keep]
    members = ranks.shape[1]
    if members < 2 or n < MIN_COMMON_ITEMS:
        return None, None, members
    pairs = n * (n - 1) // 2
    signs = np.empty((pairs, members), dtype=np.float32)
    row = 0
    wide = ranks.astype(np.int16)
    for i in range(n - 1):
        block = np.sign(wide[i + 1 :] - wide[i])
        block *= ranked[i + 1 :] & ranked[i]
        signs[row : row + n - 1 - i] = block
        row += n - 1 - i
    complete = no_ties and bool(ranked.all())
    as_float = None if complete else ranked.astype(np.float32)
    magnitude = None if complete or no_ties else np.abs(signs)
    # closest?: (share, pairs of items compared, i, j, items in common) of the best so far
    found: dict[bool, tuple[float, float, int, int, int]] = {}
    for start in range(0, members - 1, RIVALRY_BLOCK):
        stop = min(start + RIVALRY_BLOCK, members)
        ratio, compared, common = _pair_block(signs, as_float, magnitude, start, stop, pairs)
        # Only pairs i < j: the diagonal and below it in the block's first columns.
        ratio[np.tri(stop - start, members - start, dtype=bool)] = np.nan
        for closest, reduce in ((True, np.fmax.reduce), (False, np.fmin.reduce)):
            value = float(reduce(ratio, axis=None))
            if value != value:  # no pair of members in this block can be compared
                continue
            candidates = np.flatnonzero(ratio == value)
            if compared is not None:  # among equal shares, the pair that compared more says more
                candidates = candidates[np.argmax(compared.flat[candidates]) :]
            row, column = divmod(int(candidates[0]), members - start)
            total = float(pairs) if compared is None else float(compared[row, column])
            held = found.get(closest)
            # An earlier block keeps a tie: its pairs come first.
            if (
                held is None
                or (value > held[0] if closest else value < held[0])
                or (value == held[0] and total > held[1])
            ):
                items = n if common is None else int(common[row, column])
                found[closest] = (value, total, start + row, start + column, items)
    if not found:
        return None, None, members

    def pick(closest: bool) -> _Found:
        _, total, i, j, items = found[closest]
        net = int(signs[:, i] @ signs[:, j])
        return i, j, (int(total) + net) // 2, int(total), items

    return pick(True), pick(False), members


def _pair_block(
    signs: np.ndarray,
    as_float: np.ndarray | None,
    magnitude: np.ndarray | None,
    start: int,
    stop: int,
    pairs: int,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Members ``start:stop`` against members ``start:``: each pair's share of agreement
    (NaN where they cannot be compared), pairs of items compared and items in common;
    for complete strict ballots (``as_float`` None) the net agreement instead, and None.
    """
    # agreed - disagreed for every pair of members; exact, as integers far below 2^24.
    ratio = signs[:, start:stop].T @ signs[:, start:]
    if as_float is None:
        # Complete strict ballots: every pair of members compares every pair of items, so
        # the net count orders pairs of members exactly as their share of agreement does.
        return ratio, None, None
    common = as_float[:, start:stop].T @ as_float[:, start:]
    if magnitude is None:  # no ties: every pair of common items is ordered by both members
        compared = common - 1
        compared *= common
        compared *= 0.5
    else:
        compared = magnitude[:, start:stop].T @ magnitude[:, start:]
    invalid = common < MIN_COMMON_ITEMS
    invalid |= compared == 0
    # Distinct shares a/b, c/d differ by at least 1/(b·d) >= 1/pairs²; float32 keeps
    # them apart while that exceeds its rounding error (to ~75 items), float64 beyond.
    if pairs >= 2800:
        ratio = ratio.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(ratio, compared, out=ratio)
    ratio[invalid] = np.nan
    return ratio, compared, common


def _member_pair(
    members: list[M], window: np.ndarray, found: _Found | None
) -> MemberPair[M] | None:
    if found is None:
        return None
    i, j, agreed, compared, common = found
    return MemberPair(
        members[int(window[i])], members[int(window[j])], Agreement(agreed, compared), common
    )


# -- reference orders as rank vectors ---------------------------------------------------


def _reference_ranks(tally: Tally[K], order: Sequence[Sequence[K]]) -> np.ndarray:
    return np.array(tally.ranks(order), dtype=np.int64)


def _author_ranks(tally: Tally[K], author_order: Sequence[K]) -> np.ndarray:
    if isinstance(author_order, str | bytes):
        raise TypeError("The author's order is a sequence of items, not a string.")
    return _reference_ranks(tally, [[key] for key in author_order])
