"""Safe user text and Discord's message limits."""

from __future__ import annotations

import discord

EMBED_TOTAL = 6000
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
MESSAGE_CONTENT = 2000
SELECT_OPTIONS = 25
SELECT_LABEL = 100


def safe(text: str) -> str:
    """User text (item names, reasons) shown verbatim: markdown escaped, mentions defused.

    Allowed mentions are off bot-wide; the zero-width space also keeps ``@everyone`` from
    even looking like a ping in clients that highlight it.
    """
    escaped = discord.utils.escape_markdown(text, as_needed=False)
    return escaped.replace("@", "@\u200b")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
