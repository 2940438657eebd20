"""bot.endpoints: discord.py talks to the URLs from the settings, and only when they are set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, interaction_response_params

from bot.endpoints import apply_endpoints


@pytest.fixture(autouse=True)
def restore_endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # setattr with the current value makes monkeypatch put it back after the test.
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    yield


@pytest.mark.parametrize(
    "api",
    [
        "http://127.0.0.1:1/api/v10",
        "http://127.8.9.1/api",
        "http://[::1]:8/api",
        "http://localhost/api",
    ],
)
def test_loopback_addresses_are_accepted(api: str) -> None:
    apply_endpoints(api, None)

    assert api.rstrip("/") == Route.BASE


def test_none_keeps_discords_defaults() -> None:
    apply_endpoints(None, None)

    assert Route.BASE == "https://discord.com/api/v10"
    assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY


def test_api_base_url_is_used_by_rest_routes() -> None:
    apply_endpoints("http://127.0.0.1:8080/api/v10/", None)

    assert Route("GET", "/users/@me").url == "http://127.0.0.1:8080/api/v10/users/@me"
    assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY


def test_api_base_url_is_used_by_interaction_callbacks_and_followups() -> None:
    """Interaction responses go through the webhook adapter, which builds the same Route."""
    apply_endpoints("http://127.0.0.1:8080/api/v10", None)
    seen: list[str] = []

    class Recorder(AsyncWebhookAdapter):
        def request(self, route: Route, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            seen.append(route.url)

    adapter = Recorder()
    session = object()
    params = interaction_response_params(type=1)
    adapter.create_interaction_response(1, "tok", session=session, params=params)  # type: ignore[arg-type]
    adapter.edit_original_interaction_response(2, "tok", session=session)  # type: ignore[arg-type]

    assert seen == [
        "http://127.0.0.1:8080/api/v10/interactions/1/tok/callback",
        "http://127.0.0.1:8080/api/v10/webhooks/2/tok/messages/@original",
    ]


def test_gateway_url_becomes_the_default_gateway() -> None:
    apply_endpoints(None, "ws://127.0.0.1:8080/gateway")

    assert yarl.URL("ws://127.0.0.1:8080/gateway") == DiscordWebSocket.DEFAULT_GATEWAY
    assert Route.BASE == "https://discord.com/api/v10"
    # This is how discord.py builds the URL it connects to (DiscordWebSocket.from_client).
    url = DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=10, encoding="json")
    assert str(url) == "ws://127.0.0.1:8080/gateway?v=10&encoding=json"


@pytest.mark.parametrize(
    ("api", "gateway", "message"),
    [
        (
            "127.0.0.1:8080/api/v10",
            None,
            "DISCORD_API_BASE_URL must start with http:// or https://",
        ),
        ("ws://127.0.0.1/api/v10", None, "DISCORD_API_BASE_URL must start with http://"),
        ("http:///api/v10", None, "name a host"),
        ("http://127.0.0.1/api/v10?x=1", None, "must not have a query"),
        (None, "http://127.0.0.1/gateway", "DISCORD_GATEWAY_URL must start with ws:// or wss://"),
        ("https://evil.example/api/v10", None, "DISCORD_API_BASE_URL must name this machine"),
        ("http://10.0.0.1/api/v10", None, "the bot token is sent there"),
        ("http://127.0.0.1.evil.example/api", None, "must name this machine"),
        (None, "wss://gateway.evil.example/", "DISCORD_GATEWAY_URL must name this machine"),
    ],
)
def test_unusable_urls_are_refused_with_the_setting_named(
    api: str | None, gateway: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?")):
        apply_endpoints(api, gateway)

    assert Route.BASE == "https://discord.com/api/v10"
    assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY
