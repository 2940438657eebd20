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
  "Rocky IV – can't argue". The whole text is tried first, so "Spider-Man" or
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

import functools
from collections.abc import Sequence

from bot.ballot_parser.matching import ItemMatcher, Match, PastedBallot
from bot.ballot_parser.messages import (
    AmbiguousItemError,
    BallotParseError,
    DuplicateItemError,
    EmptyBallotError,
    UnknownItemError,
)
from bot.models import Item, Tiers

__all__ = [
    "AmbiguousItemError",
    "BallotParseError",
    "DuplicateItemError",
    "EmptyBallotError",
    "ItemMatcher",
    "Match",
    "PastedBallot",
    "UnknownItemError",
    "matcher_for",
    "parse_order",
    "parse_pasted",
    "resolve",
]


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
