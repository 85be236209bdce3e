"""Ids and codes match whole, and a condition too large to count in text is still refused in one line (issue 23).

The checks themselves, called directly (every anchored schema pattern, the loader's own id check, the
count of a condition's alternatives), are tested with the rule book's other internals in
tests/rulebook/test_rules.py.

JSON Schema patterns are ECMA-262 regular expressions, where ``$`` matches only at the end; jsonschema
runs them with Python's ``re.search``, where ``$`` also matches before a final newline. A rule id
``"fee_high\\n"`` passed ``^[a-z][a-z0-9_]*$``, shadowed a shipped rule, and lint said nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, RuleBookError, Trace, TraceError, cli, load_rulebook

SHADOWING = 'id = "own_margin_even\\n"'  # TOML for the id of a shipped rule with a newline after it


def test_a_rule_id_with_a_trailing_newline_is_refused_in_one_line(runner: CliRunner, rules_dir: Path) -> None:
    margin = rules_dir / "margin.toml"
    margin.write_text(margin.read_text(encoding="utf-8").replace('id = "own_margin_even"', SHADOWING, 1), encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules_dir)
    assert caught.value.field == "id"
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {margin}: rule 'own_margin_even\\n': id: 'own_margin_even\\n' does not match '^[a-z][a-z0-9_]*$'\n"
    )


def test_lint_flags_a_rule_id_with_a_trailing_newline(runner: CliRunner, rules_dir: Path) -> None:
    margin = rules_dir / "margin.toml"
    margin.write_text(margin.read_text(encoding="utf-8").replace('id = "own_margin_even"', SHADOWING, 1), encoding="utf-8")
    result = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir)])
    assert result.exit_code == 1
    assert (
        "margin.toml: rule 'own_margin_even\\n': error [schema] id: 'own_margin_even\\n' does not match '^[a-z][a-z0-9_]*$'"
        in result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("[sources.own_numbers]", '[sources."own_numbers\\n"]'), "sources"),
        (('reviewed = "2026-12-06"', 'reviewed = "2026-12-06\\n"'), "meta.reviewed"),
    ],
    ids=["source id", "review date"],
)
def test_other_ids_and_dates_with_a_trailing_newline_are_refused(rules_dir: Path, edit: tuple[str, str], field: str) -> None:
    margin = rules_dir / "margin.toml"
    text = margin.read_text(encoding="utf-8")
    assert edit[0] in text
    margin.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules_dir)
    assert caught.value.field == field
    assert "\\n' does not match" in str(caught.value)


def test_a_signature_with_a_trailing_newline_is_not_a_trace(advisor: Advisor) -> None:
    data = advisor.consult({"operational_capacity": "low"}).trace.to_dict()
    data["signature"] = {"algorithm": "HMAC-SHA256", "value": "0" * 64 + "\n"}
    with pytest.raises(TraceError, match="does not match"):
        Trace.load(data)
    data["signature"]["value"] = "0" * 64
    assert Trace.from_dict(data).signature is not None


# -- a condition with more alternatives than Python will write out --------------------------------------


@pytest.mark.slow
def test_a_rule_file_with_such_a_condition_is_refused_by_the_command_line(runner: CliRunner, rules_dir: Path) -> None:
    leaf = '{fact="bulky_goods",op="present"}'
    group = "{any=[" + ",".join([leaf] * 3) + "]}"
    path = rules_dir / "zz.toml"
    path.write_text(
        '[meta]\ncovers = "bomb"\nreviewed = "2026-01-01"\n\n[[rule]]\nid = "bomb"\nstatement = "A bomb."\n'
        'rationale = "Bomb."\nsources = ["own_numbers"]\nwhen.all = [' + ",".join([group] * 9100) + "]\n"
        'then = { favour = "semi-managed", weight = 1 }\nexamples = [{ profile = {}, fires = false }]\n',
        encoding="utf-8",
    )
    started = time.process_time()  # CPU time: the work the condition causes, whatever the machine's load
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert time.process_time() - started < 60
    assert result.exit_code == 2
    assert "the condition expands to about 10^4341 alternatives" in result.stderr
