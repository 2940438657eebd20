"""Ballots as members read them: numbered places, ties, the unranked, the reason.

A 200-item ballot with long names is far longer than one embed, so everything here is
built from lines and paged with :mod:`bot.render.paging`; a public post that can't hold
the whole ballot attaches it as a text file instead of cutting it silently.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.ballot_builder import BallotBuilder
from bot.models import Debate, Item, Tiers
from bot.ranking import Agreement, BallotComparison, Split
from bot.render.paging import paginate_lines
from bot.render.results import plural
from bot.render.text import EMBED_TITLE, FIELD_VALUE, clip, safe
from bot.render.words import MATCH_UP_MEANING, every_match_up, match_ups

COLOUR = discord.Colour.from_rgb(200, 30, 45)
SHARE_COLOUR = discord.Colour.from_rgb(60, 120, 200)

# One line of a page: a tie of many long names is wrapped onto continuation lines.
_LINE_LIMIT = 900
# Description room for the ballot lines of one page; the intro gets the rest of 4,096.
_PAGE_BUDGET = 3000
_INTRO_LIMIT = 900
_BUILDER_ORDER_BUDGET = 2400


def positions(tiers: Tiers) -> list[int]:
    """Each tier's place, counted like sports tables: after a tie for 2nd comes 4th."""
    places: list[int] = []
    place = 1
    for tier in tiers:
        places.append(place)
        place += len(tier)
    return places


def unranked(debate: Debate, tiers: Tiers) -> list[Item]:
    """Items the ballot leaves out, in the author's order."""
    ranked = {item_id for tier in tiers for item_id in tier}
    return [item for item in debate.items if item.id not in ranked]


def tier_lines(debate: Debate, tiers: Tiers) -> list[str]:
    """``1. Rocky IV`` / ``2. Rocky II = Rocky III`` / ``4. Rocky`` — escaped, one place a line."""
    lines: list[str] = []
    for place, tier in zip(positions(tiers), tiers, strict=True):
        names = [safe(debate.item(item_id).name) for item_id in tier]
        lines += _wrap(f"{place}. ", names, " = ", line_end="", continuation="    = ")
    return lines


def unranked_lines(debate: Debate, tiers: Tiers) -> list[str]:
    left = unranked(debate, tiers)
    if not left:
        return []
    if not tiers:
        return ["Nothing ranked yet."]
    heading = f"**Unranked** ({len(left)}, below every ranked item): "
    return _wrap(heading, [safe(item.name) for item in left], ", ", line_end=",", continuation="")


def order_text(debate: Debate, tiers: Tiers) -> str:
    """The ballot as ``/vote order:`` text: ``Rocky IV > Rocky II = Rocky III``."""
    return " > ".join(" = ".join(debate.item(i).name for i in tier) for tier in tiers)


def ballot_lines(debate: Debate, tiers: Tiers) -> list[str]:
    lines = tier_lines(debate, tiers)
    rest = unranked_lines(debate, tiers)
    return [*lines, "", *rest] if rest and lines else [*lines, *rest]


def ballot_pages(
    debate: Debate,
    tiers: Tiers,
    *,
    reason: str | None,
    heading: str,
    intro: str = "",
    footer: str = "",
    fields: Sequence[tuple[str, str]] = (),
) -> list[discord.Embed]:
    """The whole ballot as embeds (one per page), each within Discord's limits.

    ``fields`` (how it compares) come after the order and the reason, on the last page.
    """
    pages = paginate_lines(ballot_lines(debate, tiers), budget=_PAGE_BUDGET)
    embeds: list[discord.Embed] = []
    for number, body in enumerate(pages, start=1):
        description = body if number > 1 or not intro else f"{clip(intro, _INTRO_LIMIT)}\n\n{body}"
        embed = discord.Embed(
            title=clip(heading, EMBED_TITLE), description=description, colour=COLOUR
        )
        if number == len(pages):
            if reason:
                embed.add_field(name="Why", value=clip(safe(reason), FIELD_VALUE), inline=False)
            for name, value in fields:
                embed.add_field(name=name, value=clip(value, FIELD_VALUE), inline=False)
        text = footer
        if len(pages) > 1:
            text = f"Page {number}/{len(pages)}" + (f" · {footer}" if footer else "")
        if text:
            embed.set_footer(text=text)
        embeds.append(embed)
    return embeds


