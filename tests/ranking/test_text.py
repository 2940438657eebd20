"""The words the bot shows for engine results."""

from __future__ import annotations

from bot.ranking import (
    Agreement,
    Tally,
    consensus,
    describe_agreement,
    describe_author,
    describe_contest,
    describe_cycle,
    describe_matchup,
    describe_member_pair,
    describe_order,
    describe_result,
    disagreement,
    head_to_head,
)
from bot.ranking.disagreements import MemberPair
from bot.ranking.methods import Matchup

NAMES = {1: "Rocky", 2: "Rocky II", 4: "Rocky IV", 6: "Rocky Balboa"}


def test_head_to_head_in_words() -> None:
    assert describe_matchup(Matchup(4, 2, 12, 7), NAMES) == "Rocky IV beats Rocky II 12–7"
    assert describe_matchup(Matchup(4, 2, 9, 9), NAMES) == "Rocky IV and Rocky II are level 9–9"
    assert describe_matchup(Matchup(4, 2, 5, 7), NAMES) == (
        "Rocky IV is placed above Rocky II although Rocky II beats Rocky IV 7–5"
    )
    assert describe_matchup(Matchup(4, 2, 5, 7, tied=True), NAMES) == (
        "Rocky IV and Rocky II share a place although Rocky II beats Rocky IV 7–5"
    )
    assert describe_matchup(Matchup(4, 99, 1, 0), NAMES) == "Rocky IV beats 99 1–0"


def test_a_cycle_in_words() -> None:
    # 2 × II>IV>Balboa, 2 × IV>Balboa>II, 2 × Balboa>II>IV, 1 × II>IV>Balboa: a cycle.
    orders = [[2, 4, 6]] * 3 + [[4, 6, 2]] * 2 + [[6, 2, 4]] * 2
    tally = Tally.from_ballots([2, 4, 6], [[[i] for i in o] for o in orders])
    (cycle,) = consensus(tally).cycles
    assert describe_cycle(cycle, NAMES) == (
        "Rocky II beats Rocky IV, Rocky IV beats Rocky Balboa, Rocky Balboa beats Rocky II"
    )


def _mcgarvey(items: str, edges: list[str]) -> list[list[list[str]]]:
    """Ballot pairs that make exactly these majority wins (each by 2), all else level."""
    ballots = []
    for edge in edges:
        x, y = edge
        rest = [c for c in items if c not in edge]
        ballots.append([[x], [y], *[[c] for c in rest]])
        ballots.append([*[[c] for c in reversed(rest)], [x], [y]])
    return ballots


def test_a_bigger_tangle_names_the_items_outside_the_example_cycle() -> None:
    tally = Tally.from_ballots("abcd", _mcgarvey("abcd", ["ab", "bc", "ca", "cd", "da", "bd"]))
    (cycle,) = consensus(tally).cycles
    assert set(cycle.items) == set("abcd")
    assert describe_cycle(cycle, {}) == (
        "a beats b, b beats c, c beats a (also caught up in it: d)"
    )


def test_agreement_in_words() -> None:
    assert describe_agreement(Agreement(11, 15), "the author") == (
        "you agree with the author on 11 of 15 match-ups"
    )
    assert describe_agreement(Agreement(3, 4), "the consensus", "the server") == (
        "the server agrees with the consensus on 3 of 4 match-ups"
    )
    assert describe_agreement(Agreement(0, 0), "the author") == (
        "you and the author share no match-up to compare"
    )
    pair = MemberPair("ann", "bob", Agreement(2, 3), 3)
    assert describe_member_pair(pair, {"ann": "Ann"}) == (
        "Ann agrees with bob on 2 of 3 match-ups of the 3 items both ranked"
    )


def test_order_marks_shared_places_and_result_explains_each_step() -> None:
    tally = Tally.from_ballots([1, 2, 4], [[[4], [1, 2]], [[4], [2, 1]]])
    result = consensus(tally, "borda")
    assert describe_order(result, NAMES) == [
        "1. Rocky IV (Borda points: 4)",
        "=2. Rocky (Borda points: 1)",
        "=2. Rocky II (Borda points: 1)",
    ]
    assert describe_order(consensus(tally, "mean_position"), NAMES)[1] == (
        "=2. Rocky (average place: 2.5, ranked by 2)"
    )
    lines = describe_result(result, NAMES)
    assert lines[0].startswith("Borda (2 voters): ")
    assert "- Rocky IV beats Rocky 2–0" in lines
    assert "- Rocky and Rocky II are level 0–0" in lines


def test_contest_and_author_in_words() -> None:
    ballots = {m: [[4], [2]] for m in "abc"} | {m: [[2], [4]] for m in "de"}
    tally = Tally.from_ballots([2, 4], ballots.values())
    summary = disagreement(tally, ballots, [2, 4])
    assert describe_contest(summary.closest_contests[0], NAMES) == (
        "Rocky IV vs Rocky II: 3–2 among the 5 who ordered them"
    )
    assert describe_author(summary.author) == (
        "the server agrees with the author on 0 of 1 match-up (Kendall tau -1.00)"
    )
    assert head_to_head(tally, 2, 4) == Matchup(2, 4, 2, 3)
