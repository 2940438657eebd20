"""The one Discord model both test doubles check every message against."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from tests.support.discord_fake import CHANNEL_ID, FakeDiscord
from tests.support.discord_model import (
    APPLICATION_COMMAND,
    CB_MODAL,
    CB_UPDATE,
    validate_callback,
    validate_message,
)


def embed(**fields: Any) -> dict[str, Any]:
    return {"embeds": [fields]}


def select(options: int) -> dict[str, Any]:
    choices = [{"label": f"o{n}", "value": f"v{n}"} for n in range(options)]
    return {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": choices}]}


def button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


FIELD = {"name": "n", "value": "v"}
REFUSED = [
    pytest.param({"content": "x" * 2001}, "content", id="content 2,001"),
    pytest.param(embed(title="t" * 257), "embeds", id="title 257"),
    pytest.param(embed(description="d" * 4097), "embeds", id="description 4,097"),
    pytest.param(embed(fields=[FIELD] * 26), "embeds", id="26 fields"),
    pytest.param(embed(fields=[{"name": "n", "value": "v" * 1025}]), "embeds", id="value 1,025"),
    pytest.param(embed(fields=[{"name": "", "value": "v"}]), "embeds", id="empty field name"),
    pytest.param(
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        "embeds",
        id="6,001 in all",
    ),
    pytest.param({"embeds": [{"title": "t"}] * 11}, "embeds", id="11 embeds"),
    pytest.param(
        {"components": [{"type": 1, "components": [button("c" * 101)]}]},
        "components",
        id="custom id 101",
    ),
    pytest.param(
        {"components": [{"type": 1, "components": [button("a", "l" * 81)]}]},
        "components",
        id="button label 81",
    ),
    pytest.param({"components": [select(26)]}, "components", id="26 select options"),
    pytest.param(
        {"components": [{"type": 1, "components": [button(str(n)) for n in range(6)]}]},
        "components",
        id="6 buttons in a row",
    ),
    pytest.param(
        {"components": [{"type": 1, "components": [button("a")]}] * 6},
        "components",
        id="6 rows",
    ),
    pytest.param(
        {"components": [{"type": 1, "components": [button("a"), button("a")]}]},
        "components",
        id="duplicate custom ids",
    ),
    pytest.param({}, "content", id="empty message"),
]


@pytest.mark.parametrize(("body", "field"), REFUSED)
def test_discord_refuses_a_message_over_its_limits(body: dict[str, Any], field: str) -> None:
    assert field in validate_message(body)


def test_a_message_at_every_limit_is_accepted() -> None:
    full = {
        "content": "x" * 2000,
        "embeds": [
            {"title": "t" * 256, "description": "d" * 4096, "fields": [FIELD] * 25},
            {"description": "d" * (6000 - 256 - 4096 - 25 * 2)},
        ],
        "components": [select(25)]
        + [{"type": 1, "components": [button(f"{n}{'c' * 99}", "l" * 80)]} for n in range(4)],
    }
    assert validate_message(full) == {}


def test_modal_titles_labels_and_descriptions_are_bounded() -> None:
    label = {"type": 18, "label": "L", "description": "d" * 101, "component": {"type": 4}}
    modal = {"title": "t" * 46, "custom_id": "m", "components": [label]}
    errors = validate_callback(APPLICATION_COMMAND, CB_MODAL, modal, on_message=False)
    assert errors["data"]["title"] and errors["data"]["components"]["description"]


def test_only_a_component_interaction_may_update_its_message() -> None:
    errors = validate_callback(APPLICATION_COMMAND, CB_UPDATE, {}, on_message=False)
    assert "type" in errors


async def test_the_fake_refuses_and_records_a_message_discord_would_refuse(bot) -> None:
    fake: FakeDiscord = bot.fake
    channel = discord.PartialMessageable(state=bot._connection, id=CHANNEL_ID)
    with pytest.raises(AssertionError, match="Discord would refuse POST"):
        await channel.send("x" * 2001)
    assert fake.refusals and "content" in fake.refusals[0]
    fake.refusals.clear()  # seen: the fixture fails a test that leaves refusals behind


def test_a_message_may_name_at_most_100_users_to_ping_and_not_parse_them_too() -> None:
    users = [str(n) for n in range(101)]
    assert "allowed_mentions" in validate_message(
        {"content": "hi", "allowed_mentions": {"users": users}}
    )
    conflict = {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
    assert "allowed_mentions" in validate_message(conflict)
    fine = {"content": "hi", "allowed_mentions": {"parse": [], "users": users[:100]}}
    assert validate_message(fine) == {}


# -- Components V2 --------------------------------------------------------------------------

V2 = 1 << 15


def card(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 17, "components": list(children)}


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def gallery(*urls: str) -> dict[str, Any]:
    return {"type": 12, "items": [{"media": {"url": url}} for url in urls]}


ROW = {"type": 1, "components": [button("a")]}
PICTURE = [("tierlist.png", b"png")]

REFUSED_V2 = [
    pytest.param({"flags": V2, "content": "hi", "components": [card(text("t"))]}, "content",
                 id="content with V2"),
    pytest.param({"flags": V2, "embeds": [{"title": "t"}], "components": [card(text("t"))]},
                 "embeds", id="embeds with V2"),
    pytest.param({"components": [card(text("t"))]}, "components", id="a card without the flag"),
    pytest.param({"flags": V2, "components": [button("a")]}, "components",
                 id="a button outside a row"),
    pytest.param({"flags": V2, "components": [card(card(text("t")))]}, "components",
                 id="a card in a card"),
    pytest.param({"flags": V2, "components": [card(text("t" * 2001)), card(text("t" * 2000))]},
                 "components", id="4001 characters"),
    pytest.param({"flags": V2, "components": [card(*[text("t")] * 39), ROW]}, "components",
                 id="41 components"),
    pytest.param({"flags": V2, "components": [card(text("t"), gallery())]}, "components",
                 id="an empty gallery"),
    pytest.param({"flags": V2, "components": [card(text("t"), gallery("attachment://x.png"))]},
                 "components", id="a picture that is no attachment"),
    pytest.param({"flags": V2, "components": [card(text("t"))]}, "attachments",
                 id="an attachment nothing shows"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), REFUSED_V2)
def test_discord_refuses_a_card_against_the_components_v2_rules(
    body: dict[str, Any], field: str
) -> None:
    files = PICTURE if field == "attachments" else []
    assert field in validate_message(body, files=files)


def test_a_card_at_its_limits_is_accepted_and_stays_a_card() -> None:
    body = {
        "flags": V2,
        "components": [
            card(
                text("t" * 2000), gallery("attachment://tierlist.png"), *[text("t")] * 34
            ),  # 40 components in all
            text("t" * (4000 - 2000 - 34)),
            ROW,
        ],
    }
    assert validate_message(body, files=PICTURE) == {}
    stored = {"flags": V2, "attachments": [{"filename": "tierlist.png"}]}
    edit = {"flags": 0, "components": [card(text("t"))]}
    assert "flags" in validate_message(edit, partial=True, message=stored)
    assert validate_message({"content": "now text"}, partial=True, message=stored)["content"]


def test_an_edited_card_shows_only_pictures_it_uploads_or_keeps() -> None:
    url = "https://cdn.invalid/attachments/1/7/chart.png"
    stored = {"flags": V2, "attachments": [{"id": "7", "filename": "chart.png", "url": url}]}
    by_name = {"components": [card(text("p2"), gallery("attachment://chart.png"))]}
    by_url = {"components": [card(text("p2"), gallery(url))]}
    # Kept: named in ``attachments``, or all of them when the edit leaves it out.
    for body in (by_name, by_url):
        assert validate_message(body, partial=True, message=stored) == {}
        kept = body | {"attachments": [{"id": "7", "filename": "chart.png"}]}
        assert validate_message(kept, partial=True, message=stored) == {}
        # Dropped: the picture would not resolve.
        dropped = body | {"attachments": []}
        assert "components" in validate_message(dropped, partial=True, message=stored)
    # Uploaded again with the edit: a new attachment of the same name.
    again = by_name | {"attachments": [{"id": 0, "filename": "chart.png"}]}
    assert (
        validate_message(again, partial=True, files=[("chart.png", b"png")], message=stored) == {}
    )


def test_the_fake_keeps_the_attachments_an_edit_names() -> None:
    fake = FakeDiscord()
    message = {"attachments": [], "components": [], "flags": 0}
    fake._edit(message, {"content": "x"}, [("a.png", b"a"), ("b.png", b"b")])
    a, b = message["attachments"]
    fake._edit(message, {"content": "y"}, [])
    assert message["attachments"] == [a, b]
    fake._edit(message, {"attachments": [{"id": b["id"]}]}, [("c.png", b"c")])
    assert [f["filename"] for f in message["attachments"]] == ["b.png", "c.png"]
    fake._edit(message, {"attachments": []}, [])
    assert message["attachments"] == []
