"""Resolving text to a debate's items: exact names, remarks, joined pieces and typos."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.ballot_parser.messages import (
    MAX_SUGGESTIONS,
    AmbiguousItemError,
    DuplicateItemError,
    EmptyBallotError,
    RunTogetherError,
    UnknownItemError,
    check_order_size,
    check_paste_size,
    empty_order,
    empty_paste,
)
from bot.ballot_parser.tokens import (
    BARE_MARKER,
    ORDER_SEPARATORS,
    TIE,
    join,
    near_numerals,
    normal_form,
    numbers,
    remark_splits,
    signature,
    split_order,
    strip_marker,
)
from bot.models import Item, Tiers

# ---------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True, slots=True)
class Match:
    """One resolved piece of text: the item, the words that named it, and any remark."""

    item: Item
    matched: str
    remark: str = ""


@dataclass(frozen=True, slots=True)
class PastedBallot:
    """A pasted list, as understood.

    ``ignored`` holds the non-blank lines that were not items (intro, prose), as written, so
    the UI can show what it skipped. ``remarks`` pairs item ids with the words after their dash.
    ``unranked`` are items only mentioned in remarks (see :class:`TypedOrder`).
    """

    tiers: Tiers
    ignored: tuple[str, ...] = ()
    remarks: tuple[tuple[int, str], ...] = ()
    unranked: tuple[Mention, ...] = ()

    @property
    def reason(self) -> str | None:
        """The first remark: a candidate for the ballot's reason, for the UI to offer."""
        return self.remarks[0][1] if self.remarks else None


class Mention(NamedTuple):
    """An item named inside a remark and ranked nowhere, with that remark."""

    item: Item
    remark: str


@dataclass(frozen=True, slots=True)
class TypedOrder:
    """An order as read, and the items its remarks name but that it leaves unranked.

    A remark that mentions an item in passing ("Rocky IV – better than Rocky II") keeps
    the item out of the order, but the member must be told, so nothing drops silently.
    """

    tiers: Tiers
    unranked: tuple[Mention, ...] = ()


# A word before the last item of a list: "IV, II, and III".
_JOINING_WORDS = frozenset({"and", "&", "then"})
# Words that never name an item on their own: "the" is part of "The first Rocky", yet a
# remark's "the" is no vote for Rocky.
_FILLER_WORDS = frozenset(
    {"the", "a", "an", "of", "and", "in", "on", "at", "to", "for", "with", "by", "from", "le",
     "la", "les", "el", "los", "der", "die", "das", "de"}
)  # fmt: skip
# The marks between the parts of a one-line list: dashes, colons and brackets, a hyphen
# only spaced ("Spider-Man" is one word).
_REMARK_PARTS = re.compile(r"\s*[–—:()\[\]]\s*|\s+-+\s+")

_MAX_TOLERANCE = 3
# Parts of a one-line list checked for a misspelt entry: a bound on the typo checks.
_MAX_LOOSE_ENDS = 12
# Edits within which an unknown text is taken for a misspelling of a name, not other words.
_NEAR = 2


def _tolerance(key: str) -> int:
    """How many typos a key of this length forgives."""
    size = len(key)
    if size < 4:
        return 0
    if size < 8:
        return 1
    if size < 16:
        return 2
    return _MAX_TOLERANCE


# ---------------------------------------------------------------------------------------
# The matcher.


@dataclass(frozen=True, slots=True)
class _Key:
    item: Item
    is_name: bool
    text: str  # as written in the debate


@dataclass(frozen=True, slots=True)
class _Unknown:
    text: str


@dataclass(frozen=True, slots=True)
class _Ambiguous:
    text: str
    candidates: tuple[Item, ...]


_Outcome = Match | _Unknown | _Ambiguous


