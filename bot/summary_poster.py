"""Posting server summaries, now or on schedule, each scheduled slot once.

The slots are :mod:`bot.summary_schedule`'s; what changed since the last summary is
:mod:`bot.summary_changes`'. The guarantees of posting, and how they are kept:

* **A restart never posts the same summary twice.** Before sending, one transaction
  records the post (status ``claimed``, with a random nonce and the snapshot of what it
  shows) and moves ``next_due`` on; after Discord accepts the message it is marked
  ``sent``. A crash after the claim leaves a ``claimed`` row. On start,
  :meth:`SummaryPoster.recover` resends such a post only if it was claimed less than
  :data:`RESEND_WINDOW` ago, with the same nonce: Discord's ``enforce_nonce`` returns the
  message already created with that nonce instead of creating another, so a crash between
  Discord's answer and our ``sent`` mark still yields one message. Older claims are marked
  ``abandoned`` and logged: that slot is skipped (at most once, never twice), and the next
  slot comes as scheduled.
* **A deadline closes its debate and reveals once.** :meth:`SummaryPoster.close_due`
  composes the reveal, then one transaction closes the debate and claims the reveal post,
  only while the debate is still open with that deadline; the post then goes out like any
  other, and :meth:`~SummaryPoster.recover` settles it after a crash. A deadline passed
  while the bot was down is closed at the next start, once; ballots stop at the deadline
  itself whenever the loop runs (:meth:`bot.storage.DebateRepository.is_open`).
* **A failed send is not retried** (missing permission, deleted channel): the post is
  marked ``failed`` with the reason and the schedule keeps its rhythm, so a broken channel
  never turns into a message every minute.

A summary is one Components V2 card (its sections, the chart, the buttons). The buttons
and the card are Discord widgets: the poster is handed the functions that make them
(:func:`bot.ui.summary_view`, :func:`bot.ui.summary_card`) rather than building them itself.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NoReturn, Protocol, TypeVar

import discord

from bot.chart_worker import chart_key
from bot.errors import UserError
from bot.models import Deadline, Debate, Frequency, Schedule, SummaryPost, SummarySnapshot
from bot.permissions import bot_permissions_in, cannot_post_message, missing_permissions
from bot.ranking import KEMENY_MAX_ITEMS
from bot.render.charts import chart_data
from bot.render.factions import summary_factions_embed
from bot.render.running import hidden_embed, predictions_embed
from bot.render.summary import CHART_NAME, summary_embeds
from bot.render.text import LAYOUT_TEXT, safe_clip
from bot.summary_changes import changes_since, snapshot_of
from bot.summary_schedule import new_schedule, next_slot

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.storage.summaries import SummaryRepository

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_Due = TypeVar("_Due", Schedule, Deadline)
_Owned = TypeVar("_Owned", Schedule, Deadline, SummaryPost)
if TYPE_CHECKING:
    # (debate_id, method, full_ranking, is_open, hidden) -> the buttons under a summary.
    SummaryButtons = Callable[[int, str, bool, bool, bool], discord.ui.View]

    class SummaryCard(Protocol):
        """The summary's sections (their images its pictures), the buttons, the note above
        (:func:`bot.ui.summary_card`)."""

        def __call__(
            self, embeds: Sequence[discord.Embed], buttons: discord.ui.View, *, note: str | None
        ) -> discord.ui.LayoutView: ...


# Discord checks a message nonce for uniqueness over "the past few minutes"; resending a
# crashed post well inside that is safe, later it could duplicate, so it is abandoned.
RESEND_WINDOW = timedelta(seconds=60)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CannotPost(UserError):
    """The bot could not post the summary; the message says why, for the admin.

    ``lasting``: the channel is gone or closed to the bot, so it stays so until someone acts.
    """

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


@dataclass(frozen=True, slots=True)
class ComposedSummary:
    debate: Debate
    embeds: list[discord.Embed]
    chart: bytes | None  # None while results are hidden
    snapshot: SummarySnapshot
    partial_ranking: bool  # the ranking shows its first places only
    closed: bool  # voting has closed: the ranking is final, nobody can vote


class SummaryPoster:
    """Composes summaries from the results service and posts them, now or on schedule."""

    def __init__(
        self,
        bot: RankingBot,
        *,
        buttons: SummaryButtons,
        card: SummaryCard,
        clock: Clock = utcnow,
    ) -> None:
        self.bot = bot
        self.repo: SummaryRepository = bot.summary_store
        self.buttons = buttons
        self.card = card
        self.clock = clock

    # -- composing --------------------------------------------------------------------

    async def compose(
        self, guild_id: int, debate: Debate, *, scheduled: bool = False, reveal: bool = False
    ) -> ComposedSummary:
        """The consensus, the hottest disagreements, what changed and the chart.

        For a scheduled post nobody is there to read an error, so a method too slow for
        this debate falls back to Schulze (the embed names the method used). While the
        debate's results are hidden it shows only how many ranked and when results come
        out; a ``reveal`` (composed as the debate closes) shows everything, predictions too.
        A closed debate's summary (a reveal among them) says its ranking is final and
        offers no Vote.
        """
        closed = reveal or not await self.bot.debate_admin.is_open(guild_id, debate)
        hidden = None if reveal else await self.bot.debate_rules.hidden(guild_id, debate)
        settings = await self.bot.server_settings.get(guild_id)
        method = settings.default_method
        if scheduled and method == "kemeny" and len(debate.items) > KEMENY_MAX_ITEMS:
            method = "schulze"
        # The mark first: a ballot saved while we count is then "new" next time rather
        # than never.
        mark = await self.repo.ballot_mark(guild_id, debate.id)
        result, summary = await self.bot.results.disagreement(guild_id, debate, method)
        kept = await self.bot.results.snapshot(guild_id, debate)
        snapshot = snapshot_of(result, mark)
        last = await self.repo.last_sent(guild_id, debate.id)
        voter_changes = (
            await self.repo.voter_changes(guild_id, debate.id, last.snapshot.ballot_mark)
            if last
            else None
        )
        changes = changes_since(last.snapshot if last else None, snapshot, voter_changes)
        if hidden is not None:
            return ComposedSummary(debate, [hidden_embed(hidden)], None, snapshot, False, closed)
        plain_names = {item.id: item.name for item in debate.items}
        chart = await self.bot.charts.draw(
            chart_key(guild_id, debate, method, kept.version),
            lambda: chart_data(
                kept.ballots.tally, result.ranking, plain_names, debate.title, result.label
            ),
            guild_id=None,  # the bot's own post: drawn in turn, never refused
        )
        factions = summary_factions_embed(
            debate, await self.bot.factions.factions(guild_id, debate)
        )
        guesses = None
        if reveal:
            scores = await self.bot.predictions.scores(guild_id, debate, result)
            guesses = predictions_embed(debate, scores, hide_members=settings.hide_members)
        message = summary_embeds(
            debate,
            result,
            summary,
            ballots=kept.ballots,
            reasons=await self.bot.results.reasons(guild_id, debate),
            hide_members=settings.hide_members,
            min_voters=settings.min_voters,
            changes=changes,
            with_chart=True,
            closed=closed,
            factions=factions,
            predictions=guesses,
            budget=LAYOUT_TEXT - len(reveal_line(debate) if reveal else ""),
        )
        embeds = message.embeds
        return ComposedSummary(debate, embeds, chart, snapshot, message.partial_ranking, closed)

    # -- posting now ------------------------------------------------------------------

    async def post_now(
        self,
        guild_id: int,
        debate: Debate,
        channel: discord.abc.Messageable,
        *,
        reveal: bool = False,
    ) -> discord.Message:
        """/summary post (or the reveal when an admin closes a debate whose results were
        hidden): compose, record, send. Raises UserError (CannotPost among them)."""
        composed = await self.compose(guild_id, debate, reveal=reveal)
        channel_id = getattr(channel, "id", 0)
        post = await self.repo.claim_manual(
            guild_id,
            debate.id,
            channel_id,
            snapshot=composed.snapshot,
            nonce=new_nonce(),
            now=self.clock(),
            kind="reveal" if reveal else "summary",
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
        schedule = new_schedule(
            guild_id=guild_id,
            debate_id=debate.id,
            channel_id=channel_id,
            every=every,
            hour=hour,
            created_by=created_by,
            now=self.clock(),
        )
        return await self.repo.set_schedule(schedule)

    async def stop(self, guild_id: int, debate: Debate) -> Schedule | None:
        return await self.repo.remove_schedule(guild_id, debate.id)

    async def schedule_of(self, guild_id: int, debate: Debate) -> Schedule | None:
        return await self.repo.get_schedule(guild_id, debate.id)

    async def schedules(self, guild_id: int) -> list[Schedule]:
        """The server's schedules, the next due first."""
        return await self.repo.schedules_for_guild(guild_id)

    async def last_places(self, guild_id: int, debate: Debate) -> dict[int, int] | None:
        """Each item's place in the last summary sent (None before the first)."""
        last = await self.repo.last_sent(guild_id, debate.id)
        return last.snapshot.places if last else None

    async def run_due(self) -> list[SummaryPost]:
        """Post every summary that is due, each once; returns the posts that went out."""
        now = self.clock()
        due = self._mine(await self.repo.due(now))
        return await _each(due, lambda s: self._post_scheduled(s, now), "Scheduled summary")

    async def recover(self) -> list[SummaryPost]:
        """On start: finish or abandon posts a previous run claimed but never marked."""
        now = self.clock()
        resent: list[SummaryPost] = []
        for post in self._mine(await self.repo.unfinished()):
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
            debate = await self.bot.debate_store.get(post.debate_id)
            if debate is None:
                await self.repo.mark_unsent(post.id, "abandoned", "the debate was deleted")
                continue
            try:
                composed = await self.compose(
                    post.guild_id, debate, scheduled=True, reveal=post.kind == "reveal"
                )
                await self._send(post, composed, self._channel(post))
            except CannotPost:
                continue  # recorded as failed
            except Exception:
                log.exception("Could not resend summary %d", post.id)
                await self.repo.mark_unsent(post.id, "failed", "resending after a restart failed")
                continue
            resent.append(post)
        return resent

    async def close_due(self) -> list[SummaryPost]:
        """Close every debate whose deadline has come, each once, and post its reveal."""
        now = self.clock()
        due = self._mine(await self.bot.debate_store.due_deadlines(now))
        return await _each(due, lambda d: self._close(d, now), "Closing at the deadline")

    def _mine(self, things: list[_Owned]) -> list[_Owned]:
        """Those of this process's servers: other shards' processes post their own."""
        return [thing for thing in things if self.bot.own_shards.owns(thing.guild_id)]

    async def _close(self, deadline: Deadline, now: datetime) -> SummaryPost | None:
        debate = await self.bot.debate_store.get(deadline.debate_id)
        if debate is None:
            return None  # deleted: its guild_debates row cascades away
        composed = await self.compose(deadline.guild_id, debate, scheduled=True, reveal=True)
        post = await self.repo.claim_reveal(
            deadline, snapshot=composed.snapshot, nonce=new_nonce(), now=now
        )
        if post is None:
            return None
        try:
            await self._send(post, composed, self._channel(post))
        except CannotPost:
            return None  # recorded as failed; the debate is closed all the same
        return post

    async def _post_scheduled(self, schedule: Schedule, now: datetime) -> SummaryPost | None:
        debate = await self.bot.debate_store.get(schedule.debate_id)
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
        except CannotPost as exc:
            # Recorded as failed. A channel that is gone or closed to the bot stays so until
            # an admin acts: pause rather than fail at every slot. Anything else (Discord
            # down) keeps the rhythm.
            if exc.lasting:
                await self.repo.pause(schedule.guild_id, schedule.debate_id, str(exc), now)
            return None
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
                await self._failed(
                    post, cannot_post_message(channel.mention, missing), lasting=True
                )
        try:
            buttons = self.buttons(
                composed.debate.id,
                composed.snapshot.method,
                composed.partial_ranking,
                not composed.closed,
                composed.chart is None,
            )
            note = reveal_line(composed.debate) if post.kind == "reveal" else None
            message = await channel.send(
                nonce=post.nonce,
                files=[discord.File(io.BytesIO(composed.chart), filename=CHART_NAME)]
                if composed.chart is not None
                else [],
                view=self.card(composed.embeds, buttons, note=note),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            reason = (
                f"the channel <#{post.channel_id}> no longer exists"
                if isinstance(exc, discord.NotFound)
                else f"I may not post in <#{post.channel_id}>"
            )
            await self._failed(post, f"{reason} ({exc.text or exc.status})", lasting=True)
        except discord.HTTPException as exc:
            await self._failed(post, f"Discord refused the summary for <#{post.channel_id}>: {exc}")
        await self.repo.mark_sent(post.id, message.id, self.clock())
        return message

    async def _failed(self, post: SummaryPost, reason: str, *, lasting: bool = False) -> NoReturn:
        paused = "; its schedule is paused" if lasting and post.slot is not None else ""
        log.warning("Summary %d (guild=%s) not sent: %s%s", post.id, post.guild_id, reason, paused)
        await self.repo.mark_unsent(post.id, "failed", reason)
        raise CannotPost(reason, lasting=lasting)


async def _each(
    due: list[_Due], act: Callable[[_Due], Awaitable[SummaryPost | None]], what: str
) -> list[SummaryPost]:
    """``act`` on each due thing; the posts that went out. One server's broken debate must
    not stop the others'."""
    sent: list[SummaryPost] = []
    for thing in due:
        try:
            post = await act(thing)
        except Exception:
            log.exception("%s failed (guild=%s debate=%s)", what, thing.guild_id, thing.debate_id)
            continue
        if post is not None:
            sent.append(post)
    return sent


def reveal_line(debate: Debate) -> str:
    return f"Voting on **{safe_clip(debate.title, 200)}** has closed. The results:"


def new_nonce() -> str:
    # Discord accepts nonces of up to 25 characters.
    return "rds" + secrets.token_hex(8)
