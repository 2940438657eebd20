"""Duels on Discord: the offer, one question at a time, and the buttons that drive them.

Every button is a dynamic item whose custom_id names what it acts on (a debate, or a
session and the step it was drawn for), and the session lives in SQLite: a duel goes on
after a restart and past Discord's 15-minute window, since each click is a new interaction
that answers by editing the message it came from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import custom_ids
from bot.duels import DuelOffer, DuelSaved, DuelTurn
from bot.ranking.duel import Answer
from bot.render.duel import (
    answers,
    cancelled_embed,
    goal_bound,
    goal_label,
    offer_embed,
    saved_headline,
    turn_embed,
)
from bot.ui import DynamicButton, dynamic_view, guild_of
from cogs.ballots.ballot_reply import ballot_message
from cogs.ballots.common import ensure_may_vote

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate


async def open_duel(interaction: discord.Interaction[RankingBot], debate: Debate) -> None:
    """The member's duel on ``debate`` where they left it, or the offer to start one."""
    bot = interaction.client
    await ensure_may_vote(interaction, debate)
    found = await bot.duels.open(guild_of(interaction), debate, interaction.user.id)
    if isinstance(found, DuelTurn):
        await _show(interaction, *turn_message(found))
    else:
        await _show(interaction, *offer_message(found, refining=found.refine is not None))


def offer_message(offer: DuelOffer, *, refining: bool) -> tuple[discord.Embed, discord.ui.View]:
    """The start: a button per stop (top 3, top 10, full order), and refine or afresh."""
    figures = offer.bounds_for(refining)
    mode = "refine" if refining else "fresh"
    items: list[discord.ui.Item[Any]] = [
        DuelStartButton(
            offer.debate.id,
            mode,
            goal,
            label=f"{goal_label(goal)} · ≤ {answers(goal_bound(figures, goal))}",
            primary=goal is not None,
        )
        for goal in offer.goals(refining)
    ]
    if offer.refine is not None:
        other = "fresh" if refining else "refine"
        label = "Start afresh instead" if refining else "Refine my ballot instead"
        items.append(DuelOfferButton(offer.debate.id, other, label=label))
    return offer_embed(offer, refining=refining), dynamic_view(*items)


def turn_message(turn: DuelTurn) -> tuple[discord.Embed, discord.ui.View]:
    """The question with [A] [Same] [B], then [Save what I have] [Cancel]."""
    session = turn.session
    answers_: list[discord.ui.Item[Any]] = []
    if turn.duel.question is not None:
        answers_ = [
            DuelAnswerButton(session.id, session.step, answer, label, style)
            for answer, label, style in (
                (Answer.A, "A", discord.ButtonStyle.primary),
                (Answer.SAME, "Same", discord.ButtonStyle.secondary),
                (Answer.B, "B", discord.ButtonStyle.primary),
            )
        ]
    save = DuelSessionButton(
        "save",
        session.id,
        label="Save what I have",
        style=discord.ButtonStyle.success,
        disabled=not turn.duel.settled,
        row=1,
    )
    cancel = DuelSessionButton(
        "cancel", session.id, label="Cancel", style=discord.ButtonStyle.danger, row=1
    )
    return turn_embed(turn), dynamic_view(*answers_, save, cancel)


async def show_outcome(
    interaction: discord.Interaction[RankingBot], outcome: DuelTurn | DuelSaved
) -> None:
    """The next question, or the saved ballot (the same reply as /vote's) in its place."""
    if isinstance(outcome, DuelTurn):
        await _show(interaction, *turn_message(outcome))
        return
    ballot, debate = outcome.ballot, outcome.debate
    headline = saved_headline(
        len(ballot.ranked_ids),
        len(debate.items),
        replaced=outcome.replaced,
        go_on=outcome.session is not None,
    )
    embed, view = await ballot_message(
        interaction.client, ballot.guild_id, debate, ballot, headline=headline
    )
    if outcome.session is not None:
        view.add_item(
            DuelSessionButton(
                "resume",
                outcome.session.id,
                label="Keep going",
                style=discord.ButtonStyle.primary,
            )
        )
    await _show(interaction, embed, view)


