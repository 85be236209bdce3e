"""The margin arithmetic: worked examples checked by hand, validation of the economics section, and properties.

An internal on purpose: besides the public ``compare_margins``, these tests reach the arithmetic's own
helpers, which no output shows on their own: rounding an exact fraction to the cent (half away from
zero, at any length), the facts a comparison hands the rules (``platform_facts``, ``margin_facts``) and the
summary they quote in either language, the table of numbers an economics section holds (``NUMBERS``,
to draw every one of them), the chart's choice of a font with Chinese glyphs, and the tipping values' closed
forms (``margins._solve``), which must equal the bisection they replace.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import io
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, SCALES, scaled
from sellerexpert import (
    Advisor,
    Caveat,
    Economics,
    MarginComparison,
    MarketAdvice,
    ProfileError,
    Reason,
    SellerProfile,
    compare_margins,
    use_language,
    write_catalogue,
)
from sellerexpert import _i18n as i18n
from sellerexpert import _workers as workers_module
from sellerexpert._economics import margin_report, margins
from sellerexpert._economics.landed import market_columns
from sellerexpert._economics.margin_report import chart
from sellerexpert._economics.margins import amount_text, cents, margin_facts, platform_facts, summary_text
from sellerexpert._i18n import number
from sellerexpert._profile.economics import NUMBERS, Range
from sellerexpert._workers import COLLECT_AFTER, Lent, WorkerFailed, Workers, start_method

# -- worked examples ----------------------------------------------------------------

# Example A, by hand (no cost of capital, so only the plain lines count):
#   fully-managed: price 10, unit cost 4, freight 1             -> 10 - 4 - 1 = 5.00 a unit
#   semi-managed:  price 20, unit cost 4, freight 2, last mile 3, returns 10% at 5 a return, commission 10%
#     refunds          = 20 x 0.10               = 2.00
#     commission       = (20 - 2) x 0.10         = 1.80
#     return handling  = 0.10 x 5                = 0.50
#     per unit         = 20 - 2 - 1.8 - 4 - 2 - 3 - 0.5 = 6.70
#   at 100 units: full 5 x 100 = 500.00; semi 6.70 x 100 - 600 fixed = 70.00 -> full leads by 430.00 (86%)
#   break-even: (600 - 0) / (6.70 - 5.00) = 352.941... -> 352.94 units, semi-managed above it
EXAMPLE_A: dict[str, Any] = {
    "currency": "EUR",
    "monthly_units": 100,
    "unit_cost": 4,
    "fully-managed": {"price": 10, "freight_per_unit": 1},
    "semi-managed": {
        "price": 20,
        "freight_per_unit": 2,
        "last_mile_per_order": 3,
        "return_rate": "10%",
        "cost_per_return": 5,
        "commission": 0.1,
        "fixed_per_month": 600,
    },
}

# Example B, by hand (cost of capital 10%, 365 units a month = 12 units a day, 73 days = a fifth of a year):
#   semi-managed: price 30, unit cost 6, freight 1.5 (landed 7.50), storage 0.73 a unit-month for 50 days,
#   23 days in transit, 20% never sells, payout after 73 days
#     storage            = 0.73 x 50 / (365 / 12)        = 1.20
#     unsold written off = 7.50 x 0.2 / 0.8              = 1.875  -> 1.88 (half away from zero)
#     cash in stock cost = 7.50 x (23 + 50) / 365 x 0.10 = 0.15
#     payout wait cost   = 30 x 73 / 365 x 0.10          = 0.60
#     per unit           = 30 - 6 - 1.5 - 1.2 - 1.875 - 0.15 - 0.6 = 18.675 -> 18.68
#     per month          = 18.675 x 365 = 6,816.375 -> 6,816.38
#     cash in stock      = 7.50 x 12 a day x 73 days = 6,570.00; waiting for payouts 30 x 12 x 73 = 26,280.00
#     cash tied up       = 32,850.00, costing 32,850 x 0.10 / 12 = 273.75 a month (= (0.15 + 0.60) x 365)
#   fully-managed: price 20, unit cost 6, freight 0.5 -> 13.50 a unit, 4,927.50 a month
#   semi-managed leads by 1,888.875 -> 1,888.88; no fixed costs, so the lines meet only at 0: no break-even
EXAMPLE_B: dict[str, Any] = {
    "monthly_units": 365,
    "unit_cost": 6,
    "cost_of_capital": "10%",
    "fully-managed": {"price": 20, "freight_per_unit": 0.5},
    "semi-managed": {
        "price": 30,
        "freight_per_unit": 1.5,
        "storage_per_unit_month": 0.73,
        "stock_days": 50,
        "transit_days": 23,
        "unsold_share": 0.2,
        "payout_delay_days": 73,
    },
}


def _one(data: dict[str, Any], platform: str = "temu") -> Any:
    return compare_margins(data, platforms=(platform,)).platforms[0]


def test_worked_example_a() -> None:
    item = _one(EXAMPLE_A)
    full, semi = item.model("fully-managed"), item.model("semi-managed")
    assert full.line("contribution_per_unit").value == Decimal("5.00")
    assert [semi.line(k).value for k in ("refunds", "commission", "return_handling", "last_mile")] == [
        Decimal("-2.00"), Decimal("-1.80"), Decimal("-0.50"), Decimal("-3.00"),
    ]  # fmt: skip
    assert semi.line("contribution_per_unit").value == Decimal("6.70")
    assert full.line("contribution_per_month").value == Decimal("500.00")
    assert semi.line("contribution_per_month").value == Decimal("70.00")
    assert semi.line("contribution_per_unit_after_fixed").value == Decimal("0.70")
    assert (item.leader, item.gap_per_month, item.gap_pct) == ("fully-managed", Decimal("430.00"), 86)
    assert (item.break_even_units, item.above_break_even) == (Decimal("352.94"), "semi-managed")
    assert item.break_even_exact == Fraction(6000, 17)
    assert item.summary == (
        "at 100 units a month your own numbers leave EUR 500.00 under fully-managed and EUR 70.00 under "
        "semi-managed: fully-managed leaves EUR 430.00 more a month; below about 353 units a month "
        "fully-managed leaves more, above it semi-managed; it could turn if the price cut passes 43%, "
        "or if any of 3 other numbers still needed passes its limit"
    )


def test_worked_example_b() -> None:
    item = _one(EXAMPLE_B)
    semi = item.model("semi-managed")
    assert [semi.line(k).value for k in ("storage", "unsold_stock", "capital_on_stock", "capital_on_payouts")] == [
        Decimal("-1.20"), Decimal("-1.88"), Decimal("-0.15"), Decimal("-0.60"),
    ]  # fmt: skip
    assert semi.contribution_per_unit == Fraction("18.675")
    assert semi.line("contribution_per_unit").value == Decimal("18.68")
    assert semi.line("contribution_per_month").value == Decimal("6816.38")
    assert [semi.line(k).value for k in ("cash_in_stock", "cash_in_payouts", "cash_tied_up", "cash_cost_per_month")] == [
        Decimal("6570.00"), Decimal("26280.00"), Decimal("32850.00"), Decimal("273.75"),
    ]  # fmt: skip
    # The cash's cost a month is exactly what the two capital lines take from each unit.
    capital = -(semi.line("capital_on_stock").exact + semi.line("capital_on_payouts").exact) * 365
    assert semi.line("cash_cost_per_month").exact == capital
    assert item.model("fully-managed").line("contribution_per_month").value == Decimal("4927.50")
    assert (item.leader, item.gap_per_month) == ("semi-managed", Decimal("1888.88"))
    assert item.break_even_units is None and item.above_break_even is None


def test_every_total_is_the_sum_of_its_lines() -> None:
    for model in _one(EXAMPLE_B).models:
        *lines, total = model.per_unit
        assert sum((line.exact for line in lines), Fraction(0)) == total.exact
        assert all(line.formula for line in (*model.per_unit, *model.per_month, *model.cash))


def test_layers_most_specific_wins() -> None:
    data = copy.deepcopy(EXAMPLE_A)
    data["platforms"] = {"TikTok": {"unit_cost": 5, "semi-managed": {"price": 25}}}
    comparison = compare_margins(data, platforms=("temu", "tiktok_shop"))
    economics = Economics.from_dict(data)
    assert economics.values("tiktok_shop", "semi-managed")["price"] == Decimal(25)
    assert economics.values("tiktok_shop", "fully-managed")["unit_cost"] == Decimal(5)
    assert economics.values("temu", "semi-managed")["price"] == Decimal(20)
    assert comparison.platform("tiktok_shop").model("fully-managed").line("unit_cost").value == Decimal("-5.00")


def test_even_when_both_leave_the_same() -> None:
    data = {"monthly_units": 10, "unit_cost": 1, "price": 3}
    item = _one(data)
    assert (item.leader, item.gap_per_month, item.break_even_units) == ("even", Decimal("0.00"), None)
    assert platform_facts(compare_margins(data, platforms=("temu",)))["temu"]["margin_leader"] == "even"


def test_facts_for_the_rules() -> None:
    facts = platform_facts(compare_margins(EXAMPLE_A, platforms=("temu", "aliexpress")))
    assert set(facts) == {"temu", "aliexpress"}
    assert facts["temu"]["margin_leader"] == "fully-managed"
    assert facts["temu"]["margin_gap_per_month"] == 430
    assert facts["temu"]["margin_gap_pct"] == 86
    assert "EUR 430.00" in facts["temu"]["margin_summary"]


def test_rounding_is_half_away_from_zero() -> None:
    assert cents(Fraction("0.125")) == Decimal("0.13")
    assert cents(Fraction("-0.125")) == Decimal("-0.13")
    assert cents(Fraction("0.124999")) == Decimal("0.12")


def test_json_is_strict_deterministic_and_matches_the_lines() -> None:
    comparison = compare_margins(EXAMPLE_B)
    text = comparison.to_json()
    assert text == compare_margins(copy.deepcopy(EXAMPLE_B)).to_json()
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    semi = data["platforms"][0]["models"]["semi-managed"]
    assert {line["key"]: line["value"] for line in semi["per_unit"]}["unsold_stock"] == -1.88
    assert data["platforms"][0]["break_even_units"] is None


# -- validation ---------------------------------------------------------------------


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE_A)
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return data


BAD = [
    (("unit_cost",), -1, "economics.unit_cost: -1 is negative", "negative amount"),
    (("semi-managed", "freight_per_unit"), -0.2, "economics.semi-managed.freight_per_unit: -0.2 is negative", "negative freight"),
    (("semi-managed", "commission"), "120%", "economics.semi-managed.commission: 120% is outside 0-100%", "percent above 100"),
    (("semi-managed", "commission"), "-5%", "economics.semi-managed.commission: -5% is outside 0-100%", "percent below 0"),
    (
        ("semi-managed", "return_rate"),
        1.5,
        "economics.semi-managed.return_rate: 1.5 is more than 1 (a share is 0 to 1) - did you mean '1.5%'?",
        "return rate 1.5",
    ),
    (("monthly_units",), 0, "economics.monthly_units: 0 units: the margin is worked out per unit sold", "zero units"),
    (("monthly_units",), 2.5, "economics.monthly_units: 2.5 is not a whole number of units", "fractional units"),
    (("semi-managed", "unsold_share"), "100%", "economics.semi-managed.unsold_share: must be below 1 (100%)", "all stock unsold"),
    (
        ("semi-managed", "stock_days"),
        12.5,
        "economics.semi-managed.stock_days: 12.5 is not a whole number of days",
        "fractional days",
    ),
    (
        ("semi-managed", "payout_delay_days"),
        400,
        "economics.semi-managed.payout_delay_days: 400 days is more than 365",
        "days above a year",
    ),
    (("semi-managed", "price"), "cheap", "economics.semi-managed.price: expected a number, got 'cheap'", "text for a number"),
    (("semi-managed", "price"), True, "economics.semi-managed.price: expected a number, got the boolean true", "boolean"),
    (
        ("semi-managed", "storage"),
        1,
        "economics.semi-managed.storage: unknown field 'storage' - did you mean 'storage_per_unit_month'?",
        "unknown field",
    ),
    (
        ("platforms", "shein"),
        {"price": 1},
        "economics.platforms.shein: 'shein' is not a platform we advise on",
        "unknown platform",
    ),
    (("cost_of_capital",), 3, "economics.cost_of_capital: 3 is more than 1", "capital above 100%"),
]


@pytest.mark.parametrize(("path", "value", "message"), [b[:3] for b in BAD], ids=[b[3] for b in BAD])
def test_bad_numbers_name_the_field(path: tuple[str, ...], value: Any, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_dict({"economics": _with(path, value)})
    assert str(caught.value).startswith(message)
    assert caught.value.field is not None and caught.value.field.startswith("economics")


@pytest.mark.parametrize(
    ("commission", "fails"),
    [(0.6, True), ([0.4, 0.5, 0.7], True), ([0.4, 0.5, 0.55], False), (0.5, False)],
    ids=["base-over", "high-end-over", "high-end-at-100%", "under"],
)
def test_shares_of_the_price_past_100_percent_are_refused_in_either_case(commission: Any, fails: bool) -> None:
    # Commission and payment fee from the same price kept: past 100% in the base case, or at a range's high end
    # (the conservative case), more returns would pay; exactly 100% is allowed.
    numbers = {
        "unit_cost": 5, "monthly_units": 100, "fully-managed": {"price": 10},
        "semi-managed": {"price": 20, "commission": commission, "payment_fee": 0.45},
    }
    if fails:
        with pytest.raises(ProfileError, match="add up to more than 100% of the price kept"):
            compare_margins(numbers)
    else:
        assert compare_margins(numbers).platforms


def test_a_missing_price_names_platform_and_model() -> None:
    data = copy.deepcopy(EXAMPLE_A)
    del data["semi-managed"]["price"]
    with pytest.raises(
        ProfileError, match=r"economics.platforms.aliexpress.semi-managed.price: no price for semi-managed on aliexpress"
    ):
        compare_margins(data, platforms=("aliexpress",))


def test_profile_round_trip_keeps_the_economics() -> None:
    profile = SellerProfile.from_dict({"fee_sensitivity": "high", "economics": EXAMPLE_B})
    assert profile.economics is not None
    again = SellerProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    assert profile.to_dict()["economics"]["cost_of_capital"] == 0.1  # "10%" in canonical form


# -- properties ---------------------------------------------------------------------

_amount = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
_share = st.decimals(min_value=0, max_value=Decimal("0.95"), places=3, allow_nan=False, allow_infinity=False)
_days = st.integers(min_value=0, max_value=365)
_KIND = {spec.name: spec.kind for spec in NUMBERS}
_STRATEGY = {
    "amount": _amount,
    "share": _share,
    "days": _days,
    "multiple": st.decimals(min_value=0, max_value=10, places=1, allow_nan=False, allow_infinity=False),
}
# Shares taken from the same price must leave something of it (more than 100% together is refused).
_TAKEN = ("commission", "affiliate_commission", "payment_fee")
_CAP = {name: Decimal("0.33") for name in _TAKEN}


def _drawn(draw: st.DrawFn, name: str) -> Any:
    if name in _CAP:
        return draw(st.decimals(min_value=0, max_value=_CAP[name], places=3))
    return draw(_STRATEGY[_KIND[name]])


@st.composite
def economics_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid economics section for one platform, every number drawn."""
    data: dict[str, Any] = {
        "monthly_units": draw(st.integers(min_value=1, max_value=5000)),
        "cost_of_capital": str(draw(st.decimals(min_value=0, max_value=1, places=2))),
        "unit_cost": str(draw(_amount)),
    }
    for model in ("fully-managed", "semi-managed"):
        data[model] = {
            name: (str(value) if not isinstance(value, int) else value)
            for name, value in ((spec.name, _drawn(draw, spec.name)) for spec in NUMBERS if spec.name != "unit_cost")
        }
    return data


# The price cut is left out: a lower price also lowers what is fined and taxed on it, so with fines
# larger than what the price keeps, a deeper cut may leave more (the arithmetic is right to say so).
_COSTS = [spec.name for spec in NUMBERS if spec.name not in ("price", "price_cut")] + ["cost_of_capital"]
_SHARED = ("unit_cost", "cost_of_capital")  # written once at the top: both models bear them
_KIND["cost_of_capital"] = "share"
_MODELS = ["fully-managed", "semi-managed"]


def _month(data: dict[str, Any]) -> dict[str, Fraction]:
    item = _one(data)
    return {m.model: m.contribution_per_month for m in item.models}


@pytest.mark.parametrize("share", SCALES)
def test_raising_a_cost_never_raises_the_margin_of_the_model_bearing_it(share: float) -> None:
    @settings(max_examples=scaled(100, share), deadline=None)
    @given(economics_data(), st.sampled_from(_COSTS), st.sampled_from(_MODELS), st.data())
    def check(data: dict[str, Any], cost: str, model: str, draw: st.DataObject) -> None:
        before = _month(data)
        raised = copy.deepcopy(data)
        table = raised if cost in _SHARED else raised[model]
        kind = _KIND[cost]
        old = Decimal(str(table[cost]))
        if kind == "share":
            cap = _CAP.get(cost, Decimal("0.95") if cost in ("unsold_share", "price_cut") else Decimal(1))
            new: Any = str(draw.draw(st.decimals(min_value=old, max_value=cap, places=3)))
        elif kind == "days":
            new = draw.draw(st.integers(min_value=int(old), max_value=365))
        elif kind == "multiple":
            new = str(old + draw.draw(_STRATEGY["multiple"]))
        else:
            new = str(old + draw.draw(_amount))
        table[cost] = new
        after = _month(raised)
        bearers = _MODELS if cost in _SHARED else [model]
        for name in bearers:
            assert after[name] <= before[name]
        for name in set(_MODELS) - set(bearers):
            assert after[name] == before[name]

    check()


@pytest.mark.parametrize("share", SCALES)
def test_raising_the_price_never_lowers_either_margin(share: float) -> None:
    @settings(max_examples=scaled(60, share), deadline=None)
    @given(economics_data(), st.sampled_from(_MODELS), _amount)
    def check(data: dict[str, Any], model: str, rise: Decimal) -> None:
        # Without fines on the price: a fine of several times the price may outgrow what a higher price keeps.
        for name in _MODELS:
            data[name]["fine_rate"] = 0
        before = _month(data)
        raised = copy.deepcopy(data)
        raised[model]["price"] = str(Decimal(str(raised[model]["price"])) + rise)
        after = _month(raised)
        assert all(after[name] >= before[name] for name in _MODELS)

    check()


@pytest.mark.parametrize("share", SCALES)
def test_break_even_is_where_the_lines_cross(share: float) -> None:
    @settings(max_examples=scaled(100, share), deadline=None)
    @given(economics_data())
    def check(data: dict[str, Any]) -> None:
        item = _one(data)
        full, semi = item.models
        if item.break_even_exact is not None:
            point = item.break_even_exact
            assert point > 0
            assert full.at(point) == semi.at(point)
            below, above = point / 2, point * 2
            leader_above = full if item.above_break_even == "fully-managed" else semi
            other = semi if leader_above is full else full
            assert leader_above.at(above) > other.at(above)
            assert leader_above.at(below) < other.at(below)
        else:
            # No crossing above 0 units: the same model leads (or they tie) at every volume.
            signs = {(full.at(n) > semi.at(n)) - (full.at(n) < semi.at(n)) for n in (1, 10, 1000, 10**6)}
            assert len(signs - {0}) <= 1

    check()


@pytest.mark.parametrize("share", SCALES)
def test_economics_round_trip_and_give_identical_json(share: float) -> None:
    @settings(max_examples=scaled(30, share), deadline=None)
    @given(economics_data())
    def check(data: dict[str, Any]) -> None:
        economics = Economics.from_dict(data)
        assert Economics.from_dict(json.loads(json.dumps(economics.to_dict()))) == economics
        assert compare_margins(economics).to_json() == compare_margins(copy.deepcopy(data)).to_json()

    check()


# -- rounding, the words for amounts and the facts the rules read, tested on their own -------------------

LONG = 12345678901234567890123456  # 26 digits: inside a document's 64-digit limit (tests/files/test_large_amounts.py)
HOME_GOODS = Path(__file__).resolve().parents[2] / "examples" / "margin-home-goods.toml"


@pytest.fixture(scope="module")
def comparison(advisor: Advisor) -> MarginComparison:
    return advisor.compare_margins(SellerProfile.from_file(HOME_GOODS))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(0), "0.00"),
        (Fraction(1, 200), "0.01"),
        (Fraction(-1, 200), "-0.01"),
        (Fraction(-1, 1000), "0.00"),
        (Fraction(12345, 100), "123.45"),
        (Fraction(-7, 3), "-2.33"),
        (Fraction(LONG) * 600 + Fraction(1, 3), "7407407340740740734074073600.33"),
        (Fraction(10**70) + Fraction(5, 1000), "1" + "0" * 70 + ".01"),
    ],
    ids=["zero", "half-up", "half-away-negative", "tiny-negative", "plain", "negative-third", "28-digits", "71-digits"],
)
def test_cents_rounds_half_away_from_zero_at_any_length(value: Fraction, expected: str) -> None:
    assert str(cents(value)) == expected


