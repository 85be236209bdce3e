"""One test per rule: it fires on the facts its examples name, and not otherwise.

Each rule's examples live beside it in rules/; here every example is run
through the engine, and the engine's verdict is checked against the rule's
declarative condition, so the compiled Experta rule and the data agree.

An internal on purpose: an engine-equivalence test. It evaluates each rule's condition (a private
model) on the facts the engine saw, with the example's platform facts put in place of the shipped
ones, which only the advisor's private consultation takes. The rule book's other internals are tested
here on their own for the same reason, cases no rule file can reach: the texts' template filling (a rule
file cannot hold a placeholder no fact fills), the loader's checks called directly (every anchored
schema pattern, a rule id checked even without the schema, a condition too large to count in text) and a
route's requirements checked against a seller's terms (open, closed or unknown on the seller's own answer).
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerexpert import Advisor, RuleBookError, SellerProfile, load_rulebook
from sellerexpert._profile.conditions import AllOf, AnyOf, Leaf, evaluate, magnitude
from sellerexpert._rulebook.checks import check_condition, check_rule_id
from sellerexpert._rulebook.routes import SellerTerms, check_route, region
from sellerexpert._rulebook.rulebook import Rule
from sellerexpert._rulebook.schema import whole_string_validator
from sellerexpert._rulebook.templates import render

BOOK = load_rulebook()
RULES = BOOK.rules


def _facts_seen(result: Any, rule: Rule, platform: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """Known facts as the rule saw them: given fields, assumed fields, and the platform's facts."""
    facts = {k: v for k, v in result.profile.to_dict().items() if k not in ("name", "platforms")}
    for firing in result.trace.firings:
        for fact in firing.asserted:
            if fact.kind == "seller":
                facts.setdefault(fact.field, fact.value)
    if rule.scope == "platform":
        facts.update(BOOK.platforms[platform or "temu"].fact_values())
        # The facts computed for the consultation (a market's route facts), as the trace recorded them.
        facts.update(
            {
                f"platform.{f.field}": f.value
                for f in result.trace.facts
                if f.kind == "platform" and f.platform == (platform or "temu")
            }
        )
        facts.update({f"platform.{k}": v for k, v in overrides.items()})
    given = result.profile.to_dict()
    if rule.then.kind == "assume" and rule.then.fact not in given:
        facts.pop(rule.then.fact or "", None)  # the rule saw the field before it filled it
    return facts


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_fires_exactly_on_its_examples(advisor: Advisor, rule: Rule) -> None:
    assert any(ex.fires for ex in rule.examples), "every rule needs an example on which it fires"
    for example in rule.examples:
        profile = SellerProfile.from_dict(example.profile)
        platforms = (example.platform,) if example.platform else profile.platforms
        profile = profile.with_changes(platforms=platforms)
        result = advisor._consult(profile, platform_overrides={p: example.platform_facts for p in platforms})
        firings = [f for f in result.trace.firings if f.rule == rule.id]
        assert bool(firings) == example.fires, f"{rule.id}: example {dict(example.profile)} on {platforms}"
        if rule.scope == "platform":
            assert len({f.platform for f in firings}) == len(firings), "a rule fires at most once per platform"
        facts = _facts_seen(result, rule, platforms[0], dict(example.platform_facts))
        assumed = {a.field for a in result.recommendations[0].assumptions if a.rule is not None}
        assert evaluate(rule.when, facts, assumed) == example.fires, f"{rule.id}: the declarative condition disagrees"


# Files a pack can do without and still decide: the fees rules, the assumptions, the platforms, the
# emphasis and the policy stay.
_NOT_NEEDED = ("control", "markets", "service", "routes", "eligibility", "landed", "capacity", "logistics", "margin")


@pytest.mark.parametrize(
    "whole",
    # The pack without the files the fees rules do not need checks its examples in a tenth of the time;
    # the whole pack in the slow set.
    [pytest.param(False, id="fees-pack"), pytest.param(True, id="whole-pack", marks=pytest.mark.slow)],
)
def test_check_examples_reports_a_wrong_example(rules_dir: Any, whole: bool) -> None:
    if not whole:
        for name in _NOT_NEEDED:
            (rules_dir / f"{name}.toml").unlink()
    path = rules_dir / "fees.toml"
    path.write_text(
        path.read_text().replace(
            '{ profile = { fee_sensitivity = "low" }, fires = true }',
            '{ profile = { fee_sensitivity = "medium" }, fires = true }',
        )
    )
    failures = Advisor(rules_dir).check_examples()
    assert [(f.rule, f.expected) for f in failures] == [("fee_insensitive_favours_full", True)]
    assert "fee_insensitive_favours_full" in str(failures[0])


