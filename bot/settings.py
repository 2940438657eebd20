"""Typed settings from the environment and an optional ``.env`` file.

Every setting is documented in ``.env.example`` and the README. A bad value ends the
process with one line saying which setting and how to fix it (see ``bot.__main__``).
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Discord bot tokens are three base64url segments: the bot's id, a timestamp, an HMAC.
# Checking the shape catches a pasted client secret or a stray quote before we hit the API.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the person running the bot."""


@dataclass(frozen=True, slots=True)
class Settings:
    # Never in a repr: settings get logged and shown in tracebacks.
    discord_token: str = field(repr=False)
    database_path: Path = Path("ranking-debates.sqlite3")
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # A folder of more debates, besides the built-in catalog; None: the built-in ones only.
    catalog_dir: Path | None = None
    # Saves of one member's ballots allowed in any minute (0: no limit). A burst, so fixing
    # a mistake right after saving is never refused, while a script can't hammer the bot.
    vote_saves_per_minute: int = 5
    # Factions are shown from this many voters, in groups of at least this many.
    faction_min_voters: int = 10
    faction_min_size: int = 3
    chart_cooldown_seconds: int = 10
    # A server's own debates, at most: each one costs every autocomplete keystroke there.
    max_debates_per_server: int = 50
    # Point discord.py at another REST API / gateway (the test emulator); empty means Discord.
    api_base_url: str | None = None
    gateway_url: str | None = None
    # A folder for a daily backup of the database, keeping the newest backup_keep; None: off.
    backup_dir: Path | None = None
    backup_keep: int = 7
    # Serve GET /healthz on this port (0: any free one, logged); None: no health endpoint.
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    log_format: str = "text"

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require_token: bool = True
    ) -> Settings:
        env = os.environ if env is None else env
        token = _clean(env.get("DISCORD_TOKEN"))
        if require_token:
            if not token:
                raise SettingsError(
                    "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot token "
                    "(Discord Developer Portal → your application → Bot → Reset Token)."
                )
            if not _TOKEN_SHAPE.match(token):
                raise SettingsError(
                    "DISCORD_TOKEN does not look like a bot token (three dot-separated parts); "
                    "copy it again from the Developer Portal's Bot page, without quotes or spaces."
                )
        level = (_clean(env.get("LOG_LEVEL")) or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise SettingsError(
                f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {level!r}."
            )
        return cls(
            discord_token=token or "",
            database_path=Path(_clean(env.get("DATABASE_PATH")) or "ranking-debates.sqlite3"),
            dev_guild_id=_snowflake(env, "DEV_GUILD_ID"),
            log_level=level,
            catalog_dir=_folder(env, "CATALOG_DIR"),
            vote_saves_per_minute=_non_negative_int(env, "VOTE_SAVES_PER_MINUTE", 5),
            **_faction_thresholds(env),
            chart_cooldown_seconds=_non_negative_int(env, "CHART_COOLDOWN_SECONDS", 10),
            max_debates_per_server=_positive_int(env, "MAX_DEBATES_PER_SERVER", 50),
            api_base_url=_clean(env.get("DISCORD_API_BASE_URL")),
            gateway_url=_clean(env.get("DISCORD_GATEWAY_URL")),
            backup_dir=_path(env, "BACKUP_DIR"),
            backup_keep=_positive_int(env, "BACKUP_KEEP", 7),
            health_port=_port(env, "HEALTH_PORT"),
            health_host=_clean(env.get("HEALTH_HOST")) or "127.0.0.1",
            log_format=_choice(env, "LOG_FORMAT", ("text", "json")),
        )


def dotenv_warning(path: Path) -> str | None:
    """A warning when ``path`` (the .env holding the token) can be read by other users."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if os.name == "nt" or not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (
        f"{path} can be read by other users of this machine, and it holds the bot token: "
        f"run `chmod 600 {path}`."
    )


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().strip('"').strip("'").strip()
    return value or None


def _folder(env: Mapping[str, str], name: str) -> Path | None:
    raw = _clean(env.get(name))
    if raw is None:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        # A misspelt folder would otherwise start the bot without the debates it names.
        raise SettingsError(
            f"{name} is {raw!r}, but there is no folder {path.resolve()}; "
            "fix the path, or leave it empty."
        )
    return path


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = _clean(env.get(name))
    return Path(raw).expanduser() if raw else None


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = _clean(env.get(name))
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise SettingsError(f"{name} must be a port number, 0 to 65535, not {raw!r}.")
    return int(raw)


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = (_clean(env.get(name)) or choices[0]).lower()
    if raw not in choices:
        raise SettingsError(f"{name} must be {' or '.join(choices)}, not {raw!r}.")
    return raw


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _clean(env.get(name))
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number, 1 or more, not {raw!r}.")
    return int(raw)


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = _clean(env.get(name))
    if raw is None:
        return None
    if not raw.isdigit():
        raise SettingsError(
            f"{name} must be a numeric Discord id (right-click → Copy ID with Developer Mode on), "
            f"not {raw!r}."
        )
    return int(raw)


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _clean(env.get(name))
    if raw is None:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number, 0 or more, not {raw!r}.")
    return int(raw)


def _faction_thresholds(env: Mapping[str, str]) -> dict[str, int]:
    values = {"faction_min_voters": 10, "faction_min_size": 3}
    for name in values:
        raw = _clean(env.get(name.upper()))
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise SettingsError(
                f"{name.upper()} must be a whole number of members (1 or more), not {raw!r}."
            )
        values[name] = int(raw)
    if values["faction_min_voters"] < 2 * values["faction_min_size"]:
        raise SettingsError(
            "FACTION_MIN_VOTERS must be at least twice FACTION_MIN_SIZE: two factions must fit."
        )
    return values
