"""Predictions ("guess the server"): while a debate's results are hidden, members guess its
final consensus; at the reveal each guess is scored against it.

A prediction is entered like a ballot (typed order, builder, paste) and checked by the same
rules (:func:`bot.voting.check_tiers`), but it is not a ballot: it never counts in results,
and a member may both vote and predict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.debate_rules import DebateRulesService
from bot.errors import UserError
from bot.models import Debate, Prediction, Tiers
from bot.ranking.methods import ConsensusResult
from bot.ranking.predictions import PredictionScore, score_predictions
from bot.render.text import safe
from bot.storage.predictions import PredictionRepository
from bot.voting import VotingService, check_tiers


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PredictionService:
    def __init__(
        self,
        store: PredictionRepository,
        rules: DebateRulesService,
        voting: VotingService,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.rules = rules
        self.voting = voting
        self.clock = clock

    async def ensure_open(self, guild_id: int, debate: Debate) -> None:
        """A UserError unless members may predict ``debate`` now: open, results hidden."""
        await self.voting.ensure_open(guild_id, debate)
        if await self.rules.results(guild_id, debate) != "after-close":
            raise UserError(
                f"The results of **{safe(debate.title)}** are live, so there is nothing to guess: "
                "predictions are for debates whose results stay hidden until voting closes."
            )

    async def submit(self, guild_id: int, debate: Debate, member_id: int, tiers: Tiers) -> bool:
        """Save the member's prediction (replacing theirs); True when it replaced one."""
        await self.ensure_open(guild_id, debate)
        checked = check_tiers(debate, tiers)
        _, replaced = await self.store.save(guild_id, debate.id, member_id, checked, self.clock())
        return replaced

    async def current(self, guild_id: int, debate: Debate, member_id: int) -> Prediction | None:
        return await self.store.get(guild_id, debate.id, member_id)

    async def scores(
        self, guild_id: int, debate: Debate, result: ConsensusResult[int]
    ) -> list[PredictionScore[int]]:
        """Every prediction against ``result``, best first, ties sharing a place."""
        predictions = await self.store.all(guild_id, debate.id)
        if not predictions or result.voters == 0:
            return []
        items = [item.id for item in debate.items]
        known = set(items)
        guesses = {
            p.member_id: tuple(t for tier in p.tiers if (t := tuple(i for i in tier if i in known)))
            for p in predictions
        }
        # Thousands of predictions of a long debate are a few hundred ms of numpy: off the loop.
        return await asyncio.to_thread(score_predictions, guesses, result.order, items)
