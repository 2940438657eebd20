"""Scenario 3: ``/consensus``, ``/hottest`` and ``/leaderboard`` show the engine's numbers.

Members vote (one changes their mind, one withdraws), then every number the bot shows is
compared with the engine (``bot.ranking``) run here on the same ballots: places by every
method, the head-to-head margins and the full table behind "Show the numbers", the closest
contests, the most polarizing item, the server against the author, the rivals and the
quoted reasons, the item and member leaderboards. The ballots are chosen so the methods
disagree and three films go round in a majority cycle. Last, the bot's SQLite file, read
after it stopped, holds exactly these ballots.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.models import Debate
from bot.ranking import (
    METHODS,
    ConsensusResult,
    MemberBallots,
    agreement,
    closest_contests,
    compare_with_author,
    consensus,
    polarizing_items,
)
from bot.storage import BallotRepository, Database, DebateRepository
from tests.e2e.conftest import StartBot, answered
from tests.e2e.emulator import DiscordEmulator, Guild, Message
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ballot_tiers, placed_lines
from tests.e2e.world import png_size
from tests.support.rocky import ROCKY_TITLES

pytestmark = pytest.mark.e2e

SLUG = "rocky-training-montages"
ITEMS = ROCKY_TITLES  # the debate's item order, which the engine uses to break ties
Tiers = tuple[tuple[str, ...], ...]

# (member index, typed order, reason): the ballots that count in the end.
FINAL_VOTES = [
    (
        0,
        "III > Balboa > II > IV > Rocky > V",
        "Rocky III: Apollo and Rocky on the beach, enough said",
    ),
    (1, "V > II > Balboa > Rocky > IV > III", "Rocky V is underrated, and Rocky II has the kids"),
    (2, "II > III > Rocky > Balboa", "Rocky II, for the chicken alone"),
    (
        3,
        "Rocky > II > V > Balboa > IV > III",
        "The steps are the montage. Rocky IV is all machines",
    ),
    (4, "III > IV = V > Balboa", "Clubber Lang trains harder than anyone"),
]
# Member 3 thought otherwise first; member 6 votes, then withdraws.
FIRST_THOUGHT = (3, "IV > II > III", "Drago's lab against the barn")
WITHDRAWN = (5, "IV > II > III > Rocky > Balboa > V", "The author is right")

_NAMES = dict(zip(("iv", "ii", "iii", "rocky", "balboa", "v"), ROCKY_TITLES, strict=True))


def typed_tiers(order: str) -> Tiers:
    """What a typed order means, for the engine here: "III > IV = V" → ((III,), (IV, V))."""
    return tuple(
        tuple(_NAMES[name.strip().lower()] for name in tier.split("=")) for tier in order.split(">")
    )


@pytest.fixture
async def bot(start_bot: StartBot) -> BotProcess:
    return await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})


@pytest.fixture
async def cast(emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess) -> dict[int, Tiers]:
    """The votes above, each checked as read back; the members' current ballots by user id."""
    members = dev_guild.plain_members
    for index, order, why in [FIRST_THOUGHT, WITHDRAWN, *FINAL_VOTES]:
        reply = await (
            await emulator.command("vote", {"order": order, "why": why}, member=members[index])
        ).message()
        assert ballot_tiers(reply) == list(typed_tiers(order)), reply.text
    unvote = await emulator.command("unvote", member=members[WITHDRAWN[0]])
    assert "Withdrew" in (await unvote.message()).text
    return {members[index].id: typed_tiers(order) for index, order, _ in FINAL_VOTES}


def engine(ballots: Mapping[int, Tiers]) -> MemberBallots[int, str]:
    """The engine's view of the ballots, keyed by item name (the bot uses item ids)."""
    return MemberBallots(ITEMS, ballots)


# -- reading what the bot shows -------------------------------------------------------------


def expected_labels(result: ConsensusResult[str]) -> dict[str, str]:
    """Item → "1", or "=3" for items sharing a place: what the engine's order means."""
    return {
        item: f"={result.place(item)}" if len(tier) > 1 else str(result.place(item))
        for tier in result.order
        for item in tier
    }


