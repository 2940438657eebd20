"""The arrows point one way: read from the source, so a wrong import fails here, not in review.

- no import cycle among bot/ and cogs/, counting imports inside functions too (an import
  under ``if TYPE_CHECKING:`` never runs and is not counted);
- discord.ui (views, buttons) only in bot/ui.py and cogs/: the core builds no widgets;
- the database driver only in bot/storage/, and cogs reach storage only through services.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "cogs")
DRIVERS = ("sqlite3", "aiosqlite", "asyncpg")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


def is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run: ``if TYPE_CHECKING:`` bodies and annotations left out."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for field, value in ast.iter_fields(node):
            if field in {"annotation", "returns"}:
                continue  # strings at runtime, under ``from __future__ import annotations``
            if field == "body" and is_type_checking(node):
                continue
            children = value if isinstance(value, list) else [value]
            stack.extend(child for child in children if isinstance(child, ast.AST))


def imported(name: str, tree: ast.AST) -> set[str]:
    """The modules ``name`` imports when it runs, module- or function-level."""
    found: set[str] = set()
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # ``from bot import ui`` imports the module bot.ui.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}
GRAPH = {name: imported(name, tree) & set(MODULES) - {name} for name, tree in TREES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_imports() -> None:
    # bot/__main__.py imports bot.analyze inside main(): a blind parser would miss it.
    assert "bot.analyze" in GRAPH["bot.__main__"]
    assert "bot.client" not in GRAPH["bot.ui"]  # only under TYPE_CHECKING


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def mentions_discord_ui(tree: ast.AST) -> bool:
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import) and any(
            a.name.startswith("discord.ui") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (
            (node.module or "").startswith("discord.ui")
            or (node.module == "discord" and any(a.name == "ui" for a in node.names))
        ):
            return True
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "ui"
            and isinstance(node.value, ast.Name)
            and node.value.id == "discord"
        ):
            return True
    return False


def test_the_core_builds_no_discord_widgets() -> None:
    core = [name for name in TREES if name.startswith("bot.") and name != "bot.ui"]
    assert [name for name in core if mentions_discord_ui(TREES[name])] == []
    assert mentions_discord_ui(TREES["bot.ui"])  # the check can see it


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_database_driver_stays_in_storage(driver: str) -> None:
    users = [
        name
        for name, tree in TREES.items()
        if not name.startswith("bot.storage")
        and any(m == driver or m.startswith(f"{driver}.") for m in imported(name, tree))
    ]
    assert users == []


def test_cogs_reach_storage_only_through_services() -> None:
    for name, tree in TREES.items():
        if not name.startswith("cogs"):
            continue
        assert not any(m.startswith("bot.storage") for m in imported(name, tree)), name
        stores = [
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.endswith("_store")
        ]
        assert stores == [], f"{name} uses {stores}"
