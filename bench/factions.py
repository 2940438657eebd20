"""Factions benchmark: prints JSON. Run as ``.venv/bin/python bench/factions.py``.

Times :func:`bot.ranking.find_factions` on 10,000 ballots × 20 items (target: under a
second, as the bot runs it, in one worker thread), with complete ballots and with partial
ones, three planted camps plus noise, and reports how many members it put in their camp.

References, measured in the same run on the same ballots:
- ``full_pairwise_distances``: every one of the N² ballot distances, computed the same
  vectorised way in blocks (what an exact silhouette over all ballots would need);
- ``scipy_kmeans2`` (when scipy is installed): one run of scipy's k-means for k = 3 on the
  same ±1 pair vectors, a single count of factions with no choice of count.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial as partial_call
from pathlib import Path

# Single-threaded BLAS, as the bot should run it (see bench/engine.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ranking import MemberBallots, find_factions
from bot.ranking import factions as engine

TARGET_MS = 1000.0
ITEMS = 20
BALLOTS = 10_000
CAMPS = (4_000, 3_500, 2_500)


def camps(rng: np.random.Generator, partial: bool) -> tuple[MemberBallots[int, int], list[int]]:
    members: MemberBallots[int, int] = MemberBallots(range(ITEMS))
    truth: list[int] = []
    for camp, size in enumerate(CAMPS):
        quality = np.empty(ITEMS)
        quality[rng.permutation(ITEMS)] = np.linspace(1.0, 0.0, ITEMS)
        utilities = quality + rng.normal(scale=0.3, size=(size, ITEMS))
        for order in np.argsort(-utilities, axis=1):
            kept = order[: rng.integers(ITEMS // 2, ITEMS + 1)] if partial else order
            members.set(len(truth), [[int(i)] for i in kept])
            truth.append(camp)
    return members, truth


def timed(work: Callable[[], object], repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def full_pairwise(members: MemberBallots[int, int]) -> float:
    first, second = np.triu_indices(ITEMS, k=1)
    signs = engine._signs(np.asarray(members.ranks), first, second)
    checksum = 0.0
    for start in range(0, len(signs), 1000):
        checksum += float(engine._shares(signs[start : start + 1000], signs).sum())
    return checksum


def scipy_kmeans(members: MemberBallots[int, int]) -> object:
    from scipy.cluster.vq import kmeans2

    first, second = np.triu_indices(ITEMS, k=1)
    signs = engine._signs(np.asarray(members.ranks), first, second).astype(np.float64)
    return kmeans2(signs, 3, seed=1, minit="++")


def main() -> None:
    rng = np.random.default_rng(2026)
    runs = []
    for partial in (False, True):
        members, truth = camps(rng, partial)
        ms, result = timed(partial_call(find_factions, members))
        right = 0
        for faction in result.factions:  # type: ignore[attr-defined]
            found = [truth[m] for m in faction.members]
            right += max(found.count(c) for c in set(found))
        references = {"full_pairwise_distances": timed(partial_call(full_pairwise, members), 1)[0]}
        with contextlib.suppress(ImportError):  # scipy is optional: pref_voting brings it
            references["scipy_kmeans2"] = timed(partial_call(scipy_kmeans, members), 1)[0]
        runs.append(
            {
                "ballots": BALLOTS,
                "items": ITEMS,
                "kind": "partial" if partial else "complete",
                "ms": round(ms, 1),
                "target_ms": TARGET_MS,
                "within_target": ms < TARGET_MS,
                "factions": [f.size for f in result.factions],  # type: ignore[attr-defined]
                "planted": list(CAMPS),
                "silhouette": round(result.silhouette or 0.0, 3),  # type: ignore[attr-defined]
                "members_in_their_camp": round(right / len(truth), 4),
                "reference_ms": {name: round(v, 1) for name, v in references.items()},
                "ratio_to_reference": {name: round(v / ms, 1) for name, v in references.items()},
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "factions",
                "python": platform.python_version(),
                "numpy": np.__version__,
                "cpus": os.cpu_count(),
                "runs": runs,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
