"""bot/debate_forms.py, bot/edit_plans.py and their storage: item lists, plans, revise, the CSV."""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import CatalogError, parse_debate_yaml
from bot.debate_forms import (
    FORM_TEXT_LIMIT,
    FormError,
    ItemLine,
    describe_file_problems,
    format_item_line,
    items_for_form,
    parse_item_lines,
    reading_notes,
    spec_from_form,
    spec_of,
    unique_slug,
)
from bot.edit_plans import ballots_touched, plan_edit, plan_import, plan_rename
from bot.errors import UserError
from bot.models import Ballot, Debate, DebateChanged, DebateSpec, Item, ItemSpec
from bot.render.admin import ballots_csv
from bot.storage import BallotRepository, Database, DebateRepository


def debate(*items: Item, title: str = "Films") -> Debate:
    return Debate(1, "films", title, "Best film?", "Ann", tuple(items), guild_id=7)


FILMS = debate(
    Item(10, "Alien", ("Alien 1",), "the original"),
    Item(11, "Aliens", (), "more of them"),
    Item(12, "Alien 3"),
)


def form(text: str) -> DebateSpec:
    return spec_from_form(title="T", question="Q?", items_text=text, slug="t", author="Me")


# -- the item lines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rocky IV", [ItemLine(1, "Rocky IV")]),
        ("Rocky IV – two montages", [ItemLine(1, "Rocky IV", "two montages", dashes=1)]),
        ("Rocky IV — em dash", [ItemLine(1, "Rocky IV", "em dash", dashes=1)]),
        ("Rocky IV - hyphen", [ItemLine(1, "Rocky IV", "hyphen", dashes=1)]),
        ("Spider-Man – no spaces, no cut", [ItemLine(1, "Spider-Man", "no spaces, no cut", dashes=1)]),
        # An en dash wins over " - ", so a name may hold " - " when a reason follows.
        ("Star Wars - A New Hope – the best", [ItemLine(1, "Star Wars - A New Hope", "the best", dashes=1)]),
        ("Star Wars - A New Hope –", [ItemLine(1, "Star Wars - A New Hope", dashes=1)]),
        ("\n  1. First  \n\n- Second\n• Third – r\n2) Fourth", [
            ItemLine(2, "First"), ItemLine(4, "Second"), ItemLine(5, "Third", "r", dashes=1),
            ItemLine(6, "Fourth"),
        ]),
        ("  lots   of   space  ", [ItemLine(1, "lots of space")]),
        ("1917", [ItemLine(1, "1917")]),
        ("Old -> New – reason", [ItemLine(1, "New", "reason", renamed_from="Old", dashes=1)]),
        ("Old→New", [ItemLine(1, "New", renamed_from="Old")]),
        # The last dash starts the reason: titles keep their own dashes.
        (
            "Star Wars: Episode V – The Empire Strikes Back – Yoda",
            [ItemLine(1, "Star Wars: Episode V – The Empire Strikes Back", "Yoda", dashes=2)],
        ),
        (
            "Mission: Impossible – Fallout –",
            [ItemLine(1, "Mission: Impossible – Fallout", dashes=2)],
        ),
        (
            "Finding Nemo (aka Nemo, FN) – fish",
            [ItemLine(1, "Finding Nemo", "fish", aliases=("Nemo", "FN"), dashes=1)],
        ),
        ("Rocky (1976) (AKA Rocky I)", [ItemLine(1, "Rocky (1976)", aliases=("Rocky I",))]),
    ],
)  # fmt: skip
def test_item_lines(text: str, expected: list[ItemLine]) -> None:
    assert parse_item_lines(text, allow_renames=True) == expected


def test_renames_only_in_edit_forms() -> None:
    with pytest.raises(FormError, match=r"Line 2: '->' renames an item"):
        parse_item_lines("A\nB -> C", allow_renames=False)


def test_a_name_that_looks_like_a_reason_gets_a_trailing_dash() -> None:
    item = ItemSpec("Star Wars - A New Hope")
    assert format_item_line(item) == "Star Wars - A New Hope –"
    assert format_item_line(ItemSpec("Plain")) == "Plain"
    assert format_item_line(ItemSpec("Plain", reason="why")) == "Plain – why"
    assert format_item_line(ItemSpec("A – B")) == "A – B –"
    assert format_item_line(ItemSpec("Nemo", ("FN",), "fish")) == "Nemo (aka FN) – fish"


