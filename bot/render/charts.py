"""PNG charts of a debate: head-to-head margins and each item's distribution of places.

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
from typing import Protocol, TypeVar

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Item names may hold emoji or scripts DejaVu Sans lacks; a missing glyph draws a box, which
# is fine, and the warning per glyph would only flood the log. Set once, at import.
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
NAME_CHARS = 28
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

    labels: list[str]
    wins: np.ndarray  # wins[i, j]: members preferring labels[i] to labels[j]
    positions: np.ndarray  # positions[i, p]: members putting labels[i] in place p + 1
    unranked: np.ndarray  # per item: members who left it out
    voters: int
    title: str

    @property
    def margins(self) -> np.ndarray:
        return self.wins - self.wins.T


def chart_data(
    tally: TallyLike, order: Sequence[K], names: Mapping[K, str], title: str
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
    labels = [f"{n}. {_clip(names.get(key, str(key)))}" for n, key in enumerate(order, start=1)]
    return ChartData(labels, wins, positions, unranked, tally.voters, title)


def render_chart(data: ChartData) -> bytes:
    """The two panels side by side as PNG bytes; readable from 2 to 40 rows."""
    with _DRAWING:
        figure = _draw(data)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


# -- drawing --------------------------------------------------------------------------


def _draw(data: ChartData) -> Figure:
    n = len(data.labels)
    small = n <= ANNOTATE_MAX
    # Rows get 0.3 in each: 40 rows (the most drawn) make a 1,360 px tall chart.
    height = float(np.clip(1.6 + 0.3 * n, 4.5, 24.0))
    width = float(np.clip(5.0 + 0.34 * n, 12.0, 26.0))
    font = float(np.clip(height * DPI / max(n, 1) / 1.39 * 0.62, 4.0, 10.0))

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    figure.suptitle(_text(data.title), fontsize=13, fontweight="bold")
    left, right = figure.subplots(1, 2, width_ratios=[1.0, 1.15])
    _margins_panel(figure, left, data, small, font)
    _positions_panel(figure, right, data, small, font)
    return figure


def _margins_panel(
    figure: Figure, ax: matplotlib.axes.Axes, data: ChartData, small: bool, font: float
) -> None:
    margins = data.margins
    n = len(data.labels)
    top = max(int(np.abs(margins).max(initial=0)), 1)
    image = ax.imshow(margins, cmap="RdBu", vmin=-top, vmax=top, aspect="auto")
    ax.set_title("Head to head: row's margin over column", fontsize=10)
    ax.set_yticks(range(n), [_text(label) for label in data.labels], fontsize=font)
    columns = _tick_positions(n)
    ax.set_xticks(columns, [str(c + 1) for c in columns], fontsize=font)
    ax.tick_params(length=0)
    if small:
        for i in range(n):
            for j in range(n):
                if i != j:
                    ax.text(
                        j,
                        i,
                        f"{margins[i, j]:+d}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if abs(margins[i, j]) > top * 0.6 else "black",
                    )
    figure.colorbar(image, ax=ax, shrink=0.6, label="members (row − column)")


def _positions_panel(
    figure: Figure, ax: matplotlib.axes.Axes, data: ChartData, small: bool, font: float
) -> None:
    n = len(data.labels)
    counts, columns = _binned_places(data.positions)
    binned = len(columns) < n
    # The colour scale follows the places only: in big debates most members leave most items
    # out, and an "unranked" column on the same scale would wash the places out. It saturates.
    top = max(float(counts.max(initial=0)) / max(data.voters, 1) * 100, 1.0)
    if data.unranked.any():
        counts = np.column_stack([counts, data.unranked])
        columns.append("–")
    shares = counts / max(data.voters, 1) * 100
    image = ax.imshow(shares, cmap="YlOrRd", vmin=0, vmax=top, aspect="auto")
    ax.set_title("Where members place each item", fontsize=10)
    # The names are on the left panel already; numbers keep this one narrow.
    rows = _tick_positions(n)
    ax.set_yticks(rows, [str(r + 1) for r in rows], fontsize=font)
    ticks = _tick_positions(len(columns))
    if data.unranked.any() and ticks[-1] != len(columns) - 1:
        ticks.append(len(columns) - 1)
    ax.set_xticks(ticks, [columns[t] for t in ticks], fontsize=font, rotation=90 if binned else 0)
    ax.set_xlabel("place (– : not ranked)" if data.unranked.any() else "place", fontsize=9)
    ax.tick_params(length=0)
    if small:
        for i in range(n):
            for j in range(len(columns)):
                if counts[i, j]:
                    ax.text(
                        j,
                        i,
                        f"{shares[i, j]:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if shares[i, j] > top * 0.6 else "black",
                    )
    figure.colorbar(image, ax=ax, shrink=0.6, label="% of members")


def _binned_places(positions: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Counts per place; above 25 places, per range of places (at most ~20 columns)."""
    places = positions.shape[1]
    if places <= 25:
        return positions.astype(float), [str(p + 1) for p in range(places)]
    width = -(-places // 20)
    starts = list(range(0, places, width))
    binned = np.add.reduceat(positions.astype(float), starts, axis=1)
    labels = [f"{s + 1}–{min(s + width, places)}" for s in starts]
    return binned, labels


def _tick_positions(count: int) -> list[int]:
    """Every column for small charts; every 5th/10th/… place (1-based) for large ones."""
    if count <= 25:
        return list(range(count))
    step = 5 if count <= 60 else 10 if count <= 150 else 20
    return [0, *range(step - 1, count, step)]


def _clip(name: str) -> str:
    name = " ".join(name.split())  # newlines or tabs would break the row labels
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"


def _text(text: str) -> str:
    # A pair of "$" would switch Matplotlib to mathtext; escaped, it prints a dollar sign.
    return text.replace("$", r"\$")
