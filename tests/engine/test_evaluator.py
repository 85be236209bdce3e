"""The compiled evaluator agrees with Experta: same facts, same firings in the same order, same decisions.

Experta is the engine of record; the compiled evaluator is what batch, the
interview, why-not answers, coverage and the audit run many times. These
tests compare the two on the shipped rule book (hypothesis profiles and a
sweep over the value classes the rules tell apart) and on generated rule
packs: random rules drawn from the rule-file language, with chained
assumptions, salience, any/all/not, absent/present, given and platform facts. Coverage's replay of the
rules over the profile space agrees with the engine too, and its counts equal a brute-force run; route
checks the advisor shares between sellers whose answers the routes read alike are each seller's own.

An internal on purpose: the two engines are compared through the advisor's private run records
(``advisor._run``), the evaluator's own types and the profile space's value classes, none of them public.
"""

from __future__ import annotations

import csv
import gc
import itertools
import json
import random
import shutil
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import FIELDS, MODELS, PLATFORMS, Advisor, ProfileError, SellerProfile, coverage
from sellerexpert import _advisor as advisor_module
from sellerexpert import _memory as memory
from sellerexpert._economics.margins import margin_facts
from sellerexpert._engine import evaluator as evaluator_module
from sellerexpert._engine.evaluator import Conclusions, Evaluator, RunRecord, fact_values
from sellerexpert._engine.space import ABSENT, REASONED_FIELDS, ProfileSpace
from sellerexpert._profile import profile as profile_module
from sellerexpert._profile.profile import FIELDS_BY_NAME
from sellerexpert._review.coverage import Simulator
from sellerexpert._rulebook.loader import shipped_rules_dir
from sellerexpert._rulebook.routes import SellerTerms, route_reading, what_routes_read


def _experta_record(advisor: Advisor, profile: SellerProfile, overrides: Any = None) -> RunRecord:
    return advisor._run(profile, engine="experta", platform_overrides=overrides)


def _compiled_record(advisor: Advisor, profile: SellerProfile, overrides: Any = None) -> RunRecord:
    return advisor._run(profile, engine="compiled", platform_overrides=overrides)


def _same(advisor: Advisor, profile: SellerProfile) -> None:
    # A consultation runs the rules once per target market, with that market's route facts:
    # each run must agree, firing for firing.
    for plan in advisor._plans(profile, None):
        _same_run(advisor, plan.profile, plan.overrides)


def _same_run(advisor: Advisor, profile: SellerProfile, overrides: Any) -> None:
    expected = _experta_record(advisor, profile, overrides)
    actual = _compiled_record(advisor, profile, overrides)
    # The decisions-only path (no trace, no texts) reaches the same decisions.
    fast = advisor.evaluator.decisions(fact_values(profile), profile.platforms, platform_overrides=overrides)
    assert fast == {p: {k: v for k, v in d.to_dict().items() if k != "id"} for p, d in expected.decisions.items()}
    assert json.dumps([f.to_dict() for f in actual.facts]) == json.dumps([f.to_dict() for f in expected.facts])
    for left, right in itertools.zip_longest(actual.firings, expected.firings):
        assert json.dumps(left.to_dict()) == json.dumps(right.to_dict()), f"profile {profile.to_dict()}"
    assert actual.decisions == expected.decisions
    # The result's path (no trace records) reaches the same conclusions, texts included.
    concluded = advisor.evaluator.conclude(
        fact_values(profile), profile.platforms, platform_overrides=margin_facts(profile, overrides)
    )
    reference = Conclusions.of(expected)
    assert _without_ids(concluded) == _without_ids(reference), f"profile {profile.to_dict()}"
    # The trace's path: the same conclusions, and the records of that same run (settled or not) made from it.
    traced, records = advisor.evaluator.conclude_traced(
        fact_values(profile), profile.platforms, platform_overrides=margin_facts(profile, overrides)
    )
    assert _without_ids(traced) == _without_ids(reference), f"profile {profile.to_dict()}"
    made = records(1, 1, None)
    assert _records_json(made) == _records_json(expected), f"profile {profile.to_dict()}"
    assert made.decisions == expected.decisions


def _records_json(record: RunRecord) -> str:
    """A run's facts and firings as their JSON, every key and number."""
    return json.dumps([[f.to_dict() for f in record.facts], [f.to_dict() for f in record.firings]])


def _without_ids(conclusions: Conclusions) -> dict[str, Any]:
    """Conclusions as comparable data: the decisions without their fact ids (a settled run numbers no facts)."""
    data = dict(vars(conclusions))
    data["decisions"] = {p: {k: v for k, v in d.to_dict().items() if k != "id"} for p, d in conclusions.decisions.items()}
    return data


# -- profiles ----------------------------------------------------------------------

MARKETS = ("US", "UK", "DE", "FR", "ES", "IT", "NL", "EU", "BR", "MX", "JP", "CN", "AU")


def _field_values(name: str) -> st.SearchStrategy[Any]:
    spec = FIELDS_BY_NAME[name]
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind in ("level", "service", "region", "weight", "category"):
        return st.sampled_from(spec.allowed)
    if spec.kind == "count":
        return st.one_of(st.sampled_from([0, 1, 49, 50, 51, 99, 100, 101, 499, 500, 501, 1000, 5000]), st.integers(0, 10**6))
    if spec.kind == "markets":
        # "no VAT registration anywhere" is an empty list, a real answer
        return st.lists(
            st.sampled_from(MARKETS), min_size=0 if name in ("vat_markets", "stock_markets") else 1, max_size=4, unique=True
        )
    raise AssertionError(spec.kind)


