"""The one normal form names are compared in: case, accents and spacing don't matter.

The catalog (duplicate names), the debate directory (finding a debate by title) and the
ballot parser (reading what members type, which adds its own token rules on top) all
start from :func:`normalize`, so two names that are equal here are equal everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Only non-ASCII characters can be combining marks: look at those alone.
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group() if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """``text`` casefolded, accents dropped and spacing collapsed: "Beyoncé " is "beyonce"."""
    if text.isascii():
        return " ".join(text.lower().split())  # the same, five times faster
    # Casefold before dropping marks: casefolding can add some ("İ") or spell one out
    # as a letter (the Greek iota subscript).
    text = unicodedata.normalize("NFKD", text).casefold()
    return " ".join(_NOT_ASCII.sub(_without_marks, text).split())
