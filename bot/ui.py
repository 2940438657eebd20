"""Base classes for the bot's views and modals: owner checks and the shared error path."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord
from discord import app_commands

from bot import custom_ids
from bot.custom_ids import CustomId
from bot.errors import answer_error, send_ephemeral
from bot.logs import log_component, logged_component, note_outcome
from bot.render.results import NUMBERS_LABEL
from bot.render.text import LAYOUT_TEXT, MESSAGE_CONTENT, clip, embed_markdown
from bot.render.tierlist import TierList, render_tierlist

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.client import RankingBot

    # A base for command mixins, which are only ever bound into a commands.GroupCog (see
    # cogs/debates): app_commands.command() type-checks only on a Cog's or Group's methods.
    CogMixin = commands.Cog
else:
    CogMixin = object


async def tierlist_picture(
    bot: RankingBot, tier_list: TierList, filename: str, *, guild_id: int | None
) -> discord.File | None:
    """The tier list as an attachment, drawn in the bounded chart worker; None when that
    worker is busy with this server's pictures (answer without it)."""
    # The picture shows exactly what the tier list holds, so that is its cache key.
    png = await bot.charts.picture(
        ("tierlist", repr(tier_list)), partial(render_tierlist, tier_list), guild_id=guild_id
    )
    return None if png is None else discord.File(io.BytesIO(png), filename=filename)


CANNOT_POST_NOTE = (
    "Only you can see this: you can't send messages in this channel, so I didn't post it here."
)


def can_post_here(interaction: discord.Interaction) -> bool:
    """Whether the member may post in the channel of the interaction themselves."""
    permissions = interaction.permissions
    if isinstance(interaction.channel, discord.Thread):
        return permissions.send_messages_in_threads
    return permissions.send_messages


async def defer_answer(interaction: discord.Interaction, *, public: bool) -> str | None:
    """Acknowledge a command whose answer takes a moment: in the channel when ``public`` and
    the member may post there themselves, else privately. The note to send with the answer
    (``note`` of :func:`picture_message`) when a public answer was turned private (the bot
    must not post for members who can't), else None."""
    shown = public and can_post_here(interaction)
    await interaction.response.defer(thinking=True, ephemeral=not shown)
    return CANNOT_POST_NOTE if public and not shown else None


def guild_of(interaction: discord.Interaction) -> int:
    """The server an interaction came from; raises the one "only in a server" error."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


class _Answered(discord.ui.view.BaseView):
    """What every view and layout of the bot shares: errors go through the bot's one error
    path, and every click or choice writes one log line (:func:`bot.logs.logged_component`)."""

    # discord.py runs each click through this (check, callback, on_error): the one place
    # that sees a component interaction from start to end.
    async def _scheduled_task(
        self, item: discord.ui.Item[Any], interaction: discord.Interaction
    ) -> None:
        async with logged_component(interaction, self):
            await super()._scheduled_task(item, interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await answer_error(interaction, error)


class BaseView(_Answered, discord.ui.View):
    """A view of the bot's (see :class:`_Answered`)."""


def dynamic_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A row of buttons that the bot's dynamic items answer (``add_dynamic_items``), before
    and after a restart: each a :class:`discord.ui.DynamicItem`, or a plain button whose
    custom_id one of them reads.

    Sent stopped, so discord.py keeps nothing of it: a live view would only repeat what the
    dynamic items do, and discord.py gives every ephemeral reply's view a 15-minute timer
    (a thousand of them after a burst of votes, each walked by the garbage collector).
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        if not isinstance(item, discord.ui.DynamicItem) and (
            custom_ids.spec_name(getattr(item, "custom_id", None) or "") is None
        ):
            raise ValueError(f"{item!r} is not answered by any dynamic item")
        view.add_item(item)
    view.stop()
    return view


class OwnedView(BaseView):
    """A view only the member who opened it may use (an ephemeral builder, a confirmation)."""

    def __init__(self, owner_id: int, *, timeout: float | None = 600) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        note_outcome("refused")
        await interaction.response.send_message(
            "This isn't yours: use the command yourself to get your own.", ephemeral=True
        )
        return False


