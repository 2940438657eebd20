"""Tier-list pictures: coloured rows, each labelled, holding the item names as tiles.

Any ordered list with tiers can be drawn: a ballot or the author's list (rows labelled by
place), the server's consensus (rows lettered S, A, B…), factions (a row of top items per
faction). Drawn with Pillow, which comes with matplotlib.

Fonts. DejaVu Sans (shipped inside matplotlib) draws Latin with accents, Greek and
Cyrillic. For Chinese, Japanese and Korean the first CJK font found on the system is used
(Debian's ``fonts-noto-cjk`` or ``fonts-droid-fallback``, see the README), or the file
named by ``TIERLIST_FONT``. Each character is drawn with the first font whose character
map has it; a character no font has (an emoji, a rare script) is left out rather than
drawn as an empty box, and a name left with nothing readable shows as its place.

Layout. A tile holds up to three lines of a name (words wrap; CJK, which has no spaces,
wraps between characters; the rest is cut with an ellipsis). Rows wrap their tiles, so a
row of 200 items is a tall row, never a squeezed one, and lists with more tiers than
:data:`MAX_ROWS` group consecutive places into one row, each tile then numbered. At
Discord's phone width (~400 px) the 880 px picture is shown at under half size, so names
are set at 26 px to stay about 12 px tall there.
"""

from __future__ import annotations

import io
import os
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

WIDTH = 880
LABEL_WIDTH = 130
COLUMNS = 4
GAP = 6
PAD = 14
TILE_LINES = 3
NAME_SIZE = 26
LABEL_SIZE = 44
SMALL_SIZE = 20
TITLE_SIZE = 34
MAX_ROWS = 12
# A picture taller than this is hard to scroll on a phone; past it tiles get smaller.
MAX_HEIGHT = 5_000
# Tiles a line and name size: the first layout whose picture is not too tall is used.
LAYOUTS = ((COLUMNS, NAME_SIZE), (5, 22), (6, 19))

BACKGROUND = (30, 31, 34)
TILE = (49, 51, 56)
TEXT = (240, 240, 242)
DIM = (170, 172, 178)
# Classic tier-list colours, S down to F; rows past them reuse the last.
LETTER_COLOURS = [
    (255, 127, 127),
    (255, 191, 127),
    (255, 223, 127),
    (255, 255, 127),
    (191, 255, 127),
    (127, 255, 127),
    (127, 255, 255),
]
LETTERS = "SABCDEF"
UNRANKED_COLOUR = (150, 150, 160)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@cache
def _mpl_fonts() -> Path:
    # Matplotlib only for its font files, imported when the first tier list is drawn: it
    # costs a noticeable part of the bot's start-up otherwise.
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


# Debian's packages: fonts-noto-cjk (all of CJK), fonts-droid-fallback and the WenQuanYi
# fonts (Chinese, Japanese), fonts-nanum (Korean).
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
)
# Pillow's FreeType faces are not documented as thread-safe; pictures are drawn one at a
# time, in a worker thread, never on the event loop.
_DRAWING = threading.Lock()


@dataclass(frozen=True, slots=True)
class TierRow:
    label: str  # "S", "1", "=2", "A"…
    items: Sequence[str]
    note: str = ""  # under the label, small: "6 members", "places"
    colour: tuple[int, int, int] | None = None  # None: by position
    tags: Sequence[str] = ()  # per tile, small in its corner: its place in a run of places


@dataclass(frozen=True, slots=True)
class TierList:
    title: str
    rows: Sequence[TierRow]
    subtitle: str = ""
    footer: str = ""
    letters: bool = False  # colour rows S, A, B… rather than along a gradient


# -- fonts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Face:
    path: str
    charmap: frozenset[int]

    def has(self, char: str) -> bool:
        return ord(char) in self.charmap


