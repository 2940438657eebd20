"""Every custom id the bot's lasting buttons carry: one spec each, giving pattern and format.

A custom id is a wire format: a message keeps its buttons for ever, and a click on one comes
back with the id exactly as it was sent, possibly years and many versions later. So an id is
only ever formatted and matched through its spec here, and a spec's format never changes
(tests/test_legacy_custom_ids.py clicks ids written out as earlier versions sent them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Discord's limit on a component's custom_id.
MAX_LENGTH = 100

ID = "[0-9]+"
METHOD = "[a-z_]+"
BOARD = "items|members|predictions"
NONCE = "[0-9a-f]+"
ACTION = "[a-z]+"
MODE = "refine|fresh"
GOAL = "[0-9]+|all"
ANSWER = "a|b|same"
SESSION_ACTION = "save|cancel|resume"
FORGET_ACTION = "erase|cancel"

_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class CustomId:
    """One kind of id, e.g. ``rd:show:{debate_id}:{page}``, with a regex for each field."""

    layout: str
    fields: dict[str, str]
    pattern: str = field(init=False)

    def __post_init__(self) -> None:
        named = _FIELD.findall(self.layout)
        if sorted(named) != sorted(self.fields):
            raise ValueError(f"{self.layout!r} names {named}, but fields are {list(self.fields)}")
        literals = _FIELD.split(self.layout)[::2]
        parts = [re.escape(literals[0])]
        for name, literal in zip(named, literals[1:], strict=True):
            parts += [f"(?P<{name}>{self.fields[name]})", re.escape(literal)]
        object.__setattr__(self, "pattern", "".join(parts))

    def format(self, **values: object) -> str:
        """The id for these values; refuses one its own pattern would not read back."""
        custom_id = self.layout.format(**values)
        if len(custom_id) > MAX_LENGTH or not re.fullmatch(self.pattern, custom_id):
            raise ValueError(f"{custom_id!r} is not a valid {self.layout!r}")
        return custom_id


def _spec(layout: str, **fields: str) -> CustomId:
    return CustomId(layout, fields)


# Vote, under /debate show, results and summaries: opens the ballot builder.
VOTE = _spec("rd:vote:{debate_id}", debate_id=ID)
# Duel, beside Vote: rank by answering "A or B?".
DUEL = _spec("rd:duel:open:{debate_id}", debate_id=ID)
# A duel's offer: start with a stop (top 3, top 10, all), refining the ballot or afresh ...
DUEL_START = _spec("rd:duel:start:{debate_id}:{mode}:{goal}", debate_id=ID, mode=MODE, goal=GOAL)
# ... or switch between the two.
DUEL_OFFER = _spec("rd:duel:offer:{debate_id}:{mode}", debate_id=ID, mode=MODE)
# [A], [Same] or [B] for the question drawn at ``step`` of one duel session.
DUEL_ANSWER = _spec("rd:duel:{session_id}:{step}:{answer}", session_id=ID, step=ID, answer=ANSWER)
# [Save what I have], [Cancel] and [Keep going] of one duel session.
DUEL_SESSION = _spec("rd:duel:{action}:{session_id}", action=SESSION_ACTION, session_id=ID)
# Remind me: opt in to (or out of) the reminder before a debate's deadline.
REMIND = _spec("rd:remind:{debate_id}", debate_id=ID)
# ◀ ▶ under the author's ranking.
SHOW_PAGE = _spec("rd:show:{debate_id}:{page}", debate_id=ID, page=ID)
# ◀ ▶, Edit and Share under a member's own ballot; share names the revision shown.
BALLOT_PAGE = _spec("rd:ballot:page:{debate_id}:{page}", debate_id=ID, page=ID)
BALLOT_EDIT = _spec("rd:ballot:edit:{debate_id}", debate_id=ID)
BALLOT_SHARE = _spec("rd:ballot:share:{debate_id}:{ballot_id}", debate_id=ID, ballot_id=ID)
# The builder's own buttons; only answered as "closed" once the builder is gone.
BUILDER = _spec("rd:builder:{nonce}:{action}", nonce=NONCE, action=ACTION)
# A page of the consensus ("Full ranking" under a summary is its first page).
CONSENSUS_PAGE = _spec("rd:cons:{debate_id}:{method}:{page}", debate_id=ID, method=METHOD, page=ID)
# "Show the numbers": opens the head-to-head table and chart, privately, at ``page``.
# Before NUMBERS_PAGE existed, the table's own ◀ ▶ carried this id too.
NUMBERS = _spec("rd:h2h:{debate_id}:{method}:{page}", debate_id=ID, method=METHOD, page=ID)
# ◀ ▶ under the head-to-head table: turn its page in place.
NUMBERS_PAGE = _spec(
    "rd:h2h:page:{debate_id}:{method}:{page}", debate_id=ID, method=METHOD, page=ID
)
# ◀ ▶ under /debate list (the clicker's server): one page per message, under Discord's 6,000.
LIST_PAGE = _spec("rd:list:{page}", page=ID)
LEADERBOARD_PAGE = _spec(
    "rd:lb:{debate_id}:{board}:{method}:{page}",
    debate_id=ID,
    board=BOARD,
    method=METHOD,
    page=ID,
)
# /forget-me's [Erase my data] and [Cancel], for ``member_id`` only, refused after
# ``expires`` (Unix seconds): the question outlives a restart, but not by much.
FORGET = _spec(
    "rd:forget:{action}:{member_id}:{expires}",
    action=FORGET_ACTION,
    member_id=ID,
    expires=ID,
)

ALL = (
    VOTE,
    DUEL,
    DUEL_START,
    DUEL_OFFER,
    DUEL_ANSWER,
    DUEL_SESSION,
    REMIND,
    SHOW_PAGE,
    BALLOT_PAGE,
    BALLOT_EDIT,
    BALLOT_SHARE,
    BUILDER,
    CONSENSUS_PAGE,
    NUMBERS,
    NUMBERS_PAGE,
    LEADERBOARD_PAGE,
    LIST_PAGE,
    FORGET,
)

# Each spec's name in this module (``VOTE``, ``FORGET``…): what logs call a component by,
# never its id (which may carry a member id).
_NAMES = {
    spec.layout: name
    for name, spec in list(globals().items())
    if isinstance(spec, CustomId) and spec in ALL
}
_PATTERNS = [(re.compile(spec.pattern), _NAMES[spec.layout]) for spec in ALL]


def spec_name(custom_id: str) -> str | None:
    """The registered name of the spec whose pattern reads ``custom_id``; None for an id
    made by discord.py for a view that lives only in memory (random, meaningless later)."""
    for pattern, name in _PATTERNS:
        if pattern.fullmatch(custom_id):
            return name
    return None
