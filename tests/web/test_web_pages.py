"""The consultation page, driven in-process as a browser without JavaScript would drive it: forms, links, redirects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from starlette.testclient import TestClient  # noqa: E402

from sellerexpert import (  # noqa: E402
    FIELDS,
    Advisor,
    Interview,  # noqa: E402
    SellerProfile,
    audit,
    explain,
)
from sellerexpert.web import WebSettings, create_app  # noqa: E402

LOCAL = "http://127.0.0.1:8000"


class Form(HTMLParser):
    """The controls of the page's question form, in document order, as a browser submits them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inside = False
        self.controls: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("class") == "question":
            self.inside = True
        elif self.inside and tag in ("input", "button"):
            self.controls.append({"tag": tag, **found})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False

    def field(self) -> str:
        return next(c["value"] for c in self.controls if c.get("name") == "q")  # type: ignore[return-value]

    def kind(self) -> str:
        visible = [c for c in self.controls if c["tag"] == "input" and c.get("type") != "hidden"]
        return str(visible[0]["type"])

    def submit(self, answer: list[str] | str | None, button: str = "next") -> str:
        """The query string the form sends with ``answer`` chosen or typed, pressing ``button``."""
        chosen = [answer] if isinstance(answer, str) else (answer or [])
        field = self.field()
        pairs: list[tuple[str, str]] = []
        for control in self.controls:
            name, value, kind = control.get("name"), control.get("value") or "", control.get("type")
            if control["tag"] == "button":
                if name == button:
                    pairs.append((name, value))
                continue
            if name == field and kind in ("radio", "checkbox"):
                if value in chosen:
                    pairs.append((name, value))
            elif name == field and kind in ("text", "number"):
                pairs.append((name, chosen[0] if chosen else value))
            elif name:
                pairs.append((name, value))
        return urlencode(pairs)

    def checked(self) -> list[str]:
        return [str(c["value"]) for c in self.controls if "checked" in c]

    def typed(self) -> str | None:
        field = self.field()
        return next(
            (c.get("value") for c in self.controls if c.get("name") == field and c.get("type") in ("text", "number")), None
        )


