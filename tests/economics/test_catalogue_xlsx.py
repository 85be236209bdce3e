"""Product lists as Excel workbooks (.xlsx): read as the CSV is, the per-product table written back, byte for byte."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import EXAMPLES

from sellerexpert import cli

openpyxl = pytest.importorskip("openpyxl")

CSV = EXAMPLES / "catalogue-ningbo-home.csv"
COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"


def _as_workbook(path: Path, *, blank_rows_first: int = 0) -> Path:
    """The shipped product list saved as a seller's Excel would: numbers as numbers, a title row or two above."""
    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(blank_rows_first):
        sheet.append([])
    with CSV.open(encoding="utf-8") as handle:
        for n, row in enumerate(csv.reader(handle)):
            cells: list[object] = []
            for value in row:
                try:
                    cells.append(float(value) if n and "." in value else int(value) if n else value)
                except ValueError:
                    cells.append(value)
            sheet.append(cells)
    book.save(path)
    return path


def test_a_workbook_is_advised_as_the_csv_is(runner: CliRunner, tmp_path: Path) -> None:
    workbook = _as_workbook(tmp_path / "products.xlsx", blank_rows_first=2)
    from_csv = json.loads(runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "json"]).stdout)
    result = runner.invoke(cli, ["catalogue", str(workbook), "-p", str(COMPANY), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    from_xlsx = json.loads(result.stdout)
    assert [p["sku"] for p in from_xlsx["products"]] == [p["sku"] for p in from_csv["products"]]
    assert from_xlsx["split"] == from_csv["split"]
    assert "supplier" in result.stderr  # the unknown column is reported once, as for the CSV


def test_the_per_product_table_as_a_workbook_holds_the_csvs_rows(runner: CliRunner, tmp_path: Path) -> None:
    out, again = tmp_path / "advice.xlsx", tmp_path / "again.xlsx"
    for path in (out, again):
        result = runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "xlsx", "-o", str(path)])
        assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == again.read_bytes()  # no timestamps: the same input gives the same bytes
    csv_rows = list(csv.reader(io.StringIO(runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "csv"]).stdout)))
    table = [["" if value is None else str(value) for value in row] for row in openpyxl.load_workbook(out).active.values]
    header, got = table[0], table[1:]
    assert header == csv_rows[0]
    expected = [[("" if v == "" else v) for v in row] for row in csv_rows[1:]]
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert a == b or (a and b and float(a) == float(b)), (a, b)
    sheet = openpyxl.load_workbook(out).active
    assert isinstance(sheet.cell(row=2, column=8).value, (int, float))  # contribution a month: a number


def test_xlsx_needs_a_file_and_a_workbook(runner: CliRunner, tmp_path: Path) -> None:
    to_stdout = runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "xlsx"])
    assert to_stdout.exit_code == 2 and "-o FILE.xlsx" in to_stdout.stderr
    fake = tmp_path / "products.xlsx"
    fake.write_text("sku,name\nA,B\n", encoding="utf-8")
    bad = runner.invoke(cli, ["catalogue", str(fake), "-p", str(COMPANY)])
    assert bad.exit_code == 2 and str(fake) in bad.stderr and "not an Excel workbook" in bad.stderr
    assert "Traceback" not in bad.stderr
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    nothing = runner.invoke(cli, ["catalogue", str(empty), "-p", str(COMPANY)])
    assert nothing.exit_code == 2 and "no header row" in nothing.stderr
    stdin = runner.invoke(cli, ["catalogue", "-", "-p", str(COMPANY), "--input-format", "xlsx"], input=b"")
    assert stdin.exit_code == 2 and "not from stdin" in stdin.stderr


def test_a_workbook_without_a_sku_column_names_the_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["name", "unit_cost"])
    book.active.append(["Mug", 2.5])
    book.save(path)
    result = runner.invoke(cli, ["catalogue", str(path), "-p", str(COMPANY)])
    assert result.exit_code == 2 and str(path) in result.stderr and "sku" in result.stderr


def test_the_workbook_keeps_numbers_as_numbers_and_text_as_text(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "advice.xlsx"
    assert runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "xlsx", "-o", str(out)]).exit_code == 0
    csv_rows = list(csv.reader(io.StringIO(runner.invoke(cli, ["catalogue", str(CSV), "-p", str(COMPANY), "-f", "csv"]).stdout)))
    cells = list(openpyxl.load_workbook(out).active.values)
    assert [list(row) for row in cells[:1]] == csv_rows[:1]
    numbers = 0
    for row, written in zip(cells[1:], csv_rows[1:], strict=True):
        for value, text in zip(row, written, strict=True):
            try:
                amount = float(text)
            except ValueError:
                assert value == (text or None), (value, text)  # text stays text ("1.50" would not be text)
            else:
                assert isinstance(value, (int, float)) and not isinstance(value, bool) and value == amount, (value, text)
                numbers += 1
    assert numbers > 0


def test_a_zip_bomb_posing_as_a_workbook_is_refused_before_unpacking(runner: CliRunner, tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "products.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (64 * 1024 * 1024))  # 64 MB of zeros: packs ~1000:1
    assert bomb.stat().st_size < 1024 * 1024
    out = tmp_path / "advice.csv"
    result = runner.invoke(cli, ["catalogue", str(bomb), "-p", str(COMPANY), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 2 and str(bomb) in result.stderr and "unpacks to 64 MB" in result.stderr
    assert not out.exists()


def test_a_row_past_the_limit_refuses_the_whole_list(runner: CliRunner, tmp_path: Path) -> None:
    products = tmp_path / "products.csv"
    products.write_text("sku,name\nA-1,Mug\nA-2," + "x" * (70 * 1024) + "\n", encoding="utf-8")
    out = tmp_path / "advice.csv"
    result = runner.invoke(cli, ["catalogue", str(products), "-p", str(COMPANY), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 2 and "64 KiB" in result.stderr and ":3" in result.stderr
    assert not out.exists()
