"""A server's settings (/settings): what the cogs read and change, kept by the settings store."""

from __future__ import annotations

from typing import Any

from bot.models import GuildSettings
from bot.storage import SettingsRepository


class ServerSettingsService:
    def __init__(self, store: SettingsRepository) -> None:
        self.store = store

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings; the defaults until an admin changes one."""
        return await self.store.get(guild_id)

    async def update(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some settings (names of :class:`GuildSettings` fields); the result."""
        return await self.store.update(guild_id, **changes)
