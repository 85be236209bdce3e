"""The application's limits on hostile input (issue 23), driven in-process: hosts, the key on the pages, malformed
traces, the batch's rows and the time limit. What only a real socket shows is in test_web_server.py."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette", reason="the web extra is not installed")

from starlette.testclient import TestClient  # noqa: E402

from hostile_web import costly_trace  # noqa: E402
from sellerexpert import (
    Advisor,  # noqa: E402
    cli,  # noqa: E402
)
from sellerexpert.web import ServerLimits, WebSettings, connection_cap, create_app, limits_from_env  # noqa: E402

LOCAL = "http://127.0.0.1:8000"
KEY = "s3cret"


@pytest.fixture(scope="module")
def web_advisor() -> Advisor:
    return Advisor()


@pytest.fixture
def client(web_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("SELLEREXPERT_TRACE_KEY", raising=False)
    with TestClient(create_app(advisor=web_advisor), base_url=LOCAL) as test_client:
        yield test_client


def _basic(password: str, user: str = "me") -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _check_token(client: TestClient, **headers: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/check", headers=headers).text)
    assert found, "the check form has no token"
    return found.group(1)


# -- Host: a DNS rebinding page names its own host ---------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost:8000", True),
        ("LOCALHOST", True),
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("192.0.2.7", True),
        ("rebind.attacker.example", False),
        ("rebind.attacker.example:8000", False),
        ("localhost.attacker.example", False),
        ("shop.example", False),
    ],
    ids=lambda value: str(value),
)
def test_which_hosts_a_keyless_server_answers(client: TestClient, host: str, allowed: bool) -> None:
    page = client.get("/", headers={"host": host})
    api = client.post("/api/v1/consult", json={}, headers={"host": host})
    assert [page.status_code, api.status_code] == ([200, 200] if allowed else [400, 400])


def test_a_rebinding_host_is_refused_on_the_api_and_the_page(client: TestClient) -> None:
    host = {"host": "rebind.attacker.example:8000"}
    api = client.post("/api/v1/consult", json={}, headers=host)
    assert api.status_code == 400
    error = api.json()["error"]
    assert error["type"] == "bad_host"
    assert error["message"] == (
        "this server does not answer to the name 'rebind.attacker.example:8000': it answers localhost and IP addresses; "
        "start it with --allowed-host to add a name"
    )
    page = client.get("/consult", headers=host)
    assert page.status_code == 400
    assert "text/html" in page.headers["content-type"]
    assert "--allowed-host" in page.text
    assert client.get("/consult", headers={"host": "localhost:8000"}).status_code == 200


def test_an_allowed_host_is_answered_and_enforced_even_with_a_key(web_advisor: Advisor) -> None:
    settings = WebSettings(allowed_hosts=("Shop.Example",))
    with TestClient(create_app(settings, advisor=web_advisor), base_url="http://shop.example") as named:
        assert named.get("/consult").status_code == 200
        assert named.get("/consult", headers={"host": "other.example"}).status_code == 400
    keyed = WebSettings(api_key=KEY, allowed_hosts=("shop.example",))
    with TestClient(create_app(keyed, advisor=web_advisor), base_url="http://other.example") as other:
        assert other.get("/healthz").status_code == 400
    # With a key and no list, any name: the key keeps a rebinding page out.
    with TestClient(create_app(WebSettings(api_key=KEY), advisor=web_advisor), base_url="http://any.example") as anyhost:
        assert anyhost.get("/healthz").status_code == 200
        assert anyhost.get("/api/v1/rules", headers={"authorization": f"Bearer {KEY}"}).status_code == 200


# -- the key guards what does work, pages included -------------------------------------------


PAGES = ["/", "/consult", "/result?operational_capacity=low", "/result/trace.json?operational_capacity=low", "/check"]


@pytest.mark.parametrize("path", PAGES, ids=PAGES)
def test_with_a_key_every_page_asks_the_browser_for_it(web_advisor: Advisor, path: str) -> None:
    with TestClient(create_app(WebSettings(api_key=KEY), advisor=web_advisor), base_url=LOCAL) as client:
        refused = client.get(path)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Basic realm="sellerexpert", charset="UTF-8"'
        assert "the key as the password" in refused.text
        assert client.get(path, headers=_basic("wrong")).status_code == 401
        assert client.get(path, headers=_basic(KEY)).status_code == 200
        assert client.get(path, headers={"authorization": f"Bearer {KEY}"}).status_code == 200


def test_with_a_key_checking_and_signing_need_it(web_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "trace-key")
    trace = web_advisor.consult({"operational_capacity": "low"}).trace.to_json()
    with TestClient(create_app(WebSettings(api_key=KEY), advisor=web_advisor), base_url=LOCAL) as client:
        token = _check_token(client, **_basic(KEY))
        assert client.post("/check", data={"csrf_token": token, "trace_text": trace}).status_code == 401
        checked = client.post("/check", data={"csrf_token": token, "trace_text": trace}, headers=_basic(KEY))
        assert checked.status_code == 200
        assert client.get("/result/trace.json?operational_capacity=low").status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/static/style.css"], ids=["healthz", "openapi", "static"])
def test_with_a_key_the_health_check_description_and_static_files_stay_open(web_advisor: Advisor, path: str) -> None:
    with TestClient(create_app(WebSettings(api_key=KEY), advisor=web_advisor), base_url=LOCAL) as client:
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["Basic !!notbase64!!", "Basic " + base64.b64encode(KEY.encode()).decode(), "Digest " + KEY, "Bearer"],
    ids=["bad-base64", "no-colon", "other-scheme", "empty-bearer"],
)
def test_a_malformed_credential_is_401_not_500(web_advisor: Advisor, authorization: str) -> None:
    with TestClient(create_app(WebSettings(api_key=KEY), advisor=web_advisor), base_url=LOCAL) as client:
        assert client.get("/api/v1/rules", headers={"authorization": authorization}).status_code == 401
        assert client.get("/consult", headers={"authorization": authorization}).status_code == 401


# -- a malformed trace is 422, never 500 ---------------------------------------------------------

MALFORMED = {
    "deep-list": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "deep-inside-a-trace": b'{"format": "sellerexpert-trace", "version": 1, "profile": ' + b"[" * 3_000 + b"]" * 3_000 + b"}",
    "long-number": b'{"format": "sellerexpert-trace", "version": ' + b"1" * 5_000 + b"}",
    "long-float": b"[0." + b"1" * 5_000 + b"]",
    "nan": b'{"format": "sellerexpert-trace", "version": NaN}',
}


@pytest.mark.parametrize("endpoint", ["/api/v1/audit", "/api/v1/explain"])
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_trace_body_is_422(client: TestClient, endpoint: str, body: bytes) -> None:
    response = client.post(endpoint, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["type"], error["exit_code"]) == ("trace", 2)
    assert error["message"].startswith("<request>: not a trace: ")


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_trace_on_the_check_page_is_422(client: TestClient, body: bytes) -> None:
    token = _check_token(client)
    response = client.post("/check", data={"csrf_token": token}, files={"trace_file": ("t.json", body, "application/json")})
    assert response.status_code == 422
    assert "the trace: not a trace: " in response.text


_json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(10**80), 10**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
)
_json_documents = st.recursive(
    _json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)


def _nest(value: object, depth: int) -> str:
    return "[" * depth + json.dumps(value) + "]" * depth


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        _json_documents.map(lambda doc: json.dumps(doc).encode()),
        st.tuples(_json_leaves, st.integers(0, 20_000)).map(lambda pair: _nest(*pair).encode()),
        st.integers(1, 6_000).map(lambda digits: b'{"version": ' + b"9" * digits + b"}"),
        st.binary(max_size=64),
    )
)
def test_any_body_to_audit_gets_a_verdict_or_a_422_never_a_500(client: TestClient, body: bytes) -> None:
    response = client.post("/api/v1/audit", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 422:
        assert response.json()["error"]["type"] == "trace"


# -- the batch: rows cost work, bytes do not say how much ----------------------------------------


def test_a_batch_of_cheap_rows_past_the_row_limit_is_413_before_any_work(client: TestClient) -> None:
    body = b"{}\n" * 20_000  # 60 KB, which used to answer 190 MB
    started = time.monotonic()
    response = client.post("/api/v1/batch", content=body, headers={"content-type": "application/x-ndjson"})
    assert time.monotonic() - started < 5
    assert response.status_code == 413
    assert response.json()["error"] == {
        "status": 413,
        "type": "too_large",
        "message": "the batch has more than 1000 rows, the most this server consults in one request: split it",
    }


def test_a_batch_at_the_row_limit_is_answered(web_advisor: Advisor) -> None:
    with TestClient(create_app(WebSettings(max_batch_rows=5), advisor=web_advisor), base_url=LOCAL) as client:
        ok = client.post("/api/v1/batch", content=b"{}\n" * 5)
        assert [json.loads(line)["row"] for line in ok.text.splitlines()] == [1, 2, 3, 4, 5]
        csv = "name,operational_capacity\n" + "x,low\n" * 6
        refused = client.post("/api/v1/batch", content=csv.encode(), headers={"content-type": "text/csv"})
        assert refused.status_code == 413
        assert "more than 5 rows" in refused.json()["error"]["message"]


def test_a_batch_past_the_time_limit_ends_with_an_error_record(web_advisor: Advisor) -> None:
    with TestClient(create_app(WebSettings(time_limit=0.001), advisor=web_advisor), base_url=LOCAL) as client:
        response = client.post("/api/v1/batch", content=b'{"operational_capacity": "low"}\n' * 200)
    assert response.status_code == 200  # the answer had started
    lines = [json.loads(line) for line in response.text.splitlines()]
    last = lines[-1]["error"]
    done = last["rows_done"]
    assert 1 <= done < 200
    assert [record["row"] for record in lines[:-1]] == list(range(1, done + 1))
    assert (last["status"], last["type"]) == (503, "time_limit")
    assert last["message"] == (
        f"stopped after {done} of 200 rows: this server gives one request 0.001 s; send the other rows in another request"
    )


# -- the time limit stops explain and audit, and the next request is answered --------------------------------


def test_an_audit_past_the_time_limit_is_503_and_stopped(web_advisor: Advisor) -> None:
    small = web_advisor.consult({"operational_capacity": "low"}).trace.to_dict()
    # About 2 MB (the endpoint's most): the audit is linear in a trace's size, so this is a fifth of a second
    # of work, four times the limit given below.
    costly = costly_trace(web_advisor, 2_800)
    with TestClient(create_app(advisor=web_advisor), base_url=LOCAL) as roomy:
        assert roomy.post("/api/v1/audit", json=small).status_code == 200  # the workers are up
        with TestClient(create_app(WebSettings(time_limit=0.05), advisor=web_advisor), base_url=LOCAL) as strict:
            for endpoint in ("/api/v1/audit", "/api/v1/explain"):
                started = time.monotonic()
                response = strict.post(endpoint, content=costly)
                took = time.monotonic() - started
                assert response.status_code == 503, response.text[:300]
                assert 0.05 <= took < 3.0
                assert response.json()["error"] == {
                    "status": 503,
                    "type": "time_limit",
                    "message": "this request needs more than the 0.05 s this server gives one request: "
                    "send a smaller trace, or ask the server's operator for a longer --time-limit",
                    "limit_seconds": 0.05,
                }
            page = strict.post(
                "/check", data={"csrf_token": _check_token(strict)}, files={"trace_file": ("t.json", costly, "application/json")}
            )
            assert page.status_code == 503
            assert "That took too long" in page.text
        # A stopped worker is replaced: the next audit is answered.
        assert roomy.post("/api/v1/audit", json=small).json()["exit_code"] == 0


def test_the_openapi_document_names_the_new_refusals(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"400", "503"} <= set(paths["/api/v1/audit"]["post"]["responses"])
    assert {"400", "503"} <= set(paths["/api/v1/explain"]["post"]["responses"])
    assert "1000 rows" in paths["/api/v1/batch"]["post"]["requestBody"]["description"]


# -- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"idle_timeout": 0}, "server limit idle_timeout must be more than 0 (got 0)"),
        ({"max_connections": -1}, "server limit max_connections must be more than 0 (got -1)"),
        (
            {"max_request_line": 9000, "max_header_bytes": 8000},
            "server limit max_request_line must not be more than max_header_bytes",
        ),
    ],
    ids=["zero-timeout", "negative-cap", "line-over-headers"],
)
def test_bad_server_limits_are_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ServerLimits(**fields)  # type: ignore[arg-type]
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_limit": 0}, "time limit 0 s is not between 0 and 3600 seconds"),
        ({"time_limit": 7200}, "time limit 7200 s is not between 0 and 3600 seconds"),
        ({"work_processes": 0}, "work processes 0 is not between 1 and 64"),
    ],
    ids=["zero", "two-hours", "no-workers"],
)
def test_bad_web_settings_are_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        WebSettings(**fields)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_limits_travel_to_the_workers_through_the_environment() -> None:
    limits = ServerLimits(max_connections=7, idle_timeout=0.5, linger_bytes=10)
    assert limits_from_env(limits.to_env()) == limits
    assert limits_from_env({}) == ServerLimits()
    with pytest.raises(ValueError, match="SELLEREXPERT_WEB_LIMITS is not the JSON of server limits"):
        limits_from_env({"SELLEREXPERT_WEB_LIMITS": '{"idle": 1}'})


def test_a_connection_cap_past_the_open_file_limit_is_refused(runner: CliRunner) -> None:
    resource = pytest.importorskip("resource")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= 100_000:
        pytest.skip(f"the hard open-file limit ({hard}) leaves room for any cap --max-connections accepts")
    too_many = hard  # with the reserve, more than the process may ever open
    with pytest.raises(ValueError, match=rf"^{too_many} connections need {too_many + 64} open files"):
        connection_cap(too_many)
    result = runner.invoke(cli, ["serve", "--max-connections", str(too_many)])
    assert result.exit_code == 2
    assert "Invalid value for '--max-connections'" in result.output
    assert connection_cap(None) <= 1000
