"""Custom rule packs are user input too (issue 9): expansion bombs, alias bombs, deep nesting, salience, NaN, unreadable facts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, RuleBookError, cli, json_schema, load_rulebook, rule_details

MAX_BRANCHES = 64
"""The most alternatives one rule's condition may expand to (the refusal names it; docs/rules.md)."""
_SALIENCE = json_schema("rulefile")["$defs"]["rule"]["properties"]["salience"]
SALIENCE_RANGE = (_SALIENCE["minimum"], _SALIENCE["maximum"])
"""The saliences a rule may have, as the rule file's schema publishes them."""

RULE = """
[[rule]]
id = "extra_rule"
statement = "An extra rule."
rationale = "For a test."
sources = ["seed_p6"]
{salience}
when = {when}
then = {{ favour = "semi-managed", weight = 1 }}
examples = [{{ profile = {{ fee_sensitivity = "high" }}, fires = true }}]
"""

HIGH_FEES = '{ fact = "fee_sensitivity", op = "eq", value = "high" }'


def _add_rule(rules_dir: Path, when: str = HIGH_FEES, salience: str = "") -> Path:
    path = rules_dir / "fees.toml"
    path.write_text(path.read_text() + RULE.format(when=when, salience=salience))
    return path


def _any_pairs(k: int) -> str:
    pair = '{ any = [{ fact = "sea_freight", op = "eq", value = true }, { fact = "bulky_goods", op = "eq", value = true }] }'
    return "{ all = [" + ", ".join([pair] * k) + "] }"


def test_an_expansion_bomb_is_refused_fast_naming_the_rule(runner: CliRunner, rules_dir: Path) -> None:
    path = _add_rule(rules_dir, _any_pairs(20))
    # CPU time, not the wall clock: the bounds are on the work the rule causes, which a busy machine does not change.
    started = time.process_time()
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert time.process_time() - started < 5
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: rule 'extra_rule': when: the condition expands to 1,048,576 alternatives "
        f"(at most {MAX_BRANCHES}): split the rule, or move 'any' lists out of 'all'\n"
    )
    started = time.process_time()
    linted = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir)])
    assert time.process_time() - started < 10
    assert linted.exit_code == 1
    assert "rule 'extra_rule'" in linted.stdout or "extra_rule" in linted.stdout
    assert "1,048,576 alternatives" in linted.stdout


def test_the_largest_allowed_expansion_still_loads(rules_dir: Path) -> None:
    _add_rule(rules_dir, _any_pairs(6))  # 64 alternatives
    compiled = rule_details(load_rulebook(rules_dir), "extra_rule")["compiled"]
    assert len(compiled["branches"]) == MAX_BRANCHES  # one engine rule per alternative


def test_a_yaml_alias_bomb_rule_file_is_refused_fast(runner: CliRunner, rules_dir: Path) -> None:
    from tests.files.test_input_limits import YAML_BOMB

    path = rules_dir / "bomb.yaml"
    path.write_text(YAML_BOMB)
    started = time.process_time()
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    linted = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir)])
    assert time.process_time() - started < 5
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:")
    assert "aliases expand to more than 100,000 values" in result.stderr
    assert linted.exit_code == 1
    assert len(linted.stdout) < 2000


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("{ not = " * 500 + HIGH_FEES + " }" * 500, "is nested more than 64 levels deep"),
        (
            '{ fact = "monthly_orders", op = "gt", value = ' + "[" * 10_000 + "]" * 10_000 + " }",
            "is nested more than 64 levels deep",
        ),
        ('{ fact = "monthly_orders", op = "gt", value = ' + "9" * 5000 + " }", "a number has more than 64 digits"),
    ],
    ids=["500 nots", "10000-deep array", "5000 digits"],
)
def test_deep_or_huge_rule_values_are_rule_book_errors(runner: CliRunner, rules_dir: Path, when: str, problem: str) -> None:
    path = _add_rule(rules_dir, when)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules_dir)
    assert str(caught.value) == f"{path}: {problem}"
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}")
    assert "Traceback" not in result.output


