"""Parsing benchmark: prints JSON. Run as ``.venv/bin/python bench/parsing.py``.

The worst inputs a member or an admin can send, on the largest debate the catalog accepts
(200 items with 20 aliases each, names without numbers so that every key is a typo
candidate for every piece):
- a typed ``/vote order:`` naming all 200 items, each with a typo (~3,400 characters);
- Paste… at its limit (20,000 characters): typo'd entries with remarks, and prose full of
  separators and dashes;
- ``/debate import`` at its size limit: a flat list, a YAML alias bomb and deep nesting.

Each case is measured with this checkout and with the reference, the implementation before
the parser moved to rapidfuzz and off the event loop (``REFERENCE`` below, read from git
history in the same run), and reports the ratio. ``loop_stall_ms`` is the longest the event
loop went without running while the input was read through the bot's own async entry point
(target: under 100 ms), against the reference called on the loop as the cogs called it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import platform
import random
import subprocess
import sys
import time
import types
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import ballot_parser  # noqa: E402
from bot.catalog import parse_debate_yaml, read_debate_yaml  # noqa: E402
from bot.models import Item  # noqa: E402

# main just before the swap: hand-written OSA distance, everything parsed on the event loop.
REFERENCE = "f2efac9"
TARGET_STALL_MS = 100.0


def reference_module(path: str, name: str) -> types.ModuleType | None:
    """``path`` as it was at REFERENCE, imported under ``name`` (None without git history)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{REFERENCE}:{path}"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    exec(compile(source, f"{REFERENCE}:{path}", "exec"), module.__dict__)
    return module


def big_debate(rng: random.Random) -> tuple[Item, ...]:
    letters = "abcdefghijklmnoprstu"

    def word() -> str:
        return "".join(rng.choices(letters, k=rng.randint(4, 8)))

    items = []
    for n in range(200):
        name = f"{word().title()} {word()} {word()}"
        aliases = tuple(f"{word()} {word()}" for _ in range(20))
        items.append(Item(n + 1, name, aliases))
    return tuple(items)


def typo(rng: random.Random, name: str) -> str:
    """One swap of neighbours: within every name's tolerance."""
    at = rng.randrange(1, len(name) - 2)
    while not (name[at].isalpha() and name[at + 1].isalpha()):
        at = rng.randrange(1, len(name) - 2)
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def typed_worst(rng: random.Random, items: tuple[Item, ...]) -> str:
    return " > ".join(typo(rng, item.name) for item in items)


def paste_entries(rng: random.Random, items: tuple[Item, ...], limit: int) -> str:
    lines = []
    for n, item in enumerate(rng.sample(items, len(items)), 1):
        lines.append(f"{n}. {typo(rng, item.name)} – {typo(rng, item.aliases[0])} is why")
    return "\n".join(lines)[:limit]


def paste_prose(rng: random.Random, limit: int) -> str:
    words = ["when", "rocky", "fought", "drago", "the", "montage", "was", "better", "than"]
    lines = []
    while sum(len(line) + 1 for line in lines) < limit:
        line = ", ".join(" ".join(rng.choices(words, k=3)) for _ in range(8))
        lines.append(f"- {line} – and: more (so) – yes")
    return "\n".join(lines)[:limit]


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def best_seconds(function: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        # A refusal is an answer too: what it cost is what we measure.
        with contextlib.suppress(Exception):
            function()
        best = min(best, time.perf_counter() - start)
    return best


async def stall_ms(work: Callable[[], Awaitable[object]]) -> float:
    """The longest gap between ticks of a 1 ms heartbeat while ``work`` runs."""
    done = False
    longest = 0.0

    async def heartbeat() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    with contextlib.suppress(Exception):
        await work()
    done = True
    await beat
    return longest * 1000


def on_loop(function: Callable[[], object]) -> Callable[[], Awaitable[object]]:
    async def run() -> object:
        return function()

    return run


def case(
    name: str,
    new: Callable[[], object],
    new_async: Callable[[], Awaitable[object]],
    old: Callable[[], object] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"case": name, "ms": round(best_seconds(new) * 1000, 2)}
    row["loop_stall_ms"] = round(asyncio.run(stall_ms(new_async)), 1)
    if old is not None:
        row["reference_ms"] = round(best_seconds(old, repeat=1) * 1000, 1)
        row["reference_loop_stall_ms"] = round(asyncio.run(stall_ms(on_loop(old))), 1)
        row["speedup"] = round(row["reference_ms"] / max(row["ms"], 0.01), 1)
    row["meets_target"] = row["loop_stall_ms"] < TARGET_STALL_MS
    return row


def main() -> None:
    rng = random.Random(12)
    items = big_debate(rng)
    old_parser = reference_module("bot/ballot_parser.py", "reference_ballot_parser")
    matcher = ballot_parser.matcher_for(items)
    old_matcher = old_parser.ItemMatcher(items) if old_parser else None

    typed = typed_worst(rng, items)
    entries = paste_entries(rng, items, 20_000)
    prose = paste_prose(rng, 20_000)
    rows = [
        case(
            f"typed order, 200 typos, {len(typed):,} chars",
            lambda: matcher.parse_order(typed),
            lambda: ballot_parser.read_order(typed, items),
            (lambda: old_matcher.parse_order(typed)) if old_matcher else None,
        ),
        case(
            f"paste, typo'd entries with remarks, {len(entries):,} chars",
            lambda: matcher.parse_pasted(entries),
            lambda: ballot_parser.read_pasted(entries, items),
            (lambda: old_matcher.parse_pasted(entries)) if old_matcher else None,
        ),
        case(
            f"paste, prose full of separators, {len(prose):,} chars",
            lambda: matcher.parse_pasted(prose),
            lambda: ballot_parser.read_pasted(prose, items),
            (lambda: old_matcher.parse_pasted(prose)) if old_matcher else None,
        ),
    ]
    old_catalog = reference_module("bot/catalog.py", "reference_catalog")
    bomb = alias_bomb(6)  # the reference follows aliases: 9**6 visits, kept small to finish
    flat = "items: [" + ", ".join(["abc"] * 50_000) + "]\n"  # under the 256 KB limit
    deep = "items: " + "[" * 600 + "]" * 600 + "\n"
    for label, text in [
        (f"import, alias bomb, {len(bomb)} bytes", bomb),
        (f"import, flat list, {len(flat) // 1024} KB", flat),
        ("import, 600 levels of nesting", deep),
    ]:
        rows.append(
            case(
                label,
                lambda text=text: parse_debate_yaml(text, "upload.yaml"),
                lambda text=text: read_debate_yaml(text, "upload.yaml"),
                (lambda text=text: old_catalog.parse_debate_yaml(text, "upload.yaml"))
                if old_catalog
                else None,
            )
        )
    report = {
        "benchmark": "parsing",
        "reference": f"{REFERENCE} (hand-written OSA distance, parsed on the event loop)",
        "debate": "200 items × 20 aliases, no numbers in names",
        "target_loop_stall_ms": TARGET_STALL_MS,
        "python": platform.python_version(),
        "cases": rows,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
