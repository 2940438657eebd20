"""Embeds for the hottest disagreements, and the summary post that combines everything.

Numbers come from the engine's :class:`~bot.ranking.DisagreementSummary`; this module only
chooses what to show and words it. Member names are mentions (``<@id>``): they render as
names in embeds and never ping there; servers that hide member-level results get none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import discord

from bot.models import ChangesSince, Debate, Tiers
from bot.ranking import (
    Agreement,
    AuthorComparison,
    ConsensusResult,
    Contest,
    DisagreementSummary,
    ItemSpread,
    MemberPair,
)
from bot.render.results import (
    COLOUR,
    PAGE_BUDGET,
    PROVISIONAL_COLOUR,
    Names,
    consensus_pages,
    cycle_text,
    item_names,
    plural,
    provisional_note,
)
from bot.render.text import EMBED_TITLE, FIELD_VALUE, LAYOUT_TEXT, clip, embed_markdown, safe
from bot.render.words import MATCH_UP, match_ups

HOT_COLOUR = discord.Colour.from_rgb(235, 110, 20)
QUOTE_LIMIT = 220  # characters of one quoted reason
QUOTES_PER_SIDE = 2
CHART_NAME = "summary.png"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def percent(agreement: Agreement) -> str:
    share = agreement.share
    return "—" if share is None else f"{share:.0%}"


def agreement_words(share: float | None) -> str:
    """A share of agreeing pairs in plain words (0.5 is what two random orders give)."""
    if share is None:
        return "nothing to compare yet"
    if share >= 0.9:
        return "almost the same order"
    if share >= 0.7:
        return "broadly in line"
    if share >= 0.55:
        return "more alike than not"
    if share > 0.45:
        return "split down the middle"
    if share > 0.25:
        return "mostly at odds"
    return "nearly the reverse"


# -- the pieces of /hottest ---------------------------------------------------------------


def contest_lines(contests: Sequence[Contest[int]], names: Names, count: int = 3) -> list[str]:
    """The closest head-to-head splits; unanimous pairs are not disagreements."""
    split = [c for c in contests if c.matchup.below_wins > 0][:count]
    return [
        f"**{_name(names, c.matchup.above)}** vs **{_name(names, c.matchup.below)}**: "
        f"{c.matchup.above_wins}–{c.matchup.below_wins} among the "
        f"{plural(c.matchup.compared, 'member')} who ordered them"
        for c in split
    ]


def sparkline(distribution: Sequence[int], bins: int = 12) -> str:
    """Members per place as block characters, best place first; long lists in ranges."""
    if not distribution:
        return ""
    width = -(-len(distribution) // bins)
    counts = [sum(distribution[i : i + width]) for i in range(0, len(distribution), width)]
    top = max(counts) or 1
    blocks = "▁▂▃▄▅▆▇█"
    return "".join(blocks[round(c / top * (len(blocks) - 1))] if c else "·" for c in counts)


def polarizing_text(rows: Sequence[ItemSpread[int]], names: Names) -> str | None:
    """The item members place furthest apart, if any is: a small spread is agreement."""
    measured = [row for row in rows if row.spread is not None]
    if not measured:
        return None
    polarizing = [row for row in measured if row.polarizing]
    if not polarizing:
        return "None: members place every item within a few places of each other."
    row = polarizing[0]
    assert row.mean_place is not None and row.spread is not None
    places = len(row.distribution)
    line = (
        f"**{_name(names, row.item)}** — average place {row.mean_place:.1f}, "
        f"spread ±{row.spread:.1f} over {plural(row.ranked_by, 'member')} "
        f"(±{(places - 1) / 2:.1f} would be half first, half last)"
    )
    return f"{line}\n`1st {sparkline(row.distribution)} {ordinal(places)}`"


def author_text(
    comparison: AuthorComparison[int] | None, names: Names, count: int = 3
) -> str | None:
    if comparison is None:
        return None
    gaps = sorted(
        (r for r in comparison.rows if r.author_place is not None),
        key=lambda r: -abs(r.consensus_place - (r.author_place or 0)),
    )
    lines = [
        f"**{_name(names, r.item)}**: the author's {ordinal(r.author_place)}, "
        f"the server's {ordinal(r.consensus_place)}"
        for r in gaps[:count]
        if r.author_place is not None and r.author_place != r.consensus_place
    ]
    agreement = comparison.agreement
    items = len(comparison.rows)
    tied = items * (items - 1) // 2 - agreement.compared
    if agreement.compared and agreement.agreed == agreement.compared:
        # Every pair the server decides goes the author's way: no "almost" about it.
        if not tied:
            return "The server's order is exactly the author's."
        rest = f"the one remaining {MATCH_UP}" if tied == 1 else f"the other {match_ups(tied)}"
        overall = (
            f"The server calls every {MATCH_UP} it decides ({agreement.compared:,}) as the author "
            f"does, and ties {rest}."
        )
        return "\n".join([*lines, overall])
    overall = (
        f"Overall the server agrees with the author on {agreement.agreed} of "
        f"{match_ups(agreement.compared)} ({percent(agreement)}): "
        f"{agreement_words(agreement.share)}."
    )
    if tied == 1 and agreement.compared:
        overall += f" The server ties the one remaining {MATCH_UP}."
    elif tied > 1 and agreement.compared:
        overall += f" The server ties the other {match_ups(tied)}."
    if not lines:
        return overall
    return "\n".join([*lines, overall])


def rivals_text(summary: DisagreementSummary[int, int]) -> str | None:
    lines = []
    if summary.most_opposed is not None:
        lines.append("**Most opposed:** " + _pair_words(summary.most_opposed))
    if summary.closest_pair is not None and summary.closest_pair != summary.most_opposed:
        lines.append("**Kindred spirits:** " + _pair_words(summary.closest_pair))
    if not lines:
        return None
    if summary.rivalry_window < summary.voters:
        lines.append(f"*Among the {summary.rivalry_window:,} most recent ballots.*")
    return "\n".join(lines)


def _pair_words(pair: MemberPair[int]) -> str:
    return (
        f"<@{pair.first}> and <@{pair.second}> agree on {pair.agreement.agreed} of "
        f"{match_ups(pair.agreement.compared)} ({percent(pair.agreement)}) "
        f"of the {pair.common_items} items both ranked"
    )


@dataclass(frozen=True, slots=True)
class Quote:
    member_id: int
    text: str  # the part of the reason about the side's item


class Mentions:
    """Finds which items a reason names, by name or alias, as whole words.

    Overlapping names go to the longest: "Rocky Balboa" is not also a mention of "Rocky",
    nor "Rocky II" of "Rocky". One-character aliases ("V", "4") are too easily found in
    ordinary words and numbers, so they don't count.
    """

    def __init__(self, names: Mapping[int, Sequence[str]]) -> None:
        self._owner: dict[str, int] = {}
        for key, texts in names.items():
            for text in texts:
                folded = " ".join(text.casefold().split())
                if len(folded) >= 2:
                    self._owner.setdefault(folded, key)
        alternatives = sorted(self._owner, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")
            if alternatives
            else None
        )

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(item, start, end) of each mention, in order; ``text`` is casefolded first."""
        if self._pattern is None:
            return []
        folded = text.casefold()
        return [(self._owner[m[1]], m.start(), m.end()) for m in self._pattern.finditer(folded)]


