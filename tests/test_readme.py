"""The README stays true: its API example runs as printed and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

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