async def _show(
    interaction: discord.Interaction[RankingBot], embed: discord.Embed, view: discord.ui.View
) -> None:
    # A click on the member's own duel message turns it into the next screen; a command,
    # or a click on a public message (the Duel button under /debate show), gets its own.
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        await interaction.response.edit_message(embed=embed, view=view)
    else:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


class DuelStartButton(DynamicButton, spec=custom_ids.DUEL_START):
    """Starts a duel with a stop (top 3, top 10, all), from the member's ballot or afresh."""

    def __init__(
        self,
        debate_id: int,
        mode: str,
        goal: int | None,
        *,
        label: str = "Start",
        primary: bool = False,
    ) -> None:
        self.debate_id, self.mode, self.goal = debate_id, mode, goal
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary,
                custom_id=self.spec.format(
                    debate_id=debate_id, mode=mode, goal="all" if goal is None else goal
                ),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DuelStartButton:
        goal = None if match["goal"] == "all" else int(match["goal"])
        return cls(int(match["debate_id"]), match["mode"], goal)

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        bot = interaction.client
        guild_id = guild_of(interaction)
        debate = await bot.directory.by_id(guild_id, self.debate_id)
        await ensure_may_vote(interaction, debate)
        outcome = await bot.duels.begin(
            guild_id,
            debate,
            interaction.user.id,
            goal=self.goal,
            refine=self.mode == "refine",
        )
        await show_outcome(interaction, outcome)


class DuelOfferButton(DynamicButton, spec=custom_ids.DUEL_OFFER):
    """Switches the offer between refining the member's ballot and starting afresh."""

    def __init__(self, debate_id: int, mode: str, *, label: str = "Switch") -> None:
        self.debate_id, self.mode = debate_id, mode
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=self.spec.format(debate_id=debate_id, mode=mode),
                row=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DuelOfferButton:
        return cls(int(match["debate_id"]), match["mode"])

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        bot = interaction.client
        guild_id = guild_of(interaction)
        debate = await bot.directory.by_id(guild_id, self.debate_id)
        await ensure_may_vote(interaction, debate)
        found = await bot.duels.open(guild_id, debate, interaction.user.id)
        if isinstance(found, DuelTurn):  # a duel started meanwhile, in another message
            await _show(interaction, *turn_message(found))
            return
        refining = self.mode == "refine" and found.refine is not None
        await _show(interaction, *offer_message(found, refining=refining))


class DuelAnswerButton(DynamicButton, spec=custom_ids.DUEL_ANSWER):
    """[A], [Same] or [B] for the question drawn at ``step`` of one session."""

    def __init__(
        self,
        session_id: int,
        step: int,
        answer: Answer,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        self.session_id, self.step, self.answer = session_id, step, answer
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=self.spec.format(session_id=session_id, step=step, answer=answer.value),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DuelAnswerButton:
        return cls(int(match["session_id"]), int(match["step"]), Answer(match["answer"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        outcome = await interaction.client.duels.answer(
            guild_of(interaction),
            interaction.user.id,
            self.session_id,
            self.step,
            self.answer,
            may_vote=lambda debate: ensure_may_vote(interaction, debate),
        )
        await show_outcome(interaction, outcome)


class DuelSessionButton(DynamicButton, spec=custom_ids.DUEL_SESSION):
    """[Save what I have], [Cancel] and [Keep going] of one session."""

    def __init__(
        self,
        action: str,
        session_id: int,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
        row: int | None = None,
    ) -> None:
        self.action, self.session_id = action, session_id
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=self.spec.format(action=action, session_id=session_id),
                disabled=disabled,
                row=row,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DuelSessionButton:
        return cls(match["action"], int(match["session_id"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        duels = interaction.client.duels
        guild_id, member_id = guild_of(interaction), interaction.user.id
        if self.action == "cancel":  # always allowed: it saves nothing
            debate = await duels.cancel(guild_id, member_id, self.session_id)
            await interaction.response.edit_message(embed=cancelled_embed(debate), view=None)
            return
        turn = await duels.current(guild_id, member_id, self.session_id)
        await ensure_may_vote(interaction, turn.debate)
        if self.action == "save":
            await show_outcome(interaction, await duels.save(guild_id, member_id, self.session_id))
        else:
            await show_outcome(interaction, turn)


DUEL_BUTTONS = (DuelStartButton, DuelOfferButton, DuelAnswerButton, DuelSessionButton)
