"""The result page as a seller reads it, in English and in Chinese: plain words by default, details for auditors.

Driven in-process (Starlette's client); the real browser walks the same pages in tests/web/test_web_live.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from starlette.testclient import TestClient  # noqa: E402

from sellerexpert import (
    FIELDS,  # noqa: E402
    Advisor,  # noqa: E402
)
from sellerexpert.web import WebSettings, create_app  # noqa: E402

LOCAL = "http://127.0.0.1:8000"
SELLER = (
    "platforms=temu,aliexpress,tiktok_shop&target_markets=US,DE&operational_capacity=low&monthly_orders=300"
    "&local_warehouse=unknown"
)
ALLOWED_LATIN = {"Temu", "AliExpress", "TikTok", "Shop", "sellerexpert", "English", "Choice", "PDF", "JSON", "API", "US", "DE"}
"""Brand, platform and programme names, codes and formats a Chinese page may write in Latin letters."""


class Visible(HTMLParser):
    """The text a seller sees: everything but scripts, styles, hidden elements and closed ``<details>``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.skipping = 0
        self.parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = found.get("class") or ""
        hidden = tag in ("script", "style", "title", "details") or "hidden" in found or "visually-hidden" in classes
        if self.skipping or hidden:
            if tag not in ("br", "input", "meta", "link", "img"):
                self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag not in ("br", "input", "meta", "link", "img"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


@pytest.fixture(scope="module")
def shared_advisor() -> Advisor:
    return Advisor()


@pytest.fixture
def client(shared_advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(create_app(advisor=shared_advisor), base_url=LOCAL) as test_client:
        yield test_client


def _english_runs(text: str) -> list[str]:
    """Runs of three or more English words, brand and platform names aside."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)*", text)
    runs = []
    for run in words:
        plain = [w for w in run.split() if w not in ALLOWED_LATIN]
        if len(plain) >= 3:
            runs.append(run)
    return runs


def test_the_default_view_has_no_rule_ids_field_names_weights_or_codes(client: TestClient, shared_advisor: Advisor) -> None:
    html = client.get(f"/result?{SELLER}").text
    seen = Visible(html).text
    for rule in shared_advisor.rules.rules:
        assert rule.id not in seen, rule.id
    for spec in FIELDS:
        if "_" in spec.name:
            assert spec.name not in seen, spec.name
    assert "¶" not in seen
    assert re.search(r"\b0\.\d\d\b", seen) is None  # no confidence decimals
    assert "weight" not in seen.lower() and "consulting the engine" not in seen
    # ...while the details keep them for auditors.
    details = html[html.index('id="details"') :]
    assert "low_capacity_favours_full" in details and "¶" in details


def test_the_result_reads_at_a_glance(client: TestClient, shared_advisor: Advisor) -> None:
    html = client.get(f"/result?{SELLER}").text
    result = shared_advisor.consult({"platforms": ["temu", "aliexpress", "tiktok_shop"], "target_markets": ["US", "DE"],
                                     "operational_capacity": "low", "monthly_orders": 300})
    seen = Visible(html).text
    assert result.best.why.replace("'", "’") in seen.replace("'", "’")
    table = html[html.index('id="table"') : html.index("</table>")]
    for rec in result.recommendations:
        assert f'id="row-{rec.platform}"' in table
        for entry in rec.markets:
            assert entry.route_name.replace("'", "&#39;") in table
    # A reason several platforms share is written once.
    shared = "You have little staff or systems to run storage, shipping and after-sales"
    assert seen.count(shared) == 1
    # Sources are links with a title, never internal codes.
    sources = html[html.index('id="sources"') : html.index('id="details"')]
    assert '<a href="https://' in sources and "¶" not in sources


def test_an_assumption_is_never_a_fact_and_links_to_its_question(client: TestClient) -> None:
    html = client.get(f"/result?{SELLER}").text
    assumed = html[html.index('id="assumed"') : html.index('id="changes"')]
    assert "we assume you do not move stock in bulk by sea" in assumed
    link = re.search(r'href="([^"]*edit=sea_freight[^"]*)"', assumed)
    assert link is not None
    page = client.get(link.group(1).replace("&amp;", "&"))
    assert "Can you move stock in bulk by sea freight?" in page.text
    assert 'value="300"' in page.text  # every earlier answer is carried along


def test_every_answer_has_an_edit_link_that_keeps_the_others(client: TestClient) -> None:
    html = client.get(f"/result?{SELLER}").text
    answers = html[html.index('id="answers"') : html.index('id="sources"')]
    links = re.findall(r'<a class="edit noprint" href="([^"]*)"', answers)
    assert len(links) == 5
    page = client.get(links[2].replace("&amp;", "&"))
    assert page.status_code == 200
    assert 'name="operational_capacity" value="low" checked' in page.text
    assert 'name="monthly_orders" value="300"' in page.text


def test_no_company_abroad_in_what_would_change_unless_asked(client: TestClient) -> None:
    query = "platforms=temu&target_markets=US&operational_capacity=low&local_warehouse=no&monthly_orders=50"
    plain = client.get(f"/result?{query}").text
    changes = plain[plain.index('id="changes"') : plain.index("</section>", plain.index('id="changes"'))]
    assert "registered" not in changes.split('id="abroad"')[0]
    assert "abroad=1" in changes
    assert client.get(f"/result?{query}&abroad=1").status_code == 200


@pytest.mark.parametrize(
    ("how", "expected"),
    [({"params": {"lang": "zh"}}, "zh-CN"), ({"headers": {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}}, "zh-CN"),
     ({"headers": {"accept-language": "en-US,en;q=0.9"}}, "en"), ({}, "en"),
     ({"params": {"lang": "en"}, "headers": {"accept-language": "zh-CN"}}, "en")],
    ids=["query", "accept-language", "english-browser", "nothing", "query-wins"],
)
def test_the_language_is_chosen_per_request(client: TestClient, how: dict[str, dict[str, str]], expected: str) -> None:
    html = client.get("/", **how).text  # type: ignore[arg-type]
    assert f'<html lang="{expected}">' in html


@pytest.mark.parametrize("path", ["/", "/consult", f"/consult?{SELLER.split('&operational')[0]}", f"/result?{SELLER}", "/check"])
def test_a_chinese_page_has_no_english_sentences(client: TestClient, path: str) -> None:
    html = client.get(path + ("&" if "?" in path else "?") + "lang=zh").text
    assert '<html lang="zh-CN">' in html
    seen = Visible(html).text
    assert _english_runs(seen) == []
    assert re.search(r"[\u4e00-\u9fff]", seen)
    # The language travels on in every link and form.
    assert 'name="lang" value="zh"' in html or "lang=zh" in html


def test_a_server_speaking_chinese_by_default_never_mixes_languages(shared_advisor: Advisor) -> None:
    with TestClient(create_app(WebSettings(lang="zh"), advisor=shared_advisor), base_url=LOCAL) as chinese:
        assert '<html lang="zh-CN">' in chinese.get(f"/result?{SELLER}").text
        english = Visible(chinese.get(f"/result?{SELLER}&lang=en").text).text
        assert re.search(r"[\u4e00-\u9fff]", english.replace("中文", "")) is None


def test_the_language_switch_keeps_the_answers(client: TestClient) -> None:
    html = client.get(f"/result?{SELLER}").text
    switch = re.search(r'<a class="lang" href="([^"]*)"[^>]*>中文</a>', html)
    assert switch is not None
    target = switch.group(1).replace("&amp;", "&")
    assert "monthly_orders=300" in target and "lang=zh" in target
    assert '<html lang="zh-CN">' in client.get(target).text


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN,zh;q=0.9", "zh"), ("en-US,en;q=0.9,zh;q=0.8", "en"), ("fr-FR, zh-Hans;q=0.5", "zh"), ("fr", None), ("", None),
     ("zh;q=0, en", "en"), ("zh-TW", "zh")],
)
def test_accept_language(shared_advisor: Advisor, header: str, expected: str | None) -> None:
    # No language the server speaks in the header: the server's own language (both are tried).
    for default in ("en", "zh"):
        with TestClient(create_app(WebSettings(lang=default), advisor=shared_advisor), base_url=LOCAL) as server:
            html = server.get("/", headers={"accept-language": header}).text
        chosen = expected or default
        assert f'<html lang="{"zh-CN" if chosen == "zh" else "en"}">' in html, (default, header)


def test_why_am_i_asked_is_plain_first(client: TestClient) -> None:
    html = client.get("/consult?platforms=temu").text
    why = html[html.index('id="why"') : html.index("</details>", html.index('id="why-rules"'))]
    plain = why[: why.index('id="why-rules"')]
    assert "<code>" not in plain and "Your answer can" in plain
    assert plain.count("<p>") <= 3


def test_scales_have_examples_and_platforms_start_ticked(client: TestClient) -> None:
    first = client.get("/consult").text
    assert first.count(" checked") == 3
    capacity = client.get("/consult?platforms=temu&target_markets=US").text
    assert "A few people; no warehouse or after-sales team" in capacity


def test_a_bad_answer_says_its_error_once(client: TestClient) -> None:
    html = client.get("/consult?platforms=temu&operational_capacity=huge").text
    error = re.search(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    assert error is not None
    assert error.group(1).count("low") == 1


def test_checking_an_edited_trace_shows_the_advice_then_and_now(client: TestClient, shared_advisor: Advisor) -> None:
    page = client.get("/check").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert token is not None
    trace = json.loads(shared_advisor.consult({"platforms": ["temu"], "operational_capacity": "low"}).trace.to_json())
    recorded = trace["result"]["recommendations"][0]["model"]
    other = "semi-managed" if recorded == "fully-managed" else "fully-managed"
    trace["result"]["recommendations"][0]["model"] = other
    html = client.post("/check", data={"csrf_token": token.group(1), "trace_text": json.dumps(trace)}).text
    seen = Visible(html).text
    assert "The trace does not pass" in seen
    assert "In the file" in seen and "Today's rules" in seen
    row = re.search(r'<tr class="differs"><th scope="row">Temu</th><td>([^<]*)</td><td>([^<]*)</td>', html)
    assert row is not None and row.groups() == (other, recorded)
    assert "[replay]" not in seen and "firings" not in seen  # the jargon stays in the details


def test_a_reason_resting_on_a_guess_is_marked_and_links_to_the_question(client: TestClient) -> None:
    html = client.get(f"/result?{SELLER}").text
    reasons = html[html.index('id="reasons"') : html.index('id="caveats"')]
    guessed = [li for li in re.findall(r"<li>(.*?)</li>", reasons, re.S) if "Your buyers expect fast delivery" in li]
    assert guessed and guessed[0].startswith('<span class="tag">Assumed</span>')
    assert "edit=fast_shipping_expected" in guessed[0]
    assert "see below" not in reasons


FIGURES = "n_currency=USD&n_units=600&n_cost=3.10&n_full_price=7.20&n_full_freight=0.35&n_semi_price=13.99&n_last_mile=3.40"


def test_your_numbers_compare_the_models_with_the_margin_calculation(client: TestClient, shared_advisor: Advisor) -> None:
    html = client.get(f"/result?{SELLER}").text
    link = re.search(r'href="(/numbers\?[^"]*)" id="numbers"', html)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and 'name="n_units" value="300"' in form.text  # the orders answer as a start
    page = client.get(f"/numbers?platforms=temu&{FIGURES}")
    expected = shared_advisor.compare_margins(
        {"platforms": ["temu"], "economics": {"currency": "USD", "monthly_units": 600, "unit_cost": 3.10,
                                              "fully-managed": {"price": 7.20, "freight_per_unit": 0.35},
                                              "semi-managed": {"price": 13.99, "last_mile_per_order": 3.40}}}
    ).platform("temu")
    gap = f"{expected.gap_per_month:,.2f}"
    assert f"{expected.leader.capitalize()} leaves USD {gap} more a month." in page.text
    chart = re.search(r'id="chart" src="([^"]*)"', page.text)
    assert chart is not None
    svg = client.get(chart.group(1).replace("&amp;", "&"))
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    chinese = Visible(client.get(f"/numbers?platforms=temu&{FIGURES}&lang=zh").text).text
    assert f"{gap} 美元" in chinese and _english_runs(chinese) == []


def test_a_bad_figure_names_the_box_to_fix(client: TestClient) -> None:
    response = client.get("/numbers?platforms=temu&n_units=600&n_full_price=cheap")
    assert response.status_code == 422
    assert "Check “Fully-managed: the supply price the platform pays you per unit”" in response.text


def test_your_numbers_for_a_european_market_take_the_euros_rate(client: TestClient) -> None:
    # The EU's customs fees are in euros: figures in dollars need the rate, asked for in plain words.
    seller = "platforms=aliexpress&target_markets=US&target_markets=DE&company_base=CN"
    figures = "n_currency=USD&n_units=300&n_cost=2.40&n_full_price=5.50&n_semi_price=11.99"
    without = client.get(f"/numbers?{seller}&{figures}")
    assert without.status_code == 422 and "Check “One euro in your currency" in without.text  # the box to fill
    page = client.get(f"/numbers?{seller}&{figures}&n_eur=1.08")
    assert page.status_code == 200
    rows = re.findall(r'<th scope="row">([^<]*)</th>', page.text[page.text.index('id="margin"') :])
    assert rows == ["AliExpress in the US", "AliExpress in Germany"]
