"""The explain command and consult --explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, cli, explain

# A profile whose why-not answers are found quickly (each search consults the engine).
PROFILE = {"operational_capacity": "medium", "monthly_orders": 250}


@pytest.fixture
def trace_file(advisor: Advisor, tmp_path: Path) -> Path:
    path = tmp_path / "trace.json"
    advisor.consult(PROFILE).trace.save(path)
    return path


@pytest.fixture(scope="module")
def explained(advisor: Advisor) -> object:
    return explain(advisor.consult(PROFILE).trace, advisor)


def test_text_is_the_explanation(runner: CliRunner, trace_file: Path, explained: object) -> None:
    result = runner.invoke(cli, ["explain", str(trace_file)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == explained.to_text() + "\n"  # type: ignore[attr-defined]


def test_markdown_and_json(runner: CliRunner, trace_file: Path, explained: object) -> None:
    markdown = runner.invoke(cli, ["explain", str(trace_file), "--format", "markdown"], catch_exceptions=False)
    assert markdown.stdout == explained.to_markdown()  # type: ignore[attr-defined]
    data = json.loads(
        runner.invoke(cli, ["explain", str(trace_file), "-f", "json", "--no-why-not"], catch_exceptions=False).stdout
    )
    assert [p["why_not"] for p in data["platforms"]] == [None, None, None]
    assert data["platforms"][0]["how"]["kind"] == "recommendation"


def test_dot_to_a_file_and_to_stdout(runner: CliRunner, trace_file: Path, tmp_path: Path, explained: object) -> None:
    target = tmp_path / "graph.dot"
    result = runner.invoke(cli, ["explain", str(trace_file), "--no-why-not", "--dot", str(target)], catch_exceptions=False)
    assert result.exit_code == 0
    assert target.read_text() == explained.to_dot()  # type: ignore[attr-defined]
    only = runner.invoke(cli, ["explain", str(trace_file), "--dot", "-"], catch_exceptions=False)
    assert only.stdout == explained.to_dot()  # type: ignore[attr-defined]


def test_consult_explain_prints_the_same_after_the_verdict(runner: CliRunner, explained: object) -> None:
    args = ["consult", "--operational-capacity", "medium", "--monthly-orders", "250"]
    plain = runner.invoke(cli, args, catch_exceptions=False)
    result = runner.invoke(cli, [*args, "--explain"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == plain.stdout + "\n" + explained.to_text() + "\n"  # type: ignore[attr-defined]
    data = json.loads(runner.invoke(cli, [*args, "--explain", "-f", "json"], catch_exceptions=False).stdout)
    assert data["explanation"] == explained.to_dict()  # type: ignore[attr-defined]
    assert data["best"] == json.loads(runner.invoke(cli, [*args, "-f", "json"]).stdout)["best"]


def test_a_non_trace_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{broken")
    result = runner.invoke(cli, ["explain", str(path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: {path}: not a trace: malformed JSON at line 1: Expecting property name enclosed in double quotes\n"
    )
    missing = runner.invoke(cli, ["explain", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
