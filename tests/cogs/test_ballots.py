"""/vote, /myvote, /unvote, the builder, Paste…, Edit, Share and the Vote button.

Every interaction goes through the real CommandTree, views, dynamic items and modals
(see tests/support/discord_fake.py); we assert on what members would see.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import sys
from collections.abc import Callable
from typing import Any

import discord
import pytest

from bot.client import RankingBot
from bot.models import Debate, DebateSpec, ItemSpec, Tiers
from bot.timely import ClockOffset
from bot.voting import SaveLimit
from tests.support.discord_fake import (
    ADMIN_ID,
    GUILD_ID,
    MEMBER_ID,
    OTHER_GUILD_ID,
    Driver,
    Reply,
    snowflake,
)
from tests.support.discord_model import assert_fits, message_text, walk_components
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, ROCKY_TITLES, V
from tests.support.seed import LIKE_COMMENT_1, LIKE_COMMENT_2

OTHER_MEMBER_ID = MEMBER_ID + 1

# Look-alikes of the seed post's reader comments (see tests/support/seed.py).
COMMENT_FULL, COMMENT_TOP_THREE = LIKE_COMMENT_1, LIKE_COMMENT_2


# -- helpers ---------------------------------------------------------------------------------


async def rocky(bot: RankingBot) -> Debate:
    return await bot.directory.current(GUILD_ID)


async def stored(
    bot: RankingBot, member: int = MEMBER_ID, guild: int = GUILD_ID, debate: Debate | None = None
) -> list[list[str]] | None:
    """The member's current ballot as names, or None."""
    debate = debate or await rocky(bot)
    ballot = await bot.ballot_store.current(guild, debate.id, member)
    return None if ballot is None else names(debate, ballot.tiers)


def names(debate: Debate, tiers: Tiers) -> list[list[str]]:
    return [[debate.item(i).name for i in tier] for tier in tiers]


def select_values(message: dict[str, Any]) -> list[tuple[str, str]]:
    (menu,) = [c for c in walk_components(message["components"]) if c["type"] == 3]
    return [(o["label"], o["value"]) for o in menu["options"]]


def value_of(message: dict[str, Any], label: str) -> str:
    return dict(select_values(message))[label]


def placeholder(message: dict[str, Any]) -> str:
    (menu,) = [c for c in walk_components(message["components"]) if c["type"] == 3]
    return menu["placeholder"]


def labels(message: dict[str, Any]) -> list[str]:
    return [c["label"] for c in walk_components(message["components"]) if c["type"] == 2]


async def open_builder(driver: Driver, **options: Any) -> Reply:
    reply = await driver.slash("vote", **options)
    assert reply.type == 4 and reply.ephemeral, reply.content
    return reply


async def pick(driver: Driver, message: dict[str, Any], *labels_: str, **kw: Any) -> Reply:
    reply = Reply()
    for label in labels_:
        reply = await driver.select(message, [value_of(message, label)], **kw)
        assert reply.type == 7, reply.content
    return reply


async def big_debate(bot: RankingBot, count: int = 200) -> Debate:
    # Names at the 80-character limit: the worst case for every message.
    items = tuple(ItemSpec(f"Item {n:03d} " + "y" * 71) for n in range(count))
    return await bot.debate_store.create(
        DebateSpec("big", "A very big debate", "Which?", "Me", items), guild_id=GUILD_ID
    )


# -- /vote order: -----------------------------------------------------------------------------


async def test_vote_with_an_order_saves_it_and_shows_it_as_understood(
    driver: Driver, bot: RankingBot
) -> None:
    reply = await driver.slash("vote", order="iv > Rocky 2 = rocky three > Rocky – the classic")
    assert reply.type == 5 and reply.ephemeral  # deferred (sent in 2018, by the fake's ids)
    text = reply.text
    assert "Saved. This is how I read your order:" in text
    assert "1. Rocky IV\n2. Rocky II = Rocky III\n4. Rocky" in text
    assert "**Unranked** (2, below every ranked item): Rocky Balboa, Rocky V" in text
    # The order comes right after the headline; how it compares follows it.
    assert text.index("1. Rocky IV") < text.index("Compared with the author")
    assert "you side with the author on 13 and against on 0; 2 are open" in text
    assert "Nowhere yet: you're the only one who ranked this" in text  # the first voter
    assert "<t:" not in text  # saved just now: no timestamp to read
    assert labels(reply.message) == ["Edit", "Share"]
    assert await stored(bot) == [["Rocky IV"], ["Rocky II", "Rocky III"], ["Rocky"]]