def shared_ballot(
    debate: Debate, tiers: Tiers, *, reason: str | None, member_mention: str
) -> tuple[discord.Embed, discord.File | None]:
    """A member's ballot posted publicly, like a comment under the post.

    The mention renders as the member's name and pings nobody (mentions in embeds never
    notify, and allowed mentions are off bot-wide). When the ballot doesn't fit one embed,
    the rest is in an attached text file rather than cut.
    """
    lines = ballot_lines(debate, tiers)
    pages = paginate_lines(lines, budget=_PAGE_BUDGET)
    body = pages[0]
    attachment: discord.File | None = None
    if len(pages) > 1:
        shown = body.count("\n") + 1
        body += f"\n… and {len(lines) - shown} more lines in the attached file."
        attachment = _ballot_file(debate, tiers, reason)
    embed = discord.Embed(
        title=clip(debate.title, EMBED_TITLE),
        description=f"{member_mention}'s order:\n\n{body}",
        colour=SHARE_COLOUR,
    )
    if reason:
        embed.add_field(name="Why", value=clip(safe(reason), FIELD_VALUE), inline=False)
    embed.set_footer(text="/vote to add yours · /debate show for the author's reasoning")
    return embed, attachment


def _ballot_file(debate: Debate, tiers: Tiers, reason: str | None) -> discord.File:
    rows = [debate.title, ""]
    for place, tier in zip(positions(tiers), tiers, strict=True):
        rows.append(f"{place}. " + " = ".join(debate.item(i).name for i in tier))
    left = unranked(debate, tiers)
    if left:
        rows += ["", "Unranked (below every ranked item):", *(item.name for item in left)]
    if reason:
        rows += ["", f"Why: {reason}"]
    data = ("\n".join(rows) + "\n").encode()
    return discord.File(io.BytesIO(data), filename="ballot.txt")


def sides_sentence(result: Agreement, items: int, whom: str) -> str:
    """ "Of the 15 match-ups …, you side with the author on 12 and against on 2; 1 is open."."""
    total = every_match_up(items)
    open_ = total - result.compared
    text = (
        f"Of the {match_ups(total)} ({MATCH_UP_MEANING}), you side with {whom} "
        f"on {result.agreed:,} and against on {result.disagreed:,}"
    )
    if open_:
        verb = "is" if open_ == 1 else "are"
        text += f"; {open_:,} {verb} open (a tie, or items left out)"
    return text + "."


SPLITS_SHOWN = 5


def comparison_fields(
    debate: Debate,
    *,
    author: Agreement,
    server: BallotComparison[int] | None,
    method_label: str,
    is_open: bool = True,
) -> list[tuple[str, str]]:
    """How a ballot compares: where it splits from the server, with the server's numbers,
    and how close it is to the author."""
    items = len(debate.items)
    fields: list[tuple[str, str]] = []
    if server is not None and server.voters == 1:
        more = " Ask others to `/vote`." if is_open else ""
        fields.append(
            (
                "Where you split from the server",
                "Nowhere yet: you're the only one who ranked this, so the server's order is "
                f"yours for now.{more}",
            )
        )
    elif server is not None:
        lines = [
            f"The server's order: {method_label}, {plural(server.voters, 'voter')}. "
            + sides_sentence(server.agreement, items, "it")
        ]
        for split in server.splits[:SPLITS_SHOWN]:
            lines.append(_split_line(debate, split))
        if len(server.splits) > SPLITS_SHOWN:
            lines.append(f"…and {len(server.splits) - SPLITS_SHOWN} more.")
        if not server.splits:
            lines.append("You order no two items you ranked the other way round.")
        fields.append(("Where you split from the server", "\n".join(lines)))
    fields.append(("Compared with the author", sides_sentence(author, items, "the author")))
    return fields


def _split_line(debate: Debate, split: Split[int]) -> str:
    mine, theirs = safe(debate.item(split.mine).name), safe(debate.item(split.theirs).name)
    if split.for_theirs > split.for_mine:
        server = (
            f"the server prefers **{theirs}**, "
            f"{plural(split.for_theirs, 'member')} to {split.for_mine:,}"
        )
    else:
        server = (
            f"the server's order puts **{theirs}** first, though members split "
            f"{split.for_mine:,} for yours to {split.for_theirs:,}"
        )
    return clip(f"• You put **{mine}** above **{theirs}**; {server}.", 300)


