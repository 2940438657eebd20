"""Splitting long lists into embeds that fit Discord's limits (pages, never cut text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.render.text import EMBED_FIELDS, EMBED_TOTAL, FIELD_NAME, FIELD_VALUE, clip

# Room left for the title, description and footer of each page.
_PAGE_BUDGET = EMBED_TOTAL - 1500


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False

    def fitted(self) -> Field:
        return Field(
            clip(self.name, FIELD_NAME), clip(self.value or "\u200b", FIELD_VALUE), self.inline
        )

    @property
    def size(self) -> int:
        return len(self.name) + len(self.value)


def paginate_fields(
    fields: Sequence[Field], *, per_page: int = 10, budget: int = _PAGE_BUDGET
) -> list[list[Field]]:
    """Group fields into pages of at most ``per_page`` fields and ``budget`` characters."""
    per_page = min(per_page, EMBED_FIELDS)
    pages: list[list[Field]] = []
    page: list[Field] = []
    used = 0
    for field in (f.fitted() for f in fields):
        if page and (len(page) >= per_page or used + field.size > budget):
            pages.append(page)
            page, used = [], 0
        page.append(field)
        used += field.size
    if page or not pages:
        pages.append(page)
    return pages


def paginate_lines(lines: Sequence[str], *, budget: int = 3800) -> list[str]:
    """Join lines into page bodies of at most ``budget`` characters (an embed description)."""
    pages: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        line = clip(line, budget)
        if current and used + len(line) + 1 > budget:
            pages.append("\n".join(current))
            current, used = [], 0
        current.append(line)
        used += len(line) + 1
    if current or not pages:
        pages.append("\n".join(current))
    return pages