def test_the_summary_a_reason_quotes_is_english_in_the_engine_and_chinese_on_request(comparison) -> None:  # type: ignore[no-untyped-def]
    temu = comparison.platforms[0]
    assert temu.summary.startswith("at 600 units a month your own numbers leave USD 1,953.69 under fully-managed")
    assert summary_text(temu, comparison.monthly_units, comparison.currency) == temu.summary
    with use_language("zh"):
        chinese = summary_text(temu, comparison.monthly_units, comparison.currency)
        # built under Chinese, the recorded summary stays English (traces are English)
        assert comparison.platforms[0].summary == temu.summary
    assert (
        chinese
        == "按每月 600 件、用你自己的数字计算，全托管每月贡献利润 1,953.69 美元，半托管 -712.89 美元，"
        "全托管每月多出 2,666.58 美元"
    )
    aliexpress = summary_text(comparison.platforms[1], 600, "USD")
    assert "below about 536 units a month fully-managed leaves more, above it semi-managed" in aliexpress
    assert platform_facts(comparison)["temu"]["margin_summary"] == temu.summary
    assert platform_facts(comparison, "zh")["temu"]["margin_summary"] == chinese
    assert "每月约 536 件以下全托管更划算，以上则半托管更划算" in platform_facts(comparison, "zh")["aliexpress"]["margin_summary"]
    profile = SellerProfile.from_file(HOME_GOODS)
    assert margin_facts(profile, lang="zh", comparison=comparison)["temu"]["margin_summary"] == chinese
    assert margin_facts(profile, comparison=comparison)["temu"]["margin_summary"] == temu.summary


def test_amounts_are_written_as_chinese_writes_them() -> None:
    # amount_text formats the exact Decimal; Chinese groups and separates as English does.
    for value in (Decimal("0.10"), Decimal("-450.00"), Decimal("2088.72"), Decimal("1234567.50")):
        with use_language("zh"):
            assert amount_text(value) == number(float(value), digits=2)
    assert amount_text(Decimal("12345678901234567.89")) == "12,345,678,901,234,567.89"


def test_chart_speaks_chinese_with_a_chinese_font(comparison, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # Pretend the system's font has the glyphs (the SVG keeps text as text, so the labels are readable in it).
    monkeypatch.setattr(margin_report, "cjk_font", lambda: "DejaVu Sans")
    with use_language("zh"), pytest.warns(UserWarning, match="missing from font"):
        svg = chart(comparison, "svg").decode()
    for words in ("每月销量（件）", "每月贡献利润（USD）", "全托管", "半托管", "你的 600 件", "盈亏平衡 536 件"):
        assert words in svg, words
    assert "units a month" not in svg


def test_cjk_font_finds_an_installed_font_or_none() -> None:
    font = margin_report.cjk_font()
    assert font is None or font in margin_report.CJK_FONTS


# -- the tipping values without the search ---------------------------------------------------------------------
# Each number's shape (a straight line, or the VAT rate's line in 1 / (1 + r)) gives the very value the bisection
# gives, on generated functions and on the arithmetic itself: the closed forms are an internal shortcut, and what
# they must equal is the general search beside them, which no public name reaches alone.

ONE = Fraction(1)
rationals = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6)
tops = st.sampled_from([None, ONE, Fraction(margins.MAX_DAYS)])


@pytest.mark.parametrize("scale", SCALES)
def test_a_straight_line_is_solved_as_the_search_solves_it(scale: float) -> None:
    @settings(max_examples=scaled(100, scale), deadline=None)
    @given(start=rationals, slope=rationals, top=tops)
    def check(start: Fraction, slope: Fraction, top: Fraction | None) -> None:
        def line(x: Fraction) -> Fraction:
            return start + slope * x

        assert margins._solve(line, top, shape="affine") == margins._solve(line, top)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_known_slope_gives_the_searched_root_in_integers(scale: float) -> None:
    # _tips reads a straight line's root off f(0) and the slope _slope_pairs hands it (an unreduced pair, its
    # denominator of either sign) without a Fraction: the value the general search gives, in lowest terms.
    @settings(max_examples=scaled(300, scale), deadline=None)
    @given(start=rationals, slope=rationals, top=tops, factor=st.integers(-50, 50).filter(bool))
    def check(start: Fraction, slope: Fraction, top: Fraction | None, factor: int) -> None:
        pair = (slope.numerator * factor, slope.denominator * factor)
        # Also the line whose root is the top itself, the one edge random values all but never meet.
        for at0 in (start, start if top is None else -slope * top):

            def line(x: Fraction, at0: Fraction = at0) -> Fraction:
                return at0 + slope * x

            root = margins._affine_root((at0.numerator, at0.denominator), pair, top)
            assert (None if root is None else Fraction(*root)) == margins._solve(line, top), at0
            if root is not None:
                assert root[1] > 0, root  # in any terms (_shown_pair and the range checks read it so)

    check()


def test_a_known_slope_gives_the_searched_root_on_every_sign() -> None:
    # Each sign of f(0), of the slope and of the slope's denominator, roots inside, on and past each top.
    for start in (Fraction(-3), Fraction(0), Fraction(2, 7), Fraction(365), Fraction(-730)):
        for slope in (Fraction(-2), Fraction(0), Fraction(5, 3), Fraction(1), Fraction(-1)):
            for factor in (1, -1, 6, -6):
                for top in (None, ONE, Fraction(margins.MAX_DAYS)):
                    pair = (slope.numerator * factor, slope.denominator * factor)
                    root = margins._affine_root((start.numerator, start.denominator), pair, top)
                    expected = margins._solve(lambda x, start=start, slope=slope: start + slope * x, top)
                    assert (None if root is None else Fraction(*root)) == expected, (start, slope, factor, top)


@pytest.mark.parametrize("name", ["return_rate", "cost_of_capital", "stock_days", "ads_per_unit"])
def test_a_tipping_value_is_shown_alike_from_a_pair_in_any_terms(name: str) -> None:
    # _shown_pair rounds n / d without reducing it: the same Decimal as the roundings of the Fraction (a share to a
    # tenth of a percent, days whole, an amount to the cent), halves and zero included.
    kind = margins.NUMBERS_BY_NAME[name].kind if name in margins.NUMBERS_BY_NAME else "share"

    @settings(max_examples=200, deadline=None)
    @given(
        value=st.one_of(rationals, st.sampled_from([Fraction(0), Fraction(1, 2000), Fraction(-5, 2), Fraction(1, 200)])),
        factor=st.integers(1, 10**6),
    )
    def check(value: Fraction, factor: int) -> None:
        if kind == "share":
            expected = margins._share_shown(value)
        elif kind == "days":
            expected = Decimal(margins.whole_units(value))
        else:
            expected = cents(value)
        shown = margins._shown_pair(name, value.numerator * factor, value.denominator * factor)
        assert (str(shown), shown) == (str(expected), expected)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_comparisons_gap_crossing_and_summary_are_those_of_its_models_fractions(advisor: Advisor, scale: float) -> None:
    # _platform_margin works the gap and the break-even out on the models' integer pairs (_month_pairs) and hands the
    # summary the months in cents: the leader, gap, crossing and summary of the models' own Fractions (the
    # properties), in brief and in full, and the summary summary_text words again, in English and Chinese.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        profile, economics, columns = _drawn_columns(advisor, data.draw)
        for brief in (False, True):
            comparison = compare_margins(economics, platforms=profile.platforms, markets=columns, brief=brief)
            for item in comparison.markets:
                if not item.compared:
                    assert item.summary == summary_text(item, economics.monthly_units, economics.currency)
                    continue
                full, semi = item.models
                gap = full.contribution_per_month - semi.contribution_per_month
                leader = margins.EVEN if cents(abs(gap)) == 0 else (margins.FULL if gap > 0 else margins.SEMI)
                slope = semi.contribution_per_unit - full.contribution_per_unit
                crossing = None
                if slope != 0:
                    point = (semi.fixed_per_month - full.fixed_per_month) / slope
                    crossing = point if 0 < point < margins._LARGEST else None
                above = None if crossing is None else (margins.SEMI if slope > 0 else margins.FULL)
                assert (item.leader, item.gap_per_month, item.break_even_exact, item.above_break_even) == (
                    leader, cents(abs(gap)), crossing, above
                )
                assert str(item.gap_per_month) == str(cents(abs(gap)))
            for item in comparison.markets:
                assert item.summary == _plain_summary(item, economics.monthly_units, economics.currency)
                assert item.summary == summary_text(item, economics.monthly_units, economics.currency)
                with use_language("zh"):
                    plain = _plain_summary(item, economics.monthly_units, economics.currency)
                    assert summary_text(item, economics.monthly_units, economics.currency) == plain

    check()


def _plain_summary(item: Any, units: int, currency: str) -> str:
    """The margin summary as it was worded before its words were kept (every word and amount looked up where it is
    written, the closest number by min()): what _summary must still write."""
    words, model_words = i18n._, i18n.model_words
    models = item.models
    if len(models) != 2:
        return words("only {model} has an open route here: nothing to compare").format(
            model=model_words(models[0].model) if models else words("neither model")
        )
    full, semi = models
    money = margins.money_text
    if item.leader == margins.EVEN:
        verdict = words("both models leave the same")
    else:
        verdict = words("{model} leaves {amount} more a month").format(
            model=model_words(item.leader), amount=money(currency, item.gap_per_month)
        )
    summary = words(
        "at {units} units a month your own numbers leave {full} under fully-managed and {semi} under semi-managed: {verdict}"
    ).format(units=units, full=money(currency, cents(full.contribution_per_month)),
             semi=money(currency, cents(semi.contribution_per_month)), verdict=verdict)
    if item.break_even_exact is not None and item.above_break_even is not None:
        summary += words("; below about {units} units a month {other} leaves more, above it {above}").format(
            units=number(margins.whole_units(item.break_even_exact)),
            other=model_words(margins.SEMI if item.above_break_even == margins.FULL else margins.FULL),
            above=model_words(item.above_break_even),
        )
    tips = [(n, n.tips_at) for n in item.needed if n.can_tip and n.tips_at is not None]
    if tips:
        leader = item.leader
        price = next(m for m in models if m.model == leader).line("price").value if leader in margins.MODELS else Decimal(1)
        need, at = min(tips, key=lambda pair: margins._reach(pair[0].name, pair[1], price))
        first = words("{name} passes {value}").format(
            name=margins.number_words(need.name), value=margins.number_text(need.name, at, currency)
        )
        if len(tips) == 1:
            summary += words("; it could turn if {numbers}").format(numbers=first)
        else:
            summary += words(
                "; it could turn if {number}, or if any of {count} other numbers still needed passes its limit"
            ).format(number=first, count=len(tips) - 1)
    return summary


def test_a_share_shown_from_its_digits_is_the_decimal_division_at_any_length() -> None:
    # _shown_pair reads a share's tenths of a percent from their digits where Decimal's division by 10 (28 digits)
    # is exact; past that it divides as it always did (and Decimal refuses): the same Decimal, or the same refusal.
    def divided(n: int, d: int) -> Decimal:
        return (margins._cents_pair(10 * n, d) / 10).quantize(Decimal("0.001")) if n else Decimal("0.000")

    edges = [sign * (10**digits + step) for digits in (26, 27, 28) for step in (-1, 0, 1) for sign in (1, -1)]

    @settings(max_examples=300, deadline=None)
    @given(
        whole=st.one_of(st.integers(-(10**31), 10**31), st.sampled_from([0, 1, -1, 499, 500, *edges])),
        rest=st.integers(0, 999),
        d=st.integers(1, 10**6),
    )
    def check(whole: int, rest: int, d: int) -> None:
        n = whole * d + rest * d // 1000  # about whole (+ a fraction of one): near a rounding edge or a digit limit
        try:
            expected: Decimal | type = divided(n, d)
        except ArithmeticError as error:
            expected = type(error)
        try:
            shown: Decimal | type = margins._shown_pair("price_cut", n, d)
        except ArithmeticError as error:
            shown = type(error)
        assert (str(shown), shown) == (str(expected), expected), (n, d)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_line_in_one_over_one_plus_the_rate_is_solved_as_the_search_solves_it(scale: float) -> None:
    # The shape of the month in the VAT rate: affine in 1 / (1 + r), bent by a capped fee (a convex kink).
    @settings(max_examples=scaled(300, scale), deadline=None)
    @given(
        start=rationals,
        slope=rationals,
        fee=st.fractions(min_value=0, max_value=50, max_denominator=1000),
        cap=st.one_of(st.none(), st.fractions(min_value=0, max_value=50, max_denominator=1000)),
        top=st.sampled_from([ONE, Fraction(1, 2)]),
    )
    def check(start: Fraction, slope: Fraction, fee: Fraction, cap: Fraction | None, top: Fraction) -> None:
        def month(x: Fraction) -> Fraction:
            s = 1 / (1 + x)
            return start + slope * s - (fee * s if cap is None else min(fee * s, cap))

        assert margins._solve(month, top, shape="vat") == margins._solve(month, top)

    check()


def test_a_root_on_the_search_grid_ends_where_the_search_ends() -> None:
    # Roots that fall on points the search tests: a zero counts on 0's side only when f(0) < 0.
    for root in (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), ONE):
        for sign in (1, -1):

            def month(x: Fraction, root: Fraction = root, sign: int = sign) -> Fraction:
                return sign * (1 / (1 + x) - 1 / (1 + root))

            assert margins._solve(month, ONE, shape="vat") == margins._solve(month, ONE), (root, sign)


@pytest.mark.parametrize("scale", SCALES)
def test_the_vat_rates_root_read_off_its_line_in_integers_ends_where_the_search_ends(scale: float) -> None:
    # _tips reads the VAT rate's root off the line in 1 / (1 + r) through f(0) and f(top / 2) (_vat_root, integers):
    # the very value the general search (no shape) and _solve's shape "vat" give for that line, on any line.
    @settings(max_examples=scaled(150, scale), deadline=None)
    @given(at0=rationals.filter(bool), at_probe=rationals, top=st.sampled_from([ONE, Fraction(1, 3), Fraction(7, 2)]))
    def check(at0: Fraction, at_probe: Fraction, top: Fraction) -> None:
        line = margins._vat_line(at0, at_probe, top / 2)
        expected = margins._solve(line, top)
        assert margins._vat_root(at0, at_probe, top) == expected, (at0, at_probe, top)
        assert margins._solve(line, top, at0=at0, shape="vat") == expected

    check()


