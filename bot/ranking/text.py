"""Engine results in words: "Rocky IV beats Rocky II 12–7".

Plain text with item and member names inserted as given: escaping markdown and
suppressing mentions is the renderer's job. ``names`` maps keys to display names; a key
without a name is shown with ``str(key)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from bot.ranking.disagreements import (
    Agreement,
    AuthorComparison,
    Contest,
    ItemSpread,
    MemberPair,
)
from bot.ranking.methods import ConsensusResult, Cycle, Matchup

K = TypeVar("K", bound=Hashable)
Names = Mapping[Hashable, str]


def name_of(names: Names, key: Hashable) -> str:
    return names.get(key, str(key))


def describe_matchup(matchup: Matchup[K], names: Names) -> str:
    """The head-to-head numbers behind two items' places, stated from the winner's side."""
    above, below = name_of(names, matchup.above), name_of(names, matchup.below)
    a, b = matchup.above_wins, matchup.below_wins
    if a == b:
        return f"{above} and {below} are level {a}–{b}"
    if matchup.tied:  # sharing a place despite a head-to-head winner: a cycle or equal scores
        winner, loser = (above, below) if a > b else (below, above)
        return f"{above} and {below} share a place although {winner} beats {loser} {max(a, b)}–{min(a, b)}"
    if a > b:
        return f"{above} beats {below} {a}–{b}"
    return f"{above} is placed above {below} although {below} beats {above} {b}–{a}"


def describe_cycle(cycle: Cycle[K], names: Names) -> str:
    """ "II beats IV, IV beats Balboa, Balboa beats II", plus any others caught in the tangle."""
    text = ", ".join(
        f"{name_of(names, m.above)} beats {name_of(names, m.below)}" for m in cycle.example
    )
    in_loop = {m.above for m in cycle.example}
    others = [name_of(names, key) for key in cycle.items if key not in in_loop]
    if others:
        text += f" (also caught up in it: {', '.join(others)})"
    return text


def describe_agreement(
    agreement: Agreement, whom: str = "the consensus", subject: str = "you"
) -> str:
    """ "you agree with the author on 11 of 15 match-ups" (members' word, as in bot.render.words)."""
    verb = "agree" if subject.lower() in {"you", "we", "they"} else "agrees"
    if not agreement.compared:
        return f"{subject} and {whom} share no match-up to compare"
    what = "match-up" if agreement.compared == 1 else "match-ups"
    return f"{subject} {verb} with {whom} on {agreement.agreed} of {agreement.compared} {what}"


def describe_contest(contest: Contest[K], names: Names) -> str:
    m = contest.matchup
    return (
        f"{name_of(names, m.above)} vs {name_of(names, m.below)}: "
        f"{m.above_wins}–{m.below_wins} among the {m.compared} who ordered them"
    )


def describe_spread(row: ItemSpread[K], names: Names) -> str:
    name = name_of(names, row.item)
    if row.mean_place is None:
        return f"{name}: nobody ranked it"
    if row.spread is None:
        return f"{name}: place {row.mean_place:g}, ranked by one member"
    return (
        f"{name}: average place {row.mean_place:.1f}, spread ±{row.spread:.1f} "
        f"over {row.ranked_by} members"
    )


def describe_author(comparison: AuthorComparison[K], who: str = "the server") -> str:
    text = describe_agreement(comparison.agreement, "the author", who)
    if comparison.kendall_tau is not None:
        text += f" (Kendall tau {comparison.kendall_tau:+.2f})"
    return text


def describe_member_pair(pair: MemberPair[K], member_names: Names) -> str:
    first, second = name_of(member_names, pair.first), name_of(member_names, pair.second)
    return (
        f"{describe_agreement(pair.agreement, second, first)}"
        f" of the {pair.common_items} items both ranked"
    )


def describe_order(result: ConsensusResult[K], names: Names) -> list[str]:
    """One line per item: "1. Rocky IV", with "=" marking shared places ("=2. Rocky II")."""
    lines: list[str] = []
    place = 1
    for tier in result.order:
        mark = "=" if len(tier) > 1 else ""
        for key in tier:
            notes = []
            if result.scores is not None and key in result.scores:
                notes.append(f"{result.score_label}: {format_score(result.scores[key])}")
            if result.ranked_by is not None and result.method == "mean_position":
                notes.append(f"ranked by {result.ranked_by[key]}")
            note = f" ({', '.join(notes)})" if notes else ""
            lines.append(f"{mark}{place}. {name_of(names, key)}{note}")
        place += len(tier)
    return lines


def describe_result(result: ConsensusResult[K], names: Names) -> list[str]:
    """The order, why each item sits above the next, and any majority cycles."""
    voters = f"{result.voters} voter" + ("" if result.voters == 1 else "s")
    lines = [f"{result.label} ({voters}): {result.description}", *describe_order(result, names)]
    if result.pairs:
        lines.append("Head to head, down the order:")
        lines += [f"- {describe_matchup(m, names)}" for m in result.pairs]
    if result.skipped:
        lines.append("Wins set aside because bigger wins contradict them:")
        lines += [f"- {describe_matchup(m, names)}" for m in result.skipped]
    if result.cycles:
        lines.append("Majority cycles:")
        lines += [f"- {describe_cycle(c, names)}" for c in result.cycles]
    return lines


def format_score(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.2f}".rstrip("0")
