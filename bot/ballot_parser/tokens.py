"""Text into pieces and pieces into the normal form names are compared in."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.names import normalize

# How many remark marks we try per text; more is never a name and would make a line of
# 1,000 dashes quadratic.
MAX_REMARK_MARKS = 8

# ---------------------------------------------------------------------------------------
# Normal form.

# "can't" is "cant"; every other character that is not a letter or digit is spacing.
_DROPPED = str.maketrans("", "", "'’‘`´ʼ")
# \w is exactly str.isalnum() plus "_".
_NOT_ALNUM = re.compile(r"[\W_]")
_LETTERS_DIGITS = re.compile(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])")
# Only I, V and X, up to 39: enough for sequels and volumes, and it keeps everyday words
# ("mix", "civil", "dc" in AC/DC) from turning into numbers.
_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _roman_to_int(token: str) -> int:
    total = 0
    for char, following in zip(token, [*token[1:], ""], strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total


def _canonical_token(token: str) -> str:
    if token and _ROMAN.fullmatch(token):
        return str(_roman_to_int(token))
    return token


def normal_form(text: str) -> str:
    """:func:`bot.names.normalize` plus what typing adds: "Rocky IV!" and "rocky 4" are "rocky 4".

    Punctuation is spacing, apostrophes vanish ("can't" is "cant"), "&" is "and", and Roman
    numerals are numbers.
    """
    folded = normalize(text)
    spaced = _NOT_ALNUM.sub(" ", folded.translate(_DROPPED).replace("&", " and "))
    # "rocky2" is "rocky 2": a number typed against a word is still a number.
    tokens = _LETTERS_DIGITS.sub(" ", spaced).split()
    if not tokens:
        # A name made only of symbols ("?!", "🔥", "¨") is compared as written, not lost.
        return folded or " ".join(text.casefold().split())
    return " ".join(_canonical_token(token) for token in tokens)


def additive_numeral(token: str) -> int | None:
    """The value of a numeral written without subtraction ("iiii" is 4), if it is one."""
    if not token or len(token) > 8 or set(token) - set(_ROMAN_VALUES):
        return None
    return sum(_ROMAN_VALUES[char] for char in token)


def near_numerals(token: str) -> list[int]:
    """Numbers a misspelt numeral may have meant: "iiii" is III with one I too many, or IV
    written the clock's way. Empty for a word or a well-formed numeral."""
    additive = additive_numeral(token)
    if additive is None or _ROMAN.fullmatch(token):
        return []
    found = {_roman_to_int(token[:at] + token[at + 1 :]) for at in range(len(token))}
    found = {value for value in found if value} | {additive}
    shorter = {token[:at] + token[at + 1 :] for at in range(len(token))}
    return sorted(
        value
        for value in found
        if value == additive
        or any(_ROMAN.fullmatch(t) and _roman_to_int(t) == value for t in shorter)
    )


def numbers(key: str) -> tuple[str, ...]:
    """The numbers in a normal form, which a typo may never change."""
    # isdecimal, not isdigit: int() accepts exactly the decimal digits of every script.
    return tuple(token for token in key.split() if token.isdecimal())


# ---------------------------------------------------------------------------------------
# Splitting text into pieces.

ORDER_SEPARATORS = re.compile(r"([,>;/=\n])")
TIE = "="
_REMARK_MARK = re.compile(r"[-–—:(\[]")
# "1." "2)" "3:" "(4)" "#5" "6 -" "IV." and bullets, followed by the item.
_LIST_MARKER = re.compile(
    r"^\s*(?:\(?\d{1,3}[.):]|#\s*\d{1,3}[.):]?|\d{1,3}\s*[-–—]|[ivxIVX]{1,5}[.)](?=\s)"
    r"|[-–—*•+·‣▪◦>#])\s*(?=\S)"
)
# A line that is only a number with list punctuation, e.g. "3." with the item forgotten.
BARE_MARKER = re.compile(r"\(?\d{1,3}[.):]|#\s*\d{1,3}[.):]?")


def strip_marker(text: str) -> str | None:
    """``text`` without its leading list marker, or None if it has none."""
    found = _LIST_MARKER.match(text)
    return text[found.end() :].strip() if found else None


_CLOSING = {"(": ")", "[": "]"}


def remark_splits(text: str) -> list[tuple[str, str]]:
    """(text before a remark mark, remark), longest first."""
    marks = [m.start() for m in _REMARK_MARK.finditer(text)][:MAX_REMARK_MARKS]
    splits: list[tuple[str, str]] = []
    for position in reversed(marks):
        before = text[:position].strip()
        if not before:
            continue
        remark = text[position + 1 :].strip()
        closing = _CLOSING.get(text[position])
        if closing and remark.endswith(closing):
            remark = remark[:-1].strip()
        splits.append((before, remark.lstrip("-–—: ").strip()))
    return splits


def split_order(text: str) -> tuple[list[str], list[str]]:
    """Pieces and the separators between them (``len(seps) == len(pieces) - 1``)."""
    parts = ORDER_SEPARATORS.split(text)
    pieces = [part.strip() for part in parts[0::2]]
    separators = ["," if sep == "\n" else sep for sep in parts[1::2]]
    return pieces, separators


def signature(pieces: Sequence[str], separators: Sequence[str]) -> tuple[str, ...]:
    """Pieces in normal form with their separators: how a name containing separators is found."""
    found: list[str] = [normal_form(pieces[0])]
    for separator, piece in zip(separators, pieces[1:], strict=True):
        found += [separator, normal_form(piece)]
    return tuple(found)


def join(pieces: Sequence[str], separators: Sequence[str]) -> str:
    """Pieces written back with their separators, as the member typed them."""
    text = pieces[0]
    for separator, piece in zip(separators, pieces[1:], strict=True):
        text += f"{separator} {piece}" if separator == "," else f"{separator}{piece}"
    return text
