"""One test per rule: it fires on the facts its examples name, and not otherwise.

Each rule's examples live beside it in rules/; here every example is run
through the engine, and the engine's verdict is checked against the rule's
declarative condition, so the compiled Experta rule and the data agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from sellerexpert import Advisor, SellerProfile, load_rulebook
from sellerexpert._profile.conditions import evaluate
from sellerexpert._rulebook.rulebook import Rule

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
