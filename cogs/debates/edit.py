"""/debate create and /debate edit: a server's own debates, written in a form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.arguments import DebateArg
from bot.catalog import MAX_NAME
from bot.debate_forms import (
    EDIT_ITEMS_HELP,
    items_for_form,
    parse_item_lines,
    reading_notes,
    spec_from_form,
    unique_slug,
)
from bot.edit_plans import plan_edit, plan_rename
from bot.errors import UserError
from bot.models import Debate, SlugTaken
from bot.permissions import admin_only
from bot.render.debate import author_ranking_pages
from bot.render.text import safe
from bot.ui import CogMixin, open_form
from cogs.debates.forms import DebateForm, Draft, apply_or_confirm

if TYPE_CHECKING:
    from bot.client import RankingBot

CATALOG_READ_ONLY = (
    "**{title}** is a catalog debate, shared by every server, so it can't be changed here. "
    "To make your own version, `/debate export` it, give the file a new `slug` and "
    "`/debate import` it."
)


class CreateForm(DebateForm):
    def __init__(self, draft: Draft | None = None) -> None:
        super().__init__("New debate", draft or Draft())

    def reopened(self, draft: Draft) -> DebateForm:
        return CreateForm(draft)

    async def save(self, interaction: discord.Interaction[RankingBot], draft: Draft) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        taken = {d.slug for d in await bot.directory.visible(interaction.guild_id)}
        spec = spec_from_form(
            title=draft.title,
            question=draft.question,
            items_text=draft.items,
            slug=unique_slug(draft.title, taken),
            author=interaction.user.display_name[:MAX_NAME],
        )
        try:
            debate = await bot.debate_admin.create(
                spec, guild_id=interaction.guild_id, created_by=interaction.user.id
            )
        except SlugTaken:
            # Another admin took the same slug between our check and the insert.
            raise UserError("A debate with that title was created just now; try again.") from None
        notes = reading_notes(parse_item_lines(draft.items, allow_renames=False))
        await interaction.response.send_message(
            created_message(debate, notes), embed=author_ranking_pages(debate)[0], ephemeral=True
        )


def created_message(debate: Debate, notes: Sequence[str] = ()) -> str:
    named = sum(1 for item in debate.items if item.aliases)
    other_names = f", {named} of them with other names members may type" if named else ""
    text = (
        f"Created **{safe(debate.title)}** (`{debate.slug}`) with {len(debate.items)} items"
        f"{other_names}, in your order. Members can rank it with `/vote debate:"
        f"{debate.slug}`; `/debate current` makes it the one commands use by default."
    )
    if notes:
        text += (
            "\nLines with more than one ' – ' were read up to the last one as the name; "
            "`/debate edit` fixes any I got wrong:\n" + "\n".join(notes)
        )
    return text


class EditForm(DebateForm):
    items_help = EDIT_ITEMS_HELP

    def __init__(self, debate: Debate, draft: Draft) -> None:
        super().__init__(f"Edit: {debate.title}", draft)
        # The debate as it was when the form opened: lines are matched against its items.
        self.debate = debate

    def reopened(self, draft: Draft) -> DebateForm:
        return EditForm(self.debate, draft)

    async def save(self, interaction: discord.Interaction[RankingBot], draft: Draft) -> None:
        plan = plan_edit(
            self.debate, title=draft.title, question=draft.question, items_text=draft.items
        )
        await apply_or_confirm(interaction, plan)


class EditCommands(CogMixin):
    bot: RankingBot

    @app_commands.command(name="create", description="Make a debate for this server (admins)")
    @app_commands.guild_only()
    @admin_only()
    async def create(self, interaction: discord.Interaction[RankingBot]) -> None:
        """A form: title, question, and the items one per line in your order."""
        await open_form(interaction, CreateForm())

    @app_commands.command(
        name="edit", description="Change a server debate's question, items, reasons, order (admins)"
    )
    @app_commands.describe(
        rename="Rename one item and keep its ballots: old name -> new name",
    )
    @app_commands.guild_only()
    @admin_only()
    async def edit(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        rename: app_commands.Range[str, 3, 170] | None = None,
    ) -> None:
        """Opens a form with the items one per line, as ``name – reason``.

        Edit a line to change the item's name case or its reason; move lines to change the
        author's order; ``old name -> new name`` renames an item and keeps its ballots; a new
        line adds an item, unranked on existing ballots; deleting a line removes the item,
        after a confirmation, from every ballot. With ``rename`` no form opens: that one item
        is renamed, which also works for debates too big for Discord's 4,000-character form.
        """
        found = debate or await self.bot.directory.current(interaction.guild_id)
        if found.is_catalog:
            raise UserError(CATALOG_READ_ONLY.format(title=safe(found.title)))
        if rename is not None:
            await apply_or_confirm(interaction, plan_rename(found, rename))
            return
        draft = Draft(found.title, found.question, items_for_form(found))
        await open_form(interaction, EditForm(found, draft))
