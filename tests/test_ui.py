import asyncio
import io

import discord
import pytest

from bot import custom_ids
from bot.render.text import LAYOUT_TEXT
from bot.ui import (
    FORMS_PER_MEMBER,
    BaseModal,
    OpenForms,
    VoteButton,
    dynamic_view,
    picture_message,
)
from tests.support.discord_fake import MEMBER_ID, Driver, walk_components


def modal_payload(custom_id: str, text: str) -> dict:
    return {
        "custom_id": custom_id,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "list0", "value": text}]}
        ],
    }


async def test_a_form_from_before_a_restart_gives_back_what_was_typed(driver: Driver) -> None:
    data = modal_payload("form-from-an-earlier-run", "Rocky IV\nRocky II")
    reply = await driver.submit_modal(data, {"list0": "Rocky IV\nRocky II"})
    assert reply.ephemeral
    assert "couldn't use it" in reply.content and "```\nRocky IV\nRocky II\n```" in reply.content


async def test_a_timed_out_form_is_answered_too(driver: Driver) -> None:
    form = BaseModal(title="t", timeout=1)
    await form.on_timeout()
    reply = await driver.submit_modal(modal_payload(form.custom_id, "x"), {"list0": "x"})
    assert "couldn't use it" in reply.content


async def test_a_live_form_is_left_to_itself(driver: Driver, bot) -> None:
    shown = await driver.slash("vote")
    opened = await driver.click(shown.message, label="Paste…")
    pasted = await driver.submit_modal(opened.data, {"list0": "IV\nII"}, message=shown.message)
    assert "couldn't use it" not in pasted.text
    assert opened.data["custom_id"] not in BaseModal.open_forms


async def test_a_member_opening_paste_again_and_again_never_gets_a_double_answer(
    driver: Driver, bot
) -> None:
    # The store used to hold 10,000 forms of anyone and drop the oldest, live or not; a
    # member clicking Paste… enough filled it, and a real submit was then both applied and
    # answered "Nothing was saved".
    shown = await driver.slash("vote")
    forms = [await driver.click(shown.message, label="Paste…") for _ in range(FORMS_PER_MEMBER + 3)]
    kept = [form.data["custom_id"] in BaseModal.open_forms for form in forms]
    assert kept == [False] * 3 + [True] * FORMS_PER_MEMBER
    closed = await driver.submit_modal(forms[0].data, {"list0": "IV\nII"}, message=shown.message)
    assert len(closed.messages) == 1 and closed.ephemeral
    assert "no longer open" in closed.content and "Nothing was saved" in closed.content
    live = await driver.submit_modal(forms[-1].data, {"list0": "IV\nII"}, message=shown.message)
    assert len(live.messages) == 1 and "Pasted 2 items." in live.text
    assert "Nothing was saved" not in live.text


async def test_one_member_filling_the_store_does_not_close_anothers_form(
    driver: Driver, bot
) -> None:
    other = MEMBER_ID + 1
    theirs = await driver.slash("vote", user_id=other)
    kept = await driver.click(theirs.message, label="Paste…", user_id=other)
    shown = await driver.slash("vote")
    for _ in range(FORMS_PER_MEMBER * 3):
        await driver.click(shown.message, label="Paste…")
    pasted = await driver.submit_modal(
        kept.data, {"list0": "IV\nII"}, message=theirs.message, user_id=other
    )
    assert "Pasted 2 items." in pasted.text


def test_the_store_keeps_only_live_forms_within_its_limits() -> None:
    store = OpenForms(per_member=2, total=5)
    forms = [BaseModal(title="t") for _ in range(12)]
    for n, form in enumerate(forms):
        store.opened(n % 4, form)
    assert len(store) == 5
    assert [form.custom_id in store for form in forms] == [False] * 7 + [True] * 5
    store.forget(forms[-1])  # timed out
    assert forms[-1].custom_id not in store and len(store) == 4
    assert store.take(forms[-2].custom_id) is forms[-2]
    assert store.take(forms[-2].custom_id) is None


def _picture() -> discord.File:
    return discord.File(io.BytesIO(b"png"), filename="tierlist.png")


def test_a_note_is_the_content_of_an_embed_and_the_first_text_of_a_card() -> None:
    note = "Only you can see this."
    card = picture_message(discord.Embed(title="Ranking"), _picture(), note=note)
    assert "content" not in card and "embed" not in card
    [first, *_] = card["view"].children
    assert isinstance(first, discord.ui.TextDisplay) and first.content == note
    embed = picture_message(discord.Embed(title="Ranking"), None, note=note)
    assert embed["content"] == note and "view" not in embed
    assert "content" not in picture_message(discord.Embed(title="Ranking"), _picture())


def test_the_note_counts_toward_a_card_s_text() -> None:
    # Text that fits a card alone is sent as an embed when the note would push it over.
    page = discord.Embed(description="x" * (LAYOUT_TEXT - 10))
    assert "view" in picture_message(page, _picture())
    sent = picture_message(page, _picture(), note="n" * 20)
    assert "view" not in sent and sent["content"] == "n" * 20
    assert sent["embed"].image.url == "attachment://tierlist.png"


async def test_a_saved_vote_leaves_nothing_in_discord_py_s_view_store(driver: Driver, bot) -> None:
    """The reply's buttons are dynamic items: discord.py keeps no view (and no 15-minute
    timer) for it, and they still work, before and after the bot forgets everything."""
    store = bot._connection._view_store
    reply = await driver.slash("vote", order="IV > II")
    assert [c.get("label") for c in walk_components(reply.message["components"])][-2:] == [
        "Edit",
        "Share",
    ]
    assert not store._views and not store._synced_message_views
    assert not [task for task in asyncio.all_tasks() if "timeout_task" in repr(task.get_coro())]
    edited = await driver.click(reply.message, label="Edit")
    assert edited.component(label="Save")


async def test_a_dynamic_view_takes_only_buttons_a_dynamic_item_answers() -> None:
    answered = discord.ui.Button[discord.ui.View](custom_id=custom_ids.VOTE.format(debate_id=3))
    view = dynamic_view(VoteButton(3), answered)
    assert view.is_finished() and len(view.children) == 2
    with pytest.raises(ValueError, match="not answered by any dynamic item"):
        dynamic_view(discord.ui.Button[discord.ui.View](label="lost after a restart"))
