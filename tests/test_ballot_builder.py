"""The ballot builder as a state machine, and how ballots and the builder are drawn."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ballot_builder import PAGE_SIZE, BallotBuilder, BuilderClosed, BuilderStatus
from bot.errors import UserError
from bot.models import Debate, Item, Tiers
from bot.render.ballot import (
    ballot_pages,
    builder_closed_embed,
    builder_embed,
    menu_placeholder,
    order_text,
    positions,
    shared_ballot,
    tier_lines,
)
from tests.support.discord_model import assert_embeds_fit
from tests.support.rocky import ROCKY_TITLES

OWNER, STRANGER = 10, 11


def make_debate(names: list[str]) -> Debate:
    items = tuple(Item(id=n + 1, name=name) for n, name in enumerate(names))
    return Debate(1, "d", "The debate", "Which?", "The author", items)


ROCKY = make_debate(ROCKY_TITLES)
IV, II, III, ROCKY_I, BALBOA, V = (item.id for item in ROCKY.items)
BIG = make_debate([f"Item {n:03d} " + "long name " * 7 for n in range(200)])


def builder(debate: Debate = ROCKY, **kwargs: object) -> BallotBuilder:
    return BallotBuilder(debate, OWNER, **kwargs)  # type: ignore[arg-type]


# -- picking ----------------------------------------------------------------------------------


def test_picks_rank_items_one_place_at_a_time() -> None:
    b = builder()
    assert b.next_position == 1 and b.tiers == ()
    b.pick(IV)
    b.pick(II)
    assert b.tiers == ((IV,), (II,))
    assert b.next_position == 3
    # The menu lists what is left alphabetically, not in the author's order.
    assert [item.name for item in b.remaining] == ["Rocky", "Rocky Balboa", "Rocky III", "Rocky V"]


def test_an_item_cannot_be_picked_twice_or_from_elsewhere() -> None:
    b = builder()
    b.pick(IV)
    with pytest.raises(UserError, match="already in your order"):
        b.pick(IV)
    with pytest.raises(UserError, match="isn't part of this debate"):
        b.pick(12345)
    assert b.tiers == ((IV,),)


def test_tie_with_previous_puts_the_last_pick_level_with_the_one_before() -> None:
    b = builder()
    b.pick(IV)
    with pytest.raises(UserError, match="Pick two items first"):
        b.tie_with_previous()
    b.pick(II)
    b.pick(III)
    assert b.can_tie
    b.tie_with_previous()
    assert b.tiers == ((IV,), (II, III))
    assert not b.can_tie
    with pytest.raises(UserError, match="already tied"):
        b.tie_with_previous()
    b.pick(ROCKY_I)
    b.tie_with_previous()  # a three-way tie
    assert b.tiers == ((IV,), (II, III, ROCKY_I))
    assert b.next_position == 5


def test_undo_takes_back_picks_ties_clears_and_pastes_in_turn() -> None:
    b = builder(reason="old reason")
    with pytest.raises(UserError, match="nothing to undo"):
        b.undo()
    b.pick(IV)
    b.pick(II)
    b.tie_with_previous()
    b.clear()
    assert b.tiers == ()
    b.paste(((V,), (ROCKY_I,)), reason="pasted reason")
    assert (b.tiers, b.reason) == (((V,), (ROCKY_I,)), "pasted reason")
    b.undo()
    assert (b.tiers, b.reason) == ((), "old reason")
    b.undo()
    assert b.tiers == ((IV, II),)
    b.undo()
    assert b.tiers == ((IV,), (II,))
    b.undo()
    b.undo()
    assert b.tiers == () and not b.can_undo


def test_clear_needs_something_to_clear() -> None:
    b = builder()
    with pytest.raises(UserError, match="already empty"):
        b.clear()


def test_paste_replaces_the_order_and_says_what_it_skipped() -> None:
    b = builder(tiers=((ROCKY_I,),), reason="kept")
    b.paste(((IV,), (II,), (III,)), skipped=2)
    assert b.tiers == ((IV,), (II,), (III,))
    assert b.reason == "kept"  # no reason given: the old one stays
    assert b.notice == "Pasted 3 items. Skipped 2 lines that named no item."
    b.paste(((IV,),), reason="  ")
    assert b.reason is None and b.notice == "Pasted 1 item."
    with pytest.raises(UserError):
        b.paste(((IV,), (IV,)))


def test_a_builder_can_start_from_a_saved_ballot() -> None:
    b = builder(tiers=((IV,), (II, III)), reason="why not")
    assert b.tiers == ((IV,), (II, III)) and b.reason == "why not"
    assert b.next_position == 4
    with pytest.raises(UserError):
        builder(tiers=((999,),))


# -- paging ------------------------------------------------------------------------------------


def test_the_menu_pages_through_200_items_25_at_a_time() -> None:
    b = builder(BIG)
    assert b.page_count == 8
    seen: list[int] = []
    for page in range(b.page_count):
        assert b.page == page
        assert 1 <= len(b.page_items) <= PAGE_SIZE
        seen += [item.id for item in b.page_items]
        b.next_page()
    assert b.page == 7  # clamped at the last page
    assert sorted(seen) == [item.id for item in BIG.items]
    b.go_to_page(-5)
    assert b.page == 0


def test_the_page_follows_the_menu_as_it_shrinks() -> None:
    b = builder(BIG)
    b.go_to_page(7)
    last_page = [item.id for item in b.page_items]
    assert len(last_page) == 200 - 7 * PAGE_SIZE
    for item_id in last_page:
        b.pick(item_id)
    # The last page emptied: the builder moves back to the one that is now last.
    assert b.page_count == 7 and b.page == 6
    b.previous_page()
    assert b.page == 5
    assert len(b.remaining) == 200 - len(last_page)


# -- who and when ------------------------------------------------------------------------------


def test_only_the_owner_may_use_it() -> None:
    b = builder()
    assert b.accepts(OWNER)
    assert not b.accepts(STRANGER)


def test_saving_a_partial_order_is_fine_but_not_an_empty_one() -> None:
    b = builder()
    with pytest.raises(UserError, match="Pick at least one item"):
        b.tiers_to_save()
    b.pick(III)
    assert b.tiers_to_save() == ((III,),)
    b.mark_saved()
    assert b.status is BuilderStatus.SAVED


@pytest.mark.parametrize("ending", ["mark_saved", "cancel", "expire"])
def test_an_ended_builder_refuses_every_action(ending: str) -> None:
    b = builder()
    b.pick(IV)
    getattr(b, ending)()
    assert not b.is_open
    for action in (
        lambda: b.pick(II),
        b.undo,
        b.clear,
        b.tie_with_previous,
        b.tiers_to_save,
        b.next_page,
        lambda: b.paste(((II,),)),
        b.cancel,
        b.mark_saved,
    ):
        with pytest.raises(BuilderClosed, match="/vote"):
            action()


def test_a_timeout_after_saving_leaves_it_saved() -> None:
    b = builder()
    b.pick(IV)
    b.mark_saved()
    b.expire()
    assert b.status is BuilderStatus.SAVED
    c = builder()
    c.expire()
    assert c.status is BuilderStatus.EXPIRED
    with pytest.raises(BuilderClosed, match="timed out"):
        c.pick(IV)


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["pick", "tie", "undo", "clear", "next", "previous", "paste"]),
        st.integers(0, 60),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ACTIONS)
def test_any_sequence_of_clicks_keeps_a_valid_ballot(actions: list[tuple[str, int]]) -> None:
    debate = make_debate([f"Film {n}" for n in range(60)])
    b = builder(debate)
    for action, number in actions:
        try:
            if action == "pick":
                remaining = b.page_items
                if remaining:
                    b.pick(remaining[number % len(remaining)].id)
            elif action == "tie":
                b.tie_with_previous()
            elif action == "undo":
                b.undo()
            elif action == "clear":
                b.clear()
            elif action == "next":
                b.next_page()
            elif action == "previous":
                b.previous_page()
            else:
                b.paste(tuple((item.id,) for item in debate.items[: number % 7 + 1]))
        except UserError:
            pass
        ranked = b.ranked_ids
        assert len(ranked) == len(set(ranked))
        assert all(tier for tier in b.tiers)
        assert set(ranked) | {item.id for item in b.remaining} == {i.id for i in debate.items}
        assert 0 <= b.page < b.page_count
        assert len(b.page_items) <= PAGE_SIZE


# -- rendering -----------------------------------------------------------------------------------


def test_ballots_are_numbered_with_ties_and_the_unranked_listed() -> None:
    tiers: Tiers = ((IV,), (II, III), (ROCKY_I,))
    assert positions(tiers) == [1, 2, 4]
    assert tier_lines(ROCKY, tiers) == ["1. Rocky IV", "2. Rocky II = Rocky III", "4. Rocky"]
    (page,) = ballot_pages(ROCKY, tiers, reason="The *snow*", heading="Your ballot")
    text = page.description or ""
    assert "2. Rocky II = Rocky III" in text
    assert "**Unranked** (2, below every ranked item): Rocky Balboa, Rocky V" in text
    assert page.fields[0].value == "The \\*snow\\*"
    assert order_text(ROCKY, tiers) == "Rocky IV > Rocky II = Rocky III > Rocky"


def test_user_text_cannot_ping_or_break_markdown() -> None:
    debate = make_debate(["@everyone", "**bold**", "`code`"])
    text = "\n".join(tier_lines(debate, ((1,), (2, 3))))
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text


def test_a_200_item_ballot_pages_within_discord_limits() -> None:
    tiers = tuple((item.id,) for item in BIG.items[:150])
    pages = ballot_pages(BIG, tiers, reason="r" * 1000, heading="h" * 300, intro="i" * 2000)
    assert len(pages) > 1
    for page in pages:
        assert_embeds_fit([page])
    text = "\n".join(page.description or "" for page in pages)
    assert "150. Item 149" in text
    assert "Item 199" in text  # the unranked are listed too, never cut
    assert pages[-1].fields[0].name == "Why"


def test_a_200_item_tie_is_wrapped_not_cut() -> None:
    tiers = (tuple(item.id for item in BIG.items),)
    lines = tier_lines(BIG, tiers)
    assert len(lines) > 1 and all(len(line) <= 1000 for line in lines)
    assert lines[0].startswith("1. Item 000") and lines[1].startswith("    = ")
    for page in ballot_pages(BIG, tiers, reason=None, heading="h"):
        assert_embeds_fit([page])


def test_sharing_a_long_ballot_attaches_the_rest() -> None:
    short, none = shared_ballot(ROCKY, ((IV,),), reason=None, member_mention="<@1>")
    assert none is None and "<@1>'s order" in (short.description or "")
    tiers = tuple((item.id,) for item in BIG.items)
    embed, attachment = shared_ballot(BIG, tiers, reason="why", member_mention="<@1>")
    assert_embeds_fit([embed])
    assert attachment is not None and attachment.filename == "ballot.txt"
    body = attachment.fp.read().decode()
    assert "200. Item 199" in body and "Why: why" in body


def test_the_builder_shows_the_end_of_a_long_order_within_limits() -> None:
    b = builder(BIG)
    for item in list(BIG.items):
        b.pick(item.id)
    embed = builder_embed(b, timeout_minutes=10)
    assert_embeds_fit([embed])
    description = embed.description or ""
    assert "200. Item 199" in description and "places above, all kept" in description
    assert "Every item is ranked" in description
    closed = builder_closed_embed(b, "Closed.")
    assert_embeds_fit([closed])
    assert "too long to show" in (closed.description or "")


def test_the_builder_says_what_to_do_next() -> None:
    b = builder()
    assert "Nothing ranked yet" in (builder_embed(b, timeout_minutes=10).description or "")
    b.pick(IV)
    assert "pick #2. 5 left" in (builder_embed(b, timeout_minutes=10).description or "")
    assert menu_placeholder(b) == "Pick #2"
    big = builder(BIG)
    big.next_page()
    placeholder = menu_placeholder(big)
    assert placeholder.startswith("Pick #1 · page 2/8: Item 025") and len(placeholder) <= 150
    closed = builder_closed_embed(b, "Cancelled.")
    assert "/vote order:" in (closed.description or "") and "Rocky IV" in (closed.description or "")