_ENTRY = re.compile(r"\s*[–—:-]\s")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def about(reason: str, item: int, mentions: Mentions) -> str | None:
    """The part of ``reason`` about ``item``, or None when the reason doesn't name it.

    A reason is about the whole ballot; under a film we quote only what names that film:
    its sentence, or in a list pasted on one line ("IV – the snow II – Adrian wakes up")
    the stretch from its name to the next item's.
    """
    for sentence in _SENTENCE_END.split(reason):
        found = mentions.find(sentence)
        starts = [start for key, start, _ in found if key == item]
        if not starts:
            continue
        # Another film starting an entry of its own ("… Rocky II – when …") ends this part;
        # a film named in passing ("Apollo and Rocky on the beach") does not.
        entries = [start for key, start, end in found if _ENTRY.match(sentence, end)]
        if any(start != starts[0] for start in entries):
            following = [start for start in entries if start > starts[0]]
            stretch = sentence[starts[0] : following[0] if following else len(sentence)]
            stretch = stretch.strip(" –—-,;:")
            if len(stretch.split()) >= 4:
                return " ".join(stretch.split())
        return " ".join(sentence.split())
    return None


def quotes_for(
    contest: Contest[int],
    ballots: Mapping[int, Tiers] | Mapping[int, Sequence[Sequence[int]]],
    reasons: Mapping[int, str],
    per_side: int = QUOTES_PER_SIDE,
    *,
    mentions: Mentions,
) -> tuple[list[Quote], list[Quote]]:
    """Reasons of members on each side of ``contest`` (above first, then below).

    A quote for a side comes from a member who prefers that item and says something about
    it by name; a line about another film under this one would mislead. Only members who
    wrote a reason are looked at, so a debate with 100,000 ballots and a handful of reasons
    costs a handful of lookups.
    """
    above, below = contest.matchup.above, contest.matchup.below
    sides: tuple[list[Quote], list[Quote]] = ([], [])
    for member, reason in reasons.items():
        if not reason or not reason.strip() or member not in ballots:
            continue
        ranks = _ranks(ballots[member])
        unranked = len(ranks) + 1_000_000
        a, b = ranks.get(above, unranked), ranks.get(below, unranked)
        if a == b:
            continue
        side, item = (0, above) if a < b else (1, below)
        text = about(reason, item, mentions)
        if text:
            sides[side].append(Quote(member, text))
    return _pick(sides[0], per_side), _pick(sides[1], per_side)