def test_the_vat_rates_root_on_a_grid_point_or_an_edge_ends_where_the_search_ends() -> None:
    # Roots on the search's own points (a dyadic rate), next to them, at the probe and at the top: a zero counts on
    # 0's side only when f(0) < 0, and past the top there is none.
    steps = 1 << 60
    for top in (ONE, Fraction(3, 2)):
        for k in (1, 2, 3, steps // 4, steps // 2, steps // 2 + 1, steps - 1, steps):
            for nudge in (Fraction(0), Fraction(1, 10**30), -Fraction(1, 10**30)):
                root = top * k / steps + nudge
                for scale in (Fraction(5), Fraction(-3, 7)):

                    def month(x: Fraction, root: Fraction = root, scale: Fraction = scale) -> Fraction:
                        return scale * (1 / (1 + x) - 1 / (1 + root))

                    found = margins._vat_root(month(Fraction(0)), month(top / 2), top)
                    assert found == margins._solve(month, top), (top, k, nudge, scale)
    assert margins._vat_root(ONE, Fraction(1, 2), ONE) is None  # the line keeps its sign up to the top


def _drawn_columns(advisor: Advisor, draw: Any) -> tuple[SellerProfile, Economics, Any]:
    """A profile drawn as :func:`_economics` draws it, its economics and the columns its comparison prices."""
    profile = SellerProfile.from_dict(_economics(draw))
    economics = profile.economics
    assert economics is not None
    return profile, economics, market_columns(advisor.rules, profile)


def _economics(draw: Any) -> dict[str, Any]:
    """The catalogue example's economics with a product's numbers drawn over them (some left out: needed)."""
    profile = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml").to_dict()
    numbers = profile["economics"]
    cost = draw(st.integers(50, 9000)) / 100
    numbers["unit_cost"] = cost
    numbers["monthly_units"] = draw(st.integers(1, 3000))
    numbers["fully-managed"]["price"] = round(cost * draw(st.floats(0.8, 3.0)), 2)
    numbers["semi-managed"]["price"] = round(cost * draw(st.floats(1.2, 5.0)), 2)
    for name in ("return_rate", "commission", "vat_rate", "price_cut", "payment_fee", "affiliate_commission"):
        if draw(st.booleans()):
            numbers["semi-managed"][name] = f"{draw(st.integers(0, 30))}%"
    for name in ("fixed_per_month", "ads_per_unit", "cost_per_return", "last_mile_per_order"):
        if draw(st.booleans()):
            numbers["semi-managed"][name] = draw(st.integers(0, 900)) / 100
    return profile


def _route_plans(advisor: Advisor, profile: SellerProfile) -> tuple[Fraction, list[tuple[tuple[str, str, str | None], Any]]]:
    """A profile's monthly units and each route column's plan on every platform and market, with where it is
    (platform, market, route)."""
    economics = profile.economics
    assert economics is not None
    columns = market_columns(advisor.rules, profile)
    assert columns is not None
    routes = [
        ((platform, market.market, column.route), margins._plan(economics, platform, market.market, column, None))
        for platform, markets in columns.items()
        for market in markets
        for column in market.columns
    ]
    return Fraction(economics.monthly_units), routes


@pytest.mark.parametrize("scale", SCALES)
def test_each_shaped_number_tips_where_the_search_says_on_the_real_arithmetic(advisor: Advisor, scale: float) -> None:
    # Every number given a shape, on every route the example prices: the month as _amounts works it out,
    # against a target drawn near it, solved with the shape and by the search.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        units, routes = _route_plans(advisor, SellerProfile.from_dict(_economics(data.draw)))
        for (platform, market, route), plan in routes:
            now = margins._per_month(plan, units)
            name = data.draw(st.sampled_from(sorted(margins._SHAPES)))
            target = now + data.draw(st.fractions(min_value=-500, max_value=500, max_denominator=100))
            without = replace(plan, inputs={k: v for k, v in plan.inputs.items() if k != name})

            def gap(
                x: Fraction, plan: Any = without, name: str = name, target: Fraction = target
            ) -> Fraction:
                return margins._per_month(plan, units, changes={name: x}) - target

            top = margins._top(name)
            shaped = margins._solve(gap, top, shape=margins._SHAPES[name])
            assert shaped == margins._solve(gap, top), (platform, market, route, name)

    check()


def _compared(advisor: Advisor, profile: SellerProfile) -> tuple[Fraction, list[tuple[str, Any, list[Any], tuple[Any, ...]]]]:
    """``profile``'s monthly units, and each of its platforms and markets where both models are open: its plans and
    full model margins."""
    economics = profile.economics
    assert economics is not None
    columns = market_columns(advisor.rules, profile)
    assert columns is not None
    compared = []
    for platform, markets in columns.items():
        for market in markets:
            plans = [margins._plan(economics, platform, market.market, c, None) for c in market.columns]
            models = tuple(margins._model_margin(plan, economics.monthly_units, platform) for plan in plans)
            if len(models) >= 2:
                compared.append((platform, market, plans, models))
    return Fraction(economics.monthly_units), compared


def test_the_comparison_is_the_same_with_the_shapes_and_with_the_search_alone(advisor: Advisor) -> None:
    # The catalogue example's company, every platform and market: the needed numbers and their tipping values.
    units, compared = _compared(advisor, _CATALOGUE_COMPANY)
    tipped = 0
    for _platform, _market, plans, models in compared:
        gap = models[0].contribution_per_month - models[1].contribution_per_month
        leader = margins.FULL if gap > 0 else margins.SEMI
        shaped = margins._tips(plans, models, leader, units)
        assert shaped == margins._tips(plans, models, leader, units, shapes={}, lines=False)
        tipped += sum(n.tips_at is not None for n in shaped)
    assert tipped  # the example has numbers that could tip it


def test_a_root_on_its_numbers_top_tips_as_the_search_says(advisor: Advisor) -> None:
    # _tips shows a bounded straight-line root (an affine number's, a price cut's on one stretch) without the range
    # checks, as in range and reachable: held, at a gap whose root is the number's top itself (the edge generated
    # numbers all but never meet), and at a gap just past it, to the plain search on the same months.
    units, compared = _compared(advisor, _CATALOGUE_COMPANY)
    at_top = 0
    for platform, market, plans, models in compared:
        for index, (plan, model) in enumerate(zip(plans, models, strict=True)):
            values = margins._values(plan)
            slopes = margins._slope_pairs(plan, values, units)
            own = model.contribution_per_month
            for name in model.needed:
                top = margins._top(name)
                if top is None or name in values:
                    continue
                if margins._SHAPES.get(name) == "affine":
                    slope = Fraction(*slopes[name])
                elif name == "price_cut" and margins._cut_straight(plan, values):
                    slope = margins._cut_slope(plan, values, units)
                else:
                    continue
                for past in (Fraction(0), Fraction(1, 10**6)):
                    other = _q(own + slope * (top + past))
                    months = (_q(own), other) if index == 0 else (other, _q(own))
                    tips = margins._tips(plans, models, model.model, units, months=months)
                    plain = margins._tips(plans, models, model.model, units, shapes={}, lines=False, months=months)
                    assert tips == plain, (platform, market.market, name, past)
                    entry = next(n for n in tips if n.name == name and n.model == model.model)
                    if slope and not past:
                        at_top += 1
                        assert entry.can_tip, (platform, market.market, name)
    assert at_top  # the example has such numbers


def test_an_unsold_share_tips_at_its_probe_where_the_gap_is_the_landed_cost(advisor: Advisor) -> None:
    # _tips reads the unsold share's one evaluation (at 1/2, where x / (1 - x) is 1) as the gap at 0 against units x
    # the landed cost (_slope_pairs' slope in x / (1 - x)): held, at a gap that is exactly that (the share tips at
    # its probe, which generated numbers all but never meet) and just past it, to the plain search on the same months.
    units, compared = _compared(advisor, _CATALOGUE_COMPANY)
    on_probe = 0
    for platform, market, plans, models in compared:
        for index, (plan, model) in enumerate(zip(plans, models, strict=True)):
            if "unsold_share" not in model.needed:
                continue
            own, landed = model.contribution_per_month, margins._landed_unit(plan, margins._values(plan))
            for past in (Fraction(0), Fraction(1, 10**6)):
                other = _q(own - units * landed - past)
                months = (_q(own), other) if index == 0 else (other, _q(own))
                tips = margins._tips(plans, models, model.model, units, months=months)
                plain = margins._tips(plans, models, model.model, units, shapes={}, lines=False, months=months)
                assert tips == plain, (platform, market.market, past)
                entry = next(n for n in tips if n.name == "unsold_share" and n.model == model.model)
                if landed and not past:
                    on_probe += 1
                    assert entry.can_tip and entry.tips_at == Decimal("0.500"), (platform, market.market)
    assert on_probe  # the example has such numbers


def _q(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


def _tips_as_the_plain_search(advisor: Advisor, profile: SellerProfile, other: dict[str, Any]) -> None:
    """On every platform and market where both models are open, for either model leading: the tipping values as
    worked out (every shortcut) and with ``other`` options are those of the plain search (no shape, no lines)."""
    units, compared = _compared(advisor, profile)
    for platform, market, plans, models in compared:
        # The comparison hands _tips its months as integer pairs (_month_pairs): the gap's Fractions made from them.
        months = (margins._month_pairs(models[0])[1], margins._month_pairs(models[1])[1])
        for leader in (margins.FULL, margins.SEMI):
            plain = margins._tips(plans, models, leader, units, shapes={}, lines=False)
            # One entry per needed number, in the models' order, each named for its number and model (_tips takes
            # an untipped entry by its place in the model's list, _agenda's names in the same order).
            assert [(n.name, n.model) for n in plain] == [(name, m.model) for m in models for name in m.needed]
            assert margins._tips(plans, models, leader, units, **other) == plain, (platform, market.market)
            assert margins._tips(plans, models, leader, units) == plain, (platform, market.market)
            assert margins._tips(plans, models, leader, units, months=months) == plain, (platform, market.market)
            assert margins._tips(plans, models, leader, units, **other, months=months) == plain, (platform, market.market)
            # The entries that could turn it, handed over as they are made (with their kinds), read as the summary
            # reads the whole list (_turning): the same closest number and counts.
            tipping: list[Any] = []
            assert margins._tips(plans, models, leader, units, months=months, tipping=tipping) == plain
            assert [entry for entry, _kind in tipping] == [n for n in plain if n.can_tip], (platform, market.market)
            turning = margins._turning(plain, models, leader)
            assert margins._closest(tipping, models, leader) == turning, (platform, market.market)


@pytest.mark.parametrize("scale", SCALES)
def test_a_search_read_off_each_stretchs_line_ends_where_the_plain_search_ends(advisor: Advisor, scale: float) -> None:
    # Generated products (customs thresholds, a capped refund fee, numbers left out): every needed number searched,
    # with the month read off its stretch's line and worked out at every step, gives the same tipping values.
    @settings(max_examples=scaled(8, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        _tips_as_the_plain_search(advisor, SellerProfile.from_dict(_economics(data.draw)), {"shapes": {}})

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_the_month_read_off_each_stretchs_line_is_the_month_worked_out(advisor: Advisor, scale: float) -> None:
    # The numbers the search solves (customs thresholds and the refund fee's cap bend the month in them), on every
    # route the example prices: read off the lines or worked out at every step, the search ends at the same point.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        units, routes = _route_plans(advisor, SellerProfile.from_dict(_economics(data.draw)))
        name = data.draw(st.sampled_from(["price_cut", "unit_cost", "commission", "price"]))
        top = margins._top(name)
        where = data.draw(st.fractions(min_value=0, max_value=top if top is not None else 200, max_denominator=1000))
        for (platform, _market, route), plan in routes:
            values = margins._values(plan)
            # A target the month passes at ``where``, a little off it: the root lies near there, on any stretch.
            target = margins._per_month(plan, units, changes={name: where}) + data.draw(
                st.fractions(min_value=-5, max_value=5, max_denominator=100)
            )

            def gap(x: Fraction, plan: Any = plan, target: Fraction = target) -> Fraction:
                return margins._per_month(plan, units, changes={name: x}) - target

            def stretch(x: Fraction, plan: Any = plan, values: dict[str, Fraction] = values) -> Any:
                return margins._stretch(plan, {**values, name: x})

            lined = margins._lined(gap, stretch)
            assert margins._solve(lined, top) == margins._solve(gap, top), (platform, route, name, where)
            assert all(lined(x) == gap(x) for x in (where, where / 2, where * 2, Fraction(0)))

    check()


@pytest.mark.parametrize("where", [Fraction(n, 100) for n in range(40, 80, 6)])
def test_the_search_read_off_lines_steps_over_a_customs_threshold_as_the_plain_search(advisor: Advisor, where: Fraction) -> None:
    # AliExpress's EU parcels pay a duty per item up to EUR 150 (162 in the example's currency) and none above: at
    # a price of 400 the price cut's search crosses that threshold, where the month jumps from one line to another.
    data = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml").to_dict()
    data["economics"]["semi-managed"]["price"] = 400
    profile = SellerProfile.from_dict(data)
    economics = profile.economics
    assert economics is not None
    columns = market_columns(advisor.rules, profile)
    assert columns is not None
    (market,) = [m for m in columns["aliexpress"] if m.market == "DE"]
    (column,) = [c for c in market.columns if c.model == "semi-managed"]
    plan = margins._plan(economics, "aliexpress", "DE", column, None)
    assert any(charge.up_to is not None for charge in plan.charges)
    units = Fraction(economics.monthly_units)
    values = margins._values(plan)
    for offset in (Fraction(0), Fraction(1, 3), Fraction(-1, 7)):
        target = margins._per_month(plan, units, changes={"price_cut": where}) + offset

        def gap(x: Fraction, target: Fraction = target) -> Fraction:
            return margins._per_month(plan, units, changes={"price_cut": x}) - target

        lined = margins._lined(gap, lambda x: margins._stretch(plan, {**values, "price_cut": x}))
        assert margins._solve(lined, ONE) == margins._solve(gap, ONE), (where, offset)


def _halved(f: Any, high: Fraction, at0: Fraction) -> Fraction:
    """_solve's loop as it stands in Fractions: 60 halvings of [0, high], f(0) = at0 on the side kept in ``low``."""
    low = Fraction(0)
    for _step in range(60):
        middle = (low + high) / 2
        if (f(middle) > 0) == (at0 > 0):
            low = middle
        else:
            high = middle
    return high


@pytest.mark.parametrize("scale", SCALES)
def test_the_price_cuts_search_on_integers_ends_where_the_plain_search_ends(advisor: Advisor, scale: float) -> None:
    # The price cut's search over its stretches' lines runs on integers (_CutLines.bisect): on any route of a
    # generated product, for a target the month passes near any cut (customs thresholds and the refund fee's cap
    # either side), it gives the very Fraction the plain 60-step search over the month worked out gives.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        units, routes = _route_plans(advisor, SellerProfile.from_dict(_economics(data.draw)))
        where = data.draw(st.fractions(min_value=0, max_value=1, max_denominator=1000))
        offset = data.draw(st.fractions(min_value=-5, max_value=5, max_denominator=100))
        for (platform, _market, route), plan in routes:
            values = margins._values(plan)
            target = margins._per_month(plan, units, changes={"price_cut": where}) + offset

            def gap(x: Fraction, plan: Any = plan, target: Fraction = target) -> Fraction:
                return margins._per_month(plan, units, changes={"price_cut": x}) - target

            lines = margins._cut_lined(gap, plan, values, units)
            plain = margins._solve(gap, ONE)
            assert margins._solve(lines, ONE) == plain, (platform, route, where, offset)
            at0 = gap(Fraction(0))
            if at0 != 0:
                # The loop itself, past _solve's shortcuts (the secant lands on most roots): the same Fraction.
                assert lines.bisect(ONE, at0 > 0) == _halved(gap, ONE, at0), (platform, route, where)

    check()


@settings(max_examples=500, deadline=None)
@given(
    a=st.one_of(st.integers(-(10**40), 10**40), st.sampled_from([0, 1, -1])),
    b=st.integers(-(10**45), 10**45),
    positive=st.booleans(),
    low=st.integers(0, 2**40),
    width=st.integers(1, 20),
    near=st.booleans(),
)
def test_a_search_on_one_line_ends_where_its_steps_end(
    a: int, b: int, positive: bool, low: int, width: int, near: bool
) -> None:
    # _CutLines.bisect ends its loop in one step (margins._bisected) once every point left lies on one stretch's line:
    # where stepping through the halvings on the line's sign ends, the line's root inside the interval or not.
    high = low + (1 << width)
    if near and a:
        b = -a * (low + (high - low) * 3 // 7)  # the root inside
    low_k, high_k = low, high
    while high_k - low_k > 1:
        k = (low_k + high_k) >> 1
        if (a * k + b > 0) == positive:
            low_k = k
        else:
            high_k = k
    assert margins._bisected(a, b, positive, low, high) == high_k


@pytest.mark.parametrize("scale", SCALES)
def test_the_unsold_share_is_solved_as_the_search_solves_it(scale: float) -> None:
    # The month in the unsold share: the landed cost's write-off x / (1 - x) below 100%, none at 100%.
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(start=rationals, landed=rationals, half=st.booleans())
    def check(start: Fraction, landed: Fraction, half: bool) -> None:
        if half:
            start = landed  # the month is 0 at the probe, 1/2
        def month(x: Fraction) -> Fraction:
            return start - (landed * x / (1 - x) if x < 1 else 0)

        assert margins._solve(month, ONE, shape="unsold") == margins._solve(month, ONE)

    check()


# -- the arithmetic in integer pairs against the same in Fractions --------------------------------


def _amounts_in_fractions(plan: Any, v: dict[str, Fraction], units: Fraction) -> dict[str, Fraction]:
    """The arithmetic as it was written in Fractions before it moved to integer pairs (margins._month_parts),
    kept here as the reference the pairs must equal, line for line."""

    def g(name: str) -> Fraction:
        return v.get(name, Fraction(0))

    zero, year, months = Fraction(0), Fraction(365), Fraction(12)
    price = g("price")
    cut = price * g("price_cut")
    gross = price - cut
    rate = g("return_rate")
    refunds = gross * rate
    sales = gross - refunds
    vat_rate = g("vat_rate")
    vat = sales * vat_rate / (1 + vat_rate)
    kept = sales - vat
    commission = kept * g("commission")
    affiliate = kept * g("affiliate_commission")
    payment = kept * g("payment_fee")
    payout = kept - commission - affiliate - payment
    refund_admin = zero
    if plan.refund_admin is not None:
        share, cap = plan.refund_admin
        refund_admin = rate * min(share * gross / (1 + vat_rate) * g("commission"), cap)
    fines = gross * g("fine_rate") * g("fine_multiple")
    late = g("late_share") * g("late_fine") if plan.late_fine else zero
    unit_cost, freight = g("unit_cost"), g("freight_per_unit")
    duty = zero
    if plan.parcel is not None:
        value = gross if plan.parcel else unit_cost
        # The thresholds read here, not with the plan's own test (_Charge.applies): at most up_to, more than over.
        applying = [c for c in plan.charges if (c.up_to is None or value <= c.up_to) and (c.over is None or value > c.over)]
        for charge in applying:
            if charge.kind == "rate":
                duty += value * g(charge.key)
            elif charge.kind == "yours":
                duty += value * g("duty_rate")
            elif charge.kind == "per_item":
                duty += g(charge.key)
        if any(charge.kind == "import_tax" for charge in applying):
            duty += (value + duty) * g("import_tax_rate")
    landed = unit_cost + freight + (duty if plan.parcel is False else zero)
    unsold = g("unsold_share")
    stock_days = g("transit_days") + g("stock_days")
    capital = g("cost_of_capital")
    out = {
        "price": price, "price_cut": cut, "refunds": refunds, "vat": vat, "commission": commission,
        "refund_admin": refund_admin, "affiliate": affiliate, "payment_fees": payment, "platform_fees": g("fee_per_unit"),
        "fines": fines, "late_fines": late, "ads": g("ads_per_unit"), "unit_cost": unit_cost, "freight": freight,
        "duty": duty, "last_mile": g("last_mile_per_order"),
        "storage": g("storage_per_unit_month") * g("stock_days") * months / year,
        "return_handling": rate * g("cost_per_return"),
        "unsold_stock": landed * unsold / (1 - unsold) if unsold < 1 else zero,
        "capital_on_stock": landed * stock_days / year * capital,
        "capital_on_payouts": payout * g("payout_delay_days") / year * capital,
    }
    per_unit = price - sum((amount for key, amount in out.items() if key != "price"), zero)
    fixed = g("fixed_per_month")
    deposit_cost = plan.deposit * capital / months
    per_day = units * months / year
    out.update(
        contribution_per_unit=per_unit, fixed_costs=fixed, deposit_cost=deposit_cost,
        contribution_per_month=per_unit * units - fixed - deposit_cost,
        cash_in_stock=landed * per_day * stock_days, cash_in_payouts=payout * per_day * g("payout_delay_days"),
        deposit_held=plan.deposit,
    )
    return out


_INPUTS = (
    "price", "price_cut", "return_rate", "vat_rate", "commission", "affiliate_commission", "payment_fee", "fine_rate",
    "fine_multiple", "late_share", "late_fine", "unit_cost", "freight_per_unit", "duty_rate", "import_tax_rate",
    "unsold_share", "transit_days", "stock_days", "cost_of_capital", "fee_per_unit", "ads_per_unit",
    "last_mile_per_order", "storage_per_unit_month", "cost_per_return", "payout_delay_days", "fixed_per_month",
    "rate.a", "item.b",
)
_fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=100)
_shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)
_every_input = st.fixed_dictionaries({name: st.just(Fraction(0)) | _shares | _fractions for name in _INPUTS})
"""Every number at once (0 often, a share often, any amount too): the branches that need two at once come up."""


@st.composite
def _plans(draw: Any) -> Any:
    def bound() -> Fraction | None:
        return draw(st.none() | st.fractions(min_value=0, max_value=500, max_denominator=100))

    charges = tuple(
        margins._Charge(key, kind, up_to=bound(), over=bound())
        for key, kind in draw(st.lists(st.sampled_from(
            [("rate.a", "rate"), ("duty", "yours"), ("item.b", "per_item"), ("tax", "import_tax")]), min_size=1, max_size=5))
    )
    refund_admin = draw(st.none() | st.tuples(_shares, st.fractions(min_value=0, max_value=50, max_denominator=100)))
    return margins._Plan(
        column=margins.Column("semi-managed"),
        inputs={},
        parcel=draw(st.sampled_from([None, True, False])),
        charges=charges,
        duty_origin=margins.Provenance(basis="yours"),
        refund_admin=refund_admin,
        late_fine=draw(st.booleans()),
        deposit=draw(st.fractions(min_value=0, max_value=10**5, max_denominator=100)),
        deposit_origin=margins.Provenance(basis="yours"),
    )


@settings(max_examples=100, deadline=None)
@given(
    plan=_plans(),
    values=st.dictionaries(st.sampled_from(_INPUTS), _fractions | _shares) | _every_input,
    units=st.integers(1, 10**6),
)
def test_the_arithmetic_in_integer_pairs_equals_the_same_in_fractions(plan: Any, values: dict[str, Fraction], units: int) -> None:
    # Any plan (customs thresholds either side, a capped refund fee or none, parcels or imports) and any values,
    # shares past 100% and negative amounts too: every line is the same exact number, and so is the month alone.
    if values.get("vat_rate") == -1:
        values["vat_rate"] = Fraction(0)
    expected = _amounts_in_fractions(plan, values, Fraction(units))
    got = margins._amounts(plan, values, Fraction(units))
    assert got == expected
    assert list(got) == list(expected)
    assert all(type(amount) is Fraction for amount in got.values())
    assert margins._per_month(replace(plan, inputs={}), Fraction(units), changes=values) == expected["contribution_per_month"]


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_comparison_keeps_what_the_full_one_says_of_it(advisor: Advisor, scale: float) -> None:
    # What the rules and a catalogue read (leaders, gaps, break-even, needed numbers and their tipping values, the
    # summary, the kept lines with their origins) is the same in brief as in full, product after product.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        profile, economics, columns = _drawn_columns(advisor, data.draw)
        full = compare_margins(economics, platforms=profile.platforms, markets=columns)
        brief = compare_margins(economics, platforms=profile.platforms, markets=columns, brief=True)
        assert len(full.markets) == len(brief.markets) > 0
        for whole, short in zip(full.markets, brief.markets, strict=True):
            assert (short.leader, short.gap_per_month, short.gap_pct, short.break_even_units, short.needed, short.summary) == (
                whole.leader, whole.gap_per_month, whole.gap_pct, whole.break_even_units, whole.needed, whole.summary
            )
            for mine, theirs in zip(short.models, whole.models, strict=True):
                assert (mine.needed, mine.not_given, mine.route, mine.model) == (
                    theirs.needed, theirs.not_given, theirs.route, theirs.model
                )
                kept = [*mine.per_unit, *mine.per_month]
                assert [line.key for line in kept] == sorted(margins._BRIEF_LINES, key=[
                    "price", "contribution_per_unit", "fixed_costs", "deposit_cost", "contribution_per_month"].index)
                for line in kept:
                    assert line == theirs.line(line.key) and line.exact == theirs.line(line.key).exact

    check()


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.lists(st.sampled_from(["price", "fixed_costs", "deposit_cost", "a", "b"]), max_size=4), min_size=3,
                     max_size=3), asked=st.lists(st.sampled_from(["price", "fixed_costs", "deposit_cost", "a", "b", "c"])))
def test_a_models_line_by_key_is_the_first_with_that_key_in_order(keys: list[list[str]], asked: list[str]) -> None:
    # ModelMargin.line looks a key up in an index made at its first look-up: the first line with the key, as a
    # search through the sections in order finds it (keys repeated within and across sections), KeyError for none.
    sections = [
        tuple(margins.MarginLine(key, f"{index}.{place}", "", Decimal(place), Fraction(place)) for place, key in enumerate(names))
        for index, names in enumerate(keys)
    ]
    model = margins.ModelMargin("fully-managed", *sections, not_given=())
    for key in asked:
        first = next((line for section in sections for line in section if line.key == key), None)
        if first is None:
            with pytest.raises(KeyError):
                model.line(key)
        else:
            assert model.line(key) is first
    assert model == replace(model) and repr(model) == repr(replace(model))  # the index is no part of the record


def test_a_brief_models_line_index_is_the_one_its_first_look_up_would_make() -> None:
    # A brief breakdown's model is made with ModelMargin.line's index: each line by key, as the index made at the
    # first look-up from its sections in order would hold it.
    comparison = compare_margins(
        {"unit_cost": 4, "monthly_units": 300, "cost_of_capital": "10%", "fixed_per_month": 50,
         "fully-managed": {"price": 9}, "semi-managed": {"price": 20, "stock_days": 30}},
        brief=True,
    )
    for platform in comparison.platforms:
        for model in platform.models:
            kept = model.__dict__["_by_key"]
            fresh = replace(model)
            assert "_by_key" not in fresh.__dict__
            for line in (*model.per_unit, *model.per_month, *model.cash):
                assert kept[line.key] is fresh.line(line.key) is line
            assert list(kept.items()) == list(fresh.__dict__["_by_key"].items())


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_breakdown_names_the_duty_needs_of_the_full_one_on_and_around_each_customs_threshold(
    advisor: Advisor, scale: float
) -> None:
    # A brief breakdown reads the duty's needs off the charges that apply at the customs value (margins._BriefKnown:
    # the four lists held per plan shape, the value a pair) and makes its fixed and deposit lines once per amounts:
    # on every route of a generated product, with the value declared put on a charge's threshold, a cent either side
    # or anywhere, the needed numbers and the kept lines are the full breakdown's.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        units, routes = _route_plans(advisor, SellerProfile.from_dict(_economics(data.draw)))
        for (platform, _market, _route), plan in routes:
            edges = [t for c in plan.charges for t in (c.up_to, c.over) if t is not None] or [Fraction(100)]
            value = data.draw(st.sampled_from(edges)) + data.draw(
                st.sampled_from([Fraction(0), Fraction(1, 100), Fraction(-1, 100), Fraction(7, 3)])
            )
            value = max(value, Fraction(1, 100))
            cut = margins._values(plan).get("price_cut", Fraction(0))
            name, new = ("price", value / (1 - cut)) if plan.parcel and cut < 1 else ("unit_cost", value)
            # The same plan shape (one entry of the brief breakdowns' known parts) at two values, and with other fixed
            # costs and cost of capital: each its own lines.
            for changes in ({name: new}, {name: new / 2, "fixed_per_month": data.draw(_decimals(900, 2))},
                            {"cost_of_capital": data.draw(_decimals(1))}):
                inputs = dict(plan.inputs)
                for changed, value in changes.items():
                    if changed in inputs:
                        inputs[changed] = replace(inputs[changed], value=value, low=None, high=None)
                moved = replace(plan, inputs=inputs)
                brief = margins._model_margin(moved, int(units), platform, brief=True)
                full = margins._model_margin(moved, int(units), platform)
                assert (brief.needed, brief.not_given) == (full.needed, full.not_given), (platform, _route, changes)
                for line in (*brief.per_unit, *brief.per_month):
                    assert line == full.line(line.key) and line.exact == full.line(line.key).exact, (platform, line.key)

    check()


def _refused_alike_in_brief(numbers: dict[str, Any]) -> None:
    """The full comparison of ``numbers`` and the brief one (a catalogue's) both pass, or both refuse with the same words."""
    outcomes = []
    for brief in (False, True):
        try:
            compare_margins(numbers, brief=brief)
            outcomes.append("")
        except ProfileError as error:
            outcomes.append(str(error))
    event("refused" if outcomes[0] else "kept")
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_breakdown_refuses_exactly_the_amounts_the_full_one_refuses(scale: float) -> None:
    # The brief size check reads unreduced pairs and passes a numerator below 10**64 at once: on long amounts and
    # volumes either side of 10**64, it refuses exactly when the full breakdown (each line's Fraction) does.
    def long(low: int, high: int) -> st.SearchStrategy[int]:
        return st.integers(low, high).flatmap(lambda digits: st.integers(10**digits, 10 ** (digits + 1)))

    @settings(max_examples=scaled(80, scale), deadline=None)
    @given(
        price=long(25, 40),
        units=long(20, 38),
        fixed=long(50, 63),
        stock_days=st.integers(0, 365),
        capital=st.sampled_from(["0%", "8%", "150%"]),
    )
    def check(price: int, units: int, fixed: int, stock_days: int, capital: str) -> None:
        numbers = {
            "unit_cost": price // 3, "monthly_units": units, "cost_of_capital": capital, "stock_days": stock_days,
            "fully-managed": {"price": price}, "semi-managed": {"price": price, "fixed_per_month": fixed},
        }
        _refused_alike_in_brief(numbers)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_breakdown_refuses_as_the_full_one_at_the_limit(scale: float) -> None:
    # Volumes and prices whose products straddle 10**64 (the numerators _month_parts bounds in brief): the brief
    # breakdown refuses exactly when the full one does, the units' contribution, the month or the cash tied up
    # deciding.
    @settings(max_examples=scaled(60, scale), deadline=None)
    @given(
        digits=st.integers(1, 40),
        data=st.data(),
        capital=st.sampled_from(["0%", "8%", "150%"]),
        stock_days=st.sampled_from([0, 45, 365]),
        delay=st.sampled_from([0, 14]),
    )
    def check(digits: int, data: Any, capital: str, stock_days: int, delay: int) -> None:
        units = data.draw(st.integers(10**digits, 10 ** (digits + 1)))
        price = data.draw(st.integers(10 ** 63 // units, 10 ** 65 // units + 1))
        numbers = {
            "unit_cost": price // 2, "monthly_units": units, "cost_of_capital": capital, "stock_days": stock_days,
            "payout_delay_days": delay, "fully-managed": {"price": price}, "semi-managed": {"price": price},
        }
        _refused_alike_in_brief(numbers)

    check()


def test_a_price_line_is_kept_by_its_value_and_origin_objects() -> None:
    # The price line of a product's breakdowns, one object for the same value and origin objects: the line made
    # afresh; another value or origin (even an equal one) gets a line of its own.
    price, origin = Fraction(8799, 100), margins.Provenance(basis="estimate", note="a")
    first = margins._price_line(price.as_integer_ratio(), price, origin)
    label, formula = margins._PER_UNIT[0][1:3]
    assert vars(first) == vars(margins.MarginLine("price", label, formula, Decimal("87.99"), price, origin))
    assert margins._price_line(price.as_integer_ratio(), price, origin) is first
    other = Fraction(8799, 100)
    assert margins._price_line(other.as_integer_ratio(), other, origin).exact is other
    again = margins.Provenance(basis="estimate", note="a")
    assert margins._price_line(price.as_integer_ratio(), price, again).origin is again


@settings(max_examples=60, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12))
def test_a_sellers_number_is_made_ready_once_per_value_object_as_the_constructor_makes_it(value: Decimal) -> None:
    # margins._yours: the number as its constructor makes it (the same state, in the same order), kept by the value
    # object's identity: the same object again gives the same input, an equal value of another object an equal one.
    made = margins._yours(value)
    assert vars(made) == vars(margins._Input(Fraction(value), None, None, margins._YOURS))
    assert list(vars(made)) == ["value", "low", "high", "origin"]
    assert margins._yours(value) is made
    again = Decimal(str(value))
    assert margins._yours(again) == made
    spread = Range(low=value - 1, base=value, high=value + 1)
    assert margins._yours(spread) == margins._Input(Fraction(value), Fraction(value - 1), Fraction(value + 1), margins._YOURS)


def test_a_brief_comparison_refuses_amounts_too_long_as_the_full_one_does() -> None:
    numbers = {"unit_cost": 1, "monthly_units": 10**40, "fully-managed": {"price": 10**30}, "semi-managed": {"price": 10**30}}
    for brief in (False, True):
        with pytest.raises(ProfileError, match="amounts of more than 64 digits"):
            compare_margins(numbers, brief=brief)


# -- the catalogue's JSON text, written without json's pure-Python encoder --------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(value=_json_values, depth=st.integers(0, 3))
def test_the_catalogues_json_writer_writes_what_json_dumps_writes(value: Any, depth: int) -> None:
    # Any JSON value, nested at any depth (control characters, quotes, non-ASCII text, -0.0, 1e300, empty
    # containers): the same text as json.dumps with the catalogue's settings, indented as the catalogue nests it.
    from sellerexpert._economics.catalogue_report import _json

    indent = "  " * depth
    expected = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False).replace("\n", "\n" + indent)
    assert _json(value, indent) == expected


class _Key(str):
    pass


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.dictionaries(
        st.text(max_size=4) | st.builds(_Key, st.text(max_size=2)),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.builds(_Key, st.text())
        | st.lists(st.none(), max_size=1),
        max_size=5,
    ), min_size=1, max_size=3),
    depth=st.integers(0, 3),
)
def test_a_flat_dict_is_written_as_json_dumps_writes_it(values: list[dict[Any, Any]], depth: int) -> None:
    # A placement's comparison is written of its keys' remembered openings (_flat), dicts of the same keys one
    # after another: the same text as json.dumps (or its error) for any dict, a value of another type (a list, a
    # str's subclass, NaN) or a key a str's subclass among them. Fails when the openings are remembered without
    # the keys or the depth.
    from sellerexpert._economics.catalogue_report import _flat

    indent = "  " * depth
    for value in values:
        try:
            expected: str | type[Exception] = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            expected = type(exc)
        keys, values = tuple(value), tuple(value.values())
        if isinstance(expected, str):
            assert _flat(keys, values, "\n" + indent) == expected.replace("\n", "\n" + indent)
            assert _flat(keys, values, "\n  " + indent) == expected.replace("\n", "\n  " + indent)
        else:
            with pytest.raises(expected):
                _flat(keys, values, "\n" + indent)


