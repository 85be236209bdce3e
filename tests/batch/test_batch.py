"""Batch consultation: streaming CSV/JSONL in, JSONL/CSV out, bad rows among good ones, --jobs keeps order."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sellerexpert import PLATFORMS, Advisor, JsonLinesWriter, RowReader, cli, run_batch

CSV_COLUMNS = (
    "row",
    "status",
    "name",
    "best_platform",
    "best_model",
    "best_confidence",
    *(f"{platform}_{key}" for platform in PLATFORMS for key in ("model", "confidence", "basis", "reasons")),
    "assumed",
    "error_field",
    "error",
)
"""The CSV output's columns, as docs/batch.md lists them."""

CSV_TEXT = (
    "name,platforms,operational_capacity,target_markets,local_warehouse,monthly_orders\n"
    "A,temu;aliexpress,low,US,no,120\n"
    "B,,high,US;EU,yes,6000\n"
    "C,,huge,,,\n"
    "\n"
    "D,tiktok,medium,UK,,-5\n"
    "E,temu,Medium,DE,,800\n"
)


@pytest.fixture
def sellers(tmp_path: Path) -> Path:
    path = tmp_path / "sellers.csv"
    path.write_text(CSV_TEXT)
    return path


def test_bad_rows_are_reported_and_the_others_go_on(runner: CliRunner, advisor: Advisor, sellers: Path) -> None:
    result = runner.invoke(cli, ["batch", str(sellers)])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["row"], r["status"]) for r in records] == [(1, "ok"), (2, "ok"), (3, "error"), (4, "error"), (5, "ok")]
    assert records[0] == {"row": 1, "status": "ok", **advisor.consult(
        {"name": "A", "platforms": "temu;aliexpress", "operational_capacity": "low", "target_markets": "US",
         "local_warehouse": "no", "monthly_orders": "120"}).to_dict()}
    assert records[2]["error"] == {
        "message": f"{sellers}:4: operational_capacity: 'huge' is not one of low, medium, high",
        "line": 4, "field": "operational_capacity", "value": "huge", "allowed": ["low", "medium", "high"],
    }
    assert records[3]["error"]["line"] == 6
    assert records[3]["error"]["field"] == "monthly_orders"
    assert result.stderr.splitlines() == [
        f"row 3: {sellers}:4: operational_capacity: 'huge' is not one of low, medium, high",
        f"row 4: {sellers}:6: monthly_orders: expected a whole number 0 or more, got '-5' (allowed: a whole number, 0 or more)",
        "rows: 5 (3 consulted, 2 failed)",
        "  temu: fully-managed 2, semi-managed 1",
        "  aliexpress: fully-managed 1, semi-managed 1",
        "  tiktok_shop: semi-managed 1",
        "failed rows: 3, 4",
        "Error: 2 of 5 rows failed",
    ]


