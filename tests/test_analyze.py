"""The offline analysis command, called as the lead wires it: main(argv) -> exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analyze import BallotFileError, main, parse_plain, parse_preflib, to_json, to_text
from bot.ranking import METHODS, MemberBallots, consensus, disagreement

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_PREFLIB = REPO_ROOT / ".." / "shared" / "preflib" / "00032-00000004.toi"

ROCKY = """\
# The Rocky training montages
IV > II = III > Rocky
3: II > IV
Balboa > V > IV

2: IV > III > II > Rocky > Balboa > V
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_text_to_json(tmp_path, capsys) -> None:
    status, out, err = run(capsys, str(write(tmp_path, "rocky.txt", ROCKY)), "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["method"] == "schulze" and data["voters"] == 7
    assert data["items"] == ["IV", "II", "III", "Rocky", "Balboa", "V"]
    assert sorted(name for tier in data["order"] for name in tier) == sorted(data["items"])
    assert data["order"][0] == ["IV"]
    # IV over II: line 2, line 5 and the 2 ballots of line 7 -> 4; II over IV: 3 ballots.
    assert data["pairwise"]["IV"]["II"] == 4 and data["pairwise"]["II"]["IV"] == 3
    # II and III are tied on line 2; unranked V and Balboa on line 3 are no preference.
    assert data["pairwise"]["II"]["III"] == 3 and data["pairwise"]["III"]["II"] == 2
    assert data["pairwise"]["V"]["Balboa"] == 0
    assert "IV" not in data["pairwise"]["IV"]
    dis = data["disagreement"]
    assert {"closest_contests", "polarizing", "members", "closest_pair", "most_opposed"} <= set(dis)
    assert dis["members"]["count"] == 7
    assert data["explanation"][0]["above"] == "IV"


def test_plain_text_report(tmp_path, capsys) -> None:
    status, out, _ = run(capsys, str(write(tmp_path, "rocky.txt", ROCKY)), "--method", "borda")
    assert status == 0
    assert out.startswith("Borda (7 voters): ")
    assert "1. IV" in out and "Closest head-to-head contests:" in out


def test_author_comparison(tmp_path, capsys) -> None:
    path = str(write(tmp_path, "rocky.txt", ROCKY))
    status, out, _ = run(capsys, path, "--json", "--author", "IV > II > III > Rocky > Balboa > V")
    assert status == 0
    author = json.loads(out)["disagreement"]["author"]
    assert author["rows"][0] == {"item": "IV", "consensus_place": 1, "author_place": 1}
    status, _, err = run(capsys, path, "--author", "IV > Rocky 7")
    assert status == 2 and "Rocky 7" in err


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("A > B\nA > > B\n", 2, "item name is missing"),
        ("A > B\n\n# note\nA = B > A\n", 4, "'A' appears twice"),
        ("0: A > B\n", 1, "at least 1"),
        (f"{2**40 + 1}: A > B\n", 1, "at most 1,099,511,627,776"),
        (f"{2**40}: A > B\n{2**40}: B\n", None, "more than 1,099,511,627,776 voters"),
        ("A > B\n3:\n", 2, "ranks no items"),
        ("# nothing\n", None, "no ballots"),
    ],
)
def test_bad_plain_files_name_the_line(tmp_path, capsys, text, line, fragment) -> None:
    status, out, err = run(capsys, str(write(tmp_path, "bad.txt", text)))
    assert status == 2 and out == ""
    assert fragment in err
    if line is not None:
        assert f"line {line}:" in err
    with pytest.raises(BallotFileError) as caught:
        parse_plain(text)
    assert caught.value.line == line


PREFLIB_HEADER = """\
# FILE NAME: test.{kind}
# DATA TYPE: {kind}
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: {voters}
# ALTERNATIVE NAME 1: Rocky
# ALTERNATIVE NAME 2: Rocky II
# ALTERNATIVE NAME 3: Rocky IV
"""


