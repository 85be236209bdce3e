"""Batch input as people and attackers write it: semicolons, UTF-16, NaN, huge numbers, huge rows, deep nesting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import RowReader, cli

ROW_LIMIT = 64 * 1024
"""The most bytes one input row may hold (docs/batch.md: "more than 64 KiB" is an error record)."""

COMMA = "name,platforms,operational_capacity,target_markets\nA,temu;aliexpress,low,US;DE\nB,tiktok,high,UK\n"


def _strict(line: str) -> dict[str, object]:
    """Parse a line as strict JSON: NaN and Infinity are refused, as any other JSON reader would."""

    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in the output")

    record = json.loads(line, parse_constant=refuse)
    assert isinstance(record, dict)
    return record


def _records(output: str) -> list[dict[str, object]]:
    return [_strict(line) for line in output.splitlines()]


@pytest.fixture
def comma_output(runner: CliRunner, tmp_path: Path) -> str:
    path = tmp_path / "comma.csv"
    path.write_text(COMMA, encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "name;platforms;operational_capacity;target_markets\nA;temu,aliexpress;low;US,DE\nB;tiktok;high;UK\n",
        "name\tplatforms\toperational_capacity\ttarget_markets\nA\ttemu;aliexpress\tlow\tUS;DE\nB\ttiktok\thigh\tUK\n",
        '"name";"platforms";"operational_capacity";"target_markets"\r\n"A";"temu,aliexpress";"low";"US,DE"\r\n"B";"tiktok";"high";"UK"\r\n',
    ],
    ids=["semicolons", "tabs", "quoted semicolons with CRLF"],
)
def test_the_header_tells_the_delimiter(runner: CliRunner, tmp_path: Path, comma_output: str, text: str) -> None:
    path = tmp_path / "comma.csv"  # the same name, so error messages would match too
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == comma_output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"], ids=str)
def test_utf16_with_a_bom_and_utf8_with_a_bom_are_read(
    runner: CliRunner, tmp_path: Path, comma_output: str, encoding: str
) -> None:
    path = tmp_path / "comma.csv"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + COMMA.encode(encoding))
    result = runner.invoke(cli, ["batch", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == comma_output


def test_utf16_jsonl_with_a_bom_is_read(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"name": "Zoë", "operational_capacity": "low"}\n', encoding="utf-16")
    result = runner.invoke(cli, ["batch", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert _records(result.stdout)[0]["profile"] == {"name": "Zoë", "platforms": ["temu", "aliexpress", "tiktok_shop"],
                                                     "operational_capacity": "low"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (COMMA.encode("utf-16-le"), "looks like UTF-16 text without a byte-order mark: save it as UTF-8"),
        (b"\xff\xfe\x00\x00" + COMMA.encode("utf-32-le"), "is UTF-32 text: save it as UTF-8 (or UTF-16) and try again"),
    ],
    ids=["utf-16 without a BOM", "utf-32"],
)
def test_other_encodings_get_a_clear_message(runner: CliRunner, tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: {message}\n"


def test_nan_infinity_and_huge_numbers_become_error_records_in_strict_json(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    digits = "7" * 5000
    path.write_text(
        "\n".join([
            '{"monthly_orders": NaN}',
            '{"monthly_orders": -Infinity}',
            '{"monthly_orders": ' + digits + "}",
            '{"monthly_orders": "' + digits + '"}',
            '{"monthly_orders": 1e999}',
            '{"operational_capacity": "low"}',
        ]) + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 1
    records = _records(result.stdout)  # strict JSON, every line
    assert [r["status"] for r in records] == ["error"] * 5 + ["ok"]
    errors = [r["error"] for r in records[:5]]
    assert [e["message"] for e in errors] == [  # type: ignore[index]
        f"{path}:1: NaN is not a JSON value (allowed: finite numbers, text, true, false, null, lists, objects)",
        f"{path}:2: -Infinity is not a JSON value (allowed: finite numbers, text, true, false, null, lists, objects)",
        f"{path}:3: has a number longer than the 4300 digits allowed",
        f"{path}:4: monthly_orders: expected a whole number 0 or more, got '{digits[:40]}...' (5,000 characters)"
        " (allowed: a whole number, 0 or more)",
        f"{path}:5: monthly_orders: expected a whole number 0 or more, got the number inf (allowed: a whole number, 0 or more)",
    ]
    assert errors[4]["value"] == "inf"  # type: ignore[index]


def test_a_huge_number_in_a_csv_cell_is_an_error_record(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("monthly_orders\n" + "9" * 5000 + "\n12\n", encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)])
    records = _records(result.stdout)
    assert [r["status"] for r in records] == ["error", "ok"]
    assert records[0]["error"]["field"] == "monthly_orders"  # type: ignore[index]


def test_an_oversized_row_is_one_error_record_naming_the_limit(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    huge = '{"name": "' + "x" * (ROW_LIMIT + 10) + '"}'
    path.write_text(f'{{"name": "a"}}\n{huge}\n{{"name": "b"}}\n', encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)])
    records = _records(result.stdout)
    assert [(r["row"], r["status"]) for r in records] == [(1, "ok"), (2, "error"), (3, "ok")]
    assert records[1]["error"]["message"] == f"{path}:2: is longer than 64 KiB, the limit for one row"  # type: ignore[index]
    assert records[2]["profile"]["name"] == "b"  # type: ignore[index]


def test_an_unclosed_csv_quote_costs_one_row_not_the_rest_of_the_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    count = ROW_LIMIT // 500 + 10  # enough rows of 500 bytes to pass the limit
    rest = "".join(f"n{i}{'x' * 490},low\n" for i in range(count))
    path.write_text('name,operational_capacity\n"broken,low\n' + rest, encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)])
    records = _records(result.stdout)
    assert records[0]["error"]["message"] == f"{path}:2: is longer than 64 KiB, the limit for one row"  # type: ignore[index]
    assert len(records) > 1
    assert records[-1]["profile"]["name"] == f"n{count - 1}{'x' * 490}"  # type: ignore[index]
    assert all(r["status"] == "ok" for r in records[2:])


def test_a_quoted_cell_may_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('name,operational_capacity\n"two\nlines",low\nB,high\n', encoding="utf-8")
    with RowReader.open(path) as reader:
        rows = list(reader)
    assert [(r.row, r.line, r.data) for r in rows] == [
        (1, 2, {"name": "two\nlines", "operational_capacity": "low"}),
        (2, 4, {"name": "B", "operational_capacity": "high"}),
    ]


def test_deeply_nested_rows_are_error_records(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    depth = 30_000
    path.write_text("[" * depth + "]" * depth + '\n{"name": "after"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 1
    records = _records(result.stdout)
    assert records[0]["error"]["message"] == f"{path}:1: is nested too deeply to be a profile"  # type: ignore[index]
    assert records[1]["status"] == "ok"