def _agrees(data: dict[str, Any]) -> bool:
    try:
        SellerProfile.from_dict(data)
    except ProfileError:
        return False  # answers that contradict each other are refused before any rule runs
    return True


profiles = st.fixed_dictionaries(
    {},
    optional={
        "platforms": st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=3, unique=True),
        **{name: _field_values(name) for name in REASONED_FIELDS},
    },
).filter(_agrees)


# The proofs below run twice: a fast sample in the default run, and at full scale in the slow set
# (`python -m pytest -m slow tests/engine/test_evaluator.py`, which CI runs), as tests/engine/test_fuzz.py does.


def _proof(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@_proof(15)
@given(data=profiles)
def test_the_compiled_evaluator_fires_exactly_as_experta_on_the_shipped_rules(advisor: Advisor, data: dict[str, Any]) -> None:
    _same(advisor, _consistent(data))


@pytest.mark.slow
@_proof(150)
@given(data=profiles)
def test_the_compiled_evaluator_fires_exactly_as_experta_on_many_shipped_profiles(
    advisor: Advisor, data: dict[str, Any]
) -> None:
    _same(advisor, _consistent(data))


@_proof(25)
@given(sellers=st.lists(profiles, min_size=2, max_size=5), first=st.integers(1, 400), seq=st.integers(1, 90))
def test_settled_conclusions_on_views_warmed_by_other_sellers_are_each_sellers_own(
    advisor: Advisor, sellers: list[dict[str, Any]], first: int, seq: int
) -> None:
    """A platform view's generated settling keeps the conclusions it built for earlier sellers (one per rule,
    for a seller who matched no assumed field): the next seller, who may match an assumed field or quote
    other values, still concludes what the full agenda run concludes for it. The trace records made from
    the settled run, numbered as a later market's run is, are the full run's, id for id."""
    evaluator = advisor.evaluator
    for data in sellers:
        profile = _consistent(data)
        for plan in advisor._plans(profile, None):
            facts = fact_values(plan.profile)
            overrides = margin_facts(plan.profile, plan.overrides)
            settled = evaluator.conclude(facts, plan.profile.platforms, platform_overrides=overrides)
            run = evaluator.run(facts, plan.profile.platforms, platform_overrides=overrides)
            full = Conclusions.of(run)
            assert _without_ids(settled) == _without_ids(full), f"profile {plan.profile.to_dict()}"
            _, records = evaluator.conclude_traced(facts, plan.profile.platforms, platform_overrides=overrides)
            numbered = evaluator.run(
                facts, plan.profile.platforms, platform_overrides=overrides, first_id=first, first_seq=seq, market=plan.market
            )
            made = records(first, seq, plan.market)
            assert _records_json(made) == _records_json(numbered), f"profile {plan.profile.to_dict()}"
            assert made.decisions == numbered.decisions and made.weighed == numbered.weighed


@_proof(40)
@given(data=profiles, assumed=st.sets(st.sampled_from(REASONED_FIELDS), max_size=4))
def test_settling_matches_every_branch_at_once_as_each_branch_alone(
    advisor: Advisor, data: dict[str, Any], assumed: set[str]
) -> None:
    """The one generated function that settling asks (every single-branch rule's match) answers as each branch's
    own matcher does, on given and assumed facts alike; the other branches answer False. (An internal on purpose.)"""
    evaluator = advisor.evaluator
    facts = fact_values(_consistent(data))
    seller = {name: (index, value, name in assumed) for index, (name, value) in enumerate(facts.items(), start=1)}
    wanted = {items[0] for _, items in evaluator._conclude_rules if len(items) == 1}
    answers = evaluator._settle_matches(seller)
    assert len(answers) == len(evaluator._branches)
    for index, branch in enumerate(evaluator._branches):
        assert answers[index] is (index in wanted and branch.match(seller)), f"branch {index}"


def _consistent(data: dict[str, Any]) -> SellerProfile:
    """The profile, or the example rejected when its answers contradict each other (a clear error, tested elsewhere)."""
    try:
        return SellerProfile.from_dict(data)
    except ProfileError:
        reject()
        raise


_SWEEP_BASES: list[dict[str, Any]] = [
        {},
        {"target_markets": ["US"], "operational_capacity": "low", "customer_service": "none", "fee_sensitivity": "high"},
        {
            "target_markets": ["DE", "FR"],
            "operational_capacity": "high",
            "monthly_orders": 800,
            "local_warehouse": True,
            "sea_freight": True,
            "customer_service": "full",
            "control_priority": "high",
            "fee_sensitivity": "low",
            "fast_shipping_expected": True,
            "working_capital": "high",
            "bulky_goods": False,
            "local_entity": True,
            "fast_payouts_needed": False,
            "content_control": "high",
        },
]
"""A bare, a partly known and a full profile: each field is swept through its value classes on each."""


def _sweep(advisor: Advisor, bases: list[dict[str, Any]]) -> int:
    space = ProfileSpace(advisor.rules)
    checked = 0
    for base in bases:
        for name in REASONED_FIELDS:
            for value_class in space.classes_of(name):
                data = dict(base)
                data.pop(name, None)
                if value_class.value is not ABSENT:
                    data[name] = list(value_class.value) if isinstance(value_class.value, tuple) else value_class.value
                try:
                    profile = SellerProfile.from_dict(data)
                except ProfileError:
                    continue  # answers that contradict the base profile: refused, as tested in test_routes
                _same(advisor, profile)
                checked += 1
    return checked


@pytest.mark.slow  # the default run holds the engines equal on generated profiles (the property above)
def test_a_sweep_over_every_value_class_of_every_field_agrees_on_a_partly_known_profile(advisor: Advisor) -> None:
    """Each field through each value class the rules tell apart, on one base profile (all three: the slow set)."""
    assert _sweep(advisor, _SWEEP_BASES[1:2]) > 30


@pytest.mark.slow
def test_a_sweep_over_every_value_class_of_every_field_agrees(advisor: Advisor) -> None:
    """Each field through each value class the rules tell apart, on a bare, a partly known and a full profile."""
    assert _sweep(advisor, _SWEEP_BASES) > 100


@pytest.mark.slow
def test_every_pair_of_value_classes_agrees(advisor: Advisor) -> None:
    """Every pair of fields through every pair of their value classes (about 2,000 consultations)."""
    space = ProfileSpace(advisor.rules)
    for first, second in itertools.combinations(REASONED_FIELDS, 2):
        for a, b in itertools.product(space.classes_of(first), space.classes_of(second)):
            data: dict[str, Any] = {}
            for name, value_class in ((first, a), (second, b)):
                if value_class.value is not ABSENT:
                    data[name] = list(value_class.value) if isinstance(value_class.value, tuple) else value_class.value
            try:
                profile = SellerProfile.from_dict(data)
            except ProfileError:
                continue
            _same(advisor, profile)


# -- generated rule packs ---------------------------------------------------------

# Fields the generated rules read and assume, with values each can take.
_BOOLS = ("local_warehouse", "sea_freight", "fast_shipping_expected", "bulky_goods", "local_entity", "fast_payouts_needed")
_LEVELS = ("operational_capacity", "control_priority", "fee_sensitivity", "working_capital", "content_control")
_PLATFORM_FACTS = {
    "emphasis": ("both", "semi-managed", "fully-managed"),
    "content_led": (True, False),
    "full_ships_from_china": (True, False),
    "semi_seller_sets_price": (True, False),
}


@st.composite
def _leaf(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["bool", "level", "service", "count", "markets", "platform", "presence"]))
    if kind == "bool":
        return {
            "fact": draw(st.sampled_from(_BOOLS)),
            "op": draw(st.sampled_from(["eq", "ne"])),
            "value": draw(st.booleans()),
            "given": draw(st.booleans()),
        }
    if kind == "level":
        name = draw(st.sampled_from(_LEVELS))
        op = draw(st.sampled_from(["eq", "ne", "in", "not_in"]))
        if op in ("in", "not_in"):
            value: Any = draw(st.lists(st.sampled_from(["low", "medium", "high"]), min_size=1, max_size=2, unique=True))
        else:
            value = draw(st.sampled_from(["low", "medium", "high"]))
        return {"fact": name, "op": op, "value": value}
    if kind == "service":
        return {"fact": "customer_service", "op": "eq", "value": draw(st.sampled_from(["none", "basic", "full"]))}
    if kind == "count":
        return {
            "fact": "monthly_orders",
            "op": draw(st.sampled_from(["lt", "le", "gt", "ge"])),
            "value": draw(st.sampled_from([0, 50, 100, 500])),
        }
    if kind == "markets":
        op = draw(st.sampled_from(["contains", "intersects"]))
        codes = draw(st.lists(st.sampled_from(["US", "DE", "UK", "BR"]), min_size=1, max_size=2, unique=True))
        return {"fact": "target_markets", "op": op, "value": codes[0] if op == "contains" else codes}
    if kind == "platform":
        name = draw(st.sampled_from(sorted(_PLATFORM_FACTS)))
        return {
            "fact": f"platform.{name}",
            "op": draw(st.sampled_from(["eq", "ne"])),
            "value": draw(st.sampled_from(_PLATFORM_FACTS[name])),
        }
    name = draw(st.sampled_from(_BOOLS + _LEVELS + ("monthly_orders", "customer_service")))
    return {"fact": name, "op": draw(st.sampled_from(["absent", "present"])), "given": draw(st.booleans())}


def _condition(max_depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        _leaf(),
        lambda inner: st.one_of(
            st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=2)),
            st.builds(lambda item: {"not": item}, inner),
        ),
        max_leaves=max_depth,
    )


def _seller_only(condition: dict[str, Any]) -> bool:
    if "fact" in condition:
        return not condition["fact"].startswith("platform.")
    if "not" in condition:
        return _seller_only(condition["not"])
    return all(_seller_only(item) for item in condition.get("all", condition.get("any", [])))


@st.composite
def _rule(draw: st.DrawFn, number: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["evidence", "evidence", "exclude", "caveat", "assume"]))
    when = draw(_condition(5))
    if kind == "evidence":
        then: dict[str, Any] = {
            "favour": draw(st.sampled_from(["fully-managed", "semi-managed"])),
            "weight": draw(st.integers(1, 4)),
        }
    elif kind == "exclude":
        then = {"exclude": draw(st.sampled_from(["fully-managed", "semi-managed"]))}
    elif kind == "caveat":
        then = {"caveat": "Planted caveat on {platform.name} for {operational_capacity} capacity."}
    else:
        if not _seller_only(when):
            when = draw(_leaf().filter(lambda leaf: not leaf["fact"].startswith("platform.")))
        if draw(st.booleans()):
            name = draw(st.sampled_from(_BOOLS))
            then = {"assume": name, "value": draw(st.booleans())}
        else:
            name = draw(st.sampled_from(_LEVELS))
            then = {"assume": name, "value": draw(st.sampled_from(["low", "medium", "high"]))}
    return {
        "id": f"generated_{number}",
        "statement": "Planted rule {number} on {platform.name}.".replace("{number}", str(number))
        if kind != "assume"
        else f"Planted assumption {number}.",
        "rationale": "Generated for the agreement test.",
        "sources": ["seed_p1"],
        "salience": draw(st.sampled_from([-10, 0, 0, 10, 50, 100])),
        "when": when,
        "then": then,
        "examples": [{"profile": {}, "fires": False}],
    }


