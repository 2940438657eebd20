"""An operator's install: ``pip install .`` (not editable) into a fresh virtualenv, then
``ranking-debates`` started from another folder with its settings in a ``.env`` there.

The install takes no download: the wheel is built without build isolation and without
dependencies, and the fresh venv sees this venv's packages (discord.py, setuptools…) through
a ``.pth`` file, but not the checkout: ``bot`` can only come from what pip installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.e2e.emulator import DiscordEmulator, Guild
from tests.e2e.harness import REPO_ROOT, BotProcess
from tests.e2e.reading import ranked_items
from tests.support.rocky import ROCKY_TITLES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# What goes into the source distribution; the rest of the checkout must not be needed.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "bot", "cogs", "data")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the bot pip-installed into it; its ``bin`` (``Scripts``) folder."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (REPO_ROOT / name).is_dir() else shutil.copy2
        copy(REPO_ROOT / name, source / name)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-build-isolation", "--no-index", str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert Path(site, "bot", "catalog_data", "rocky-training-montages.yaml").is_file()
    return python.parent


async def test_an_installed_bot_started_elsewhere_reads_its_dotenv_and_finds_the_catalog(
    emulator: DiscordEmulator, dev_guild: Guild, installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "operator"
    home.mkdir()
    (home / ".env").write_text(
        f"DISCORD_TOKEN={emulator.token}\n"
        f"DISCORD_API_BASE_URL={emulator.api_base_url}\n"
        f"DISCORD_GATEWAY_URL={emulator.gateway_url}\n"
        f"DEV_GUILD_ID={dev_guild.id}\n"
        "DATABASE_PATH=bot.sqlite3\n"
    )
    settings = ("DISCORD_TOKEN", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL", "DEV_GUILD_ID")
    bot = BotProcess(
        emulator,
        home,
        dev_guild_id=dev_guild.id,
        env={**dict.fromkeys(settings), "DATABASE_PATH": None, "PYTHONPATH": None},
        argv=(str(installed / "ranking-debates"),),
        cwd=home,
    )
    try:
        await bot.start()
        message = await (await emulator.command("debate show")).message()
        assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES), message.text
        assert (home / "bot.sqlite3").is_file(), "DATABASE_PATH from .env, relative to the folder"
    finally:
        assert await bot.close() == 0
    log = bot.log_path.read_text()
    assert "Loaded 1 catalog debate(s)" in log and "site-packages" in log, log[-2000:]
