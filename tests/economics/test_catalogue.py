"""Per-product advice (Advisor.catalogue): each product's route, contribution and reason, and the split."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLES

from sellerexpert import Advisor, Catalogue, ProfileError, SellerProfile, shipped_rules_dir

CSV = EXAMPLES / "catalogue-ningbo-home.csv"
COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"


@pytest.fixture(scope="module")
def shipped(advisor: Advisor) -> Catalogue:
    """The shipped example, advised once for the module."""
    return advisor.catalogue(SellerProfile.from_file(COMPANY), CSV)


@pytest.fixture(scope="module")
def apart() -> Advisor:
    """An advisor of its own, so a product consulted alone shares nothing with the catalogue's runs."""
    return Advisor()


def _placement(catalogue: Catalogue, sku: str, platform: str, market: str) -> Any:
    product = next(p for p in catalogue.products if p.sku == sku)
    return next(p for p in product.placements if p.platform == platform and p.market == market)


# -- the shipped example: what a seller reads --------------------------------------------


def test_every_product_gets_a_placement_per_platform_and_market(shipped: Catalogue) -> None:
    assert len(shipped.products) == 30 and shipped.errors == ()
    assert shipped.unknown_columns == ("supplier",)
    for product in shipped.products:
        assert [(p.platform, p.market) for p in product.placements] == [
            (platform, market) for platform in ("temu", "aliexpress", "tiktok_shop") for market in ("US", "DE")
        ]
        assert all(p.reason for p in product.placements)


def test_heavy_products_land_on_a_local_stock_route_or_none(shipped: Catalogue) -> None:
    heavy = [p for p in shipped.products if p.weight_class in ("heavy", "oversized")]
    assert {p.sku for p in heavy} == {"NB-010", "NB-011", "NB-012", "NB-013", "NB-014", "NB-029", "NB-030"}
    for product in heavy:
        temu_us = _placement(shipped, product.sku, "temu", "US")
        assert temu_us.route == "temu_local"  # the seller's US warehouse: Temu's parcel-only routes are closed
        assert _placement(shipped, product.sku, "aliexpress", "US").route == "aliexpress_overseas_store"
        for platform in ("temu", "aliexpress"):
            germany = _placement(shipped, product.sku, platform, "DE")
            assert germany.route is None and not germany.carried  # no stock in Germany, parcels only from China
            assert "parcel-sized" in germany.reason
    carried_not = {(m.sku, m.platform, m.market) for m in shipped.split.not_carried}
    assert ("NB-012", "temu", "DE") in carried_not and ("NB-001", "temu", "DE") not in carried_not


def test_a_product_whose_numbers_favour_another_route_gets_it_and_the_split_names_it(shipped: Catalogue) -> None:
    company = {(r.platform, m.market): m.route for r in shipped.company.recommendations for m in r.markets}
    assert company[("aliexpress", "US")] == "aliexpress_choice_semi"
    cloths = _placement(shipped, "NB-015", "aliexpress", "US")  # cheap and light: the parcel price pays best
    assert cloths.route == "aliexpress_choice_full"
    assert cloths.contribution_per_month is not None and cloths.other_per_month is not None
    assert cloths.contribution_per_month > cloths.other_per_month
    assert cloths.differs and "fully-managed leaves" in cloths.reason
    assert ("NB-015", "aliexpress", "US") in {(m.sku, m.platform, m.market) for m in shipped.split.off_company}


def test_contribution_is_the_landed_cost_of_the_advised_route(advisor: Advisor, shipped: Catalogue) -> None:
    product = next(p for p in shipped.products if p.sku == "NB-003")
    comparison = advisor.compare_margins(product.result.profile.in_market("US"))
    margin = comparison.platform("aliexpress", "US")
    placement = _placement(shipped, "NB-003", "aliexpress", "US")
    model = margin.model(placement.model)
    assert model.route == placement.route
    assert placement.contribution_per_month == Decimal(str(round(float(model.contribution_per_month), 2)))
    assert placement.gap_pct == margin.gap_pct


def test_temu_runs_both_stores_when_products_split_between_them(shipped: Catalogue) -> None:
    (temu,) = shipped.split.both_stores
    assert temu.platform == "temu" and temu.run_both
    assert (temu.fully_managed, temu.semi_managed) == (23, 30)


