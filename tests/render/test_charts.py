"""The chart is a valid PNG of sensible size, for small and big debates, drawn off the loop."""

from __future__ import annotations

import asyncio
import io
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.ranking import MemberBallots, consensus
from bot.render.charts import (
    CHART_MAX_ITEMS,
    CHARTS,
    DPI,
    EDGE_PAD_IN,
    HEAD_TO_HEAD,
    PNG_MAGIC,
    _text,
    chart_data,
    distinct_clips,
    render_chart,
)
from bot.render.tierlist import cjk_font

REPO = Path(__file__).resolve().parents[2]
# The blank border every chart keeps, in pixels (a little under the layout's padding).
EDGE_PX = int(EDGE_PAD_IN * DPI) - 5


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and its CRC."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    assert data.endswith(b"IEND\xaeB`\x82")
    return width, height


def chart_for(
    items: int,
    voters: int,
    *,
    seed: int = 3,
    names: dict[int, str] | None = None,
    measure: str = HEAD_TO_HEAD,
) -> bytes:
    rng = random.Random(seed)
    keys = list(range(1, items + 1))
    ballots = {}
    for member in range(voters):
        order = keys[:]
        rng.shuffle(order)
        ballots[member] = [[k] for k in order[: rng.randint(2, items)]]
    tally = MemberBallots(keys, ballots).tally
    result = consensus(tally)
    labels = names or {k: f"Item {k}" for k in keys}
    data = chart_data(tally, result.ranking, labels, "A debate", result.label)
    return render_chart(data, measure)


@pytest.mark.parametrize("measure", CHARTS)
def test_six_items_make_a_phone_sized_png(measure: str) -> None:
    # 800 px shown at a phone's ~400 px: the 15 px labels still read at 7–8 px, cells bigger.
    data = chart_for(6, 20, measure=measure)
    width, height = png_size(data)
    assert width == 800 and 400 <= height <= 900
    assert 10_000 < len(data) < 500_000


@pytest.mark.parametrize("measure", CHARTS)
def test_150_items_draw_the_top_40_rows_within_sensible_bounds(measure: str) -> None:
    data = chart_for(150, 60, measure=measure)
    width, height = png_size(data)
    assert width == 800 and height <= 2000  # 40 rows of ~42 px, readable on a phone
    assert height >= 1600
    assert len(data) < 4_000_000  # far below Discord's attachment limit


@pytest.mark.parametrize("measure", CHARTS)
@pytest.mark.parametrize("items", [6, 30])
def test_nothing_is_drawn_against_the_images_edges(measure: str, items: int) -> None:
    # At 800 px the "ranked it" label and the caption sat on the right edge: keep a blank
    # border all round, so a phone's ~400 px shows every word with room to spare.
    names = {k: f"The Lord of the Rings {k}" for k in range(1, items + 1)}
    image = Image.open(io.BytesIO(chart_for(items, 40, names=names, measure=measure)))
    pixels = np.asarray(image.convert("L"))
    border = EDGE_PX
    for strip in (pixels[:, :border], pixels[:, -border:], pixels[:border], pixels[-border:]):
        assert strip.min() == 255, "something is drawn within the blank border"


def test_clipped_names_stay_distinguishable() -> None:
    names = [
        "The Lord of the Rings: The Fellowship of the Ring",
        "The Lord of the Rings: The Two Towers",
        "The Lord of the Rings: The Return of the King",
        "Up",
    ]
    clipped = distinct_clips(names, 24)
    assert len(set(clipped)) == 4 and all(len(c) <= 24 for c in clipped)
    assert clipped[1] == "The Lord of…e Two Towers" and clipped[3] == "Up"


def test_the_image_carries_the_method_and_the_voters() -> None:
    tally = MemberBallots([1, 2], {7: [[1], [2]], 8: [[2]]}).tally
    data = chart_data(tally, [1, 2], {1: "A", 2: "B"}, "T", "Schulze")
    assert data.context == "Schulze order · 2 voters"
    assert data.labels == ["1. A", "2. B"]


def test_only_the_consensus_top_rows_are_drawn_and_the_title_says_so() -> None:
    keys = list(range(1, 151))
    tally = MemberBallots(keys, {1: [[k] for k in keys]}).tally
    order = list(reversed(keys))
    data = chart_data(tally, order, {k: f"Item {k}" for k in keys}, "A debate")
    assert len(data.labels) == CHART_MAX_ITEMS and data.labels[0] == "1. Item 150"
    assert data.wins.shape == (CHART_MAX_ITEMS, CHART_MAX_ITEMS)
    assert data.title == f"A debate (top {CHART_MAX_ITEMS} of 150)"


def test_names_in_any_script_draw_with_no_missing_glyph() -> None:
    """Cyrillic, accents and (with a CJK font installed) CJK in the fonts; an emoji no font
    has is left out, never drawn as a box."""
    import warnings

    names = {1: "Ёжик в тумане", 2: "Amélie", 3: "千と千尋の神隠し", 4: "emoji 🥊 glove"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for measure in CHARTS:
            png_size(chart_for(4, 5, names=names, measure=measure))
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    if cjk_font() is not None:
        assert missing == [], missing
    else:
        assert all("千" not in m and "Ё" not in m for m in missing), missing
    assert _text("emoji 🥊 glove") == "emoji glove" and _text("$5") == r"\$5"


def test_no_voters_and_awkward_names_still_draw() -> None:
    names = {1: "$x$ and $y$ dollars", 2: "emoji 🥊🥊", 3: "a\nnew line", 4: "x" * 300}
    data = chart_for(4, 0, names=names)
    png_size(data)


@pytest.mark.skipif(sys.platform == "win32", reason="threads behave the same; no need")
async def test_charts_draw_in_worker_threads_concurrently_and_identically() -> None:
    results = await asyncio.gather(*(asyncio.to_thread(chart_for, 6, 20) for _ in range(3)))
    assert all(png_size(r) for r in results)
    assert len(set(results)) == 1  # no shared state leaking between drawings


def test_drawing_never_touches_pyplot() -> None:
    # In a fresh interpreter: other tests (or pref_voting) may import pyplot themselves.
    code = (
        "import sys; from tests.render.test_charts import chart_for; chart_for(5, 5); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
