"""A reader's comment pasted on one line into ``/vote order:``: read whole, or told.

Whatever shape the comment takes (dashes, colons, brackets, commas, reasons with no mark
at all), no item it names is dropped silently: it is ranked, reported as only mentioned
in a remark, or the member gets an error that says what to fix.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ballot_parser import BallotParseError, matcher_for, parse_pasted, unranked_notice
from bot.models import Item
from tests.test_ballot_parser import BALBOA, II, III, IV, ROCKY, ROCKY_ITEMS, V

NAMES = {item.id: item.name for item in ROCKY_ITEMS}


def read(text: str) -> tuple[list[str], list[str]]:
    """The order as item names, and the names reported as left unranked."""
    typed = matcher_for(ROCKY_ITEMS).read_typed(text)
    return (
        [NAMES[item] for tier in typed.tiers for item in tier],
        [mention.item.name for mention in typed.unranked],
    )


def error(text: str) -> str:
    with pytest.raises(BallotParseError) as info:
        matcher_for(ROCKY_ITEMS).read_typed(text)
    return info.value.message


@pytest.mark.parametrize(
    "comment",
    [
        # The member's own comment: Rocky III's reason has no dash after it.
        "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Rocky III some words "
        "Rocky V – a sad joke",
        "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Rocky III Rocky V – a sad joke",
        "Rocky IV: cant argue Rocky II: when Adrianne woke up Rocky III: the eye Rocky V: sad",
        "Rocky IV - cant argue Rocky II - when Adrianne woke up Rocky III - eye Rocky V - sad",
        "Rocky IV — cant argue Rocky II — when Adrianne woke up. Rocky III — eye. Rocky V",
        "Rocky IV (cant argue) Rocky II (when Adrianne woke up) Rocky III (eye) Rocky V",
        "Rocky IV [cant argue] Rocky II [Adrianne] Rocky III [eye] Rocky V [sad]",
        "1. Rocky IV – cant argue 2. Rocky II – Adrianne 3. Rocky III – eye 4. Rocky V – sad",
        "Rocky IV – cant argue. Rocky II: when Adrianne woke up (wow) Rocky III the eye Rocky V",
    ],
)
def test_every_shape_of_a_one_line_comment_is_the_whole_order(comment: str) -> None:
    assert read(comment) == (["Rocky IV", "Rocky II", "Rocky III", "Rocky V"], [])


def test_a_film_mentioned_in_passing_is_left_unranked_and_named() -> None:
    assert read("Rocky IV – better than Rocky II") == (["Rocky IV"], ["Rocky II"])
    assert read("Rocky IV – the best, Rocky III") == (["Rocky IV", "Rocky III"], [])
    assert read("IV > III – not as good as Rocky II or Rocky V") == (
        ["Rocky IV", "Rocky III"],
        ["Rocky II", "Rocky V"],
    )


def test_a_mention_of_a_film_ranked_elsewhere_is_no_news() -> None:
    assert read("Rocky IV – better than Rocky II, Rocky II") == (["Rocky IV", "Rocky II"], [])
    assert read("Rocky II – Rocky IV is better, Rocky IV") == (["Rocky II", "Rocky IV"], [])


def test_a_one_line_list_keeps_films_the_order_names_itself_where_they_are() -> None:
    assert read("Rocky IV – cant argue Rocky II – Adrian, Rocky II, Rocky V") == (
        ["Rocky IV", "Rocky II", "Rocky V"],
        [],
    )


def test_a_misspelt_entry_in_a_one_line_list_is_an_error_not_a_drop() -> None:
    assert error(
        "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Roky III – the eye Rocky V"
    ).startswith("I don't know 'Roky III'. Did you mean Rocky III")


def test_films_run_together_without_any_mark_are_asked_about() -> None:
    assert error("Rocky IV cant argue Rocky II when Adrianne woke up Rocky III the eye") == (
        "'Rocky IV cant argue Rocky II when Adria…' names Rocky IV, Rocky II and Rocky III, "
        "and I can't tell where each one ends. Separate the items with > or commas, with a "
        "dash before any remark, e.g. Rocky IV – why > Rocky II"
    )


def test_the_member_reads_which_films_were_left_unranked_and_why() -> None:
    typed = matcher_for(ROCKY_ITEMS).read_typed("Rocky IV – better than Rocky II and Rocky V")
    assert unranked_notice(typed.unranked, ROCKY_ITEMS[0]) == (
        "⚠️ Not ranked: Rocky II and Rocky V. They are only mentioned in your remark "
        "'better than Rocky II and Rocky V'. To rank them, put them in the order itself, "
        "separated by > or commas, e.g. Rocky IV > Rocky II > Rocky V"
    )
    assert unranked_notice((), ROCKY_ITEMS[0]) is None


def test_paste_reports_a_film_only_mentioned_in_a_remark() -> None:
    pasted = parse_pasted("1. Rocky IV – better than Rocky II\n2. Rocky III", ROCKY_ITEMS)
    assert pasted.tiers == ((IV,), (III,))
    assert [mention.item.id for mention in pasted.unranked] == [II]
    pasted = parse_pasted("1. Rocky IV – better than Rocky II\n2. Rocky II", ROCKY_ITEMS)
    assert pasted.unranked == ()


# ---------------------------------------------------------------------------------------
# Properties: comments built from films and remarks, in every shape.

# Remark words with no film in them (a film's one-word alias such as "I" or "Drago" is a
# word in a remark), and no separators of an order.
PLAIN_WORDS = ["cant", "argue", "when", "Adrianne", "woke", "up..", "the", "eye", "of",
               "tiger", "a", "sad", "joke", "win!", "Mickey", "honestly", "it's", "meh", "Apollo"]  # fmt: skip
ALIAS_WORDS = ["Drago", "I"]
REMARKS = st.lists(st.sampled_from(PLAIN_WORDS + ALIAS_WORDS), min_size=1, max_size=6).map(" ".join)
# After ", " or " > " the words are an entry of the order, where "I" rightly names Rocky.
PLAIN_REMARKS = st.lists(st.sampled_from(PLAIN_WORDS), min_size=1, max_size=6).map(" ".join)
MARKS = [" – ", ": ", " - ", " — ", " ("]
FILMS = st.permutations([IV, II, III, ROCKY, BALBOA, V]).flatmap(
    lambda order: st.integers(2, 6).map(lambda size: order[:size])
)


def segment(item: int, mark: str, remark: str) -> str:
    name = NAMES[item]
    if mark == " (":
        return f"{name} ({remark})"
    return f"{name}{mark}{remark}" if mark.strip() else f"{name} {remark}"


@st.composite
def comments(draw: st.DrawFn, marks: list[str]) -> tuple[list[int], str]:
    films = draw(FILMS)
    parts = []
    for film in films:
        mark = draw(st.sampled_from(marks))
        parts.append(segment(film, mark, draw(REMARKS if mark in MARKS else PLAIN_REMARKS)))
    return films, " ".join(parts)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(comments([*MARKS, " ", ", ", " > "]))
def test_no_film_of_a_comment_is_dropped_without_a_word(case: tuple[list[int], str]) -> None:
    films, comment = case
    try:
        typed = matcher_for(ROCKY_ITEMS).read_typed(comment)
    except BallotParseError:
        return  # the member is told what to fix
    ranked = [item for tier in typed.tiers for item in tier]
    assert set(ranked) <= set(films), comment
    told = {mention.item.id for mention in typed.unranked}
    assert set(films) <= set(ranked) | told, comment


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(comments(MARKS))
def test_a_comment_with_a_mark_after_each_film_is_read_in_order(
    case: tuple[list[int], str],
) -> None:
    films, comment = case
    assert read(comment) == ([NAMES[film] for film in films], []), comment


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from([*MARKS, " "]), min_size=3, max_size=3), REMARKS)
def test_once_a_mark_follows_a_remark_film_the_rest_need_none(
    later: list[str], remark: str
) -> None:
    # The member's shape: "… Rocky II – when Adrian woke up.. Rocky III some words Rocky V".
    films = [IV, II, III, V, BALBOA]
    marks = [" – ", " – ", *later]
    comment = " ".join(segment(film, mark, remark) for film, mark in zip(films, marks, strict=True))
    assert read(comment) == ([NAMES[film] for film in films], []), comment


def test_items_of_an_admin_debate_are_read_from_a_one_line_comment_too() -> None:
    pixar = (
        Item(1, "Finding Nemo"),
        Item(2, "The Incredibles"),
        Item(3, "Toy Story"),
        Item(4, "Toy Story 2"),
    )
    typed = matcher_for(pixar).read_typed(
        "Toy Story 2 – the best sequel The Incredibles – fun Finding Nemo so sad Toy Story – ok"
    )
    assert typed.tiers == ((4,), (2,), (1,), (3,))
