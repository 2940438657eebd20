import re

import pytest
from discord.ext import commands

from tests.support.discord_fake import Driver
from tests.support.discord_model import assert_fits
from tests.support.rocky import ROCKY_TITLES


async def test_show_answers_the_author_ranking_in_order(driver: Driver) -> None:
    reply = await driver.slash("debate show")
    # Deferred, then answered with the author's list as a tier-list picture too.
    assert reply.type == 5 and not reply.ephemeral
    # One card: the list with its reasoning, the tier list under it, Vote and Duel below.
    assert reply.layout and not reply.embeds
    [picture] = reply.message["attachments"]
    assert picture["filename"] == "tierlist.png" and reply.pictures == [picture["data"]]
    assert picture["data"].startswith(b"\x89PNG")
    names = reply.headings
    assert names == [f"{n}. {name}" for n, name in enumerate(ROCKY_TITLES, start=1)]
    reasons = reply.text.split("\n\n")[3:-1]  # title, question, author; the footer last
    assert len(reasons) == 6 and all(len(r.split("\n", 1)[1]) > 40 for r in reasons)
    assert "training montage" in reply.text
    assert "rd:vote:" in " ".join(reply.custom_ids())


async def test_show_pages_long_debates_within_discord_limits(driver: Driver, bot) -> None:
    from bot.models import DebateSpec, ItemSpec
    from tests.support.discord_fake import GUILD_ID

    items = tuple(
        ItemSpec(f"Item number {n:03d} " + "x" * 60, reason="r" * 1000) for n in range(200)
    )
    await bot.debate_store.create(DebateSpec("big", "Big", "Q?", "Me", items), guild_id=GUILD_ID)
    reply = await driver.slash("debate show", debate="big")
    assert_fits(reply.message)
    pages = int(re.search(r"Page 1/(\d+)", reply.text)[1])
    # Turning pages answers privately and reaches the last item.
    seen = reply.headings
    message = reply.message
    for _ in range(pages - 1):
        nxt = await driver.click(message, label="▶")
        assert nxt.ephemeral
        message = nxt.message
        assert nxt.layout and not nxt.pictures  # a private card, without the picture
        seen += nxt.headings
    assert len(seen) == 200 and seen[-1].startswith("200. Item number 199")


async def test_unknown_debate_is_an_ephemeral_error(driver: Driver) -> None:
    reply = await driver.slash("debate show", debate="tennis players")
    assert reply.ephemeral and "I don't know a debate called 'tennis players'" in reply.content


async def test_list_shows_open_state_and_voters(driver: Driver, bot) -> None:
    from tests.support.discord_fake import GUILD_ID

    debate = await bot.directory.current(GUILD_ID)
    await bot.ballot_store.save(GUILD_ID, debate.id, 1, ((debate.items[0].id,),))
    reply = await driver.slash("debate list")
    assert reply.ephemeral
    assert (
        "The Rocky training montages, ranked" in reply.text
        and "open, 1 member ranked it" in reply.text
    )


async def test_debate_option_autocompletes(driver: Driver) -> None:
    reply = await driver.autocomplete("debate show", "debate", "rock")
    assert reply.choices == [
        {"name": "The Rocky training montages, ranked", "value": "rocky-training-montages"}
    ]


@pytest.mark.parametrize("broken_step, options", [("current", {}), ("resolve", {"debate": "x"})])
async def test_unexpected_errors_apologise_with_an_id(
    driver: Driver, bot, monkeypatch, caplog, broken_step: str, options: dict
) -> None:
    """Whether the command or the debate option's transformer fails."""

    async def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(bot.directory, broken_step, broken)
    reply = await driver.slash("debate show", **options)
    assert reply.ephemeral and "something went wrong" in reply.content
    error_id = reply.content.split("`")[1]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_cog_that_fails_to_load_stops_the_start_and_names_it(
    bot, monkeypatch, tmp_path
) -> None:
    import cogs
    from bot.client import CogLoadError

    for name in list(bot.extensions):
        await bot.unload_extension(name)
    (tmp_path / "aaa_broken.py").write_text("raise RuntimeError('broken cog')\n")
    monkeypatch.setattr(cogs, "__path__", [*cogs.__path__, str(tmp_path)])
    with pytest.raises(CogLoadError, match=r"cogs\.aaa_broken: .*broken cog") as raised:
        await bot.load_cogs()
    assert isinstance(raised.value.__cause__, commands.ExtensionFailed)


async def test_public_show_messages_are_not_kept_in_memory(driver: Driver, bot) -> None:
    store = bot._connection._view_store
    before = sum(len(v) for v in store._views.values())
    for _ in range(3):
        await driver.slash("debate show")
    # Every button is a dynamic item answered from its custom_id: no per-message view kept.
    assert sum(len(v) for v in store._views.values()) == before


async def test_vote_button_opens_the_builder_for_whoever_clicks(driver: Driver) -> None:
    shown = await driver.slash("debate show")
    opened = await driver.click(shown.message, label="Vote", user_id=4242)
    assert opened.ephemeral and "Pick #1" in str(opened.message["components"])


async def test_a_page_button_for_a_deleted_debate_says_so(driver: Driver) -> None:
    shown = await driver.slash("debate show")
    stale = {**shown.message, "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "▶", "custom_id": "rd:show:999999:1"}]}]}  # fmt: skip
    reply = await driver.click(stale, label="▶")
    assert reply.ephemeral and "no longer exists" in reply.content
