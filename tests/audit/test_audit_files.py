"""Audit hardening (issue 9): unverifiable signatures, unknown fingerprint keys, folders holding other files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, SellerProfile, TraceError, audit, cli

PROFILE = SellerProfile(operational_capacity="low", platforms=("temu",), target_markets=("US",))


@pytest.fixture
def signed(advisor: Advisor, tmp_path: Path) -> Path:
    path = tmp_path / "signed.json"
    path.write_text(advisor.consult(PROFILE).trace.signed("k").to_json())
    return path


def test_an_edited_signed_trace_without_a_key_fails(runner: CliRunner, signed: Path) -> None:
    data = json.loads(signed.read_text())
    data["result"]["best"]["confidence"] = 0.99  # an edit the replay would also catch...
    data["profile"]["name"] = "Someone else"  # ...and one only the signature can
    signed.write_text(json.dumps(data))
    result = runner.invoke(cli, ["audit", str(signed)])
    assert result.exit_code == 1
    assert "signed, but the signature could not be verified: no key (set SELLEREXPERT_TRACE_KEY" in result.stdout


def test_a_signed_trace_without_a_key_fails_unless_no_verify(runner: CliRunner, signed: Path) -> None:
    failed = runner.invoke(cli, ["audit", str(signed)])
    assert failed.exit_code == 1
    assert failed.stdout.startswith(f"FAIL {signed}: signed, but the signature could not be verified")
    passed = runner.invoke(cli, ["audit", "--no-verify", str(signed)], catch_exceptions=False)
    assert passed.exit_code == 0
    assert passed.stdout.startswith(f"OK   {signed}: reproduces (")
    assert "signature not-checked" in passed.stdout


def test_a_signed_trace_with_its_key_passes(runner: CliRunner, signed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "k")
    result = runner.invoke(cli, ["audit", str(signed)])
    assert result.exit_code == 0
    assert "signature valid" in result.stdout


def test_unknown_keys_in_the_fingerprint_are_refused_like_elsewhere(advisor: Advisor) -> None:
    data = advisor.consult(PROFILE).trace.to_dict()
    data["fingerprint"]["smuggled"] = "x"
    with pytest.raises(TraceError) as caught:
        audit(data, advisor)
    assert caught.value.field == "fingerprint"
    assert "'smuggled' was unexpected" in str(caught.value)
    data["fingerprint"].pop("smuggled")
    data["smuggled"] = "x"
    with pytest.raises(TraceError, match="'smuggled' was unexpected"):
        audit(data, advisor)


def test_a_folder_with_other_files_audits_the_traces_and_lists_the_rest(
    runner: CliRunner, advisor: Advisor, tmp_path: Path
) -> None:
    folder = tmp_path / "traces"
    folder.mkdir()
    advisor.consult(PROFILE).trace.save(folder / "a.json")
    (folder / "notes.json").write_text('{"todo": "nothing"}')
    (folder / "junk.json").write_bytes(b"\x00\x01")
    result = runner.invoke(cli, ["audit", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        result.stdout.splitlines()[0],
        f'SKIP {folder}/junk.json: is a binary file, not JSON, YAML or TOML text',
        f'SKIP {folder}/notes.json: not a sellerexpert trace (no "format": "sellerexpert-trace")',
        "1 trace: 1 reproduce, 0 failed; 2 other files skipped (not traces)",
    ]
    assert result.stdout.startswith(f"OK   {folder}/a.json: reproduces")
    as_json = json.loads(runner.invoke(cli, ["audit", str(folder), "-f", "json"]).stdout)
    assert [s["source"] for s in as_json["skipped"]] == [f"{folder}/junk.json", f"{folder}/notes.json"]


def test_a_folder_exits_by_the_worst_verdict(runner: CliRunner, advisor: Advisor, tmp_path: Path) -> None:
    folder = tmp_path / "traces"
    folder.mkdir()
    advisor.consult(PROFILE).trace.save(folder / "a.json")
    broken = advisor.consult(PROFILE).trace.to_dict()
    del broken["firings"]
    (folder / "b.json").write_text(json.dumps(broken))
    (folder / "notes.json").write_text("[]")
    result = runner.invoke(cli, ["audit", str(folder)])
    assert result.exit_code == 1
    assert f"FAIL {folder}/b.json: not a usable trace: " in result.stdout
    assert "2 traces: 1 reproduce, 1 failed; 1 other file skipped (not traces)" in result.stdout


def test_a_named_file_that_is_not_a_trace_is_still_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("{}")
    result = runner.invoke(cli, ["audit", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f'Error: {path}: not a sellerexpert trace (no "format": "sellerexpert-trace")\n'


def test_a_folder_without_a_single_trace_is_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / "list.json").write_text("[]")
    result = runner.invoke(cli, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: no traces to audit: the 2 JSON files found are not traces\n"
