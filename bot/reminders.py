"""Reminders before a deadline: members opt in with the Remind me button, and one reminder
goes to the announce channel at the lead time, pinging only those who asked and have not
ranked yet.

Posted once, like a summary (:mod:`bot.summary_poster`): one transaction clears the
debate's ``remind_at`` and records the reminder with a nonce; each of its messages is sent
with that nonce and its index, so a restart inside :data:`RESEND_WINDOW` resends it without
duplicates (Discord's ``enforce_nonce``) and a later one abandons it rather than post twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.deadlines import discord_timestamp
from bot.errors import UserError
from bot.models import Deadline, Debate, ReminderPost
from bot.render.running import reminder_messages
from bot.render.text import safe
from bot.storage.reminders import ReminderRepository
from bot.summary_poster import RESEND_WINDOW, utcnow

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


class ReminderPoster:
    def __init__(self, bot: RankingBot, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.bot = bot
        self.store = ReminderRepository(bot.db)
        self.clock = clock

    async def toggle(self, guild_id: int, debate: Debate, member_id: int) -> tuple[bool, Deadline]:
        """Opt the member in (True) or, when already in, out (False)."""
        deadline = await self.bot.debate_store.deadline(guild_id, debate.id)
        if deadline is None:
            raise UserError(
                f"**{safe(debate.title)}** has no deadline, so there is nothing to remind you of."
            )
        asked = await self.store.toggle(guild_id, debate.id, member_id, self.clock())
        return asked, deadline

    async def remind_due(self) -> list[ReminderPost]:
        """Post every reminder that is due, each once."""
        now = self.clock()
        sent = []
        for deadline in await self.store.due(now):
            try:
                post = await self.store.claim(deadline, nonce=_nonce(), now=now)
                if post is not None and await self._send(post):
                    sent.append(post)
            except Exception:
                log.exception(
                    "Reminder failed (guild=%s debate=%s)", deadline.guild_id, deadline.debate_id
                )
        return sent

    async def recover(self) -> None:
        """On start: resend reminders claimed moments before a stop, abandon older ones."""
        now = self.clock()
        for post in await self.store.unfinished():
            if now - post.claimed_at > RESEND_WINDOW:
                log.warning(
                    "Reminder %d was claimed but not confirmed sent; not resending", post.id
                )
                await self.store.mark_unsent(
                    post.id, "abandoned", "the bot stopped between recording and sending it"
                )
                continue
            await self._send(post)

    async def _send(self, post: ReminderPost) -> bool:
        debate = await self.bot.debate_store.get(post.debate_id)
        if debate is None:
            await self.store.mark_unsent(post.id, "abandoned", "the debate was deleted")
            return False
        voters = await self.bot.ballot_store.count_current(post.guild_id, post.debate_id)
        waiting = await self.store.waiting(post.guild_id, post.debate_id)
        channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
        try:
            for index, (text, users) in enumerate(
                reminder_messages(debate, post.closes_at, voters, waiting)
            ):
                await channel.send(
                    text,
                    nonce=f"{post.nonce}{index:02d}",
                    # Exactly the members who asked: nobody else, whatever the text says.
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False,
                        roles=False,
                        replied_user=False,
                        users=[discord.Object(id=user) for user in users],
                    ),
                )
        except discord.HTTPException as exc:
            log.warning("Reminder %d not sent: %s", post.id, exc)
            await self.store.mark_unsent(post.id, "failed", f"Discord refused it: {exc}")
            return False
        await self.store.mark_sent(post.id, self.clock())
        log.info(
            "Reminder %d sent (guild=%d debate=%d, %d pinged, closes %s)",
            post.id,
            post.guild_id,
            post.debate_id,
            len(waiting),
            discord_timestamp(post.closes_at),
        )
        return True


def _nonce() -> str:
    # Discord accepts nonces of up to 25 characters; two more digits index the messages.
    return "rdr" + secrets.token_hex(8)
