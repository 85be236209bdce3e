"""Long amounts in a seller's own numbers (issue 23): worked out exactly, or refused naming the field; never a crash.

A document may hold numbers of up to 64 digits. A 26-digit price once crashed ``margin`` with
``decimal.InvalidOperation`` (rounding to the cent went through Decimal's 28-digit context), killed a
whole batch, and gave 500 on the web. Products of long numbers (price x units) can pass 64 digits,
which no trace could hold: those are refused, naming the economics section. Rounding a long amount to
the cent, on its own, is tested with the arithmetic in tests/economics/test_economics.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, ProfileError, SellerProfile, audit, cli

LONG = 12345678901234567890123456  # 26 digits: inside the 64-digit limit


def _economics(**numbers: Any) -> dict[str, Any]:
    return {"monthly_units": 600, "unit_cost": 3, "price": 7, **numbers}


@pytest.mark.parametrize("where", ["price", "unit_cost", "fixed_per_month"])
def test_a_26_digit_amount_is_compared_exactly_and_its_trace_audits(advisor: Advisor, where: str) -> None:
    profile = SellerProfile.from_dict({"economics": _economics(**{where: LONG})})
    comparison = advisor.compare_margins(profile)
    json.loads(comparison.to_json())
    line = {"price": "price", "unit_cost": "unit_cost", "fixed_per_month": "fixed_costs"}[where]
    temu = comparison.platform("temu").model("fully-managed")
    assert abs(temu.line(line).value) == Decimal(LONG)
    assert audit(advisor.consult(profile).trace, advisor).ok


def test_margin_prints_a_26_digit_price_in_every_format(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"economics": _economics(price=LONG)}), encoding="utf-8")
    for fmt in ("text", "markdown"):
        result = runner.invoke(cli, ["margin", "-p", str(path), "-f", fmt], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "12,345,678,901,234,567,890,123,456.00" in result.stdout
    result = runner.invoke(cli, ["margin", "-p", str(path), "-f", "json"], catch_exceptions=False)
    assert json.loads(result.stdout)["platforms"][0]["models"]["fully-managed"]["per_unit"][0]["value"] == float(LONG)


@pytest.mark.parametrize(
    ("numbers", "field", "problem"),
    [
        ({"price": 1e300}, "economics.price", "has more than 64 digits before the decimal point"),
        ({"fixed_per_month": 10**64}, "economics.fixed_per_month", "has more than 64 digits before the decimal point"),
        (
            {"price": int("9" * 63), "monthly_units": 10**10},
            "economics",
            "fully-managed on temu: these numbers give amounts of more than 64 digits",
        ),
    ],
    ids=["float-1e300", "65-digit-int", "product-past-64-digits"],
)
def test_amounts_past_64_digits_are_refused_naming_the_field(
    advisor: Advisor, numbers: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        advisor.consult(SellerProfile.from_dict({"economics": _economics(**numbers)}))
    assert caught.value.field == field
    assert caught.value.problem == problem


def test_a_break_even_past_64_digits_is_no_break_even(advisor: Advisor) -> None:
    economics = {
        "monthly_units": 1,
        "unit_cost": 0,
        "fully-managed": {"price": 1, "fixed_per_month": int("9" * 63)},
        "semi-managed": {"price": "1." + "0" * 60 + "1"},
    }
    comparison = advisor.compare_margins(SellerProfile.from_dict({"economics": economics}))
    assert all(item.break_even_units is None for item in comparison.platforms)
    json.loads(comparison.to_json())  # finite numbers only


def test_a_long_amount_is_one_row_of_a_batch_not_the_end_of_it(runner: CliRunner, tmp_path: Path) -> None:
    rows = [
        {"name": "long", "economics": _economics(price=LONG)},
        {"name": "too long", "economics": _economics(price=1e300)},
        {"name": "plain", "operational_capacity": "low"},
        # Every number valid, their product past 64 digits: found while consulting, still one row's error.
        {"name": "product too long", "economics": _economics(price=int("9" * 63), monthly_units=10**10)},
    ]
    source = tmp_path / "sellers.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    output = tmp_path / "advice.jsonl"
    result = runner.invoke(cli, ["batch", str(source), "-o", str(output), "--no-progress"])
    assert result.exit_code == 1, result.output
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in records] == ["ok", "error", "ok", "error"]
    assert records[1]["error"]["field"] == "economics.price"
    assert records[3]["error"]["field"] == "economics"
    assert records[3]["error"]["message"].startswith(f"{source}:4: economics: fully-managed on temu: these numbers give")
    assert "row 2: " in result.stderr and "Traceback" not in result.output


def test_the_web_api_answers_a_long_amount(advisor: Advisor) -> None:
    pytest.importorskip("starlette", reason="the web extra is not installed")
    from starlette.testclient import TestClient

    from sellerexpert.web import create_app

    with TestClient(create_app(advisor=advisor), base_url="http://127.0.0.1:8000") as client:
        consulted = client.post("/api/v1/consult", json={"economics": _economics(price=LONG)})
        assert consulted.status_code == 200, consulted.text
        body = "".join(json.dumps({"economics": _economics(price=p)}) + "\n" for p in (LONG, 1e300, int("9" * 63), 7))
        streamed = client.post("/api/v1/batch", content=body.encode(), headers={"content-type": "application/x-ndjson"})
    assert streamed.status_code == 200
    assert [json.loads(line)["status"] for line in streamed.text.splitlines()] == ["ok", "error", "error", "ok"]
