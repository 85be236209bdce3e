"""The consult command: profile files, field options, formats, the trace, and every input error path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROFILE_EXAMPLES, sampled
from sellerexpert import Advisor, SellerProfile, cli, render_report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHOP = EXAMPLES / "one-person-shop.yaml"


def test_text_output_gives_a_verdict_per_platform(runner: CliRunner, advisor: Advisor) -> None:
    expected = advisor.consult(SellerProfile.from_file(SHOP))
    result = runner.invoke(cli, ["consult", "--profile", str(SHOP)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == render_report(expected, "text")
    lines = result.stdout.splitlines()
    assert lines[0] == "Advice for Lin's phone accessories"
    assert lines[2:6] == [
        "  Platform     Advice         Confidence      Note",
        "  Temu         fully-managed  79% (moderate)",
        "  AliExpress   fully-managed  80% (moderate)",
        "  TikTok Shop  fully-managed  81% (high)      semi-managed ruled out",
    ]
    best = " ".join(lines[6:8])
    assert best == (
        "Best overall: TikTok Shop fits you best: fully-managed, supplying TikTok's warehouses in China in   the US (81%), "
        "ahead of AliExpress (80%)."
    )
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""


def test_json_output_is_the_api_result(runner: CliRunner, advisor: Advisor) -> None:
    expected = advisor.consult(SellerProfile.from_file(SHOP)).to_json() + "\n"
    first = runner.invoke(cli, ["consult", "-p", str(SHOP), "--format", "json"], catch_exceptions=False)
    second = runner.invoke(cli, ["consult", "-p", str(SHOP), "-f", "json"], catch_exceptions=False)
    assert first.exit_code == 0
    assert first.stdout == expected
    assert second.stdout == first.stdout  # same input, same bytes
    data = json.loads(first.stdout)
    assert list(data) == ["profile", "recommendations", "best", "lang"] and data["lang"] == "en"
    assert {"platform", "model", "confidence", "reasons"} <= set(data["recommendations"][0])


def test_markdown_output_is_a_report(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(cli, ["consult", "-p", str(SHOP), "-f", "markdown"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == render_report(advisor.consult(SellerProfile.from_file(SHOP)), "markdown")
    assert result.stdout.startswith("# Advice for Lin's phone accessories\n")
    assert "| TikTok Shop | fully-managed | 81% (high) | semi-managed ruled out |" in result.stdout


# Three examples by default (no answers, a full profile, own numbers); every example under -m slow.
@pytest.mark.parametrize(
    "name", sampled([p.name for p in PROFILE_EXAMPLES], {"no-data.json", "us-brand-with-warehouse.json", "margin-starter.toml"})
)
def test_every_example_profile_consults(runner: CliRunner, advisor: Advisor, name: str) -> None:
    result = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / name), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == advisor.consult(SellerProfile.from_file(EXAMPLES / name)).to_json() + "\n"


# One example of each format by default; every example under -m slow.
@pytest.mark.parametrize(
    "name", sampled([p.name for p in PROFILE_EXAMPLES], {"no-data.json", "one-person-shop.yaml", "margin-home-goods.toml"})
)
def test_profile_from_stdin_is_guessed_from_its_text(runner: CliRunner, name: str) -> None:
    from_file = runner.invoke(cli, ["consult", "-p", str(EXAMPLES / name), "-f", "json"])
    from_stdin = runner.invoke(cli, ["consult", "-p", "-", "-f", "json"], input=(EXAMPLES / name).read_text())
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


def test_field_options_override_the_file(runner: CliRunner, advisor: Advisor) -> None:
    args = ["consult", "-p", str(SHOP), "-f", "json", "--operational-capacity", "HIGH", "--platform", "aliexpress",
            "--local-warehouse", "--monthly-orders", "5000", "--target-market", "us", "--target-market", "DE"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0
    expected = SellerProfile.from_file(SHOP).with_changes(
        operational_capacity="high", platforms=("aliexpress",), local_warehouse=True, monthly_orders=5000,
        target_markets=("US", "DE"),
    )
    assert result.stdout == advisor.consult(expected).to_json() + "\n"


def test_a_whole_consultation_on_one_command_line(runner: CliRunner, advisor: Advisor) -> None:
    result = runner.invoke(
        cli,
        ["consult", "--operational-capacity", "low", "--platform", "temu,tiktok", "--no-local-warehouse", "-f", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    expected = SellerProfile(operational_capacity="low", platforms=("temu", "tiktok_shop"), local_warehouse=False)
    assert result.stdout == advisor.consult(expected).to_json() + "\n"


def test_trace_is_written(runner: CliRunner, advisor: Advisor, tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    result = runner.invoke(cli, ["consult", "-p", str(SHOP), "--trace", str(trace), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert trace.read_text() == advisor.consult(SellerProfile.from_file(SHOP)).trace.to_json() + "\n"


def test_trace_to_an_unwritable_place_is_an_input_error(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "trace.json"
    result = runner.invoke(cli, ["consult", "-p", str(SHOP), "--trace", str(target)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {target}: cannot write the trace (")
    assert result.stdout == ""


BAD_PROFILES = [
    ("missing.yaml", None, "missing.yaml: no such file"),
    ("bad.json", '{"operational_capacity": "low",\n  oops\n}', "bad.json:2: malformed JSON: "),
    ("bad.yaml", "name: [unclosed\n", "bad.yaml:2: malformed YAML:"),
    ("bad.toml", 'name = "x"\nname = "y"\n', "bad.toml:2: malformed TOML:"),
    ("junk.yaml", b"\x00\x01\x02binary", "junk.yaml: is a binary file, not JSON, YAML or TOML text"),
    ("list.yaml", "- low\n- high\n", "list.yaml: a profile must be a mapping of field names to values, got a list"),
    (
        "unknown.yaml",
        "capacity: low\n",
        "unknown.yaml:1: capacity: unknown field 'capacity' - did you mean 'operational_capacity'?",
    ),
    (
        "range.json",
        '{"monthly_orders": -3}',
        "range.json:1: monthly_orders: expected a whole number 0 or more, got the number -3",
    ),
    ("word.yaml", "operational_capacity: huge\n", "word.yaml:1: operational_capacity: 'huge' is not one of low, medium, high"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES])
def test_bad_profile_is_exit_2_with_the_place_and_no_traceback(
    runner: CliRunner, tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = runner.invoke(cli, ["consult", "-p", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path}/{message}")
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_a_folder_as_profile_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["consult", "-p", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: is a directory, not a file\n"


def test_binary_stdin_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "-p", "-"], input=b"\x00\xff\x00")
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: is a binary file, not JSON, YAML or TOML text\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operational-capacity", "huge"], "'huge' is not one of 'low', 'medium', 'high'."),
        (
            ["--platform", "temmu"],
            "'temmu' is not a platform we advise on - did you mean 'temu'? (allowed: temu, aliexpress, tiktok_shop)",
        ),
        (
            ["--target-market", "XX"],
            "'XX' is not a market: use an ISO 3166 country code or name, or EU (allowed: ISO 3166 country codes",
        ),
        (["--monthly-orders", "-1"], "expected a whole number 0 or more, got '-1' (allowed: a whole number, 0 or more)"),
        (["--platform", "temu", "--platform", "temu"], "'temu' is listed twice (allowed: temu, aliexpress, tiktok_shop)"),
    ],
    ids=["level", "platform", "market", "count", "duplicate"],
)
def test_bad_option_value_is_a_usage_error(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["consult", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_no_profile_without_a_terminal_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult"], input="")
    assert result.exit_code == 2
    assert "Error: no profile given: use --profile FILE (- for stdin)" in result.stderr


def test_custom_rule_pack_is_used(runner: CliRunner, rules_dir: Path) -> None:
    policy = rules_dir / "policy.toml"
    policy.write_text(policy.read_text().replace("one_excluded = 0.95", "one_excluded = 0.9"))
    shipped = json.loads(runner.invoke(cli, ["consult", "-p", str(SHOP), "-f", "json"]).stdout)
    for args in (["--rules", str(rules_dir), "consult"], ["consult", "--rules", str(rules_dir)]):
        result = runner.invoke(cli, [*args, "-p", str(SHOP), "-f", "json"], catch_exceptions=False)
        assert result.exit_code == 0
        custom = json.loads(result.stdout)
        # TikTok Shop (third) is decided by a constraint resting on a medium-confidence platform fact (x 0.85).
        assert shipped["recommendations"][2]["confidence"] == 0.807
        assert custom["recommendations"][2]["confidence"] == 0.765


def test_broken_rule_pack_is_exit_2_naming_the_file(runner: CliRunner, rules_dir: Path) -> None:
    (rules_dir / "fees.toml").write_text("[meta\n")
    result = runner.invoke(cli, ["--rules", str(rules_dir), "consult", "-p", str(SHOP)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {rules_dir / 'fees.toml'}:1: malformed TOML:")


def _on_a_terminal(args: list[str], **env: str) -> str:
    """Run the installed command with its stdout on a pseudo-terminal, as a seller at a shell would."""
    import pty

    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SELLEREXPERT_TRACE_KEY")}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "sellerexpert", *args],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env={**environ, "SELLEREXPERT_LANG": "en", **env},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_colour_only_on_a_terminal_and_never_with_no_color(runner: CliRunner, advisor: Advisor) -> None:
    result = advisor.consult(SellerProfile.from_file(SHOP))
    plain = render_report(result, "text", color=False)
    coloured = _on_a_terminal(["consult", "-p", str(SHOP)])
    assert "\x1b[1m" in coloured
    # Colour adds escape codes and nothing else.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert _on_a_terminal(["consult", "-p", str(SHOP)], NO_COLOR="1") == plain
    # Off a terminal (CliRunner's stdout is a pipe) there is no colour either.
    assert runner.invoke(cli, ["consult", "-p", str(SHOP)], catch_exceptions=False).stdout == plain
    assert "\x1b[1m" in render_report(result, "text", color=True)
    assert "\x1b[" not in render_report(result, "text", color=False)


def test_version(runner: CliRunner) -> None:
    from sellerexpert import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.stdout == f"sellerexpert {__version__}\n"


def test_python_m_sellerexpert_version() -> None:
    from sellerexpert import __version__

    done = subprocess.run([sys.executable, "-m", "sellerexpert", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout == f"sellerexpert {__version__}\n"


def test_installed_entry_point_runs_a_consultation() -> None:
    script = Path(sys.executable).parent / ("sellerexpert.exe" if os.name == "nt" else "sellerexpert")
    assert script.exists(), f"the package is not installed next to {sys.executable}"
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [str(script), "consult", "-p", str(SHOP), "-f", "json"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    best = json.loads(done.stdout)["best"]
    assert (best["platform"], best["model"], best["confidence"]) == ("tiktok_shop", "fully-managed", 0.807)
    bad = subprocess.run([str(script), "consult", "-p", "nowhere.yaml"], capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 2
    assert bad.stderr == "Error: nowhere.yaml: no such file\n"


def test_library_modules_do_not_import_click() -> None:
    code = (
        "import sys, sellerexpert, sellerexpert._interview.interview, sellerexpert._interview.dialogue, "
        "sellerexpert._batch.batch,"
        " sellerexpert._results.report;"
        " print('click' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_a_count_option_takes_a_number_as_people_write_it(runner: CliRunner) -> None:
    done = runner.invoke(
        cli, ["consult", "--monthly-orders", "1,200", "--platform", "temu", "-f", "json"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["profile"]["monthly_orders"] == 1200
    bad = runner.invoke(cli, ["consult", "--monthly-orders", "lots", "--platform", "temu"])
    assert bad.exit_code == 2
    assert "expected a whole number 0 or more, got 'lots'" in bad.stderr
