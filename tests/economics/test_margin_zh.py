"""The margin calculator in Chinese: headings, line labels and formula words, aligned columns; JSON and English unchanged."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from sellerexpert import Advisor, SellerProfile, ask_own_numbers, cli, use_language, write_chart
from sellerexpert import render_margins as render
from zh_text import english_runs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "margin-home-goods.toml"


@pytest.fixture(scope="module")
def comparison(advisor: Advisor):  # type: ignore[no-untyped-def]
    return advisor.compare_margins(SellerProfile.from_file(EXAMPLE))


def _english_words(text: str) -> list[str]:
    """Runs of two or more English words: the margin report's own words (field ids and names set aside)."""
    return english_runs(text, ("AliExpress", "USD", "--details"), min_words=2)


def test_margin_text_in_chinese(runner: CliRunner, comparison) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("到岸成本和利润（USD）：每月 600 件，资金成本每年 12%\n金额四舍五入到分；合计按四舍五入前的数值计算。")
    for words in (
        "Temu（美国）：全托管每月贡献利润多出 2,666.58 美元",
        "比较的路线：全托管，供货到 Temu 国内仓；半托管本土店，从你在当地的库存发货",
        "单件",
        "每月（按 600 件）",
        "该销量下的资金占用",
        "退货退款",
        "− 降价后价格 × 退货率",
        "关税和清关费用",
        "单件贡献利润",
        "以上各行之和（待补的行未计入）",
        "资金占用",
        "盈亏平衡销量：每月 536.34 件",
        "低于此销量全托管利润更高，高于此销量半托管利润更高",
        "估算项（来自注明日期的费用表；填入你自己的数字即可替换）：",
        "如果没有延期，已过截止日期（2026年7月24日）：请对照来源核实。",
        "情形（每月贡献利润；待补的数字未计入）：",
        "全托管仍然多赚时的最低申报价（核价底线）：",
    ):
        assert words in text, words
    assert _english_words(text) == [], _english_words(text)
    # the same numbers as the JSON, formatted for Chinese
    temu = json.loads(comparison.to_json())["platforms"][0]
    price = next(line for line in text.splitlines() if line.strip().startswith("价格"))
    full, semi = (temu["models"][m]["per_unit"][0]["value"] for m in ("fully-managed", "semi-managed"))
    assert f"{full:,.2f}" in price and f"{semi:,.2f}" in price


def test_margin_columns_line_up_by_display_width(comparison) -> None:  # type: ignore[no-untyped-def]
    text = render(comparison, "text", lang="zh")
    rows = [line for line in text.splitlines() if line.startswith("    ") and not line.endswith("公式")]
    rows = [line for line in rows if wcswidth(line) > 4 + 36 + 1 + 14 and line[4:5] != "-" and not line.startswith("     ")]
    rows = [line for line in rows if re.search(r"-?[\d,]+\.\d\d~?\+?\s+-?[\d,]+\.\d\d", line)]
    rows = [line for line in rows if not line.strip().startswith(("基准", "乐观", "保守"))]  # the scenarios' own table
    assert len(rows) >= 3 * 12
    # every amount column ends at the same display column, and every formula starts at the same one
    for line in rows:
        label_end = wcswidth(line[: line.index("  ", 4)])
        assert label_end <= 4 + 36
        amounts = [m for m in re.finditer(r"-?[\d,]+\.\d\d~?\+?", line)][:2]
        ends = [wcswidth(line[: m.end()]) for m in amounts]
        assert ends == [4 + 36 + 1 + 14, 4 + 36 + 1 + 14 + 1 + 14], line
    header = next(line for line in text.splitlines() if line.rstrip().endswith("公式"))
    assert wcswidth(header[: header.index("全托管") + 3]) == 2 + 38 + 1 + 14
    assert wcswidth(header[: header.index("半托管") + 3]) == 2 + 38 + 1 + 14 + 1 + 14


def test_margin_markdown_in_chinese(runner: CliRunner) -> None:
    markdown = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", "markdown", "--lang", "zh"], catch_exceptions=False).stdout
    assert markdown.startswith("# 到岸成本和利润（USD）\n\n每月 600 件，资金成本每年 12%。金额四舍五入到分；")
    assert markdown.count("| 项目 | 全托管 | 半托管 | 公式 |") == 3
    assert "| **单件** | | | |" in markdown
    assert "| 每月贡献利润 | 1,953.69 | -712.89 | 销量贡献利润 − 固定成本 − 保证金的资金成本 |" in markdown
    assert _english_words(markdown) == [], _english_words(markdown)


