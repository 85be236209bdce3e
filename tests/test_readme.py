"""The README stays true: its API example runs as printed and CI runs its test command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sellerexpert import Advisor

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_api_example_runs_as_printed() -> None:
    namespace: dict[str, object] = {}
    exec(compile(_blocks("python")[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    result = namespace["result"]
    assert result.recommendations[0].model in ("fully-managed", "semi-managed")  # type: ignore[attr-defined]


def test_exactly_two_shell_commands_up_front_and_ci_runs_the_second() -> None:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]
    assert len(commands) == 2
    assert "sellerexpert consult" in commands[0] and "examples/" in commands[0]
    assert "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    example = re.search(r"examples/\S+", commands[0])
    assert example and (ROOT / example.group(0)).is_file()


def _json_block() -> dict[str, Any]:
    block = README.split("### The result (JSON contract)", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    return json.loads(block)  # type: ignore[no-any-return]


def _agrees(shown: Any, real: Any) -> bool:
    """Whether a README value matches real output: `...` shortens texts, lists show a subset."""
    if isinstance(shown, str) and shown.endswith("..."):
        return isinstance(real, str) and real.startswith(shown[:-3].rstrip())
    if shown == "...":
        return True
    if isinstance(shown, dict):
        return isinstance(real, dict) and set(shown) == set(real) and all(_agrees(v, real[k]) for k, v in shown.items())
    if isinstance(shown, list):
        if not isinstance(real, list):
            return False
        if shown == ["..."]:
            return True
        return all(any(_agrees(item, candidate) for candidate in real) for item in shown)
    return bool(shown == real and type(shown) is type(real))


def test_readme_json_example_is_real_output(advisor: Advisor) -> None:
    shown = _json_block()
    real = advisor.consult(shown["profile"]).to_dict()
    assert set(shown) == set(real)
    assert shown["profile"] == real["profile"]
    assert shown["best"] == real["best"]
    for rec in shown["recommendations"]:
        actual = next(r for r in real["recommendations"] if r["platform"] == rec["platform"])
        assert set(rec) == set(actual)
        for key, value in rec.items():
            assert _agrees(value, actual[key]), f"README's {rec['platform']} {key} is not what consult gives"


def _package_imports(path: Path) -> set[str]:
    """The package's own modules a file imports, at the top or inside a function."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
    return found - {"_version"}


def test_the_module_map_matches_the_code() -> None:
    package = ROOT / "src" / "sellerexpert"
    section = README.split("### Module map", 1)[1]
    rows = re.findall(r"^\|[^|]*\| `([^`]+)` \|[^|\n]*(?:\\\|[^|\n]*)*\| ([^\n]*) \|$", section, flags=re.M)
    shown = {module: set(re.findall(r"`([^`]+)`", imports)) for module, imports in rows}
    modules = {p.name for p in package.glob("*.py")} | {"web/"}
    assert set(shown) == modules, f"the map and the package differ: {set(shown) ^ modules}"
    for module, imports in shown.items():
        if module == "web/":
            own = {p.stem for p in (package / "web").glob("*.py")}
            actual = set().union(*(_package_imports(p) for p in (package / "web").glob("*.py"))) - own
        else:
            actual = _package_imports(package / module)
        assert imports == actual, f"{module}: the map says {sorted(imports)}, the code imports {sorted(actual)}"
