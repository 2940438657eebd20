"""Safe user text and Discord's message limits."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discord

from bot.names import strip_invisible

EMBED_TOTAL = 6000
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
MESSAGE_CONTENT = 2000
SELECT_OPTIONS = 25
SELECT_LABEL = 100
# A Components V2 message: the characters of all its text displays together.
LAYOUT_TEXT = 4000


# Every character Discord's markdown gives a meaning to, escaped one by one. discord.py's
# escape_markdown treats everything from a "[" to the last "](...)" as one link and leaves
# it alone, so "[a](x) **b** (c)" would keep its bold; a plain per-character escape can't.
# An escaped "[" is enough to break a masked link.
_MARKDOWN = re.compile(r"([\\*_~`|\[])")
# Quotes, headers and list bullets only mean something at the start of a line.
_LINE_START = re.compile(r"(?m)^(\s*)([#>-])")


# Memoized: the same item names are escaped for every reply (a burst of votes escaped each
# name a thousand times); the bound keeps long reasons from piling up.
@functools.lru_cache(maxsize=4096)
def safe(text: str) -> str:
    """User text (item names, reasons) shown verbatim: markdown escaped, mentions defused.

    Allowed mentions are off bot-wide; the zero-width space also keeps ``@everyone`` from
    even looking like a ping in clients that highlight it. Invisible formatting characters
    (bidi overrides, zero-width spaces) are left out, stored before they were refused or not.
    """
    text = strip_invisible(text)
    escaped = _LINE_START.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", text))
    return escaped.replace("@", "@\u200b")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_clip(text: str, limit: int) -> str:
    """User text on one line, :func:`safe`, at most ``limit`` characters escapes included.

    Cut before escaping, so an escape is never split from its character.
    """
    text = " ".join(text.split())
    escaped = safe(text)
    if len(escaped) <= limit:
        return escaped
    keep = limit - 1
    while keep > 0:
        escaped = safe(text[:keep].rstrip()) + "…"
        if len(escaped) <= limit:
            return escaped
        keep -= 1
    return "…"


def embed_markdown(embed: discord.Embed) -> str:
    """An embed's text as one text display shows it: the title a heading, each field's name
    in bold over its value, the author and footer as small print.

    The embeds' texts are already made safe where they hold user text, and a text display
    reads the same markdown as an embed's description.
    """
    parts: list[str] = []
    if embed.author and embed.author.name:
        parts.append(_small(embed.author.name))
    if embed.title:
        parts.append(f"## {embed.title}")
    if embed.description:
        parts.append(embed.description)
    parts += [f"**{field.name}**\n{field.value}" for field in embed.fields]
    if embed.footer and embed.footer.text:
        parts.append(_small(embed.footer.text))
    return "\n\n".join(parts)


def _small(text: str) -> str:
    # "-# " makes one line small print; a multi-line text needs it on each line.
    return "\n".join(f"-# {line}" for line in text.splitlines() if line.strip())
