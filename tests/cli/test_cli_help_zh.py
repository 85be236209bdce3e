"""Every help page speaks the language in force: Chinese with --lang zh (anywhere on the line),
SELLEREXPERT_LANG=zh or a Chinese locale; English byte for byte as click writes it otherwise."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from sellerexpert import cli
from zh_text import english_runs

# Words that stay ASCII in a Chinese page: metavars, format names, environment variables, ids.
ALLOWED = ("Authorization: Bearer KEY", "JSON Schema", "JSON Lines")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


PATHS = [(), *_commands(cli)]


def _prose(page: str) -> str:
    """The page without its example command lines and option names (the left column)."""
    kept = []
    for line in page.splitlines():
        stripped = line.strip()
        if stripped.startswith(("sellerexpert", "SELLEREXPERT_API_KEY=", "用法：")):
            continue
        if stripped.startswith("-"):
            # an option row: its names and metavar up to the help column
            stripped = re.sub(r"^-\S*(?:,? -\S*)*(?: \S+)?\s{2,}", "", stripped)
            if stripped.startswith("-"):
                continue
        kept.append(stripped)
    return "\n".join(kept)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "sellerexpert")
def test_every_help_page_is_chinese_without_english_phrases(runner: CliRunner, path: tuple[str, ...]) -> None:
    done = runner.invoke(cli, ["--lang", "zh", *path, "--help"], prog_name="sellerexpert")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("用法：")
    assert "选项" in done.output and "显示本帮助并退出。" in done.output
    assert english_runs(_prose(done.output), ALLOWED) == []
    # Chinese fits the page: no line wider than click's 80 columns (the examples aside, as in English).

    wide = [line for line in done.output.splitlines() if wcswidth(line) > 80 and not line.strip().startswith("sellerexpert")]
    assert wide == []


def test_the_group_lists_its_commands_in_chinese(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["--lang", "zh", "--help"])
    assert "命令" in done.output
    # The column is as wide as the longest command name (catalogue): any run of spaces between.
    assert re.search(r"\n  consult +为一位卖家给出建议", done.output)
    assert re.search(r"\n  rules +列出并查看建议所依据的规则", done.output)


@pytest.mark.parametrize(
    "args",
    [["--lang", "zh", "consult", "--help"], ["consult", "--lang", "zh", "--help"], ["consult", "--help", "--lang", "zh"],
     ["consult", "--help", "--lang=zh"]],
    ids=" ".join,
)
def test_lang_in_any_position_gives_chinese_help(runner: CliRunner, args: list[str]) -> None:
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "为一位卖家给出建议：每个平台推荐一种模式" in done.output
    assert "--operational-capacity [low|medium|high]" in done.output
    assert "自己做仓储、发货和售后的人手与系统。" in done.output
    assert "单独使用表示“是”；也可写 yes 或 no。" in done.output
    assert "Advise one seller" not in done.output


def test_the_last_lang_wins(runner: CliRunner) -> None:
    assert "Advise one seller" in runner.invoke(cli, ["--lang", "zh", "consult", "--lang", "en", "--help"]).output
    assert "为一位卖家" in runner.invoke(cli, ["--lang", "en", "consult", "--help", "--lang", "zh"]).output


@pytest.mark.parametrize("env", [{"SELLEREXPERT_LANG": "zh"}, {"LANG": "zh_CN.UTF-8"}, {"LC_ALL": "zh_CN.UTF-8"}], ids=str)
def test_the_environment_chooses_the_help_language(runner: CliRunner, env: dict[str, str]) -> None:
    done = runner.invoke(cli, ["rules", "--help"], env={"SELLEREXPERT_LANG": None, "LANG": None, "LC_ALL": None,
                                                         "LC_MESSAGES": None, "LANGUAGE": None, **env})
    assert done.exit_code == 0, done.output
    assert "列出并查看建议所依据的规则。" in done.output
    assert "lint      检查规则包本身" in done.output


def test_lang_en_overrides_a_chinese_environment(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["rules", "list", "--help", "--lang", "en"], env={"SELLEREXPERT_LANG": "zh"})
    assert done.exit_code == 0, done.output
    assert "List every rule: id, what it concludes, its sources and its statement." in done.output


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "sellerexpert")
def test_english_help_has_no_chinese_and_is_what_click_writes(runner: CliRunner, path: tuple[str, ...]) -> None:
    command: click.Command = cli  # the English page shows the command's own English help
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    done = runner.invoke(cli, [*path, "--help"], env={"SELLEREXPERT_LANG": "en"})
    assert done.exit_code == 0, done.output
    assert not _CJK.search(done.output)
    assert done.output.startswith("Usage: ")
    assert (command.help or "").split("\n")[0][:40] in done.output.replace("\n  ", " ")
    assert "Options:" in done.output and "Show this message and exit." in done.output


def test_english_help_loads_no_babel() -> None:
    code = (
        "import sys\n"
        "from sellerexpert._cli.cli import cli\n"
        "try:\n"
        "    cli(['consult', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('BABEL', any(m.startswith('babel') for m in sys.modules), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SELLEREXPERT_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = "C.UTF-8"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert "BABEL False" in done.stderr, done.stderr


def test_click_defaults_are_said_in_chinese(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["audit", "--help", "--lang", "zh"])
    assert "（默认：text）" in done.output
    assert "[default:" not in done.output
    english = runner.invoke(cli, ["audit", "--help", "--lang", "en"])
    assert "[default:" in english.output and "（" not in english.output
