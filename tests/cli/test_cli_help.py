"""Every command explains itself: a one-line summary, an example, help on each option, and a place in the README.

The command list is read from the click tree, so a new command is checked the day it is added.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sellerexpert import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


COMMANDS = [((), cli), *_commands(cli)]


def test_the_documented_commands_are_all_there() -> None:
    names = {" ".join(path) for path, _command in COMMANDS}
    assert {
        "consult",
        "batch",
        "explain",
        "audit",
        "schema",
        "margin",
        "rules list",
        "rules show",
        "rules lint",
        "rules coverage",
    } <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) or "sellerexpert" for path, _command in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(
    runner: CliRunner, path: tuple[str, ...], command: click.Command
) -> None:
    outputs = [runner.invoke(cli, [*path, flag], catch_exceptions=False) for flag in ("-h", "--help")]
    assert [r.exit_code for r in outputs] == [0, 0]
    assert outputs[0].stdout == outputs[1].stdout
    text = outputs[0].stdout
    summary = (command.help or "").splitlines()[0]
    # An imperative one-line summary, shown first, and a runnable example in its own block.
    assert summary and summary.endswith(".") and summary[0].isupper(), summary
    # click wraps the summary to the terminal width: compare the first paragraph word by word.
    assert text.split("\n\n")[1].split() == summary.split()
    assert "\n  Example:\n    sellerexpert " in text
    undocumented = [p.name for p in command.params if isinstance(p, click.Option) and not p.hidden and not p.help]
    assert undocumented == []
    assert f"sellerexpert {' '.join(path)}".rstrip() in README, f"the README does not show 'sellerexpert {' '.join(path)}'"