def test_lines_read_at_their_last_dash_are_reported() -> None:
    lines = parse_item_lines(
        "Star Wars: Episode V – The Empire Strikes Back – Yoda\nB – b", allow_renames=False
    )
    assert reading_notes(lines) == [
        "Line 1: the name is **Star Wars: Episode V – The Empire Strikes Back**, "
        "the reason starts at “Yoda”"
    ]


names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).map(lambda s: " ".join(s.split()))
reasons = st.one_of(st.just(""), st.text(max_size=40).map(str.strip))


@given(st.lists(st.tuples(names, reasons), min_size=1, max_size=8, unique_by=lambda t: t[0]))
def test_the_edit_form_shows_items_exactly_or_refuses(pairs: list[tuple[str, str]]) -> None:
    # Names may hold dashes and parentheses; reasons too: what the form shows reads back.
    pairs = [(n, r) for n, r in pairs if n]
    subject = debate(*(Item(i, n, reason=r) for i, (n, r) in enumerate(pairs)))
    try:
        text = items_for_form(subject)
    except UserError as exc:
        assert "/debate export" in str(exc)
        return
    parsed = parse_item_lines(text, allow_renames=True)
    assert [(p.name, p.reason, p.renamed_from) for p in parsed] == [(n, r, None) for n, r in pairs]


def test_edit_form_refuses_what_it_cannot_hold() -> None:
    with pytest.raises(UserError, match="line breaks"):
        items_for_form(debate(Item(1, "A", reason="two\nlines"), Item(2, "B")))
    big = debate(*(Item(i, f"Item {i}", reason="r" * 300) for i in range(20)))
    with pytest.raises(UserError, match=f"a form holds {FORM_TEXT_LIMIT:,}"):
        items_for_form(big)


# -- the create form ------------------------------------------------------------------------


def test_create_form_builds_the_authors_ranking() -> None:
    spec = form("B – first\nA\n\nC - third")
    assert [(i.name, i.reason) for i in spec.items] == [("B", "first"), ("A", ""), ("C", "third")]
    with_aliases = form("Finding Nemo (aka Nemo) – fish\nThe Incredibles (aka Incredibles)")
    assert [i.aliases for i in with_aliases.items] == [("Nemo",), ("Incredibles",)]
    assert (spec.title, spec.question, spec.author, spec.slug) == ("T", "Q?", "Me", "t")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A\n\nB\na", "Line 4: 'a' appears twice (also 'A')"),
        ("   \n  ", "Items: must be a non-empty list"),
        ("Only one", "Items: needs at least 2 items"),
        ("\n".join(f"I{n}" for n in range(201)), "Items: has 201 items; the limit is 200."),
        ("A\n" + "x" * 81, "Line 2: is 81 characters; the limit is 80."),
        ("A\nB – " + "y" * 1001, "Line 2, reason: is 1001 characters; the limit is 1000."),
    ],
)
def test_create_form_problems_name_the_line(text: str, message: str) -> None:
    with pytest.raises(FormError) as caught:
        form(text)
    assert message in str(caught.value)


def test_many_problems_fit_in_one_message() -> None:
    text = "\n".join(f"{n:03d}" + "x" * 78 for n in range(200))
    with pytest.raises(FormError) as caught:
        form(text)
    assert len(caught.value.problems) == 200
    message = str(caught.value)
    assert len(message) < 1800 and message.endswith("more.")
    assert message.startswith("• Line 1: is 81 characters; the limit is 80.")


def test_title_and_question_are_checked_too() -> None:
    with pytest.raises(FormError) as caught:
        spec_from_form(title="t" * 101, question=" ", items_text="A\nB", slug="t", author="Me")
    assert "Title: is 101 characters; the limit is 100." in caught.value.problems
    assert "Question: is empty; write something." in caught.value.problems


def test_unique_slugs() -> None:
    assert unique_slug("Best Albums!", set()) == "best-albums"
    assert unique_slug("Best Albums", {"best-albums", "best-albums-2"}) == "best-albums-3"
    long = "x" * 60
    assert unique_slug(long, {"x" * 50}) == "x" * 48 + "-2"


# -- edit plans -----------------------------------------------------------------------------


