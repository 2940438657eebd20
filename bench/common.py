"""What the process benchmarks share: how the machine was, child processes that run as an
installed bot would (bytecode cached), and printing the report.

Used by ``bench/analyze.py`` and ``bench/memory.py``; ``bench/burst.py`` could use
:func:`machine`, :func:`run_report`, :func:`cpu_seconds` (it has its own copy) and
:func:`cached_bytecode` for the bots it starts.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.harness import BotProcess

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the checkout's bot, cogs and tests
    sys.path.insert(0, str(ROOT))


def cached_bytecode(cache: Path) -> dict[str, str | None]:
    """Environment changes (None: unset) under which a child Python process caches its
    bytecode in ``cache``, not in the checkout, as ``pip install`` leaves an installed
    package: the process then pays for importing, not for compiling, as in production.
    The shape :class:`tests.e2e.harness.BotProcess` takes as ``env``."""
    return {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": str(cache)}


def process_env(cache: Path) -> dict[str, str]:
    """This environment, with bytecode cached in ``cache`` (see :func:`cached_bytecode`)."""
    env = dict(os.environ)
    for key, value in cached_bytecode(cache).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def precompile(cache: Path, modules: list[str]) -> None:
    """Import ``modules`` once in a child process, so that ``cache`` holds their bytecode and
    that of everything they import before anything is timed."""
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=process_env(cache), check=True)


def cpu_seconds(bot: BotProcess) -> float:
    """User + system CPU time the bot process has used so far."""
    assert bot.process is not None
    fields = Path(f"/proc/{bot.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(bot: BotProcess) -> float:
    """The bot process's resident memory now, in MB."""
    assert bot.process is not None
    for line in Path(f"/proc/{bot.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def machine() -> dict[str, Any]:
    """The machine at the start of a run: the load matters as much as the figures."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg()[0],
    }


def run_report(measure: Callable[[], dict[str, Any]]) -> None:
    """Run ``measure`` and print its figures as JSON, with the load before and after."""
    report: dict[str, Any] = {"machine": machine()}
    report |= measure()
    report["machine"]["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))