rule_packs = st.integers(2, 14).flatmap(lambda size: st.tuples(*(_rule(n) for n in range(size))))


def _pack(folder: Path, rules: list[dict[str, Any]], *, routes: bool = False) -> Path:
    """A rule pack of the shipped sources, platforms and policy, and ``rules``.

    :param routes: add the shipped routes and eligibility rules, so each target market runs on its own
        with its route facts, and the generated rules meet route exclusions and confidence caps.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sources.toml", "platforms.toml", "policy.toml", *(("routes.toml", "eligibility.toml") if routes else ())):
        shutil.copy(shipped_rules_dir() / name, folder / name)
    document = {"meta": {"covers": "Generated rules.", "reviewed": "2026-11-25"}, "rule": rules}
    (folder / "generated.yaml").write_text(json.dumps(document, indent=1), encoding="utf-8")
    return folder


def _generated(tmp_path_factory: pytest.TempPathFactory, rules: tuple[dict[str, Any], ...], cases: list[dict[str, Any]]) -> None:
    # Half the packs carry the routes: the runs per market, with their route facts, agree too.
    advisor = Advisor(_pack(tmp_path_factory.mktemp("pack"), list(rules), routes=len(rules) % 2 == 0))
    for data in cases:
        _same(advisor, SellerProfile.from_dict(data))


@_proof(6)
@given(rules=rule_packs, cases=st.lists(profiles, min_size=1, max_size=8))
def test_the_compiled_evaluator_fires_exactly_as_experta_on_generated_rule_packs(
    tmp_path_factory: pytest.TempPathFactory, rules: tuple[dict[str, Any], ...], cases: list[dict[str, Any]]
) -> None:
    _generated(tmp_path_factory, rules, cases)


@pytest.mark.slow
@_proof(40)
@given(rules=rule_packs, cases=st.lists(profiles, min_size=1, max_size=8))
def test_the_compiled_evaluator_fires_exactly_as_experta_on_many_generated_rule_packs(
    tmp_path_factory: pytest.TempPathFactory, rules: tuple[dict[str, Any], ...], cases: list[dict[str, Any]]
) -> None:
    _generated(tmp_path_factory, rules, cases)


CHAINED = [
    {
        "id": "high_reads_what_middle_sets",
        "statement": "Planted: a salience-100 assumption that reads a field a later assumption sets.",
        "rationale": "The chained-assumption pack that once split the interview from the engine.",
        "sources": ["seed_p1"],
        "salience": 100,
        "when": {"fact": "sea_freight", "op": "eq", "value": True},
        "then": {"assume": "working_capital", "value": "high"},
        "examples": [{"profile": {}, "fires": False}],
    },
    {
        "id": "middle_sets_the_input",
        "statement": "Planted: a salience-50 assumption.",
        "rationale": "Sets what the salience-100 assumption reads.",
        "sources": ["seed_p1"],
        "salience": 50,
        "when": {"fact": "sea_freight", "op": "absent"},
        "then": {"assume": "sea_freight", "value": True},
        "examples": [{"profile": {}, "fires": True}],
    },
    {
        "id": "low_sets_the_same_target",
        "statement": "Planted: a salience-10 assumption on the same target.",
        "rationale": "Competes with the salience-100 assumption for working_capital.",
        "sources": ["seed_p1"],
        "salience": 10,
        "when": {"fact": "working_capital", "op": "absent"},
        "then": {"assume": "working_capital", "value": "low"},
        "examples": [{"profile": {}, "fires": True}],
    },
    {
        "id": "capital_decides",
        "statement": "Planted: high capital favours semi-managed on {platform.name}.",
        "rationale": "Makes the assumed capital change the advice.",
        "sources": ["seed_p1"],
        "when": {"fact": "working_capital", "op": "eq", "value": "high"},
        "then": {"favour": "semi-managed", "weight": 3},
        "examples": [{"profile": {"working_capital": "high"}, "fires": True}],
    },
]


@pytest.fixture(scope="module")
def chained(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    return Advisor(_pack(tmp_path_factory.mktemp("chained"), CHAINED))


def test_a_chained_assumption_fires_in_salience_order_on_both_engines(chained: Advisor) -> None:
    profile = SellerProfile.from_dict({"platforms": ["temu"]})
    _same(chained, profile)
    record = _compiled_record(chained, profile)
    # sea_freight is assumed first (50); that wakes the salience-100 assumption before the salience-10 one.
    assert [f.rule for f in record.firings if f.platform is None] == [
        "middle_sets_the_input",
        "high_reads_what_middle_sets",
    ]
    assert record.decisions["temu"].model == "semi-managed"


def test_the_evaluator_answers_the_model_question_for_any_facts(chained: Advisor) -> None:
    evaluator = Evaluator(chained.rules)
    assert evaluator.models({}, ("temu",)) == {"temu": "semi-managed"}
    assert evaluator.models({"sea_freight": False}, ("temu",)) == {"temu": "fully-managed"}


@_proof(8)
@given(data=profiles, bump=st.integers(1, 3))
def test_a_compiled_consultation_is_byte_identical_to_experta_even_from_the_cache(
    advisor: Advisor, data: dict[str, Any], bump: int
) -> None:
    """Result and trace JSON are the same whichever engine ran, also when the compiled path reuses
    the advice of an earlier seller the rules cannot tell apart (here: a few more monthly orders)."""
    _byte_identical(advisor, data, bump)


@pytest.mark.slow
@_proof(60)
@given(data=profiles, bump=st.integers(1, 3))
def test_many_compiled_consultations_are_byte_identical_to_experta(advisor: Advisor, data: dict[str, Any], bump: int) -> None:
    _byte_identical(advisor, data, bump)


def _byte_identical(advisor: Advisor, data: dict[str, Any], bump: int) -> None:
    first = SellerProfile.from_dict(data)
    advisor.consult(first, engine="compiled")  # warms the cache
    second = SellerProfile.from_dict({**data, "monthly_orders": (data.get("monthly_orders") or 0) + bump})
    for profile in (first, second):
        compiled = advisor.consult(profile, engine="compiled")
        reference = advisor.consult(profile, engine="experta")
        assert compiled.to_json() == reference.to_json()
        assert compiled.to_json(indent=None) == json.dumps(reference.to_dict(), ensure_ascii=False)
        assert compiled.trace.to_json() == reference.trace.to_json()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_that_share_a_platform_are_each_their_own_run(
    monkeypatch: pytest.MonkeyPatch, examples_dir: Path, lang: str
) -> None:
    """A catalogue's run takes an earlier run's platform concluded on the same facts (advisor._share_platforms), or
    is made of them all (advisor._assembled): what it takes is what the rules concluded on that platform in this
    run, and each product's advice is its own consultation's, word for word."""
    taken: list[str] = []
    plain = advisor_module._share_platforms

    def checked(run: Conclusions, part: Any, ran: Any, parts: Any) -> None:
        own = {p: (dict(run.concluded[p]), run.decisions[p], dict(run.declared[p])) for p in run.declared}
        plain(run, part, ran, parts)
        for p, (concluded, decision, declared) in own.items():
            if any(known[1] is not run and known[1].concluded.get(p) is run.concluded[p] for known in parts.values()):
                taken.append(p)
            assert (run.concluded[p], run.decisions[p], run.declared[p]) == (concluded, decision, declared)

    made = advisor_module._assembled
    assembled: list[Conclusions] = []

    def counted(part: Any, ran: Any, parts: Any) -> Conclusions | None:
        run = made(part, ran, parts)
        if run is not None:
            assembled.append(run)
        return run

    monkeypatch.setattr(advisor_module, "_share_platforms", checked)
    monkeypatch.setattr(advisor_module, "_assembled", counted)
    # The example's products, and again in other categories (which some rules read, and the routes of a market may).
    with (examples_dir / "catalogue-ningbo-home.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    rows += [{**row, "sku": f"{row['sku']}-{category}", "category": category} for category in ("toys", "food") for row in rows]
    catalogue = Advisor().catalogue(SellerProfile.from_file(examples_dir / "catalogue-ningbo-home.yaml"), rows, lang=lang)
    assert len(taken) >= 10 and len(assembled) >= 5  # the example's runs do share platforms, and some are made of them
    alone = Advisor()
    for product in catalogue.products:
        assert product.result.to_json() == alone.consult(product.result.profile, engine="compiled", lang=lang).to_json()


def test_a_run_takes_a_platform_only_from_a_run_of_the_same_reading(advisor: Advisor, examples_dir: Path) -> None:
    """advisor._share_platforms: a platform is taken from an earlier run of the same market, seller signature, route
    answers, platform reading and facts; a seller the rules read apart (another signature) keeps its own; a run
    whose every platform was concluded so before is made of them (advisor._assembled), equal to its own run."""
    company = SellerProfile.from_file(examples_dir / "catalogue-ningbo-home.yaml")
    evaluator = advisor.evaluator
    runs: list[tuple[Conclusions, dict[str, Any]]] = []
    parts: dict[Any, Any] = {}
    for capacity in ("medium", "low", "medium"):
        plan = advisor._plans(company.with_changes(operational_capacity=capacity), None)[0]
        facts = fact_values(plan.profile)
        platforms = plan.profile.platforms
        given = advisor._margin_facts(plan.profile, plan.overrides)
        ran = runs[0][1] if runs else {p: given[p] for p in platforms if p in given}
        readings = tuple(evaluator.platform_reading(p, ran.get(p)) for p in platforms)
        run = evaluator.conclude(facts, platforms, platform_overrides=ran)
        own = {p: (dict(run.concluded[p]), run.decisions[p], dict(run.declared[p])) for p in run.declared}
        part = (plan.market, evaluator.signature(facts, platforms), plan.terms, readings)
        # Made of earlier runs' platforms when each was concluded on the same (the third run): equal to the run.
        assembled = advisor_module._assembled(part, ran, parts)
        assert assembled is None if len(runs) < 2 else assembled == run
        advisor_module._share_platforms(run, part, ran, parts)
        assert {p: (run.concluded[p], run.decisions[p], run.declared[p]) for p in run.declared} == own
        runs.append((run, ran))
    (first, _), (other, _), (again, _) = runs
    for p in first.declared:
        assert other.kept[("platform", p)] is not first.kept[("platform", p)]
        assert again.kept[("platform", p)] is first.kept[("platform", p)]
        assert again.concluded[p] is first.concluded[p]
    assert any(other.concluded[p] != first.concluded[p] for p in first.declared)


def test_sellers_with_their_own_numbers_never_share_cached_advice(advisor: Advisor, examples_dir: Path) -> None:
    """The compiled path's cache leaves out profiles with economics: their margin facts are their own."""
    base = SellerProfile.from_file(examples_dir / "margin-home-goods.toml").to_dict()
    cheaper = json.loads(json.dumps(base))
    cheaper["economics"]["semi-managed"]["price"] = 7.5  # semi-managed now leaves less on every platform
    for data in (base, cheaper):
        profile = SellerProfile.from_dict(data)
        compiled = advisor.consult(profile, engine="compiled")
        assert compiled.to_json() == advisor.consult(profile, engine="experta").to_json()
    first = advisor.consult(SellerProfile.from_dict(base), engine="compiled")
    second = advisor.consult(SellerProfile.from_dict(cheaper), engine="compiled")
    assert [r.reasons for r in first.recommendations] != [r.reasons for r in second.recommendations]


