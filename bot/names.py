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


# Invisible characters that change how the text around them looks: bidi overrides,
# embeddings, isolates and marks (a name that reads backwards, or hides a link's real end),
# and zero-width spaces and joiners (two names that look alike but differ). The joiners
# stay where a script or an emoji needs them: only between two ASCII characters, where
# they never change what is shown, are they taken out.
_INVISIBLE = re.compile(
    "[\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    "|(?<=[\x00-\x7f])[\u200c\u200d]+(?=[\x00-\x7f])"
)


def strip_invisible(text: str) -> str:
    """``text`` without invisible formatting characters (see ``_INVISIBLE``)."""
    return _INVISIBLE.sub("", text)


# A source link as it is shown: http(s), a host, and only characters a URL needs, so it
# can't close the <…> it is shown in, break the markdown around it, or hide its real target.
_LINK = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*)?"
)


def is_safe_link(url: str) -> bool:
    """True for an http(s) URL that can be shown as it is (see ``_LINK``)."""
    return len(url) <= 300 and _LINK.fullmatch(url) is not None
