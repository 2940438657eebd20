"""Base classes for the bot's views and modals: owner checks and the shared error path."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord
from discord import app_commands

from bot import custom_ids
from bot.custom_ids import CustomId
from bot.errors import answer_error, send_ephemeral
from bot.render.results import NUMBERS_LABEL
from bot.render.text import LAYOUT_TEXT, MESSAGE_CONTENT, clip, embed_markdown

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.client import RankingBot

    # A base for command mixins, which are only ever bound into a commands.GroupCog (see
    # cogs/debates): app_commands.command() type-checks only on a Cog's or Group's methods.
    CogMixin = commands.Cog
else:
    CogMixin = object


def guild_of(interaction: discord.Interaction) -> int:
    """The server an interaction came from; raises the one "only in a server" error."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


class BaseView(discord.ui.View):
    """A view whose errors go through the bot's one error path."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await answer_error(interaction, error)


class OwnedView(BaseView):
    """A view only the member who opened it may use (an ephemeral builder, a confirmation)."""

    def __init__(self, owner_id: int, *, timeout: float | None = 600) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "This isn't yours: use the command yourself to get your own.", ephemeral=True
        )
        return False


class BaseModal(discord.ui.Modal):
    """A modal whose errors go through the one error path, and whose submit is never lost.

    discord.py silently drops the submit of a form it no longer knows (opened before a
    restart, or timed out), and the member's typing is gone with "This interaction failed".
    Every form is recorded in :attr:`open_forms` until it is submitted or times out, so the
    bot can recognise such a submit and give the member back what they typed
    (:func:`answer_lost_form`).
    """

    # custom_id -> the form; class-wide because forms are created before any bot is at hand,
    # and random custom_ids keep bots in one process (the tests) from seeing each other's.
    open_forms: ClassVar[dict[str, BaseModal]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expired = False
        forms = BaseModal.open_forms
        forms[self.custom_id] = self
        if len(forms) > _MAX_OPEN_FORMS:  # forms never submitted; drop the oldest
            del forms[next(iter(forms))]

    async def on_timeout(self) -> None:
        self.expired = True

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


async def answer_lost_form(interaction: discord.Interaction) -> bool:
    """Answer a form submit nobody will answer; True when it was one.

    Called for every interaction; a submit of a live form is left to the form itself.
    """
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return False
    form = BaseModal.open_forms.pop(str(interaction.data.get("custom_id")), None)
    if form is not None and not form.expired:
        return False
    typed = [text for text in _submitted_texts(interaction.data) if text.strip()]
    message = (
        "That form was open for too long or from before I restarted, so I couldn't use it. "
        "Nothing was saved; open it again."
    )
    if typed:
        room = 1500 // len(typed)
        blocks = [
            FENCE + "\n" + clip(text.replace(FENCE, "'''"), room) + "\n" + FENCE for text in typed
        ]
        message += " Here is what you typed, to paste back in:\n" + "\n".join(blocks)
    await send_ephemeral(interaction, clip(message, MESSAGE_CONTENT))
    return True


FENCE = "```"
_MAX_OPEN_FORMS = 10_000


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
        try:
            await self.clicked(interaction)
        except Exception as error:
            await answer_error(interaction, error)

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


def summary_view(
    debate_id: int, method: str, full_ranking: bool, is_open: bool = True
) -> discord.ui.View:
    """The buttons under a summary: the numbers, the rest of the ranking, and Vote (only
    while voting is open).

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
            custom_id=custom_ids.NUMBERS.format(debate_id=debate_id, method=method, page=0),
        )
    )
    if full_ranking:
        view.add_item(
            discord.ui.Button(
                label="Full ranking",
                emoji="📜",
                custom_id=custom_ids.CONSENSUS_PAGE.format(
                    debate_id=debate_id, method=method, page=0
                ),
            )
        )
    if is_open:
        view.add_item(vote_button(debate_id))
    view.stop()
    return view


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


class BaseLayout(discord.ui.LayoutView):
    """A layout whose errors go through the bot's one error path."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await answer_error(interaction, error)


def attachment(name: str) -> str:
    return f"attachment://{name}"


def layout_text(panels: Sequence[Panel]) -> int:
    """The characters the panels' text displays would hold, uncut."""
    return sum(len(embed_markdown(panel.embed)) for panel in panels)


def fits_layout(*embeds: discord.Embed) -> bool:
    """True when these embeds' text fits one layout uncut: else they read better as embeds."""
    return layout_text([Panel(embed) for embed in embeds]) <= LAYOUT_TEXT


def pages_fit_layout(pages: Sequence[discord.Embed]) -> bool:
    """True when every page fits a layout: a message turned to any page stays whole."""
    return all(fits_layout(page) for page in pages)


def layout(
    *panels: Panel, buttons: discord.ui.View | None = None, timeout: float | None = None
) -> discord.ui.LayoutView:
    """The panels as cards, the buttons of ``buttons`` in rows of five below them.

    Text past Discord's limit is cut (with an ellipsis), each panel keeping its share: that
    only happens to a page turned in place that grew since the message was sent.
    """
    view = BaseLayout(timeout=timeout)
    total = layout_text(panels)
    for panel in panels:
        text = embed_markdown(panel.embed)
        if total > LAYOUT_TEXT:
            text = clip(text, max(LAYOUT_TEXT * len(text) // total, 1))
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
    picture: discord.File | None,
    *,
    buttons: discord.ui.View | None = None,
    pages: Sequence[discord.Embed] = (),
    files: Sequence[discord.File] = (),
) -> dict[str, Any]:
    """The keyword arguments that send ``embed`` with its picture (and other ``files``).

    A card when there is a picture and the text fits (``pages``: every page the message may
    be turned to, which must fit too); else the embed with the picture as its image.
    """
    sent = [*([picture] if picture else []), *files]
    message: dict[str, Any] = {"files": sent} if sent else {}
    if picture is not None and pages_fit_layout([embed, *pages]):
        shown = [attachment(file.filename) for file in files]
        panel = Panel(embed, [attachment(picture.filename)], shown)
        return message | {"view": layout(panel, buttons=buttons)}
    if picture is not None:
        embed.set_image(url=attachment(picture.filename))
    return message | {"embed": embed} | ({"view": buttons} if buttons is not None else {})


def is_layout(message: discord.Message | None) -> bool:
    return message is not None and message.flags.components_v2


def kept_pictures(message: discord.Message | None) -> list[str]:
    """The URLs of the pictures a layout message shows, to show them again after an edit."""
    if not is_layout(message):
        return []
    assert message is not None
    found: list[str] = []
    stack: list[Any] = list(message.components)
    while stack:
        component = stack.pop(0)
        if isinstance(component, discord.MediaGalleryComponent):
            found += [item.media.url for item in component.items]
        stack[0:0] = list(getattr(component, "children", []))
    return found


def page_answer(
    message: discord.Message | None, embed: discord.Embed, view: discord.ui.View, *, in_place: bool
) -> dict[str, Any]:
    """How to show one page of a results message answering a click on ``message``.

    A layout message stays a layout: turned in place it keeps its pictures; a private copy of
    it is a layout without them. Messages sent as embeds (and those sent before layouts)
    keep being answered with embeds.
    """
    if is_layout(message):
        pictures = kept_pictures(message) if in_place else []
        return {"view": layout(Panel(embed, pictures), buttons=view)}
    return {"embed": embed, "view": view}