def test_edit_plan_keeps_ids_through_renames_and_reorders() -> None:
    plan = plan_edit(
        FILMS,
        title="Films",
        question="Best film?",
        items_text="Aliens – more of them\nalien -> Alien (1979) – the original\nPrometheus",
    )
    assert plan.item_ids == (11, 10, None)
    assert [i.name for i in plan.spec.items] == ["Aliens", "Alien (1979)", "Prometheus"]
    assert plan.spec.items[1].aliases == ("Alien 1",)  # aliases follow the item
    assert plan.renamed == [("Alien", "Alien (1979)")]
    assert plan.added == ["Prometheus"]
    assert [i.name for i in plan.removed] == ["Alien 3"]
    assert plan.reordered and plan.reasons_changed == 0 and plan.changes_anything


def test_unchanged_form_changes_nothing() -> None:
    plan = plan_edit(
        FILMS, title=FILMS.title, question=FILMS.question, items_text=items_for_form(FILMS)
    )
    assert not plan.changes_anything and not plan.removed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nope -> X\nAliens", "Line 1: there is no item called 'Nope' to rename"),
        ("Alien\nAlien -> Alien 2", "Line 2: Alien is already on line 1"),
        ("Alien\nAliens\nALIENS", "Line 3: Aliens is already on line 2"),
        ("Alien -> Aliens\nAliens", "Line 2: 'Aliens' appears twice"),
    ],
)
def test_edit_plan_problems(text: str, message: str) -> None:
    with pytest.raises(FormError) as caught:
        plan_edit(FILMS, title="Films", question="Q?", items_text=text)
    assert message in str(caught.value)


def test_rename_plan() -> None:
    plan = plan_rename(FILMS, "alien 1 -> The Alien")  # found by alias, any case
    assert plan.renamed == [("Alien", "The Alien")] and plan.item_ids == (10, 11, 12)
    with pytest.raises(UserError, match="no item called 'Ripley'"):
        plan_rename(FILMS, "Ripley -> X")
    with pytest.raises(UserError, match="old name -> new name"):
        plan_rename(FILMS, "Alien")
    with pytest.raises(FormError, match="appears twice"):
        plan_rename(FILMS, "Alien -> Aliens")


def test_import_plan_matches_by_name() -> None:
    spec = DebateSpec(
        "films", "Films", "Q?", "Ann", (ItemSpec("aliens"), ItemSpec("Alien"), ItemSpec("New"))
    )
    plan = plan_import(FILMS, spec)
    assert plan.item_ids == (11, 10, None)
    assert [i.name for i in plan.removed] == ["Alien 3"]


def test_ballots_touched_counts_ballots_ranking_removed_items() -> None:
    plan = plan_edit(FILMS, title="Films", question="Q?", items_text="Alien\nAliens")
    now = datetime.now(UTC)
    ballots = [
        Ballot(1, 7, 1, 100, ((10,), (12,)), None, now),
        Ballot(2, 7, 1, 101, ((11,),), None, now),
    ]
    assert ballots_touched(plan, ballots) == 1


# -- uploads and the CSV --------------------------------------------------------------------


def test_file_problems_name_line_and_field() -> None:
    text = "slug: x\ntitle: T\nquestion: Q\nauthor: A\nitems:\n  - name: A\n  - name: A\n"
    with pytest.raises(CatalogError) as caught:
        parse_debate_yaml(text, "upload.yaml")
    assert describe_file_problems(caught.value.problems) == [
        "Line 7, `items[1].name`: 'A' appears twice (also 'A'); each item must be listed once."
    ]
    with pytest.raises(CatalogError) as caught:
        parse_debate_yaml(b"\xff\xfe", "upload.yaml")
    assert describe_file_problems(caught.value.problems) == [
        "The file is not UTF-8 text. Save it as UTF-8 and try again."
    ]


def test_csv_lists_ballots_by_name_and_defuses_formulas() -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    ballots = [
        Ballot(1, 7, 1, 300000000000000001, ((11,), (10, 12)), "=HYPERLINK(evil)", when),
        Ballot(2, 7, 1, 300000000000000002, ((12,),), None, when),
    ]
    rows = list(csv.reader(io.StringIO(ballots_csv(FILMS, ballots))))
    assert rows == [
        ["member_id", "time", "ballot", "reason"],
        ["300000000000000001", "2024-05-01T12:30:00+00:00", "Aliens > Alien = Alien 3",
         "'=HYPERLINK(evil)"],
        ["300000000000000002", "2024-05-01T12:30:00+00:00", "Alien 3", ""],
    ]  # fmt: skip


def test_csv_leaves_out_items_being_removed_and_ballots_left_with_none() -> None:
    # An item's removal strips ballots in batches after the edit commits (see
    # DebateRepository.finish_removals): an export meanwhile reads them as the tallies do.
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    ballots = [
        Ballot(1, 7, 1, 1, ((11,), (99,), (10, 98)), None, when),
        Ballot(2, 7, 1, 2, ((99,), (98,)), None, when),
    ]
    rows = list(csv.reader(io.StringIO(ballots_csv(FILMS, ballots))))
    assert [row[2] for row in rows] == ["ballot", "Aliens > Alien"]


# -- DebateRepository.revise ----------------------------------------------------------------


async def test_revise_keeps_renamed_items_and_strips_removed_ones(db: Database) -> None:
    repo, ballots = DebateRepository(db), BallotRepository(db)
    stored = await repo.create(spec_of(FILMS), guild_id=7)
    a, b, c = (i.id for i in stored.items)
    await ballots.save(7, stored.id, 1, ((c,), (a, b)))
    await ballots.save(7, stored.id, 2, ((c,),))
    plan = plan_edit(
        stored, title="Films", question="Q?", items_text="Aliens\nAlien -> Ripley\nNew"
    )
    after = await repo.revise(
        stored.id, plan.spec, plan.item_ids, expected_revision=stored.revision
    )
    assert [(i.id, i.name) for i in after.items[:2]] == [(b, "Aliens"), (a, "Ripley")]
    assert after.items[2].id not in (a, b, c)
    current = {x.member_id: x.tiers for x in await ballots.current_all(7, stored.id)}
    assert current == {1: ((a, b),)}  # member 2 ranked only the removed item: no longer counts


async def test_a_failed_revise_changes_nothing(db: Database, monkeypatch) -> None:
    import bot.storage.debates as storage

    repo, ballots = DebateRepository(db), BallotRepository(db)
    stored = await repo.create(spec_of(FILMS), guild_id=7)
    a, _, c = (i.id for i in stored.items)
    await ballots.save(7, stored.id, 1, ((c,), (a,)))

    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(storage, "mark_items_removed", broken)
    plan = plan_edit(stored, title="New", question="Q?", items_text="Alien -> Ripley\nAliens\nNew")
    with pytest.raises(RuntimeError):
        await repo.revise(stored.id, plan.spec, plan.item_ids, expected_revision=stored.revision)
    assert await repo.get(stored.id) == stored
    assert [x.tiers for x in await ballots.current_all(7, stored.id)] == [((c,), (a,))]


async def test_revise_refuses_when_the_items_changed_meanwhile(db: Database) -> None:
    repo = DebateRepository(db)
    stored = await repo.create(spec_of(FILMS), guild_id=7)
    plan = plan_edit(stored, title="Films", question="Q?", items_text="Alien\nAliens")
    spec = spec_of(stored)
    await repo.replace(stored.id, replace(spec, items=(*spec.items, ItemSpec("Late"))))
    with pytest.raises(DebateChanged):
        await repo.revise(stored.id, plan.spec, plan.item_ids, expected_revision=stored.revision)
    assert [i.name for i in (await repo.get(stored.id)).items] == [
        "Alien",
        "Aliens",
        "Alien 3",
        "Late",
    ]


async def test_of_two_edits_from_the_same_revision_only_the_first_is_saved(db: Database) -> None:
    # Two admins open the same form; each renames the title. Both used to be told "Saved"
    # while the second silently reverted the first's rename.
    repo = DebateRepository(db)
    stored = await repo.create(spec_of(FILMS), guild_id=7)
    first = plan_edit(stored, title="Films A", question="Q?", items_text="Alien\nAliens\nAlien 3")
    second = plan_edit(stored, title="Films B", question="Q?", items_text="Alien\nAliens\nAlien 3")
    saved = await repo.revise(
        stored.id, first.spec, first.item_ids, expected_revision=stored.revision
    )
    assert saved.revision == stored.revision + 1
    with pytest.raises(DebateChanged):
        await repo.revise(
            stored.id, second.spec, second.item_ids, expected_revision=stored.revision
        )
    assert (await repo.get(stored.id)).title == "Films A"
