"""Starting the command line is cheap: `--help` and `--version` load neither the engine nor the rule book."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "experta",
    "jsonschema",
    "yaml",
    "sellerexpert._rulebook.rulebook",
    "sellerexpert._advisor",
    "sellerexpert._engine.experta",
    "importlib.metadata",
)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["consult", "--help"], ["batch", "--help"]], ids=" ".join)
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from sellerexpert._cli.cli import cli\n"
        "try:\n"
        f"    cli({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr
