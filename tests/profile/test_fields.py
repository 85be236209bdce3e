"""One type per kind of profile field: convert, refuse, enumerate, describe and make its option (issue 13).

An internal on purpose: the field types, the option each makes for the command line, where a profile
comes from (a file, stdin, options merged) and how the interview reads a Chinese answer before the field's
type does are private; the tests call each directly, on values no whole command would combine.
"""

from __future__ import annotations

import io
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sellerexpert import FIELDS, ProfileError, merge_profile, read_profile
from sellerexpert import use_language as use
from sellerexpert._cli.params import UsageProblem, field_option, given_fields
from sellerexpert._interview.answers import MARKET_NAMES_ZH, read_answer
from sellerexpert._profile.conditions import Leaf
from sellerexpert._profile.fields import (
    _NAMED_CODES,
    BOOL,
    COUNT,
    FIELD_TYPES,
    LEVEL,
    MARKET_LIST,
    MAX_COUNT,
    PLATFORM_LIST,
    REGION,
    SERVICE,
    TEXT,
    FieldType,
    _iso_country,
    did_you_mean,
)
from sellerexpert._profile.profile import FIELDS_BY_NAME, market_code, normalise_value, profile_json_schema


def test_every_kind_in_the_field_table_has_its_type() -> None:
    assert {spec.kind for spec in FIELDS} == set(FIELD_TYPES)
    for spec in FIELDS:
        assert spec.type is FIELD_TYPES[spec.kind] and spec.type.name == spec.kind
        assert spec.allowed == spec.type.allowed and spec.allowed_text == spec.type.allowed_text


@pytest.mark.parametrize(
    ("field_type", "given", "expected"),
    [
        (TEXT, "  Shop  ", "Shop"),
        (LEVEL, "High", "high"),
        (SERVICE, " Basic ", "basic"),
        (REGION, "china", "CN"),
        (REGION, "de", "EU"),
        (BOOL, "Yes", True),
        (BOOL, "off", False),
        (BOOL, False, False),
        (COUNT, "1,200", 1200),
        (COUNT, 0, 0),
        (COUNT, MAX_COUNT, MAX_COUNT),
        (PLATFORM_LIST, "TikTok; temu", ("tiktok_shop", "temu")),
        (MARKET_LIST, ["us", "Germany", "us"], ("US", "DE")),
        (MARKET_LIST, "none", ()),
    ],
    ids=[
        "text trimmed", "level any case", "service trimmed", "region by name", "eu member is eu", "yes", "off",
        "boolean", "count with commas", "zero", "largest count", "platforms in order", "markets each once", "no markets",
    ],
)
def test_convert_returns_the_canonical_value(field_type: FieldType, given: object, expected: object) -> None:
    assert field_type.convert("some_field", given) == expected


@pytest.mark.parametrize(
    ("field_type", "given", "problem", "suggestion"),
    [
        (TEXT, 5, "expected text, got the number 5", None),
        (LEVEL, "hgh", "'hgh' is not one of low, medium, high", "high"),
        (LEVEL, 3, "expected one of the words below, got the number 3", None),
        (SERVICE, "ful", "'ful' is not one of none, basic, full", "full"),
        (REGION, "UKK", "'UKK' is not one of CN, HK, US, UK, EU, OTHER", "UK"),
        (REGION, True, "expected a region code, got the boolean true", None),
        (BOOL, "maybe", "expected true or false, got 'maybe'", None),
        (COUNT, -1, "expected a whole number 0 or more, got the number -1", None),
        (COUNT, MAX_COUNT + 1, f"the number {MAX_COUNT + 1} is more than {MAX_COUNT:,}", None),
        (COUNT, True, "expected a whole number 0 or more, got the boolean true", None),
        (PLATFORM_LIST, ["temoo"], "'temoo' is not a platform we advise on", "temu"),
        (PLATFORM_LIST, "temu,temu", "'temu' is listed twice", None),
        (PLATFORM_LIST, [], "needs at least one platform", None),
        (PLATFORM_LIST, 7, "expected a list, got the number 7", None),
        (MARKET_LIST, ["Atlantis"], "'Atlantis' is not a market: use an ISO 3166 country code or name, or EU", None),
    ],
    ids=[
        "text not a string", "level typo", "level not text", "service typo", "region typo", "region boolean",
        "bool word", "negative count", "count too large", "count boolean", "platform typo", "platform twice",
        "no platform", "platforms not a list", "made-up market",
    ],
)
def test_convert_refuses_with_the_field_the_problem_and_a_hint(
    field_type: FieldType, given: object, problem: str, suggestion: str | None
) -> None:
    with pytest.raises(ProfileError) as caught:
        field_type.convert("some_field", given)
    assert (caught.value.field, caught.value.problem, caught.value.suggestion) == ("some_field", problem, suggestion)


