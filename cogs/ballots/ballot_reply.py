"""The reply that shows a member's saved ballot, and its buttons: pages, Edit, Share.

Every button here is a dynamic item whose custom_id holds all it needs and which rereads
the member's current ballot, so the buttons keep working after a restart and never act on
a stale copy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import custom_ids
from bot.deadlines import discord_timestamp
from bot.errors import UserError
from bot.render.ballot import ballot_pages, saved_at_text, shared_ballot
from bot.render.results import plural
from bot.render.tiers import TIERLIST_NAME, ballot_tierlist
from bot.render.words import MATCH_UPS
from bot.ui import (
    DynamicButton,
    defer_answer,
    dynamic_view,
    guild_of,
    picture_message,
    tierlist_picture,
)
from cogs.ballots.common import (
    ballot_comparison,
    faction_lines,
    no_ballot_error,
)

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Ballot, Debate, Tiers

BALLOT_FOOTER = "Edit to change it · Share to post it in this channel"
CLOSED_FOOTER = "Share to post it in this channel"


async def ballot_message(
    bot: RankingBot,
    guild_id: int,
    debate: Debate,
    ballot: Ballot,
    *,
    headline: str | None = None,
    page: int = 0,
    factions: bool = False,
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of a member's ballot, with Edit, Share and (when long) page buttons.

    ``headline`` says what just happened ("Saved."); without one, this is the member's
    current ballot and the headline says when they saved it. How it compares with the
    server and the author follows the order. ``factions`` adds where the member stands
    among the server's factions (for /myvote: finding them costs up to a second after each
    change, too slow for every saved vote).
    """
    is_open = await bot.debate_admin.is_open(guild_id, debate)
    if headline is None:
        headline = f"Your current ballot, {saved_at_text(ballot.created_at)}"
        changes = await bot.voting.count_revisions(guild_id, debate, ballot.member_id) - 1
        if changes > 0:
            times = "once" if changes == 1 else "twice" if changes == 2 else f"{changes} times"
            headline += f", after changing it {times}"
        headline += "."
    if ballot.removed_items:
        headline += (
            f"\n{plural(ballot.removed_items, 'item')} you ranked "
            f"{'was' if ballot.removed_items == 1 else 'were'} removed from the debate since; "
            "the rest of your order still counts."
        )
    intro = headline
    if not is_open:
        intro += "\n🔒 Voting on this debate is closed: this ballot is final and counts as it is."
    if factions:
        intro += "".join(f"\n{line}" for line in await faction_lines(bot, guild_id, debate, ballot))
    embeds = ballot_pages(
        debate,
        ballot.tiers,
        reason=ballot.reason,
        heading=f"Your ballot: {debate.title}",
        intro=intro,
        footer=BALLOT_FOOTER if is_open else CLOSED_FOOTER,
        fields=await ballot_comparison(bot, guild_id, debate, ballot, is_open=is_open),
    )
    page = min(max(page, 0), len(embeds) - 1)
    return embeds[page], ballot_view(debate.id, ballot.id, page, len(embeds), editable=is_open)


async def prediction_message(
    bot: RankingBot, guild_id: int, debate: Debate, tiers: Tiers, *, replaced: bool
) -> discord.Embed:
    """A saved prediction: the guessed order, and when it is scored."""
    closes_at = await bot.directory.closes_at(guild_id, debate)
    when = f"voting closes {discord_timestamp(closes_at)}" if closes_at else "voting closes"
    headline = "Saved, replacing your earlier prediction." if replaced else "Saved your prediction."
    pages = ballot_pages(
        debate,
        tiers,
        reason=None,
        heading=f"Your prediction: {debate.title}",
        intro=(
            f"{headline} Your guess of the server's final order is scored when {when}: "
            f"the more {MATCH_UPS} it calls like the consensus, the better."
        ),
        footer="/predict again to change it until voting closes",
    )
    return pages[0]


