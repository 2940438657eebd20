"""The Bot subclass: receives its resources, loads the cogs, syncs commands, owns the error path."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import pkgutil
from typing import Any, cast

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot.arguments import describe_options
from bot.backups import DailyBackups
from bot.catalog import builtin_catalog, load_catalogs
from bot.chart_worker import ChartWorker
from bot.debate_admin import DebateAdmin
from bot.debate_directory import DebateDirectory
from bot.debate_rules import DebateRulesService
from bot.due_loop import MAX_SLEEP_SECONDS, SHARED_MAX_SLEEP_SECONDS, DueLoop
from bot.duels import DuelService
from bot.errors import ErrorHandlingTree
from bot.exports import ExportWorker
from bot.factions import FactionService
from bot.health import HealthServer
from bot.logs import log_command
from bot.predictions import PredictionService
from bot.privacy import PrivacyService
from bot.ranking import FactionRules
from bot.reminders import ReminderPoster
from bot.results import ResultsService
from bot.server_lifecycle import ServerLifecycle
from bot.server_settings import ServerSettingsService
from bot.settings import Settings
from bot.storage import (
    BallotRepository,
    Database,
    DebateRepository,
    DuelRepository,
    SettingsRepository,
)
from bot.storage.debate_rules import DebateRulesRepository
from bot.storage.guilds import GuildRepository
from bot.storage.personal_data import PersonalDataRepository
from bot.storage.predictions import PredictionRepository
from bot.storage.summaries import SummaryRepository
from bot.summary_poster import SummaryPoster
from bot.timely import observe_arrival
from bot.ui import (
    DuelButton,
    RemindButton,
    VoteButton,
    answer_lost_form,
    summary_card,
    summary_view,
)
from bot.voting import SaveLimit, VotingService

log = logging.getLogger(__name__)

OUTSIDE_WRITES_CHECK_SECONDS = 5.0
GC_YOUNG_THRESHOLD = 10_000
# Connections kept open to each of Discord's hosts (API, gateway) at most.
DISCORD_CONNECTIONS = 64


# Imported on first use rather than at the start (tests/test_lazy_imports.py), then loaded
# in a worker thread once connected (on_connect), so the first /vote doesn't pay for them.
FIRST_USE_MODULES = ("rapidfuzz.process", "rapidfuzz.distance.OSA")


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


class CogLoadError(RuntimeError):
    """A module in ``cogs/`` could not be loaded; the bot does not start without it."""


class RankingTree(ErrorHandlingTree):
    """The command tree: the one error path, and shared options described where declared."""

    def add_command(
        self,
        command: app_commands.Command[Any, ..., Any]
        | app_commands.ContextMenu
        | app_commands.Group,
        /,
        **kwargs: Any,
    ) -> None:
        if not isinstance(command, app_commands.ContextMenu):
            describe_options(command)
        super().add_command(command, **kwargs)


def resume_collecting() -> None:
    """Start the garbage collector that ``python -m bot`` paused for its imports.

    What the imports made lives as long as the process: frozen, no collection walks it
    again. Young collections then run every :data:`GC_YOUNG_THRESHOLD` allocations, not
    700: under a burst of votes the default ran ~120 times, walking the same in-flight
    interactions again and again (~220 ms of ~1.9 s of CPU per 1,000 votes; at 10,000,
    ~125 ms in 9 collections: bench/burst.py). Garbage in cycles waits a little longer;
    nearly everything is freed by reference counting anyway.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()


