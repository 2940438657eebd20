"""Engine benchmark: prints JSON. Run as ``.venv/bin/python bench/engine.py``.

Times, with tallies and member ballots already kept (as the bot keeps them):
- consensus (Schulze) plus the whole disagreement summary, for 100,000 ballots × 10
  items and 2,000 ballots × 100 items (target: under 50 ms each);
- pref_voting's Schulze order (``swf_from_vm(beat_path)``) on the same profiles, with its
  profile built beforehand, and the ratio (target: 20× faster at 50+ items);
- ballot changes per second at 10 items (target: 20,000).

Ballots are Thurstone-style: items have a hidden quality, each member ranks them by
quality plus noise, so the profile has a clear consensus with close calls and cycles.
The main profiles are complete strict orders, which pref_voting's fast ``Profile`` takes;
the "partial" profiles (our engine only) add truncation and ties.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Single-threaded BLAS, as the bot should run it (set before numpy loads): on a 2-core box
# shared with an event loop, OpenBLAS's worker threads spin against other work and a
# 200×200×4,950 product went from 12 ms to 190 ms under load. Override from the shell.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ranking import (
    KEMENY_MAX_ITEMS,
    MemberBallots,
    Tally,
    consensus,
    disagreement,
)

TARGET_MS = 50.0
TARGET_CHANGES = 20_000


def thurstone(rng: np.random.Generator, voters: int, items: int, noise: float) -> np.ndarray:
    quality = np.linspace(1.0, 0.0, items)
    utilities = quality + rng.normal(scale=noise, size=(voters, items))
    return np.argsort(-utilities, axis=1)


def as_tiers(order: np.ndarray, rng: np.random.Generator | None = None) -> list[list[int]]:
    ranking = order.tolist()
    if rng is None:
        return [[i] for i in ranking]
    ranking = ranking[: int(rng.integers(3, len(ranking) + 1))]  # partial
    tiers: list[list[int]] = []
    for item in ranking:
        if tiers and rng.random() < 0.2:  # and some ties
            tiers[-1].append(item)
        else:
            tiers.append([item])
    return tiers


def median_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def ours(book: MemberBallots, author: list[int], repeats: int) -> dict[str, float]:
    tally = book.tally
    result = consensus(tally)
    consensus_ms = median_ms(lambda: consensus(tally), repeats)
    summary_ms = median_ms(lambda: disagreement(tally, book, author, result), repeats)
    total_ms = median_ms(lambda: disagreement(tally, book, author, consensus(tally)), repeats)
    return {
        "consensus_ms": round(consensus_ms, 2),
        "disagreement_ms": round(summary_ms, 2),
        "total_ms": round(total_ms, 2),
    }


def pref_voting_schulze(orders: np.ndarray, repeats: int) -> dict[str, float]:
    from pref_voting.helper import swf_from_vm
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile

    start = time.perf_counter()
    profile = Profile(orders)
    build_ms = (time.perf_counter() - start) * 1000
    order = swf_from_vm(beat_path)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        order(profile)
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "schulze_order_ms": round(statistics.median(samples), 2),
        "runs": repeats,
        "profile_build_ms": round(build_ms, 2),
    }


def profile_report(voters: int, items: int, noise: float, pv_repeats: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    orders = thurstone(rng, voters, items, noise)
    start = time.perf_counter()
    book: MemberBallots[int, int] = MemberBallots(range(items))
    for member, order in enumerate(orders):
        book.set(member, as_tiers(order))
    build_ms = (time.perf_counter() - start) * 1000
    author = list(range(items))
    mine = ours(book, author, repeats=21)
    theirs = pref_voting_schulze(orders, pv_repeats)
    result = consensus(book.tally)
    partial: MemberBallots[int, int] = MemberBallots(range(items))
    for member, order in enumerate(orders):
        partial.set(member, as_tiers(order, rng))
    pv_ms = theirs["schulze_order_ms"]
    return {
        "ballots": voters,
        "items": items,
        "ours": mine | {"tally_build_ms": round(build_ms, 1)},
        "pref_voting": theirs,
        "speedup_vs_pref_voting": {
            "consensus_only": round(pv_ms / mine["consensus_ms"], 1),
            "consensus_plus_summary": round(pv_ms / mine["total_ms"], 1),
        },
        "meets_50ms_target": mine["total_ms"] < TARGET_MS,
        "majority_cycles": len(result.cycles),
        "items_in_cycles": sum(len(c.items) for c in result.cycles),
        "ours_partial_ballots_with_ties": ours(partial, author, repeats=21),
    }


def ballot_changes(seconds: float = 2.0) -> dict[str, float]:
    rng = np.random.default_rng(3)
    items, members = 10, 5_000
    ballots = [as_tiers(o) for o in thurstone(rng, 4_096, items, 1.0)]
    partial = [as_tiers(o, rng) for o in thurstone(rng, 4_096, items, 1.0)]
    book: MemberBallots[int, int] = MemberBallots(range(items))
    for member in range(members):
        book.set(member, ballots[member % len(ballots)])

    def rate(step: Callable[[int], None]) -> float:
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for k in range(done, done + 1000):
                step(k)
            done += 1000
        return done / (time.perf_counter() - start)

    tally = Tally.from_ballots(range(items), ballots)
    current = list(ballots)

    def replace(k: int) -> None:
        slot = k % len(current)
        new = partial[k % len(partial)]
        tally.replace(current[slot], new)
        current[slot] = new

    return {
        "member_ballots_set_per_s": round(rate(lambda k: book.set(k % members, partial[k % 4096]))),
        "tally_replace_per_s": round(rate(replace)),
        "target_per_s": TARGET_CHANGES,
    }


def kemeny_ms() -> dict[str, float]:
    rng = np.random.default_rng(4)
    tally = Tally.from_ballots(
        range(KEMENY_MAX_ITEMS),
        [as_tiers(o) for o in thurstone(rng, 200, KEMENY_MAX_ITEMS, 2.0)],
    )
    return {f"{KEMENY_MAX_ITEMS}_items": round(median_ms(lambda: consensus(tally, "kemeny"), 3), 1)}


def main() -> None:
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "load_average_at_start": os.getloadavg()[0],
        },
        "note": "ours = consensus + full disagreement summary; pref_voting = Schulze order only",
        "100000x10": profile_report(100_000, 10, noise=1.5, pv_repeats=5, seed=1),
        "2000x100": profile_report(2_000, 100, noise=4.0, pv_repeats=1, seed=2),
        "ballot_changes_10_items": ballot_changes(),
        "kemeny_largest_allowed_ms": kemeny_ms(),
    }
    # Other work on the box slows everything; say how busy it was.
    report["machine"]["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
