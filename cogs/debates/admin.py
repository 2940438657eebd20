"""/debate import, export, open, close, current and delete: running a server's debates.

Every command here is for admins (Manage Server, or the server's admin role): see
:func:`bot.permissions.admin_only` for why that is checked when the command runs.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.arguments import CurrentDebateArg, DebateArg, DebateToDeleteArg
from bot.catalog import MAX_FILE_BYTES, CatalogError, dump_debate_yaml, read_debate_yaml
from bot.deadlines import MAX_TEXT, BadDeadline, discord_timestamp, parse_deadline
from bot.debate_forms import describe_file_problems, format_problems, spec_of
from bot.edit_plans import plan_import
from bot.errors import UserError
from bot.exports import ExportTooBig
from bot.models import SlugTaken
from bot.permissions import admin_only, check_can_post
from bot.render.text import safe
from bot.ui import CogMixin, RemindButton, dynamic_view, vote_button
from cogs.debates.edit import created_message
from cogs.debates.forms import ConfirmView, apply_or_confirm, send
from cogs.debates.rules import RESULTS_CHOICES

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate

_WHEN = "2h, 3d, 1w, an ISO date-time (UTC) or <t:…>"


def _deadline(text: str, now: datetime) -> datetime:
    try:
        return parse_deadline(text, now)
    except BadDeadline as exc:
        raise UserError(str(exc)) from None


def _channel_id(interaction: discord.Interaction[RankingBot]) -> int:
    assert interaction.channel_id is not None
    return interaction.channel_id


def announcement_view(debate: Debate) -> discord.ui.View:
    """Vote and Remind me under the announcement of a deadline."""
    return dynamic_view(vote_button(debate.id), RemindButton(debate.id))


class AdminCommands(CogMixin):
    bot: RankingBot

    @app_commands.command(
        name="import", description="Add or update a debate from a YAML file (admins)"
    )
    @app_commands.describe(file="A debate in the catalog's YAML format, up to 256 KB")
    @app_commands.guild_only()
    @admin_only()
    async def import_debate(
        self, interaction: discord.Interaction[RankingBot], file: discord.Attachment
    ) -> None:
        """A file whose slug this server already uses updates that debate (items by name)."""
        assert interaction.guild_id is not None
        if file.size > MAX_FILE_BYTES:
            raise UserError(
                f"That file is {-(-file.size // 1024):,} KB; the limit is "
                f"{MAX_FILE_BYTES // 1024} KB."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            body = await file.read()
        except discord.HTTPException:
            raise UserError("I couldn't download that file; upload it again.") from None
        try:
            spec = await read_debate_yaml(body, file.filename)
        except CatalogError as exc:
            raise UserError(
                "I couldn't import that file, so nothing changed:\n"
                + format_problems(describe_file_problems(exc.problems))
            ) from None
        same = [
            d for d in await self.bot.directory.visible(interaction.guild_id) if d.slug == spec.slug
        ]
        if same and same[0].is_catalog:
            raise UserError(
                f"`{spec.slug}` is the slug of a catalog debate, which can't be replaced here. "
                "Give your file another `slug` to import it as this server's own debate."
            )
        if same:
            await apply_or_confirm(interaction, plan_import(same[0], spec), confirm_label="Import")
            return
        try:
            debate = await self.bot.debate_admin.create(
                spec, guild_id=interaction.guild_id, created_by=interaction.user.id
            )
        except SlugTaken:
            raise UserError(f"A debate `{spec.slug}` was created just now; try again.") from None
        await send(interaction, created_message(debate).replace("Created", "Imported", 1))

    @app_commands.command(
        name="export", description="A debate as a YAML file, and its ballots as CSV (admins)"
    )
    @app_commands.guild_only()
    @admin_only()
    async def export(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        """The YAML reads back with ``/debate import`` unchanged; the CSV has the current ballots."""
        guild_id = interaction.guild_id
        assert guild_id is not None
        found = debate or await self.bot.directory.current(guild_id)
        # A big server's ballots take a moment to write out: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        yaml_text = dump_debate_yaml(spec_of(found))
        files = [discord.File(io.BytesIO(yaml_text.encode()), filename=f"{found.slug}.yaml")]
        lines = [
            f"**{safe(found.title)}** as a debate file: change it and `/debate import` it back."
        ]
        if (await self.bot.server_settings.get(guild_id)).hide_members:
            lines.append(
                "Ballots are not included: this server hides member-level results "
                "(`/settings hide_members`)."
            )
        else:
            lines.append(await self._ballots_file(guild_id, found, files))
        await interaction.followup.send("\n".join(lines), files=files, ephemeral=True)

    async def _ballots_file(self, guild_id: int, debate: Debate, files: list[discord.File]) -> str:
        """Add the ballots' CSV to ``files`` when it fits an upload; the line saying so."""
        voter = await self.bot.privacy.voter_names(guild_id, debate.id)
        rows = self.bot.debate_admin.ballot_rows(guild_id, debate, voter)
        try:
            packed = await self.bot.exports.pack(guild_id, rows, f"{debate.slug}-ballots")
        except ExportTooBig as exc:
            count = await self.bot.debate_admin.voters(guild_id, debate)
            return (
                f"Ballots are not included: their {count:,} rows are over "
                f"{exc.limit // (1024 * 1024)} MB even compressed, more than Discord lets me "
                "upload. The operator can read them from the database "
                "(`python -m bot backup` makes a copy)."
            )
        voters = packed.rows - 1  # the header
        files.append(discord.File(io.BytesIO(packed.data), filename=packed.filename))
        listed = f"{voters} current ballot{'s' if voters != 1 else ''}" if voters else "none yet"
        who = (
            "member id"
            if voter is None
            else "voter (a pseudonym, the same in every export of this debate)"
        )
        gzipped = " (gzipped: it is big)" if packed.compressed else ""
        return f"Ballots{gzipped}: {listed} in this server, as {who}, time (UTC), order and reason."

    @app_commands.command(name="open", description="Open voting on a debate (admins)")
    @app_commands.describe(
        closes=f"When voting closes by itself: {_WHEN} (default: only by hand)",
        results="live: anyone sees them meanwhile; after-close: hidden until voting closes "
        "(default: the server's /settings)",
    )
    @app_commands.choices(results=RESULTS_CHOICES)
    @app_commands.guild_only()
    @admin_only()
    async def open_voting(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        closes: app_commands.Range[str, 1, MAX_TEXT] | None = None,
        results: app_commands.Choice[str] | None = None,
    ) -> None:
        """The channel it is opened in gets the reveal when a deadline closes it."""
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        admin = self.bot.debate_admin
        if results is not None:
            await self.bot.debate_rules.update(interaction.guild_id, found, results=results.value)
        was_open = await admin.is_open(interaction.guild_id, found)
        if closes is None:
            if was_open:
                changed = f" Results: {results.value}." if results is not None else ""
                await send(
                    interaction, f"Voting on **{safe(found.title)}** is already open.{changed}"
                )
                return
            await admin.set_open(interaction.guild_id, found, True)
            await interaction.response.send_message(
                f"Voting on **{safe(found.title)}** is open again: `/vote` to give your order."
            )
            return
        now = discord.utils.utcnow()
        deadline = await admin.set_deadline(
            interaction.guild_id, found, _deadline(closes, now), _channel_id(interaction), now
        )
        hidden = await self.bot.debate_rules.results(interaction.guild_id, found) == "after-close"
        secret = " The results stay hidden until then: `/predict` to guess them." if hidden else ""
        await interaction.response.send_message(
            f"Voting on **{safe(found.title)}** is open: `/vote` to give your order. It closes "
            f"{discord_timestamp(deadline.closes_at)} ({discord_timestamp(deadline.closes_at, 'f')}),"
            f" and the results are posted here.{secret} **Remind me** pings you before it closes "
            "if you haven't ranked it by then.",
            view=announcement_view(found),
        )

    @app_commands.command(
        name="close", description="Close voting on a debate and freeze its results (admins)"
    )
    @app_commands.describe(at=f"Close later instead of now: {_WHEN} (default: now)")
    @app_commands.guild_only()
    @admin_only()
    async def close_voting(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        at: app_commands.Range[str, 1, MAX_TEXT] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        admin = self.bot.debate_admin
        if not await admin.is_open(interaction.guild_id, found):
            await send(interaction, f"Voting on **{safe(found.title)}** is already closed.")
            return
        if at is not None:
            now = discord.utils.utcnow()
            closes_at = _deadline(at, now)
            before = await admin.deadline(interaction.guild_id, found)
            # A deadline set when opening keeps its announce channel.
            channel_id = before.announce_channel_id if before else _channel_id(interaction)
            deadline = await admin.set_deadline(
                interaction.guild_id, found, closes_at, channel_id, now
            )
            await interaction.response.send_message(
                f"Voting on **{safe(found.title)}** closes {discord_timestamp(deadline.closes_at)} "
                f"({discord_timestamp(deadline.closes_at, 'f')}); the results are posted in "
                f"<#{deadline.announce_channel_id}>.",
                view=announcement_view(found),
            )
            return
        # Hidden until now: closing by hand reveals them, as a deadline would.
        reveal = await self.bot.debate_rules.hidden(interaction.guild_id, found) is not None
        closed = await admin.set_open(interaction.guild_id, found, False)
        when = discord.utils.format_dt(closed, "f") if closed else "now"
        await interaction.response.send_message(
            f"Voting on **{safe(found.title)}** is closed. `/consensus` shows the results as they "
            f"stood at {when}; `/debate open` opens it again."
        )
        if reveal:
            target = check_can_post(interaction, None)
            await self.bot.summary_poster.post_now(
                interaction.guild_id,
                found,
                target,  # type: ignore[arg-type]
                reveal=True,
            )

    @app_commands.command(
        name="current", description="Pick the debate commands use when none is named (admins)"
    )
    @app_commands.guild_only()
    @admin_only()
    async def current(
        self, interaction: discord.Interaction[RankingBot], debate: CurrentDebateArg
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        await self.bot.debate_admin.make_current(interaction.guild_id, found)
        await interaction.response.send_message(
            f"**{safe(found.title)}** is now this server's current debate: commands use it "
            "when no debate is named."
        )

    @app_commands.command(
        name="delete", description="Delete one of this server's debates and its ballots (admins)"
    )
    @app_commands.guild_only()
    @admin_only()
    async def delete(
        self, interaction: discord.Interaction[RankingBot], debate: DebateToDeleteArg
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        if found.is_catalog:
            raise UserError(
                f"**{safe(found.title)}** is a catalog debate, shared by every server: it can't "
                "be deleted, only closed with `/debate close`."
            )
        voters = await self.bot.debate_admin.voters(interaction.guild_id, found)
        view = ConfirmView(interaction.user.id, confirm_label="Delete", action=self._deleter(found))
        await send(
            interaction,
            f"Delete **{safe(found.title)}** (`{found.slug}`) for good? Its {len(found.items)} "
            f"items and the ballots of {voters} member{'s' if voters != 1 else ''} go with it. "
            "`/debate export` first keeps a copy.",
            view=view,
        )

    def _deleter(
        self, debate: Debate
    ) -> Callable[[discord.Interaction[RankingBot]], Awaitable[str]]:
        async def delete(_: discord.Interaction[RankingBot]) -> str:
            if not await self.bot.debate_admin.delete(debate):
                return f"**{safe(debate.title)}** was already deleted."
            return f"Deleted **{safe(debate.title)}** and its ballots."

        return delete
