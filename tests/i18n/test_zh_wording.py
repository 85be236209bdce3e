"""Chinese that reads as a professional wrote it: the 2026-12 review's points held as tests.

Each check names the review's point: field names and rule ids out of what a Chinese seller reads,
the glossary's terms used the same way in every catalogue and rule file, no translationese, no nested
full-width brackets, no placeholder word ("平台 半托管").
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from wcwidth import wcswidth

import sellerexpert
from conftest import EXAMPLES, sampled
from sellerexpert import FIELDS, Advisor, SellerProfile, cli, shipped_rules_dir
from sellerexpert import render_report as render

LOCALE = Path(sellerexpert.__file__).parent / "locale" / "zh" / "LC_MESSAGES"
REVIEWED = date(2026, 11, 25)
PROFILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json", ".toml"))
FIELD_NAMES = sorted((spec.name for spec in FIELDS if "_" in spec.name), key=len, reverse=True)
# Rule files whose texts the lead is rewriting with the landed-cost work (fees, customs, margin): their
# Chinese is held to these checks once that work lands.
NOT_YET: set[str] = set()

# The review's list of translationese, each with what a Chinese seller writes instead.
TRANSLATIONESE = {
    "向你开放": "入驻资格 / 能做 / 满足条件 (English 'open to you')",
    "那里": "这个市场 / 该平台 (English 'there')",
    "仓位": "海外仓",
    "销售杠杆": "出单主要靠…",
    "握在手里": "主动权在你手里",
    "亲口": "明确填写",
    "交给你的事情": "要你自己负责的事",
    "，而全托管": "；全托管模式下… (English 'and')",
    "，而半托管": "；半托管模式下… (English 'and')",
}


def _zh_texts() -> list[tuple[str, str]]:
    """(where, text) for every Chinese text a seller may read: catalogue translations and rule files' zh fields."""
    out: list[tuple[str, str]] = []
    for path in sorted(LOCALE.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                out += [(f"{path.name}: {message.id!r}", s) for s in strings if s]
    for path in sorted(shipped_rules_dir().glob("*.toml")):
        if path.name in NOT_YET:
            continue
        out += [(f"{path.name}: {where}", text) for where, text in _zh_fields(tomllib.loads(path.read_text("utf-8")), "")]
    return out


def _zh_fields(node: object, where: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh":
                found += [(f"{where}.zh", text) for text in _strings(value)]
            else:
                found += _zh_fields(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _zh_fields(item, f"{where}[{index}]")
    return found


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def test_no_translationese_in_any_chinese_text() -> None:
    found = [
        f"{where}: {phrase!r} (write {instead}): {text}"
        for where, text in _zh_texts()
        for phrase, instead in TRANSLATIONESE.items()
        if phrase in text
    ]
    assert not found, "\n".join(found)


def test_the_glossary_terms_are_used_as_the_glossary_says() -> None:
    texts = _zh_texts()
    # POP is a store the seller runs; from China it is a 跨境店, never glossed as 本土店.
    assert not [w for w, t in texts if "POP" in t and "本土店" in t], [w for w, t in texts if "POP" in t and "本土店" in t]
    # Company bases in words: 中国大陆或香港, not CN 或 HK.
    assert not [w for w, t in texts if re.search(r"\bCN 或 HK\b", t)]
    # One date style in the texts: 2025年5月, never 2025 年 5 月 or 2025-05 next to 2025年5月2日.
    spaced = [f"{w}: {t}" for w, t in texts if re.search(r"\d{4} 年 \d{1,2} 月", t)]
    assert not spaced, "\n".join(spaced)


def test_no_nested_full_width_brackets_in_the_texts() -> None:
    nested = [f"{w}: {t}" for w, t in _zh_texts() if re.search(r"（[^（）]*（[^（）]*）[^（）]*）", t) and "{" not in t]
    assert not nested, "\n".join(nested)


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("output", ["text", "markdown"])
def test_the_default_chinese_report_shows_no_field_name_rule_id_or_placeholder_word(
    advisor: Advisor, path: Path, output: str
) -> None:
    result = advisor.consult(SellerProfile.from_file(path), lang="zh", engine="compiled")
    text = render(result, output, today=REVIEWED)
    flat = "".join(text.split())
    assert not [f for f in FIELD_NAMES if f in text], [f for f in FIELD_NAMES if f in text]
    rule_ids = [r.id for r in advisor.rules.rules if r.id in text]
    assert not rule_ids, rule_ids
    assert "平台半托管" not in flat and "平台的全托管只" not in flat  # the placeholder word of review point 1
    assert not re.search(r"（[^（）]*（[^（）]*）[^（）]*）", flat), re.findall(r"（[^（）]*（[^（）]*）[^（）]*）", flat)
    assert "（" + "".join("TikTok Shop 的 POP".split()) not in flat and "本土店）店" not in flat


def test_explain_names_fields_and_platforms_in_chinese(runner: CliRunner, advisor: Advisor, tmp_path: Path) -> None:
    trace = tmp_path / "shop.json"
    consulted = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml"), "--trace", str(trace)])
    assert consulted.exit_code == 0, consulted.output
    result = runner.invoke(cli, ["explain", str(trace), "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # The facts and the why-not lines: fields in words, platforms by name, confidence as a percentage.
    facts = [line for line in result.stdout.splitlines() if " = " in line or line.strip().startswith("如果")]
    assert facts
    for line in facts:
        assert not [f for f in FIELD_NAMES if f in line], line
        assert not re.search(r"\b(aliexpress|tiktok_shop|temu)：", line), line
    assert re.search(r"置信度 \d+%", result.stdout) and not re.search(r"置信度 0\.\d", result.stdout)
    # why-not never asks a one-person shop to register a company abroad (review point 10)
    assert "公司注册地" not in result.stdout.split("为什么不是", 1)[-1] or "中国大陆" in result.stdout  # company_base


@pytest.mark.parametrize(
    "args",
    [
        ["consult", "-p", str(EXAMPLES / "tiktok-creator-brand.yaml"), "--details"],
        ["margin", "-p", str(EXAMPLES / "margin-home-goods.toml")],
        ["rules", "list"],
        ["rules", "show", "low_capacity_favours_full"],
        ["rules", "lint", "--as-of", "2030-01-01"],
    ],
    ids=lambda a: "-".join(a[:2]).replace("/", "_"),
)
# Chinese at 80 columns in the default run; English, and 120 columns, in the slow set as well.
@pytest.mark.parametrize("lang", sampled(["zh", "en"], {"zh"}))
@pytest.mark.parametrize("columns", [80, pytest.param(120, marks=pytest.mark.slow)])
def test_text_commands_wrap_to_the_terminal_s_width(runner: CliRunner, args: list[str], lang: str, columns: int) -> None:
    result = runner.invoke(cli, [*args, "--lang", lang], env={"COLUMNS": str(columns)}, catch_exceptions=False)
    long = [line for line in result.output.splitlines() if wcswidth(line) > columns and "http" not in line]
    assert not long, long


def test_click_s_usage_errors_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--platfrm", "temu", "--lang", "zh"])
    assert result.exit_code == 2
    assert "错误：没有选项“--platfrm”。你是不是要用“--platform”？" in result.stderr
    assert "Try" not in result.stderr and "No such option" not in result.stderr
    english = runner.invoke(cli, ["consult", "--platfrm", "temu", "--lang", "en"])
    assert "Error: No such option '--platfrm'. Did you mean '--platform'?" in english.stderr


def test_chinese_help_headings_use_full_width_colons(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--lang", "zh", "--help"])
    assert result.output.startswith("用法：") and "[选项] 命令 [参数]..." in result.output
    assert "\n选项：\n" in result.output and "\n命令：\n" in result.output and "选项:" not in result.output


def test_options_take_what_the_interview_takes(runner: CliRunner) -> None:
    args = ["consult", "--target-market", "美国、德国", "--monthly-orders", "1.2万", "--operational-capacity", "低",
            "--local-warehouse", "否", "--customer-service", "基础", "-f", "json"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)["profile"]
    assert profile["target_markets"] == ["US", "DE"] and profile["monthly_orders"] == 12000
    assert profile["operational_capacity"] == "low" and profile["local_warehouse"] is False
    assert profile["customer_service"] == "basic"
