"""Reading what the bot showed, independent of its exact wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tests.e2e.emulator import Message

ROCKY_AUTHOR_ORDER = ("Rocky IV", "Rocky II", "Rocky III", "Rocky", "Rocky Balboa", "Rocky V")

# A numbered heading: "1. Rocky IV", "**2.** Rocky II", "#3 — Rocky III", "`4` Rocky".
_NUMBERED = re.compile(r"^\W*#?(\d+)\W*\s*(.+)$")


def ranked_entries(message: Message) -> list[tuple[str, str]]:
    """(heading, body) for each numbered entry: embed fields named "N. …", else numbered lines
    of the descriptions and content (body empty)."""
    entries = [
        (f["name"], f.get("value", ""))
        for embed in message.embeds
        for f in embed.get("fields", [])
        if _NUMBERED.match(f["name"])
    ]
    if entries:
        return entries
    lines = [line for embed in message.embeds for line in embed.get("description", "").splitlines()]
    lines += message.content.splitlines()
    return [(line, "") for line in lines if _NUMBERED.match(line)]


def item_in(heading: str, names: Iterable[str]) -> str | None:
    """The longest of ``names`` that the heading starts with, after its number, as whole words
    ("3. Rocky III" is Rocky III, not Rocky)."""
    match = _NUMBERED.match(re.sub(r"[*_`~|]", "", heading))
    text = match.group(2) if match else heading
    found = [n for n in names if re.match(rf"{re.escape(n)}(?!\w)", text, re.IGNORECASE)]
    return max(found, key=len) if found else None


def ranked_items(message: Message, names: Sequence[str]) -> list[str | None]:
    """The items of ``names`` in the order the message ranks them (None: a heading naming none)."""
    return [item_in(heading, names) for heading, _ in ranked_entries(message)]
