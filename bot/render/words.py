"""The one word members read for two items and which goes higher: a *match-up*.

Every count of agreement members see ("13 of 14 match-ups", "82% of match-ups right") is
worded here, so /myvote, /hottest, /leaderboard, /factions, summaries and the reveal can't
drift apart again. The engine calls the same thing a pair; that name stays in code.
"""

from __future__ import annotations

MATCH_UP = "match-up"
MATCH_UPS = "match-ups"
# What a match-up is, for the first mention in a message.
MATCH_UP_MEANING = "every item against every other"


def match_ups(count: int) -> str:
    """ "1 match-up", "1,225 match-ups"."""
    return f"{count:,} {MATCH_UP if count == 1 else MATCH_UPS}"


def of_match_ups(agreed: int, compared: int) -> str:
    """ "13 of 14 match-ups": of the match-ups both sides call, how many they call alike."""
    return f"{agreed:,} of {match_ups(compared)}"


def every_match_up(items: int) -> int:
    """How many match-ups ``items`` items make: the same total for every member."""
    return items * (items - 1) // 2
