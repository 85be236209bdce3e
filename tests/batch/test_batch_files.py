"""A batch's files against another run and against planted links (issue 23).

One run at a time writes an output: a second one, resumed or not, refuses with one line (exit 2)
instead of interleaving its rows. The resume state is read like any input: a hand-edited state file
is refused naming the file and the key, never a traceback. ``FILE.partial``, the state and the
traces in ``--trace DIR`` are never written through a link planted at their names.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sellerexpert import Advisor, BatchInterrupted, RowReader, cli, score_batch

PARTIAL_SUFFIX = ".partial"
"""``FILE.partial``: the rows written so far (docs/batch.md)."""
STATE_SUFFIX = ".partial.json"
"""``FILE.partial.json``: how far ``FILE.partial`` goes, for ``resume`` (docs/batch.md)."""
LOCK_SUFFIX = ".lock"
"""``FILE.lock``: held while a batch writes ``FILE`` (docs/batch.md)."""

RUN_AFRESH = "; run without --resume"
MODELS_WANTED = 'summary.models: expected a list of [platform, model, count] such as ["temu", "fully-managed", "count"]'
A_LINK = "is a symbolic link, and a batch never writes through one: remove it and run again"


def _sellers(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(["name", "operational_capacity", "fee_sensitivity"])
        for index in range(rows):
            out.writerow([f"s{index}", ("low", "medium", "high")[index % 3], ("low", "high")[index % 2]])
    return path


@pytest.fixture
def sellers(tmp_path: Path) -> Path:
    return _sellers(tmp_path / "sellers.csv", 60)


def _batch(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, ["batch", *args, "--no-progress"])


def _stopped(sellers: Path, out: Path, advisor: Advisor) -> None:
    """Leave ``out.partial`` and its state as Ctrl-C after the first chunk does (``batch -o out``, in Python)."""

    def ctrl_c(scored: Any) -> None:
        raise KeyboardInterrupt

    with RowReader.open(sellers) as rows, pytest.raises(BatchInterrupted):
        score_batch(rows, out, advisor=advisor, on_chunk=ctrl_c)


# -- one run at a time ------------------------------------------------------------------------------


@pytest.mark.parametrize("resume", [False, True], ids=["fresh", "--resume"])
def test_a_second_run_into_the_same_output_refuses_in_one_line(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, resume: bool
) -> None:
    out = tmp_path / "advice.jsonl"
    out.write_text("earlier advice\n", encoding="utf-8")
    partial = tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}"
    seconds: list[Result] = []

    def second_run(scored: Any) -> None:
        # A first run is writing (its first chunk is out): a second one into the same output now.
        if not seconds:
            before = partial.read_bytes()
            seconds.append(_batch(runner, str(sellers), "-o", str(out), *(["--resume"] if resume else [])))
            assert out.read_text(encoding="utf-8") == "earlier advice\n"
            assert partial.read_bytes() == before

    with RowReader.open(sellers) as rows:
        score_batch(rows, out, advisor=advisor, on_chunk=second_run)
    (second,) = seconds
    assert second.exit_code == 2
    assert second.stderr == (
        f"Error: {out}: another batch is writing this output (it holds advice.jsonl{LOCK_SUFFIX}); "
        "wait for it to finish, or choose another --output\n"
    )
    # The first run went on to its end, untroubled.
    assert out.read_text(encoding="utf-8") == _batch(runner, str(sellers)).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["advice.jsonl", "sellers.csv"]


def test_the_lock_goes_with_the_run_even_a_failed_one_and_a_stale_lock_file_is_no_lock(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor
) -> None:
    out = tmp_path / "advice.jsonl"
    lock = tmp_path / f"advice.jsonl{LOCK_SUFFIX}"
    lock.write_text("")  # what a killed run leaves: the file, but no one holds its lock
    assert _batch(runner, str(sellers), "-o", str(out)).exit_code == 0
    assert not lock.exists()
    _stopped(sellers, out, advisor)
    assert not lock.exists()
    assert _batch(runner, str(sellers), "-o", str(out), "--resume").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["advice.jsonl", "sellers.csv"]


@pytest.mark.slow
def test_two_processes_into_one_output_one_refuses_and_the_output_is_the_others(tmp_path: Path) -> None:
    first_input = _sellers(tmp_path / "first.csv", 30_000)
    second_input = _sellers(tmp_path / "second.csv", 50)
    out = tmp_path / "advice.jsonl"
    command = [sys.executable, "-m", "sellerexpert", "batch", "-o", str(out), "--no-progress"]
    first = subprocess.Popen([*command, str(first_input), "--resume"], stderr=subprocess.PIPE, text=True)
    lock = tmp_path / f"advice.jsonl{LOCK_SUFFIX}"
    deadline = time.monotonic() + 60
    while not (tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lock.exists(), "the first run never started"
    second = subprocess.run([*command, str(second_input), "--resume"], capture_output=True, text=True, timeout=120)
    _out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    assert second.stderr.startswith(f"Error: {out}: another batch is writing this output")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 30_000


# -- the resume state, read like any input ----------------------------------------------------------


def _edit(state: dict[str, Any], edit: str) -> Any:
    summary = state["summary"]
    edits: dict[str, Callable[[], Any]] = {
        "no bytes": lambda: state.pop("bytes"),
        "bytes as text": lambda: state.update(bytes="abc"),
        "negative bytes": lambda: state.update(bytes=-5),
        "no summary": lambda: state.pop("summary"),
        "rows as text": lambda: summary.update(rows="12"),
        "no failed": lambda: summary.pop("failed"),
        "failed past rows": lambda: summary.update(failed=summary["rows"] + 1),
        "failed rows not numbers": lambda: summary.update(failed_rows=["x"]),
        "models not triples": lambda: summary.update(models=[["temu", "fully-managed"]]),
        "unknown platform": lambda: summary.update(models=[["amazon", "fully-managed", 3]]),
        "identity a list": lambda: state.update(identity=[]),
        "version 2": lambda: state.update(version=2),
    }
    edits[edit]()
    return state


STATE_EDITS = [
    ("no bytes", "bytes: expected a whole number of bytes, 0 or more, got null"),
    ("bytes as text", 'bytes: expected a whole number of bytes, 0 or more, got "abc"'),
    ("negative bytes", "bytes: expected a whole number of bytes, 0 or more, got -5"),
    ("no summary", "summary: expected a table of counts"),
    ("rows as text", 'summary.rows: expected a whole number, 0 or more, got "12"'),
    ("no failed", "summary.failed: expected a whole number, 0 or more, got null"),
    ("failed past rows", "summary.failed: 17 failed rows is more than the 16 rows done"),
    ("failed rows not numbers", "summary.failed_rows: expected a list of row numbers (1 or more)"),
    ("models not triples", MODELS_WANTED),
    ("unknown platform", MODELS_WANTED),
    ("identity a list", "identity: expected a table describing the earlier run"),
    ("version 2", "version: version 2 is not one this sellerexpert writes (1)"),
]


@pytest.mark.parametrize(("edit", "problem"), STATE_EDITS, ids=[edit for edit, _problem in STATE_EDITS])
def test_a_hand_edited_state_file_is_refused_naming_the_key(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, edit: str, problem: str
) -> None:
    out = tmp_path / "advice.jsonl"
    _stopped(sellers, out, advisor)
    state_path = tmp_path / f"advice.jsonl{STATE_SUFFIX}"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state_path.write_text(json.dumps(_edit(state, edit)), encoding="utf-8")
    result = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {state_path}: {problem}{RUN_AFRESH}\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "malformed JSON: Expecting property name enclosed in double quotes"),
        ('{"format": "x", "format": "y"}', 'the key "format" appears twice in one object: give each key once'),
        ("[]", "is not a batch state file"),
        ("\x00\x01", "is a binary file, not JSON, YAML or TOML text"),
    ],
    ids=["malformed", "duplicate key", "a list", "binary"],
)
def test_a_state_file_that_is_not_one_is_refused(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, text: str, problem: str
) -> None:
    out = tmp_path / "advice.jsonl"
    _stopped(sellers, out, advisor)
    state_path = tmp_path / f"advice.jsonl{STATE_SUFFIX}"
    state_path.write_text(text, encoding="utf-8")
    result = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {state_path}")
    assert result.stderr.endswith(f": {problem}{RUN_AFRESH}\n")


def test_a_torn_line_that_is_json_but_not_a_record_is_dropped(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor
) -> None:
    out = tmp_path / "advice.jsonl"
    _stopped(sellers, out, advisor)
    with (tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}").open("a", encoding="utf-8") as stream:
        stream.write("[1, 2]\n")
    assert _batch(runner, str(sellers), "-o", str(out), "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8") == _batch(runner, str(sellers)).stdout


# -- planted links ------------------------------------------------------------------------------------


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere" / "precious.txt"
    target.parent.mkdir()
    target.write_text("precious\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("name", [PARTIAL_SUFFIX, STATE_SUFFIX, STATE_SUFFIX + ".tmp"], ids=["partial", "state", "state tmp"])
def test_a_link_planted_beside_the_output_is_replaced_not_written_through(
    runner: CliRunner, sellers: Path, tmp_path: Path, victim: Path, name: str
) -> None:
    out = tmp_path / "advice.jsonl"
    planted = tmp_path / f"advice.jsonl{name}"
    planted.symlink_to(victim)
    result = _batch(runner, str(sellers), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert out.read_text(encoding="utf-8") == _batch(runner, str(sellers)).stdout
    assert not planted.exists() or planted.is_symlink()  # at most the planted link is left, pointing where it did


def test_a_link_planted_at_a_trace_name_is_replaced_not_written_through(
    runner: CliRunner, sellers: Path, tmp_path: Path, victim: Path
) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / "row-000001.json").symlink_to(victim)
    result = _batch(runner, str(sellers), "--trace", str(traces), "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "precious\n"
    first = traces / "row-000001.json"
    assert not first.is_symlink() and json.loads(first.read_text(encoding="utf-8"))["format"] == "sellerexpert-trace"
    assert sorted(p.name for p in traces.iterdir()) == [f"row-{n:06d}.json" for n in range(1, 61)]


def test_a_link_planted_at_the_lock_is_refused(runner: CliRunner, sellers: Path, tmp_path: Path, victim: Path) -> None:
    out = tmp_path / "advice.jsonl"
    lock = tmp_path / f"advice.jsonl{LOCK_SUFFIX}"
    lock.symlink_to(victim)
    result = _batch(runner, str(sellers), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {lock}: {A_LINK}\n"
    assert victim.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("which", ["partial", "state"])
@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_resume_refuses_a_partial_output_or_state_that_is_a_link(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, victim: Path, which: str, link: str
) -> None:
    out = tmp_path / "advice.jsonl"
    _stopped(sellers, out, advisor)
    path = tmp_path / f"advice.jsonl{PARTIAL_SUFFIX if which == 'partial' else STATE_SUFFIX}"
    victim.write_bytes(path.read_bytes())
    before = victim.read_bytes()
    path.unlink()
    if link == "symbolic":
        path.symlink_to(victim)
        problem = A_LINK
    else:
        os.link(victim, path)
        problem = "has another name (a hard link), and a batch never writes through one: remove it and run again"
    result = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path}: {problem}\n"
    assert victim.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_planted_at_the_state_does_not_hang_resume(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor
) -> None:
    out = tmp_path / "advice.jsonl"
    _stopped(sellers, out, advisor)
    state_path = tmp_path / f"advice.jsonl{STATE_SUFFIX}"
    state_path.unlink()
    os.mkfifo(state_path)
    result = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {state_path}: is not a regular file, and a batch never writes through one: remove it and run again\n"
    )


def test_a_folder_at_the_state_name_is_one_line_and_leaves_no_file_open(runner: CliRunner, sellers: Path, tmp_path: Path) -> None:
    import gc

    out = tmp_path / "advice.jsonl"
    state = tmp_path / f"advice.jsonl{STATE_SUFFIX}"
    state.mkdir()
    result = _batch(runner, str(sellers), "-o", str(out))
    gc.collect()  # an unclosed partial output would warn here (and warnings are errors)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {state}: cannot write the resume state (Is a directory)\n"
    assert not (tmp_path / f"advice.jsonl{LOCK_SUFFIX}").exists()
