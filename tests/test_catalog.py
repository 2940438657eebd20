from pathlib import Path

import pytest
import yaml

from bot.catalog import (
    MAX_FILE_BYTES,
    CatalogError,
    builtin_catalog,
    dump_debate_yaml,
    load_catalog,
    load_catalogs,
    normalize,
    parse_debate_yaml,
)
from tests.support.rocky import ROCKY_SLUG, ROCKY_TITLES

GOOD = """\
slug: films
title: Films
question: Which film is best?
author: {name: Ann, source: https://example.org/films}
items:
  - name: Alpha
    aliases: [A, First]
    reason: Because.
  - name: Beta
  - Gamma
"""


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(CatalogError) as info:
        parse_debate_yaml(text, "f.yaml")
    return [str(p) for p in info.value.problems]


def test_good_file_parses() -> None:
    spec = parse_debate_yaml(GOOD, "f.yaml")
    assert (
        spec.slug == "films" and spec.author == "Ann" and spec.source == "https://example.org/films"
    )
    assert [i.name for i in spec.items] == ["Alpha", "Beta", "Gamma"]
    assert spec.items[0].aliases == ("A", "First")


def test_round_trip_is_identity() -> None:
    spec = parse_debate_yaml(GOOD, "f.yaml")
    assert parse_debate_yaml(dump_debate_yaml(spec), "again.yaml") == spec


def test_shipped_catalog_is_valid_and_rocky_in_author_order() -> None:
    specs = {s.slug: s for s in load_catalog(builtin_catalog())}
    rocky = specs[ROCKY_SLUG]
    assert tuple(i.name for i in rocky.items) == ROCKY_TITLES
    assert all(len(i.reason) > 30 for i in rocky.items)
    assert "music" in rocky.question.lower()
    names = {normalize(a): i.name for i in rocky.items for a in (i.name, *i.aliases)}
    expected = {
        "Rocky 4": "Rocky IV", "IV": "Rocky IV", "4": "Rocky IV", "Rocky Balboa": "Rocky Balboa",
        "Balboa": "Rocky Balboa", "Rocky 6": "Rocky Balboa", "VI": "Rocky Balboa", "Rocky": "Rocky",
        "Rocky I": "Rocky", "Rocky 1": "Rocky",
    }  # fmt: skip
    for alias, film in expected.items():
        assert names[normalize(alias)] == film, alias


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("  - Gamma\n", "  - Alpha\n"), "items[2].name`: 'Alpha' appears twice"),
        (GOOD.replace("[A, First]", "[A, Beta]"), "alias 'Beta' already names 'Beta'"),
        (GOOD.replace("items:\n", "items: []\nx:\n"), "`items`: must be a non-empty list"),
        (GOOD + "colour: red\n", "`colour`: is not a known field"),
        (
            GOOD.replace("    reason: Because.\n", "    reasn: Because.\n"),
            "`items[0].reasn`: is not a known field",
        ),
        (GOOD.replace("title: Films\n", ""), "`title`: is missing"),
        (GOOD.replace("slug: films", "slug: Films!"), "lowercase letters, digits and dashes"),
        ("slug: [unclosed\n", "is not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        (
            GOOD.replace("  - Gamma\n", "  - name: Gamma\n    reason: " + "x" * 1001 + "\n"),
            "the limit is 1000",
        ),
    ],
)
def test_each_problem_gets_its_message(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_problems_name_file_and_line() -> None:
    [problem] = problems(GOOD + "colour: red\n")
    assert problem.startswith("f.yaml, line 11, `colour`")


def test_object_building_tags_are_refused() -> None:
    [problem] = problems("slug: !!python/object/apply:os.system ['echo hi']\n")
    assert "tag that builds objects" in problem


def test_non_utf8_and_oversized_files_are_refused() -> None:
    assert "not UTF-8" in problems("title: caf\xe9".encode("latin-1"))[0]
    assert "the limit is 256 KB" in problems(b"#" * (MAX_FILE_BYTES + 1))[0]


def test_load_catalog_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)  # same slug
    (tmp_path / "c.yaml").write_text("items: [\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    text = str(info.value)
    assert "b.yaml, `slug`: 'films' is already used by a.yaml" in text
    assert "c.yaml" in text and "not valid YAML" in text


def test_names_that_read_the_same_when_typed_are_refused() -> None:
    text = GOOD.replace("[A, First]", "[Rocky 4]").replace(
        "  - name: Beta\n", "  - name: Beta\n    aliases: [Rocky IV]\n"
    )
    found = problems(text)
    assert any("would mean both 'Alpha' and 'Beta'" in p for p in found), found


# ---------------------------------------------------------------------------------------
# Hostile uploads: refused with a reason, before the work that would hurt.


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes that expand to 9**levels strings when aliases are followed."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_for_its_aliases() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 500
    assert problems(bomb) == [
        "f.yaml, line 1, `file`: uses YAML anchors or aliases; write each value out in full."
    ]


def test_a_single_anchor_is_refused_with_its_line() -> None:
    text = GOOD.replace("  - name: Beta", "  - name: &b Beta")
    assert problems(text) == [
        "f.yaml, line 9, `file`: uses YAML anchors or aliases; write each value out in full."
    ]


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_a_user_error_not_a_crash(style: str) -> None:
    depth = 600
    if style == "flow":
        text = "items: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join(f"{' ' * level}k:\n" for level in range(depth)) + " " * depth + "x\n"
    (problem,) = problems(text)
    assert "is nested more than 8 levels deep; a debate needs 4 at most" in problem


def test_a_flat_list_of_many_values_is_refused_early() -> None:
    text = "items: [" + ", ".join(["abc"] * 50_000) + "]\n"
    assert len(text.encode()) < MAX_FILE_BYTES
    (problem,) = problems(text)
    assert "has more than 12,000 values; a debate has at most 200 items" in problem


def test_the_line_index_visits_each_node_once() -> None:
    import yaml

    from bot.catalog import _line_index

    text = "items:\n" + "".join(f"  - name: Item {n}\n    aliases: [x{n}]\n" for n in range(200))
    lines = _line_index(yaml.compose(text, Loader=yaml.SafeLoader))
    assert lines["items[0].name"] == 2 and lines["items[199].aliases[0]"] == 2 + 2 * 199 + 1
    # Sharing one node (what an alias does) costs one visit, not one per reference.
    shared = yaml.compose("a: &x [1, 2]\nb: *x\nc: *x\n", Loader=yaml.SafeLoader)
    assert set(_line_index(shared)) == {"", "a", "a[0]", "a[1]", "b", "c"}


def test_an_extra_folder_adds_debates_and_can_replace_a_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "films.yaml").write_text(GOOD)
    rocky = dump_debate_yaml(
        next(s for s in load_catalog(builtin_catalog()) if s.slug == ROCKY_SLUG)
    )
    (tmp_path / "rocky.yml").write_text(rocky.replace("ranked", "re-ranked", 1))
    specs = {s.slug: s for s in load_catalogs([builtin_catalog(), tmp_path])}
    assert specs["films"].title == "Films"
    assert "re-ranked" in specs[ROCKY_SLUG].title


