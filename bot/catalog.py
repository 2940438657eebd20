"""Debates as YAML: loading, validation with messages that name the file, field and fix.

The same parser serves the catalog in ``data/debates/`` and an admin's uploaded file.
Format::

    slug: rocky-training-montages        # lowercase letters, digits and dashes
    title: The Rocky training montages, ranked
    question: Which Rocky film has the best training montage? ...
    author: {name: The montage blogger, source: https://...}   # source optional
    items:                               # in the author's order, best first
      - name: Rocky IV
        aliases: [Rocky 4, IV]           # optional
        reason: Two montages for the price of one...   # optional
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from bot.ballot_parser import ItemMatcher
from bot.models import DebateSpec, Item, ItemSpec
from bot.names import is_safe_link, normalize, strip_invisible

log = logging.getLogger(__name__)

MAX_ITEMS = 200
MAX_NAME = 80
MAX_REASON = 1000
MAX_TITLE = 100
MAX_QUESTION = 300
MAX_ALIASES = 20
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 8
# 200 items × (name, reason, 20 aliases), their keys and the top level, with room to spare.
MAX_VALUES = 12_000
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")

_TOP_KEYS = {"slug", "title", "question", "author", "items"}
_AUTHOR_KEYS = {"name", "source"}
_ITEM_KEYS = {"name", "aliases", "reason"}


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}" if self.line else self.source
        return f"{where}, `{self.field}`: {self.message}"


class CatalogError(Exception):
    """A debate file is invalid. ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def slugify(text: str) -> str:
    ascii_text = normalize(text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:50].strip("-") or "debate"


def parse_debate_yaml(text: str | bytes, source: str) -> DebateSpec:
    """Parse and validate one debate. Raises :class:`CatalogError` naming every problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise CatalogError(
                [Problem(source, "file", f"is {len(text) // 1024} KB; the limit is 256 KB.")]
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogError(
                [Problem(source, "file", "is not UTF-8 text. Save it as UTF-8 and try again.")]
            ) from None
    if len(text) > MAX_FILE_BYTES:
        raise CatalogError(
            [Problem(source, "file", f"is {len(text) // 1024} KB; the limit is 256 KB.")]
        )
    try:
        _check_shape(text, source)
        root, data = _compose_and_construct(text)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise CatalogError(
            [
                Problem(
                    source,
                    "file",
                    "uses a YAML tag that builds objects; only plain text, lists and mappings "
                    "are allowed.",
                    line,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise CatalogError(
            [
                Problem(
                    source,
                    "file",
                    f"is not valid YAML: {problem}.",
                    mark.line + 1 if mark else None,
                )
            ]
        ) from None
    return _Validator(source, _line_index(root)).debate(data)


async def read_debate_yaml(text: str | bytes, source: str) -> DebateSpec:
    """:func:`parse_debate_yaml` off the event loop: an upload of 256 KB takes a while."""
    return await asyncio.to_thread(parse_debate_yaml, text, source)


# The libyaml parser where PyYAML has it (every wheel does): the pure-Python one is several
# times slower on the same, already bounded, input.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_shape(text: str, source: str) -> None:
    """Refuse, from the parser's events and before building anything, what no debate needs.

    Anchors and aliases (``&a`` / ``*a``) are how a few hundred bytes expand to gigabytes;
    a debate is at most 4 levels deep (items, an item, its aliases) and has at most a few
    thousand values, so deeper or bigger input stops here, before it can exhaust memory or
    the recursion limit.
    """
    depth = 0
    values = 0
    for event in yaml.parse(text, Loader=_Loader):
        refusal = None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            refusal = "uses YAML anchors or aliases; write each value out in full."
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                refusal = (
                    f"is nested more than {MAX_DEPTH} levels deep; a debate needs 4 at most "
                    "(items, an item, its aliases)."
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            values += 1
            if values > MAX_VALUES:
                refusal = (
                    f"has more than {MAX_VALUES:,} values; a debate has at most {MAX_ITEMS} "
                    f"items with {MAX_ALIASES} aliases each."
                )
        if refusal is not None:
            line = event.start_mark.line + 1 if event.start_mark else None
            raise CatalogError([Problem(source, "file", refusal, line)])


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, object]:
    """The document's node tree (for line numbers) and its data, from one parse."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def builtin_catalog() -> Traversable:
    """The debates shipped with the bot: ``data/debates``, installed as ``bot.catalog_data``."""
    try:
        return resources.files("bot.catalog_data")
    except ModuleNotFoundError:
        # A checkout run without installing it (or installed editable, where setuptools
        # cannot map a package-less folder): the folder the build maps into the package.
        return Path(__file__).resolve().parent.parent / "data" / "debates"


