"""What admins see: summaries of a change to a debate, the settings, the ballots as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

import discord

from bot.debate_rules import describe_results, describe_voters
from bot.edit_plans import EditPlan
from bot.models import Ballot, Debate, GuildSettings, VoterRules
from bot.render.debate import COLOUR
from bot.render.text import MESSAGE_CONTENT, clip, safe


def names(items: Sequence[str], *, limit: int = 10) -> str:
    shown = ", ".join(f"**{safe(name)}**" for name in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def change_lines(plan: EditPlan, touched: int) -> list[str]:
    """What a change does, one line per kind of change; empty when it changes nothing."""
    lines: list[str] = []
    before, after = plan.before, plan.spec
    if before.title != after.title:
        lines.append(f"Title: **{safe(after.title)}**")
    if before.question != after.question:
        lines.append("Question changed.")
    if plan.added:
        lines.append(f"Added (unranked on existing ballots): {names(plan.added)}")
    if plan.renamed:
        renames = [f"{safe(old)} → **{safe(new)}**" for old, new in plan.renamed[:10]]
        more = len(plan.renamed) - len(renames)
        lines.append(
            "Renamed (ballots kept): "
            + ", ".join(renames)
            + (f" and {more} more" if more > 0 else "")
        )
    if plan.removed:
        lines.append(
            f"Removed: {names([item.name for item in plan.removed])}"
            f" — taken off {_ballots(touched)}"
        )
    if plan.reasons_changed:
        lines.append(f"Reasons changed: {plan.reasons_changed}")
    if plan.reordered:
        lines.append("The author's order changed.")
    if (before.author, before.source) != (after.author, after.source):
        lines.append("Author changed.")
    return lines


def stale_edit_message(current: Debate) -> str:
    """An edit refused because the debate changed since the form opened, with the debate
    as it is now, so the admin can redo their change on top of the other one."""
    items = "\n".join(
        f"{position}. {safe(item.name)}" for position, item in enumerate(current.items, 1)
    )
    text = (
        f"Someone else changed this debate; here is the current version. I saved nothing: "
        f"run `/debate edit` again to make your change on top of theirs.\n"
        f"**{safe(current.title)}**\n{safe(current.question)}\n{items}"
    )
    return clip(text, MESSAGE_CONTENT)


def saved_message(plan: EditPlan, touched: int) -> str:
    lines = change_lines(plan, touched)
    if not lines:
        return f"Nothing changed in **{safe(plan.spec.title)}**."
    return clip(f"Saved **{safe(plan.spec.title)}**.\n" + "\n".join(lines), MESSAGE_CONTENT)


def removal_prompt(plan: EditPlan, touched: int) -> str:
    """The question asked before a change that removes items, and what it would do."""
    one = len(plan.removed) == 1
    if touched:
        ranks = "ranks" if touched == 1 else "rank"
        effect = (
            f"{_ballots(touched, capital=True)} {ranks} {'it' if one else 'them'}: "
            f"{'it is' if one else 'they are'} taken off those ballots for good, and the rest "
            "of each ballot stays."
        )
    else:
        effect = f"No ballot ranks {'it' if one else 'them'} yet."
    removed = names([item.name for item in plan.removed])
    text = (
        f"This removes {removed} from **{safe(plan.before.title)}**. {effect}\n\n"
        "The whole change:\n" + "\n".join(change_lines(plan, touched))
    )
    return clip(text, MESSAGE_CONTENT)


def _ballots(count: int, *, capital: bool = False) -> str:
    if count == 0:
        return "No ballot" if capital else "no ballot"
    return "1 ballot" if count == 1 else f"{count} ballots"


def settings_embed(
    settings: GuildSettings,
    *,
    current: Debate | None,
    method_label: str,
    factions: tuple[int, int],
) -> discord.Embed:
    """The server's settings; ``factions``: the voters and group size /factions uses there."""
    embed = discord.Embed(title="Settings", colour=COLOUR)
    embed.add_field(
        name="min_voters",
        value=f"{settings.min_voters} — results show once this many members ranked a debate",
        inline=False,
    )
    embed.add_field(
        name="hide_members",
        value=(
            "yes — results and exports don't show who ranked what"
            if settings.hide_members
            else "no — results and exports may show who ranked what"
        ),
        inline=False,
    )
    embed.add_field(
        name="pseudonymous_exports",
        value=(
            "yes — CSV exports name members by a pseudonym, the same in every export of a debate"
            if settings.pseudonymous_exports
            else "no — CSV exports show members' Discord ids"
        ),
        inline=False,
    )
    embed.add_field(name="default_method", value=method_label, inline=False)
    voters, size = factions
    own = settings.faction_min_voters is not None, settings.faction_min_size is not None
    embed.add_field(
        name="faction_min_voters",
        value=f"{voters}{'' if own[0] else ' (the bot-wide default)'} — "
        "/factions looks for factions once this many members ranked a debate",
        inline=False,
    )
    embed.add_field(
        name="faction_min_size",
        value=f"{size}{'' if own[1] else ' (the bot-wide default)'} — "
        "a faction has at least this many members",
        inline=False,
    )
    embed.add_field(
        name="admin_role",
        value=(
            f"<@&{settings.admin_role_id}> and members with Manage Server"
            if settings.admin_role_id
            else "none — only members with Manage Server"
        ),
        inline=False,
    )
    embed.add_field(name="results", value=describe_results(settings.results), inline=False)
    embed.add_field(
        name="who may vote (voter_role, min_member_days)",
        value=describe_voters(
            VoterRules(settings.voter_role_id, settings.min_member_days)
        ).capitalize()
        + " — `/debate rules` can change it for one debate",
        inline=False,
    )
    embed.add_field(
        name="current debate",
        value=f"**{safe(current.title)}** (`{current.slug}`)" if current else "none yet",
        inline=False,
    )
    embed.set_footer(
        text="Change them with /settings and an option; /debate current picks the debate"
    )
    return embed