class OpenForms:
    """The forms members have open, so a submit nobody will answer can be answered.

    Only live forms are kept: a form leaves when it is submitted or times out. Each member
    holds at most ``per_member`` (someone clicking Paste… over and over closes their own
    oldest ones, not other members'), and all members together at most ``total``. A form
    dropped for room is also stopped, so discord.py forgets it too: its submit is then
    answered as a lost form, truthfully, and never both applied and called lost.
    """

    def __init__(self, *, per_member: int, total: int) -> None:
        self.per_member = per_member
        self.total = total
        self._forms: dict[str, BaseModal] = {}
        self._members: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self._forms)

    def __contains__(self, custom_id: object) -> bool:
        return custom_id in self._forms

    def opened(self, member_id: int, form: BaseModal) -> None:
        """Remember ``form`` as ``member_id``'s, closing older ones past the limits."""
        mine = self._members.setdefault(member_id, [])
        while len(mine) >= self.per_member:
            self._close(mine[0])
        while len(self._forms) >= self.total:
            self._close(next(iter(self._forms)))
        form.member_id = member_id
        self._forms[form.custom_id] = form
        self._members.setdefault(member_id, []).append(form.custom_id)

    def take(self, custom_id: str) -> BaseModal | None:
        """The live form a submit is for, no longer kept; None when there is none."""
        # Not "is it finished": discord.py may run the form's own submit (and stop it)
        # before this is asked. A form that times out leaves in its on_timeout.
        form = self._forms.pop(custom_id, None)
        if form is not None:
            self._unlist(form)
        return form

    def forget(self, form: BaseModal) -> None:
        if self._forms.pop(form.custom_id, None) is not None:
            self._unlist(form)

    def _close(self, custom_id: str) -> None:
        form = self._forms.pop(custom_id)
        self._unlist(form)
        form.stop()

    def _unlist(self, form: BaseModal) -> None:
        if form.member_id is None:
            return
        mine = self._members.get(form.member_id, [])
        if form.custom_id in mine:
            mine.remove(form.custom_id)
        if not mine:
            self._members.pop(form.member_id, None)


FORMS_PER_MEMBER = 5
MAX_OPEN_FORMS = 10_000


class BaseModal(discord.ui.Modal):
    """A modal whose errors go through the one error path, and whose submit is never lost.

    discord.py silently drops the submit of a form it no longer knows (opened before a
    restart, timed out, or closed for room), and the member's typing is gone with "This
    interaction failed". Forms are opened with :func:`open_form`, which records them in
    :attr:`open_forms` while they are live, so the bot can recognise such a submit and give
    the member back what they typed (:func:`answer_lost_form`).
    """

    # Class-wide because forms are created before any bot is at hand; random custom_ids
    # keep bots in one process (the tests) from seeing each other's.
    open_forms: ClassVar[OpenForms] = OpenForms(per_member=FORMS_PER_MEMBER, total=MAX_OPEN_FORMS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_id: int | None = None

    async def on_timeout(self) -> None:
        BaseModal.open_forms.forget(self)

    async def _scheduled_task(self, interaction: discord.Interaction, *args: Any) -> None:  # type: ignore[override]
        async with logged_component(interaction, self):
            await super()._scheduled_task(interaction, *args)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any] | None = None,
        /,
    ) -> None:
        # Modal calls this without ``item``; the optional parameter keeps the signature
        # compatible with BaseView.on_error, which discord.py's Modal narrows.
        await answer_error(interaction, error)


async def open_form(interaction: discord.Interaction, form: BaseModal) -> None:
    """Show ``form`` to the member and keep it among the live forms until it ends."""
    BaseModal.open_forms.opened(interaction.user.id, form)
    try:
        await interaction.response.send_modal(form)
    except BaseException:
        BaseModal.open_forms.forget(form)
        raise


