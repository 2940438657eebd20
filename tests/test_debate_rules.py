"""Who may vote and whether results show: a debate's rules over the server's settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.deadlines import reminder_time
from bot.debate_rules import describe_voters, effective_results, refusal, voter_rules
from bot.models import ANYONE, Debate, DebateRules, GuildSettings, Item, VoterRules

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
DEBATE = Debate(1, "films", "Films", "Which?", "me", (Item(1, "Alien"),))
ROLE = 777


def test_a_debate_rule_overrides_the_server_and_anyone_overrides_a_server_role() -> None:
    server = GuildSettings(1, results="after-close", voter_role_id=ROLE, min_member_days=7)
    assert effective_results(server, DebateRules()) == "after-close"
    assert effective_results(server, DebateRules(results="live")) == "live"
    assert voter_rules(server, DebateRules()) == VoterRules(ROLE, 7)
    assert voter_rules(server, DebateRules(voter_role_id=ANYONE, min_member_days=0)).open_to_all


def test_a_member_without_the_role_is_told_which_role() -> None:
    why = refusal(VoterRules(ROLE, 0), DEBATE, role_ids=set(), joined_at=NOW, now=NOW)
    assert why is not None and f"<@&{ROLE}>" in why
    assert refusal(VoterRules(ROLE, 0), DEBATE, role_ids={ROLE}, joined_at=NOW, now=NOW) is None


def test_a_new_member_is_told_from_when_they_can_vote() -> None:
    rules = VoterRules(None, 7)
    joined = NOW - timedelta(days=2)
    why = refusal(rules, DEBATE, role_ids=set(), joined_at=joined, now=NOW)
    allowed = int((joined + timedelta(days=7)).timestamp())
    assert why is not None and "7 days after joining" in why and f"<t:{allowed}:R>" in why
    old = NOW - timedelta(days=8)
    assert refusal(rules, DEBATE, role_ids=set(), joined_at=old, now=NOW) is None


def test_the_rules_in_words() -> None:
    assert describe_voters(VoterRules()) == "every member"
    assert (
        describe_voters(VoterRules(ROLE, 1))
        == f"members with <@&{ROLE}> who joined at least 1 day ago"
    )


def test_the_reminder_comes_a_day_before_or_halfway_when_less_is_left() -> None:
    assert reminder_time(NOW + timedelta(weeks=1), NOW) == NOW + timedelta(days=6)
    assert reminder_time(NOW + timedelta(seconds=60), NOW) == NOW + timedelta(seconds=30)
