"""/summary post, schedule and stop through the real CommandTree: who may, and where."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import discord
import pytest

from tests.cogs.test_results_cog import seed_rocky
from tests.support.discord_fake import (
    ADMIN_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_PERMISSIONS,
    Driver,
)
from tests.support.discord_model import (
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    assert_fits,
    message_cards,
    message_pictures,
    walk_components,
)

SUMMARIES = 200_000_000_000_000_010  # the bot may post here
LOCKED = 200_000_000_000_000_011  # the bot may not embed or attach here
NOTICES = 200_000_000_000_000_012  # only the bot may post here, not the members
BOT_ROLE = 600_000_000_000_000_100
REFUSAL = "Only server admins can do that: it needs the Manage Server permission."


def _channel(channel_id: int, name: str, overwrites: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(channel_id), "type": 0, "name": name, "guild_id": str(GUILD_ID),
        "position": 0, "permission_overwrites": overwrites, "nsfw": False, "parent_id": None,
    }  # fmt: skip


def _role(role_id: int, name: str, permissions: discord.Permissions) -> dict[str, Any]:
    return {
        "id": str(role_id), "name": name, "permissions": str(permissions.value), "position": 0,
        "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0,
    }  # fmt: skip


@pytest.fixture
def server(bot) -> discord.Guild:
    """The server as the gateway's GUILD_CREATE describes it: roles, channels, the bot."""
    deny = discord.Permissions(embed_links=True, attach_files=True)
    mute = discord.Permissions(send_messages=True)
    data = {
        "id": str(GUILD_ID), "name": "Montage fans", "owner_id": "1", "features": [],
        "emojis": [], "stickers": [], "member_count": 2, "unavailable": False,
        "roles": [
            _role(GUILD_ID, "@everyone", discord.Permissions(view_channel=True, send_messages=True)),
            _role(BOT_ROLE, "Ranking Debates", MEMBER_PERMISSIONS),
        ],
        "channels": [
            _channel(CHANNEL_ID, "general", []),
            _channel(SUMMARIES, "summaries", []),
            _channel(LOCKED, "announcements", [
                {"id": str(BOT_ROLE), "type": 0, "allow": "0", "deny": str(deny.value)}
            ]),
            _channel(NOTICES, "notices", [
                {"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(mute.value)},
                {"id": str(BOT_ROLE), "type": 0, "allow": str(mute.value), "deny": "0"},
            ]),
        ],
        "members": [
            {"user": bot.fake.bot_user, "roles": [str(BOT_ROLE)], "joined_at": "2024-01-01T00:00:00+00:00",
             "deaf": False, "mute": False, "flags": 0},
        ],
    }  # fmt: skip
    return bot._connection._add_guild_from_data(data)


# -- who may ---------------------------------------------------------------------------------


def test_the_group_is_for_manage_server_by_default(bot) -> None:
    group = bot.tree.get_command("summary")
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert group.guild_only
    assert {c.name for c in group.commands} == {"post", "schedule", "list", "stop"}


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("summary post", {}),
        ("summary schedule", {"channel": SUMMARIES, "every": "daily"}),
        ("summary stop", {}),
    ],
)
async def test_members_are_refused_with_a_message(
    driver: Driver, bot, server, command: str, options: dict[str, Any]
) -> None:
    reply = await driver.slash(command, **options)
    assert reply.ephemeral and reply.content == REFUSAL
    assert await bot.summary_store.schedules_for_guild(GUILD_ID) == []
    assert not [m for m in bot.fake.messages.values() if not m["flags"] & FLAG_EPHEMERAL]


async def test_the_server_admin_role_may_too(driver: Driver, bot, server) -> None:
    role = 600_000_000_000_000_200
    await bot.settings_store.update(GUILD_ID, admin_role_id=role)
    reply = await driver.slash("summary schedule", roles=[role], channel=SUMMARIES, every="daily")
    assert reply.ephemeral and "will be posted" in reply.content


# -- /summary post -------------------------------------------------------------------------


