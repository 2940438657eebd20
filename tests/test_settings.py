import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, dotenv_warning

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
ROOT = Path(__file__).resolve().parent.parent


def test_reads_every_setting() -> None:
    s = Settings.from_env({
        "DISCORD_TOKEN": f'"{TOKEN}"', "DATABASE_PATH": "x.db", "DEV_GUILD_ID": "123",
        "LOG_LEVEL": "debug", "VOTE_SAVES_PER_MINUTE": "3",
        "FACTION_MIN_VOTERS": "20", "FACTION_MIN_SIZE": "4",
    })  # fmt: skip
    assert s.discord_token == TOKEN and s.database_path == Path("x.db") and s.dev_guild_id == 123
    assert s.log_level == "DEBUG" and s.vote_saves_per_minute == 3
    assert s.api_base_url is None
    assert (s.faction_min_voters, s.faction_min_size) == (20, 4)
    defaults = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert (defaults.faction_min_voters, defaults.faction_min_size) == (10, 3)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "hunter2"}, "does not look like a bot token"),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "my server"}, "DEV_GUILD_ID must be a numeric"),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"DISCORD_TOKEN": TOKEN, "VOTE_SAVES_PER_MINUTE": "-1"}, "VOTE_SAVES_PER_MINUTE"),
        ({"DISCORD_TOKEN": TOKEN, "FACTION_MIN_SIZE": "none"}, "FACTION_MIN_SIZE must be"),
        ({"DISCORD_TOKEN": TOKEN, "FACTION_MIN_VOTERS": "4"}, "at least twice"),
    ],
)
def test_bad_settings_explain_themselves(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_python_m_bot_without_token_prints_one_line(tmp_path: Path, token: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "DISCORD_TOKEN": token, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_catalog_dir_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="CATALOG_DIR is 'debatse', but there is no folder"):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, "CATALOG_DIR": "debatse"})
    assert Settings.from_env({"DISCORD_TOKEN": TOKEN, "CATALOG_DIR": str(tmp_path)}).catalog_dir


def test_python_m_bot_reads_dotenv_from_the_working_directory(tmp_path: Path) -> None:
    """Run from elsewhere, the bot reads the .env where it was started: here its bad setting."""
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nCATALOG_DIR=no-such-folder\n")
    (tmp_path / ".env").chmod(0o644)  # readable by all: warned about first
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"ranking-debates: warning: {tmp_path / '.env'} can be read by other users of this "
        f"machine, and it holds the bot token: run `chmod 600 {tmp_path / '.env'}`.",
        f"ranking-debates: CATALOG_DIR is 'no-such-folder', but there is no folder "
        f"{tmp_path.resolve() / 'no-such-folder'}; fix the path, or leave it empty.",
    ]


def test_the_token_is_never_in_the_settings_repr() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert settings.discord_token == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert TOKEN.split(".")[0] not in f"{settings!r}"


def test_a_dotenv_others_can_read_is_warned_about(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("DISCORD_TOKEN=x\n")
    dotenv.chmod(0o644)
    warning = dotenv_warning(dotenv)
    assert warning is not None and f"chmod 600 {dotenv}" in warning
    dotenv.chmod(0o600)
    assert dotenv_warning(dotenv) is None
    assert dotenv_warning(tmp_path / "missing") is None
