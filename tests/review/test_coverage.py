"""Coverage: the declarative replay agrees with the engine, and the counts are exact."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from conftest import MARGIN_RULES, ROUTE_RULES, SCALES, scaled
from sellerexpert import MODELS, PLATFORMS, Advisor, CoverageReport, ProfileError, coverage
from sellerexpert._engine.space import ABSENT, ProfileSpace
from sellerexpert._review.coverage import Simulator


def _profile(values: dict[str, object]) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items() if v is not ABSENT}


def _without_routes(rules_dir: Path) -> Advisor:
    """The shipped rule book without its routes: what coverage counts (route facts are computed per market).

    The landed-cost tables name routes, so they go with them."""
    (rules_dir / "routes.toml").unlink()
    (rules_dir / "landed.toml").unlink()
    return Advisor(rules_dir)


@pytest.mark.parametrize("share", SCALES)
def test_simulator_agrees_with_the_engine_on_a_sample(rules_dir: Path, share: float) -> None:
    advisor = _without_routes(rules_dir)
    simulator = Simulator(advisor.rules)
    space = ProfileSpace(advisor.rules)
    rng = random.Random(20261125)
    for _ in range(scaled(60, share)):
        profile = _profile({name: rng.choice(rng.choice(classes).members) for name, classes in space.fields.items()})
        try:
            result = advisor.consult(profile)
        except ProfileError:
            continue  # answers that contradict each other are refused before any rule runs
        replay = simulator.consult(profile)
        seller = sorted(f.rule for f in result.trace.firings if f.platform is None)
        assert seller == sorted(replay.seller_fired), profile
        for rec in result.recommendations:
            fired = sorted(f.rule for f in result.trace.firings if f.platform == rec.platform and f.rule != "decide")
            outcome = replay.platforms[rec.platform]
            assert fired == sorted(outcome.fired), (profile, rec.platform)
            assert (rec.model, rec.confidence, rec.basis) == (
                outcome.decision.model,
                outcome.decision.confidence,
                outcome.decision.basis,
            ), (profile, rec.platform)


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


@pytest.fixture
def small_pack(rules_dir: Path) -> Path:
    """The assumptions, the platform rules and a few rules on capacity and logistics: small enough to brute-force."""
    for name in ("control.toml", "fees.toml", "markets.toml", "service.toml", "routes.toml", "eligibility.toml", "landed.toml"):
        (rules_dir / name).unlink()
    for name, keep in (("capacity.toml", "_capacity_favours_"), ("logistics.toml", "no_logistics_favours_full")):
        head, *rules = (rules_dir / name).read_text().split("[[rule]]")
        (rules_dir / name).write_text(head + "".join("[[rule]]" + r for r in rules if keep in r.split("\n")[1]))
    return rules_dir


def test_counts_equal_a_brute_force_run_of_the_engine(small_pack: Path) -> None:
    advisor = Advisor(small_pack)
    report = coverage(advisor)
    space = ProfileSpace(advisor.rules)
    read = [name for name, classes in space.fields.items() if len(classes) > 1]
    rest = report.space_size
    for name in read:
        rest //= space.raw_size(name)
    fired: dict[tuple[str, str], int] = {}
    split = {p: dict.fromkeys(MODELS, 0) for p in PLATFORMS}
    for combo in itertools.product(*(space.fields[name] for name in read)):
        weight = rest
        for value_class in combo:
            weight *= value_class.weight
        result = advisor.consult(_profile(dict(zip(read, (c.value for c in combo), strict=True))))
        for firing in {(f.rule, f.platform or "*") for f in result.trace.firings if f.rule != "decide"}:
            fired[firing] = fired.get(firing, 0) + weight
        for rec in result.recommendations:
            split[rec.platform][rec.model] += weight
    for rule in report.rules:
        for platform, count in rule.firings.items():
            assert fired.get((rule.rule, platform), 0) == count, (rule.rule, platform)
    assert {p: dict(m) for p, m in report.split.items()} == split


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
