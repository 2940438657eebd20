"""The debate option: one transformer gives every command its description and autocomplete."""

from __future__ import annotations

from discord import app_commands

from bot.arguments import DebateTransformer
from bot.client import RankingBot
from tests.support.discord_fake import Driver


def debate_options(bot: RankingBot) -> dict[str, dict]:
    found = {}
    for command in bot.tree.walk_commands():
        if isinstance(command, app_commands.Command):
            for option in command.to_dict(bot.tree)["options"]:
                if option["name"] == "debate":
                    found[command.qualified_name] = option | {
                        "transformer": command._params["debate"]._annotation
                    }
    return found


def test_every_debate_option_is_the_shared_one(bot: RankingBot) -> None:
    options = debate_options(bot)
    assert {"vote", "duel", "consensus", "debate delete", "summary post"} <= options.keys()
    for name, option in options.items():
        assert isinstance(option["transformer"], DebateTransformer), name
        assert option["autocomplete"] and option["type"] == 3, name
        assert option["description"] == option["transformer"].description, name
    assert options["vote"]["description"] == "Which debate (default: the server's current one)"
    assert not options["vote"]["required"] and options["debate delete"]["required"]


async def test_every_command_offers_the_same_debates(driver: Driver, bot: RankingBot) -> None:
    for command in debate_options(bot):
        reply = await driver.autocomplete(command, "debate", "montage")
        assert reply.choices == [
            {"name": "The Rocky training montages, ranked", "value": "rocky-training-montages"}
        ], command


async def test_a_debate_nobody_knows_is_explained_before_the_command_runs(
    driver: Driver,
) -> None:
    reply = await driver.slash("consensus", debate="rocky 7")
    assert reply.ephemeral
    assert reply.content == "I don't know a debate called 'rocky 7'. `/debate list` shows them all."
