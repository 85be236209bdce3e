"""Typical sellers, end to end: the advice a consultant would expect, and why."""

from __future__ import annotations

from pathlib import Path

from sellerexpert import Advisor, SellerProfile

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _consult(advisor: Advisor, name: str):  # type: ignore[no-untyped-def]
    return advisor.consult(SellerProfile.from_file(EXAMPLES / name))


def test_one_person_shop_with_no_logistics_goes_fully_managed_everywhere(advisor: Advisor) -> None:
    result = _consult(advisor, "one-person-shop.yaml")
    for rec in result.recommendations:
        assert rec.model == "fully-managed"
        assert rec.excluded == ("semi-managed",) and rec.basis == "exclusion"
        assert rec.confidence >= 0.9
        caveats = {c.rule: c.text for c in rec.caveats}
        # It wants low fees but has no warehouse, freight or service: it must see what semi would demand.
        assert "semi_demands_what_you_lack" in caveats
        assert "would leave you to run" in caveats["semi_demands_what_you_lack"]
    assert "us_de_minimis_ended" in {c.rule for c in result.recommendation("temu").caveats}


def test_established_brand_with_us_warehouse_goes_semi_managed(advisor: Advisor) -> None:
    result = _consult(advisor, "us-brand-with-warehouse.json")
    for rec in result.recommendations:
        assert rec.model == "semi-managed" and rec.confidence >= 0.8
        assert "local_warehouse_favours_semi" in {r.rule for r in rec.reasons}
    temu = result.recommendation("temu")
    # On Temu semi-managed does not give price control: the reason and the caveat say so.
    assert "control_favours_semi_without_price" in {r.rule for r in temu.reasons}
    assert "platform_keeps_retail_price" in {c.rule for c in temu.caveats}
    assert "content_control_favours_semi" in {r.rule for r in result.recommendation("tiktok_shop").reasons}
    assert result.best.model == "semi-managed"


def test_fee_sensitive_factory_shipping_by_sea_leans_semi_but_is_warned(advisor: Advisor) -> None:
    result = _consult(advisor, "sea-freight-factory.toml")
    assert [r.platform for r in result.recommendations] == ["temu", "aliexpress"]
    ali = result.recommendation("aliexpress")
    assert ali.model == "semi-managed"
    assert {"sea_freight_favours_semi", "fee_sensitive_favours_semi", "semi_fee_cut_at_launch"} <= {r.rule for r in ali.reasons}
    for rec in result.recommendations:
        caveats = {c.rule for c in rec.caveats}
        assert {"sea_freight_needs_a_landing", "semi_fees_shift_costs", "eu_duty_favours_local_stock", "local_compliance_for_semi"} <= caveats
    assert result.best.platform == "aliexpress"


def test_seller_with_no_data_gets_advice_with_assumptions_and_low_confidence(advisor: Advisor) -> None:
    result = _consult(advisor, "no-data.json")
    assert [r.platform for r in result.recommendations] == ["temu", "aliexpress", "tiktok_shop"]
    for rec in result.recommendations:
        assert rec.confidence <= 0.6
        fields = {a.field for a in rec.assumptions}
        assert {"operational_capacity", "local_warehouse", "fee_sensitivity"} <= fields
    # With nothing else to go on, the platforms' own emphasis shows through.
    assert result.recommendation("tiktok_shop").model == "fully-managed"
    assert result.recommendation("aliexpress").model == "semi-managed"
    assert result.recommendation("aliexpress").basis == "tie"


def test_content_led_brand_on_tiktok_sees_the_content_argument(advisor: Advisor) -> None:
    result = _consult(advisor, "tiktok-creator-brand.yaml")
    tiktok = result.recommendation("tiktok_shop")
    assert "content_control_favours_semi" in {r.rule for r in tiktok.reasons}
    assert "platform_pushes_fully_managed" in {r.rule for r in tiktok.reasons}
    assert tiktok.confidence < 0.7, "arguments on both sides: the advice must not sound certain"


def test_gaining_a_warehouse_turns_a_mid_sized_seller_semi_on_temu(advisor: Advisor) -> None:
    base = {"operational_capacity": "medium", "customer_service": "basic", "platforms": ["temu"], "target_markets": ["UK"]}
    assert advisor.consult(base).recommendations[0].model == "fully-managed"
    assert advisor.consult({**base, "local_warehouse": True, "sea_freight": True}).recommendations[0].model == "semi-managed"