@cache
def _faces(bold: bool) -> tuple[_Face, ...]:
    """DejaVu Sans, then the CJK font: the chain each character is looked up in."""
    paths = [str(_mpl_fonts() / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))]
    paths += [p for p in (os.environ.get("TIERLIST_FONT"), *CJK_CANDIDATES) if p]
    faces: list[_Face] = []
    for path in paths:
        if Path(path).is_file():
            from matplotlib.ft2font import FT2Font

            face = _Face(path, frozenset(FT2Font(path).get_charmap()))
            # A later font is kept only for characters the earlier ones lack.
            if not faces or face.charmap - frozenset().union(*(f.charmap for f in faces)):
                faces.append(face)
    return tuple(faces)


def cjk_font() -> str | None:
    """The file Chinese, Japanese and Korean names are drawn with; None: left out."""
    return next((face.path for face in _faces(False) if all(face.has(c) for c in CJK_PROBE)), None)


# A Chinese, a Japanese and a Korean character: a font for all three draws CJK names.
CJK_PROBE = "漢ラ김"


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Pillow is imported where pictures are drawn (the chart thread), not at the bot's start.
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def drawable(text: str, *, bold: bool = False) -> str:
    """``text`` with every character no font can draw left out (and spaces tidied)."""
    faces = _faces(bold)
    text = unicodedata.normalize("NFC", text)
    kept = "".join(c for c in text if c.isspace() or any(f.has(c) for f in faces))
    return " ".join(kept.split())


def _runs(text: str, bold: bool) -> list[tuple[str, str]]:
    """(text, font path) runs: each character in the first font that has it."""
    faces = _faces(bold)
    runs: list[tuple[str, str]] = []
    for char in text:
        face = next((f for f in faces if f.has(char)), faces[0])
        if runs and runs[-1][1] == face.path:
            runs[-1] = (runs[-1][0] + char, face.path)
        else:
            runs.append((char, face.path))
    return runs


@lru_cache(maxsize=65_536)
def _width(text: str, size: int, bold: bool = False) -> float:
    return sum(_font(path, size).getlength(run) for run, path in _runs(text, bold))


def _draw(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int],
    bold: bool = False,
) -> None:
    x, y = xy
    for run, path in _runs(text, bold):
        font = _font(path, size)
        draw.text((x, y), run, font=font, fill=fill)
        x += font.getlength(run)


# -- wrapping -----------------------------------------------------------------------------


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Words, with each CJK character a word of its own (CJK breaks between characters)."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isspace():
            if word:
                tokens.append(word)
            word = ""
            tokens.append(" ")
        elif _is_wide(char):
            if word:
                tokens.append(word)
            word = ""
            tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def fits_words(text: str, width: float, size: int, bold: bool = False) -> bool:
    """True when no word of ``text`` is wider than ``width`` (wrapping needs no word broken)."""
    return all(_width(token, size, bold) <= width for token in _tokens(text))


def wrap(
    text: str, width: float, size: int, lines: int = TILE_LINES, bold: bool = False
) -> list[str]:
    """At most ``lines`` lines of at most ``width`` pixels; a cut shows an ellipsis."""
    out: list[str] = []
    current = ""
    for token in _tokens(text):
        if token == " " and not current:
            continue
        candidate = current + token
        if _width(candidate.rstrip(), size, bold) <= width:
            current = candidate
            continue
        if current.strip():
            out.append(current.rstrip())
            current = "" if token == " " else token
        else:
            current = token  # one word wider than the tile: cut it below
        while _width(current, size, bold) > width and len(current) > 1:
            # Break an over-long word by characters.
            cut = len(current)
            while cut > 1 and _width(current[:cut], size, bold) > width:
                cut -= 1
            out.append(current[:cut])
            current = current[cut:]
    if current.strip():
        out.append(current.rstrip())
    if len(out) > lines:
        last = out[lines - 1]
        while last and _width(last + "…", size, bold) > width:
            last = last[:-1]
        out = [*out[: lines - 1], last.rstrip() + "…"]
    return out


# -- drawing ------------------------------------------------------------------------------


