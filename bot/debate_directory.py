"""Which debates a server sees, and finding one from what a member typed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.catalog import normalize
from bot.errors import DebateNotFound, UserError
from bot.models import Debate, DebateHeader, DebateListing
from bot.storage import BallotRepository, DebateRepository, KeptRows, SettingsRepository

# Servers whose listing is kept in memory; the least recently used beyond this are reloaded.
MAX_LISTED_SERVERS = 10_000


class DebateDirectory:
    """Catalog debates are visible in every server; a server's own debates only there.

    Finding a debate by name runs on every keystroke of an autocomplete, so each server's
    listing (slugs, titles, status; no items) is kept in memory and dropped whenever the
    repository reports a change to it.
    """

    def __init__(
        self, debates: DebateRepository, ballots: BallotRepository, settings: SettingsRepository
    ) -> None:
        self.debates = debates
        self.ballots = ballots
        self.settings = settings
        # A burst of votes arriving together reads the listing once, not once each (before
        # the first read came back, hundreds of them each queried it).
        self._headers: KeptRows[int | None, list[DebateHeader]] = KeptRows(MAX_LISTED_SERVERS)
        debates.add_listener(self._forget)

    def forget_server(self, guild_id: int) -> None:
        """Drop a server's listing after its rows were deleted outside the debate store."""
        self._forget(guild_id, None)

    def _forget(self, guild_id: int | None, debate_id: int | None) -> None:
        if guild_id is None and debate_id is None:
            self._headers.forget_all()
            return
        self._headers.forget_where(
            lambda key, headers: (
                (guild_id is not None and key == guild_id)
                or any(h.id == debate_id for h in headers)
            )
        )

    async def headers(self, guild_id: int | None) -> list[DebateHeader]:
        """The debates this server sees, catalog first, without their items."""
        return await self._headers.get(guild_id, lambda: self.debates.headers_for_guild(guild_id))

    async def visible(self, guild_id: int | None) -> list[Debate]:
        return await self.debates.list_for_guild(guild_id)

    async def by_id(self, guild_id: int | None, debate_id: int) -> Debate:
        """The debate a button or a form names, if this server (still) sees it."""
        debate = await self.debates.get(debate_id)
        if debate is None or debate.guild_id not in (None, guild_id):
            raise DebateNotFound()
        return debate

    async def current(self, guild_id: int | None) -> Debate:
        """The server's current debate: the one an admin picked, else the first catalog debate."""
        headers = await self.headers(guild_id)
        if not headers:
            raise UserError("There are no debates yet. An admin can add one with `/debate create`.")
        chosen = (await self.settings.get(guild_id)).current_debate_id if guild_id else None
        picked = next((h for h in headers if h.id == chosen), headers[0])
        return await self.by_id(guild_id, picked.id)

    async def resolve(self, guild_id: int | None, query: str | None) -> Debate:
        """The debate named by ``query`` (slug, title or a unique part of it), or the current one."""
        if query is None or not query.strip():
            return await self.current(guild_id)
        headers = await self.headers(guild_id)
        wanted = normalize(query)
        for match in (
            lambda h: h.slug == query.strip(),
            lambda h: normalize(h.title) == wanted or normalize(h.slug) == wanted,
        ):
            found = [h for h in headers if match(h)]
            if found:
                return await self.by_id(guild_id, found[0].id)
        partial = [h for h in headers if wanted in normalize(h.title) or wanted in h.slug]
        if len(partial) == 1:
            return await self.by_id(guild_id, partial[0].id)
        shown = query.strip()[:60]
        if partial:
            names = ", ".join(h.title for h in partial[:3])
            raise UserError(f"'{shown}' matches several debates ({names}). Pick one from the list.")
        raise UserError(f"I don't know a debate called '{shown}'. `/debate list` shows them all.")

    async def listings(self, guild_id: int) -> list[DebateListing]:
        visible = await self.visible(guild_id)
        headers = await self.headers(guild_id)
        now = datetime.now(UTC)
        closed = {h.id for h in headers if not h.open_at(now)}
        deadlines = {h.id: h.closes_at for h in headers if h.closes_at is not None}
        counts = await self.ballots.voter_counts(guild_id)
        current = await self.current(guild_id) if visible else None
        return [
            DebateListing(
                debate=d,
                is_open=d.id not in closed,
                voters=counts.get(d.id, 0),
                is_current=current is not None and d.id == current.id,
                closes_at=deadlines.get(d.id) if d.id not in closed else None,
            )
            for d in visible
        ]

    async def closes_at(self, guild_id: int | None, debate: Debate) -> datetime | None:
        """When voting on ``debate`` closes by itself in the server (None: no deadline)."""
        if guild_id is None:
            return None
        deadline = await self.debates.deadline(guild_id, debate.id)
        return deadline.closes_at if deadline else None

    async def suggest(self, guild_id: int | None, typed: str) -> list[tuple[str, str]]:
        """Autocomplete: (label, slug) pairs for debates whose title or slug contains ``typed``."""
        wanted = normalize(typed)
        found = [
            (h.title, h.slug)
            for h in await self.headers(guild_id)
            if not wanted or wanted in normalize(h.title) or wanted in h.slug
        ]
        return found[:25]
