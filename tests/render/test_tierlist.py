"""Tier-list pictures: decoded and measured, every character drawn by a font that has it."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

from PIL import Image

from bot.models import Debate, Item
from bot.ranking import ConsensusResult, Matchup
from bot.render import tierlist
from bot.render.tierlist import (
    MAX_HEIGHT,
    MAX_ROWS,
    WIDTH,
    TierList,
    TierRow,
    drawable,
    place_rows,
    render_tierlist,
    wrap,
)
from bot.render.tiers import CONSENSUS_RULE, consensus_rows, consensus_tierlist

CYRILLIC = "Бефстроганов по-купечески"
ACCENTS = "Crème brûlée, Ćevapi, Smørrebrød"
CJK = "小笼包 ラーメン 김치찌개"


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image


def has_cjk_font() -> bool:
    return len(tierlist._faces(False)) > 1 and all(
        any(face.has(c) for face in tierlist._faces(False)) for c in CJK.replace(" ", "")
    )


def test_a_small_list_is_one_row_per_place_with_the_unranked_last() -> None:
    rows = place_rows([["IV"], ["II", "III"], ["Rocky"]], unranked=["V"])
    assert [(r.label, list(r.items)) for r in rows] == [
        ("1", ["IV"]),
        ("=2", ["II", "III"]),
        ("4", ["Rocky"]),
        ("—", ["V"]),
    ]
    image = decode(render_tierlist(TierList("Rocky", rows)))
    assert image.width == WIDTH and 400 < image.height < 1200


def test_two_hundred_items_group_places_and_stay_within_the_height_limit() -> None:
    rows = place_rows([[f"Contender number {i:03d}"] for i in range(200)])
    assert len(rows) == MAX_ROWS
    assert sum(len(r.items) for r in rows) == 200
    assert rows[0].label == "1–17" and rows[0].tags[:2] == ["1", "2"]
    image = decode(render_tierlist(TierList("Big", rows)))
    assert image.width == WIDTH and 2000 < image.height <= MAX_HEIGHT + 400


def test_more_rows_make_a_taller_picture() -> None:
    short = decode(render_tierlist(TierList("t", [TierRow("S", ["a"] * 4)])))
    tall = decode(render_tierlist(TierList("t", [TierRow("S", ["a"] * 20)])))
    assert tall.width == short.width and tall.height > short.height


def test_accents_and_cyrillic_are_always_drawn() -> None:
    for text in (CYRILLIC, ACCENTS):
        assert drawable(text) == text
        for run, path in tierlist._runs(text, False):
            face = next(f for f in tierlist._faces(False) if f.path == path)
            assert all(face.has(c) or c.isspace() for c in run)


def test_cjk_is_drawn_with_a_font_that_has_it_or_left_out_never_boxed() -> None:
    kept = drawable(CJK)
    if has_cjk_font():
        assert kept == CJK
    else:  # without a CJK font installed, the characters go rather than show as boxes
        assert kept == ""
    for run, path in tierlist._runs(kept, False):
        face = next(f for f in tierlist._faces(False) if f.path == path)
        assert all(face.has(c) or c.isspace() for c in run), (run, path)
    decode(render_tierlist(TierList("Dishes", [TierRow("S", [CJK, CYRILLIC, ACCENTS])])))


def test_characters_no_font_has_are_left_out_cleanly() -> None:
    assert drawable("Pão de queijo 🧀") == "Pão de queijo"
    assert drawable("\U000e0001\U0001f94a") == ""
    # The matplotlib font that draws a box for everything must never be in the chain.
    assert not any("LastResort" in face.path for face in tierlist._faces(False))


def test_wrapping_keeps_to_three_lines_and_marks_a_cut() -> None:
    lines = wrap("Very long name of a dish that goes on and on and on forever", 150, 26)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(tierlist._width(line, 26) <= 150 for line in lines)
    # CJK breaks between characters, and nothing is lost when there is room.
    cjk = wrap("小笼包小笼包小笼包", 60, 26, lines=9)
    assert "".join(cjk) == drawable("小笼包小笼包小笼包") and len(cjk) > 1
    assert all(tierlist._width(line, 26) <= 60 for line in cjk)


def consensus_of(order: list[int], shares: list[tuple[int, int]]) -> ConsensusResult[int]:
    pairs = [
        Matchup(a, b, won, lost)
        for (a, b), (won, lost) in zip(itertools.pairwise(order), shares, strict=True)
    ]
    return ConsensusResult(
        "schulze", "Schulze", "", [[i] for i in order], voters=10, pairs=pairs, cycles=[]
    )


def test_consensus_rows_break_only_at_clear_wins() -> None:
    # 1 beats 2 narrowly (6-4 is 60%: clear), 2 and 3 are close (5-5), 3 beats 4 9-1.
    result = consensus_of([1, 2, 3, 4], [(6, 4), (5, 5), (9, 1)])
    assert consensus_rows(result) == [[1], [2, 3], [4]]
    close = consensus_of([1, 2, 3], [(5, 4), (5, 5)])
    assert consensus_rows(close) == [[1, 2, 3]]


def test_consensus_rows_are_at_most_seven_split_at_the_clearest_wins() -> None:
    order = list(range(12))
    shares = [(10 - i % 3, i % 3) for i in range(11)]  # 100%, 90%, 80% in turn
    rows = consensus_rows(consensus_of(order, shares))
    assert len(rows) == 7 and [i for row in rows for i in row] == order
    debate = Debate(1, "d", "Dishes", "?", "Me", tuple(Item(i, f"Dish {i}") for i in order))
    tier_list = consensus_tierlist(debate, consensus_of(order, shares))
    assert [r.label for r in tier_list.rows] == list("SABCDEF")
    assert tier_list.footer == CONSENSUS_RULE
    decode(render_tierlist(tier_list))


def test_names_stay_legible_at_phone_width() -> None:
    # Discord shows the picture ~400 px wide on a phone: names must stay ~11 px or more,
    # in every layout, the compact ones for long lists included.
    smallest = min(size for _, size in tierlist.LAYOUTS)
    assert smallest * 400 / WIDTH >= 8.5
    assert tierlist.NAME_SIZE * 400 / WIDTH >= 11


def test_the_readme_shows_every_example_picture_under_docs_and_each_is_a_tier_list() -> None:
    root = Path(__file__).resolve().parents[2]
    shown = set(re.findall(r'<img src="(docs/[^"]+\.png)"', (root / "README.md").read_text()))
    examples = {str(path.relative_to(root)) for path in (root / "docs").glob("*.png")}
    assert len(examples) >= 4 and shown == examples
    for name in sorted(examples):
        image = decode((root / name).read_bytes())
        assert image.width == WIDTH and 300 < image.height <= MAX_HEIGHT, name
