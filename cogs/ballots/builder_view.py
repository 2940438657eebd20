"""The ballot builder's Discord side: draws a :class:`BallotBuilder` and feeds it clicks.

All rules live in ``bot/ballot_builder.py``; this view only turns clicks into its methods
and redraws. The builder is ephemeral and held in memory: after a restart its buttons are
answered by :class:`ExpiredBuilderButton` with a polite "open a new one".
"""

from __future__ import annotations

import logging
import re
import secrets
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot import custom_ids
from bot.ballot_builder import BallotBuilder
from bot.ballot_parser import BallotParseError, read_pasted, unranked_notice
from bot.errors import UserError
from bot.render.ballot import (
    builder_closed_embed,
    builder_embed,
    menu_option_label,
    menu_placeholder,
    minutes,
)
from bot.render.text import clip
from bot.ui import BaseModal, DynamicButton, OwnedView, RemindButton, guild_of, open_form
from bot.voting import MAX_REASON_LENGTH
from cogs.ballots.ballot_reply import ballot_message, prediction_message
from cogs.ballots.common import ensure_may_vote
from cogs.ballots.duel_view import open_duel

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate

log = logging.getLogger(__name__)

# Seconds without a click before the builder closes. Discord lets us edit an ephemeral
# message for 15 minutes after the last interaction, so this must stay below 900.
BUILDER_TIMEOUT_SECONDS = 600.0
_TEXT_INPUT_LIMIT = 4000  # Discord's limit for one text box
_MODAL_BOXES = 5  # Discord's limit for components in a modal

Handler = Callable[["discord.Interaction[RankingBot]"], Awaitable[None]]


async def open_builder(
    interaction: discord.Interaction[RankingBot],
    debate: Debate,
    *,
    reason: str | None = None,
    in_place: bool = False,
    prediction: bool = False,
) -> None:
    """Open the builder for whoever interacted, prefilled with their current ballot (or,
    for a ``prediction``, their current guess of the server's final order).

    ``in_place`` turns the message the click came from into the builder (Edit); otherwise
    the builder is a new ephemeral message (/vote, /predict, the public Vote button).
    """
    bot = interaction.client
    guild_id = guild_of(interaction)
    await ensure_may_vote(interaction, debate, prediction=prediction)
    if prediction:
        guess = await bot.predictions.current(guild_id, debate, interaction.user.id)
        builder = BallotBuilder(
            debate, interaction.user.id, tiers=guess.tiers if guess else (), prediction=True
        )
        if guess is not None:
            builder.notice = "This is your saved prediction: change it and Save."
    else:
        current = await bot.voting.current(guild_id, debate, interaction.user.id)
        builder = BallotBuilder(
            debate,
            interaction.user.id,
            tiers=current.tiers if current else (),
            reason=reason if reason is not None else (current.reason if current else None),
        )
        if current is not None:
            builder.notice = (
                "This is your saved ballot: change it and Save, or Clear to start over."
            )
    closes_at = await bot.directory.closes_at(guild_id, debate)
    view = BuilderView(bot, guild_id, builder, remind=closes_at is not None)
    view.last_interaction = interaction
    embed = builder_embed(builder, timeout_minutes=view.timeout_minutes)
    if in_place:
        await interaction.response.edit_message(embed=embed, view=view)
    else:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


class _Button(discord.ui.Button["BuilderView"]):
    def __init__(self, handler: Handler, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction[RankingBot]) -> None:  # type: ignore[override]
        await self._handler(interaction)


class _Menu(discord.ui.Select["BuilderView"]):
    def __init__(self, handler: Handler, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction[RankingBot]) -> None:  # type: ignore[override]
        await self._handler(interaction)


