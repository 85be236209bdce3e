"""The rule book in Chinese: every text has its translation next to it, lint enforces it, rules list/show speak it."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sellerexpert import (
    Advisor,
    RuleBookError,
    SellerProfile,
    cli,
    lint,
    load_rulebook,
    render_rule,
    rule_details,
    shipped_rules_dir,
    use_language,
)

PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")
"""A ``{field}`` or ``{platform.fact}`` placeholder in a rule text, as docs/rules.md writes them."""


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)

REVIEWED = date(2026, 11, 25)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Half-width punctuation right after a Chinese character: Chinese text uses ，；：。（）.
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,;:!?]|[\u4e00-\u9fff]\.(?!\d)|\([\u4e00-\u9fff]|[\u4e00-\u9fff]\)")
# Three or more English words in a row: an untranslated phrase (programme names excepted).
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:[ /]+[A-Za-z][A-Za-z'\-+]*){2,}")
PROPER_NAMES: set[str] = set()  # programme names are translated too (Fulfilled by TikTok: TikTok 官方履约服务（FBT）)


def _files() -> dict[str, dict[str, Any]]:
    return {path.name: tomllib.loads(path.read_text("utf-8")) for path in sorted(shipped_rules_dir().glob("*.toml"))}


def _prose(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, str) and " " in item.strip() for item in items)


def _pairs() -> list[tuple[str, str, Any, Any]]:
    """Every (where, key, English, Chinese) pair the rule files must hold, read straight from the TOML."""
    pairs: list[tuple[str, str, Any, Any]] = []
    for name, data in _files().items():
        pairs.append((f"{name} [meta]", "covers", data["meta"]["covers"], data["meta"].get("zh", {}).get("covers")))
        if "policy" in data:
            policy = data["policy"]
            pairs.append((f"{name} [policy]", "tie_reason", policy["tie_reason"], policy.get("zh", {}).get("tie_reason")))
        for source_id, source in data.get("sources", {}).items():
            for key in ("title", "summary"):
                pairs.append((f"{name} source {source_id}", key, source[key], source.get("zh", {}).get(key)))
        for platform_id, platform in data.get("platform", {}).items():
            pairs.append((f"{name} platform {platform_id}", "name", platform["name"], platform.get("zh", {}).get("name")))
            for fact_name, fact in platform["facts"].items():
                zh = fact.get("zh", {})
                if "note" in fact:
                    pairs.append((f"{name} fact {platform_id}.{fact_name}", "note", fact["note"], zh.get("note")))
                if _prose(fact["value"]):
                    pairs.append((f"{name} fact {platform_id}.{fact_name}", "value", fact["value"], zh.get("value")))
        for rule in data.get("rule", []):
            zh = rule.get("zh", {})
            for key in ("statement", "rationale", "salience_reason"):
                if key in rule:
                    pairs.append((f"{name} rule {rule['id']}", key, rule[key], zh.get(key)))
            if "caveat" in rule["then"]:
                pairs.append((f"{name} rule {rule['id']}", "caveat", rule["then"]["caveat"], zh.get("caveat")))
            assert ("caveat" in zh) == ("caveat" in rule["then"]), f"{rule['id']}: zh.caveat without a caveat"
    return pairs


PAIRS = _pairs()


def test_every_shipped_text_has_its_chinese() -> None:
    missing = [f"{where}: zh.{key}" for where, key, _english, chinese in PAIRS if not chinese]
    assert not missing, "\n".join(missing)
    # Every kind of text is covered: 66 rules' statements and rationales at least, sources, facts, names, headers.
    kinds = Counter(key for _where, key, _english, _chinese in PAIRS)
    assert kinds["statement"] == kinds["rationale"] == len(load_rulebook().rules)
    assert kinds["name"] == 3 and kinds["covers"] == len(_files()) and kinds["tie_reason"] == 1
    assert kinds["caveat"] > 0 and kinds["note"] > 0 and kinds["value"] > 0 and kinds["title"] == kinds["summary"] > 0


@pytest.mark.parametrize(("where", "key", "english", "chinese"), PAIRS, ids=[f"{w}:{k}" for w, k, _e, _c in PAIRS])
def test_each_translation_is_chinese_with_the_english_placeholders(where: str, key: str, english: Any, chinese: Any) -> None:
    if isinstance(english, list):
        assert isinstance(chinese, list) and len(chinese) == len(english), f"{where}: one translation per item"
        pairs = list(zip(english, chinese, strict=True))
    else:
        pairs = [(english, chinese)]
    for en, zh in pairs:
        assert Counter(placeholders(zh)) == Counter(placeholders(en))
        if CJK.search(en) is None and where.split()[-1] not in ("temu", "tiktok_shop"):  # brand names stay Latin
            assert CJK.search(zh), f"{where}.{key} is not Chinese: {zh!r}"
        assert not HALF_WIDTH.search(zh), f"{where}.{key}: use full-width punctuation in {zh!r}"
        runs = [run for run in ENGLISH_RUN.findall(zh) if run not in PROPER_NAMES]
        assert not runs, f"{where}.{key} leaves English untranslated: {runs}"


def test_each_translation_sits_right_after_the_english_it_translates() -> None:
    misplaced = []
    for path in sorted(shipped_rules_dir().glob("*.toml")):
        lines = path.read_text("utf-8").splitlines()
        for number, line in enumerate(lines):
            match = re.match(r"zh\.([a-z_]+) = ", line)
            if match is None:
                continue
            above = number - 1
            while lines[above].startswith("zh."):
                above -= 1
            key = match.group(1)
            english = "then = " if key == "caveat" else f"{key} = "
            if not (lines[above].startswith(english) or (key == "value" and lines[above] == "]")):
                misplaced.append(f"{path.name}:{number + 1}: zh.{key} follows {lines[above]!r}")
    assert not misplaced, "\n".join(misplaced)


def test_lint_finds_no_translation_problem_in_the_shipped_rules() -> None:
    report = lint(today=REVIEWED)
    assert [f for f in report.findings if f.check == "translation"] == []
    assert report.ok


def _drop_line(path: Path, startswith: str) -> None:
    lines = path.read_text("utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(startswith))
    del lines[index]
    path.write_text("".join(lines), "utf-8")


def test_lint_fails_on_a_missing_translation(runner: CliRunner, rules_dir: Path) -> None:
    text = (rules_dir / "fees.toml").read_text("utf-8")
    assert 'zh.statement = "你不太在意费用' in text
    _drop_line(rules_dir / "fees.toml", 'zh.statement = "你不太在意费用')
    result = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir), "--as-of", "2026-11-25"])
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "[translation]" in line)
    assert line.startswith("fees.toml:") and "rule 'fee_insensitive_favours_full'" in line
    assert "error [translation] statement has no zh translation: add zh.statement next to it" in line
    assert "the rule pack has 1 errors" in result.stderr


def test_lint_fails_on_a_translation_whose_placeholders_differ(runner: CliRunner, rules_dir: Path) -> None:
    path = rules_dir / "capacity.toml"
    text = path.read_text("utf-8")
    assert 'zh.caveat = "{platform.payout_terms}。' in text
    # {platform.name} is a known placeholder (so the pack loads), but not the one the English uses.
    path.write_text(text.replace('zh.caveat = "{platform.payout_terms}。', 'zh.caveat = "{platform.name}。'), "utf-8")
    result = runner.invoke(cli, ["rules", "lint", "--rules", str(rules_dir), "--as-of", "2026-11-25", "-f", "json"])
    assert result.exit_code == 1
    findings = [f for f in json.loads(result.stdout)["findings"] if f["check"] == "translation"]
    assert findings == [
        {
            "severity": "error",
            "check": "translation",
            "file": "capacity.toml",
            "rule": "payout_terms_for_cash_flow",
            "line": findings[0]["line"],
            "message": "zh.caveat uses the placeholders {platform.name}, but then.caveat uses {platform.payout_terms}: "
            "use exactly the same ones",
        }
    ]
    assert findings[0]["line"] is not None


def test_a_repeated_placeholder_counts(rules_dir: Path) -> None:
    path = rules_dir / "emphasis.toml"
    text = path.read_text("utf-8")
    old = 'zh.statement = "{platform.name} 不提供全托管。"'
    assert old in text
    path.write_text(text.replace(old, 'zh.statement = "{platform.name} 不提供全托管（{platform.name}）。"'), "utf-8")
    found = [f for f in lint(rules_dir, today=REVIEWED).findings if f.check == "translation"]
    assert [(f.rule, f.file) for f in found] == [("fully_managed_not_offered", "emphasis.toml")]


def test_lint_names_facts_sources_platforms_and_headers(rules_dir: Path) -> None:
    _drop_line(rules_dir / "platforms.toml", 'zh.note = "Y2：')
    _drop_line(rules_dir / "platforms.toml", 'zh.name = "速卖通"')
    _drop_line(rules_dir / "sources.toml", 'zh.title = "简报 ¶1')
    _drop_line(rules_dir / "service.toml", "zh.covers = ")
    text = (rules_dir / "platforms.toml").read_text("utf-8")
    (rules_dir / "platforms.toml").write_text(text.replace('zh.value = ["仓储", "营销", ', 'zh.value = ["仓储", '), "utf-8")
    messages = sorted(str(f) for f in lint(rules_dir, today=REVIEWED).findings if f.check == "translation")
    assert len(messages) == 5
    assert any(
        m.startswith("platforms.toml:") and "platform aliexpress: name has no zh translation: add zh.name" in m for m in messages
    )
    assert any("platform fact temu.semi_china_shipping_us: note has no zh translation: add zh.note" in m for m in messages)
    assert any("platform fact tiktok_shop.full_platform_runs: zh.value has 3 item(s), but value has 4" in m for m in messages)
    assert any(
        m.startswith("sources.toml:") and "source seed_p1: title has no zh translation: add zh.title" in m for m in messages
    )
    assert any(m.startswith("service.toml:") and "file header [meta]: covers has no zh translation" in m for m in messages)


def test_a_translation_of_nothing_is_reported(rules_dir: Path) -> None:
    path = rules_dir / "service.toml"
    text = path.read_text("utf-8")
    anchor = 'zh.statement = "你在目标市场没有售后和退货能力'
    assert anchor in text
    path.write_text(text.replace(anchor, 'zh.caveat = "多余的。"\n' + anchor), "utf-8")
    found = [f for f in lint(rules_dir, today=REVIEWED).findings if f.check == "translation"]
    assert [(f.rule, f.message) for f in found] == [
        ("no_service_favours_full", "zh.caveat translates nothing (then.caveat is not there): remove it")
    ]


def test_lint_messages_in_chinese(rules_dir: Path) -> None:
    _drop_line(rules_dir / "fees.toml", 'zh.statement = "你不太在意费用')
    with use_language("zh"):
        report = lint(rules_dir, today=REVIEWED)
        text = report.to_text()
    assert "规则 'fee_insensitive_favours_full'" in text
    assert "statement 没有 zh 译文：请在它旁边加上 zh.statement" in text
    assert text.splitlines()[-1].endswith("：未通过（1 个错误，0 个警告，19 条提示）")


def test_a_pack_without_translations_loads_and_advises_in_english(rules_dir: Path) -> None:
    for path in rules_dir.glob("*.toml"):
        path.write_text(
            "".join(line for line in path.read_text("utf-8").splitlines(keepends=True) if not line.startswith("zh.")), "utf-8"
        )
    book = load_rulebook(rules_dir)
    rule = book.rule("semi_fees_shift_costs")
    assert rule.text("statement", "zh") == rule.statement and rule.text("caveat", "zh") == rule.then.text
    assert book.platforms["aliexpress"].name_in("zh") == "AliExpress"
    assert book.rule_digests() == load_rulebook().rule_digests()
    result = Advisor(rules_dir=rules_dir).consult(SellerProfile.from_dict({"operational_capacity": "low"}))
    assert result.recommendations
    found = [f for f in lint(rules_dir, today=REVIEWED).findings if f.check == "translation"]
    assert len(found) > 200 and all(f.severity == "error" for f in found)


def test_an_unknown_placeholder_in_a_translation_is_refused_at_load(rules_dir: Path) -> None:
    path = rules_dir / "fees.toml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace('zh.statement = "{platform.name} 上线半托管', 'zh.statement = "{platform.nom} 上线半托管'), "utf-8"
    )
    with pytest.raises(RuleBookError) as info:
        load_rulebook(rules_dir)
    assert info.value.rule_id == "semi_fee_cut_at_launch" and info.value.field == "zh.statement"
    assert "unknown placeholder {platform.nom}" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('zh.statement = "你不太在意费用', 'zh.statment = "你不太在意费用', "'statment' is not one of"),
        (
            'zh.covers = "费用、佣金、利润，以及半托管转给卖家承担的成本。"',
            'zh.covers = "  "',
            "meta.zh.covers: is blank: write the text, or leave the key out",
        ),
    ],
    ids=["unknown-key", "blank-text"],
)
def test_the_schema_lists_the_keys_a_zh_table_may_hold(rules_dir: Path, old: str, new: str, expected: str) -> None:
    path = rules_dir / "fees.toml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(RuleBookError) as info:
        load_rulebook(rules_dir)
    assert expected in str(info.value)


def test_digests_ignore_translations_but_the_file_fingerprint_does_not(rules_dir: Path) -> None:
    before = load_rulebook(rules_dir)
    path = rules_dir / "fees.toml"
    path.write_text(path.read_text("utf-8").replace("你不太在意费用，全托管的省心值这个价。", "你不在乎费用。"), "utf-8")
    after = load_rulebook(rules_dir)
    assert after.rule("fee_insensitive_favours_full").text("statement", "zh") == "你不在乎费用。"
    assert after.rule_digests() == before.rule_digests()
    # The rule book's fingerprint hashes the files themselves: it records that a file changed.
    assert after.fingerprint != before.fingerprint


def test_platform_facts_and_texts_in_chinese(advisor: Advisor) -> None:
    book = load_rulebook()
    temu, aliexpress = book.platforms["temu"], book.platforms["aliexpress"]
    assert aliexpress.name_in("zh") == "速卖通" and temu.name_in("zh") == "Temu"
    values = temu.fact_values("zh")
    assert values["platform.name"] == "Temu" and values["platform.full_platform_runs"][0] == "国际运输和清关"
    assert values["platform.emphasis"] == "both"  # codes are not translated
    assert temu.fact_values()["platform.full_platform_runs"] == temu.facts["full_platform_runs"].value
    # The texts a Chinese consultation fills in from each platform's facts.
    result = advisor.consult(
        {"control_priority": "high", "fee_sensitivity": "high", "platforms": ["temu", "aliexpress"]}, lang="zh"
    )
    caveats = {(rec.platform, c.rule): c.text for rec in result.recommendations for c in rec.caveats}
    assert caveats["temu", "full_hands_over_price_and_promotion"].startswith(
        "全托管下，Temu 负责：国际运输和清关；尾程配送；客服和退货；售价和促销。"
    )
    # A space sets a Latin name apart in Chinese ("Temu 半托管") but not a Chinese one ("速卖通半托管").
    assert caveats["temu", "semi_fees_shift_costs"].startswith("Temu 半托管佣金再低，下列成本也要你自己承担")
    assert caveats["aliexpress", "semi_fees_shift_costs"].startswith("速卖通半托管佣金再低，下列成本也要你自己承担")
    assert temu.facts["semi_china_shipping_us"].text("note", "zh").startswith("Y2：")
    assert book.sources["seed_p1"].text("title", "zh") == "简报 ¶1：两种托管模式"
    assert book.headers["fees.toml"].text("covers", "zh").startswith("费用、佣金")
    assert book.policy.text("tie_reason", "zh").startswith("没有任何因素打破平衡")


def test_rules_show_in_chinese(runner: CliRunner, advisor: Advisor) -> None:
    rule = advisor.rules.rule("semi_fees_shift_costs")
    result = runner.invoke(cli, ["rules", "show", rule.id, "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "规则 semi_fees_shift_costs（位于 fees.toml）"
    assert lines[2] == "说明：" + rule.text("statement", "zh")
    assert "文件中的写法：" in lines and "编译后：" in lines and "来源：" in lines
    assert "  结论：添加一条注意事项" in lines and "  作用范围：platform（每个平台最多触发一次）" in lines
    assert any(line.startswith("  fees_evidence：费用方面的证据很少") for line in lines)
    # The English show is untouched by the language machinery.
    english = runner.invoke(cli, ["rules", "show", rule.id], catch_exceptions=False)
    assert english.stdout.startswith("Rule semi_fees_shift_costs (in fees.toml)\n\nAs written:\n")
    assert "zh:" not in english.stdout and "说明" not in english.stdout


def test_rules_show_json_in_chinese_keeps_its_keys(runner: CliRunner, advisor: Advisor) -> None:
    english = json.loads(runner.invoke(cli, ["rules", "show", "low_capacity_favours_full", "-f", "json"]).stdout)
    chinese = json.loads(runner.invoke(cli, ["rules", "show", "low_capacity_favours_full", "-f", "json", "--lang", "zh"]).stdout)
    assert chinese.keys() == english.keys() and chinese["compiled"].keys() == english["compiled"].keys()
    assert chinese["compiled"]["conclusion"] == "支持全托管（权重 3）"
    assert chinese["written"]["zh"]["statement"] == advisor.rules.rule("low_capacity_favours_full").text("statement", "zh")
    assert {k: v for k, v in chinese["written"].items() if k != "zh"} == english["written"]
    assert chinese["compiled"]["digest"] == english["compiled"]["digest"]
    assert [s["title"] for s in chinese["sources"]][0] == "简报 ¶1：两种托管模式"


def test_rules_show_decide_in_chinese(advisor: Advisor) -> None:
    with use_language("zh"):
        text = render_rule(rule_details(advisor.rules, "decide"))
    assert text.startswith("规则 decide（引擎内置；它的数值来自 [policy] 表）")
    assert "否则选全托管（判定方式：平分，即 tie）" in text
    assert "tie_default: fully-managed（没有任何因素打破平衡" in text


def test_rules_list_in_chinese(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["rules", "list", "--lang", "zh"], catch_exceptions=False)
    lines = result.stdout.splitlines()
    index = lines.index("low_capacity_favours_full  [capacity.toml]  支持全托管（权重 3）  （¶1、¶2、¶6、ops_experience）")
    assert lines[index + 1] == "    " + advisor.rules.rule("low_capacity_favours_full").text("statement", "zh")
    data = json.loads(runner.invoke(cli, ["rules", "list", "-f", "json", "--lang", "zh"]).stdout)
    semi = next(item for item in data if item["id"] == "semi_out_of_reach")
    assert semi["concludes"] == "排除半托管" and semi["then"] == {"exclude": "semi-managed"}
    assert semi.keys() == {"id", "statement", "sources", "concludes", "then", "file"}
    assert all(CJK.search(item["statement"]) for item in data)
