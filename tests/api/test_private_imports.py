"""Tests go through the public API: at most ten test files import a private module, each named here.

A test that imports ``sellerexpert._something`` breaks when that module moves, whether or not any
behaviour changed; one that uses ``sellerexpert.__all__``, the command line or the file formats breaks
only when a user would notice. The few files below test an internal on purpose: the engines proven
equal (with coverage's replay and shared route checks), the decision policy, the condition algebra, the
rule book's own checks, templates and route requirements beside each rule's examples, the field types,
the margin arithmetic's rounding and rule facts, the translation machinery, the report's glossary, the
records' helper (a ``to_dict`` generated from a declaration), and the fixture that shares one advisor
with the command line. Each says why in its module docstring.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

ALLOWED: frozenset[str] = frozenset(
    {
        "api/test_records.py",
        "conftest.py",
        "economics/test_economics.py",
        "engine/test_evaluator.py",
        "engine/test_policy.py",
        "i18n/test_i18n.py",
        "profile/test_conditions.py",
        "profile/test_fields.py",
        "results/test_report_zh.py",
                "rulebook/test_rules.py",
    }
)
"""The test files that may import a private module (paths under tests/)."""

LIMIT = 10


def private_imports(source: str) -> list[str]:
    """The private names a module's source imports from sellerexpert, as ``module`` or ``module.name``.

    Private: a module path with a part after ``sellerexpert`` that starts with ``_``
    (``sellerexpert._batch``, ``sellerexpert.web._lang``), or a ``_name`` imported from a public module
    (``from sellerexpert import _language``). Dunder names such as ``__version__`` are public.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _private_module(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _private_module(node.module):
                found.append(node.module)
            elif node.module.split(".")[0] == "sellerexpert":
                found += [f"{node.module}.{alias.name}" for alias in node.names if _private_name(alias.name)]
    return found


def _private_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "sellerexpert" and any(_private_name(part) for part in parts[1:])


def _private_name(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def files_importing_private_modules() -> dict[str, list[str]]:
    """Each test file (path under tests/) that imports a private module, with what it imports."""
    found = {}
    for path in sorted(TESTS.rglob("*.py")):
        names = private_imports(path.read_text(encoding="utf-8"))
        if names:
            found[path.relative_to(TESTS).as_posix()] = names
    return found


def test_the_walk_finds_every_spelling_of_a_private_import() -> None:
    source = (
        "import sellerexpert._batch.batch\n"
        "from sellerexpert._profile import profile\n"
        "from sellerexpert.web._lang import from_accept_language\n"
        "from sellerexpert import _language, Advisor, __version__\n"
        "from sellerexpert import web, use_language\n"
        "from . import _helpers\n"
        "import sellerexpert\n"
        "def later():\n"
        "    from sellerexpert._i18n import width\n"
    )
    assert sorted(private_imports(source)) == sorted(
        [
            "sellerexpert._batch.batch",
            "sellerexpert._profile",
            "sellerexpert.web._lang",
            "sellerexpert._language",
            "sellerexpert._i18n",
        ]
    )


def test_at_most_eleven_test_files_import_a_private_module() -> None:
    found = files_importing_private_modules()
    listing = "\n".join(f"  {path}: {', '.join(names)}" for path, names in found.items())
    assert len(found) <= LIMIT, f"{len(found)} test files import a private module (at most {LIMIT}):\n{listing}"
    unexpected = sorted(set(found) - ALLOWED)
    assert not unexpected, (
        f"test files importing a private module that are not internals tests on purpose: {unexpected}; "
        "use the public API (sellerexpert.__all__), the command line or the file formats instead"
    )


def test_the_allowed_files_exist_and_say_why_they_reach_inside() -> None:
    assert len(ALLOWED) <= LIMIT
    for name in sorted(ALLOWED):
        path = TESTS / name
        assert path.is_file(), f"tests/{name} is allowed to import private modules but does not exist"
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "internal" in docstring.lower(), f"tests/{name}: its module docstring does not say why it tests an internal"
