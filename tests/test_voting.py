"""VotingService: the rules between the cogs and storage, and its listeners."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.ballot_parser import parse_order, parse_pasted
from bot.catalog import builtin_catalog, load_catalog
from bot.errors import UserError
from bot.models import Debate, DebateSpec, ItemSpec, Tiers
from bot.ranking import Agreement, agreement
from bot.storage import BallotRepository, Database, DebateRepository
from bot.voting import MAX_REASON_LENGTH, SaveLimit, VotingService
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, V
from tests.support.seed import LIKE_COMMENT_1, LIKE_COMMENT_2
from tests.support.storage import another_connection, counted_transactions

GUILD, OTHER_GUILD = 1, 2
MEMBER, OTHER_MEMBER = 10, 11

# Look-alikes of the seed post's reader comments (see tests/support/seed.py).
COMMENT_FULL, COMMENT_TOP_THREE = LIKE_COMMENT_1, LIKE_COMMENT_2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rocky(db: Database) -> Debate:
    (debate,) = await DebateRepository(db).sync_catalog(load_catalog(builtin_catalog()))
    return debate


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(db: Database, clock: FakeClock) -> VotingService:
    return VotingService(
        BallotRepository(db), DebateRepository(db), limit=SaveLimit(1, per_seconds=10), clock=clock
    )


def by_name(debate: Debate) -> dict[str, int]:
    return {item.name: item.id for item in debate.items}


def names(debate: Debate, tiers: Tiers) -> list[list[str]]:
    return [[debate.item(i).name for i in tier] for tier in tiers]


# -- saving -------------------------------------------------------------------------------


async def test_submit_stores_the_ballot_and_tells_listeners(
    service: VotingService, rocky: Debate, clock: FakeClock
) -> None:
    heard: list[tuple[int, int, int, Tiers | None, Tiers | None]] = []
    service.add_listener(lambda *change: heard.append(change))
    tiers = parse_order("IV > II = III > Rocky", rocky.items)
    ballot = await service.submit(GUILD, rocky, MEMBER, tiers, "  montages!  ")
    assert names(rocky, ballot.tiers) == [["Rocky IV"], ["Rocky II", "Rocky III"], ["Rocky"]]
    assert ballot.reason == "montages!"
    assert await service.current(GUILD, rocky, MEMBER) == ballot
    clock.now += 60
    second = parse_order("V", rocky.items)
    await service.submit(GUILD, rocky, MEMBER, second)
    await service.withdraw(GUILD, rocky, MEMBER)
    assert heard == [
        (GUILD, rocky.id, MEMBER, None, tiers),
        (GUILD, rocky.id, MEMBER, tiers, second),
        (GUILD, rocky.id, MEMBER, second, None),
    ]
    assert len(await service.history(GUILD, rocky, MEMBER)) == 2


async def test_async_listeners_are_awaited_and_a_failing_one_harms_nothing(
    service: VotingService, rocky: Debate, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[str] = []

    def broken(*change: object) -> None:
        raise RuntimeError("tally exploded")

    async def slow(*change: object) -> None:
        await asyncio.sleep(0)
        heard.append("slow")

    service.add_listener(broken)
    service.add_listener(slow)
    with caplog.at_level(logging.ERROR):
        ballot = await service.submit(GUILD, rocky, MEMBER, parse_order("IV", rocky.items))
    assert heard == ["slow"]
    assert await service.current(GUILD, rocky, MEMBER) == ballot
    assert any("tally exploded" in str(r.exc_info) for r in caplog.records)
    service.remove_listener(broken)
    service.remove_listener(slow)


async def test_listeners_hear_concurrent_changes_in_commit_order(
    db: Database, rocky: Debate
) -> None:
    service = VotingService(BallotRepository(db), DebateRepository(db), limit=SaveLimit(0))
    state: dict[int, Tiers] = {}
    surprises: list[tuple[Tiers | None, Tiers | None]] = []

    def follow(guild: int, debate: int, member: int, old: Tiers | None, new: Tiers | None) -> None:
        # Incremental tallies rely on "old" being exactly what they last heard.
        if state.get(member) != old:
            surprises.append((state.get(member), old))
        if new is None:
            state.pop(member, None)
        else:
            state[member] = new

    service.add_listener(follow)
    ids = [item.id for item in rocky.items]
    await asyncio.gather(
        *(
            service.submit(GUILD, rocky, member, ((ids[(member + k) % 6],),))
            for k in range(5)
            for member in (1, 2, 3)
        )
    )
    stored = {b.member_id: b.tiers for b in await service.ballots.current_all(GUILD, rocky.id)}
    assert surprises == []
    assert state == stored


async def test_a_closed_debate_refuses_ballots_and_withdrawals(
    service: VotingService, rocky: Debate, db: Database
) -> None:
    await service.submit(GUILD, rocky, MEMBER, parse_order("IV", rocky.items))
    await service.debates.set_open(GUILD, rocky.id, False)
    with pytest.raises(UserError, match=r"is closed in this server"):
        await service.submit(GUILD, rocky, OTHER_MEMBER, parse_order("II", rocky.items))
    with pytest.raises(UserError, match=r"closed"):
        await service.withdraw(GUILD, rocky, MEMBER)
    assert await service.current(GUILD, rocky, OTHER_MEMBER) is None
    # Closed here only: another server still votes.
    await service.submit(OTHER_GUILD, rocky, OTHER_MEMBER, parse_order("II", rocky.items))


async def test_another_servers_debate_is_refused(service: VotingService, db: Database) -> None:
    spec = DebateSpec("ours", "Ours", "Q?", "Us", (ItemSpec("A"), ItemSpec("B")))
    theirs = await DebateRepository(db).create(spec, guild_id=OTHER_GUILD)
    with pytest.raises(UserError, match="another server"):
        await service.submit(GUILD, theirs, MEMBER, ((theirs.items[0].id,),))
    assert await service.ballots.count_current(GUILD, theirs.id) == 0


async def test_ballots_in_one_server_leave_the_other_alone(
    service: VotingService, rocky: Debate
) -> None:
    here = await service.submit(GUILD, rocky, MEMBER, parse_order("IV > II", rocky.items))
    await service.submit(OTHER_GUILD, rocky, MEMBER, parse_order("V > Rocky", rocky.items))
    await service.withdraw(OTHER_GUILD, rocky, MEMBER)
    assert await service.current(GUILD, rocky, MEMBER) == here
    assert await service.current(OTHER_GUILD, rocky, MEMBER) is None


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ((), "empty"),
        (((),), "empty"),
        (((999_999,),), "no longer part of this debate"),
        (((-1,), (-1,)), "no longer part"),
    ],
)
async def test_invalid_tiers_are_refused_and_store_nothing(
    service: VotingService, rocky: Debate, tiers: Tiers, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        await service.submit(GUILD, rocky, MEMBER, tiers)
    assert await service.history(GUILD, rocky, MEMBER) == []


async def test_an_item_named_twice_is_refused(service: VotingService, rocky: Debate) -> None:
    iv = by_name(rocky)["Rocky IV"]
    with pytest.raises(UserError, match=r"Rocky IV twice"):
        await service.submit(GUILD, rocky, MEMBER, ((iv,), (iv,)))
    assert await service.history(GUILD, rocky, MEMBER) == []


async def test_a_long_reason_is_refused_and_a_blank_one_is_none(
    service: VotingService, rocky: Debate
) -> None:
    tiers = parse_order("IV", rocky.items)
    with pytest.raises(UserError, match=f"keep it to {MAX_REASON_LENGTH:,}"):
        await service.submit(GUILD, rocky, MEMBER, tiers, "x" * (MAX_REASON_LENGTH + 1))
    ballot = await service.submit(GUILD, rocky, MEMBER, tiers, "   ")
    assert ballot.reason is None


async def test_a_debate_edited_meanwhile_is_checked_against_its_new_items(
    service: VotingService, rocky: Debate, db: Database
) -> None:
    stale = parse_order("IV > V", rocky.items)
    await service.debates.delete(rocky.id)
    with pytest.raises(UserError, match="no longer exists"):
        await service.submit(GUILD, rocky, MEMBER, stale)


async def test_withdrawing_without_a_ballot_says_so(service: VotingService, rocky: Debate) -> None:
    with pytest.raises(UserError, match="no ballot on"):
        await service.withdraw(GUILD, rocky, MEMBER)


# -- cooldown -------------------------------------------------------------------------------


async def test_cooldown_says_when_to_try_again(
    service: VotingService, rocky: Debate, clock: FakeClock
) -> None:
    tiers = parse_order("IV > II", rocky.items)
    await service.submit(GUILD, rocky, MEMBER, tiers)
    clock.now += 2.5
    with pytest.raises(UserError, match=r"Try again in 8 seconds\."):
        await service.submit(GUILD, rocky, MEMBER, tiers)
    clock.now += 7
    with pytest.raises(UserError, match=r"Try again in 1 second\."):
        await service.submit(GUILD, rocky, MEMBER, tiers)
    # Other members, and the same member in another server, are not held up.
    await service.submit(GUILD, rocky, OTHER_MEMBER, tiers)
    await service.submit(OTHER_GUILD, rocky, MEMBER, tiers)
    clock.now += 0.5
    await service.submit(GUILD, rocky, MEMBER, tiers)
    assert len(await service.history(GUILD, rocky, MEMBER)) == 2


async def test_a_refused_ballot_does_not_start_the_cooldown(
    service: VotingService, rocky: Debate
) -> None:
    with pytest.raises(UserError):
        await service.submit(GUILD, rocky, MEMBER, ())
    assert service.retry_after(GUILD, MEMBER) == 0
    await service.submit(GUILD, rocky, MEMBER, parse_order("IV", rocky.items))
    assert service.retry_after(GUILD, MEMBER) == 10


async def test_two_quick_saves_cannot_both_pass_the_cooldown(
    service: VotingService, rocky: Debate
) -> None:
    tiers = parse_order("IV", rocky.items)
    results = await asyncio.gather(
        service.submit(GUILD, rocky, MEMBER, tiers),
        service.submit(GUILD, rocky, MEMBER, tiers),
        return_exceptions=True,
    )
    assert sum(isinstance(r, UserError) for r in results) == 1
    assert len(await service.history(GUILD, rocky, MEMBER)) == 1


# -- the seed's comments, end to end below Discord --------------------------------------------


async def test_the_seed_comments_become_the_right_ballots(
    service: VotingService, rocky: Debate
) -> None:
    full = parse_pasted(COMMENT_FULL, rocky.items)
    top = parse_pasted(COMMENT_TOP_THREE, rocky.items)
    first = await service.submit(GUILD, rocky, MEMBER, full.tiers)
    second = await service.submit(GUILD, rocky, OTHER_MEMBER, top.tiers)
    assert names(rocky, first.tiers) == [[IV], [II], [BALBOA], [ROCKY_I], [III], [V]]
    assert names(rocky, second.tiers) == [["Rocky IV"], ["Rocky II"], ["Rocky III"]]
    item_ids = [item.id for item in rocky.items]
    assert agreement(first.tiers, rocky.author_tiers, item_ids) == Agreement(12, 15)
    assert agreement(second.tiers, rocky.author_tiers, item_ids) == Agreement(12, 12)


# -- pair agreement -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ballot", "expected"),
    [
        (((1,), (2,), (3,), (4,)), (6, 6)),  # the same order
        (((4,), (3,), (2,), (1,)), (0, 6)),  # reversed
        (((2,), (1,), (3,), (4,)), (5, 6)),  # one swap
        (((1, 2), (3,)), (5, 5)),  # a tie orders nothing; 4 unranked is below the rest
        (((4,),), (0, 3)),  # only the last item, on top: 3 pairs, all against
    ],
)
def test_pair_agreement_counts_the_pairs_both_order(
    ballot: Tiers, expected: tuple[int, int]
) -> None:
    result = agreement(ballot, ((1,), (2,), (3,), (4,)), [1, 2, 3, 4])
    assert (result.agreed, result.compared) == expected
    assert result.disagreed == expected[1] - expected[0]


async def test_a_vote_racing_an_item_removal_stores_nothing(
    db: Database, rocky: Debate, service: VotingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The member's client read the debate, then an admin removed Rocky V, then the vote lands:
    the check inside the write sees the removal that the fresh read before it could not."""
    debates = DebateRepository(db)
    spec = DebateSpec(
        "race", rocky.title, rocky.question, "Me", tuple(ItemSpec(i.name) for i in rocky.items)
    )
    mine = await debates.create(spec, guild_id=GUILD)
    # The fresh read before the write happens before the removal: it still lists Rocky V.
    monkeypatch.setattr(service, "_fresh", _returns)
    removed = next(i for i in mine.items if i.name == V)
    await debates.replace(
        mine.id,
        DebateSpec(
            "race", mine.title, mine.question, "Me",
            tuple(ItemSpec(i.name) for i in mine.items if i.id != removed.id),
        ),
    )  # fmt: skip
    tiers = ((removed.id,), (mine.items[0].id,))
    with pytest.raises(UserError, match="lost an item while you were ranking it"):
        await service.submit(GUILD, mine, MEMBER, tiers)
    assert await service.current(GUILD, mine, MEMBER) is None


async def _returns(debate: Debate) -> Debate:
    return debate


async def test_concurrent_saves_share_commits_and_each_returns_once_committed(
    db: Database, rocky: Debate, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = VotingService(BallotRepository(db), DebateRepository(db), limit=SaveLimit(0))
    iv = by_name(rocky)["Rocky IV"]

    async with another_connection(db) as other:

        async def save(member: int) -> bool:
            await service.submit(GUILD, rocky, member, ((iv,),))
            # Committed: another connection, as after a crash, already sees it.
            row = await other.fetchone(
                "SELECT 1 FROM current_ballots WHERE member_id = ?", (member,)
            )
            return row is not None

        with counted_transactions(db, monkeypatch) as transactions:
            seen = await asyncio.gather(*(save(member) for member in range(100, 160)))
    assert all(seen)
    assert 1 <= len(transactions) <= 3  # 60 saves, a few transactions
    assert await service.ballots.count_current(GUILD, rocky.id) == 60
