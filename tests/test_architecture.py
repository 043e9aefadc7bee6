"""The import rules of docs/architecture.md, checked on the package's import graph."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "newsletter"
BASE = {"models", "errors", "urls", "tokens", "resources", "brand"}
PURE_NEVER = {"store", "delivery", "web", "feeds", "people", "webhooks", "desk", "ops", "pipeline", "cli"}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _known(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (PACKAGE.parent / relative).is_dir()


def _targets(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name.split(".")[0] == "newsletter")
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target.split(".")[0] != "newsletter":
            return
        for alias in node.names:  # "from . import pipeline" imports a module, not a name
            full = f"{target}.{alias.name}"
            yield full if _known(full) else target


def import_graph(*, parents: bool = True) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (anywhere in it, functions included).

    With ``parents``, a module also imports its parent packages (Python runs their __init__).
    """
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module, is_package = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = {t for node in ast.walk(tree) for t in _targets(node, module, is_package)}
    for module in list(graph) if parents else ():  # importing a.b.c runs a/__init__ first
        parts = module.split(".")
        for i in range(2, len(parts)):
            parent = ".".join(parts[:i])
            if parent in graph and parent != module:
                graph[module].add(parent)
    return graph


def wing(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return "base" if parts[1] in BASE else parts[1]


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def _violations(graph: dict[str, set[str]], wings: set[str], allowed: set[str]) -> list[str]:
    return sorted(f"{m} -> {t}" for m, targets in graph.items() if wing(m) in wings
                  for t in targets if wing(t) not in allowed | wings)


def test_the_root_holds_only_the_base_pipeline_and_wings() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == BASE | {"__init__", "__main__", "pipeline"}, modules
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        init = folder / "__init__.py"
        assert init.exists(), folder
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 60, f"{init}: say what the wing owns and may import"


def test_the_base_imports_nothing_above_it(graph: dict[str, set[str]]) -> None:
    assert _violations(graph, {"base"}, set()) == []


def test_text_config_and_store_sit_low(graph: dict[str, set[str]]) -> None:
    assert _violations(graph, {"text"}, set()) == []
    assert _violations(graph, {"config"}, {"base"}) == []
    assert _violations(graph, {"store"}, {"base"}) == []


@pytest.mark.parametrize("pure", ["curate", "compose"])
def test_curate_and_compose_never_reach_io(graph: dict[str, set[str]], pure: str) -> None:
    bad = {f"{m} -> {t}" for m in graph if wing(m) == pure
           for t in reachable(graph, m) if wing(t) in PURE_NEVER}
    assert not bad, sorted(bad)


def test_collection_does_not_depend_on_curation(graph: dict[str, set[str]]) -> None:
    assert _violations(graph, {"feeds"}, {"base", "config", "store", "text"}) == []


def test_webhooks_parse_and_people_decide(graph: dict[str, set[str]]) -> None:
    assert _violations(graph, {"webhooks"}, {"base", "config", "store"}) == []


def test_nothing_imports_the_cli(graph: dict[str, set[str]]) -> None:
    bad = [f"{m} -> {t}" for m, targets in graph.items() if wing(m) not in ("cli", "__main__")
           for t in targets if wing(t) == "cli"]
    assert bad == []


def test_no_import_cycle_between_modules() -> None:
    # A package's __init__ re-exporting its own modules is not a cycle; anything else is.
    graph = import_graph(parents=False)
    cycles = [m for m in graph if m in reachable(graph, m)]
    assert cycles == []


def test_the_checker_sees_a_broken_rule(tmp_path: Path) -> None:
    # The rules above pass only if the graph is right: a curate module reaching the store is seen.
    graph = import_graph()
    graph["newsletter.curate.rank"] = graph["newsletter.curate.rank"] | {"newsletter.store.repo"}
    bad = {t for t in reachable(graph, "newsletter.curate.rank") if wing(t) in PURE_NEVER}
    assert "newsletter.store.repo" in bad
    assert "newsletter.curate" in graph["newsletter.curate.rank"]  # parents count as imported


@pytest.mark.parametrize("wing_name", ["curate", "compose"])
def test_pure_wings_load_no_io_library(wing_name: str) -> None:
    code = (f"import sys, newsletter.{wing_name}\n"
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'requests', 'flask'})\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.strip() == ""
