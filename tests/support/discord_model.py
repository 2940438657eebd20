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
from typing import Any, NamedTuple

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
SECTION, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = 9, 11, 12, 13, 14, 17
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable, channel
# Components V2 (a message with FLAG_COMPONENTS_V2): what may stand at the top, what a
# container may hold, and the limits on the whole message.
V2_TOP = frozenset({ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER})
V2_IN_CONTAINER = V2_TOP - {CONTAINER}
V2_ONLY = V2_TOP - {ACTION_ROW}
V2_MAX_COMPONENTS = 40
V2_MAX_TEXT = 4000


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


def _display_lines(message: Json) -> list[str]:
    components = message.get("components") or []
    texts = [c.get("content", "") for c in walk_components(components) if c["type"] == 10]
    return "\n".join(texts).splitlines()


def message_title(message: Json) -> str:
    """The title a member reads: the first embed's, or a card's first heading."""
    for embed in message.get("embeds") or []:
        return str(embed.get("title") or "")
    return next((line[3:] for line in _display_lines(message) if line.startswith("## ")), "")


def message_headings(message: Json) -> list[str]:
    """The headings of a message's parts: embed field names, or a card's bold lines right
    above their text (as bot/render/text.embed_markdown writes a field)."""
    names = [f.get("name", "") for e in message.get("embeds") or [] for f in e.get("fields") or []]
    bold = re.compile(r"\*\*(?!.*\*\*.)(.+)\*\*")
    lines = _display_lines(message)
    for line, below in zip(lines, [*lines[1:], ""], strict=True):
        if below.strip() and (match := bold.fullmatch(line)):
            names.append(match[1])
    return names


def resolve_media(components: list[Json], attachments: Sequence[Json]) -> None:
    """Point ``attachment://name`` media at the attachment's URL, as Discord stores them."""
    urls = {a.get("filename"): a.get("url") for a in attachments}
    for component in walk_components(components):
        media = [item.get("media") or {} for item in component.get("items") or []]
        media += [
            component[key] for key in ("media", "file") if isinstance(component.get(key), dict)
        ]
        for medium in media:
            url = str(medium.get("url") or "")
            name = url.removeprefix("attachment://")
            if url.startswith("attachment://") and urls.get(name):
                medium["url"] = urls[name]


class Card(NamedTuple):
    """One part of a message as a member reads it: an embed, or a Components V2 container."""

    title: str
    text: str
    pictures: list[str]  # the URLs of its images


def message_cards(message: Json) -> list[Card]:
    """A message's parts: its embeds, or its containers (a card's text, then its pictures)."""
    cards = [
        Card(
            str(embed.get("title") or ""),
            message_text({"embeds": [embed]}),
            [url] if (url := (embed.get("image") or {}).get("url")) else [],
        )
        for embed in message.get("embeds") or []
    ]
    for container in message.get("components") or []:
        if container.get("type") != CONTAINER:
            continue
        text = message_text({"components": [container]})
        heading = next((line[3:] for line in text.splitlines() if line.startswith("## ")), "")
        pictures = [
            str((item.get("media") or {}).get("url") or "")
            for component in walk_components([container])
            for item in component.get("items") or []
        ]
        cards.append(Card(heading, text, pictures))
    return cards


def message_pictures(message: Json) -> list[bytes]:
    """The pictures a member sees in a message, in order: embed images and gallery items."""
    by_url = {a.get("url"): a for a in message.get("attachments") or []}
    by_name = {a.get("filename"): a for a in message.get("attachments") or []}
    urls = [((e.get("image") or {}).get("url") or "") for e in message.get("embeds") or []]
    for component in walk_components(message.get("components") or []):
        urls += [(item.get("media") or {}).get("url", "") for item in component.get("items") or []]
    found = []
    for url in filter(None, urls):
        attachment = by_url.get(url) or by_name.get(url.removeprefix("attachment://"))
        assert attachment is not None, f"the picture {url!r} is no attachment of the message"
        found.append(attachment["data"])
    return found


# ---------------------------------------------------------------------------------------------
# Discord's limits


def assert_fits(message: Json, *, partial: bool = False) -> None:
    """Fail unless Discord would accept ``message`` (a body, or a message as it was stored)."""
    errors = validate_message(
        message, partial=partial, files=_names(message.get("attachments") or ())
    )
    assert not errors, f"Discord would refuse this message: {errors}"


def _names(files: Sequence[Any]) -> list[str]:
    """File names of uploads or attachments, however a double holds them."""
    names = []
    for file in files:
        if isinstance(file, str):
            names.append(file)
        elif isinstance(file, tuple):
            names.append(file[0])
        elif isinstance(file, dict):
            names.append(file.get("filename") or "")
        else:
            names.append(getattr(file, "filename", "") or "")
    return names


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


