"""Really stopping a batch: SIGKILL, SIGTERM and Ctrl-C on a running process, then --resume.

These start whole processes and wait for real work, so they are marked slow
(``python -m pytest -m slow tests/batch/test_batch_kill.py``; CI runs them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_batch_output import write_sellers

from sellerexpert import cli

PARTIAL_SUFFIX = ".partial"
"""``FILE.partial``: the rows written so far (docs/batch.md)."""
STATE_SUFFIX = ".partial.json"
"""``FILE.partial.json``: how far ``FILE.partial`` goes, for ``resume`` (docs/batch.md)."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds leftover processes through /proc"),
]


def _processes_marked(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _rows_checkpointed(state: Path) -> int:
    try:
        return int(json.loads(state.read_text(encoding="utf-8"))["summary"]["rows"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize(
    ("how", "jobs"),
    [("kill", "1"), ("kill", "2"), ("term", "1"), ("term", "2"), ("ctrl-c", "2")],
    ids=["SIGKILL --jobs 1", "SIGKILL --jobs 2", "SIGTERM --jobs 1", "SIGTERM --jobs 2", "Ctrl-C --jobs 2"],
)
def test_a_stopped_run_leaves_nothing_behind_and_resumes_byte_for_byte(tmp_path: Path, how: str, jobs: str) -> None:
    sellers = write_sellers(tmp_path / "sellers.csv", 400)
    out = tmp_path / "advice.jsonl"
    out.write_text("earlier advice\n")
    marker = f"SELLEREXPERT_TEST_RUN={uuid.uuid4().hex}"
    name, value = marker.split("=")
    env = {**os.environ, name: value}
    env.pop("SELLEREXPERT_TRACE_KEY", None)
    # The reference engine is slow enough that the run is still going when it is stopped.
    command = [sys.executable, "-m", "sellerexpert", "batch", str(sellers), "-o", str(out), "--jobs", jobs, "--engine", "experta"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    state = tmp_path / f"advice.jsonl{STATE_SUFFIX}"
    deadline = time.monotonic() + 60
    while _rows_checkpointed(state) < 16 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be stopped"
    if how == "kill":
        os.kill(process.pid, signal.SIGKILL)
    elif how == "term":
        os.kill(process.pid, signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, raw_stderr = process.communicate(timeout=30)  # to the end: workers hold stderr open too
    code = process.returncode
    deadline = time.monotonic() + 15
    while _processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_marked(marker) == [], "worker processes outlived the batch"
    stderr = raw_stderr.decode()
    assert "resource_tracker" not in stderr and "leaked" not in stderr
    assert "Traceback" not in stderr
    assert out.read_text() == "earlier advice\n"
    partial = tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}"
    assert partial.exists()
    if how == "kill":
        assert code == -signal.SIGKILL
    else:
        assert code == (143 if how == "term" else 130)
        kept = partial.read_text(encoding="utf-8").count("\n")
        assert stderr.splitlines()[-1] == (
            f"Interrupted: {out} was left as it was; the {kept} rows done are kept in {partial}. "
            "Run the same command with --resume to go on from there."
        )
    runner = CliRunner()
    resumed = runner.invoke(cli, ["batch", str(sellers), "-o", str(out), "--jobs", jobs, "--resume"])
    assert resumed.exit_code == 1, resumed.output
    reference = runner.invoke(cli, ["batch", str(sellers)])
    assert out.read_text(encoding="utf-8") == reference.stdout
    assert not partial.exists() and not state.exists()
