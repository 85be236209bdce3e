"""Profile input as people type it, and as fuzzers send it (issue 9): markets, counts, several mistakes, huge values."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROFILE_EXAMPLES
from sellerexpert import FIELDS, ProfileError, SellerProfile, cli

FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
MAX_COUNT = 10**12
"""The largest count a profile accepts (docs/api.md)."""


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["us", "De"], ("US", "DE")),
        ("Germany; united states", ("DE", "US")),
        (["United Kingdom", "GB", "uk"], ("UK",)),
        (["eu", "European Union"], ("EU",)),
        (["Norway"], ("NO",)),
        (["FRA"], ("FR",)),
        (["Turkey", "Türkiye"], ("TR",)),
    ],
    ids=["codes", "names in text", "uk", "eu", "norway", "alpha-3", "common names"],
)
def test_markets_are_iso_codes_or_names(given: object, expected: tuple[str, ...]) -> None:
    assert SellerProfile(target_markets=given).target_markets == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["XX", "ß", "Atlantis", "U S", "x" * 5000])
def test_made_up_markets_are_refused(bad: str) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile(target_markets=[bad])
    assert caught.value.field == "target_markets"
    assert "is not a market: use an ISO 3166 country code or name, or EU" in caught.value.problem
    assert caught.value.allowed


def test_eszett_does_not_become_ss() -> None:
    assert "ß".upper() == "SS"  # the trap
    with pytest.raises(ProfileError):
        SellerProfile(target_markets=["ß"])
    assert SellerProfile(target_markets=["SS"]).target_markets == ("SS",)  # South Sudan, written as such


def test_yaml_no_in_a_market_list_is_norway(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("target_markets: [NO, DE]\nlocal_warehouse: no\n")
    profile = SellerProfile.from_file(path)
    assert profile.target_markets == ("NO", "DE")
    assert profile.local_warehouse is False  # elsewhere "no" stays the boolean


@pytest.mark.parametrize(("text", "expected"), [("1,200", 1200), (" 12 ", 12), ("1,000,000", 1_000_000)])
def test_counts_as_people_write_them(text: str, expected: int) -> None:
    assert SellerProfile(monthly_orders=text).monthly_orders == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    ["1,20", "12,0000", "9" * 5904, 10**5000, MAX_COUNT + 1, -1, 1.5],
    ids=["bad grouping", "bad grouping 2", "5904-digit text", "5001-digit int", "over the cap", "negative", "float"],
)
def test_bad_counts_are_profile_errors_never_value_errors(bad: object) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile(monthly_orders=bad)  # type: ignore[arg-type]
    assert caught.value.field == "monthly_orders"
    assert len(str(caught.value)) < 300


def test_a_misspelt_keyword_is_a_profile_error_with_a_suggestion() -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile(capacity="low")  # type: ignore[call-arg]
    assert caught.value.field == "capacity"
    assert caught.value.suggestion == "operational_capacity"


@pytest.mark.parametrize("field", ["operational_capacity", "customer_service", "control_priority"])
def test_allowed_is_never_empty_for_a_bad_choice(field: str) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_dict({field: "huge"})
    assert caught.value.allowed == FIELDS_BY_NAME[field].allowed


@pytest.mark.parametrize(
    ("name", "text", "lines"),
    [
        ("p.yaml", "name: shop\noperational_capacity: huge\ncapcity: low\ntarget_markets: [XX]\n", [2, 3, 4]),
        ("p.json", '{\n  "operational_capacity": "huge",\n  "monthly_orders": -1,\n  "sea_freight": "maybe"\n}', [2, 3, 4]),
        ("p.toml", 'operational_capacity = "huge"\n\nmonthly_orders = -1\nsea_freight = "maybe"\n', [1, 3, 4]),
    ],
)
def test_every_mistake_is_reported_with_its_line(
    runner: CliRunner, tmp_path: Path, name: str, text: str, lines: list[int]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_file(path)
    assert [p.line for p in caught.value.problems] == lines
    assert caught.value.line == lines[0]
    result = runner.invoke(cli, ["consult", "-p", str(path)])
    assert result.exit_code == 2
    shown = result.stderr.splitlines()
    assert shown[0] == f"Error: {path}: 3 problems:"
    assert [line.split(": ", 1)[0] for line in shown[1:]] == [f"  {path}:{n}" for n in lines]


def test_a_huge_text_answer_is_not_echoed_whole() -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile(operational_capacity="x" * 10_000_000)
    assert len(str(caught.value)) < 300
    assert "(10,000,000 characters)" in str(caught.value)


def test_a_huge_number_as_a_field_name_is_a_profile_error() -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_dict({10**5000: 1})
    assert caught.value.field == "a number of about 5001 digits"


EXAMPLES = PROFILE_EXAMPLES


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_a_saved_profile_reads_back_the_same(tmp_path: Path, example: Path, fmt: str) -> None:
    profile = SellerProfile.from_file(example)
    saved = tmp_path / f"saved.{fmt}"
    profile.save(saved)
    assert SellerProfile.from_file(saved) == profile