async def answer_lost_form(interaction: discord.Interaction) -> bool:
    """Answer a form submit nobody will answer; True when it was one.

    Called for every interaction; a submit of a live form is left to the form itself.
    """
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return False
    if BaseModal.open_forms.take(str(interaction.data.get("custom_id"))) is not None:
        return False
    typed = [text for text in _submitted_texts(interaction.data) if text.strip()]
    message = (
        "That form is no longer open (it was open for too long, you opened newer ones since, "
        "or I restarted), so I couldn't use it. Nothing was saved; open it again."
    )
    if typed:
        room = 1500 // len(typed)
        blocks = [
            FENCE + "\n" + clip(text.replace(FENCE, "'''"), room) + "\n" + FENCE for text in typed
        ]
        message += " Here is what you typed, to paste back in:\n" + "\n".join(blocks)
    await send_ephemeral(interaction, clip(message, MESSAGE_CONTENT))
    log_component(interaction, "lost form", 0.0)
    return True


FENCE = "```"


def _submitted_texts(data: Any) -> list[str]:
    texts: list[str] = []
    stack = list(data.get("components") or [])
    while stack:
        component = stack.pop(0)
        if isinstance(component.get("value"), str):
            texts.append(component["value"])
        children = list(component.get("components") or [])
        if "component" in component:  # a label wraps one input under "component"
            children.insert(0, component["component"])
        stack[0:0] = children
    return texts


class DynamicButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Base of the bot's dynamic buttons: a click runs :meth:`clicked` on the one error path.

    discord.py only logs exceptions raised in dynamic items' callbacks, so without this a
    member's mistake (a closed debate, no ballot) would end in "This interaction failed".
    Each button class names its id's spec from :mod:`bot.custom_ids` (``spec=...``), which
    gives both the template discord.py matches clicks with and the ids the button carries.
    """

    spec: ClassVar[CustomId]

    def __init_subclass__(cls, *, spec: CustomId | None = None, **kwargs: Any) -> None:
        if spec is not None:
            cls.spec = spec
        # A base without a spec matches nothing.
        super().__init_subclass__(template=spec.pattern if spec else r"(?!)", **kwargs)

    # discord.py types the callbacks it calls for any Client; every one here is this bot's.
    async def callback(self, interaction: discord.Interaction[RankingBot]) -> None:  # type: ignore[override]
        if not self.answers(interaction):
            return
        async with logged_component(interaction, self):
            try:
                await self.clicked(interaction)
            except Exception as error:
                await answer_error(interaction, error)

    def answers(self, interaction: discord.Interaction[RankingBot]) -> bool:
        """Whether this click is this item's to answer (and log); False leaves it to a live
        view that holds the same id."""
        return True

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        raise NotImplementedError


class DebateButton(DynamicButton):
    """A public button that opens something for one debate, for whoever clicks it.

    A click is announced as the event named by ``event`` (``on_<event>(interaction,
    debate_id)``), which the ballots cog answers; no cog that draws the button needs the
    ballots cog. Its state is its custom_id, so it works after a restart, and a view made
    only of dynamic items is never kept in discord.py's view store, so public messages cost
    no memory however many are sent.
    """

    label: ClassVar[str]
    emoji: ClassVar[str]
    style: ClassVar[discord.ButtonStyle]
    event: ClassVar[str]

    def __init__(self, debate_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label,
                emoji=self.emoji,
                style=self.style,
                custom_id=self.spec.format(debate_id=debate_id),
            )
        )
        self.debate_id = debate_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["debate_id"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        interaction.client.dispatch(self.event, interaction, self.debate_id)


class VoteButton(DebateButton, spec=custom_ids.VOTE):
    """The public Vote button under /debate show, results and summaries: opens the builder."""

    label = "Vote"
    emoji = "🗳️"
    style = discord.ButtonStyle.primary
    event = "vote_button"


def vote_button(debate_id: int) -> VoteButton:
    return VoteButton(debate_id)


class DuelButton(DebateButton, spec=custom_ids.DUEL):
    """The public Duel button beside Vote: rank by answering "A or B?"."""

    label = "Duel"
    emoji = "⚔️"
    style = discord.ButtonStyle.secondary
    event = "duel_button"


class RemindButton(DebateButton, spec=custom_ids.REMIND):
    """Remind me: opt in to the reminder before a debate's deadline; clicked again, opt out
    (answered by the reminders cog)."""

    label = "Remind me"
    emoji = "⏰"
    style = discord.ButtonStyle.secondary
    event = "remind_button"


def summary_view(
    debate_id: int, method: str, full_ranking: bool, is_open: bool = True, hidden: bool = False
) -> discord.ui.View:
    """The buttons under a summary: the numbers, the rest of the ranking, and Vote (only
    while voting is open); only Vote while the results are ``hidden``.

    They are plain buttons with the custom_ids that cogs/results handles as dynamic
    items (a :func:`dynamic_view`).
    """
    vote = [vote_button(debate_id)] if is_open else []
    if hidden:
        return dynamic_view(*vote)
    numbers = discord.ui.Button[Any](
        label=NUMBERS_LABEL,
        emoji="📊",
        style=discord.ButtonStyle.primary,
        custom_id=custom_ids.NUMBERS.format(debate_id=debate_id, method=method, page=0),
    )
    rest = discord.ui.Button[Any](
        label="Full ranking",
        emoji="📜",
        custom_id=custom_ids.CONSENSUS_PAGE.format(debate_id=debate_id, method=method, page=0),
    )
    return dynamic_view(numbers, *([rest] if full_ranking else []), *vote)


# -- Components V2 layouts --------------------------------------------------------------------
#
# A results message with a picture reads better as one card: its text, the picture full width
# under it, the buttons below (Discord's Components V2, flag IS_COMPONENTS_V2). Such a message
# can hold no content and no embeds, at most 40 components counting nested ones, and 4,000
# characters in all its text displays; the flag can never be taken off it again, so every
# later edit of it is a layout too. A message whose text does not fit stays an embed.

LAYOUT_COMPONENTS = 40


@dataclass(frozen=True, slots=True)
class Panel:
    """One card of a layout: an embed's text and colour, its pictures, its files.

    ``pictures`` and ``files`` are ``attachment://name`` of files sent with the message, or
    the URL Discord gave a picture already on it (kept when a page is turned in place).
    """

    embed: discord.Embed
    pictures: Sequence[str] = ()
    files: Sequence[str] = ()


class BaseLayout(_Answered, discord.ui.LayoutView):
    """A Components V2 layout of the bot's (see :class:`_Answered`)."""