def test_margin_json_is_the_same_in_every_language(runner: CliRunner) -> None:
    english = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", "json"], catch_exceptions=False).stdout
    chinese = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", "json", "--lang", "zh"], catch_exceptions=False).stdout

    def data(text: str) -> object:
        # Platform names are display words (速卖通 if the advisor names platforms in the language); the rest is data.
        parsed = json.loads(text)
        for item in (*parsed["platforms"], *parsed["markets"]):
            item.pop("platform_name")
            item.pop("market_name")
            for model in item["models"].values():
                model.pop("route_name")
        return parsed

    assert data(chinese) == data(english)
    lines = json.loads(chinese)["platforms"][0]["models"]["fully-managed"]["per_unit"]
    assert next(line["label"] for line in lines if line["key"] == "refunds") == "Refunds on returns"


def test_english_margin_is_unchanged_after_a_chinese_one(comparison) -> None:  # type: ignore[no-untyped-def]
    english, markdown = render(comparison, "text"), render(comparison, "markdown")
    render(comparison, "text", lang="zh")
    assert render(comparison, "text") == english
    assert "Landed cost and margin (USD) at 600 units a month, cost of capital 12% a year" in english
    with use_language("zh"):
        assert render(comparison, "markdown", lang="en") == markdown


def test_chart_keeps_english_labels_without_a_chinese_font(  # type: ignore[no-untyped-def]
    comparison, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager

    # A system with matplotlib's own font only: none with Chinese glyphs.
    latin = [entry for entry in font_manager.fontManager.ttflist if entry.name == "DejaVu Sans"]
    assert latin, "matplotlib ships DejaVu Sans"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    write_chart(comparison, tmp_path / "english.svg")
    with use_language("zh"):
        write_chart(comparison, tmp_path / "chinese.svg")
    english = (tmp_path / "english.svg").read_bytes()
    assert (tmp_path / "chinese.svg").read_bytes() == english
    assert b"units a month" in english


def test_a_chinese_consultation_quotes_the_chinese_summary_and_traces_english(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLE)
    with use_language("zh"):  # as the command line runs it with --lang zh
        result = advisor.consult(profile)
    quoted = [r.text for rec in result.recommendations for r in (*rec.reasons, *rec.caveats) if r.rule.startswith("own_margin")]
    assert quoted and all("用你自己的数字计算" in text for text in quoted)
    trace = result.trace.to_json()
    assert "at 600 units a month your own numbers leave" in trace
    assert not re.search(r"[\u4e00-\u9fff]", trace)
    english = advisor.consult(profile, lang="en")
    assert all(
        "your own numbers leave" in r.text
        for rec in english.recommendations
        for r in rec.reasons
        if r.rule.startswith("own_margin")
    )


def test_the_numbers_interview_asks_in_chinese_and_takes_chinese_answers(advisor: Advisor) -> None:
    # A shop whose own numbers could change the advice, so the interview asks for them.
    shop = SellerProfile.from_file(Path(__file__).resolve().parents[2] / "examples" / "one-person-shop.yaml")
    # 是; currency; units; unit cost; supply price (150% refused as an amount, then 7.20); retail price.
    replies = iter(["是", "USD", "600", "3.10", "150%", "7.20", "13.99"])
    told: list[str] = []
    with use_language("zh"):
        economics = ask_own_numbers(advisor, shop, lambda _prompt: next(replies), told.append).economics
    assert told[0] == ""  # a blank line before the numbers
    del told[0]
    assert economics is not None and economics.monthly_units == 600
    assert economics.values("temu", "semi-managed")["price"] == Decimal("13.99")
    assert told[0].startswith("你知道自己的单件成本和每种模式下的预期价格吗")
    assert "全托管：平台每件付给你的供货价？" in told
    assert any(line.startswith("半托管：你每件定的售价") for line in told)
    assert any("按注明日期的费用表估算" in line for line in told)
    sorry = next(line for line in told if line.startswith("抱歉"))
    assert "quit" in sorry
    with use_language("zh"):
        assert ask_own_numbers(advisor, shop, lambda _prompt: "否", told.append) == shop


def test_platforms_are_named_as_the_language_writes_them(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    # The rule book names AliExpress 速卖通 in Chinese (its zh table); set here as rules/platforms.toml will.
    monkeypatch.setitem(advisor.rules.platforms["aliexpress"].translations, "zh", {"name": "速卖通"})
    profile = SellerProfile.from_file(EXAMPLE)
    chinese = advisor.compare_margins(profile, lang="zh")
    assert [p.platform_name for p in chinese.platforms] == ["Temu", "速卖通", "TikTok Shop"]
    assert "\n速卖通（美国）：半托管每月贡献利润多出 53.41 美元\n" in render(chinese, "text", lang="zh")
    assert advisor.compare_margins(profile).platforms[1].platform_name == "AliExpress"
    with use_language("zh"):
        assert advisor.compare_margins(profile).platforms[1].platform_name == "速卖通"