async def test_post_here_publishes_the_summary_and_tells_the_admin(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("summary post", admin=True, user_id=ADMIN_ID)
    assert (
        reply.ephemeral and "Posted the summary of **The Rocky training montages" in reply.content
    )
    [message] = _public(bot)
    assert message["channel_id"] == str(CHANNEL_ID)
    assert message["flags"] == FLAG_COMPONENTS_V2  # a card, not ephemeral
    assert_fits(message)
    [chart] = message_pictures(message)
    assert chart[:8] == b"\x89PNG\r\n\x1a\n"
    cards = message_cards(message)
    titles = [card.title for card in cards]
    assert titles[0].startswith("Server ranking") and titles[2].startswith("Hottest")
    assert cards[2].pictures == [message["attachments"][0]["url"]]
    labels = {c.get("label") for c in _components(message)}
    assert {"Show the numbers", "Vote"} <= labels
    assert message["allowed_mentions"] == {"parse": []}
    [post] = await bot.summary_store.posts(GUILD_ID, (await bot.directory.current(GUILD_ID)).id)
    assert post.status == "sent" and post.message_id == int(message["id"])


async def test_post_to_another_channel(driver: Driver, bot, server) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("summary post", admin=True, channel=SUMMARIES)
    assert reply.ephemeral and f"<#{SUMMARIES}>" in reply.content
    assert any(m["channel_id"] == str(SUMMARIES) for m in bot.fake.messages.values())


async def test_post_says_which_permissions_the_bot_lacks(driver: Driver, bot, server) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("summary post", admin=True, channel=LOCKED)
    assert reply.type == 4 and reply.ephemeral
    assert reply.content.startswith(f"I can't post summaries in <#{LOCKED}>: I'm missing Embed Links, Attach Files there.")  # fmt: skip
    assert not any(m["channel_id"] == str(LOCKED) for m in bot.fake.messages.values())


async def test_post_here_checks_the_permissions_discord_sent(
    driver: Driver, bot, monkeypatch
) -> None:
    """In the channel of the command, Discord's app_permissions are the truth."""
    original = driver._base

    def without_attach(*args: Any, **kwargs: Any) -> dict[str, Any]:
        payload = original(*args, **kwargs)
        limited = discord.Permissions.all()
        limited.attach_files = False
        payload["app_permissions"] = str(limited.value)
        return payload

    monkeypatch.setattr(driver, "_base", without_attach)
    reply = await driver.slash("summary post", admin=True)
    assert reply.ephemeral and "I'm missing Attach Files there" in reply.content


async def test_post_of_a_huge_debate_fits_one_message(driver: Driver, bot) -> None:
    from tests.cogs.test_results_cog import big_debate

    await big_debate(bot, items=150, voters=40)
    await driver.slash("summary post", admin=True, debate="big")
    [message] = _public(bot)
    assert_fits(message)
    labels = {c.get("label") for c in _components(message)}
    assert "Full ranking" in labels
    full = await driver.click(message, label="Full ranking")
    assert full.ephemeral and full.layout and "\n-# Page 1/" in full.text


# -- /summary schedule and stop ------------------------------------------------------------


async def test_schedule_then_stop(driver: Driver, bot, server) -> None:
    reply = await driver.slash("summary schedule", admin=True, channel=SUMMARIES, every="weekly", hour=18)  # fmt: skip
    assert reply.ephemeral
    assert (
        f"will be posted in <#{SUMMARIES}> every " in reply.content
        and "at 18:00 UTC" in reply.content
    )
    assert "<t:" in reply.content  # shown in each reader's own time zone
    [schedule] = await bot.summary_store.schedules_for_guild(GUILD_ID)
    assert (schedule.channel_id, schedule.every, schedule.hour) == (SUMMARIES, "weekly", 18)
    again = await driver.slash("summary schedule", admin=True, channel=SUMMARIES, every="daily", hour=6)  # fmt: skip
    assert "This replaces the schedule every" in again.content
    assert len(await bot.summary_store.schedules_for_guild(GUILD_ID)) == 1
    stopped = await driver.slash("summary stop", admin=True)
    assert stopped.ephemeral and stopped.content.startswith("Stopped the summaries of")
    assert await bot.summary_store.schedules_for_guild(GUILD_ID) == []
    nothing = await driver.slash("summary stop", admin=True)
    assert nothing.ephemeral and "There are no scheduled summaries" in nothing.content


async def test_schedule_refuses_a_channel_the_bot_cannot_post_in(
    driver: Driver, bot, server
) -> None:
    reply = await driver.slash("summary schedule", admin=True, channel=LOCKED, every="daily")
    assert reply.ephemeral and "I'm missing Embed Links, Attach Files there" in reply.content
    assert await bot.summary_store.schedules_for_guild(GUILD_ID) == []


async def test_schedule_offers_daily_and_weekly_and_hours_0_to_23(bot) -> None:
    command = bot.tree.get_command("summary").get_command("schedule")
    params = {p.name: p for p in command.parameters}
    assert [c.value for c in params["every"].choices] == ["daily", "weekly"]
    assert (params["hour"].min_value, params["hour"].max_value) == (0, 23)
    assert params["channel"].required and not params["debate"].required


async def test_the_loop_starts_with_the_cog_and_stops_with_it(bot) -> None:
    cog = bot.get_cog("Summaries")
    task = cog._running
    assert not task.done()
    await bot.remove_cog("Summaries")
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()


def _components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(walk_components(message["components"]))


def _public(bot) -> list[dict[str, Any]]:
    """The messages the bot posted for everyone to see (the summaries)."""
    return [m for m in bot.fake.messages.values() if not m["flags"] & FLAG_EPHEMERAL]


async def test_post_tells_the_admin_when_discord_refuses(driver: Driver, bot, monkeypatch) -> None:
    from types import SimpleNamespace

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "Missing Access")

    monkeypatch.setattr(discord.TextChannel, "send", refuse)
    reply = await driver.slash("summary post", admin=True)
    assert reply.ephemeral
    assert reply.content == f"I may not post in <#{CHANNEL_ID}> (Missing Access)"
    [post] = await bot.summary_store.posts(GUILD_ID, (await bot.directory.current(GUILD_ID)).id)
    assert post.status == "failed"


async def test_an_admin_cannot_have_the_bot_post_where_they_cannot_post(
    driver: Driver, bot, server
) -> None:
    await seed_rocky(bot)
    for command, options in (
        ("summary post", {}),
        ("summary schedule", {"every": "daily"}),
    ):
        reply = await driver.slash(command, admin=True, channel=NOTICES, **options)
        assert reply.ephemeral
        assert f"You can't post in <#{NOTICES}> yourself, so I won't post there" in reply.content
    assert not any(m["channel_id"] == str(NOTICES) for m in bot.fake.messages.values())
    assert "No summaries are scheduled" in (await driver.slash("summary list", admin=True)).content