class BuilderView(OwnedView):
    """The builder's message: "Pick #N" menu, page buttons, Undo … Cancel."""

    # The builders this process holds, by nonce; weak, so a dropped view can't linger here.
    live: ClassVar[weakref.WeakValueDictionary[str, BuilderView]] = weakref.WeakValueDictionary()

    def __init__(
        self, bot: RankingBot, guild_id: int, builder: BallotBuilder, *, remind: bool = False
    ) -> None:
        super().__init__(builder.owner_id, timeout=BUILDER_TIMEOUT_SECONDS)
        self.bot = bot
        self.guild_id = guild_id
        self.builder = builder
        self.nonce = secrets.token_hex(4)
        # The last interaction on our message: its token lets on_timeout edit the message.
        self.last_interaction: discord.Interaction[RankingBot] | None = None
        BuilderView.live[self.nonce] = self

        self.menu = _Menu(
            self._on_pick, custom_id=self._custom_id("pick"), row=0, min_values=1, max_values=1
        )
        self.previous_button = self._button(
            "prev", "◀", self._redrawn(builder.previous_page), row=1
        )
        self.next_button = self._button("next", "▶", self._redrawn(builder.next_page), row=1)
        self.undo_button = self._button("undo", "Undo", self._redrawn(builder.undo), row=2)
        self.tie_button = self._button(
            "tie", "Tie with previous", self._redrawn(builder.tie_with_previous), row=2
        )
        self.clear_button = self._button("clear", "Clear", self._redrawn(builder.clear), row=2)
        self.paste_button = self._button("paste", "Paste…", self._on_paste, row=3, emoji="📋")
        self.duel_button = self._button("duel", "Duel", self._on_duel, row=3, emoji="⚔️")
        self.save_button = self._button(
            "save", "Save", self._on_save, row=3, style=discord.ButtonStyle.success
        )
        self.cancel_button = self._button(
            "cancel", "Cancel", self._on_cancel, row=3, style=discord.ButtonStyle.danger
        )
        # Not ready to rank yet? Remind me pings the member before the deadline.
        self.remind_button: RemindButton | None = None
        if remind:
            self.remind_button = RemindButton(builder.debate.id)
            self.remind_button.row = 4
        self.layout()

    def _custom_id(self, action: str) -> str:
        return custom_ids.BUILDER.format(nonce=self.nonce, action=action)

    def _button(
        self,
        action: str,
        label: str,
        handler: Handler,
        *,
        row: int,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
    ) -> _Button:
        return _Button(
            handler,
            label=label,
            style=style,
            emoji=emoji,
            custom_id=self._custom_id(action),
            row=row,
        )

    @property
    def timeout_minutes(self) -> int:
        return max(1, round((self.timeout or BUILDER_TIMEOUT_SECONDS) / 60))

    def layout(self) -> None:
        """Show the components the builder's state allows: no menu once all are ranked."""
        builder = self.builder
        self.clear_items()
        if builder.remaining:
            self.menu.options = [
                discord.SelectOption(label=menu_option_label(item), value=str(item.id))
                for item in builder.page_items
            ]
            self.menu.placeholder = menu_placeholder(builder)
            self.add_item(self.menu)
            if builder.page_count > 1:
                self.previous_button.disabled = builder.page == 0
                self.next_button.disabled = builder.page >= builder.page_count - 1
                self.add_item(self.previous_button)
                self.add_item(self.next_button)
        self.undo_button.disabled = not builder.can_undo
        self.tie_button.disabled = not builder.can_tie
        self.clear_button.disabled = not builder.tiers
        self.save_button.disabled = not builder.tiers
        # A duel saves a ballot, never a prediction.
        duel = () if builder.prediction else (self.duel_button,)
        for button in (
            self.undo_button,
            self.tie_button,
            self.clear_button,
            self.paste_button,
            *duel,
            self.save_button,
            self.cancel_button,
        ):
            self.add_item(button)
        if self.remind_button is not None:
            self.add_item(self.remind_button)

    async def redraw(self, interaction: discord.Interaction[RankingBot]) -> None:
        self.last_interaction = interaction
        self.layout()
        await interaction.response.edit_message(
            embed=builder_embed(self.builder, timeout_minutes=self.timeout_minutes), view=self
        )

    def _forget(self) -> None:
        BuilderView.live.pop(self.nonce, None)

    def _close(self, *, saved: bool) -> None:
        """Done (saved, cancelled, or turned into a duel): no timeout will edit the message."""
        if saved:
            self.builder.mark_saved()
        else:
            self.builder.cancel()
        self.stop()
        self._forget()

    # -- clicks ----------------------------------------------------------------------------

    async def _on_pick(self, interaction: discord.Interaction[RankingBot]) -> None:
        self.builder.pick(int(self.menu.values[0]))
        await self.redraw(interaction)

    def _redrawn(self, step: Callable[[], object]) -> Handler:
        """A click that takes one step in the builder, then shows it again."""

        async def handle(interaction: discord.Interaction[RankingBot]) -> None:
            step()
            await self.redraw(interaction)

        return handle

    async def _on_paste(self, interaction: discord.Interaction[RankingBot]) -> None:
        await open_form(interaction, PasteModal(self))

    async def _on_save(self, interaction: discord.Interaction[RankingBot]) -> None:
        builder = self.builder
        await ensure_may_vote(interaction, builder.debate, prediction=builder.prediction)
        tiers = builder.tiers_to_save()
        view: discord.ui.View | None = None
        if builder.prediction:
            replaced = await self.bot.predictions.submit(
                self.guild_id, builder.debate, builder.owner_id, tiers
            )
            self._close(saved=True)
            embed = await prediction_message(
                self.bot, self.guild_id, builder.debate, tiers, replaced=replaced
            )
        else:
            ballot = await self.bot.voting.submit(
                self.guild_id, builder.debate, builder.owner_id, tiers, builder.reason
            )
            self._close(saved=True)
            embed, view = await ballot_message(
                self.bot, self.guild_id, builder.debate, ballot, headline="Saved."
            )
        await interaction.response.edit_message(embed=embed, view=view)

    async def _on_duel(self, interaction: discord.Interaction[RankingBot]) -> None:
        await open_duel(interaction, self.builder.debate)
        # The duel took this message over: close the builder without saving, so its timeout
        # can't later overwrite the duel with "this builder closed".
        self._close(saved=False)

    async def _on_cancel(self, interaction: discord.Interaction[RankingBot]) -> None:
        self._close(saved=False)
        embed = builder_closed_embed(
            self.builder, "Cancelled. Nothing was saved; any ballot you saved before still counts."
        )
        await interaction.response.edit_message(embed=embed, view=None)

    async def on_timeout(self) -> None:
        self.builder.expire()
        self._forget()
        if self.last_interaction is None:
            return
        embed = builder_closed_embed(
            self.builder,
            f"This builder closed after {minutes(self.timeout_minutes)} without a click, so "
            "nothing was saved. `/vote` opens a new one.",
        )
        try:
            await self.last_interaction.edit_original_response(embed=embed, view=None)
        except discord.HTTPException:
            # Dismissed by the member, or Discord no longer lets us edit it: nothing to tell.
            log.debug("Could not close builder %s politely", self.nonce)


