"""Results answered privately unless the member chooses to post them (``public: True``).

Comparing six methods should not post six messages in the channel. An option rather than a
"Post" button under the private answer: one step, no new custom id to keep working for ever,
and the command picker shows it. Every results command (/consensus, /hottest, /leaderboard,
/factions) answers through :func:`answer_result`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.ui import defer_answer, picture_message
from cogs.results.pages import results_gate

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate

PUBLIC_HELP = "Post it in this channel for everyone (default: only you see it)"


@dataclass(frozen=True, slots=True)
class Shown:
    """What a results command sends: an embed, maybe buttons and a picture.

    ``pages``: the pages its buttons may turn to; with a picture, the answer is a card when
    they all fit one (bot/ui.py).
    """

    embed: discord.Embed
    view: discord.ui.View | None = None
    file: discord.File | None = None
    pages: Sequence[discord.Embed] = ()


async def answer_result(
    interaction: discord.Interaction[RankingBot],
    debate: Debate,
    *,
    public: bool,
    show: Callable[[], Awaitable[Shown]],
) -> None:
    """Acknowledge at once, privately unless ``public`` (and the member may post in the
    channel themselves), then send what ``show`` makes.

    The first look at a debate loads its ballots and may take longer than Discord's three
    seconds, hence the acknowledgement first. Checks that can refuse (an unknown method,
    hidden members) run before this, so their errors are private whatever ``public`` says.
    While the debate's results are hidden, a member gets how many ranked and when results
    come out (:func:`results_gate`); an admin's preview is always private and says so.
    """
    preview = await results_gate(interaction, debate)
    note = await defer_answer(interaction, public=public and preview is None)
    shown = await show()
    await interaction.followup.send(
        **picture_message(
            shown.embed,
            shown.file,
            buttons=shown.view,
            pages=shown.pages,
            note=preview or note,
        )
    )
