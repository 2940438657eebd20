from discord import app_commands


def test_every_command_name_is_unique(bot) -> None:
    names = [c.qualified_name for c in bot.tree.walk_commands()]
    assert len(names) == len(set(names)), names
    assert {"debate show", "debate list"} <= set(names)


def test_every_command_has_a_description_within_limits(bot) -> None:
    for command in bot.tree.walk_commands():
        assert 1 <= len(command.description) <= 100, command.qualified_name
        if isinstance(command, app_commands.Command):
            for param in command.parameters:
                assert 1 <= len(param.description) <= 100, (command.qualified_name, param.name)


def test_the_debate_group_is_described_for_members_not_developers(bot) -> None:
    group = bot.tree.get_command("debate")
    assert group.description == (
        "See this server's debates and the authors' rankings; admins run them"
    )
    assert "mixin" not in group.to_dict(bot.tree)["description"]
