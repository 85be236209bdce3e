"""Profile errors and field texts in Chinese: each names the field and what it allows; English unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import FIELDS, ProfileError, SellerProfile, cli, use_language

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("data", "field", "english", "chinese"),
    [
        ({"operational_capacity": "huge"}, "operational_capacity", "'huge' is not one of low, medium, high",
         "“huge”不是 low, medium, high 之一"),
        ({"local_warehouse": "maybe"}, "local_warehouse", "expected true or false, got 'maybe'",
         "须为 true 或 false（是或否），你填的是 “maybe”"),
        ({"monthly_orders": -3}, "monthly_orders", "expected a whole number 0 or more, got the number -3",
         "须为不小于 0 的整数，你填的是 -3"),
        ({"target_markets": ["Atlantis"]}, "target_markets", "'Atlantis' is not a market", "“Atlantis”不是市场"),
        ({"company_base": "Mars"}, "company_base", "'Mars' is not one of CN, HK, US, UK, EU, OTHER",
         "“Mars”不是 CN, HK, US, UK, EU, OTHER 之一"),
        ({"platforms": ["ebay"]}, "platforms", "'ebay' is not a platform we advise on", "“ebay”不是我们提供建议的平台"),
        ({"platforms": ["temu", "temu"]}, "platforms", "'temu' is listed twice", "“temu”列了两次"),
        ({"warehouse_size": 3}, "warehouse_size", "unknown field 'warehouse_size'", "未知字段“warehouse_size”"),
    ],
)
def test_profile_errors_in_chinese_name_the_field_and_what_is_allowed(
    data: dict[str, object], field: str, english: str, chinese: str
) -> None:
    with pytest.raises(ProfileError) as info:
        SellerProfile.from_dict(data)
    assert info.value.field == field and english in info.value.problem
    with use_language("zh"), pytest.raises(ProfileError) as info:
        SellerProfile.from_dict(data)
    error = info.value
    assert error.field == field
    assert chinese in error.problem, error.problem
    assert str(error).startswith(f"{field}: ")
    # What the field takes is said in the message itself or attached for the message's "(allowed: ...)".
    assert error.allowed or "CN, HK, US, UK, EU, OTHER" in error.problem


def test_the_empty_profile_error_in_chinese() -> None:
    with use_language("zh"), pytest.raises(ProfileError) as info:
        SellerProfile.from_text("# nothing\n", format="yaml", source="shop.yaml")
    assert str(info.value).startswith("shop.yaml: 是空的：")
    assert "{}" in str(info.value)


def test_every_field_has_a_chinese_meaning_and_question() -> None:
    with use_language("zh"):
        for spec in FIELDS:
            assert CHINESE.search(spec.meaning_text), spec.name
            assert CHINESE.search(spec.question_text), spec.name
            assert "？" in spec.question_text, spec.name
    for spec in FIELDS:
        assert spec.meaning_text == spec.meaning and spec.question_text == spec.question


def test_a_bad_profile_file_is_refused_in_chinese(runner: CliRunner, tmp_path: Path) -> None:
    profile = tmp_path / "shop.yaml"
    profile.write_text("operational_capacity: huge\n", encoding="utf-8")
    result = runner.invoke(cli, ["consult", "-p", str(profile), "--lang", "zh"])
    assert result.exit_code == 2
    assert "operational_capacity" in result.stderr and "“huge”不是 low, medium, high 之一" in result.stderr
    assert "Traceback" not in result.output