async def test_vote_keeps_the_reason_and_shows_it_escaped(driver: Driver, bot: RankingBot) -> None:
    reply = await driver.slash("vote", order="IV, II", why="The **snow** @everyone")
    assert "The \\*\\*snow\\*\\* @\u200beveryone" in reply.text
    debate = await rocky(bot)
    ballot = await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID)
    assert ballot is not None and ballot.reason == "The **snow** @everyone"


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("Roky 7 > IV", "I don't know 'Roky 7'. Did you mean"),
        ("IV > Rocky 4", "You named Rocky IV twice"),
        (" , > ", "Your order names no items"),
    ],
)
async def test_a_bad_order_is_an_ephemeral_error_and_stores_nothing(
    driver: Driver, bot: RankingBot, order: str, message: str
) -> None:
    reply = await driver.slash("vote", order=order)
    assert reply.ephemeral and message in reply.content
    assert await stored(bot) is None


async def test_a_new_vote_replaces_the_old_and_history_keeps_both(
    driver: Driver, bot: RankingBot
) -> None:
    await driver.slash("vote", order="IV > II")
    reply = await driver.slash("vote", order="V > Balboa")
    assert "Saved, replacing your earlier ballot." in reply.text
    assert "version" not in reply.text
    again = await driver.slash("myvote")
    assert "after changing it once." in again.text
    assert await stored(bot) == [["Rocky V"], ["Rocky Balboa"]]
    debate = await rocky(bot)
    assert len(await bot.ballot_store.history(GUILD_ID, debate.id, MEMBER_ID)) == 2