@pytest.mark.parametrize("value", [
    float("nan"), [1, {"a": float("inf")}], {1: "a"}, {"a": Decimal("1.5")},
    # A key that is not a str after keys that are (its dict written so far is taken back), nested, and a str's subclass.
    {"a": 1, "b": [2], 3: "c"}, [{"sku": {"x": 1.5, None: 2}}], {"a": {"b": 1, True: 2}}, {_Key("sku"): 1, _Key("q"): 2},
], ids=str)
def test_the_catalogues_json_writer_refuses_or_writes_as_json_dumps_does(value: Any) -> None:
    from sellerexpert._economics.catalogue_report import _json

    try:
        expected: str | type[Exception] = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        expected = type(exc)
    if isinstance(expected, str):
        assert _json(value, "") == expected
    else:
        with pytest.raises(expected):
            _json(value, "")


_REASON = Reason("rule_a", "semi-managed", "A reason.", "evidence", 2, ("¶1",))
_REASON_CHANGES = {
    "rule": "rule_b", "favours": "fully-managed", "text": "Another reason.", "kind": "constraint", "weight": None,
    "sources": ("¶1", "¶2"),
}


@pytest.mark.parametrize("changed", sorted(_REASON_CHANGES))
def test_a_remembered_piece_is_never_another_pieces_text(changed: str) -> None:
    # The catalogue's JSON writer remembers its reasons' and caveats' texts by content as well as by object:
    # a reason that differs from one already written in any field it writes gets its own text (this fails
    # when the content key leaves that field out), and an equal one, another object, the same text (in UTF-8).
    from sellerexpert._economics.catalogue_report import _json, _Memo

    advice = MarketAdvice("US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, (_REASON,), ())
    memo = _Memo()

    def written(reason: Reason) -> str:
        other = replace(advice, reasons=(reason,))
        return memo.text(reason, other, "reasons", "\n      ").decode("utf-8")

    assert written(_REASON) == _json(advice.to_dict()["reasons"][0], "      ")
    differing = replace(_REASON, **{changed: _REASON_CHANGES[changed]})
    expected = _json(replace(advice, reasons=(differing,)).to_dict()["reasons"][0], "      ")
    assert written(differing) == expected != written(_REASON)
    equal = replace(_REASON)
    assert equal is not _REASON and written(equal) == written(_REASON)
    # The equal one was found by its shape (its fields the same objects), not written again; one differing in its
    # text alone too, so only a piece of another shape is written whole (and remembered by content).
    assert len(memo.by_content) == (1 if changed == "text" else 2)
    assert len(memo.shapes) == len(memo.by_content)


_piece_texts = st.text() | st.sampled_from(
    ["", "\"", "\\", "\x00\x01 the piece's own text \x01\x00", "在德国：半托管。", "\u2028\ud7ff\U0001f600", "a\nb\tc"]
)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(_piece_texts, min_size=1, max_size=4),
    weight=st.sampled_from([None, 0, 1, True, False, 3, 2**70]),
    sources=st.lists(st.text(max_size=3), max_size=3),
    caveat=st.booleans(),
    depth=st.integers(0, 4),
)
def test_a_piece_written_of_its_shape_is_its_own_text(
    texts: list[str], weight: Any, sources: list[str], caveat: bool, depth: int
) -> None:
    # A product's own reasons differ from each other in their text alone (their other fields the very same
    # objects): each written of its shape's remembered text, its own text escaped into the hole, the same bytes
    # as its dict written whole (English, Chinese, quotes, control characters, the hole's own words, surrogates;
    # a weight of 1 or True). Fails when the hole's text is written unescaped or the shape ignores a field.
    from sellerexpert._economics.catalogue_report import _json, _Memo

    shared = {"rule": "own_margin", "sources": tuple(sources)}
    pieces: list[Any] = [
        Caveat(text=text, **shared) if caveat
        else Reason(favours="semi-managed", kind="evidence", weight=weight, text=text, **shared)
        for text in texts
    ]
    name = "caveats" if caveat else "reasons"
    advice = MarketAdvice("US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, (), ())
    memo = _Memo()
    indent = "  " * depth
    for piece in pieces:
        alone = replace(advice, **{name: (piece,)})
        expected = _json(alone.to_dict()[name][0], indent)
        assert memo.text(piece, alone, name, "\n" + indent).decode("utf-8") == expected
    assert len(memo.shapes) == 1
    # Another weight (True for 1) or other sources is another shape, never the first one's text.
    if not caveat:
        other = replace(pieces[0], weight=1 if weight is True else True, sources=(*shared["sources"], "x"))
        alone = replace(advice, reasons=(other,))
        assert memo.text(other, alone, "reasons", "\n" + indent).decode("utf-8") == _json(alone.to_dict()["reasons"][0], indent)


def test_a_piece_remembered_at_one_depth_is_written_again_at_another() -> None:
    from sellerexpert._economics.catalogue_report import _json, _Memo

    advice = MarketAdvice("US", "the US", None, "", None, "neither-fits", 0.5, (_REASON,), ())
    memo = _Memo()
    for indent in ("  ", "      ", "  "):
        written = memo.text(_REASON, advice, "reasons", "\n" + indent)
        assert written == _json(advice.to_dict()["reasons"][0], indent).encode("utf-8")


_ADVICE_CHANGES: dict[str, list[Any]] = {
    "market": ["DE"], "market_name": ["Germany", "the \"US\""], "route": [None, "temu_y2"], "route_name": [""],
    "model": [None, "fully-managed"], "outcome": ["run-both"], "outcome_text": ["Run both."],
    "confidence": [1, 1.0, True, 0.0, -0.0, 0.90000001],
    "hands_over": [{}, {"stock": "you"}, {"stock": "yours"}, {"price": "you", "stock": "you"}, {"stock": 1}],
}


@pytest.mark.parametrize("changed", sorted(_ADVICE_CHANGES))
def test_a_remembered_market_head_is_never_another_markets_text(changed: str) -> None:
    # A product's market entries are written with their advice's head remembered by its values' ids and by
    # content (_Memo.head): an advice that differs in any field it writes, even only in its value's type or
    # sign (1, 1.0, True; 0.0, -0.0), gets its own text, and each entry is the text of Placement.to_dict()
    # (this fails when either key leaves a field out, or the content key takes 1 for 1.0).
    from sellerexpert._economics.catalogue import Placement
    from sellerexpert._economics.catalogue_report import _json, _Market, _Memo

    advice = MarketAdvice(
        "US", "the US", "temu_local", "local", "semi-managed", "one-model", 1.0, (_REASON,), (), hands_over={"stock": "you"}
    )
    placement = Placement(
        "temu", "Temu", "US", "the US", "temu_local", "local", "semi-managed", Decimal("1.5"), Decimal(300), "temu_y2",
        "y2", Decimal(280), 7, True, "temu_local", "A reason.", advice,
    )
    memo = _Memo()
    for indent in ("          ", "  "):
        assert _Market(placement, memo).text("\n" + indent) == _json(placement.to_dict(), indent).encode("utf-8")
        for value in _ADVICE_CHANGES[changed]:
            other = replace(placement, advice=replace(advice, **{changed: value}))
            assert _Market(other, memo).text("\n" + indent) == _json(other.to_dict(), indent).encode("utf-8")
    bare = replace(placement, advice=None)
    assert _Market(bare, memo).text("\n  ") == _json(bare.to_dict(), "  ").encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(
    platforms=st.lists(
        st.tuples(st.sampled_from(["temu", "aliexpress", "tiktok_shop"]), st.sampled_from(["Temu", "速卖通", 'say "x"'])),
        max_size=6,
    ),
    advised=st.lists(st.booleans(), min_size=6, max_size=6),
    own=st.sampled_from([("SKU-1", "Mug", 12, "small", None), ("货号", 'a "b"\n', 0, None, "home"), (1, 2.5, True, 3, 4)]),
)
def test_a_products_json_is_its_dicts_text(
    platforms: list[tuple[str, str]], advised: list[bool], own: tuple[Any, ...]
) -> None:
    # A product's text is written of remembered openings (its own keys, each platform's, its markets' parts), not
    # of its dict: the same bytes as its dict written whole, its platforms in the order they first appear (a
    # platform's markets apart in its placements grouped, the first placement naming it), a market without its
    # advice, no placements, and values of other types. Fails when the markets are not grouped per platform.
    from sellerexpert._economics.catalogue import Placement, ProductAdvice
    from sellerexpert._economics.catalogue_report import ProductWriter, _json

    advice = MarketAdvice("US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, (_REASON,), ())
    placements = tuple(
        Placement(
            platform, name, "US", "the US", "temu_local", "local", "semi-managed", Decimal("1.5"), Decimal(300),
            None, "", None, 0, False, "temu_local", "A reason.", advice if advised[index] else None,
        )
        for index, (platform, name) in enumerate(platforms)
    )
    sku, name, units, weight, category = own
    product = ProductAdvice(3, 4, sku, name, units, weight, category, placements, None)  # type: ignore[arg-type]
    writer = ProductWriter("json")
    for _ in range(2):  # written, then of what it remembers
        assert writer.utf8(product) == _json(product.to_dict(), "    ").encode("utf-8")


_ROUTES = st.sampled_from([None, "temu_local", "temu_y2"])
_MONTHS = st.sampled_from([None, Decimal(300), Decimal("280.50"), Decimal("-12.07")])


@settings(max_examples=100, deadline=None)
@given(
    products=st.lists(
        st.lists(
            st.tuples(
                st.sampled_from([("temu", "Temu"), ("aliexpress", "AliExpress")]), st.sampled_from([None, "US", "DE"]),
                _ROUTES, st.sampled_from([None, "semi-managed", "fully-managed"]), _MONTHS, _MONTHS, st.booleans(),
                _ROUTES, st.sampled_from(["A reason.", "Your own 3 units."]),
            ),
            max_size=4,
        ),
        max_size=4,
    ),
)
def test_the_split_of_what_workers_send_is_the_split_of_the_placements(products: list[list[tuple[Any, ...]]]) -> None:
    # A worker sends what the split reads of each placement as plain values (_tallied, its reason only where it is
    # named): the split counted of those, and of the products themselves, is the one read plainly off the
    # placements' own fields and properties (each list of products named, routes' sums, stores). Fails when a
    # tallied placement's bit or reason is dropped (a product off the company's route that no route carries).
    from sellerexpert._economics.catalogue import Placement, ProductAdvice, ProductMention, SplitTally, _written

    advised = [
        ProductAdvice(row, row, f"SKU-{row}", "Mug", 10, None, None, tuple(
            Placement(
                platform, name, market, str(market), route, str(route), model, month, month, None, "", other,
                3, close, company, reason,
            )
            for (platform, name), market, route, model, month, other, close, company, reason in placements
        ), None)  # type: ignore[arg-type]
        for row, placements in enumerate(products)
    ]
    tallies = [SplitTally(["temu"]), SplitTally(["temu"])]
    for product in advised:
        tallies[0].add(product)
        written = _written(product, lambda _product: b"")
        tallies[1].add(pickle.loads(pickle.dumps(written)))  # type: ignore[arg-type]
    every = [(product.sku, p) for product in advised for p in product.placements]

    def named(kind: Callable[[Placement], bool]) -> tuple[ProductMention, ...]:
        return tuple(
            ProductMention(sku, p.platform, p.platform_name, p.market, p.market_name, p.route, p.route_name, p.reason)
            for sku, p in every if kind(p)
        )

    for tally in tallies:
        split = tally.split()
        assert split.close_calls == named(lambda p: p.close)
        assert split.not_carried == named(lambda p: not p.carried)
        assert split.off_company == named(lambda p: p.carried and p.differs)
        assert split.leaves_less == named(lambda p: p.leaves_less)
        shares = {
            (r.platform, r.market, r.route): (
                r.market_name, r.route_name, r.model, r.products, r.priced, r.contribution_per_month
            )
            for r in split.routes
        }
        assert list(shares) == list(dict.fromkeys((p.platform, p.market, p.route) for _sku, p in every))
        for (platform, market, route), share in shares.items():
            mine = [p for _sku, p in every if (p.platform, p.market, p.route) == (platform, market, route)]
            priced = [p.contribution_per_month for p in mine if p.contribution_per_month is not None]
            first = mine[0]
            assert share == (first.market_name, first.route_name, first.model, len(mine), len(priced), sum(priced, Decimal(0)))
        assert split == tallies[0].split()


def test_a_market_advice_is_remembered_only_once_met_again_with_its_lists() -> None:
    # A market advice's whole text is remembered by the advice once its lists are found written (an advice the
    # advisor shares among products), never an advice with a product's own words (a new list): each entry the
    # text of Placement.to_dict(), whichever advice met before it. Fails when the advice's text is kept by
    # anything but the advice itself.
    from sellerexpert._economics.catalogue import Placement
    from sellerexpert._economics.catalogue_report import _json, _Market, _Memo

    shared = MarketAdvice("US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, (_REASON,), ())
    own = [replace(shared, reasons=(_REASON, replace(_REASON, text=f"Your {n} units."))) for n in range(4)]
    memo = _Memo()
    for advice, kept in [(shared, []), (own[0], []), (own[1], []), (shared, [shared]), (own[2], [shared]), (shared, [shared])]:
        placement = Placement(
            "temu", "Temu", "US", "the US", "temu_local", "local", "semi-managed", Decimal("1.5"), Decimal(300),
            None, "", None, 0, False, "temu_local", "A reason.", advice,
        )
        assert _Market(placement, memo).text("\n          ") == _json(placement.to_dict(), "          ").encode("utf-8")
        assert [found for found, _text in memo.advices.values()] == kept


def test_a_list_of_pieces_is_remembered_only_for_the_very_same_pieces() -> None:
    # A market's reasons are written as one remembered text when the same piece objects recur: the same
    # text as the list written piece by piece; another object in the list (even an equal one), another
    # order or another depth is looked up again, and a differing piece gets its own text.
    from sellerexpert._economics.catalogue_report import _json, _Memo

    second = replace(_REASON, rule="rule_b", text="Another reason.")
    memo = _Memo()

    def written(reasons: tuple[Reason, ...], indent: str = "      ") -> str:
        advice = MarketAdvice("US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, reasons, ())
        expected = _json(advice.to_dict()["reasons"], indent)
        assert memo.list_text(reasons, advice, "reasons", "\n" + indent) == expected.encode("utf-8")
        return expected

    both = written((_REASON, second))
    assert written((_REASON, second)) == both and len(memo.lists) == 1
    assert written((second, _REASON)) != both and len(memo.lists) == 2
    assert written((_REASON, replace(second))) == both and len(memo.lists) == 3
    assert written((_REASON, replace(second, weight=3))) != both
    assert written((_REASON, second), "  ") != both
    assert written(()) == "[]"


_own_texts = st.lists(st.none() | _piece_texts, min_size=8, max_size=8)


@settings(max_examples=100, deadline=None)
@given(
    products=st.lists(st.tuples(_own_texts, st.integers(0, 4)), min_size=1, max_size=6),
    depth=st.integers(0, 3),
)
def test_an_advice_on_a_frame_is_its_own_text(products: list[tuple[list[str | None], int]], depth: int) -> None:
    # A product's market advice is its run's entry with the product's own pieces laid in (each the frame's piece with
    # its own text): written of its frame's remembered text (_Frame) with each own text escaped into its hole, the
    # same bytes as the advice's dict written whole, for any texts (quotes, control characters, the holes' own
    # words), pieces not on the frame (another weight, another rule, one piece fewer) and the frame's pieces
    # themselves. Fails when a piece is taken for the frame's on its text alone, or a text goes in unescaped.
    from sellerexpert._economics.catalogue_report import _json, _Memo

    reasons = (_REASON, replace(_REASON, rule="rule_b", text="Yours: 3 units.", weight=None), replace(_REASON, text="B."))
    caveats = (
        Caveat("rule_c", "A caveat.", ("¶3",)), Caveat("rule_d", "Another \"caveat\".", ()), Caveat("rule_e", "", ("x",)),
    )
    entry = MarketAdvice(
        "US", "the US", "temu_local", "local", "semi-managed", "one-model", 0.9, reasons, caveats, hands_over={"stock": "you"}
    )
    memo = _Memo()
    newline = "\n" + "  " * depth
    for texts, change in products:
        pieces: list[Any] = [*reasons, *caveats]
        for index, text in enumerate(texts[: len(pieces)]):
            if text is not None:
                pieces[index] = replace(pieces[index], text=text)
        if change == 1:
            pieces[1] = replace(pieces[1], weight=1)
        elif change == 2:
            pieces[4] = replace(pieces[4], rule="rule_x")
        split = len(reasons) - (change == 3)
        advice = replace(entry, reasons=tuple(pieces[:split]), caveats=tuple(pieces[len(reasons) :]))
        expected = _json(advice.to_dict(), newline[1:])[: -len(newline) - 1].encode("utf-8")
        for _ in range(2):
            assert memo.advice(advice, newline) == expected
    assert memo.frames


@settings(max_examples=300, deadline=None)
@given(
    value=st.none()
    | st.decimals(places=2, min_value=-(10**16), max_value=10**16)
    | st.decimals(places=1, min_value=-(10**16), max_value=10**16)
    | st.decimals()
    # 15 to 18 significant digits: around the most a float's shortest text keeps of them.
    | st.tuples(st.integers(14, 18), st.integers(1, 2), st.booleans()).flatmap(
        lambda digits: st.integers(10 ** (digits[0] - 1), 10 ** digits[0] - 1).map(
            lambda n: Decimal(-n if digits[2] else n).scaleb(-digits[1])
        )
    )
    | st.sampled_from([
        Decimal("-0.00"), Decimal("0.10"), Decimal("-0.05"), Decimal("9999999999999.99"), Decimal("-999999999999.99"),
        Decimal("99999999999999.9"), Decimal("97238388553978.51"), Decimal("-9723838855397.51"), Decimal("1E+3"),
        Decimal("1.23E-7"), Decimal("0.001"), Decimal("1.5E+2"),
        Decimal("12.3E-1"), Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"), Decimal(300),
    ]),
)
def test_an_amount_is_written_as_its_number_is(value: Decimal | None) -> None:
    # A product's comparison writes its amounts straight from their Decimals' digits (_amount_json): the very text of
    # the number _number makes of it (an int, a float's shortest repr, null), or its very error. Fails when the
    # digits are taken for a float's at 17 characters, or their trailing zeros kept.
    from sellerexpert._economics.catalogue import _number
    from sellerexpert._economics.catalogue_report import _SCALARS, _amount_json

    try:
        number = _number(value)
        expected: str | type[Exception] = _SCALARS[type(number)](number)
    except (ArithmeticError, ValueError) as exc:
        expected = type(exc)
    if isinstance(expected, str):
        assert _amount_json(value) == expected
    else:
        with pytest.raises(expected):
            _amount_json(value)


_AMOUNTS = st.none() | st.decimals(places=2, min_value=-(10**15), max_value=10**15) | st.sampled_from(
    [Decimal(7), Decimal("-0.00"), Decimal("1E+20"), Decimal("NaN"), Decimal("Infinity")]
)


@settings(max_examples=150, deadline=None)
@given(
    amounts=st.tuples(_AMOUNTS, _AMOUNTS, _AMOUNTS),
    words=st.tuples(st.none() | st.text(max_size=3), st.text(max_size=3) | st.builds(_Key, st.text(max_size=2)), _piece_texts),
    gap=st.integers() | st.booleans(),
    depth=st.integers(0, 4),
)
def test_a_placements_comparison_is_written_as_its_values_are(
    amounts: tuple[Decimal | None, ...], words: tuple[Any, ...], gap: Any, depth: int
) -> None:
    # A placement's comparison keys are written of their layout with each value in its slot (_comparison_utf8): the
    # same bytes as its values written one by one (_flat) or the same error, for any amounts, words of other types
    # (a str's subclass) and a gap that is a bool. Fails when an amount's slot is taken for another value's.
    from sellerexpert._economics.catalogue import Placement
    from sellerexpert._economics.catalogue_report import _comparison_utf8, _flat

    per_unit, per_month, other = amounts
    other_route, other_name, reason = words
    placement = Placement(
        "temu", "Temu", "US", "the US", "temu_local", "local", "semi-managed", per_unit, per_month, other_route,
        other_name, other, gap, True, None, reason,
    )
    newline = "\n" + "  " * depth
    try:
        expected: bytes | type[Exception] = (
            "," + _flat(Placement.COMPARISON, placement.comparison_values(), newline)[1:]
        ).encode()
    except (ArithmeticError, ValueError, TypeError) as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert _comparison_utf8(placement, newline) == expected
    else:
        with pytest.raises(expected):
            _comparison_utf8(placement, newline)


@settings(max_examples=50, deadline=None)
@given(
    plan=_plans(),
    values=_every_input,
    units=st.integers(1, 10**6),
)
def test_each_slope_by_hand_is_what_the_month_moves_by(plan: Any, values: dict[str, Fraction], units: int) -> None:
    # Any plan and values: each number the month is a straight line in moves it, per unit of the number, by its
    # slope worked out by hand (the month at 1 less the month at 0, worked out by the arithmetic itself).
    if values.get("vat_rate") == -1:
        values["vat_rate"] = Fraction(0)
    bare = replace(plan, inputs={})
    slopes = margins._slopes(bare, values, Fraction(units))
    assert {name for name, shape in margins._SHAPES.items() if shape == "affine"} <= set(slopes)
    for name, slope in slopes.items():
        at = [margins._per_month(bare, Fraction(units), changes={**values, name: Fraction(x)}) for x in (0, 1)]
        assert slope == at[1] - at[0], name
    # _tips asks only for its needed numbers' slopes: each the very pair the whole set holds (a subset, one at a time).
    assert margins._SLOPED == set(slopes)
    pairs = margins._slope_pairs(bare, values, Fraction(units))
    for name in margins._SLOPED:
        assert margins._slope_pairs(bare, values, Fraction(units), (name,))[name] == pairs[name], name
    subset = tuple(sorted(margins._SLOPED))[::3]
    some = margins._slope_pairs(bare, values, Fraction(units), subset)
    assert {name: some[name] for name in subset} == {name: pairs[name] for name in subset}


@pytest.mark.parametrize("scale", SCALES)
def test_slopes_read_off_a_route_parts_kept_terms_are_those_worked_out_afresh(advisor: Advisor, scale: float) -> None:
    # margins._slope_terms: a plan made with a route part keeps what _slope_pairs reads of the numbers not a
    # product's own on the part, with the values they were made of, and reads them again while those values are
    # the same. On the example's routes, values changing from one call to the next (any of the kept ones, and the
    # product's own), every slope (the price cut's and the unsold share's too) is the one a plan without a part
    # (replace() drops it) works out afresh.
    units, routes = _route_plans(advisor, _CATALOGUE_COMPANY)
    names = margins._SLOPED | {"price_cut", "unsold_share"}
    own = ("price", "unit_cost", "freight_per_unit", "price_cut")
    others = tuple(name for name in _INPUTS if name not in own)  # every other number, not only those kept

    @settings(max_examples=scaled(50, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        for _where, plan in routes:
            values = dict(margins._values(plan))
            for _step in range(data.draw(st.integers(2, 5))):
                # One kept number changed at a time (a stale term shows), a product's own beside it or not.
                for name in (data.draw(st.sampled_from(others)), *data.draw(st.lists(st.sampled_from(own), max_size=1))):
                    values[name] = data.draw(_shares | _fractions)
                if values.get("vat_rate") == -1:
                    values["vat_rate"] = Fraction(0)
                same = {name: Fraction(value) for name, value in values.items()}  # equal values, other objects
                for given_values in (values, same):
                    kept = margins._slope_pairs(plan, given_values, units, names)
                    assert kept == margins._slope_pairs(replace(plan), given_values, units, names), _where

    check()


@pytest.mark.parametrize("parcel", [None, True, False], ids=["platform-clears", "parcel", "import"])
@pytest.mark.parametrize("capped", [None, Fraction(1, 2), Fraction(50)], ids=["no-fee", "capped", "under-cap"])
def test_each_slope_by_hand_on_every_branch(parcel: bool | None, capped: Fraction | None) -> None:
    # Duty and import tax on the same item, a duty per item under a threshold, a refund fee at or under its cap,
    # late fines, unsold stock, a deposit: every branch the random plans above may rarely meet, all at once.
    plan = margins._Plan(
        column=margins.Column("semi-managed"),
        inputs={},
        parcel=parcel,
        charges=(
            margins._Charge("duty", "yours"), margins._Charge("tax", "import_tax"),
            margins._Charge("item.b", "per_item", up_to=Fraction(500)), margins._Charge("rate.a", "rate", over=Fraction(10)),
        ),
        duty_origin=margins.Provenance(),
        refund_admin=None if capped is None else (Fraction(1, 5), capped),
        late_fine=True,
        deposit=Fraction(3000),
        deposit_origin=margins.Provenance(),
    )
    values = {name: Fraction(index % 7 + 1, 13) for index, name in enumerate(_INPUTS)}
    values.update(price=Fraction(120), unit_cost=Fraction(31), price_cut=Fraction(1, 10))
    slopes = margins._slopes(plan, values, Fraction(700))
    for name, slope in slopes.items():
        at = [margins._per_month(plan, Fraction(700), changes={**values, name: Fraction(x)}) for x in (0, 1)]
        assert slope == at[1] - at[0], name


# -- the tipping values' shortcuts on their stretch, each held against the month worked out and the plain search --

_cuts = st.fractions(min_value=0, max_value=1, max_denominator=10**4)
_prices = st.fractions(min_value=Fraction(1, 100), max_value=600, max_denominator=100)
"""A product's price in the comparison's properties: a cent to 600, in cents."""


def _priced(values: dict[str, Fraction], price: Fraction) -> dict[str, Fraction]:
    # A price above 0 and a VAT rate of 0 or more: what the comparison ever meets (numbers are checked before).
    return {**values, "price": price, "vat_rate": abs(values["vat_rate"]), "price_cut": Fraction(0)}


def _month_at(plan: Any, values: dict[str, Fraction], units: int, **changes: Fraction) -> Fraction:
    return margins._per_month(plan, Fraction(units), changes={**values, **changes})


@pytest.mark.parametrize("scale", SCALES)
def test_the_price_cuts_slope_by_hand_is_what_the_month_moves_by_on_its_stretch(scale: float) -> None:
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(
        plan=_plans(),
        values=_every_input,
        price=_prices,
        units=st.integers(1, 10**6),
        x=_cuts,
        step=st.fractions(min_value=Fraction(-1, 10**3), max_value=Fraction(1, 10**3), max_denominator=10**6),
    )
    def check(plan: Any, values: dict[str, Fraction], price: Fraction, units: int, x: Fraction, step: Fraction) -> None:
        # Any plan (customs thresholds, a refund fee at or under its cap, parcels, imports) and any values: between two
        # cuts on one stretch the month moves by the slope by hand times the step, on every stretch.
        bare, v = replace(plan, inputs={}), _priced(values, price)
        y = min(max(x + step, Fraction(0)), Fraction(1))
        if y == x or margins._stretch(bare, {**v, "price_cut": x}) != margins._stretch(bare, {**v, "price_cut": y}):
            return
        slope = margins._cut_slope(bare, {**v, "price_cut": x}, Fraction(units))
        assert _month_at(bare, v, units, price_cut=y) - _month_at(bare, v, units, price_cut=x) == slope * (y - x)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_price_cut_said_to_stay_on_one_stretch_does(scale: float) -> None:
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(plan=_plans(), values=_every_input, price=st.fractions(min_value=-10, max_value=600, max_denominator=100))
    def check(plan: Any, values: dict[str, Fraction], price: Fraction) -> None:
        # Every cut where a stretch could change (at each threshold and the cap, and just either side) is on the
        # stretch of no cut at all, whenever the shortcut says so.
        bare, v = replace(plan, inputs={}), _priced(values, price)
        if not margins._cut_straight(bare, v):
            return
        bounds = [t for c in bare.charges for t in (c.up_to, c.over) if t is not None]
        if bare.refund_admin is not None and v["commission"] and bare.refund_admin[0]:
            share, cap = bare.refund_admin
            bounds.append(cap * (1 + v["vat_rate"]) / (share * v["commission"]))
        points = {Fraction(0), Fraction(1), Fraction(1, 2)}
        for bound in bounds:
            cut = 1 - bound / price
            points |= {cut, cut + Fraction(1, 10**9), cut - Fraction(1, 10**9)}
        first = margins._stretch(bare, {**v, "price_cut": Fraction(0)})
        for cut in points:
            if 0 <= cut <= 1:
                assert margins._stretch(bare, {**v, "price_cut": cut}) == first, cut

    check()


@pytest.mark.parametrize("kinds", ["up_to", "over", "both"])
@pytest.mark.parametrize("at", [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), ONE])
def test_a_customs_threshold_at_a_cut_the_search_tests_is_met_as_the_plain_search_meets_it(at: Fraction, kinds: str) -> None:
    # A parcel's duty per item up to a threshold, and a rate over the same threshold, at the price after a cut the
    # search tests itself (a dyadic cut: 0, 1/4, 1/2, 3/4, 100%): the stretch there is the charge's own (at the
    # threshold the one up to it applies, the one over it not), whether the cut says one stretch, and where the
    # search on integers ends (roots on the threshold, next to it and away from it) are those of the plain search.
    price = Fraction(400)
    threshold = price * (1 - at)
    plan = margins._Plan(
        column=margins.Column("semi-managed"),
        inputs={},
        parcel=True,
        charges=(
            *([margins._Charge("item.b", "per_item", up_to=threshold)] if kinds != "over" else []),
            *([margins._Charge("rate.a", "rate", over=threshold)] if kinds != "up_to" else []),
            margins._Charge("tax", "import_tax"),
        ),
        duty_origin=margins.Provenance(),
        refund_admin=None,
        late_fine=False,
        deposit=Fraction(0),
        deposit_origin=margins.Provenance(),
    )
    values = {name: Fraction(index % 7 + 1, 13) for index, name in enumerate(_INPUTS)}
    values.update(price=price, price_cut=Fraction(0), vat_rate=Fraction(1, 5))
    values.update({"item.b": Fraction(9), "rate.a": Fraction(1, 4)})
    units = Fraction(700)
    stretches = {margins._stretch(plan, {**values, "price_cut": x}) for x in (Fraction(0), at, ONE, at + Fraction(1, 2**61))}
    assert margins._cut_straight(plan, values) == (len(stretches) == 1), at
    for where in (at, at + Fraction(1, 2**60), at - Fraction(1, 2**60), at / 2, (1 + at) / 2):
        for offset in (Fraction(0), Fraction(1, 3), Fraction(-1, 3)):
            target = margins._per_month(plan, units, changes={**values, "price_cut": where}) + offset

            def gap(x: Fraction, target: Fraction = target) -> Fraction:
                return margins._per_month(plan, units, changes={**values, "price_cut": x}) - target

            at0 = gap(Fraction(0))
            if at0 != 0:
                lines = margins._cut_lined(gap, plan, values, units)
                assert lines.bisect(ONE, at0 > 0) == _halved(gap, ONE, at0), (at, where, offset)


@pytest.mark.parametrize("scale", SCALES)
def test_half_the_stock_unsold_costs_the_landed_cost_a_unit(scale: float) -> None:
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(plan=_plans(), values=_every_input, units=st.integers(1, 10**6))
    def check(plan: Any, values: dict[str, Fraction], units: int) -> None:
        # The unsold share's one evaluation (at 1/2, where x / (1 - x) is 1) is the month at 0 less units x the landed cost.
        bare, v = replace(plan, inputs={}), _priced(values, Fraction(100))
        half = _month_at(bare, v, units, unsold_share=Fraction(1, 2))
        assert half == _month_at(bare, v, units, unsold_share=Fraction(0)) - units * margins._landed_unit(bare, v)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_the_month_on_one_side_of_the_refund_fees_cap_is_a_line_in_one_over_one_plus_the_vat_rate(scale: float) -> None:
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(
        plan=_plans(),
        values=_every_input,
        price=_prices,
        units=st.integers(1, 10**6),
        rate=_cuts,
        crossed=st.one_of(st.none(), st.fractions(min_value=Fraction(1, 2), max_value=1, max_denominator=1000)),
    )
    def check(
        plan: Any, values: dict[str, Fraction], price: Fraction, units: int, rate: Fraction, crossed: Fraction | None
    ) -> None:
        # Where the shortcut says the fee stays on one side of its cap for every VAT rate up to 100%, the month at
        # any rate (and either side of where the fee meets the cap) is read off the line through the rates 0 and 1/2.
        bare, v = replace(plan, inputs={}), _priced(values, price)
        if crossed is not None:
            # Returns, a commission and a fee on it whose cap the fee meets at some rate between 0 and 100% (the
            # fee halves over that range): there the month bends.
            v.update(commission=abs(v["commission"]) or Fraction(1, 5), return_rate=abs(v["return_rate"]) or Fraction(1, 10))
            share = bare.refund_admin[0] if bare.refund_admin and bare.refund_admin[0] else Fraction(1, 5)
            bare = replace(bare, refund_admin=(share, share * v["price"] * v["commission"] * crossed))
        fee = v["price"] * v["commission"] * (bare.refund_admin[0] if bare.refund_admin else 0)
        if not margins._vat_straight(bare, v, Fraction(1)):
            return
        rates = {rate, Fraction(1)}
        if bare.refund_admin is not None and bare.refund_admin[1]:
            meets = fee / bare.refund_admin[1] - 1
            rates |= {meets, meets + Fraction(1, 10**9), meets - Fraction(1, 10**9)}
        at0, half = _month_at(bare, v, units, vat_rate=Fraction(0)), _month_at(bare, v, units, vat_rate=Fraction(1, 2))
        line = margins._vat_line(at0, half, Fraction(1, 2))
        for r in rates:
            if 0 <= r <= 1:
                assert line(r) == _month_at(bare, v, units, vat_rate=r), r

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_what_the_vat_rate_moves_the_month_by_is_the_months_difference(scale: float) -> None:
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(
        plan=_plans(),
        values=_every_input,
        price=_prices,
        units=st.integers(1, 10**6),
        rate=st.fractions(min_value=Fraction(1, 1000), max_value=1, max_denominator=1000),
        cut=_cuts,
        capped=st.booleans(),
    )
    def check(
        plan: Any, values: dict[str, Fraction], price: Fraction, units: int, rate: Fraction, cut: Fraction, capped: bool
    ) -> None:
        # _tips reads the gap at its VAT probe as the month at 0 plus _vat_moved (the payout, its cost and the refund
        # fee's move): the month worked out at the rate, with the fee under its cap, over it, or meeting it between.
        bare, v = replace(plan, inputs={}), _priced(values, price)
        if capped:
            v.update(commission=abs(v["commission"]) or Fraction(1, 5), return_rate=abs(v["return_rate"]) or Fraction(1, 10))
            share = bare.refund_admin[0] if bare.refund_admin and bare.refund_admin[0] else Fraction(1, 5)
            bare = replace(bare, refund_admin=(share, share * v["price"] * v["commission"] * (1 - rate / 3)))
        v.pop("vat_rate", None)
        v["price_cut"] = cut
        moved = Fraction(*margins._vat_moved(bare, v, Fraction(units), rate))
        assert moved == _month_at(bare, v, units, vat_rate=rate) - _month_at(bare, v, units, vat_rate=Fraction(0))

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_the_price_cut_vat_rate_and_unsold_share_tip_where_the_plain_search_says(advisor: Advisor, scale: float) -> None:
    # Generated products with the price cut, the VAT rate and the unsold share left out (needed), prices either side
    # of the EU's parcel threshold and the refund fee's cap: each tips where the plain search says, and where the
    # search read off the stretches' lines (no shortcut) says, for either model leading.
    @settings(max_examples=scaled(40, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        drawn = _economics(data.draw)
        for layer in (drawn["economics"], drawn["economics"]["semi-managed"], drawn["economics"]["fully-managed"]):
            for name in ("price_cut", "vat_rate", "unsold_share"):
                layer.pop(name, None)
        drawn["economics"]["semi-managed"]["price"] = data.draw(st.integers(20, 600))
        _tips_as_the_plain_search(advisor, SellerProfile.from_dict(drawn), {"closed": False})

    check()


# -- a catalogue's shared reasoning: one run of the rules laid over with another product's margin facts ----------

_margin = st.fixed_dictionaries(
    {
        "margin_leader": st.sampled_from(["fully-managed", "semi-managed", "even"]),
        "margin_gap_per_month": st.integers(min_value=0, max_value=10**6),
        "margin_gap_pct": st.integers(min_value=0, max_value=100),
        "margin_open": st.integers(min_value=0, max_value=3),
        "margin_summary": st.text(min_size=1, max_size=40),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    _margin,
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=0, max_value=10**6),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["temu", "aliexpress", "tiktok_shop"]),
)
def test_conclusions_laid_over_with_other_margin_facts_are_that_run_s(
    advisor: Advisor, first: dict[str, Any], nudge: int, per_month: int, summary: str, platform: str
) -> None:
    # A catalogue runs the rules once per reading (Evaluator.platform_reading) and lays each product's own margin
    # facts over that run: on the same reading, the result must be the run on the product's facts, caveat words
    # (own_margin_even quotes the summary) and matched values included.
    from hypothesis import assume

    other = {
        **first,
        "margin_gap_pct": min(max(first["margin_gap_pct"] + nudge, 0), 100),
        "margin_gap_per_month": per_month,
        "margin_summary": summary,
    }
    evaluator = advisor.evaluator
    assume(evaluator.platform_reading(platform, first) == evaluator.platform_reading(platform, other))
    facts = {"company_base": "CN", "fee_sensitivity": "high", "local_warehouse": True}
    ran = evaluator.conclude(facts, [platform], platform_overrides={platform: first})
    laid = evaluator.lay_over(ran, {platform: other})
    assert laid == evaluator.conclude(facts, [platform], platform_overrides={platform: other})
    if other["margin_leader"] == "even":
        assert laid.concluded[platform]["own_margin_even"].text == (
            f"On {advisor.rules.platforms[platform].name}, {other['margin_summary']}: the money does not separate the models,"
            " so the other reasons decide."
        )


# -- the arithmetic on numbers as a catalogue gives them, against the same in Fractions ------------------------------
# margins._month_parts and margins._slopes work on unreduced integer pairs; the lines leave unreduced, the month in
# lowest terms. On values as a catalogue's products give them (decimals, converted amounts, long prices, an unsold
# share up to 1, VAT) and plans with customs charges on and around the value declared, every line, the month and
# each slope must be the rational of the formula in Fractions (_amounts_in_fractions).

_RATE_KEY, _ITEM_KEY = "customs.test.rate", "customs.test.item"


def _decimals(high: int, places: int = 4) -> st.SearchStrategy[Fraction]:
    return st.integers(min_value=0, max_value=high * 10**places).map(lambda n: Fraction(n, 10**places))


_ARITHMETIC_SHARES = ("price_cut", "return_rate", "commission", "affiliate_commission", "payment_fee", "fine_rate",
                      "late_share", "duty_rate", "import_tax_rate", "cost_of_capital")
_ARITHMETIC_AMOUNTS = ("price", "unit_cost", "freight_per_unit", "fee_per_unit", "ads_per_unit", "last_mile_per_order",
                       "storage_per_unit_month", "cost_per_return", "fixed_per_month", "late_fine", "fine_multiple",
                       _RATE_KEY, _ITEM_KEY)
_ARITHMETIC_DAYS = ("transit_days", "stock_days", "payout_delay_days")


@st.composite
def _arithmetic_case(draw: Any) -> tuple[margins._Plan, dict[str, Fraction], Fraction]:
    """A plan (its customs, refund fee, late fine and deposit) and a set of values, some numbers left out."""
    odd = st.fractions(min_value=0, max_value=1, max_denominator=997)  # not only decimals: a converted amount
    values: dict[str, Fraction] = {}
    for names, plain in ((_ARITHMETIC_SHARES, _decimals(1)), (_ARITHMETIC_AMOUNTS, _decimals(2000, 2)),
                         (_ARITHMETIC_DAYS, st.integers(0, 365).map(Fraction))):
        for name in names:
            if draw(st.integers(0, 4)):  # one in five left out (0 in the arithmetic)
                values[name] = draw(st.one_of(plain, odd) if names is not _ARITHMETIC_DAYS else plain)
    values["vat_rate"] = draw(st.sampled_from([Fraction(0), Fraction(1, 5), Fraction(27, 100), Fraction(7, 3)]))
    values["unsold_share"] = draw(
        st.sampled_from([Fraction(0), Fraction(1, 20), Fraction(1, 2), Fraction(99, 100), Fraction(999999, 10**6), Fraction(1)])
    )
    if draw(st.booleans()):
        values["price"] = draw(st.integers(1, 10**60).map(Fraction))  # long amounts: exact at any length
    parcel = draw(st.sampled_from([None, True, False]))
    price = values.get("price", Fraction(0))
    declared = price - price * values.get("price_cut", Fraction(0)) if parcel else values.get("unit_cost", Fraction(0))
    threshold = st.one_of(st.none(), _decimals(2000, 2), st.just(declared))  # on the value itself: a charge's edge
    kinds = st.sampled_from(["rate", "yours", "per_item", "import_tax"])
    charges = tuple(
        margins._Charge(
            {"rate": _RATE_KEY, "per_item": _ITEM_KEY}.get(kind, kind), kind, draw(threshold), draw(threshold)
        )
        for kind in draw(st.lists(kinds, max_size=4))
    )
    # A cap of up to 50 (a fee on a dear product meets it) or far above any fee (the fee itself counts).
    refund_admin = draw(st.one_of(st.none(), st.tuples(_decimals(1), st.one_of(_decimals(50, 2), _decimals(10**6, 2)))))
    plan = margins._Plan(
        column=margins.Column(margins.SEMI),
        inputs={},
        parcel=parcel,
        charges=charges,
        duty_origin=margins.Provenance(),
        refund_admin=refund_admin,
        late_fine=draw(st.booleans()),
        deposit=draw(_decimals(5000, 2)),
        deposit_origin=margins.Provenance(),
    )
    units = draw(st.one_of(st.integers(1, 10**6).map(Fraction), st.fractions(min_value=0, max_value=10**4)))
    return plan, values, units


@pytest.mark.parametrize("scale", SCALES)
def test_the_integer_arithmetic_is_the_formula_in_fractions(scale: float) -> None:
    @settings(max_examples=scaled(300, scale), deadline=None)
    @given(_arithmetic_case())
    def check(case: tuple[margins._Plan, dict[str, Fraction], Fraction]) -> None:
        plan, values, units = case
        expected = _amounts_in_fractions(plan, values, units)
        parts = margins._month_parts(plan, values, units)
        assert list(parts) == list(expected)
        for key, (n, d) in parts.items():
            assert d != 0 and Fraction(n, d) == expected[key], key  # the rational, in any terms
        month = expected["contribution_per_month"]
        assert parts["contribution_per_month"] == (month.numerator, month.denominator)  # the month in lowest terms
        assert margins._month_parts(plan, values, units, month_only=True) == {
            "contribution_per_month": parts["contribution_per_month"]
        }
        assert margins._amounts(plan, values, units) == expected
        # In brief: the lines a brief breakdown keeps, the same pairs, when their numerators prove every amount the
        # size check reads below 10**64 (then the exact check passes); every line otherwise.
        brief = margins._month_parts(plan, values, units, brief=True)
        if brief != parts:
            assert brief == {key: parts[key] for key in parts if key in margins._BRIEF_LINES}
            assert list(brief) == ["price", "contribution_per_unit", "fixed_costs", "deposit_cost", "contribution_per_month"]
            if units.denominator == 1 and units:
                margins._check_brief_sizes(plan, values, parts, int(units), "temu")  # raises nothing
        # The month is a straight line in each number _slopes answers for (on the whole range: none of them moves
        # a customs threshold or the refund fee's cap), so its slope is the step from x to x + 1.
        for name, slope in margins._slopes(plan, values, units).items():
            stepped = {**values, name: values.get(name, Fraction(0)) + 1}
            assert slope == _amounts_in_fractions(plan, stepped, units)["contribution_per_month"] - month, name

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_breakdown_by_its_route_parts_line_is_the_plain_arithmetic(scale: float) -> None:
    # margins._brief_parts: a plan made with a route part, the part's line in the product's price, unit cost and
    # freight (margins._BriefLine, made at the second breakdown in a row with the same other numbers) gives the
    # lines a brief breakdown keeps, each the plain arithmetic's rational, and only when its bound proves every
    # amount the size check reads below 10**64 (the exact check then passes); with other numbers, nothing.
    @settings(max_examples=scaled(300, scale), deadline=None)
    @given(
        _arithmetic_case(),
        st.integers(0, 62).flatmap(lambda digits: st.integers(10**digits, 10 ** (digits + 1))),  # either side of 10**64
        st.sampled_from(["price", "unit_cost", "freight_per_unit"]),
        st.integers(1, 10**4),
    )
    def check(case: tuple[margins._Plan, dict[str, Fraction], Fraction], units: int, own: str, moved: int) -> None:
        plain, values, _units = case
        part = margins._RoutePart(
            inputs=(), parcel=plain.parcel, charges=plain.charges, duty_origin=plain.duty_origin,
            refund_admin=plain.refund_admin, late_fine=plain.late_fine, deposit=plain.deposit,
            deposit_origin=plain.deposit_origin,
        )
        plan = replace(plain)
        object.__setattr__(plan, "part", part)
        assert margins._brief_parts(plan, part, values, units) is None  # the first breakdown: no line yet
        # The product's own numbers differ (another product on the route), the others are equal (other objects).
        again = {**{name: Fraction(value) for name, value in values.items()}, own: values.get(own, Fraction(0)) + moved}
        for numbers in (again, values):
            parts = margins._month_parts(plain, numbers, units)
            quick = margins._brief_parts(plan, part, numbers, units)
            assert part.brief_last is not None and part.brief_last[1] is not None
            # Kept with this breakdown's objects (equal to the last's): the next compared by identity first.
            assert all(kept is read for kept, read in zip(part.brief_last[0], map(numbers.get, part.brief_names), strict=True))
            event("kept" if quick is not None else "plain")
            if quick is not None:
                assert list(quick) == ["price", "contribution_per_unit", "fixed_costs", "deposit_cost", "contribution_per_month"]
                for key, (n, d) in quick.items():
                    assert d != 0 and Fraction(n, d) == Fraction(*parts[key]), key
                assert quick["contribution_per_month"] == parts["contribution_per_month"]  # in lowest terms
                assert (quick["fixed_costs"], quick["deposit_cost"]) == (parts["fixed_costs"], parts["deposit_cost"])
                margins._check_brief_sizes(plan, numbers, parts, units, "temu")  # raises nothing
            assert margins._month_parts(plan, numbers, units, brief=True) == (
                quick if quick is not None else margins._month_parts(plain, numbers, units, brief=True)
            )
        # Another of the other numbers: the plain arithmetic again, until it is met twice.
        values["return_rate"] = values.get("return_rate", Fraction(0)) + Fraction(1, 7)
        assert margins._brief_parts(plan, part, values, units) is None

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_brief_breakdown_by_its_route_parts_line_is_the_plain_one_on_every_piece_of_the_customs_values(
    advisor: Advisor, scale: float
) -> None:
    # margins._brief_lined: products of the catalogue example that differ only in their price and unit cost, either
    # side of the customs thresholds (the EU's 150 EUR, the US's), each model by the route part's line (from the
    # second product on: the same other numbers) with the duty's needed numbers, fixed costs and deposit lines and
    # the model's other fields kept per line, piece of the customs values and column; the plain breakdown of every
    # line worked out afresh names the same numbers and amounts.
    # Some products also lay one of the numbers the line is made of (the VAT rate, a price cut, a return rate
    # given in one layer or another), now and then the same as the product's before: a breakdown of a plan whose
    # seller's inputs were laid over the same shape reads the last's numbers without reading them only when none
    # of its own is among them (margins._brief_quick's laid).
    company = _CATALOGUE_COMPANY.economics
    assert company is not None
    amounts = st.one_of(st.integers(1, 40000), st.integers(15000, 18000), st.integers(79000, 81000))
    own = st.sampled_from([
        (), (("semi-managed", "vat_rate"), "20%"), (("semi-managed", "vat_rate"), "5%"), (("price_cut",), "10%"),
        (("platforms", "temu", "return_rate"), "7%"), (("fully-managed", "fixed_per_month"), "300"),
    ])

    @settings(max_examples=scaled(40, scale), deadline=None)
    @given(st.lists(st.tuples(amounts, amounts, amounts, own), min_size=2, max_size=5))
    def check(products: list[tuple[int, int, int, tuple[Any, ...]]]) -> None:
        for full, semi, cost, extra in products:
            economics = company.laid_over([
                (("unit_cost",), Decimal(cost) / 100),
                (("fully-managed", "price"), Decimal(full) / 100),
                (("semi-managed", "price"), Decimal(semi) / 100),
                *([extra] if extra else []),
            ])
            units, routes = _route_plans(advisor, replace(_CATALOGUE_COMPANY, economics=economics))
            margins._BRIEF_MARGINS.clear()
            for (platform, _market, _route), plan in routes:
                values = margins._values(plan)
                own = margins._brief_margin(plan, values, margins._month_parts(plan, values, units), int(units), platform)
                got = margins._model_margin(plan, int(units), platform, brief=True)
                last = plan.part.brief_last
                event("lined" if last is not None and last[1] is not None else "plain")
                assert got == own and got.needed == own.needed
                assert [line.exact for line in (*got.per_unit, *got.per_month)] == [
                    line.exact for line in (*own.per_unit, *own.per_month)
                ]
                assert list(vars(got)) == [*margins.ModelMargin.__dataclass_fields__, "_by_key"]

    check()


def test_a_brief_breakdown_refuses_a_vat_of_minus_one_by_its_route_parts_line_as_the_plain_arithmetic() -> None:
    part = margins._RoutePart(
        inputs=(), parcel=None, charges=(), duty_origin=margins.Provenance(), refund_admin=None, late_fine=False,
        deposit=Fraction(0), deposit_origin=margins.Provenance(),
    )
    plan = margins._Plan(
        column=margins.Column(margins.SEMI), inputs={}, parcel=None, charges=(), duty_origin=margins.Provenance(),
        refund_admin=None, late_fine=False, deposit=Fraction(0), deposit_origin=margins.Provenance(),
    )
    object.__setattr__(plan, "part", part)
    values = {"price": Fraction(10), "vat_rate": Fraction(-1)}
    for _twice in range(3):
        with pytest.raises(ZeroDivisionError):
            margins._month_parts(plan, values, 5, brief=True)


_read_values = st.one_of(
    st.booleans(),
    st.integers(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100, allow_nan=False),
    st.sampled_from(["fully-managed", "semi-managed", "even", "open", "closed", "gated"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["margin_gap_pct", "margin_open", "margin_leader", "full_route_status", "margin_summary"]),
            _read_values,
            min_size=1,
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["temu", "aliexpress", "tiktok_shop"]),
)
def test_a_platform_s_reading_remembered_is_the_one_worked_out(
    advisor: Advisor, overrides: list[dict[str, Any]], platform: str
) -> None:
    # A catalogue's products look their platform readings up by the values read and their types (True, 1 and
    # 1.0 are equal keys to a dict, not to every literal): whatever was remembered before, each reading must be
    # the one worked out afresh.
    evaluator = advisor.evaluator
    for given_facts in overrides:
        remembered = evaluator.platform_reading(platform, given_facts)
        evaluator.__dict__.pop("_reading_state", None)
        assert remembered == evaluator.platform_reading(platform, given_facts)


# -- a product's profile laid over its company's, without validating the company again ---------------------

_CATALOGUE_COMPANY = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")
_CELL_PATHS = (
    ("unit_cost",),
    ("monthly_units",),
    ("semi-managed", "price"),
    ("fully-managed", "return_rate"),
    ("platforms", "temu", "semi-managed", "price"),
    ("platforms", "temu", "stock_days"),
    ("platforms", "tiktok_shop", "commission"),
    ("platforms", "aliexpress", "fully-managed", "price"),
    ("routes", "temu_y2", "freight_per_unit"),
    ("routes", "temu_local", "duty_rate"),
    ("routes", "2nd", "duty_rate"),
    ("weight_kg",),
    ("weight_class",),
    ("category",),
)
_CELL_VALUES = st.sampled_from(
    ["8.5", " 12 ", "-1", "lots", "", "4%", "150%", "1", "1.0", 0.0, -0.0, 1, 1.0, 2.5, 45, "45.5", "heavy", "toys", True]
)


def _profile_as_before(company: SellerProfile, cells: dict[tuple[str, ...], Any]) -> SellerProfile:
    # product_profile as it was: the company's whole dict, the cells merged in, validated again from the start.
    from sellerexpert._economics.catalogue_input import PRODUCT_COLUMNS, _blank, _weight_class

    data = company.to_dict()
    economics = copy.deepcopy(data.pop("economics", {}))
    weight = cells.get(("weight_class",))
    if _blank(weight) and not _blank(cells.get(("weight_kg",))):
        weight = _weight_class(cells[("weight_kg",)])
    if not _blank(weight):
        data["weight_class"] = weight.strip() if isinstance(weight, str) else weight
        data.pop("bulky_goods", None)
    category = cells.get(("category",))
    if not _blank(category):
        data["category"] = category.strip() if isinstance(category, str) else category
    for path, value in cells.items():
        if path[0] in PRODUCT_COLUMNS and path != ("monthly_units",) or _blank(value):
            continue
        into = economics
        for key in path[:-1]:
            if not isinstance(into.get(key), dict):
                into[key] = {}
            into = into[key]
        into[path[-1]] = value.strip() if isinstance(value, str) else value
    if economics:
        data["economics"] = economics
    return SellerProfile.from_dict(data)


def _outcome(make: Any, *args: Any) -> Any:
    try:
        profile = make(*args)
    except ProfileError as exc:
        return ("error", str(exc), exc.field, exc.value)
    return ("profile", profile, repr(profile), profile.to_dict())


_COMPANIES = (
    _CATALOGUE_COMPANY,
    # Numbers written as they do not read back (8.50, a range), a route and a platform's model of its own, bulky
    # goods a product's weight class replaces, and a company with no numbers at all (a product's make a section).
    SellerProfile.from_dict({
        "name": "Written otherwise", "target_markets": ["US"], "bulky_goods": False,
        "economics": {
            "monthly_units": 40, "unit_cost": "4.50", "cost_of_capital": "12%", "currency": "EUR",
            "exchange_rates": {"USD": 0.93}, "semi-managed": {"price": [18, 25], "stock_days": 30},
            "platforms": {"tiktok": {"semi-managed": {"commission": "6%"}}}, "routes": {"temu_y2": {"duty_rate": 0.1}},
        },
    }),
    SellerProfile.from_dict({"name": "No numbers", "target_markets": ["US", "DE"], "weight_class": "parcel"}),
)


@settings(max_examples=200, deadline=None)
@given(
    company=st.sampled_from(_COMPANIES),
    rows=st.lists(st.dictionaries(st.sampled_from(_CELL_PATHS), _CELL_VALUES, max_size=6), min_size=1, max_size=5),
)
def test_a_products_profile_is_the_company_validated_again_with_its_cells(
    company: SellerProfile, rows: list[dict[tuple[str, ...], Any]]
) -> None:
    # Products in turn (the company's part read once and its products' fields and numbers laid over it, its
    # numbers remembered): each product's profile (its numbers' very digits: repr), or its error (message, field,
    # value), is what validating the company's whole profile with its cells gave; no product's cells reach the next
    # product, nor the company's own profile.
    from sellerexpert._economics.catalogue_input import product_profile

    company_before = company.to_dict()
    for cells in rows:
        assert _outcome(product_profile, company, cells) == _outcome(_profile_as_before, company, cells)
    assert company.to_dict() == company_before
    assert product_profile(company, {}) == _profile_as_before(company, {})


def test_a_bad_cell_after_good_ones_in_the_same_place_keeps_its_message() -> None:
    # The numbers are remembered by place, type and text, failures never: a bad price after good ones at the
    # same place, and the same bad price again, each fail with the one message that names the field.
    rows = [
        {"sku": "A-1", "semi_price": "21.99", "temu.semi-managed.price": "19"},
        {"sku": "A-2", "semi_price": "cheap", "temu.semi-managed.price": "19"},
        {"sku": "A-3", "semi_price": "21.99"},
        {"sku": "A-4", "semi_price": "cheap"},
        {"sku": "A-5", "semi_price": "-1"},
    ]
    done = Advisor().catalogue(_CATALOGUE_COMPANY, rows)
    assert [p.sku for p in done.products] == ["A-1", "A-3"]
    assert [(e.row, e.sku, e.field, e.message) for e in done.errors] == [
        (2, "A-2", "economics.semi-managed.price",
         "<rows>:2: economics.semi-managed.price: expected a number, got 'cheap' (allowed: an amount of money, 0 or more)"),
        (4, "A-4", "economics.semi-managed.price",
         "<rows>:4: economics.semi-managed.price: expected a number, got 'cheap' (allowed: an amount of money, 0 or more)"),
        (5, "A-5", "economics.semi-managed.price",
         "<rows>:5: economics.semi-managed.price: -1 is negative (allowed: an amount of money, 0 or more)"),
    ]
    # A-1's Temu price did not stay behind for A-3, which gave none: A-3 is priced on the company's numbers.
    assert done.products[1].placements == Advisor().catalogue(_CATALOGUE_COMPANY, [rows[2]]).products[0].placements


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.tuples(st.sampled_from(NUMBERS), _CELL_VALUES | st.floats(-2, 2) | st.integers(-3, 400)), max_size=12))
def test_a_remembered_number_is_the_number_worked_out_again(values: list[tuple[Any, Any]]) -> None:
    # 0.0 and -0.0, 1 and 1.0 and "1", a share and a percentage: each remembered number is exactly (its text
    # too: Decimal 1 is not Decimal 1.0) what working it out again gives, and a bad one fails the same way.
    from sellerexpert._profile import economics

    for spec, value in values * 2:
        where = f"economics.{spec.name}"
        assert _outcome_of(economics._value, spec, value, where) == _outcome_of(
            economics.number_value, spec, value, where
        )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_bad_number_names_what_its_number_allows_in_the_language_in_force(lang: str) -> None:
    # A number's allowed values are worded only for its error (_decimal takes the number's spec): the error says
    # what the spec's allowed_text says in the language in force, as when it was worded for every number read.
    from sellerexpert import use_language
    from sellerexpert._profile import economics

    with use_language(lang):
        for spec in NUMBERS:
            for bad in ("lots", "1" * 70, True, -1):
                where = f"economics.{spec.name}"
                with pytest.raises(ProfileError) as caught:
                    economics.number_value(spec, bad, where)
                assert caught.value.allowed == spec.allowed_text, (spec.name, bad)
                assert str(spec.allowed_text) in str(caught.value)


@settings(max_examples=200, deadline=None)
@given(
    reasons=st.lists(
        st.tuples(st.sampled_from(["constraint", "evidence", "fact"]), st.sampled_from([None, *_MODELS])), max_size=5
    ),
    model=st.sampled_from([None, *_MODELS]),
    in_market=st.booleans(),
)
def test_a_placement_s_reason_is_the_first_that_chose_it(
    reasons: list[tuple[str, str | None]], model: str | None, in_market: bool
) -> None:
    # A placement's reason (_reason, plain loops): a constraint first where no model is chosen, then the first
    # reason for the model chosen, then the first reason, then the outcome's words: as the searches said it.
    from types import SimpleNamespace

    from sellerexpert._economics.catalogue import _reason

    pieces = tuple(
        SimpleNamespace(kind=kind, favours=favours, text=f"r{index}") for index, (kind, favours) in enumerate(reasons)
    )
    advice = SimpleNamespace(reasons=pieces, model=model, outcome_text="outcome")
    entry, rec = (advice, SimpleNamespace()) if in_market else (None, advice)
    chosen = next((r for r in pieces if r.kind == "constraint"), None) if model is None else None
    chosen = chosen or next((r for r in pieces if r.favours == model), None) or (pieces[0] if pieces else None)
    assert _reason(entry, rec) == (chosen.text if chosen is not None else "outcome")  # type: ignore[arg-type]


_ROW_COLUMNS = (
    "name", "unit_cost", "full_price", "supply_price", "semi_price", "temu.semi-managed.price", "weight_kg",
    "category", "monthly_units", "colour", "routes.temu_y2.freight_per_unit", "Semi Price",
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.tuples(st.sampled_from(_ROW_COLUMNS), st.sampled_from(["1", "2.5", " 3 ", "x"])), max_size=8),
        min_size=1,
        max_size=6,
    )
)
def test_a_rows_cells_are_its_columns_set_in_turn(rows: list[list[tuple[str, str]]]) -> None:
    # Rows of mappings whose columns come in any order, some set aside (colour), some at one path (full_price and
    # supply_price, semi_price and "Semi Price"): each row's cells, in their order, are its columns' values set at
    # their paths in turn, whether its order of columns was seen before or not; the columns set aside as first seen.
    from sellerexpert._economics.catalogue_input import ProductReader, RowProblem, column_path

    mappings = [{"sku": f"S-{index}", **dict(row)} for index, row in enumerate(rows)]
    reader = ProductReader.of_mappings(mappings)
    read = list(reader)
    unknown: list[str] = []
    for mapping, item in zip(mappings, read, strict=True):
        assert not isinstance(item, RowProblem)
        plain: dict[tuple[str, ...], Any] = {}
        for key, value in mapping.items():
            path = column_path(key)
            if path is None:
                if key not in unknown:
                    unknown.append(key)
                continue
            plain[path] = value
        assert list(item[1].items()) == list(plain.items())
    assert reader.unknown == unknown


def test_a_product_s_consultation_is_filed_by_its_whole_profile() -> None:
    # _Hashed hashes what products differ in (their numbers, weight class and category): two products made apart
    # with the same profile are one key, and a profile differing only in another field (the company's) is another.
    from sellerexpert._economics.catalogue import _Hashed
    from sellerexpert._economics.catalogue_input import product_profile

    cells = {("unit_cost",): "2", ("semi-managed", "price"): "12.5", ("weight_class",): "parcel"}
    first = product_profile(_CATALOGUE_COMPANY, cells)
    again = product_profile(_CATALOGUE_COMPANY, dict(cells))
    assert first is not again and first.economics is not again.economics
    assert _Hashed(first) == _Hashed(again) and hash(_Hashed(first)) == hash(_Hashed(again))
    assert len({_Hashed(first): 1, _Hashed(again): 2}) == 1
    other = replace(first, name=(first.name or "") + " Ltd")
    assert _Hashed(first) != _Hashed(other)
    assert len({_Hashed(first): 1, _Hashed(other): 2}) == 2


def _outcome_of(make: Any, *args: Any) -> tuple[str, str]:
    try:
        return ("number", repr(make(*args)))
    except ProfileError as exc:
        return ("error", f"{exc} {exc.field} {exc.value!r}")


# -- what a comparison keeps between products: plans, checks and words -------------------------


def _share_input(draw: Any) -> Any:
    """A share as a plan holds it: absent, a number, or a range (the high end its conservative case)."""
    kind = draw(st.sampled_from(["none", "value", "range"]))
    if kind == "none":
        return None
    value = draw(st.fractions(min_value=0, max_value=1, max_denominator=20))
    if kind == "value":
        return margins._Input(value, None, None, margins._YOURS)
    high = draw(st.fractions(min_value=value, max_value=1, max_denominator=20))
    return margins._Input(value, value, high, margins._YOURS)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_shares_are_checked_as_the_sums_say_however_often_the_same_inputs_come(data: Any) -> None:
    # _check_shares keeps the inputs that passed by their identity: drawn from a small pool so the same objects
    # come again (and sets that fail come after sets that passed), each call still answers as the sums do.
    pool = [data.draw(st.builds(lambda: None).flatmap(lambda _: st.composite(lambda d: _share_input(d))()))
            for _ in range(4)]
    column = margins.Column(margins.SEMI)
    for _ in range(6):
        picked = [data.draw(st.sampled_from(pool)) for _ in margins._SHARES_OF_PRICE]
        inputs = {name: item for name, item in zip(margins._SHARES_OF_PRICE, picked, strict=True) if item is not None}
        plan = margins._Plan(column, inputs, None, (), margins._YOURS, None, False, Fraction(0), margins._YOURS)
        base = [item.value for item in inputs.values()]
        high = [item.high if item.high is not None else item.value for item in inputs.values()]
        fails = sum(base) > 1 or sum(high) > 1
        if fails:
            with pytest.raises(ProfileError, match="add up to more than 100% of the price kept"):
                margins._check_shares(plan, "temu")
        else:
            margins._check_shares(plan, "temu")


def _plain_plan(economics: Economics, platform: str, market: str | None, column: Any) -> Any:
    """A plan made with nothing kept from earlier plans (the seller's numbers and the route's part made afresh)."""
    margins._SELLER_INPUTS.clear()
    margins._SELLER_SHAPES.clear()
    margins._ROUTE_PARTS.clear()
    return margins._plan(economics, platform, market, column, None)


def _given_inputs(economics: Economics, platform: str, column: Any) -> dict[str, Any]:
    """The seller's numbers for a column as Economics.given gives them, each made ready for arithmetic (and the cost
    of capital): what a plan's seller's inputs, kept per economics, platform and model, must be."""
    routes = economics.routes
    route = column.route if any(route_id == column.route for route_id, _numbers in routes) else None
    inputs = {name: margins._yours(value) for name, value in economics.given(platform, column.model, route).items()}
    if economics.cost_of_capital is not None:
        inputs["cost_of_capital"] = margins._yours(economics.cost_of_capital)
    return inputs


@pytest.mark.parametrize("scale", SCALES)
def test_a_plan_is_the_same_made_afresh_or_from_what_earlier_plans_kept(advisor: Advisor, scale: float) -> None:
    # Products drawn one after another, priced in every market (the seller's numbers kept per economics, the
    # route's part per names given): each plan equals one made afresh, inputs in the same order, and plans
    # made with the same part have the same inputs by name and origin (what caches keyed by the part read).
    kept_again = 0

    @settings(max_examples=scaled(15, scale), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data: Any) -> None:
        nonlocal kept_again
        by_part: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}
        for _ in range(2):
            drawn = _economics(data.draw)
            if data.draw(st.booleans()):  # a platform's own price, as a catalogue's rows give Temu's
                price = data.draw(st.integers(100, 9000)) / 100
                drawn["economics"].setdefault("platforms", {})["temu"] = {"semi-managed": {"price": price}}
            profile = SellerProfile.from_dict(drawn)
            monthly, routes = _route_plans(advisor, profile)
            units = int(monthly)
            economics = profile.economics
            assert economics is not None
            margins._BRIEF_MARGINS.clear()
            earlier: list[Any] = []
            for (platform, market, _route), plan in routes:
                # The seller's inputs kept for the product: Economics.given's numbers, in its order.
                assert list(plan.seller.items()) == list(_given_inputs(economics, platform, plan.column).items())
                fresh = _plain_plan(economics, platform, market, plan.column)
                assert list(plan.inputs.items()) == list(fresh.inputs.items())
                assert plan == fresh
                # A plan made without its constructor has the fields one made with it has, the same values, and
                # those _plan alone sets (the constructor leaves them to the class's None).
                made = margins._Plan(
                    plan.column, plan.inputs, plan.parcel, plan.charges, plan.duty_origin, plan.refund_admin,
                    plan.late_fine, plan.deposit, plan.deposit_origin,
                )
                assert made == plan and set(vars(plan)) == {*vars(made), "part", "base", "seller", "laid"}
                # The shares' check, passed by the route part once a plan of it passed, is the plain one's.
                outcomes = []
                for checked in (plan, made):  # made: no part, checked by its shares afresh
                    margins._SHARES_PASSED.clear()
                    try:
                        margins._check_shares(checked, platform)
                        outcomes.append("")
                    except ProfileError as error:
                        outcomes.append(str(error))
                assert outcomes[0] == outcomes[1]
                shape = [(name, item.origin) for name, item in plan.inputs.items()]
                held = by_part.setdefault(id(plan.part), (plan.part, shape))
                assert held[1] == shape
                # The base values made with the plan (from the seller's and the part's) are the comprehension's.
                values = {name: item.value for name, item in plan.inputs.items() if item.value is not None}
                assert list(margins._values(plan).items()) == list(values.items())
                # A brief breakdown, kept for the plans of the same seller's inputs and part (the product's route in
                # its other markets), is the plan's own worked out afresh: lines, exact amounts, needs.
                try:
                    own = margins._brief_margin(plan, values, margins._month_parts(plan, values, units), units, platform)
                except ProfileError:
                    continue
                got = margins._model_margin(plan, units, platform, brief=True)
                assert got == own
                # Lines and model made without their constructors: what the constructors make of the same fields.
                for line in (*got.per_unit, *got.per_month):
                    assert vars(line) == vars(margins.MarginLine(**vars(line)))
                fields = {name: getattr(got, name) for name in margins.ModelMargin.__dataclass_fields__}
                # Its state the constructor's, and ModelMargin.line's index made with it (no part of the record).
                made_model = margins.ModelMargin(**fields)
                for line in (*got.per_unit, *got.per_month):
                    made_model.line(line.key)
                assert vars(got) == vars(made_model)
                assert [line.exact for line in (*got.per_unit, *got.per_month)] == [
                    line.exact for line in (*own.per_unit, *own.per_month)
                ]
                kept_again += any(got is margin for margin in earlier)
                earlier.append(got)
        assert replace(plan, inputs={}).part is None  # a copy describes other inputs: it holds no part
        assert replace(plan, inputs={}).base is None and replace(plan, inputs={}).seller is None
        assert replace(plan, inputs={}).laid is None

    check()
    assert kept_again  # some products' routes were priced alike in two markets


@pytest.mark.parametrize("scale", SCALES)
def test_the_columns_priced_are_those_worked_out_afresh_for_any_answers(advisor: Advisor, scale: float) -> None:
    # The advisor keeps the columns by the answers the routes read, platforms, markets and language: for
    # products of varied answers, asked in any order, they are market_columns' own, and the comparison is
    # landed_comparison's afresh.
    from sellerexpert._economics.landed import landed_comparison, priced_routes

    company = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")

    @settings(max_examples=scaled(20, scale), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        weight=st.sampled_from(["parcel", "heavy", None]),
        category=st.sampled_from(["home", "beauty", "electronics"]),
        markets=st.sampled_from([("US", "DE"), ("US",), ("DE",), ("DE", "US")]),
        stock=st.sampled_from([("US",), (), ("US", "DE")]),
        lang=st.sampled_from(["en", "zh"]),
        brief=st.booleans(),
    )
    def check(weight: str | None, category: str, markets: tuple[str, ...], stock: tuple[str, ...], lang: str,
              brief: bool) -> None:
        kept = tuple(m for m in stock if m in markets)
        profile = company.with_changes(
            weight_class=weight, category=category, target_markets=markets, stock_markets=kept or None,
            local_warehouse=bool(kept),
        )
        for market in (*markets, None):
            asked = profile.in_market(market) if market is not None else profile
            columns, priced = advisor._priced_columns(asked, lang)
            fresh = market_columns(advisor.rules, asked, lang)
            assert columns == fresh
            assert priced == priced_routes(fresh)
            names = {p: advisor.rules.platforms[p].name_in(lang) for p in asked.platforms}
            comparison = advisor._landed(asked, lang, brief=brief)
            # A full comparison kept serves a brief request.
            assert comparison == landed_comparison(advisor.rules, asked, names=names, lang=lang, brief=brief) or (
                brief and comparison == landed_comparison(advisor.rules, asked, names=names, lang=lang)
            )

    check()


def _collector_state() -> Callable[[object], tuple[tuple[int, int, int], int]]:
    """A worker's setup (run in the worker) whose handler answers with the worker's collector settings."""
    return lambda _task: (gc.get_threshold(), gc.get_freeze_count())


def test_a_worker_freezes_what_it_was_set_up_with_and_collects_less_often() -> None:
    # The worker's tuning (sellerexpert._workers._serve) is ours alone: the process that starts workers keeps its own.
    before = gc.get_threshold()
    with Workers(1, _collector_state) as workers:
        (threshold, frozen), = list(workers.map([0]))
    assert threshold == COLLECT_AFTER
    assert frozen > 0
    assert gc.get_threshold() == before


# -- workers started by fork where that is safe: the same answers as spawned ones, and a forked worker holds nothing
# of the parent's that would change how it ends (pipe ends, signal handlers).

LINUX = pytest.mark.skipif(sys.platform != "linux", reason="workers fork only on Linux")
# Python 3.12 and later warn when a process with threads forks (pytest-xdist runs one); these tests fork on purpose,
# with workers that only answer a few tasks.
FORKS_HERE = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

_COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"
_CSV = EXAMPLES / "catalogue-ningbo-home.csv"


@LINUX
def test_a_single_threaded_process_forks_and_one_with_threads_spawns() -> None:
    # A fresh interpreter runs one thread: the CLI's case.
    done = subprocess.run(
        [sys.executable, "-c", "from sellerexpert._workers import start_method; print(start_method())"],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.strip() == "fork"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        release.set()
        other.join()


def _held(fds: Any) -> frozenset[str]:
    """What each of a process's descriptors opens (``socket:[inode]`` for a pipe's end), from /proc."""
    out = set()
    for fd in fds:
        try:
            out.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # the listing's own descriptor, closed by now
    return frozenset(out)


def _open_ends() -> Callable[[object], tuple[int, frozenset[str]]]:
    """A worker's setup whose handler answers with the worker's pid and what its descriptors open."""
    return lambda _task: (os.getpid(), _held(os.listdir("/proc/self/fd")))


@LINUX
@FORKS_HERE
def test_a_forked_worker_holds_no_pipe_end_but_its_own() -> None:
    # Were the parent's end of a worker's pipe open in any worker, the parent's death would not reach that worker
    # as end-of-file, and it would live on.
    with Workers(3, _open_ends, start="fork") as workers:
        parents_ends = [_held([conn.fileno()]) for conn in workers._conns]
        pids = [process.pid for process in workers._processes]
        answers = dict(workers.map(range(3)))
    assert all(len(end) == 1 for end in parents_ends)
    for index, pid in enumerate(pids):
        held = answers[pid] & frozenset().union(*parents_ends)
        assert not held, f"worker {index} holds the parent's pipe ends {sorted(held)}"


def _dispositions() -> Callable[[object], tuple[bool, bool]]:
    """Whether SIGTERM ends the worker as by default, and whether it ignores SIGINT."""
    return lambda _task: (signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, signal.getsignal(signal.SIGINT) == signal.SIG_IGN)


@LINUX
@FORKS_HERE
def test_a_forked_worker_drops_the_parents_signal_handlers() -> None:
    # The CLI stops a batch gracefully on SIGTERM: a worker with that handler would not end when terminated.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        with Workers(1, _dispositions, start="fork") as workers:
            (ends, ignores_ctrl_c), = list(workers.map([0]))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert ends
    assert ignores_ctrl_c  # as every worker starts: only the parent decides what Ctrl-C means


@LINUX
def test_a_workers_pipe_holds_a_whole_chunk_of_texts_each_way() -> None:
    # A catalogue's chunk of texts (about 600 KB) through the default buffer arrived in pieces, each read allocating
    # room for the rest: the parent spent about 0.7 CPU-s on 400 MB. The kernel caps the size asked for.
    cap = min(int(Path(f"/proc/sys/net/core/{name}").read_text()) for name in ("rmem_max", "wmem_max"))
    wanted = min(workers_module.PIPE_BUFFER, cap)
    with Workers(1, _collector_state) as workers:
        for conn in workers._conns:
            with socket.socket(fileno=os.dup(conn.fileno())) as sock:
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) >= wanted
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= wanted


def test_a_lent_value_stays_behind_when_it_would_travel() -> None:
    lent = Lent(object())
    assert lent.value is not None
    assert pickle.loads(pickle.dumps(lent)).value is None


def _catalogue_json(advisor: Advisor, jobs: int) -> bytes:
    out = io.BytesIO()
    with advisor.catalogue_stream(SellerProfile.from_file(_COMPANY), _CSV, jobs=jobs) as stream:
        write_catalogue(stream, "json", out)
    return out.getvalue()


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def force(method: str) -> None:
        monkeypatch.setattr(workers_module, "start_method", lambda: method)

    yield force


@pytest.mark.parametrize("method", [pytest.param("fork", marks=[LINUX, FORKS_HERE]), "spawn"])
def test_a_catalogue_advised_in_forked_or_spawned_workers_is_the_one_advised_here(
    advisor: Advisor, forced: Callable[[str], None], method: str
) -> None:
    # Forked, the workers advise with this very advisor (lent, with what it has built and remembered so far);
    # spawned, with one of their own: the bytes are those of one process either way.
    here = _catalogue_json(advisor, 1)
    forced(method)
    assert _catalogue_json(advisor, 2) == here


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_the_splits_products_named_written_some_at_a_time_are_the_whole_catalogues(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    # The split's lists of products named are joined a few thousand mentions a write (_write_split): at every
    # boundary (a list shorter than, as long as and longer than a batch) the text is the whole catalogue's.
    from sellerexpert import render_catalogue
    from sellerexpert._economics import catalogue_report

    whole = render_catalogue(advisor.catalogue(SellerProfile.from_file(_COMPANY), _CSV), "json")
    monkeypatch.setattr(catalogue_report, "_MENTIONS_WRITTEN", batch)
    assert _catalogue_json(advisor, 1).decode() == whole


def test_an_advisor_with_its_own_firing_limit_is_not_lent(monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker builds Advisor(rules_dir): a parent advisor that differs from that one must not stand in for it.
    seen: list[object] = []
    lend = Lent.__init__

    def recording(self: Lent[Any], value: Any) -> None:
        seen.append(value)
        lend(self, value)

    monkeypatch.setattr(Lent, "__init__", recording)
    default = Advisor()
    limited = Advisor(firing_limit=default._firing_limit + 1)
    for advisor in (default, limited):
        _catalogue_json(advisor, 2)
    assert seen == [default, None]


def _unpicklable() -> Callable[[object], object]:
    return lambda _task: (lambda: None)  # a result that cannot travel back


@pytest.mark.parametrize("method", [pytest.param("fork", marks=[LINUX, FORKS_HERE]), "spawn"])
def test_a_result_that_cannot_travel_back_fails_the_run_rather_than_hanging_it(method: Any) -> None:
    with Workers(1, _unpicklable, start=method) as workers, pytest.raises(WorkerFailed, match="pickle"):
        list(workers.map([0]))


_words = st.sampled_from(["", "temu", "US", "the US", "semi-managed", "B-1", "¶6 \"quoted\"", "中文", "a\nb"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(_words, _words, _words, st.none() | _words, _words, st.none() | _words, _words, _words),
        min_size=1,
        max_size=12,
    )
)
def test_a_mention_is_written_as_its_whole_dict_is(mentions: list[tuple[Any, ...]]) -> None:
    # The split's mentions are written of their SKU and their other keys' text, made once per place (every field
    # but the SKU) as the tally keeps them: each must be the text of its whole dict, whatever came before it.
    from sellerexpert._economics.catalogue import ProductMention
    from sellerexpert._economics.catalogue_report import _json, _mentions_json

    places: dict[tuple[Any, ...], int] = {}
    where = [places.setdefault(fields[1:], len(places)) for fields in mentions]
    texts = list(_mentions_json(list(places), [fields[0] for fields in mentions], where))
    assert texts == [_json(ProductMention(*fields).to_dict(), "      ") for fields in mentions]


_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), st.recursive(_leaves, lambda inner: st.lists(inner, max_size=3)
                                                         | st.dictionaries(st.text(max_size=4), inner, max_size=3))))