@pytest.mark.slow  # every rule's examples again: the default run holds them rule by rule above
def test_shipped_examples_all_hold(advisor: Advisor) -> None:
    assert advisor.check_examples() == []


def test_templates_fill_in_names_and_write_values_in_the_text_s_language() -> None:
    assert render("在 {platform.name}，{x}。", {"platform.name": "速卖通"}, lang="zh") == "在速卖通，未知。"
    assert render("On {platform.name} we", {"platform.name": "速卖通"}) == "On 速卖通 we"
    assert render("{platform.offers_fully_managed} {x}", {"platform.offers_fully_managed": True}, lang="zh") == "是 未知"
    assert render("{platform.offers_fully_managed} {x}", {"platform.offers_fully_managed": True}) == "yes unknown"


# -- the rule book's checks, called directly (tests/rulebook/test_rule_ids.py drives them through files) --


def _schema(name: str) -> dict[str, Any]:
    return json.loads((resources.files("sellerexpert") / "schemas" / name).read_text("utf-8"))  # type: ignore[no-any-return]


def _patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(item) for item in node))
    return set()


ANCHORED = sorted(p for name in ("rulefile-1.json", "trace-1.json") for p in _patterns(_schema(name)) if p.endswith("$"))


@pytest.mark.parametrize("pattern", ANCHORED)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_anchored_schema_pattern_matches_the_whole_string(pattern: str, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(re.compile(pattern.replace("$", r"\Z")), fullmatch=True))
    validator = whole_string_validator({"type": "string", "pattern": pattern})
    assert validator.is_valid(text)
    assert not validator.is_valid(text + "\n")
    assert not validator.is_valid(text + "\r\n")


@pytest.mark.parametrize("rule_id", ["fee_high\n", "Fee_high", "fee-high", "", "fee high"])
def test_the_loader_checks_a_rule_id_whole_even_without_the_schema(rule_id: str) -> None:
    """Internal on purpose: the loader's own check, which holds even if the schema check were skipped."""
    with pytest.raises(RuleBookError, match="is not a rule id"):
        check_rule_id(rule_id, {"path": "x.toml", "rule_id": rule_id})


def test_magnitude_is_exact_past_python_digit_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = (1, 9, 10, 99, 10**4299, 10**4300, 10**5000 - 1, 10**5000, 2**20_000, 3**30_000)
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # to count the digits the plain way, for comparison
    try:
        expected = [len(str(number)) - 1 for number in numbers]
    finally:
        sys.set_int_max_str_digits(digits)
    assert [magnitude(number) for number in numbers] == expected


def test_a_condition_past_4300_digits_of_alternatives_is_one_clear_error() -> None:
    """Internal on purpose: the check itself, fast (the whole rule file takes seconds; see the slow test)."""
    leaf = Leaf("bulky_goods", "present", None, False)
    when = AllOf(tuple(AnyOf((leaf, leaf, leaf)) for _ in range(9100)))
    with pytest.raises(RuleBookError) as caught:
        check_condition(when, {}, {"path": "bomb.toml", "rule_id": "bomb"})
    assert str(caught.value) == (
        "bomb.toml: rule 'bomb': when: the condition expands to about 10^4341 alternatives (at most 64): "
        "split the rule, or move 'any' lists out of 'all'"
    )


# -- a route's requirements, checked directly against a seller's terms ------------------------------------


def test_a_requirement_closes_only_on_the_sellers_own_answer() -> None:
    book = load_rulebook()
    y2 = next(r for r in book.routes if r.id == "temu_y2")
    unknown = check_route(y2, "US", "the US", SellerTerms.of(SellerProfile()))
    assert unknown.status == "unknown" and "where your company is registered" in unknown.needs[0]
    closed = check_route(y2, "US", "the US", SellerTerms.of(SellerProfile(company_base="US")))
    assert closed.status == "closed"
    assert check_route(y2, "US", "the US", SellerTerms.of(SellerProfile(company_base="CN"))).status == "open"
    assert region("DE") == "EU" and region("US") == "US"