def ballot_view(
    debate_id: int, ballot_id: int, page: int, pages: int, *, editable: bool = True
) -> discord.ui.View:
    turns = (
        [
            BallotPageButton(debate_id, page - 1, "◀", disabled=page == 0),
            BallotPageButton(debate_id, page + 1, "▶", disabled=page >= pages - 1),
        ]
        if pages > 1
        else []
    )
    edit = [EditBallotButton(debate_id)] if editable else []
    return dynamic_view(*turns, *edit, ShareBallotButton(debate_id, ballot_id))


async def _current_ballot(interaction: discord.Interaction[RankingBot], debate_id: int) -> Ballot:
    bot = interaction.client
    guild_id = guild_of(interaction)
    debate = await bot.directory.by_id(guild_id, debate_id)
    ballot = await bot.voting.current(guild_id, debate, interaction.user.id)
    if ballot is None:
        raise no_ballot_error(debate)
    return ballot


class BallotPageButton(DynamicButton, spec=custom_ids.BALLOT_PAGE):
    """Turns the page of a long ballot (the clicker's own current one)."""

    def __init__(
        self, debate_id: int, page: int, label: str = "", *, disabled: bool = False
    ) -> None:
        self.debate_id = debate_id
        self.page = max(page, 0)
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=self.spec.format(debate_id=debate_id, page=self.page),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> BallotPageButton:
        return cls(int(match["debate_id"]), int(match["page"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        bot = interaction.client
        guild_id = guild_of(interaction)
        debate = await bot.directory.by_id(guild_id, self.debate_id)
        ballot = await _current_ballot(interaction, self.debate_id)
        embed, view = await ballot_message(bot, guild_id, debate, ballot, page=self.page)
        await interaction.response.edit_message(embed=embed, view=view)


class EditBallotButton(DynamicButton, spec=custom_ids.BALLOT_EDIT):
    """Turns the ballot reply into the builder, prefilled with the current ballot."""

    def __init__(self, debate_id: int) -> None:
        self.debate_id = debate_id
        super().__init__(
            discord.ui.Button(
                label="Edit",
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=self.spec.format(debate_id=debate_id),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> EditBallotButton:
        return cls(int(match["debate_id"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        # Announced, not opened here: the builder's Save answers with this module's
        # ballot_message, so this module can't import the builder (see builder_listener).
        interaction.client.dispatch("edit_ballot_button", interaction, self.debate_id)


class ShareBallotButton(DynamicButton, spec=custom_ids.BALLOT_SHARE):
    """Posts the ballot publicly in the channel, like a comment under the post.

    The custom_id names the ballot revision the member was looking at: if they changed or
    withdrew it since, we say so rather than post something they didn't see.
    """

    def __init__(self, debate_id: int, ballot_id: int) -> None:
        self.debate_id = debate_id
        self.ballot_id = ballot_id
        super().__init__(
            discord.ui.Button(
                label="Share",
                emoji="📣",
                style=discord.ButtonStyle.secondary,
                custom_id=self.spec.format(debate_id=debate_id, ballot_id=ballot_id),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ShareBallotButton:
        return cls(int(match["debate_id"]), int(match["ballot_id"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        bot = interaction.client
        debate = await bot.directory.by_id(guild_of(interaction), self.debate_id)
        ballot = await _current_ballot(interaction, self.debate_id)
        if ballot.id != self.ballot_id:
            raise UserError(
                "You changed this ballot since this message was shown. `/myvote` shows your "
                "current one, with its own Share button."
            )
        embed, attachment = shared_ballot(
            debate, ballot.tiers, reason=ballot.reason, member_mention=interaction.user.mention
        )
        # A public answer to the click, Discord showing who shared it, when the member may
        # post here themselves (the bot posts nothing for those who can't). The mention
        # renders as a name; no mention in it may ping. Drawing the tier list of a long
        # ballot takes a moment: acknowledge first.
        note = await defer_answer(interaction, public=True)
        title = f"{interaction.user.display_name}'s ranking: {debate.title}"
        picture = await tierlist_picture(
            interaction.client,
            ballot_tierlist(debate, ballot.tiers, title=title),
            TIERLIST_NAME,
            guild_id=interaction.guild_id,
        )
        await interaction.followup.send(
            **picture_message(embed, picture, files=[attachment] if attachment else [], note=note),
            allowed_mentions=discord.AllowedMentions.none(),
        )
