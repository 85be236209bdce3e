"""The advice uses the seller's own numbers: margin rules per platform, the generic fee evidence steps back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, SellerProfile, cli, explain

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "margin-home-goods.toml"
GENERIC_FEE_RULES = {"fee_sensitive_favours_semi", "semi_fee_cut_at_launch", "semi_fees_shift_costs"}


def _expected_margin_rule(leader: str, gap_pct: int, open_tips: int = 0) -> str:
    if leader == "even":
        return "own_margin_even"
    # While a number still needed could turn the comparison, a wide gap is strong evidence, never decisive.
    tier = "decisive" if gap_pct >= 50 and not open_tips else "favours" if gap_pct >= 10 else "leans"
    return f"own_margin_{tier}_{leader.replace('-', '_')}"


def test_each_platform_weighs_its_own_margin_and_quotes_the_amounts(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLE)
    comparison = advisor.compare_margins(profile)
    result = advisor.consult(profile)
    for rec, item in zip(result.recommendations, comparison.platforms, strict=True):
        margin = [r for r in rec.reasons if r.rule.startswith("own_margin_")]
        assert [r.rule for r in margin] == [_expected_margin_rule(item.leader, item.gap_pct, item.open_tips)], rec.platform
        assert margin[0].favours == item.leader
        assert item.summary in margin[0].text
        assert f"USD {item.gap_per_month:,.2f} more a month" in margin[0].text


def test_generic_fee_evidence_steps_back_only_when_numbers_are_given(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLE)
    assert profile.fee_sensitivity == "high"
    with_numbers = {f.rule for f in advisor.consult(profile).trace.firings}
    without = {f.rule for f in advisor.consult(profile.with_changes(economics=None)).trace.firings}
    assert not with_numbers & GENERIC_FEE_RULES
    assert GENERIC_FEE_RULES <= without
    assert not any(rule.startswith("own_margin_") for rule in without)


def test_the_numbers_can_change_the_recommendation(advisor: Advisor) -> None:
    # AliExpress at 600 units: semi-managed leaves a little more; at 300 units (below the ~527 break-even)
    # fully-managed does, and a decisive gap swings the platform to fully-managed.
    profile = SellerProfile.from_file(EXAMPLE).with_changes(platforms=("aliexpress",), sea_freight=False, local_warehouse=False)
    assert profile.economics is not None
    data = profile.economics.to_dict()
    data["monthly_units"] = 100
    low_volume = advisor.consult(profile.with_changes(economics=data)).recommendations[0]
    assert {r.rule for r in low_volume.reasons} & {"own_margin_decisive_fully_managed", "own_margin_favours_fully_managed"}
    assert low_volume.model == "fully-managed"


def test_without_economics_the_margin_rules_change_nothing(advisor: Advisor, rules_dir: Path) -> None:
    (rules_dir / "margin.toml").unlink()
    without_margin_rules = Advisor(rules_dir)
    paths = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".toml"))
    for path in paths:
        profile = SellerProfile.from_file(path).with_changes(economics=None)
        ours, theirs = advisor.consult(profile), without_margin_rules.consult(profile)
        assert [r.to_dict() for r in ours.recommendations] == [r.to_dict() for r in theirs.recommendations], path.name
        assert not any(f.field.startswith("margin_") for f in ours.trace.facts if f.kind == "platform")


def test_margin_facts_cannot_be_set_in_platform_data(rules_dir: Path) -> None:
    from sellerexpert import RuleBookError

    path = rules_dir / "platforms.toml"
    path.write_text(
        path.read_text()
        + '\n[platform.temu.facts.margin_leader]\nvalue = "semi-managed"\nas_of = "2026"\nsources = ["seed_p4"]\n'
    )
    with pytest.raises(
        RuleBookError, match="platform.temu.facts.margin_leader: 'margin_leader' is computed from the seller's economics"
    ):
        Advisor(rules_dir)


def test_the_trace_of_a_margin_consultation_audits_clean(runner: CliRunner, tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    assert runner.invoke(cli, ["consult", "-p", str(EXAMPLE), "--trace", str(trace)], catch_exceptions=False).exit_code == 0
    assert runner.invoke(cli, ["audit", str(trace)], catch_exceptions=False).exit_code == 0
    data = json.loads(trace.read_text())
    fact = next(f for f in data["facts"] if f["kind"] == "platform" and f["field"] == "margin_gap_per_month")
    fact["value"] += 1  # an edited computed fact no longer matches what the profile's numbers give
    trace.write_text(json.dumps(data))
    assert runner.invoke(cli, ["audit", str(trace)]).exit_code == 1


# -- the interview asks for the numbers only when the seller knows them ------------------

ALL_ANSWERED = [
    "--platform", "temu", "--target-market", "US", "--operational-capacity", "medium", "--monthly-orders", "600",
    "--local-warehouse", "--sea-freight", "--customer-service", "basic", "--control-priority", "medium",
    "--fast-shipping-expected", "--working-capital", "medium", "--no-bulky-goods", "--company-base", "CN",
]  # fmt: skip


def _interview(runner: CliRunner, fee: str, script: str) -> tuple[dict[str, object], str]:
    result = runner.invoke(
        cli, ["consult", "-i", *ALL_ANSWERED, "--fee-sensitivity", fee, "-f", "json"], input=script, catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_interview_takes_the_numbers_from_a_seller_who_knows_them(runner: CliRunner) -> None:
    # yes; currency; units (0 refused, then 600); unit cost; the supply price (blank refused, then 7.20);
    # the retail price (-3 refused, then 13.99). The rest is estimated or shown as needed.
    script = "yes\nUSD\n0\n600\n3.10\n\n7.20\n-3\n13.99\n"
    data, stderr = _interview(runner, "high", script)
    profile = data["profile"]
    assert isinstance(profile, dict)
    assert profile["economics"] == {
        "currency": "USD",
        "monthly_units": 600,
        "unit_cost": 3.1,
        "fully-managed": {"price": 7.2},
        "semi-managed": {"price": 13.99},
    }
    assert "Sorry, 0 units" in stderr
    assert "This one is needed for the comparison" in stderr
    assert "Sorry, -3 is negative" in stderr
    assert "estimate the rest (duty, fees, payouts) from dated tables" in stderr
    reasons = {r["rule"] for rec in data["recommendations"] for r in rec["reasons"]}  # type: ignore[attr-defined]
    assert any(rule.startswith("own_margin_") for rule in reasons)


def test_interview_skips_the_numbers_when_the_seller_does_not_know_them(runner: CliRunner) -> None:
    data, stderr = _interview(runner, "high", "no\n")
    assert "economics" not in data["profile"]  # type: ignore[operator]
    assert "Do you know your unit cost" in stderr


def test_interview_does_not_ask_when_fees_matter_little(runner: CliRunner) -> None:
    data, stderr = _interview(runner, "low", "")
    assert "economics" not in data["profile"]  # type: ignore[operator]
    assert "Do you know your unit cost" not in stderr


def test_quit_drops_the_numbers(runner: CliRunner) -> None:
    data, stderr = _interview(runner, "medium", "yes\nUSD\nquit\n")
    assert "economics" not in data["profile"]  # type: ignore[operator]
    assert "Leaving your own numbers out." in stderr


def test_why_not_counts_the_margin_too(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLE)
    result = advisor.consult(profile)
    baseline = {r.platform: r.model for r in result.recommendations}
    for part in explain(result.trace, advisor).platforms:
        platform, why_not = part.platform, part.why_not
        assert why_not is not None
        assert why_not.model == baseline[platform]
        cf = why_not.counterfactual
        if cf is None:
            continue
        # The changed profile keeps the seller's numbers, and the engine agrees it flips.
        assert cf.profile["economics"] == profile.to_dict()["economics"]
        assert advisor.consult(cf.profile).recommendation(platform).model == cf.model == why_not.alternative


def test_both_engines_weigh_the_numbers_alike(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLE)
    experta, compiled = advisor.consult(profile), advisor.consult(profile, engine="compiled")
    assert compiled.to_json() == experta.to_json()
    assert compiled.trace.to_json() == experta.trace.to_json()
