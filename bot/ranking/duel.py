"""Ranking by answering "A or B?": a knockout tournament that settles places from the top down.

The items are the leaves of a balanced winner tree. Each inner node merges the streams of
its two children, best first; a member's answer settles one match at one node (A, B, or
``Same``, which puts both sides in one tier that advances together). Nodes are filled only
when their parent needs them, so after a place is found only the winner's path is replayed.

Why a tournament and not an insertion sort (which needs no more questions): the root's
output is final. Every unit it has released is above every item still in the tree, by the
member's own answers directly or through a chain, so stopping at any point leaves a true
top k, and a ballot saved from it never says more than the member did. An insertion sort
stopped early has placed an arbitrary subset, and under the convention that unranked items
count below ranked ones, saving it would claim preferences nobody gave.

Questions: at most ``Σ depth(leaf) − (n − 1)`` for a full order (a merge sort's bound: 11
for 6 items, 69 for 20, 1,345 for 200), and ``n − 1 + (k − 1)·height`` for a top k. Ties
only ever save questions.

The whole state is plain data (:meth:`Duel.to_json`), so a session survives restarts.
"""

from __future__ import annotations

import enum
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Unit = tuple[int, ...]  # items the member said are the same; they advance together
Tiers = tuple[Unit, ...]

_VERSION = 1


class Answer(enum.Enum):
    """Which side of the question is better."""

    A = "a"
    B = "b"
    SAME = "same"


class DuelStateError(ValueError):
    """A saved state that can't be read back (corrupt, or from an unknown version)."""


@dataclass(frozen=True, slots=True)
class _Node:
    left: int  # child indexes; -1 for a leaf
    right: int
    depth: int  # inner nodes above it (the root's depth is 0)

    @property
    def is_leaf(self) -> bool:
        return self.left < 0


@dataclass(frozen=True, slots=True)
class Bounds:
    """At most how many answers a top 3, a top 10 and a full order take (from the start)."""

    items: int
    top3: int
    top10: int
    full: int