def test_a_pieces_key_is_its_one_line_json(value: dict[str, Any]) -> None:
    # A piece's text is remembered by its one-line JSON from an encoder made once: the text (or the error) of
    # JSONEncoder.encode, which makes its encoder on every call.
    from sellerexpert._economics.catalogue_report import _COMPACT, _compact

    try:
        expected: Any = _COMPACT.encode(value)
    except ValueError as exc:  # NaN or an infinity
        expected = ("error", str(exc))
    try:
        got: Any = _compact(value)
    except ValueError as exc:
        got = ("error", str(exc))
    assert got == expected


_FIELD_NAMES = ("units", "full", "semi", "verdict", "amount", "count")
_pattern_parts = st.lists(
    st.one_of(
        st.text(alphabet="ab %{}：件\n", max_size=6).map(lambda t: t.replace("{", "{{").replace("}", "}}")),
        st.builds(
            lambda name, spec, conversion: "{" + name + conversion + (":" + spec if spec else "") + "}",
            st.sampled_from((*_FIELD_NAMES, "currency", "other", "0", "units.real", "")),
            st.sampled_from(("", "", "", ">5", ",", "s")),
            st.sampled_from(("", "", "", "!r", "!s")),
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    pattern=_pattern_parts,
    fields=st.lists(st.sampled_from(_FIELD_NAMES), unique=True, max_size=4).map(tuple),
    fixed=st.sampled_from(({}, {"currency": "美元 %s"}, {"currency": "USD"})),
    values=st.lists(st.one_of(st.text(alphabet="x%{} 9", max_size=4), st.integers(-10**6, 10**6)), min_size=4, max_size=4),
)
def test_a_pattern_made_ready_to_fill_writes_what_str_format_writes(
    pattern: str, fields: tuple[str, ...], fixed: dict[str, str], values: list[Any]
) -> None:
    # The summary's and the money's patterns are parsed once into a %s pattern (margins._filler): any pattern, with
    # literal braces and percents, specs, conversions, indices, attributes and names not given, fills as str.format
    # does, or fails as it does.
    given_values = values[: len(fields)]
    try:
        expected: Any = pattern.format(**fixed, **dict(zip(fields, given_values, strict=True)))
    except Exception as error:  # noqa: BLE001 - the error's type is compared
        expected = type(error)
    try:
        filled: Any = margins._filler(pattern, fields, fixed)(*given_values)
    except Exception as error:  # noqa: BLE001
        filled = type(error)
    assert filled == expected


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(margins._SHAPES)),
    model=st.sampled_from(margins.MODELS),
    tips_at=st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=3)),
    can_tip=st.booleans(),
)
def test_a_needed_number_made_by_hand_is_the_constructors(name: str, model: str, tips_at: Decimal | None, can_tip: bool) -> None:
    # _tips makes its records without the frozen dataclass's __init__ (margins._needed_number): equal, with the same
    # state in the same order, and every field the class declares (a field added to it and not there fails here).
    made = margins._needed_number(name, model, tips_at, can_tip)
    plain = margins.NeededNumber(name, model, tips_at, can_tip)
    assert type(made) is type(plain) and made == plain and made.to_dict() == plain.to_dict()
    assert list(made.__dict__.items()) == list(plain.__dict__.items())
    assert list(made.__dict__) == [f.name for f in dataclasses.fields(margins.NeededNumber)]


