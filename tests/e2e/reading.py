"""Reading what the bot showed, independent of its exact wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tests.e2e.emulator import Message

# A numbered heading: "1. Rocky IV", "**2.** Rocky II", "#3 — Rocky III", "`4` Rocky".
_NUMBERED = re.compile(r"^\W*#?(\d+)\W*\s*(.+)$")
# A card's field: a bold line, its text under it (bot/render/text.embed_markdown).
_CARD_FIELD = re.compile(r"^\*\*(.+)\*\*\n(\S.*(?:\n\S.*)*)$")


def display_lines(message: Message) -> list[str]:
    """The lines of the text a member reads: embed descriptions, or a card's text displays."""
    lines = [line for embed in message.embeds for line in embed.get("description", "").split("\n")]
    texts = [c.get("content", "") for c in message.walk_components() if c["type"] == 10]
    return lines + "\n".join(texts).split("\n")


def _card_fields(message: Message) -> list[tuple[str, str]]:
    texts = [c.get("content", "") for c in message.walk_components() if c["type"] == 10]
    blocks = "\n\n".join(texts).split("\n\n")
    return [(m.group(1), m.group(2)) for block in blocks if (m := _CARD_FIELD.match(block))]


def ranked_entries(message: Message) -> list[tuple[str, str]]:
    """(heading, body) for each numbered entry: embed fields named "N. …", else numbered lines
    of the descriptions and content (body empty)."""
    fields = [(f["name"], f.get("value", "")) for e in message.embeds for f in e.get("fields", [])]
    fields += _card_fields(message)
    entries = [(name, value) for name, value in fields if _NUMBERED.match(name)]
    if entries:
        return entries
    lines = display_lines(message) + message.content.splitlines()
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


# A ballot's place line: "1. Rocky IV", "2. Rocky II = Rocky III" (markdown-escaped names).
_PLACE = re.compile(r"^(\d+)\. (.+)$")
_ESCAPE = re.compile(r"\\(.)")


def ballot_tiers(message: Message) -> list[tuple[str, ...]]:
    """The ballot a message shows (a /vote reply, /myvote, the builder), best first, as tiers
    of item names: "2. Rocky II = Rocky III" is one tier of two."""
    lines = display_lines(message)
    tiers: list[tuple[str, ...]] = []
    for line in lines:
        if match := _PLACE.match(line.strip()):
            names = _ESCAPE.sub(r"\1", match.group(2)).split(" = ")
            tiers.append(tuple(name.strip() for name in names))
    return tiers


# A ranked line of /consensus, /leaderboard or a summary:
# "`  =3` **Rocky** — tied with Rocky V (2–3 head to head)", "`   1` **Rocky II** · 5–0 …".
_PLACED = re.compile(r"^`\s*(=?\d+)`\s+\*\*(.+?)\*\*(?:\s+(?:—|·)\s+(.*))?$")


def placed_lines(message: Message) -> list[tuple[str, str, str]]:
    """(place, item, the rest of the line) for each ranked line in the message's embeds:
    ("=3", "Rocky", "tied with Rocky V (2–3 head to head)")."""
    lines = display_lines(message)
    return [
        (m.group(1), _ESCAPE.sub(r"\1", m.group(2)), m.group(3) or "")
        for line in lines
        if (m := _PLACED.match(line.strip()))
    ]