# -- coverage's replay and counts agree with the engine ----------------------------------------------


def _space_profile(values: dict[str, object]) -> dict[str, object]:
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
        profile = _space_profile({name: rng.choice(rng.choice(classes).members) for name, classes in space.fields.items()})
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
        result = advisor.consult(_space_profile(dict(zip(read, (c.value for c in combo), strict=True))))
        for firing in {(f.rule, f.platform or "*") for f in result.trace.firings if f.rule != "decide"}:
            fired[firing] = fired.get(firing, 0) + weight
        for rec in result.recommendations:
            split[rec.platform][rec.model] += weight
    for rule in report.rules:
        for platform, count in rule.firings.items():
            assert fired.get((rule.rule, platform), 0) == count, (rule.rule, platform)
    assert {p: dict(m) for p, m in report.split.items()} == split


# -- route checks shared between sellers whose answers the routes read alike ------------------------------


def test_route_checks_filed_by_what_they_read_are_those_of_the_sellers_own_answers(advisor: Advisor) -> None:
    # The advisor files route checks by what check_route reads of the answers (a test of an internal on
    # purpose: sharing them must never give one seller another's checks, word for word).
    values: dict[str, tuple[Any, ...]] = {
        "company_base": (None, "CN", "HK", "US", "UK", "EU", "OTHER"),
        "local_entity": (None, True, False),
        "vat_markets": (None, (), ("DE",), ("EU",), ("UK", "US")),
        "stock_markets": (None, (), ("US",), ("FR",), ("UK", "DE")),
        "local_warehouse": (None, True, False),
        "invited": (None, True, False),
        "marketplace_history": (None, True, False),
        "weight_class": (None, "parcel", "heavy", "oversized"),
        "category": (None, "apparel", "beauty", "food", "other"),
    }
    rules = advisor.rules
    rng = __import__("random").Random(21)
    seen: dict[Any, Any] = {}
    for _ in range(3000):
        terms = SellerTerms(**{name: rng.choice(choices) for name, choices in values.items()})
        market = rng.choice(("US", "UK", "DE", "FR", "ES", "BR", "JP", "SA"))
        platform = rng.choice(sorted(rules.platforms))
        answers = what_routes_read(terms, market, route_reading(rules.routes, platform, market))
        assert answers is not None
        checks = advisor._market_routes(platform, market, terms, "en")
        key = (platform, market, answers)
        if key in seen:
            assert seen[key] == checks, (key, terms)
        seen[key] = checks
    assert len(seen) < 3000  # some sharing, or the test shows nothing


