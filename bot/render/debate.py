"""Embeds for a debate: the author's ranking and the list of debates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.deadlines import discord_timestamp
from bot.models import Debate, DebateListing
from bot.names import is_safe_link
from bot.render.paging import Field, paginate_fields, paginate_lines
from bot.render.text import EMBED_DESCRIPTION, EMBED_TITLE, clip, safe

COLOUR = discord.Colour.from_rgb(200, 30, 45)


# The fields of one page of the author's ranking: with the title, the header (at most a
# quarter of a description) and the footer, a page fits a card's 4,000 characters (bot/ui.py).
AUTHOR_PAGE_BUDGET = 2400


def author_ranking_pages(
    debate: Debate,
    closes_at: datetime | None = None,
    rules: Sequence[str] = (),
    *,
    is_open: bool = True,
) -> list[discord.Embed]:
    """The author's ranking, one embed per page, each within Discord's limits; ``rules``
    are lines on how the debate runs in the server (who may vote, hidden results).

    Once voting has closed, it says so and points to the final ranking instead of /vote.
    """
    fields = [
        Field(f"{position}. {safe(item.name)}", safe(item.reason) if item.reason else "—")
        for position, item in enumerate(debate.items, start=1)
    ]
    pages = paginate_fields(fields, budget=AUTHOR_PAGE_BUDGET)
    header = f"**{safe(debate.question)}**\n\nRanked by {safe(debate.author)}"
    if debate.source and is_safe_link(debate.source):
        # Shown as it is, never as a masked [text](link): members see where it goes.
        header += f" · source: <{debate.source}>"
    if not is_open:
        header += "\n\n🔒 Voting is closed: `/consensus` shows the server's final ranking."
    elif closes_at is not None:
        header += f"\n\n⏳ Voting closes {discord_timestamp(closes_at)}"
    if rules:
        after_line = closes_at is not None or not is_open
        header += ("\n" if after_line else "\n\n") + "\n".join(rules)
    embeds: list[discord.Embed] = []
    for number, page in enumerate(pages, start=1):
        embed = discord.Embed(
            title=clip(safe(debate.title), EMBED_TITLE),
            description=clip(header, EMBED_DESCRIPTION // 4),
            colour=COLOUR,
        )
        for field in page:
            embed.add_field(name=field.name, value=field.value, inline=False)
        footer = (
            f"{len(debate.items)} items · /vote to give your own order, "
            "or /duel to rank by answering “this or that?”"
            if is_open
            else f"{len(debate.items)} items · voting is closed"
        )
        if len(pages) > 1:
            footer = f"Page {number}/{len(pages)} · " + footer
        embed.set_footer(text=footer)
        embeds.append(embed)
    return embeds


def debate_list_pages(listings: Sequence[DebateListing]) -> list[discord.Embed]:
    lines = [
        f"{'➤ ' if entry.is_current else ''}**{safe(entry.debate.title)}** (`{entry.debate.slug}`)"
        f" — {_state(entry)}, {_members(entry.voters)} ranked it"
        f"{'' if entry.debate.is_catalog else ' · this server'}"
        for entry in listings
    ] or ["No debates yet. An admin can add one with `/debate create`."]
    pages = paginate_lines(lines)
    return [
        discord.Embed(
            title="Debates" + (f" ({n}/{len(pages)})" if len(pages) > 1 else ""),
            description=body,
            colour=COLOUR,
        ).set_footer(text="➤ marks the server's current debate, used when you name none")
        for n, body in enumerate(pages, start=1)
    ]


def _state(entry: DebateListing) -> str:
    if not entry.is_open:
        return "closed"
    if entry.closes_at is not None:
        return f"open, closes {discord_timestamp(entry.closes_at)}"
    return "open"


def _members(count: int) -> str:
    return "1 member" if count == 1 else f"{count} members"