def test_all_good_rows_exit_0(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    path.write_text('{"operational_capacity": "low"}\n\n{"platforms": ["temu"]}\n')
    result = runner.invoke(cli, ["batch", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert [json.loads(line)["row"] for line in result.stdout.splitlines()] == [1, 2]
    assert result.stderr.startswith("rows: 2 (2 consulted, 0 failed)\n")


def test_jobs_2_output_is_identical_to_jobs_1(runner: CliRunner, sellers: Path, tmp_path: Path) -> None:
    many = tmp_path / "many.csv"
    lines = CSV_TEXT.splitlines()
    many.write_text("\n".join([lines[0], *(lines[1:] * 8)]) + "\n")
    one = runner.invoke(cli, ["batch", str(many), "--jobs", "1"])
    two = runner.invoke(cli, ["batch", str(many), "-j", "2"])
    assert one.exit_code == two.exit_code == 1
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr
    assert [json.loads(line)["row"] for line in two.stdout.splitlines()] == list(range(1, 41))


def test_jsonl_rows_with_bad_json_a_list_and_an_unknown_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"fee_sensitivity": "high"}\n{"fee_sensitivity": \n["low"]\n{"capacity": "low"}\n')
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 1
    errors = [json.loads(line).get("error") for line in result.stdout.splitlines()]
    assert errors[0] is None
    assert errors[1]["message"].startswith(f"{path}:2: malformed JSON: Expecting value")
    assert errors[2]["message"] == f"{path}:3: a profile must be a mapping of field names to values, got a list"
    assert errors[3]["message"] == (
        f"{path}:4: capacity: unknown field 'capacity' - did you mean 'operational_capacity'? (allowed: "
        + ", ".join(f.name for f in __import__("sellerexpert").FIELDS) + ")"
    )
    assert errors[3]["field"] == "capacity"


def test_csv_output_to_a_file(runner: CliRunner, sellers: Path, tmp_path: Path) -> None:
    out = tmp_path / "advice.csv"
    result = runner.invoke(cli, ["batch", str(sellers), "--output", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["row"], r["status"], r["best_model"] or r["error_field"]) for r in rows] == [
        ("1", "ok", "fully-managed"), ("2", "ok", "semi-managed"), ("3", "error", "operational_capacity"),
        ("4", "error", "monthly_orders"), ("5", "ok", "fully-managed"),
    ]
    assert rows[0]["aliexpress_model"] == "fully-managed"
    assert rows[0]["tiktok_shop_model"] == ""


def test_stdin_input_and_explicit_formats(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["batch", "-", "--input-format", "csv", "-f", "csv"], input="operational_capacity\nlow\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(CSV_COLUMNS)
    sniffed = runner.invoke(cli, ["batch", "-"], input='{"operational_capacity": "low"}\n')
    assert json.loads(sniffed.stdout)["profile"]["operational_capacity"] == "low"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("head.csv", "name,operational_capacty\nlow,x\n",
         "head.csv:1: operational_capacty: unknown column 'operational_capacty' - did you mean 'operational_capacity'?"),
        ("twice.csv", "name,name\n", "twice.csv:1: name: column 'name' appears twice"),
        ("empty.csv", "", "empty.csv:1: is empty: expected a header row of profile field names"),
        ("junk.csv", b"\x00\x01binary", "junk.csv: is a binary file, not CSV or JSON Lines text"),
    ],
    ids=["unknown column", "repeated column", "empty", "binary"],
)
def test_unusable_input_is_exit_2(runner: CliRunner, tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path}/{message}")
    assert "Traceback" not in result.output


def test_missing_input_and_output_over_input(runner: CliRunner, sellers: Path, tmp_path: Path) -> None:
    missing = runner.invoke(cli, ["batch", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    assert missing.stderr == f"Error: {tmp_path}/none.csv: no such file\n"
    clobber = runner.invoke(cli, ["batch", str(sellers), "-o", str(sellers)])
    assert clobber.exit_code == 2
    assert clobber.stderr == f"Error: {sellers}: is the input file; it would be overwritten\n"
    assert sellers.read_text() == CSV_TEXT


def test_a_row_with_too_many_cells_and_bad_bytes(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"operational_capacity\nlow,extra\n\xff\xfe\nhigh\n")
    result = runner.invoke(cli, ["batch", str(path)])
    messages = [json.loads(line).get("error", {}).get("message") for line in result.stdout.splitlines()]
    assert messages == [
        f"{path}:2: has 2 cells but the header names 1 columns (allowed: operational_capacity)",
        f"{path}:3: is not UTF-8 text",
        None,
    ]


class _Rows(io.RawIOBase):
    """A JSON Lines input of ``count`` rows, made as it is read (a million rows never sit in memory)."""

    LINE = b'{"operational_capacity": "low"}\n'

    def __init__(self, count: int) -> None:
        self.left = count
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer) and self.left:
            lines = min(self.left, 1 + len(buffer) // len(self.LINE))
            self.pending += self.LINE * lines
            self.left -= lines
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        return size


class _Enough(Exception):
    """Raised by the test once it has seen enough results."""


def test_reading_streams_and_the_pool_reads_only_a_window_ahead(advisor: Advisor) -> None:
    def pulled_before_three_results(length: int, jobs: int) -> int:
        reader = RowReader(io.BufferedReader(_Rows(length)), source="<test>", format="jsonl")
        seen: list[int] = []

        def outcome(done: Any) -> None:
            seen.append(done.row)
            if len(seen) == 3:
                raise _Enough

        with pytest.raises(_Enough):
            run_batch(reader, JsonLinesWriter(io.StringIO()), advisor=advisor, jobs=jobs, on_outcome=outcome)
        assert seen == [1, 2, 3]
        return reader.rows_read

    # The read-ahead is a window whose size does not depend on how long the input is (in this process a
    # chunk; with workers, the parent hands out work as results come back), so memory stays bounded on any input.
    short, long = pulled_before_three_results(1_000, jobs=1), pulled_before_three_results(100_000, jobs=1)
    assert short == long < 1_000
    short, long = pulled_before_three_results(1_000, jobs=2), pulled_before_three_results(1_000_000, jobs=2)
    assert short == long < 1_000


@pytest.mark.parametrize(
    "rows",
    # 12,000 rows (700 kB, past the bound below if the rows were kept) by default; 30,000 in the slow set.
    [pytest.param(12_000, id="sample"), pytest.param(30_000, id="full", marks=pytest.mark.slow)],
)
def test_reader_memory_is_flat_on_a_long_input(tmp_path: Path, rows: int) -> None:
    line = b'{"operational_capacity": "low", "target_markets": ["US"]}\n'

    def peak(count: int) -> int:
        path = tmp_path / f"{count}.jsonl"
        path.write_bytes(line * count)
        tracemalloc.start()
        with RowReader.open(path) as reader:
            for row in reader:
                assert row.problem is None
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2_000), peak(rows)
    assert large < small + 256 * 1024  # buffers only: the rows are not kept


def test_a_misspelt_csv_column_gets_the_same_suggestion_as_a_profile_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "sellers.csv"
    path.write_text("capacity,fee_sensitivity\nlow,high\n")
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2
    assert "unknown column 'capacity' - did you mean 'operational_capacity'?" in result.stderr


def test_worker_processes_give_the_same_records(advisor: Advisor, sellers: Path, tmp_path: Path) -> None:
    path = tmp_path / "with-a-bad-row.csv"
    path.write_bytes(sellers.read_bytes() + b"F,\xff\xfe,low,,,\n")  # a row that is not UTF-8: an error record
    written = {}
    for jobs in (1, 2):
        with RowReader.open(path) as reader:
            stream = io.StringIO()
            run_batch(reader, JsonLinesWriter(stream), advisor=advisor, jobs=jobs)
        written[jobs] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert written[2] == written[1]
    records = written[1]
    assert records[-1]["error"]["message"].endswith(": is not UTF-8 text")
    # The error's details survive the trip to a worker and back.
    assert any(r["status"] == "error" and r["error"]["allowed"] == ["low", "medium", "high"] for r in records)


def test_run_still_calls_back_per_row(advisor: Advisor, sellers: Path) -> None:
    seen: list[int] = []
    lean, per_row = io.StringIO(), io.StringIO()
    with RowReader.open(sellers) as reader:
        run_batch(reader, JsonLinesWriter(lean), advisor=advisor)
    with RowReader.open(sellers) as reader:
        summary = run_batch(reader, JsonLinesWriter(per_row), advisor=advisor, on_outcome=lambda o: seen.append(o.row))
    assert seen == [1, 2, 3, 4, 5]
    assert per_row.getvalue() == lean.getvalue()
    assert summary.failed == 2


@pytest.mark.parametrize("threaded", [False, True], ids=["alone", "with a thread running"])
def test_a_script_without_a_main_guard_runs_where_workers_fork_and_else_fails_fast_saying_why(
    tmp_path: Path, threaded: bool
) -> None:
    """jobs > 1 from a script without `if __name__ == "__main__":` used to hang. Workers forked from the script (on
    Linux, the script running no other thread) do not import it again: it runs. Spawned ones (elsewhere, or with a
    thread running) import it again: it stops with the fix."""
    import subprocess
    import sys

    (tmp_path / "sellers.csv").write_text("operational_capacity,fee_sensitivity\nlow,high\nhigh,low\n", encoding="utf-8")
    (tmp_path / "script.py").write_text(
        ("import threading\nthreading.Thread(target=threading.Event().wait, daemon=True).start()\n" if threaded else "")
        + "from sellerexpert import Advisor\n"
        "from sellerexpert import RowReader, JsonLinesWriter, run_batch as run\n"
        "with RowReader.open('sellers.csv') as rows, open('advice.jsonl', 'w') as out:\n"
        "    run(rows, JsonLinesWriter(out), advisor=Advisor(), jobs=2)\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    if sys.platform == "linux" and not threaded:
        assert done.returncode == 0, done.stderr
        assert len((tmp_path / "advice.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    else:
        assert done.returncode != 0
        assert 'if __name__ == "__main__":' in done.stderr