# -- one memory budget per process: each store lets go past its share, and answers the same ---------------------


def _diverse_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Sellers that differ in what the rules read (bench/population.py's kind): every field random or unknown."""
    rng = random.Random(seed)
    markets = ("US", "UK", "DE", "FR", "ES", "IT", "PL", "BR", "JP", "KR", "AU", "SA")
    out: list[dict[str, str]] = []
    while len(out) < count:
        row: dict[str, str] = {}
        for spec in FIELDS:
            if spec.name == "name" or rng.random() < 0.2:
                continue
            if spec.kind == "markets":
                row[spec.name] = ";".join(rng.sample(markets, rng.randint(1, 3)))
            elif spec.kind == "count":
                row[spec.name] = str(int(10 ** rng.uniform(0, 5)))
            elif spec.kind == "platforms":
                row[spec.name] = ";".join(rng.sample(spec.allowed, rng.randint(1, len(spec.allowed))))
            elif spec.allowed:
                row[spec.name] = rng.choice(spec.allowed)
        try:
            profile = SellerProfile.from_dict(row)
            for market in profile.target_markets or ():
                profile.with_changes(target_markets=(market,))
        except ProfileError:
            continue
        out.append(row)
    return out


_STORES = [
    # (the bound, a small value for it, what the store holds in the bound's units)
    pytest.param("sellerexpert._advisor._ROUTES_HELD", 60_000, lambda a: a._route_read_held, id="route-checks"),
    pytest.param("sellerexpert._advisor._ROUTE_KEYS_KEPT", 12, lambda a: len(a._route_cache), id="route-keys"),
    pytest.param("sellerexpert._engine.evaluator._VIEW_CELLS", 1_500, lambda a: a._evaluator._views_held, id="views"),
    pytest.param("sellerexpert._engine.evaluator._SHARED_BRANCHES", 150, lambda a: a._evaluator._enabled_held, id="bindings"),
    pytest.param("sellerexpert._advisor._RESULTS_HELD", 12, lambda a: a._results_held, id="advice"),
    pytest.param("sellerexpert._advisor._PIECES_KEPT", 10, lambda a: len(a._pieces), id="pieces"),
    pytest.param("sellerexpert._advisor._ASSUMED_KEPT", 4, lambda a: len(a._assumed), id="assumptions"),
    pytest.param("sellerexpert._advisor._OUTCOMES_KEPT", 6, lambda a: len(a._outcomes), id="outcomes"),
    pytest.param("sellerexpert._advisor._RESTS_ON_KEPT", 4, lambda a: len(a._rests_on), id="rests-on"),
    pytest.param("sellerexpert._advisor._WORDED_ROUTES_KEPT", 6, lambda a: len(a._routes_worded), id="worded-routes"),
    pytest.param("sellerexpert._profile.profile._CONVERTED_KEPT", 20, lambda a: len(profile_module._CONVERTED), id="cells"),
]


@pytest.mark.parametrize("bound, small, held", _STORES)
def test_a_store_past_its_share_lets_go_and_answers_the_same(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch, bound: str, small: int, held: Callable[[Advisor], int]
) -> None:
    rows = _diverse_rows(24, seed=sum(map(ord, bound)))
    consults = [(row, lang) for row in rows for lang in ("en", "zh")]

    def answers(of: Advisor, weights: list[int] | None = None) -> list[Any]:
        out = []
        for row, lang in consults:
            result = of.consult(row, engine="compiled", lang=lang)
            out.append((result.to_dict(), result.trace.to_dict() if lang == "en" else None))
            if weights is not None:
                weights.append(held(of))
        return out

    expected = answers(advisor)  # the session's advisor, at the shipped bounds
    monkeypatch.setattr(bound, small)
    monkeypatch.setattr(profile_module, "_CONVERTED", {})  # the process's cells, as the first pass left them
    weights: list[int] = []
    assert answers(Advisor(), weights) == expected
    assert max(weights) <= small
    assert any(later < earlier for earlier, later in itertools.pairwise(weights)), "the store never let go"


def test_the_shares_add_up_to_one_budget_and_bound_the_stores() -> None:
    assert sum(memory.SHARES.values()) == memory.BUDGET
    bounds = {
        "route checks": advisor_module._ROUTES_HELD,  # in bytes already
        "route keys": advisor_module._ROUTE_KEYS_KEPT * advisor_module._ROUTE_KEY_BYTES,
        "platform views": evaluator_module._VIEW_CELLS * evaluator_module._VIEW_CELL_BYTES,
        "shared bindings": evaluator_module._SHARED_BRANCHES * evaluator_module._BRANCH_BYTES,
        "advice": advisor_module._RESULTS_HELD * advisor_module._RESULT_BYTES,
        "pieces": advisor_module._PIECES_KEPT * advisor_module._PIECE_BYTES,
        "assumptions": advisor_module._ASSUMED_KEPT * advisor_module._ASSUMED_BYTES,
        "outcomes": advisor_module._OUTCOMES_KEPT * advisor_module._OUTCOME_BYTES,
        "rests on": advisor_module._RESTS_ON_KEPT * advisor_module._RESTS_ON_BYTES,
        "worded routes": advisor_module._WORDED_ROUTES_KEPT * 2048,
        "converted cells": profile_module._CONVERTED_KEPT * 256,
    }
    assert set(bounds) == set(memory.SHARES)
    for store, weight in bounds.items():
        assert memory.SHARES[store] - 2048 < weight <= memory.SHARES[store], store


def _deep_size(root: Any, skip: set[int]) -> int:
    """What ``root`` keeps alive, as ``sys.getsizeof`` counts it, less the objects in ``skip`` (the rule book's)."""
    total, stack = 0, [root]
    while stack:
        obj = stack.pop()
        if id(obj) in skip or isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            continue
        skip.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def test_the_route_checks_and_views_weigh_at_least_what_they_hold() -> None:
    # The weights are estimates per entry and per cell: measured here on diverse sellers, what the stores keep
    # alive beyond the rule book stays within what they count, so the budget bounds real bytes.
    fresh = Advisor()
    ev = fresh._evaluator
    stores = (fresh._route_read, fresh._route_checks, fresh._route_texts, ev._platform_cache)
    skip: set[int] = set()
    _deep_size(fresh, skip)
    skip -= {id(store) for store in stores}
    for row in _diverse_rows(300, seed=7):
        fresh.consult(row, engine="compiled")
    routes = sum(_deep_size(store, skip) for store in stores[:3])
    assert 0.5 * fresh._route_read_held < routes <= fresh._route_read_held
    views = _deep_size(ev._platform_cache, skip)
    assert 0.5 * ev._views_held * evaluator_module._VIEW_CELL_BYTES < views <= ev._views_held * evaluator_module._VIEW_CELL_BYTES


_LOOKALIKES = (
    0, 1, True, False, 0.0, 1.0, -0.0, 2, 2.0, 500, 500.0, "1", "home", "parcel", "US", ("US",), ["US"], ("US", 1),
    ("US", "DE"), (), [], None,
)
"""Values a remembered answer must not take for one another (1, 1.0 and True; a tuple and a list...)."""


@_proof(10)
@given(data=profiles)
def test_the_answers_remembered_by_the_tested_fields_values_are_the_answers_worked_out(
    advisor: Advisor, data: dict[str, Any]
) -> None:
    # A signature's answers are remembered by the values of the fields the seller tests read (Evaluator._answers_of):
    # on one evaluator, the same as the generated tests give for a profile with each look-alike value in each field
    # in turn (each remembered before the next is asked).
    evaluator = advisor.evaluator
    facts = fact_values(_consistent(data))
    assert evaluator._answers_of(facts) == evaluator._answers(facts)
    for name in evaluator._tested_fields:
        for value in _LOOKALIKES:
            changed = {**facts, name: value}
            assert evaluator._answers_of(changed) == evaluator._answers(changed), (name, value)


@_proof(40)
@given(data=profiles, order=st.randoms(use_true_random=False))
def test_a_signature_lists_the_known_fields_in_profile_order_whatever_order_they_come_in(
    advisor: Advisor, data: dict[str, Any], order: random.Random
) -> None:
    # The order is kept by the names as given (a catalogue's products give the same few): the same as worked out,
    # for the first facts given so and for every later one, in any order given and for any subset.
    facts = fact_values(_consistent(data))
    evaluator = advisor.evaluator
    for _ in range(4):
        names = list(facts)
        order.shuffle(names)
        given_facts = {name: facts[name] for name in names[: order.randint(0, len(names))]}
        for _again in range(2):
            signature = evaluator.signature(given_facts, ("temu",))
            assert signature is not None
            assert signature[1] == tuple(evaluator_module._in_profile_order(given_facts))


_TEXT_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=4),
    st.lists(st.text(max_size=3), max_size=3), st.tuples(st.text(max_size=3)),
)