def _section(html: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next section."""
    start = html.index(f'id="{element_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def _link(html: str, element_id: str) -> str:
    found = re.search(rf'<a href="([^"]*)"[^>]*id="{element_id}"', html) or re.search(
        rf'<a [^>]*href="([^"]*)"[^>]*id="{element_id}"', html
    )
    assert found, f"no link #{element_id}"
    return found.group(1).replace("&amp;", "&")


@pytest.fixture(scope="module")
def page_advisor() -> Advisor:
    return Advisor()


@pytest.fixture
def client(page_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("SELLEREXPERT_TRACE_KEY", raising=False)
    with TestClient(create_app(advisor=page_advisor), base_url=LOCAL) as test_client:
        yield test_client


def _answer_for(field: str, kind: str, profile: dict[str, Any]) -> list[str] | str | None:
    value = profile.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return value if kind == "checkbox" else ",".join(value)
    return str(value)


PROFILE: dict[str, Any] = {
    "platforms": ["temu", "tiktok_shop"],
    "target_markets": ["US", "DE"],
    "operational_capacity": "medium",
    "monthly_orders": 800,
    "local_warehouse": True,
    "sea_freight": True,
    "customer_service": "basic",
    "control_priority": "high",
    "fee_sensitivity": "medium",
    "fast_shipping_expected": True,
    "working_capital": "medium",
    "bulky_goods": False,
}


def test_the_page_asks_what_the_interview_asks_and_ends_on_the_engines_advice(client: TestClient, page_advisor: Advisor) -> None:
    # The same seller through the library's interview...
    interview = Interview(page_advisor)
    expected_fields = []
    while (question := interview.next_question()) is not None:
        expected_fields.append(question.field)
        if PROFILE.get(question.field) is None:
            interview.skip(question.field)
        else:
            interview.answer(question.field, PROFILE[question.field])
    # ...and through the page, submitting its forms.
    asked = []
    response = client.get("/consult")
    while urlsplit(str(response.url)).path == "/consult":
        assert response.status_code == 200
        form = Form(response.text)
        asked.append(form.field())
        answer = _answer_for(form.field(), form.kind(), PROFILE)
        response = client.get("/consult?" + form.submit(answer, "next" if answer is not None else "skip"))
        assert response.history and response.history[0].status_code == 303  # recorded, then redirected
    assert asked == expected_fields
    assert urlsplit(str(response.url)).path == "/result"
    result = page_advisor.consult(interview.profile)
    for rec in result.recommendations:
        assert f"<h3>{rec.platform_name}: {rec.model}</h3>" in response.text
    # What would change the advice is the library's search (one answer, never a company abroad), in plain words.
    explanation = explain(result.trace, page_advisor, max_fields=1, exclude=("company_base", "local_entity"))
    found = {part.platform: part.why_not for part in explanation.platforms}
    questions = {spec.name: spec.question for spec in FIELDS}
    changes = _section(response.text, "changes")
    for rec in result.recommendations:
        why_not = found[rec.platform]
        assert why_not is not None and why_not.counterfactual is not None
        change = why_not.counterfactual.changes[0]
        assert f"{rec.platform_name} would be {why_not.alternative} if you answered" in changes
        assert questions[change.field].replace("'", "&#39;") in changes


def test_skip_records_unknown_and_back_keeps_every_answer(client: TestClient) -> None:
    first = Form(client.get("/consult").text)
    assert first.field() == "platforms"
    after_platforms = client.get("/consult?" + first.submit(["temu", "aliexpress"]))
    assert "platforms=temu%2Caliexpress" in str(after_platforms.url)
    markets = Form(after_platforms.text)
    skipped = client.get("/consult?" + markets.submit(None, "skip"))
    assert f"{markets.field()}=unknown" in str(skipped.url)
    third = Form(skipped.text)
    answered = client.get("/consult?" + third.submit("low" if third.kind() == "radio" else "10"))
    fourth_url = str(answered.url)
    # Back three times: each earlier question comes back with its answer filled in.
    back = client.get(_link(answered.text, "back"))
    assert Form(back.text).field() == third.field()
    assert Form(back.text).checked() == ["low"] or Form(back.text).typed() == "10"
    back2 = client.get(_link(back.text, "back"))
    assert Form(back2.text).field() == markets.field()
    back3 = client.get(_link(back2.text, "back"))
    assert sorted(Form(back3.text).checked()) == ["aliexpress", "temu"]
    # Forth again without changing anything: the same pages, the same final URL.
    forth = client.get("/consult?" + Form(back3.text).submit(["temu", "aliexpress"]))
    assert Form(forth.text).field() == markets.field()
    forth = client.get("/consult?" + Form(forth.text).submit(None, "skip"))
    assert Form(forth.text).field() == third.field()
    forth = client.get("/consult?" + Form(forth.text).submit("low" if third.kind() == "radio" else "10"))
    assert str(forth.url) == fourth_url
    # Changing an early answer keeps the later ones.
    changed = client.get("/consult?" + Form(back3.text).submit(["tiktok_shop"]))
    query = dict(parse_qsl(urlsplit(str(changed.url)).query))
    assert query["platforms"] == "tiktok_shop"
    assert query[markets.field()] == "unknown"
    assert query[third.field()] in ("low", "10")


def test_why_am_i_asked_names_the_rules_and_what_unknown_does(client: TestClient, page_advisor: Advisor) -> None:
    html = client.get("/consult?platforms=temu").text
    why = Interview(page_advisor, {"platforms": ["temu"]})
    question = why.next_question()
    assert question is not None
    explained = why.why(question.field)
    assert "<summary>Why am I asked?</summary>" in html
    for need in explained.needs:
        assert f"<code>{need.rule}</code>" in html
    assert explained.if_unknown.replace("'", "&#39;") in html


def test_a_bad_answer_comes_back_with_its_error_and_escaped(client: TestClient) -> None:
    response = client.get("/consult?" + urlencode({"platforms": "temu", "target_markets": "<script>alert(1)</script>"}))
    assert response.status_code == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert" not in response.text
    assert 'role="alert"' in response.text
    assert Form(response.text).field() == "target_markets"


def test_next_without_an_answer_asks_again(client: TestClient) -> None:
    form = Form(client.get("/consult?platforms=temu").text)
    response = client.get("/consult?" + form.submit(None, "next"))
    assert response.status_code == 422
    assert "Please choose an answer" in response.text
    assert Form(response.text).field() == form.field()


def test_stop_here_gives_advice_on_what_was_said(client: TestClient, page_advisor: Advisor) -> None:
    html = client.get("/consult?platforms=aliexpress&operational_capacity=high").text
    result = client.get(_link(html, "advice-now"))
    assert result.status_code == 200
    rec = page_advisor.consult(SellerProfile(platforms=("aliexpress",), operational_capacity="high")).recommendations[0]
    assert f"<h3>AliExpress: {rec.model}</h3>" in result.text


def test_a_result_with_no_answers_says_so(client: TestClient) -> None:
    html = client.get("/result").text
    assert "None yet: this advice rests on assumptions only." in html
    assert html.count('<section class="platform"') == 3


def test_the_trace_download_audits_and_is_signed_with_the_key(
    client: TestClient, page_advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "platforms=temu&operational_capacity=low&local_warehouse=no"
    response = client.get(f"/result/trace.json?{query}")
    assert response.headers["content-disposition"] == 'attachment; filename="sellerexpert-trace.json"'
    assert audit(response.json(), page_advisor).ok
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "k")
    signed = client.get(f"/result/trace.json?{query}").json()
    assert audit(signed, page_advisor, key="k").signature == "valid"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    for path in ("/", "/consult", "/consult?platforms=temu", "/result?platforms=temu", "/check", "/numbers?n_units=5"):
        html = client.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path
        assert " style=" not in html and "<style" not in html, path
        assert re.search(r"\son[a-z]+=", html) is None, path  # no inline event handlers either
        assert '<meta name="viewport"' in html


def test_static_files_are_served(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert client.get("/static/enhance.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))


# -- the trace check form (the one POST, with CSRF) --------------------------


def _check_form(client: TestClient) -> str:
    html = client.get("/check").text
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_checking_a_trace_with_the_forms_token(client: TestClient, page_advisor: Advisor) -> None:
    token = _check_form(client)
    trace = page_advisor.consult({"operational_capacity": "low"}).trace.to_json()
    response = client.post("/check", data={"csrf_token": token}, files={"trace_file": ("t.json", trace, "application/json")})
    assert response.status_code == 200
    assert "The advice still holds" in response.text
    edited = json.loads(trace)
    edited["profile"]["operational_capacity"] = "high"
    pasted = client.post("/check", data={"csrf_token": token, "trace_text": json.dumps(edited)})
    assert "The trace does not pass" in pasted.text


def test_a_post_without_the_token_or_cookie_is_refused(client: TestClient, page_advisor: Advisor) -> None:
    trace = page_advisor.consult({}).trace.to_json()
    assert client.post("/check", data={"trace_text": trace}).status_code == 403
    token = _check_form(client)
    assert client.post("/check", data={"csrf_token": "0" * 64, "trace_text": trace}).status_code == 403
    client.cookies.clear()
    assert client.post("/check", data={"csrf_token": token, "trace_text": trace}).status_code == 403


def test_a_cross_site_post_is_refused_even_with_a_token(client: TestClient) -> None:
    token = _check_form(client)
    response = client.post("/check", data={"csrf_token": token, "trace_text": "{}"}, headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403


def test_tokens_from_one_worker_are_good_in_another(page_advisor: Advisor) -> None:
    settings = WebSettings()
    with TestClient(create_app(settings, advisor=page_advisor), base_url=LOCAL) as one:
        token = _check_form(one)
        cookies = dict(one.cookies)
    with TestClient(
        create_app(WebSettings(secret=settings.secret), advisor=page_advisor), base_url=LOCAL, cookies=cookies
    ) as two:
        assert two.post("/check", data={"csrf_token": token, "trace_text": "{}"}).status_code == 422


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Choose a trace file, or paste one."),
        ("{nope", "the trace: not a trace: malformed JSON at line 1: "),
        ('{"a": 1}', "not a sellerexpert trace"),
    ],
    ids=["nothing", "not-json", "not-a-trace"],
)
def test_a_bad_trace_is_422_with_a_message(client: TestClient, text: str, message: str) -> None:
    response = client.post("/check", data={"csrf_token": _check_form(client), "trace_text": text})
    assert response.status_code == 422
    assert message in response.text


def test_an_oversize_upload_is_413(page_advisor: Advisor) -> None:
    with TestClient(create_app(WebSettings(max_trace_bytes=2000), advisor=page_advisor), base_url=LOCAL) as client:
        token = _check_form(client)
        response = client.post("/check", data={"csrf_token": token, "trace_text": "x" * 5000})
        assert response.status_code == 413
        assert "text/html" in response.headers["content-type"]