def _ranks(tiers: Iterable[Iterable[int]]) -> dict[int, int]:
    return {key: number for number, tier in enumerate(tiers) for key in tier}


def _pick(candidates: list[Quote], count: int) -> list[Quote]:
    # Longer first (up to the quote length): a sentence says more than "lol".
    ranked = sorted(candidates, key=lambda q: -min(len(q.text), QUOTE_LIMIT))
    return ranked[:count]


def quotes_text(
    contest: Contest[int],
    quotes: tuple[list[Quote], list[Quote]],
    names: Names,
    *,
    hide_members: bool,
) -> str | None:
    if not quotes[0] and not quotes[1]:
        return None
    lines = []
    for side, key in zip(quotes, (contest.matchup.above, contest.matchup.below), strict=True):
        if not side:
            continue
        lines.append(f"*For {_name(names, key)}:*")
        for quote in side:
            text = clip(" ".join(quote.text.split()), QUOTE_LIMIT)
            who = "a member" if hide_members else f"<@{quote.member_id}>"
            lines.append(f"> {safe(text)} — {who}")
    return "\n".join(lines)


def hottest_embed(
    debate: Debate,
    summary: DisagreementSummary[int, int],
    *,
    ballots: Mapping[int, Tiers] | Mapping[int, Sequence[Sequence[int]]],
    reasons: Mapping[int, str],
    hide_members: bool,
    min_voters: int,
    closed: bool = False,
) -> discord.Embed:
    """Everything worth arguing about, in one embed of at most about 5,000 characters.

    A closed debate's ballots are all there will be: no "provisional", no "`/vote`".
    """
    names = item_names(debate)
    title = clip(f"Hottest disagreements: {safe(debate.title)}", EMBED_TITLE)
    note = None if closed else provisional_note(summary.voters, min_voters)
    colour = PROVISIONAL_COLOUR if note else HOT_COLOUR
    if summary.voters == 0:
        return discord.Embed(
            title=title,
            description="Nobody ranked this debate before voting closed: nothing to argue about."
            if closed
            else "Nothing to argue about yet: nobody has ranked this debate. `/vote` first!",
            colour=colour,
        )
    embed = discord.Embed(
        title=title,
        description=f"From {plural(summary.voters, 'ballot')}." + (f"\n{note}" if note else ""),
        colour=colour,
    )
    contests = contest_lines(summary.closest_contests, names)
    _field(
        embed,
        "🔥 Closest head-to-head contests",
        "\n".join(contests) or f"No splits yet: every {MATCH_UP} so far was decided unanimously.",
    )
    _field(embed, "🎭 Most polarizing", polarizing_text(summary.polarizing, names))
    _field(embed, "✍️ The server vs the author", author_text(summary.author, names))
    if not hide_members:
        _field(embed, "⚔️ Rivals", rivals_text(summary))
    _field(embed, "🔁 Majority cycle", cycle_text(summary.cycles, names))
    split = [c for c in summary.closest_contests if c.matchup.below_wins > 0]
    if split:
        contest = split[0]
        mentions = Mentions({item.id: (item.name, *item.aliases) for item in debate.items})
        quotes = quotes_for(contest, ballots, reasons, mentions=mentions)
        _field(
            embed,
            clip(
                f"💬 {_name(names, contest.matchup.above)} or {_name(names, contest.matchup.below)}?",
                256,
            ),
            quotes_text(contest, quotes, names, hide_members=hide_members),
        )
    if hide_members:
        embed.set_footer(text="This server hides member-level results.")
    return embed


