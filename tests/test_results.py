"""The kept tallies stay equal to tallies built from scratch, through every kind of change."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.models import Debate, DebateSpec, Item, ItemSpec
from bot.ranking import MemberBallots
from bot.results import ResultsService, _build
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.tallies import parse_current_tiers
from bot.voting import SaveLimit, VotingService

G = 1
OTHER = 2


@pytest.fixture
async def world(db: Database):
    debates, ballots = DebateRepository(db), BallotRepository(db)
    debate = await debates.create(
        DebateSpec("d", "D", "Q?", "Me", tuple(ItemSpec(n) for n in "ABCD")), guild_id=None
    )
    voting = VotingService(ballots, debates, limit=SaveLimit(0))
    results = ResultsService(ballots)
    voting.add_listener(results.on_ballot_change)
    return debates, ballots, voting, results, debate


async def scratch(ballots: BallotRepository, debate) -> MemberBallots:
    rows = await ballots.current_all(G, debate.id)
    return MemberBallots([i.id for i in debate.items], {b.member_id: b.tiers for b in rows})


async def test_kept_tally_follows_saves_replacements_and_withdrawals(world) -> None:
    _, ballots, voting, results, debate = world
    a, b, c, d = (i.id for i in debate.items)
    await voting.submit(G, debate, 1, ((a,), (b,)), "A first")
    kept = await results.snapshot(G, debate)  # loaded now; later changes arrive as events
    await voting.submit(G, debate, 2, ((b, c), (a,)), None)
    await voting.submit(G, debate, 1, ((d,),), "changed my mind")
    await voting.submit(G, debate, 3, ((c,), (a,), (b,), (d,)), None)
    await voting.withdraw(G, debate, 2)
    assert kept is await results.snapshot(G, debate)
    assert kept.ballots.tally == (await scratch(ballots, debate)).tally
    assert kept.voters == 2 and await results.reasons(G, debate) == {1: "changed my mind"}


async def test_results_are_per_server(world) -> None:
    *_, voting, results, debate = world
    a, b, *_ = (i.id for i in debate.items)
    await voting.submit(G, debate, 1, ((a,),), None)
    await voting.submit(2, debate, 1, ((b,),), None)
    one = await results.consensus(G, debate)
    two = await results.consensus(2, debate)
    assert one.order[0] == [a] and two.order[0] == [b]


async def test_editing_items_reloads(world) -> None:
    debates, _, voting, results, debate = world
    a, *_ = (i.id for i in debate.items)
    await voting.submit(G, debate, 1, ((a,),), None)
    await results.snapshot(G, debate)
    edited = await debates.replace(
        debate.id, DebateSpec("d", "D", "Q?", "Me", tuple(ItemSpec(n) for n in "ABE"))
    )
    kept = await results.snapshot(G, edited)
    assert set(kept.item_ids) == {i.id for i in edited.items} and kept.voters == 1


async def test_unknown_method_is_a_user_error(world) -> None:
    *_, results, debate = world
    with pytest.raises(UserError, match="I don't know the method"):
        await results.consensus(G, debate, "dictator")


async def test_warm_loads_every_debate_with_ballots(world) -> None:
    debates, _, voting, results, debate = world
    await voting.submit(G, debate, 1, ((debate.items[0].id,),), None)
    await voting.submit(2, debate, 1, ((debate.items[1].id,),), None)
    assert await results.warm(debates) == 2
    assert set(results._kept) == {(G, debate.id), (2, debate.id)}


async def test_every_change_gives_the_kept_tally_a_new_version_for_the_chart_cache(world) -> None:
    _, _, voting, results, debate = world
    a, b, *_ = (i.id for i in debate.items)
    kept = await results.snapshot(G, debate)
    seen = [kept.version]
    await voting.submit(G, debate, 1, ((a,), (b,)), None)
    seen.append(kept.version)
    await results.consensus(G, debate)  # reading changes nothing
    seen.append(kept.version)
    await voting.withdraw(G, debate, 1)
    seen.append(kept.version)
    assert seen[0] < seen[1] == seen[2] < seen[3]


async def test_past_the_bound_the_coldest_debate_is_dropped_and_read_again(world) -> None:
    _, ballots, voting, _, debate = world
    results = ResultsService(ballots, keep_ballots=3)
    voting.add_listener(results.on_ballot_change)
    a, b, c, _ = (i.id for i in debate.items)
    for member in (1, 2):
        await voting.submit(G, debate, member, ((a,), (b,)))
        await voting.submit(OTHER, debate, member, ((c,),))
    first = await results.snapshot(G, debate)
    await results.snapshot(OTHER, debate)  # 4 ballots kept > 3: the first server's go
    assert results.kept_ballots == 2
    await voting.submit(G, debate, 3, ((b,), (a,)))  # heard while not kept: read later
    again = await results.snapshot(G, debate)
    assert again is not first and again.voters == 3
    assert again.ballots.tally == (await scratch(ballots, debate)).tally
    assert again.ballots.recent(1) == [3]


# -- building from the stored tiers in bulk ------------------------------------------------

STORED_ITEMS = [11, 12, 13, 14, 15]  # what ballots may name; 15 was removed from the debate


def _each_once(tiers: list[list[int]]) -> list[list[int]]:
    seen: set[int] = set()
    kept = []
    for tier in tiers:
        kept.append([i for i in dict.fromkeys(tier) if i not in seen])
        seen.update(tier)
    return kept


stored_ballot = st.lists(st.lists(st.sampled_from(STORED_ITEMS), max_size=3), max_size=5).map(
    _each_once
)


@settings(max_examples=200, deadline=None)
@given(st.lists(stored_ballot, max_size=30))
def test_bulk_build_equals_setting_each_ballot(ballots) -> None:
    debate = Debate(1, "d", "D", "Q?", "Me", tuple(Item(i, str(i)) for i in STORED_ITEMS[:-1]))
    rows = [(member, json.dumps(tiers)) for member, tiers in enumerate(ballots)]
    built = _build(debate, parse_current_tiers(rows))
    expected = MemberBallots([11, 12, 13, 14])
    for member, tiers in enumerate(ballots):
        known = tuple(t for tier in tiers if (t := tuple(i for i in tier if i != 15)))
        if known:
            expected.set(member, known)
    assert built.ballots.members == expected.members
    assert np.array_equal(built.ballots.ranks, expected.ranks)
    assert built.ballots.tally == expected.tally


def test_a_stored_ballot_naming_an_item_twice_is_refused() -> None:
    debate = Debate(1, "d", "D", "Q?", "Me", (Item(11, "A"), Item(12, "B")))
    with pytest.raises(ValueError, match="twice"):
        _build(debate, parse_current_tiers([(1, "[[11],[11,12]]")]))
