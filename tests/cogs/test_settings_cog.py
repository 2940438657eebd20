"""/settings through the real CommandTree."""

from __future__ import annotations

import discord

from bot.ranking import METHODS
from tests.support.discord_fake import GUILD_ID, OTHER_GUILD_ID, Driver

ROLE = 600_000_000_000_000_001


def fields(reply) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}


async def test_without_options_it_shows_the_settings(driver: Driver) -> None:
    reply = await driver.slash("settings", admin=True)
    assert reply.ephemeral and "change them with the options" in reply.content
    shown = fields(reply)
    assert shown["min_voters"].startswith("3 ")
    assert shown["hide_members"].startswith("no ")
    assert shown["default_method"].startswith("Schulze — ")
    assert shown["admin_role"] == "none — only members with Manage Server"
    assert "The Rocky training montages, ranked" in shown["current debate"]


async def test_options_change_the_settings(driver: Driver, bot) -> None:
    reply = await driver.slash(
        "settings", admin=True, min_voters=5, hide_members=True, default_method="borda"
    )
    assert reply.ephemeral and reply.content.startswith("Saved.")
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.min_voters, saved.hide_members, saved.default_method) == (5, True, "borda")
    assert fields(reply)["default_method"].startswith("Borda")
    # One option at a time leaves the others alone, and other servers untouched.
    await driver.slash("settings", admin=True, hide_members=False)
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.min_voters, saved.hide_members, saved.default_method) == (5, False, "borda")
    assert (await bot.settings_store.get(OTHER_GUILD_ID)).min_voters == 3


async def test_only_known_methods_and_sane_numbers_are_offered(bot, driver: Driver) -> None:
    command = bot.tree.get_command("settings")
    params = {p.name: p for p in command.parameters}
    assert [c.value for c in params["default_method"].choices] == list(METHODS)
    assert set(METHODS) == {
        "schulze", "ranked_pairs", "copeland", "kemeny", "borda", "mean_position",
    }  # fmt: skip
    assert (params["min_voters"].min_value, params["min_voters"].max_value) == (1, 1000)
    reply = await driver.slash("settings", admin=True, min_voters=0)
    assert reply.ephemeral and reply.content == "min_voters must be 1–1000."
    assert (await bot.settings_store.get(GUILD_ID)).min_voters == 3


async def test_members_are_refused(driver: Driver, bot) -> None:
    reply = await driver.slash("settings", min_voters=1)
    assert reply.ephemeral
    assert reply.content == "Only server admins can do that: it needs the Manage Server permission."
    assert (await bot.settings_store.get(GUILD_ID)).min_voters == 3


def test_settings_is_hidden_from_members_by_default(bot) -> None:
    command = bot.tree.get_command("settings")
    assert command.default_permissions == discord.Permissions(manage_guild=True)
    assert command.guild_only and command.checks  # and checked again when it runs


async def test_the_admin_role(driver: Driver, bot) -> None:
    reply = await driver.slash("settings", admin=True, admin_role=ROLE)
    assert fields(reply)["admin_role"] == f"<@&{ROLE}> and members with Manage Server"
    assert (await bot.settings_store.get(GUILD_ID)).admin_role_id == ROLE

    # Holders of the role may change settings, but not who the admins are.
    changed = await driver.slash("settings", roles=[ROLE], min_voters=2)
    assert changed.content.startswith("Saved.")
    widened = await driver.slash("settings", roles=[ROLE], admin_role=ROLE + 1)
    assert widened.ephemeral
    assert widened.content == (
        "Only members with the Manage Server permission can change the admin role."
    )
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.admin_role_id, saved.min_voters) == (ROLE, 2)

    # @everyone (the role whose id is the server's) means "no admin role".
    cleared = await driver.slash("settings", admin=True, admin_role=GUILD_ID)
    assert fields(cleared)["admin_role"] == "none — only members with Manage Server"
    assert (await bot.settings_store.get(GUILD_ID)).admin_role_id is None
    refused = await driver.slash("settings", roles=[ROLE])
    assert refused.content.startswith("Only server admins can do that")


async def test_faction_thresholds_are_the_bot_wide_ones_until_a_server_sets_its_own(
    driver: Driver, bot
) -> None:
    shown = fields(await driver.slash("settings", admin=True))
    assert shown["faction_min_voters"].startswith("10 (the bot-wide default) — ")
    assert shown["faction_min_size"].startswith("3 (the bot-wide default) — ")
    reply = await driver.slash("settings", admin=True, faction_min_voters=6, faction_min_size=2)
    assert reply.content.startswith("Saved.")
    assert fields(reply)["faction_min_voters"].startswith("6 — ")
    assert fields(reply)["faction_min_size"].startswith("2 — ")
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.faction_min_voters, saved.faction_min_size) == (6, 2)
    assert (await bot.settings_store.get(OTHER_GUILD_ID)).faction_min_voters is None
    # 0 puts one back to the default, leaving the other as it was.
    reply = await driver.slash("settings", admin=True, faction_min_voters=0)
    assert fields(reply)["faction_min_voters"].startswith("10 (the bot-wide default)")
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.faction_min_voters, saved.faction_min_size) == (None, 2)


async def test_faction_thresholds_that_leave_no_room_for_two_factions_are_refused(
    driver: Driver, bot
) -> None:
    reply = await driver.slash("settings", admin=True, faction_min_voters=5)
    assert reply.ephemeral and reply.content == (
        "faction_min_voters must be at least twice faction_min_size (3), so that two factions "
        "fit: 6 or more."
    )
    reply = await driver.slash("settings", admin=True, faction_min_size=6)
    assert "set faction_min_voters to 12 or more as well" in reply.content
    reply = await driver.slash("settings", admin=True, faction_min_size=6, faction_min_voters=12)
    assert reply.content.startswith("Saved.")
    saved = await bot.settings_store.get(GUILD_ID)
    assert (saved.faction_min_voters, saved.faction_min_size) == (12, 6)
    command = bot.tree.get_command("settings")
    params = {p.name: p for p in command.parameters}
    assert (params["faction_min_voters"].min_value, params["faction_min_voters"].max_value) == (
        0,
        1000,
    )
    assert (params["faction_min_size"].min_value, params["faction_min_size"].max_value) == (0, 100)