@pytest.mark.parametrize(
    "source",
    [
        "javascript:alert(1)",
        "ftp://example.com/x",
        "https://example.com/a b",
        "https://example.com/a>b",
        "https://example.com/)[click](https://evil.example",
        "https://example.com/`x`",
        "https://",
    ],
)
def test_a_source_that_is_not_a_plain_web_address_is_refused(source: str) -> None:
    document = yaml.safe_dump(
        {"slug": "s", "title": "T", "question": "Q", "author": {"name": "A", "source": source},
         "items": ["x", "y"]}
    )  # fmt: skip
    with pytest.raises(CatalogError, match=r"author\.source.*must be a web address"):
        parse_debate_yaml(document, "f.yaml")


def test_invisible_formatting_is_taken_out_of_names_items_and_reasons() -> None:
    rlo, zwsp, bom = "\u202e", "\u200b", "\ufeff"
    document = yaml.safe_dump(
        {"slug": "s", "title": f"T{rlo}gnp.exe", "question": f"Q{zwsp}?",
         "author": {"name": f"A{bom}", "source": "https://example.com/x?y=1"},
         "items": [{"name": f"Ro{zwsp}cky", "aliases": [f"R{rlo}1"], "reason": f"why{rlo}"},
                   "Cre\u200dd", "👨\u200d👩\u200d👧"]},
        allow_unicode=True,
    )  # fmt: skip
    spec = parse_debate_yaml(document, "f.yaml")
    assert (spec.title, spec.question, spec.author) == ("Tgnp.exe", "Q?", "A")
    assert spec.source == "https://example.com/x?y=1"
    first = spec.items[0]
    assert (first.name, first.aliases, first.reason) == ("Rocky", ("R1",), "why")
    # A joiner between letters is taken out; an emoji sequence keeps its joiners.
    assert [i.name for i in spec.items[1:]] == ["Cred", "👨\u200d👩\u200d👧"]
