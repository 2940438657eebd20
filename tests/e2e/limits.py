"""Discord's limits on what a bot sends, checked like Discord does: a 50035 "Invalid Form Body"
with an ``errors`` tree naming each field, so the bot's error handling sees the real thing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tests.e2e.world import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_MESSAGE,
    CB_DEFERRED_UPDATE,
    CB_MESSAGE,
    CB_MODAL,
    CB_UPDATE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SELECT_TYPES,
    Json,
    walk_components,
)

if TYPE_CHECKING:
    from tests.e2e.interactions import Callback, InteractionHandle


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
    handle: InteractionHandle, callback: Callback, files: Sequence[object]
) -> Json:
    data = callback.data or {}
    kind = callback.type
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
    }.get(handle.type, set())
    if kind not in allowed:
        reason = f"Callback type {kind} is not valid for interaction type {handle.type}"
        _error(errors, ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", reason)
        return errors
    if kind in (CB_UPDATE, CB_DEFERRED_UPDATE) and handle.source_message is None:
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
