"""The admins' /debate commands through the real CommandTree, modals and buttons."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.catalog import parse_debate_yaml
from bot.models import DebateSpec, Item, ItemSpec
from tests.support.discord_fake import (
    ADMIN_ID,
    GUILD_ID,
    MEMBER_ID,
    OTHER_GUILD_ID,
    Driver,
    Reply,
)
from tests.support.discord_model import walk_components

REFUSED = "Only server admins can do that: it needs the Manage Server permission."
ROCKY = "rocky-training-montages"

ALBUMS_YAML = """\
slug: best-albums
title: The best albums of 1977
question: Which album of 1977 has aged best?
author:
  name: Sam
  source: https://example.org/albums
items:
  - name: Rumours
    aliases: [Fleetwood Mac]
    reason: Every song a single.
  - name: Low
    reason: |-
      Side two is an ambient record
      before there was a word for it.
  - name: Aja
  - name: "Never Mind the Bollocks: Here's the Sex Pistols"
    aliases: [Bollocks]
    reason: "Loud: \\"God Save the Queen\\" – still."
"""


def fill(modal: dict[str, Any], **by_label: str) -> dict[str, str]:
    """Values for a modal's inputs by their label: Title, Question, Items."""
    inputs = {
        c["label"].split(",")[0]: c["component"]["custom_id"]
        for c in modal["components"]
        if c.get("type") == 18
    }
    return {inputs[label]: value for label, value in by_label.items()}


def prefilled(modal: dict[str, Any]) -> dict[str, str]:
    return {
        c["label"].split(",")[0]: c["component"].get("value", "")
        for c in modal["components"]
        if c.get("type") == 18
    }


async def create(
    driver: Driver, items: str, *, title: str = "Best albums", question: str = "Which one?"
) -> Reply:
    opened = await driver.slash("debate create", admin=True, user_id=ADMIN_ID)
    assert opened.type == 9, opened
    values = fill(opened.data, Title=title, Question=question, Items=items)
    return await driver.submit_modal(opened.data, values, admin=True, user_id=ADMIN_ID)


async def own_debates(bot, guild_id: int = GUILD_ID):
    return [d for d in await bot.debate_store.list_for_guild(guild_id) if not d.is_catalog]


async def import_file(driver: Driver, body: bytes, name: str = "debate.yaml", **kw: Any) -> Reply:
    return await driver.slash(
        "debate import", admin=True, user_id=ADMIN_ID, attachments={"file": (name, body)},
        file=None, **kw,
    )  # fmt: skip


# -- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("debate create", {}),
        ("debate import", {"file": None}),
        ("debate export", {}),
        ("debate edit", {}),
        ("debate open", {}),
        ("debate close", {}),
        ("debate current", {"debate": ROCKY}),
        ("debate delete", {"debate": ROCKY}),
    ],
)
async def test_members_are_refused_and_told_why(driver: Driver, bot, command, options) -> None:
    attachments = {"file": ("x.yaml", ALBUMS_YAML.encode())} if "file" in options else None
    reply = await driver.slash(command, attachments=attachments, **options)
    assert reply.type == 4 and reply.ephemeral
    assert reply.content == REFUSED
    assert await own_debates(bot) == []
    rocky = await bot.directory.current(GUILD_ID)
    assert await bot.debate_store.is_open(GUILD_ID, rocky.id)


async def test_admin_commands_are_runtime_checked_not_hidden(bot) -> None:
    # Discord refuses default permissions on subcommands, and /debate also has member
    # commands, so the group stays visible and every admin subcommand checks when it runs.
    group = bot.tree.get_command("debate")
    assert group.default_permissions is None
    for name in ("create", "import", "export", "edit", "open", "close", "current", "delete"):
        assert group.get_command(name).checks, name


async def test_the_servers_admin_role_may_run_admin_commands(driver: Driver, bot) -> None:
    role = 600_000_000_000_000_001
    await driver.slash("settings", admin=True, admin_role=role)
    closed = await driver.slash("debate close", roles=[role])
    assert not closed.ephemeral and "is closed" in closed.content
    refused = await driver.slash("debate open", roles=[role + 1])
    assert refused.ephemeral
    assert refused.content == (
        f"Only server admins can do that: it needs the Manage Server permission or the <@&{role}> role."
    )
    opened = await driver.slash("debate create", roles=[role])
    assert opened.type == 9


# -- create ---------------------------------------------------------------------------------