def load_catalogs(folders: Iterable[Traversable]) -> list[DebateSpec]:
    """The debates of every folder; a later folder's debate replaces an earlier one's by slug.

    So an operator's ``CATALOG_DIR`` can add debates and also adapt a shipped one.
    """
    merged: dict[str, DebateSpec] = {}
    for folder in folders:
        for spec in load_catalog(folder):
            if spec.slug in merged:
                log.info("%s replaces the built-in debate %r", folder, spec.slug)
            merged[spec.slug] = spec
    return list(merged.values())


def load_catalog(folder: Traversable) -> list[DebateSpec]:
    """Every ``*.yaml``/``*.yml`` debate in ``folder``, sorted by file name.

    Raises :class:`CatalogError` with the problems of every bad file, and for two files
    that share a slug.
    """
    specs: list[DebateSpec] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    paths = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith((".yaml", ".yml"))),
        key=lambda entry: entry.name,
    )
    for path in paths:
        try:
            spec = parse_debate_yaml(path.read_bytes(), path.name)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if spec.slug in seen:
            problems.append(
                Problem(
                    path.name,
                    "slug",
                    f"{spec.slug!r} is already used by {seen[spec.slug]}; give each debate its "
                    "own slug.",
                )
            )
            continue
        seen[spec.slug] = path.name
        specs.append(spec)
    if problems:
        raise CatalogError(problems)
    log.info("Loaded %d catalog debate(s) from %s", len(specs), folder)
    return specs


