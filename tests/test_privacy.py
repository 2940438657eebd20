"""Privacy: erasing a member updates the kept results at once; stable export pseudonyms."""

from __future__ import annotations

from bot.client import RankingBot
from bot.privacy import pseudonym
from tests.support.discord_fake import GUILD_ID, OTHER_GUILD_ID

ROCKY = "rocky-training-montages"


async def test_forgetting_a_member_updates_the_kept_results_at_once(bot: RankingBot) -> None:
    [rocky] = [d for d in await bot.debate_store.list_catalog() if d.slug == ROCKY]
    iv, ii, *_ = (item.id for item in rocky.items)
    for member in (1, 2, 3):
        await bot.voting.submit(GUILD_ID, rocky, member, ((iv,), (ii,)), "because")
    await bot.voting.submit(GUILD_ID, rocky, 1, ((ii,), (iv,)))
    await bot.voting.submit(OTHER_GUILD_ID, rocky, 1, ((ii,),))
    assert (await bot.results.consensus(GUILD_ID, rocky)).voters == 3  # kept from now on

    erasure = await bot.privacy.forget(1, GUILD_ID)

    assert (erasure.revisions, erasure.debates, len(erasure.counted)) == (2, 1, 1)
    assert (await bot.results.consensus(GUILD_ID, rocky)).voters == 2
    assert 1 not in await bot.results.reasons(GUILD_ID, rocky)
    assert (await bot.results.consensus(OTHER_GUILD_ID, rocky)).voters == 1


def test_pseudonyms_are_stable_per_debate_and_differ_across_debates() -> None:
    key = bytes(range(32))
    assert pseudonym(key, 1, 42) == pseudonym(key, 1, 42)
    assert len({pseudonym(key, 1, 42), pseudonym(key, 2, 42), pseudonym(key, 1, 43)}) == 3
    assert pseudonym(bytes(32), 1, 42) != pseudonym(key, 1, 42), "the key is what hides the id"