def stated_matchup(text: str) -> tuple[str, int, int]:
    """(next item, members preferring this one to it, members preferring it), from any
    wording the bot uses: "preferred to X by 4 members to 1", "level with X: 2 members each
    way", "tied with X, though preferred to it by 3 members to 2 (a majority cycle)",
    "above X, though X is preferred by 3 members to 2 (a majority cycle)"."""
    for pattern, reverse in _MATCHUP_WORDS:
        if match := pattern.fullmatch(text):
            below, first = match.group(1), int(match.group(2))
            second = int(match.group(3)) if match.lastindex == 3 else first
            return (below, second, first) if reverse else (below, first, second)
    raise AssertionError(f"no head-to-head numbers in {text!r}")


# (wording, whether the next item's members are stated first)
_MATCHUP_WORDS = [
    (re.compile(r"preferred to (.+) by (\d+) members? to (\d+)"), False),
    (re.compile(r"level with (.+): (\d+) members? each way"), False),
    (re.compile(r"tied with (.+), though preferred to it by (\d+) members? to (\d+) .*"), False),
    (re.compile(r"above (.+), though \1 is preferred by (\d+) members? to (\d+) .*"), True),
]


def head_to_head_table(message: Message) -> dict[tuple[str, str], int]:
    """(row item, column item) → members preferring the row's item, from the code block."""
    block = message.text.split("```")[1].strip("\n").split("\n")
    rows = [re.match(r"^\s*(\d+)\. (.{14}) (.*)$", line) for line in block[1:]]
    assert all(rows), block
    by_place = {int(r.group(1)): r.group(2).strip() for r in rows if r}
    columns = [int(c) for c in block[0].split()]
    table: dict[tuple[str, str], int] = {}
    for row in rows:
        assert row
        cells = row.group(3).split()
        for place, cell in zip(columns, cells, strict=True):
            if cell != "—":
                table[(row.group(2).strip(), by_place[place])] = int(cell)
    return table


def field(message: Message, starts: str) -> str:
    found = [f["value"] for e in message.embeds for f in e.get("fields", []) if starts in f["name"]]
    assert len(found) == 1, f"no field {starts!r} in {message.text!r}"
    return found[0]


def mentioned(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"<@(\d+)>", text)]


def pair_agreement(first: Tiers, second: Tiers) -> tuple[int, int, int]:
    """Two members over the items both ranked: (agreed, compared, common items)."""
    common = [i for i in ITEMS if any(i in t for t in first) and any(i in t for t in second)]
    only = [tuple(i for i in tier if i in common) for tier in first]
    other = [tuple(i for i in tier if i in common) for tier in second]
    result = agreement([t for t in only if t], [t for t in other if t], common)
    return result.agreed, result.compared, len(common)


# -- the scenario -----------------------------------------------------------------------------


async def test_consensus_shows_the_engines_places_and_margins_by_every_method(
    emulator: DiscordEmulator, dev_guild: Guild, cast: dict[int, Tiers]
) -> None:
    tally = engine(cast).tally
    for method in METHODS:
        result = consensus(tally, method)
        shown = await answered(await emulator.command("consensus", {"method": method}))
        assert shown.ephemeral, "results are private unless the member posts them"
        assert f"**{len(cast)} voters** · {result.label}" in shown.text, shown.text
        assert "Provisional" not in shown.text, "5 voters are more than the 3 the server asks"
        lines = placed_lines(shown)
        assert {item: label for label, item, _ in lines} == expected_labels(result), method
        assert [item for _, item, _ in lines] == result.ranking, method
        # Each method explains a place with its own numbers.
        for (_, item, rest), matchup in zip(lines, result.pairs, strict=False):
            assert result.ranked_by is not None
            score = (result.scores or {}).get(item)
            if method == "borda":
                assert rest == f"{score:g} Borda points", rest
            elif method == "mean_position":
                ranked = result.ranked_by[item]
                assert rest == f"average place {score:.1f}, ranked by {ranked} of 5", rest
            elif method == "copeland":
                won, lost = (result.record or {})[item]
                heads = "head-to-head" if won == 1 else "head-to-heads"
                assert rest == f"wins {won} {heads}, loses {lost} (score {won - lost:+d})", rest
            else:
                assert matchup.above == item
                stated = stated_matchup(rest)
                assert stated == (matchup.below, matchup.above_wins, matchup.below_wins)
        assert result.cycles, "the ballots make Rocky, Balboa and V go round in circles"
        cycle = shown.text.split("Majority cycle", 1)[-1]
        assert set(re.findall(r"\*\*(.+?)\*\*", cycle)) == set(result.cycles[0].items), method