def validate_message(
    body: Json,
    *,
    partial: bool = False,
    files: Sequence[object] = (),
    message: Json | None = None,
) -> Json:
    """Discord's limits for a message body; an ``errors`` tree like Discord's 50035 answer.

    ``files``: the files uploaded with it; ``message``: for an edit, the message as it is
    (its flags and attachments: a Components V2 message stays one).
    """
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
    mentions = body.get("allowed_mentions") or {}
    for kind in ("users", "roles"):
        named = mentions.get(kind) or []
        if len(named) > 100:
            _error(
                errors, ["allowed_mentions", kind], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer."
            )
        if named and kind in (mentions.get("parse") or []):
            _error(errors, ["allowed_mentions"], "MENTIONS_PARSE_CONFLICT",
                   f"parse:[{kind}] and {kind} are mutually exclusive.")  # fmt: skip
    components = body.get("components") or []
    was_v2 = bool(message and (message.get("flags") or 0) & FLAG_COMPONENTS_V2)
    v2 = was_v2 or bool((body.get("flags") or 0) & FLAG_COMPONENTS_V2)
    if was_v2 and "flags" in body and not (body.get("flags") or 0) & FLAG_COMPONENTS_V2:
        _error(errors, ["flags"], "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", "Cannot remove it.")
    if not v2 and len(components) > 5:
        _error(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, component in enumerate(components):
        _validate_component(errors, ["components", i], component)
    existing = (message or {}).get("attachments") or []
    after = kept_attachments(body, existing)
    known = {str(a.get("id")) for a in existing}
    new_entries = [a for a in body.get("attachments") or [] if str(a.get("id")) not in known]
    uploaded = _names(files) + _names(new_entries)
    removed = [a.get("url") for a in existing if a not in after]
    if v2:
        _validate_layout(errors, body, components, uploaded, _names(after), removed)
    else:
        for i, component in enumerate(components):
            if component.get("type") != ACTION_ROW or any(
                c.get("type") in V2_ONLY for c in walk_components([component])
            ):
                code = "COMPONENT_LAYOUT_REQUIRES_COMPONENTS_V2"
                _error(errors, ["components", i], code, "Needs the IS_COMPONENTS_V2 flag.")
    custom_ids = [c["custom_id"] for c in walk_components(components) if "custom_id" in c]
    if len(custom_ids) != len(set(custom_ids)):
        _error(errors, ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicate custom_id.")
    empty = not (body.get("content") or embeds or components or files or body.get("attachments"))
    if not partial and empty and not body.get("poll"):
        _error(errors, ["content"], "BASE_TYPE_REQUIRED", "Cannot send an empty message")
    return errors


def kept_attachments(body: Json, existing: Sequence[Json]) -> list[Json]:
    """The attachments a message keeps through an edit with ``body``: all of them when the
    body leaves ``attachments`` out, else those it names by id (``[]`` removes them all)."""
    if "attachments" not in body:
        return list(existing)
    named = {str(entry.get("id")) for entry in body.get("attachments") or []}
    return [a for a in existing if str(a.get("id")) in named]


def _validate_layout(
    errors: Json,
    body: Json,
    components: list[Json],
    uploaded: list[str],
    kept: list[str],
    removed: Sequence[object] = (),
) -> None:
    """Components V2: no content or embeds, the nesting rules, the limits on the whole message,
    and every picture or file one the message has. Discord would not refuse an upload no
    component shows, but with V2 members never see it, so the doubles refuse it too.

    ``attachment://name`` is an upload of this request or an attachment the message keeps
    (``kept``); a picture by the URL of an attachment this edit removes (``removed``) would
    show a dead link, so the doubles refuse that too."""
    for key in ("content", "embeds", "poll", "sticker_ids"):
        if body.get(key):
            code = "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"
            _error(errors, [key], code, "The 'content', 'embeds' and others cannot be used.")
    everything = list(walk_components(components))
    if len(everything) > V2_MAX_COMPONENTS:
        _error(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "At most 40 components in all.")
    text = sum(len(c.get("content") or "") for c in everything if c.get("type") == TEXT_DISPLAY)
    if text > V2_MAX_TEXT:
        _error(errors, ["components"], "MAX_COMPONENT_TEXT_EXCEEDED", "At most 4000 characters.")
    shown: list[str] = []
    for i, component in enumerate(components):
        path: list[str | int] = ["components", i]
        if component.get("type") not in V2_TOP:
            _error(errors, path, "UNION_TYPE_CHOICES", "Not a top-level component.")
        if component.get("type") == CONTAINER:
            for j, child in enumerate(component.get("components") or []):
                if child.get("type") not in V2_IN_CONTAINER:
                    _error(errors, [*path, "components", j], "UNION_TYPE_CHOICES", "Not here.")
            colour = component.get("accent_color")
            if colour is not None and not 0 <= colour <= 0xFFFFFF:
                _error(errors, [*path, "accent_color"], "NUMBER_TYPE_MAX", "Not a colour.")
    for component in everything:
        kind = component.get("type")
        if kind == ACTION_ROW and any(
            c.get("type") not in ({BUTTON} | SELECT_TYPES) for c in component.get("components", [])
        ):
            _error(errors, ["components"], "UNION_TYPE_CHOICES", "A row holds buttons or a select.")
        if kind == TEXT_DISPLAY and not component.get("content"):
            _error(errors, ["components"], "BASE_TYPE_REQUIRED", "A text display needs content.")
        if kind == SECTION:
            texts = component.get("components") or []
            if not 1 <= len(texts) <= 3 or any(c.get("type") != TEXT_DISPLAY for c in texts):
                _error(errors, ["components"], "BASE_TYPE_BAD_LENGTH", "1 to 3 text displays.")
            if (component.get("accessory") or {}).get("type") not in (BUTTON, THUMBNAIL):
                _error(errors, ["components"], "BASE_TYPE_REQUIRED", "A section's accessory.")
        if kind == SEPARATOR and component.get("spacing", 1) not in (1, 2):
            _error(errors, ["components"], "BASE_TYPE_CHOICES", "Spacing is 1 or 2.")
        media: list[Json] = []
        if kind == MEDIA_GALLERY:
            items = component.get("items") or []
            if not 1 <= len(items) <= 10:
                _error(errors, ["components"], "BASE_TYPE_BAD_LENGTH", "1 to 10 gallery items.")
            media = [item.get("media") or {} for item in items]
        elif kind == FILE:  # Discord names a file component's medium "file"
            media = [component.get("file") or {}]
        elif kind == THUMBNAIL:
            media = [component.get("media") or {}]
        for medium in media:
            url = str(medium.get("url") or "")
            name = url.removeprefix("attachment://")
            if url.startswith("attachment://"):
                shown.append(name)
                if name not in uploaded and name not in kept:
                    code = "UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND"
                    _error(errors, ["components"], code, f"No attachment {name!r}.")
            elif url in removed:
                code = "UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND"
                _error(errors, ["components"], code, f"{url!r}: an attachment this edit removes.")
            elif not url.startswith(("https://", "http://")) or (
                kind == FILE and url.rsplit("/", 1)[-1] not in kept + uploaded
            ):
                # A file component shows only an attachment of the message.
                _error(errors, ["components"], "UNFURLED_MEDIA_ITEM_INVALID_URL", f"{url!r}")
            else:  # a stored message's media: its attachment's URL ends with the file name
                shown.append(url.rsplit("/", 1)[-1])
    for name in dict.fromkeys(uploaded):
        if name and name not in shown:
            _error(errors, ["attachments"], "ATTACHMENT_NOT_SHOWN", f"{name!r}: no component.")


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
    message: Json | None = None,
) -> Json:
    """Discord's checks on an interaction's answer; ``on_message``: the interaction came from a
    component on a message (so there is a message to update: ``message``, as it is now)."""
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
        errors |= validate_message(data, partial=True, files=files, message=message)
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


# ---------------------------------------------------------------------------------------------
# What a member's Discord client sends


def find_command(commands: list[Json], name: str, where: object) -> tuple[Json, list[Json]]:
    """The synced command and the chain [command, group?, subcommand?] for ``name``."""
    parts = name.split()
    candidates = [c for c in commands if c.get("type", 1) == 1]
    definition = next((c for c in candidates if c["name"] == parts[0]), None)
    if definition is None:
        names = sorted(c["name"] for c in candidates)
        raise NotAllowed(
            f"/{parts[0]} is not registered where {where!r} can see it; registered: {names}"
        )
    path = [definition]
    for part in parts[1:]:
        sub = next(
            (
                o
                for o in path[-1].get("options", [])
                if o["name"] == part and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
            ),
            None,
        )
        if sub is None:
            raise NotAllowed(f"/{name}: no subcommand {part!r}")
        path.append(sub)
    if any(
        o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in path[-1].get("options", [])
    ):
        raise NotAllowed(f"/{name} is a group; name one of its subcommands")
    return definition, path


def command_data(definition: Json, path: list[Json], leaf_options: list[Json]) -> Json:
    """The interaction's ``data``: the command, its subcommands nested as options."""
    options = leaf_options
    for sub in reversed(path[1:]):
        options = [{"name": sub["name"], "type": sub["type"], "options": options}]
    data: Json = {
        "id": definition["id"],
        "name": definition["name"],
        "type": definition.get("type", 1),
        "options": options,
    }
    if definition.get("guild_id"):
        data["guild_id"] = definition["guild_id"]
    return data


def option_named(leaf: Json, name: str) -> Json:
    for option in leaf.get("options", []):
        if option["name"] == name:
            return option
    raise NotAllowed(f"/{leaf['name']} has no option {name!r}")


def string_select_value(component: Json, value: Any) -> str:
    """The option value a member picks by ``value``: an option's value or label, or the start
    of exactly one label ("Rocky IV" for "Rocky IV — two montages")."""
    options = component.get("options", [])
    for option in options:
        if value in (option["value"], option["label"]):
            return option["value"]
    starts = [o for o in options if re.match(rf"{re.escape(str(value))}(?!\w)", o["label"])]
    if len(starts) == 1:
        return starts[0]["value"]
    raise NotAllowed(
        f"{value!r} is not an option of select {component['custom_id']!r}: "
        f"{[o['label'] for o in options]}"
    )


def submitted(component: Json, values: dict[str, Any]) -> Json:
    """What Discord sends back for one modal component, taking its value out of ``values``."""
    kind = component["type"]
    if kind == 1:
        children = [submitted(child, values) for child in component.get("components", [])]
        return {"type": 1, "id": component.get("id"), "components": children}
    if kind == 18:  # label around one input
        child = dict(component["component"])
        child.setdefault("label", component.get("label"))
        return {"type": 18, "id": component.get("id"), "component": submitted(child, values)}
    if "custom_id" not in component:
        return {"type": kind, "id": component.get("id")}
    custom_id, label = component["custom_id"], component.get("label")
    key = custom_id if custom_id in values else label if label in values else None
    value = values.pop(key) if key is not None else None
    result: Json = {"type": kind, "id": component.get("id"), "custom_id": custom_id}
    if kind == 4:  # text input
        text = (component.get("value") or "") if value is None else str(value)
        if component.get("required", True) and not text:
            raise NotAllowed(f"modal field {label or custom_id!r} is required")
        if len(text) > component.get("max_length", 4000):
            raise NotAllowed(f"modal field {label or custom_id!r} is too long")
        if text and len(text) < component.get("min_length", 0):
            raise NotAllowed(f"modal field {label or custom_id!r} is too short")
        result["value"] = text
    elif kind == 19:
        raise NotAllowed("file uploads in modals are not emulated; use an attachment option")
    elif kind in SELECT_TYPES or kind == 22:  # selects, checkbox group
        picked = list(value or [])
        if kind == 3:
            picked = [string_select_value(component, v) for v in picked]
        result["values"] = picked
    else:
        result["value"] = value
    return result


# ---------------------------------------------------------------------------------------------
# Payloads, as Discord's API v10 sends them and discord.py 2.7 parses them


def user_payload(
    user_id: int, username: str, global_name: str | None, *, bot: bool = False
) -> Json:
    return {
        "id": str(user_id),
        "username": username,
        "global_name": global_name,
        "discriminator": "0001" if bot else "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def member_payload(
    user: Json,
    roles: Iterable[int],
    *,
    joined_at: str,
    nick: str | None = None,
    permissions: int | None = None,
) -> Json:
    """A guild member; ``permissions`` (theirs in the channel) only inside an interaction."""
    data: Json = {
        "user": user,
        "roles": [str(role) for role in roles],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def interaction_payload(
    *,
    interaction_id: int,
    application_id: int,
    kind: int,
    token: str,
    data: Json | None,
    channel: Json,
    user: Json,
    member: Json | None,
    guild_id: int | None,
    app_permissions: int,
    attachment_size_limit: int,
    message: Json | None = None,
) -> Json:
    """An INTERACTION_CREATE payload: in a guild (``member`` with its permissions, ``channel``
    with the member's permissions there), or in a DM (``user``)."""
    in_guild = guild_id is not None and member is not None
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": (
            {"0": str(guild_id)} if in_guild else {"1": str(user["id"])}
        ),
        "attachment_size_limit": attachment_size_limit,
        "channel_id": channel["id"],
        "channel": channel,
        "context": 0 if in_guild else 1,
        "app_permissions": str(app_permissions),
    }
    if data is not None:
        payload["data"] = data
    if in_guild:
        payload |= {
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": member,
        }
    else:
        payload["user"] = user
    if message is not None:
        payload["message"] = message
    return payload
