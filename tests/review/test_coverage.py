"""Coverage: every rule's count, the split per platform, dead rules, and the counts' determinism.

That coverage's replay agrees with the engine and its counts equal a brute-force run is proven with
the engines' other equivalence tests, in tests/engine/test_evaluator.py (it needs the profile space's
value classes, an internal).
"""

from __future__ import annotations

from pathlib import Path

from conftest import MARGIN_RULES, ROUTE_RULES
from sellerexpert import PLATFORMS, Advisor, CoverageReport, coverage


def test_shipped_coverage_reports_every_rule_and_a_full_split(advisor: Advisor, shipped_coverage: CoverageReport) -> None:
    report = shipped_coverage
    assert [r.rule for r in report.rules] == [r.id for r in advisor.rules.rules]
    # The margin rules wait for a seller's economics, the "not offered" rules for platform data, and the
    # rules the 2026-11-25 corrections silenced for platform data that says otherwise (README).
    never = {
        "fast_payouts_favour_full",
        "platform_emphasises_semi_managed",
        "fully_managed_not_offered",
        "semi_managed_not_offered",
        *MARGIN_RULES,
        "us_local_fulfilment_favours_semi",
        *ROUTE_RULES,
    }
    assert report.never_fire == tuple(rule.id for rule in advisor.rules.rules if rule.id in never)
    assert all(r.possible for r in report.rules if r.total == 0)
    for platform in PLATFORMS:
        assert sum(report.split[platform].values()) == report.space_size
        assert sum(report.basis[platform].values()) == report.space_size
    # Rules that read one unconditioned field fire on exactly its share of the space.
    low = next(r for r in report.rules if r.rule == "low_capacity_favours_full")
    assert low.firings["temu"] * 4 == report.space_size
    assert report.to_dict()["never_fire"] == list(report.never_fire)
    assert "NEVER FIRES" in report.to_text()


def test_a_planted_dead_rule_is_reported(rules_dir: Path) -> None:
    with (rules_dir / "capacity.toml").open("a") as f:
        f.write(
            '\n[[rule]]\nid = "planted_dead"\nstatement = "Never."\nrationale = "Planted."\nsources = ["seed_p1"]\n'
            'when.all = [{ fact = "monthly_orders", op = "lt", value = 10 }, '
            '{ fact = "monthly_orders", op = "gt", value = 20 }]\n'
            'then = { favour = "fully-managed", weight = 1 }\nexamples = [{ profile = {}, fires = false }]\n'
        )
    report = coverage(rules_dir)
    assert "planted_dead" in report.never_fire
    dead = next(r for r in report.rules if r.rule == "planted_dead")
    assert dead.possible is False
    assert "planted_dead (capacity.toml): cannot fire at all" in report.to_text()


def test_coverage_is_deterministic(advisor: Advisor, shipped_coverage: CoverageReport) -> None:
    assert coverage(advisor.rules).to_json() == shipped_coverage.to_json()


def test_rules_on_the_sellers_own_numbers_are_said_to_need_them(shipped_coverage: CoverageReport) -> None:
    text = shipped_coverage.to_text()
    for rule in MARGIN_RULES:
        assert f"{rule} (margin.toml): fires only when the seller gives economics" in text
