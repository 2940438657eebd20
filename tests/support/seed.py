"""The seed post's reader comments, for ballot-pasting tests.

The real comments live in ``../shared/seed/`` beside the repository, which a user's clone
does not have, and their sentences are not ours to copy. So the tests use look-alikes
written here — same shape: the blog's comment numbering, an intro line, an indented list
with dash remarks, prose that names films in passing — and, where ``../shared`` exists,
the real comments too (:func:`seed_comments`; skipped cleanly without it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SEED_POST = (
    Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "rocky-training-montages.txt"
)

# Shaped like the first comment: a full order, remarks after dashes, one bare "Rocky I".
LIKE_COMMENT_1 = """\
  1. Not my order at all.. here is how it really goes

    Rocky IV – nothing comes close
    Rocky II – the morning Adrian says win, every time
    Rocky Balboa – better than people admit
    Rocky I
    Rocky III
    Rocky V – let us never speak of it
"""
# Shaped like the second: a long intro, a top three, then prose that names Rocky V.
LIKE_COMMENT_2 = """\
  2. Late to this thread, I know, but these montages got me off the couch more than once, \
however silly they are, so here goes.

    Ranked from favourite down:

    Rocky IV
    Rocky II
    Rocky III

    Honestly the Drago fight took things so far from a small-time boxer beating the odds \
that it became a cartoon. After that the only place left to go was space, or a fight with \
himself, which is more or less what happens in Rocky V when he trains his young protege.

    Still, the barn scenes made anything feel possible, and the music carries the footage. \
I play that sequence, grunts and all, while I train.
"""
# Shaped like the third: prose only, no list.
LIKE_COMMENT_3 = """\
  3. One more thing.
    In Rocky 2, when training starts after Adrian's "win", I think Mickey's line is about \
the baby, not the fight.
"""
LIKE_COMMENT_1_REMARKS = (
    "nothing comes close",
    "the morning Adrian says win, every time",
    "better than people admit",
    "let us never speak of it",
)

_COMMENT_START = re.compile(r"^\s{2}\d\.\s", re.MULTILINE)


def seed_comments() -> list[str]:
    """The reader comments under the real post, as written there; skips without ``../shared``."""
    if not SEED_POST.is_file():
        pytest.skip("../shared/seed is not here (a user's clone has no ../shared)")
    text = SEED_POST.read_text(encoding="utf-8")
    starts = [m.start() for m in _COMMENT_START.finditer(text)]
    return [
        text[a:b].rstrip() + "\n" for a, b in zip(starts, [*starts[1:], len(text)], strict=True)
    ]


def without_comment_number(comment: str) -> str:
    """The comment as a reader would copy it: without the blog's "1." in front."""
    first, rest = comment.split("\n", 1)
    return first.strip().split(". ", 1)[1] + "\n" + rest
