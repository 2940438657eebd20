"""End-to-end tests: the real bot (``python -m bot``) against a local Discord emulator.

The bot reaches the emulator through its settings alone (``DISCORD_API_BASE_URL``,
``DISCORD_GATEWAY_URL``); no cog knows about it. A scenario reads like this::

    async def test_show(emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess) -> None:
        show = await emulator.command("debate show", {"debate": "rocky-training-montages"})
        message = await show.message()            # waits for the answer, deferred or not
        assert not message.ephemeral
        click = await emulator.click(message, label="Vote", member=dev_guild.plain_members[1])
        builder = await click.message()
        picked = await emulator.select(builder, ["Rocky IV"], member=dev_guild.plain_members[1])
        ...

Fixtures (``conftest.py``): ``emulator`` (one guild, the dev guild, with six plain members),
``dev_guild``, ``bot`` (started, READY, synced to the dev guild), ``start_bot`` (start later or
with other settings: ``await start_bot(dev_guild=None, env={...}, start=False)``). A test fails
if the emulator saw anything Discord would refuse (:attr:`DiscordEmulator.problems`), or if the
bot does not exit with 0 on SIGTERM; the bot's log is attached to every failure.

To lose Discord's answers to some requests (the bot crashed or the network dropped while
Discord replied), wrap them in ``with emulator.withholding_answers("POST", pattern):``; to
crash the bot, ``await bot.kill()``. The emulator honours a message's ``enforce_nonce`` as
Discord does, so a resend with the same nonce returns the first message.

Scenarios (issue 6): 1 ``test_start_and_show``, 2 ``test_voting``, 3 ``test_results``,
4 ``test_restart``, 5 ``test_scheduled_summary``, 6 ``test_guild_isolation``,
7 ``test_burst``.

Modules: ``emulator`` (the test API), ``world`` (guilds, members, channels, messages),
``interactions`` (payloads and handles), ``rest`` and ``gateway`` (the protocol), ``harness``
(the bot process), ``reading`` (reading rankings from messages). Discord's numbers, limits and
interaction data come from ``tests/support/discord_model.py``, shared with the in-process fake.
"""
