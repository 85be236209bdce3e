"""The seller profile: construction, normalisation, loading and the errors users see."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerexpert import FIELDS, PLATFORMS, ProfileError, SellerExpertError, SellerProfile, json_schema


def test_defaults_to_all_three_platforms_and_nothing_known() -> None:
    profile = SellerProfile()
    assert profile.platforms == PLATFORMS
    assert profile.known() == ("platforms",)
    assert profile.to_dict() == {"platforms": list(PLATFORMS)}


def test_text_inputs_are_normalised() -> None:
    profile = SellerProfile.from_dict(
        {
            "platforms": "TikTok Shop; temu",
            "target_markets": ["us", "gb"],
            "operational_capacity": " Low ",
            "monthly_orders": "250",
            "local_warehouse": "yes",
            "customer_service": "NONE",
        }
    )
    assert profile.platforms == ("tiktok_shop", "temu")
    assert profile.target_markets == ("US", "UK")
    assert profile.operational_capacity == "low"
    assert profile.monthly_orders == 250
    assert profile.local_warehouse is True
    assert profile.customer_service == "none"


_LIST_FIELDS = ("platforms", "target_markets", "vat_markets", "stock_markets")
_LIST_ITEMS = st.sampled_from(["temu", "Temu", "tiktok", "amazon", "us", "US", "gb", "DE", "EU", "XX", "", " us ", "de"])


def _read(data: dict[str, object]) -> object:
    try:
        profile = SellerProfile.from_dict(data)
    except ProfileError as exc:
        return ("error", str(exc), exc.field)
    return ("profile", profile, profile.to_dict())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_LIST_FIELDS), st.lists(_LIST_ITEMS, max_size=5)), min_size=1, max_size=6))
def test_a_tuple_read_again_is_read_as_its_list(given_lists: list[tuple[str, list[str]]]) -> None:
    # A list given as a tuple has its conversion kept by field and items (a catalogue's company lists, read
    # again per product): each tuple, read once or again, gives the profile or error its list gives (this
    # fails when the conversion is kept by anything less than the field and its items, in order).
    for field, items in given_lists:
        assert _read({field: tuple(items)}) == _read({field: items})
        assert _read({field: tuple(items)}) == _read({field: items})


@pytest.mark.parametrize("items", [({"temu": 1},), (["temu"],), ("temu", ["aliexpress"]), ("temu", None)])
def test_a_tuple_holding_what_no_key_can_is_refused_in_words_as_its_list(items: tuple[Any, ...]) -> None:
    # A tuple is looked up among the kept conversions only when it holds short texts: one holding a list or a
    # mapping (a Python caller's) gets its list's error, not a TypeError from the lookup.
    with pytest.raises(ProfileError) as as_tuple:
        SellerProfile.from_dict({"platforms": items})
    with pytest.raises(ProfileError) as as_list:
        SellerProfile.from_dict({"platforms": list(items)})
    assert str(as_tuple.value) == str(as_list.value)


def test_none_and_blank_mean_unknown() -> None:
    profile = SellerProfile.from_dict({"operational_capacity": None, "fee_sensitivity": "  "})
    assert profile.operational_capacity is None and profile.fee_sensitivity is None


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"capacity": "low"}, "capacity", "did you mean 'operational_capacity'"),
        ({"operational_capacity": "huge"}, "operational_capacity", "'huge' is not one of low, medium, high"),
        ({"operational_capacity": 3}, "operational_capacity", "allowed: low, medium, high"),
        ({"monthly_orders": -1}, "monthly_orders", "0 or more"),
        ({"monthly_orders": True}, "monthly_orders", "whole number"),
        ({"monthly_orders": 2.5}, "monthly_orders", "whole number"),
        ({"local_warehouse": "maybe"}, "local_warehouse", "expected true or false"),
        ({"platforms": ["temu", "amazon"]}, "platforms", "'amazon' is not a platform"),
        ({"platforms": ["temoo"]}, "platforms", "did you mean 'temu'"),
        ({"platforms": ["temu", "temu"]}, "platforms", "listed twice"),
        ({"platforms": []}, "platforms", "at least one"),
        ({"target_markets": ["XX"]}, "target_markets", "not a market"),
        ({"target_markets": {"US": 1}}, "target_markets", "expected a list"),
        ({"customer_service": "ful"}, "customer_service", "did you mean 'full'"),
        ({"name": 42}, "name", "expected text"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_values_name_the_field_and_what_is_allowed(data: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_dict(data)
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SellerExpertError)


def test_keyword_construction_validates_too() -> None:
    with pytest.raises(ProfileError, match="fee_sensitivity: 'extreme'"):
        SellerProfile(fee_sensitivity="extreme")


def test_a_list_where_a_mapping_belongs() -> None:
    with pytest.raises(ProfileError, match="must be a mapping"):
        SellerProfile.from_dict(["operational_capacity"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "content", "fragment", "line"),
    [
        ("p.json", '{\n  "operational_capacity": "low",\n  oops\n}', "malformed JSON", 3),
        ("p.yaml", "operational_capacity: low\n  bad: [\n", "malformed YAML", 2),
        ("p.toml", 'operational_capacity = "low"\nfee_sensitivity = \n', "malformed TOML", 2),
        ("p.yaml", "- a\n- b\n", "must be a mapping", None),
        ("p.json", '{"working_capital": "lots"}', "working_capital: 'lots' is not one of", 1),
        ("p.toml", 'name = "x"\n\nworking_capital = "lots"\n', "working_capital: 'lots' is not one of", 3),
    ],
)
def test_file_errors_name_the_file_and_line(
    tmp_path: Path, name: str, content: str, fragment: str, line: int | None
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_file(path)
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.line == line


def test_binary_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x89PNG\x00\x01\x02")
    with pytest.raises(ProfileError, match="binary file"):
        SellerProfile.from_file(junk)
    with pytest.raises(ProfileError, match="no such file"):
        SellerProfile.from_file(tmp_path / "absent.yaml")


def test_all_three_formats_load_the_same_profile(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps({"operational_capacity": "low", "local_warehouse": False}))
    (tmp_path / "p.yaml").write_text("operational_capacity: low\nlocal_warehouse: false\n")
    (tmp_path / "p.toml").write_text('operational_capacity = "low"\nlocal_warehouse = false\n')
    loaded = {SellerProfile.from_file(tmp_path / n) for n in ("p.json", "p.yaml", "p.toml")}
    assert len(loaded) == 1


def test_text_format_is_guessed() -> None:
    assert SellerProfile.from_text('{"bulky_goods": true}').bulky_goods is True
    assert SellerProfile.from_text("bulky_goods: true").bulky_goods is True
    assert SellerProfile.from_text("bulky_goods = true").bulky_goods is True
    assert SellerProfile.from_text("# a comment\nbulky_goods = true").bulky_goods is True
    with pytest.raises(ProfileError, match="unknown field 'seller'"):
        SellerProfile.from_text("[seller]\nbulky_goods = true")  # a TOML table, not a JSON list
    with pytest.raises(ProfileError, match="must be a mapping"):
        SellerProfile.from_text('["temu"]')


def test_round_trip_through_dict() -> None:
    profile = SellerProfile(name="x", target_markets=["US"], monthly_orders=5, local_warehouse=True)
    assert SellerProfile.from_dict(profile.to_dict()) == profile


def test_every_example_profile_loads_and_matches_the_json_schema(examples_dir: Path) -> None:
    schema = json_schema("profile")
    jsonschema.Draft202012Validator.check_schema(schema)
    # One validator for every file: jsonschema.validate would check the schema itself again for each.
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(p for p in examples_dir.iterdir() if p.suffix in (".yaml", ".json", ".toml"))
    assert files
    for path in files:
        profile = SellerProfile.from_file(path)
        validator.validate(profile.to_dict())


def test_field_table_matches_the_contract() -> None:
    contract = [
        "name", "platforms", "target_markets", "operational_capacity", "monthly_orders", "local_warehouse",
        "sea_freight", "customer_service", "control_priority", "fee_sensitivity", "fast_shipping_expected",
        "working_capital", "bulky_goods",
    ]  # fmt: skip
    assert [spec.name for spec in FIELDS][: len(contract)] == contract