def test_refusals_are_said_in_chinese() -> None:
    with use("zh"), pytest.raises(ProfileError) as caught:
        BOOL.convert("local_warehouse", "maybe")
    assert caught.value.problem != "expected true or false, got 'maybe'" and "maybe" in caught.value.problem
    with use("zh"):
        assert MARKET_LIST.allowed_text != "ISO 3166 country codes or names such as US, UK, DE, Norway, or EU"


def test_did_you_mean_appends_the_suggestion_or_says_the_problem_alone() -> None:
    typo = ProfileError("'hgh' is not allowed", field="f", suggestion="high")
    assert did_you_mean(typo) == "'hgh' is not allowed - did you mean 'high'?"
    assert did_you_mean(typo, in_sentence=True) == "'hgh' is not allowed - did you mean 'high'?"
    assert did_you_mean(ProfileError("'x' is odd", field="f")) == "'x' is odd"
    with use("zh"):
        assert did_you_mean(typo) == "'hgh' is not allowed，是不是要写“high”？"
        assert did_you_mean(typo, in_sentence=True) == "'hgh' is not allowed（你是不是想输入“high”？）"


def test_refusal_names_what_is_allowed() -> None:
    with pytest.raises(ProfileError) as caught:
        LEVEL.convert("fee_sensitivity", "hgh")
    assert LEVEL.refusal(caught.value) == (
        "'hgh' is not one of low, medium, high - did you mean 'high'? (allowed: low, medium, high)"
    )


_THRESHOLD = [Leaf("monthly_orders", "ge", 500), Leaf("monthly_orders", "lt", 50)]
_MARKETS = [Leaf("target_markets", "intersects", ("US", "UK")), Leaf("target_markets", "contains", "EU")]


@pytest.mark.parametrize(
    ("field_type", "leaves", "expected"),
    [
        (LEVEL, [], ["low", "medium", "high"]),
        (SERVICE, [], ["none", "basic", "full"]),
        (REGION, [], ["CN", "HK", "US", "UK", "EU", "OTHER"]),
        (BOOL, [], [True, False]),
        (COUNT, [], [0]),
        (COUNT, _THRESHOLD, [0, 49, 50, 51, 499, 500, 501]),
        (MARKET_LIST, _MARKETS, [("US",), ("EU",), ("BR",), ("US", "EU"), ("US", "BR"), ("EU", "BR"), ("US", "EU", "BR")]),
        (TEXT, _THRESHOLD, []),
        (PLATFORM_LIST, [], []),
    ],
    ids=["level", "service", "region", "bool", "count alone", "count thresholds", "market groups", "text", "platforms"],
)
def test_values_lists_the_candidates_the_search_space_tries(
    field_type: FieldType, leaves: list[Leaf], expected: list[Any]
) -> None:
    assert field_type.values(leaves) == expected


def test_only_text_and_platforms_are_not_reasoned_over() -> None:
    assert {t.name for t in FIELD_TYPES.values() if not t.reasoned} == {"text", "platforms"}