async def test_the_numbers_are_the_engines_head_to_head_table_with_a_chart(
    emulator: DiscordEmulator, dev_guild: Guild, cast: dict[int, Tiers]
) -> None:
    tally = engine(cast).tally
    shown = await answered(await emulator.command("consensus"))
    numbers = await answered(await emulator.click(shown, label="Show the numbers"))

    assert numbers.ephemeral, "the table is for whoever asked"
    table = head_to_head_table(numbers)
    expected = {
        (a, b): int(tally.wins[i, j])
        for (i, a), (j, b) in itertools.permutations(enumerate(ITEMS), 2)
    }
    assert table == expected
    # One measure per image, each sized for a phone held upright.
    assert [a.filename for a in numbers.attachments] == ["head-to-head.png", "places.png"]
    for chart in numbers.attachments:
        size = png_size(chart.data)
        assert size and size[0] == 800 and size[1] >= 400, f"a phone-sized PNG, not {size}"


async def test_hottest_shows_the_engines_contests_spread_author_rivals_and_quotes(
    emulator: DiscordEmulator, dev_guild: Guild, cast: dict[int, Tiers]
) -> None:
    ballots = engine(cast)
    tally = ballots.tally
    result = consensus(tally)
    hottest = await answered(await emulator.command("hottest", {"public": True}))
    assert not hottest.ephemeral, "posted in the channel, as asked"
    assert f"From {len(cast)} ballots." in hottest.text, hottest.text

    # The three closest contests that split the server, with their numbers.
    split = [c for c in closest_contests(tally, 5) if c.matchup.below_wins > 0][:3]
    shown = re.findall(
        r"\*\*(.+?)\*\* vs \*\*(.+?)\*\*: (\d+)–(\d+) among the (\d+) members",
        field(hottest, "Closest head-to-head"),
    )
    assert [(a, b, int(x), int(y), int(n)) for a, b, x, y, n in shown] == [
        (
            c.matchup.above,
            c.matchup.below,
            c.matchup.above_wins,
            c.matchup.below_wins,
            c.matchup.compared,
        )
        for c in split
    ]

    # The most polarizing item: its average place and spread.
    top = next(row for row in polarizing_items(tally) if row.spread is not None)
    assert top.mean_place is not None and top.spread is not None
    assert (
        f"**{top.item}** — average place {top.mean_place:.1f}, spread ±{top.spread:.1f} over "
        f"{top.ranked_by} members"
    ) in field(hottest, "Most polarizing")

    # The server against the author, overall.
    author = compare_with_author(tally, result, ITEMS).agreement
    assert f"agrees with the author on {author.agreed} of {author.compared} match-ups" in field(
        hottest, "the author"
    )

    # Rivals: each named pair's numbers, and that it is the most (or least) alike pair.
    rivals = field(hottest, "Rivals")
    shares: dict[frozenset[int], float] = {}
    for first, second in itertools.combinations(cast, 2):
        agreed, compared, common = pair_agreement(cast[first], cast[second])
        if common >= 3 and compared:
            shares[frozenset((first, second))] = agreed / compared
    for line, extreme in (("Most opposed", min), ("Kindred spirits", max)):
        text = next(t for t in rivals.split("\n") if line in t)
        first, second = mentioned(text)
        agreed, compared, common = pair_agreement(cast[first], cast[second])
        assert f"agree on {agreed} of {compared} match-ups" in text, text
        assert f"of the {common} items both ranked" in text, text
        assert shares[frozenset((first, second))] == extreme(shares.values()), line

    # Reasons quoted for each side of the closest contest come from that side and name its
    # film: a line about another film (or none) is not quoted under this one.
    contest = split[0].matchup
    quotes = field(hottest, f"{contest.above} or {contest.below}?")
    side = None
    for line in quotes.split("\n"):
        if line.startswith("*For "):
            side = line.removeprefix("*For ").removesuffix(":*")
        elif line.startswith("> "):
            (member,) = mentioned(line)
            ranks = {item: n for n, tier in enumerate(cast[member]) for item in tier}
            other = contest.below if side == contest.above else contest.above
            assert ranks.get(side, 99) < ranks.get(other, 99), f"{line} is not for {side}"
            assert re.search(rf"{re.escape(str(side))}(?!\w)", line), line
            assert "Clubber" not in line, "names no film: quoted under none"
    assert side is not None, quotes
    assert "> Rocky III: Apollo and Rocky on the beach, enough said" in quotes
    assert "> Rocky IV is all machines" in quotes


