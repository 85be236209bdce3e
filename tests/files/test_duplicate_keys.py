"""A key given twice in one JSON (or YAML) object is refused wherever a document is read (issue 23).

Readers disagree on which of two equal keys wins, so a signed trace with a forged ``"result"`` placed
before the real one once audited as "signature valid": the signature covered the value Python kept,
a reader that keeps the first saw the forgery. Profiles, traces, rule files, economics files, batch
rows, the batch's resume state and the web API's bodies all refuse a repeated key, naming it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, ProfileError, RuleBookError, SellerProfile, Trace, TraceError, audit, cli, load_rulebook

KEY = "s3cret"
TWICE = 'the key "{key}" appears twice in one object: give each key once'


def _signed(advisor: Advisor) -> Trace:
    return advisor.consult({"operational_capacity": "low", "platforms": ["temu"]}).trace.signed(KEY)


def _forged(advisor: Advisor) -> str:
    """A signed trace's JSON with a forged ``"result"`` inserted before the real one."""
    text = _signed(advisor).to_json()
    assert text.startswith("{\n")
    return '{\n  "result": ' + json.dumps({"platforms": {}, "best": None}) + ",\n" + text[2:]


def test_python_alone_keeps_the_real_result_so_the_signature_would_verify(advisor: Advisor) -> None:
    """Why the check matters: without it the forged copy is silently dropped (a first-wins reader shows it)."""
    assert json.loads(_forged(advisor))["result"] == _signed(advisor).to_dict()["result"]


def test_a_signed_trace_with_a_forged_duplicate_result_does_not_audit(
    advisor: Advisor, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signed.json"
    path.write_text(_forged(advisor), encoding="utf-8")
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", KEY)
    result = runner.invoke(cli, ["audit", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path}: not a trace: {TWICE.format(key='result')}\n"
    assert "signature valid" not in result.output
    with pytest.raises(TraceError, match="appears twice"):
        Trace.load(path)
    with pytest.raises(TraceError, match="appears twice"):
        audit(path, advisor)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("p.json", '{"operational_capacity": "low", "operational_capacity": "high"}', None),
        ("p.yaml", "operational_capacity: low\nname: x\noperational_capacity: high\n", 3),
        ("nested.json", '{"economics": {"monthly_units": 5, "unit_cost": 1, "price": 9, "price": 1}}', None),
    ],
    ids=["json", "yaml", "nested-json"],
)
def test_a_profile_with_a_repeated_key_is_refused_naming_it(
    runner: CliRunner, tmp_path: Path, name: str, text: str, line: int | None
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    key = "price" if "price" in text else "operational_capacity"
    where = f"{path}:{line}" if line else str(path)
    detail = TWICE.format(key=key)
    result = runner.invoke(cli, ["consult", "-p", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {where}: {detail}\n"
    with pytest.raises(ProfileError):
        SellerProfile.from_file(path)


def test_yaml_merge_keys_may_still_override(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("<<: &base {operational_capacity: low, name: a}\nname: b\n", encoding="utf-8")
    profile = SellerProfile.from_file(path)
    assert (profile.operational_capacity, profile.name) == ("low", "b")


def test_a_rule_file_with_a_repeated_key_is_refused(rules_dir: Path) -> None:
    (rules_dir / "extra.yaml").write_text("meta:\n  covers: x\n  reviewed: '2026-01-01'\nmeta:\n  covers: y\n", encoding="utf-8")
    with pytest.raises(RuleBookError, match=r"extra\.yaml:4: .*appears twice"):
        load_rulebook(rules_dir)


def test_a_batch_row_with_a_repeated_key_is_an_error_record(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"operational_capacity": "low"}\n{"name": "a", "name": "b"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(source)])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in records] == ["ok", "error"]
    assert records[1]["error"]["message"] == f"{source}:2: {TWICE.format(key='name')}"


def test_the_web_api_refuses_a_repeated_key(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("starlette", reason="the web extra is not installed")
    from starlette.testclient import TestClient

    from sellerexpert.web import create_app

    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", KEY)
    with TestClient(create_app(advisor=advisor), base_url="http://127.0.0.1:8000") as client:
        audited = client.post("/api/v1/audit", content=_forged(advisor).encode(), headers={"content-type": "application/json"})
        consulted = client.post("/api/v1/consult", content=b'{"name": "a", "name": "b"}')
    assert audited.status_code == 422, audited.text
    assert "appears twice" in audited.text
    assert consulted.status_code == 422, consulted.text
    assert "appears twice" in consulted.text
