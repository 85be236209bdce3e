"""Properties over all valid profiles (hypothesis): shape, ranges, determinism, monotonicity, agreement.

Each property runs twice: on a tenth of its examples in the default run, and on all of them in the
slow set (``python -m pytest -m slow tests/engine/test_properties.py``, which CI runs).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from sellerexpert import FIELDS, MODELS, PLATFORMS, Advisor, ProfileError, SellerProfile, Trace

_ALLOWED = {spec.kind: spec.allowed for spec in FIELDS}
"""Each kind of enumerated field's allowed values, from the public field table."""
LEVELS, SERVICE_LEVELS, REGIONS = _ALLOWED["level"], _ALLOWED["service"], _ALLOWED["region"]
WEIGHT_CLASSES, CATEGORIES = _ALLOWED["weight"], _ALLOWED["category"]

ADVISOR = Advisor()
SCALES = [pytest.param(0.1, id="sample"), pytest.param(1.0, id="full", marks=pytest.mark.slow)]
"""The share of a property's examples tried: a tenth in the default run, all of them in the slow set."""


def _settings(examples: int, share: float) -> settings:
    return settings(max_examples=max(3, round(examples * share)), deadline=None, suppress_health_check=[HealthCheck.too_slow])

_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "text": st.text(max_size=20),
    "platforms": st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=3, unique=True),
    "markets": st.lists(st.sampled_from(["US", "UK", "EU", "DE", "FR", "ES", "BR", "JP"]), max_size=3, unique=True),
    "level": st.sampled_from(LEVELS),
    "service": st.sampled_from(SERVICE_LEVELS),
    "region": st.sampled_from(REGIONS),
    "bool": st.booleans(),
    "count": st.one_of(st.integers(0, 20_000), st.sampled_from([0, 299, 300, 2999, 3000])),
    "weight": st.sampled_from(WEIGHT_CLASSES),
    "category": st.sampled_from(CATEGORIES),
}


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid profile: each field present with a valid value, or absent."""
    data = {}
    for spec in FIELDS:
        if draw(st.booleans()):
            data[spec.name] = draw(_VALUES[spec.kind])
    try:
        SellerProfile.from_dict(data)
    except ProfileError:
        reject()  # answers that contradict each other are refused (tests/rulebook/test_routes.py)
    return data


@pytest.mark.parametrize("share", SCALES)
def test_one_model_per_platform_asked_with_confidence_in_range(share: float) -> None:
    @_settings(60, share)
    @given(profiles())
    def check(data: dict[str, Any]) -> None:
        result = ADVISOR.consult(data)
        asked = SellerProfile.from_dict(data).platforms
        assert [r.platform for r in result.recommendations] == list(asked)
        for rec in result.recommendations:
            assert rec.model in MODELS
            assert 0.0 <= rec.confidence <= 1.0
            assert all(isinstance(v, int) and v >= 0 for v in rec.scores.values())
            if rec.excluded and len(rec.excluded) == 1:
                assert rec.model not in rec.excluded
        assert result.best.platform in asked
        assert (result.best.platform, result.best.model) in {(r.platform, r.model) for r in result.recommendations}

    check()


@pytest.mark.parametrize("share", SCALES)
def test_deterministic_and_field_order_irrelevant(share: float) -> None:
    @_settings(60, share)
    @given(profiles(), st.randoms(use_true_random=False))
    def check(data: dict[str, Any], rnd: Any) -> None:
        first = ADVISOR.consult(data)
        items = list(data.items())
        rnd.shuffle(items)
        again = ADVISOR.consult(dict(items))
        assert first.to_json() == again.to_json()
        assert first.trace.to_json() == again.trace.to_json()

    check()


@pytest.mark.parametrize("share", SCALES)
def test_trace_round_trips_through_json(share: float) -> None:
    @_settings(60, share)
    @given(profiles())
    def check(data: dict[str, Any]) -> None:
        trace = ADVISOR.consult(data).trace
        text = trace.to_json()
        assert Trace.from_json(text).to_json() == text
        assert json.loads(text)["result"] == {k: v for k, v in ADVISOR.consult(data).to_dict().items() if k != "lang"}

    check()


_RAISABLE = {
    "control_priority": LEVELS,
    "fee_sensitivity": LEVELS,
    "operational_capacity": LEVELS,
    "customer_service": SERVICE_LEVELS,
    "working_capital": LEVELS,
    "local_warehouse": (False, True),
}


@pytest.mark.parametrize("share", SCALES)
def test_raising_a_capacity_or_priority_never_moves_semi_to_full(share: float) -> None:
    """Raising control, fee sensitivity, capacity, service or capital, or gaining a warehouse, never pushes towards full."""

    @_settings(120, share)
    @given(profiles(), st.sampled_from(sorted(_RAISABLE)), st.data())
    def check(data: dict[str, Any], field: str, draw: st.DataObject) -> None:
        levels = _RAISABLE[field]
        low = draw.draw(st.integers(0, len(levels) - 2), label="lower level")
        high = draw.draw(st.integers(low + 1, len(levels) - 1), label="higher level")
        try:
            before = ADVISOR.consult({**data, field: levels[low]})
            after = ADVISOR.consult({**data, field: levels[high]})
        except ProfileError:
            reject()  # the new answer contradicts another one (a warehouse, but stock listed elsewhere)
        for old, new in zip(before.recommendations, after.recommendations, strict=True):
            assert not (old.model == "semi-managed" and new.model == "fully-managed"), (
                f"{old.platform}: {field} {levels[low]} -> {levels[high]} moved semi-managed to fully-managed"
            )

    check()


@pytest.mark.parametrize("share", SCALES)
def test_gaining_a_warehouse_from_unknown_never_moves_semi_to_full(share: float) -> None:
    @_settings(60, share)
    @given(profiles())
    def check(data: dict[str, Any]) -> None:
        data.pop("local_warehouse", None)
        before = ADVISOR.consult(data)
        try:
            after = ADVISOR.consult({**data, "local_warehouse": True})
        except ProfileError:
            reject()
        for old, new in zip(before.recommendations, after.recommendations, strict=True):
            assert not (old.model == "semi-managed" and new.model == "fully-managed")

    check()


@pytest.mark.parametrize("share", SCALES)
def test_each_rule_fires_at_most_once_per_platform_and_every_platform_is_decided(share: float) -> None:
    @_settings(60, share)
    @given(profiles())
    def check(data: dict[str, Any]) -> None:
        # What fires, and in which order, is checked against the compiled evaluator in test_evaluator.py.
        result = ADVISOR.consult(data)
        # The rules run once per target market: at most once per platform and market.
        fired = [(f.rule, f.platform, f.market) for f in result.trace.firings if f.rule != "decide"]
        assert len(set(fired)) == len(fired), "a rule fired twice"
        runs = len(result.profile.target_markets or (None,))
        assert sorted(f.platform for f in result.trace.firings if f.rule == "decide") == sorted(result.profile.platforms * runs)

    check()