class PasteModal(BaseModal):
    """Paste a list like the comments under the post: one item a line, numbers and remarks ok.

    One text box holds 4,000 characters; a long debate gets more boxes (continued), so a
    full 200-item list fits. The reason box is left out only when all five are needed.
    """

    def __init__(self, view: BuilderView) -> None:
        super().__init__(title="Paste your order", timeout=BUILDER_TIMEOUT_SECONDS)
        self.view = view
        debate = view.builder.debate
        # Enough room for every name with "200. " numbering and a short remark.
        needed = sum(len(item.name) + 12 for item in debate.items)
        boxes = max(1, min(_MODAL_BOXES, -(-needed // _TEXT_INPUT_LIMIT)))
        example = "\n".join(
            f"{n}. {clip(item.name, 20)}" for n, item in enumerate(debate.items[:3], 1)
        )
        self.lists: list[discord.ui.TextInput[PasteModal]] = []
        for index in range(boxes):
            box: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
                label="Your order, best first, one item a line"
                if index == 0
                else f"Your order, continued ({index + 1}/{boxes})",
                style=discord.TextStyle.paragraph,
                custom_id=f"list{index}",
                placeholder=clip(example + "\n…", 100) if index == 0 else None,
                required=index == 0,
                max_length=_TEXT_INPUT_LIMIT,
            )
            self.lists.append(box)
            self.add_item(box)
        self.why: discord.ui.TextInput[PasteModal] | None = None
        if boxes < _MODAL_BOXES:
            self.why = discord.ui.TextInput(
                label="Why (optional, shown when you share)",
                style=discord.TextStyle.paragraph,
                custom_id="why",
                required=False,
                max_length=MAX_REASON_LENGTH,
                default=view.builder.reason,
            )
            self.add_item(self.why)

    async def on_submit(self, interaction: discord.Interaction[RankingBot]) -> None:  # type: ignore[override]
        builder = self.view.builder
        await ensure_may_vote(interaction, builder.debate, prediction=builder.prediction)
        text = "\n".join(box.value for box in self.lists if box.value)
        try:
            pasted = await read_pasted(
                text, self.view.builder.debate.items, reader=interaction.user.id
            )
        except BallotParseError as error:
            raise UserError(error.message) from error
        debate = self.view.builder.debate
        self.view.builder.paste(
            pasted.tiers,
            reason=self.why.value if self.why is not None else None,
            skipped=len(pasted.ignored),
            unranked=unranked_notice(pasted.unranked, debate.item(pasted.tiers[0][0])),
        )
        await self.view.redraw(interaction)


class ExpiredBuilderButton(DynamicButton, spec=custom_ids.BUILDER):
    """Answers clicks on a builder this process no longer holds (the bot restarted).

    discord.py offers every click to dynamic items as well as to the live view, so this
    stays silent while the builder is alive.
    """

    def __init__(self, nonce: str, action: str) -> None:
        custom_id = self.spec.format(nonce=nonce, action=action)
        super().__init__(discord.ui.Button(label="…", custom_id=custom_id))
        self.nonce = nonce

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ExpiredBuilderButton:
        return cls(match["nonce"], match["action"])

    def answers(self, interaction: discord.Interaction[RankingBot]) -> bool:
        return self.nonce not in BuilderView.live

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        raise UserError(
            "This ballot builder has closed, and nothing in it was saved. `/vote` opens a new one."
        )