@pytest.mark.parametrize(
    ("kind", "rows", "voters", "first"),
    [
        ("soc", "3: 3,2,1\n2: 2,1,3\n", 5, ["Rocky IV"]),
        ("soi", "3: 3\n2: 2,1\n", 5, ["Rocky IV"]),
        ("toc", "3: {2,3},1\n1: 1,{2,3}\n", 4, ["Rocky II", "Rocky IV"]),
        ("toi", "2: {2,3}\n1: 1\n", 3, ["Rocky II", "Rocky IV"]),
    ],
)
def test_preflib_formats(tmp_path, capsys, kind, rows, voters, first) -> None:
    text = PREFLIB_HEADER.format(kind=kind, voters=voters) + rows
    status, out, err = run(capsys, str(write(tmp_path, f"x.{kind}", text)), "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["voters"] == voters
    assert data["items"] == ["Rocky", "Rocky II", "Rocky IV"]
    assert sorted(data["order"][0]) == first


@pytest.mark.parametrize(
    ("kind", "rows", "line", "fragment"),
    [
        ("soc", "4: 3,2\n", 8, "must rank every alternative; missing 1"),
        ("soi", "4: {3,2}\n", 8, "only allowed in .toc and .toi"),
        ("toi", "4: 3,4\n", 8, "alternative 4 does not exist"),
        ("toi", "4: 3,3\n", 8, "appears twice"),
        ("toi", "4: 3,{1,2\n", 8, "never closed"),
        ("toi", "4: 3,,1\n", 8, "'' is not an alternative number"),
        ("toi", "four: 3\n", 8, "expected 'count: ranking'"),
        ("toi", "3: 3\n", 4, "header says 4 voters but the ballots count 3"),
        # Numbers beyond 64 bits, in the bulk reader's rows and in the careful one's.
        ("soi", "4: 3,1\n" + "9" * 30 + ": 3\n", 9, "count must be at most"),
        ("toi", "4: {3,1}\n4: 2," + "9" * 30 + "\n", 9, "alternative 999"),
        ("toi", "4: {3,1}\n4: {2," + "9" * 30 + "}\n", 9, "alternative 999"),
    ],
)
def test_bad_preflib_files_name_the_line(tmp_path, capsys, kind, rows, line, fragment) -> None:
    text = PREFLIB_HEADER.format(kind=kind, voters=4) + rows
    status, _, err = run(capsys, str(write(tmp_path, f"x.{kind}", text)))
    assert status == 2
    assert f"line {line}: " in err and fragment in err


@pytest.mark.parametrize(
    "text",
    [
        "1: 9999999999999999\n",  # no header: the highest number sizes every row
        "# NUMBER ALTERNATIVES: 100000000\n1: 1\n",
    ],
)
def test_a_file_with_more_alternatives_than_can_be_counted_is_refused(
    tmp_path, capsys, text
) -> None:
    status, _, err = run(capsys, str(write(tmp_path, "x.soi", text)))
    assert status == 2 and "can be counted" in err


def test_more_places_than_can_be_counted_are_refused(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("bot.analyze.MAX_PLACES", 5)
    status, _, err = run(capsys, str(write(tmp_path, "x.soc", "1: 1,2,3\n1: 3,2,1\n")))
    assert status == 2 and "2 ballots over 3 items are more than can be counted" in err


def test_repeated_alternative_names_stay_apart() -> None:
    text = "# ALTERNATIVE NAME 1: Rocky\n# ALTERNATIVE NAME 2: Rocky\n1: 2,1\n"
    assert parse_preflib(text, "soc").items == ["Rocky (#1)", "Rocky (#2)"]


def test_missing_file_and_bad_arguments(tmp_path, capsys) -> None:
    status, _, err = run(capsys, str(tmp_path / "nope.txt"))
    assert status == 2 and "no such file" in err
    status, _, err = run(capsys, str(write(tmp_path, "r.txt", ROCKY)), "--method", "plurality")
    assert status == 2 and "invalid choice" in err


def test_kemeny_on_too_many_items_suggests_another_method(tmp_path, capsys) -> None:
    items = " > ".join(f"item {i}" for i in range(25))
    status, _, err = run(capsys, str(write(tmp_path, "big.txt", items)), "--method", "kemeny")
    assert status == 2 and "Try Ranked Pairs" in err


def test_real_preflib_file_matches_pref_voting() -> None:
    if not SHARED_PREFLIB.exists():
        pytest.skip("../shared is not available")
    from pref_voting.helper import swf_from_vm
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles_with_ties import ProfileWithTies
    from preflibtools.instances import OrdinalInstance

    ballot_file = parse_preflib(SHARED_PREFLIB.read_text(encoding="utf-8"), "toi")
    assert len(ballot_file.items) == 12 and ballot_file.voters == 15
    assert ballot_file.items[0] == "Software engineering"

    # The same file read by PrefLib's own parser, counted by pref_voting.
    instance = OrdinalInstance(str(SHARED_PREFLIB))
    rankings, counts = [], []
    for order, count in instance.multiplicity.items():
        rankings.append({alt: level for level, tier in enumerate(order) for alt in tier})
        counts.append(count)
    profile = ProfileWithTies(rankings, rcounts=counts, candidates=list(range(1, 13)))
    profile.use_extended_strict_preference()
    ranking = swf_from_vm(beat_path)(profile)
    expected = [
        sorted(ballot_file.items[c - 1] for c, lv in ranking.rmap.items() if lv == level)
        for level in sorted(set(ranking.rmap.values()))
    ]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.analyze import main; sys.exit(main(sys.argv[1:]))",
            str(SHARED_PREFLIB),
            "--json",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    assert [sorted(tier) for tier in data["order"]] == expected
    names = ballot_file.items
    for a in range(1, 13):
        for b in range(1, 13):
            if a != b:
                assert data["pairwise"][names[a - 1]][names[b - 1]] == profile.support(a, b)


# What ``python -m bot analyze`` must never load: the bot, its Discord and HTTP stack, its
# pictures and settings. Each costs start-up time that an offline analysis does not need.
NOT_FOR_ANALYZE = (
    "discord",
    "aiohttp",
    "aiosqlite",
    "asyncpg",
    "matplotlib",
    "PIL",
    "dotenv",
    "yaml",
    "rapidfuzz",
    "bot.client",
    "bot.launch",
    "bot.storage",
    "bot.render",
    "bot.ranking.factions",
)

# Runs ``python -m bot`` as the shell would (runpy, argv), then reports what it imported.
RUN_AS_MAIN_AND_LIST_MODULES = """\
import json, runpy, sys
sys.argv = ["-m", *sys.argv[1:]]
try:
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
except SystemExit as exit_:
    status = exit_.code
print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr)
sys.exit(status)
"""


def test_analyze_imports_neither_discord_nor_the_bot(tmp_path) -> None:
    path = write(tmp_path, "rocky.txt", ROCKY)
    done = subprocess.run(
        [sys.executable, "-c", RUN_AS_MAIN_AND_LIST_MODULES, "analyze", str(path), "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["order"][0] == ["IV"]
    listing = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    modules = set(json.loads(listing[-1].removeprefix("MODULES ")))
    assert {"bot.analyze", "bot.ranking", "numpy"} <= modules
    loaded = sorted(
        name
        for name in modules
        if any(name == banned or name.startswith(banned + ".") for banned in NOT_FOR_ANALYZE)
    )
    assert loaded == []


def test_the_bot_commands_still_load_the_bot(tmp_path) -> None:
    # The other side of the lazy imports: `run` goes through the launcher (dotenv, settings,
    # discord.py) and, with no token anywhere, stops with the settings error.
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-c", RUN_AS_MAIN_AND_LIST_MODULES, "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1 and "DISCORD_TOKEN" in done.stderr
    listing = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    assert {"bot.launch", "dotenv", "discord"} <= set(json.loads(listing[-1][8:]))


def _strict_preflib(rows: list[tuple[int, list[int]]], alternatives: int) -> str:
    lines = [f"# DATA TYPE: soi\n# NUMBER ALTERNATIVES: {alternatives}\n"]
    lines += [f"{count}: {','.join(map(str, order))}\n" for count, order in rows]
    return "".join(lines)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=9).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.integers(min_value=1, max_value=5),
                    st.permutations(range(1, n + 1)).flatmap(
                        lambda order: st.integers(1, len(order)).map(lambda k: order[:k])
                    ),
                ),
                min_size=1,
                max_size=30,
            ),
        )
    )
)
def test_strict_orders_read_in_bulk_as_line_by_line(case) -> None:
    alternatives, rows = case
    text = _strict_preflib(rows, alternatives)
    bulk = parse_preflib(text, "soi")
    # A tied row anywhere sends the whole file down the line-by-line path.
    careful = parse_preflib(text + "1: {1}\n", "toi")
    assert bulk.items == careful.items
    assert (bulk.ranks == careful.ranks[:-1]).all()
    assert bulk.lines.tolist() == careful.lines[:-1].tolist()
    assert bulk.counts.tolist() == [count for count, _ in rows]