@pytest.mark.parametrize(
    ("field_type", "fragment"),
    [
        (TEXT, {"type": "string"}),
        (LEVEL, {"enum": ["low", "medium", "high"]}),
        (SERVICE, {"enum": ["none", "basic", "full"]}),
        (REGION, {"enum": ["CN", "HK", "US", "UK", "EU", "OTHER"]}),
        (BOOL, {"type": "boolean"}),
        (COUNT, {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}),
        (
            PLATFORM_LIST,
            {"type": "array", "items": {"enum": ["temu", "aliexpress", "tiktok_shop"]}, "minItems": 1, "uniqueItems": True},
        ),
        (MARKET_LIST, {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}, "uniqueItems": True}),
    ],
    ids=lambda v: v.name if isinstance(v, FieldType) else "",
)
def test_schema_fragment(field_type: FieldType, fragment: dict[str, Any]) -> None:
    assert field_type.schema() == fragment


def test_the_profile_schema_is_built_from_the_fragments() -> None:
    properties = profile_json_schema()["properties"]
    for spec in FIELDS:
        expected = {**spec.type.schema(), "description": spec.meaning}
        assert properties[spec.name] == (expected if spec.name == "platforms" else {"anyOf": [expected, {"type": "null"}]})


def _command(field_type: FieldType, field: str) -> click.Command:
    assert FIELDS_BY_NAME[field].type is field_type

    @click.command()
    @field_option(FIELDS_BY_NAME[field], "Help.")
    def command(**values: Any) -> None:
        click.echo(repr(sorted(values.items())))

    return command


@pytest.mark.parametrize(
    ("field_type", "field", "args", "expected"),
    [
        (TEXT, "name", ["--name", "Shop"], [("name", "Shop")]),
        (LEVEL, "working_capital", ["--working-capital", "HIGH"], [("working_capital", "high")]),
        (REGION, "company_base", ["--company-base", "hk"], [("company_base", "HK")]),
        (BOOL, "sea_freight", ["--sea-freight"], [("no_sea_freight", False), ("sea_freight", "yes")]),
        (BOOL, "sea_freight", ["--no-sea-freight"], [("no_sea_freight", True), ("sea_freight", None)]),
        (COUNT, "monthly_orders", ["--monthly-orders", "1,200"], [("monthly_orders", "1,200")]),
        (PLATFORM_LIST, "platforms", ["--platform", "temu,aliexpress", "--platform", "tiktok"],
         [("platforms", ("temu,aliexpress", "tiktok"))]),
        (MARKET_LIST, "target_markets", ["--target-market", "US"], [("target_markets", ("US",))]),
    ],
    ids=["text", "level", "region", "bool flag", "bool negated", "count as typed", "platforms repeated", "markets"],
)
def test_click_option_takes_the_value(
    runner: CliRunner, field_type: FieldType, field: str, args: list[str], expected: list[Any]
) -> None:
    result = runner.invoke(_command(field_type, field), args, catch_exceptions=False)
    assert (result.exit_code, result.output) == (0, repr(expected) + "\n")


