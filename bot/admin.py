"""What server admins may do, and the forms they do it with: no slash commands here.

- who counts as an admin (:func:`ensure_admin`, :func:`admin_only`);
- the "one item per line, optionally `` – reason``" text of the create and edit forms,
  turned into a validated :class:`DebateSpec` with problems named by line;
- plans for changing a stored debate (edit form, rename, re-import) that keep ballots.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

import discord
from discord import app_commands

from bot.catalog import CatalogError, Problem, normalize, slugify, validate_spec
from bot.errors import UserError
from bot.models import Ballot, Debate, DebateSpec, Item, ItemSpec
from bot.render.text import clip, safe

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.storage import SettingsRepository

T = TypeVar("T")

# Discord's limit for one text input in a modal.
FORM_TEXT_LIMIT = 4000

# -- permissions ---------------------------------------------------------------------------


class NotAdmin(app_commands.CheckFailure):
    """The member may not run an admin command; the message says what would let them."""


async def is_admin(interaction: discord.Interaction, settings: SettingsRepository) -> bool:
    """Manage Server, or the role the server named with ``/settings admin_role``."""
    if interaction.guild_id is None:
        return False
    # interaction.permissions are the member's resolved permissions, Administrator included.
    if interaction.permissions.manage_guild:
        return True
    role_id = (await settings.get(interaction.guild_id)).admin_role_id
    return role_id is not None and role_id in member_role_ids(interaction.user)


def member_role_ids(user: discord.abc.User) -> set[int]:
    # The interaction payload carries the member's role ids. Member.roles would drop any the
    # role cache does not hold yet (the guild may still be unavailable), so read the ids.
    return set(getattr(user, "_roles", ()))


async def ensure_admin(interaction: discord.Interaction, settings: SettingsRepository) -> None:
    """Raise :class:`NotAdmin` with a message naming what the member lacks."""
    if await is_admin(interaction, settings):
        return
    if interaction.guild_id is None:
        raise NotAdmin("This command only works in a server.")
    role_id = (await settings.get(interaction.guild_id)).admin_role_id
    needs = "the Manage Server permission"
    if role_id is not None:
        needs += f" or the <@&{role_id}> role"
    raise NotAdmin(f"Only server admins can do that: it needs {needs}.")


def admin_only() -> Callable[[T], T]:
    """Check, when the command runs, that the member is an admin (see :func:`is_admin`).

    Pair it with ``app_commands.default_permissions(manage_guild=True)`` where Discord
    allows it, so the command is hidden from members to begin with. Discord only accepts
    default permissions on top-level commands, not on subcommands: ``/debate`` also has
    member commands, so for ``/debate create``, ``edit``, ``delete`` and the others this
    runtime check is the only guard. It is also what lets the server's admin role in, which
    default permissions know nothing about.
    """

    async def predicate(interaction: discord.Interaction) -> bool:
        bot = cast("RankingBot", interaction.client)
        await ensure_admin(interaction, bot.guild_settings)
        return True

    return app_commands.check(predicate)


# -- the item list of the forms ------------------------------------------------------------

# Leading list markers people paste along with their items: "- ", "* ", "• ", "3. ", "3) ".
_BULLET = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")
# A dash between spaces starts the reason: an en or em dash, or " - " when neither is in the
# line, because that is what most keyboards type. Titles hold such dashes too ("Star Wars:
# Episode V – The Empire Strikes Back"), and reasons rarely need one, so the *last* dash
# starts the reason; a name ending in a dash-free title keeps all of its own dashes.
_DASH = re.compile(r"\s[–—](?:\s|$)")
_HYPHEN = re.compile(r"\s-\s")
_ARROW = re.compile(r"\s*(?:->|→)\s*")
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
        arrow = _ARROW.search(name)
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


# -- changing a stored debate --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditPlan:
    """A change to a stored debate, worked out before anything is written.

    ``item_ids[i]`` is the stored item that ``spec.items[i]`` is (None: a new item), so
    renamed items keep their id and every ballot that ranks them.
    """

    before: Debate
    spec: DebateSpec
    item_ids: tuple[int | None, ...]

    @property
    def added(self) -> list[str]:
        return [s.name for s, i in zip(self.spec.items, self.item_ids, strict=True) if i is None]

    @property
    def renamed(self) -> list[tuple[str, str]]:
        return [
            (self.before.item(i).name, s.name)
            for s, i in zip(self.spec.items, self.item_ids, strict=True)
            if i is not None and self.before.item(i).name != s.name
        ]

    @property
    def removed(self) -> list[Item]:
        kept = set(self.item_ids)
        return [item for item in self.before.items if item.id not in kept]

    @property
    def reasons_changed(self) -> int:
        return sum(
            1
            for s, i in zip(self.spec.items, self.item_ids, strict=True)
            if i is not None and self.before.item(i).reason != s.reason
        )

    @property
    def reordered(self) -> bool:
        kept = [i for i in self.item_ids if i is not None]
        return kept != [item.id for item in self.before.items if item.id in set(kept)]

    @property
    def changes_anything(self) -> bool:
        return spec_of(self.before) != self.spec or self.reordered


def plan_edit(debate: Debate, *, title: str, question: str, items_text: str) -> EditPlan:
    """The edit form: a line matches a stored item by name, or by ``old -> new`` to rename."""
    lines = parse_item_lines(items_text, allow_renames=True)
    by_name = {normalize(item.name): item for item in debate.items}
    used: dict[int, int] = {}  # item id -> the line that claimed it
    problems: list[str] = []
    items: list[ItemSpec] = []
    ids: list[int | None] = []
    for line in lines:
        wanted = line.renamed_from if line.renamed_from is not None else line.name
        item = by_name.get(normalize(wanted))
        if line.renamed_from is not None and item is None:
            problems.append(
                f"Line {line.line}: there is no item called '{safe(wanted)}' to rename. "
                "Write its current name before the '->'."
            )
            continue
        if item is not None and item.id in used:
            problems.append(
                f"Line {line.line}: {safe(item.name)} is already on line {used[item.id]}; "
                "list each item once."
            )
            continue
        if item is not None:
            used[item.id] = line.line
        # A line without "(aka …)" keeps the item's other names (a rename line usually has none).
        aliases = line.aliases or (item.aliases if item else ())
        items.append(ItemSpec(line.name, aliases, line.reason))
        ids.append(item.id if item else None)
    if problems:
        raise FormError(problems)
    spec = DebateSpec(
        slug=debate.slug,
        title=title,
        question=question,
        author=debate.author,
        source=debate.source,
        items=tuple(items),
    )
    return EditPlan(debate, validated(spec, [line.line for line in lines]), tuple(ids))


def plan_rename(debate: Debate, text: str) -> EditPlan:
    """``/debate edit rename:Old -> New``: one item renamed, the rest untouched."""
    parts = _ARROW.split(text.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise UserError("Write the rename as `old name -> new name`, e.g. `Rocky 5 -> Rocky V`.")
    old, new = (" ".join(part.split()) for part in parts)
    matches = [
        item
        for item in debate.items
        if normalize(old) in {normalize(item.name), *(normalize(a) for a in item.aliases)}
    ]
    if not matches:
        raise UserError(f"**{safe(debate.title)}** has no item called '{safe(old)}'.")
    target = matches[0]
    items = tuple(
        ItemSpec(new if item.id == target.id else item.name, item.aliases, item.reason)
        for item in debate.items
    )
    spec = DebateSpec(
        debate.slug, debate.title, debate.question, debate.author, items, debate.source
    )
    try:
        spec = validate_spec(spec, "form")
    except CatalogError as exc:
        raise FormError(
            [f"New name '{safe(new)}': {safe(p.message)}" for p in exc.problems]
        ) from None
    return EditPlan(debate, spec, tuple(item.id for item in debate.items))


def plan_import(debate: Debate, spec: DebateSpec) -> EditPlan:
    """Re-importing a file over a stored debate: items are matched by name."""
    by_name = {normalize(item.name): item.id for item in debate.items}
    ids = tuple(by_name.get(normalize(item.name)) for item in spec.items)
    return EditPlan(debate, spec, ids)


def ballots_touched(plan: EditPlan, ballots: Sequence[Ballot]) -> int:
    """How many of ``ballots`` rank an item the plan removes."""
    gone = {item.id for item in plan.removed}
    return sum(1 for ballot in ballots if gone & set(ballot.ranked_ids))
