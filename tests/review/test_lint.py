"""Lint: the shipped rule base is clean, and planted faults are each found with their file and rule."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from conftest import MARGIN_RULES, ROUTE_RULES
from sellerexpert import LintReport, RuleBookError, due_facts, lint, load_rulebook

REVIEWED = date(2026, 11, 25)
"""The day the shipped platform facts were last reviewed: freshness is judged on it, so the suite does not age."""

RULE = """
[[rule]]
id = "{id}"
statement = "Planted."
zh.statement = "植入的规则。"
rationale = "Planted for a lint test."
zh.rationale = "为 lint 测试植入。"
sources = ["seed_p1"]
when = {when}
then = {then}
examples = [{{ profile = {{}}, fires = false }}]
"""


def _plant(folder: Path, file: str, rule_id: str, when: str, then: str = '{ favour = "fully-managed", weight = 1 }') -> None:
    with (folder / file).open("a", encoding="utf-8") as f:
        f.write(RULE.format(id=rule_id, when=when, then=then))




def _checks(report: LintReport) -> set[tuple[str, str, str | None, str | None]]:
    return {(f.severity, f.check, f.file, f.rule) for f in report.findings}


def test_the_shipped_rule_base_is_lint_clean() -> None:
    report = lint(today=REVIEWED)
    assert report.ok, report.to_text()
    # What remains is information: the "model not offered" rules and those the 2026-11-25 corrections
    # silenced wait for platform data, the margin rules for a seller who gives economics; pairs of gates
    # that can close both models are "neither fits" notes.
    assert {(f.check, f.rule) for f in report.findings if f.check == "platform-data"} == {
        ("platform-data", "fully_managed_not_offered"),
        ("platform-data", "semi_managed_not_offered"),
        ("platform-data", "fast_payouts_favour_full"),
        ("platform-data", "platform_emphasises_semi_managed"),
        ("platform-data", "us_local_fulfilment_favours_semi"),
        *(("platform-data", rule) for rule in MARGIN_RULES),
        *(("platform-data", rule) for rule in ROUTE_RULES),
    }
    assert all("per target market" in f.message for f in report.findings if f.rule in ROUTE_RULES)
    assert all("gives economics" in f.message for f in report.findings if f.rule in MARGIN_RULES)
    assert all(f.severity == "info" for f in report.findings)


def test_planted_faults_are_each_found(rules_dir: Path) -> None:
    _plant(
        rules_dir, "capacity.toml", "low_capacity_favours_full", '{ fact = "operational_capacity", op = "eq", value = "medium" }'
    )
    _plant(
        rules_dir,
        "fees.toml",
        "planted_unsatisfiable",
        '{ all = [{ fact = "fee_sensitivity", op = "eq", value = "low" }, '
        '{ fact = "fee_sensitivity", op = "eq", value = "high" }] }',
    )
    _plant(
        rules_dir,
        "service.toml",
        "planted_exclusion",
        '{ fact = "customer_service", op = "eq", value = "none" }',
        '{ exclude = "fully-managed" }',
    )
    # Nothing cites paragraph 5 any more.
    for path in rules_dir.glob("*.toml"):
        if path.name != "sources.toml":
            text = path.read_text(encoding="utf-8")
            text = re.sub(r'"seed_p5",\s*', "", text)
            text = re.sub(r',\s*"seed_p5"', "", text)
            path.write_text(text.replace('["seed_p5"]', '["delivery_speed"]'), encoding="utf-8")
    report = lint(rules_dir)
    found = _checks(report)
    assert ("error", "duplicate-id", "capacity.toml", "low_capacity_favours_full") in found
    assert ("error", "never-fires", "fees.toml", "planted_unsatisfiable") in found
    # Two constraints closing both models are a defined outcome (neither fits), reported as a note.
    assert ("info", "neither-fits", "capacity.toml", "semi_out_of_reach") in found
    assert ("warning", "uncited-paragraph", None, None) in found
    assert not report.ok
    duplicate = next(f for f in report.findings if f.check == "duplicate-id")
    assert duplicate.line is not None and "first defined at capacity.toml:" in duplicate.message
    both = next(f for f in report.findings if f.check == "neither-fits" and "planted_exclusion" in f.message)
    assert '"customer_service": "none"' in both.message and both.rule == "semi_out_of_reach"
    assert "¶5" in next(f for f in report.findings if f.check == "uncited-paragraph").message


def test_absent_on_an_always_assumed_field_is_dead(rules_dir: Path) -> None:
    _plant(rules_dir, "logistics.toml", "planted_unknown_warehouse", '{ fact = "local_warehouse", op = "absent" }')
    finding = next(f for f in lint(rules_dir).findings if f.rule == "planted_unknown_warehouse")
    assert finding.check == "never-fires"
    assert "assumption 'assume_no_local_warehouse' always fills it first" in finding.message


def test_assumptions_with_different_values_conflict_at_equal_salience(rules_dir: Path) -> None:
    text = (
        '\n[[rule]]\nid = "assume_a_warehouse"\nstatement = "Planted."\nzh.statement = "植入的规则。"\nrationale = "Planted."\n'
        'zh.rationale = "植入的规则。"\nsources = ["seed_p3"]\nsalience = 100\n'
        'when = { fact = "local_warehouse", op = "absent" }\n'
        'then = { assume = "local_warehouse", value = true }\n'
        "examples = [{ profile = {}, fires = false }]\n"
    )
    with (rules_dir / "assumptions.toml").open("a", encoding="utf-8") as f:
        f.write(text)
    found = _checks(lint(rules_dir))
    assert ("error", "conflict", "assumptions.toml", "assume_no_local_warehouse") in found


def test_a_dead_branch_of_an_any_is_a_warning(rules_dir: Path) -> None:
    _plant(
        rules_dir,
        "fees.toml",
        "planted_branch",
        '{ any = [{ fact = "fee_sensitivity", op = "eq", value = "low" }, '
        '{ all = [{ fact = "bulky_goods", op = "eq", value = true }, { fact = "bulky_goods", op = "eq", value = false }] }] }',
    )
    finding = next(f for f in lint(rules_dir).findings if f.rule == "planted_branch")
    assert (finding.severity, finding.check) == ("warning", "dead-branch")
    assert "branch 2" in finding.message


def test_every_schema_error_is_reported_with_file_and_rule(rules_dir: Path) -> None:
    _plant(rules_dir, "fees.toml", "bad_op", '{ fact = "fee_sensitivity", op = "huge", value = "low" }')
    _plant(
        rules_dir,
        "capacity.toml",
        "bad_then",
        '{ fact = "monthly_orders", op = "lt", value = 5 }',
        '{ favour = "fully-managed" }',
    )
    report = lint(rules_dir)
    schema = {(f.file, f.rule) for f in report.findings if f.check == "schema"}
    assert {("fees.toml", "bad_op"), ("capacity.toml", "bad_then")} <= schema
    assert all(f.line is not None for f in report.findings if f.check == "schema")


def test_a_loader_error_is_a_finding(rules_dir: Path) -> None:
    _plant(rules_dir, "fees.toml", "unknown_fact", '{ fact = "fee_sensitivty", op = "eq", value = "low" }')
    finding = next(f for f in lint(rules_dir).findings if f.check == "schema")
    assert (finding.file, finding.rule) == ("fees.toml", "unknown_fact")
    assert finding.line is not None and finding.line > 1
    assert "did you mean 'fee_sensitivity'" in finding.message


def test_a_folder_without_rule_files_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(RuleBookError, match="holds no rule files"):
        lint(tmp_path)


def test_report_shapes_are_deterministic(rules_dir: Path) -> None:
    _plant(
        rules_dir, "capacity.toml", "low_capacity_favours_full", '{ fact = "operational_capacity", op = "eq", value = "medium" }'
    )
    first, second = lint(rules_dir), lint(rules_dir)
    assert first.to_json() == second.to_json()
    assert first.to_dict()["counts"]["error"] == 1
    notes = first.counts()["info"]
    assert first.to_text().splitlines()[-1].endswith(f"FAILED (1 errors, 0 warnings, {notes} notes)")


def test_every_shipped_platform_fact_has_a_review_date_after_its_as_of() -> None:
    for platform in load_rulebook().platforms.values():
        for fact in platform.facts.values():
            assert fact.review_by is not None, f"{platform.id}.{fact.name}"
            assert fact.review_by > fact.as_of, f"{platform.id}.{fact.name}"


def test_a_fact_past_its_review_date_is_a_warning_with_file_and_line(rules_dir: Path) -> None:
    path = rules_dir / "platforms.toml"
    text = path.read_text(encoding="utf-8")
    marker = "[platform.temu.facts.emphasis]"
    head, tail = text.split(marker, 1)
    path.write_text(head + marker + tail.replace('review_by = "2027-05-25"', 'review_by = "2026-01-01"', 1), encoding="utf-8")
    report = lint(rules_dir, today=REVIEWED)
    stale = [f for f in report.findings if f.check == "stale-fact"]
    assert len(stale) == 1 and not report.ok
    assert stale[0].severity == "warning" and stale[0].file == "platforms.toml"
    assert stale[0].line == head.count("\n") + 1
    assert "temu.emphasis (as of 2025-05) was due for review on 2026-01-01" in stale[0].message


def test_a_fact_without_a_review_date_is_always_due(rules_dir: Path) -> None:
    path = rules_dir / "platforms.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('review_by = "2027-11-25"\nsources = ["pricing_power"]', 'sources = ["pricing_power"]', 1), encoding="utf-8"
    )
    due = due_facts(load_rulebook(rules_dir), today=REVIEWED)
    assert [(d.platform, d.fact, d.review_by, d.overdue) for d in due] == [("temu", "semi_seller_sets_price", None, True)]


def test_due_facts_within_a_window(rules_dir: Path) -> None:
    book = load_rulebook()
    assert due_facts(book, today=REVIEWED) == ()
    soon = due_facts(book, today=REVIEWED, within_days=181)
    assert soon and all(d.review_by is not None and d.review_by <= "2027-05-25" and not d.overdue for d in soon)
    tables = ("customs", "terms", "fee")
    assert {d.review_by for d in soon if "." not in d.fact and d.platform not in tables} == {"2027-05-25"}, "platform facts"
    # The landed-cost tables are dated facts too, each with its sources and reliability.
    listed = {(d.platform, d.fact) for d in soon if d.platform in tables}
    assert ("customs", "us_section_122") in listed and ("fee", "temu_full_payout") in listed
    assert all(d.sources and d.confidence in ("official", "press", "explainer") for d in soon if d.platform in tables)
    assert [d.review_by for d in soon] == sorted(d.review_by or "" for d in soon)
    # Routes and where each platform sells are listed as dated facts too ("route.<id>", "presence.<market>").
    everything = len(book.routes) + len(book.presence) + sum(len(p.facts) for p in book.platforms.values())
    everything += len(book.costs.entries())
    assert len(due_facts(book, today=date(2027, 11, 26))) == everything
