"""Landed cost per route and market: the dated tables, estimates that say where they come from, numbers
still needed (never a silent 0), scenarios, break-evens, the advice that weighs it, and bad input."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import (
    Advisor,
    Interview,
    ProfileError,
    RuleBookError,
    SellerProfile,
    ask_own_numbers,
    cli,
    conduct_interview,
    due_facts,
    lint,
    load_rulebook,
    use_language,
    write_chart,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STARTER = EXAMPLES / "margin-starter.toml"
TODAY = date(2026, 12, 6)


def _starter() -> dict[str, Any]:
    return SellerProfile.from_file(STARTER).to_dict()


def _compare(advisor: Advisor, data: dict[str, Any]) -> Any:
    return advisor.compare_margins(SellerProfile.from_dict(data), today=TODAY)


def _line(model: Any, key: str) -> Any:
    return model.line(key)


# -- the tables ---------------------------------------------------------------------


def test_every_table_entry_is_dated_sourced_and_rated(advisor: Advisor) -> None:
    costs = advisor.rules.costs
    entries = costs.entries()
    assert len(costs.customs) >= 15 and len(costs.terms) == len(advisor.rules.routes) and costs.fees
    for entry in entries:
        assert entry.as_of and entry.review_by and entry.sources, entry.id
        assert entry.reliability in ("official", "press", "explainer"), entry.id
        assert all(source in advisor.rules.sources for source in entry.sources), entry.id
        assert entry.review_by > entry.as_of, entry.id  # ISO dates (a year, a month or a day) compare as text
    # Every market the research names a customs rule for has one, for parcels and for bulk imports.
    for market in ("US", "DE", "FR", "UK", "MX", "BR"):
        assert costs.customs_for(market, "parcel") and costs.customs_for(market, "bulk"), market


def test_no_table_invents_a_temu_commission(advisor: Advisor) -> None:
    # The research: no source gives Temu a percentage commission; do not encode one.
    temu = {route.id for route in advisor.rules.routes if route.platform == "temu"}
    for fee in advisor.rules.costs.fees:
        if temu & set(fee.routes):
            assert "commission" not in fee.numbers, fee.id


def test_the_eu_duty_and_the_us_surcharge_are_as_the_research_says(advisor: Advisor) -> None:
    costs = advisor.rules.costs
    eu = next(c for c in costs.customs if c.id == "eu_item_duty")
    assert (eu.amount.amount, eu.amount.currency, eu.up_to.amount) == (Decimal(3), "EUR", Decimal(150))  # type: ignore[union-attr]
    assert eu.covers("DE") and eu.covers("FR") and not eu.covers("UK")
    surcharge = next(c for c in costs.customs if c.id == "us_section_122")
    assert surcharge.until == "2026-07-24" and surcharge.stale(TODAY) and not surcharge.stale(date(2026, 7, 1))
    mexico = next(c for c in costs.customs if c.id == "mx_courier_china")
    assert mexico.rate is not None and mexico.rate.base == Decimal("0.335")


def test_lint_lists_each_table_entry_and_warns_when_one_is_past_review(rules_dir: Path) -> None:
    listed = {(d.platform, d.fact) for d in due_facts(load_rulebook(rules_dir), today=date(2030, 1, 1))}
    assert ("customs", "eu_item_duty") in listed and ("terms", "temu_y2") in listed and ("fee", "tiktok_us_seller_fees") in listed
    path = rules_dir / "landed.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'review_by = "2027-01-31"\nsources = ["mx_courier_duty"]',
            'review_by = "2026-01-31"\nsources = ["mx_courier_duty"]',
            1,
        )
    )
    report = lint(rules_dir, today=TODAY)
    stale = [f for f in report.findings if f.check == "stale-fact"]
    assert any("mx_courier_china" in f.message and "2026-01-31" in f.message for f in stale), stale
    assert all(f.file == "landed.toml" for f in stale if "mx_courier" in f.message)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (('sources = ["eu_parcel_fees", "eu_duty_in_force"]', 'sources = ["eu_parcel_fess"]'), "unknown source 'eu_parcel_fess'"),
        (
            ('routes = ["temu_full"]\npayout_delay_days', 'routes = ["temu_fulll"]\npayout_delay_days'),
            "unknown route 'temu_fulll'",
        ),
        (
            (
                'reliability = "official"\n\n[[customs]]\nid = "us_bulk_duty"',
                'reliability = "rumour"\n\n[[customs]]\nid = "us_bulk_duty"',
            ),
            "rumour",
        ),
        (('id = "us_bulk_duty"', 'id = "us_parcel_duty"'), "defined twice"),
    ],
    ids=["unknown source", "unknown route", "reliability", "duplicate id"],
)
def test_a_broken_table_entry_is_refused_naming_the_file(rules_dir: Path, edit: tuple[str, str], words: str) -> None:
    path = rules_dir / "landed.toml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules_dir)
    assert "landed.toml" in str(caught.value) and words in str(caught.value)


# -- what margin prints -------------------------------------------------------------


def test_margin_on_the_starter_prints_duty_estimates_scenarios_and_break_evens(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["margin", "-p", str(STARTER)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "counted as 0" not in text
    for words in (
        "Temu in the US:",
        "Temu in Germany: only fully-managed is open for you here",
        "AliExpress in Germany:",
        "TikTok Shop in Germany:",
        "Duty and customs fees",
        "Estimates (from the dated tables",
        "EUR 3 fixed customs duty per item",
        "as of 2025-12-18",
        "Past its end date (2026-07-24) unless renewed",
        "Numbers still needed (not counted above):",
        "stays ahead unless it passes",
        "Scenarios (contribution a month; needed numbers not counted):",
        "optimistic",
        "conservative",
        "Lowest declared price at which fully-managed still leaves more (price-review floor): USD",
        "Most ad spend per unit at which semi-managed still leaves more",
    ):
        assert words in text, words
    # An estimated cell is marked, a needed one says so, a cost the platform bears shows a dash.
    duty = next(line for line in text.splitlines() if line.strip().startswith("Duty and customs fees"))
    assert "~" in duty
    assert any(line.strip().startswith("Freight to the warehouse") and "needed" in line for line in text.splitlines())


def test_margin_json_marks_every_line_estimate_source_date_and_needed(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(cli, ["margin", "-p", str(STARTER), "-f", "json"], catch_exceptions=False).stdout)
    markets = {(m["platform"], m["market"]) for m in data["markets"]}
    assert markets == {(p, m) for p in ("temu", "aliexpress", "tiktok_shop") for m in ("US", "DE")}
    lines = [
        line
        for item in data["markets"]
        for model in item["models"].values()
        for section in ("per_unit", "per_month", "cash")
        for line in model[section]
    ]
    for line in lines:
        assert {"estimate", "source", "as_of", "needed", "stale", "reliability", "basis"} <= set(line)
        assert line["needed"] == (line["value"] is None)
        if line["estimate"]:
            assert line["source"] and line["as_of"] and line["sources"]
    assert any(line["needed"] for line in lines) and any(line["estimate"] for line in lines)
    de = next(m for m in data["markets"] if (m["platform"], m["market"]) == ("aliexpress", "DE"))
    semi = {line["key"]: line for line in de["models"]["semi-managed"]["per_unit"]}
    # EUR 3 at 1.08 a euro, on a parcel worth less than EUR 150: USD 3.24 a unit.
    assert semi["duty"]["value"] == -3.24 and semi["duty"]["source"] == "customs.eu_item_duty"
    assert semi["commission"]["estimate"] and semi["commission"]["source"] == "fee.aliexpress_seller_commission"
    assert [s["case"] for s in de["scenarios"]] == ["base", "optimistic", "conservative"]
    assert set(de["break_evens"]) >= {"price_floor", "max_ads_per_unit", "max_affiliate_commission"}


def test_the_same_input_gives_byte_identical_json(advisor: Advisor) -> None:
    first = _compare(advisor, _starter()).to_json()
    assert _compare(advisor, _starter()).to_json() == first


# -- the arithmetic's promises ------------------------------------------------------


def test_an_estimate_replaced_by_the_sellers_number_changes_only_that_line(advisor: Advisor) -> None:
    before = _compare(advisor, _starter()).platform("aliexpress", "US").model("semi-managed")
    data = _starter()
    data["economics"]["routes"] = {"aliexpress_choice_semi": {"commission": 0.12}}
    after = _compare(advisor, data).platform("aliexpress", "US").model("semi-managed")
    assert _line(before, "commission").estimate and not _line(after, "commission").estimate
    changed = {
        a.key for a, b in zip((*before.per_unit, *before.cash), (*after.per_unit, *after.cash), strict=True) if a.value != b.value
    }
    # The commission and the total it adds up to; nothing else (the payout's days are still needed here).
    assert changed == {"commission", "contribution_per_unit"}


def test_the_price_review_floor_is_where_the_two_contributions_meet(advisor: Advisor) -> None:
    item = _compare(advisor, _starter()).platform("temu", "US")
    floor = item.break_evens.price_floor
    assert floor is not None
    data = _starter()
    data["economics"]["fully-managed"]["price"] = float(floor)
    again = _compare(advisor, data).platform("temu", "US")
    full, semi = (m.contribution_per_month for m in again.models)
    assert abs(full - semi) <= Fraction(300, 100)  # the floor is rounded to the cent: at most a cent a unit apart
    below = copy.deepcopy(data)
    below["economics"]["fully-managed"]["price"] = float(floor) - 0.05
    lower = _compare(advisor, below).platform("temu", "US")
    assert lower.models[0].contribution_per_month < lower.models[1].contribution_per_month


def test_a_tipping_value_is_where_the_leader_stops_leading(advisor: Advisor) -> None:
    item = _compare(advisor, _starter()).platform("temu", "US")
    tips = [n for n in item.needed if n.can_tip and n.name == "freight_per_unit"]
    assert tips and tips[0].model == item.leader
    data = _starter()
    data["economics"].setdefault(item.leader, {})["freight_per_unit"] = float(tips[0].tips_at) + 0.02
    turned = _compare(advisor, data).platform("temu", "US")
    assert turned.leader != item.leader


_COSTS = {
    "freight_per_unit": st.decimals(min_value=0, max_value=5, places=2),
    "last_mile_per_order": st.decimals(min_value=0, max_value=5, places=2),
    "return_rate": st.decimals(min_value=0, max_value=Decimal("0.5"), places=3),
    "duty_rate": st.decimals(min_value=0, max_value=Decimal("0.5"), places=3),
    "ads_per_unit": st.decimals(min_value=0, max_value=3, places=2),
    "affiliate_commission": st.decimals(min_value=0, max_value=Decimal("0.3"), places=3),
    "payment_fee": st.decimals(min_value=0, max_value=Decimal("0.05"), places=3),
    "fine_rate": st.decimals(min_value=0, max_value=Decimal("0.05"), places=3),
    "late_share": st.decimals(min_value=0, max_value=Decimal("0.2"), places=3),
    "vat_rate": st.decimals(min_value=0, max_value=Decimal("0.25"), places=3),
    "stock_days": st.integers(min_value=0, max_value=200),
    "payout_delay_days": st.integers(min_value=0, max_value=120),
}


@pytest.mark.parametrize("share", SCALES)
def test_raising_any_cost_never_raises_a_routes_contribution(share: float) -> None:
    @settings(max_examples=scaled(40, share), deadline=None)
    @given(
        st.sampled_from(sorted(_COSTS)),
        st.sampled_from(["fully-managed", "semi-managed"]),
        st.data(),
    )
    def check(cost: str, model: str, draw: st.DataObject) -> None:
        advisor = _ADVISOR
        data = _starter()
        data["economics"]["cost_of_capital"] = "10%"
        low = draw.draw(_COSTS[cost])
        high = low + draw.draw(_COSTS[cost])
        if cost.endswith("_rate") or cost in ("affiliate_commission", "payment_fee", "late_share"):
            high = min(high, Decimal("0.6"))
        if cost.endswith("_days"):
            high = min(high, 365)
        before, after = copy.deepcopy(data), copy.deepcopy(data)
        before["economics"].setdefault(model, {})[cost] = str(low)
        after["economics"].setdefault(model, {})[cost] = str(high)
        for one, two in zip(_compare(advisor, before).markets, _compare(advisor, after).markets, strict=True):
            for m1, m2 in zip(one.models, two.models, strict=True):
                assert m2.contribution_per_month <= m1.contribution_per_month, (one.platform, one.market, m1.model, cost)

    check()


_ADVISOR = Advisor()


def test_scenarios_bracket_the_base_case(advisor: Advisor) -> None:
    data = _starter()
    data["economics"]["semi-managed"]["price"] = [10.99, 11.99, 12.99]  # the seller's own range
    comparison = _compare(advisor, data)
    for item in comparison.markets:
        if not item.compared:
            continue
        base, optimistic, conservative = item.scenarios
        for index in range(2):
            assert conservative.contributions[index] <= base.contributions[index] <= optimistic.contributions[index]
    aliexpress = comparison.platform("aliexpress", "US")
    # The optimistic case takes the high end of the price and the low end of the table's commission range.
    assert aliexpress.scenarios[1].contributions[1] > aliexpress.scenarios[0].contributions[1]


# -- the advice weighs it -----------------------------------------------------------


def test_the_advice_weighs_the_landed_cost_as_strong_not_decisive_while_numbers_are_needed(advisor: Advisor) -> None:
    result = advisor.consult(SellerProfile.from_file(STARTER))
    rules = {r.rule for rec in result.recommendations for r in rec.reasons}
    assert any(rule.startswith("own_margin_favours_") for rule in rules), rules
    assert not any(rule.startswith("own_margin_decisive_") for rule in rules)
    assert all(rec.basis != "own-numbers" for rec in result.recommendations)
    complete = advisor.consult(SellerProfile.from_file(EXAMPLES / "margin-home-goods.toml"))
    assert any(r.rule.startswith("own_margin_decisive_") for rec in complete.recommendations for r in rec.reasons)


def test_both_engines_weigh_the_landed_cost_alike(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(STARTER)
    experta, compiled = advisor.consult(profile), advisor.consult(profile, engine="compiled")
    assert compiled.to_json() == experta.to_json()
    assert compiled.trace.to_json() == experta.trace.to_json()


# -- bad input: one line naming the field, exit 2 ----------------------------------


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_negative_duty_rate_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    data = _starter()
    data["economics"]["duty_rate"] = -0.05
    result = runner.invoke(cli, ["margin", "-p", str(_write(tmp_path, data))])
    assert result.exit_code == 2
    assert "economics.duty_rate" in result.stderr and "negative" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_market_with_no_customs_table_asks_for_the_duty_rate(runner: CliRunner, tmp_path: Path) -> None:
    data = _starter()
    data.update(target_markets=["JP"], stock_markets=["JP"], local_warehouse=True, local_entity=True, platforms=["temu"])
    result = runner.invoke(cli, ["margin", "-p", str(_write(tmp_path, data))])
    assert result.exit_code == 2, result.stdout
    assert "no customs table for JP" in result.stderr and "duty_rate" in result.stderr
    data["economics"]["duty_rate"] = 0.05
    assert runner.invoke(cli, ["margin", "-p", str(_write(tmp_path, data))]).exit_code == 0


def test_a_table_in_another_currency_needs_an_exchange_rate(runner: CliRunner, tmp_path: Path, advisor: Advisor) -> None:
    data = _starter()
    del data["economics"]["exchange_rates"]
    result = runner.invoke(cli, ["margin", "-p", str(_write(tmp_path, data))])
    assert result.exit_code == 2
    assert "economics.exchange_rates.EUR" in result.stderr and "EUR" in result.stderr and "USD" in result.stderr
    with pytest.raises(ProfileError) as caught:
        _compare(advisor, data)
    assert caught.value.field == "economics.exchange_rates.EUR"


@pytest.mark.parametrize(
    ("economics", "field"),
    [
        ({"exchange_rates": {"EUR": 0}}, "economics.exchange_rates.EUR"),
        ({"exchange_rates": {"euro": 1.1}}, "economics.exchange_rates.euro"),
        ({"price_cut": 1}, "economics.price_cut"),
        ({"routes": {"temu_y3": {"price": 5}}}, "economics.routes.temu_y3"),
        ({"semi-managed": {"price": [12, 11]}}, "economics.semi-managed.price"),
        ({"commission": 0.5, "affiliate_commission": 0.4, "payment_fee": 0.2}, "commission"),
    ],
    ids=["rate 0", "not a code", "price cut 100%", "unknown route", "range backwards", "shares over 100%"],
)
def test_bad_landed_numbers_name_their_field(runner: CliRunner, tmp_path: Path, economics: dict[str, Any], field: str) -> None:
    data = _starter()
    for key, value in economics.items():
        if isinstance(value, dict) and isinstance(data["economics"].get(key), dict):
            data["economics"][key].update(value)
        else:
            data["economics"][key] = value
    result = runner.invoke(cli, ["margin", "-p", str(_write(tmp_path, data))])
    assert result.exit_code == 2, result.stdout
    assert field in result.stderr and "Traceback" not in result.stderr


def test_the_readmes_margin_excerpt_is_the_real_output(runner: CliRunner) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    marker = "<!-- margin-starter excerpt"
    assert marker in readme
    block = readme.split(marker, 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    output = runner.invoke(cli, ["margin", "-p", str(STARTER)], catch_exceptions=False).stdout.splitlines()
    for line in block.splitlines():
        assert line in output, line


# -- the interview asks for numbers only where they could change the advice ---------


def _asks_for_numbers(advisor: Advisor, profile: SellerProfile) -> bool:
    """Whether the interview, its questions done, asks this seller for their own numbers."""
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        raise EOFError  # the seller stops there: the profile comes back as it was

    assert ask_own_numbers(advisor, profile, ask, lambda _text: None) == profile
    return bool(prompts)


def test_numbers_are_asked_for_only_where_they_could_change_the_advice(advisor: Advisor) -> None:
    shop = SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml")
    assert _asks_for_numbers(advisor, shop)
    assert not _asks_for_numbers(advisor, shop.with_changes(fee_sensitivity="low"))
    assert not _asks_for_numbers(advisor, SellerProfile.from_file(STARTER))  # it has numbers already
    # Temu in Germany, for a Chinese seller with no stock there: only fully-managed is open, money cannot move it.
    only_full = SellerProfile.from_dict(
        {"platforms": ["temu"], "target_markets": ["DE"], "company_base": "CN", "local_warehouse": False,
         "stock_markets": [], "fee_sensitivity": "high"}
    )  # fmt: skip
    assert not _asks_for_numbers(advisor, only_full)


def test_the_interview_skips_the_numbers_question_when_they_could_not_change_anything(runner: CliRunner) -> None:
    args = ["consult", "-i", "--platform", "temu", "--target-market", "DE", "--company-base", "CN", "--no-local-warehouse",
            "--fee-sensitivity", "high", "-f", "json"]  # fmt: skip
    result = runner.invoke(cli, args, input="\n" * 40, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "Do you know your unit cost" not in result.stderr


def test_the_chart_draws_a_panel_per_platform_and_market_with_the_scenarios(advisor: Advisor, tmp_path: Path) -> None:
    path = tmp_path / "margin.svg"
    write_chart(_compare(advisor, _starter()), path)
    svg = path.read_text(encoding="utf-8")
    for words in ("Temu in the US", "AliExpress in Germany", "scenarios: conservative to optimistic", "your 300 units"):
        assert words in svg, words


def _own_numbers(advisor: Advisor, ask: Callable[[str], str], told: list[str]) -> SellerProfile:
    """The numbers dialogue for a shop whose numbers could change the advice (the one-person shop)."""
    shop = SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml")
    profile = ask_own_numbers(advisor, shop, ask, told.append)
    assert told[0] == ""  # a blank line sets the numbers apart from the questions before them
    del told[0]
    return profile


def test_asking_why_the_numbers_gets_an_answer_then_the_question_again(advisor: Advisor) -> None:
    replies = iter(["为什么", "是", "USD", "600", "3.10", "7.20", "13.99"])
    told: list[str] = []
    with use_language("zh"):
        profile = _own_numbers(advisor, lambda _prompt: next(replies), told)
    assert profile.economics is not None and profile.economics.monthly_units == 600
    assert any("至少有一个平台的建议还没定下来" in line for line in told)
    assert sum(line.startswith("你知道自己的单件成本") for line in told) == 2


def test_a_chart_without_a_chinese_font_never_draws_chinese_names(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager

    # A system with matplotlib's own font only: none with Chinese glyphs.
    latin = [entry for entry in font_manager.fontManager.ttflist if entry.name == "DejaVu Sans"]
    assert latin, "matplotlib ships DejaVu Sans"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    comparison = advisor.compare_margins(SellerProfile.from_file(STARTER), lang="zh", today=TODAY)
    path = tmp_path / "margin.svg"
    with use_language("zh"):
        write_chart(comparison, path)
    svg = path.read_text(encoding="utf-8")
    assert "temu (US)" in svg and "aliexpress (DE)" in svg
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in svg)


QUIT_WORDS = ("quit", "q", "stop", "done", "exit", "退出", "结束", "停止", "停", "不问了")
WHY_WORDS = ("why", "w", "why?", "为什么", "为啥", "为何", "为什么问", "为什么？")
"""The interview's words for quitting and for asking why, in English and Chinese."""


