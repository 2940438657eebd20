"""The custom-id registry: every id unique, read back by its own pattern, within Discord's limit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import custom_ids
from bot.client import RankingBot
from bot.custom_ids import ALL, MAX_LENGTH, CustomId
from bot.ranking import METHODS

# The largest values an id can carry: a snowflake, the longest method, a far page.
LARGEST = {
    "debate_id": 2**64 - 1,
    "ballot_id": 2**63 - 1,
    "page": 99_999,
    "method": max(METHODS, key=len),
    "board": "members",
    "nonce": "f" * 8,
    "action": "cancel",
    "mode": "refine",
    "goal": 99_999,
    "session_id": 2**63 - 1,
    "step": 99_999,
    "answer": "same",
    "member_id": 2**64 - 1,
    "expires": 2**40,
}


def largest(spec: CustomId) -> str:
    return spec.format(**{name: LARGEST[name] for name in spec.fields})


@pytest.mark.parametrize("spec", ALL, ids=lambda spec: spec.layout)
def test_each_id_fits_and_is_read_back_by_its_own_pattern_only(spec: CustomId) -> None:
    custom_id = largest(spec)
    assert len(custom_id) <= MAX_LENGTH
    assert [s for s in ALL if re.fullmatch(s.pattern, custom_id)] == [spec]


def test_every_spec_is_a_different_id() -> None:
    assert len({spec.layout for spec in ALL}) == len(ALL)
    assert len({spec.pattern for spec in ALL}) == len(ALL)


def test_every_module_level_spec_is_listed() -> None:
    specs = [value for value in vars(custom_ids).values() if isinstance(value, CustomId)]
    assert sorted(s.layout for s in specs) == sorted(s.layout for s in ALL)


def test_every_dynamic_button_the_bot_answers_uses_a_spec(bot: RankingBot) -> None:
    registered = bot._connection._view_store._dynamic_items
    assert {pattern.pattern for pattern in registered} == {spec.pattern for spec in ALL}


def test_a_value_the_pattern_would_not_read_back_is_refused() -> None:
    with pytest.raises(ValueError):
        custom_ids.CONSENSUS_PAGE.format(debate_id=1, method="a:b", page=0)
    with pytest.raises(ValueError):
        custom_ids.VOTE.format(debate_id=-1)
    with pytest.raises(ValueError):
        custom_ids.BUILDER.format(nonce="f" * 100, action="save")


def test_a_spec_must_name_exactly_its_fields() -> None:
    with pytest.raises(ValueError):
        CustomId("rd:x:{a}", {"a": "[0-9]+", "b": "[0-9]+"})


@st.composite
def spec_and_values(draw: st.DrawFn) -> tuple[CustomId, dict[str, str]]:
    spec = draw(st.sampled_from(ALL))
    values = {
        name: draw(st.from_regex(f"(?:{regex})", fullmatch=True).filter(lambda v: len(v) < 30))
        for name, regex in spec.fields.items()
    }
    return spec, values


@given(spec_and_values())
def test_formatting_then_matching_gives_back_the_values(
    case: tuple[CustomId, dict[str, str]],
) -> None:
    spec, values = case
    match = re.fullmatch(spec.pattern, spec.format(**values))
    assert match is not None and match.groupdict() == values


def test_each_id_is_named_in_logs_by_its_specs_name_only() -> None:
    names = {spec.layout: name for name, spec in vars(custom_ids).items() if spec in ALL}
    for spec in ALL:
        assert custom_ids.spec_name(largest(spec)) == names[spec.layout]
    # discord.py's random ids of views kept only in memory name no spec.
    assert custom_ids.spec_name("3f2a9c0d8e7b6a5f4e3d2c1b0a998877") is None
