"""Results in Chinese: the same advice and the same trace, other words."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import EXAMPLES, sampled
from sellerexpert import Advisor, LanguageError, SellerProfile, use_language

TEXT_KEYS = {"text", "why", "outcome_text", "platform_name", "market_name", "route_name", "hands_over"}


def _skeleton(data: Any) -> Any:
    """The result with every human-readable text blanked: what must not depend on the language."""
    if isinstance(data, dict):
        return {k: ("<text>" if k in TEXT_KEYS else _skeleton(v)) for k, v in data.items() if k != "lang"}
    if isinstance(data, list):
        return [_skeleton(v) for v in data]
    return data


def _profiles() -> list[SellerProfile]:
    return [SellerProfile.from_file(path) for path in sorted(EXAMPLES.glob("*")) if path.suffix in (".yaml", ".json", ".toml")]


# A sample by default (no answers, several markets, own numbers); every example under -m slow.
@pytest.mark.parametrize(
    "profile",
    sampled(
        _profiles(),
        {"unnamed", "Yiwu Kitchenware Factory", "Ningbo home goods (own numbers)"},
        ids=lambda p: p.name or "unnamed",
    ),
)
def test_chinese_result_is_the_english_advice_in_other_words(advisor: Advisor, profile: SellerProfile) -> None:
    english = advisor.consult(profile)
    chinese = advisor.consult(profile, lang="zh")
    assert english.lang == "en" and chinese.lang == "zh"
    assert chinese.to_dict()["lang"] == "zh"
    assert _skeleton(chinese.to_dict()) == _skeleton(english.to_dict())
    # The trace is the record: English, identical whichever language the reader asked for.
    assert chinese.trace.to_json() == english.trace.to_json()
    assert "lang" not in chinese.trace.result
    # Every text changed language (each has Chinese characters)...
    texts = [chinese.best.why] + [
        t.text for rec in chinese.recommendations for t in (*rec.reasons, *rec.caveats, *rec.assumptions)
    ]
    assert texts and all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in texts), texts
    # ...and the models are named as Chinese sellers name them.
    assert any(word in chinese.best.why for word in ("全托管", "半托管", "路线"))


def test_both_engines_give_the_same_chinese_bytes(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml")
    experta = advisor.consult(profile, lang="zh")
    compiled = advisor.consult(profile, lang="zh", engine="compiled")
    cached = advisor.consult(profile, lang="zh", engine="compiled")
    assert experta.to_json() == compiled.to_json() == cached.to_json()
    assert experta.to_json(indent=None) == compiled.to_json(indent=None)


def test_cached_advice_keeps_each_language_apart(advisor: Advisor) -> None:
    profile = {"operational_capacity": "low", "fee_sensitivity": "high", "target_markets": ["US"]}
    english = advisor.consult(profile, engine="compiled")
    chinese = advisor.consult(profile, engine="compiled", lang="zh")
    again = advisor.consult(profile, engine="compiled")
    assert english.to_json() == again.to_json()
    assert chinese.best.why != english.best.why
    assert chinese.trace.to_json() == english.trace.to_json()


def test_the_language_in_force_is_the_default(advisor: Advisor) -> None:
    profile = {"operational_capacity": "low"}
    with use_language("zh"):
        result = advisor.consult(profile)
    assert result.lang == "zh"
    assert result.to_json() == advisor.consult(profile, lang="zh").to_json()
    assert advisor.consult(profile).lang == "en"


def test_not_given_fields_are_explained_in_chinese(advisor: Advisor) -> None:
    result = advisor.consult({"operational_capacity": "low"}, lang="zh")
    not_given = [a for a in result.recommendations[0].assumptions if a.rule is None]
    assert not_given and all(a.text.startswith("未提供") for a in not_given)


def test_an_unknown_language_is_refused(advisor: Advisor) -> None:
    with pytest.raises(LanguageError) as info:
        advisor.consult({}, lang="fr")
    assert info.value.allowed == ("en", "zh")
