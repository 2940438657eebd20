import pytest

from bot.models import DebateGone, DebateSpec, ItemsGone, ItemSpec, SlugTaken
from bot.storage import BallotRepository, Database, DebateRepository, SettingsRepository
from bot.storage.ballots import NewBallot
from tests.support.storage import counted_transactions

G1, G2 = 1, 2
SPEC = DebateSpec(
    slug="films",
    title="Films",
    question="Best film?",
    author="Ann",
    items=(ItemSpec("A", ("a1",), "why A"), ItemSpec("B"), ItemSpec("C")),
)


@pytest.fixture
async def debate(db: Database):
    return await DebateRepository(db).create(SPEC, guild_id=None)


async def test_create_and_read_back(db: Database, debate) -> None:
    repo = DebateRepository(db)
    again = await repo.get(debate.id)
    assert again == debate
    assert [i.name for i in debate.items] == ["A", "B", "C"]
    assert debate.items[0].aliases == ("a1",) and debate.items[0].reason == "why A"
    assert debate.is_catalog


async def test_guild_debates_are_visible_only_in_their_guild(db: Database, debate) -> None:
    repo = DebateRepository(db)
    own = await repo.create(
        DebateSpec("mine", "Mine", "Q?", "Bo", SPEC.items), guild_id=G1, created_by=5
    )
    assert [d.slug for d in await repo.list_for_guild(G1)] == ["films", "mine"]
    assert [d.slug for d in await repo.list_for_guild(G2)] == ["films"]
    assert own.guild_id == G1


async def test_a_slug_taken_in_the_same_place_is_a_domain_error(db: Database, debate) -> None:
    repo = DebateRepository(db)
    mine = DebateSpec("mine", "Mine", "Q?", "Bo", SPEC.items)
    await repo.create(mine, guild_id=G1, created_by=5)
    with pytest.raises(SlugTaken) as caught:
        await repo.create(mine, guild_id=G1, created_by=6)
    assert caught.value.slug == "mine"
    with pytest.raises(SlugTaken):
        await repo.create(SPEC, guild_id=None)
    assert (await repo.create(mine, guild_id=G2)).guild_id == G2  # another server may
    assert [d.slug for d in await repo.list_for_guild(G1)] == ["films", "mine"]


async def test_ballot_replace_keeps_history(db: Database, debate) -> None:
    ballots = BallotRepository(db)
    a, b, c = (i.id for i in debate.items)
    first, replaced = await ballots.save(G1, debate.id, 7, ((a,), (b, c)), "ties!")
    assert replaced is None
    second, replaced = await ballots.save(G1, debate.id, 7, ((c,),))
    assert replaced == first
    current = await ballots.current(G1, debate.id, 7)
    assert current is not None and current.tiers == ((c,),) and current.id == second.id
    history = await ballots.history(G1, debate.id, 7)
    assert [h.tiers for h in history] == [((a,), (b, c)), ((c,),)]
    assert history[0].reason == "ties!" and history[0].created_at <= history[1].created_at
    assert await ballots.count_current(G1, debate.id) == 1


async def test_withdraw_keeps_history_and_stops_counting(db: Database, debate) -> None:
    ballots = BallotRepository(db)
    a = debate.items[0].id
    await ballots.save(G1, debate.id, 7, ((a,),))
    withdrawn = await ballots.withdraw(G1, debate.id, 7)
    assert withdrawn is not None
    assert await ballots.current(G1, debate.id, 7) is None
    assert await ballots.count_current(G1, debate.id) == 0
    history = await ballots.history(G1, debate.id, 7)
    assert len(history) == 1 and history[0].withdrawn_at is not None
    assert await ballots.withdraw(G1, debate.id, 7) is None


async def test_servers_are_isolated(db: Database, debate) -> None:
    ballots = BallotRepository(db)
    a, b, _ = (i.id for i in debate.items)
    await ballots.save(G1, debate.id, 7, ((a,),))
    await ballots.save(G2, debate.id, 7, ((b,),))
    await ballots.save(G2, debate.id, 8, ((b,),))
    assert [x.tiers for x in await ballots.current_all(G1, debate.id)] == [((a,),)]
    assert await ballots.count_current(G2, debate.id) == 2
    await ballots.withdraw(G2, debate.id, 7)
    assert await ballots.count_current(G1, debate.id) == 1


async def test_failed_ballot_write_stores_nothing(db: Database, debate) -> None:
    ballots = BallotRepository(db)
    with pytest.raises(ValueError):
        await ballots.save(G1, debate.id, 7, ())
    with pytest.raises(Exception):  # noqa: B017 - the foreign key refuses an unknown debate
        await ballots.save(G1, 99999, 7, ((1,),))
    assert await db.fetchall("SELECT * FROM ballots") == []
    assert await db.fetchall("SELECT * FROM current_ballots") == []


