"""The shipped examples: listed and copied by `sellerexpert examples`, in a wheel as in a checkout, and one source of truth.

The top-level ``examples/`` folder is where they are written; the wheel maps it in (pyproject.toml),
so the tests compare what the installed package holds with that folder rather than keep a copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, REPO
from sellerexpert import ExamplesError, cli, copy_examples, example_files

SHIPPED = sorted(path.name for path in EXAMPLES.iterdir() if path.is_file())


def test_the_package_holds_exactly_the_examples_folder() -> None:
    # In CI the package is installed from a wheel (`pip install '.[test]'`): this compares its copy.
    assert [example.name for example in example_files()] == SHIPPED
    for example in example_files():
        assert example.path.read_bytes() == (EXAMPLES / example.name).read_bytes(), example.name


def test_every_example_is_described() -> None:
    described = {example.name: example.description for example in example_files()}
    assert sorted(described) == SHIPPED
    assert all(described.values())
    assert len(set(described.values())) == len(described), "two examples share one description"


def test_examples_lists_each_file_with_what_it_is_for(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["examples"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == SHIPPED
    assert "sellers.csv                   five sellers, one a row: the input of batch" in lines
    assert result.stderr == ""


def test_examples_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["examples", "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "sellers.csv                   五个卖家，每行一个：batch 的输入" in result.stdout.splitlines()


def test_copy_writes_every_example_into_a_new_folder(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "mine" / "examples"
    result = runner.invoke(cli, ["examples", "copy", str(target)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [str(target / name) for name in SHIPPED]
    assert result.stderr == f"Copied {len(SHIPPED)} examples into {target}.\n"
    assert sorted(p.name for p in target.iterdir()) == SHIPPED
    assert all((target / name).read_bytes() == (EXAMPLES / name).read_bytes() for name in SHIPPED)


def test_copy_into_an_empty_existing_folder(tmp_path: Path) -> None:
    assert copy_examples(tmp_path) == [tmp_path / name for name in SHIPPED]


def test_copy_overwrites_nothing_and_copies_nothing_when_a_name_is_taken(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "one-person-shop.yaml").write_text("my own edits\n")
    result = runner.invoke(cli, ["examples", "copy", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for 'DIR': {tmp_path}: already holds one-person-shop.yaml: nothing was copied; "
        "choose another folder, or move those files away first"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["one-person-shop.yaml"]
    assert (tmp_path / "one-person-shop.yaml").read_text() == "my own edits\n"


def test_copy_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sellers.csv").symlink_to(victim)
    with pytest.raises(ExamplesError) as caught:
        copy_examples(tmp_path / "out")
    assert caught.value.path == tmp_path / "out"
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("file.txt", "{dir}: is not a folder; name a new or empty folder"),
        ("file.txt/sub", "{dir}: cannot write there (Not a directory); name a folder you can write to"),
    ],
    ids=["a file", "under a file"],
)
def test_copy_to_a_bad_folder_exits_2_naming_it(runner: CliRunner, tmp_path: Path, target: str, expected: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    result = runner.invoke(cli, ["examples", "copy", str(tmp_path / target)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == "Error: Invalid value for 'DIR': " + expected.format(dir=tmp_path / target)


def _entry_point() -> str:
    found = shutil.which("sellerexpert", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the sellerexpert entry point is not installed next to this Python")
    return found


def test_the_installed_command_copies_the_examples_and_consults_one(tmp_path: Path) -> None:
    command = _entry_point()
    env = {**os.environ, "SELLEREXPERT_LANG": "en"}
    copied = subprocess.run([command, "examples", "copy", "examples"], cwd=tmp_path, capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    assert copied.returncode == 0, copied.stderr
    assert sorted(p.name for p in (tmp_path / "examples").iterdir()) == SHIPPED
    again = subprocess.run([command, "examples", "copy", "examples"], cwd=tmp_path, capture_output=True, text=True,
                           env=env, timeout=60, check=False)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.splitlines()[-1].startswith("Error: Invalid value for 'DIR': examples: already holds ")
    consulted = subprocess.run([command, "consult", "--profile", "examples/one-person-shop.yaml"], cwd=tmp_path,
                               capture_output=True, text=True, env=env, timeout=60, check=False)
    assert consulted.returncode == 0, consulted.stderr
    assert consulted.stdout.startswith("Advice for Lin's phone accessories")


@pytest.mark.slow
def test_the_wheel_carries_the_examples_folder(tmp_path: Path) -> None:
    """Build the wheel as pip does and read it: examples/ is inside, byte for byte, beside rules/."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("sellerexpert-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        inside = {name.removeprefix("sellerexpert/examples/"): archive.read(name)
                  for name in archive.namelist() if name.startswith("sellerexpert/examples/")}
        assert any(name.startswith("sellerexpert/rules/") for name in archive.namelist())
    assert sorted(inside) == SHIPPED
    assert all(inside[name] == (EXAMPLES / name).read_bytes() for name in SHIPPED)
