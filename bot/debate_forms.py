"""The create and edit forms' text: "one item per line, optionally `` – reason``".

Turned into a validated :class:`DebateSpec` with problems named by line, and back into
text for the edit form. No Discord here: the forms themselves are in ``cogs/debates``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import CatalogError, Problem, slugify, validate_spec
from bot.errors import UserError
from bot.models import Debate, DebateSpec, Item, ItemSpec
from bot.render.text import clip, safe

# Discord's limit for one text input in a modal.
FORM_TEXT_LIMIT = 4000

# -- the item list of the forms ------------------------------------------------------------

# Leading list markers people paste along with their items: "- ", "* ", "• ", "3. ", "3) ".
_BULLET = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")
# A dash between spaces starts the reason: an en or em dash, or " - " when neither is in the
# line, because that is what most keyboards type. Titles hold such dashes too ("Star Wars:
# Episode V – The Empire Strikes Back"), and reasons rarely need one, so the *last* dash
# starts the reason; a name ending in a dash-free title keeps all of its own dashes.
_DASH = re.compile(r"\s[–—](?:\s|$)")
_HYPHEN = re.compile(r"\s-\s")
ARROW = re.compile(r"\s*(?:->|→)\s*")
# Other names members may type, at the end of the name: "Finding Nemo (aka Nemo, FN)".
_AKA = re.compile(r"\s*\((?:aka|a\.k\.a\.)\s+([^()]*)\)\s*$", re.IGNORECASE)

ITEMS_HELP = "One per line, best first: Name (aka other names) – reason. Both extras optional."
EDIT_ITEMS_HELP = "Rename: 'old -> new'. Delete a line to remove the item; new lines add items."


class FormError(UserError):
    """A form that can't be saved; ``problems`` are shown one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(format_problems(self.problems))


def format_problems(problems: Sequence[str], *, budget: int = 1700) -> str:
    """Problems one per line, as many as fit in a message with room for a heading."""
    shown: list[str] = []
    used = 0
    for problem in problems:
        line = f"• {problem}"
        if shown and used + len(line) > budget:
            break
        shown.append(line[:budget])
        used += len(line) + 1
    if len(shown) < len(problems):
        shown.append(f"…and {len(problems) - len(shown)} more.")
    return "\n".join(shown)


@dataclass(frozen=True, slots=True)
class ItemLine:
    """One line of a form's item list. ``line`` is 1-based, as the admin counts."""

    line: int
    name: str
    reason: str = ""
    renamed_from: str | None = None
    aliases: tuple[str, ...] = ()
    dashes: int = 0  # dashes that could start the reason; above 1 the admin is told the reading


def parse_item_lines(text: str, *, allow_renames: bool) -> list[ItemLine]:
    """The items of a form, in order; blank lines are skipped. Raises :class:`FormError`."""
    found: list[ItemLine] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _BULLET.sub("", raw.strip(), count=1)
        if not line:
            continue
        cuts = list(_DASH.finditer(line)) or list(_HYPHEN.finditer(line))
        cut = cuts[-1] if cuts else None
        name, reason = (line[: cut.start()], line[cut.end() :]) if cut else (line, "")
        aliases: tuple[str, ...] = ()
        if aka := _AKA.search(name):
            name = name[: aka.start()]
            aliases = tuple(a for a in (" ".join(p.split()) for p in aka[1].split(",")) if a)
        renamed_from = None
        arrow = ARROW.search(name)
        if arrow:
            if not allow_renames:
                problems.append(
                    f"Line {number}: '->' renames an item, which only `/debate edit` does. "
                    "Write just the name here."
                )
                continue
            renamed_from, name = name[: arrow.start()], name[arrow.end() :]
            renamed_from = " ".join(renamed_from.split())
        found.append(
            ItemLine(
                number,
                " ".join(name.split()),
                reason.strip(),
                renamed_from,
                aliases,
                dashes=len(cuts),
            )
        )
    if problems:
        raise FormError(problems)
    return found


def format_item_line(item: Item | ItemSpec) -> str:
    line = item.name
    if item.aliases:
        line += f" (aka {', '.join(item.aliases)})"
    if item.reason:
        return f"{line} – {item.reason}"
    if parse_item_lines(line, allow_renames=True) != [ItemLine(1, item.name, aliases=item.aliases)]:
        # A name with " - " or " – " in it, or a list marker in front: a trailing dash keeps
        # it whole (the last dash starts the reason, here an empty one).
        line += " –"
    return line


