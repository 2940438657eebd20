"""What running a debate shows: hidden results, predictions and their scores, reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.deadlines import discord_timestamp
from bot.debate_rules import Hidden
from bot.models import Debate
from bot.ranking.predictions import PredictionScore
from bot.render.debate import COLOUR
from bot.render.paging import paginate_lines
from bot.render.text import EMBED_DESCRIPTION, EMBED_TITLE, MESSAGE_CONTENT, clip, safe
from bot.render.words import MATCH_UPS

PREDICTIONS_SHOWN = 10
# Discord lets a message ping at most 100 users it names in allowed_mentions; a mention is
# up to 23 characters, so 60 of them and a line of text stay well under 2,000 characters.
MENTIONS_PER_MESSAGE = 60


def hidden_embed(hidden: Hidden) -> discord.Embed:
    """A summary while results are hidden: how many ranked, and when results come out."""
    return discord.Embed(
        title=clip(safe(hidden.debate.title), EMBED_TITLE),
        description=hidden.line() + "\n\n`/vote` to rank it; `/predict` to guess the outcome.",
        colour=COLOUR,
    )


def preview_note(hidden: Hidden) -> str:
    return (
        "👁️ **Preview** — only you see this. Members see only how many have ranked "
        f"({hidden.voters:,}) until the results come out {hidden.when()}."
    )


def _place(score: PredictionScore[int], scores: Sequence[PredictionScore[int]]) -> str:
    shared = sum(1 for s in scores if s.place == score.place) > 1
    return f"{'=' if shared else ''}{score.place}."


def prediction_lines(scores: Sequence[PredictionScore[int]], *, hide_members: bool) -> list[str]:
    lines = []
    for score in scores:
        who = f"<@{score.member}>" if not hide_members else "a member"
        lines.append(
            f"{_place(score, scores)} {who} — {score.share:.0%} of {MATCH_UPS} right "
            f"({score.agreement.agreed:,}/{score.agreement.compared:,})"
        )
    return lines


def predictions_embed(
    debate: Debate, scores: Sequence[PredictionScore[int]], *, hide_members: bool
) -> discord.Embed | None:
    """The predictors' leaderboard in the reveal (its top); None when nobody predicted."""
    if not scores:
        return None
    lines = prediction_lines(scores[:PREDICTIONS_SHOWN], hide_members=hide_members)
    if len(scores) > PREDICTIONS_SHOWN:
        lines.append(
            f"…and {len(scores) - PREDICTIONS_SHOWN:,} more: `/leaderboard board:predictions`."
        )
    return discord.Embed(
        title="🔮 Who guessed the server best",
        description=clip("\n".join(lines), EMBED_DESCRIPTION // 2),
        colour=COLOUR,
    )


def prediction_board_pages(
    debate: Debate, scores: Sequence[PredictionScore[int]], *, hide_members: bool
) -> list[discord.Embed]:
    lines = prediction_lines(scores, hide_members=hide_members) or [
        "Nobody predicted this debate's outcome."
    ]
    pages = paginate_lines(lines)
    title = clip(f"🔮 Predictions: {debate.title}", EMBED_TITLE - 10)
    return [
        discord.Embed(
            title=title + (f" ({n}/{len(pages)})" if len(pages) > 1 else ""),
            description=body,
            colour=COLOUR,
        ).set_footer(text=f"Each guess scored by the {MATCH_UPS} it calls like the consensus")
        for n, body in enumerate(pages, start=1)
    ]


def reminder_messages(
    debate: Debate, closes_at: datetime, voters: int, waiting: Sequence[int]
) -> list[tuple[str, list[int]]]:
    """The reminder: one line for everyone, then the waiting members' mentions, split so
    each message stays within Discord's limits. Each part: (content, the users it pings)."""
    ranked = "1 member has" if voters == 1 else f"{voters:,} members have"
    line = (
        f"⏰ Voting on **{safe(debate.title)}** closes {discord_timestamp(closes_at)}, "
        f"{ranked} ranked so far. `/vote` to have your say."
    )
    line = clip(line, MESSAGE_CONTENT // 2)
    if not waiting:
        return [(line, [])]
    parts: list[tuple[str, list[int]]] = []
    for start in range(0, len(waiting), MENTIONS_PER_MESSAGE):
        chunk = list(waiting[start : start + MENTIONS_PER_MESSAGE])
        mentions = " ".join(f"<@{member}>" for member in chunk)
        text = f"{line}\n{mentions}" if start == 0 else mentions
        parts.append((text, chunk))
    return parts