# A spreadsheet runs a cell that starts with one of these as a formula; member reasons and
# item names are user text, so such cells get a leading apostrophe (the usual defence).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def ballots_csv(
    debate: Debate, ballots: Sequence[Ballot], voter: Callable[[int], str] | None = None
) -> str:
    """One row per ballot: who (``voter`` of the member id, e.g. a pseudonym; else the id),
    when it was saved (UTC), the order by name, the reason.

    Ranks are ``>`` and ties ``=``, as members type them; unranked items are left out.
    """
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(ballot_rows(debate, ballots, voter))
    return out.getvalue()


def ballot_rows(
    debate: Debate, ballots: Sequence[Ballot], voter: Callable[[int], str] | None = None
) -> Iterator[list[str]]:
    """The rows of :func:`ballots_csv`, header first, one at a time."""
    yield ballot_header(voter)
    yield from ballot_lines(debate, ballots, voter)


def ballot_header(voter: Callable[[int], str] | None = None) -> list[str]:
    return ["member_id" if voter is None else "voter", "time", "ballot", "reason"]


def ballot_lines(
    debate: Debate, ballots: Iterable[Ballot], voter: Callable[[int], str] | None = None
) -> Iterator[list[str]]:
    """One row per ballot (see :func:`ballots_csv`), without the header. Items no longer in
    the debate are left out, as the tallies leave them out, and a ballot left with none."""
    by_id = {item.id: item.name for item in debate.items}
    for ballot in ballots:
        tiers = [
            names for tier in ballot.tiers if (names := [by_id[i] for i in tier if i in by_id])
        ]
        if not tiers:
            continue
        yield [
            str(ballot.member_id) if voter is None else voter(ballot.member_id),
            ballot.created_at.isoformat(timespec="seconds"),
            _cell(" > ".join(" = ".join(names) for names in tiers)),
            _cell(ballot.reason or ""),
        ]


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
