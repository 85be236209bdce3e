"""The audit and schema commands, and trace signing in consult --trace: exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import FIELDS, Advisor, cli, json_schema, shipped_rules_dir

SHOP = Path(__file__).resolve().parents[2] / "examples" / "one-person-shop.yaml"


@pytest.fixture
def trace_file(runner: CliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "traces" / "shop.json"
    path.parent.mkdir()
    result = runner.invoke(cli, ["consult", "-p", str(SHOP), "--trace", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    return path


def test_a_reproducing_trace_exits_0_with_one_line_and_a_summary(runner: CliRunner, trace_file: Path) -> None:
    result = runner.invoke(cli, ["audit", str(trace_file)], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"OK   {trace_file}: reproduces (") and lines[0].endswith(" firings, signature unsigned)")
    assert lines[1] == "1 trace: 1 reproduce, 0 failed"
    assert result.stderr == ""


def test_a_folder_of_traces_is_audited_in_order(runner: CliRunner, trace_file: Path, advisor: Advisor) -> None:
    advisor.consult({"operational_capacity": "high"}).trace.save(trace_file.parent / "another.json")
    result = runner.invoke(cli, ["audit", str(trace_file.parent), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [Path(r["source"]).name for r in data["reports"]] == ["another.json", "shop.json"]
    assert (data["ok"], data["passed"], data["failed"]) == (True, 2, 0)


def test_an_edited_trace_exits_1_with_a_readable_diff(runner: CliRunner, trace_file: Path) -> None:
    data = json.loads(trace_file.read_text())
    data["result"]["recommendations"][0]["model"] = "semi-managed"
    trace_file.write_text(json.dumps(data))
    result = runner.invoke(cli, ["audit", str(trace_file)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"FAIL {trace_file}: inconsistent trace")
    assert '      temu: the result says model "semi-managed", the decide firing "fully-managed"' in result.stdout
    assert result.stdout.endswith("1 trace: 0 reproduce, 1 failed\n")
    assert result.stderr == "Error: 1 of 1 traces did not pass the audit\n"


def test_a_changed_rule_base_is_named_and_explained_with_rules_then(runner: CliRunner, trace_file: Path, rules_dir: Path) -> None:
    capacity = rules_dir / "capacity.toml"
    capacity.write_text(capacity.read_text().replace('weight = 3 }', 'weight = 4 }', 1))
    args = ["audit", str(trace_file), "--rules", str(rules_dir)]
    plain = runner.invoke(cli, args)
    assert plain.exit_code == 1
    assert "rule base changed since the trace was made (1 edited)" in plain.stdout
    assert "      edited: low_capacity_favours_full\n" in plain.stdout
    detailed = runner.invoke(cli, [*args, "--rules-then", str(shipped_rules_dir())])
    assert "        then: favours fully-managed (weight 3)  ->  favours fully-managed (weight 4)" in detailed.stdout


def test_a_file_that_is_not_a_trace_exits_2_without_a_traceback(runner: CliRunner, tmp_path: Path, trace_file: Path) -> None:
    bad = tmp_path / "profile.json"
    bad.write_text('{"operational_capacity": "low"}')
    result = runner.invoke(cli, ["audit", str(trace_file), str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f'Error: {bad}: not a sellerexpert trace (no "format": "sellerexpert-trace")\n'
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [([], "Missing argument 'TRACE_OR_DIR...'"), (["nope.json"], "nope.json: no such file or folder")],
    ids=["none", "missing"],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["audit", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_consult_signs_with_the_key_and_audit_verifies(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "team secret")
    path = tmp_path / "signed.json"
    runner.invoke(cli, ["consult", "-p", str(SHOP), "--trace", str(path)], catch_exceptions=False)
    data = json.loads(path.read_text())
    assert data["signature"]["algorithm"] == "HMAC-SHA256" and len(data["signature"]["value"]) == 64
    ok = runner.invoke(cli, ["audit", str(path)], catch_exceptions=False)
    assert ok.exit_code == 0 and "signature valid" in ok.stdout
    data["profile"]["name"] = "Someone else"
    data["result"]["profile"]["name"] = "Someone else"
    path.write_text(json.dumps(data))
    tampered = runner.invoke(cli, ["audit", str(path)])
    assert tampered.exit_code == 1
    assert "signature does not match" in tampered.stdout
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "another secret")
    assert runner.invoke(cli, ["audit", str(path)]).exit_code == 1


def test_an_unsigned_trace_fails_when_a_key_is_set(runner: CliRunner, trace_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLEREXPERT_TRACE_KEY", "team secret")
    result = runner.invoke(cli, ["audit", str(trace_file)])
    assert result.exit_code == 1
    assert "trace is not signed, but a signing key is set" in result.stdout


@pytest.mark.parametrize("name", ["trace", "profile", "rulefile"])
def test_schema_prints_the_shipped_schema(runner: CliRunner, name: str) -> None:
    result = runner.invoke(cli, ["schema", name], catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json_schema(name)  # type: ignore[arg-type]
    if name == "profile":
        # The profile's schema is built from the field table: every field is described.
        assert set(json.loads(result.stdout)["properties"]) >= {spec.name for spec in FIELDS}


def test_an_unknown_schema_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "result"])
    assert result.exit_code == 2
    assert "'result' is not one of 'trace', 'profile', 'rulefile'" in result.stderr


@pytest.mark.slow
def test_jobs_and_engine_leave_the_output_unchanged(runner: CliRunner, trace_file: Path, advisor: Advisor) -> None:
    advisor.consult({"operational_capacity": "high", "target_markets": ["DE", "FR"]}).trace.save(trace_file.parent / "b.json")
    reference = runner.invoke(cli, ["audit", str(trace_file.parent)], catch_exceptions=False)
    for args in (["--jobs", "2"], ["--jobs", "0"], ["--engine", "experta"]):
        result = runner.invoke(cli, ["audit", str(trace_file.parent), *args], catch_exceptions=False)
        assert (result.exit_code, result.stdout) == (0, reference.stdout), args
