"""Leaderboards: the items (place, score, first places, average place, movement) and the
members (agreement with the consensus and with the author; contrarians)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import discord
import numpy as np

from bot.models import Debate
from bot.ranking import ConsensusResult, DisagreementSummary, MemberAgreements
from bot.render.paging import paginate_lines
from bot.render.results import (
    COLOUR,
    item_names,
    place_labels,
    plural,
    provisional_note,
    unranked_line,
    unranked_tail,
)
from bot.render.text import EMBED_TITLE, clip, safe
from bot.render.words import MATCH_UPS, of_match_ups

# Member boards show at most this many members in all: beyond a few pages, nobody reads on.
MEMBER_BOARD_LIMIT = 200
MEMBERS_PER_PAGE = 20
SIDE_LIST = 5


class TallyLike(Protocol):
    items: tuple[int, ...]
    voters: int

    @property
    def margins(self) -> np.ndarray: ...

    @property
    def position_counts(self) -> np.ndarray: ...

    def mean_positions(self) -> np.ndarray: ...


def movement(before: int | None, now: int) -> str:
    if before is None:
        return "🆕"
    if before == now:
        return "＝"
    return f"▲{before - now}" if now < before else f"▼{now - before}"


def item_board_pages(
    debate: Debate,
    result: ConsensusResult[int],
    tally: TallyLike,
    *,
    previous: Mapping[int, int] | None,
    min_voters: int,
) -> list[discord.Embed]:
    """Items in consensus order with their score, first places, average place and movement.

    ``previous`` maps item ids to their place in the last summary (None: no summary yet).
    """
    names = item_names(debate)
    labels = place_labels(result)
    index = {key: i for i, key in enumerate(tally.items)}
    firsts = np.asarray(tally.position_counts)[:, 0] if tally.items else np.zeros(0)
    means = tally.mean_positions()
    margins = tally.margins
    ranked_by = result.ranked_by or {}
    tail = unranked_tail(result)
    collapsed = set(tail)
    lines = []
    for key in result.ranking:
        if key in collapsed:
            break
        i = index[key]
        parts = [f"`{labels[key]:>4}` **{names[key]}**"]
        if result.scores is not None and key in result.scores:
            parts.append(f"{_score(result.scores[key])} {result.score_label}")
        else:
            # Wins and losses against other items, never "5–0", which /consensus uses for
            # members on each side of one matchup.
            won, lost = int((margins[i] > 0).sum()), int((margins[i] < 0).sum())
            parts.append(f"{plural(won, 'win')}, {plural(lost, 'loss', 'losses')} head to head")
        parts.append(f"🥇 {int(firsts[i])}")
        parts.append(
            "avg —"
            if np.isnan(means[i])
            else f"avg {means[i]:.1f} ({ranked_by.get(key, 0):,} ranked it)"
        )
        if previous is not None:
            parts.append(movement(previous.get(key), result.place(key)))
        lines.append(" · ".join(parts))
    if tail:
        lines.append(unranked_line(tail, names, result.place(tail[0])))
    title = clip(f"Item leaderboard: {safe(debate.title)}", EMBED_TITLE)
    header = (
        f"**{plural(result.voters, 'voter')}** · places by {result.label}. "
        "🥇 first places (ties included) · avg: average place among the members who ranked it"
    )
    if previous is not None:
        header += " · ▲▼ movement since the last summary"
    note = provisional_note(result.voters, min_voters)
    if note:
        header += "\n" + note
    bodies = paginate_lines(lines or ["This debate has no items."], budget=3800 - len(header))
    pages = []
    for number, body in enumerate(bodies, start=1):
        embed = discord.Embed(title=title, description=f"{header}\n\n{body}", colour=COLOUR)
        footer = (
            "No summary has been posted yet: movement shows from the next one on."
            if previous is None
            else f"{len(debate.items)} items"
        )
        if len(bodies) > 1:
            footer = f"Page {number}/{len(bodies)} · {footer}"
        pages.append(embed.set_footer(text=footer))
    return pages


def _score(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.2f}".rstrip("0")


def member_board_pages(
    debate: Debate, summary: DisagreementSummary[int, int], *, min_voters: int
) -> list[discord.Embed]:
    """Crowd whisperers (closest to the consensus), the author's allies and the contrarians.

    Servers that hide member-level results never get here: the caller refuses first.
    """
    members = summary.members
    title = clip(f"Member leaderboard: {safe(debate.title)}", EMBED_TITLE)
    whisperers = _ranked(members.members, members.consensus_agreed, members.consensus_compared)
    if not whisperers:
        return [
            discord.Embed(
                title=title,
                description="No member has ranked two items of this debate yet.",
                colour=COLOUR,
            )
        ]
    shown = whisperers[:MEMBER_BOARD_LIMIT]
    lines = [
        f"`{n:>3}.` <@{member}> — **{share:.0%}** with the server ({of_match_ups(agreed, compared)})"
        + _author_part(members, member)
        for n, (member, share, agreed, compared) in enumerate(shown, start=1)
    ]
    header = (
        "**Crowd whisperers** — whose ranking is closest to the server's: the share of "
        f"{MATCH_UPS} they call as the consensus does."
    )
    note = provisional_note(summary.voters, min_voters)
    if note:
        header += "\n" + note
    chunks = [lines[i : i + MEMBERS_PER_PAGE] for i in range(0, len(lines), MEMBERS_PER_PAGE)]
    side_fields = _side_fields(members)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        body = paginate_lines(chunk, budget=3000)[0]
        embed = discord.Embed(title=title, description=f"{header}\n\n{body}", colour=COLOUR)
        if number == 1:
            for name, value in side_fields:
                embed.add_field(name=name, value=value, inline=False)
        footer = f"{plural(len(whisperers), 'member')} ranked"
        if len(whisperers) > len(shown):
            footer += f" · the top {len(shown)} are listed"
        if len(chunks) > 1:
            footer = f"Page {number}/{len(chunks)} · {footer}"
        pages.append(embed.set_footer(text=footer))
    return pages


def _ranked(
    members: list[int], agreed: np.ndarray, compared: np.ndarray
) -> list[tuple[int, float, int, int]]:
    """Members who compared any pair, by share agreed (then more pairs) best first."""
    agreed = np.asarray(agreed)
    compared = np.asarray(compared)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(compared > 0, agreed / np.maximum(compared, 1), -1.0)
    order = np.lexsort((-compared, -share))
    return [
        (members[i], float(share[i]), int(agreed[i]), int(compared[i]))
        for i in order.tolist()
        if compared[i] > 0
    ]


def _author_part(members: MemberAgreements[int], member: int) -> str:
    with_author = members.with_author(member)
    if with_author is None or with_author.share is None:
        return ""
    return f" · {with_author.share:.0%} with the author"


def _side_fields(members: MemberAgreements[int]) -> list[tuple[str, str]]:
    # A third of the members at most: in a server of five, "the five closest to the author"
    # would list everyone, and so would "the five contrarians".
    count = min(SIDE_LIST, len(members.members) // 3)
    if count < 1:
        return []
    fields = []
    if members.author_agreed is not None and members.author_compared is not None:
        allies = _ranked(members.members, members.author_agreed, members.author_compared)
        if allies:
            fields.append(
                (
                    "✍️ Closest to the author",
                    "\n".join(
                        f"<@{m}> — **{s:.0%}** ({of_match_ups(a, c)})"
                        for m, s, a, c in allies[:count]
                    ),
                )
            )
    contrarians = members.least_in_line(count)
    if contrarians:
        fields.append(
            (
                "🙃 Contrarians — furthest from the server",
                "\n".join(
                    f"<@{m}> — **{a.share:.0%}** ({of_match_ups(a.agreed, a.compared)})"
                    for m, a in contrarians
                    if a.share is not None
                ),
            )
        )
    return fields
