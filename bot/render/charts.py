"""PNG charts of a debate, one measure per image: the head-to-head counts, and each item's
distribution of places. Drawn for a phone: names on every image, large text, the method
and the voter count in the title, so a shared image still says what it shows.

Matplotlib's object API only (``Figure`` + the Agg canvas), never ``pyplot``: pyplot keeps
global state that is neither thread-safe nor freed. Callers run :func:`render_chart` in a
worker thread (``asyncio.to_thread``) so that drawing never blocks the event loop.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from bot.render.tierlist import cjk_font, drawable

if TYPE_CHECKING:
    import matplotlib.axes
    from matplotlib.figure import Figure

# Names are drawn in DejaVu Sans, then the tier lists' CJK font (bot/render/tierlist.py),
# and characters neither has are left out (tierlist.drawable), so no glyph is missing; the
# warning per glyph would only flood the log if one were. Set once, at import.
warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)

# Matplotlib's font and text-layout caches are shared between figures and not documented as
# thread-safe, so charts are drawn one at a time. Each takes well under a second, and the
# lock is taken in the worker thread, never on the event loop.
_DRAWING = threading.Lock()

DPI = 100
# Above this many items the cells are too small for numbers; colours carry the chart alone.
ANNOTATE_MAX = 12
# The chart draws the consensus' top rows only: drawing time grows with the rows (a 200-row
# chart took seconds of CPU), 12-px rows are unreadable on a phone anyway, and the table
# behind "Show the numbers" has every item.
CHART_MAX_ITEMS = 40
NAME_CHARS = 24
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

K = TypeVar("K", bound=Hashable)


class TallyLike(Protocol):
    """What the chart needs from the engine's tally."""

    # Read-only, so that a Tally[int] (items: tuple[int, ...]) matches.
    @property
    def items(self) -> tuple[Hashable, ...]: ...

    @property
    def voters(self) -> int: ...

    @property
    def wins(self) -> np.ndarray: ...

    @property
    def position_counts(self) -> np.ndarray: ...

    @property
    def ranked_by(self) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything drawn, rows in display order (the consensus order, best first)."""

    labels: list[str]  # "1. Name", names clipped so that no two look alike
    wins: np.ndarray  # wins[i, j]: members preferring labels[i] to labels[j]
    positions: np.ndarray  # positions[i, p]: members putting labels[i] in place p + 1
    unranked: np.ndarray  # per item: members who left it out
    voters: int
    title: str
    method: str = ""  # the method's label: the image says how it was ordered when shared

    @property
    def margins(self) -> np.ndarray:
        return self.wins - self.wins.T

    @property
    def context(self) -> str:
        """ "Schulze order · 6 voters": what a shared image needs to be read alone."""
        voters = f"{self.voters:,} voter{'s' if self.voters != 1 else ''}"
        return f"{self.method} order · {voters}" if self.method else voters


# The two measures, one per image: which one a caller wants.
HEAD_TO_HEAD = "head-to-head"
PLACES = "places"
CHARTS = (HEAD_TO_HEAD, PLACES)


def chart_data(
    tally: TallyLike,
    order: Sequence[K],
    names: Mapping[K, str],
    title: str,
    method: str = "",
) -> ChartData:
    """Reorder the tally's matrices into ``order`` and label the rows ``1. Name``; only the
    first :data:`CHART_MAX_ITEMS` of ``order`` are drawn, and the title says so."""
    if len(order) > CHART_MAX_ITEMS:
        title = f"{title} (top {CHART_MAX_ITEMS} of {len(order)})"
        order = order[:CHART_MAX_ITEMS]
    index = {key: i for i, key in enumerate(tally.items)}
    rows = np.array([index[key] for key in order], dtype=np.intp)
    wins = np.asarray(tally.wins)[np.ix_(rows, rows)]
    positions = np.asarray(tally.position_counts)[rows]
    unranked = tally.voters - np.asarray(tally.ranked_by)[rows]
    short = distinct_clips([names.get(key, str(key)) for key in order], NAME_CHARS)
    labels = [f"{n}. {name}" for n, name in enumerate(short, start=1)]
    return ChartData(labels, wins, positions, unranked, tally.voters, title, method)


def render_chart(data: ChartData, measure: str = HEAD_TO_HEAD) -> bytes:
    """One measure (:data:`HEAD_TO_HEAD` or :data:`PLACES`) as PNG bytes, sized for a phone."""
    # Imported on first use: Matplotlib is a third of the bot's start-up time and memory,
    # and most runs draw no chart for a while, some never.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _DRAWING:
        figure = _draw(data, measure)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


# -- drawing --------------------------------------------------------------------------

# Discord shows an image about 400 px wide on a phone; at 800 px the text is halved, so
# nothing smaller than ~20 px here. Tall images are fine: phones scroll and zoom.
WIDTH_IN = 8.0
ROW_IN = 0.42
LABEL_FONT = 15.0
CELL_FONT = 15.0
EDGE_PAD_IN = 0.25


@cache
def _font_families() -> list[str]:
    """DejaVu Sans, then the CJK font if there is one: Matplotlib falls back along the list
    character by character (a CJK name drew as boxes with DejaVu alone)."""
    from matplotlib import font_manager

    families = ["DejaVu Sans"]
    path = cjk_font()
    if path is not None:
        # Its bold face too where it has one (Noto's), for the bold title; else Matplotlib
        # warns once and draws those characters in the regular weight.
        bold = Path(path.replace("-Regular.", "-Bold."))
        for face in {path, str(bold)} if bold.is_file() else {path}:
            font_manager.fontManager.addfont(face)
        families.append(font_manager.FontProperties(fname=path).get_name())
    return families


def _draw(data: ChartData, measure: str) -> Figure:
    from matplotlib import rc_context

    with rc_context({"font.family": _font_families()}):
        return _draw_in_fonts(data, measure)


def _draw_in_fonts(data: ChartData, measure: str) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    n = len(data.labels)
    small = n <= ANNOTATE_MAX
    rows_in = ROW_IN if n <= 40 else max(24.0 / max(n, 1), 0.12)
    height = float(np.clip(2.8 + rows_in * n, 4.4, 26.0))
    font = float(np.clip(rows_in * DPI * 0.55, 6.0, LABEL_FONT))
    # A margin all round, so no caption or label touches the image's edge.
    layout = ConstrainedLayoutEngine(w_pad=EDGE_PAD_IN, h_pad=EDGE_PAD_IN)
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout=layout)
    ax = figure.subplots()
    what = "Head to head" if measure == HEAD_TO_HEAD else "Where members place each item"
    # Title, what is drawn, and its context each on a line: together on one line they ran
    # from edge to edge at 800 px.
    figure.suptitle(
        f"{_text(_clip(data.title, 50))}\n{what}\n{_text(data.context)}",
        fontsize=17,
        fontweight="bold",
    )
    if measure == HEAD_TO_HEAD:
        _head_to_head(figure, ax, data, small, font)
    else:
        _places(figure, ax, data, small, font)
    return figure


def _head_to_head(
    figure: Figure, ax: matplotlib.axes.Axes, data: ChartData, small: bool, font: float
) -> None:
    """Cell (row, column): members preferring the row's item, as in the table; blue when
    more members prefer the row's item, red when more prefer the column's."""
    n = len(data.labels)
    wins = data.wins.astype(float)
    compared = wins + wins.T
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(compared > 0, wins / np.where(compared > 0, compared, 1), 0.5)
    np.fill_diagonal(share, np.nan)
    image = ax.imshow(share * 100, cmap="RdBu", vmin=0, vmax=100, aspect="auto")
    ax.set_yticks(range(n), [_text(label) for label in data.labels], fontsize=font)
    columns = _tick_positions(n)
    ax.set_xticks(columns, [str(c + 1) for c in columns], fontsize=font)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("against the item in place …", fontsize=14)
    ax.tick_params(length=0)
    if small:
        for i in range(n):
            for j in range(n):
                if i != j:
                    strong = abs(share[i, j] - 0.5) > 0.3
                    ax.text(
                        j,
                        i,
                        str(int(wins[i, j])),
                        ha="center",
                        va="center",
                        fontsize=CELL_FONT,
                        color="white" if strong else "black",
                    )
    bar = figure.colorbar(image, ax=ax, location="bottom", shrink=0.9, aspect=30)
    bar.set_label(
        "Numbers: members preferring the row's item.\n"
        "Colour: their share of those who ordered both.",
        fontsize=13,
    )
    bar.ax.tick_params(labelsize=12)
    bar.set_ticks([0, 50, 100], labels=["row loses", "even", "row wins"])


def _places(
    figure: Figure, ax: matplotlib.axes.Axes, data: ChartData, small: bool, font: float
) -> None:
    """Cell (row, place): members putting the row's item in that place; darker is more.

    Members who left an item out are a count beside its row, not a column: in big debates
    most members leave most items out, and such a column would wash out the places.
    """
    n = len(data.labels)
    counts, columns = _binned_places(data.positions)
    top = max(float(counts.max(initial=0)), 1.0)
    image = ax.imshow(counts, cmap="Blues", vmin=0, vmax=top, aspect="auto")
    ax.set_yticks(range(n), [_text(label) for label in data.labels], fontsize=font)
    ticks = _tick_positions(len(columns))
    binned = len(columns) < n
    ax.set_xticks(ticks, [columns[t] for t in ticks], fontsize=font, rotation=90 if binned else 0)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("place", fontsize=14)
    ax.tick_params(length=0)
    right = ax.secondary_yaxis("right")
    right.set_yticks(
        range(n), [f"{data.voters - int(u)}/{data.voters}" for u in data.unranked], fontsize=font
    )
    right.tick_params(length=0)
    # A heading over the counts, level with "place", not a label turned on its side: at the
    # figure's right edge a rotated label sat against both the counts and the border.
    ax.annotate(
        "ranked it",
        xy=(1, 1),
        xycoords="axes fraction",
        xytext=(4, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=13,
    )
    if small:
        for i in range(n):
            for j in range(len(columns)):
                if counts[i, j]:
                    ax.text(
                        j,
                        i,
                        str(int(counts[i, j])),
                        ha="center",
                        va="center",
                        fontsize=CELL_FONT,
                        color="white" if counts[i, j] > top * 0.6 else "black",
                    )
    bar = figure.colorbar(image, ax=ax, location="bottom", shrink=0.8, aspect=30)
    bar.set_label("Members who put the item in that place", fontsize=13)
    bar.ax.tick_params(labelsize=12)
    from matplotlib.ticker import MaxNLocator

    bar.ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _binned_places(positions: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Counts per place; above 20 places, per range of places (at most ~15 columns)."""
    places = positions.shape[1]
    if places <= 20:
        return positions.astype(float), [str(p + 1) for p in range(places)]
    width = -(-places // 15)
    starts = list(range(0, places, width))
    binned = np.add.reduceat(positions.astype(float), starts, axis=1)
    labels = [f"{s + 1}–{min(s + width, places)}" for s in starts]
    return binned, labels


def _tick_positions(count: int) -> list[int]:
    """Every column for small charts; every 5th/10th/… place (1-based) for large ones."""
    if count <= 20:
        return list(range(count))
    step = 5 if count <= 60 else 10 if count <= 150 else 20
    return [0, *range(step - 1, count, step)]


def distinct_clips(names: Sequence[str], limit: int) -> list[str]:
    """Names clipped to ``limit`` characters, kept apart when clipping makes them alike.

    "The Lord of the Rings: The Fellowship…" three times tells nothing: names that clip to
    the same text keep their start and their end instead ("The Lord of…Two Towers").
    """
    flat = [" ".join(name.split()) for name in names]
    clipped = [_clip(name, limit) for name in flat]
    seen: dict[str, int] = {}
    for text in clipped:
        seen[text] = seen.get(text, 0) + 1
    result = []
    for name, text in zip(flat, clipped, strict=True):
        if seen[text] > 1 and len(name) > limit:
            head = (limit - 1) // 2
            tail = limit - 1 - head
            text = name[:head].rstrip() + "…" + name[-tail:].lstrip()
        result.append(text)
    return result


def _clip(name: str, limit: int = NAME_CHARS) -> str:
    name = " ".join(name.split())  # newlines or tabs would break the row labels
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _text(text: str) -> str:
    # A pair of "$" would switch Matplotlib to mathtext; escaped, it prints a dollar sign.
    return drawable(text).replace("$", r"\$")
