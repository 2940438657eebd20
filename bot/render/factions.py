"""Factions in words: the /factions embed, the /myvote lines and the summary section.

Members are named only as mentions (they render as names in embeds and never ping), and
not at all when the server hides member-level results: then a faction is its size, its
ranking and what sets it apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.models import Debate
from bot.ranking import METHODS, Agreement, Faction, Factions
from bot.render.results import Names, item_names, plural
from bot.render.text import EMBED_TITLE, FIELD_VALUE, clip, safe
from bot.render.words import MATCH_UP, match_ups

COLOUR = discord.Colour.from_rgb(120, 70, 200)
TOP_ITEMS = 5  # of each faction's own ranking, in the embed
MEMBERS_SHOWN = 8
SHARED_SHOWN = 3
IMAGE_NAME = "factions.png"

HOW_GROUPED = (
    "Members are grouped by how alike they rank: two ballots are as close as the share of "
    "match-ups (item against item) they both call the same way. Two to five groups, as many as split the members "
    "most cleanly (mean silhouette, 0.25 needed, and better than chance gives)."
)


def faction_name(result: Factions[int, int], faction: Faction[int, int], names: Names) -> str:
    """ "Faction A — team Rocky IV": after its favourite, unless another faction shares it."""
    top = faction.consensus.order[0] if faction.consensus.order else []
    tops = [f.consensus.order[0] if f.consensus.order else [] for f in result.factions]
    if len(top) == 1 and tops.count(top) == 1:
        return f"Faction {faction.letter} — team {names.get(top[0], str(top[0]))}"
    return f"Faction {faction.letter}"


def top_line(faction: Faction[int, int], names: Names, count: int = TOP_ITEMS) -> str:
    ranking = faction.consensus.ranking
    shown = " · ".join(
        f"{faction.consensus.place(key)}. {names.get(key, str(key))}" for key in ranking[:count]
    )
    return shown + (" · …" if len(ranking) > count else "")


def distinctive_line(faction: Faction[int, int], names: Names) -> str | None:
    if not faction.distinctive:
        return None
    parts = [
        f"{'⬆️' if d.higher else '⬇️'} **{names.get(d.item, str(d.item))}** "
        f"(on average {_place(d.faction_place)} here, {_place(d.others_place)} elsewhere)"
        for d in faction.distinctive
    ]
    return "Unlike the rest: " + "; ".join(parts)


def shared_lines(result: Factions[int, int], names: Names, count: int = SHARED_SHOWN) -> list[str]:
    return [
        f"**{names.get(p.above, str(p.above))}** above **{names.get(p.below, str(p.below))}** "
        f"(at least {p.share:.0%} in every faction)"
        for p in result.shared[:count]
    ]


def no_factions_text(result: Factions[int, int]) -> str:
    rules = result.rules
    if result.reason == "few_voters":
        return (
            f"Factions need at least {plural(rules.min_voters, 'member')} who each ranked "
            f"a few items; {result.placed:,} so far."
        )
    if result.reason == "small_groups":
        return (
            f"The only splits of the {plural(result.placed, 'member')} leave a group of fewer "
            f"than {rules.min_size}: no clear factions yet."
        )
    quality = "" if result.silhouette is None else f" (grouping quality {result.silhouette:.2f})"
    return (
        f"The {plural(result.placed, 'member')} don't split into clear camps{quality}: "
        "they broadly agree, or disagree in no pattern."
    )


def factions_embed(
    debate: Debate, result: Factions[int, int], *, hide_members: bool
) -> discord.Embed:
    """The /factions answer: each faction with its ranking and what sets it apart."""
    names = item_names(debate, limit=60)
    embed = discord.Embed(title=clip(f"Factions: {safe(debate.title)}", EMBED_TITLE), colour=COLOUR)
    if not result.clear:
        embed.description = no_factions_text(result)
        embed.set_footer(text=_footer(result))
        return embed
    method = METHODS[result.factions[0].consensus.method].label
    embed.description = (
        f"**{plural(result.placed, 'member')}** fall into **{len(result.factions)} factions**; "
        f"each faction's ranking is counted by {method} on its own ballots."
    )
    for faction in result.factions:
        lines = [top_line(faction, names)]
        if (line := distinctive_line(faction, names)) is not None:
            lines.append(line)
        if not hide_members:
            lines.append(_members_line(faction.members))
        embed.add_field(
            name=clip(
                f"{faction_name(result, faction, names)} · {plural(faction.size, 'member')} "
                f"({faction.size / result.placed:.0%})",
                256,
            ),
            value=_fit(lines),
            inline=False,
        )
    shared = shared_lines(result, names)
    if shared:
        embed.add_field(name="What every faction agrees on", value=_fit(shared), inline=False)
    embed.set_footer(text=_footer(result))
    return embed


def member_lines(
    result: Factions[int, int], number: int | None, closeness: Sequence[Agreement], names: Names
) -> list[str]:
    """For /myvote: the member's faction, and how often they side with each faction.

    In members' words: a match-up is one item against another ("Rocky IV or Rocky II?"),
    as the rest of /myvote says; "N of M" counts the match-ups both the member and the
    faction call one way.
    """
    if not result.clear:
        return []
    parts: list[str] = []
    for faction, agreement in zip(result.factions, closeness, strict=True):
        whose = f"Faction {faction.letter}'s" + (" majority" if not parts else "")
        if agreement.share is None:
            parts.append(f"{whose} in none (no {MATCH_UP} you both call)")
            continue
        # The first names what is counted; the rest follow it: "in 9 of 10".
        of = f"the {match_ups(agreement.compared)} you both call" if not parts else None
        parts.append(
            f"{whose} in {agreement.agreed:,} of {of or f'{agreement.compared:,}'} "
            f"({agreement.share:.0%})"
        )
    where = (
        f"You're in **{faction_name(result, result.factions[number - 1], names)}**."
        if number is not None
        else "You ranked too few items to be placed in a faction."
    )
    return [f"{where} Item against item, you side with {_and_list(parts)}."]


def _and_list(parts: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary_section(result: Factions[int, int], names: Names) -> str | None:
    """The factions section of a posted summary: a line per faction, None without factions."""
    if not result.clear:
        return None
    lines = [
        f"**{faction_name(result, f, names)}** ({plural(f.size, 'member')}): {top_line(f, names, 3)}"
        for f in result.factions
    ]
    shared = shared_lines(result, names, 1)
    if shared:
        lines.append("All agree: " + shared[0])
    return _fit(lines)


def summary_factions_embed(debate: Debate, result: Factions[int, int]) -> discord.Embed | None:
    """The factions section of a posted summary (no member named): None without factions."""
    section = summary_section(result, item_names(debate, limit=60))
    if section is None:
        return None
    return discord.Embed(title="Factions", description=section, colour=COLOUR).set_footer(
        text="/factions for what sets each apart"
    )


def _members_line(members: Sequence[int]) -> str:
    shown = ", ".join(f"<@{m}>" for m in members[:MEMBERS_SHOWN])
    more = len(members) - MEMBERS_SHOWN
    return f"Members: {shown}" + (f" and {more} more" if more > 0 else "")


def _footer(result: Factions[int, int]) -> str:
    rules = result.rules
    return clip(
        f"{HOW_GROUPED} Shown from {rules.min_voters} voters, in groups of {rules.min_size} or more.",
        2048,
    )


def _place(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _fit(lines: Sequence[str]) -> str:
    text = "\n".join(lines)
    return text if len(text) <= FIELD_VALUE else clip(text, FIELD_VALUE)
