"""Point discord.py at another Discord: a local emulator in tests.

Both URLs receive the bot token (REST in every request's header, the gateway when it
identifies), so only a loopback address is accepted: a mistyped or planted setting can't
send the token to another machine.

discord.py has no constructor option for its endpoints, but it reads both from one place each:

- every REST call, the webhook calls behind interaction responses and followups included, is
  built by ``discord.http.Route`` from the class attribute ``Route.BASE``;
- a plain ``Client``/``commands.Bot`` opens its first gateway connection, and reconnects after an
  invalidated session, at ``DiscordWebSocket.DEFAULT_GATEWAY``. (An ``AutoShardedClient`` asks
  ``GET /gateway/bot``, which goes through ``Route.BASE``.) Resuming uses the
  ``resume_gateway_url`` that the gateway itself sent in READY, so it follows on its own.

This module is the only place that knows about those attributes; nothing else in the bot does.
"""

from __future__ import annotations

import ipaddress
import logging

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

log = logging.getLogger(__name__)

_HTTP_SCHEMES = frozenset({"http", "https"})
_WS_SCHEMES = frozenset({"ws", "wss"})


def apply_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Use ``api_base_url`` for REST and ``gateway_url`` for the gateway; None keeps Discord's.

    ``api_base_url`` includes the API version, e.g. ``http://127.0.0.1:8080/api/v10``.
    Raises ``ValueError`` with a one-line explanation for a URL that cannot work.
    """
    if api_base_url is not None:
        Route.BASE = _validated_url(api_base_url, _HTTP_SCHEMES, "DISCORD_API_BASE_URL")
        log.info("Using the Discord REST API at %s", Route.BASE)
    if gateway_url is not None:
        gateway = yarl.URL(_validated_url(gateway_url, _WS_SCHEMES, "DISCORD_GATEWAY_URL"))
        DiscordWebSocket.DEFAULT_GATEWAY = gateway
        log.info("Using the Discord gateway at %s", gateway)


def _validated_url(value: str, schemes: frozenset[str], setting: str) -> str:
    """``value`` without a trailing slash, or ValueError naming the setting and what to fix."""
    url = value.strip().rstrip("/")
    try:
        parsed = yarl.URL(url)
    except ValueError as exc:
        raise ValueError(f"{setting} is not a URL: {value!r}") from exc
    expected = " or ".join(f"{scheme}://" for scheme in sorted(schemes))
    if parsed.scheme not in schemes or not parsed.host:
        raise ValueError(f"{setting} must start with {expected} and name a host, not {value!r}")
    if parsed.query_string or parsed.fragment:
        raise ValueError(f"{setting} must not have a query or fragment: {value!r}")
    if not _is_loopback(parsed.host):
        raise ValueError(
            f"{setting} must name this machine (127.0.0.1, ::1 or localhost), not "
            f"{parsed.host!r}: the bot token is sent there. It is for a local test emulator."
        )
    return url


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
