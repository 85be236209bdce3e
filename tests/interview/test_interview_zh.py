"""The interview in Chinese: questions, why, help, errors and closing in Chinese; Chinese answers read as values."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, Interview, ProfileError, SellerProfile, cli, conduct_interview, use_language
from zh_text import english_runs

# Three or more English words in a row: an untranslated sentence (ids such as fee_sensitivity,
# codes and platform names are not matched: underscores join an id into one word).


def test_a_whole_interview_in_chinese_ends_with_advice(runner: CliRunner, advisor: Advisor) -> None:
    # DE closes Temu's semi-managed model without EU stock, as in the English scenario test.
    script = "\n".join(
        [
            "为什么",  # why, for the market question
            "德国",  # a market by its Chinese name
            "是",  # a bad answer to a level question: a Chinese error, then the question again
            "低",  # a Chinese level word
            "不知道",  # monthly_orders unknown
            "没有",  # local_warehouse: no
            "否",  # bulky_goods: no
            "CN",  # company_base
        ]
    ) + "\n"
    result = runner.invoke(
        cli,
        ["consult", "--interactive", "--lang", "zh", "--platform", "temu", "-f", "json"],
        input=script,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    expected = SellerProfile(
        platforms=("temu",), target_markets=("DE",), operational_capacity="low", local_warehouse=False,
        bulky_goods=False, company_base="CN",
    )
    assert json.loads(result.stdout)["profile"] == expected.to_dict()
    assert json.loads(result.stdout)["recommendations"][0]["model"] == advisor.consult(expected).recommendations[0].model
    err = result.stderr
    assert "问题 1：你的买家在哪些市场（国家或地区）？" in err
    assert "为什么问“买家所在的市场”：" in err
    assert "你的回答会影响这些判断：" in err
    assert "抱歉，“是”不是可选的回答。可以回答的是：低、中或高" in err
    # No field id, rule id or profile value word of a file in what a Chinese seller reads
    for english in ("target_markets", "operational_capacity", "low, medium, high", "_favours_", "platform."):
        assert english not in err, english
    assert "已跳过：" in err
    assert "请回答：低、中或高；也可以回答“为什么”“不知道”或“退出”。" in err
    assert "每个平台的建议都已确定" in err or "问题已经全部问完。" in err
    # The bad answer did not move the interview on: the next question is still question 2's successor.
    assert err.count("问题 2：") == 1 and "问题 3：你每月大约发多少单？" in err


def test_chinese_interview_prompts_hold_no_english_sentence(runner: CliRunner, advisor: Advisor) -> None:
    script = "帮助\n为什么\n美国\n高\n1,200\n是\n是\n完整\n高\n不清楚\n不确定\n跳过\n退出\n"
    result = runner.invoke(cli, ["consult", "--interactive", "--lang", "zh", "-f", "json"], input=script, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "请用列出的选项之一回答每个问题。" in err  # help
    assert "我问这个的原因：" in err  # why, for the platform question
    # Rule statements quoted by "why" and each rule's conclusion come from the rule book (translated
    # there); everything else is ours.
    ours = "\n".join(line for line in err.splitlines() if not line.strip().startswith("“"))
    with use_language("zh"):
        for conclusion in {rule.then.describe() for rule in advisor.rules.rules}:
            ours = ours.replace(conclusion, " ")
    leaks = [run for run in english_runs(ours) if "resume with" not in run]
    assert not leaks, leaks


def test_english_answers_still_work_in_the_chinese_interview(runner: CliRunner) -> None:
    script = "temu\nDE\nlow\nunknown\nno\nno\nnone\n"
    result = runner.invoke(
        cli, ["consult", "--interactive", "--lang", "zh", "-f", "json"], input=script, catch_exceptions=False
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["profile"]["operational_capacity"] == "low"
    assert "已跳过：" in result.stderr


def test_the_english_interview_is_unchanged_by_chinese_answers(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "--interactive", "--platform", "temu", "-f", "json"], input="美国\nquit\n")
    assert result.exit_code == 0
    assert "Question 1: Which markets do your buyers live in?" in result.stderr
    assert json.loads(result.stdout)["profile"]["target_markets"] == ["US"]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("不知道", "unknown"), ("不清楚", "unknown"), ("不确定", "unknown"), ("跳过", "unknown"), ("不知道。", "unknown"),
        ("？", "unknown"), ("为什么", "why"), ("为啥", "why"), ("帮助", "help"), ("退出", "quit"), ("结束", "quit"),
        (" 不知道 ", "unknown"), ("是", None), ("低", None), ("美国", None),
    ],
)
def test_classify_chinese_words(advisor: Advisor, reply: str, kind: str | None) -> None:
    assert _reply_kind(advisor, reply) == kind


ENGLISH_WORDS = {
    "why": ("why", "w", "why?"),
    "unknown": ("unknown", "u", "skip", "?", "dont know", "don't know", "not sure"),
    "quit": ("quit", "q", "stop", "done", "exit"),
    "help": ("help", "h"),
}
"""The interview's English answer words, as its help lists them."""


def test_english_answer_words_keep_their_meaning(advisor: Advisor) -> None:
    for kind, words in ENGLISH_WORDS.items():
        for word in words:
            assert _reply_kind(advisor, word) == kind, word