@_proof(200)
@given(
    pieces=st.lists(
        st.tuples(st.text(alphabet="ab {}.x", max_size=4), st.sampled_from(["a", "b", "platform.c", "d_e"])), max_size=5
    ),
    tail=st.text(alphabet="ab {}", max_size=3),
    values=st.fixed_dictionaries({}, optional={name: _TEXT_VALUES for name in ("a", "b", "platform.c", "d_e")}),
    fixed=st.sets(st.sampled_from(["a", "b", "platform.c", "d_e"])),
    lang=st.sampled_from(["en", "zh"]),
)
def test_a_text_split_once_with_its_fixed_facts_filled_in_is_the_text_rendered(
    pieces: list[tuple[str, str]], tail: str, values: dict[str, Any], fixed: set[str], lang: str
) -> None:
    # A shared run's frame splits a reason's text once with the facts no product changes filled in (_parts); each
    # product's text is those parts with its own values filled in between: render()'s text, outside Chinese.
    from sellerexpert._rulebook.templates import filled, render

    template = "".join(f"{text}{{{name}}}" for text, name in pieces) + tail
    parts = advisor_module._parts(template, {name: values.get(name) for name in fixed}, lang)
    if lang == "zh":
        assert parts is None
        return
    assert parts is not None
    text = [parts[0]]
    for index in range(1, len(parts), 2):
        text += (filled(values.get(parts[index]), lang), parts[index + 1])
    assert "".join(text) == render(template, values, lang=lang)


