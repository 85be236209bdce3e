"""The command line's rough edges (issue 9).

Full disks and closed pipes, yes/no options, the interview's input, rules show decide.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, RuleBookError, SellerProfile, cli, load_rulebook

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "one-person-shop.yaml"
CLI = [sys.executable, "-m", "sellerexpert"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_1() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*CLI, "consult", "-p", str(SHOP)], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write the output to stdout (No space left on device)\n"


@pytest.mark.slow  # a process; a closed pipe of consult --explain is in the default run (tests/cli/test_cli_terminal.py)
def test_a_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen([*CLI, "rules", "list", "-f", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write, like `| head -1` after its line
    with process.stderr:
        stderr = process.stderr.read()
    assert process.wait(timeout=60) == 141  # 128 + SIGPIPE, as the README says
    assert stderr == b""


@pytest.mark.slow  # a process and a shell; head -1 after consult --explain is in the default run (tests/cli/test_cli_terminal.py)
def test_head_one_ends_quietly() -> None:
    done = subprocess.run(
        f"{sys.executable} -m sellerexpert rules list -f json | head -1", shell=True, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "[\n"
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--local-warehouse", "no"], False),
        (["--local-warehouse", "yes"], True),
        (["--local-warehouse"], True),
        (["--no-local-warehouse"], False),
        (["--sea-freight", "false", "--local-warehouse", "true"], True),
    ],
    ids=["no", "yes", "alone", "negated", "words"],
)
def test_yes_no_options_work_as_the_readme_says(runner: CliRunner, args: list[str], expected: bool) -> None:
    result = runner.invoke(cli, ["consult", "--operational-capacity", "low", *args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profile"]["local_warehouse"] is expected


def test_contradicting_yes_no_options_are_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--local-warehouse", "--no-local-warehouse"])
    assert result.exit_code == 2
    assert "Error: --local-warehouse and --no-local-warehouse contradict each other: give one." in result.stderr


def test_a_bad_yes_no_value_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--local-warehouse", "maybe"])
    assert result.exit_code == 2
    assert "Invalid value for '--local-warehouse': expected true or false, got 'maybe'" in result.stderr


def test_the_interview_does_not_echo_a_huge_answer(runner: CliRunner) -> None:
    huge = "x" * 1_000_000
    result = runner.invoke(cli, ["consult", "-i", "--platform", "temu", "--target-market", "US"], input=huge + "\nquit\n")
    assert result.exit_code == 0
    assert (
        "Sorry, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (1,000,000 characters) is not one of low, medium, high."
        in result.stderr
    )
    # The runner echoes the typed line itself (as a terminal does); our reply quotes only its start.
    sorry = [line for line in result.stderr.splitlines() if "Sorry" in line]
    assert len(sorry) == 1 and len(sorry[0].split("Sorry", 1)[1]) < 200


def test_no_to_the_market_question_is_not_norway(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "-i", "--platform", "temu", "-f", "json"], input="no\nNorway\nquit\n")
    assert result.exit_code == 0
    assert "Sorry, 'no' is not a market: name the countries your buyers live in (for Norway type NO or Norway)." in result.stderr
    assert json.loads(result.stdout)["profile"]["target_markets"] == ["NO"]


def test_the_interview_takes_counts_with_thousands_separators(advisor: Advisor) -> None:
    from sellerexpert import Interview

    interview = Interview(advisor, {"platforms": ["temu"]})
    interview.answer("monthly_orders", "1,200")
    assert interview.profile.monthly_orders == 1200


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_save_writes_the_answers_at_quit_and_they_resume(runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    saved = tmp_path / f"answers{suffix}"
    first = runner.invoke(cli, ["consult", "-i", "--save", str(saved)], input="temu\nUS, Norway\nquit\n")
    assert first.exit_code == 0
    assert f"Answers saved to {saved}; resume with: sellerexpert consult --profile {saved} --interactive" in first.stderr
    assert SellerProfile.from_file(saved) == SellerProfile(platforms=("temu",), target_markets=("US", "NO"))
    resumed = runner.invoke(cli, ["consult", "-i", "-p", str(saved), "-f", "json"], input="low\nquit\n")
    assert resumed.exit_code == 0
    assert "Which platforms" not in resumed.stderr
    assert json.loads(resumed.stdout)["profile"]["operational_capacity"] == "low"


def test_save_writes_the_answers_at_end_of_input(runner: CliRunner, tmp_path: Path) -> None:
    saved = tmp_path / "answers.yaml"
    result = runner.invoke(cli, ["consult", "-i", "--save", str(saved)], input="temu\nUS\n")
    assert result.exit_code == 0
    assert SellerProfile.from_file(saved) == SellerProfile(platforms=("temu",), target_markets=("US",))


def test_save_writes_the_answers_on_ctrl_c(runner: CliRunner, tmp_path: Path) -> None:
    class CtrlCAfterTwoReplies(io.RawIOBase):
        """Standard input that gives two replies, then Ctrl-C where the third would be read."""

        replies = b"aliexpress\nDE\n"

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            if not self.replies:
                raise KeyboardInterrupt
            size = min(len(buffer), len(self.replies))
            buffer[:size], self.replies = self.replies[:size], self.replies[size:]
            return size

    saved = tmp_path / "answers.json"
    result = runner.invoke(cli, ["consult", "-i", "--save", str(saved)], input=CtrlCAfterTwoReplies())
    assert result.exit_code == 130
    assert json.loads(saved.read_text()) == {"platforms": ["aliexpress"], "target_markets": ["DE"]}


def test_rules_show_decide_explains_the_decision_step(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["rules", "show", "decide"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Rule decide (built into the engine; its numbers come from the [policy] table)"
    assert "  salience: -1000000000 (below every rule's: rules may use -1000000..1000000, so it runs last)" in lines
    assert f"  tie_default: {advisor.rules.policy.tie_default} ({advisor.rules.policy.tie_reason})" in lines
    as_json = json.loads(runner.invoke(cli, ["rules", "show", "decide", "-f", "json"]).stdout)
    assert as_json["built_in"] is True
    assert as_json["policy"]["confidence"]["base"] == advisor.rules.policy.confidence.base
    trace = advisor.consult(SellerProfile(platforms=("temu",))).trace
    assert trace.firings[-1].rule == as_json["id"]
    assert trace.firings[-1].salience == as_json["compiled"]["salience"]


def test_decide_is_a_reserved_rule_id(rules_dir: Path) -> None:
    path = rules_dir / "fees.toml"
    path.write_text(path.read_text().replace('id = "fee_insensitive_favours_full"', 'id = "decide"'))
    with pytest.raises(RuleBookError, match="this id is reserved for the engine's decision step"):
        load_rulebook(rules_dir)


@pytest.mark.parametrize("limit", [-1, 0, 1.5, True])
def test_a_firing_limit_below_one_is_refused(limit: object) -> None:
    with pytest.raises(ValueError, match="firing_limit must be a whole number of at least 1"):
        Advisor(firing_limit=limit)  # type: ignore[arg-type]
