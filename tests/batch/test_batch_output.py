"""Batch output: written aside and renamed, resumable after an interruption, the same on either engine, traces per row."""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sellerexpert import FIELDS, Advisor, BatchInterrupted, ProfileError, RowReader, SellerProfile, Trace, cli, score_batch

PARTIAL_SUFFIX = ".partial"
"""``FILE.partial``: the rows written so far (docs/batch.md)."""
STATE_SUFFIX = ".partial.json"
"""``FILE.partial.json``: how far ``FILE.partial`` goes, for ``resume`` (docs/batch.md)."""


def write_sellers(path: Path, rows: int) -> Path:
    """A CSV of varied profiles, every 17th row broken."""
    combos = itertools.cycle(
        itertools.product(("low", "medium", "high"), ("low", "high"), ("yes", "no", ""), ("US", "DE;FR", ""))
    )
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(["name", "operational_capacity", "fee_sensitivity", "local_warehouse", "target_markets", "monthly_orders"])
        for index, (capacity, fee, warehouse, markets) in zip(range(rows), combos, strict=False):
            out.writerow([f"s{index}", "huge" if index % 17 == 5 else capacity, fee, warehouse, markets, index * 37])
    return path


@pytest.fixture
def sellers(tmp_path: Path) -> Path:
    return write_sellers(tmp_path / "sellers.csv", 150)


def _batch(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, ["batch", *args])


def _reference(runner: CliRunner, sellers: Path, fmt: str) -> Result:
    result = _batch(runner, str(sellers), "-f", fmt)
    assert result.exit_code == 1  # some rows are broken on purpose
    return result


def _stop_after(
    sellers: Path, out: Path, chunks: int, *, advisor: Advisor, fmt: str = "jsonl", jobs: int = 1
) -> BatchInterrupted:
    """Score ``sellers`` into ``out`` as ``batch -o`` does, pressing Ctrl-C right after ``chunks`` chunks were
    written and checkpointed; the stop it raises."""
    written = {"chunks": 0}

    def chunk_done(scored: Any) -> None:
        written["chunks"] += 1
        if written["chunks"] == chunks:
            raise KeyboardInterrupt

    with RowReader.open(sellers) as rows, pytest.raises(BatchInterrupted) as stopped:
        score_batch(rows, out, advisor=advisor, output_format=fmt, jobs=jobs, on_chunk=chunk_done)
    return stopped.value


def test_a_file_is_written_aside_and_renamed_at_the_end(runner: CliRunner, sellers: Path, tmp_path: Path) -> None:
    out = tmp_path / "advice.jsonl"
    out.write_text("earlier advice\n")
    result = _batch(runner, str(sellers), "-o", str(out))
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == _reference(runner, sellers, "jsonl").stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["advice.jsonl", "sellers.csv"]


@pytest.mark.parametrize(
    ("fmt", "jobs"),
    [("jsonl", "1"), ("csv", "1"), pytest.param("jsonl", "2", marks=pytest.mark.slow)],  # workers: tests/batch/test_batch.py
    ids=["jsonl", "csv", "jsonl --jobs 2"],
)
def test_an_interrupted_run_keeps_the_old_file_says_so_and_resumes_byte_for_byte(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, fmt: str, jobs: str
) -> None:
    out = tmp_path / f"advice.{fmt}"
    out.write_text("earlier advice\n")
    stopped = _stop_after(sellers, out, 2, advisor=advisor, fmt=fmt, jobs=int(jobs))
    partial = tmp_path / f"advice.{fmt}{PARTIAL_SUFFIX}"
    assert (stopped.rows, stopped.output, stopped.partial, stopped.existed) == (48, out, partial, True)
    assert stopped.message() == (
        f"Interrupted: {out} was left as it was; the 48 rows done are kept in {partial}. "
        "Run the same command with --resume to go on from there."
    )
    assert out.read_text() == "earlier advice\n"
    resumed = _batch(runner, str(sellers), "-o", str(out), "--jobs", jobs, "--resume")
    reference = _reference(runner, sellers, fmt)
    assert resumed.exit_code == 1
    assert out.read_text(encoding="utf-8") == reference.stdout
    assert resumed.stderr.split("rows: ", 1)[1] == reference.stderr.split("rows: ", 1)[1]  # the same summary
    assert not partial.exists() and not (tmp_path / f"advice.{fmt}{STATE_SUFFIX}").exists()