async def test_a_closed_debate_refuses_ballots_in_every_path(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await rocky(bot)
    show = await driver.slash("debate show")
    await bot.debate_store.set_open(GUILD_ID, debate.id, False)
    for reply in (
        await driver.slash("vote", order="IV > II"),
        await driver.slash("vote"),
        await driver.click(show.message, label="Vote"),
    ):
        assert reply.ephemeral and "is closed in this server" in reply.content
    assert await stored(bot) is None


async def test_the_cooldown_says_when_to_try_again(driver: Driver, bot: RankingBot) -> None:
    clock = [100.0]
    bot.voting.limit = SaveLimit(1, per_seconds=30)
    bot.voting._clock = lambda: clock[0]
    await driver.slash("vote", order="IV > II")
    clock[0] += 12.2
    reply = await driver.slash("vote", order="II > IV")
    assert reply.ephemeral and "Try again in 18 seconds." in reply.content
    assert await stored(bot) == [["Rocky IV"], ["Rocky II"]]
    clock[0] += 18
    await driver.slash("vote", order="II > IV")
    assert await stored(bot) == [["Rocky II"], ["Rocky IV"]]


async def test_fixing_a_mistake_right_after_saving_is_never_refused(
    driver: Driver, bot: RankingBot
) -> None:
    clock = [100.0]
    bot.voting.limit = SaveLimit(5)
    bot.voting._clock = lambda: clock[0]
    for order in ("IV > II", "II > IV", "IV > II > III", "IV > III > II", "III > IV"):
        reply = await driver.slash("vote", order=order)
        assert "Saved" in reply.text, reply.text
        clock[0] += 1
    reply = await driver.slash("vote", order="II > III")
    assert reply.ephemeral and "5 times in a row. Try again in 55 seconds." in reply.text


async def test_a_refused_save_leaves_the_builder_open_to_save_again(
    driver: Driver, bot: RankingBot
) -> None:
    clock = [100.0]
    bot.voting.limit = SaveLimit(1, per_seconds=30)
    bot.voting._clock = lambda: clock[0]
    await driver.slash("vote", order="II > IV")
    message = (await open_builder(driver)).message
    await pick(driver, message, "Rocky V", "Rocky")
    refused = await driver.click(message, label="Save")
    assert refused.ephemeral and "Try again in 30 seconds." in refused.text
    clock[0] += 30
    saved = await driver.click(message, label="Save")
    assert saved.type == 7 and "Saved." in saved.text
    # The builder began from the saved ballot; its picks were kept through the refusal.
    assert await stored(bot) == [["Rocky II"], ["Rocky IV"], ["Rocky V"], ["Rocky"]]


async def test_servers_keep_their_own_ballots(driver: Driver, bot: RankingBot) -> None:
    await driver.slash("vote", order="IV > II")
    await driver.slash("vote", order="V", guild_id=OTHER_GUILD_ID)
    await driver.slash("unvote", guild_id=OTHER_GUILD_ID)
    assert await stored(bot) == [["Rocky IV"], ["Rocky II"]]
    assert await stored(bot, guild=OTHER_GUILD_ID) is None
    mine = await driver.slash("myvote")
    assert "1. Rocky IV" in mine.text


async def test_listeners_hear_votes_from_the_commands(driver: Driver, bot: RankingBot) -> None:
    heard: list[tuple[Any, ...]] = []
    bot.voting.add_listener(lambda *change: heard.append(change))
    await driver.slash("vote", order="IV")
    await driver.slash("unvote")
    debate = await rocky(bot)
    iv = debate.items[0].id
    assert heard == [
        (GUILD_ID, debate.id, MEMBER_ID, None, ((iv,),)),
        (GUILD_ID, debate.id, MEMBER_ID, ((iv,),), None),
    ]


async def test_commands_need_a_server(driver: Driver) -> None:
    for command in ("vote", "myvote", "unvote"):
        reply = await driver.slash(command, guild_id=None)
        assert reply.ephemeral and "only works in a server" in reply.content


async def test_the_debate_option_autocompletes(driver: Driver) -> None:
    for command in ("vote", "myvote", "unvote"):
        reply = await driver.autocomplete(command, "debate", "montage")
        assert reply.choices == [
            {"name": "The Rocky training montages, ranked", "value": "rocky-training-montages"}
        ]


# -- /myvote and /unvote ---------------------------------------------------------------------


async def test_myvote_shows_the_ballot_when_saved_and_the_agreement(
    driver: Driver, bot: RankingBot
) -> None:
    none = await driver.slash("myvote")
    assert none.ephemeral and "You haven't ranked" in none.content
    await driver.slash("vote", order="IV > II > Balboa > Rocky > III > V")
    reply = await driver.slash("myvote", debate="rocky-training-montages")
    assert reply.ephemeral
    assert "Your current ballot, saved <t:" in reply.text
    assert (
        "Of the 15 match-ups (every item against every other), you side with the author on "
        "12 and against on 3." in reply.text
    )
    assert labels(reply.message) == ["Edit", "Share"]


async def test_myvote_compares_with_the_consensus_once_members_voted(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await rocky(bot)
    for member in (MEMBER_ID + 1, MEMBER_ID + 2):
        await bot.voting.submit(GUILD_ID, debate, member, tuple(reversed(debate.author_tiers)))
    await driver.slash("vote", order="IV > II > III > Rocky > Balboa > V")
    reply = await driver.slash("myvote")
    assert "you side with the author on 15 and against on 0." in reply.text
    split = next(f["value"] for f in reply.embeds[0]["fields"] if "split from" in f["name"])
    assert "The server's order: Schulze, 3 voters." in split
    assert "you side with it on 0 and against on 15." in split
    # The pairs ordered the other way, with the server's numbers, the clearest first.
    assert (
        "• You put **Rocky IV** above **Rocky V**; the server prefers **Rocky V**, 2 members to 1."
        in split
    )
    assert "…and 10 more." in split


async def test_myvote_on_a_closed_debate_says_it_is_final(driver: Driver, bot: RankingBot) -> None:
    await driver.slash("debate close", admin=True)
    none = await driver.slash("myvote")
    assert "You didn't rank **The Rocky training montages, ranked** before voting closed." in (
        none.content
    )
    assert "/vote" not in none.content
    debate = await rocky(bot)
    await driver.slash("debate open", admin=True)
    await driver.slash("vote", order="IV > II")
    await driver.slash("debate close", admin=True)
    reply = await driver.slash("myvote", debate=debate.slug)
    assert "Voting on this debate is closed: this ballot is final" in reply.text
    assert labels(reply.message) == ["Share"]


async def test_unvote_withdraws_but_history_keeps_it(driver: Driver, bot: RankingBot) -> None:
    await driver.slash("vote", order="IV > II")
    reply = await driver.slash("unvote")
    assert (
        reply.ephemeral and "Withdrew your ballot on **The Rocky training montages" in reply.content
    )
    assert await stored(bot) is None
    debate = await rocky(bot)
    (kept,) = await bot.ballot_store.history(GUILD_ID, debate.id, MEMBER_ID)
    assert kept.withdrawn_at is not None
    again = await driver.slash("unvote")
    assert again.ephemeral and "no ballot on" in again.content
    assert "You haven't ranked" in (await driver.slash("myvote")).content


# -- the builder ------------------------------------------------------------------------------


async def test_the_builder_picks_ties_undoes_and_saves_a_partial_order(
    driver: Driver, bot: RankingBot
) -> None:
    reply = await open_builder(driver)
    message = reply.message
    assert "Nothing ranked yet" in reply.text
    assert placeholder(message) == "Pick #1"
    assert [label for label, _ in select_values(message)] == sorted(ROCKY_TITLES)
    assert labels(message) == [
        "Undo",
        "Tie with previous",
        "Clear",
        "Paste…",
        "Duel",
        "Save",
        "Cancel",
    ]
    assert reply.component(label="Save")["disabled"] and reply.component(label="Undo")["disabled"]
    await pick(driver, message, "Rocky IV", "Rocky II", "Rocky III")
    assert placeholder(message) == "Pick #4"
    tied = await driver.click(message, label="Tie with previous")
    assert "2. Rocky II = Rocky III" in tied.text
    assert tied.component(label="Tie with previous")["disabled"]
    await pick(driver, message, "Rocky V")
    undone = await driver.click(message, label="Undo")
    assert "Rocky V" not in undone.text.split("**Next:**")[0]
    assert "pick #4. 3 left" in undone.text
    saved = await driver.click(message, label="Save")
    assert saved.type == 7 and "Saved." in saved.text
    assert "2. Rocky II = Rocky III" in saved.text and labels(saved.message) == ["Edit", "Share"]
    assert await stored(bot) == [["Rocky IV"], ["Rocky II", "Rocky III"]]


async def test_clear_and_undo_in_the_builder(driver: Driver, bot: RankingBot) -> None:
    message = (await open_builder(driver)).message
    await pick(driver, message, "Rocky", "Rocky V")
    cleared = await driver.click(message, label="Clear")
    assert "Nothing ranked yet" in cleared.text and cleared.component(label="Save")["disabled"]
    restored = await driver.click(message, label="Undo")
    assert "1. Rocky\n2. Rocky V" in restored.text


async def test_only_the_member_who_opened_the_builder_can_use_it(
    driver: Driver, bot: RankingBot
) -> None:
    message = (await open_builder(driver)).message
    other = await driver.select(message, [value_of(message, "Rocky V")], user_id=OTHER_MEMBER_ID)
    assert other.ephemeral and "This isn't yours" in other.content
    refused = await driver.click(message, label="Cancel", user_id=OTHER_MEMBER_ID)
    assert "This isn't yours" in refused.content
    assert placeholder(message) == "Pick #1"  # untouched
    await pick(driver, message, "Rocky V")
    await driver.click(message, label="Save")
    assert await stored(bot) == [["Rocky V"]]
    assert await stored(bot, member=OTHER_MEMBER_ID) is None


async def test_cancel_saves_nothing_and_shows_the_order_so_far(
    driver: Driver, bot: RankingBot
) -> None:
    message = (await open_builder(driver)).message
    await pick(driver, message, "Rocky II", "Rocky")
    cancelled = await driver.click(message, label="Cancel")
    assert "Cancelled. Nothing was saved" in cancelled.text
    assert "Rocky II > Rocky" in cancelled.text
    assert cancelled.message["components"] == []
    assert await stored(bot) is None


async def test_saving_an_empty_builder_explains_and_keeps_it_open(
    driver: Driver, bot: RankingBot
) -> None:
    message = (await open_builder(driver)).message
    # Save starts disabled; a stale client could still send the click.
    save = next(c for c in walk_components(message["components"]) if c.get("label") == "Save")
    save["disabled"] = False
    reply = await driver.click(message, label="Save")
    assert reply.ephemeral and "Pick at least one item before saving" in reply.content
    await pick(driver, message, "Rocky")
    assert "1. Rocky" in message_text(message)


async def test_the_builder_times_out_politely(
    driver: Driver, bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module the bot loaded (extensions are re-imported for every bot).
    monkeypatch.setattr(sys.modules["cogs.ballots.builder_view"], "BUILDER_TIMEOUT_SECONDS", 0.2)
    message = (await open_builder(driver)).message
    await pick(driver, message, "Rocky IV", "Rocky II")
    for _ in range(50):
        await asyncio.sleep(0.05)
        if not message["components"]:
            break
    text = message_text(message)
    assert "closed after 1 minute without a click" in text and "nothing was saved" in text
    assert "Rocky IV > Rocky II" in text
    assert message["components"] == []
    assert await stored(bot) is None


async def test_a_builder_left_from_before_a_restart_answers_politely(
    driver: Driver, bot: RankingBot
) -> None:
    live = (await open_builder(driver)).message
    stale = copy.deepcopy(live)
    stale["id"] = str(snowflake())
    for component in walk_components(stale["components"]):
        if "custom_id" in component:
            component["custom_id"] = component["custom_id"].replace(
                component["custom_id"].split(":")[2], "deadbeef"
            )
    reply = await driver.click(stale, label="Cancel")
    assert reply.ephemeral and "This ballot builder has closed" in reply.content
    menu = await driver.select(stale, [select_values(stale)[0][1]])
    assert "This ballot builder has closed" in menu.content
    # A live builder is answered once, by the builder itself: no "closed" followup.
    for label in ("Rocky", "Rocky V"):
        picked = await driver.select(live, [value_of(live, label)])
        assert picked.type == 7 and len(picked.messages) == 1
    saved = await driver.click(live, label="Save")
    assert len(saved.messages) == 1 and "has closed" not in saved.text


# -- Paste… ----------------------------------------------------------------------------------


async def paste(driver: Driver, message: dict[str, Any], values: dict[str, str]) -> Reply:
    modal = await driver.click(message, label="Paste…")
    assert modal.type == 9, modal.content
    return await driver.submit_modal(modal.data, values, message=message)


async def test_pasting_the_seed_comments_gives_the_right_ballots(
    driver: Driver, bot: RankingBot
) -> None:
    message = (await open_builder(driver)).message
    pasted = await paste(driver, message, {"list0": COMMENT_FULL, "why": "Balboa was great"})
    assert pasted.type == 7
    assert "Pasted 6 items. Skipped 1 line that named no item." in pasted.text
    await driver.click(message, label="Save")
    assert await stored(bot) == [[IV], [II], [BALBOA], [ROCKY_I], [III], [V]]
    debate = await rocky(bot)
    ballot = await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID)
    assert ballot is not None and ballot.reason == "Balboa was great"

    other = (await open_builder(driver, user_id=OTHER_MEMBER_ID)).message
    modal = await driver.click(other, label="Paste…", user_id=OTHER_MEMBER_ID)
    await driver.submit_modal(
        modal.data, {"list0": COMMENT_TOP_THREE}, message=other, user_id=OTHER_MEMBER_ID
    )
    saved = await driver.click(other, label="Save", user_id=OTHER_MEMBER_ID)
    assert "**Unranked** (3, below every ranked item): Rocky, Rocky Balboa, Rocky V" in saved.text
    assert "you side with the author on 12 and against on 0; 3 are open" in saved.text
    assert await stored(bot, member=OTHER_MEMBER_ID) == [["Rocky IV"], ["Rocky II"], ["Rocky III"]]


async def test_a_paste_that_names_no_item_is_an_error_and_changes_nothing(
    driver: Driver, bot: RankingBot
) -> None:
    message = (await open_builder(driver)).message
    await pick(driver, message, "Rocky V")
    reply = await paste(driver, message, {"list0": "Creed\nCreed II"})
    assert reply.ephemeral and "I didn't find any of this debate's items" in reply.content
    assert placeholder(message) == "Pick #2"
    dup = await paste(driver, message, {"list0": "Rocky IV\nRocky 4"})
    assert dup.ephemeral and "twice" in dup.content


# -- Edit and Share ----------------------------------------------------------------------------


async def test_edit_opens_the_builder_prefilled_and_saves_the_change(
    driver: Driver, bot: RankingBot
) -> None:
    reply = await driver.slash("vote", order="IV > II = III", why="snow")
    message = reply.message
    builder = await driver.click(message, label="Edit")
    assert builder.type == 7  # the reply turns into the builder
    assert "2. Rocky II = Rocky III" in builder.text and "This is your saved ballot" in builder.text
    assert placeholder(message) == "Pick #4"
    await pick(driver, message, "Rocky V")
    saved = await driver.click(message, label="Save")
    assert "Saved." in saved.text
    assert await stored(bot) == [["Rocky IV"], ["Rocky II", "Rocky III"], ["Rocky V"]]
    debate = await rocky(bot)
    ballot = await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID)
    assert ballot is not None and ballot.reason == "snow"  # the reason came along


async def test_share_posts_the_ballot_publicly_without_pinging(
    driver: Driver, bot: RankingBot
) -> None:
    reply = await driver.slash("vote", order="IV > II = III", why="@everyone the *snow*")
    shared = await driver.click(reply.message, label="Share")
    # Deferred: drawing the tier list of a long ballot takes a moment.
    assert shared.type == 5 and not shared.ephemeral
    # One card: the ballot's text, its tier list under it.
    assert shared.layout and not shared.embeds
    [picture] = shared.message["attachments"]
    assert picture["filename"] == "tierlist.png" and shared.pictures == [picture["data"]]
    assert picture["data"].startswith(b"\x89PNG")
    assert f"<@{MEMBER_ID}>'s order" in shared.text
    assert "2. Rocky II = Rocky III" in shared.text
    assert "@\u200beveryone the \\*snow\\*" in shared.text
    assert shared.message["allowed_mentions"] == {"parse": []}


async def test_share_refuses_a_ballot_changed_since(driver: Driver, bot: RankingBot) -> None:
    first = await driver.slash("vote", order="IV > II")
    await driver.slash("vote", order="V")
    reply = await driver.click(first.message, label="Share")
    assert reply.ephemeral and "You changed this ballot" in reply.content
    await driver.slash("unvote")
    gone = await driver.click(first.message, label="Share")
    assert gone.ephemeral and "You haven't ranked" in gone.content


# -- the public Vote button --------------------------------------------------------------------


async def test_the_vote_button_opens_a_builder_for_whoever_clicks(
    driver: Driver, bot: RankingBot
) -> None:
    show = await driver.slash("debate show", user_id=ADMIN_ID, admin=True)
    mine = await driver.click(show.message, label="Vote")
    assert mine.type == 4 and mine.ephemeral and placeholder(mine.message) == "Pick #1"
    theirs = await driver.click(show.message, label="Vote", user_id=OTHER_MEMBER_ID)
    assert theirs.ephemeral and theirs.message["id"] != mine.message["id"]
    await pick(driver, theirs.message, "Rocky III", user_id=OTHER_MEMBER_ID)
    await driver.click(theirs.message, label="Save", user_id=OTHER_MEMBER_ID)
    assert await stored(bot, member=OTHER_MEMBER_ID) == [["Rocky III"]]
    assert await stored(bot) is None


async def test_the_vote_button_works_on_a_message_from_before_a_restart(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await rocky(bot)
    old_message = {
        "id": str(snowflake()), "channel_id": str(200_000_000_000_000_001),
        "author": bot.fake.bot_user, "content": "", "embeds": [], "attachments": [],  # type: ignore[attr-defined]
        "type": 0, "flags": 0, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "pinned": False, "edited_timestamp": None,
        "timestamp": "2024-01-01T00:00:00+00:00",
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Vote", "custom_id": f"rd:vote:{debate.id}"}
        ]}],
    }  # fmt: skip
    reply = await driver.click(old_message, label="Vote")
    assert reply.ephemeral and placeholder(reply.message) == "Pick #1"


