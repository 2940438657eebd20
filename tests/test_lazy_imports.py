"""The bot's start imports only what every start needs (issue 17): pictures, fuzzy matching
and PostgreSQL's driver load on first use, or in a thread once the gateway is connected."""

import json
import subprocess
import sys
from pathlib import Path

from bot.chart_worker import DRAWING_MODULES
from bot.client import FIRST_USE_MODULES

REPO_ROOT = Path(__file__).resolve().parents[1]

# Left out of the start: each costs a noticeable part of the time to READY.
NOT_AT_START = ("matplotlib", "PIL", "rapidfuzz", "asyncpg")

# What `python -m bot` imports before it connects: the launcher, the client, every cog
# (setup_hook loads them all), and a SQLite database opened and migrated.
START = """\
import asyncio, importlib, json, pkgutil, sys
import bot.launch, bot.client, cogs
from bot.storage import Database
for module in pkgutil.iter_modules(cogs.__path__, prefix="cogs."):
    importlib.import_module(module.name)

async def open_sqlite():
    async with await Database.open(sys.argv[1]) as db:
        await db.migrate()

asyncio.run(open_sqlite())
print(json.dumps(sorted(sys.modules)))
"""


def started_modules(tmp_path: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", START, str(tmp_path / "bot.sqlite3")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_the_start_imports_no_pictures_fuzzy_matching_or_postgresql(tmp_path) -> None:
    modules = started_modules(tmp_path)
    assert {"discord", "bot.client", "cogs.results", "bot.render.tierlist"} <= modules
    loaded = sorted(
        name
        for name in modules
        if any(name == lazy or name.startswith(lazy + ".") for lazy in NOT_AT_START)
    )
    assert loaded == []


def test_what_the_start_leaves_out_is_what_the_bot_loads_once_connected() -> None:
    # The lists the bot imports in threads after READY name real modules (an import error
    # there would only be lost in a worker thread), and cover every package left out.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)",
            *DRAWING_MODULES,
            *FIRST_USE_MODULES,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    preloaded = {name.split(".")[0] for name in (*DRAWING_MODULES, *FIRST_USE_MODULES)}
    assert preloaded == set(NOT_AT_START) - {"asyncpg"}


def test_a_postgresql_url_loads_its_driver_when_opened() -> None:
    # Nothing imported bot.storage.postgres before: Database.open loads it for the URL, and
    # the driver really tries the (closed) port.
    code = (
        "import asyncio, sys\n"
        "from bot.storage.database import Database, DatabaseUnavailable\n"
        "assert 'asyncpg' not in sys.modules\n"
        "try:\n"
        "    asyncio.run(Database.open('postgresql://bot:secret@127.0.0.1:1/debates'))\n"
        "except DatabaseUnavailable as exc:\n"
        "    print(exc)\n"
        "print('asyncpg' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    message, driver_loaded = done.stdout.strip().splitlines()
    assert driver_loaded == "True"
    assert "127.0.0.1" in message and "secret" not in message
