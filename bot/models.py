"""Plain data shared by the core: debates, items and ballots.

Storage returns these, the catalog builds them, cogs render them. No discord imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A ballot is ordered tiers of item ids, best first. Items in one tier are tied.
# Items absent from every tier are unranked: below every ranked item, tied among themselves.
Tiers = tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing being ranked. ``id`` is stable across renames, so ballots survive edits."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Debate:
    """A debate as a server sees it: the question and the author's ranking (``items`` in order)."""

    id: int
    slug: str
    title: str
    question: str
    author: str
    items: tuple[Item, ...]
    source: str | None = None
    guild_id: int | None = None  # None: a catalog debate, available in every server

    @property
    def is_catalog(self) -> bool:
        return self.guild_id is None

    def item(self, item_id: int) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def author_tiers(self) -> Tiers:
        return tuple((item.id,) for item in self.items)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One saved revision of a member's ordering."""

    id: int
    guild_id: int
    debate_id: int
    member_id: int
    tiers: Tiers
    reason: str | None
    created_at: datetime
    withdrawn_at: datetime | None = None

    @property
    def ranked_ids(self) -> tuple[int, ...]:
        return tuple(i for tier in self.tiers for i in tier)


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    current_debate_id: int | None = None
    min_voters: int = 3
    hide_members: bool = False
    default_method: str = "schulze"
    admin_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """An item before it is stored (from a YAML file or an admin's form)."""

    name: str
    aliases: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DebateSpec:
    """A debate before it is stored; ``items`` in the author's order."""

    slug: str
    title: str
    question: str
    author: str
    items: tuple[ItemSpec, ...]
    source: str | None = None


class DuelSessionChanged(Exception):
    """A duel session was answered or ended since it was read (a second click on one question).

    A domain error: storage raises it, the duel service turns it into "here is the current
    question"."""


@dataclass(frozen=True, slots=True)
class DuelSession:
    """A member's duel in progress: the tournament so far (``state``, JSON from
    ``bot.ranking.duel``) and ``step``, the number of answers it holds."""

    id: int
    guild_id: int
    debate_id: int
    member_id: int
    state: str
    step: int
    created_at: datetime
    updated_at: datetime