async def test_a_vote_button_for_a_deleted_debate_says_so(driver: Driver, bot: RankingBot) -> None:
    debate = await bot.debate_store.create(
        DebateSpec("tmp", "Temporary", "?", "Me", (ItemSpec("A"), ItemSpec("B"))),
        guild_id=GUILD_ID,
    )
    show = await driver.slash("debate show", debate="tmp")
    await bot.debate_store.delete(debate.id)
    reply = await driver.click(show.message, label="Vote")
    assert reply.ephemeral and "no longer exists" in reply.content


# -- 200 items, every path ------------------------------------------------------------------------


async def test_a_200_item_debate_through_the_typed_order_and_its_pages(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await big_debate(bot)
    top = [item.name for item in debate.items[:60]]
    order = " > ".join(top)
    assert len(order) <= 6000
    reply = await driver.slash("vote", order=order, debate="big")
    assert reply.ephemeral, reply.content
    assert_fits(reply.message)
    message = reply.message
    assert labels(message) == ["◀", "▶", "Edit", "Share"]
    seen = message_text(message)
    while not reply.component(label="▶")["disabled"]:
        reply = await driver.click(message, label="▶")
        assert reply.type == 7
        assert_fits(message)
        seen += message_text(message)
    assert "60. Item 059" in seen and "Item 199" in seen  # ranked and unranked, none cut
    shared = await driver.click(message, label="Share")
    assert_fits(shared.message)
    picture, attachment = shared.message["attachments"]
    assert picture["filename"] == "tierlist.png" and shared.pictures == [picture["data"]]
    assert attachment["filename"] == "ballot.txt"
    # On a card a file shows only through a file component (the fake refuses one without).
    files = [c for c in walk_components(shared.message["components"]) if c["type"] == 13]
    assert shared.layout and [f["file"]["url"] for f in files] == [attachment["url"]]
    assert b"60. Item 059" in attachment["data"] and b"Item 199" in attachment["data"]


async def test_a_200_item_debate_through_the_builder_menu_and_paste(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await big_debate(bot)
    reply = await open_builder(driver, debate="big")
    message = reply.message
    assert_fits(message)
    assert placeholder(message).startswith("Pick #1 · page 1/8: Item 000")
    for page in range(2, 9):
        turned = await driver.click(message, label="▶")
        assert_fits(message)
        assert f"page {page}/8" in placeholder(message)
    assert turned.component(label="▶")["disabled"]
    last = select_values(message)[-1]
    await driver.select(message, [last[1]])
    assert placeholder(message).startswith("Pick #2 · page 8/8")

    modal = await driver.click(message, label="Paste…")
    boxes = [c for c in walk_components(modal.data["components"]) if c.get("type") == 4]
    assert len(boxes) == 5 and all(box["max_length"] == 4000 for box in boxes)
    lines = [f"{n}. {item.name}" for n, item in enumerate(reversed(debate.items), 1)]
    values: dict[str, str] = {}
    box = 0
    for line in lines:
        key = f"list{box}"
        if len(values.get(key, "")) + len(line) + 1 > 4000:
            box += 1
            key = f"list{box}"
        values[key] = (values.get(key, "") + "\n" + line).lstrip("\n")
    assert box < 5
    pasted = await driver.submit_modal(modal.data, values, message=message)
    assert pasted.type == 7 and "Pasted 200 items." in pasted.text
    assert_fits(message)
    assert "Every item is ranked" in pasted.text and "Save" in labels(message)
    saved = await driver.click(message, label="Save")
    assert_fits(saved.message)
    assert await stored(bot, debate=debate) == [[item.name] for item in reversed(debate.items)]


async def test_myvote_leaves_out_items_stored_before_the_removal_race_was_fixed(
    driver: Driver, bot: RankingBot
) -> None:
    # Before the save checked its items inside its transaction, a vote racing an item
    # removal could store a deleted item's id: /myvote then failed with an apology.
    await driver.slash("vote", order="IV > II > V")
    debate = await rocky(bot)
    ballot = await bot.ballot_store.current(GUILD_ID, debate.id, MEMBER_ID)
    assert ballot is not None
    gone = 987_654
    await bot.db.conn.execute(
        "UPDATE ballots SET tiers = ? WHERE id = ?",
        (f"[[{gone}], [{debate.items[3].id}], [{debate.items[1].id}]]", ballot.id),
    )
    await bot.db.conn.commit()
    reply = await driver.slash("myvote")
    assert reply.ephemeral and "something went wrong" not in reply.text.lower()
    assert "1 item you ranked was removed from the debate since" in reply.text, reply.text
    assert "Rocky IV" in reply.text and "Rocky II" in reply.text
    consensus = await driver.slash("consensus")
    assert "something went wrong" not in consensus.text.lower(), consensus.text


@pytest.fixture
def fresh_interactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interactions sent just now (the fake's ids otherwise date from 2018: long overdue)."""
    import tests.support.discord_fake as fake

    def now_snowflake() -> int:
        return discord.utils.time_snowflake(discord.utils.utcnow()) + next(fake._snowflakes) % 4096

    monkeypatch.setattr(fake, "snowflake", now_snowflake)


async def test_a_quick_vote_is_answered_in_one_step(
    fresh_interactions: None, driver: Driver, bot: RankingBot
) -> None:
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == 4 and reply.ephemeral  # the answer itself, no "thinking…" first
    assert "Saved. This is how I read your order:" in reply.text
    assert await stored(bot) == [["Rocky IV"], ["Rocky II"]]


def sent_ago(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The fake's next interactions were sent ``seconds`` ago (by this host's clock)."""
    import tests.support.discord_fake as fake

    def snowflake() -> int:
        sent = discord.utils.utcnow() - datetime.timedelta(seconds=seconds)
        return discord.utils.time_snowflake(sent) + next(fake._snowflakes) % 4096

    monkeypatch.setattr(fake, "snowflake", snowflake)


def loaded_commands() -> object:
    """The ballots cog's commands module as this test's bot loaded it: discord.py loads an
    extension afresh for each bot and drops it from sys.modules when the bot closes."""
    return sys.modules["cogs.ballots.commands"]


def slowed(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, seconds: float) -> None:
    """``owner.name`` (a coroutine function) starts ``seconds`` late: the queue before a
    save (bot.voting, submit_replacing), a commit (bot.voting.ballots, save_many), a reply
    (the commands module, ballot_message), as behind a burst or a stalled database."""
    slow = getattr(owner, name)

    async def later(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)
        return await slow(*args, **kwargs)

    monkeypatch.setattr(owner, name, later)


async def test_a_vote_reaching_a_bot_behind_gets_a_moment_before_the_deferral(
    driver: Driver, bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent 2 s ago (the bot was behind a burst): at the usual deferral age, but its answer,
    ready a moment later, still goes in one step, well within Discord's 3 s."""
    sent_ago(monkeypatch, 2)
    slowed(monkeypatch, bot.voting, "submit_replacing", 0.1)
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == 4 and reply.ephemeral
    assert "Saved. This is how I read your order:" in reply.text


def _in_line(bot: RankingBot) -> tuple[object, str]:
    return bot.voting, "submit_replacing"


def _in_its_commit(bot: RankingBot) -> tuple[object, str]:
    return bot.voting.ballots, "save_many"


def _in_its_reply(bot: RankingBot) -> tuple[object, str]:
    return loaded_commands(), "ballot_message"


@pytest.mark.parametrize(
    ("where", "seconds", "answered_as"),
    [
        pytest.param(_in_line, 0.3, 5, id="still in line at 2 s: deferred then"),
        pytest.param(_in_its_commit, 0.3, 4, id="commit under way at 2 s: one step"),
        pytest.param(_in_its_reply, 0.3, 4, id="reply under way at 2 s: one step"),
        pytest.param(_in_its_commit, 0.9, 5, id="commit stalled past 2.5 s: deferred"),
        pytest.param(_in_its_reply, 0.8, 5, id="reply not sent by 2.5 s: deferred"),
    ],
)
async def test_a_vote_sent_just_before_the_deferral_age(
    driver: Driver,
    bot: RankingBot,
    monkeypatch: pytest.MonkeyPatch,
    where: Callable[[RankingBot], tuple[object, str]],
    seconds: float,
    answered_as: int,
) -> None:
    """Sent 1.9 s ago and slowed in one place. Out of the queue and into its transaction (or
    its reply) before 2 s, a deferral would only add a request to a busy bot: it waits until
    2.5 s. Still in line at 2 s, or still unanswered at 2.5 s, it is deferred."""
    sent_ago(monkeypatch, 1.9)
    slowed(monkeypatch, *where(bot), seconds)
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == answered_as and reply.ephemeral
    assert "Saved. This is how I read your order:" in reply.text


async def test_a_vote_past_discords_window_is_not_deferred_in_vain(
    driver: Driver, bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once members' interactions have been seen arriving fresh, one that arrives 4 s old
    (behind a burst) would be refused by Discord however answered: no deferral first."""
    sent_ago(monkeypatch, 0)
    await driver.slash("myvote")
    sent_ago(monkeypatch, 4)
    slowed(monkeypatch, bot.voting, "submit_replacing", 0.1)
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == 4 and reply.ephemeral
    assert "Saved. This is how I read your order:" in reply.text


async def test_a_host_clock_running_ahead_still_defers_a_slow_answer(
    driver: Driver, bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host clock 10 s fast makes every interaction look 10 s old: taken for a clock
    error, not for a missed window, so the slow answer is still deferred in time."""
    sent_ago(monkeypatch, 10)
    await driver.slash("myvote")
    slowed(monkeypatch, bot.voting, "submit_replacing", 0.3)
    monkeypatch.setattr("bot.timely.DEFER_AT_AGE_SECONDS", 0.05)
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == 5 and reply.ephemeral
    assert "Saved. This is how I read your order:" in reply.text


def test_the_clock_offset_is_the_youngest_recent_arrival() -> None:
    clock = ClockOffset()
    assert clock.seconds(now=0) == 0.0  # nothing seen: trust the clock
    clock.observe(2.4, now=10)
    clock.observe(0.3, now=20)
    clock.observe(1.9, now=70)
    assert clock.seconds(now=80) == pytest.approx(0.3)
    clock.observe(-1.5, now=130)  # a clock behind Discord's
    assert clock.seconds(now=140) == pytest.approx(-1.5)
    # Minutes later only the recent arrivals count.
    assert clock.seconds(now=10 * 60 + 75) == pytest.approx(-1.5)
    assert clock.seconds(now=10 * 60 + 200) == 0.0


async def test_a_slow_vote_is_deferred_in_time_then_answered(
    fresh_interactions: None, driver: Driver, bot: RankingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.timely.DEFER_AT_AGE_SECONDS", 0.05)
    slowed(monkeypatch, bot.voting, "submit_replacing", 0.3)
    reply = await driver.slash("vote", order="IV > II")
    assert reply.type == 5 and reply.ephemeral
    assert "Saved. This is how I read your order:" in reply.text
