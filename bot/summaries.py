"""Server summaries: composing them, posting them, and the schedule that posts them.

Guarantees of the scheduler, and how they are kept:

* **Due.** A schedule stores ``next_due``, the next slot (daily or weekly, at an hour in
  UTC). It is due when ``next_due <= now``; ``now`` comes from an injectable clock.
* **After downtime, one post, not the backlog.** When a due slot is taken, ``next_due``
  moves to the first slot *after now*, not after the old slot: three days of downtime
  give one summary on start, then the normal rhythm.
* **A restart never posts the same summary twice.** Before sending, one transaction
  records the post (status ``claimed``, with a random nonce and the snapshot of what it
  shows) and moves ``next_due`` on; after Discord accepts the message it is marked
  ``sent``. A crash after the claim leaves a ``claimed`` row. On start,
  :meth:`SummaryService.recover` resends such a post only if it was claimed less than
  :data:`RESEND_WINDOW` ago, with the same nonce: Discord's ``enforce_nonce`` returns the
  message already created with that nonce instead of creating another, so a crash between
  Discord's answer and our ``sent`` mark still yields one message. Older claims are marked
  ``abandoned`` and logged: that slot is skipped (at most once, never twice), and the next
  slot comes as scheduled.
* **A failed send is not retried** (missing permission, deleted channel): the post is
  marked ``failed`` with the reason and the schedule keeps its rhythm, so a broken channel
  never turns into a message every minute.
* **What changed.** Each post stores a snapshot (method, voters, places, the newest ballot
  id); the next summary compares with the last one *sent* to say how many new voters came,
  how many changed their ranking, and which items moved.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import discord

from bot.errors import UserError
from bot.models import (
    ChangesSince,
    Debate,
    Frequency,
    Movement,
    Schedule,
    SummaryPost,
    SummarySnapshot,
    VoterChanges,
)
from bot.ranking import KEMENY_MAX_ITEMS, ConsensusResult
from bot.render.charts import chart_data, render_chart
from bot.render.results import (
    NUMBERS_LABEL,
    consensus_page_id,
    numbers_id,
)
from bot.render.summary import CHART_NAME, summary_embeds
from bot.storage.summaries import SummaryRepository
from bot.ui import vote_button

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Discord checks a message nonce for uniqueness over "the past few minutes"; resending a
# crashed post well inside that is safe, later it could duplicate, so it is abandoned.
RESEND_WINDOW = timedelta(seconds=60)
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# What the bot needs in a channel to post a summary there, by Discord's names for them.
REQUIRED_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- when ---------------------------------------------------------------------------------


def next_slot(after: datetime, every: Frequency, hour: int, weekday: int | None = None) -> datetime:
    """The first slot strictly after ``after``: today or a later day at ``hour``:00 UTC."""
    after = after.astimezone(UTC)
    slot = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    if every == "weekly":
        if weekday is None:
            raise ValueError("A weekly schedule needs a weekday.")
        slot += timedelta(days=(weekday - slot.weekday()) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    while slot <= after:
        slot += step
    return slot


def describe_schedule(schedule: Schedule) -> str:
    when = f"{schedule.hour:02d}:00 UTC"
    if schedule.every == "weekly" and schedule.weekday is not None:
        return f"every {WEEKDAYS[schedule.weekday]} at {when}"
    return f"every day at {when}"


# -- what changed -------------------------------------------------------------------------


def snapshot_of(result: ConsensusResult[int], ballot_mark: int) -> SummarySnapshot:
    places = {key: result.place(key) for key in result.ranking}
    return SummarySnapshot(result.method, result.voters, ballot_mark, places)


def changes_since(
    previous: SummarySnapshot | None, current: SummarySnapshot, voters: VoterChanges | None
) -> ChangesSince:
    if previous is None:
        return ChangesSince(first=True, voters_now=current.voters)
    moved = tuple(
        Movement(item, previous.places.get(item), place)
        for item, place in current.places.items()
        if previous.places.get(item) != place
    )
    return ChangesSince(
        first=False,
        voters_before=previous.voters,
        voters_now=current.voters,
        new_voters=voters.new if voters else 0,
        changed_ballots=voters.changed if voters else 0,
        moved=moved,
        method_changed=previous.method != current.method,
    )


# -- permissions ----------------------------------------------------------------------------


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """The permissions a summary needs that ``permissions`` lacks, by their Discord names."""
    return [label for name, label in REQUIRED_PERMISSIONS.items() if not getattr(permissions, name)]


def bot_permissions_in(channel: discord.abc.GuildChannel) -> discord.Permissions | None:
    """The bot's permissions in ``channel``, or None when the server is not cached.

    An uncached server (no gateway yet) has no roles to compute from: guessing would report
    every permission missing, so the caller lets Discord decide instead.
    """
    guild = channel.guild
    if guild.unavailable or guild.me is None or not guild.roles:
        return None
    return channel.permissions_for(guild.me)


class CannotPost(UserError):
    """The bot could not post the summary; the message says why, for the admin."""


def cannot_post_message(channel_mention: str, missing: list[str]) -> str:
    return (
        f"I can't post summaries in {channel_mention}: I'm missing "
        f"{', '.join(missing)} there. Allow {'it' if len(missing) == 1 else 'them'} for me in "
        "the channel's permissions, or pick another channel."
    )


# -- composing and posting ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComposedSummary:
    debate: Debate
    embeds: list[discord.Embed]
    chart: bytes
    snapshot: SummarySnapshot
    partial_ranking: bool  # the ranking shows its first places only

    def message_kwargs(self) -> dict[str, Any]:
        return {
            "embeds": self.embeds,
            "file": discord.File(io.BytesIO(self.chart), filename=CHART_NAME),
            "view": summary_view(self.debate.id, self.snapshot.method, self.partial_ranking),
            "allowed_mentions": discord.AllowedMentions.none(),
        }


def summary_view(debate_id: int, method: str, full_ranking: bool) -> discord.ui.View:
    """The buttons under a summary: the numbers, the rest of the ranking, and Vote.

    They are plain buttons with the custom_ids that cogs/results handles as dynamic
    items. The view is stopped before sending so discord.py does not also keep it in
    memory for every summary ever posted: the dynamic items answer the clicks.
    """
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=NUMBERS_LABEL,
            emoji="📊",
            style=discord.ButtonStyle.primary,
            custom_id=numbers_id(debate_id, method),
        )
    )
    if full_ranking:
        view.add_item(
            discord.ui.Button(
                label="Full ranking", emoji="📜", custom_id=consensus_page_id(debate_id, method, 0)
            )
        )
    view.add_item(vote_button(debate_id))
    view.stop()
    return view


class SummaryService:
    """Composes summaries from the results service and posts them, now or on schedule."""

    def __init__(self, bot: RankingBot, *, clock: Clock = utcnow) -> None:
        self.bot = bot
        self.repo: SummaryRepository = bot.summaries
        self.clock = clock

    # -- composing --------------------------------------------------------------------

    async def compose(
        self, guild_id: int, debate: Debate, *, scheduled: bool = False
    ) -> ComposedSummary:
        """The consensus, the hottest disagreements, what changed and the chart.

        For a scheduled post nobody is there to read an error, so a method too slow for
        this debate falls back to Schulze (the embed names the method used).
        """
        settings = await self.bot.guild_settings.get(guild_id)
        method = settings.default_method
        if scheduled and method == "kemeny" and len(debate.items) > KEMENY_MAX_ITEMS:
            method = "schulze"
        # The mark first: a ballot saved while we count is then "new" next time rather
        # than never.
        mark = await self.repo.ballot_mark(guild_id, debate.id)
        result, summary = await self.bot.results.summary(guild_id, debate, method)
        kept = await self.bot.results.snapshot(guild_id, debate)
        snapshot = snapshot_of(result, mark)
        last = await self.repo.last_sent(guild_id, debate.id)
        voter_changes = (
            await self.repo.voter_changes(guild_id, debate.id, last.snapshot.ballot_mark)
            if last
            else None
        )
        changes = changes_since(last.snapshot if last else None, snapshot, voter_changes)
        plain_names = {item.id: item.name for item in debate.items}
        data = chart_data(kept.ballots.tally, result.ranking, plain_names, debate.title)
        chart = await asyncio.to_thread(render_chart, data)
        message = summary_embeds(
            debate,
            result,
            summary,
            ballots=kept.ballots,
            reasons=kept.reasons,
            hide_members=settings.hide_members,
            min_voters=settings.min_voters,
            changes=changes,
            with_chart=True,
        )
        return ComposedSummary(debate, message.embeds, chart, snapshot, message.partial_ranking)

    # -- posting now ------------------------------------------------------------------

    async def post_now(
        self, guild_id: int, debate: Debate, channel: discord.abc.Messageable
    ) -> discord.Message:
        """/summary post: compose, record, send. Raises UserError (CannotPost among them)."""
        composed = await self.compose(guild_id, debate)
        channel_id = getattr(channel, "id", 0)
        post = await self.repo.claim_manual(
            guild_id,
            debate.id,
            channel_id,
            snapshot=composed.snapshot,
            nonce=new_nonce(),
            now=self.clock(),
        )
        return await self._send(post, composed, channel)

    # -- the schedule -----------------------------------------------------------------

    async def schedule(
        self,
        guild_id: int,
        debate: Debate,
        channel_id: int,
        every: Frequency,
        hour: int,
        created_by: int,
    ) -> Schedule:
        if every not in FREQUENCIES:
            raise UserError("Summaries can be posted `daily` or `weekly`.")
        if not 0 <= hour <= 23:
            raise UserError("The hour is 0 to 23, in UTC.")
        now = self.clock()
        weekday = None
        if every == "weekly":
            # The weekday of the first such hour from now: "weekly" means "from now on".
            weekday = next_slot(now, "daily", hour).weekday()
        schedule = Schedule(
            guild_id=guild_id,
            debate_id=debate.id,
            channel_id=channel_id,
            every=every,
            hour=hour,
            weekday=weekday,
            next_due=next_slot(now, every, hour, weekday),
            created_by=created_by,
            created_at=now,
        )
        return await self.repo.set_schedule(schedule)

    async def stop(self, guild_id: int, debate: Debate) -> Schedule | None:
        return await self.repo.remove_schedule(guild_id, debate.id)

    async def run_due(self) -> list[SummaryPost]:
        """Post every summary that is due, each once; returns the posts that went out."""
        now = self.clock()
        sent: list[SummaryPost] = []
        for schedule in await self.repo.due(now):
            try:
                post = await self._post_scheduled(schedule, now)
            except Exception:
                # One server's broken debate must not stop the others' summaries.
                log.exception(
                    "Scheduled summary failed (guild=%s debate=%s)",
                    schedule.guild_id,
                    schedule.debate_id,
                )
                continue
            if post is not None:
                sent.append(post)
        return sent

    async def recover(self) -> list[SummaryPost]:
        """On start: finish or abandon posts a previous run claimed but never marked."""
        now = self.clock()
        resent: list[SummaryPost] = []
        for post in await self.repo.unfinished():
            if now - post.claimed_at > RESEND_WINDOW:
                log.warning(
                    "Summary %d (guild=%s debate=%s) was claimed at %s but not confirmed sent; "
                    "not resending it so that it cannot appear twice",
                    post.id,
                    post.guild_id,
                    post.debate_id,
                    post.claimed_at,
                )
                await self.repo.mark_unsent(
                    post.id, "abandoned", "the bot stopped between recording and sending it"
                )
                continue
            debate = await self.bot.debates.get(post.debate_id)
            if debate is None:
                await self.repo.mark_unsent(post.id, "abandoned", "the debate was deleted")
                continue
            try:
                composed = await self.compose(post.guild_id, debate, scheduled=True)
                await self._send(post, composed, self._channel(post))
            except CannotPost:
                continue  # recorded as failed
            except Exception:
                log.exception("Could not resend summary %d", post.id)
                await self.repo.mark_unsent(post.id, "failed", "resending after a restart failed")
                continue
            resent.append(post)
        return resent

    async def _post_scheduled(self, schedule: Schedule, now: datetime) -> SummaryPost | None:
        debate = await self.bot.debates.get(schedule.debate_id)
        if debate is None:  # deleted since (the schedule row cascades away, normally)
            await self.repo.remove_schedule(schedule.guild_id, schedule.debate_id)
            return None
        composed = await self.compose(schedule.guild_id, debate, scheduled=True)
        post = await self.repo.claim_slot(
            schedule,
            next_due=next_slot(now, schedule.every, schedule.hour, schedule.weekday),
            snapshot=composed.snapshot,
            nonce=new_nonce(),
            now=now,
        )
        if post is None:
            return None
        try:
            await self._send(post, composed, self._channel(post))
        except CannotPost:
            return None  # recorded as failed; the schedule keeps its rhythm
        return post

    def _channel(self, post: SummaryPost) -> discord.abc.Messageable:
        channel = self.bot.get_channel(post.channel_id)
        if isinstance(channel, discord.abc.Messageable):
            return channel
        # Not cached (no gateway yet, or a channel type we do not cache): a partial channel
        # can still send; Discord answers Forbidden or NotFound if it cannot.
        return self.bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)

    async def _send(
        self, post: SummaryPost, composed: ComposedSummary, channel: discord.abc.Messageable
    ) -> discord.Message:
        """Send a claimed post and record the outcome; CannotPost (recorded) if it failed."""
        if isinstance(channel, discord.abc.GuildChannel):
            permissions = bot_permissions_in(channel)
            missing = missing_permissions(permissions) if permissions is not None else []
            if missing:
                await self._failed(post, cannot_post_message(channel.mention, missing))
        try:
            message = await channel.send(nonce=post.nonce, **composed.message_kwargs())
        except discord.HTTPException as exc:
            await self._failed(post, f"Discord refused the summary for <#{post.channel_id}>: {exc}")
        await self.repo.mark_sent(post.id, message.id, self.clock())
        return message

    async def _failed(self, post: SummaryPost, reason: str) -> NoReturn:
        log.warning("Summary %d (guild=%s) not sent: %s", post.id, post.guild_id, reason)
        await self.repo.mark_unsent(post.id, "failed", reason)
        raise CannotPost(reason)


def new_nonce() -> str:
    # Discord accepts nonces of up to 25 characters.
    return "rds" + secrets.token_hex(8)
