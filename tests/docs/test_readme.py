"""The README stays true: its API example runs as printed, CI runs its test command, and its pages are linked.

The docs pages' own checks (the module map, the brief's paragraphs, freshness) are in tests/docs/test_docs.py;
every shell command in the README and docs runs in tests/docs/test_docs_commands.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sellerexpert import Advisor

ROOT = Path(__file__).resolve().parents[2]
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


def test_the_readme_says_what_ci_runs_as_ci_runs_it() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    said = README.split("CI runs `bash .ci/run`", 1)[1].split("\n\n", 1)[0]
    # Each step the README names is one .ci/run takes.
    for step, command in [("ruff", "ruff check src tests bench"), ("mypy", "python -m mypy"), ("slow", "-m slow"),
                          ("Dask", "'.[test,dask]'"), ("Chromium", "apt-get install -y -qq chromium")]:
        assert step in said and command in ci, step


def test_every_docs_page_is_linked_from_the_readme() -> None:
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", README))
    assert linked == set(pages)


def test_the_readme_and_docs_name_only_shipped_examples() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in re.findall(r"\bexamples/([\w.-]+\.\w+)", page.read_text(encoding="utf-8")):
            assert (ROOT / "examples" / name).is_file(), f"{page.name} names examples/{name}, which is not shipped"


def test_links_between_pages_reach_a_heading() -> None:
    def anchors(path: Path) -> set[str]:
        heads = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
        return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}

    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", page.read_text(encoding="utf-8")):
            if target.startswith("http"):
                continue
            path = (page.parent / target).resolve() if target else page
            assert path.exists(), f"{page.name}: link to {target} goes nowhere"
            if anchor:
                assert anchor in anchors(path), f"{page.name}: no heading #{anchor} in {target or page.name}"


def _json_block() -> dict[str, Any]:
    block = README.split("\n## The result\n", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
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