async def test_replace_spec_keeps_ballots_and_strips_removed_items(db: Database, debate) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    a, b, c = (i.id for i in debate.items)
    await ballots.save(G1, debate.id, 7, ((a,), (b, c)))
    await ballots.save(G1, debate.id, 8, ((c,),))
    spec = DebateSpec(
        "films",
        "Films!",
        "Best?",
        "Ann",
        (ItemSpec("B", reason="now first"), ItemSpec("A"), ItemSpec("D")),
    )
    updated = await repo.replace(debate.id, spec)
    assert [i.name for i in updated.items] == ["B", "A", "D"]
    assert updated.items[0].id == b and updated.items[1].id == a  # ids survive
    assert (await ballots.current(G1, debate.id, 7)).tiers == ((a,), (b,))
    assert await ballots.current(G1, debate.id, 8) is None  # it ranked only the removed item


async def test_open_close_per_guild(db: Database, debate) -> None:
    repo = DebateRepository(db)
    assert await repo.is_open(G1, debate.id)
    await repo.set_open(G1, debate.id, False)
    assert not await repo.is_open(G1, debate.id)
    assert await repo.closed_at(G1, debate.id) is not None
    assert await repo.is_open(G2, debate.id)
    await repo.set_open(G1, debate.id, True)
    assert await repo.is_open(G1, debate.id) and await repo.closed_at(G1, debate.id) is None


async def test_settings_defaults_and_update(db: Database, debate) -> None:
    repo = SettingsRepository(db)
    assert (await repo.get(G1)).min_voters == 3
    await repo.update(G1, min_voters=5, hide_members=True)
    await repo.update(G1, current_debate_id=debate.id)
    got = await repo.get(G1)
    assert (got.min_voters, got.hide_members, got.current_debate_id) == (5, True, debate.id)
    assert (await repo.get(G2)).min_voters == 3
    with pytest.raises(TypeError):
        await repo.update(G1, nonsense=1)


async def test_sync_catalog_updates_by_slug(db: Database) -> None:
    repo = DebateRepository(db)
    [first] = await repo.sync_catalog([SPEC])
    [again] = await repo.sync_catalog([SPEC])
    assert first == again


async def test_save_many_stores_a_batch_in_one_transaction_refusing_only_the_bad(
    db: Database, debate, monkeypatch: pytest.MonkeyPatch
) -> None:
    ballots = BallotRepository(db)
    a, b, c = (i.id for i in debate.items)
    earlier, _ = await ballots.save(G1, debate.id, 2, ((c,),))
    batch = [
        NewBallot(G1, debate.id, 1, ((a,), (b,)), "first"),
        NewBallot(G1, debate.id, 2, ((b,), (a, c))),
        NewBallot(G1, debate.id, 3, ((a,), (999,))),  # an item the debate does not have
        NewBallot(G1, 99999, 1, ((a,),)),  # a debate that does not exist
        NewBallot(G2, debate.id, 1, ((c,),)),
    ]
    with counted_transactions(db, monkeypatch) as transactions:
        outcomes = await ballots.save_many(batch)
    assert len(transactions) == 1
    first, second, refused_items, refused_debate, other_server = outcomes
    assert isinstance(refused_items, ItemsGone) and isinstance(refused_debate, DebateGone)
    assert first[1] is None and first[0].reason == "first"
    assert second[1] == earlier and second[0].tiers == ((b,), (a, c))
    assert other_server[0].guild_id == G2
    assert await ballots.current(G1, debate.id, 1) == first[0]
    assert await ballots.current(G1, debate.id, 2) == second[0]
    assert await ballots.current(G1, debate.id, 3) is None
    assert await ballots.count_current(G1, debate.id) == 2


async def test_save_many_refuses_a_member_twice_in_one_batch(db: Database, debate) -> None:
    a = debate.items[0].id
    twice = [NewBallot(G1, debate.id, 1, ((a,),)), NewBallot(G1, debate.id, 1, ((a,),))]
    with pytest.raises(ValueError):
        await BallotRepository(db).save_many(twice)
    assert await db.fetchall("SELECT * FROM ballots") == []


async def test_current_pages_give_each_member_once_a_page_at_a_time(db: Database, debate) -> None:
    ballots = BallotRepository(db)
    a, b, _ = (i.id for i in debate.items)
    for member in range(1, 12):
        await ballots.save(G1, debate.id, member, ((a,),))
    await ballots.save(G2, debate.id, 5, ((a,),))  # another server's: not in this one's pages
    pages = []
    async for page in ballots.current_pages(G1, debate.id, size=4):
        pages.append([ballot.member_id for ballot in page])
        if len(pages) == 1:
            # Members voting again meanwhile, before and after the page read: each still
            # comes once, with the ballot current when their page is read.
            await ballots.save(G1, debate.id, 2, ((b,),))
            await ballots.save(G1, debate.id, 9, ((b,),))
    assert pages == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]]
    last = [ballot async for page in ballots.current_pages(G1, debate.id) for ballot in page]
    assert [ballot.tiers for ballot in last if ballot.member_id in (2, 9)] == [((b,),), ((b,),)]
