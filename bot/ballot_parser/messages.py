"""What the member reads when their text isn't a ballot: ready to send, escaped and short."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ballot_parser.tokens import normal_form
from bot.models import Item
from bot.render.text import safe_clip

# Budgets that keep every message well under Discord's limits and readable (~300 chars).
_QUOTE_LIMIT = 40
_NAME_LIMIT = 48
MAX_SUGGESTIONS = 3
# Up to this many items, an unknown name is answered with the list of them all.
_LISTED_ITEMS = 12
# Items named one by one in a note about a remark; more are counted.
_LISTED_MENTIONS = 3
_LISTING_LIMIT = 200


class BallotParseError(ValueError):
    """The member's text isn't a ballot. ``message`` (and ``str()``) says what to fix.

    Messages are ready to send: user text and item names in them are markdown-escaped and
    clipped, so the cog must not escape them again.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownItemError(BallotParseError):
    """``text`` names no item; ``suggestions`` are the closest items, best first (maybe none)."""

    def __init__(
        self, text: str, suggestions: Sequence[Item] = (), items: Sequence[Item] = ()
    ) -> None:
        self.text = text
        self.suggestions = tuple(suggestions)
        if self.suggestions:
            hint = f"Did you mean {_either(self.suggestions)}?"
        elif 0 < len(items) <= _LISTED_ITEMS and len(_all_of(items)) <= _LISTING_LIMIT:
            # Here, privately: /debate show would post the list for everyone.
            hint = f"The items are: {_all_of(items)}."
        else:
            hint = "Leave out `order` in /vote to pick the items from a menu."
        super().__init__(f"I don't know {_quote(text)}. {hint}")


class AmbiguousItemError(BallotParseError):
    """``text`` fits several items (``candidates``) equally well."""

    def __init__(self, text: str, candidates: Sequence[Item]) -> None:
        self.text = text
        self.candidates = tuple(candidates)
        self.suggestions = self.candidates
        super().__init__(
            f"{_quote(text)} could be {_either(self.candidates)}. Write more of the name."
        )


class RunTogetherError(BallotParseError):
    """``text`` names several ``items`` with no mark between them to say where each ends."""

    def __init__(self, text: str, items: Sequence[Item]) -> None:
        self.text = text
        self.items = tuple(items)
        super().__init__(
            f"{_quote(text)} names {_listing(self.items)}, and I can't tell where each one ends. Separate the "
            f"items with > or commas, with a dash before any remark, e.g. "
            f"{_name(self.items[0])} – why > {_name(self.items[1])}"
        )


class DuplicateItemError(BallotParseError):
    """``item`` was named twice, first as ``first`` and then as ``second``."""

    def __init__(self, item: Item, first: str, second: str) -> None:
        self.item = item
        self.first = first
        self.second = second
        said = (
            ""
            if normal_form(first) == normal_form(second)
            else f" (as {_quote(first)} and {_quote(second)})"
        )
        super().__init__(
            f"You named {_name(item)} twice{said}. Name each item once; use = to tie items."
        )


class EmptyBallotError(BallotParseError):
    """The text names no item at all."""


class TooLongError(BallotParseError):
    """The text is over a bound checked before any work: ``/vote``'s or Paste…'s."""


# What a member can send: Discord's limit for a string option, and Paste…'s five
# 4,000-character boxes. Lines: 200 items, each with a line of reasons, and some slack.
MAX_ORDER_CHARS = 6000
MAX_PASTE_CHARS = 20_000
MAX_PASTE_LINES = 500


def check_order_size(text: str) -> None:
    if len(text) > MAX_ORDER_CHARS:
        raise TooLongError(
            f"Your order is {len(text):,} characters long; I read at most "
            f"{MAX_ORDER_CHARS:,}. List just the items, best first."
        )


def check_paste_size(text: str) -> None:
    if len(text) > MAX_PASTE_CHARS:
        raise TooLongError(
            f"That's {len(text):,} characters; I read at most {MAX_PASTE_CHARS:,}. "
            "Paste just your list, one item a line."
        )
    lines = sum(1 for line in text.splitlines() if line.strip())
    if lines > MAX_PASTE_LINES:
        raise TooLongError(
            f"That's {lines:,} lines; I read at most {MAX_PASTE_LINES:,}. "
            "Paste just your list, one item a line."
        )


def empty_order(items: Sequence[Item]) -> EmptyBallotError:
    return EmptyBallotError(
        "Your order names no items. List them best first, separated by > or commas, "
        f"with = for ties, e.g. {_example(items, ' > ')}"
    )


def empty_paste(items: Sequence[Item]) -> EmptyBallotError:
    return EmptyBallotError(
        "I didn't find any of this debate's items in that text. Put one item per line, "
        "best first; numbers, bullets and remarks after a dash are fine, e.g.\n"
        f"{_example(items, chr(10))}"
    )


def _example(items: Sequence[Item], separator: str) -> str:
    names = [safe_clip(item.name, 32) for item in items[:3]] or ["First", "Second"]
    return separator.join(names)


def _quote(text: str) -> str:
    return f"'{safe_clip(text, _QUOTE_LIMIT)}'"


def _name(item: Item) -> str:
    return safe_clip(item.name, _NAME_LIMIT)


def _all_of(items: Sequence[Item]) -> str:
    names = [_name(item) for item in items]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _either(items: Sequence[Item]) -> str:
    names = [_name(item) for item in items[:MAX_SUGGESTIONS]]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def unranked_notice(mentions: Sequence[tuple[Item, str]], first: Item | None) -> str | None:
    """What to tell a member whose remarks name items their order leaves unranked.

    ``mentions`` pairs each such item with its remark; ``first`` is the order's first item,
    for the example. None when there is nothing to tell.
    """
    if not mentions:
        return None
    items = [item for item, _ in mentions]
    remarks = list(dict.fromkeys(remark for _, remark in mentions))
    one = len(items) == 1
    quoted = ", ".join(_quote(remark) for remark in remarks[:2]) + ("…" if len(remarks) > 2 else "")
    example = " > ".join(_name(item) for item in [*([first] if first else []), *items[:2]])
    return (
        f"⚠️ Not ranked: {_listing(items)}. "
        f"{'It is' if one else 'They are'} only mentioned in "
        f"{'your remark' if len(remarks) == 1 else 'your remarks'} {quoted}. To rank "
        f"{'it' if one else 'them'}, put {'it' if one else 'them'} in the order itself, "
        f"separated by > or commas, e.g. {example}"
    )


def _listing(items: Sequence[Item]) -> str:
    """ "A, B and C", or "A, B, C and 2 more"."""
    extra = len(items) - _LISTED_MENTIONS
    if extra <= 0:
        return _all_of(items)
    return ", ".join(_name(item) for item in items[:_LISTED_MENTIONS]) + f" and {extra} more"