def _tree(n: int) -> list[_Node]:
    """A balanced tree over ``n`` leaves, in preorder; leaves left to right are items 0..n-1."""
    nodes: list[_Node] = []

    def build(size: int, depth: int) -> int:
        index = len(nodes)
        nodes.append(_Node(-1, -1, depth))
        if size > 1:
            left = build(size // 2, depth + 1)
            right = build(size - size // 2, depth + 1)
            nodes[index] = _Node(left, right, depth)
        return index

    if n:
        build(n, 0)
    return nodes


def _leaf_depths(n: int) -> list[int]:
    return [node.depth for node in _tree(n) if node.is_leaf]


def full_bound(n: int) -> int:
    """The most answers a full order of ``n`` open items can take."""
    return sum(_leaf_depths(n)) - (n - 1) if n > 1 else 0


def top_bound(n: int, k: int) -> int:
    """The most answers until at least ``k`` of ``n`` open items are placed."""
    if n <= 1 or k <= 0:
        return 0
    height = max(_leaf_depths(n))
    return min(full_bound(n), n - 1 + (min(k, n) - 1) * height)


def bounds(n: int) -> Bounds:
    """The figures to tell a member before they start, for ``n`` open items."""
    return Bounds(n, top_bound(n, 3), top_bound(n, 10), full_bound(n))


class Duel:
    """One member's tournament: the next question, their answers so far, the places found.

    ``placed`` starts with the tiers of a ballot being refined (``settled``); only the
    other items are put to the member. ``goal`` is how many items the member wants placed
    (None: all); the duel keeps asking past it, the caller decides when to stop.
    """

    def __init__(
        self,
        leaves: Sequence[int],
        heads: list[Unit | None],
        placed: list[Unit],
        *,
        asked: int = 0,
        goal: int | None = None,
    ) -> None:
        self.leaves: tuple[int, ...] = tuple(leaves)
        self._nodes = _tree(len(self.leaves))
        if len(heads) != len(self._nodes):
            raise DuelStateError("The saved tournament does not match its items.")
        self._heads = heads
        self.placed = placed
        self.asked = asked
        self.goal = goal
        self._height = max((node.depth for node in self._nodes), default=0)
        self.question: tuple[Unit, Unit] | None = None
        self._pending = -1
        self._advance()

    @classmethod
    def start(
        cls,
        items: Sequence[int],
        *,
        settled: Sequence[Sequence[int]] = (),
        goal: int | None = None,
        rng: random.Random | None = None,
    ) -> Duel:
        """A new tournament over ``items`` not in ``settled`` (a ballot's tiers, kept on top).

        The open items are shuffled: which item is A, and who meets whom first, should not
        follow the author's order (or any other the member might anchor on).
        """
        placed = [tuple(tier) for tier in settled if tier]
        taken = {item for tier in placed for item in tier}
        open_items = [item for item in dict.fromkeys(items) if item not in taken]
        (rng or random.Random()).shuffle(open_items)
        nodes = _tree(len(open_items))
        heads: list[Unit | None] = [None] * len(nodes)
        leaf_indexes = [i for i, node in enumerate(nodes) if node.is_leaf]
        for index, item in zip(leaf_indexes, open_items, strict=True):
            heads[index] = (item,)
        return cls(open_items, heads, placed, goal=goal)

    # -- reading -------------------------------------------------------------------------

    @property
    def settled(self) -> Tiers:
        """The places found so far, best first: a true top k of the member's order."""
        return tuple(self.placed)

    @property
    def placed_count(self) -> int:
        return sum(len(unit) for unit in self.placed)

    @property
    def total(self) -> int:
        """How many items the ballot can place: the settled ones and the open ones."""
        return self.placed_count + sum(len(head) for head in self._heads if head)

    @property
    def finished(self) -> bool:
        """Every item is placed."""
        return self.question is None

    @property
    def goal_reached(self) -> bool:
        target = self.total if self.goal is None else min(self.goal, self.total)
        return self.finished or self.placed_count >= target

    def remaining_bound(self) -> int:
        """The most answers still needed for the goal (a full order when there is none)."""
        return self.answers_to_place(self.goal)

    def answers_to_place(self, count: int | None) -> int:
        """The most answers still needed until ``count`` items are placed (None: all)."""
        held = self._held()
        # A merge of two streams of a and b units takes at most a + b - 1 matches.
        full = sum(
            held[node.left] + held[node.right] - 1
            for node in self._nodes
            if not node.is_leaf and held[node.left] and held[node.right]
        )
        if count is None:
            return full
        wanted = count - self.placed_count
        if wanted <= 0 or self.finished:
            return 0
        # The next place needs at most one answer per empty node on the way down from the
        # root; each item placed after it empties at most one path from the root to a leaf.
        to_fill = self._to_fill(0, held)
        return min(full, to_fill + (wanted - 1) * self._height)

    def bound(self) -> int:
        """The most answers this duel takes in all, counting those already given."""
        return self.asked + self.remaining_bound()

    # -- answering -----------------------------------------------------------------------

    def answer(self, answer: Answer) -> None:
        """Settle the current question and move on to the next one (or finish)."""
        if self.question is None:
            raise ValueError("This duel has no question left.")
        node = self._nodes[self._pending]
        left, right = self._heads[node.left], self._heads[node.right]
        assert left is not None and right is not None
        if answer is Answer.A:
            self._pull(self._pending, node.left)
        elif answer is Answer.B:
            self._pull(self._pending, node.right)
        else:
            self._heads[self._pending] = left + right
            self._heads[node.left] = self._heads[node.right] = None
        self.asked += 1
        self._advance()

    # -- saving --------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": _VERSION,
                "leaves": list(self.leaves),
                "heads": [list(head) if head is not None else None for head in self._heads],
                "placed": [list(unit) for unit in self.placed],
                "asked": self.asked,
                "goal": self.goal,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Duel:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise DuelStateError("Not a duel state this version can read.")
            goal = data["goal"]
            return cls(
                [int(item) for item in data["leaves"]],
                [_unit(head) if head is not None else None for head in data["heads"]],
                [_unit(unit) for unit in data["placed"]],
                asked=int(data["asked"]),
                goal=None if goal is None else int(goal),
            )
        except (ValueError, KeyError, TypeError) as error:
            if isinstance(error, DuelStateError):
                raise
            raise DuelStateError(f"Unreadable duel state: {error}") from error

    # -- the tournament ------------------------------------------------------------------

    def _advance(self) -> None:
        """Release every place found without asking; stop at the next question or the end."""
        root = 0
        while self._nodes:
            pending = self._fill(root)
            if pending is not None:
                node = self._nodes[pending]
                left, right = self._heads[node.left], self._heads[node.right]
                assert left is not None and right is not None
                self._pending, self.question = pending, (left, right)
                return
            head = self._heads[root]
            if head is None:
                break
            self.placed.append(head)
            self._heads[root] = None
        self._pending, self.question = -1, None

    def _fill(self, index: int) -> int | None:
        """Give node ``index`` its next unit if it can be had without asking.

        Returns the node whose match must be asked first, or None when the node is filled
        or has nothing left below it.
        """
        node = self._nodes[index]
        if node.is_leaf or self._heads[index] is not None:
            return None
        for child in (node.left, node.right):
            pending = self._fill(child)
            if pending is not None:
                return pending
        left, right = self._heads[node.left], self._heads[node.right]
        if left is not None and right is not None:
            return index
        if left is not None:
            self._pull(index, node.left)
        elif right is not None:
            self._pull(index, node.right)
        return None

    def _pull(self, index: int, child: int) -> None:
        self._heads[index] = self._heads[child]
        self._heads[child] = None

    def _to_fill(self, index: int, held: list[int]) -> int:
        node = self._nodes[index]
        if node.is_leaf or self._heads[index] is not None or not held[index]:
            return 0
        asks = 1 if held[node.left] and held[node.right] else 0
        return asks + self._to_fill(node.left, held) + self._to_fill(node.right, held)

    def _held(self) -> list[int]:
        """Per node, the items still in its subtree (each unplaced item sits in one head)."""
        held = [len(head) if head else 0 for head in self._heads]
        # Preorder: children come after their parent, so one backward pass sums subtrees.
        for index in range(len(self._nodes) - 1, -1, -1):
            node = self._nodes[index]
            if not node.is_leaf:
                held[index] += held[node.left] + held[node.right]
        return held


def _unit(value: Any) -> Unit:
    unit = tuple(int(item) for item in value)
    if not unit:
        raise DuelStateError("An empty place in a saved duel.")
    return unit
