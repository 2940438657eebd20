from bot.ui import BaseModal
from tests.support.discord_fake import Driver


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