@dataclass(slots=True)
class _Ballot:
    """Tiers being built, refusing an item named twice."""

    tiers: list[list[int]] = field(default_factory=list)
    named: dict[int, str] = field(default_factory=dict)
    remarks: list[tuple[int, str]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    def add(self, match: Match, *, tie: bool) -> None:
        item = match.item
        if item.id in self.named:
            raise DuplicateItemError(item, self.named[item.id], match.matched)
        self.named[item.id] = match.matched
        if tie and self.tiers:
            self.tiers[-1].append(item.id)
        else:
            self.tiers.append([item.id])
        if match.remark:
            self.remarks.append((item.id, match.remark))

    def result(self) -> Tiers:
        return tuple(tuple(tier) for tier in self.tiers)

    def unranked(self) -> tuple[Mention, ...]:
        """Items mentioned in remarks and ranked nowhere, each once, first remark kept."""
        found: dict[int, Mention] = {}
        for mention in self.mentions:
            if mention.item.id not in self.named:
                found.setdefault(mention.item.id, mention)
        return tuple(found.values())


class ItemMatcher:
    """Resolves text to one debate's items. Build it once per debate (see :func:`matcher_for`)."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items: tuple[Item, ...] = tuple(items)
        if len({item.id for item in self.items}) != len(self.items):
            raise ValueError("item ids must be unique within a debate")
        self._position = {item.id: index for index, item in enumerate(self.items)}
        # normal form -> every name/alias with that form
        self._exact: dict[str, list[_Key]] = {}
        # numbers in the normal form -> keys, so typo checks only meet keys whose numbers agree
        self._by_numbers: dict[tuple[str, ...], _ByLength] = {}
        # every normal form, in the debate's order, and by length
        self._keys: list[str] = []
        self._all = _ByLength()
        # word -> keys containing it, for short names ("Nemo")
        self._by_word: dict[str, list[str]] = {}
        # names containing order separators, as (part, sep, part, ...) -> keys
        self._joined: dict[tuple[str, ...], list[_Key]] = {}
        self._max_joined_pieces = 1
        self._max_key_words = 1
        for item in self.items:
            for text, is_name in [(item.name, True), *((alias, False) for alias in item.aliases)]:
                self._index(text, _Key(item, is_name, text))

    def _index(self, text: str, key: _Key) -> None:
        normal = normal_form(text)
        if not normal:
            return
        entries = self._exact.setdefault(normal, [])
        if not entries:
            self._keys.append(normal)
            self._max_key_words = max(self._max_key_words, len(normal.split()))
            self._by_numbers.setdefault(numbers(normal), _ByLength()).add(normal)
            self._all.add(normal)
            for word in set(normal.split()):
                self._by_word.setdefault(word, []).append(normal)
        entries.append(key)
        pieces, separators = split_order(text)
        if separators:
            self._joined.setdefault(signature(pieces, separators), []).append(key)
            self._max_joined_pieces = max(self._max_joined_pieces, len(pieces))

    # -- public API ---------------------------------------------------------------------

    def resolve(self, text: str) -> Item:
        """The item ``text`` names (a trailing remark is allowed). Raises BallotParseError."""
        return self.match(text).item

    def match(self, text: str) -> Match:
        """Like :meth:`resolve`, also giving the words that matched and the remark."""
        if not text.strip():
            raise EmptyBallotError("You didn't name an item. Type one of the debate's items.")
        return self._raise_unless_found(self._lookup(text))

    def parse_order(self, text: str) -> Tiers:
        """``/vote order:`` text, e.g. ``IV > II = III, Rocky``, best first. Partial is fine."""
        return self.read_typed(text).tiers

    def read_typed(self, text: str) -> TypedOrder:
        """Like :meth:`parse_order`, also giving the items its remarks leave unranked."""
        check_order_size(text)
        ballot = _Ballot()
        scanned = self._scan(text)
        # Items the order names outright: a one-line comment's list leaves them where they are.
        explicit = {outcome.item.id for outcome, _ in scanned if isinstance(outcome, Match)}
        for outcome, tie in scanned:
            if isinstance(outcome, _Unknown):
                # "IV II III", "and III": words that are each an item, not one name.
                reread = self._each_word(outcome.text)
                if reread:
                    for index, match in enumerate(reread):
                        ballot.add(match, tie=tie and index == 0)
                    continue
                self._raise_if_run_together(outcome.text)
            match = self._raise_unless_found(outcome)
            ballot.add(match, tie=tie)
            self._read_remark(ballot, match, listed=explicit)
        if not ballot.tiers:
            raise empty_order(self.items)
        return TypedOrder(ballot.result(), ballot.unranked())

    def parse_pasted(self, text: str) -> PastedBallot:
        """A pasted list: one item per line, best first, with numbering, bullets and remarks.

        Lines that aren't items (an intro, prose that mentions items in passing) are ignored
        and returned in ``ignored``; a line that is a near miss of a name ("Roky 7") raises
        instead, so a typo never silently drops a vote. A line may hold several items joined
        by separators (``Rocky II = Rocky III``) only if every one of them is an item; a line
        starting with ``=`` ties with the line before.
        """
        check_paste_size(text)
        ballot = _Ballot()
        ignored: list[str] = []
        for raw_line in text.splitlines():
            line = raw_line.strip()
            if not line:
                continue
            tie_with_previous = line.startswith(TIE)
            body = line.lstrip(TIE + " \t") if tie_with_previous else line
            bare = not body or BARE_MARKER.fullmatch(body)
            tiers = None if bare else self._line_tiers(body)
            if tiers is None:
                near_miss = None if bare else self._near_miss(body)
                if near_miss is not None:
                    raise near_miss
                ignored.append(line)
                continue
            for tier_index, tier in enumerate(tiers):
                for item_index, found in enumerate(tier):
                    first_of_line = tier_index == 0 and item_index == 0
                    ballot.add(found, tie=item_index > 0 or (first_of_line and tie_with_previous))
                    # Lines are the list here: a remark's items are only mentions.
                    self._read_remark(ballot, found, listed=None)
        if not ballot.tiers:
            raise empty_paste(self.items)
        return PastedBallot(
            ballot.result(), tuple(ignored), tuple(ballot.remarks), ballot.unranked()
        )

    def suggestions(self, text: str) -> tuple[Item, ...]:
        """Up to three items ``text`` may have meant, best first (for "Did you mean…?")."""
        query = normal_form(text)
        if not query:
            return ()
        # Further than a few edits, or than half the text, a suggestion is only noise.
        ranked = self._spelled_like(query, min(6, max(2, len(query) // 3)))
        # A near miss ("Rocky 7", "Roky V") says more than a name inside the text; a name
        # inside the text ("Rocky IV because…") says more than a distant spelling.
        near = [item for distance, item in ranked if distance <= _NEAR]
        far = [item for distance, item in ranked if distance > _NEAR]
        contained = self._contained_items(query)
        numerals = self._numeral_fixes(query)
        if numerals:  # a numeral's slip says what was meant better than any spelling
            return _unique_items(numerals)[:MAX_SUGGESTIONS]
        return _unique_items([*near, *contained, *far])[:MAX_SUGGESTIONS]

    def _numeral_fixes(self, query: str) -> list[Item]:
        """ "Rocky IIII": the items it is a numeral's slip away from (Rocky III, Rocky IV)."""
        words = query.split()
        found: list[Item] = []
        for at, word in enumerate(words):
            for value in near_numerals(word):
                entries = self._exact.get(" ".join([*words[:at], str(value), *words[at + 1 :]]))
                item = _choose(entries) if entries else None
                if item is not None:
                    found.append(item)
        return found

    def conflicts(self) -> list[tuple[str, tuple[Item, ...]]]:
        """Names/aliases that read the same but name different items: ambiguous when typed.

        For validating a debate: ``[(text as written, items), ...]``. A name shared with
        another item's alias isn't a conflict, since names win.
        """
        found: dict[tuple[int, ...], tuple[str, tuple[Item, ...]]] = {}
        for entries in [*self._exact.values(), *self._joined.values()]:
            if _choose(entries) is None:
                items = _contenders(entries)
                # "AC/DC" is indexed whole and by its pieces: report each clash once.
                found.setdefault(tuple(item.id for item in items), (entries[0].text, items))
        return list(found.values())

    # -- resolving one piece --------------------------------------------------------------

    def _lookup(self, text: str) -> _Outcome:
        raw = " ".join(text.split())
        if self._joined:
            # With its separators, "AC/DC" is more precise than its normal form "ac dc".
            pieces, separators = split_order(raw)
            if separators:
                joined, used = self._joined_match(pieces, separators, 0)
                if joined is not None and used == len(pieces):
                    return joined
        exact = self._exact_match(raw, "")
        if exact is not None:
            return exact
        body = strip_marker(raw)
        candidates: list[tuple[str, str]] = []
        if body:
            # "1 - Rocky IV" is numbering; "4 – can't argue" is item "4" with a remark. The
            # numbering reading goes first, the remark reading of the raw text after it.
            candidates += [(body, ""), *remark_splits(body)]
        else:
            candidates.append((raw, ""))
        candidates += remark_splits(raw)
        for candidate, remark in candidates:
            exact = self._exact_match(candidate, remark)
            if exact is not None:
                return exact
        for candidate, remark in candidates:
            close = self._close_match(candidate, remark)
            if close is not None:
                return close
        for candidate, remark in candidates:
            part = self._part_of_name(candidate, remark)
            if part is not None:
                return part
        return _Unknown(raw)

    def _part_of_name(self, text: str, remark: str) -> _Outcome | None:
        """ "Nemo" for "Finding Nemo": words that appear, in order, in one item's name or
        alias and in no other item's. Numbers, if any, must be the key's numbers."""
        words = normal_form(text).split()
        if not words or len(" ".join(words)) < 3 or _FILLER_WORDS.issuperset(words):
            return None
        wanted = numbers(" ".join(words))
        found: list[_Key] = []
        for key in self._by_word.get(min(words, key=lambda w: len(self._by_word.get(w, ()))), ()):
            have = key.split()
            if len(have) <= len(words) or (wanted and numbers(key) != wanted):
                continue
            if any(have[at : at + len(words)] == words for at in range(len(have) - len(words) + 1)):
                found.extend(self._exact[key])
        if not found:
            return None
        items = _contenders(found)
        if len(items) > 1:
            return _Ambiguous(text, tuple(sorted(items, key=lambda i: self._position[i.id])))
        return Match(items[0], text, remark)

    def _each_word(self, text: str) -> list[Match] | None:
        """Items written one after another with spaces or "and": "4 2 3", "II and III".

        Only exact names and aliases, the longest first; None unless every word is used.
        """
        words = text.split()
        matches: list[Match] = []
        start = 0
        while start < len(words):
            if words[start].casefold() in _JOINING_WORDS:
                start += 1
                continue
            for stop in range(min(len(words), start + self._max_key_words), start, -1):
                written = " ".join(words[start:stop])
                entries = self._exact.get(normal_form(written))
                item = _choose(entries) if entries else None
                if item is not None:
                    matches.append(Match(item, written))
                    start = stop
                    break
            else:
                return None
        return matches or None

    def _read_remark(self, ballot: _Ballot, match: Match, *, listed: set[int] | None) -> None:
        """Rank the items of a one-line list in ``match``'s remark, or note them as mentions.

        A reader's comment pasted on one line reads "Rocky IV – cant argue Rocky II – when
        Adrian woke up.. Rocky III some words Rocky V – a sad joke": once one item in the
        remark is followed by a dash, colon or bracket, the remark is a list, and every
        item it names is the next in the order (with ``listed`` the items the order names
        itself, which stay where they are; with None, a list is never read). Otherwise
        ("better than Rocky II") they are mentions, which the member is told about.
        """
        if not match.remark:
            return
        items, is_list, loose_ends = self._remark_items(match.remark)
        if listed is not None and is_list:
            self._raise_if_misspelt(loose_ends)
        for item in items:
            if listed is not None and is_list:
                if item.id not in ballot.named and item.id not in listed:
                    ballot.add(Match(item, item.name), tie=False)
            else:
                ballot.mentions.append(Mention(item, match.remark))

    def _remark_items(self, remark: str) -> tuple[list[Item], bool, list[str]]:
        """The items a remark names, in order; whether one ends a part before a mark; and
        the parts before a mark that end in no item (where a misspelt entry would be).

        Only names and aliases of two words or more: a remark's "I" or "Drago" is a word.
        """
        parts = _REMARK_PARTS.split(remark)
        found: list[Item] = []
        is_list = False
        loose_ends: list[str] = []
        for index, part in enumerate(parts):
            words = normal_form(part).split()
            at = 0
            ends_on_item = False
            while at < len(words):
                for size in range(min(self._max_key_words, len(words) - at), 0, -1):
                    item = self._listable(" ".join(words[at : at + size]))
                    if item is not None:
                        found.append(item)
                        at += size
                        ends_on_item = at == len(words)
                        break
                else:
                    at += 1
            if index < len(parts) - 1:
                is_list = is_list or ends_on_item
                if not ends_on_item and words:
                    loose_ends.append(part)
        return found, is_list, loose_ends

    def _raise_if_misspelt(self, loose_ends: list[str]) -> None:
        """In a one-line list, a part before a dash that ends in a near miss of a name
        ("…woke up.. Roky III – the eye") is an entry gone wrong: say so, don't drop it."""
        for part in loose_ends[:_MAX_LOOSE_ENDS]:
            written = part.split()
            for size in range(1, min(self._max_key_words, len(written)) + 1):
                tail = " ".join(written[-size:])
                if self._misspells_a_name(normal_form(tail)):
                    raise UnknownItemError(tail, self.suggestions(tail), self.items)

    def _misspells_a_name(self, query: str) -> bool:
        """Whether ``query`` is a typo (not an exact match) of a name or a multi-word alias,
        with the same numbers: a remark's "Drago" or "Drago I" is no misspelt entry."""
        keys = self._by_numbers.get(numbers(query))
        if keys is None or query in self._exact:
            return False
        return any(
            0 < distance <= _tolerance(key) and self._listable(key) is not None
            for key, distance in keys.within(query, _NEAR)
        )

    def _raise_if_run_together(self, text: str) -> None:
        """An unknown piece naming several items ("Rocky IV cant argue Rocky II when…"):
        say how to separate them, rather than "I don't know" the whole text."""
        items, _, _ = self._remark_items(text)
        distinct = _unique_items(items)
        if len(distinct) > 1:
            raise RunTogetherError(text, distinct)

    def _listable(self, key: str) -> Item | None:
        entries = [
            entry for entry in self._exact.get(key, ()) if entry.is_name or len(key.split()) > 1
        ]
        return _choose(entries) if entries else None

    def _exact_match(self, text: str, remark: str) -> _Outcome | None:
        entries = self._exact.get(normal_form(text))
        if not entries:
            return None
        chosen = _choose(entries)
        if chosen is None:
            return _Ambiguous(text, _contenders(entries))
        return Match(chosen, text, remark)

    def _close_match(self, text: str, remark: str) -> _Outcome | None:
        query = normal_form(text)
        # Numbers must agree exactly ("Rocky 7" is no typo of "Rocky V"), so only keys with
        # the same numbers are candidates.
        keys = self._by_numbers.get(numbers(query))
        if keys is None:
            return None
        best = _MAX_TOLERANCE + 1
        closest: list[_Key] = []
        for key, distance in keys.within(query, _MAX_TOLERANCE):
            tolerance = _tolerance(key)
            if tolerance == 0 or distance > tolerance or distance > best:
                continue
            if distance < best:
                best, closest = distance, []
            closest.extend(self._exact[key])
        if not closest:
            return None
        items = _unique_items(entry.item for entry in closest)
        if len(items) > 1:
            return _Ambiguous(text, tuple(sorted(items, key=lambda i: self._position[i.id])))
        return Match(items[0], text, remark)

    def _joined_match(
        self, pieces: list[str], separators: list[str], start: int
    ) -> tuple[_Outcome | None, int]:
        """A name containing separators ("AC/DC") spelled by ``pieces[start:]``, longest first."""
        longest = min(self._max_joined_pieces, len(pieces) - start)
        for count in range(longest, 1, -1):
            inner = separators[start : start + count - 1]
            first_options = [pieces[start]]
            stripped = strip_marker(pieces[start])
            if stripped:
                first_options.append(stripped)
            last = pieces[start + count - 1]
            last_options = [(last, ""), *remark_splits(last)]
            for first in first_options:
                for last_text, remark in last_options:
                    window = [first, *pieces[start + 1 : start + count - 1], last_text]
                    entries = self._joined.get(signature(window, inner))
                    if not entries:
                        continue
                    chosen = _choose(entries)
                    written = join(window, inner)
                    if chosen is None:
                        return _Ambiguous(written, _contenders(entries)), count
                    return Match(chosen, written, remark), count
        return None, 1

    def _scan(self, text: str, *, all_or_none: bool = False) -> list[tuple[_Outcome, bool]]:
        """Each named piece of an order, and whether it ties with the one before.

        With ``all_or_none``, stop at the first piece that is no item: the caller will
        throw the line away anyway, and a line of prose with a comma every few words would
        otherwise cost a lookup per word.
        """
        pieces, separators = split_order(text)
        scanned: list[tuple[_Outcome, bool]] = []
        tie = False
        index = 0
        while index < len(pieces):
            outcome, used = self._joined_match(pieces, separators, index)
            if outcome is None and pieces[index]:
                outcome = self._lookup(pieces[index])
            if outcome is not None:
                scanned.append((outcome, tie and bool(scanned)))
                if all_or_none and isinstance(outcome, _Unknown):
                    return scanned
                tie = True  # until a separator other than "=" says otherwise
            last = index + used - 1
            if last < len(separators):
                # Empty pieces ("IV,, II", "IV >= II") don't reset this: any separator other
                # than "=" between two items starts a new tier.
                tie = tie and separators[last] == TIE
            index += used
        return scanned

    def _raise_unless_found(self, outcome: _Outcome) -> Match:
        if isinstance(outcome, _Ambiguous):
            raise AmbiguousItemError(outcome.text, outcome.candidates)
        if isinstance(outcome, _Unknown):
            raise UnknownItemError(outcome.text, self.suggestions(outcome.text), self.items)
        return outcome

    # -- pasted lines -------------------------------------------------------------------

    def _line_tiers(self, line: str) -> list[list[Match]] | None:
        """The items on one pasted line, as tiers; None if the line isn't a list entry."""
        ambiguous: _Ambiguous | None = None
        if ORDER_SEPARATORS.search(line):
            # Separators first: read as one piece, "÷ = Either/Or" would lose its symbols and
            # be just "Either Or". The whole line, then the line without a trailing remark,
            # whose words may hold separators: "Rocky III = Rocky II – tough call, honestly".
            for body, remark in [(line, ""), *remark_splits(line)]:
                tiers, ambiguous_piece = self._all_items(body, remark)
                if tiers is not None:
                    return tiers
                ambiguous = ambiguous or ambiguous_piece
        whole = self._lookup(line)
        if isinstance(whole, Match):
            return [[whole]]
        if isinstance(whole, _Ambiguous):
            ambiguous = ambiguous or whole
        if ambiguous is not None:
            # It reads like an entry but fits two items: ask rather than drop or guess.
            raise AmbiguousItemError(ambiguous.text, ambiguous.candidates)
        return None

    def _all_items(
        self, body: str, remark: str
    ) -> tuple[list[list[Match]] | None, _Ambiguous | None]:
        """Tiers if every piece of ``body`` is an item, else the ambiguity that stopped it."""
        scanned = self._scan(body, all_or_none=True)
        if not scanned or any(isinstance(outcome, _Unknown) for outcome, _ in scanned):
            # One piece that is no item means prose ("Let's face it, when Rocky fought…").
            return None, None
        tiers: list[list[Match]] = []
        for outcome, tie in scanned:
            if isinstance(outcome, _Ambiguous):
                return None, outcome
            assert isinstance(outcome, Match)
            if tie:
                tiers[-1].append(outcome)
            else:
                tiers.append([outcome])
        if remark:
            last = tiers[-1][-1]
            tiers[-1][-1] = Match(last.item, last.matched, remark)
        return tiers, None

    # -- suggestions ---------------------------------------------------------------------

    def _spelled_like(self, query: str, bound: int) -> list[tuple[int, Item]]:
        """Items with a name or alias within ``bound`` edits of ``query``, nearest first.

        Ties go to the nearest numbers ("Rocky 7": Rocky VI before Rocky I), then to the
        debate's order.
        """
        ranked: list[tuple[int, int, int, Item]] = []
        wanted = numbers(query)
        for key, distance in self._all.within(query, bound):
            if distance > min(bound, (max(len(query), len(key)) - 1) // 2):
                continue
            closeness = _number_gap(wanted, numbers(key))
            for entry in self._exact[key]:
                ranked.append((distance, closeness, self._position[entry.item.id], entry.item))
        ranked.sort(key=lambda row: row[:3])
        return [(row[0], row[3]) for row in ranked]

    def _near_miss(self, line: str) -> UnknownItemError | None:
        """An error for an ignored line that looks like a misspelt entry ("3. Roky 7 – meh").

        Such a line is a list entry gone wrong, not prose: dropping it would lose a vote.
        """
        body = strip_marker(line) or line
        for text, _ in [(body, ""), *remark_splits(body)]:
            query = normal_form(text)
            if len(query) >= 4 and self._spelled_like(query, _NEAR):
                return UnknownItemError(text, self.suggestions(text), self.items)
        return None

    def _contained_items(self, query: str) -> list[Item]:
        """Items whose name appears word for word inside ``query`` ("Rocky IV because…")."""
        tokens = query.split()
        # Every run of up to the longest key's word count, with where it first starts: one
        # set lookup per key instead of a scan of the text per key.
        runs: dict[tuple[str, ...], int] = {}
        for size in range(1, self._max_key_words + 1):
            for start in range(len(tokens) - size + 1):
                runs.setdefault(tuple(tokens[start : start + size]), start)
        spans: list[tuple[int, int, Item]] = []
        for key in self._keys:
            if len(key) < 3 or key == query:
                continue
            words = tuple(key.split())
            at = runs.get(words)
            item = _choose(self._exact[key]) if at is not None else None
            if at is not None and item is not None:
                spans.append((at, at + len(words), item))
        # Keep the widest: "Rocky IV because" suggests Rocky IV, not also Rocky.
        widest = [span for span in spans if not any(_wider(other, span) for other in spans)]
        widest.sort(key=lambda span: (span[0] - span[1], self._position[span[2].id]))
        return [span[2] for span in widest]


def _wider(outer: tuple[int, int, Item], inner: tuple[int, int, Item]) -> bool:
    return (
        outer[0] <= inner[0] and inner[1] <= outer[1] and outer[1] - outer[0] > inner[1] - inner[0]
    )


class _ByLength:
    """Keys sorted by length, for typo checks: a key longer or shorter than the text by
    more than the edits allowed is never looked at (prose lines are never near a name).
    """

    def __init__(self) -> None:
        self._added: list[str] = []
        # (length, order added, key), sorted: the keys of a length range are one slice
        self._lengths: list[int] = []
        self._order: list[int] = []
        self._keys: list[str] = []

    def add(self, key: str) -> None:
        self._added.append(key)
        self._lengths = []  # sorted again on the next lookup

    def within(self, query: str, bound: int) -> list[tuple[str, int]]:
        """(key, distance) for the keys within ``bound`` edits of ``query``, in added order."""
        if not self._lengths and self._added:
            rows = sorted((len(key), order, key) for order, key in enumerate(self._added))
            self._lengths = [row[0] for row in rows]
            self._order = [row[1] for row in rows]
            self._keys = [row[2] for row in rows]
        start = bisect.bisect_left(self._lengths, len(query) - bound)
        stop = bisect.bisect_right(self._lengths, len(query) + bound)
        found = _within(query, self._keys[start:stop], bound)
        found.sort(key=lambda row: self._order[start + row[2]])
        return [(key, distance) for key, distance, _ in found]


def _within(query: str, keys: Sequence[str], bound: int) -> list[tuple[str, int, int]]:
    """(key, distance, index) for the keys within ``bound`` edits of ``query``, in keys' order.

    The distance is optimal string alignment (a swap of neighbours is one edit), computed
    for all keys at once by rapidfuzz: what was a Python loop per key is one C call.
    """
    if not keys:
        return []
    # Imported here, off the start: the bot warms it in a thread once it is ready.
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    found = process.extract(query, keys, scorer=OSA.distance, score_cutoff=bound, limit=None)
    return sorted(found, key=lambda row: row[2])


def _contenders(entries: Sequence[_Key]) -> tuple[Item, ...]:
    """The items these keys could mean: those they name, else those they are an alias of."""
    names = _unique_items(entry.item for entry in entries if entry.is_name)
    return names or _unique_items(entry.item for entry in entries)


def _choose(entries: Sequence[_Key]) -> Item | None:
    """The one item these keys name: a name beats aliases; None when still ambiguous."""
    contenders = _contenders(entries)
    return contenders[0] if len(contenders) == 1 else None


def _unique_items(items: Iterable[Item]) -> tuple[Item, ...]:
    seen: dict[int, Item] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return tuple(seen.values())


def _number_gap(wanted: tuple[str, ...], have: tuple[str, ...]) -> int:
    """How far apart two texts' numbers are, to rank "Rocky 7" nearer Rocky VI than Rocky I."""
    far = 10**6
    if not wanted or not have:
        return 0 if wanted == have else far
    gap = far * abs(len(wanted) - len(have))
    for a, b in zip(wanted, have, strict=False):
        # Long digit runs are never sequel numbers (and int() refuses > 4,300 digits).
        gap += abs(int(a) - int(b)) if len(a) < 10 and len(b) < 10 else far
    return gap