def test_the_numbers_dialogue_takes_the_interviews_answer_words(advisor: Advisor) -> None:
    # One set of answer words: quitting or asking why works the same in the interview and in its numbers questions.
    shop = SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml")
    for word in QUIT_WORDS:
        said: list[str] = []
        assert conduct_interview(Interview(advisor), _replies(word), said.append) is False, word
        told: list[str] = []
        assert _own_numbers(advisor, _replies("yes", word), told) == shop, word
        assert "Leaving your own numbers out." in told, word
    for word in WHY_WORDS:
        said = []
        conduct_interview(Interview(advisor), _replies(word, "quit"), said.append)
        assert any(line.startswith("Why I ask") for line in said), word
        told = []
        assert _own_numbers(advisor, _replies(word, "no"), told) == shop, word
        assert len(told) == 3, f"{word}: the question, why, the question again"


def _replies(*replies: str) -> Callable[[str], str]:
    """A seller typing ``replies`` in turn at the prompts."""
    queue = iter(replies)
    return lambda _prompt: next(queue)


def test_the_public_api_asks_for_the_numbers_only_where_they_could_change_the_advice(advisor: Advisor) -> None:
    from sellerexpert import ask_own_numbers

    shop = SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml")
    told: list[str] = []
    calm = shop.with_changes(fee_sensitivity="low")
    assert ask_own_numbers(advisor, calm, _replies(), told.append) is calm and told == [], "nothing asked"
    assert ask_own_numbers(advisor, shop, _replies("no"), told.append) is shop, "the seller does not know them"
    assert told[0] == "" and "unit cost" in told[1]
    numbers = ask_own_numbers(advisor, shop, _replies("yes", "USD", "600", "3.10", "7.20", "13.99"), told.append)
    assert numbers.economics is not None and numbers.economics.monthly_units == 600
    assert numbers.with_changes(economics=None) == shop, "only the economics section is added"

    def ended(_prompt: str) -> str:
        raise EOFError

    assert ask_own_numbers(advisor, shop, ended, told.append) is shop, "end of input leaves the numbers out"
