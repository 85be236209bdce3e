"""rules lint and rules coverage on the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sellerexpert import CoverageReport, cli, lint


def test_lint_of_the_shipped_rules_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "lint", "--as-of", "2026-11-25"], catch_exceptions=False)
    assert result.exit_code == 0
    report = lint(today=date(2026, 11, 25))
    assert result.stdout == report.to_text() + "\n"
    assert result.stdout.splitlines()[-1].endswith(f": clean (0 errors, 0 warnings, {report.counts()['info']} notes)")


def test_lint_fails_on_stale_facts_and_review_lists_them(runner: CliRunner) -> None:
    later = runner.invoke(cli, ["rules", "lint", "--as-of", "2027-06-01"])
    assert later.exit_code == 1
    assert "warning [stale-fact] platform fact temu.emphasis (as of 2025-05) was due for review on 2027-05-25" in later.stdout
    listed = runner.invoke(cli, ["rules", "review", "--as-of", "2027-06-01"], catch_exceptions=False)
    assert listed.exit_code == 0
    assert (
        "temu.emphasis: as of 2025-05, review by 2027-05-25 (overdue; confidence medium; sources: seed_p4, platform_push)"
        in listed.stdout
    )
    none = runner.invoke(cli, ["rules", "review", "--as-of", "2026-11-25"], catch_exceptions=False)
    assert none.stdout == "No platform fact is due for review.\n"
    soon = runner.invoke(
        cli, ["rules", "review", "--as-of", "2026-11-25", "--within", "365", "-f", "json"], catch_exceptions=False
    )
    data = json.loads(soon.stdout)
    assert data and {"platform", "fact", "as_of", "review_by", "overdue", "file", "line"} <= set(data[0])
    bad = runner.invoke(cli, ["rules", "review", "--as-of", "next week"])
    assert bad.exit_code == 2 and "next week" in bad.stderr


def test_lint_findings_exit_1_even_when_the_pack_does_not_load(runner: CliRunner, rules_dir: Path) -> None:
    with (rules_dir / "fees.toml").open("a") as f:
        f.write(
            '\n[[rule]]\nid = "fee_sensitive_favours_semi"\nstatement = "Again."\nrationale = "Again."\nsources = ["seed_p6"]\n'
            'when = { fact = "fee_sensitivity", op = "eq", value = "low" }\nthen = { favour = "semi-managed", weight = 1 }\n'
            "examples = [{ profile = {}, fires = false }]\n"
        )
    result = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["findings"][0]["check"] == "duplicate-id" and data["findings"][0]["rule"] == "fee_sensitive_favours_semi"
    assert result.stderr == "Error: the rule pack has 1 errors and 0 warnings\n"


def test_lint_of_a_folder_without_rules_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["rules", "lint", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path}: holds no rule files")


def test_coverage_text_and_json(runner: CliRunner, shipped_coverage: CoverageReport) -> None:
    text = runner.invoke(cli, ["rules", "coverage"], catch_exceptions=False)
    assert text.exit_code == 0
    report = shipped_coverage
    assert text.stdout == report.to_text() + "\n"
    data = json.loads(runner.invoke(cli, ["rules", "coverage", "-f", "json"], catch_exceptions=False).stdout)
    assert data["never_fire"] == list(report.never_fire)
    assert {"fully_managed_not_offered", "semi_managed_not_offered"} <= set(data["never_fire"])
    assert data["space_size"] == report.space_size


def test_coverage_of_a_broken_pack_exits_2(runner: CliRunner, rules_dir: Path) -> None:
    (rules_dir / "policy.toml").unlink()
    result = runner.invoke(cli, ["rules", "coverage", "--rules", str(rules_dir)])
    assert result.exit_code == 2
    assert "no file defines the [policy] table" in result.stderr