def attachment(name: str) -> str:
    return f"attachment://{name}"


def layout_text(panels: Sequence[Panel]) -> int:
    """The characters the panels' text displays would hold, uncut."""
    return sum(len(embed_markdown(panel.embed)) for panel in panels)


def fits_layout(*embeds: discord.Embed, note: str | None = None) -> bool:
    """True when these embeds' text (and the ``note`` above them) fits one layout uncut: else
    they read better as embeds."""
    return layout_text([Panel(embed) for embed in embeds]) + len(note or "") <= LAYOUT_TEXT


def pages_fit_layout(pages: Sequence[discord.Embed], *, note: str | None = None) -> bool:
    """True when every page fits a layout: a message turned to any page stays whole."""
    return all(fits_layout(page, note=note) for page in pages)


def layout(
    *panels: Panel,
    buttons: discord.ui.View | None = None,
    timeout: float | None = None,
    note: str | None = None,
) -> discord.ui.LayoutView:
    """The panels as cards, the buttons of ``buttons`` in rows of five below them.

    ``note``: a line above the cards, where a message with embeds has its content (a card
    can have none), e.g. that an answer is a private preview. Text past Discord's limit is
    cut (with an ellipsis), each panel keeping its share: that only happens to a page turned
    in place that grew since the message was sent.
    """
    view = BaseLayout(timeout=timeout)
    if note:
        view.add_item(discord.ui.TextDisplay(note))
    budget = LAYOUT_TEXT - len(note or "")
    total = layout_text(panels)
    for panel in panels:
        text = embed_markdown(panel.embed)
        if total > budget:
            text = clip(text, max(budget * len(text) // total, 1))
        children: list[discord.ui.Item[Any]] = [discord.ui.TextDisplay(text)]
        if panel.pictures:
            gallery = [discord.MediaGalleryItem(url) for url in panel.pictures]
            children.append(discord.ui.MediaGallery(*gallery))
        children += [discord.ui.File(url) for url in panel.files]
        view.add_item(discord.ui.Container(*children, accent_colour=panel.embed.colour))
    items = list(buttons.children) if buttons is not None else []
    if buttons is not None:
        buttons.clear_items()
    for start in range(0, len(items), 5):
        view.add_item(discord.ui.ActionRow(*items[start : start + 5]))
    return view


def picture_message(
    embed: discord.Embed,
    picture: discord.File | Sequence[discord.File] | None,
    *,
    buttons: discord.ui.View | None = None,
    pages: Sequence[discord.Embed] = (),
    files: Sequence[discord.File] = (),
    note: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments that send ``embed`` with its picture (and other ``files``).

    A card when there is a picture and the text fits (``pages``: every page the message may
    be turned to, which must fit too); else the embed with the (first) picture as its image.
    ``picture``: one file or several (all in the card's gallery). ``note``: the message's
    content, or the first text of a card (which can have none).
    """
    pictures = [picture] if isinstance(picture, discord.File) else list(picture or ())
    sent = [*pictures, *files]
    message: dict[str, Any] = {"files": sent} if sent else {}
    if pictures and pages_fit_layout([embed, *pages], note=note):
        shown = [attachment(file.filename) for file in files]
        panel = Panel(embed, [attachment(file.filename) for file in pictures], shown)
        return message | {"view": layout(panel, buttons=buttons, note=note)}
    if pictures:
        embed.set_image(url=attachment(pictures[0].filename))
    if note:
        message["content"] = note
    return message | {"embed": embed} | ({"view": buttons} if buttons is not None else {})


def summary_card(
    embeds: Sequence[discord.Embed], buttons: discord.ui.View, *, note: str | None = None
) -> discord.ui.LayoutView:
    """A summary as one card per section, an embed's image as the picture of its card, the
    buttons below. The caller keeps the text within :data:`LAYOUT_TEXT` (bot/render/summary)."""
    panels = [
        Panel(embed, [embed.image.url] if embed.image and embed.image.url else [])
        for embed in embeds
    ]
    return layout(*panels, buttons=buttons, note=note)


def is_layout(message: discord.Message | None) -> bool:
    return message is not None and message.flags.components_v2


def kept_pictures(message: discord.Message | None) -> list[str]:
    """The pictures a layout message shows, to show them again after an edit: its own
    attachments as ``attachment://name`` (the edit keeps them, see :func:`page_answer`),
    anything else by its URL.

    Not the URL Discord stored: an attachment's URL is signed and expires (a private
    message's soon), while a kept attachment stays the message's for as long as it lives.
    """
    if not is_layout(message):
        return []
    assert message is not None
    own = {_url_path(file.url): file.filename for file in message.attachments}
    found: list[str] = []
    stack: list[Any] = list(message.components)
    while stack:
        component = stack.pop(0)
        if isinstance(component, discord.MediaGalleryComponent):
            for item in component.items:
                name = own.get(_url_path(item.media.url))
                found.append(attachment(name) if name else item.media.url)
        stack[0:0] = list(getattr(component, "children", []))
    return found


def _url_path(url: str) -> str:
    return url.split("?", 1)[0]


def kept_note(message: discord.Message | None) -> str | None:
    """The note above a layout message's cards (see :func:`layout`), to keep it on an edit."""
    if not is_layout(message):
        return None
    assert message is not None
    first = message.components[0] if message.components else None
    return first.content if isinstance(first, discord.TextDisplay) else None


def page_answer(
    message: discord.Message | None, embed: discord.Embed, view: discord.ui.View, *, in_place: bool
) -> dict[str, Any]:
    """How to show one page of a results message answering a click on ``message``.

    A layout message stays a layout: turned in place it keeps its pictures, its attachments
    named in the edit so that they stay whatever the default; a private copy of
    it is a layout without them. Messages sent as embeds (and those sent before layouts)
    keep being answered with embeds.
    """
    if is_layout(message):
        if not in_place:
            return {"view": layout(Panel(embed), buttons=view)}
        assert message is not None
        panel = Panel(embed, kept_pictures(message))
        kept = {"attachments": list(message.attachments)} if message.attachments else {}
        return {"view": layout(panel, buttons=view, note=kept_note(message))} | kept
    return {"embed": embed, "view": view}
