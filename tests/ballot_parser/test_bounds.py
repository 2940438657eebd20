"""Every input is bounded before the work, and reading runs off the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.ballot_parser import (
    MAX_ORDER_CHARS,
    MAX_PASTE_CHARS,
    MAX_PASTE_LINES,
    BallotParseError,
    TooLongError,
    parse_order,
    parse_pasted,
    read_order,
    read_pasted,
)
from bot.models import Item

ITEMS = (Item(1, "Rocky IV", ("IV",)), Item(2, "Rocky II", ("II",)), Item(3, "Rocky III"))


def big_debate() -> tuple[Item, ...]:
    """200 items with 20 aliases each, no numbers: every key is a typo candidate."""
    words = [f"{a}{b}{c}{d}" for a in "bdfk" for b in "aeiou" for c in "lmnr" for d in "aeiou"]
    return tuple(
        Item(
            n + 1,
            f"{words[n]} {words[n + 1]} {words[n + 2]}",
            tuple(
                f"{words[(n * 20 + k) % len(words)]} {words[(n * 7 + k) % len(words)]}"
                for k in range(20)
            ),
        )
        for n in range(200)
    )


def test_an_order_over_the_limit_is_refused_with_the_numbers() -> None:
    text = "IV > " * (MAX_ORDER_CHARS // 5 + 1)
    with pytest.raises(TooLongError) as info:
        parse_order(text, ITEMS)
    assert info.value.message == (
        f"Your order is {len(text):,} characters long; I read at most 6,000. "
        "List just the items, best first."
    )


def test_a_paste_over_the_character_limit_is_refused() -> None:
    text = "Rocky IV\n" * (MAX_PASTE_CHARS // 9 + 1)
    with pytest.raises(TooLongError, match=r"^That's 20,007 characters; I read at most 20,000\. "):
        parse_pasted(text, ITEMS)


def test_a_paste_over_the_line_limit_is_refused() -> None:
    text = "x\n\n" * (MAX_PASTE_LINES + 1)  # blank lines are free
    with pytest.raises(TooLongError) as info:
        parse_pasted(text, ITEMS)
    assert info.value.message == (
        "That's 501 lines; I read at most 500. Paste just your list, one item a line."
    )


async def test_a_refusal_comes_before_any_work_off_the_loop() -> None:
    with pytest.raises(TooLongError):
        await read_order("IV > " * 2000, ITEMS)
    with pytest.raises(TooLongError):
        await read_pasted("x\n" * 600, ITEMS)


async def longest_gap(work: asyncio.Future[object]) -> tuple[float, float]:
    """(longest wait of a 1 ms heartbeat on the loop, total time) while ``work`` is done."""
    start = last = time.perf_counter()
    longest = 0.0
    while not work.done():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    return longest, last - start


async def test_the_worst_paste_is_read_while_the_loop_keeps_running() -> None:
    items = big_debate()
    prose = "\n".join(
        "- " + ", ".join(f"word{n} the fought montage" for n in range(8)) + " – and: more"
        for _ in range(80)
    )[:MAX_PASTE_CHARS]
    work = asyncio.ensure_future(read_pasted(prose, items))
    gap, elapsed = await longest_gap(work)
    with pytest.raises(BallotParseError, match="didn't find any of this debate's items"):
        work.result()
    # On the loop, the heartbeat would wait for the whole parse; off it, it keeps beating
    # (not every millisecond on a busy machine, hence the slack).
    assert gap < elapsed * 0.75, (gap, elapsed)


async def test_a_typed_order_full_of_typos_is_read_off_the_loop() -> None:
    items = big_debate()
    typed = " > ".join(
        item.name[:3] + item.name[4] + item.name[3] + item.name[5:] for item in items
    )
    # Too short a job to time the loop reliably: the paste above does that.
    assert (await read_order(typed, items)).tiers == tuple((item.id,) for item in items)


async def test_a_member_reads_one_text_at_a_time() -> None:
    items = big_debate()
    typed = " > ".join(item.name for item in items)
    first = asyncio.ensure_future(read_order(typed, items, reader=7))
    await asyncio.sleep(0)
    with pytest.raises(BallotParseError, match="still reading what you sent before"):
        await read_order("IV", ITEMS, reader=7)
    assert (await read_order("IV", ITEMS, reader=8)).tiers == ((1,),)
    assert len((await first).tiers) == 200
    assert (await read_order("IV", ITEMS, reader=7)).tiers == ((1,),)


async def test_only_a_short_order_on_a_small_debate_is_read_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where reading costs less than the hand-over to a thread, it happens on the loop;
    anything longer, or on a bigger debate, still goes to the parsing threads."""
    import threading

    from bot.ballot_parser import INLINE_ORDER_CHARS, INLINE_ORDER_ITEMS
    from bot.ballot_parser.matching import ItemMatcher

    threads: list[str] = []
    read_typed = ItemMatcher.read_typed

    def recording(self: ItemMatcher, text: str) -> object:
        threads.append(threading.current_thread().name)
        return read_typed(self, text)

    monkeypatch.setattr(ItemMatcher, "read_typed", recording)
    big = big_debate()
    assert len(ITEMS) <= INLINE_ORDER_ITEMS < len(big)
    await read_order("IV > II", ITEMS)
    await read_order("IV > II " + " " * INLINE_ORDER_CHARS, ITEMS)
    await read_order(big[0].name, big)
    assert threads[0] == threading.current_thread().name
    assert [name.startswith("ballot-parser") for name in threads[1:]] == [True, True]
