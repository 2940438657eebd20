"""Discord as both test doubles see it: the in-process fake (``tests/support/discord_fake.py``)
and the end-to-end emulator (``tests/e2e/``) build on this one model.

It holds the protocol's numbers, how components nest, the text a member reads in a message,
and the limits Discord refuses a body for: a 50035 "Invalid Form Body" with an ``errors`` tree
naming each field. Both doubles check every message and every interaction answer the bot sends
against these limits, so every test checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

Json = dict[str, Any]

# Interaction and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CB_PONG, CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE = 1, 4, 5, 6, 7
CB_AUTOCOMPLETE, CB_MODAL, CB_LAUNCH_ACTIVITY = 8, 9, 12

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
CHANNEL_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | FLAG_EPHEMERAL

# Option types.
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP, OPT_STRING, OPT_INTEGER, OPT_BOOLEAN = 1, 2, 3, 4, 5
OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = 6, 7, 8, 9, 10, 11

# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 2, 3, 4, 10, 18
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable, channel


class NotAllowed(AssertionError):
    """Discord, or a member's Discord client, would not let this happen."""


# ---------------------------------------------------------------------------------------------
# Reading messages


def walk_components(components: Iterable[Json]) -> Iterator[Json]:
    """Every component, depth first, nested ones included (rows, sections, containers, labels)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


def message_text(message: Json) -> str:
    """Everything a member reads in a message: content, embeds and text displays, one string."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [
            (embed.get("author") or {}).get("name", ""),
            embed.get("title", ""),
            embed.get("description", ""),
        ]
        for embed_field in embed.get("fields") or []:
            parts += [embed_field.get("name", ""), embed_field.get("value", "")]
        parts.append((embed.get("footer") or {}).get("text", ""))
    components = message.get("components") or []
    parts += [c.get("content", "") for c in walk_components(components) if c["type"] == 10]
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# Discord's limits


def assert_fits(message: Json, *, partial: bool = False) -> None:
    """Fail unless Discord would accept ``message`` (a body, or a message as it was stored)."""
    errors = validate_message(message, partial=partial, files=message.get("attachments") or ())
    assert not errors, f"Discord would refuse this message: {errors}"


def assert_embeds_fit(embeds: Sequence[Any]) -> None:
    """Fail unless Discord would accept these ``discord.Embed`` objects as one message."""
    assert_fits({"embeds": [embed.to_dict() for embed in embeds]})


