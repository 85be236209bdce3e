"""consult --interactive driven with scripted input: why, unknown, bad answers, quit, settling, end of input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, SellerProfile, cli, render_report


def test_interview_until_settled_then_advice_on_stdout(runner: CliRunner, advisor: Advisor) -> None:
    # DE: without EU stock Temu's semi-managed store is closed (for US buyers its China-shipping option is not);
    # what is left hangs on the goods going as parcels and the company being registered in China or Hong Kong.
    script = "temu\nwhy\nDE\nlow\nunknown\nhuge\nno\nno\nCN\n"
    result = runner.invoke(cli, ["consult", "--interactive", "-f", "json"], input=script, catch_exceptions=False)
    assert result.exit_code == 0
    expected = SellerProfile(
        platforms=("temu",), target_markets=("DE",), operational_capacity="low", local_warehouse=False,
        bulky_goods=False, company_base="CN",
    )
    assert result.stdout == advisor.consult(expected).to_json() + "\n"
    assert "Question 1: Which platforms should I advise on?" in result.stderr
    assert "Why I ask about target_markets (where the buyers are):" in result.stderr
    assert "Skipped: the rules that need it will be left out" in result.stderr
    assert "Sorry, expected true or false, got 'huge'." in result.stderr
    assert "The advice for every platform is settled: the " in result.stderr


def test_options_pre_answer_questions(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["consult", "--interactive", "--platform", "tiktok_shop", "--target-market", "UK", "-f", "json"],
        input="quit\n", catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "Question 1: How much staff and systems" in result.stderr
    assert "Which platforms" not in result.stderr
    assert json.loads(result.stdout)["profile"] == {"platforms": ["tiktok_shop"], "target_markets": ["UK"]}


def test_profile_file_then_interview_asks_only_what_is_missing(runner: CliRunner, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("platforms: [aliexpress]\ntarget_markets: [US]\n")
    result = runner.invoke(cli, ["consult", "-i", "-p", str(profile), "-f", "json"], input="high\nquit\n", catch_exceptions=False)
    assert result.exit_code == 0
    assert "Question 1: How much staff and systems" in result.stderr
    assert "Which platforms" not in result.stderr
    assert json.loads(result.stdout)["profile"]["operational_capacity"] == "high"


def test_profile_on_stdin_cannot_be_interactive(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--interactive", "-p", "-"], input="platforms: [temu]\n")
    assert result.exit_code == 2
    assert "--interactive reads the answers from stdin" in result.stderr


def test_quit_stops_early_and_advises_on_what_was_said(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["consult", "--interactive"], input="aliexpress\nquit\n", catch_exceptions=False)
    assert result.exit_code == 0
    assert "Stopping the questions here; the advice uses what you have told me so far." in result.stderr
    assert result.stdout.startswith("Advice\n\n  Platform    Advice")
    assert result.stdout == _text(advisor, SellerProfile(platforms=("aliexpress",)))


@pytest.mark.parametrize(
    ("script", "answered"),
    [("", {}), ("temu\n", {"platforms": ("temu",)}), ("temu\nUS\nwhy\n", {"platforms": ("temu",), "target_markets": ("US",)})],
    ids=["at once", "after one", "after why"],
)
def test_end_of_input_gives_the_advice_so_far_like_quit(
    runner: CliRunner, advisor: Advisor, script: str, answered: dict[str, object]
) -> None:
    result = runner.invoke(cli, ["consult", "--interactive", "-f", "json"], input=script)
    assert result.exit_code == 0
    assert "End of input: the advice uses what you have told me so far." in result.stderr
    assert result.stdout == advisor.consult(SellerProfile(**answered)).to_json() + "\n"  # type: ignore[arg-type]
    assert "Traceback" not in result.output


def _text(advisor: Advisor, profile: SellerProfile) -> str:
    return render_report(advisor.consult(profile), "text")
