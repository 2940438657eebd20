"""``analyze`` benchmark: prints JSON. Run as ``.venv/bin/python bench/analyze.py``.

Times the whole process, as a person at a shell feels it (interpreter start, imports,
reading the file, counting, printing), median of several runs of each:
- ``python -m bot analyze FILE --json`` on 50 items × 1,000 complete ballots (PrefLib
  ``.soc``), against the reference: a script that reads the same file and computes only
  pref_voting's Schulze order (``swf_from_vm(beat_path)``), measured in the same run.
  Target: 10× faster.
- the same command on 44,000 truncated ballots over 12 items (PrefLib ``.soi``, counts per
  distinct ballot, the shape of a real single-transferable-vote election). Target: 0.5 s.

Both files are generated here (Thurstone-style: items have a hidden quality, each voter
ranks them by quality plus noise), so the repository holds no third-party data. The
reference's order is compared with ours, so the two really computed the same thing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, process_env, run_report

TARGET_SPEEDUP = 10.0
TARGET_TRUNCATED_S = 0.5
RUNS = 7
REFERENCE_RUNS = 3

# The reference: the shortest honest script that gives pref_voting's Schulze order for a
# complete-ballot PrefLib file. It parses less than analyze does (no checks, no names).
REFERENCE = """\
import json, sys
from pref_voting.helper import swf_from_vm
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile

rankings, counts = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        count, ranking = line.split(":")
        rankings.append([int(x) - 1 for x in ranking.split(",")])
        counts.append(int(count))
ranking = swf_from_vm(beat_path)(Profile(rankings, rcounts=counts))
levels = sorted(set(ranking.rmap.values()))
print(json.dumps([sorted(c for c, lv in ranking.rmap.items() if lv == level) for level in levels]))
"""


def thurstone(rng: np.random.Generator, voters: int, items: int, noise: float) -> np.ndarray:
    quality = np.linspace(1.0, 0.0, items)
    return np.argsort(-(quality + rng.normal(scale=noise, size=(voters, items))), axis=1)


def preflib(kind: str, items: int, rows: Counter[tuple[int, ...]]) -> str:
    """A PrefLib file: header, item names, then ``count: a,b,c`` with 1-based alternatives."""
    voters = sum(rows.values())
    lines = [
        f"# DATA TYPE: {kind}",
        f"# NUMBER ALTERNATIVES: {items}",
        f"# NUMBER VOTERS: {voters}",
        *(f"# ALTERNATIVE NAME {i + 1}: Item {i + 1}" for i in range(items)),
    ]
    lines += [
        f"{count}: " + ",".join(str(i + 1) for i in order) for order, count in rows.most_common()
    ]
    return "\n".join(lines) + "\n"


def complete_file(folder: Path) -> Path:
    rng = np.random.default_rng(17)
    orders = thurstone(rng, 1_000, 50, noise=4.0)
    path = folder / "complete-50x1000.soc"
    path.write_text(preflib("soc", 50, Counter(map(tuple, orders.tolist()))), encoding="utf-8")
    return path


def truncated_file(folder: Path) -> Path:
    rng = np.random.default_rng(44)
    orders = thurstone(rng, 44_000, 12, noise=1.5)
    # Most voters rank a few items and stop, as in real elections.
    lengths = np.minimum(rng.geometric(0.25, size=len(orders)), 12)
    rows = Counter(tuple(order[:n]) for order, n in zip(orders.tolist(), lengths, strict=True))
    path = folder / "truncated-12x44000.soi"
    path.write_text(preflib("soi", 12, rows), encoding="utf-8")
    return path


@dataclass
class Runs:
    """Each timed run of a whole process: wall seconds, and CPU seconds (user + system),
    which the machine's load sways far less."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "median_s": round(statistics.median(self.wall), 3),
            "min_s": round(min(self.wall), 3),
            "cpu_median_s": round(statistics.median(self.cpu), 3),
            "runs": len(self.wall),
        }


def timed_runs(command: list[str], runs: int, env: dict[str, str]) -> tuple[Runs, str]:
    """The times of ``runs`` runs of the whole process, and the last run's output.

    One untimed run first: it writes the bytecode caches an installed package would have.
    """
    timed, out = Runs(), ""
    for run in range(runs + 1):
        start, before = time.perf_counter(), os.times()
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=True, env=env
        )
        wall, after = time.perf_counter() - start, os.times()
        if run:
            timed.wall.append(wall)
            timed.cpu.append(
                after.children_user
                + after.children_system
                - before.children_user
                - before.children_system
            )
        out = done.stdout
    return timed, out


def sorted_tiers(order: list[list[int]]) -> list[list[int]]:
    return [sorted(tier) for tier in order]


def analyze_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "analyze", str(path), "--json"]


def measure_all() -> dict[str, Any]:
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = process_env(folder / "pycache")
        startup, _ = timed_runs([sys.executable, "-c", "pass"], RUNS, env)
        report["python_startup"] = startup.summary()
        complete = complete_file(folder)
        ours, out = timed_runs(analyze_command(complete), RUNS, env)
        ours_order = [
            [int(name.split()[1]) - 1 for name in tier] for tier in json.loads(out)["order"]
        ]
        reference = [sys.executable, "-c", REFERENCE, str(complete)]
        theirs, reference_out = timed_runs(reference, REFERENCE_RUNS, env)
        ratio = statistics.median(theirs.wall) / statistics.median(ours.wall)
        report["complete_50x1000"] = {
            "ours_analyze": ours.summary(),
            "reference_pref_voting_schulze_order": theirs.summary(),
            "speedup": round(ratio, 1),
            "speedup_cpu": round(statistics.median(theirs.cpu) / statistics.median(ours.cpu), 1),
            "target_speedup": TARGET_SPEEDUP,
            "meets_target": ratio >= TARGET_SPEEDUP,
            "same_order_as_reference": sorted_tiers(ours_order) == json.loads(reference_out),
        }
        truncated = truncated_file(folder)
        ours, out = timed_runs(analyze_command(truncated), RUNS, env)
        median = statistics.median(ours.wall)
        report["truncated_12x44000"] = {
            "ours_analyze": ours.summary(),
            "distinct_ballots_in_file": sum(
                1 for line in truncated.read_text().splitlines() if not line.startswith("#")
            ),
            "voters": json.loads(out)["voters"],
            "target_s": TARGET_TRUNCATED_S,
            "meets_target": median < TARGET_TRUNCATED_S,
        }
    return report


if __name__ == "__main__":
    run_report(measure_all)