def _row_colour(tier_list: TierList, index: int, row: TierRow) -> tuple[int, int, int]:
    if row.colour is not None:
        return row.colour
    if tier_list.letters:
        return LETTER_COLOURS[min(index, len(LETTER_COLOURS) - 1)]
    # Places: from the S colour down the palette, spread over however many rows there are.
    count = max(len(tier_list.rows), 1)
    position = index * (len(LETTER_COLOURS) - 1) / max(count - 1, 1)
    low = int(position)
    high = min(low + 1, len(LETTER_COLOURS) - 1)
    mix = position - low
    a, b = LETTER_COLOURS[low], LETTER_COLOURS[high]
    return (
        round(a[0] + (b[0] - a[0]) * mix),
        round(a[1] + (b[1] - a[1]) * mix),
        round(a[2] + (b[2] - a[2]) * mix),
    )


@dataclass
class _Layout:
    columns: int
    name_size: int

    @property
    def tile_width(self) -> float:
        return (WIDTH - LABEL_WIDTH - PAD * 2 - GAP * (self.columns + 1)) / self.columns

    @property
    def line_height(self) -> int:
        return round(self.name_size * 1.25)

    @property
    def tile_height(self) -> int:
        return self.line_height * TILE_LINES + 12


def _row_height(layout: _Layout, row: TierRow) -> int:
    lines = max(1, -(-len(row.items) // layout.columns))
    return max(lines * (layout.tile_height + GAP) + GAP, LABEL_SIZE + 40)


def _layout(tier_list: TierList) -> _Layout:
    """Four tiles a line at full size; smaller tiles only when the picture would be too tall."""
    for columns, size in LAYOUTS:
        layout = _Layout(columns, size)
        if sum(_row_height(layout, row) for row in tier_list.rows) < MAX_HEIGHT:
            return layout
    return layout


def render_tierlist(tier_list: TierList) -> bytes:
    """The tier list as a PNG."""
    with _DRAWING:
        return _render(tier_list)


def _render(tier_list: TierList) -> bytes:
    from PIL import Image, ImageDraw

    layout = _layout(tier_list)
    title_lines = wrap(
        drawable(tier_list.title, bold=True), WIDTH - 2 * PAD, TITLE_SIZE, 2, bold=True
    )
    subtitle_lines = wrap(drawable(tier_list.subtitle), WIDTH - 2 * PAD, SMALL_SIZE, 3)
    footer_lines = wrap(drawable(tier_list.footer), WIDTH - 2 * PAD, SMALL_SIZE, 4)
    head = PAD + len(title_lines) * round(TITLE_SIZE * 1.3) + len(subtitle_lines) * 26 + PAD
    heights = [_row_height(layout, row) for row in tier_list.rows]
    foot = (len(footer_lines) * 26 + PAD) if footer_lines else 0
    height = head + sum(heights) + 2 * len(heights) + foot + PAD
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = PAD
    for line in title_lines:
        _draw(draw, (PAD, y), line, TITLE_SIZE, TEXT, bold=True)
        y += round(TITLE_SIZE * 1.3)
    for line in subtitle_lines:
        _draw(draw, (PAD, y), line, SMALL_SIZE, DIM)
        y += 26
    y = head
    for index, (row, row_height) in enumerate(zip(tier_list.rows, heights, strict=True)):
        _draw_row(draw, tier_list, layout, index, row, y, row_height)
        y += row_height + 2
    y += PAD // 2
    for line in footer_lines:
        _draw(draw, (PAD, y), line, SMALL_SIZE, DIM)
        y += 26
    buffer = io.BytesIO()
    # PNG's "optimize" pass took seconds on tall lists; level 3 is a tenth of it, a little larger.
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _draw_row(
    draw: ImageDraw.ImageDraw,
    tier_list: TierList,
    layout: _Layout,
    index: int,
    row: TierRow,
    top: int,
    height: int,
) -> None:
    colour = _row_colour(tier_list, index, row)
    draw.rectangle((PAD, top, PAD + LABEL_WIDTH, top + height), fill=colour)
    draw.rectangle((PAD + LABEL_WIDTH, top, WIDTH - PAD, top + height), fill=(43, 45, 49))
    label = drawable(row.label, bold=True) or "?"
    size = LABEL_SIZE
    while size > SMALL_SIZE and _width(label, size, bold=True) > LABEL_WIDTH - 16:
        size -= 2
    label_lines = wrap(label, LABEL_WIDTH - 16, size, 2, bold=True)
    note_lines = wrap(drawable(row.note), LABEL_WIDTH - 12, SMALL_SIZE - 2, 3) if row.note else []
    block = len(label_lines) * round(size * 1.15) + len(note_lines) * SMALL_SIZE
    y = top + (height - block) / 2
    for line in label_lines:
        x = PAD + (LABEL_WIDTH - _width(line, size, bold=True)) / 2
        _draw(draw, (x, y), line, size, (20, 20, 24), bold=True)
        y += round(size * 1.15)
    for line in note_lines:
        x = PAD + (LABEL_WIDTH - _width(line, SMALL_SIZE - 2)) / 2
        _draw(draw, (x, y), line, SMALL_SIZE - 2, (40, 40, 46))
        y += SMALL_SIZE
    left = PAD + LABEL_WIDTH + GAP
    for position, name in enumerate(row.items):
        column, line_no = position % layout.columns, position // layout.columns
        x0 = left + column * (layout.tile_width + GAP)
        y0 = top + GAP + line_no * (layout.tile_height + GAP)
        draw.rounded_rectangle(
            (x0, y0, x0 + layout.tile_width, y0 + layout.tile_height), radius=8, fill=TILE
        )
        text = drawable(name) or "?"
        room = layout.tile_width - 16
        # A word too wide for the tile gets a smaller size before it would be broken.
        size = layout.name_size
        while size > layout.name_size * 0.75 and not fits_words(text, room, size):
            size -= 1
        lines = wrap(text, room, size)
        line_height = round(size * 1.25)
        ty = y0 + (layout.tile_height - len(lines) * line_height) / 2
        if row.tags:  # room for the place in the corner
            ty += 5
        for line in lines:
            tx = x0 + (layout.tile_width - _width(line, size)) / 2
            _draw(draw, (tx, ty), line, size, TEXT)
            ty += line_height
        if position < len(row.tags):
            _draw(draw, (x0 + 6, y0 + 2), row.tags[position], SMALL_SIZE - 4, DIM)


# -- what gets drawn ----------------------------------------------------------------------


def place_rows(tiers: Sequence[Sequence[str]], *, unranked: Sequence[str] = ()) -> list[TierRow]:
    """Rows for an order with ties: one per place, or runs of places when there are many.

    In runs of places each tile is tagged with its own place ("12", "=14").
    """
    rows: list[TierRow] = []
    place = 1
    if len(tiers) <= MAX_ROWS:
        for tier in tiers:
            rows.append(TierRow(_place_label(place, len(tier)), list(tier)))
            place += len(tier)
    else:
        per_row = -(-sum(len(t) for t in tiers) // MAX_ROWS)
        current: list[str] = []
        tags: list[str] = []
        start = 1
        for tier in tiers:
            current += tier
            tags += [_place_label(place, len(tier))] * len(tier)
            place += len(tier)
            if len(current) >= per_row:
                rows.append(TierRow(f"{start}–{place - 1}", current, note="places", tags=tags))
                current, tags, start = [], [], place
        if current:
            rows.append(TierRow(f"{start}–{place - 1}", current, note="places", tags=tags))
    if unranked:
        rows.append(TierRow("—", list(unranked), note="unranked", colour=UNRANKED_COLOUR))
    return rows


def _place_label(place: int, tied: int) -> str:
    return f"={place}" if tied > 1 else str(place)
