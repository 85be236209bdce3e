"""sellerexpert catalogue: formats, the split first, unknown columns, bad rows (exit 1), bad files (exit 2), traces."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import EXAMPLES

from sellerexpert import Advisor, SellerProfile, cli, render_catalogue

CSV = EXAMPLES / "catalogue-ningbo-home.csv"
COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"
ARGS = ["catalogue", str(CSV), "-p", str(COMPANY)]
WARNING = "Warning: columns set aside (not product columns): supplier\n"
SMALL = (
    "sku;name;unit_cost;full_price;semi_price;weight_kg;monthly_units;colour\n"
    "A-1;Spatula;1.20;3.60;8.99;0.3;900;red\n"
    "A-2;Fire pit;38;62;149.99;24;60;black\n"
)


@pytest.fixture(scope="module")
def shipped_json(advisor: Advisor) -> str:
    return render_catalogue(advisor.catalogue(SellerProfile.from_file(COMPANY), CSV), "json")


def test_text_puts_the_split_first(runner: CliRunner) -> None:
    result = runner.invoke(cli, ARGS, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == WARNING
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Ningbo home and garden: 30 products advised, 0 rows with errors; contribution a month in USD"
    )
    assert lines[2] == "Temu"
    assert "Temu: run both stores: 23 products for the fully-managed store, 30 for the semi-managed one." in lines
    assert lines.index("No route on the platform can carry these:") < lines.index("Per product") < 80 < len(lines)


def test_json_is_the_api_catalogue(runner: CliRunner, shipped_json: str) -> None:
    result = runner.invoke(cli, [*ARGS, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == shipped_json
    data = json.loads(result.stdout)
    assert set(data) >= {"products", "split", "errors"}
    first = data["products"][0]
    assert first["sku"] == "NB-001"
    temu = first["platforms"][0]
    assert temu["platform"] == "temu"
    us = temu["markets"][0]
    # The consultation's market entry, plus the contribution.
    assert {"market", "route", "model", "outcome", "reasons", "caveats"} <= set(us)
    assert {"contribution_per_unit", "contribution_per_month", "reason", "close_call"} <= set(us)
    totals = data["split"]["totals"]
    assert totals["temu"] == pytest.approx(
        sum(m["contribution_per_month"] or 0 for p in data["products"] for pl in p["platforms"] if pl["platform"] == "temu"
            for m in pl["markets"])
    )


def test_csv_is_a_row_per_product_platform_and_market(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "advice.csv"
    result = runner.invoke(cli, [*ARGS, "-f", "csv", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 30 * 3 * 2
    assert rows[0]["sku"] == "NB-001" and rows[0]["platform"] == "temu" and rows[0]["market"] == "US"
    heavy = next(r for r in rows if (r["sku"], r["platform"], r["market"]) == ("NB-012", "temu", "DE"))
    assert heavy["route"] == "" and heavy["contribution_per_month"] == ""


def test_markdown_has_a_table_per_platform_and_the_products(runner: CliRunner) -> None:
    result = runner.invoke(cli, [*ARGS, "-f", "markdown"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("# Ningbo home and garden")
    assert "## Temu\n" in text and "## Per product\n" in text
    assert "| NB-030 | TikTok Shop | Germany |" in text


def test_semicolons_json_lines_and_unknown_columns_once(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-16")
    as_csv = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY), "-f", "json"], catch_exceptions=False)
    assert as_csv.exit_code == 0
    assert as_csv.stderr == "Warning: columns set aside (not product columns): colour\n"
    lines = tmp_path / "small.jsonl"
    rows = list(csv.DictReader(io.StringIO(SMALL), delimiter=";"))
    lines.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    as_jsonl = runner.invoke(cli, ["catalogue", str(lines), "-p", str(COMPANY), "-f", "json"], catch_exceptions=False)
    assert as_jsonl.stderr == as_csv.stderr
    def products(output: str) -> list[dict[str, object]]:
        return [{k: v for k, v in p.items() if k != "line"} for p in json.loads(output)["products"]]  # a header is a line

    assert products(as_jsonl.stdout) == products(as_csv.stdout)


def test_a_bad_row_is_an_error_record_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(SMALL.replace("38;62", "lots;62"), encoding="utf-8")
    result = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY), "-f", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [p["sku"] for p in data["products"]] == ["A-1"]
    (error,) = data["errors"]
    assert (error["row"], error["line"], error["sku"], error["field"]) == (2, 3, "A-2", "economics.unit_cost")
    assert result.stderr.splitlines()[1:] == [
        f"row 2: {path}:3: economics.unit_cost: expected a number, got 'lots' (allowed: an amount of money, 0 or more)",
        "Error: 1 of 2 products failed",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,unit_cost\nspatula,1\n", "has no sku column: each product needs its SKU"),
        ("sku,unit_cost\nA,1\nA,2\n", "SKU 'A' appears twice (lines 2 and 3): each product once"),
        ("\x00\x01binary", "is a binary file, not CSV or JSON Lines text"),
    ],
    ids=["no sku column", "a sku twice", "binary"],
)
def test_a_bad_file_exits_2_and_writes_nothing(runner: CliRunner, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "products.csv"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.json"
    result = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY), "-o", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    no_profile = runner.invoke(cli, ["catalogue", str(CSV)])
    assert no_profile.exit_code == 2 and "give the company profile" in no_profile.stderr
    both_stdin = runner.invoke(cli, ["catalogue", "-", "-p", "-"], input="")
    assert both_stdin.exit_code == 2 and "cannot both come from stdin" in both_stdin.stderr
    missing = runner.invoke(cli, ["catalogue", "nowhere.csv", "-p", str(COMPANY)])
    assert missing.exit_code == 2 and missing.stderr == "Error: nowhere.csv: no such file\n"


def test_field_options_override_the_company_profile(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    result = runner.invoke(
        cli, ["catalogue", str(path), "-p", str(COMPANY), "--platform", "temu", "-f", "json"], catch_exceptions=False
    )
    data = json.loads(result.stdout)
    assert {pl["platform"] for p in data["products"] for pl in p["platforms"]} == {"temu"}


def test_traces_replay_and_the_engine_of_record_prints_the_same(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    traces = tmp_path / "traces"
    compiled = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY), "--trace", str(traces)], catch_exceptions=False)
    experta = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY), "--engine", "experta"], catch_exceptions=False)
    assert compiled.stdout == experta.stdout
    assert sorted(p.name for p in traces.iterdir()) == ["row-000001.json", "row-000002.json"]
    audit = runner.invoke(cli, ["audit", str(traces)], catch_exceptions=False)
    assert audit.exit_code == 0, audit.output
    assert "2 traces: 2 reproduce, 0 failed" in audit.stdout


def test_installed_entry_point_prints_the_split() -> None:
    script = Path(sys.executable).parent / ("sellerexpert.exe" if os.name == "nt" else "sellerexpert")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SELLEREXPERT_LANG", None)
    done = subprocess.run([str(script), *ARGS, "--platform", "temu"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Ningbo home and garden: 30 products advised")
    assert done.stderr == WARNING


def test_installed_entry_point_with_workers_writes_stdout_as_it_writes_a_file(tmp_path: Path) -> None:
    # From a terminal's shell the CLI runs alone in its process: its workers fork, and its JSON goes to stdout from
    # the spool by the kernel's copy when stdout is a file, piece by piece through a pipe: the bytes of -o either way.
    script = Path(sys.executable).parent / ("sellerexpert.exe" if os.name == "nt" else "sellerexpert")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SELLEREXPERT_LANG", None)
    # Ten times the example, each row its own SKU: some 12 MB of JSON, past what the spool keeps in memory.
    lines = CSV.read_text(encoding="utf-8").splitlines()
    many = tmp_path / "many.csv"
    many.write_text(
        "\n".join([lines[0], *(f"{n}-{line}" for n in range(10) for line in lines[1:])]) + "\n", encoding="utf-8"
    )
    command = [str(script), "catalogue", str(many), "-p", str(COMPANY), "-f", "json", "--jobs", "2"]
    written = tmp_path / "written.json"
    done = subprocess.run([*command, "-o", str(written)], capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    redirected = tmp_path / "redirected.json"
    with redirected.open("wb") as out:
        to_file = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, check=False)
    assert to_file.returncode == 0, to_file.stderr
    piped = subprocess.run(command, capture_output=True, env=env, check=False)
    assert piped.returncode == 0, piped.stderr
    assert written.read_bytes().startswith(b'{\n  "products": [')
    assert redirected.read_bytes() == written.read_bytes() == piped.stdout
    assert to_file.stderr.decode() == piped.stderr.decode() == WARNING


def test_the_chart_is_drawn_the_same_each_time(runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    first, second = tmp_path / "one.svg", tmp_path / "two.svg"
    for path in (first, second):
        result = runner.invoke(cli, [*ARGS, "--platform", "temu", "--chart", str(path)], catch_exceptions=False)
        assert result.exit_code == 0
    svg = first.read_text(encoding="utf-8")
    assert svg == second.read_text(encoding="utf-8")
    assert "temu_local" in svg and "30 products" in svg
    wrong = runner.invoke(cli, [*ARGS, "--chart", str(tmp_path / "split.gif")])
    assert wrong.exit_code == 2 and "a chart is written as .svg or .png, not '.gif'" in wrong.stderr


def test_chinese_words_the_split_and_keeps_the_numbers(runner: CliRunner) -> None:
    english = runner.invoke(cli, [*ARGS, "--platform", "temu", "-f", "json"], catch_exceptions=False).stdout
    result = runner.invoke(cli, [*ARGS, "--platform", "temu", "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Ningbo home and garden：已为 30 个产品给出建议，0 行有错误；每月贡献利润以 USD 计"
    assert "Temu：两种模式并行，开两个店：23 个产品放全托管店，30 个放半托管店。" in lines
    total = json.loads(english)["split"]["totals"]["temu"]
    assert any(line.startswith("  合计") and line.endswith(f"{total:,.2f}") for line in lines)
    assert result.stderr == "警告：以下列已忽略（不是产品列）：supplier\n"


@pytest.mark.slow  # the same font fallback on the margin chart stays in the default run (tests/economics/test_margin_zh.py)
def test_a_chinese_chart_without_a_chinese_font_names_platforms_and_markets_by_code(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The products were advised in Chinese; a chart drawn in English (no font with the glyphs) must not
    # carry their Chinese names as empty boxes.
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager

    # A system with matplotlib's own font only: none with Chinese glyphs.
    latin = [entry for entry in font_manager.fontManager.ttflist if entry.name == "DejaVu Sans"]
    assert latin, "matplotlib ships DejaVu Sans"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    chart = tmp_path / "split.svg"
    products, company = str(EXAMPLES / "catalogue-ningbo-home.csv"), str(EXAMPLES / "catalogue-ningbo-home.yaml")
    result = runner.invoke(cli, [
        "--lang", "zh", "catalogue", products, "-p", company, "--chart", str(chart),
        "-f", "json", "-o", str(tmp_path / "split.json"),
    ])
    assert result.exit_code == 0, result.output
    text = chart.read_text(encoding="utf-8")
    assert not any("\u4e00" <= char <= "\u9fff" for char in text), "Chinese drawn in a font without its glyphs"
    assert "aliexpress: " in text and "US · " in text and "DE · " in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_output_to_a_pipe_or_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    # `-o /dev/null` (or a named pipe) is written to as a stream: renaming a finished file over it, as a regular
    # output is replaced, would turn the device into a file (as root, /dev/null itself).
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(pipe.read_bytes()), daemon=True)
    reader.start()
    args = ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "csv"]
    result = CliRunner().invoke(cli, [*args, "-o", str(pipe)])
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert pipe.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
    assert read == [CliRunner().invoke(cli, args).stdout_bytes]
