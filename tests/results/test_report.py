"""The report a seller reads: one screen, plain words, each caveat once, details on request."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sellerexpert import Advisor, SellerProfile, cli
from sellerexpert._results.report import GLOSSARY, build_report, render_markdown, render_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = date(2026, 11, 25)


def _shop(advisor: Advisor):  # type: ignore[no-untyped-def]
    return advisor.consult(SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml"))


def test_the_one_person_shop_report_fits_one_screen(advisor: Advisor) -> None:
    text = render_text(_shop(advisor), today=TODAY)
    lines = text.splitlines()
    assert len(lines) <= 60, text
    assert max(len(line) for line in lines) <= 100


def test_the_default_report_hides_weights_ids_sources_and_field_names(advisor: Advisor) -> None:
    result = _shop(advisor)
    text = render_text(result, today=TODAY)
    rule_ids = {r.id for r in advisor.rules.rules}
    source_ids = set(advisor.rules.sources)
    words = set(re.findall(r"[a-z][a-z0-9_]+", text))
    assert not words & rule_ids
    assert not {w for w in words if "_" in w} & (source_ids | {"local_warehouse", "fee_sensitivity", "target_markets"})
    assert "¶" not in text and "weight" not in text


def test_details_show_what_the_default_hides(advisor: Advisor) -> None:
    text = render_text(_shop(advisor), today=TODAY, details=True)
    assert "low_capacity_favours_full: fully-managed, weight 3" in text
    assert "¶" in text and "us_de_minimis_ended" in text


def test_each_caveat_is_printed_once_however_many_platforms_it_concerns(advisor: Advisor) -> None:
    result = _shop(advisor)
    everywhere = [rec for rec in result.recommendations if "us_de_minimis_ended" in {c.rule for c in rec.caveats}]
    assert len(everywhere) == 3
    text = render_text(result, today=TODAY)
    assert text.count("no longer enter duty-free") == 1
    report = build_report(result, today=TODAY)
    assert len({line.text for line in report.caveats}) == len(report.caveats)


def test_caveats_come_most_important_first(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["DE"], "fee_sensitivity": "high", "platforms": ["temu", "aliexpress"]})
    order = [line.details for line in build_report(result, today=TODAY, details=True).caveats]
    order = [line.split(" [")[0] for line in order]
    # The question that could open semi-managed comes before the duties, and those before store mechanics.
    assert (
        order.index("semi_route_unsure") < order.index("eu_duty_favours_local_stock") < order.index("choice_badge_covers_both")
    )
    # The default report keeps the first few, and says how many more there are.
    short = build_report(result, today=TODAY)
    assert len(short.caveats) <= 6 and short.more == len(order) - len(short.caveats) - short.hidden


def test_jargon_is_explained_where_it_first_appears(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["DE"], "platforms": ["temu"], "fee_sensitivity": "high"})
    text = " ".join(render_text(result, details=True, today=TODAY).split())  # undo the wrapping
    for term, explanation in GLOSSARY:
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text):
            assert text.count(f"{term} ({explanation})") + text.count(f"({term}: {explanation})") == 1, term


def test_at_most_three_reasons_per_platform_by_default(advisor: Advisor) -> None:
    result = advisor.consult(SellerProfile.from_file(EXAMPLES / "us-brand-with-warehouse.json"))
    for section in build_report(result, today=TODAY).platforms:
        assert len(section.reasons) <= 3
    assert any(len(s.reasons) > 3 for s in build_report(result, today=TODAY, details=True).platforms)


def test_neither_fits_shows_what_would_open_each_model(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["DE"], "company_base": "CN", "vat_markets": [], "platforms": ["tiktok_shop"]})
    text = render_text(result, today=TODAY)
    assert "your own store (no managed model fits)" in text and "both ruled out" in text
    # What closes each managed route in Germany, and the route left.
    assert "registration in DE or FR or IT or ES, and you hold none there" in " ".join(text.split())
    assert "your route: your own cross-border store (POP), direct mail from China" in " ".join(text.split())


def test_a_fact_past_its_review_date_is_marked_for_re_checking(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["US"], "fast_shipping_expected": True, "platforms": ["temu"]})
    assert "re-check" not in render_text(result, today=TODAY)
    later = render_text(result, today=date(2028, 1, 1))
    assert re.search(r"\(as of [^)]*2025-08-27[^)]*, re-check\)", " ".join(later.split()))


def test_markdown_says_what_the_text_says(advisor: Advisor) -> None:
    result = _shop(advisor)
    markdown = render_markdown(result, today=TODAY)
    assert markdown.startswith("# Advice for Lin's phone accessories\n\n| Platform | Advice | Confidence | Note |")
    report = build_report(result, today=TODAY)
    assert "**Best overall:**" in markdown and "## Keep in mind" in markdown
    assert markdown.count("\n- ") == (
        sum(len(s.reasons) for s in report.platforms) + len(report.caveats) + len(report.assumed)
        + len(report.routes) + len(report.shared)
    )


def test_consult_details_option(runner: CliRunner) -> None:
    plain = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml")], catch_exceptions=False)
    detailed = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml"), "--details"], catch_exceptions=False)
    assert plain.exit_code == detailed.exit_code == 0
    assert "low_capacity_favours_full" not in plain.output and "low_capacity_favours_full" in detailed.output
    markdown = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml"), "-f", "markdown", "--details"])
    assert "`low_capacity_favours_full: fully-managed, weight 3" in markdown.output
