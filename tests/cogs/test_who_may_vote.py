"""Every way into a ballot, a duel or a prediction checks the debate again when it is used.

A builder, a Paste… box or a duel's offer stays on screen for minutes; meanwhile the member
may lose the voter role or the debate may close. Each click that starts or saves something
answers with the same ephemeral line as /vote would, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import RankingBot
from bot.models import ANYONE, Debate
from tests.support.discord_fake import GUILD_ID, MEMBER_ID, Driver, Reply
from tests.support.discord_model import walk_components

VOTERS = 555_000_000_000_000_001  # the voter role's id
ROLE_LINE = f"Only members with the <@&{VOTERS}> role can vote on"
CLOSED_LINE = "is closed in this server"


@pytest.fixture
async def debate(bot: RankingBot) -> Debate:
    """Rocky, for members with the voter role only."""
    found = await bot.directory.current(GUILD_ID)
    await bot.debate_rules.update(GUILD_ID, found, voter_role_id=VOTERS)
    return found


def buttons(message: dict[str, Any]) -> list[str]:
    return [c["label"] for c in walk_components(message["components"]) if c["type"] == 2]


def first_value(message: dict[str, Any]) -> str:
    (menu,) = [c for c in walk_components(message["components"]) if c["type"] == 3]
    return menu["options"][0]["value"]


async def builder_with_a_pick(driver: Driver, command: str) -> dict[str, Any]:
    """A builder opened by a member who may use it, one item picked."""
    opened = await driver.slash(command, roles=[VOTERS])
    assert opened.type == 4 and opened.ephemeral, opened.text
    picked = await driver.select(opened.message, [first_value(opened.message)])
    assert picked.type == 7, picked.text
    return opened.message


async def paste(driver: Driver, message: dict[str, Any], roles: list[int]) -> Reply:
    modal = await driver.click(message, label="Paste…", roles=roles)
    assert modal.type == 9, modal.text
    return await driver.submit_modal(
        modal.data, {"list0": "Rocky IV\nRocky II"}, message=message, roles=roles
    )


async def duel_offer(driver: Driver) -> dict[str, Any]:
    offer = await driver.slash("duel", roles=[VOTERS])
    assert offer.ephemeral and "Answer “this or that?”" in offer.text, offer.text
    return offer.message


async def builder_and_offer(driver: Driver) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A builder with a pick and a duel's offer on screen, and the offer's first Start."""
    builder = await builder_with_a_pick(driver, "vote")
    offer = await duel_offer(driver)
    return builder, offer, buttons(offer)[0]


def refused(reply: Reply, line: str) -> bool:
    return reply.ephemeral and line in reply.text


async def test_a_member_who_lost_the_voter_role_is_refused_at_every_click(
    driver: Driver, bot: RankingBot, debate: Debate
) -> None:
    builder, offer, start = await builder_and_offer(driver)

    # The role is gone: the builder's Save and Paste…, the duel's Start and the public
    # buttons all say so, the same line as /vote.
    assert refused(await driver.slash("vote", order="IV > II"), ROLE_LINE)
    assert refused(await driver.click(builder, label="Save"), ROLE_LINE)
    assert refused(await paste(driver, builder, roles=[]), ROLE_LINE)
    assert refused(await driver.click(offer, label=start), ROLE_LINE)
    show = await driver.slash("debate show")
    for label in ("Vote", "Duel"):
        assert refused(await driver.click(show.message, label=label), ROLE_LINE), label
    assert await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID) is None
    assert await bot.duels.sessions.find(GUILD_ID, debate.id, MEMBER_ID) is None

    # With the role back, the same messages work.
    pasted = await paste(driver, builder, roles=[VOTERS])
    assert pasted.type == 7 and "Pasted 2 items" in pasted.text, pasted.text
    saved = await driver.click(builder, label="Save", roles=[VOTERS])
    assert saved.type == 7 and "Saved." in saved.text
    started = await driver.click(offer, label=start, roles=[VOTERS])
    assert started.type == 7 and {"A", "Same", "B"} <= set(buttons(started.message))