@pytest.mark.parametrize(
    ("field_type", "field", "args", "message"),
    [
        (PLATFORM_LIST, "platforms", ["--platform", "temmu"],
         "Error: Invalid value for '--platform': 'temmu' is not a platform we advise on - did you mean 'temu'? "
         "(allowed: temu, aliexpress, tiktok_shop)"),
        (COUNT, "monthly_orders", ["--monthly-orders", "lots"],
         "Error: Invalid value for '--monthly-orders': expected a whole number 0 or more, got 'lots' "
         "(allowed: a whole number, 0 or more)"),
        (BOOL, "invited", ["--invited", "perhaps"],
         "Error: Invalid value for '--invited': expected true or false, got 'perhaps' (allowed: true, false)"),
    ],
    ids=["platform typo", "count word", "bool word"],
)
def test_click_option_refuses_with_exit_2(
    runner: CliRunner, field_type: FieldType, field: str, args: list[str], message: str
) -> None:
    result = runner.invoke(_command(field_type, field), args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message


def test_option_names() -> None:
    assert [FIELDS_BY_NAME[f].option for f in ("platforms", "target_markets", "vat_markets", "local_warehouse")] == [
        "--platform", "--target-market", "--vat-market", "--local-warehouse",
    ]


def test_given_fields_flattens_lists_and_reads_negated_flags() -> None:
    options = {"platforms": ("temu, aliexpress", "tiktok;"), "name": None, "target_markets": (), "no_sea_freight": True,
               "sea_freight": None, "no_invited": False, "invited": None}
    assert given_fields(options) == {"platforms": ["temu", "aliexpress", "tiktok"], "sea_freight": False}


def test_given_fields_refuses_a_field_given_both_ways() -> None:
    with pytest.raises(UsageProblem) as caught:
        given_fields({"sea_freight": "yes", "no_sea_freight": True})
    assert caught.value.message == "--sea-freight and --no-sea-freight contradict each other: give one."


def test_read_profile_from_nothing_a_stream_or_a_file(tmp_path: Any) -> None:
    assert read_profile(None).known() == ("platforms",)
    assert read_profile("-", stdin=io.BytesIO(b'{"fee_sensitivity": "high"}')).fee_sensitivity == "high"
    path = tmp_path / "p.toml"
    path.write_text('operational_capacity = "low"\n', encoding="utf-8")
    assert read_profile(str(path)).operational_capacity == "low"


def test_read_stdin_profile_refuses_bytes_that_are_not_text() -> None:
    with pytest.raises(ProfileError) as caught:
        read_profile("-", stdin=io.BytesIO(b"\xff\xfe\x00bad"))
    assert caught.value.path == "<stdin>"


def test_merge_profile_replaces_the_profiles_fields_and_names_a_bad_one() -> None:
    base = read_profile(None).with_changes(fee_sensitivity="low")
    assert merge_profile(base, {"fee_sensitivity": "high", "platforms": ["temu"]}).to_dict() == {
        "platforms": ["temu"], "fee_sensitivity": "high",
    }
    assert merge_profile(base, {}) is base
    with pytest.raises(ProfileError) as caught:
        merge_profile(base, {"platforms": ["temu", "temu"]})
    assert caught.value.field == "platforms"


def test_a_list_field_is_a_repeatable_option_named_in_the_singular() -> None:
    for spec in FIELDS:
        if spec.kind in ("markets", "platforms"):
            name = spec.option[2:]
            assert not name.endswith("s") and spec.name.replace("_", "-").startswith(name), spec.name


# -- the interview reads a Chinese answer into a field's value before the field's type does -------------


def test_every_chinese_market_name_is_a_market_the_profile_takes() -> None:
    regions = FIELDS_BY_NAME["company_base"]
    for name, code in MARKET_NAMES_ZH.items():
        if code == "OTHER":
            assert normalise_value(regions, code) == "OTHER"
        else:
            assert market_code(code) == code, name


def test_codes_read_without_pycountry_are_pycountry_s_own() -> None:
    # market_code answers these without importing pycountry: each must be the code pycountry itself gives.
    assert len(_NAMED_CODES) > 30
    for code in sorted(_NAMED_CODES):
        assert _iso_country(code) == code, code
        assert market_code(code.lower()) == code and market_code(f" {code} ") == code, code
    # and a code outside them still goes to pycountry
    assert "NO" not in _NAMED_CODES and market_code("no") == "NO"
    assert "ZZ" not in _NAMED_CODES and market_code("ZZ") is None


@given(st.text(max_size=30))
def test_read_answer_never_raises_and_leaves_english_alone(reply: str) -> None:
    for spec in FIELDS:
        read = read_answer(spec, reply)
        assert isinstance(read, str)
        if reply.isascii() and spec.kind != "count":
            assert read == reply
