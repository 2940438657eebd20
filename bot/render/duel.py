"""Duels as members see them: the offer with its question counts, then one question at a time."""

from __future__ import annotations

import discord

from bot.duels import DuelOffer, DuelTurn
from bot.models import Debate
from bot.ranking.duel import Bounds, Unit
from bot.render.ballot import tier_lines
from bot.render.text import EMBED_DESCRIPTION, EMBED_TITLE, clip, safe
from bot.render.words import MATCH_UP

COLOUR = discord.Colour.from_rgb(230, 150, 20)
# An author's reason is shown under an item only when it is short enough to read on a
# phone between two taps; a long one would push the buttons off the screen.
SHORT_REASON = 200
# Places listed under the question; a 200-item order would drown it.
_SETTLED_SHOWN = 10
_NAME = 150


def goal_label(goal: int | None) -> str:
    return "Full order" if goal is None else f"Top {goal}"


def goal_bound(figures: Bounds, goal: int | None) -> int:
    return {3: figures.top3, 10: figures.top10}.get(goal or 0, figures.full)


def answers(count: int) -> str:
    return f"{count:,} answer" + ("" if count == 1 else "s")


def offer_embed(offer: DuelOffer, *, refining: bool) -> discord.Embed:
    """What /duel shows first: how it works and how many answers each stop takes."""
    debate = offer.debate
    figures = offer.bounds_for(refining)
    lines = [
        f"**{safe(debate.question)}**",
        "",
        f"Answer “this or that?” one {MATCH_UP} at a time (**Same** when you can't split "
        "them). Your answers settle your ranking from the top down, so you can stop whenever you "
        "like: **Save what I have** keeps the places already settled, nothing more.",
        "",
    ]
    if refining and offer.ballot is not None:
        kept = len(offer.ballot.ranked_ids)
        lines += [
            f"You have a ballot placing {kept} of {len(debate.items)} items. This starts "
            f"from it and asks only about the {figures.items} it leaves out.",
            "",
        ]
    elif offer.ballot is not None:
        lines += ["This starts afresh; saving replaces your ballot (its reason is kept).", ""]
    lines.append(f"**How many answers, at most** ({figures.items} items to place)")
    for goal in offer.goals(refining):
        lines.append(f"· {goal_label(goal)}: {answers(goal_bound(figures, goal))}")
    lines += ["", "Pick where to stop; you can always stop earlier or go on later."]
    return _embed(debate, "\n".join(lines), footer="Only you see this.")


def turn_embed(turn: DuelTurn) -> discord.Embed:
    """The question, the two sides (with the author's short reasons), what is settled."""
    duel, debate = turn.duel, turn.debate
    lines: list[str] = []
    if turn.notice:
        lines += [turn.notice, ""]
    lines.append(f"**{safe(debate.question)}**")
    if duel.question is not None:
        side_a, side_b = duel.question
        lines += ["", *_side(debate, "🅰", side_a), "", *_side(debate, "🅱", side_b)]
    else:
        lines += ["", "Every item is placed."]
    lines += ["", *settled_lines(turn)]
    return _embed(debate, "\n".join(lines), footer=progress_text(turn))


def settled_lines(turn: DuelTurn) -> list[str]:
    duel = turn.duel
    if not duel.settled:
        return [
            f"Nothing is settled yet: your first place comes within "
            f"{answers(duel.answers_to_place(1))}."
        ]
    shown = tier_lines(turn.debate, duel.settled[:_SETTLED_SHOWN])
    lines = [f"**Settled so far** ({duel.placed_count} of {duel.total}):", *shown]
    hidden = len(duel.settled) - _SETTLED_SHOWN
    if hidden > 0:
        lines.append(f"… and {hidden} more place{'s' if hidden != 1 else ''}")
    return lines


def progress_text(turn: DuelTurn) -> str:
    """``Question 4 of at most 11 · for your top 3``."""
    duel = turn.duel
    if duel.question is None:
        return f"{answers(duel.asked)} given · done"
    goal = "full order" if duel.goal is None else f"top {duel.goal}"
    return f"Question {duel.asked + 1} of at most {duel.bound():,} · for your {goal}"


def cancelled_embed(debate: Debate) -> discord.Embed:
    return _embed(
        debate,
        "Duel cancelled. Nothing was saved; any ballot you saved before still counts.",
        footer="/duel starts a new one.",
    )


def saved_headline(turn_places: int, total: int, *, replaced: bool, go_on: bool) -> str:
    """The first line of the ballot reply after a duel saved."""
    what = "your full order" if turn_places >= total else f"your top {turn_places}"
    headline = f"Saved {what} from your duel answers"
    headline += "; it replaces your earlier ballot." if replaced else "."
    if go_on:
        headline += " **Keep going** picks up where you stopped."
    return headline


def _side(debate: Debate, mark: str, unit: Unit) -> list[str]:
    names = " = ".join(safe(clip(debate.item(item_id).name, _NAME)) for item_id in unit)
    lines = [f"{mark} **{names}**"]
    if len(unit) == 1:
        reason = debate.item(unit[0]).reason.strip()
        if reason and len(reason) <= SHORT_REASON:
            lines.append("> " + safe(" ".join(reason.split())))
    elif len(unit) > 1:
        lines.append("> you said these are the same")
    return lines


def _embed(debate: Debate, description: str, *, footer: str) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"⚔️ Duel: {safe(debate.title)}", EMBED_TITLE),
        description=clip(description, EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    return embed.set_footer(text=footer)
