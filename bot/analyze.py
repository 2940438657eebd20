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
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
from bot.ranking.ballots import MAX_VOTERS, rank_dtype

PREFLIB_KINDS = {"soc", "soi", "toc", "toi"}


class BallotFileError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass
class BallotFile:
    """Ballots read from a file: item names in file order, and one row per ballot line.

    ``ranks`` holds each line's ballot as a rank vector (tier numbers, ``len(items)`` for
    unranked items), built straight from the text: an election-sized file becomes one
    matrix, with no Python object per ballot.
    """

    items: list[str]
    lines: np.ndarray  # the file line each row was read from
    counts: np.ndarray  # how many voters cast each row's ballot
    ranks: np.ndarray  # rows × items

    @property
    def voters(self) -> int:
        return int(self.counts.sum())

    def member_ballots(self) -> MemberBallots[int, str]:
        """One member per counted ballot, numbered 0, 1, …; :meth:`member_names` names them.

        Each row is counted once, weighted by its count: a PrefLib file lists each distinct
        ballot once with the number of voters who cast it."""
        return MemberBallots.from_ranks(self.items, range(self.voters), self.ranks.T, self.counts)

    def member_names(self) -> MemberNames:
        return MemberNames(self.lines, self.counts)


class MemberNames(Mapping[Hashable, str]):
    """Member number -> "line 7", or "line 7 #2" for the second voter of a counted line.

    Names are made when asked for: a report names a dozen members, the file may have
    hundreds of thousands.
    """

    def __init__(self, lines: np.ndarray, counts: np.ndarray) -> None:
        self._lines = lines
        self._counts = counts
        self._ends = np.cumsum(counts)

    def __getitem__(self, member: Hashable) -> str:
        # Hashable keys, as the describe_* helpers take them; only member numbers are here.
        if not isinstance(member, int) or not 0 <= member < len(self):
            raise KeyError(member)
        row = int(np.searchsorted(self._ends, member, side="right"))
        line = int(self._lines[row])
        if self._counts[row] == 1:
            return f"line {line}"
        return f"line {line} #{member - int(self._ends[row] - self._counts[row]) + 1}"

    def __iter__(self) -> Iterator[Hashable]:
        return iter(range(len(self)))

    def __len__(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0


@dataclass
class _Flat:
    """Ballot rows as the readers collect them, before the rank matrix: per row its line,
    count and how many items it lists; then every row's (item, tier) pairs, one after another."""

    lines: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray
    items: np.ndarray  # item numbers as the format gives them
    tiers: np.ndarray

    def row_of(self, flat: int) -> int:
        """The row holding the ``flat``-th (item, tier) pair."""
        return int(np.searchsorted(np.cumsum(self.lengths), flat, side="right"))

    def row_items(self, row: int) -> list[int]:
        start = int(self.lengths[:row].sum())
        return self.items[start : start + int(self.lengths[row])].tolist()

    def ballot_file(self, names: list[str], first: int) -> BallotFile:
        """The rows as a :class:`BallotFile`; item numbers start at ``first``, known to be
        in range."""
        if self.counts.sum(dtype=np.float64) > MAX_VOTERS:
            raise BallotFileError(f"the ballots count more than {MAX_VOTERS:,} voters")
        n = len(names)
        if len(self.lines) * n > MAX_PLACES:
            raise BallotFileError(
                f"{len(self.lines):,} ballots over {n:,} items are more than can be counted "
                f"here ({MAX_PLACES:,} places; lines with a count of the same ballot help)"
            )
        ranks = np.full((len(self.lines), n), n, dtype=rank_dtype(n))
        rows = np.repeat(np.arange(len(self.lines)), self.lengths)
        ranks[rows, self.items - first] = self.tiers
        return BallotFile(names, self.lines, self.counts, ranks)


class _Rows:
    """Collects rows one at a time, for :meth:`flat`."""

    def __init__(self) -> None:
        self.lines: list[int] = []
        self.counts: list[int] = []
        self.lengths: list[int] = []
        self.items: list[int] = []
        self.tiers: list[int] = []

    def add(self, line: int, count: int, tiers: list[list[int]]) -> None:
        self.lines.append(line)
        self.counts.append(count)
        self.lengths.append(sum(len(tier) for tier in tiers))
        for tier_no, tier in enumerate(tiers):
            self.items += tier
            self.tiers += [tier_no] * len(tier)

    def flat(self) -> _Flat:
        return _Flat(
            *(
                np.array(values, dtype=np.int64)
                for values in (self.lines, self.counts, self.lengths, self.items, self.tiers)
            )
        )


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
    rows = _Rows()
    known: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        count = 1
        match = _COUNT.match(line)
        if match:
            count = _count(match.group(1), number)
            line = match.group(2).strip()
        if not line:
            raise BallotFileError("the ballot ranks no items", number)
        tiers: list[list[int]] = []
        seen: set[str] = set()
        for tier_text in line.split(">"):
            tier: list[int] = []
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
                tier.append(known.setdefault(name, len(known)))
            tiers.append(tier)
        rows.add(number, count, tiers)
    if not rows.lines:
        raise BallotFileError("the file has no ballots")
    return rows.flat().ballot_file(list(known), first=0)


_ALTERNATIVE = re.compile(r"^#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s?(.*)$", re.IGNORECASE)
_HEADER_INT = re.compile(r"^#\s*(NUMBER ALTERNATIVES|NUMBER VOTERS)\s*:\s*(\d+)\s*$", re.I)
_STRICT_ORDER = re.compile(r"\d+(?:,\d+)*")


def parse_preflib(text: str, kind: str) -> BallotFile:
    """PrefLib's ordinal formats: ``count: 1,2,{3,4},5`` under ``#`` header lines."""
    if kind not in PREFLIB_KINDS:
        raise BallotFileError(f"PrefLib data type {kind!r} is not one of soc, soi, toc, toi")
    complete, ties_allowed = kind in {"soc", "toc"}, kind in {"toc", "toi"}
    names: dict[int, str] = {}
    declared: dict[str, tuple[int, int]] = {}
    lines = text.splitlines()
    body_at = 0  # the header: the lines before the first ballot
    while body_at < len(lines) and (
        not lines[body_at].strip() or lines[body_at].lstrip()[0] == "#"
    ):
        line = lines[body_at].strip()
        if match := _ALTERNATIVE.match(line):
            names[int(match.group(1))] = match.group(2).strip()
        elif match := _HEADER_INT.match(line):
            declared[match.group(1).upper()] = (int(match.group(2)), body_at + 1)
        body_at += 1
    flat = _strict_rows_in_bulk(lines[body_at:], body_at + 1)
    if flat is None:
        flat = _rows_one_by_one(lines[body_at:], body_at + 1, ties_allowed)
    if not len(flat.lines):
        raise BallotFileError("the file has no ballots")
    alternatives, _ = declared.get("NUMBER ALTERNATIVES", (max(names, default=0), 0))
    if not alternatives:
        alternatives = int(flat.items.max())
    if alternatives > MAX_ALTERNATIVES:
        # Before anything is sized by it: one row of 10**16 alternatives would not fit.
        raise BallotFileError(
            f"the file has {alternatives:,} alternatives; at most {MAX_ALTERNATIVES:,} "
            "can be counted"
        )
    _check_range(flat, alternatives)
    labels = _unique_labels({i: names.get(i, str(i)) for i in range(1, alternatives + 1)})
    result = flat.ballot_file([labels[i] for i in range(1, alternatives + 1)], first=1)
    _check_rows(flat, result.ranks, kind if complete else None)
    if "NUMBER VOTERS" in declared:
        voters, header_line = declared["NUMBER VOTERS"]
        if voters != result.voters:
            raise BallotFileError(
                f"the header says {voters} voters but the ballots count {result.voters}",
                header_line,
            )
    return result


def _count(text: str, number: int) -> int:
    count = int(text)
    if count < 1:
        raise BallotFileError("a ballot's count must be at least 1", number)
    if count > MAX_VOTERS:
        raise BallotFileError(f"a ballot's count must be at most {MAX_VOTERS:,}", number)
    return count


def _rows_one_by_one(lines: list[str], first_line: int, ties_allowed: bool) -> _Flat:
    """The ballot lines read one at a time, naming the line of the first fault."""
    rows = _Rows()
    for number, raw in enumerate(lines, start=first_line):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        count_text, colon, body = line.partition(":")
        if not colon or not count_text.strip().isdecimal():
            raise BallotFileError(
                "expected 'count: ranking', e.g. '3: 1,2,{3,4}'; got " + repr(line), number
            )
        count = _count(count_text, number)
        rows.add(number, count, _preflib_tiers(body.strip(), number, ties_allowed))
    return rows.flat()


# Bytes a file of strict orders is made of once spaces are gone: digits , : and newline.
_STRICT_BYTES = np.zeros(256, dtype=np.bool_)
_STRICT_BYTES[[*b"0123456789,:\n"]] = True
_SEPARATORS = np.zeros(256, dtype=np.bool_)
_SEPARATORS[[*b",:\n"]] = True


def _strict_rows_in_bulk(lines: list[str], first_line: int) -> _Flat | None:
    """Ballot lines that are all well-formed strict orders (``count: 3,1,2``), read with a
    handful of array operations; None for anything else (ties, blank lines, comments,
    faults), which :func:`_rows_one_by_one` then reads and names line by line.

    Election files have tens of thousands of such lines: a Python loop over them was
    most of ``analyze``'s time.
    """
    if not lines:
        return None
    text = "\n".join(lines) + "\n"
    if not text.isascii():
        return None
    compact = text.encode("ascii").translate(None, b" \t\r")
    data = np.frombuffer(compact, dtype=np.uint8)
    if not _STRICT_BYTES[data].all():
        return None
    ends = np.flatnonzero(_SEPARATORS[data])  # where each field ends
    widths = np.diff(ends, prepend=-1) - 1
    # An empty field or line; or a number too long for 64 bits (Python's ints take it, slowly).
    if widths.min() < 1 or widths.max() > _MAX_DIGITS:
        return None
    kinds = data[ends]
    line_ends = np.flatnonzero(kinds == ord("\n"))  # the last field of each line
    first_fields = np.concatenate(([0], line_ends[:-1] + 1))
    # Exactly one colon per line, after its first field (the count).
    if (kinds[first_fields] != ord(":")).any() or np.count_nonzero(kinds == ord(":")) != len(
        line_ends
    ):
        return None
    values = np.fromstring(compact.translate(_TO_COMMAS), dtype=np.int64, sep=",")
    counts = values[first_fields]
    if (counts < 1).any():
        return None
    lengths = np.diff(line_ends, prepend=-1) - 1
    is_item = np.ones(len(values), dtype=np.bool_)
    is_item[first_fields] = False
    items = values[is_item]
    tiers = np.arange(len(items)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    row_lines = np.arange(first_line, first_line + len(lines), dtype=np.int64)
    return _Flat(row_lines, counts, lengths, items, tiers)


_MAX_DIGITS = 18  # every number of 18 digits fits in an int64
# What one run counts at most: alternatives (the engine keeps an n × n matrix of pairs) and
# places, ballot lines × items (the rank matrix: 100 million at most 200 MB).
MAX_ALTERNATIVES = 2_000
MAX_PLACES = 100_000_000
_TO_COMMAS = bytes.maketrans(b":\n", b",,")


def _check_range(flat: _Flat, alternatives: int) -> None:
    """Every alternative between 1 and ``alternatives``; else the first fault, named."""
    outside = np.flatnonzero((flat.items < 1) | (flat.items > alternatives))
    if outside.size:
        first = int(outside[0])
        raise BallotFileError(
            f"alternative {flat.items[first]} does not exist (the file has 1 to {alternatives})",
            int(flat.lines[flat.row_of(first)]),
        )


def _check_rows(flat: _Flat, ranks: np.ndarray, complete_kind: str | None) -> None:
    """Each alternative at most once per row, and every one in a complete kind: checked
    for all rows at once, the first fault named with its line."""
    alternatives = ranks.shape[1]
    # A repeat lands on its twin's cell, so the row ranks fewer items than it lists.
    for row in np.flatnonzero((ranks < alternatives).sum(axis=1) != flat.lengths)[:1].tolist():
        ranked = flat.row_items(row)
        twice = next(i for i in ranked if ranked.count(i) > 1)
        raise BallotFileError(
            f"alternative {twice} appears twice in one ballot", int(flat.lines[row])
        )
    if complete_kind is None:
        return
    for row in np.flatnonzero(flat.lengths != alternatives)[:1].tolist():
        missing = sorted(set(range(1, alternatives + 1)) - set(flat.row_items(row)))
        raise BallotFileError(
            f"a .{complete_kind} ballot must rank every alternative; missing "
            + ", ".join(map(str, missing)),
            int(flat.lines[row]),
        )


def _preflib_tiers(body: str, number: int, ties_allowed: bool) -> list[list[int]]:
    """``1,{2,3},4`` -> [[1], [2, 3], [4]], checking the syntax as it goes."""
    if "{" not in body:
        # Most rows are strict orders: one split, and the careful walk below only for a
        # row with a fault to name (an election file has tens of thousands of rows).
        order = body.replace(" ", "").split(",")
        numbers = all(part.isdecimal() and len(part) <= _MAX_DIGITS for part in order)
        if numbers and len(set(order)) == len(order):
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
            if len(part) > _MAX_DIGITS:
                raise BallotFileError(f"alternative {part} does not exist", number)
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
    ballots: MemberBallots[int, str],
    result: ConsensusResult[str],
    summary: DisagreementSummary[str, int],
    names: MemberNames,
) -> dict[str, Any]:
    tally = ballots.tally
    wins = tally.wins.tolist()
    members = summary.members
    shares = members.consensus_agreed.sum(), members.consensus_compared.sum()

    def pair_json(pair: MemberPair[int] | None) -> dict[str, Any] | None:
        if pair is None:
            return None
        return {
            "members": [names[pair.first], names[pair.second]],
            "agreed": pair.agreement.agreed,
            "compared": pair.agreement.compared,
            "common_items": pair.common_items,
            "text": describe_member_pair(pair, names),
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
                    {"member": names[m], "agreed": a.agreed, "compared": a.compared}
                    for m, a in members.least_in_line()
                ],
            },
            "closest_pair": pair_json(summary.closest_pair),
            "most_opposed": pair_json(summary.most_opposed),
            "rivalry_window": summary.rivalry_window,
            "cycles": [describe_cycle(c, {}) for c in summary.cycles],
        },
    }


def to_text(
    result: ConsensusResult[str], summary: DisagreementSummary[str, int], names: MemberNames
) -> str:
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
            lines.append(f"- closest: {describe_member_pair(summary.closest_pair, names)}")
        if summary.most_opposed:
            lines.append(f"- most opposed: {describe_member_pair(summary.most_opposed, names)}")
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
        names = ballot_file.member_names()
        print(json.dumps(to_json(ballots, result, summary, names), ensure_ascii=False))
    else:
        print(to_text(result, summary, ballot_file.member_names()))
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