def test_a_comparison_made_by_hand_is_the_constructors(comparison, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    # _platform_margin makes its records without the frozen dataclass's __init__ (PlatformMargin._made): each of the
    # examples' comparisons (the catalogue's brief ones too: one model open, no routes) made again both ways is the
    # same record, its state in the same order, every field there.
    profile = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")
    assert profile.economics is not None
    brief = margins.compare_margins(
        profile.economics, platforms=profile.platforms, markets=market_columns(advisor.rules, profile), brief=True
    )
    items = [*comparison.platforms, *brief.markets, *margins.compare_margins(profile.economics).platforms]
    assert not all(item.compared for item in items) and any(item.needed for item in items)
    for item in items:
        state = {f.name: getattr(item, f.name) for f in dataclasses.fields(margins.PlatformMargin)}
        plain = margins.PlatformMargin(**state)
        made = margins.PlatformMargin._made(**{k: v for k, v in state.items() if k != "break_even_formula"})
        assert list(made.__dict__.items()) == list(plain.__dict__.items())
        assert list(made.__dict__) == list(state)
        assert made == plain and made.to_dict() == plain.to_dict() and made.break_even_exact == plain.break_even_exact
    # compare_margins makes its comparison so too (MarginComparison._made): the same record, state and order.
    for whole in (comparison, brief):
        fields = {f.name: getattr(whole, f.name) for f in dataclasses.fields(margins.MarginComparison)}
        plain_whole = margins.MarginComparison(**fields)
        made_whole = margins.MarginComparison._made(**fields)
        assert list(made_whole.__dict__.items()) == list(plain_whole.__dict__.items())
        assert list(made_whole.__dict__) == list(fields)
        assert made_whole == plain_whole and made_whole.to_json() == plain_whole.to_json()


def _plain_gap_pct(full: Fraction, semi: Fraction) -> int:
    # PlatformMargin.gap_pct as it was written on Fractions: the reference its integer form is held to.
    base = max(abs(full), abs(semi))
    return 0 if base == 0 else margins.whole_units(abs(full - semi) * 100 / base)


_months = st.fractions(min_value=-(10**12), max_value=10**12, max_denominator=10**6)


@settings(max_examples=300, deadline=None)
@given(full=_months, semi=_months, scale=st.integers(1, 10**6), close=st.booleans())
def test_the_gap_pct_in_integers_is_the_fractions(full: Fraction, semi: Fraction, scale: int, close: bool) -> None:
    # _gap_pct_pairs (what _platform_margin writes into gap_pct, and the property reads) on the pairs in any terms,
    # against the Fractions' arithmetic; close puts the gap on a half percent (the rounding's edge) or next to it.
    if close and full:
        semi = full * Fraction(200 - (1 if scale % 3 else 0) - 2 * (scale % 50), 200)
    pairs = [(v.numerator * scale, v.denominator * scale) for v in (full, semi)]
    assert margins._gap_pct_pairs(pairs[0], pairs[1]) == _plain_gap_pct(full, semi)


def test_the_rules_margin_facts_are_read_as_the_comparison_holds_them(comparison, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    # platform_facts finds each platform's comparison in one pass and reads gap_pct as _platform_margin wrote it:
    # the facts the plain reading gives (MarginComparison.platform, whole_units of the gap's Fraction, gap_pct
    # worked out on the models' Fractions), for each market and none, in each language.
    profile = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")
    assert profile.economics is not None
    brief = margins.compare_margins(
        profile.economics, platforms=profile.platforms, markets=market_columns(advisor.rules, profile), brief=True
    )
    checked = 0
    for compared in (comparison, brief, margins.compare_margins(profile.economics)):
        for market in (None, *dict.fromkeys(item.market for item in compared.markets)):
            for lang in i18n.LANGS:
                expected: dict[str, dict[str, Any]] = {}
                for platform in dict.fromkeys(item.platform for item in compared.platforms):
                    try:
                        item = compared.platform(platform, market)
                    except KeyError:
                        continue
                    if not item.compared:
                        continue
                    full, semi = (m.contribution_per_month for m in item.models)
                    assert item.gap_pct == _plain_gap_pct(full, semi)
                    with use_language(lang):
                        summary = summary_text(item, compared.monthly_units, compared.currency)
                    expected[platform] = {
                        "margin_leader": item.leader,
                        "margin_gap_per_month": margins.whole_units(Fraction(item.gap_per_month)),
                        "margin_gap_pct": _plain_gap_pct(full, semi),
                        "margin_open": sum(1 for n in item.needed if n.can_tip),
                        "margin_summary": summary,
                    }
                    checked += 1
                assert platform_facts(compared, lang, market) == expected
    assert checked > 10


@settings(max_examples=100, deadline=None)
@given(
    price=st.fractions(min_value=1, max_value=500, max_denominator=100),
    duty=_shares,
    rate=_shares,
    commission=_shares,
    cut=st.sampled_from([Fraction(1, 2), Fraction(1, 4), Fraction(3, 4), Fraction(3, 8), Fraction(5, 8)]),
    bound=st.sampled_from(["up_to", "over", "both"]),
    left=st.booleans(),
    units=st.integers(1, 10**4),
)
def test_the_price_cuts_search_on_integers_tells_a_threshold_on_its_points_as_the_plain_search(
    price: Fraction, duty: Fraction, rate: Fraction, commission: Fraction, cut: Fraction, bound: str, left: bool,
    units: int,
) -> None:
    # _CutLines.bisect tells its stretches by comparisons on k multiplied out: a customs threshold exactly on one of
    # the search's first points (the price after cuts there is the threshold itself, where an up_to applies and an
    # over does not), the month jumping there across the target, ends where the plain search over the month ends
    # (a point told on the wrong side is read off the other stretch's line, seen on an earlier point, whose sign
    # there differs).
    threshold = price * (1 - cut)
    charges = {
        "up_to": (margins._Charge("duty", "yours", up_to=threshold),),
        "over": (margins._Charge("rate.a", "rate", over=threshold),),
        "both": (margins._Charge("duty", "yours", up_to=threshold), margins._Charge("rate.a", "rate", over=threshold)),
    }[bound]
    plan = margins._Plan(
        column=margins.Column("semi-managed"),
        inputs={},
        parcel=True,
        charges=charges,
        duty_origin=margins.Provenance(basis="yours"),
        refund_admin=None,
        late_fine=False,
        deposit=Fraction(0),
        deposit_origin=margins.Provenance(basis="yours"),
    )
    values = {"price": price, "unit_cost": price / 4, "duty_rate": duty, "rate.a": rate, "commission": commission}
    count = Fraction(units)
    # The month at the cut on either stretch's line (each side's charges without their thresholds): the target
    # between them, so the sign at that point is the side the threshold is told on.
    above, below = (margins._Charge("duty", "yours"),), (margins._Charge("rate.a", "rate"),)
    sides = [
        margins._per_month(replace(plan, charges=side), count, changes={**values, "price_cut": cut})
        for side in ((above, ()), ((), below), (above, below))[("up_to", "over", "both").index(bound)]
    ]
    if sides[0] == sides[1]:
        return
    target = (sides[0] + sides[1]) / 2 + (Fraction(1, 10**9) if left else -Fraction(1, 10**9))

    def gap(x: Fraction) -> Fraction:
        return margins._per_month(plan, count, changes={**values, "price_cut": x}) - target

    at0 = gap(Fraction(0))
    if at0 != 0:
        lines = margins._cut_lined(gap, plan, values, count)
        assert lines.bisect(ONE, at0 > 0) == _halved(gap, ONE, at0)
# -- a catalogue's placements -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", SCALES)
def test_a_placements_amounts_are_the_cents_of_its_models_and_its_record_the_constructors(
    advisor: Advisor, scale: float
) -> None:
    # _placement reads a contribution's rounded value off its line and makes the record without its __init__:
    # the same amounts as cents() of the model's exact contributions, and the record the constructor makes.
    from dataclasses import fields

    from sellerexpert._economics.catalogue import Placement

    company = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")

    @settings(max_examples=scaled(10, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        rows = []
        for index in range(data.draw(st.integers(1, 4))):
            cost = data.draw(st.integers(50, 9000)) / 100
            rows.append({
                "sku": f"P-{index}",
                "unit_cost": str(cost),
                "full_price": str(round(cost * data.draw(st.floats(0.8, 3.0)), 2)),
                "semi_price": str(round(cost * data.draw(st.floats(1.2, 5.0)), 2)),
                "monthly_units": str(data.draw(st.integers(1, 3000))),
            })
        for product in advisor.catalogue(company, rows).products:
            for placement in product.placements:
                made = Placement(**{item.name: getattr(placement, item.name) for item in fields(Placement)})
                assert vars(placement) == vars(made) and list(vars(placement)) == list(vars(made))
                assert placement.market is not None
                margin = advisor.compare_margins(product.result.profile.in_market(placement.market))
                models = margin.platform(placement.platform, placement.market).models
                mine = [m for m in models if m.model == placement.model and m.route == placement.route]
                other = [m for m in models if placement.model is not None and m.model != placement.model]
                if placement.contribution_per_unit is None:
                    assert not mine or placement.model is None
                    continue
                assert placement.contribution_per_unit == cents(mine[0].contribution_per_unit)
                assert placement.contribution_per_month == cents(mine[0].contribution_per_month)
                if other:
                    assert placement.other_per_month == cents(other[-1].contribution_per_month)

    check()


def _laid_over_plainly(section: Any, numbers: list[tuple[tuple[str, ...], Any]]) -> Any:
    # Economics.laid_over as it was before its plans: each number placed, read and set in a copy of its table, the
    # changed tables sorted into NUMBERS' order, the layers into from_dict's.
    from sellerexpert._profile import economics as economics_module

    layers, routes, units = dict(section.layers), dict(section.routes), section.monthly_units
    changed: dict[Any, dict[str, Any]] = {}
    changed_routes: dict[str, dict[str, Any]] = {}
    for path, value in numbers:
        spec, layer, route, where = economics_module._place(path)
        if spec is None:
            units = economics_module._monthly_units(value)
            continue
        given_value = economics_module._value(spec, value, where)
        if route is not None:
            table = changed_routes.setdefault(route, dict(routes.get(route, ())))
        else:
            table = changed.setdefault(layer, dict(layers.get(layer, ())))
        table[spec.name] = given_value
    if not changed and not changed_routes and units == section.monthly_units:
        return section
    for key, table in changed.items():
        layers[key] = economics_module._ordered(table)
    for route, table in changed_routes.items():
        routes[route] = economics_module._ordered(table)
    ordered = tuple((key, layers[key]) for key in economics_module._LAYER_ORDER if key in layers)
    if len(ordered) != len(layers):
        raise ProfileError("a layer from_dict would not give", field="economics")
    return dataclasses.replace(section, monthly_units=units, layers=ordered, routes=tuple(routes.items()))


_LAID_PATHS = st.sampled_from([path for path in _CELL_PATHS if path[0] not in ("weight_kg", "weight_class", "category")])


@settings(max_examples=200, deadline=None)
@given(
    company=st.sampled_from([c for c in _COMPANIES if c.economics is not None]),
    paths=st.lists(_LAID_PATHS | st.just(("platforms", "temu", "colour")), min_size=1, max_size=7),
    rows=st.lists(st.lists(_CELL_VALUES, min_size=7, max_size=7), min_size=1, max_size=4),
)
def test_numbers_laid_over_a_section_by_a_plan_per_paths_are_the_plain_reading(
    company: SellerProfile, paths: list[tuple[str, ...]], rows: list[list[Any]]
) -> None:
    # Economics.laid_over works out once per paths (a product list's columns) where each number goes and what the
    # section becomes (_laid_plan), and each product's numbers are read and set in those slots: rows in turn on the
    # same paths (a path given twice: the last wins; a path of no number among them), each laid over as plainly,
    # its section (repr: the numbers' very digits) or its error (message, field, value) the same.
    section = company.economics
    assert section is not None
    for values in rows:
        numbers = list(zip(paths, values, strict=False))
        assert _outcome(section.laid_over, numbers) == _outcome(_laid_over_plainly, section, numbers)


_LAID_NUMBERS = st.sampled_from([
    ("unit_cost",), ("semi-managed", "price"), ("fully-managed", "price"), ("fully-managed", "return_rate"), ("price",),
    ("stock_days",),
    ("semi-managed", "return_rate"), ("return_rate",), ("platforms", "temu", "semi-managed", "price"),
    ("platforms", "temu", "return_rate"), ("platforms", "temu", "stock_days"), ("platforms", "tiktok_shop", "commission"),
    ("routes", "temu_y2", "return_rate"), ("routes", "temu_local", "duty_rate"),
])
_LAID_COLUMNS = (
    margins.Column(margins.FULL), margins.Column(margins.SEMI), margins.Column(margins.SEMI, route="temu_y2"),
    margins.Column(margins.FULL, route="temu_local"),
)


@settings(max_examples=150, deadline=None)
@given(
    company=st.sampled_from([c for c in _COMPANIES if c.economics is not None]),
    paths=st.lists(_LAID_NUMBERS, min_size=1, max_size=5),
    rows=st.lists(st.lists(st.sampled_from(["5%", "7%", "12", "3.5"]), min_size=5, max_size=5), min_size=1, max_size=4),
    cleared=st.booleans(),
)
def test_a_products_seller_inputs_laid_over_the_last_shape_are_given_s(
    company: SellerProfile, paths: list[tuple[str, ...]], rows: list[list[str]], cleared: bool
) -> None:
    # margins._laid_inputs: products' numbers laid over their company's section (a number in a layer a later one
    # names again, one twice, a route's own), one after another on the same paths, each platform's and column's
    # seller's inputs from the shape the last products' made are Economics.given's, made ready in its order, and
    # every number not named as changed is the shape's own object (what margins._brief_quick reads by identity).
    section = company.economics
    assert section is not None
    if cleared:
        margins._SELLER_SHAPES.clear()
    for values in rows:
        try:
            economics = section.laid_over(list(zip(paths, values, strict=False)))
        except ProfileError:
            continue
        for platform in margins.PLATFORMS:
            for column in _LAID_COLUMNS:
                try:
                    plain = _given_inputs(economics, platform, column)
                except ProfileError:
                    continue
                try:
                    inputs, names, given_values, shape, changed = margins._seller_inputs(economics, platform, column)
                except ProfileError as error:
                    assert "no " in str(error)  # a required number missing: reported as given() would
                    continue
                assert list(inputs.items()) == list(plain.items())
                assert names == tuple(plain)
                assert list(given_values.items()) == [(name, item.value) for name, item in plain.items()]
                for name in names:
                    if name not in changed:
                        assert inputs[name] is shape.inputs[name] and given_values[name] is shape.values[name]
