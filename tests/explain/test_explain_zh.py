"""explain in Chinese: headings, the HOW tree and why-not for a real trace of every shipped example."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import EXAMPLES, sampled

from sellerexpert import Advisor, cli, explain, use_language
from zh_text import english_runs

SHIPPED = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".toml"))


class _Traces(dict[str, Path]):
    """One trace per shipped example, made by consult --trace on first use (always recorded in English).

    Made when a test first asks for it: the default run explains a sample of the examples (the rest
    run under ``-m slow``), and each trace costs a consultation on the engine of record."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def __missing__(self, stem: str) -> Path:
        path = self.folder / f"{stem}.json"
        example = next(p for p in SHIPPED if p.stem == stem)
        result = CliRunner().invoke(
            cli, ["consult", "-p", str(example), "--trace", str(path), "-f", "json"], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        self[stem] = path
        return path


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped examples' traces, each made on first use."""
    return _Traces(tmp_path_factory.mktemp("traces"))


def _recorded_texts(trace: Path) -> list[str]:
    """The rule texts the trace recorded (English): the rule book gives them in Chinese once translated."""
    data = json.loads(trace.read_text(encoding="utf-8"))
    texts = []
    for rec in data["result"]["recommendations"]:
        texts += [r["text"] for r in rec["reasons"]] + [c["text"] for c in rec["caveats"]]
        texts += [a["text"] for a in rec.get("assumptions", [])]
    for fact in data["facts"]:
        if fact.get("kind") == "platform" and isinstance(fact.get("value"), str) and " " in fact["value"]:
            texts.append(fact["value"])
    return sorted(set(texts), key=len, reverse=True)


@functools.cache
def _template_pieces() -> list[str]:
    """The English of every rule text between its placeholders (a text may quote a fact already translated)."""
    rules = Advisor().rules.rules
    templates = [r.statement for r in rules] + [r.then.text or "" for r in rules]
    pieces = {piece.strip() for t in templates for piece in re.split(r"\{[^{}]*\}", t) if len(piece.strip()) > 3}
    return sorted(pieces, key=len, reverse=True)


def _ours(output: str, trace: Path) -> str:
    """The explanation with the rule book's texts taken out: what is left is this program's own words."""
    for text in sorted({*_recorded_texts(trace), *_template_pieces()}, key=len, reverse=True):
        output = output.replace(text, " ")
    return output


# A sample by default (no answers, one market, own numbers); every example under -m slow.
@pytest.mark.parametrize("example", sampled([p.stem for p in SHIPPED], {"no-data", "one-person-shop", "margin-starter"}))
def test_explain_text_in_chinese(runner: CliRunner, traces: dict[str, Path], example: str) -> None:
    result = runner.invoke(cli, ["explain", str(traces[example]), "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("推理过程：\n")
    assert "置信度" in out and "决策：" in out and "为什么不是" in out
    for english in ("How:", "Also note:", "Why not", "confidence", "decide:", "you said", "when ", "would be recommended"):
        assert english not in out, english
    leaks = english_runs(_ours(out, traces[example]))
    assert not leaks, leaks


@pytest.mark.parametrize(
    "example", sampled([p.stem for p in SHIPPED], {"tiktok-creator-brand", "us-brand-with-warehouse", "sea-freight-factory"})
)
def test_explain_markdown_in_chinese(runner: CliRunner, traces: dict[str, Path], example: str) -> None:
    result = runner.invoke(cli, ["explain", str(traces[example]), "--lang", "zh", "-f", "markdown"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings and all(re.fullmatch(r"## .+：(全托管|半托管)（置信度 \d+%）", h) for h in headings), headings
    assert "**为什么不是" in out
    assert "**Why not" not in out and "**Also note**" not in out
    assert not english_runs(_ours(out, traces[example]))


def test_explain_json_keeps_english_keys_and_model_values(runner: CliRunner, traces: dict[str, Path]) -> None:
    english = runner.invoke(cli, ["explain", str(traces["one-person-shop"]), "-f", "json"], catch_exceptions=False)
    chinese = runner.invoke(
        cli, ["explain", str(traces["one-person-shop"]), "-f", "json", "--lang", "zh"], catch_exceptions=False
    )
    en, zh = json.loads(english.stdout), json.loads(chinese.stdout)

    def keys(node: object) -> list[str]:
        if isinstance(node, dict):
            return sorted(node) + [k for v in node.values() for k in keys(v)]
        if isinstance(node, list):
            return [k for v in node for k in keys(v)]
        return []

    assert keys(en) == keys(zh)
    assert [p["model"] for p in en["platforms"]] == [p["model"] for p in zh["platforms"]]
    assert zh["platforms"][0]["how"]["label"].startswith(zh["platforms"][0]["platform_name"] + "：")
    assert "为什么不是" not in json.dumps(zh)  # the statement is a sentence, the heading is the renderer's
    assert re.search(r"[\u4e00-\u9fff]", zh["platforms"][0]["why_not"]["statement"])


def test_the_dot_graph_stays_english(traces: dict[str, Path], advisor: Advisor) -> None:
    english = explain(traces["one-person-shop"], advisor, why_not=False).to_dot()
    with use_language("zh"):
        chinese = explain(traces["one-person-shop"], advisor, why_not=False).to_dot()
    assert chinese == english


def test_english_explanation_is_unchanged_by_the_language_machinery(traces: dict[str, Path], advisor: Advisor) -> None:
    text = explain(traces["one-person-shop"], advisor).to_text()
    assert text.startswith("How:\n  Temu: fully-managed (confidence ")
    assert "└─ decide: fully-managed " in text and "(you said)" in text
    with use_language("en"):
        assert explain(traces["one-person-shop"], advisor).to_text() == text


def test_a_changed_rule_keeps_its_recorded_english(traces: dict[str, Path], rules_dir: Path) -> None:
    # A rule whose statement changed since the trace no longer says what was recorded: the recorded
    # text stands rather than a translation of something else.
    path = rules_dir / "capacity.toml"
    text = path.read_text(encoding="utf-8")
    assert "You have little staff or systems" in text
    path.write_text(text.replace("You have little staff or systems", "You have few staff or systems"), encoding="utf-8")
    with use_language("zh"):
        explanation = explain(traces["one-person-shop"], Advisor(rules_dir=rules_dir), why_not=False)
    labels = [child.label for child in explanation.platforms[0].how.children[0].children]
    assert any("You have little staff or systems" in label for label in labels)


@pytest.mark.parametrize("example", sampled([p.stem for p in SHIPPED], {"one-person-shop", "sea-freight-factory"}))
def test_translations_in_the_rule_book_reach_the_explanation(traces: dict[str, Path], advisor: Advisor, example: str) -> None:
    """Once the rule book carries Chinese, the whole explanation is Chinese (until then this is skipped)."""
    translated = [rule for rule in advisor.rules.rules if rule.translations.get("zh")]
    if len(translated) < len(advisor.rules.rules):
        pytest.skip(f"the rule book has Chinese for {len(translated)} of {len(advisor.rules.rules)} rules")
    with use_language("zh"):
        text = explain(traces[example], advisor).to_text()
    leaks = [run for run in english_runs(text) if not run.startswith("USD")]
    assert not leaks, (example, leaks)


def test_explain_takes_the_language_as_an_argument(traces: dict[str, Path], advisor: Advisor) -> None:
    explanation = explain(traces["one-person-shop"], advisor, lang="zh")
    with use_language(None) as in_force:  # None: the language in force, unchanged
        assert in_force == "en"
    assert explanation.to_text().startswith("推理过程：\n")
    assert explanation.to_markdown().startswith("## Temu：全托管（置信度 ")
    statement = explanation.to_dict()["platforms"][0]["why_not"]["statement"]
    assert statement.startswith("如果") and "就会推荐半托管" in statement
    with use_language("zh"):  # an English explanation stays English wherever it is rendered
        assert explain(traces["one-person-shop"], advisor, lang="en", why_not=False).to_text().startswith("How:\n")
