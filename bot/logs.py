"""Logging: text for people, ``LOG_FORMAT=json`` (one object per line) for log collectors,
and the one line every command writes."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import discord

from bot.custom_ids import spec_name

command_log = logging.getLogger("bot.commands")
component_log = logging.getLogger("bot.components")

# The outcome of the component interaction being handled in this task, for the error path
# (and refusing checks) to set; see :func:`logged_component`.
_outcome: ContextVar[list[str] | None] = ContextVar("component_outcome", default=None)


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


def note_outcome(outcome: str) -> None:
    """Say how the component interaction handled in this task ended (``refused``, ``failed
    <error id>``), when it is being logged; otherwise nothing."""
    cell = _outcome.get()
    if cell is not None:
        cell[0] = outcome


@asynccontextmanager
async def logged_component(
    interaction: discord.Interaction, owner: object | None = None
) -> AsyncIterator[None]:
    """Log one line when handling a button, select or form submit ends (see
    :func:`log_component`); ``owner`` is the view or form that handled it."""
    cell = ["ok"]
    token = _outcome.set(cell)
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        cell[0] = "failed"
        raise
    finally:
        _outcome.reset(token)
        log_component(interaction, cell[0], time.perf_counter() - start, owner)


def component_name(interaction: discord.Interaction, owner: object | None = None) -> str:
    """The registered spec name of the clicked component's id; for an id that names no
    spec (a view that lives only in memory), the view or form class that handled it."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    name = spec_name(custom_id) if isinstance(custom_id, str) else None
    if name is not None:
        return name
    return type(owner).__name__ if owner is not None else "unregistered"


_KINDS = {2: "button", 3: "select", 5: "select", 6: "select", 7: "select", 8: "select"}


def log_component(
    interaction: discord.Interaction, outcome: str, seconds: float, owner: object | None = None
) -> None:
    """One line per component interaction: which spec, what kind, where, how long handling
    it took, outcome. Never the values chosen or typed, nor the raw custom id."""
    if interaction.type is discord.InteractionType.modal_submit:
        kind = "form"
    else:
        data: dict[str, Any] = dict(interaction.data or {})
        kind = _KINDS.get(int(data.get("component_type", 0)), "component")
    component = component_name(interaction, owner)
    duration_ms = round(seconds * 1000)
    fields = {
        "component": component,
        "kind": kind,
        "guild": interaction.guild_id,
        "duration_ms": duration_ms,
        "outcome": outcome,
    }
    component_log.info(
        "%s %s guild=%s duration=%dms outcome=%s",
        kind,
        component,
        interaction.guild_id,
        duration_ms,
        outcome,
        extra={"fields": fields},
    )
