"""``python -m bot analyze FILE``: the engine on a file of ballots, without Discord.

Reads PrefLib files (``.soc``, ``.soi``, ``.toc``, ``.toi``; item names from their
``# ALTERNATIVE NAME`` lines) or a plain text file with one ballot per line::

    # comments and blank lines are skipped
    Rocky IV > Rocky II = Rocky III > Rocky
    3: Rocky II > Rocky IV          <- "N:" counts the ballot N times

Items left out of a ballot are unranked (below every ranked item). Prints the consensus
and the disagreement summary, or with ``--json`` one JSON object. Exit status 2 means a
bad file or bad arguments, with a message naming the line.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.ranking import (
    METHODS,
    ConsensusResult,
    DisagreementSummary,
    Matchup,
    MemberBallots,
    MemberPair,
    MethodTooLarge,
    consensus,
    describe_author,
    describe_contest,
    describe_cycle,
    describe_matchup,
    describe_member_pair,
    describe_result,
    describe_spread,
    disagreement,
)

PREFLIB_KINDS = {"soc", "soi", "toc", "toi"}


class BallotFileError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass
class BallotFile:
    """Ballots read from a file: item names in file order, and (line, count, tiers) rows."""

    items: list[str] = field(default_factory=list)
    rows: list[tuple[int, int, list[list[str]]]] = field(default_factory=list)

    @property
    def voters(self) -> int:
        return sum(count for _, count, _ in self.rows)

    def member_ballots(self) -> MemberBallots[str, str]:
        """One member per counted ballot, named after its line ("line 7", "line 7 #2")."""
        # Counted in bulk: a row of a PrefLib file can stand for thousands of voters, and
        # adding them one at a time took most of a second for an election-sized file.
        index = {name: i for i, name in enumerate(self.items)}
        unranked = len(self.items)
        members: list[str] = []
        for line, count, _ in self.rows:
            if count == 1:
                members.append(f"line {line}")
            else:
                members += [f"line {line} #{copy}" for copy in range(1, count + 1)]
        # The parsers made every tier non-empty and every name known and once per ballot.
        vectors = []
        for _, _, tiers in self.rows:
            ranks = [unranked] * unranked
            for tier_no, tier in enumerate(tiers):
                for name in tier:
                    ranks[index[name]] = tier_no
            vectors.append(ranks)
        rows = np.array(vectors, dtype=np.int32)
        counts = [count for _, count, _ in self.rows]
        columns = np.repeat(rows.reshape(len(self.rows), len(self.items)), counts, axis=0).T
        return MemberBallots.from_ranks(self.items, members, columns)


# -- reading ----------------------------------------------------------------------------


def read_ballot_file(path: Path) -> BallotFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BallotFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BallotFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise BallotFileError(f"{path}: {error.strerror}") from None
    kind = path.suffix.lower().lstrip(".")
    header = re.search(r"^#\s*DATA TYPE:\s*(\w+)", text, re.MULTILINE | re.IGNORECASE)
    if kind in PREFLIB_KINDS:
        return parse_preflib(text, kind)
    if header:
        return parse_preflib(text, header.group(1).lower())
    return parse_plain(text)


_COUNT = re.compile(r"^\s*(\d+)\s*:(.*)$")


def parse_plain(text: str) -> BallotFile:
    """One ballot per line: ``A > B = C``, optionally ``N: A > B``."""
    result = BallotFile()
    known: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        count = 1
        match = _COUNT.match(line)
        if match:
            count = int(match.group(1))
            line = match.group(2).strip()
            if count < 1:
                raise BallotFileError("a ballot's count must be at least 1", number)
        if not line:
            raise BallotFileError("the ballot ranks no items", number)
        tiers: list[list[str]] = []
        seen: set[str] = set()
        for tier_text in line.split(">"):
            tier: list[str] = []
            for name_text in tier_text.split("="):
                name = name_text.strip()
                if not name:
                    raise BallotFileError(
                        f"an item name is missing in {raw.strip()!r} "
                        "(write 'A > B = C': '>' separates places, '=' ties)",
                        number,
                    )
                if name in seen:
                    raise BallotFileError(f"{name!r} appears twice in one ballot", number)
                seen.add(name)
                if name not in known:
                    known.add(name)
                    result.items.append(name)
                tier.append(name)
            tiers.append(tier)
        result.rows.append((number, count, tiers))
    if not result.rows:
        raise BallotFileError("the file has no ballots")
    return result


_ALTERNATIVE = re.compile(r"^#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s?(.*)$", re.IGNORECASE)
_HEADER_INT = re.compile(r"^#\s*(NUMBER ALTERNATIVES|NUMBER VOTERS)\s*:\s*(\d+)\s*$", re.I)


def parse_preflib(text: str, kind: str) -> BallotFile:
    """PrefLib's ordinal formats: ``count: 1,2,{3,4},5`` under ``#`` header lines."""
    if kind not in PREFLIB_KINDS:
        raise BallotFileError(f"PrefLib data type {kind!r} is not one of soc, soi, toc, toi")
    complete, ties_allowed = kind in {"soc", "toc"}, kind in {"toc", "toi"}
    names: dict[int, str] = {}
    declared: dict[str, tuple[int, int]] = {}
    raw_rows: list[tuple[int, int, list[list[int]]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if match := _ALTERNATIVE.match(line):
                names[int(match.group(1))] = match.group(2).strip()
            elif match := _HEADER_INT.match(line):
                declared[match.group(1).upper()] = (int(match.group(2)), number)
            continue
        count_text, colon, body = line.partition(":")
        if not colon or not count_text.strip().isdecimal():
            raise BallotFileError(
                "expected 'count: ranking', e.g. '3: 1,2,{3,4}'; got " + repr(line), number
            )
        count = int(count_text)
        if count < 1:
            raise BallotFileError("a ballot's count must be at least 1", number)
        raw_rows.append((number, count, _preflib_tiers(body.strip(), number, ties_allowed)))
    if not raw_rows:
        raise BallotFileError("the file has no ballots")
    alternatives, _ = declared.get("NUMBER ALTERNATIVES", (max(names, default=0), 0))
    if not alternatives:
        alternatives = max(i for _, _, tiers in raw_rows for tier in tiers for i in tier)
    labels = _unique_labels({i: names.get(i, str(i)) for i in range(1, alternatives + 1)})
    result = BallotFile(items=[labels[i] for i in range(1, alternatives + 1)])
    for number, count, tiers in raw_rows:
        ranked = [i for tier in tiers for i in tier]
        for i in ranked:
            if not 1 <= i <= alternatives:
                raise BallotFileError(
                    f"alternative {i} does not exist (the file has 1 to {alternatives})", number
                )
        if complete and len(ranked) != alternatives:
            missing = sorted(set(range(1, alternatives + 1)) - set(ranked))
            raise BallotFileError(
                f"a .{kind} ballot must rank every alternative; missing "
                + ", ".join(map(str, missing)),
                number,
            )
        result.rows.append((number, count, [[labels[i] for i in tier] for tier in tiers]))
    if "NUMBER VOTERS" in declared:
        voters, header_line = declared["NUMBER VOTERS"]
        if voters != result.voters:
            raise BallotFileError(
                f"the header says {voters} voters but the ballots count {result.voters}",
                header_line,
            )
    return result


def _preflib_tiers(body: str, number: int, ties_allowed: bool) -> list[list[int]]:
    """``1,{2,3},4`` -> [[1], [2, 3], [4]], checking the syntax as it goes."""
    if "{" not in body:
        # Most rows are strict orders: one split, and the careful walk below only for a
        # row with a fault to name (an election file has tens of thousands of rows).
        order = body.replace(" ", "").split(",")
        if all(part.isdecimal() for part in order) and len(set(order)) == len(order):
            return [[int(part)] for part in order]
    text = re.sub(r"\s", "", body)
    tiers: list[list[int]] = []
    seen: set[int] = set()
    at = 0
    while at < len(text):
        if text[at] == "{":
            close = text.find("}", at)
            if close < 0:
                raise BallotFileError(f"a '{{' is never closed in {body!r}", number)
            if not ties_allowed:
                raise BallotFileError(
                    "ties ({...}) are only allowed in .toc and .toi files", number
                )
            parts, at = text[at + 1 : close].split(","), close + 1
        else:
            comma = text.find(",", at)
            close = len(text) if comma < 0 else comma
            parts, at = [text[at:close]], close
        tier: list[int] = []
        for part in parts:
            if not part.isdigit():
                raise BallotFileError(f"{part!r} is not an alternative number in {body!r}", number)
            i = int(part)
            if i in seen:
                raise BallotFileError(f"alternative {i} appears twice in one ballot", number)
            seen.add(i)
            tier.append(i)
        tiers.append(tier)
        if at < len(text):
            if text[at] != "," or at == len(text) - 1:
                raise BallotFileError(f"expected ',' between places in {body!r}", number)
            at += 1
    return tiers


def _unique_labels(names: dict[int, str]) -> dict[int, str]:
    """Names as keys must be unique; a repeated name gets its alternative number."""
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {i: name if seen[name] == 1 else f"{name} (#{i})" for i, name in names.items()}


# -- output -----------------------------------------------------------------------------


def _matchup_json(matchup: Matchup[str]) -> dict[str, Any]:
    return {
        "above": matchup.above,
        "below": matchup.below,
        "above_wins": matchup.above_wins,
        "below_wins": matchup.below_wins,
        "tied": matchup.tied,
        "text": describe_matchup(matchup, {}),
    }


def to_json(
    ballots: MemberBallots[str, str],
    result: ConsensusResult[str],
    summary: DisagreementSummary[str, str],
) -> dict[str, Any]:
    tally = ballots.tally
    wins = tally.wins.tolist()
    members = summary.members
    shares = members.consensus_agreed.sum(), members.consensus_compared.sum()

    def pair_json(pair: MemberPair[str] | None) -> dict[str, Any] | None:
        if pair is None:
            return None
        return {
            "members": [pair.first, pair.second],
            "agreed": pair.agreement.agreed,
            "compared": pair.agreement.compared,
            "common_items": pair.common_items,
            "text": describe_member_pair(pair, {}),
        }

    author = summary.author
    return {
        "method": result.method,
        "label": result.label,
        "description": result.description,
        "voters": result.voters,
        "items": list(tally.items),
        "order": result.order,
        "scores": result.scores,
        "score_label": result.score_label,
        "ranked_by": result.ranked_by,
        "pairwise": {
            a: {b: wins[i][j] for j, b in enumerate(tally.items) if j != i}
            for i, a in enumerate(tally.items)
        },
        "explanation": [_matchup_json(m) for m in result.pairs],
        "skipped": [_matchup_json(m) for m in result.skipped],
        "cycles": [
            {
                "items": list(c.items),
                "example": [[m.above, m.below] for m in c.example],
                "text": describe_cycle(c, {}),
            }
            for c in result.cycles
        ],
        "disagreement": {
            "closest_contests": [
                {**_matchup_json(c.matchup), "controversy": c.controversy}
                for c in summary.closest_contests
            ],
            "polarizing": [
                {
                    "item": row.item,
                    "ranked_by": row.ranked_by,
                    "mean_place": row.mean_place,
                    "spread": row.spread,
                    "distribution": row.distribution,
                }
                for row in summary.polarizing
            ],
            "author": None
            if author is None
            else {
                "agreed": author.agreement.agreed,
                "compared": author.agreement.compared,
                "kendall_tau": author.kendall_tau,
                "rows": [
                    {
                        "item": r.item,
                        "consensus_place": r.consensus_place,
                        "author_place": r.author_place,
                    }
                    for r in author.rows
                ],
                "text": describe_author(author),
            },
            "members": {
                "count": len(members.members),
                "agreement_with_consensus": float(shares[0] / shares[1]) if shares[1] else None,
                "least_in_line": [
                    {"member": m, "agreed": a.agreed, "compared": a.compared}
                    for m, a in members.least_in_line()
                ],
            },
            "closest_pair": pair_json(summary.closest_pair),
            "most_opposed": pair_json(summary.most_opposed),
            "rivalry_window": summary.rivalry_window,
            "cycles": [describe_cycle(c, {}) for c in summary.cycles],
        },
    }


def to_text(result: ConsensusResult[str], summary: DisagreementSummary[str, str]) -> str:
    lines = describe_result(result, {})
    if summary.closest_contests:
        lines.append("Closest head-to-head contests:")
        lines += [f"- {describe_contest(c, {})}" for c in summary.closest_contests]
    lines.append("Most polarizing items (spread of places):")
    lines += [f"- {describe_spread(row, {})}" for row in summary.polarizing[:5]]
    if summary.author is not None:
        lines.append(f"Author: {describe_author(summary.author)}.")
    if summary.closest_pair or summary.most_opposed:
        window = summary.rivalry_window
        lines.append(f"Members (rivalries among the {window} most recent ballots):")
        if summary.closest_pair:
            lines.append(f"- closest: {describe_member_pair(summary.closest_pair, {})}")
        if summary.most_opposed:
            lines.append(f"- most opposed: {describe_member_pair(summary.most_opposed, {})}")
    return "\n".join(lines)


# -- command ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot analyze",
        description="Consensus and disagreement for a file of ballots "
        "(PrefLib .soc/.soi/.toc/.toi, or plain text: one 'A > B = C' ballot per line).",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--method", choices=list(METHODS), default="schulze")
    parser.add_argument(
        "--author", metavar="ORDER", help="an author's order to compare with, 'A > B > C'"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run the command; ``argv`` are the arguments after ``analyze``. Returns the exit status."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exit_:  # argparse has printed its message
        return int(exit_.code or 0)
    try:
        with _collector_paused():
            ballot_file = read_ballot_file(args.file)
            ballots = ballot_file.member_ballots()
        author = None if args.author is None else _author_order(args.author, ballot_file.items)
        result = consensus(ballots.tally, args.method)
    except (BallotFileError, MethodTooLarge) as error:
        print(f"analyze: {error}", file=sys.stderr)
        return 2
    summary = disagreement(ballots.tally, ballots, author, result)
    if args.json:
        print(json.dumps(to_json(ballots, result, summary), ensure_ascii=False))
    else:
        print(to_text(result, summary))
    return 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Reading an election-sized file makes a few hundred thousand small lists and no
    # cycles; the garbage collector's passes over them cost more than the parsing itself.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _author_order(text: str, items: list[str]) -> list[str]:
    order = [name.strip() for name in text.split(">")]
    unknown = [name for name in order if name not in items]
    if "" in order or any("=" in name for name in order):
        raise BallotFileError("--author takes a strict order: 'A > B > C'")
    if unknown:
        raise BallotFileError(f"--author names items not in the file: {', '.join(unknown)}")
    if len(set(order)) != len(order):
        raise BallotFileError("--author names an item twice")
    return order


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
