"""The JSON API under /api/v1, driven in-process: each endpoint gives what the CLI and the library give."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette", reason="the web extra is not installed")

from starlette.testclient import TestClient  # noqa: E402

from conftest import SCALES, scaled
from sellerexpert import (  # noqa: E402
    Advisor,
    ProfileError,
    SellerProfile,
    audit,
    cli,  # noqa: E402
    explain,
    json_schema,  # noqa: E402
)
from sellerexpert.web import WebSettings, create_app  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHOP = EXAMPLES / "one-person-shop.yaml"
LOCAL = "http://127.0.0.1:8000"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@pytest.fixture(scope="module")
def app_advisor() -> Advisor:
    return Advisor()


@pytest.fixture
def client(app_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("SELLEREXPERT_TRACE_KEY", raising=False)
    with TestClient(create_app(advisor=app_advisor), base_url=LOCAL) as test_client:
        yield test_client


def _profile_error(data: Any) -> ProfileError:
    try:
        SellerProfile.from_dict(data)
    except ProfileError as exc:
        return exc
    raise AssertionError(f"{data!r} is a valid profile")


# -- consult -----------------------------------------------------------------


def test_consult_answers_what_the_cli_prints_as_json(client: TestClient, runner: CliRunner) -> None:
    cli_result = runner.invoke(cli, ["consult", "-p", str(SHOP), "-f", "json"], catch_exceptions=False)
    response = client.post("/api/v1/consult", json=SellerProfile.from_file(SHOP).to_dict())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(cli_result.stdout)


def test_consult_is_deterministic_byte_for_byte(client: TestClient) -> None:
    body = {"operational_capacity": "low", "target_markets": ["US"], "platforms": ["tiktok_shop", "temu"]}
    first = client.post("/api/v1/consult?trace=true", json=body)
    second = client.post("/api/v1/consult?trace=true", json=body)
    assert first.content == second.content
    assert [r["platform"] for r in first.json()["recommendations"]] == ["tiktok_shop", "temu"]
    # The text joined from the result's and the trace's JSON is the JSON of the merged dicts, byte for byte.
    expected = Advisor().consult(body)
    merged = {**expected.to_dict(), "trace": expected.trace.to_dict()}
    assert first.content == json.dumps(merged, ensure_ascii=False).encode()


def test_both_engines_answer_the_same_bytes(app_advisor: Advisor) -> None:
    body = SellerProfile.from_file(SHOP).to_dict()
    answers = []
    for engine in ("compiled", "experta"):
        with TestClient(create_app(WebSettings(engine=engine), advisor=app_advisor), base_url=LOCAL) as client:  # type: ignore[arg-type]
            answers.append(client.post("/api/v1/consult?trace=true", json=body).content)
    assert answers[0] == answers[1]


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine 'fast' \\(allowed: experta, compiled\\)"):
        WebSettings(engine="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        {"capacity": "low"},
        {"operational_capacity": "huge"},
        {"operational_capacity": "hihg"},
        {"platforms": ["temu", "amazon"]},
        {"monthly_orders": -3},
        {"local_warehouse": "perhaps"},
        {"target_markets": ["XX"]},
        ["operational_capacity", "low"],
    ],
    ids=[
        "unknown-field",
        "bad-level",
        "misspelt-level",
        "unknown-platform",
        "negative-count",
        "bad-bool",
        "bad-market",
        "not-a-mapping",
    ],
)
def test_a_bad_profile_is_422_with_the_errors_attributes(client: TestClient, body: Any) -> None:
    expected = _profile_error(body)
    response = client.post("/api/v1/consult", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "profile"
    assert error["field"] == expected.field
    allowed = list(expected.allowed) if isinstance(expected.allowed, tuple) else expected.allowed
    assert error["allowed"] == allowed
    assert error["suggestion"] == expected.suggestion
    # The request body is a document: the message names it, and the line where the body says so.
    assert re.fullmatch(r"<request>(:\d+)?: " + re.escape(str(expected)), error["message"]), error["message"]
    assert "Traceback" not in response.text


def test_a_misspelt_field_gets_its_suggestion(client: TestClient) -> None:
    error = client.post("/api/v1/consult", json={"capacity": "low"}).json()["error"]
    assert (error["field"], error["suggestion"]) == ("capacity", "operational_capacity")
    assert "operational_capacity" in error["allowed"]


@pytest.mark.parametrize(
    ("content", "line"),
    [(b'{"operational_capacity": "low",\n "x": }', 2), (b"\xff\xfe{}", None), (b"", None)],
    ids=["malformed-json", "not-utf8", "empty"],
)
def test_a_body_that_is_not_json_is_422_naming_the_line(client: TestClient, content: bytes, line: int | None) -> None:
    response = client.post("/api/v1/consult", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "profile"
    assert error["line"] == line
    assert error["message"].startswith("<request>")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfe{\x00}\x00", "is UTF-16 text: save it as UTF-8"),
        (b'{"operational_capacity": "low"}\x00', "is a binary file, not JSON, YAML or TOML text"),
        (b'{"name": "\xe9"}', "is not UTF-8 text (bad byte at offset 10)"),
    ],
    ids=["utf-16", "binary", "latin-1"],
)
def test_a_body_that_is_not_utf8_text_is_refused_as_a_profile_file_is(client: TestClient, content: bytes, problem: str) -> None:
    response = client.post("/api/v1/consult", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == f"<request>: {problem}"


def test_consult_with_trace_and_explanation(client: TestClient, app_advisor: Advisor) -> None:
    # A sparse profile: the why-not search over a full one consults the engine thousands of times.
    profile = SellerProfile(fee_sensitivity="high", platforms=("aliexpress",))
    data = client.post("/api/v1/consult?trace=1&explain=yes", json=profile.to_dict()).json()
    expected = app_advisor.consult(profile)
    assert data["trace"] == expected.trace.to_dict()
    assert "signature" not in data["trace"]
    assert data["explanation"] == explain(expected.trace, app_advisor).to_dict()
    assert audit(data["trace"], app_advisor).ok


def test_the_trace_is_signed_when_a_key_is_set(client: TestClient, app_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "k3y")
    trace = client.post("/api/v1/consult?trace=true", json={"operational_capacity": "low"}).json()["trace"]
    assert trace["signature"]["algorithm"] == "HMAC-SHA256"
    verdict = client.post("/api/v1/audit", json=trace).json()
    assert (verdict["signature"], verdict["ok"], verdict["exit_code"]) == ("valid", True, 0)
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "another")
    verdict = client.post("/api/v1/audit", json=trace).json()
    assert (verdict["signature"], verdict["ok"], verdict["exit_code"]) == ("invalid", False, 1)


@pytest.mark.parametrize("query", ["trace=maybe", "explain=2"], ids=["trace", "explain"])
def test_a_bad_flag_is_422(client: TestClient, query: str) -> None:
    response = client.post(f"/api/v1/consult?{query}", json={})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(f"query parameter '{query.split('=')[0]}'")


# -- explain and audit -----------------------------------------------------


@pytest.fixture(scope="module")
def trace(app_advisor: Advisor) -> dict[str, Any]:
    return app_advisor.consult(SellerProfile.from_file(SHOP)).trace.to_dict()


def test_explain_gives_the_library_explanation(client: TestClient, app_advisor: Advisor, trace: dict[str, Any]) -> None:
    sparse = app_advisor.consult({"fee_sensitivity": "high", "platforms": ["aliexpress"]}).trace.to_dict()
    response = client.post("/api/v1/explain", json=sparse)
    assert response.status_code == 200
    assert response.json() == explain(sparse, app_advisor).to_dict()
    quick = client.post("/api/v1/explain?why_not=false", json=trace).json()
    assert quick == explain(trace, app_advisor, why_not=False).to_dict()
    assert all(p["why_not"] is None for p in quick["platforms"])


def test_audit_of_a_good_trace_exits_0(client: TestClient, trace: dict[str, Any], app_advisor: Advisor) -> None:
    data = client.post("/api/v1/audit", json=trace).json()
    expected = audit(trace, app_advisor, source="<request>").to_dict()
    assert data == {"exit_code": 0, **expected}


def test_audit_of_an_edited_trace_exits_1_with_the_findings(client: TestClient, trace: dict[str, Any]) -> None:
    edited = json.loads(json.dumps(trace))
    rec = edited["result"]["recommendations"][0]
    rec["model"] = "semi-managed" if rec["model"] == "fully-managed" else "fully-managed"
    data = client.post("/api/v1/audit", json=edited).json()
    assert data["exit_code"] == 1
    assert data["ok"] is False
    assert any(f["failed"] for f in data["findings"])


@pytest.mark.parametrize("endpoint", ["audit", "explain"])
@pytest.mark.parametrize(
    "content",
    [b'{"format": "sellerexpert-trace", "version": 1}', b'{"hello": 1}', b"[1, 2]", b"{not json"],
    ids=["incomplete", "not-a-trace", "a-list", "malformed"],
)
def test_a_body_that_is_not_a_trace_is_422_with_exit_code_2(client: TestClient, endpoint: str, content: bytes) -> None:
    response = client.post(f"/api/v1/{endpoint}", content=content)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["type"], error["exit_code"]) == ("trace", 2)
    assert error["message"].startswith("<request>: ")


# -- batch -------------------------------------------------------------------


def test_batch_streams_one_record_per_row_like_the_cli(client: TestClient, runner: CliRunner, tmp_path: Path) -> None:
    rows = [
        {"name": "a", "operational_capacity": "low"},
        {"name": "b", "capacity": "high"},
        {"name": "c", "operational_capacity": "high", "local_warehouse": True, "platforms": ["temu"]},
    ]
    text = "".join(json.dumps(r) + "\n" for r in rows) + "\n{broken\n"
    source = tmp_path / "sellers.jsonl"
    source.write_text(text, encoding="utf-8")
    expected = [json.loads(line) for line in runner.invoke(cli, ["batch", str(source)]).stdout.splitlines()]
    response = client.post("/api/v1/batch", content=text.encode(), headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [r["status"] for r in records] == ["ok", "error", "ok", "error"]
    for got, want in zip(records, expected, strict=True):
        if want["status"] == "ok":
            assert got == want
        else:
            # The same error, naming the request instead of the file.
            assert got["error"]["field"] == want["error"]["field"]
            assert got["error"]["line"] == want["error"]["line"]
            assert got["error"]["message"] == want["error"]["message"].replace(str(source), "<request>")


def test_batch_reads_csv_by_content_type(client: TestClient) -> None:
    text = "name,operational_capacity,platforms\nx,low,temu;tiktok_shop\ny,medium,aliexpress\n"
    response = client.post("/api/v1/batch", content=text.encode(), headers={"content-type": "text/csv; charset=utf-8"})
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [[r["platform"] for r in rec["recommendations"]] for rec in records] == [["temu", "tiktok_shop"], ["aliexpress"]]


def test_batch_with_a_bad_csv_header_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/batch", content=b"capacity\nlow\n", headers={"content-type": "text/csv"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["field"], error["suggestion"]) == ("capacity", "operational_capacity")


# -- limits ------------------------------------------------------------------


def test_an_oversize_declared_body_is_413_before_it_is_read(client: TestClient) -> None:
    response = client.post("/api/v1/consult", content=b" " * (256 * 1024 + 1), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == {
        "status": 413,
        "type": "too_large",
        "message": "the request body is larger than this endpoint accepts (262144 bytes)",
        "limit": 262144,
    }


def test_an_oversize_streamed_body_is_413_as_it_arrives(app_advisor: Advisor) -> None:
    settings = WebSettings(max_profile_bytes=1000, max_batch_bytes=5000)
    sent: list[int] = []

    def chunks(count: int) -> Iterator[bytes]:
        for index in range(count):
            sent.append(index)
            yield b'{"operational_capacity": "low"}\n' * 10

    with TestClient(create_app(settings, advisor=app_advisor), base_url=LOCAL) as client:
        assert client.post("/api/v1/consult", content=chunks(5)).status_code == 413
        response = client.post("/api/v1/batch", content=chunks(100))
        assert response.status_code == 413
        assert response.json()["error"]["limit"] == 5000
        small = client.post("/api/v1/batch", content=b'{"operational_capacity": "low"}\n' * 3)
        assert small.status_code == 200 and len(small.text.splitlines()) == 3


def test_a_trace_may_be_larger_than_a_profile(client: TestClient, trace: dict[str, Any]) -> None:
    padded = json.dumps(trace, indent=40).encode()
    assert len(padded) > 256 * 1024
    assert client.post("/api/v1/audit", content=padded).json()["exit_code"] == 0


# -- the other endpoints -----------------------------------------------------


def test_rules_lists_what_the_cli_lists(client: TestClient, runner: CliRunner) -> None:
    expected = json.loads(runner.invoke(cli, ["rules", "list", "--format", "json"], catch_exceptions=False).stdout)
    assert client.get("/api/v1/rules").json() == expected


@pytest.mark.parametrize("name", ["profile", "trace"])
def test_schemas_are_the_published_ones(client: TestClient, name: str) -> None:
    assert client.get(f"/api/v1/schema/{name}").json() == json_schema(name)  # type: ignore[arg-type]


def test_an_unknown_schema_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/schema/banana")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no schema 'banana' (known: profile, trace, rulefile)"


def test_healthz_names_the_rule_book(client: TestClient, app_advisor: Advisor) -> None:
    data = client.get("/healthz").json()
    assert data["status"] == "ok"
    assert data["rulebook"] == app_advisor.rules.fingerprint
    assert data["rules"] == len(app_advisor.rules.rules)


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/consult",
        "/api/v1/explain",
        "/api/v1/audit",
        "/api/v1/batch",
        "/api/v1/catalogue",
        "/api/v1/rules",
        "/api/v1/schema/profile",
        "/api/v1/schema/trace",
        "/healthz",
    }
    consult = document["paths"]["/api/v1/consult"]["post"]
    assert consult["security"] == []
    assert consult["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "/api/v1/schema/profile"}
    # Every path the document names is served.
    for path, operations in document["paths"].items():
        for method in operations:
            assert client.request(method.upper(), path, content=b"{}").status_code != 404, path


def test_unknown_paths_and_methods_answer_in_the_apis_shape(client: TestClient) -> None:
    assert client.get("/api/v1/nothing").json()["error"]["type"] == "not_found"
    response = client.get("/api/v1/consult")
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "method_not_allowed"


# -- safety ------------------------------------------------------------------


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (
        client.get("/"),
        client.get("/healthz"),
        client.post("/api/v1/consult", json={"x": 1}),
        client.get("/missing"),
    ):
        for header in SECURITY_HEADERS:
            assert header in response.headers, (response.url, header)
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_no_cors_unless_configured(client: TestClient, app_advisor: Advisor) -> None:
    headers = {"origin": "https://shop.example"}
    assert "access-control-allow-origin" not in client.post("/api/v1/consult", json={}, headers=headers).headers
    preflight = {**headers, "access-control-request-method": "POST"}
    assert "access-control-allow-origin" not in client.options("/api/v1/consult", headers=preflight).headers
    with TestClient(
        create_app(WebSettings(cors_origins=("https://shop.example",)), advisor=app_advisor), base_url=LOCAL
    ) as open_client:
        assert (
            open_client.post("/api/v1/consult", json={}, headers=headers).headers["access-control-allow-origin"]
            == "https://shop.example"
        )
        other = open_client.post("/api/v1/consult", json={}, headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_with_a_key_the_api_needs_the_bearer_token(app_advisor: Advisor) -> None:
    with TestClient(create_app(WebSettings(api_key="s3cret"), advisor=app_advisor), base_url=LOCAL) as client:
        missing = client.post("/api/v1/consult", json={})
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.json()["error"]["type"] == "unauthorized"
        assert client.post("/api/v1/consult", json={}, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.post("/api/v1/consult", json={}, headers={"authorization": "Basic s3cret"}).status_code == 401
        assert client.post("/api/v1/consult", json={}, headers={"authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/api/v1/rules", headers={"authorization": "bearer s3cret"}).status_code == 200
        # The pages consult, audit and sign traces, so they need the key too (tests/web/test_web_limits.py);
        # the health check and the API description stay open.
        assert client.get("/consult").status_code == 401
        assert client.get("/healthz").status_code == 200
        assert client.get("/openapi.json").json()["paths"]["/api/v1/consult"]["post"]["security"] == [{"bearer": []}]


def test_beyond_loopback_without_a_key_the_api_refuses_but_the_page_works(app_advisor: Advisor) -> None:
    # An in-process client: the address only sets what the app sees as the server's address (no traffic).
    with TestClient(create_app(advisor=app_advisor), base_url="http://192.0.2.10:8000") as client:
        response = client.post("/api/v1/consult", json={})
        assert response.status_code == 403
        assert "--api-key" in response.json()["error"]["message"]
        assert client.get("/consult").status_code == 200


def test_an_unexpected_error_reaches_no_client_as_a_traceback(app_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    advisor = Advisor()
    monkeypatch.setattr(advisor, "consult", broken)
    with TestClient(create_app(advisor=advisor), base_url=LOCAL) as client:
        for response in (client.post("/api/v1/consult", json={}), client.get("/result?operational_capacity=low")):
            assert response.status_code == 500
            assert "secret internals" not in response.text
            assert "Traceback" not in response.text
            assert "x-frame-options" in response.headers
        assert client.post("/api/v1/consult", json={}).json()["error"]["type"] == "internal"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 500) | st.sampled_from(["low", "high", "US", "temu", "yes", "", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "platforms", "target_markets"]), inner, max_size=2)
    ),
    max_leaves=6,
)
_profiles = st.dictionaries(
    st.sampled_from(
        ["operational_capacity", "monthly_orders", "local_warehouse", "platforms", "target_markets", "capacity", "name"]
    ),
    _json_values,
    max_size=4,
)


@pytest.mark.parametrize("share", SCALES)
def test_any_json_body_gets_advice_or_a_422_never_a_500(client: TestClient, share: float) -> None:
    @settings(max_examples=scaled(60, share), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=_profiles | _json_values)
    def check(body: Any) -> None:
        response = client.post("/api/v1/consult", content=json.dumps(body).encode())
        assert response.status_code in (200, 422)
        if response.status_code == 422:
            error = response.json()["error"]
            assert error["type"] == "profile"
            # One line per problem: several mistakes are listed under a "N problems:" heading (ProfileError.several).
            first, *rest = error["message"].split("\n")
            assert not rest or re.fullmatch(r"<request>: \d+ problems:", first), error["message"]

    check()
