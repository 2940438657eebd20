"""Reading ballots that members type (``/vote order:``) or paste (the builder's "Paste…" box).

Pure Python, no discord: text and a debate's items in, :data:`~bot.models.Tiers` out, or a
:class:`BallotParseError` whose message tells the member what to fix.

The package: :mod:`.tokens` splits text and puts it in normal form, :mod:`.matching`
resolves pieces to items, :mod:`.messages` words what the member must fix.

How a piece of text becomes an item (:meth:`ItemMatcher.resolve`):

* Names and aliases are compared in a *normal form*: accents, case, punctuation and spacing
  don't matter, and Roman numerals I–XXXIX read as Arabic ones, so "Rocky 4", "rocky iv"
  and "Rocky IV." are the same text, and "4" is "IV" where an item is called "IV".
* An item's name beats another item's alias; a text that names two items is ambiguous.
* A remark may follow a dash (-, –, —), a colon or an opening bracket:
  "Rocky IV – can't argue". A remark in which an item is followed by such a mark is a
  reader's comment pasted on one line, and every item it names is ranked next; items a
  remark merely mentions ("better than Rocky II") are returned as unranked mentions, so the
  member is told. The whole text is tried first, so "Spider-Man" or
  "Star Wars: A New Hope" stay whole; otherwise the longest text before a mark that is an
  item wins. A leading list marker ("1.", "2)", "#3", "1 -", "IV.", "-", "*", "•") is dropped,
  unless the whole text is a name.
* Small typos are forgiven (1 edit for short names, up to 3 for long ones; a swap of two
  letters is one edit), but numbers must match exactly: "Rocky 7" is never "Rocky V".
  Whenever the text is unknown, or two items are equally close, we raise instead of guessing.

Orders (:meth:`ItemMatcher.parse_order`) are split on ``,`` ``>`` ``;`` ``/`` (and line
breaks); ``=`` ties. Because names may contain those characters ("AC/DC", "Yes, Minister"),
runs of pieces that spell a whole name *with the same separators* are joined before anything
is split: whole names win. "Yes Minister" (no comma) also works, as punctuation is ignored.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from bot.ballot_parser.matching import ItemMatcher, Match, Mention, PastedBallot, TypedOrder
from bot.ballot_parser.messages import (
    MAX_ORDER_CHARS,
    MAX_PASTE_CHARS,
    MAX_PASTE_LINES,
    AmbiguousItemError,
    BallotParseError,
    DuplicateItemError,
    EmptyBallotError,
    RunTogetherError,
    TooLongError,
    UnknownItemError,
    check_order_size,
    check_paste_size,
    unranked_notice,
)
from bot.models import Item, Tiers

__all__ = [
    "MAX_ORDER_CHARS",
    "MAX_PASTE_CHARS",
    "MAX_PASTE_LINES",
    "AmbiguousItemError",
    "BallotParseError",
    "DuplicateItemError",
    "EmptyBallotError",
    "ItemMatcher",
    "Match",
    "Mention",
    "PastedBallot",
    "RunTogetherError",
    "TooLongError",
    "TypedOrder",
    "UnknownItemError",
    "matcher_for",
    "parse_order",
    "parse_pasted",
    "read_order",
    "read_pasted",
    "resolve",
    "unranked_notice",
]

T = TypeVar("T")


@functools.lru_cache(maxsize=128)
def _cached_matcher(items: tuple[Item, ...]) -> ItemMatcher:
    return ItemMatcher(items)


def matcher_for(items: Sequence[Item] | ItemMatcher) -> ItemMatcher:
    """A matcher for these items, cached: items are frozen, so equal items share one."""
    if isinstance(items, ItemMatcher):
        return items
    return _cached_matcher(tuple(items))


def resolve(text: str, items: Sequence[Item] | ItemMatcher) -> Item:
    """The item ``text`` names. Raises :class:`BallotParseError`."""
    return matcher_for(items).resolve(text)


def parse_order(text: str, items: Sequence[Item] | ItemMatcher) -> Tiers:
    """``/vote order:`` text to tiers. Raises :class:`BallotParseError`."""
    return matcher_for(items).parse_order(text)


def parse_pasted(text: str, items: Sequence[Item] | ItemMatcher) -> PastedBallot:
    """A pasted multi-line list to a :class:`PastedBallot`. Raises :class:`BallotParseError`."""
    return matcher_for(items).parse_pasted(text)


# Parsing runs here, off the event loop. Its own two threads: a flood of pastes waits its
# turn instead of filling the default pool that charts and tallies use.
_PARSING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ballot-parser")
_reading: set[Hashable] = set()


# A short order on a small debate is read right here: at most a couple of milliseconds
# (300 characters on 30 items with 20 aliases each, matcher built once), less than the
# hand-over to a thread and back costs a burst of votes in wake-ups and GIL switches.
INLINE_ORDER_CHARS = 300
INLINE_ORDER_ITEMS = 30


async def read_order(
    text: str, items: Sequence[Item] | ItemMatcher, *, reader: Hashable | None = None
) -> TypedOrder:
    """:func:`parse_order` off the event loop (unless short: see INLINE_ORDER_CHARS), one at
    a time per ``reader`` (a member), with the items its remarks leave unranked."""
    check_order_size(text)
    count = len(items.items) if isinstance(items, ItemMatcher) else len(items)
    if len(text) <= INLINE_ORDER_CHARS and count <= INLINE_ORDER_ITEMS:
        with _one_at_a_time(reader):
            return matcher_for(items).read_typed(text)
    return await _off_loop(reader, lambda: matcher_for(items).read_typed(text))


async def read_pasted(
    text: str, items: Sequence[Item] | ItemMatcher, *, reader: Hashable | None = None
) -> PastedBallot:
    """:func:`parse_pasted` off the event loop, one at a time per ``reader`` (a member)."""
    check_paste_size(text)
    return await _off_loop(reader, lambda: parse_pasted(text, items))


async def _off_loop(reader: Hashable | None, work: Callable[[], T]) -> T:
    with _one_at_a_time(reader):
        return await asyncio.get_running_loop().run_in_executor(_PARSING, work)


@contextmanager
def _one_at_a_time(reader: Hashable | None) -> Iterator[None]:
    if reader is None:
        yield
        return
    if reader in _reading:
        raise BallotParseError("I'm still reading what you sent before. Try again in a moment.")
    _reading.add(reader)
    try:
        yield
    finally:
        _reading.discard(reader)
