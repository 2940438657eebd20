"""Members read one word for two items and which goes higher: "match-up", never "pair"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.ranking import METHODS
from bot.render.words import every_match_up, match_ups, of_match_ups

ROOT = Path(__file__).resolve().parents[2]
# Code names ("ranked_pairs", ``result.pairs``) are not text; the method's own name is.
PAIR = re.compile(r"\bpairs?\b", re.IGNORECASE)
PROPER_NAMES = ("Ranked Pairs",)


def test_counts_read_in_members_words() -> None:
    assert match_ups(1) == "1 match-up"
    assert match_ups(1225) == "1,225 match-ups"
    assert of_match_ups(13, 14) == "13 of 14 match-ups"
    assert of_match_ups(0, 1) == "0 of 1 match-up"
    assert every_match_up(6) == 15 and every_match_up(1) == 0


def _texts(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that members may read: not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_message_calls_a_match_up_a_pair() -> None:
    found = []
    for folder in ("bot", "cogs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, text in _texts(path):
                for name in PROPER_NAMES:
                    text = text.replace(name, "")
                if PAIR.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert found == []


def test_the_guard_reads_f_strings_and_skips_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('def f(n: int) -> str:\n    """Pairs."""\n    return f"{n} of pairs right"\n')
    assert [text for _, text in _texts(sample)] == [" of pairs right"]


def test_method_descriptions_say_match_up() -> None:
    text = " ".join(info.description for info in METHODS.values())
    assert "match-up" in text and not PAIR.search(text)
