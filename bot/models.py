"""Plain data shared by the core: debates, items, ballots and summaries.

Storage returns these, the catalog builds them, cogs render them. No discord imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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
    # Bumped by every change of the debate itself: an edit made from an older revision is
    # refused (DebateChanged) rather than silently undoing someone else's change.
    revision: int = 0

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
    # Items this revision ranked that the debate no longer has, left out of ``tiers`` when
    # read (stored before the save checked its items inside its transaction).
    removed_items: int = 0

    @property
    def ranked_ids(self) -> tuple[int, ...]:
        return tuple(i for tier in self.tiers for i in tier)


@dataclass(frozen=True, slots=True)
class DebateListing:
    """A debate as /debate list shows it in one server."""

    debate: Debate
    is_open: bool
    voters: int
    is_current: bool
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Deadline:
    """An open debate that closes by itself in a server at ``closes_at``."""

    guild_id: int
    debate_id: int
    closes_at: datetime
    announce_channel_id: int
    remind_at: datetime | None = None  # the reminder before it; None once claimed


# 'after-close': the consensus and all derived from it are hidden while the debate is open.
ResultsVisibility = Literal["live", "after-close"]
# voter_role_id of a debate's rules that overrides a server's voter role with "anyone".
ANYONE = 0


@dataclass(frozen=True, slots=True)
class DebateRules:
    """A debate's own rules in a server; None follows the server's settings."""

    results: ResultsVisibility | None = None
    voter_role_id: int | None = None  # ANYONE: no role needed, whatever the server says
    min_member_days: int | None = None


@dataclass(frozen=True, slots=True)
class VoterRules:
    """Who may vote on a debate in a server, after the debate's rules override the server's."""

    role_id: int | None = None
    min_member_days: int = 0

    @property
    def open_to_all(self) -> bool:
        return self.role_id is None and self.min_member_days == 0


@dataclass(frozen=True, slots=True)
class Prediction:
    """A member's guess of the server's final order of a debate."""

    guild_id: int
    debate_id: int
    member_id: int
    tiers: Tiers
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderPost:
    """The reminder before a deadline: claimed before it is sent, like a summary post."""

    id: int
    guild_id: int
    debate_id: int
    channel_id: int
    closes_at: datetime
    nonce: str
    status: PostStatus
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    current_debate_id: int | None = None
    min_voters: int = 3
    hide_members: bool = False
    default_method: str = "schulze"
    admin_role_id: int | None = None
    pseudonymous_exports: bool = True
    results: ResultsVisibility = "live"
    voter_role_id: int | None = None
    min_member_days: int = 0
    # /factions thresholds; None: the bot-wide FACTION_MIN_VOTERS / FACTION_MIN_SIZE.
    faction_min_voters: int | None = None
    faction_min_size: int | None = None


@dataclass(frozen=True, slots=True)
class DebateHeader:
    """A debate as one server's pickers list it: no items, and open or closed there."""

    id: int
    slug: str
    title: str
    guild_id: int | None
    is_open: bool
    closes_at: datetime | None = None  # voting stops by itself then

    def open_at(self, now: datetime) -> bool:
        return self.is_open and (self.closes_at is None or self.closes_at > now)


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


# -- summaries ------------------------------------------------------------------------------

Frequency = Literal["daily", "weekly"]
PostStatus = Literal["claimed", "sent", "failed", "abandoned"]
# A reveal is the summary posted when a debate closes at its deadline.
PostKind = Literal["summary", "reveal"]


@dataclass(frozen=True, slots=True)
class Schedule:
    """When and where a server's summaries of one debate are posted."""

    guild_id: int
    debate_id: int
    channel_id: int
    every: Frequency
    hour: int  # UTC
    weekday: int | None  # weekly only; Monday is 0
    next_due: datetime
    created_by: int
    created_at: datetime
    # Set when it cannot post (the bot left the server, the channel is gone or unwritable).
    paused_at: datetime | None = None
    paused_reason: str | None = None


@dataclass(frozen=True, slots=True)
class SummarySnapshot:
    """What one summary showed, kept so the next one can say what changed.

    ``ballot_mark`` is the highest ballot id of the debate in the server when the summary was
    made: members whose first ballot is newer are the new voters since. Storing a mark instead
    of every voter's id keeps the record small for debates with 100,000 voters.
    """

    method: str
    voters: int
    ballot_mark: int
    places: dict[int, int] = field(default_factory=dict)  # item id -> place (1 = top)


@dataclass(frozen=True, slots=True)
class SummaryPost:
    """One summary posted or being posted; ``slot`` is None for one posted on request."""

    id: int
    guild_id: int
    debate_id: int
    channel_id: int
    slot: datetime | None
    nonce: str
    status: PostStatus
    snapshot: SummarySnapshot
    claimed_at: datetime
    sent_at: datetime | None = None
    message_id: int | None = None
    error: str | None = None
    kind: PostKind = "summary"


@dataclass(frozen=True, slots=True)
class VoterChanges:
    """Members counted now who had no ballot at the mark, and those who changed theirs since."""

    new: int
    changed: int


@dataclass(frozen=True, slots=True)
class Movement:
    """An item's place in the last summary and now."""

    item: int
    before: int | None  # None: not in the last summary
    now: int


@dataclass(frozen=True, slots=True)
class ChangesSince:
    """What changed since the last summary; ``first`` when there was none."""

    first: bool
    voters_before: int = 0
    voters_now: int = 0
    new_voters: int = 0
    changed_ballots: int = 0
    moved: tuple[Movement, ...] = ()
    method_changed: bool = False


# -- what the stores refuse ---------------------------------------------------------------
# Raised by the repositories whatever database is behind them; no driver error leaves
# bot/storage.


class SlugTaken(Exception):
    """Another debate visible in the same place already has this slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


class DebateChanged(Exception):
    """A debate changed between reading it and writing a change based on it."""


class TooManyDebates(Exception):
    """The server already has as many debates of its own as it may."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class DebateGone(Exception):
    """The debate was deleted meanwhile."""


class ItemsGone(Exception):
    """A ballot names items the debate no longer has (removed meanwhile)."""