def test_members_are_named_after_their_lines() -> None:
    ballot_file = parse_preflib("# NUMBER ALTERNATIVES: 2\n1: 1,2\n3: 2,1\n", "soc")
    names = ballot_file.member_names()
    assert [names[m] for m in names] == ["line 2", "line 3 #1", "line 3 #2", "line 3 #3"]
    assert ballot_file.member_ballots()[3] == (("2",), ("1",))


@st.composite
def _plain_files(draw: st.DrawFn) -> str:
    """A plain ballot file whose lines repeat a few ballots: ties, truncation, counts."""
    n = draw(st.integers(min_value=1, max_value=7))
    names = [f"item {i}" for i in range(n)]

    @st.composite
    def ballot(draw: st.DrawFn) -> str:
        order = draw(st.permutations(names))[: draw(st.integers(1, n))]
        tiers: list[list[str]] = []
        for name in order:
            if tiers and draw(st.booleans()):
                tiers[-1].append(name)
            else:
                tiers.append([name])
        return " > ".join(" = ".join(tier) for tier in tiers)

    pool = draw(st.lists(ballot(), min_size=1, max_size=4))
    lines = draw(
        st.lists(
            st.tuples(st.sampled_from(pool), st.integers(min_value=1, max_value=4)),
            min_size=1,
            max_size=25,
        )
    )
    return "".join(f"{line}\n" if count == 1 else f"{count}: {line}\n" for line, count in lines)


@settings(max_examples=80, deadline=None)
@given(_plain_files(), st.data())
def test_a_file_counted_line_by_line_weighted_equals_every_ballot_set_one_by_one(
    text, data
) -> None:
    ballot_file = parse_plain(text)
    weighted = ballot_file.member_ballots()
    one_by_one: MemberBallots[int, str] = MemberBallots(ballot_file.items)
    voters = iter(range(ballot_file.voters))
    for row, count in zip(ballot_file.ranks.tolist(), ballot_file.counts.tolist(), strict=True):
        for _ in range(count):
            one_by_one.set(next(voters), one_by_one.tally.tiers_of(row))
    assert weighted.tally == one_by_one.tally
    assert np.array_equal(weighted.ranks, one_by_one.ranks)
    author = data.draw(st.none() | st.permutations(ballot_file.items))
    method = data.draw(st.sampled_from(sorted(METHODS)), "method")
    names = ballot_file.member_names()
    reports = []
    for book in (weighted, one_by_one):
        result = consensus(book.tally, method)
        summary = disagreement(book.tally, book, author, result)
        reports.append((to_json(book, result, summary, names), to_text(result, summary, names)))
    assert reports[0] == reports[1]
