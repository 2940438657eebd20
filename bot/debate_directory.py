"""Which debates a server sees, and finding one from what a member typed."""

from __future__ import annotations

from bot.catalog import normalize
from bot.errors import UserError
from bot.models import Debate, DebateListing
from bot.storage import BallotRepository, DebateRepository, SettingsRepository


class DebateDirectory:
    """Catalog debates are visible in every server; a server's own debates only there."""

    def __init__(
        self, debates: DebateRepository, ballots: BallotRepository, settings: SettingsRepository
    ) -> None:
        self.debates = debates
        self.ballots = ballots
        self.settings = settings

    async def visible(self, guild_id: int | None) -> list[Debate]:
        return await self.debates.list_for_guild(guild_id)

    async def current(self, guild_id: int | None) -> Debate:
        """The server's current debate: the one an admin picked, else the first catalog debate."""
        visible = await self.visible(guild_id)
        if guild_id is not None:
            chosen = (await self.settings.get(guild_id)).current_debate_id
            for debate in visible:
                if debate.id == chosen:
                    return debate
        if not visible:
            raise UserError("There are no debates yet. An admin can add one with `/debate create`.")
        return visible[0]

    async def by_id(self, guild_id: int | None, debate_id: int) -> Debate:
        """The debate a button names, if this server can still see it; else a UserError."""
        debate = await self.debates.get(debate_id)
        if debate is None or debate.guild_id not in (None, guild_id):
            raise UserError("That debate no longer exists. `/debate list` shows the current ones.")
        return debate

    async def resolve(self, guild_id: int | None, query: str | None) -> Debate:
        """The debate named by ``query`` (slug, title or a unique part of it), or the current one."""
        if query is None or not query.strip():
            return await self.current(guild_id)
        visible = await self.visible(guild_id)
        wanted = normalize(query)
        for match in (
            lambda d: d.slug == query.strip(),
            lambda d: normalize(d.title) == wanted or normalize(d.slug) == wanted,
        ):
            found = [d for d in visible if match(d)]
            if found:
                return found[0]
        partial = [d for d in visible if wanted in normalize(d.title) or wanted in d.slug]
        if len(partial) == 1:
            return partial[0]
        shown = query.strip()[:60]
        if partial:
            names = ", ".join(d.title for d in partial[:3])
            raise UserError(f"'{shown}' matches several debates ({names}). Pick one from the list.")
        raise UserError(f"I don't know a debate called '{shown}'. `/debate list` shows them all.")

    async def listings(self, guild_id: int) -> list[DebateListing]:
        visible = await self.visible(guild_id)
        closed = await self.debates.closed_debate_ids(guild_id)
        counts = await self.ballots.voter_counts(guild_id)
        current = await self.current(guild_id) if visible else None
        return [
            DebateListing(
                debate=d,
                is_open=d.id not in closed,
                voters=counts.get(d.id, 0),
                is_current=current is not None and d.id == current.id,
            )
            for d in visible
        ]

    async def suggest(self, guild_id: int | None, typed: str) -> list[tuple[str, str]]:
        """Autocomplete: (label, slug) pairs for debates whose title or slug contains ``typed``."""
        wanted = normalize(typed)
        found = [
            (d.title, d.slug)
            for d in await self.visible(guild_id)
            if not wanted or wanted in normalize(d.title) or wanted in d.slug
        ]
        return found[:25]
