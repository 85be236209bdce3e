"""The consult report in Chinese: its own words translated, jargon explained, columns lined up by display width.

An internal on purpose: the glossary (its tables and the explainer that glosses a term at its first use), the
report's shape before it is printed (``build_report``), and the title and confidence words are private;
the tests reach them to check each glossary entry in both languages and the shape of a Chinese report
beside its rendering. The English report's jargon is checked here too, against the same tables.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, Assumption, ConsultationResult, SellerProfile, _i18n, _language, cli
from sellerexpert import render_report as render
from sellerexpert._results.report import GLOSSARY, GLOSSARY_ZH, build_report, confidence_text, render_markdown, render_text
from zh_text import english_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LATER = date(2028, 1, 1)  # every dated platform fact is due for re-checking by then
NAMES_ZH = {"AliExpress": "速卖通", "TikTok Shop": "TikTok Shop", "Temu": "Temu"}

# Phrases a fake translation strings together: real terms, so the gloss has something to explain.
_PHRASES = (
    "你的海外仓能支撑这种模式",
    "头程运费由你承担",
    "尾程配送交给平台",
    "平台会核价",
    "资金占用会增加",
    "回款账期较长",
    "退货要你自己处理",
    "这种模式更省心",
    "VAT 需要在当地注册",
    "小额免税已经取消",
    "EPR 在德国和法国已强制执行",
)


def _fake(text: str) -> str:
    """A Chinese stand-in for an English text: same length class, deterministic, platform names kept."""
    present = next((zh for en, zh in NAMES_ZH.items() if en in text), None)
    masked = text
    for en in NAMES_ZH:
        masked = masked.replace(en, "\0")
    seed = zlib.crc32(masked.encode())
    count = max(2, len(text) // 30)
    body = "，".join(_PHRASES[(seed + i * 7) % len(_PHRASES)] for i in range(count)) + "。"
    return f"在{present}上，{body}" if present else body


def _zh_result(result: ConsultationResult, *, outcomes: bool = False) -> ConsultationResult:
    """``result`` with every text the advisor writes replaced by Chinese, as Advisor.consult(lang="zh") gives it.

    :param outcomes: also give the first platforms the third outcomes (run both; neither fits), whose cells are widest.
    """
    recs = []
    for index, rec in enumerate(result.recommendations):
        changes: dict[str, object] = {
            "platform_name": NAMES_ZH.get(rec.platform_name, rec.platform_name),
            "reasons": tuple(replace(r, text=_fake(r.text)) for r in rec.reasons),
            "caveats": tuple(replace(c, text=_fake(c.text)) for c in rec.caveats),
            "assumptions": tuple(replace(a, text=_fake(a.text)) for a in rec.assumptions)
            + (Assumption("monthly_orders", None, "未作答"),),
            "outcome_text": _fake(rec.outcome_text) if rec.outcome_text else "",
            "route_name": _fake(rec.route_name) if rec.route_name else "",
            "markets": tuple(
                replace(
                    m,
                    market_name="美国" if m.market == "US" else _fake(m.market_name),
                    route_name=_fake(m.route_name) if m.route_name else "",
                    outcome_text=_fake(m.outcome_text) if m.outcome_text else "",
                    reasons=tuple(replace(r, text=_fake(r.text)) for r in m.reasons),
                    caveats=tuple(replace(c, text=_fake(c.text)) for c in m.caveats),
                )
                for m in rec.markets
            ),
        }
        if outcomes and index == 0:
            changes.update(outcome="run-both", outcome_text="差距很小：Temu 允许两种模式分店并行。")
        if outcomes and index == 1:
            changes.update(
                outcome="neither-fits", outcome_text="两种模式目前都不对你开放：下面的理由说明了各自的门槛。", route=None
            )
        recs.append(replace(rec, **changes))  # type: ignore[arg-type]
    best = replace(result.best, why="综合来看，" + _fake(result.best.why))
    return ConsultationResult(result.profile, tuple(recs), best, lambda: result.trace, lang="zh")


def _leaks(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return english_runs(text, allowed)


@pytest.fixture(scope="module")
def shop(advisor: Advisor) -> ConsultationResult:
    return advisor.consult(SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml"))


@pytest.fixture(scope="module")
def zh_shop(shop: ConsultationResult) -> ConsultationResult:
    return _zh_result(shop, outcomes=True)


def test_the_chinese_report_has_chinese_headings_and_words(shop: ConsultationResult) -> None:
    text = render_text(shop, lang="zh", today=LATER)
    for words in ("平台", "建议", "置信度", "备注", "综合最佳：", "Temu：全托管", "注意事项：", "请复核"):
        assert words in text, words
    assert "全托管" in text and "（中）" in text or "（高）" in text
    # the report's own words are not left in English
    for english in ("Platform", "Best overall", "Keep in mind", "re-check", "fully-managed  ", "(moderate)", "more notes"):
        assert english not in text, english


def test_no_english_sentence_leaks_from_the_report_s_own_words(zh_shop: ConsultationResult) -> None:
    product = zh_shop.profile.name or ""
    for details in (False, True):
        text = render_text(zh_shop, lang="zh", today=LATER, details=details)
        markdown = render_markdown(zh_shop, lang="zh", today=LATER, details=details)
        assert _leaks(text, (product,)) == [], text
        assert _leaks(markdown, (product,)) == [], markdown


@pytest.mark.parametrize(
    "example",
    [
        "one-person-shop.yaml",
        "us-brand-with-warehouse.json",
        "sea-freight-factory.toml",
        "tiktok-creator-brand.yaml",
        "no-data.json",
    ],
)
def test_a_real_chinese_consultation_has_no_english_sentence(advisor: Advisor, example: str) -> None:
    # The whole report, once the rule book carries its Chinese texts (rules/*.toml, the zh tables).
    if any(not rule.translations.get("zh") for rule in advisor.rules.rules):
        pytest.skip("the rule book's Chinese texts are not all in yet: the report's own words are checked above")
    result = advisor.consult(SellerProfile.from_file(EXAMPLES / example), lang="zh")
    for details in (False, True):
        text = render_text(result, lang="zh", today=LATER, details=details, width=80)
        assert _leaks(text, (result.profile.name or "",)) == [], text
        assert max(_i18n.width(line) for line in text.splitlines()) <= 80


def test_the_report_speaks_the_result_s_language_unless_told_otherwise(advisor: Advisor, shop: ConsultationResult) -> None:
    result = advisor.consult(shop.profile, lang="zh")
    chinese = render_text(result, today=LATER)  # the words of the report follow the result's texts
    assert chinese == render_text(result, lang="zh", today=LATER)
    assert "综合最佳：" + result.best.why[:10] in chinese and "注意事项：" in chinese
    assert render_text(shop, today=LATER).startswith("Advice for ")
    with _language.use("zh"):
        assert render_text(shop, today=LATER) == render_text(shop, lang="en", today=LATER)
    assert "Best overall: " in render_text(result, lang="en", today=LATER)  # asked for: English words around Chinese texts


def test_the_third_outcomes_read_in_chinese(zh_shop: ConsultationResult) -> None:
    text = render_text(zh_shop, lang="zh", today=LATER)
    assert "全托管，或两种模式并行" in text or "半托管，或两种模式并行" in text
    assert "两种模式都不合适（次选：" in text and "均已排除" in text and "差距很小，可并行" in text


def _table(text: str, rows: int) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("平台"))
    return lines[start : start + rows + 1]


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("details", [False, True])
def test_the_chinese_report_fits_the_width_and_its_table_lines_up(zh_shop: ConsultationResult, width: int, details: bool) -> None:
    text = render_text(zh_shop, lang="zh", width=width, today=LATER, details=details)
    for line in text.splitlines():
        assert _i18n.width(line) <= width, line
    report = build_report(zh_shop, today=LATER, lang="zh")
    table = _table(text, len(report.rows))
    header_cells = [cell for cell in re.split(r" {2,}", table[0].strip())]
    with _language.use("zh"):
        assert header_cells == ["平台", "建议", "置信度", "备注"]

    def starts(line: str, cells: tuple[str, ...] | list[str]) -> list[int]:
        columns, position = [], 0
        for cell in cells:
            if not cell:
                continue
            index = line.index(cell, position)
            columns.append(_i18n.width(line[:index]))
            position = index + len(cell)
        return columns

    header = starts(table[0], header_cells)
    for line, row in zip(table[1:], report.rows, strict=True):
        found = starts(line, row)
        assert found == header[: len(found)], (line, table[0])


def test_the_chinese_report_fits_with_colour_too(zh_shop: ConsultationResult) -> None:
    text = render_text(zh_shop, lang="zh", width=80, today=LATER, details=True, color=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "\x1b[1m综合最佳：\x1b[0m" in text
    assert plain == render_text(zh_shop, lang="zh", width=80, today=LATER, details=True)
    for line in plain.splitlines():
        assert _i18n.width(line) <= 80, line


def test_jargon_is_explained_in_chinese_at_first_use(zh_shop: ConsultationResult) -> None:
    text = "".join(render_text(zh_shop, lang="zh", today=LATER, details=True).split())  # undo the wrapping
    with _language.use("zh"):
        for term, explanation in GLOSSARY_ZH:
            spelled, meaning = _i18n._(term), "".join(_i18n._(explanation).split())
            if spelled in text or term in text:
                assert text.count(meaning) == 1, (term, meaning)
        # terms the fake texts use; each explained once, right after its first use
        assert "海外仓（设在买家所在市场的仓库）" in text
        assert "头程（把货从国内运到海外仓）" in text
        assert "VAT（增值税）" in text and "小额免税（低价值包裹免征关税的额度）" in text


def test_a_chinese_only_term_is_not_glossed_in_english_leftovers() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        assert (
            _Glossary()("last-mile delivery within two days, and de minimis")
            == "last-mile delivery within two days, and de minimis（低价值包裹免征关税的额度）"
        )


def test_a_term_the_translator_already_explained_is_left_alone() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        explain = _Glossary()
        assert (
            explain("需要 VAT（增值税）号，另需 EPR 注册。")
            == "需要 VAT（增值税）号，另需 EPR（生产者责任延伸：包装和电子产品须注册并缴纳回收费用）注册。"
        )
        assert explain("再说一次 VAT 和 EPR。") == "再说一次 VAT 和 EPR。"
        explain = _Glossary()
        assert explain("速卖通（Choice）的标") == "速卖通（Choice：速卖通给时效快、包邮商品的标识）的标"
    # English keeps its own table and punctuation
    assert [term for term, _unused in GLOSSARY][:2] == ["EU Responsible Person", "de minimis"]


def test_confidence_stale_marks_and_numbers_in_chinese() -> None:
    with _language.use("zh"):
        assert confidence_text(0.81) == "81%（高）"
        assert confidence_text(0.6) == "60%（中）"
        assert confidence_text(0.2) == "20%（低）"
    assert confidence_text(0.81) == "81% (high)"


def test_stale_marks_use_chinese_dates(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["US"], "fast_shipping_expected": True, "platforms": ["temu"]})
    text = "".join(render_text(result, lang="zh", today=LATER).split())
    assert re.search(r"（截至[^）]*2025年8月27日[^）]*，请复核）", text)
    assert "re-check" not in text


def test_the_chinese_markdown(zh_shop: ConsultationResult) -> None:
    markdown = render(zh_shop, "markdown", lang="zh", today=LATER, details=True)
    assert markdown.startswith("# 模式建议：Lin's phone accessories\n\n| 平台 | 建议 | 置信度 | 备注 |\n|---|---|---|---|")
    for heading in ("**综合最佳：**", "## 速卖通：", "## 注意事项", "## 我们的假设", "## 卖家资料", "| 字段 | 取值 |"):
        assert heading in markdown, heading
    report = build_report(zh_shop, today=LATER, details=True, lang="zh")
    assert markdown.count("\n- ") == (
        sum(len(s.reasons) for s in report.platforms) + len(report.caveats) + len(report.assumed)
        + len(report.routes) + len(report.shared)
    )


def test_hidden_notes_are_counted_in_chinese(zh_shop: ConsultationResult) -> None:
    report = build_report(zh_shop, today=LATER, lang="zh")
    assert report.hidden > 1
    text = "".join(render_text(zh_shop, lang="zh", today=LATER).split())
    assert f"（另有{report.hidden}条说明针对我们不建议的模式，加--details查看）" in text


def test_the_language_does_not_leak_out_of_a_render(shop: ConsultationResult) -> None:
    english = render_text(shop, today=LATER)
    render_text(shop, lang="zh", today=LATER)
    assert _i18n.current() == "en"
    assert render_text(shop, today=LATER) == english
    with _language.use("zh"):
        assert render_text(shop, lang="en", today=LATER) == english


def test_consult_lang_zh_on_the_command_line(runner: CliRunner) -> None:
    shop = str(EXAMPLES / "one-person-shop.yaml")
    chinese = runner.invoke(cli, ["consult", "-p", shop, "--lang", "zh"], catch_exceptions=False)
    assert chinese.exit_code == 0
    assert "综合最佳：" in chinese.output and "置信度" in chinese.output and "注意事项：" in chinese.output
    markdown = runner.invoke(cli, ["consult", "-p", shop, "--lang", "zh", "-f", "markdown"], catch_exceptions=False)
    assert "| 平台 | 建议 | 置信度 | 备注 |" in markdown.output
    english = runner.invoke(cli, ["consult", "-p", shop], catch_exceptions=False)
    assert "Best overall:" in english.output and "综合" not in english.output
    as_json = runner.invoke(cli, ["consult", "-p", shop, "--lang", "zh", "-f", "json"], catch_exceptions=False)
    assert '"model": "fully-managed"' in as_json.output  # enum values stay English


def test_every_word_of_the_glossary_tables_is_translated() -> None:
    with _language.use("zh"):
        for _term, explanation in GLOSSARY_ZH:
            assert _i18n._(explanation) != explanation
            assert re.search(r"[\u4e00-\u9fff]", _i18n._(explanation))


def test_a_term_inside_a_bracket_is_explained_later_without_nesting() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        explain = _Glossary()
        assert explain("备货到当地仓库（自有仓或第三方海外仓）。") == "备货到当地仓库（自有仓或第三方海外仓）。"
        assert explain("海外仓备货") == "海外仓（设在买家所在市场的仓库）备货"


def test_a_compound_word_keeps_its_explanation_after_it() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        assert _Glossary()("完成尾程配送；") == "完成尾程配送（从海外仓送到买家手中）；"
        # "POP 店（商家自运营）" is already explained: no second gloss wedged between POP and 店
        assert _Glossary()("TikTok Shop 的 POP 店（商家自运营）") == "TikTok Shop 的 POP 店（商家自运营）"


def test_a_caveat_shared_by_platforms_names_them_not_a_placeholder_word(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLES / "margin-home-goods.toml")
    text = render_text(advisor.consult(profile, lang="zh"), lang="zh", details=True)
    assert "平台 " not in text.replace("  平台  ", "")
    assert "Temu 和 TikTok Shop" in " ".join(text.split())


def test_the_chinese_markdown_points_to_the_full_report_not_to_an_option(zh_shop: ConsultationResult) -> None:
    markdown = render_markdown(zh_shop, lang="zh", today=LATER)
    assert "--details" not in markdown and "见完整报告" in markdown


def test_a_reason_against_is_marked_as_one(advisor: Advisor) -> None:
    profile = SellerProfile.from_file(EXAMPLES / "us-brand-with-warehouse.json")
    text = render_text(advisor.consult(profile, lang="zh"), lang="zh", details=True)
    assert "- 反对理由：" in text and "+ 反对理由：" not in text


def test_a_report_without_a_name_is_headed_as_one_with_a_name() -> None:
    from sellerexpert._results.report import _title

    with _language.use("zh"):
        assert _title(Advisor().consult(SellerProfile(), lang="zh")) == "模式建议"


def test_a_bracket_about_the_term_takes_its_explanation_first() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        assert _Glossary()("登记 VAT（英国需要英国 VAT 税号）。") == "登记 VAT（增值税；英国需要英国 VAT 税号）。"


def test_a_term_inside_a_longer_word_is_explained_where_it_stands_alone() -> None:
    from sellerexpert._results.report import _Glossary

    with _language.use("zh"):
        explain = _Glossary()
        assert explain("备货到国内菜鸟仓。") == "备货到国内菜鸟仓。"
        assert explain("由菜鸟发货") == "由菜鸟（阿里巴巴旗下的物流公司）发货"


def test_jargon_is_explained_where_it_first_appears(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["DE"], "platforms": ["temu"], "fee_sensitivity": "high"})
    text = " ".join(render_text(result, details=True, today=date(2026, 11, 25)).split())  # undo the wrapping
    for term, explanation in GLOSSARY:
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text):
            assert text.count(f"{term} ({explanation})") + text.count(f"({term}: {explanation})") == 1, term