def _error(errors: Json, path: Sequence[str | int], code: str, message: str) -> None:
    node = errors
    for part in path:
        node = node.setdefault(str(part), {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _too_long(errors: Json, path: Sequence[str | int], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        _error(errors, path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def validate_message(body: Json, *, partial: bool = False, files: Sequence[object] = ()) -> Json:
    """Discord's limits for a message body; an ``errors`` tree like Discord's 50035 answer."""
    errors: Json = {}
    _too_long(errors, ["content"], body.get("content"), 2000)
    _too_long(errors, ["nonce"], body.get("nonce"), 25)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        _error(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            _too_long(errors, ["embeds", i, key], embed.get(key), limit)
            total += len(embed.get(key) or "")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            _error(errors, ["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for j, embed_field in enumerate(fields):
            name, value = embed_field.get("name") or "", embed_field.get("value") or ""
            if not name or not value:
                _error(errors, ["embeds", i, "fields", j], "BASE_TYPE_REQUIRED", "Required.")
            _too_long(errors, ["embeds", i, "fields", j, "name"], name, 256)
            _too_long(errors, ["embeds", i, "fields", j, "value"], value, 1024)
            total += len(name) + len(value)
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        _too_long(errors, ["embeds", i, "footer", "text"], footer, 2048)
        _too_long(errors, ["embeds", i, "author", "name"], author, 256)
        total += len(footer) + len(author)
    if total > 6000:
        _error(
            errors, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    components = body.get("components") or []
    v2 = bool((body.get("flags") or 0) & 32768)
    if not v2 and len(components) > 5:
        _error(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, component in enumerate(components):
        _validate_component(errors, ["components", i], component)
    custom_ids = [c["custom_id"] for c in walk_components(components) if "custom_id" in c]
    if len(custom_ids) != len(set(custom_ids)):
        _error(errors, ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicate custom_id.")
    empty = not (body.get("content") or embeds or components or files or body.get("attachments"))
    if not partial and empty and not body.get("poll"):
        _error(errors, ["content"], "BASE_TYPE_REQUIRED", "Cannot send an empty message")
    return errors


def _validate_component(errors: Json, path: list[str | int], component: Json) -> None:
    kind = component.get("type")
    children = component.get("components") or []
    if kind == 1:
        if not children or len(children) > 5:
            _error(errors, path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
            _error(errors, path, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "A select fills its row.")
    _too_long(errors, [*path, "custom_id"], component.get("custom_id"), 100)
    _too_long(errors, [*path, "label"], component.get("label"), 80)
    _too_long(errors, [*path, "placeholder"], component.get("placeholder"), 150)
    if kind == 2 and component.get("style") not in (5, 6) and "custom_id" not in component:
        _error(errors, path, "BASE_TYPE_REQUIRED", "A button needs a custom_id.")
    if kind == 3:
        options = component.get("options") or []
        if not 1 <= len(options) <= 25:
            _error(errors, [*path, "options"], "BASE_TYPE_BAD_LENGTH", "Must be 1 to 25 options.")
        for j, option in enumerate(options):
            for key in ("label", "value", "description"):
                _too_long(errors, [*path, "options", j, key], option.get(key), 100)
        values = [o.get("value") for o in options]
        if len(values) != len(set(values)):
            code = "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"
            _error(errors, [*path, "options"], code, "Option values must be unique.")
        if component.get("max_values", 1) > max(len(options), 1):
            _error(errors, [*path, "max_values"], "BASE_TYPE_MAX", "More than the options.")
    for j, child in enumerate(children):
        _validate_component(errors, [*path, "components", j], child)
    if isinstance(component.get("component"), dict):
        _validate_component(errors, [*path, "component"], component["component"])


def validate_callback(
    interaction_type: int,
    callback_type: int,
    data: Json | None,
    files: Sequence[object] = (),
    *,
    on_message: bool,
) -> Json:
    """Discord's checks on an interaction's answer; ``on_message``: the interaction came from a
    component on a message (so there is a message to update)."""
    data = data or {}
    kind = callback_type
    errors: Json = {}
    allowed = {
        APPLICATION_COMMAND: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_MODAL},
        MESSAGE_COMPONENT: {
            CB_MESSAGE,
            CB_DEFERRED_MESSAGE,
            CB_DEFERRED_UPDATE,
            CB_UPDATE,
            CB_MODAL,
        },
        AUTOCOMPLETE: {CB_AUTOCOMPLETE},
        MODAL_SUBMIT: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE},
    }.get(interaction_type, set())
    if kind not in allowed:
        reason = f"Callback type {kind} is not valid for interaction type {interaction_type}"
        _error(errors, ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", reason)
        return errors
    if kind in (CB_UPDATE, CB_DEFERRED_UPDATE) and not on_message:
        _error(errors, ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update.")
    if kind == CB_MESSAGE:
        errors |= validate_message(data, files=files)
    elif kind == CB_UPDATE:
        errors |= validate_message(data, partial=True)
    elif kind == CB_AUTOCOMPLETE:
        choices = data.get("choices") or []
        if len(choices) > 25:
            _error(errors, ["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for i, choice in enumerate(choices):
            _too_long(errors, ["data", "choices", i, "name"], choice.get("name"), 100)
            _too_long(errors, ["data", "choices", i, "value"], choice.get("value"), 100)
    elif kind == CB_MODAL:
        _too_long(errors, ["data", "title"], data.get("title"), 45)
        components = data.get("components") or []
        if not 1 <= len(components) <= 5:
            _error(errors, ["data", "components"], "BASE_TYPE_BAD_LENGTH", "1 to 5 components.")
        for component in walk_components(components):
            if component.get("type") == 4:
                _too_long(errors, ["data", "components", "label"], component.get("label"), 45)
                _too_long(errors, ["data", "components", "value"], component.get("value"), 4000)
            if component.get("type") == 18:
                _too_long(errors, ["data", "components", "label"], component.get("label"), 45)
                description = component.get("description")
                _too_long(errors, ["data", "components", "description"], description, 100)
    return errors


def validate_commands(commands: Sequence[Json]) -> Json:
    errors: Json = {}
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        key = (command.get("name", ""), command.get("type", 1))
        if key in seen:
            _error(errors, [i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name.")
        seen.add(key)
        if key[1] == 1 and not re.fullmatch(r"[-_\w]{1,32}", key[0]):
            _error(errors, [i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Invalid name.")
        if key[1] == 1:
            _too_long(errors, [i, "description"], command.get("description"), 100)
        if len(command.get("options") or []) > 25:
            _error(errors, [i, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
    return errors
