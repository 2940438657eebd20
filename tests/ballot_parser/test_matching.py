"""rapidfuzz's OSA distance, which the matcher uses, agrees with the hand-written one it replaced."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.ballot_parser.matching import _within


def reference_distance(a: str, b: str, bound: int) -> int:
    """The parser's own banded OSA distance until rapidfuzz replaced it, kept as the reference.

    Edit distance counting a swap of neighbours as one edit; ``bound + 1`` if above bound.
    """
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    if a == b:
        return 0
    too_far = bound + 1
    width = len(b) + 1
    before = [too_far] * width
    previous = [j if j < too_far else too_far for j in range(width)]
    for i in range(1, len(a) + 1):
        char = a[i - 1]
        prior = a[i - 2] if i > 1 else ""
        current = [too_far] * width
        current[0] = i if i < too_far else too_far
        best = current[0]
        for j in range(max(1, i - bound), min(len(b), i + bound) + 1):
            value = previous[j - 1] if char == b[j - 1] else previous[j - 1] + 1
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if current[j - 1] + 1 < value:
                value = current[j - 1] + 1
            if j > 1 and char == b[j - 2] and prior == b[j - 1] and before[j - 2] + 1 < value:
                value = before[j - 2] + 1
            if value > too_far:
                value = too_far
            current[j] = value
            if value < best:
                best = value
        if best > bound:
            return too_far
        before, previous = previous, current
    return previous[-1]


# A small alphabet (with a non-ASCII letter and a digit) so that random texts are often near.
TEXT = st.text(alphabet="abcé 4", max_size=14)


@st.composite
def typo_of(draw: st.DrawFn, text: str) -> str:
    """``text`` after a few random edits: insertions, deletions, changes and swaps."""
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "change", "swap"]))
        at = draw(st.integers(0, max(0, len(chars) - 1)))
        letter = draw(st.sampled_from("abcé 4"))
        if kind == "insert":
            chars.insert(at, letter)
        elif chars and kind == "delete":
            del chars[at]
        elif chars and kind == "change":
            chars[at] = letter
        elif at + 1 < len(chars):
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


PAIRS = TEXT.flatmap(lambda a: st.tuples(st.just(a), st.one_of(TEXT, typo_of(a))))


@given(pair=PAIRS, bound=st.integers(0, 7))
def test_rapidfuzz_osa_agrees_with_the_reference(pair: tuple[str, str], bound: int) -> None:
    a, b = pair
    assert OSA.distance(a, b, score_cutoff=bound) == reference_distance(a, b, bound)
    assert OSA.distance(b, a, score_cutoff=bound) == reference_distance(b, a, bound)


@given(query=TEXT, keys=st.lists(TEXT, max_size=12, unique=True), bound=st.integers(0, 4))
def test_batch_matching_finds_exactly_the_keys_the_reference_finds(
    query: str, keys: list[str], bound: int
) -> None:
    expected = [
        (key, reference_distance(query, key, bound), index)
        for index, key in enumerate(keys)
        if reference_distance(query, key, bound) <= bound
    ]
    assert _within(query, keys, bound) == expected
