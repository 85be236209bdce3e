"""The rules commands: list and show, as text and JSON, on the shipped or a custom rule pack."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sellerexpert import Advisor, cli, render_rule, rule_details


def test_list_text_names_id_file_conclusion_sources_and_statement(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["rules", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 * len(advisor.rules.rules)
    index = lines.index(
        "low_capacity_favours_full  [capacity.toml]  favours fully-managed (weight 3)  (¶1, ¶2, ¶6, ops_experience)"
    )
    assert lines[index + 1] == "    " + advisor.rules.rule("low_capacity_favours_full").statement


def test_list_json(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["rules", "list", "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert [item["id"] for item in data] == [rule.id for rule in advisor.rules.rules]
    assert data[0].keys() == {"id", "statement", "sources", "concludes", "then", "file"}
    semi = next(item for item in data if item["id"] == "semi_out_of_reach")
    assert semi["then"] == {"exclude": "semi-managed"}
    assert semi["concludes"] == "rules out semi-managed"


def test_show_text_has_the_rule_as_written_and_as_compiled(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["rules", "show", "semi_out_of_reach"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == render_rule(rule_details(advisor.rules, "semi_out_of_reach")) + "\n"
    assert "As written:\n  id: semi_out_of_reach\n" in result.stdout
    assert (
        '    1. operational_capacity eq "low" AND customer_service eq "none" AND local_warehouse eq false (given) AND '
        'platform.semi_sells_from_local_stock eq true AND NOT target_markets contains "US"\n'
    ) in result.stdout


def test_show_json_compiles_a_disjunction_into_branches(runner: CliRunner, advisor: Advisor) -> None:
    with_any = next(rule for rule in advisor.rules.rules if '"any"' in json.dumps(rule.to_data()["when"]))
    result = runner.invoke(cli, ["rules", "show", with_any.id, "-f", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["written"] == with_any.to_data()
    assert len(data["compiled"]["branches"]) >= 2
    assert data["compiled"]["digest"] == with_any.digest
    assert [s["id"] for s in data["sources"]] == list(with_any.sources)


def test_show_unknown_rule_suggests_close_ids(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "show", "semi_out_of_rech"])
    assert result.exit_code == 2
    assert "Invalid value for 'ID': no rule 'semi_out_of_rech' in " in result.stderr
    assert "did you mean semi_out_of_reach" in result.stderr


def test_rules_option_on_the_subcommand(runner: CliRunner, rules_dir: Path) -> None:
    extra = rules_dir / "capacity.toml"
    extra.write_text(extra.read_text().replace('id = "low_capacity_favours_full"', 'id = "little_capacity_favours_full"'))
    result = runner.invoke(cli, ["rules", "list", "--rules", str(rules_dir), "-f", "json"], catch_exceptions=False)
    ids = [item["id"] for item in json.loads(result.stdout)]
    assert "little_capacity_favours_full" in ids
    assert "low_capacity_favours_full" not in ids


def test_rules_option_must_be_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--rules", str(tmp_path / "nowhere"), "rules", "list"])
    assert result.exit_code == 2
    assert "Invalid value for '--rules': Directory" in result.stderr