def _field(embed: discord.Embed, name: str, value: str | None) -> None:
    if value:
        embed.add_field(name=name, value=_fit(value), inline=False)


def _fit(value: str) -> str:
    """Clip a field to Discord's 1,024 characters at a line break where possible."""
    if len(value) <= FIELD_VALUE:
        return value
    cut = value[: FIELD_VALUE - 2].rsplit("\n", 1)[0]
    return (cut if len(cut) > FIELD_VALUE // 2 else value[: FIELD_VALUE - 2]) + "\n…"


def _name(names: Names, key: int) -> str:
    return names.get(key, str(key))


# -- the summary post -----------------------------------------------------------------------


def changes_text(changes: ChangesSince, names: Names, limit: int = 5) -> str:
    if changes.first:
        return "This is the first summary of this debate here."
    parts = [
        f"{plural(changes.new_voters, 'new voter')} ({changes.voters_before:,} → {changes.voters_now:,})"
    ]
    if changes.changed_ballots:
        parts.append(f"{plural(changes.changed_ballots, 'member')} changed their ranking")
    lines = [", ".join(parts) + "."]
    if changes.method_changed:
        lines.append("The counting method changed since, so places may move for that reason.")
    moved = sorted(changes.moved, key=lambda m: -abs((m.before or m.now) - m.now))
    shown = [m for m in moved if m.before != m.now][:limit]
    if not shown:
        lines.append("No item moved.")
    for m in shown:
        if m.before is None:
            lines.append(f"🆕 **{_name(names, m.item)}** enters at {ordinal(m.now)}")
        else:
            arrow = "▲" if m.now < m.before else "▼"
            lines.append(
                f"{arrow}{abs(m.before - m.now)} **{_name(names, m.item)}** "
                f"({ordinal(m.before)} → {ordinal(m.now)})"
            )
    rest = len([m for m in moved if m.before != m.now]) - len(shown)
    if rest > 0:
        lines.append(f"…and {plural(rest, 'other item')} moved.")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SummaryMessage:
    embeds: list[discord.Embed]
    partial_ranking: bool  # the ranking shows only its first places


# A summary is sent as one Components V2 card (bot/ui.py): the text of all its sections
# within Discord's 4,000 characters, as the cards show it (text_size). The ranking is what
# members come for: it keeps at least this much and gets what the other sections leave.
RANKING_FLOOR = 1200
KEPT_HOTTEST_FIELDS = 1  # the closest contests


def text_size(embeds: Iterable[discord.Embed]) -> int:
    """The characters these embeds take as the text of cards."""
    return sum(len(embed_markdown(embed)) for embed in embeds)


def summary_embeds(
    debate: Debate,
    result: ConsensusResult[int],
    summary: DisagreementSummary[int, int],
    *,
    ballots: Mapping[int, Tiers] | Mapping[int, Sequence[Sequence[int]]],
    reasons: Mapping[int, str],
    hide_members: bool,
    min_voters: int,
    changes: ChangesSince,
    with_chart: bool,
    closed: bool = False,
    factions: discord.Embed | None = None,
    predictions: discord.Embed | None = None,
    budget: int = LAYOUT_TEXT,
) -> SummaryMessage:
    """The consensus (its first places), what changed, the factions, the hottest
    disagreements (with the chart) and, at a reveal, the best predictions: at most
    ``budget`` characters of text in all.

    What does not fit goes, least important first: the disagreements beyond the closest
    contests, the predictions (they have their own leaderboard), the closest contests, the
    factions. Big debates show the ranking's first places and say how to see the rest
    (the Full ranking button pages through all of it).
    """
    names = item_names(debate)
    hottest = hottest_embed(
        debate,
        summary,
        ballots=ballots,
        reasons=reasons,
        hide_members=hide_members,
        min_voters=min_voters,
        closed=closed,
    )
    if with_chart:
        hottest.set_image(url=f"attachment://{CHART_NAME}")
    since = discord.Embed(
        title="Since the last summary", description=changes_text(changes, names), colour=COLOUR
    )
    extras = [extra for extra in (factions, predictions) if extra is not None]
    room = budget - RANKING_FLOOR
    while text_size([since, *extras, hottest]) > room:
        if len(hottest.fields) > KEPT_HOTTEST_FIELDS:
            hottest.remove_field(len(hottest.fields) - 1)
        elif predictions is not None and any(e is predictions for e in extras):
            extras.pop()
        elif hottest.fields:
            hottest.remove_field(len(hottest.fields) - 1)
        elif extras:
            extras.pop()
        else:  # only with extreme text: the changes' lines are the last to go
            assert since.description is not None
            since.description = clip(since.description, max(len(since.description) // 2, 40))
            if len(since.description) <= 40:
                break
    ranking, partial = _ranking_within(
        debate, result, min_voters, closed, budget - text_size([since, *extras, hottest])
    )

    def kept(extra: discord.Embed | None) -> discord.Embed | None:
        return extra if any(e is extra for e in extras) else None

    order = (ranking, since, kept(factions), hottest, kept(predictions))
    return SummaryMessage([e for e in order if e is not None], partial_ranking=partial)


def _ranking_within(
    debate: Debate, result: ConsensusResult[int], min_voters: int, closed: bool, room: int
) -> tuple[discord.Embed, bool]:
    """The ranking's first page in ``room`` characters of card text; whether it is partial."""
    budget = min(room, PAGE_BUDGET)
    while True:
        pages = consensus_pages(
            debate, result, min_voters=min_voters, closed=closed, budget=budget, cycles=False
        )
        ranking = pages[0]
        if len(pages) > 1:
            ranking.set_footer(
                text=f"The first places of {len(debate.items):,} items · "
                "Full ranking shows them all"
            )
        over = text_size([ranking]) - room
        if over <= 0:
            return ranking, len(pages) > 1
        if budget <= RANKING_FLOOR // 2:
            # The header alone is this long (names of methods and notes): cut the list.
            assert ranking.description is not None
            ranking.description = _fit_lines(ranking.description, len(ranking.description) - over)
            return ranking, True
        budget = max(budget - over, RANKING_FLOOR // 2)


def _fit_lines(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line break where possible."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 2, 0)].rsplit("\n", 1)[0]
    return (cut if len(cut) > limit // 2 else clip(text, max(limit - 2, 1))) + "\n…"
