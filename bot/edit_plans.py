"""Plans for changing a stored debate (edit form, rename, re-import) that keep ballots.

A plan is worked out and shown before anything is written; ``cogs/debates`` asks for
confirmation when it removes items from ballots, then the debate store applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import CatalogError, normalize, validate_spec
from bot.debate_forms import ARROW, FormError, parse_item_lines, spec_of, validated
from bot.errors import UserError
from bot.models import Ballot, Debate, DebateSpec, Item, ItemSpec
from bot.render.text import safe

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
    parts = ARROW.split(text.strip(), maxsplit=1)
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