def test_products_the_rules_cannot_tell_apart_share_one_consultation(advisor: Advisor) -> None:
    row = {"unit_cost": "2", "full_price": "5", "semi_price": "12", "weight_class": "parcel", "monthly_units": "100"}
    done = advisor.catalogue(SellerProfile.from_file(COMPANY), [{"sku": "A", **row}, {"sku": "B", **row}])
    first, second = done.products
    assert first.result is second.result
    assert first.placements == second.placements


# -- the split's arithmetic ----------------------------------------------------------------


def test_split_totals_are_the_sums_of_the_products(shipped: Catalogue) -> None:
    _check_sums(shipped)


def _check_sums(catalogue: Catalogue) -> None:
    totals = dict(catalogue.split.totals)
    for share in catalogue.split.routes:
        mine = [
            p
            for product in catalogue.products
            for p in product.placements
            if (p.platform, p.market, p.route) == (share.platform, share.market, share.route)
        ]
        assert share.products == len(mine)
        assert share.priced == sum(p.contribution_per_month is not None for p in mine)
        assert share.contribution_per_month == sum((p.contribution_per_month or Decimal(0) for p in mine), Decimal(0))
    for platform, total in totals.items():
        assert total == sum(
            (s.contribution_per_month for s in catalogue.split.routes if s.platform == platform), Decimal(0)
        )
        assert total == sum(
            (p.contribution_per_month or Decimal(0) for product in catalogue.products for p in product.placements
             if p.platform == platform),
            Decimal(0),
        )
    # Every placement is in exactly one route share.
    assert sum(s.products for s in catalogue.split.routes) == sum(len(p.placements) for p in catalogue.products)


# -- bad rows and bad files ----------------------------------------------------------------


def test_a_bad_row_is_an_error_record_with_its_line(advisor: Advisor) -> None:
    rows = [
        {"sku": "OK-1", "unit_cost": "2", "full_price": "5", "semi_price": "12", "monthly_units": "50"},
        {"sku": "BAD-1", "unit_cost": "two", "full_price": "5", "semi_price": "12"},
        {"sku": "", "unit_cost": "2"},
        {"sku": "BAD-2", "weight_kg": "-3", "unit_cost": "2", "full_price": "5", "semi_price": "12"},
    ]
    done = advisor.catalogue(SellerProfile.from_file(COMPANY), rows)
    assert [p.sku for p in done.products] == ["OK-1"]
    assert [(e.row, e.line, e.sku, e.field) for e in done.errors] == [
        (2, 2, "BAD-1", "economics.unit_cost"),
        (3, 3, "", "sku"),
        (4, 4, "BAD-2", "weight_kg"),
    ]
    assert "expected a number, got 'two'" in done.errors[0].message
    assert done.split.errors == 3 and done.split.products == 1


def test_a_sku_twice_makes_the_file_ambiguous(advisor: Advisor) -> None:
    with pytest.raises(ProfileError, match=r"SKU 'A' appears twice \(lines 1 and 2\)"):
        advisor.catalogue(SellerProfile.from_file(COMPANY), [{"sku": "A"}, {"sku": "A"}])