def reading_notes(lines: Sequence[ItemLine], limit: int = 5) -> list[str]:
    """How lines with more than one dash were read: the last dash starts the reason."""
    notes = [
        f"Line {line.line}: the name is **{safe(line.name)}**"
        + (f", the reason starts at “{safe(clip(line.reason, 40))}”" if line.reason else "")
        for line in lines
        if line.dashes > 1
    ]
    if len(notes) > limit:
        notes = [*notes[:limit], f"…and {len(notes) - limit} more lines like these."]
    return notes


def items_for_form(debate: Debate) -> str:
    """The items as the edit form shows them; :class:`UserError` when the form can't hold them."""
    text = "\n".join(format_item_line(item) for item in debate.items)
    big = "Use `/debate export`, change the file and `/debate import` it back"
    keep = (
        "(items keep their ballots while their names stay the same); `/debate edit rename:` "
        "renames one item and keeps its ballots."
    )
    if len(text) > FORM_TEXT_LIMIT:
        raise UserError(
            f"**{safe(debate.title)}** has too many items and reasons for Discord's form "
            f"({len(text):,} characters; a form holds {FORM_TEXT_LIMIT:,}). {big} {keep}"
        )
    try:
        parsed = parse_item_lines(text, allow_renames=True)
    except FormError:
        parsed = []
    if [(p.name, p.aliases, p.reason, p.renamed_from) for p in parsed] != [
        (i.name, i.aliases, i.reason, None) for i in debate.items
    ]:
        raise UserError(
            f"Some items of **{safe(debate.title)}** have line breaks, ' – ' or '->' in their "
            f"name or reason, which the one-line-per-item form can't show. {big} {keep}"
        )
    return text


def describe_problems(problems: Sequence[Problem], item_lines: Sequence[int]) -> list[str]:
    """Catalog problems in the form's words: "Line 4, reason: …" instead of ``items[3]``."""
    labels = {"title": "Title", "question": "Question", "author.name": "Author", "items": "Items"}
    described: list[str] = []
    for problem in problems:
        match = re.fullmatch(r"items\[(\d+)\](?:\.(\w+))?", problem.field)
        if match and int(match[1]) < len(item_lines):
            where = f"Line {item_lines[int(match[1])]}"
            if match[2] in ("reason", "aliases"):
                where += f", {match[2]}"
        else:
            where = labels.get(problem.field, problem.field)
        described.append(f"{where}: {safe(problem.message)}")
    return described


def describe_file_problems(problems: Sequence[Problem]) -> list[str]:
    """An uploaded file's problems by line and field (not by file name: the admin knows it)."""
    described: list[str] = []
    for problem in problems:
        where = f"Line {problem.line}, " if problem.line else ""
        if problem.field == "file":
            text = f"{where}the file {safe(problem.message)}"
            described.append(text[0].upper() + text[1:])
        else:
            field = problem.field.replace("`", "'")
            described.append(f"{where}`{field}`: {safe(problem.message)}")
    return described


def validated(spec: DebateSpec, item_lines: Sequence[int]) -> DebateSpec:
    try:
        return validate_spec(spec, "form")
    except CatalogError as exc:
        raise FormError(describe_problems(exc.problems, item_lines)) from None


def spec_from_form(
    *, title: str, question: str, items_text: str, slug: str, author: str
) -> DebateSpec:
    """A new debate from the create form, validated like a catalog file."""
    lines = parse_item_lines(items_text, allow_renames=False)
    spec = DebateSpec(
        slug=slug,
        title=title,
        question=question,
        author=author,
        items=tuple(ItemSpec(line.name, line.aliases, line.reason) for line in lines),
    )
    return validated(spec, [line.line for line in lines])


def unique_slug(title: str, taken: set[str]) -> str:
    """A slug for ``title`` that no debate visible in the server uses yet."""
    base = slugify(title)
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: 50 - len(suffix)].rstrip("-") + suffix
    return slug


def spec_of(debate: Debate) -> DebateSpec:
    """A stored debate as a spec, e.g. to export it."""
    return DebateSpec(
        slug=debate.slug,
        title=debate.title,
        question=debate.question,
        author=debate.author,
        source=debate.source,
        items=tuple(ItemSpec(i.name, i.aliases, i.reason) for i in debate.items),
    )
