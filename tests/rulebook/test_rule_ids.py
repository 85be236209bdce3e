"""Ids and codes match whole, and a condition too large to count in text is still refused in one line (issue 23).

JSON Schema patterns are ECMA-262 regular expressions, where ``$`` matches only at the end; jsonschema
runs them with Python's ``re.search``, where ``$`` also matches before a final newline. A rule id
``"fee_high\\n"`` passed ``^[a-z][a-z0-9_]*$``, shadowed a shipped rule, and lint said nothing.
"""

from __future__ import annotations

import json
import re
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerexpert import Advisor, RuleBookError, Trace, TraceError, cli, load_rulebook
from sellerexpert._profile.conditions import AllOf, AnyOf, Leaf, magnitude
from sellerexpert._rulebook.checks import check_condition, check_rule_id
from sellerexpert._rulebook.schema import validate_trace, whole_string_validator

SHADOWING = 'id = "own_margin_even\\n"'  # TOML for the id of a shipped rule with a newline after it


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


@pytest.mark.parametrize("rule_id", ["fee_high\n", "Fee_high", "fee-high", "", "fee high"])
def test_the_loader_checks_a_rule_id_whole_even_without_the_schema(rule_id: str) -> None:
    """Internal on purpose: the loader's own check, which holds even if the schema check were skipped."""
    with pytest.raises(RuleBookError, match="is not a rule id"):
        check_rule_id(rule_id, {"path": "x.toml", "rule_id": rule_id})


def test_a_signature_with_a_trailing_newline_is_not_a_trace(advisor: Advisor) -> None:
    data = advisor.consult({"operational_capacity": "low"}).trace.to_dict()
    data["signature"] = {"algorithm": "HMAC-SHA256", "value": "0" * 64 + "\n"}
    with pytest.raises(TraceError, match="does not match"):
        validate_trace(data)
    data["signature"]["value"] = "0" * 64
    assert Trace.from_dict(data).signature is not None


# -- a condition with more alternatives than Python will write out --------------------------------------


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
    started = time.perf_counter()
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert time.perf_counter() - started < 60
    assert result.exit_code == 2
    assert "the condition expands to about 10^4341 alternatives" in result.stderr
