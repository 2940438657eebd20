"""Logging: text for people, ``LOG_FORMAT=json`` (one object per line) for log collectors,
and the one line every command writes."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import discord

command_log = logging.getLogger("bot.commands")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; fields given as ``extra={"fields": {...}}`` are included."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def formatter_for(log_format: str) -> logging.Formatter | None:
    """The formatter for ``LOG_FORMAT``; None keeps discord.py's own text format."""
    return JsonFormatter() if log_format == "json" else None


def log_command(interaction: discord.Interaction, outcome: str) -> None:
    """One line per slash command: which, where, how long since the member sent it, outcome."""
    command = interaction.command.qualified_name if interaction.command else "?"
    latency_ms = round((discord.utils.utcnow() - interaction.created_at).total_seconds() * 1000)
    fields = {
        "command": command,
        "guild": interaction.guild_id,
        "latency_ms": latency_ms,
        "outcome": outcome,
    }
    command_log.info(
        "/%s guild=%s latency=%dms outcome=%s",
        command,
        interaction.guild_id,
        latency_ms,
        outcome,
        extra={"fields": fields},
    )
