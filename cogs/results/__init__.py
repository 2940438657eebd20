"""/consensus, /hottest and /leaderboard, with their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.results.buttons import (
    ConsensusPageButton,
    LeaderboardPageButton,
    NumbersButton,
    NumbersPageButton,
)
from cogs.results.commands import Results

if TYPE_CHECKING:
    from bot.client import RankingBot


async def setup(bot: RankingBot) -> None:
    bot.add_dynamic_items(
        ConsensusPageButton, NumbersButton, NumbersPageButton, LeaderboardPageButton
    )
    await bot.add_cog(Results(bot))