def saved_at_text(created_at: datetime) -> str:
    """Discord renders these in each reader's own time zone and language."""
    return (
        f"saved {discord.utils.format_dt(created_at, 'f')}"
        f" ({discord.utils.format_dt(created_at, 'R')})"
    )


# -- the builder ----------------------------------------------------------------------------


def builder_embed(builder: BallotBuilder, *, timeout_minutes: int) -> discord.Embed:
    """What the builder shows: the order so far (its end, if long) and what to do next."""
    debate = builder.debate
    lines = tier_lines(debate, builder.tiers)
    shown = _tail(lines, _BUILDER_ORDER_BUDGET)
    parts: list[str] = []
    if not lines:
        parts.append("Nothing ranked yet: pick your favourite from the menu, or **Paste…** a list.")
    else:
        if len(shown) < len(lines):
            parts.append(f"*… {len(lines) - len(shown)} places above, all kept …*")
        parts.append("\n".join(shown))
    left = len(builder.remaining)
    if left == 0:
        parts.append("\nEvery item is ranked. **Save** when you're happy with it.")
    elif builder.tiers:
        parts.append(
            f"\n**Next:** pick #{builder.next_position}. {left} left; "
            "the ones you don't pick count below every ranked one."
        )
    else:
        parts.append(f"\n{left} items to rank. A partial order is fine.")
    if builder.notice:
        parts.append(f"\n{builder.notice}")
    embed = discord.Embed(
        title=clip(f"{builder.heading}: {debate.title}", EMBED_TITLE),
        description="\n".join(parts),
        colour=COLOUR,
    )
    if builder.reason:
        embed.add_field(name="Why", value=clip(safe(builder.reason), FIELD_VALUE), inline=False)
    footer = f"Only you can see this · closes after {minutes(timeout_minutes)} without a click"
    if builder.page_count > 1:
        footer = f"Menu page {builder.page + 1}/{builder.page_count} · " + footer
    embed.set_footer(text=footer)
    return embed


def builder_closed_embed(builder: BallotBuilder, message: str) -> discord.Embed:
    """The builder after Cancel or a timeout: nothing saved, and the order so far to reuse."""
    text = message
    if builder.tiers:
        order = safe(order_text(builder.debate, builder.tiers))
        if len(order) <= 3000:
            text += f"\n\nYour order so far, to use with `/vote order:`\n{order}"
        else:
            text += "\n\nYour order so far was too long to show here; `/vote` starts again."
    return discord.Embed(
        title=clip(f"{builder.heading}: {builder.debate.title}", EMBED_TITLE),
        description=text,
        colour=discord.Colour.light_grey(),
    )


def minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def menu_option_label(item: Item) -> str:
    return clip(item.name, 100)


def menu_placeholder(builder: BallotBuilder) -> str:
    text = f"Pick #{builder.next_position}"
    if builder.page_count > 1:
        items = builder.page_items
        first, last = clip(items[0].name, 30), clip(items[-1].name, 30)
        text += f" · page {builder.page + 1}/{builder.page_count}: {first} … {last}"
    return clip(text, 150)


def _tail(lines: Sequence[str], budget: int) -> list[str]:
    """The last lines that fit ``budget`` characters: the builder shows where you are."""
    kept: list[str] = []
    used = 0
    for line in reversed(lines):
        line = clip(line, budget)
        if kept and used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return kept[::-1]


def _wrap(
    prefix: str, names: Sequence[str], joiner: str, *, line_end: str, continuation: str
) -> list[str]:
    """``prefix`` + names joined, broken into lines of at most ``_LINE_LIMIT`` characters.

    A tie of 200 long names would otherwise be one line longer than a page.
    """
    lines: list[str] = []
    current = prefix
    for index, name in enumerate(names):
        piece = name if index == 0 else joiner + name
        if index and len(current) + len(piece) > _LINE_LIMIT:
            lines.append(current + line_end)
            current = continuation + name
        else:
            current += piece
    lines.append(current)
    return lines
