"""Conversions shared by the repositories."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.models import Tiers


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def dump_tiers(tiers: Tiers) -> str:
    return json.dumps([list(tier) for tier in tiers], separators=(",", ":"))


def load_tiers(text: str) -> Tiers:
    return tuple(tuple(int(i) for i in tier) for tier in json.loads(text))
