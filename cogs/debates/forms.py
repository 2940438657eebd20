"""The admins' UI: the debate form (create and edit), confirmations, and applying changes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.catalog import MAX_QUESTION, MAX_TITLE
from bot.debate_forms import FORM_TEXT_LIMIT, ITEMS_HELP, FormError
from bot.edit_plans import EditPlan, ballots_touched
from bot.errors import UserError
from bot.permissions import ensure_admin
from bot.render.admin import removal_prompt, saved_message
from bot.render.text import safe
from bot.ui import BaseModal, OwnedView, open_form

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


async def send(
    interaction: discord.Interaction[RankingBot], content: str, *, view: AdminView | None = None
) -> None:
    """Answer ephemerally, whether or not the interaction was deferred first."""
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    if interaction.response.is_done():
        message = await interaction.followup.send(content, ephemeral=True, wait=True, **extra)
        if view is not None:
            view.origin = message
    else:
        await interaction.response.send_message(content, ephemeral=True, **extra)
        if view is not None:
            view.origin = interaction


class AdminView(OwnedView):
    """An admin's private buttons: only they may use them, and only while still an admin."""

    timeout_text: str | None = None  # replaces the message's text when the buttons expire

    def __init__(self, owner_id: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.origin: discord.Interaction[RankingBot] | discord.WebhookMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[RankingBot]) -> bool:  # type: ignore[override]
        if not await super().interaction_check(interaction):
            return False
        # The admin role may have been taken away since the buttons were sent.
        await ensure_admin(interaction, interaction.client.server_settings)
        return True

    async def on_timeout(self) -> None:
        changes: dict[str, Any] = {"view": None}
        if self.timeout_text is not None:
            changes["content"] = self.timeout_text
        try:
            if isinstance(self.origin, discord.WebhookMessage):
                await self.origin.edit(**changes)
            elif self.origin is not None:
                await self.origin.edit_original_response(**changes)
        except discord.HTTPException:
            log.debug("Could not remove expired buttons", exc_info=True)


class ConfirmView(AdminView):
    """Confirm or cancel a change that can't be undone.

    ``action`` returns the text that replaces the question; a :class:`UserError` from it
    (say, the debate changed meanwhile) replaces the question too, so no stale button stays.
    """

    timeout_text = "Nothing changed: this question timed out."

    def __init__(
        self,
        owner_id: int,
        *,
        confirm_label: str,
        action: Callable[[discord.Interaction[RankingBot]], Awaitable[str]],
    ) -> None:
        super().__init__(owner_id)
        self.action = action
        self.confirm.label = confirm_label

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[RankingBot], _: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        try:
            text = await self.action(interaction)
        except UserError as exc:
            text = str(exc)
        await interaction.response.edit_message(content=text, view=None, embeds=[])

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[RankingBot], _: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing changed.", view=None)


# -- applying a change to a stored debate -------------------------------------------------


async def apply_or_confirm(
    interaction: discord.Interaction[RankingBot],
    plan: EditPlan,
    *,
    confirm_label: str = "Remove and save",
) -> None:
    """Save ``plan``, first asking for confirmation when it removes items from ballots."""
    bot = interaction.client
    assert interaction.guild_id is not None
    if not plan.changes_anything:
        await send(interaction, f"Nothing changed in **{safe(plan.before.title)}**.")
        return
    if not plan.removed:
        await send(interaction, await apply_plan(bot, interaction.guild_id, plan))
        return
    ballots = await bot.debate_admin.current_ballots(interaction.guild_id, plan.before)
    guild_id = interaction.guild_id

    async def confirmed(_: discord.Interaction[RankingBot]) -> str:
        return await apply_plan(bot, guild_id, plan)

    view = ConfirmView(interaction.user.id, confirm_label=confirm_label, action=confirmed)
    await send(interaction, removal_prompt(plan, ballots_touched(plan, ballots)), view=view)


async def apply_plan(bot: RankingBot, guild_id: int, plan: EditPlan) -> str:
    """Write ``plan``; the message saying what changed."""
    touched = await bot.debate_admin.apply(guild_id, plan)
    return saved_message(plan, touched)


# -- the form -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """What the admin typed into the form, kept to reopen it after a mistake."""

    title: str = ""
    question: str = ""
    items: str = ""


class DebateForm(BaseModal):
    """Title, question and the items one per line; subclasses decide what saving means."""

    items_help = ITEMS_HELP

    def __init__(self, heading: str, draft: Draft) -> None:
        super().__init__(title=heading[:45], timeout=1800)
        self.title_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            max_length=MAX_TITLE, default=draft.title or None
        )
        self.question_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=MAX_QUESTION,
            default=draft.question or None,
        )
        self.items_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=FORM_TEXT_LIMIT,
            default=draft.items or None,
            placeholder="Rocky IV (aka 4, IV) – two montages for the price of one\nRocky II\nRocky III",
        )
        self.add_item(discord.ui.Label(text="Title", component=self.title_input))
        self.add_item(
            discord.ui.Label(
                text="Question",
                description="What is ranked, and by which criterion",
                component=self.question_input,
            )
        )
        self.add_item(
            discord.ui.Label(
                text="Items, best first",
                description=self.items_help,
                component=self.items_input,
            )
        )

    async def interaction_check(self, interaction: discord.Interaction[RankingBot]) -> bool:  # type: ignore[override]
        await ensure_admin(interaction, interaction.client.server_settings)
        return True

    async def on_submit(self, interaction: discord.Interaction[RankingBot]) -> None:  # type: ignore[override]
        draft = Draft(self.title_input.value, self.question_input.value, self.items_input.value)
        try:
            await self.save(interaction, draft)
        except FormError as exc:
            # A modal closes on submit: give the admin their text back rather than lose it.
            view = RetryView(interaction.user.id, lambda: self.reopened(draft))
            await send(interaction, f"I couldn't save that:\n{exc}", view=view)

    async def save(self, interaction: discord.Interaction[RankingBot], draft: Draft) -> None:
        raise NotImplementedError

    def reopened(self, draft: Draft) -> DebateForm:
        raise NotImplementedError


class RetryView(AdminView):
    """One button that reopens a form with what the admin typed."""

    def __init__(self, owner_id: int, make_form: Callable[[], DebateForm]) -> None:
        super().__init__(owner_id)
        self.make_form = make_form

    @discord.ui.button(label="Fix it", style=discord.ButtonStyle.primary)
    async def fix(
        self, interaction: discord.Interaction[RankingBot], _: discord.ui.Button[Any]
    ) -> None:
        await open_form(interaction, self.make_form())
