"""What reaches the terminal (issue 23): a closed pipe, a narrow encoding, escape sequences, counts without end.

- A reader that goes away (``| head -1``) ends the command quietly with 141 (128 + SIGPIPE), as the
  README says, whatever the command and however early.
- A terminal that cannot encode the output shows '?' for what it cannot show; a file or pipe in such
  an encoding gets one error line (exit 1) rather than silently altered data; never a traceback.
- Escape sequences and bidirectional marks in a profile's name, a value or a trace are printed as
  escapes, never acted on by the terminal.
- Options that set a count (``--jobs``, ``serve --workers``, ``rules review --within``) have an upper bound.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, JsonLinesWriter, RowReader, cli, due_facts, run_batch

CLOSED_PIPE = 141
"""The exit code of a command whose reader went away: 128 + SIGPIPE, as a shell reports a tool SIGPIPE ended."""
MAX_WORKERS = 256
"""The most worker processes ``--jobs`` takes (docs/batch.md)."""
MAX_WITHIN_DAYS = 36_500
"""The furthest ahead ``rules review --within`` looks: a hundred years, in days."""

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "one-person-shop.yaml"
CLI = [sys.executable, "-m", "sellerexpert"]
HOSTILE_NAME = "Shop \x1b]0;owned\x07\x1b[2J\u202eevil\r"


# -- a closed pipe -----------------------------------------------------------------------------------


# Each case starts the installed command as a process: one in the default run, the others in the slow set.
SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["consult", "-p", str(SHOP), "--explain"], id="consult --explain"),
        pytest.param(["rules", "list", "-f", "json"], id="rules list", marks=SLOW),
        pytest.param(["--help"], id="--help", marks=SLOW),
        pytest.param(["--version"], id="--version", marks=SLOW),
    ],
)
def test_a_closed_pipe_ends_quietly_with_141(args: list[str]) -> None:
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write, as `| head -1` is after its line
    with process.stderr:
        stderr = process.stderr.read()
    assert process.wait(timeout=60) == CLOSED_PIPE
    assert stderr == b""


def test_head_one_after_consult_explain_is_quiet() -> None:
    done = subprocess.run(
        f"{sys.executable} -m sellerexpert consult -p {SHOP} --explain | head -1; echo \"${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60,
    )
    first, status = done.stdout.splitlines()
    assert first == "Advice for Lin's phone accessories"
    assert status in ("0", "141")  # 0 when the whole output fit in the pipe before head left
    assert done.stderr == ""


# -- encodings ---------------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    import pty

    primary, secondary = pty.openpty()
    process = subprocess.Popen([*CLI, *args], stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    output = b""
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not data:
            break
        output += data
    os.close(primary)
    assert process.stderr is not None
    with process.stderr:
        stderr = process.stderr.read()
    return process.wait(timeout=60), output, stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("encoding", ["latin-1", pytest.param("cp1252", marks=SLOW)])
def test_a_terminal_that_cannot_show_chinese_shows_question_marks(encoding: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1"}
    code, output, stderr = _on_a_terminal(["--lang", "zh", "consult", "-p", str(SHOP)], env)
    assert code == 0, stderr
    assert b"Traceback" not in stderr
    assert output.decode(encoding).startswith("?????Lin's phone accessories")


@pytest.mark.parametrize("encoding", [pytest.param("latin-1", marks=SLOW), "cp1252"])
def test_a_pipe_that_cannot_hold_the_output_is_one_error_line(encoding: str, tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"name": "小店", "operational_capacity": "low"}), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run([*CLI, "consult", "-p", str(profile)], capture_output=True, env=env, timeout=60)
    assert done.returncode == 1
    name = "iso8859-1" if encoding == "latin-1" else encoding
    assert done.stderr.decode(encoding) == (
        f"Error: cannot write the output to stdout: its encoding ({name}) cannot hold '\\u5c0f\\u5e97'; "
        "set PYTHONIOENCODING=utf-8\n"
    )


# -- escape sequences ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_profile_name_never_reaches_the_terminal_as_escape_sequences(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"name": HOSTILE_NAME, "operational_capacity": "low"}), encoding="utf-8")
    result = runner.invoke(cli, ["consult", "-p", str(profile), "-f", fmt], catch_exceptions=False)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\r" not in result.stdout
    assert "x1b]0;owned" in result.stdout.splitlines()[0]  # shown, escaped (markdown escapes the backslash again)
    if fmt == "text":
        assert result.stdout.splitlines()[0] == "Advice for Shop \\x1b]0;owned\\x07\\x1b[2J\\u202eevil"
    as_json = runner.invoke(cli, ["consult", "-p", str(profile), "-f", "json"], catch_exceptions=False)
    assert json.loads(as_json.stdout)["profile"]["name"] == HOSTILE_NAME.strip()  # data stays as given


def test_an_error_quoting_a_value_shows_its_escape_sequences(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--operational-capacity", "lo\x1b[2Jw"])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert "'lo\\x1b[2Jw' is not one of" in result.stderr


def test_an_audited_trace_cannot_write_escape_sequences(runner: CliRunner, advisor: Advisor, tmp_path: Path) -> None:
    trace = advisor.consult({"name": "x", "operational_capacity": "low"}).trace.to_dict()
    trace["profile"]["name"] = "\x1b[2K\rOK   all good\u202e"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(trace), encoding="utf-8")
    result = runner.invoke(cli, ["audit", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\r" not in result.stdout


# -- counts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["batch", "-", "--jobs", "100000"],
            f"Invalid value for '-j' / '--jobs': 100000 is not in the range 0<=x<={MAX_WORKERS}.",
        ),
        (["serve", "--workers", "100000"], "Invalid value for '--workers': 100000 is not in the range 1<=x<=64."),
        (
            ["rules", "review", "--within", "100000000000"],
            f"Invalid value for '--within': 100000000000 is not in the range 0<=x<={MAX_WITHIN_DAYS}.",
        ),
    ],
    ids=["batch --jobs", "serve --workers", "rules review --within"],
)
def test_a_count_past_its_bound_is_a_usage_error(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args, input="")
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")


def test_the_api_bounds_the_same_counts(advisor: Advisor) -> None:
    rows = RowReader(io.BytesIO(b"{}\n"), source="<test>", format="jsonl")
    with pytest.raises(ValueError, match=f"not in 1..{MAX_WORKERS}"):
        run_batch(rows, JsonLinesWriter(io.StringIO()), advisor=advisor, jobs=MAX_WORKERS + 1)
    with pytest.raises(ValueError, match=f"not in 1..{MAX_WORKERS}"):
        advisor.catalogue({}, [{"sku": "A"}], jobs=MAX_WORKERS + 1)
    with pytest.raises(ValueError, match=f"not in 0..{MAX_WITHIN_DAYS}"):
        due_facts(advisor.rules, within_days=10**11)
    assert due_facts(advisor.rules, within_days=MAX_WITHIN_DAYS) is not None