def test_settle_programs_compiled_once_per_source_settle_each_view_as_experta(examples_dir: Path) -> None:
    """_settler compiles each program once per source (_SETTLE_CODE: views of other bindings often settle through
    the same steps) and binds each view's own names by running it in the view's namespace: a fresh advisor whose
    views find every program compiled by another advisor's concludes as Experta, word for word."""
    company = SellerProfile.from_file(examples_dir / "catalogue-ningbo-home.yaml")
    profiles = [
        company.with_changes(category=category, weight_class=weight, operational_capacity=capacity)
        for category, weight, capacity in (("home", "parcel", "medium"), ("toys", "heavy", "low"), ("beauty", "parcel", "high"))
    ]
    evaluator_module._SETTLE_CODE.clear()
    first = Advisor()
    for profile in profiles:
        first.consult(profile, engine="compiled")
    compiled = len(evaluator_module._SETTLE_CODE)
    assert compiled
    second = Advisor()
    for profile in reversed(profiles):
        assert second.consult(profile, engine="compiled").to_json() == second.consult(profile, engine="experta").to_json()
    assert len(evaluator_module._SETTLE_CODE) == compiled  # every program the second found compiled


def test_a_reading_s_number_is_the_same_for_equal_readings_only(advisor: Advisor, examples_dir: Path) -> None:
    """Evaluator.numbered_reading: a catalogue keys its shared runs by reading numbers; equal readings (of other
    values the literals answer alike) have one number, readings apart never share one."""
    company = SellerProfile.from_file(examples_dir / "catalogue-ningbo-home.yaml")
    evaluator = advisor.evaluator
    plan = advisor._plans(company, None)[0]
    given = advisor._margin_facts(plan.profile, plan.overrides)
    platform = plan.profile.platforms[0]
    facts = dict(given[platform])
    seen: dict[int, tuple[Any, ...]] = {}
    for gap in (0, 1, 2, 3, 5, 8, 13, 21, 40, 80):
        for leader in ("fully-managed", "semi-managed"):
            reading, number = evaluator.numbered_reading(platform, {**facts, "margin_gap_pct": gap, "margin_leader": leader})
            assert number is not None
            assert reading == evaluator.platform_reading(platform, {**facts, "margin_gap_pct": gap, "margin_leader": leader})
            assert seen.setdefault(number, reading) == reading
    assert len(set(seen.values())) == len(seen) >= 2