class RankingBot(commands.Bot):
    """The bot. It is handed an open :class:`Database`; it never creates global state."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        sync_globally: bool = False,
        **shard_options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            # Slash commands need no privileged intents; guilds gives channels and roles
            # for the permission checks.
            intents=discord.Intents(guilds=True),
            # Item names and reasons are user text: nothing the bot sends may ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=RankingTree,
            # discord.py's pool is unbounded: answering a burst of votes it opened a new
            # connection (a TLS handshake, on Discord) for nearly every reply of a group
            # commit. A bounded pool per host makes the burst reuse a few dozen; Discord
            # answers in tens of milliseconds, so 64 carry thousands of requests a second.
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=DISCORD_CONNECTIONS),
            **shard_options,
        )
        self.settings = settings
        # The servers whose tallies, schedules and deadlines are this process's to keep.
        self.own_shards = settings.shards
        self.db = db
        self.debate_store = DebateRepository(db)
        self.ballot_store = BallotRepository(db)
        self.settings_store = SettingsRepository(db)
        self.summary_store = SummaryRepository(db)
        self.server_settings = ServerSettingsService(self.settings_store)
        self.directory = DebateDirectory(self.debate_store, self.ballot_store, self.settings_store)
        self.debate_admin = DebateAdmin(
            self.debate_store,
            self.ballot_store,
            self.settings_store,
            max_debates=settings.max_debates_per_server,
        )
        self.voting = VotingService(
            self.ballot_store, self.debate_store, limit=SaveLimit(settings.vote_saves_per_minute)
        )
        self.duel_store = DuelRepository(db)
        self.duels = DuelService(self.duel_store, self.debate_store, self.voting)
        self.results = ResultsService(self.ballot_store, owns=self.own_shards.owns)
        self.charts = ChartWorker(cooldown_seconds=settings.chart_cooldown_seconds)
        self.exports = ExportWorker()
        self.voting.add_listener(self.results.on_ballot_change)
        rules = FactionRules(
            min_voters=settings.faction_min_voters, min_size=settings.faction_min_size
        )
        self.factions = FactionService(self.results, self.settings_store, rules)
        self.rules_store = DebateRulesRepository(db)
        # A debate deleted takes its rules in every server along (the rows cascade away).
        self.debate_store.add_listener(self.rules_store.forget)
        self.debate_rules = DebateRulesService(
            self.rules_store, self.settings_store, self.debate_store, self.ballot_store
        )
        self.predictions = PredictionService(
            PredictionRepository(db), self.debate_rules, self.voting
        )
        self.summary_poster = SummaryPoster(self, buttons=summary_view, card=summary_card)
        self.reminders = ReminderPoster(self)
        self.due = DueLoop(
            [
                ("Closing at the deadline", self.summary_poster.close_due),
                ("Reminding before the deadline", self.reminders.remind_due),
                ("Posting scheduled summaries", self.summary_poster.run_due),
            ],
            [self.debate_store.next_due, self.summary_store.next_due],
            clock=self.summary_poster.clock,
            max_sleep=MAX_SLEEP_SECONDS
            if settings.shard_count is None
            else SHARED_MAX_SLEEP_SECONDS,
        )
        self.debate_store.add_listener(self.due.wake)
        self.privacy = PrivacyService(PersonalDataRepository(db), self.voting, self.settings_store)
        self.lifecycle = ServerLifecycle(
            GuildRepository(db), on_purge=self._forget_server, owns=self.own_shards.owns
        )
        self.sync_globally = sync_globally
        self._warming: asyncio.Task[None] | None = None
        self._backing_up: asyncio.Task[None] | None = None
        self._watching: asyncio.Task[None] | None = None
        self._purging: asyncio.Task[None] | None = None
        self._compacting: asyncio.Task[None] | None = None
        self.health: HealthServer | None = None

    async def setup_hook(self) -> None:
        version = await self.db.migrate()
        log.info("Database %s at schema version %d", self.db.name, version)
        extra = [self.settings.catalog_dir] if self.settings.catalog_dir else []
        await self.debate_store.sync_catalog(load_catalogs([builtin_catalog(), *extra]))
        # Duels left alone for a day go, even in servers where nobody runs /duel again.
        await self.duels.drop_idle()
        # Vote and Duel buttons on messages sent before this start must keep working.
        self.add_dynamic_items(VoteButton, DuelButton, RemindButton)
        await self.load_cogs()
        if not gc.isenabled():
            # `python -m bot` paused the collector for the imports (bot/__main__.py).
            resume_collecting()
        await self.sync_commands()
        self._watching = asyncio.create_task(self._watch_outside_writes(), name="outside-writes")
        self._purging = asyncio.create_task(self.lifecycle.run(), name="purge-departed")
        if self.settings.health_port is not None:
            self.health = HealthServer(self, self.settings.health_host, self.settings.health_port)
            await self.health.start()
        if self.settings.backup_dir is not None and self.db.file is None:
            log.warning("BACKUP_DIR is for SQLite; back up PostgreSQL with pg_dump instead")
        elif self.settings.backup_dir is not None and self.db.file is not None:
            backups = DailyBackups(
                self.db.file, self.settings.backup_dir, self.settings.backup_keep
            )
            self._backing_up = asyncio.create_task(backups.run(), name="daily-backups")

    async def on_connect(self) -> None:
        # The gateway said READY. The servers now stream in, and discord.py waits seconds
        # before on_ready: the time to preload tallies and load what the start left out
        # (in threads), without delaying READY itself. Once: 'connect' comes again on every
        # reconnection, and from every shard.
        if self._warming is not None:
            return
        self._warming = asyncio.create_task(self._warm_results(), name="warm-results")
        self._compacting = asyncio.create_task(self._compact_history(), name="compact-history")
        self.charts.preload()
        asyncio.get_running_loop().run_in_executor(None, _import_all, FIRST_USE_MODULES)

    async def _warm_results(self) -> None:
        # In the background: a server with 100,000 ballots takes a second or two to load,
        # and the bot should be answering meanwhile (results load on demand regardless).
        try:
            warmed = await self.results.warm(self.debate_store)
        except Exception:
            log.exception("Could not preload results; they will load on first use")
        else:
            log.info("Preloaded results for %d debate(s)", warmed)

    async def _compact_history(self) -> None:
        # Saves keep each member's history short themselves; this catches up on revisions
        # kept from before the retention existed, in short transactions in the background.
        try:
            gone = await self.ballot_store.compact_all()
        except Exception:
            log.exception("Could not compact the ballot history; saves still compact their own")
        else:
            if gone:
                log.info("Compacted %d old ballot revision(s)", gone)

    async def _watch_outside_writes(self) -> None:
        # `python -m bot forget USER_ID` erases ballots from another process; the kept
        # tallies would go on counting them. Reloading them from the database settles it.
        seen = await self.db.data_version()
        while True:
            await asyncio.sleep(OUTSIDE_WRITES_CHECK_SECONDS)
            now = await self.db.data_version()
            if now != seen:
                log.info("Another process changed the database; reloading results")
                self.results.forget_all()
                self._forget_kept_rows()
                seen = now

    def _forget_server(self, guild_id: int) -> None:
        # A purge deleted the server's rows behind the stores' backs.
        self.directory.forget_server(guild_id)
        self.debate_store.forget_server(guild_id)
        self.settings_store.forget(guild_id)
        self.rules_store.forget(guild_id, None)

    def _forget_kept_rows(self) -> None:
        self.debate_store.forget_all()
        self.settings_store.forget_all()
        self.rules_store.forget(None, None)

    async def load_cogs(self) -> None:
        """Load every module in ``cogs/``; one that fails stops the start.

        A bot missing a feature would look healthy while its commands vanish, so a broken
        cog is an error at start, named, rather than a log line.
        """
        for module in pkgutil.iter_modules(cogs.__path__, prefix=f"{cogs.__name__}."):
            if module.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            try:
                await self.load_extension(module.name)
            except Exception as exc:
                raise CogLoadError(f"Could not load the cog {module.name}: {exc}") from exc
            log.info("Loaded %s", module.name)

    async def sync_commands(self) -> None:
        if self.sync_globally:
            synced = await self.tree.sync()
            log.info("Synced %d global command(s); they can take a while to appear", len(synced))
            return
        if self.settings.dev_guild_id is None:
            log.info("DEV_GUILD_ID is not set: not syncing (run `python -m bot sync` once).")
            return
        guild = discord.Object(id=self.settings.dev_guild_id)
        self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("Synced %d command(s) to guild %d", len(synced), guild.id)

    def gateway_connected(self) -> bool:
        """Whether the gateway connection is open (for ``/healthz``)."""
        ws = self.ws
        return ws is not None and ws.open

    async def close(self) -> None:
        if self.health is not None:
            await self.health.stop()
        for task in (
            self._warming,
            self._backing_up,
            self._watching,
            self._purging,
            self._compacting,
        ):
            if task is not None:
                task.cancel()
        self.charts.close()
        self.exports.close()
        await super().close()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.lifecycle.left(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.lifecycle.joined(guild.id)

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        log_command(interaction, "ok")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        observe_arrival(interaction)
        await answer_lost_form(interaction)

    async def on_ready(self) -> None:
        user = cast(discord.ClientUser, self.user)
        log.info(
            "Ready as %s (%d) in %d server(s), %s",
            user,
            user.id,
            len(self.guilds),
            self.own_shards.describe(),
        )
        # Invited back, or removed, while the bot was offline: no GUILD_CREATE-as-join or
        # GUILD_DELETE arrives for that. READY lists every server, unavailable ones too.
        await self.lifecycle.reconcile(guild.id for guild in self.guilds)


class ShardedRankingBot(RankingBot, commands.AutoShardedBot):
    """The bot over ``SHARD_IDS`` of ``SHARD_COUNT``: one gateway connection per shard.

    Other processes run the other shards on the same database; each serves only the servers
    of its own shards (:class:`bot.shards.Shards`).
    """

    def __init__(self, settings: Settings, db: Database, *, sync_globally: bool = False) -> None:
        shards = settings.shards
        super().__init__(
            settings,
            db,
            sync_globally=sync_globally,
            shard_count=shards.count,
            shard_ids=sorted(shards.ids),
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        # Each shard's READY lists that shard's servers: reconcile those as soon as it comes.
        listed = [guild.id for guild in self.guilds if guild.shard_id == shard_id]
        await self.lifecycle.reconcile_shard(shard_id, self.own_shards.count, listed)

    def gateway_connected(self) -> bool:
        """Every shard of this process connected (an AutoShardedBot has no single ``ws``)."""
        running = self.shards
        return set(running) == set(self.own_shards.ids) and not any(
            shard.is_closed() for shard in running.values()
        )


def make_bot(settings: Settings, db: Database, *, sync_globally: bool = False) -> RankingBot:
    """A plain bot, or a sharded one when ``SHARD_COUNT`` is set."""
    cls = RankingBot if settings.shard_count is None else ShardedRankingBot
    return cls(settings, db, sync_globally=sync_globally)
