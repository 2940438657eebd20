"""Ballots: /vote (typed, built or pasted), /duel, /myvote, /unvote, the Vote and Duel buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.ballots.ballot_reply import BallotPageButton, EditBallotButton, ShareBallotButton
from cogs.ballots.builder_view import ExpiredBuilderButton
from cogs.ballots.commands import Ballots
from cogs.ballots.duel_view import DUEL_BUTTONS
from cogs.ballots.vote_button import VoteButtonListener

if TYPE_CHECKING:
    from bot.client import RankingBot


async def setup(bot: RankingBot) -> None:
    bot.add_dynamic_items(
        BallotPageButton, EditBallotButton, ShareBallotButton, ExpiredBuilderButton, *DUEL_BUTTONS
    )
    await bot.add_cog(Ballots(bot))
    await bot.add_cog(VoteButtonListener(bot))
