"""The report a seller reads: one screen, plain words, each caveat once, details on request."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from sellerexpert import Advisor, ConsultationResult, SellerProfile, cli, render_report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = date(2026, 11, 25)


def _shop(advisor: Advisor):  # type: ignore[no-untyped-def]
    return advisor.consult(SellerProfile.from_file(EXAMPLES / "one-person-shop.yaml"))


def render_text(result: ConsultationResult, **options: Any) -> str:
    return render_report(result, "text", **options)


def _items(lines: list[str], marks: str) -> list[tuple[str, str]]:
    """The items among a section's ``lines`` marked with one of ``marks`` (``+``/``-`` reasons, ``!`` caveats, ``?``
    assumptions): each item's text with its wrapped lines joined, and its detail (rule id, weight, sources)."""
    found: list[tuple[str, str]] = []
    for line in lines:
        if line[:2] == "  " and line[2:3] in marks and line[3:4] == " ":
            found.append((line[4:], ""))
        elif found and line.startswith("      "):
            found[-1] = (found[-1][0], (found[-1][1] + " " + line.strip()).strip())
        elif found and line.startswith("    "):
            found[-1] = (found[-1][0] + " " + line.strip(), found[-1][1])
    return found


def _sections(text: str) -> dict[str, list[str]]:
    """The report's lines by the heading above them (a line that does not start with a space)."""
    sections: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            heading = line
            sections[heading] = []
        elif line.strip():
            sections[heading].append(line)
    return sections


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
    caveats = [caveat for caveat, _details in _items(_sections(text)["Keep in mind:"], "!")]
    assert caveats and len(set(caveats)) == len(caveats)


def test_caveats_come_most_important_first(advisor: Advisor) -> None:
    result = advisor.consult({"target_markets": ["DE"], "fee_sensitivity": "high", "platforms": ["temu", "aliexpress"]})
    detailed = _sections(render_text(result, today=TODAY, details=True))["Keep in mind:"]
    order = [details.split(" [")[0] for _caveat, details in _items(detailed, "!")]
    # The question that could open semi-managed comes before the duties, and those before store mechanics.
    assert (
        order.index("semi_route_unsure") < order.index("eu_duty_favours_local_stock") < order.index("choice_badge_covers_both")
    )
    # The default report keeps the first few, and says how many more there are.
    short = render_text(result, today=TODAY)
    shown = _items(_sections(short)["Keep in mind:"], "!")
    more = re.search(r"\((\d+) more notes: see --details\)", short)
    hidden = re.search(r"\((\d+) more notes about the model we advise against: see --details\)", short)
    assert more is not None and hidden is not None
    assert len(shown) <= 6 and int(more.group(1)) == len(order) - len(shown) - int(hidden.group(1))


def test_at_most_three_reasons_per_platform_by_default(advisor: Advisor) -> None:
    result = advisor.consult(SellerProfile.from_file(EXAMPLES / "us-brand-with-warehouse.json"))
    def reasons(text: str) -> list[int]:
        platforms = [lines for heading, lines in _sections(text).items() if re.match(r"(Temu|AliExpress|TikTok Shop): ", heading)]
        assert len(platforms) == len(result.recommendations)
        return [len(_items(lines, "+-")) for lines in platforms]

    assert max(reasons(render_text(result, today=TODAY))) <= 3
    assert max(reasons(render_text(result, today=TODAY, details=True))) > 3


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
    markdown = render_report(result, "markdown", today=TODAY)
    assert markdown.startswith("# Advice for Lin's phone accessories\n\n| Platform | Advice | Confidence | Note |")
    assert "**Best overall:**" in markdown and "## Keep in mind" in markdown
    # One bullet per item of the text: each route, reason (shared or a platform's), caveat and assumption.
    sections = _sections(render_text(result, today=TODAY))
    routes = [line for line in sections["Routes by market:"] if not line.startswith("    ")]
    items = sum(len(_items(lines, "+-!?")) for lines in sections.values())
    assert routes and items
    assert markdown.count("\n- ") == len(routes) + items


def test_consult_details_option(runner: CliRunner) -> None:
    plain = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml")], catch_exceptions=False)
    detailed = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml"), "--details"], catch_exceptions=False)
    assert plain.exit_code == detailed.exit_code == 0
    assert "low_capacity_favours_full" not in plain.output and "low_capacity_favours_full" in detailed.output
    markdown = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / "one-person-shop.yaml"), "-f", "markdown", "--details"])
    assert "`low_capacity_favours_full: fully-managed, weight 3" in markdown.output