def dump_debate_yaml(spec: DebateSpec) -> str:
    """The YAML for a debate, in the format :func:`parse_debate_yaml` reads back unchanged."""
    author: dict[str, str] = {"name": spec.author}
    if spec.source:
        author["source"] = spec.source
    items: list[dict[str, Any]] = []
    for item in spec.items:
        entry: dict[str, Any] = {"name": item.name}
        if item.aliases:
            entry["aliases"] = list(item.aliases)
        if item.reason:
            entry["reason"] = item.reason
        items.append(entry)
    document = {
        "slug": spec.slug,
        "title": spec.title,
        "question": spec.question,
        "author": author,
        "items": items,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def validate_spec(spec: DebateSpec, source: str) -> DebateSpec:
    """Check a spec built elsewhere (an admin's form) against the same rules as files."""
    document = {
        "slug": spec.slug,
        "title": spec.title,
        "question": spec.question,
        "author": {"name": spec.author, **({"source": spec.source} if spec.source else {})},
        "items": [
            {"name": i.name, "aliases": list(i.aliases), "reason": i.reason} for i in spec.items
        ],
    }
    return _Validator(source, {}).debate(document)


def _line_index(node: yaml.Node | None) -> dict[str, int]:
    """Map field paths like ``items[2].name`` to 1-based line numbers, for error messages.

    One visit per node, without recursion: the tree has no aliases (refused before), and a
    node met twice would be skipped all the same.
    """
    lines: dict[str, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(node, "")] if node is not None else []
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        lines.setdefault(path, current.start_mark.line + 1)
        children: list[tuple[yaml.Node, str]] = []
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    child = f"{path}.{key.value}" if path else str(key.value)
                    lines[child] = key.start_mark.line + 1
                    children.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            children = [(value, f"{path}[{index}]") for index, value in enumerate(current.value)]
        stack.extend(reversed(children))
    return lines


class _Validator:
    def __init__(self, source: str, lines: dict[str, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, field, message, self.lines.get(field)))

    def debate(self, data: object) -> DebateSpec:
        if not isinstance(data, dict):
            self.problem("file", "must be a mapping with slug, title, question, author and items.")
            raise CatalogError(self.problems)
        self.unknown_keys(data, _TOP_KEYS, "")
        slug = self.text(data, "slug", "slug", MAX_TITLE)
        if slug and not SLUG_PATTERN.match(slug):
            self.problem(
                "slug",
                f"{slug!r} must be 1–50 lowercase letters, digits and dashes, e.g. "
                f"{slugify(slug)!r}.",
            )
        title = self.text(data, "title", "title", MAX_TITLE)
        question = self.text(data, "question", "question", MAX_QUESTION)
        author, source = self.author(data.get("author"))
        items = self.items(data.get("items"))
        if self.problems:
            raise CatalogError(self.problems)
        return DebateSpec(
            slug=slug or "",
            title=title or "",
            question=question or "",
            author=author or "",
            source=source,
            items=tuple(items),
        )

    def unknown_keys(self, data: dict[Any, Any], allowed: set[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                field = f"{path}.{key}" if path else str(key)
                self.problem(
                    field, f"is not a known field; use one of: {', '.join(sorted(allowed))}."
                )

    def text(
        self, data: dict[Any, Any], key: str, field: str, limit: int, *, required: bool = True
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(field, "is missing; add it.")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(field, "must be text.")
            return None
        value = strip_invisible(str(value))
        text = " ".join(value.split()) if key != "reason" else value.strip()
        if required and not text:
            self.problem(field, "is empty; write something.")
        if len(text) > limit:
            self.problem(field, f"is {len(text)} characters; the limit is {limit}.")
        return text

    def author(self, value: object) -> tuple[str | None, str | None]:
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            self.problem(
                "author", "must be a name, or a mapping with `name` and optional `source`."
            )
            return None, None
        self.unknown_keys(value, _AUTHOR_KEYS, "author")
        name = self.text(value, "name", "author.name", MAX_NAME)
        source = self.text(value, "source", "author.source", 300, required=False)
        if source and not is_safe_link(source):
            self.problem(
                "author.source",
                "must be a web address starting with http:// or https://, with no spaces "
                "or <, >, \\, quotes or backticks in it.",
            )
        return name, source or None

    def items(self, value: object) -> list[ItemSpec]:
        if not isinstance(value, list) or not value:
            self.problem("items", "must be a non-empty list of items in the author's order.")
            return []
        if len(value) < 2:
            self.problem("items", "needs at least 2 items to rank.")
        if len(value) > MAX_ITEMS:
            self.problem("items", f"has {len(value)} items; the limit is {MAX_ITEMS}.")
        items: list[ItemSpec] = []
        fields: list[str] = []
        owner: dict[str, str] = {}  # normalised name or alias -> the item's name
        for index, raw in enumerate(value):
            field = f"items[{index}]"
            if isinstance(raw, str):
                raw = {"name": raw}
            if not isinstance(raw, dict):
                self.problem(
                    field, "must be a mapping with `name`, optional `aliases` and `reason`."
                )
                continue
            self.unknown_keys(raw, _ITEM_KEYS, field)
            name = self.text(raw, "name", f"{field}.name", MAX_NAME)
            reason = self.text(raw, "reason", f"{field}.reason", MAX_REASON, required=False) or ""
            aliases = self.aliases(raw.get("aliases"), f"{field}.aliases")
            if not name:
                continue
            key = normalize(name)
            if key in owner:
                self.problem(
                    f"{field}.name",
                    f"{name!r} appears twice (also {owner[key]!r}); each item must be listed once.",
                )
                continue
            owner[key] = name
            fields.append(field)
            items.append(ItemSpec(name=name, aliases=tuple(aliases), reason=reason))
        # Aliases are checked once every name is known, so an alias naming a later item is caught.
        for field, item in zip(fields, items, strict=True):
            for alias in item.aliases:
                other = owner.setdefault(normalize(alias), item.name)
                if other != item.name:
                    self.problem(
                        f"{field}.aliases",
                        f"alias {alias!r} already names {other!r}; an alias must name one item "
                        "only. Remove it from one of them.",
                    )
        if not self.problems:
            self.typed_conflicts(items)
        return items

    def typed_conflicts(self, items: list[ItemSpec]) -> None:
        """Names that differ on paper but read the same when typed ("Rocky 4" vs "Rocky IV")."""
        matcher = ItemMatcher(
            [Item(id=i, name=s.name, aliases=s.aliases) for i, s in enumerate(items)]
        )
        for text, clashing in matcher.conflicts():
            names = " and ".join(repr(item.name) for item in clashing)
            self.problem(
                "items",
                f"{text!r} would mean both {names} when members type it (numbers and "
                "numerals read the same). Make the names or aliases distinct.",
            )

    def aliases(self, value: object, field: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(a, str | int) and not isinstance(a, bool) for a in value
        ):
            self.problem(field, "must be a list of names, e.g. [Rocky 4, IV].")
            return []
        if len(value) > MAX_ALIASES:
            self.problem(field, f"has {len(value)} aliases; the limit is {MAX_ALIASES}.")
        aliases: list[str] = []
        for alias in value:
            text = " ".join(strip_invisible(str(alias)).split())
            if not text or len(text) > MAX_NAME:
                self.problem(field, f"alias {text!r} must be 1–{MAX_NAME} characters.")
            elif normalize(text) not in {normalize(a) for a in aliases}:
                aliases.append(text)
        return aliases
