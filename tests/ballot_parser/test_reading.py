"""Issue 11: typed orders read the way members write them, and errors that help.

Each test reproduces what a member saw, with the wording they now see.
"""

from __future__ import annotations

import pytest

from bot.ballot_parser import BallotParseError, parse_order, resolve
from bot.models import Item
from tests.test_ballot_parser import BALBOA, II, III, IV, ROCKY, ROCKY_ITEMS, V

PIXAR = (
    Item(1, "Finding Nemo"),
    Item(2, "The Incredibles"),
    Item(3, "Toy Story"),
    Item(4, "Toy Story 2"),
    Item(5, "Inside Out"),
)


def message(text: str, items: tuple[Item, ...] = ROCKY_ITEMS) -> str:
    with pytest.raises(BallotParseError) as info:
        parse_order(text, items)
    return info.value.message


def test_a_reader_comment_on_one_line_is_read_as_the_whole_order() -> None:
    comment = (
        "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Rocky III – the eye of the "
        "tiger Rocky Balboa – better than people admit Rocky – where it began Rocky V – a sad joke"
    )
    assert parse_order(comment, ROCKY_ITEMS) == ((IV,), (II,), (III,), (BALBOA,), (ROCKY,), (V,))


def test_a_remark_that_mentions_a_film_in_passing_keeps_it_a_remark() -> None:
    # An alias (or "I") in a remark is an everyday word: only a film's own name counts.
    assert parse_order("Rocky IV – I think Drago is the best villain", ROCKY_ITEMS) == ((IV,),)


@pytest.mark.parametrize(
    ("typed", "item"), [("Nemo", 1), ("Incredibles", 2), ("nemo", 1), ("Inside", 5)]
)
def test_a_short_name_matches_the_one_item_it_is_part_of(typed: str, item: int) -> None:
    assert resolve(typed, PIXAR).id == item


def test_a_short_name_in_two_items_is_asked_about_not_guessed() -> None:
    # "Toy Story" is a whole name; "Toy" is in two.
    assert resolve("Toy Story", PIXAR).id == 3
    assert message("Toy", PIXAR) == (
        "'Toy' could be Toy Story or Toy Story 2. Write more of the name."
    )


def test_numbers_still_have_to_match_in_a_short_name() -> None:
    assert message("Story 3", PIXAR).startswith("I don't know 'Story 3'.")


def test_rocky2_and_rocky4_are_two_films_not_rocky_twice() -> None:
    assert parse_order("rocky2 > rocky4", ROCKY_ITEMS) == ((II,), (IV,))


def test_an_extra_numeral_suggests_the_films_it_could_mean() -> None:
    assert message("Rocky IIII") == "I don't know 'Rocky IIII'. Did you mean Rocky III or Rocky IV?"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("IV II III", ((IV,), (II,), (III,))),
        ("4 2 3 1 6 5", ((IV,), (II,), (III,), (ROCKY,), (BALBOA,), (V,))),
        ("IV, II, and III", ((IV,), (II,), (III,))),
        ("IV > II and III", ((IV,), (II,), (III,))),
        ("IV = II III", ((IV, II), (III,))),
    ],
)
def test_space_separated_numerals_and_a_final_and_are_orders(
    typed: str, expected: tuple[tuple[int, ...], ...]
) -> None:
    assert parse_order(typed, ROCKY_ITEMS) == expected


def test_an_unknown_name_lists_a_small_debate_privately() -> None:
    assert message("Creed") == (
        "I don't know 'Creed'. The items are: Rocky IV, Rocky II, Rocky III, Rocky, "
        "Rocky Balboa and Rocky V."
    )


def test_an_unknown_name_in_a_big_debate_points_to_the_private_menu() -> None:
    items = tuple(Item(n, f"Film {chr(65 + n % 26)}{n}") for n in range(1, 31))
    assert message("Zzzzzz", items) == (
        "I don't know 'Zzzzzz'. Leave out `order` in /vote to pick the items from a menu."
    )


def test_a_filler_word_alone_is_no_short_name() -> None:
    # "The" is part of "The Incredibles" and of Rocky's alias "The first Rocky", but on its
    # own it names nothing (a remark's "the" once ranked Rocky).
    assert message("The", PIXAR).startswith("I don't know 'The'.")
    assert message("Rocky IV, the").startswith("I don't know 'the'.")
    assert resolve("Incredibles", PIXAR).id == 2