async def test_leaderboards_show_the_engines_places_firsts_averages_and_agreement(
    emulator: DiscordEmulator, dev_guild: Guild, cast: dict[int, Tiers]
) -> None:
    tally = engine(cast).tally
    result = consensus(tally)
    board = await answered(await emulator.command("leaderboard"))
    assert board.ephemeral

    margins = tally.margins
    firsts = tally.position_counts[:, 0]
    means = tally.mean_positions()
    labels = expected_labels(result)
    lines = placed_lines(board)
    assert [item for _, item, _ in lines] == result.ranking
    for label, item, rest in lines:
        i = ITEMS.index(item)
        won, lost = int((margins[i] > 0).sum()), int((margins[i] < 0).sum())
        ranked = int(tally.ranked_by[i])
        average = "avg —" if math.isnan(means[i]) else f"avg {means[i]:.1f} ({ranked} ranked it)"
        record = f"{won} win{'s' * (won != 1)}, {lost} loss{'es' * (lost != 1)} head to head"
        assert label == labels[item]
        assert rest.split(" · ")[:3] == [record, f"🥇 {firsts[i]}", average]

    # Members: agreement with the consensus and with the author, the closest first.
    members = await answered(await emulator.command("leaderboard", {"board": "members"}))
    order = [tuple(tier) for tier in result.order]
    author = [(item,) for item in ITEMS]
    rows = re.findall(
        r"<@(\d+)> — \*\*(\d+)%\*\* with the server \((\d+) of (\d+) match-ups\)"
        r" · (\d+)% with the author",
        members.embeds[0]["description"],
    )
    assert sorted(int(row[0]) for row in rows) == sorted(cast)
    shares = []
    for member_id, share, agreed, compared, with_author in rows:
        mine = agreement(cast[int(member_id)], order, ITEMS)
        theirs = agreement(cast[int(member_id)], author, ITEMS)
        assert (int(agreed), int(compared)) == (mine.agreed, mine.compared)
        assert int(share) == round(100 * mine.agreed / mine.compared)
        assert int(with_author) == round(100 * theirs.agreed / theirs.compared)
        shares.append(mine.agreed / mine.compared)
    assert shares == sorted(shares, reverse=True), "closest to the server first"


async def test_myvote_says_where_each_member_splits_from_the_engines_consensus(
    emulator: DiscordEmulator, dev_guild: Guild, cast: dict[int, Tiers]
) -> None:
    tally = engine(cast).tally
    result = consensus(tally)
    order = [tuple(tier) for tier in result.order]
    place = {item: n for n, tier in enumerate(order) for item in tier}
    for member in dev_guild.plain_members[:5]:
        mine = await answered(await emulator.command("myvote", member=member))
        split = field(mine, "Where you split from the server")
        expected = agreement(cast[member.id], order, ITEMS)
        # Every member's total is the same 15 match-ups; side with + against + open.
        sides = re.search(
            r"Of the 15 match-ups .*?side with it on (\d+) and against on (\d+)", split
        )
        assert sides, split
        assert (int(sides[1]), int(sides[2])) == (expected.agreed, expected.disagreed), split
        # Each pair named is one the member ordered against the consensus, with its numbers.
        ranks = {item: n for n, tier in enumerate(cast[member.id]) for item in tier}
        named = re.findall(
            r"You put \*\*(.+?)\*\* above \*\*(.+?)\*\*; the server (?:prefers \*\*.+?\*\*, "
            r"(\d+) members? to (\d+)|.+? split (\d+) for yours to (\d+))",
            split,
        )
        for mine_item, theirs, for_theirs, for_mine, split_mine, split_theirs in named:
            assert ranks[mine_item] < ranks[theirs] and place[theirs] < place[mine_item], split
            a, b = ITEMS.index(mine_item), ITEMS.index(theirs)
            if for_theirs:
                assert (int(for_theirs), int(for_mine)) == (tally.wins[b, a], tally.wins[a, b])
            else:
                assert (int(split_mine), int(split_theirs)) == (tally.wins[a, b], tally.wins[b, a])
        if expected.disagreed and all(item in ranks for item in ITEMS):
            assert named, split