def test_resume_keeps_complete_rows_past_the_checkpoint_and_drops_a_torn_one(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor
) -> None:
    out = tmp_path / "advice.jsonl"
    _stop_after(sellers, out, 1, advisor=advisor)
    reference = _reference(runner, sellers, "jsonl").stdout.splitlines(keepends=True)
    partial = tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}"
    assert partial.read_text(encoding="utf-8") == "".join(reference[:16])
    # What a kill in the middle of a write leaves: rows written after the last checkpoint, the last one cut short.
    with partial.open("a", encoding="utf-8") as stream:
        stream.write("".join(reference[16:20]) + reference[20][:50])
    resumed = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert resumed.exit_code == 1
    assert out.read_text(encoding="utf-8") == "".join(reference)


def test_a_crash_leaves_the_old_file_and_the_partial_output(
    runner: CliRunner, sellers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "advice.jsonl"
    out.write_text("earlier advice\n")
    real = Advisor.consult

    def failing(self: Advisor, profile: Any, *args: Any, **options: Any) -> Any:
        if getattr(profile, "name", None) == "s60":  # a row of the third chunk (16 rows, then 32)
            raise RuntimeError("a bug")
        return real(self, profile, *args, **options)

    monkeypatch.setattr(Advisor, "consult", failing)
    result = _batch(runner, str(sellers), "-o", str(out))
    assert isinstance(result.exception, RuntimeError)  # a bug keeps its traceback
    assert out.read_text() == "earlier advice\n"
    assert (tmp_path / f"advice.jsonl{PARTIAL_SUFFIX}").read_text(encoding="utf-8").count("\n") == 48


def test_resume_refuses_a_changed_input_and_starts_afresh_when_there_is_nothing_to_resume(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor
) -> None:
    out = tmp_path / "advice.jsonl"
    fresh = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert fresh.exit_code == 1
    assert out.read_text(encoding="utf-8") == _reference(runner, sellers, "jsonl").stdout
    _stop_after(sellers, out, 1, advisor=advisor)
    with sellers.open("a") as stream:
        stream.write("late,low,,,,\n")
    changed = _batch(runner, str(sellers), "-o", str(out), "--resume")
    assert changed.exit_code == 2
    assert changed.stderr.startswith(f"Error: {out}{PARTIAL_SUFFIX}: the earlier run had another size (")
    assert changed.stderr.endswith("; run without --resume to start afresh\n")


def test_resume_needs_an_output_file(runner: CliRunner, sellers: Path) -> None:
    result = _batch(runner, str(sellers), "--resume")
    assert result.exit_code == 2
    assert "--resume needs --output FILE" in result.stderr


@pytest.mark.parametrize("link", [os.link, os.symlink], ids=["hard link", "symbolic link"])
def test_an_output_that_is_the_input_under_another_name_is_refused(
    runner: CliRunner, sellers: Path, tmp_path: Path, link: Callable[[Path, Path], None]
) -> None:
    before = sellers.read_bytes()
    other = tmp_path / "other.csv"
    link(sellers, other)
    result = _batch(runner, str(sellers), "-o", str(other))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {other}: is the input file; it would be overwritten\n"
    assert sellers.read_bytes() == before


def test_a_device_is_written_directly(runner: CliRunner, sellers: Path) -> None:
    result = _batch(runner, str(sellers), "-o", os.devnull)
    assert result.exit_code == 1
    assert result.stderr.startswith("row 6: ")


@pytest.mark.parametrize(
    "rows",
    # 24 rows reach a broken row and two of each capacity; all 72 combinations of the four fields in the slow set.
    [pytest.param(24, id="sample"), pytest.param(72, id="full", marks=pytest.mark.slow)],
)
def test_both_engines_write_the_same_bytes(runner: CliRunner, tmp_path: Path, rows: int) -> None:
    sellers = write_sellers(tmp_path / "sellers.csv", rows)
    compiled = _batch(runner, str(sellers), "--engine", "compiled")
    experta = _batch(runner, str(sellers), "--engine", "experta")
    assert compiled.exit_code == experta.exit_code == 1
    assert compiled.stdout == experta.stdout
    assert compiled.stderr == experta.stderr


def test_trace_dir_gets_one_signed_trace_per_consulted_row(
    runner: CliRunner, sellers: Path, tmp_path: Path, advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "k")
    traces = tmp_path / "traces"
    sellers = write_sellers(tmp_path / "few.csv", 40)
    result = _batch(runner, str(sellers), "--trace", str(traces), "--jobs", "2")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    ok = [r for r in records if r["status"] == "ok"]
    assert sorted(p.name for p in traces.iterdir()) == [f"row-{r['row']:06d}.json" for r in ok]
    first = Trace.from_dict(json.loads((traces / f"row-{ok[0]['row']:06d}.json").read_text(encoding="utf-8")))
    assert first.signature_status("k") == "valid"
    expected = advisor.consult(SellerProfile.from_dict(ok[0]["profile"])).to_dict()
    assert first.result == {k: v for k, v in expected.items() if k != "lang"}


def test_progress_shows_rows_per_second_only_when_asked_or_on_a_terminal(runner: CliRunner, sellers: Path) -> None:
    shown = _batch(runner, str(sellers), "--progress")
    assert "rows/s" in shown.stderr
    assert "rows/s" not in _batch(runner, str(sellers)).stderr  # stderr is not a terminal here
    assert shown.stdout == _batch(runner, str(sellers), "--no-progress").stdout


def test_the_interrupt_message_says_what_was_written(
    runner: CliRunner, sellers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Advisor.consult

    def ctrl_c(self: Advisor, profile: Any, *args: Any, **options: Any) -> Any:
        if getattr(profile, "name", None) == "s48":  # the first row of the third chunk (16 rows, then 32)
            raise KeyboardInterrupt
        return real(self, profile, *args, **options)

    monkeypatch.setattr(Advisor, "consult", ctrl_c)
    to_stdout = _batch(runner, str(sellers))
    assert to_stdout.exit_code == 130
    assert to_stdout.stderr.splitlines()[-1] == "Interrupted: 48 rows were written before the stop."
    assert to_stdout.stdout.count("\n") == 48
    out = tmp_path / "new.jsonl"
    to_file = _batch(runner, str(sellers), "-o", str(out))
    assert to_file.exit_code == 130
    assert to_file.stderr.splitlines()[-1] == (
        f"Interrupted: {out} was not written; the 48 rows done are kept in {out}{PARTIAL_SUFFIX}. "
        "Run the same command with --resume to go on from there."
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("policy.toml", "base = 0.5", "base = nan"),
        ("policy.toml", "margin_span = 0.45", "margin_span = inf"),
    ],
    ids=["NaN confidence", "infinite confidence"],
)
def test_a_rule_pack_with_non_finite_numbers_never_prints_non_json(
    runner: CliRunner, rules_dir: Path, tmp_path: Path, file: str, old: str, new: str
) -> None:
    path = rules_dir / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    sellers = write_sellers(tmp_path / "sellers.csv", 20)
    result = runner.invoke(cli, ["batch", str(sellers), "--rules", str(rules_dir)])
    if result.exit_code == 2:  # the rule pack was refused when loaded: nothing to print at all
        assert result.stdout == ""
        return
    records = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in the output"))
               for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert any("the result is not strict JSON" in r["error"]["message"] for r in records if r["status"] == "error")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    sellers = write_sellers(tmp_path / "sellers.csv", 3)
    result = _batch(runner, str(sellers), "-o", "/dev/full")
    assert result.exit_code == 2
    assert result.stderr == "Error: /dev/full: cannot write the output (No space left on device)\n"


def test_a_csv_row_is_the_row_of_its_json_record(runner: CliRunner, examples_dir: Path, tmp_path: Path) -> None:
    # The CSV writer reads its cells from the result object, the JSON Lines writer from its dict: the two
    # must never differ, cell for cell (the columns as docs/batch.md lists them).
    profiles = sorted(p for p in examples_dir.iterdir() if p.suffix in (".yaml", ".json", ".toml"))
    rows = tmp_path / "examples.jsonl"
    rows.write_text("".join(json.dumps(SellerProfile.from_file(path).to_dict()) + "\n" for path in profiles), encoding="utf-8")
    as_json = _batch(runner, str(rows), "-f", "jsonl")
    as_csv = _batch(runner, str(rows), "-f", "csv")
    assert as_json.exit_code == as_csv.exit_code == 0, as_json.stderr
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    table = list(csv.DictReader(as_csv.stdout.splitlines()))
    assert len(records) == len(table) == len(profiles)
    for record, line in zip(records, table, strict=True):
        expected = {
            "row": str(record["row"]),
            "status": "ok",
            "name": record["profile"].get("name", ""),
            "best_platform": record["best"]["platform"],
            "best_model": record["best"]["model"],
            "best_confidence": str(record["best"]["confidence"]),
            "assumed": ";".join(a["field"] for a in record["recommendations"][0]["assumptions"]),
        }
        for rec in record["recommendations"]:
            expected[rec["platform"] + "_model"] = rec["model"]
            expected[rec["platform"] + "_confidence"] = str(rec["confidence"])
            expected[rec["platform"] + "_basis"] = rec["basis"]
            expected[rec["platform"] + "_reasons"] = ";".join(reason["rule"] for reason in rec["reasons"])
        assert {key: value for key, value in line.items() if value} == {k: v for k, v in expected.items() if v}


def write_diverse(path: Path, rows: int, *, seed: int) -> Path:
    """A CSV of profiles that differ in what the rules read: every field drawn from its own allowed values (or
    left unknown), markets and platforms as random lists; answers that contradict each other drawn again."""
    rng = random.Random(seed)
    markets = ("US", "UK", "DE", "FR", "ES", "IT", "PL", "BR", "MX", "JP", "SA")

    def cell(spec: Any) -> str:
        if spec.name == "name" or rng.random() < 0.2:
            return ""
        if spec.kind == "markets":
            return ";".join(rng.sample(markets, rng.randint(1, 3)))
        if spec.kind == "count":
            return str(int(10 ** rng.uniform(0, 5)))
        if spec.kind == "platforms":
            return ";".join(rng.sample(spec.allowed, rng.randint(1, len(spec.allowed))))
        return rng.choice(spec.allowed) if spec.allowed else ""

    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow([spec.name for spec in FIELDS])
        for index in range(rows):
            while True:
                row = {spec.name: cell(spec) for spec in FIELDS}
                row["name"] = f"seller-{index}"
                try:
                    profile = SellerProfile.from_dict({k: v for k, v in row.items() if v})
                    for market in profile.target_markets or ():
                        profile.with_changes(target_markets=(market,))
                except ProfileError:
                    continue
                out.writerow(row.values())
                break
    return path


@pytest.mark.parametrize(
    ("rows", "seed"),
    [pytest.param(150, 1, id="sample"), pytest.param(1500, 2, id="many", marks=pytest.mark.slow)],
)
def test_a_csv_row_of_diverse_sellers_is_the_row_of_their_whole_result(
    runner: CliRunner, tmp_path: Path, rows: int, seed: int
) -> None:
    # Without a trace, a CSV row is made from the decisions and rule ids alone, never the words; with one, from the
    # whole result (its trace is written from it). Both must write the same bytes for sellers the rules tell apart.
    sellers = write_diverse(tmp_path / "diverse.csv", rows, seed=seed)
    lean = _batch(runner, str(sellers), "-f", "csv")
    whole = _batch(runner, str(sellers), "-f", "csv", "--trace", str(tmp_path / "traces"))
    assert lean.exit_code == whole.exit_code == 0, lean.stderr
    assert lean.stdout == whole.stdout
    assert len(lean.stdout.splitlines()) == rows + 1