def test_a_deep_toml_array_is_refused(rules_dir: Path) -> None:
    path = rules_dir / "deep.toml"
    path.write_text("a = " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(RuleBookError, match="is nested more than 64 levels deep"):
        load_rulebook(rules_dir)


@pytest.mark.parametrize("salience", ["9" * 5000, "-" + "9" * 5000])
def test_a_5000_digit_salience_is_refused(rules_dir: Path, salience: str) -> None:
    _add_rule(rules_dir, salience=f"salience = {salience}")
    with pytest.raises(RuleBookError, match="a number has more than 64 digits"):
        load_rulebook(rules_dir)


def _decide_salience(advisor: Advisor) -> int:
    """The decision step's salience, as every trace records it."""
    firings = advisor.consult({"operational_capacity": "low"}, engine="compiled").trace.firings
    return next(f.salience for f in firings if f.rule == "decide")


def test_decide_runs_below_every_allowed_salience(advisor: Advisor) -> None:
    assert _decide_salience(advisor) < SALIENCE_RANGE[0]
    firings = advisor.consult({"operational_capacity": "low"}, engine="compiled").trace.firings
    for platform in advisor.rules.platforms:
        on_it = [f.rule for f in firings if f.platform == platform]
        assert on_it[-1] == "decide" and "decide" not in on_it[:-1]


@pytest.mark.parametrize("where", ["below-the-range", "below-decide", "above-the-range"])
def test_a_salience_outside_the_range_is_refused(runner: CliRunner, advisor: Advisor, rules_dir: Path, where: str) -> None:
    low, high = SALIENCE_RANGE
    salience = {"below-the-range": low - 1, "below-decide": _decide_salience(advisor) - 1, "above-the-range": high + 1}[where]
    path = _add_rule(rules_dir, salience=f"salience = {salience}")
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: rule 'extra_rule': salience: salience {salience} is outside {low}..{high}: "
        "the decision step must run after every rule, so a rule cannot be ordered below it\n"
    )


def test_the_lowest_allowed_salience_still_fires_before_the_decision(rules_dir: Path) -> None:
    _add_rule(rules_dir, salience=f"salience = {SALIENCE_RANGE[0]}")
    result = Advisor(rules_dir).consult({"fee_sensitivity": "high", "platforms": ["aliexpress"]})
    firings = [f.rule for f in result.trace.firings]
    assert firings.index("extra_rule") < firings.index("decide")
    assert "extra_rule" in [r.rule for r in result.recommendations[0].reasons]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_in_the_policy_is_refused_by_load_and_lint(runner: CliRunner, rules_dir: Path, value: str) -> None:
    policy = rules_dir / "policy.toml"
    policy.write_text(policy.read_text().replace("base = 0.5", f"base = {value}"))
    result = runner.invoke(cli, ["--rules", str(rules_dir), "consult", "--operational-capacity", "low", "-f", "json"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {policy}: NaN and Infinity are not allowed (at policy.confidence.base)\n"
    linted = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir)])
    assert linted.exit_code == 1
    assert "NaN and Infinity are not allowed" in linted.stdout


@pytest.mark.parametrize(
    ("leaf", "problem"),
    [
        ('{ fact = "name", op = "eq", value = "x" }', "rules cannot read 'name' (who is consulting)"),
        ('{ fact = "platforms", op = "contains", value = "temu" }', "rules cannot read 'platforms'"),
        ('{ fact = "platform", op = "eq", value = "temu" }', "unknown fact 'platform' (profile fields, or platform.<fact>)"),
        ('{ fact = "platform.", op = "present" }', "unknown platform fact 'platform.'"),
    ],
    ids=["name", "platforms", "platform", "platform-dot"],
)
def test_conditions_the_engine_never_reasons_over_are_refused_and_lint_does_not_crash(
    runner: CliRunner, rules_dir: Path, leaf: str, problem: str
) -> None:
    _add_rule(rules_dir, leaf)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules_dir)
    assert problem in str(caught.value)
    linted = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir)])
    assert linted.exit_code == 1
    assert problem in linted.stdout
    assert "Traceback" not in linted.output


def test_a_lone_surrogate_escape_is_refused_in_one_line(runner: CliRunner, rules_dir: Path) -> None:
    # JSON and YAML turn "\ud8b7" into half a character, which no output can print: refuse it as not text.
    (rules_dir / "extra.yaml").write_text(
        'meta: {covers: "x", reviewed: "2026-11-25"}\nsources: {"bad\\ud8b7": {title: t, summary: s}}\n'
    )
    for args in (["rules", "lint", "--rules", str(rules_dir)], ["--rules", str(rules_dir), "rules", "list"]):
        result = runner.invoke(cli, args)
        assert result.exit_code in (1, 2)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "lone surrogate escape" in result.output + result.stderr