async def test_the_stored_ballots_are_the_ones_cast_and_count_the_same(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess, cast: dict[int, Tiers]
) -> None:
    shown = await answered(await emulator.command("consensus"))
    assert await bot.stop() == 0

    stored = await stored_ballots(bot.database_path, dev_guild.id)
    assert stored == cast, "the current ballots in SQLite are those cast, the withdrawn one out"
    result = consensus(engine(stored).tally)
    assert {item: label for label, item, _ in placed_lines(shown)} == expected_labels(result)


async def stored_ballots(database: Path, guild_id: int) -> dict[int, Tiers]:
    """Current ballots by member, as item names, read with the bot's own repositories."""
    async with await Database.open(database) as db:
        debate = next(d for d in await DebateRepository(db).list_catalog() if d.slug == SLUG)
        rows = await BallotRepository(db).current_all(guild_id, debate.id)
    return {row.member_id: named(debate, row.tiers) for row in rows}


def named(debate: Debate, tiers: Sequence[Sequence[int]]) -> Tiers:
    return tuple(tuple(debate.item(item_id).name for item_id in tier) for tier in tiers)


async def test_an_empty_then_closed_debate_reads_as_such(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    # Nobody voted: said once, with nothing to show the numbers of.
    empty = await answered(await emulator.command("consensus"))
    assert "Nobody has ranked this debate yet" in empty.text
    assert "0 voters" not in empty.text and "Provisional" not in empty.text
    assert "Show the numbers" not in [b.get("label") for b in empty.buttons]

    voter, latecomer = dev_guild.plain_members[:2]
    await answered(await emulator.command("vote", {"order": "IV > II > III"}, member=voter))
    closed = await answered(await emulator.command("debate close", member=dev_guild.admin))
    assert "closed" in closed.text

    final = await answered(await emulator.command("consensus"))
    assert final.title.startswith("Final ranking:")
    assert "Voting is closed: this order is final." in final.text
    assert "Vote" not in [b.get("label") for b in final.buttons]
    mine = await answered(await emulator.command("myvote", member=voter))
    assert "this ballot is final" in mine.text
    assert [b.get("label") for b in mine.buttons] == ["Share"]
    missed = await answered(await emulator.command("myvote", member=latecomer))
    assert "before voting closed" in missed.text and "/vote" not in missed.text

    # Nowhere else offers a vote either, and each says voting is over.
    show = await answered(await emulator.command("debate show", member=latecomer))
    assert "Voting is closed: `/consensus` shows the server's final ranking." in show.text
    assert not {"Vote", "Duel"} & {b.get("label") for b in show.buttons}
    assert "/vote" not in show.text and "/duel" not in show.text
    hottest = await answered(await emulator.command("hottest", member=latecomer))
    assert "Vote" not in [b.get("label") for b in hottest.buttons]
    assert "Provisional" not in hottest.text and "/vote" not in hottest.text
    posted = await answered(await emulator.command("summary post", member=dev_guild.admin))
    assert posted.ephemeral
    summary = emulator.channel_messages(dev_guild.general)[-1]
    assert "Hottest disagreements" in summary.text
    assert summary.layout and summary.title.startswith("Final ranking:")
    assert "Voting is closed: this order is final." in summary.text
    assert "Vote" not in [b.get("label") for b in summary.buttons]
