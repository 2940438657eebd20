"""Ballots and running tallies.

A ballot is ordered tiers of item keys, best first; items in one tier are tied, and a
ballot may leave items out. The convention for partial ballots: a ranked item beats every
unranked item, and two unranked items, or two tied items, are no preference either way.

:class:`Tally` keeps the pairwise counts and per-item position statistics that every
method and measure needs, updated in O(items²) per ballot. :class:`MemberBallots` adds
who voted what: one column of ranks per member in a numpy matrix, so member-level
measures run vectorised instead of rereading ballots.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Generic, TypeVar, cast

import numpy as np

K = TypeVar("K", bound=Hashable)
M = TypeVar("M", bound=Hashable)

# What callers may pass as a ballot: tiers of keys, best first.
TiersLike = Sequence[Sequence[Hashable]]


def rank_dtype(n: int) -> type[np.signedinteger]:
    # Ranks run 0..n (n marks "unranked"); the narrowest type keeps member matrices small
    # and makes the vectorised comparisons in disagreement.py several times faster.
    if n < 127:
        return np.int8
    if n < 32767:
        return np.int16
    return np.int32


# Voters one tally may count: weighted sums stay exact in float64 (below 2^53) and
# sums of squared places in int64, whatever the items.
MAX_VOTERS = 2**40


def _weights(counts: np.ndarray | None, columns: int) -> np.ndarray:
    """How many members each of ``columns`` ballots stands for, as int64; checked."""
    if counts is None:
        return np.ones(columns, dtype=np.int64)
    weights = np.asarray(counts, dtype=np.int64)
    if weights.shape != (columns,):
        raise ValueError(f"Expected {columns} counts, got shape {weights.shape}.")
    if columns and weights.min() < 1:
        raise ValueError("Every count must be at least 1.")
    if weights.sum(dtype=np.float64) > MAX_VOTERS:
        raise ValueError(f"More than {MAX_VOTERS:,} voters in all.")
    return weights


class Tally(Generic[K]):
    """Pairwise wins and position statistics for one debate's current ballots.

    ``wins[i, j]`` counts the members who prefer ``items[i]`` to ``items[j]`` under the
    convention above. ``position_counts[i, p]`` counts members who put ``items[i]`` in
    place ``p + 1`` (tied items count at the best place of their tier: "=2nd" is 2nd).
    Mean and spread of positions use fractional places instead: tied items share the
    average of the places they span, so a three-way tie for 2nd counts as 3rd for each.
    """

    def __init__(self, items: Sequence[K]) -> None:
        self.items: tuple[K, ...] = tuple(items)
        self.index: dict[K, int] = {}
        for i, key in enumerate(self.items):
            if key in self.index:
                raise ValueError(f"Item {key!r} is listed twice.")
            self.index[key] = i
        n = len(self.items)
        self.n = n
        self.voters = 0
        self.wins = np.zeros((n, n), dtype=np.int64)
        # Position statistics, row i = item i: n place counts, then ranked-by, then the
        # sums of 2·place and (2·place)² (doubling keeps the half places of ties integral).
        # A flat Python list, not numpy: a ballot touches 4 cells per ranked item, and
        # scalar updates on a list cost a fraction of numpy's per-call overhead.
        self._stats = [0] * (n * (n + 3))
        self._dtype = rank_dtype(n)

    def stats_array(self) -> np.ndarray:
        """The position statistics as an ``n × (n + 3)`` array (a fresh copy)."""
        return np.array(self._stats, dtype=np.int64).reshape(self.n, self.n + 3)

    @property
    def position_counts(self) -> np.ndarray:
        """``[i, p]``: members who put ``items[i]`` in place ``p + 1`` (ties at their best place)."""
        return self.stats_array()[:, : self.n]

    @property
    def ranked_by(self) -> np.ndarray:
        """For each item, how many members ranked it."""
        return self.stats_array()[:, self.n]

    @classmethod
    def from_ballots(cls, items: Sequence[K], ballots: Iterable[TiersLike]) -> Tally[K]:
        tally = cls(items)
        for tiers in ballots:
            tally.add(tiers)
        return tally

    @classmethod
    def from_ranks(
        cls, items: Sequence[K], ranks: np.ndarray, counts: np.ndarray | None = None
    ) -> Tally[K]:
        """The tally of the ballots in ``ranks`` (items × members of tier numbers, ``n`` =
        unranked, as :attr:`MemberBallots.ranks` holds them), counted in bulk.

        ``counts[c]`` says how many members cast column ``c``'s ballot (one each if None):
        a file's distinct ballots are then counted once each, weighted, which equals
        adding every member's copy one by one.
        """
        tally = cls(items)
        n = tally.n
        if ranks.ndim != 2 or ranks.shape[0] != n:
            raise ValueError(f"Expected a rank matrix with {n} rows, got shape {ranks.shape}.")
        columns = ranks.shape[1]
        weights = _weights(counts, columns)
        if columns == 0:
            return tally
        if ranks.min() < 0 or ranks.max() > n:
            raise ValueError(f"Tier numbers must lie in 0..{n}.")
        wide = np.ascontiguousarray(ranks)
        # Float64 products and weighted bincounts are exact: every sum is a whole number
        # of voters, far below 2^53 (see _weights); BLAS does them several times faster.
        as_float = weights.astype(np.float64)
        stats = np.zeros((n, n + 3), dtype=np.int64)
        for i in range(n):
            row = wide[i]
            better = wide < row  # [j, c]: column c puts item j above item i
            tally.wins[:, i] = better.astype(np.float64) @ as_float
            # An item's place: the items strictly above, then half its tier (see _apply).
            ranked = row < n
            above = better.sum(axis=0, dtype=np.int32)
            place2 = (2 * above + (wide == row).sum(axis=0, dtype=np.int32) + 1) * ranked
            voters = weights * ranked
            stats[i, :n] = np.bincount(above, weights=voters, minlength=n + 1)[:n]
            stats[i, n] = voters.sum()
            voters *= place2
            stats[i, n + 1] = voters.sum()
            stats[i, n + 2] = (voters * place2).sum()
        tally.voters = int(weights.sum())
        tally._stats = stats.ravel().tolist()
        return tally

    # -- reading ------------------------------------------------------------------

    @property
    def margins(self) -> np.ndarray:
        """``margins[i, j] = wins[i, j] - wins[j, i]``."""
        return self.wins - self.wins.T

    def mean_positions(self) -> np.ndarray:
        """Mean fractional place (1 = top) over members who ranked each item; NaN if none."""
        stats = self.stats_array()
        with np.errstate(invalid="ignore", divide="ignore"):
            return stats[:, self.n + 1] / (2.0 * stats[:, self.n])

    def position_spread(self) -> np.ndarray:
        """Standard deviation of each item's fractional place among members who ranked it."""
        stats = self.stats_array()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean2 = stats[:, self.n + 1] / stats[:, self.n]
            var4 = stats[:, self.n + 2] / stats[:, self.n] - mean2 * mean2
        return np.sqrt(np.clip(var4, 0.0, None)) / 2.0

    def copy(self) -> Tally[K]:
        other = Tally(self.items)
        other.voters = self.voters
        other.wins = self.wins.copy()
        other._stats = self._stats.copy()
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return (
            self.items == other.items
            and self.voters == other.voters
            and np.array_equal(self.wins, other.wins)
            and self._stats == other._stats
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Tally({len(self.items)} items, {self.voters} voters)"

    # -- writing ------------------------------------------------------------------

    def add(self, tiers: TiersLike) -> None:
        self._apply(self.ranks(tiers), 1)

    def remove(self, tiers: TiersLike) -> None:
        """Withdraw a ballot that was added before (raises ValueError if it cannot have been)."""
        self._apply(self.ranks(tiers), -1)

    def replace(self, old: TiersLike, new: TiersLike) -> None:
        """A member changed their ballot: one validated step, so a bad ``new`` changes nothing."""
        old_ranks, new_ranks = self.ranks(old), self.ranks(new)
        self._apply(old_ranks, -1)
        self._apply(new_ranks, 1)

    def ranks(self, tiers: TiersLike) -> list[int]:
        """Validate a ballot; return each item's tier number, ``n`` for unranked items.

        Empty tiers are skipped. Raises ValueError for an unknown item or one given twice.
        """
        if isinstance(tiers, str | bytes):
            raise TypeError("A ballot is a sequence of tiers, not a string.")
        n = self.n
        # Ballots hold arbitrary hashables until validated here; a foreign key just misses.
        index = cast("dict[Hashable, int]", self.index)
        ranks = [n] * n
        tier_no = 0
        for tier in tiers:
            if isinstance(tier, str | bytes):
                raise TypeError(f"A tier is a sequence of items, not the string {tier!r}.")
            if not tier:
                continue
            for key in tier:
                try:
                    i = index[key]
                except KeyError:
                    raise ValueError(f"Unknown item {key!r}.") from None
                except TypeError:
                    raise ValueError(f"{key!r} cannot be an item.") from None
                if ranks[i] != n:
                    raise ValueError(f"Item {key!r} appears twice in one ballot.")
                ranks[i] = tier_no
            tier_no += 1
        return ranks

    def tiers_of(self, ranks: Sequence[int]) -> tuple[tuple[K, ...], ...]:
        """The tiers of a rank vector (inverse of :meth:`ranks`; items in tally order)."""
        tiers: dict[int, list[K]] = {}
        for i, r in enumerate(ranks):
            if r < self.n:
                tiers.setdefault(r, []).append(self.items[i])
        return tuple(tuple(tiers[r]) for r in sorted(tiers))

    def _apply(self, ranks: list[int], sign: int) -> None:
        """Add (sign 1) or subtract (sign -1) one ballot given as a rank list."""
        if sign < 0 and self.voters == 0:
            raise ValueError("Cannot remove a ballot from an empty tally.")
        n = self.n
        vector = np.array(ranks, dtype=self._dtype)
        beats = vector[:, None] < vector[None, :]
        # Plain Python beats numpy for these O(n) steps at the sizes debates have.
        sizes = [0] * (n + 1)
        for r in ranks:
            sizes[r] += 1
        starts = [0] * n
        above = 0
        for t in range(n):
            starts[t] = above
            above += sizes[t]
            if above == n:
                break
        width = n + 3
        stats = self._stats
        if sign > 0:
            self.wins += beats
            for i, r in enumerate(ranks):
                if r < n:
                    place2 = 2 * starts[r] + sizes[r] + 1
                    base = i * width
                    stats[base + starts[r]] += 1
                    stats[base + n] += 1
                    stats[base + n + 1] += place2
                    stats[base + n + 2] += place2 * place2
            self.voters += 1
            return
        self.wins -= beats
        corrupt = False
        for i, r in enumerate(ranks):
            if r < n:
                place2 = 2 * starts[r] + sizes[r] + 1
                base = i * width
                stats[base + starts[r]] -= 1
                stats[base + n] -= 1
                stats[base + n + 1] -= place2
                stats[base + n + 2] -= place2 * place2
                corrupt = corrupt or stats[base + starts[r]] < 0
        if corrupt or self.wins.min(initial=0) < 0:
            # Never added: undo, so that one bad call cannot corrupt the tally for good.
            self._apply(ranks, 1)
            self.voters -= 1
            raise ValueError("That ballot was never added to this tally.")
        self.voters -= 1


class MemberBallots(Mapping[M, tuple[tuple[K, ...], ...]], Generic[M, K]):
    """Each member's current ballot, with the debate's :class:`Tally` kept in step.

    Ballots live as columns of ``ranks`` (items × members, tier numbers, ``n`` = unranked):
    the column layout makes the per-item comparisons in the disagreement measures run
    over contiguous memory. Removing a member moves the last column into the hole, so
    every operation is O(items²) at most, whatever the number of members.
    """

    def __init__(self, items: Sequence[K], ballots: Mapping[M, TiersLike] | None = None) -> None:
        self.tally: Tally[K] = Tally(items)
        n = self.tally.n
        # Member -> column, in order of their last change (dicts keep insertion order):
        # the most recent ballots are the last keys, found without scanning everyone.
        # None until first needed after from_ranks (columns then are in member order): a
        # file read for one report never pays for an index of 100,000 members.
        self._columns_or_none: dict[M, int] | None = {}
        self._members: list[M] = []
        self._ranks = np.full((n, 16), n, dtype=self.tally._dtype)
        # Counts every change, so derived results (factions) can tell when they are stale.
        self.changes = 0
        # Runs of members with one ballot (see runs()), while no ballot has changed.
        self._runs: tuple[np.ndarray, np.ndarray] | None = None
        for member, tiers in (ballots or {}).items():
            self.set(member, tiers)

    @classmethod
    def from_ranks(
        cls,
        items: Sequence[K],
        members: Sequence[M],
        ranks: np.ndarray,
        counts: np.ndarray | None = None,
    ) -> MemberBallots[M, K]:
        """Many members' ballots at once: column ``c`` of ``ranks`` (items × members of tier
        numbers, as :attr:`ranks` holds them) is the ballot of ``members[c]``; with
        ``counts``, it is the ballot of the next ``counts[c]`` members in order (a file's
        line cast by that many voters), and each column is counted once, weighted.

        Equal to calling :meth:`set` for each member in order, counted in bulk (see
        :meth:`Tally.from_ranks`): what reading a file of 44,000 ballots needs.
        """
        book: MemberBallots[M, K] = cls(items)
        # A range (a file's voters, numbered) cannot repeat: no set of 100,000 numbers.
        if not isinstance(members, range) and len(set(members)) != len(members):
            raise ValueError("A member is listed twice.")
        if ranks.ndim != 2:
            raise ValueError(f"Expected a rank matrix, got shape {ranks.shape}.")
        weights = _weights(counts, ranks.shape[1])
        if weights.sum() != len(members):
            raise ValueError(
                f"Expected a rank matrix with {len(members)} columns, got {ranks.shape}"
                + ("." if counts is None else f" counted {weights.sum()} times.")
            )
        # Checks the rows and the tier numbers.
        book.tally = Tally.from_ranks(items, ranks, weights)
        n, count = book.tally.n, len(members)
        book._ranks = np.full((n, max(16, count)), n, dtype=book.tally._dtype)
        book._ranks[:, :count] = ranks if counts is None else np.repeat(ranks, weights, axis=1)
        book._members = list(members)
        book._columns_or_none = None
        book.changes = count
        if counts is not None:
            book._runs = (np.ascontiguousarray(ranks, dtype=book.tally._dtype), weights)
        return book

    def runs(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The ballots as runs of members in column order who cast the same ballot: one
        column per run and its length, as :meth:`from_ranks` was given them, or ``ranks``
        and None (runs of one) once a ballot changed. A per-member measure computed once
        per run and repeated is the same measure, at a fraction of the cost."""
        if self._runs is None:
            return self.ranks, None
        return self._runs

    @property
    def _columns(self) -> dict[M, int]:
        if self._columns_or_none is None:
            self._columns_or_none = {member: c for c, member in enumerate(self._members)}
        return self._columns_or_none

    @property
    def item_keys(self) -> tuple[K, ...]:
        """The tally's items (not ``Mapping.items``, which pairs members with ballots)."""
        return self.tally.items

    @property
    def members(self) -> list[M]:
        """Members in column order (a copy)."""
        return list(self._members)

    @property
    def ranks(self) -> np.ndarray:
        """Items × members matrix of tier numbers (a read-only view)."""
        view = self._ranks[:, : len(self._members)]
        view.flags.writeable = False
        return view

    def recent(self, count: int) -> list[M]:
        """Up to ``count`` members, the most recently changed ballot first."""
        if self._columns_or_none is None:
            return self._members[: -count - 1 : -1] if count > 0 else []
        return list(islice(reversed(self._columns_or_none), count))

    def recent_columns(self, count: int) -> np.ndarray:
        """Columns of :meth:`recent` in ``ranks``."""
        if self._columns_or_none is None:
            last = len(self._members)
            return np.arange(last - 1, max(last - count, 0) - 1, -1, dtype=np.intp)
        return np.array([self._columns[m] for m in self.recent(count)], dtype=np.intp)

    def set(self, member: M, tiers: TiersLike) -> None:
        """Record a first ballot or replace the member's current one."""
        ranks = self.tally.ranks(tiers)
        column = self._columns.get(member)
        if column is None:
            self.tally._apply(ranks, 1)
            column = len(self._members)
            if column == self._ranks.shape[1]:
                self._grow()
            self._columns[member] = column
            self._members.append(member)
        else:
            self.tally._apply(self._ranks[:, column].tolist(), -1)
            self.tally._apply(ranks, 1)
            del self._columns[member]  # re-inserted below as the most recent
            self._columns[member] = column
        self._ranks[:, column] = ranks
        self.changes += 1
        self._runs = None

    def withdraw(self, member: M) -> None:
        """Stop counting the member's ballot. Raises KeyError if they have none."""
        column = self._columns.pop(member)
        self.tally._apply(self._ranks[:, column].tolist(), -1)
        last = len(self._members) - 1
        if column != last:
            moved = self._members[last]
            self._ranks[:, column] = self._ranks[:, last]
            self._members[column] = moved
            self._columns[moved] = column
        self._members.pop()
        self._ranks[:, last] = self.tally.n
        self.changes += 1
        self._runs = None

    def _grow(self) -> None:
        n, capacity = self._ranks.shape
        ranks = np.full((n, capacity * 2), n, dtype=self._ranks.dtype)
        ranks[:, :capacity] = self._ranks
        self._ranks = ranks

    def __getitem__(self, member: M) -> tuple[tuple[K, ...], ...]:
        return self.tally.tiers_of(self._ranks[:, self._columns[member]].tolist())

    def __iter__(self) -> Iterator[M]:
        return iter(list(self._members))

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, member: object) -> bool:
        return member in self._columns

    def __repr__(self) -> str:
        return f"MemberBallots({len(self.item_keys)} items, {len(self)} members)"