FIRST_WORDS = {
    "why": "Why I ask:",
    "unknown": "Skipped: ",
    "quit": "Stopping the questions here;",
    "help": "Answer each question with one of the values shown. You may also answer:",
}
"""What the (English) dialogue says first to each kind of reply that is not an answer."""


def _reply_kind(advisor: Advisor, reply: str) -> str | None:
    """How the dialogue takes ``reply`` to its first question: as one of the answer words, or ``None`` for an answer."""
    said: list[str] = []
    replies = iter([reply, "quit"])
    conduct_interview(Interview(advisor), lambda _prompt: next(replies), said.append)
    first = said[next(i for i, line in enumerate(said) if line.startswith("Question 1:")) + 1]
    return next((kind for kind, words in FIRST_WORDS.items() if first.startswith(words)), None)


@pytest.mark.parametrize(
    ("field", "reply", "value"),
    [
        ("local_warehouse", "是", True), ("local_warehouse", "有", True), ("local_warehouse", "没有", False),
        ("local_warehouse", "对", True), ("local_warehouse", "不对", False), ("fast_payouts_needed", "要", True),
        ("fast_payouts_needed", "不要", False), ("sea_freight", "否。", False), ("sea_freight", "yes", True),
        ("operational_capacity", "低", "low"), ("operational_capacity", "中等", "medium"), ("working_capital", "高", "high"),
        ("customer_service", "无", "none"), ("customer_service", "基础", "basic"), ("customer_service", "完整", "full"),
        ("monthly_orders", "1,200", 1200), ("monthly_orders", "1200", 1200), ("monthly_orders", "1，200", 1200),
        ("monthly_orders", "约1.2万单", 12000), ("monthly_orders", "3万", 30000), ("monthly_orders", "５００", 500),
        ("target_markets", "美国、德国和英国", ("US", "DE", "UK")), ("target_markets", "欧盟", ("EU",)),
        ("target_markets", "美国，US", ("US",)), ("vat_markets", "没有", ()), ("vat_markets", "德国；法国", ("DE", "FR")),
        ("company_base", "中国大陆", "CN"), ("company_base", "香港", "HK"), ("company_base", "德国", "EU"),
        ("company_base", "其他", "OTHER"), ("platforms", "temu，速卖通", ("temu", "aliexpress")),
        ("platforms", "全部", ("temu", "aliexpress", "tiktok_shop")),
    ],
)
def test_chinese_answers_are_read_as_values(advisor: Advisor, field: str, reply: str, value: object) -> None:
    interview = Interview(advisor)
    interview.answer(field, reply)
    assert getattr(interview.profile, field) == value


@pytest.mark.parametrize(
    ("field", "reply"),
    [("target_markets", "没有"), ("target_markets", "否"), ("monthly_orders", "1.2345千"), ("monthly_orders", "很多"),
     ("operational_capacity", "超高")],
)
def test_a_bad_chinese_answer_is_a_profile_error_in_chinese(advisor: Advisor, field: str, reply: str) -> None:
    interview = Interview(advisor)
    with use_language("zh"), pytest.raises(ProfileError) as info:
        interview.answer(field, reply)
    assert info.value.field == field
    assert re.search(r"[\u4e00-\u9fff]", info.value.problem), info.value.problem
    assert field not in interview.profile.known()


def test_why_unknown_and_closing_speak_chinese(advisor: Advisor) -> None:
    interview = Interview(advisor, {"platforms": ["temu"]})
    told: list[str] = []
    replies = iter(["为什么", "德国", "不知道", "帮助", "退出"])
    with use_language("zh"):
        finished = conduct_interview(interview, lambda _prompt: next(replies), told.append)
    text = "\n".join(told)
    assert finished is False
    assert "如果你回答“不知道”：" in text
    assert "已跳过：" in text
    assert "英文的 why、unknown、quit、help 同样有效。" in text
    assert "问答到此为止；建议将基于你目前告诉我的信息。" in text


def test_question_texts_follow_the_language(advisor: Advisor) -> None:
    interview = Interview(advisor)
    question = interview.next_question()
    assert question is not None and question.text == "Which platforms should I advise on?"
    with use_language("zh"):
        question = interview.next_question()
        assert question is not None
        assert question.text == "需要我就哪些平台给出建议？"
        assert "platforms" not in question.render() and "Temu、速卖通、TikTok Shop" in question.render()


def test_the_leak_check_finds_english_sentences_and_spares_ids() -> None:
    assert english_runs("推理过程：Why not semi-managed here") == ["Why not semi-managed here"]
    assert english_runs("条件：operational_capacity 为 低，TikTok Shop，fee_sensitive_favours_semi（¶6, ops_experience）") == []


def test_the_chinese_interview_shows_no_field_name_rule_id_or_english_sentence(runner: CliRunner) -> None:
    # why and unknown at every question, then bad answers: every text the interview can say to a seller
    script = "为什么\n全部\n" + "为什么\n不知道\n" * 14 + "退出\n"
    result = runner.invoke(cli, ["consult", "--interactive", "--lang", "zh"], input=script, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "为什么问“" in err and "已跳过：" in err
    ids = re.findall(r"[a-z]+(?:_[a-z]+)+|platform\.[a-z_]+", err)
    assert not ids, ids
    assert not english_runs(err), english_runs(err)
