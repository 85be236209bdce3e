"""The command line in Chinese: choosing the language (--lang, SELLEREXPERT_LANG, the locale), errors,
audit, batch, rules review and coverage said in Chinese, while JSON and batch output stay as they are."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from sellerexpert import cli, use_language

SHOP = EXAMPLES / "one-person-shop.yaml"
#: Environment variables that choose the language; cleared so the developer's locale cannot decide a test.
LANG_VARIABLES = ("SELLEREXPERT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: Three or more English words in a row: an untranslated sentence (ids such as one_person_shop are one word).
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")


@pytest.fixture
def zh_runner(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The runner with no language chosen by the environment."""
    for name in LANG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return runner


@pytest.fixture(scope="module")
def stored_trace(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example's trace, made once (unsigned: the runner fixture clears the key, so must this)."""
    from sellerexpert import Advisor, SellerProfile

    with use_language("en"):
        return Advisor().consult(SellerProfile.from_file(SHOP)).trace.to_json() + "\n"


@pytest.fixture
def trace_file(stored_trace: str, tmp_path: Path) -> Path:
    """A private copy of the example's trace, alone in its folder."""
    path = tmp_path / "traces" / "shop.json"
    path.parent.mkdir()
    path.write_text(stored_trace, encoding="utf-8")
    return path


def _edited_trace(trace_file: Path) -> Path:
    """A copy of the trace whose first recommendation says the other model: it cannot reproduce."""
    data = json.loads(trace_file.read_text(encoding="utf-8"))
    rec = data["result"]["recommendations"][0]
    rec["model"] = "semi-managed" if rec["model"] == "fully-managed" else "fully-managed"
    bad = trace_file.with_name("edited.json")
    bad.write_text(json.dumps(data), encoding="utf-8")
    return bad


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# -- choosing the language ---------------------------------------------------------------------


def test_lang_works_on_the_group_and_on_the_command(zh_runner: CliRunner, trace_file: Path) -> None:
    on_group = zh_runner.invoke(cli, ["--lang", "zh", "audit", str(trace_file)])
    on_command = zh_runner.invoke(cli, ["audit", str(trace_file), "--lang", "zh"])
    assert on_group.exit_code == on_command.exit_code == 0
    assert on_group.stdout == on_command.stdout
    assert on_group.stdout.startswith(f"通过 {trace_file}：可复现（")
    # The command's --lang overrides the group's.
    overridden = zh_runner.invoke(cli, ["--lang", "zh", "audit", str(trace_file), "--lang", "en"])
    assert overridden.stdout.startswith(f"OK   {trace_file}: reproduces (")


@pytest.mark.parametrize(
    ("environ", "chinese"),
    [
        ({}, False),
        ({"SELLEREXPERT_LANG": "zh"}, True),
        ({"LANG": "zh_CN.UTF-8"}, True),
        ({"LANG": "en_US.UTF-8"}, False),
        ({"LANG": "zh_CN.UTF-8", "SELLEREXPERT_LANG": "en"}, False),
    ],
)
def test_the_environment_chooses_the_language_when_lang_is_absent(
    zh_runner: CliRunner, trace_file: Path, environ: dict[str, str], chinese: bool
) -> None:
    result = zh_runner.invoke(cli, ["audit", str(trace_file)], env=environ)
    assert result.exit_code == 0
    assert _has_chinese(result.stdout) is chinese


@pytest.mark.parametrize("flag", [["--lang", "en"], ["--lang", "zh"]])
def test_lang_overrides_the_environment(zh_runner: CliRunner, trace_file: Path, flag: list[str]) -> None:
    environ = {"SELLEREXPERT_LANG": "en" if flag[1] == "zh" else "zh", "LANG": "zh_CN.UTF-8"}
    result = zh_runner.invoke(cli, ["audit", str(trace_file), *flag], env=environ)
    assert result.exit_code == 0
    assert _has_chinese(result.stdout) is (flag[1] == "zh")


def test_a_bad_sellerexpert_lang_exits_2_naming_the_variable_and_the_languages(zh_runner: CliRunner, trace_file: Path) -> None:
    result = zh_runner.invoke(cli, ["audit", str(trace_file)], env={"SELLEREXPERT_LANG": "chinese"})
    assert result.exit_code == 2
    assert "SELLEREXPERT_LANG" in result.stderr and "'chinese'" in result.stderr and "en, zh" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--lang", "zh", "audit"], ["audit", "--lang", "zh"]])
def test_lang_makes_a_bad_sellerexpert_lang_irrelevant(zh_runner: CliRunner, trace_file: Path, args: list[str]) -> None:
    result = zh_runner.invoke(cli, [*args, str(trace_file)], env={"SELLEREXPERT_LANG": "chinese"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("通过 ")


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[prefix + name] = command
    return found


def test_every_command_that_prints_words_takes_lang() -> None:
    lacking = {name for name, command in _commands(cli).items() if not any(p.name == "lang" for p in command.params)}
    # schema prints a JSON Schema only: no words for people.
    assert lacking == {"schema"}


def test_the_installed_entry_point_speaks_chinese_under_a_chinese_locale(tmp_path: Path) -> None:
    program = shutil.which("sellerexpert", path=str(Path(sys.executable).parent)) or shutil.which("sellerexpert")
    assert program is not None, "the sellerexpert entry point is not installed"
    env = {k: v for k, v in os.environ.items() if k not in LANG_VARIABLES}
    env["LANG"] = "zh_CN.UTF-8"
    missing = tmp_path / "missing.yaml"
    done = subprocess.run(
        [program, "consult", "--profile", str(missing)], env=env, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr.decode("utf-8") == f"错误：{missing}: 文件不存在\n"


# -- errors ------------------------------------------------------------------------------------


def test_a_missing_profile_file_is_named_in_chinese_with_the_same_exit_code(zh_runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    english = zh_runner.invoke(cli, ["consult", "-p", str(missing)])
    chinese = zh_runner.invoke(cli, ["consult", "-p", str(missing), "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 2
    assert english.stderr == f"Error: {missing}: no such file\n"
    assert chinese.stderr == f"错误：{missing}: 文件不存在\n"


def test_an_oversized_profile_is_refused_in_chinese(zh_runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * (1024 * 1024 + 1))
    result = zh_runner.invoke(cli, ["consult", "-p", str(big), "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr == f"错误：{big}: 超过了卖家资料的大小上限 1 MB\n"


def test_a_bad_option_value_from_our_own_check_is_said_in_chinese(zh_runner: CliRunner) -> None:
    result = zh_runner.invoke(cli, ["consult", "--platform", "temux", "--lang", "zh"])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("错误：'--platform' 的取值无效：")
    assert "是不是要写“temu”？" in last and "（可选：" in last
    assert re.search(r"运行“\S+ consult -h”查看帮助。", result.stderr)


def test_contradicting_options_are_said_in_chinese(zh_runner: CliRunner) -> None:
    result = zh_runner.invoke(cli, ["consult", "--local-warehouse", "--no-local-warehouse", "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("错误：--local-warehouse 与 --no-local-warehouse 互相矛盾：只能给一个。")


def test_a_file_that_is_not_a_trace_is_named_in_chinese(zh_runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}', encoding="utf-8")
    result = zh_runner.invoke(cli, ["audit", str(other), "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr == f'错误：{other}: 不是 sellerexpert 推理记录（没有 "format": "sellerexpert-trace"）\n'


def test_an_oversized_trace_is_refused_in_chinese(zh_runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (16 * 1024 * 1024 + 1))
    result = zh_runner.invoke(cli, ["audit", str(big), "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr == f"错误：{big}: 超过了推理记录的大小上限 16 MB\n"


def test_a_usage_mistake_of_ours_is_said_in_chinese(zh_runner: CliRunner) -> None:
    result = zh_runner.invoke(cli, ["batch", "-", "--resume", "--lang", "zh"], input="")
    assert result.exit_code == 2
    assert "错误：--resume 需要 --output FILE：输出到标准输出时无法续跑。" in result.stderr


# -- audit -------------------------------------------------------------------------------------


def test_audit_in_chinese_says_a_trace_reproduces(zh_runner: CliRunner, trace_file: Path) -> None:
    result = zh_runner.invoke(cli, ["audit", str(trace_file), "--lang", "zh"])
    assert result.exit_code == 0
    first, summary = result.stdout.splitlines()
    assert re.fullmatch(re.escape(f"通过 {trace_file}：可复现（") + r"\d+ 次规则触发，签名：未签名）", first)
    assert summary == "共 1 份推理记录：1 份可复现，0 份未通过"


def test_audit_in_chinese_says_why_a_trace_does_not_reproduce(zh_runner: CliRunner, trace_file: Path) -> None:
    bad = _edited_trace(trace_file)
    result = zh_runner.invoke(cli, ["audit", str(bad), "--lang", "zh"])
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith(f"失败 {bad}：推理记录前后不一致")
    assert "  [一致性] " in out and "  [重放] " in out and "重放结果不同" in out
    assert re.search(r"原建议(全托管|半托管)，现在(全托管|半托管)", out)
    assert out.rstrip().endswith("共 1 份推理记录：0 份可复现，1 份未通过")
    assert result.stderr == "错误：1 份推理记录中有 1 份未通过审计\n"
    # Verdicts and findings carry no English sentence (values such as "semi-managed" in a diff are data).
    for line in out.splitlines():
        if line.startswith(("失败", "  [")):
            assert not ENGLISH_RUN.search(line.split(str(bad))[-1]), line


def test_audit_of_a_folder_in_chinese_lists_skipped_files(zh_runner: CliRunner, trace_file: Path) -> None:
    (trace_file.parent / "notes.json").write_text('{"x": 1}', encoding="utf-8")
    result = zh_runner.invoke(cli, ["--lang", "zh", "audit", str(trace_file.parent)])
    assert result.exit_code == 0
    assert f"跳过 {trace_file.parent / 'notes.json'}：不是 sellerexpert 推理记录" in result.stdout
    assert result.stdout.rstrip().endswith("；跳过其他文件 1 个（不是推理记录）")


def test_audit_json_is_the_same_in_every_language(zh_runner: CliRunner, trace_file: Path) -> None:
    bad = _edited_trace(trace_file)
    (trace_file.parent / "notes.json").write_text('{"x": 1}', encoding="utf-8")
    english = zh_runner.invoke(cli, ["audit", str(trace_file.parent), "-f", "json"])
    chinese = zh_runner.invoke(cli, ["audit", str(trace_file.parent), "-f", "json", "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 1
    assert english.stdout == chinese.stdout
    assert not _has_chinese(chinese.stdout)
    assert str(bad) in chinese.stdout


def test_english_audit_text_is_unchanged_by_lang_en(zh_runner: CliRunner, trace_file: Path) -> None:
    bad = _edited_trace(trace_file)
    plain = zh_runner.invoke(cli, ["audit", str(trace_file), str(bad)])
    english = zh_runner.invoke(cli, ["audit", str(trace_file), str(bad), "--lang", "en"])
    assert plain.stdout == english.stdout and plain.stderr == english.stderr
    assert "FAIL " in plain.stdout and "replay differs" in plain.stdout and not _has_chinese(plain.output)


# -- batch -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_batch_summary_in_chinese_leaves_the_output_byte_for_byte(zh_runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text("operational_capacity,platforms\nlow,temu\nhuge,temu\nhigh,aliexpress\n", encoding="utf-8")
    english_out, chinese_out = tmp_path / f"en.{suffix}", tmp_path / f"zh.{suffix}"
    english = zh_runner.invoke(cli, ["batch", str(source), "-o", str(english_out)])
    chinese = zh_runner.invoke(cli, ["batch", str(source), "-o", str(chinese_out), "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 1
    assert english_out.read_bytes() == chinese_out.read_bytes()
    assert not _has_chinese(chinese_out.read_text(encoding="utf-8"))
    lines = chinese.stderr.splitlines()
    assert lines[0].startswith("第 2 条：") and "“huge”不是" in lines[0]
    assert "共 3 条：2 条已给出建议，1 条失败" in lines
    assert "失败的条目：2" in lines
    assert any(line.startswith("  Temu：") and "全托管" in line for line in lines)
    assert lines[-1] == "错误：3 条中有 1 条失败"
    assert english.stderr.splitlines()[-1] == "Error: 1 of 3 rows failed"


def test_batch_in_parallel_in_chinese_gives_the_same_output(zh_runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = (json.dumps({"operational_capacity": c, "platforms": ["temu"]}) for c in ("low", "huge", "high"))
    source.write_text("\n".join(rows) + "\n")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = zh_runner.invoke(cli, ["batch", str(source), "-o", str(one)])
    second = zh_runner.invoke(cli, ["batch", str(source), "-o", str(two), "--jobs", "2", "--lang", "zh"])
    assert first.exit_code == second.exit_code == 1
    assert one.read_bytes() == two.read_bytes()
    assert second.stderr.startswith("第 2 条：")


# -- rules review and coverage -----------------------------------------------------------------


def test_rules_review_in_chinese(zh_runner: CliRunner) -> None:
    english = zh_runner.invoke(cli, ["rules", "review", "--as-of", "2026-01-01", "--within", "900"])
    chinese = zh_runner.invoke(cli, ["rules", "review", "--as-of", "2026-01-01", "--within", "900", "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 0
    assert len(english.stdout.splitlines()) == len(chinese.stdout.splitlines()) > 0
    first = chinese.stdout.splitlines()[0]
    assert "：截至 " in first and "置信度" in first and "来源：" in first
    assert ("复核期限 " in first and "年" in first) or "无复核期限" in first
    assert "as of" in english.stdout and not _has_chinese(english.stdout)
    none_due = zh_runner.invoke(cli, ["rules", "review", "--as-of", "2000-01-01", "--lang", "zh"])
    assert none_due.stdout == "没有到复核期限的平台事实。\n"


def test_rules_coverage_in_chinese(zh_runner: CliRunner) -> None:
    result = zh_runner.invoke(cli, ["rules", "coverage", "--lang", "zh"])
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("卖家资料空间：共 ")
    for heading in ("规则触发（按平台，占全部卖家资料的比例）：", "各平台的建议分布："):
        assert heading in text.splitlines()
    assert "全托管" in text and "半托管" in text and "（依据：" in text
    for line in text.splitlines():
        assert not ENGLISH_RUN.search(line), line


# -- the library: English data, said in Chinese at display -------------------------------------


def test_a_value_not_among_the_choices_is_said_in_chinese(zh_runner: CliRunner) -> None:
    english = zh_runner.invoke(cli, ["consult", "--operational-capacity", "lo"])
    chinese = zh_runner.invoke(cli, ["consult", "--operational-capacity", "lo", "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 2
    assert (
        english.stderr.splitlines()[-1]
        == "Error: Invalid value for '--operational-capacity': 'lo' is not one of 'low', 'medium', 'high'."
    )
    assert (
        chinese.stderr.splitlines()[-1]
        == "错误：'--operational-capacity' 的取值无效：'lo' 不是可选值（可选：'low', 'medium', 'high'）。"
    )


@pytest.mark.parametrize(
    ("command", "content", "english", "chinese"),
    [
        ("audit", None, "no such file or folder", "文件或文件夹不存在"),
        (
            "audit",
            b"\x00\x01binary",
            "is a binary file, not JSON, YAML or TOML text",
            "是二进制文件，不是 JSON、YAML 或 TOML 文本",
        ),
        ("explain", b"{", "not a trace: malformed JSON at line 1:", "不是推理记录：第 1 行 JSON 格式错误："),
        ("consult", "\ufeffa: 1".encode("utf-16"), "is UTF-16 text: save it as UTF-8", "是 UTF-16 编码的文本：请另存为 UTF-8"),
        ("consult", b"\xff\xfeok", "is UTF-16 text: save it as UTF-8", "是 UTF-16 编码的文本：请另存为 UTF-8"),
    ],
)
def test_file_errors_name_the_file_in_either_language(
    zh_runner: CliRunner, tmp_path: Path, command: str, content: bytes | None, english: str, chinese: str
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    args = [command, "-p", str(path)] if command == "consult" else [command, str(path)]
    in_english = zh_runner.invoke(cli, args)
    in_chinese = zh_runner.invoke(cli, [*args, "--lang", "zh"])
    assert in_english.exit_code == in_chinese.exit_code == 2
    assert in_english.stderr.startswith(f"Error: {path}: {english}")
    assert in_chinese.stderr.startswith(f"错误：{path}: {chinese}")
