"""The condition model: evaluation, three-valued evaluation, DNF, and ``given`` leaves.

An internal on purpose: the condition algebra (its node classes, ``dnf``, ``dnf_size``, ``evaluate3``) is
what every engine, the coverage and the interview build on, and none of it is public; the tests build
conditions directly to reach cases no shipped rule holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import Advisor, RuleBookError
from sellerexpert._profile.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    dnf,
    dnf_size,
    evaluate,
    evaluate3,
    to_data,
)

WAREHOUSE = Leaf("local_warehouse", "eq", False)
GIVEN_WAREHOUSE = Leaf("local_warehouse", "eq", False, given=True)


def test_a_leaf_is_false_on_an_unknown_fact_except_absent() -> None:
    assert not evaluate(WAREHOUSE, {})
    assert evaluate(Leaf("local_warehouse", "absent"), {})
    assert not evaluate(Leaf("local_warehouse", "present"), {})


def test_a_given_leaf_treats_an_assumed_value_as_unknown() -> None:
    facts = {"local_warehouse": False}
    assert evaluate(GIVEN_WAREHOUSE, facts)
    assert not evaluate(GIVEN_WAREHOUSE, facts, assumed={"local_warehouse"})
    assert evaluate(WAREHOUSE, facts, assumed={"local_warehouse"})
    assert evaluate(Leaf("local_warehouse", "absent", given=True), facts, assumed={"local_warehouse"})


def test_given_round_trips_through_rule_file_data() -> None:
    assert to_data(GIVEN_WAREHOUSE) == {"fact": "local_warehouse", "op": "eq", "value": False, "given": True}
    assert "given" not in to_data(WAREHOUSE)


def test_three_valued_evaluation_is_open_only_where_an_open_fact_decides() -> None:
    condition = AllOf((WAREHOUSE, Leaf("sea_freight", "eq", True)))
    assert evaluate3(condition, {"local_warehouse": True}, {"sea_freight"}) is False
    assert evaluate3(condition, {"local_warehouse": False}, {"sea_freight"}) is None
    assert evaluate3(AnyOf((WAREHOUSE, Leaf("sea_freight", "eq", True))), {"local_warehouse": False}, {"sea_freight"})


def test_dnf_pushes_negation_to_the_leaves() -> None:
    a, b = Leaf("a", "present"), Leaf("b", "present")
    assert dnf(NotOf(AllOf((a, b)))) == [[(a, False)], [(b, False)]]
    assert dnf(AllOf((AnyOf((a, b)), a))) == [[(a, True), (a, True)], [(b, True), (a, True)]]


GATE = """
[[rule]]
id = "gate_semi_without_warehouse"
statement = "Planted gate."
rationale = "Planted for a test of given leaves."
sources = ["seed_p1"]
when = {{ fact = "local_warehouse", op = "eq", value = false{given} }}
then = {{ exclude = "semi-managed" }}
examples = [{{ profile = {{ local_warehouse = false }}, fires = true }}]
"""


@pytest.mark.parametrize("given, fires_on_assumed", [(True, False), (False, True)], ids=["given", "plain"])
def test_a_given_gate_ignores_an_assumed_value(rules_dir: Path, given: bool, fires_on_assumed: bool) -> None:
    with (rules_dir / "capacity.toml").open("a", encoding="utf-8") as f:
        f.write(GATE.format(given=", given = true" if given else ""))
    advisor = Advisor(rules_dir)
    # No answer: assume_no_local_warehouse fills local_warehouse = false (assumed).
    assumed = advisor.consult({"platforms": ["temu"]})
    assert any(f.rule == "assume_no_local_warehouse" for f in assumed.trace.firings)
    assert advisor.fires("gate_semi_without_warehouse", {"platforms": ["temu"]}) is fires_on_assumed
    # Said by the seller: the gate fires either way.
    assert advisor.fires("gate_semi_without_warehouse", {"platforms": ["temu"], "local_warehouse": False})


def test_given_on_a_platform_fact_is_refused(rules_dir: Path) -> None:
    with (rules_dir / "capacity.toml").open("a", encoding="utf-8") as f:
        planted = GATE.format(given=", given = true")
        f.write(
            planted.replace(
                '"local_warehouse", op = "eq", value = false', '"platform.emphasis", op = "eq", value = "fully-managed"'
            )
        )
    with pytest.raises(RuleBookError, match="platform fact"):
        Advisor(rules_dir)


def _leaves() -> st.SearchStrategy[Condition]:
    return st.sampled_from(["a", "b", "c"]).map(lambda f: Leaf(f, "present"))


conditions = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AllOf(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
        inner.map(NotOf),
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("share", SCALES)
def test_dnf_size_counts_what_dnf_would_expand(share: float) -> None:
    @settings(max_examples=scaled(150, share), deadline=None)
    @given(conditions)
    def check(condition: Condition) -> None:
        assert dnf_size(condition) == len(dnf(condition))

    check()
