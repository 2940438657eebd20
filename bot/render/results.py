"""Embeds for the server's consensus and its head-to-head table.

Every function returns pages: a list of embeds, each within Discord's limits on its own and
small enough that callers can send one page per message. Names come from
:func:`item_names`, already escaped, so engine text helpers can insert them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import discord
import numpy as np

from bot.models import Debate
from bot.ranking import ConsensusResult, Cycle, Matchup
from bot.render.paging import paginate_lines
from bot.render.text import EMBED_TITLE, clip, safe

COLOUR = discord.Colour.from_rgb(200, 30, 45)
PROVISIONAL_COLOUR = discord.Colour.from_rgb(150, 150, 160)
# Item names are up to 80 characters in the catalog; admin-made ones may be longer. Lists
# stay scannable on a phone when a name takes at most about a line and a half.
NAME_LIMIT = 90
# One page's description: with its title and footer it fits a card's 4,000 characters
# (bot/ui.py, Components V2), and an embed's 4,096.
PAGE_BUDGET = 3500

Names = Mapping[int, str]

NUMBERS_LABEL = "Show the numbers"


class TallyLike(Protocol):
    items: tuple[int, ...]
    voters: int

    @property
    def wins(self) -> np.ndarray: ...


def item_names(debate: Debate, limit: int = NAME_LIMIT) -> dict[int, str]:
    """Item id -> display name: whitespace collapsed, clipped, markdown escaped, unpingable."""
    return {item.id: safe(clip(" ".join(item.name.split()), limit)) for item in debate.items}


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def provisional_note(voters: int, min_voters: int) -> str | None:
    """What is missing before the order counts, or None once enough members voted."""
    if voters >= min_voters:
        return None
    more = min_voters - voters
    return (
        f"⏳ **Provisional:** {plural(voters, 'member')} ranked this so far; "
        f"{plural(more, 'more voter')} needed before the order counts "
        f"(this server asks for {min_voters})."
    )


def how_counted(result: ConsensusResult[int]) -> str:
    return f"**{plural(result.voters, 'voter')}** · {result.label}\n*How this was counted:* {result.description}"


def place_labels(result: ConsensusResult[int]) -> dict[int, str]:
    """Item -> "1", or "=2" for items sharing a place."""
    labels: dict[int, str] = {}
    place = 1
    for tier in result.order:
        for key in tier:
            labels[key] = f"={place}" if len(tier) > 1 else str(place)
        place += len(tier)
    return labels


def unranked_tail(result: ConsensusResult[int]) -> list[int]:
    """The items at the bottom that no member ranked: shown as one line, not one each.

    Nobody ranked them, so they share the last place by every method, and a line each
    ("level with … 0–0") would only bury the items members did rank.
    """
    counts = result.ranked_by or {}
    tail: list[int] = []
    for key in reversed(result.ranking):
        if counts.get(key, 0) > 0:
            break
        tail.append(key)
    return tail[::-1] if result.voters else []


def unranked_line(keys: Sequence[int], names: Names, place: int, budget: int = 700) -> str:
    """ "`=13` *18 items nobody has ranked yet:* A, B, … and 9 more"."""
    shown: list[str] = []
    used = 0
    for key in keys:
        name = names.get(key, str(key))
        if shown and used + len(name) + 2 > budget:
            break
        shown.append(name)
        used += len(name) + 2
    rest = len(keys) - len(shown)
    listed = ", ".join(shown) + (f" and {rest:,} more" if rest else "")
    label = f"={place}" if len(keys) > 1 else str(place)
    what = plural(len(keys), "item nobody has", "items nobody has")
    return f"`{label:>4}` *{what} ranked yet:* {listed}"


def consensus_lines(result: ConsensusResult[int], names: Names) -> list[str]:
    """One line per item: its place, its name and the method's own reason for that place.

    Head-to-head methods give the matchup with the next item (in members); Copeland its
    wins and losses; Borda its points; mean position its average place and how many ranked
    it. Items nobody ranked close the list as one line.
    """
    labels = place_labels(result)
    tail = unranked_tail(result)
    collapsed = set(tail)
    following: dict[int, Matchup[int]] = {m.above: m for m in result.pairs}
    lines = []
    for key in result.ranking:
        if key in collapsed:
            break
        line = f"`{labels[key]:>4}` **{names.get(key, str(key))}**"
        reason = _method_words(result, key, following.get(key), names, collapsed)
        if reason:
            line += f" — {reason}"
        lines.append(line)
    if tail:
        lines.append(unranked_line(tail, names, result.place(tail[0])))
    return lines


def _method_words(
    result: ConsensusResult[int],
    key: int,
    matchup: Matchup[int] | None,
    names: Names,
    collapsed: set[int],
) -> str | None:
    score = (result.scores or {}).get(key)
    ranked = (result.ranked_by or {}).get(key, 0)
    if result.method == "borda" and score is not None:
        return f"{format_points(score)} Borda points"
    if result.method == "mean_position":
        if score is None:
            return None
        return f"average place {score:.1f}, ranked by {ranked} of {result.voters}"
    if result.method == "copeland" and score is not None:
        return _copeland_words(result, key)
    if matchup is None or matchup.below in collapsed:
        return None
    return _margin_words(matchup, names)


def format_points(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.1f}"


def _copeland_words(result: ConsensusResult[int], key: int) -> str:
    wins, losses = (result.record or {}).get(key, (0, 0))
    return f"wins {plural(wins, 'head-to-head')}, loses {losses:,} (score {wins - losses:+d})"


def _margin_words(matchup: Matchup[int], names: Names) -> str:
    """The next item and how many members prefer each: never a bare "5–1", which on the
    leaderboard means wins and losses."""
    below = names.get(matchup.below, str(matchup.below))
    a, b = matchup.above_wins, matchup.below_wins
    if a == b == 0:
        return f"level with {below}: no member has ordered the two"
    if a == b:
        return f"level with {below}: {plural(a, 'member')} each way"
    if matchup.tied:
        # Tied in the order although one side wins head to head: a cycle evens them out.
        return f"tied with {below}, though preferred to it {_members_to(a, b)} (a majority cycle)"
    if a > b:
        return f"preferred to {below} {_members_to(a, b)}"
    # Only a majority cycle puts an item above one most members prefer to it.
    return f"above {below}, though {below} is preferred {_members_to(b, a)} (a majority cycle)"


def _members_to(more: int, fewer: int) -> str:
    return f"by {plural(more, 'member')} to {fewer:,}"


def cycle_text(cycles: Sequence[Cycle[int]], names: Names, limit: int = 2) -> str | None:
    """Majority cycles in words with their numbers: "**II** beats **IV** 7–5, …"."""
    if not cycles:
        return None
    lines = []
    for cycle in cycles[:limit]:
        steps = ", ".join(
            f"**{names.get(m.above, str(m.above))}** beats **{names.get(m.below, str(m.below))}**"
            f" {m.above_wins}–{m.below_wins}"
            for m in cycle.example
        )
        extra = len(cycle.items) - len(cycle.example)
        if extra > 0:
            steps += f" (and {plural(extra, 'other item')} caught up in it)"
        lines.append(clip(steps, 700))
    if len(cycles) > limit:
        lines.append(f"…and {plural(len(cycles) - limit, 'other cycle')}.")
    return "\n".join(lines)


def consensus_pages(
    debate: Debate,
    result: ConsensusResult[int],
    *,
    min_voters: int,
    closed: bool = False,
    budget: int = PAGE_BUDGET,
    cycles: bool = True,
) -> list[discord.Embed]:
    """The server's ranking, paged: how it was counted on every page, the order in pieces.

    A closed debate's ranking is final and says so; one nobody ranked says only that.
    ``cycles``: the majority cycles in words on the first page (a summary has them in a
    section of their own).
    """
    names = item_names(debate)
    word = "Final ranking" if closed else "Server ranking"
    title = clip(f"{word}: {safe(debate.title)}", EMBED_TITLE)
    if result.voters == 0:
        text = (
            "Nobody ranked this debate before voting closed, so it has no server ranking."
            if closed
            else "Nobody has ranked this debate yet: `/vote` to be the first. The server's "
            f"ranking shows here as members vote, and counts once {plural(min_voters, 'member')} "
            f"have ({result.label} counts it)."
        )
        embed = discord.Embed(title=title, description=text, colour=PROVISIONAL_COLOUR)
        return [embed.set_footer(text=plural(len(debate.items), "item"))]
    note = None if closed else provisional_note(result.voters, min_voters)
    header = how_counted(result)
    if closed:
        header = "🔒 **Voting is closed: this order is final.**\n" + header
    if note:
        header += "\n" + note
    colour = PROVISIONAL_COLOUR if note else COLOUR
    cycle_words = cycle_text(result.cycles, names) if cycles else None
    cycle_block = (
        f"\n\n🔁 **Majority cycle** — wins that go round in circles:\n{cycle_words}"
        if cycle_words
        else ""
    )
    # ``budget`` is the whole description; what the header and the cycles leave is the list's.
    room = max(budget - len(header) - len(cycle_block) - 2, 400)
    bodies = paginate_lines(consensus_lines(result, names), budget=room)
    pages: list[discord.Embed] = []
    for number, body in enumerate(bodies, start=1):
        description = f"{header}\n\n{body}" + (cycle_block if number == 1 else "")
        embed = discord.Embed(title=title, description=description, colour=colour)
        footer = f"{plural(len(debate.items), 'item')} · {result.label}"
        if len(bodies) > 1:
            footer = f"Page {number}/{len(bodies)} · {footer}"
        pages.append(embed.set_footer(text=footer))
    return pages


# -- the head-to-head table --------------------------------------------------------------

TABLE_COLUMNS = 8  # fits a phone held upright with 3-digit counts
TABLE_ROWS = 25
_LABEL = 14  # characters of an item's name in a row label


def head_to_head_pages(
    debate: Debate, result: ConsensusResult[int], tally: TallyLike
) -> list[discord.Embed]:
    """The full table of who beats whom, in consensus order, in blocks of rows × columns.

    Cell (row, column) counts the members who prefer the row's item to the column's. Big
    debates need many blocks: each page says which places it covers.
    """
    order = result.ranking
    n = len(order)
    index = {key: i for i, key in enumerate(tally.items)}
    rows_at = np.array([index[key] for key in order], dtype=np.intp)
    wins = np.asarray(tally.wins)[np.ix_(rows_at, rows_at)]
    width = max(len(str(int(wins.max(initial=0)))), len(str(n)), 2)
    labels = {key: _code_safe(name) for key, name in _plain_names(debate).items()}
    title = clip(f"Head to head: {safe(debate.title)}", EMBED_TITLE)
    legend = (
        "Each cell counts the members who prefer the **row's** item to the **column's**; "
        f"columns are places in the consensus ({result.label}, "
        f"{plural(result.voters, 'voter')})."
    )
    blocks = [
        (r, c) for r in range(0, max(n, 1), TABLE_ROWS) for c in range(0, max(n, 1), TABLE_COLUMNS)
    ]
    pages: list[discord.Embed] = []
    for number, (r0, c0) in enumerate(blocks, start=1):
        rows = range(r0, min(r0 + TABLE_ROWS, n))
        columns = range(c0, min(c0 + TABLE_COLUMNS, n))
        head = " " * (_LABEL + 6) + " ".join(f"{c + 1:>{width}}" for c in columns)
        lines = [head]
        for r in rows:
            label = f"{r + 1:>3}. {clip(labels[order[r]], _LABEL):<{_LABEL}}"
            cells = " ".join(f"{'—' if r == c else int(wins[r, c]):>{width}}" for c in columns)
            lines.append(f"{label} {cells}")
        table = "```\n" + "\n".join(lines) + "\n```"
        embed = discord.Embed(title=title, description=f"{legend}\n{table}", colour=COLOUR)
        if len(blocks) > 1:
            embed.set_footer(
                text=f"Page {number}/{len(blocks)} · rows {rows.start + 1}–{rows.stop},"
                f" columns {columns.start + 1}–{columns.stop}"
            )
        pages.append(embed)
    return pages


def _plain_names(debate: Debate) -> dict[int, str]:
    return {item.id: " ".join(item.name.split()) for item in debate.items}


def _code_safe(text: str) -> str:
    # Inside a code block markdown is not parsed, so escaping would show backslashes; only a
    # backtick could end the block early, so it becomes a look-alike.
    return text.replace("`", "ˋ")