def test_a_file_with_no_sku_column_is_refused(advisor: Advisor, tmp_path: Any) -> None:
    path = tmp_path / "products.csv"
    path.write_text("name,unit_cost\nspatula,1.2\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="has no sku column") as caught:
        advisor.catalogue(SellerProfile.from_file(COMPANY), path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("column", "where"),
    [
        ("semi_price", ("semi-managed", "price")),
        ("Semi-Managed.Price", ("semi-managed", "price")),
        ("temu.semi-managed.price", ("platforms", "temu", "semi-managed", "price")),
        ("tiktok.commission", ("platforms", "tiktok_shop", "commission")),
        ("routes.temu_y2.duty_rate", ("routes", "temu_y2", "duty_rate")),
        ("ads_per_unit", ("ads_per_unit",)),
        ("SKU", ("sku",)),
        ("supplier", None),
        ("temu.semi-managed.colour", None),
    ],
    ids=lambda value: str(value),
)
def test_columns_go_where_the_economics_section_takes_them(
    advisor: Advisor, column: str, where: tuple[str, ...] | None
) -> None:
    value = "0.37"  # a number no part of the company's own section holds
    row = {"sku": "A", column: value} if where != ("sku",) else {column: "A"}
    done = advisor.catalogue(SellerProfile.from_file(COMPANY), [row])
    assert done.errors == ()
    if where is None:
        assert done.unknown_columns == (column,)
        assert value not in json.dumps(done.products[0].result.profile.to_dict(), default=str)
        return
    assert done.unknown_columns == ()
    if where == ("sku",):
        assert done.products[0].sku == "A"
        return
    section: Any = done.products[0].result.profile.to_dict()["economics"]
    for key in where:
        section = section[key]
    assert Decimal(str(section)) == Decimal(value)


# -- properties on generated catalogues ------------------------------------------------------

_PROFILE = {
    "name": "Generated",
    "company_base": "CN",
    "platforms": ["temu", "aliexpress"],
    "target_markets": ["US"],
    "local_warehouse": True,
    "stock_markets": ["US"],
    "fee_sensitivity": "high",
    "economics": {"currency": "USD", "monthly_units": 100},
}

_products = st.lists(
    st.fixed_dictionaries(
        {
            "unit_cost": st.decimals(min_value=1, max_value=40, places=2).map(str),
            "full_price": st.decimals(min_value=2, max_value=80, places=2).map(str),
            "semi_price": st.decimals(min_value=2, max_value=160, places=2).map(str),
            "weight_class": st.sampled_from(["parcel", "heavy", "oversized"]),
            "category": st.sampled_from(["home", "beauty", "apparel"]),
            "monthly_units": st.integers(min_value=1, max_value=2000).map(str),
        }
    ),
    min_size=1,
    max_size=4,
).map(lambda rows: [{"sku": f"P-{index}", **row} for index, row in enumerate(rows)])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_products)
def test_totals_are_sums_and_order_and_runs_change_nothing(advisor: Advisor, rows: list[dict[str, str]]) -> None:
    profile = SellerProfile.from_dict(_PROFILE)
    forward = advisor.catalogue(profile, rows)
    _check_sums(forward)
    backward = advisor.catalogue(profile, list(reversed(rows)))
    assert {p.sku: p.placements for p in forward.products} == {p.sku: p.placements for p in backward.products}
    assert forward.to_json() == advisor.catalogue(profile, rows).to_json()  # byte for byte
    json.loads(forward.to_json())


_alike = st.lists(
    st.fixed_dictionaries(
        {
            "unit_cost": st.decimals(min_value=1, max_value=20, places=2).map(str),
            "full_price": st.decimals(min_value=2, max_value=40, places=2).map(str),
            "semi_price": st.decimals(min_value=4, max_value=60, places=2).map(str),
            "weight_class": st.sampled_from(["parcel", "heavy"]),
            "monthly_units": st.integers(min_value=1, max_value=2000).map(str),
        }
    ),
    min_size=2,
    max_size=8,
).map(lambda rows: [{"sku": f"P-{index}", **row} for index, row in enumerate(rows)])
"""Products that differ in their numbers more than in what the rules read: most share a reading with another."""


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_alike, st.sampled_from(["en", "zh"]))
def test_products_sharing_their_reasoning_get_each_its_own_consultation(
    advisor: Advisor, apart: Advisor, rows: list[dict[str, str]], lang: str
) -> None:
    # Products the rules read alike share one run of the rules, with each product's own numbers (its margin
    # summary) laid over it: every product's advice and trace must be its own consultation's, word for word.
    catalogue = advisor.catalogue(SellerProfile.from_file(COMPANY), rows, lang=lang)
    for product in catalogue.products:
        alone = apart.consult(product.result.profile, engine="compiled", lang=lang)
        assert product.result.to_json() == alone.to_json()
        assert product.result.trace.to_json() == alone.trace.to_json()


def _each_its_own(advisor: Advisor, apart: Advisor, rows: list[dict[str, str]]) -> None:
    """The catalogue of ``rows``, in English and Chinese: every product's advice is its own consultation's."""
    for lang in ("en", "zh"):
        catalogue = advisor.catalogue(SellerProfile.from_file(COMPANY), rows, lang=lang)
        assert len(catalogue.products) == len(rows)
        for product in catalogue.products:
            alone = apart.consult(product.result.profile, engine="compiled", lang=lang)
            assert product.result.to_json() == alone.to_json()


def test_products_of_other_fields_in_turn_get_each_its_own_consultation(advisor: Advisor, apart: Advisor) -> None:
    # A catalogue's consultant works out what a product's fields but its numbers decide once per such fields
    # (Advisor._seller_plans: plans, facts, signatures, columns priced) and takes it again for a later product with
    # the same: products whose weight class and category come and go in turn (and one without numbers of its own)
    # must each get their own consultation's advice, word for word.
    numbers = {"unit_cost": "2.40", "full_price": "5.10", "semi_price": "12.99", "monthly_units": "300"}
    kinds = [
        {"weight_class": "parcel", "category": "home"},
        {"weight_class": "heavy", "category": "home"},
        {"weight_class": "parcel", "category": "beauty"},
        {"weight_kg": "30", "category": "beauty"},
        {"category": "toys"},
        {},
    ]
    rows = [{"sku": f"K-{index}", **numbers, **kinds[index % len(kinds)]} for index in range(2 * len(kinds) + 1)]
    rows.append({"sku": "K-bare", "weight_class": "heavy", "category": "home"})
    _each_its_own(advisor, apart, rows)


