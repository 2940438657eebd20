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
