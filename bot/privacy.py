"""A member's data: erasing it (``/forget-me``, ``python -m bot forget``) and hiding ids in
exports behind pseudonyms.

A pseudonym is an HMAC of the debate and member ids under a key made once per installation
(migration 0003): the same member gets the same pseudonym in every export of a debate, so
an export can be compared with the last one, but not across debates, and nobody without
the database can turn it back into a member id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from bot.storage import SettingsRepository
from bot.storage.personal_data import Erasure, PersonalDataRepository
from bot.voting import VotingService

VoterName = Callable[[int], str]


def pseudonym(key: bytes, debate_id: int, member_id: int) -> str:
    digest = hmac.new(key, f"{debate_id}:{member_id}".encode(), hashlib.sha256).hexdigest()
    return f"voter-{digest[:12]}"


class PrivacyService:
    def __init__(
        self,
        personal_data: PersonalDataRepository,
        voting: VotingService,
        settings_store: SettingsRepository,
    ) -> None:
        self.personal_data = personal_data
        self.voting = voting
        self.settings_store = settings_store

    async def forget(self, member_id: int, guild_id: int | None) -> Erasure:
        """Erase the member's rows in one server (everywhere with None); tallies follow."""
        return await self.voting.erase_member(self.personal_data, member_id, guild_id)

    async def voter_names(self, guild_id: int, debate_id: int) -> VoterName | None:
        """How exports name members: by pseudonym, or None when the server turned that off."""
        if not (await self.settings_store.get(guild_id)).pseudonymous_exports:
            return None
        key = await self.personal_data.pseudonym_key()
        return lambda member_id: pseudonym(key, debate_id, member_id)