@pytest.fixture(scope="module")
def swayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Advisor, Advisor]:
    """Two advisors (a catalogue's and one to consult alone) on a rule book where a reason of weight 3 against the
    model decides the best platform: a product's own margin words (``own_margin_favours_*``) then can."""
    rules = tmp_path_factory.mktemp("swayed") / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    policy = rules / "policy.toml"
    text = policy.read_text(encoding="utf-8")
    assert "decisive_weight = 4" in text
    policy.write_text(text.replace("decisive_weight = 4", "decisive_weight = 3"), encoding="utf-8")
    return Advisor(rules), Advisor(rules)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_alike, st.sampled_from(["en", "zh"]))
def test_a_best_platform_a_products_own_words_decide_is_its_own(
    swayed: tuple[Advisor, Advisor], rows: list[dict[str, str]], lang: str
) -> None:
    # Products on the same runs take an earlier product's advice with their own words laid in (Advisor._advice's
    # shape); its best platform too, unless a product's own words can decide it, as here: then it is each one's.
    catalogue, alone = swayed
    done = catalogue.catalogue(SellerProfile.from_file(COMPANY), rows, lang=lang)
    for product in done.products:
        assert product.result.to_json() == alone.consult(product.result.profile, engine="compiled", lang=lang).to_json()


@pytest.fixture(scope="module")
def plain_landed() -> Advisor:
    """An advisor whose products' placements price each market again (the plain computation), not reading the
    comparisons their consultation worked out."""
    plain = Advisor()

    def landed(profile: SellerProfile, market: str | None) -> Any:
        return plain._landed(profile.in_market(market) if market is not None else profile, "en", brief=True)

    setattr(plain, "_product_landed", landed)  # noqa: B010 (a method replaced on this one advisor)
    return plain


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_alike)
def test_placements_read_the_comparisons_their_consultation_worked_out(
    advisor: Advisor, plain_landed: Advisor, rows: list[dict[str, str]]
) -> None:
    # A product's placements take each market's comparison from its consultation (Advisor._product_landed):
    # the same as the profile in that market compared on its own.
    company = SellerProfile.from_file(COMPANY)
    done, plain = advisor.catalogue(company, rows), plain_landed.catalogue(company, rows)
    assert [p.placements for p in done.products] == [p.placements for p in plain.products]
    assert done.to_json() == plain.to_json()


def test_the_engine_of_record_gives_the_same_catalogue(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(COMPANY)
    rows = [
        {"sku": "L", "unit_cost": "1.10", "full_price": "3.20", "semi_price": "7.99", "weight_kg": "0.4", "monthly_units": "900"},
        {"sku": "H", "unit_cost": "38", "full_price": "62", "semi_price": "149.99", "weight_kg": "24", "monthly_units": "60"},
        {"sku": "B", "unit_cost": "1.80", "full_price": "4.60", "semi_price": "12.99", "category": "beauty"},
    ]
    compiled = advisor.catalogue(profile, rows, engine="compiled")
    experta = advisor.catalogue(profile, rows, engine="experta")
    assert compiled.to_json() == experta.to_json()
    for a, b in zip(compiled.products, experta.products, strict=True):
        assert a.result.trace.to_json() == b.result.trace.to_json()


def test_products_reading_apart_in_one_seller_part_get_each_its_own_consultation(advisor: Advisor, apart: Advisor) -> None:
    # A catalogue's consultant keeps each market's shared run by numbers (the seller part's plan's and each platform
    # reading's, Evaluator.numbered_reading): products of one seller part whose prices turn the margin's leader, gap
    # and openness in turn (and back) must each get their own consultation's advice, word for word.
    prices = [("3.10", "30.00"), ("9.90", "10.50"), ("6.20", "14.00"), ("3.10", "31.00"), ("12.00", "9.00"), ("5.10", "12.99")]
    rows = [
        {"sku": f"R-{index}", "unit_cost": "2.40", "full_price": full, "semi_price": semi, "monthly_units": str(100 + index)}
        for index, (full, semi) in enumerate(prices * 2)
    ]
    _each_its_own(advisor, apart, rows)
