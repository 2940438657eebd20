"""Rendering engine results at the edges, always within Discord's limits."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import discord
import pytest

from bot.models import ChangesSince, Debate, Item, Movement
from bot.ranking import Contest, Matchup, MemberBallots, consensus, disagreement
from bot.render.leaderboard import MEMBER_BOARD_LIMIT, item_board_pages, member_board_pages
from bot.render.results import consensus_pages, head_to_head_pages, item_names
from bot.render.summary import (
    CHART_NAME,
    Mentions,
    about,
    agreement_words,
    changes_text,
    hottest_embed,
    quotes_for,
    sparkline,
    summary_embeds,
    text_size,
)
from bot.render.text import LAYOUT_TEXT, safe
from bot.ui import summary_card, summary_view
from tests.support.discord_model import (
    FLAG_COMPONENTS_V2,
    assert_embeds_fit,
    message_cards,
)
from tests.support.discord_model import assert_fits as assert_message_fits
from tests.support.rocky import ROCKY_TITLES

# Markdown, mentions and pings users might type. (No link here: discord.py's escape_markdown
# leaves everything between a "[" and the last "](…)" of a text alone, see the report.)
NASTY = "**bold** _it_ `code` ~~x~~ > quote @everyone <@123> || spoiler || # head "


def make_debate(names: Sequence[str] = ROCKY_TITLES) -> Debate:
    items = tuple(
        Item(id=100 + i, name=name, reason=f"because {i}") for i, name in enumerate(names)
    )
    return Debate(1, "rocky", "The Rocky training montages, ranked", "Q?", "The blogger", items)


def ids(debate: Debate) -> list[int]:
    return [item.id for item in debate.items]


def outcome(
    debate: Debate, ballots: Mapping[int, Sequence[Sequence[int]]], method: str = "schulze"
):
    members = MemberBallots(ids(debate), ballots)
    result = consensus(members.tally, method)
    summary = disagreement(members.tally, members, ids(debate), result)
    return members, result, summary


def singles(order: Sequence[int]) -> list[list[int]]:
    return [[key] for key in order]


def random_ballots(debate: Debate, voters: int, seed: int = 7, partial: bool = True):
    rng = random.Random(seed)
    keys = ids(debate)
    ballots = {}
    for member in range(1, voters + 1):
        order = keys[:]
        rng.shuffle(order)
        if partial:
            order = order[: rng.randint(3, len(order))]
        ballots[member] = singles(order)
    return ballots


def assert_fits(embeds: Sequence[discord.Embed]) -> None:
    """Something to show, and Discord would take it as one message."""
    assert embeds
    assert_embeds_fit(embeds)


def text_of(embeds: Sequence[discord.Embed]) -> str:
    parts = []
    for embed in embeds:
        data = embed.to_dict()
        parts += [data.get("title", ""), data.get("description", "")]
        parts += [f["name"] + "\n" + f["value"] for f in data.get("fields", [])]
        parts.append((data.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def each_page_fits(pages: Sequence[discord.Embed]) -> None:
    for page in pages:
        assert_fits([page])


ROCKY_BALLOTS = {
    1: [[100], [101], [102], [103], [104], [105]],
    2: [[101], [100], [102], [105], [103], [104]],
    3: [[102], [101, 100], [103]],
    4: [[105], [104], [103], [102], [101], [100]],
    5: [[100], [102], [101], [104], [103], [105]],
}


# -- consensus ---------------------------------------------------------------------------------


def test_consensus_with_no_voters_says_how_many_are_needed() -> None:
    debate = make_debate()
    _, result, _ = outcome(debate, {})
    pages = consensus_pages(debate, result, min_voters=3)
    each_page_fits(pages)
    text = text_of(pages)
    assert "Nobody has ranked this debate yet" in text and "counts once 3 members have" in text
    # Said once, not as "0 voters", "Provisional: 0 members" and "nobody" at once.
    assert "0 voters" not in text and "Provisional" not in text and "0 members" not in text


def test_a_closed_debate_says_its_ranking_is_final() -> None:
    debate = make_debate()
    _, result, _ = outcome(debate, ROCKY_BALLOTS)
    [page] = consensus_pages(debate, result, min_voters=3, closed=True)
    assert page.title.startswith("Final ranking:")
    assert "Voting is closed: this order is final." in page.description
    _, empty, _ = outcome(debate, {})
    [page] = consensus_pages(debate, empty, min_voters=3, closed=True)
    assert "Nobody ranked this debate before voting closed" in page.description
    assert "/vote" not in page.description


def test_consensus_with_one_voter_is_provisional_but_shows_the_order() -> None:
    debate = make_debate()
    _, result, _ = outcome(debate, {1: singles(ids(debate))})
    [page] = consensus_pages(debate, result, min_voters=3)
    assert_fits([page])
    assert "2 more voters needed" in page.description
    assert "**Rocky IV** — preferred to Rocky II by 1 member to 0" in page.description
    assert "**1 voter** · Schulze" in page.description


def test_consensus_explains_each_place_and_the_method() -> None:
    debate = make_debate()
    _, result, _ = outcome(debate, ROCKY_BALLOTS)
    [page] = consensus_pages(debate, result, min_voters=3)
    assert_fits([page])
    assert "Provisional" not in page.description
    assert "How this was counted:" in page.description and result.description in page.description
    assert "`   1` **Rocky IV** — preferred to Rocky III by 3 members to 2" in page.description
    assert "**5 voters**" in page.description
    assert page.footer.text == "6 items · Schulze"


def test_ties_share_a_place_and_say_level() -> None:
    debate = make_debate()
    _, result, _ = outcome(debate, ROCKY_BALLOTS)
    [page] = consensus_pages(debate, result, min_voters=3)
    assert "`  =5` **Rocky Balboa** — level with Rocky V: 2 members each way" in page.description
    assert "`  =5` **Rocky V**" in page.description


def test_a_majority_cycle_is_spelled_out_with_numbers() -> None:
    debate = make_debate(["A", "B", "C"])
    a, b, c = ids(debate)
    ballots = {1: [[a], [b], [c]], 2: [[b], [c], [a]], 3: [[c], [a], [b]]}
    _, result, summary = outcome(debate, ballots)
    [page] = consensus_pages(debate, result, min_voters=3)
    assert "Majority cycle" in page.description
    assert "**A** beats **B** 2–1" in page.description
    hot = hottest_embed(
        debate, summary, ballots=ballots, reasons={}, hide_members=False, min_voters=3
    )
    assert_fits([hot])
    assert "🔁 Majority cycle" in [f.name for f in hot.fields]


def test_each_method_explains_places_with_its_own_numbers() -> None:
    debate = make_debate()
    members, _, _ = outcome(debate, ROCKY_BALLOTS)
    tally = members.tally
    name = {item.id: item.name for item in debate.items}
    borda = consensus(tally, "borda")
    [page] = consensus_pages(debate, borda, min_voters=3)
    assert borda.scores is not None
    for key, points in borda.scores.items():
        assert f"**{name[key]}** — {points:g} Borda points" in page.description
    assert "head to head" not in page.description and "preferred to" not in page.description

    mean = consensus(tally, "mean_position")
    [page] = consensus_pages(debate, mean, min_voters=3)
    assert mean.scores is not None and mean.ranked_by is not None
    for key, place in mean.scores.items():
        ranked = mean.ranked_by[key]
        assert f"**{name[key]}** — average place {place:.1f}, ranked by {ranked} of 5" in (
            page.description
        )
    assert "tied with" not in page.description and "preferred to" not in page.description

    copeland = consensus(tally, "copeland")
    [page] = consensus_pages(debate, copeland, min_voters=3)
    assert copeland.record is not None
    for key, (won, lost) in copeland.record.items():
        assert f"**{name[key]}** — wins {won} head-to-head" in page.description
        assert f"loses {lost} (score {won - lost:+d})" in page.description


@pytest.mark.parametrize("method", ["schulze", "borda", "mean_position"])
def test_items_nobody_ranked_are_one_line(method: str) -> None:
    debate = make_debate([f"Film {n}" for n in range(30)])
    film = ids(debate)
    ballots = {m: [[film[(m + k) % 12]] for k in range(6)] for m in range(8)}
    _, result, _ = outcome(debate, ballots, method)
    [page] = consensus_pages(debate, result, min_voters=3)
    lines = [line for line in page.description.splitlines() if line.startswith("`")]
    assert len(lines) == 13, lines
    assert lines[-1].startswith("` =13` *18 items nobody has ranked yet:* Film 12, Film 13")
    assert "0–0" not in page.description and "no member has ordered" not in page.description
    assert len(page.description) < 1500


@pytest.mark.parametrize(
    "method", ["schulze", "ranked_pairs", "copeland", "borda", "mean_position"]
)
def test_a_big_debate_pages_without_losing_or_cutting_an_item(method: str) -> None:
    debate = make_debate([f"Item number {n:03d}" for n in range(150)])
    _, result, _ = outcome(debate, random_ballots(debate, 40), method)
    pages = consensus_pages(debate, result, min_voters=3)
    assert len(pages) > 1
    each_page_fits(pages)
    listed = [
        line for page in pages for line in page.description.splitlines() if line.startswith("`")
    ]
    assert len(listed) == 150
    assert all(f"Item number {n:03d}" in text_of(pages) for n in range(150))
    assert pages[0].footer.text.startswith(f"Page 1/{len(pages)}")


def test_very_long_and_nasty_names_are_escaped_and_fit() -> None:
    names = [f"{n} {NASTY * 8} [l](http://x)" for n in range(30)]
    debate = make_debate(names)
    ballots = random_ballots(debate, 12, partial=False)
    reasons = {member: NASTY * 20 for member in ballots}
    members, result, summary = outcome(debate, ballots)
    pages = consensus_pages(debate, result, min_voters=3)
    each_page_fits(pages)
    hot = hottest_embed(
        debate, summary, ballots=members, reasons=reasons, hide_members=False, min_voters=3
    )
    assert_fits([hot])
    for text in (text_of(pages), text_of([hot])):
        assert "@everyone" not in text and "@\u200beveryone" in text
        assert "<@123>" not in text  # a user's text never becomes a mention
        assert "**bold**" not in text and "\\*\\*bold\\*\\*" in text


def test_item_names_collapse_whitespace_and_clip() -> None:
    debate = make_debate(["a\n\nb", "x" * 500])
    names = item_names(debate)
    assert names[100] == "a b"
    assert len(names[101]) <= 90 and names[101].endswith("…")


# -- the head-to-head table ------------------------------------------------------------------


def test_head_to_head_table_for_six_items() -> None:
    debate = make_debate()
    members, result, _ = outcome(debate, ROCKY_BALLOTS)
    [page] = head_to_head_pages(debate, result, members.tally)
    assert_fits([page])
    table = page.description.split("```")[1]
    rows = table.strip("\n").splitlines()
    assert rows[0].split() == ["1", "2", "3", "4", "5", "6"]
    first = rows[1].split()
    assert first[:3] == ["1.", "Rocky", "IV"] and first[3:] == ["—", "3", "2", "4", "4", "4"]


def test_head_to_head_table_for_a_big_debate_covers_every_pair() -> None:
    debate = make_debate([f"Item `{n}`" for n in range(60)])
    members, result, _ = outcome(debate, random_ballots(debate, 25))
    pages = head_to_head_pages(debate, result, members.tally)
    each_page_fits(pages)
    assert len(pages) == 3 * 8  # 25-row blocks × 8-column blocks
    cells = 0
    for page in pages:
        table = page.description.split("```")[1]
        assert "`" not in table  # a backtick in a name cannot close the block
        assert "Item ˋ" in table
        # Row labels take 20 characters ("  1. " and 14 of the name, then a space).
        cells += sum(len(row[20:].split()) for row in table.strip("\n").splitlines()[1:])
    assert cells == 60 * 60
    assert "rows 51–60, columns 57–60" in pages[-1].footer.text


# -- the hottest disagreements -------------------------------------------------------------


def test_hottest_shows_every_section_and_quotes_both_sides() -> None:
    debate = make_debate()
    reasons = {
        1: "Rocky IV has the snow *and* Hearts on Fire",
        2: "Rocky II, because Adrian wakes up!",
        4: "contrarian",
    }
    members, _, summary = outcome(debate, ROCKY_BALLOTS)
    hot = hottest_embed(
        debate, summary, ballots=members, reasons=reasons, hide_members=False, min_voters=3
    )
    assert_fits([hot])
    fields = {f.name: f.value for f in hot.fields}
    assert list(fields)[:4] == [
        "🔥 Closest head-to-head contests",
        "🎭 Most polarizing",
        "✍️ The server vs the author",
        "⚔️ Rivals",
    ]
    assert fields["🔥 Closest head-to-head contests"].count("\n") == 2  # three contests
    assert (
        "**Rocky IV** vs **Rocky II**: 2–2 among the 4 members who ordered them"
        in fields["🔥 Closest head-to-head contests"]
    )
    assert "spread ±" in fields["🎭 Most polarizing"] and "`1st " in fields["🎭 Most polarizing"]
    assert "13 of 14 match-ups (93%): almost the same order" in fields["✍️ The server vs the author"]
    assert "<@4> and <@1> agree on 0 of 15 match-ups" in fields["⚔️ Rivals"]
    quotes = fields["💬 Rocky IV or Rocky II?"]
    assert "*For Rocky IV:*\n> Rocky IV has the snow \\*and\\* Hearts on Fire — <@1>" in quotes
    assert "*For Rocky II:*" in quotes and "<@2>" in quotes


def test_hottest_hides_member_names_when_the_server_asks() -> None:
    debate = make_debate()
    members, _, summary = outcome(debate, ROCKY_BALLOTS)
    reasons = {1: "Rocky IV: snow", 2: "Rocky II: Adrian"}
    hot = hottest_embed(
        debate, summary, ballots=members, reasons=reasons, hide_members=True, min_voters=3
    )
    text = text_of([hot])
    assert "<@" not in text and "Rivals" not in text
    assert "— a member" in text
    assert hot.footer.text == "This server hides member-level results."


def test_hottest_with_no_voters_and_with_one() -> None:
    debate = make_debate()
    _, _, summary = outcome(debate, {})
    empty = hottest_embed(debate, summary, ballots={}, reasons={}, hide_members=False, min_voters=3)
    assert_fits([empty])
    assert "nobody has ranked this debate" in empty.description
    ballots = {1: singles(ids(debate))}
    members, _, summary = outcome(debate, ballots)
    one = hottest_embed(
        debate, summary, ballots=members, reasons={1: "x"}, hide_members=False, min_voters=3
    )
    assert_fits([one])
    fields = {f.name: f.value for f in one.fields}
    assert fields["🔥 Closest head-to-head contests"].startswith("No splits yet")
    assert "2 more voters needed" in one.description
    assert "🎭 Most polarizing" not in fields  # one ranking has no spread


def test_hottest_for_a_big_debate_with_long_reasons_fits() -> None:
    debate = make_debate(
        [f"A rather long item name number {n:03d} " + "y" * 40 for n in range(120)]
    )
    ballots = random_ballots(debate, 60)
    reasons = {member: "word " * 400 for member in ballots}
    members, _, summary = outcome(debate, ballots)
    hot = hottest_embed(
        debate, summary, ballots=members, reasons=reasons, hide_members=False, min_voters=3
    )
    assert_fits([hot])
    assert len(hot) < 5000


def test_sparkline_and_words() -> None:
    assert sparkline([0, 1, 2, 8]) == "·▂▃█"
    assert len(sparkline(list(range(120)))) == 12
    assert agreement_words(0.95) == "almost the same order"
    assert agreement_words(0.5) == "split down the middle"
    assert agreement_words(None) == "nothing to compare yet"


# -- leaderboards --------------------------------------------------------------------------


def test_item_leaderboard_shows_score_first_places_average_and_movement() -> None:
    debate = make_debate()
    members, result, _ = outcome(debate, ROCKY_BALLOTS, "borda")
    previous = {100: 2, 101: 1, 102: 3, 103: 4, 104: 5}
    [page] = item_board_pages(debate, result, members.tally, previous=previous, min_voters=3)
    assert_fits([page])
    first = next(line for line in page.description.splitlines() if "**Rocky IV**" in line)
    assert "Borda points" in first and "🥇 2" in first and "avg 2.5" in first and "▲1" in first
    assert "🆕" in next(line for line in page.description.splitlines() if "**Rocky V**" in line)


def test_item_leaderboard_before_any_summary_and_for_pairwise_methods() -> None:
    debate = make_debate()
    members, result, _ = outcome(debate, ROCKY_BALLOTS)
    [page] = item_board_pages(debate, result, members.tally, previous=None, min_voters=3)
    # Wins and losses against other items, in words: "4–0" would read like members.
    assert "4 wins, 0 losses head to head" in page.description and "4–0" not in page.description
    assert "avg 4.2 (4 ranked it)" in page.description
    assert "▲" not in page.description and "movement shows from the next one" in page.footer.text


def test_item_leaderboard_puts_items_nobody_ranked_on_one_line() -> None:
    debate = make_debate([f"Film {n}" for n in range(30)])
    film = ids(debate)
    ballots = {m: [[film[(m + k) % 12]] for k in range(6)] for m in range(8)}
    members, result, _ = outcome(debate, ballots)
    [page] = item_board_pages(debate, result, members.tally, previous=None, min_voters=3)
    lines = [line for line in page.description.splitlines() if line.startswith("`")]
    assert len(lines) == 13
    assert lines[-1].startswith("` =13` *18 items nobody has ranked yet:* Film 12, Film 13")


def test_item_leaderboard_pages_for_150_items() -> None:
    debate = make_debate([f"Item {n} " + "z" * 70 for n in range(150)])
    members, result, _ = outcome(debate, random_ballots(debate, 30))
    pages = item_board_pages(debate, result, members.tally, previous={}, min_voters=3)
    assert len(pages) > 1
    each_page_fits(pages)
    assert sum(page.description.count("\n`") for page in pages) == 150


def test_member_leaderboard_whisperers_allies_and_contrarians() -> None:
    debate = make_debate()
    _, _, summary = outcome(debate, ROCKY_BALLOTS)
    [page] = member_board_pages(debate, summary, min_voters=3)
    assert_fits([page])
    lines = [line for line in page.description.splitlines() if line.startswith("`")]
    assert lines[0].startswith("`  1.` <@1> — **93%** with the server (13 of 14 match-ups)")
    assert lines[-1].startswith("`  5.` <@4> — **7%**")
    fields = {f.name: f.value for f in page.fields}
    assert fields["✍️ Closest to the author"].startswith("<@1> — **100%**")
    assert "<@4>" in fields["🙃 Contrarians — furthest from the server"]


def test_member_leaderboard_pages_and_caps_big_servers() -> None:
    debate = make_debate([f"I{n}" for n in range(10)])
    _, _, summary = outcome(debate, random_ballots(debate, 300))
    pages = member_board_pages(debate, summary, min_voters=3)
    each_page_fits(pages)
    assert len(pages) == MEMBER_BOARD_LIMIT // 20
    assert "the top 200 are listed" in pages[0].footer.text
    assert sum(page.description.count("<@") for page in pages) == MEMBER_BOARD_LIMIT


def test_member_leaderboard_with_nobody() -> None:
    debate = make_debate()
    _, _, summary = outcome(debate, {})
    [page] = member_board_pages(debate, summary, min_voters=3)
    assert "No member has ranked" in page.description


# -- the summary post --------------------------------------------------------------------------


def _summary(debate: Debate, ballots, reasons, changes: ChangesSince, hide: bool = False, **more):
    members, result, summary = outcome(debate, ballots)
    return summary_embeds(
        debate, result, summary, ballots=members, reasons=reasons, hide_members=hide,
        min_voters=3, changes=changes, with_chart=True, **more,
    )  # fmt: skip


def _card(embeds: Sequence[discord.Embed], note: str | None = None) -> dict:
    """The summary as the poster sends it: a Components V2 message with the chart."""
    buttons = summary_view(1, "schulze", full_ranking=True, is_open=True)
    view = summary_card(embeds, buttons, note=note)
    return {
        "flags": FLAG_COMPONENTS_V2,
        "components": view.to_components(),
        "attachments": [{"id": "0", "filename": CHART_NAME}],
    }


def test_summary_post_is_one_card_within_limits() -> None:
    debate = make_debate()
    message = _summary(debate, ROCKY_BALLOTS, {1: "snow"}, ChangesSince(first=True))
    card = _card(message.embeds)
    assert_message_fits(card)
    assert not message.partial_ranking
    cards = message_cards(card)
    assert [c.title.split(":")[0] for c in cards] == [
        "Server ranking",
        "Since the last summary",
        "Hottest disagreements",
    ]
    assert cards[2].pictures == [f"attachment://{CHART_NAME}"]
    assert "first summary" in cards[1].text
    assert "Voting is closed" not in cards[0].text


def test_summary_post_for_a_huge_debate_shows_the_top_and_points_to_the_rest() -> None:
    debate = make_debate([f"{NASTY} {n}" for n in range(200)])
    ballots = random_ballots(debate, 50)
    reasons = {member: NASTY * 30 for member in ballots}
    moved = tuple(Movement(100 + n, n + 3, n + 1) for n in range(50))
    changes = ChangesSince(False, 40, 50, 12, 3, moved)
    factions = discord.Embed(title="Factions", description="F" * 1000)
    guesses = discord.Embed(title="🔮 Who guessed the server best", description="G" * 2048)
    note = "Voting on **" + "T" * 200 + "** has closed. The results:"
    message = _summary(
        debate, ballots, reasons, changes, closed=True, factions=factions,
        predictions=guesses, budget=LAYOUT_TEXT - len(note),
    )  # fmt: skip
    card = _card(message.embeds, note)
    assert_message_fits(card)
    assert message.partial_ranking
    cards = message_cards(card)
    assert "Full ranking shows them all" in cards[0].text
    assert cards[0].text.count("\n`") >= 2  # the first places (each a long line here)
    # The factions stay; the predictions (with a leaderboard of their own) give way.
    assert [c.title for c in cards[1:]] == [
        "Since the last summary",
        "Factions",
        f"Hottest disagreements: {safe(debate.title)}",
    ]
    assert cards[-1].pictures


@pytest.mark.parametrize("items", [3, 40, 200])
@pytest.mark.parametrize("voters", [0, 2, 60])
def test_summary_text_never_passes_its_budget(items: int, voters: int) -> None:
    debate = make_debate([f"{NASTY}{'ж' * 60} {n}" for n in range(items)])
    ballots = random_ballots(debate, voters, seed=items)
    reasons = {member: (NASTY + "Rocky ") * 40 for member in ballots}
    moved = tuple(Movement(100 + n, n + 2, n + 1) for n in range(min(items, 30)))
    for budget in (LAYOUT_TEXT, LAYOUT_TEXT - 300):
        message = _summary(
            debate, ballots, reasons, ChangesSince(False, 1, voters, voters, 0, moved),
            factions=discord.Embed(title="Factions", description="F" * 1024),
            predictions=discord.Embed(title="Guesses", description="G" * 2048), budget=budget,
        )  # fmt: skip
        assert text_size(message.embeds) <= budget
        assert_message_fits(_card(message.embeds, "n" * (LAYOUT_TEXT - budget)))


def test_changes_text_says_who_came_and_what_moved() -> None:
    names = {1: "Rocky IV", 2: "Rocky II", 3: "Rocky V"}
    changes = ChangesSince(
        first=False, voters_before=4, voters_now=7, new_voters=3, changed_ballots=1,
        moved=(Movement(1, 3, 1), Movement(2, 1, 2), Movement(3, None, 6)),
    )  # fmt: skip
    text = changes_text(changes, names)
    assert text.startswith("3 new voters (4 → 7), 1 member changed their ranking.")
    assert "▲2 **Rocky IV** (3rd → 1st)" in text
    assert "▼1 **Rocky II** (1st → 2nd)" in text
    assert "🆕 **Rocky V** enters at 6th" in text
    nothing = changes_text(ChangesSince(False, 4, 4), names)
    assert "0 new voters (4 → 4)" in nothing and "No item moved." in nothing


def test_hottest_never_contradicts_itself() -> None:
    # Two members who agree on every pair are not "most opposed"; an item everyone puts
    # 1st or 2nd is not polarizing; a server that orders every pair as the author does is
    # not "almost" the same.
    debate = make_debate([f"Film {n}" for n in range(8)])
    film = ids(debate)
    ballots = {
        1: [[film[0]], [film[1]], [film[2]]],
        2: [[film[1]], [film[0]], [film[2]]],
        3: [[film[0]], [film[1]], [film[2]]],
    }
    members, _, summary = outcome(debate, ballots)
    hot = hottest_embed(
        debate, summary, ballots=members, reasons={}, hide_members=False, min_voters=3
    )
    fields = {f.name: f.value for f in hot.fields}
    assert "Most opposed" not in fields.get("⚔️ Rivals", "")
    assert fields["🎭 Most polarizing"].startswith("None: members place every item")
    same = {m: [[key] for key in film] for m in range(1, 4)}
    members, _, summary = outcome(debate, same)
    hot = hottest_embed(
        debate, summary, ballots=members, reasons={}, hide_members=False, min_voters=3
    )
    fields = {f.name: f.value for f in hot.fields}
    assert fields["✍️ The server vs the author"] == "The server's order is exactly the author's."
    assert "Most opposed" not in fields.get("⚔️ Rivals", "")


def test_quotes_stand_under_the_film_they_are_about() -> None:
    debate = make_debate()
    iv, ii, iii, rocky, *_ = ids(debate)
    mentions = Mentions({item.id: (item.name, *item.aliases) for item in debate.items})
    # One reader's comment, pasted on one line: each film's part, not the whole comment.
    comment = "Rocky IV – cant argue with the snow Rocky II – when Adrianne woke up.. Rocky V – a sad joke"
    assert about(comment, ii, mentions) == "Rocky II – when Adrianne woke up.."
    assert about(comment, iv, mentions) == "Rocky IV – cant argue with the snow"
    # "Rocky Balboa" and "Rocky III" are not mentions of "Rocky"; a line naming no film
    # is about none.
    assert about("Balboa's hurtin' bombs, Rocky Balboa forever", rocky, mentions) is None
    assert about("Adrian wakes up", iv, mentions) is None
    assert about("The original Rocky steps. Nothing else.", rocky, mentions) == (
        "The original Rocky steps."
    )
    ballots = {1: [[iii], [rocky]], 2: [[rocky], [iii]]}
    contest = Contest(Matchup(iii, rocky, 1, 1), 1.0)
    reasons = {1: "Rocky Balboa is the best", 2: "Rocky: raw eggs and the steps"}
    for_iii, for_rocky = quotes_for(contest, ballots, reasons, mentions=mentions)
    assert for_iii == [] and [q.text for q in for_rocky] == ["Rocky: raw eggs and the steps"]


def test_quotes_prefer_reasons_about_the_contest() -> None:
    debate = make_debate()
    members, _, summary = outcome(debate, ROCKY_BALLOTS)
    contest = next(c for c in summary.closest_contests if c.matchup.below_wins)
    above = debate.item(contest.matchup.above).name
    reasons = {
        1: "A long reason about something else entirely, going on and on " * 3,
        5: f"short, but {above.upper()} is why",
    }
    mentions = Mentions({item.id: (item.name,) for item in debate.items})
    for_above, _ = quotes_for(contest, members, reasons, per_side=1, mentions=mentions)
    assert [q.member_id for q in for_above] == [5]
