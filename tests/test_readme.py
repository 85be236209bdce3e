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


def _commands() -> list[tuple[str, object]]:
    import click

    from sellerexpert.cli import cli

    found: list[tuple[str, object]] = []

    def walk(group: click.Group, prefix: str) -> None:
        for name, command in sorted(group.commands.items()):
            full = f"{prefix} {name}".strip()
            found.append((full, command))
            if isinstance(command, click.Group):
                walk(command, full)

    walk(cli, "")
    return found


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    from click.testing import CliRunner

    from sellerexpert.cli import cli

    commands = _commands()
    assert {"consult", "batch", "explain", "audit", "schema", "rules list", "rules show", "rules lint", "rules coverage"} <= {
        name for name, _ in commands
    }
    for name, _ in commands:
        result = CliRunner().invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"'{name} --help' has no example"
        assert f"sellerexpert {name}" in README, f"the README does not show 'sellerexpert {name}'"
