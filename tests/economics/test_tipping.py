"""The tipping values without the search: each number's shape (a straight line, or the VAT rate's line in
1 / (1 + r)) gives the very value the bisection gives, on generated functions and on the arithmetic itself.

These tests import the private solver and plan on purpose: the closed forms are an internal shortcut, and
what they must equal is the general search beside them, which no public name reaches alone.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, SCALES, scaled
from sellerexpert import Advisor, SellerProfile
from sellerexpert._economics import margins
from sellerexpert._economics.landed import market_columns

ONE = Fraction(1)
rationals = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6)
tops = st.sampled_from([None, ONE, Fraction(margins.MAX_DAYS)])


@pytest.mark.parametrize("scale", SCALES)
def test_a_straight_line_is_solved_as_the_search_solves_it(scale: float) -> None:
    @settings(max_examples=scaled(100, scale), deadline=None)
    @given(start=rationals, slope=rationals, top=tops)
    def check(start: Fraction, slope: Fraction, top: Fraction | None) -> None:
        def line(x: Fraction) -> Fraction:
            return start + slope * x

        assert margins._solve(line, top, shape="affine") == margins._solve(line, top)

    check()


@pytest.mark.parametrize("scale", SCALES)
def test_a_line_in_one_over_one_plus_the_rate_is_solved_as_the_search_solves_it(scale: float) -> None:
    # The shape of the month in the VAT rate: affine in 1 / (1 + r), bent by a capped fee (a convex kink).
    @settings(max_examples=scaled(300, scale), deadline=None)
    @given(
        start=rationals,
        slope=rationals,
        fee=st.fractions(min_value=0, max_value=50, max_denominator=1000),
        cap=st.one_of(st.none(), st.fractions(min_value=0, max_value=50, max_denominator=1000)),
        top=st.sampled_from([ONE, Fraction(1, 2)]),
    )
    def check(start: Fraction, slope: Fraction, fee: Fraction, cap: Fraction | None, top: Fraction) -> None:
        def month(x: Fraction) -> Fraction:
            s = 1 / (1 + x)
            return start + slope * s - (fee * s if cap is None else min(fee * s, cap))

        assert margins._solve(month, top, shape="vat") == margins._solve(month, top)

    check()


def test_a_root_on_the_search_grid_ends_where_the_search_ends() -> None:
    # Roots that fall on points the search tests: a zero counts on 0's side only when f(0) < 0.
    for root in (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), ONE):
        for sign in (1, -1):

            def month(x: Fraction, root: Fraction = root, sign: int = sign) -> Fraction:
                return sign * (1 / (1 + x) - 1 / (1 + root))

            assert margins._solve(month, ONE, shape="vat") == margins._solve(month, ONE), (root, sign)


def _economics(draw: Any) -> dict[str, Any]:
    """The catalogue example's economics with a product's numbers drawn over them (some left out: needed)."""
    profile = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml").to_dict()
    numbers = profile["economics"]
    cost = draw(st.integers(50, 9000)) / 100
    numbers["unit_cost"] = cost
    numbers["monthly_units"] = draw(st.integers(1, 3000))
    numbers["fully-managed"]["price"] = round(cost * draw(st.floats(0.8, 3.0)), 2)
    numbers["semi-managed"]["price"] = round(cost * draw(st.floats(1.2, 5.0)), 2)
    for name in ("return_rate", "commission", "vat_rate", "price_cut", "payment_fee", "affiliate_commission"):
        if draw(st.booleans()):
            numbers["semi-managed"][name] = f"{draw(st.integers(0, 30))}%"
    for name in ("fixed_per_month", "ads_per_unit", "cost_per_return", "last_mile_per_order"):
        if draw(st.booleans()):
            numbers["semi-managed"][name] = draw(st.integers(0, 900)) / 100
    return profile


@pytest.mark.parametrize("scale", SCALES)
def test_each_shaped_number_tips_where_the_search_says_on_the_real_arithmetic(advisor: Advisor, scale: float) -> None:
    # Every number given a shape, on every route the example prices: the month as _amounts works it out,
    # against a target drawn near it, solved with the shape and by the search.
    @settings(max_examples=scaled(25, scale), deadline=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        profile = SellerProfile.from_dict(_economics(data.draw))
        economics = profile.economics
        assert economics is not None
        columns = market_columns(advisor.rules, profile)
        assert columns is not None
        units = Fraction(economics.monthly_units)
        for platform, markets in columns.items():
            for market in markets:
                for column in market.columns:
                    plan = margins._plan(economics, platform, market.market, column, None)
                    now = margins._per_month(plan, units)
                    name = data.draw(st.sampled_from(sorted(margins._SHAPES)))
                    target = now + data.draw(st.fractions(min_value=-500, max_value=500, max_denominator=100))
                    without = replace(plan, inputs={k: v for k, v in plan.inputs.items() if k != name})

                    def gap(
                        x: Fraction, plan: Any = without, name: str = name, target: Fraction = target
                    ) -> Fraction:
                        return margins._per_month(plan, units, changes={name: x}) - target

                    top = margins._top(name)
                    shaped = margins._solve(gap, top, shape=margins._SHAPES[name])
                    assert shaped == margins._solve(gap, top), (platform, market.market, column.route, name)

    check()


def test_the_comparison_is_the_same_with_the_shapes_and_with_the_search_alone(advisor: Advisor) -> None:
    # The catalogue example's company, every platform and market: the needed numbers and their tipping values.
    profile = SellerProfile.from_file(EXAMPLES / "catalogue-ningbo-home.yaml")
    economics = profile.economics
    assert economics is not None
    columns = market_columns(advisor.rules, profile)
    assert columns is not None
    units = Fraction(economics.monthly_units)
    tipped = 0
    for platform, markets in columns.items():
        for market in markets:
            plans = [margins._plan(economics, platform, market.market, c, None) for c in market.columns]
            models = tuple(margins._model_margin(plan, economics.monthly_units, platform) for plan in plans)
            if len(models) < 2:
                continue
            gap = models[0].contribution_per_month - models[1].contribution_per_month
            leader = margins.FULL if gap > 0 else margins.SEMI
            shaped = margins._tips(plans, models, leader, units)
            assert shaped == margins._tips(plans, models, leader, units, shapes={})
            tipped += sum(n.tips_at is not None for n in shaped)
    assert tipped  # the example has numbers that could tip it


@pytest.mark.parametrize("scale", SCALES)
def test_the_unsold_share_is_solved_as_the_search_solves_it(scale: float) -> None:
    # The month in the unsold share: the landed cost's write-off x / (1 - x) below 100%, none at 100%.
    @settings(max_examples=scaled(200, scale), deadline=None)
    @given(start=rationals, landed=rationals, half=st.booleans())
    def check(start: Fraction, landed: Fraction, half: bool) -> None:
        if half:
            start = landed  # the month is 0 at the probe, 1/2
        def month(x: Fraction) -> Fraction:
            return start - (landed * x / (1 - x) if x < 1 else 0)

        assert margins._solve(month, ONE, shape="unsold") == margins._solve(month, ONE)

    check()