async def test_create_makes_the_authors_ranking_in_the_creators_order(driver: Driver, bot) -> None:
    reply = await create(driver, "1. Rumours – every song a single\n2. Low\n3. Aja - smooth")
    assert (
        reply.ephemeral and "Created **Best albums** (`best-albums`) with 3 items" in reply.content
    )
    [debate] = await own_debates(bot)
    assert [(i.name, i.reason) for i in debate.items] == [
        ("Rumours", "every song a single"), ("Low", ""), ("Aja", "smooth"),
    ]  # fmt: skip
    assert (debate.question, debate.author, debate.guild_id) == (
        "Which one?",
        "Member 999",
        GUILD_ID,
    )
    shown = await driver.slash("debate show", debate="best-albums")
    assert shown.headings == ["1. Rumours", "2. Low", "3. Aja"]


async def test_create_keeps_dashed_titles_whole_says_how_it_read_them_and_takes_aliases(
    driver: Driver, bot
) -> None:
    reply = await create(
        driver,
        "Star Wars: Episode V – The Empire Strikes Back – Yoda, obviously\n"
        "Finding Nemo (aka Nemo) – the fish\nUp",
    )
    [debate] = await own_debates(bot)
    assert [(i.name, i.aliases, i.reason) for i in debate.items] == [
        ("Star Wars: Episode V – The Empire Strikes Back", (), "Yoda, obviously"),
        ("Finding Nemo", ("Nemo",), "the fish"),
        ("Up", (), ""),
    ]
    assert "with 3 items, 1 of them with other names members may type" in reply.content
    assert (
        "Line 1: the name is **Star Wars: Episode V – The Empire Strikes Back**, "
        "the reason starts at “Yoda, obviously”" in reply.content
    )
    voted = await driver.slash("vote", order="Nemo > Up", debate="best-albums")
    assert "1. Finding Nemo" in voted.embeds[0]["description"]


async def test_same_title_twice_gets_its_own_slug(driver: Driver, bot) -> None:
    await create(driver, "A\nB")
    await create(driver, "C\nD")
    assert [d.slug for d in await own_debates(bot)] == ["best-albums", "best-albums-2"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("Rumours\nLow\nrumours", "Line 3: 'rumours' appears twice (also 'Rumours')"),
        ("  \n ", "Items: must be a non-empty list of items"),
        ("\n".join(f"Album {n}" for n in range(201)), "Items: has 201 items; the limit is 200."),
        ("Low\n" + "L" * 81, "Line 2: is 81 characters; the limit is 80."),
        ("Low\nAja – " + "r" * 1001, "Line 2, reason: is 1001 characters; the limit is 1000."),
        ("Low\nAja -> Aja II", "Line 2: '->' renames an item, which only `/debate edit` does."),
    ],
)
async def test_create_refuses_bad_items_and_creates_nothing(
    driver: Driver, bot, items, message
) -> None:
    reply = await create(driver, items)
    assert reply.ephemeral and reply.content.startswith("I couldn't save that:")
    assert message in reply.content
    assert await own_debates(bot) == []
    # The admin gets what they typed back, to fix it.
    again = await driver.click(reply.message, label="Fix it", admin=True, user_id=ADMIN_ID)
    assert again.type == 9 and prefilled(again.data)["Items"] == items


async def test_a_form_submitted_without_admin_rights_saves_nothing(driver: Driver, bot) -> None:
    opened = await driver.slash("debate create", admin=True)
    values = fill(opened.data, Title="T", Question="Q", Items="A\nB")
    reply = await driver.submit_modal(opened.data, values, admin=False)
    assert reply.ephemeral and reply.content == REFUSED
    assert await own_debates(bot) == []


# -- a server's own debates ---------------------------------------------------------------------


async def test_a_servers_debates_are_invisible_elsewhere(driver: Driver, bot) -> None:
    await create(driver, "A\nB")
    listing = await driver.slash("debate list", guild_id=OTHER_GUILD_ID)
    assert "Best albums" not in listing.text and "Rocky" in listing.text
    for command in ("debate show", "debate export", "debate delete", "debate current"):
        kw = {"admin": True} if command != "debate show" else {}
        reply = await driver.slash(command, guild_id=OTHER_GUILD_ID, debate="best-albums", **kw)
        assert reply.ephemeral and "I don't know a debate called 'best-albums'" in reply.content
    choices = await driver.autocomplete("debate show", "debate", "", guild_id=OTHER_GUILD_ID)
    assert [c["value"] for c in choices.choices] == [ROCKY]
    assert len(await own_debates(bot)) == 1