async def test_a_duel_in_progress_checks_again_before_it_saves(
    driver: Driver, bot: RankingBot, debate: Debate
) -> None:
    offer = await duel_offer(driver)
    turn = await driver.click(offer, label=buttons(offer)[0], roles=[VOTERS])
    message = turn.message
    for _ in range(10):  # answer until a first place is settled and Save is enabled
        save = next(
            c
            for c in walk_components(message["components"])
            if c.get("label") == "Save what I have"
        )
        if not save.get("disabled"):
            break
        message = (await driver.click(message, label="A", roles=[VOTERS])).message
    assert refused(await driver.click(message, label="Save what I have"), ROLE_LINE)
    assert await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID) is None
    saved = await driver.click(message, label="Save what I have", roles=[VOTERS])
    assert "Saved" in saved.text
    assert await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID) is not None


async def test_a_duel_answer_is_refused_once_the_role_is_gone(
    driver: Driver, bot: RankingBot, debate: Debate
) -> None:
    """An answer may settle the last place and save the ballot: it is checked like Save."""
    offer = await duel_offer(driver)
    turn = await driver.click(offer, label=buttons(offer)[0], roles=[VOTERS])
    assert refused(await driver.click(turn.message, label="A"), ROLE_LINE)
    session = await bot.duels.sessions.find(GUILD_ID, debate.id, MEMBER_ID)
    assert session is not None and session.step == 0  # the answer was not applied
    answered = await driver.click(turn.message, label="A", roles=[VOTERS])
    assert answered.type == 7 and "already answered" not in answered.text, answered.text
    session = await bot.duels.sessions.find(GUILD_ID, debate.id, MEMBER_ID)
    assert session is not None and session.step == 1


async def test_a_prediction_builder_is_checked_again_at_save(
    driver: Driver, bot: RankingBot, debate: Debate
) -> None:
    await bot.debate_rules.update(GUILD_ID, debate, results="after-close")
    builder = await builder_with_a_pick(driver, "predict")
    assert refused(await paste(driver, builder, roles=[]), ROLE_LINE)
    assert refused(await driver.click(builder, label="Save"), ROLE_LINE)
    assert await bot.predictions.current(GUILD_ID, debate, MEMBER_ID) is None
    saved = await driver.click(builder, label="Save", roles=[VOTERS])
    assert "Saved your prediction" in saved.text


async def test_a_debate_closed_meanwhile_refuses_every_open_message(
    driver: Driver, bot: RankingBot, debate: Debate
) -> None:
    builder, offer, start = await builder_and_offer(driver)
    switch = [label for label in buttons(offer) if "instead" in label]
    await bot.debate_store.set_open(GUILD_ID, debate.id, False)
    for reply in (
        await driver.click(builder, label="Save", roles=[VOTERS]),
        await paste(driver, builder, roles=[VOTERS]),
        await driver.click(offer, label=start, roles=[VOTERS]),
        *[await driver.click(offer, label=label, roles=[VOTERS]) for label in switch],
        # Closed says more than the role: nobody may vote now, with the role or without.
        await driver.slash("vote", order="IV > II"),
    ):
        assert refused(reply, CLOSED_LINE), reply.text
    assert await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID) is None
    assert await bot.duels.sessions.find(GUILD_ID, debate.id, MEMBER_ID) is None


async def test_settings_and_debate_rules_read_the_voter_options_alike(
    driver: Driver, bot: RankingBot
) -> None:
    found = await bot.directory.current(GUILD_ID)
    everyone = GUILD_ID  # @everyone's role id is the server's id
    await driver.slash("settings", admin=True, voter_role=VOTERS, min_member_days=7)
    settings = await bot.server_settings.get(GUILD_ID)
    assert (settings.voter_role_id, settings.min_member_days) == (VOTERS, 7)
    assert refused(await driver.slash("vote", order="IV > II"), ROLE_LINE)

    # @everyone for one debate: anyone may vote on it, whatever the server asks.
    rules = await driver.slash("debate rules", admin=True, voter_role=everyone, min_days=0)
    assert "Who may vote: every member" in rules.text
    own = await bot.debate_rules.own(GUILD_ID, found)
    assert (own.voter_role_id, own.min_member_days) == (ANYONE, 0)
    assert "Saved" in (await driver.slash("vote", order="IV > II")).text

    followed = await driver.slash("debate rules", admin=True, follow_server=True)
    assert "(as the server)" in followed.text
    assert refused(await driver.slash("vote", order="II > IV"), ROLE_LINE)
    # @everyone for the server: no voter role at all.
    await driver.slash("settings", admin=True, voter_role=everyone, min_member_days=0)
    assert (await bot.server_settings.get(GUILD_ID)).voter_role_id is None
    assert "Saved" in (await driver.slash("vote", order="II > IV")).text
