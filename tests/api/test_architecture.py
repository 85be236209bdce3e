"""The house by idea: packages in layers that import downwards only, no import circles, click in the CLI only.

docs/modules.md draws the same layers for people; this test holds the code and the page to them. The
imports counted are every import of the package's own modules, at the top of a file, inside a function
(a lazy import, kept for start-up time or an optional extra) or for the type checker alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "sellerexpert"

LAYERS: list[tuple[str, ...]] = [
    ("_version", "_workers", "_records", "_memory", "_i18n"),
    ("_errors",),
    ("_language", "_files"),
    ("_profile",),
    ("_rulebook",),
    ("_results",),
    ("_engine", "_economics"),
    ("_advisor",),
    ("_batch",),
    ("_explain", "_interview", "_review", "_audit"),
    ("on_dask", "web"),
    ("_cli",),
    ("__init__", "__main__"),
]
"""The rooms from the ground floor up: a room imports its own modules and rooms of lower floors only."""

FLOOR = {room: floor for floor, rooms in enumerate(LAYERS) for room in rooms}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(module, line) of every import of the package's own modules in ``path``, wherever it stands."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("sellerexpert"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield (candidate if _is_module(candidate) else target), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sellerexpert"):
                    yield alias.name, node.lineno


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_room_stands_on_a_floor() -> None:
    rooms = {_room(_module(path)) for path in _files()}
    assert rooms == set(FLOOR), f"rooms on no floor: {sorted(rooms - set(FLOOR))}; rooms gone: {sorted(set(FLOOR) - rooms)}"


def test_rooms_import_downwards_only() -> None:
    upward = []
    for path in _files():
        here = _room(_module(path))
        for target, line in _imports(path):
            there = _room(target)
            if there != here and FLOOR[there] >= FLOOR[here] and target != "sellerexpert":
                where = f"{path.relative_to(ROOT)}:{line}"
                upward.append(f"{where}: {here} (floor {FLOOR[here]}) imports {target} (floor {FLOOR[there]})")
    assert not upward, "imports that do not run downwards:\n" + "\n".join(upward)


def test_no_import_circles_between_modules() -> None:
    graph = {_module(path): {target for target, _ in _imports(path) if target != _module(path)} for path in _files()}
    for module, targets in graph.items():
        # The public face (sellerexpert/__init__.py) is imported before any module of the package, and
        # hands its names on lazily: an import of it (the CLI takes the public API from it) closes no circle.
        graph[module] = {t for t in targets if t in graph and t != "sellerexpert"}
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_click_lives_in_the_command_line_only() -> None:
    users = [
        str(path.relative_to(ROOT))
        for path in _files()
        if _room(_module(path)) != "_cli" and re.search(r"^\s*(import click|from click)", path.read_text(encoding="utf-8"), re.M)
    ]
    assert not users, f"click imported outside the command line: {users}"


def test_each_package_says_what_it_owns_and_may_import() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree) or ""
        assert len(doc.split()) >= 15, f"{init.relative_to(ROOT)}: no paragraph saying what the package owns"
        if init.parent.name.startswith("_") and init.parent.name != "_i18n":
            assert "May import" in doc, f"{init.relative_to(ROOT)}: the docstring does not say what the package may import"
            assert len(tree.body) == 1, f"{init.relative_to(ROOT)}: a package's face holds its docstring only"


def test_the_module_map_draws_these_floors() -> None:
    page = (ROOT / "docs" / "modules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", page, flags=re.M)
    drawn = {int(floor): set(re.findall(r"`([^`]+)`", rooms)) for floor, rooms in rows}
    expected = {
        floor + 1: {room + ("/" if (PACKAGE / room).is_dir() else ".py") for room in rooms} for floor, rooms in enumerate(LAYERS)
    }
    assert drawn == expected, f"docs/modules.md's floors differ from the code's: {drawn} != {expected}"
    for path in _files():
        module = _module(path)
        if module.count(".") == 2 and not path.name.startswith("__"):
            assert f"`{path.stem}`" in page, f"docs/modules.md does not name {module}"


SHARED = frozenset(room for rooms in LAYERS[:3] for room in rooms)
"""The ground floors every room may use: the version, worker processes, translating, the errors, the language in
force and files in and out (infrastructure, not advice)."""

@pytest.mark.parametrize("front", ["_cli", "web"])
def test_the_command_line_and_the_web_app_use_the_public_api_and_the_ground_floors_only(front: str) -> None:
    """The CLI and the web app are thin layers: advice, batches, rules, traces and catalogues come from
    ``sellerexpert`` itself (and the CLI's server from the public ``sellerexpert.web``)."""
    private = []
    for path in sorted((PACKAGE / front).glob("*.py")):
        for target, line in _imports(path):
            room = _room(target)
            if target != "sellerexpert" and room not in (front, "web", "on_dask", *SHARED):
                private.append(f"{path.relative_to(ROOT)}:{line}: {target}")
    assert not private, f"{front} reaches below the public API:\n" + "\n".join(private)