async def test_current_changes_the_default_debate(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow")
    before = await driver.slash("debate show")
    assert before.title.startswith("The Rocky")
    reply = await driver.slash("debate current", admin=True, debate="best-albums")
    assert (
        not reply.ephemeral
        and "**Best albums** is now this server's current debate" in reply.content
    )
    after = await driver.slash("debate show")
    assert after.title == "Best albums"
    elsewhere = await driver.slash("debate show", guild_id=OTHER_GUILD_ID)
    assert elsewhere.title.startswith("The Rocky")


async def test_open_and_close(driver: Driver, bot) -> None:
    rocky = await bot.directory.current(GUILD_ID)
    closed = await driver.slash("debate close", admin=True)
    assert (
        not closed.ephemeral
        and "Voting on **The Rocky training montages, ranked** is closed" in closed.content
    )
    assert "<t:" in closed.content  # when the results were frozen
    assert not await bot.debate_store.is_open(GUILD_ID, rocky.id)
    assert await bot.debate_store.is_open(OTHER_GUILD_ID, rocky.id)  # per server
    again = await driver.slash("debate close", admin=True, debate=ROCKY)
    assert again.ephemeral and "already closed" in again.content
    opened = await driver.slash("debate open", admin=True)
    assert not opened.ephemeral and "is open again" in opened.content
    assert await bot.debate_store.is_open(GUILD_ID, rocky.id)


# -- delete ---------------------------------------------------------------------------------


async def test_delete_asks_first_and_takes_the_ballots(driver: Driver, bot) -> None:
    await create(driver, "A\nB")
    [debate] = await own_debates(bot)
    await bot.ballot_store.save(GUILD_ID, debate.id, MEMBER_ID, ((debate.items[0].id,),))
    await driver.slash("debate current", admin=True, debate="best-albums")
    asked = await driver.slash("debate delete", admin=True, user_id=ADMIN_ID, debate="best-albums")
    assert asked.ephemeral and "Delete **Best albums** (`best-albums`) for good?" in asked.content
    assert "the ballots of 1 member go with it" in asked.content

    cancelled = await driver.click(asked.message, label="Cancel", admin=True, user_id=ADMIN_ID)
    assert "nothing changed" in cancelled.content and cancelled.custom_ids() == []
    assert len(await own_debates(bot)) == 1

    asked = await driver.slash("debate delete", admin=True, user_id=ADMIN_ID, debate="best-albums")
    other = await driver.click(asked.message, label="Delete", admin=True, user_id=MEMBER_ID)
    assert other.ephemeral and "This isn't yours" in other.content
    done = await driver.click(asked.message, label="Delete", admin=True, user_id=ADMIN_ID)
    assert done.content == "Deleted **Best albums** and its ballots."
    assert await own_debates(bot) == []
    assert await bot.ballot_store.current_all(GUILD_ID, debate.id) == []
    show = await driver.slash("debate show")  # the current debate falls back to the catalog
    assert show.title.startswith("The Rocky")


async def test_catalog_debates_cannot_be_deleted_only_closed(driver: Driver, bot) -> None:
    reply = await driver.slash("debate delete", admin=True, debate=ROCKY)
    assert reply.ephemeral and reply.custom_ids() == []
    assert (
        "is a catalog debate, shared by every server: it can't be deleted, only closed"
        in reply.content
    )
    assert len(await bot.debate_store.list_catalog()) == 1


# -- import and export ---------------------------------------------------------------------------


def attachments(reply: Reply) -> dict[str, bytes]:
    return {a["filename"]: a["data"] for a in reply.message["attachments"]}


async def test_import_export_import_is_the_identity(driver: Driver, bot) -> None:
    reply = await import_file(driver, ALBUMS_YAML.encode())
    assert (
        reply.ephemeral
        and "Imported **The best albums of 1977** (`best-albums`) with 4 items" in reply.content
    )
    [stored] = await own_debates(bot)

    exported = await driver.slash("debate export", admin=True, debate="best-albums")
    assert exported.ephemeral
    files = attachments(exported)
    yaml_bytes = files["best-albums.yaml"]
    assert parse_debate_yaml(yaml_bytes, "x") == parse_debate_yaml(ALBUMS_YAML, "x")

    again = await import_file(driver, yaml_bytes, name="best-albums.yaml")
    assert again.ephemeral and "Nothing changed" in again.content
    assert await own_debates(bot) == [stored]
    second = await driver.slash("debate export", admin=True, debate="best-albums")
    assert attachments(second)["best-albums.yaml"] == yaml_bytes


async def test_export_includes_ballots_unless_members_are_hidden(driver: Driver, bot) -> None:
    await import_file(driver, ALBUMS_YAML.encode())
    [debate] = await own_debates(bot)
    rumours, low, aja, _ = (i.id for i in debate.items)
    await bot.ballot_store.save(GUILD_ID, debate.id, MEMBER_ID, ((low,), (rumours, aja)), "Eno!")
    await bot.ballot_store.save(OTHER_GUILD_ID, debate.id, 5, ((aja,),))  # not this server's
    reply = await driver.slash("debate export", admin=True, debate="best-albums")
    lines = attachments(reply)["best-albums-ballots.csv"].decode().splitlines()
    assert lines[0] == "voter,time,ballot,reason"
    assert len(lines) == 2 and re.match(r"voter-[0-9a-f]{12},", lines[1]), lines
    assert lines[1].endswith(",Low > Rumours = Aja,Eno!") and str(MEMBER_ID) not in lines[1]
    assert "1 current ballot in this server" in reply.content and "pseudonym" in reply.content
    again = await driver.slash("debate export", admin=True, debate="best-albums")
    assert attachments(again)["best-albums-ballots.csv"].decode().splitlines() == lines

    await driver.slash("settings", admin=True, pseudonymous_exports=False)
    plain = await driver.slash("debate export", admin=True, debate="best-albums")
    lines = attachments(plain)["best-albums-ballots.csv"].decode().splitlines()
    assert lines[0] == "member_id,time,ballot,reason" and lines[1].startswith(f"{MEMBER_ID},")

    await driver.slash("settings", admin=True, hide_members=True)
    hidden = await driver.slash("debate export", admin=True, debate="best-albums")
    assert list(attachments(hidden)) == ["best-albums.yaml"]
    assert "this server hides member-level results" in hidden.content


async def test_catalog_debates_export_but_their_slug_cannot_be_imported(
    driver: Driver, bot
) -> None:
    exported = await driver.slash("debate export", admin=True)
    body = attachments(exported)[f"{ROCKY}.yaml"]
    refused = await import_file(driver, body)
    assert refused.ephemeral and f"`{ROCKY}` is the slug of a catalog debate" in refused.content
    copy = body.replace(f"slug: {ROCKY}".encode(), b"slug: our-rocky")
    imported = await import_file(driver, copy)
    assert "Imported" in imported.content
    [own] = await own_debates(bot)
    assert own.slug == "our-rocky" and len(own.items) == 6


BAD_UPLOADS = [
    pytest.param(b"x" * (256 * 1024 + 1), "That file is 257 KB; the limit is 256 KB.", id="oversize"),
    pytest.param("slug: caf\xe9".encode("latin-1"), "The file is not UTF-8 text. Save it as UTF-8", id="latin-1"),
    pytest.param(b"slug: [unclosed\ntitle: x\n", "Line 2, the file is not valid YAML: did not find expected ',' or ']'", id="not-yaml"),
    pytest.param(
        b"slug: x\ntitle: !!python/object/apply:os.system [echo hi]\n",
        "Line 2, the file uses a YAML tag that builds objects", id="object-tag",
    ),
    pytest.param(
        b"slug: Bad Slug\ntitle: T\nquestion: Q\nauthor: A\nitems:\n  - name: A\n  - nme: B\n",
        "Line 1, `slug`: 'Bad Slug' must be 1–50 lowercase letters", id="invalid-fields",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BAD_UPLOADS)
async def test_bad_uploads_are_refused_with_their_reason(
    driver: Driver, bot, body, message
) -> None:
    reply = await import_file(driver, body)
    assert reply.ephemeral and message in reply.content, reply.content
    assert await own_debates(bot) == []


async def test_invalid_fields_are_all_listed_with_lines(driver: Driver) -> None:
    body = b"slug: x\ntitle: T\nquestion: Q\nauthor: A\nitems:\n  - name: A\n  - nme: B\n"
    reply = await import_file(driver, body)
    assert "Line 7, `items[1].nme`: is not a known field" in reply.content
    assert "`items[1].name`: is missing" in reply.content


async def test_reimport_that_drops_items_asks_first(driver: Driver, bot) -> None:
    await import_file(driver, ALBUMS_YAML.encode())
    [debate] = await own_debates(bot)
    rumours, low, aja, _ = (i.id for i in debate.items)
    await bot.ballot_store.save(GUILD_ID, debate.id, MEMBER_ID, ((aja,), (rumours,)))
    smaller = ALBUMS_YAML.replace("  - name: Aja\n", "")
    asked = await import_file(driver, smaller.encode())
    assert "This removes **Aja**" in asked.content and "1 ballot ranks it" in asked.content
    assert len((await bot.debate_store.get(debate.id)).items) == 4
    done = await driver.click(asked.message, label="Import", admin=True, user_id=ADMIN_ID)
    assert "Saved **The best albums of 1977**" in done.content
    assert [i.id for i in (await bot.debate_store.get(debate.id)).items] == [rumours, low, _]
    [ballot] = await bot.ballot_store.current_all(GUILD_ID, debate.id)
    assert ballot.tiers == ((rumours,),)


# -- edit -----------------------------------------------------------------------------------


async def open_edit(driver: Driver, debate: str = "best-albums") -> Reply:
    opened = await driver.slash("debate edit", admin=True, user_id=ADMIN_ID, debate=debate)
    assert opened.type == 9, opened.content
    return opened


async def submit_edit(driver: Driver, opened: Reply, **values: str) -> Reply:
    return await driver.submit_modal(
        opened.data, fill(opened.data, **values), admin=True, user_id=ADMIN_ID
    )


async def test_edit_adds_renames_and_removes_keeping_ballots_valid(driver: Driver, bot) -> None:
    await create(driver, "Rumours – every song a single\nLow\nAja\nHeroes")
    [debate] = await own_debates(bot)
    rumours, low, aja, heroes = (i.id for i in debate.items)
    ballots = {
        1: ((low,), (rumours, aja), (heroes,)),
        2: ((heroes,),),
        3: ((aja,), (low,)),
    }
    for member, tiers in ballots.items():
        await bot.ballot_store.save(GUILD_ID, debate.id, member, tiers)

    opened = await open_edit(driver)
    assert prefilled(opened.data) == {
        "Title": "Best albums",
        "Question": "Which one?",
        "Items": "Rumours – every song a single\nLow\nAja\nHeroes",
    }
    asked = await submit_edit(
        driver,
        opened,
        Question="Which album of 1977 has aged best?",
        Items="Low – Eno's touch\nRumours – every song a single\nAja -> Aja (Steely Dan)\nBad Reputation",
    )
    # Heroes is gone from the list: ask first, and say how many ballots it touches.
    assert asked.ephemeral and "This removes **Heroes** from **Best albums**" in asked.content
    assert "2 ballots rank it" in asked.content
    assert "Renamed (ballots kept): Aja → **Aja (Steely Dan)**" in asked.content
    assert "Added (unranked on existing ballots): **Bad Reputation**" in asked.content
    assert "Question changed." in asked.content
    assert (await bot.debate_store.get(debate.id)) == debate  # nothing yet

    done = await driver.click(asked.message, label="Remove and save", admin=True, user_id=ADMIN_ID)
    assert done.content.startswith("Saved **Best albums**.") and done.custom_ids() == []
    after = await bot.debate_store.get(debate.id)
    names = [(i.id, i.name, i.reason) for i in after.items]
    assert names[:3] == [
        (low, "Low", "Eno's touch"),
        (rumours, "Rumours", "every song a single"),
        (aja, "Aja (Steely Dan)", ""),
    ]
    new_id = names[3][0]
    assert names[3][1:] == ("Bad Reputation", "") and new_id not in (rumours, low, aja, heroes)
    assert after.question == "Which album of 1977 has aged best?"

    current = {
        b.member_id: b.tiers for b in await bot.ballot_store.current_all(GUILD_ID, debate.id)
    }
    # Heroes is stripped; member 2 ranked only Heroes, so their ballot no longer counts;
    # the renamed item keeps its place; the new item is unranked on every old ballot.
    assert current == {1: ((low,), (rumours, aja)), 3: ((aja,), (low,))}
    valid = {i.id for i in after.items}
    assert all(set(i for tier in tiers for i in tier) <= valid for tiers in current.values())
    shown = await driver.slash("debate show", debate="best-albums")
    assert shown.headings[2] == "3. Aja (Steely Dan)"


async def test_edit_without_removals_saves_at_once(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow")
    opened = await open_edit(driver)
    reply = await submit_edit(driver, opened, Items="Low\nRumours – now with a reason\nAja")
    assert reply.ephemeral and reply.custom_ids() == []
    assert "Added (unranked on existing ballots): **Aja**" in reply.content
    assert "Reasons changed: 1" in reply.content and "The author's order changed." in reply.content
    [debate] = await own_debates(bot)
    assert [i.name for i in debate.items] == ["Low", "Rumours", "Aja"]


async def test_edit_mistakes_are_explained_and_the_text_given_back(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow")
    opened = await open_edit(driver)
    typed = "Rumours\nLow\nRumors -> Rumours II"
    reply = await submit_edit(driver, opened, Items=typed)
    assert "Line 3: there is no item called 'Rumors' to rename" in reply.content
    again = await driver.click(reply.message, label="Fix it", admin=True, user_id=ADMIN_ID)
    assert prefilled(again.data)["Items"] == typed
    [debate] = await own_debates(bot)
    assert [i.name for i in debate.items] == ["Rumours", "Low"]


async def test_cancelled_removal_changes_nothing(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow\nAja")
    [debate] = await own_debates(bot)
    asked = await submit_edit(driver, await open_edit(driver), Items="Rumours\nLow")
    cancelled = await driver.click(asked.message, label="Cancel", admin=True, user_id=ADMIN_ID)
    assert cancelled.content == "Cancelled: nothing changed."
    assert await bot.debate_store.get(debate.id) == debate


async def test_an_edit_on_a_stale_form_saves_nothing(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow\nAja")
    opened = await open_edit(driver)
    # Another admin adds an item while the first one's form is open.
    other = await open_edit(driver)
    await submit_edit(driver, other, Items="Rumours\nLow\nAja\nHeroes")
    reply = await submit_edit(driver, opened, Items="Rumours\nLow\nAja\nStation to Station")
    assert reply.ephemeral
    assert "Someone else changed this debate; here is the current version" in reply.content
    assert "4. Heroes" in reply.content  # the current version, with the other admin's item
    [debate] = await own_debates(bot)
    assert [i.name for i in debate.items] == ["Rumours", "Low", "Aja", "Heroes"]


async def test_two_admins_renaming_from_the_same_form_never_both_hear_saved(
    driver: Driver, bot
) -> None:
    await create(driver, "Rumours\nLow\nAja")
    first, second = await open_edit(driver), await open_edit(driver)
    saved = await submit_edit(driver, first, Title="Best records")
    refused = await submit_edit(driver, second, Items="Rumours\nLow – Bowie in Berlin\nAja")
    assert saved.content.startswith("Saved **Best records**")
    assert "Someone else changed this debate; here is the current version" in refused.content
    assert "Saved" not in refused.content and "**Best records**" in refused.content
    [debate] = await own_debates(bot)
    assert debate.title == "Best records" and debate.items[1].reason == ""


async def test_rename_option_keeps_ballots_without_a_form(driver: Driver, bot) -> None:
    await create(driver, "Rumours\nLow")
    [debate] = await own_debates(bot)
    low = debate.items[1].id
    await bot.ballot_store.save(GUILD_ID, debate.id, MEMBER_ID, ((low,),))
    reply = await driver.slash(
        "debate edit", admin=True, debate="best-albums", rename="low -> Low (1977)"
    )
    assert reply.type == 4 and "Renamed (ballots kept): Low → **Low (1977)**" in reply.content
    [after] = await own_debates(bot)
    assert after.items[1] == Item(low, "Low (1977)")
    [ballot] = await bot.ballot_store.current_all(GUILD_ID, debate.id)
    assert ballot.tiers == ((low,),)


async def test_catalog_debates_cannot_be_edited(driver: Driver) -> None:
    reply = await driver.slash("debate edit", admin=True, debate=ROCKY)
    assert reply.ephemeral and "is a catalog debate, shared by every server" in reply.content
    assert "`/debate export` it, give the file a new `slug`" in reply.content


async def test_debates_too_big_for_a_form_point_to_export_and_import(driver: Driver, bot) -> None:
    body = ALBUMS_YAML.replace("slug: best-albums", "slug: big")
    await import_file(driver, body.encode())
    reply = await driver.slash("debate edit", admin=True, debate="big")
    # Low's reason has a line break, which the one-line-per-item form can't show.
    assert reply.type == 4 and reply.ephemeral
    assert "Use `/debate export`, change the file and `/debate import` it back" in reply.content

    many = "".join(f"  - name: Album {n}\n    reason: {'a fine record ' * 20}\n" for n in range(20))
    body = f"slug: many\ntitle: Many\nquestion: Q\nauthor: A\nitems:\n{many}"
    await import_file(driver, body.encode())
    reply = await driver.slash("debate edit", admin=True, debate="many")
    assert "a form holds 4,000" in reply.content and "`/debate edit rename:`" in reply.content


def test_modal_inputs_are_wrapped_in_labels_with_help(bot) -> None:
    from cogs.debates.edit import CreateForm

    payload = CreateForm().to_dict()
    components = payload["components"]
    assert [c["type"] for c in components] == [18, 18, 18]
    assert [c["label"] for c in components] == ["Title", "Question", "Items, best first"]
    assert all(len(c.get("description", "")) <= 100 for c in components)
    assert components[2]["component"]["max_length"] == 4000
    assert sum(1 for _ in walk_components(payload["components"])) == 6


# -- bounds ----------------------------------------------------------------------------------


def numbered_yaml(n: int) -> bytes:
    return f"slug: d{n}\ntitle: Debate {n}\nquestion: Q\nauthor: A\nitems: [x, y]\n".encode()


async def test_a_server_past_its_debate_limit_is_refused_clearly(driver: Driver, bot) -> None:
    bot.debate_admin.max_debates = 3
    for n in range(3):
        assert "Imported" in (await import_file(driver, numbered_yaml(n))).content
    refused = await import_file(driver, numbered_yaml(3))
    assert refused.ephemeral
    assert "This server already has 3 debates of its own, the most it may have" in refused.content
    created = await create(driver, "Rumours\nLow")
    assert "the most it may have" in created.content
    assert len(await own_debates(bot)) == 3
    # Another server is not counted against it.
    other = await import_file(driver, numbered_yaml(0), guild_id=OTHER_GUILD_ID)
    assert "Imported" in other.content


async def test_debate_list_of_60_long_titles_is_paged_under_discords_limits(
    driver: Driver, bot
) -> None:
    for n in range(60):
        spec = DebateSpec(f"d{n}", f"Debate number {n} " + "with a long title " * 5, "Q", "A",
                          (ItemSpec("x"), ItemSpec("y")))  # fmt: skip
        await bot.debate_store.create(spec, guild_id=GUILD_ID)
    listing = await driver.slash("debate list")
    assert listing.ephemeral and len(listing.embeds) == 1  # the fake checks the 6,000 limit
    seen = listing.text
    message = listing.message
    while "▶" in [c.get("label") for c in walk_components(message["components"])]:
        nxt = await driver.click(message, label="▶")
        assert nxt.type == 7 and len(nxt.embeds) == 1
        seen += nxt.text
        message = nxt.message
        if "Debate number 59" in nxt.text:
            break
    assert all(f"Debate number {n} " in seen for n in range(60))


async def test_a_big_export_is_gzipped_and_one_too_big_is_refused_clearly(
    driver: Driver, bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    import bot.exports as exports

    await import_file(driver, ALBUMS_YAML.encode())
    [debate] = await own_debates(bot)
    ids = [i.id for i in debate.items]
    for member in range(300):
        await bot.ballot_store.save(
            GUILD_ID, debate.id, 1000 + member, ((ids[member % 4],),), "x" * 50
        )
    monkeypatch.setattr(exports, "COMPRESS_ABOVE", 2_000)
    monkeypatch.setattr(exports, "UPLOAD_LIMIT", 10**6)
    reply = await driver.slash("debate export", admin=True, debate="best-albums")
    files = attachments(reply)
    assert "Ballots (gzipped: it is big): 300 current ballots" in reply.content
    assert len(gzip.decompress(files["best-albums-ballots.csv.gz"]).decode().splitlines()) == 301

    monkeypatch.setattr(exports, "UPLOAD_LIMIT", 500)
    refused = await driver.slash("debate export", admin=True, debate="best-albums")
    assert list(attachments(refused)) == ["best-albums.yaml"]
    assert "Ballots are not included: their 300 rows are over" in refused.content
    assert "more than Discord lets me upload" in refused.content
