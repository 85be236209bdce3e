"""The interview: ask a seller only the questions whose answer can still change the advice.

Like the classic consultation systems, the interview asks one question at a
time and can say *why* it asks. Before each question it works out, from the
rules' declarative conditions (:mod:`sellerexpert._conditions`), which models
each platform could still end up with over every possible answer to the
questions not yet asked, including "unknown" (which lets the assumption rules
fill a field in). A platform whose possible models have narrowed to one is
*settled*; once every platform is, the interview stops. A question is asked
only when some answer to it can change the model of an unsettled platform.

The reasoning has two levels, both sound (they never skip a question that
matters):

* a bound on what each rule may still conclude, from three-valued evaluation
  of its condition (a rule may fire, must fire or cannot fire), which settles
  most platforms cheaply;
* an exact search over the values that matter to the undecided rules (each
  threshold and each market group the rules mention), used when it is small
  enough; above that the interview keeps asking every field an undecided rule
  reads.

:func:`conduct` runs the question-and-answer loop over two callables, so a
terminal, a test script or a chat front end can drive it.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._advisor import Advisor
from ._conditions import Leaf, describe, evaluate3, facts_used, leaves
from ._errors import ProfileError
from ._evaluator import Evaluator
from ._i18n import N_, _, current, model_words, ngettext
from ._policy import decide
from ._profile import FIELDS, FIELDS_BY_NAME, MODELS, PLATFORMS, FieldSpec, SellerProfile, normalise_value, shown
from ._result import ConsultationResult
from ._rulebook import Rule, RuleBook, render

ASKED: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.name != "name")
"""The fields an interview may ask about, in the order it asks them (``name`` never changes advice)."""

ANSWER_WORDS: dict[str, tuple[str, ...]] = {
    "why": ("why", "w"),
    "unknown": ("unknown", "u", "skip", "?", "dont know", "don't know", "not sure"),
    "quit": ("quit", "q", "stop", "done", "exit"),
    "help": ("help", "h"),
}
"""The words an answer may be instead of a value (any case)."""

ANSWER_WORDS_ZH: dict[str, tuple[str, ...]] = {
    "why": ("为什么", "为啥", "为何", "为什么问"),
    "unknown": ("不知道", "不清楚", "不确定", "跳过", "不晓得", "说不准", "？"),
    "quit": ("退出", "结束", "停止", "停", "不问了"),
    "help": ("帮助", "说明"),
}
"""The same in Chinese; both lists are understood in every language (a seller may mix them)."""

# Chinese answers, read as the English value they stand for (data, not logic: extend freely).
# English answers are read by the profile's own rules, unchanged.
_ZH_VALUES: dict[str, dict[str, str]] = {
    "bool": {
        "是": "yes", "是的": "yes", "对": "yes", "对的": "yes", "有": "yes", "要": "yes", "需要": "yes",
        "会": "yes", "能": "yes", "可以": "yes", "否": "no", "不是": "no", "不对": "no", "没有": "no",
        "无": "no", "不要": "no", "不需要": "no", "不会": "no", "不能": "no", "不可以": "no", "没": "no",
    },
    "level": {
        "低": "low", "较低": "low", "很低": "low", "少": "low", "很少": "low",
        "中": "medium", "中等": "medium", "一般": "medium", "适中": "medium",
        "高": "high", "较高": "high", "很高": "high", "多": "high", "很多": "high",
    },
    "service": {
        "无": "none", "没有": "none", "没": "none", "基础": "basic", "基本": "basic", "简单": "basic",
        "完整": "full", "全面": "full", "完善": "full",
    },
    "platforms": {
        "速卖通": "aliexpress", "全球速卖通": "aliexpress", "全部": "all", "都要": "all", "所有": "all",
        "全部平台": "all", "三个都要": "all",
    },
    "none": {"没有": "none", "无": "none", "都没有": "none", "没": "none"},
}
MARKET_NAMES_ZH: dict[str, str] = {
    "美国": "US", "英国": "UK", "欧盟": "EU", "欧洲": "EU", "德国": "DE", "法国": "FR", "意大利": "IT",
    "西班牙": "ES", "荷兰": "NL", "波兰": "PL", "比利时": "BE", "奥地利": "AT", "爱尔兰": "IE",
    "葡萄牙": "PT", "瑞典": "SE", "丹麦": "DK", "芬兰": "FI", "希腊": "GR", "捷克": "CZ", "匈牙利": "HU",
    "罗马尼亚": "RO", "保加利亚": "BG", "克罗地亚": "HR", "斯洛伐克": "SK", "斯洛文尼亚": "SI",
    "卢森堡": "LU", "立陶宛": "LT", "拉脱维亚": "LV", "爱沙尼亚": "EE", "马耳他": "MT", "塞浦路斯": "CY",
    "挪威": "NO", "瑞士": "CH", "加拿大": "CA", "墨西哥": "MX", "巴西": "BR", "智利": "CL",
    "阿根廷": "AR", "哥伦比亚": "CO", "日本": "JP", "韩国": "KR", "澳大利亚": "AU", "澳洲": "AU",
    "新西兰": "NZ", "新加坡": "SG", "马来西亚": "MY", "泰国": "TH", "越南": "VN", "菲律宾": "PH",
    "印度尼西亚": "ID", "印尼": "ID", "沙特": "SA", "沙特阿拉伯": "SA", "阿联酋": "AE", "以色列": "IL",
    "土耳其": "TR", "俄罗斯": "RU", "南非": "ZA", "中国": "CN", "中国大陆": "CN", "大陆": "CN",
    "内地": "CN", "香港": "HK", "中国香港": "HK", "其他": "OTHER", "其它": "OTHER",
}
"""Chinese market and region names, as the ISO 3166 code (or EU, UK, OTHER) the profile takes."""

# Separators Chinese answers use between list items; ASCII commas and semicolons too.
_ZH_SEPARATORS = re.compile(r"以及|[，、；;,/]|和|及|与")
_ZH_NUMBER = re.compile(r"(?:约|大约|大概|差不多)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|千)?\s*(?:单|笔|个|件)?\s*(?:左右|上下)?")

_NOT_MARKETS = ("no", "No", "yes", "Yes", "none", "None", "nope", "n", "y")
"""Replies to the market question that answer it as a yes/no question rather than name a market."""

SEARCH_BUDGET = 512
"""The most combinations of open answers the interview tries exactly for one platform.

Beyond it, the three-valued bound decides (it may keep a question that could not change the
advice, never drop one that could). 512 keeps every step under 50 ms on a 2-core machine
(bench/RESULTS.md); it settles the shipped rule book's interviews as exactly as 2,048 did.
"""
"""Largest number of answer combinations the exact search tries for one platform."""

_UNKNOWN = None
_MEMO_LIMIT = 50_000


@dataclass(frozen=True)
class Question:
    """One question to put to the seller.

    :ivar number: 1-based position among the questions asked in this interview.
    :ivar allowed: the allowed answers for enumerated fields (empty for open ones).
    :ivar allowed_text: what the field accepts, in words.
    """

    field: str
    text: str
    meaning: str
    allowed: tuple[str, ...]
    allowed_text: str
    number: int

    def render(self) -> str:
        """The question as shown to a person: the question, what it is about, and the allowed answers."""
        if self.field == "platforms":
            answers = _("one or more of temu, aliexpress, tiktok_shop (comma-separated), or all")
        elif self.allowed == ("true", "false"):
            answers = _("yes or no")
        elif self.allowed:
            answers = _or_list([shown(value) for value in self.allowed])
        else:
            answers = self.allowed_text
        return "\n".join(
            (
                _("Question {number}: {text}").format(number=self.number, text=self.text),
                "  " + _("({field}: {meaning})").format(field=self.field, meaning=self.meaning),
                "  " + _("Answer {answers}; or why, unknown, quit.").format(answers=answers),
            )
        )

    @property
    def hint(self) -> str:
        """What the field accepts, as a reminder after a bad answer (the words the seller can type)."""
        if current() == "en" or not self.allowed or self.field == "platforms":
            return self.allowed_text
        if self.allowed == ("true", "false"):
            return _or_list([shown(True), shown(False)])
        return _or_list([shown(value) for value in self.allowed])


@dataclass(frozen=True)
class RuleNeed:
    """A rule that needs an answer: what it checks and what it would conclude.

    :ivar platforms: display names of the unsettled platforms the rule could still decide.
    :ivar via: the field the answer reaches the rule through, when it is an assumption's input.
    """

    rule: str
    statement: str
    condition: str
    conclusion: str
    platforms: tuple[str, ...]
    via: str | None = None


@dataclass(frozen=True)
class Why:
    """The answer to "why do you ask?" for one field.

    :ivar unsettled: display name of each unsettled platform and the models it could still get.
    :ivar needs: the rules that need this answer and what they would conclude.
    :ivar if_unknown: what happens when the seller answers ``unknown``.
    """

    field: str
    meaning: str
    unsettled: tuple[tuple[str, tuple[str, ...]], ...]
    needs: tuple[RuleNeed, ...]
    if_unknown: str

    def text(self) -> str:
        """The explanation in plain words."""
        if self.field == "platforms":
            return _(
                "Why I ask: the advice is given platform by platform, so this decides which "
                "platforms (Temu, AliExpress, TikTok Shop) I advise on and in what order."
            )
        lines = [_("Why I ask about {field} ({meaning}):").format(field=self.field, meaning=self.meaning)]
        if self.unsettled:
            still = _semicolons(
                _("{platform} could be {models}").format(platform=name, models=_or_list([model_words(m) for m in models]))
                for name, models in self.unsettled
            )
            lines.append("  " + _("The advice is not settled yet: {platforms}.").format(platforms=still))
        if self.needs:
            lines.append("  " + _("These rules need your answer:"))
            for need in self.needs:
                via = _(" (through {field})").format(field=need.via) if need.via else ""
                lines.append(
                    "  - "
                    + _("{rule}{via}: if {condition}, it {conclusion} [{platforms}]").format(
                        rule=need.rule,
                        via=via,
                        condition=need.condition,
                        conclusion=need.conclusion,
                        platforms=", ".join(need.platforms),
                    )
                )
                lines.append("      " + _("\"{statement}\"").format(statement=need.statement))
        lines.append("  " + _("If you answer unknown: {consequence}").format(consequence=self.if_unknown))
        return "\n".join(lines)


@dataclass(frozen=True)
class _Analysis:
    possible: dict[str, tuple[str, ...]]
    relevant: dict[str, tuple[str, ...]]


class Interview:
    """The state of one interview: what is known, what was skipped, and what is still worth asking.

    :param advisor: the advisor whose rule book decides what matters, and which gives the final advice.
    :param known: answers known before the interview starts (from a profile file or command-line options).
        A :class:`SellerProfile` counts every field it holds as answered (``platforms`` included);
        a mapping counts only the fields it names.
    :raises ProfileError: when ``known`` holds an invalid value.
    """

    def __init__(self, advisor: Advisor, known: SellerProfile | Mapping[str, Any] | None = None) -> None:
        self._advisor = advisor
        self._reasoner = _Reasoner(advisor.rules, advisor.evaluator)
        if isinstance(known, SellerProfile):
            given = known.to_dict()
        else:
            checked = SellerProfile.from_dict(known or {})
            given = {k: v for k, v in checked.to_dict().items() if k in (known or {})}
        self._values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value for name, value in given.items()
        }
        self._unknown: set[str] = set()
        self._asked = 0
        self._analysis: _Analysis | None = None

    @property
    def profile(self) -> SellerProfile:
        """The profile as answered so far (skipped fields are unknown)."""
        return SellerProfile(**self._values)

    @property
    def skipped(self) -> tuple[str, ...]:
        """Fields the seller answered ``unknown``, in table order."""
        return tuple(name for name in ASKED if name in self._unknown)

    def unasked(self) -> tuple[str, ...]:
        """Fields neither given nor asked yet, in the order they would be asked."""
        return tuple(name for name in ASKED if name not in self._values and name not in self._unknown)

    def _platforms(self) -> tuple[str, ...]:
        return tuple(self._values.get("platforms", PLATFORMS))

    def _analyse(self) -> _Analysis:
        if self._analysis is None:
            reasoned = {k: v for k, v in self._values.items() if k not in ("name", "platforms")}
            open_fields = frozenset(self.unasked()) - {"platforms"}
            possible: dict[str, tuple[str, ...]] = {}
            relevant: dict[str, tuple[str, ...]] = {}
            self._reasoner.platforms = self._platforms()
            for platform in self._platforms():
                models, fields = self._reasoner.outlook(platform, reasoned, frozenset(self._unknown), open_fields)
                possible[platform] = models
                relevant[platform] = fields if len(models) > 1 else ()
            self._analysis = _Analysis(possible, relevant)
        return self._analysis

    def outlook(self) -> dict[str, tuple[str, ...]]:
        """Each platform's models still possible over every way the open questions could be answered."""
        return dict(self._analyse().possible)

    def settled(self) -> bool:
        """Whether every platform's model is settled, whatever the remaining answers."""
        return all(len(models) == 1 for models in self._analyse().possible.values())

    def relevant(self) -> tuple[str, ...]:
        """Open fields whose answer can still change some platform's recommended model, in asking order."""
        if "platforms" in self.unasked():
            wanted: set[str] = {"platforms"}
        else:
            wanted = set()
        for fields in self._analyse().relevant.values():
            wanted.update(fields)
        return tuple(name for name in self.unasked() if name in wanted)

    def next_question(self) -> Question | None:
        """The next question worth asking, or ``None`` when no answer could change the advice."""
        relevant = self.relevant()
        if not relevant:
            return None
        spec = FIELDS_BY_NAME[relevant[0]]
        return Question(
            field=spec.name,
            text=spec.question_text,
            meaning=spec.meaning_text,
            allowed=spec.allowed,
            allowed_text=spec.allowed_text,
            number=self._asked + 1,
        )

    def _check_open(self, field: str) -> FieldSpec:
        spec = FIELDS_BY_NAME.get(field)
        if spec is None or field not in ASKED:
            raise ProfileError(_("unknown field '{field}'").format(field=field), field=field, allowed=ASKED)
        return spec

    def answer(self, field: str, text: str | Any) -> None:
        """Record an answer (text as a person types it, or a value), replacing any earlier one.

        :raises ProfileError: naming the field and what it allows; the interview is unchanged.
        """
        spec = self._check_open(field)
        if spec.name == "target_markets" and isinstance(text, str) and (
            text.strip() in _NOT_MARKETS or _bare(text) in _ZH_VALUES["bool"]
        ):
            # Put as a question, "no" is an answer, not Norway (NO or Norway still are).
            raise ProfileError(
                _(
                    "'{reply}' is not a market: name the countries your buyers live in (for Norway type NO or Norway)"
                ).format(reply=text.strip()),
                field=field,
                allowed=spec.allowed_text,
            )
        if isinstance(text, str):
            text = read_answer(spec, text)
        if spec.kind == "platforms" and isinstance(text, str) and text.strip().lower() in ("all", "every", "any"):
            text = list(PLATFORMS)
        value = normalise_value(spec, text)
        if spec.name == "target_markets" and not value:  # "none" is a real answer for VAT registrations
            raise ProfileError(_("needs at least one market code"), field=field, allowed=spec.allowed_text)
        self._values[field] = value
        self._unknown.discard(field)
        self._asked += 1
        self._analysis = None

    def skip(self, field: str) -> str:
        """Record that the seller does not know ``field``, and say what the engine will do about it."""
        self._check_open(field)
        note = self._if_unknown(field)
        self._values.pop(field, None)
        self._unknown.add(field)
        self._asked += 1
        self._analysis = None
        return note

    def _if_unknown(self, field: str) -> str:
        if field == "platforms":
            return _("I will advise on all three platforms.")
        reasoned = {k: v for k, v in self._values.items() if k not in ("name", "platforms", field)}
        open_fields = frozenset(self.unasked()) - {"platforms", field}
        notes = []
        for rule in self._reasoner.assume_rules:
            if rule.then.fact != field:
                continue
            status = evaluate3(rule.when, reasoned, open_fields)
            value = shown(rule.then.value)
            statement = rule.text("statement", current())
            if status is True:
                notes.append(
                    _("I will assume {field} = {value} (rule {rule}: {statement})").format(
                        field=field, value=value, rule=rule.id, statement=statement
                    )
                )
            elif status is None:
                notes.append(
                    _("depending on your other answers I may assume {field} = {value} (rule {rule}: {statement})").format(
                        field=field, value=value, rule=rule.id, statement=statement
                    )
                )
        if notes:
            return _semicolons(notes)
        return _("the rules that need it will be left out, and the confidence will be a little lower.")

    def why(self, field: str) -> Why:
        """Why the interview asks about ``field``: which rules need the answer and what they would conclude."""
        spec = self._check_open(field)
        analysis = self._analyse()
        lang = current()
        names = {p: self._advisor.rules.platforms[p].name_in(lang) for p in self._platforms()}
        unsettled = tuple((names[p], models) for p, models in analysis.possible.items() if len(models) > 1)
        reasoned = {k: v for k, v in self._values.items() if k not in ("name", "platforms", field)}
        open_fields = frozenset(self.unasked()) | {field}
        needs = []
        for rule in self._reasoner.weigh_rules:
            used = facts_used(rule.when)
            via = None
            if field not in used:
                via = next(
                    (a.then.fact for a in self._reasoner.assume_rules if a.then.fact in used and field in facts_used(a.when)),
                    None,
                )
                if via is None:
                    continue
            platform_ids = [
                p
                for p, models in analysis.possible.items()
                if len(models) > 1
                and evaluate3(rule.when, {**reasoned, **self._reasoner.platform_facts[p]}, open_fields) is None
            ]
            platforms = tuple(names[p] for p in platform_ids)
            if platforms:
                needs.append(
                    RuleNeed(
                        rule=rule.id,
                        # Quoted with the first platform it concerns, as the advice would word it.
                        statement=render(
                            rule.text("statement", lang),
                            {**reasoned, **self._advisor.rules.platforms[platform_ids[0]].fact_values(lang)},
                            lang=lang,
                        ),
                        condition=describe(rule.when),
                        conclusion=rule.then.describe(),
                        platforms=platforms,
                        via=via,
                    )
                )
        return Why(
            field=field, meaning=spec.meaning_text, unsettled=unsettled, needs=tuple(needs), if_unknown=self._if_unknown(field)
        )

    def result(self) -> ConsultationResult:
        """Consult the advisor on the answers so far."""
        return self._advisor.consult(self.profile)


def _or_list(words: list[str]) -> str:
    """``a, b or c`` in English; in Chinese as Chinese writes a list of choices (a、b或c)."""
    if current() == "en" or len(words) < 2:
        return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
    from babel.lists import format_list

    return format_list(words, style="or", locale="zh_Hans_CN")


def _semicolons(clauses: Iterable[str]) -> str:
    """Clauses joined by a semicolon, full-width in Chinese."""
    return ("; " if current() == "en" else "；").join(clauses)


def _bare(reply: str) -> str:
    """A reply without surrounding blanks and closing punctuation, for matching answer words (是。 is 是)."""
    return unicodedata.normalize("NFKC", reply).strip().rstrip("。.!！").strip()


def read_answer(spec: FieldSpec, reply: str) -> str:
    """A Chinese answer as the English the profile reads (美国、德国 -> ``US,DE``; 是 -> ``yes``; 1.2万 -> ``12000``).

    Replies in English (or anything not in the tables) come back unchanged, for the profile to check.
    """
    text = _bare(reply)
    if text.isascii() and spec.kind != "count":
        return reply
    kind = spec.kind
    if kind == "bool":
        return _ZH_VALUES["bool"].get(text, reply)
    if kind in ("level", "service"):
        return _ZH_VALUES[kind].get(text, reply)
    if kind == "count":
        return _count(text) or reply
    if kind == "region":
        return MARKET_NAMES_ZH.get(text, reply)
    if kind == "markets" and text in _ZH_VALUES["none"]:
        return "none"
    if kind in ("markets", "platforms"):
        table = MARKET_NAMES_ZH if kind == "markets" else _ZH_VALUES["platforms"]
        items = [item.strip() for item in _ZH_SEPARATORS.split(text) if item.strip()]
        words = [table.get(item, table.get(item.lower(), item)) for item in items]
        return "all" if words == ["all"] else ",".join(words)
    return reply


def _count(text: str) -> str | None:
    """A count as Chinese sellers write it (约1200单, 1.2万, 3千) as digits, or ``None``."""
    found = _ZH_NUMBER.fullmatch(text)
    if found is None:
        return None
    digits, unit = found.group(1), found.group(2)
    if unit is None:
        return digits  # "1,200" and "1200" are the profile's to read
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(digits.replace(",", "")) * (10_000 if unit == "万" else 1_000)
    except InvalidOperation:
        return None
    return str(int(number)) if number == number.to_integral_value() else None


class _Reasoner:
    """What the rules could still conclude while some answers are open.

    Concrete answers ("which model for these facts?") come from the compiled
    evaluator, the one place that gives the rules their meaning. Open answers
    are bounded first with three-valued logic, which only ever widens what is
    possible (an assumption whose firing depends on an open answer leaves its
    field open too), and then settled exactly by running the evaluator over
    the remaining combinations when there are few enough.
    """

    def __init__(self, rulebook: RuleBook, evaluator: Evaluator | None = None) -> None:
        self.rulebook = rulebook
        self.evaluator = evaluator or Evaluator(rulebook)
        self.platforms: tuple[str, ...] = PLATFORMS
        self._memo: dict[tuple[tuple[str, Any], ...], dict[str, str]] = {}
        self.assume_rules: tuple[Rule, ...] = tuple(
            sorted((r for r in rulebook.rules if r.then.kind == "assume"), key=lambda r: -r.salience)
        )
        self.weigh_rules: tuple[Rule, ...] = tuple(r for r in rulebook.rules if r.then.kind in ("evidence", "exclude"))
        self.platform_facts = {p: rulebook.platforms[p].fact_values() for p in PLATFORMS}
        self.emphasis = {
            p: (rulebook.platforms[p].facts["emphasis"].value if "emphasis" in rulebook.platforms[p].facts else None)
            for p in PLATFORMS
        }
        self.domains = _domains(rulebook.rules)

    def assume3(
        self, known: Mapping[str, Any], unknown: frozenset[str], open_fields: frozenset[str]
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """Apply assumptions to fields answered unknown; those that may or may not be assumed become open."""
        # A field is open when some assumption that may fill it reads an open field, directly
        # or through another such assumption: then whether, when and to what it is filled
        # depends on answers not given yet.
        opened = set(open_fields)
        changed = True
        while changed:
            changed = False
            for rule in self.assume_rules:
                name = rule.then.fact
                if name is None or name not in unknown or name in known or name in opened:
                    continue
                if any(f in opened for f in facts_used(rule.when)):
                    opened.add(name)
                    changed = True
        # Every other unknown field is filled (or not) by assumptions over settled facts alone:
        # the evaluator gives exactly what the engine would assume.
        settled = {k: v for k, v in known.items() if k not in opened}
        assumed, _ = self.evaluator.assume(settled, [r for r in self.assume_rules if r.then.fact not in opened])
        facts = dict(known)
        facts.update((k, v) for k, v in assumed.items() if k in unknown and k not in opened)
        return facts, frozenset(opened)

    def model(self, platform: str, facts: Mapping[str, Any]) -> str:
        """The model the engine would recommend on ``platform`` for these given facts (assumptions included).

        Remembered across questions: successive searches ask about many of the same combinations.
        """
        key = tuple(sorted(facts.items(), key=lambda item: item[0]))
        models = self._memo.get(key)
        if models is None:
            models = self._memo[key] = {}
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
        if platform not in models:
            models[platform] = self.evaluator.models(facts, (platform,))[platform]
        return models[platform]

    def _decide(self, platform: str, scores: Mapping[str, int], excluded: Iterable[str]) -> str:
        return decide(
            scores, list(excluded), emphasis=self.emphasis[platform], completeness=1.0, policy=self.rulebook.policy
        ).model

    def outlook(
        self,
        platform: str,
        known: Mapping[str, Any],
        unknown: frozenset[str],
        open_fields: frozenset[str],
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The models still possible on ``platform``, and the open fields that can change which one."""
        facts, opened = self.assume3(known, unknown, open_fields)
        context = {**facts, **self.platform_facts[platform]}
        assumed = frozenset(facts) - frozenset(known)
        undecided: list[Rule] = []
        low = {m: 0 for m in MODELS}
        high = {m: 0 for m in MODELS}
        surely_out: set[str] = set()
        maybe_out: set[str] = set()
        for rule in self.weigh_rules:
            status = evaluate3(rule.when, context, opened, assumed)
            if status is False:
                continue
            if status is None:
                undecided.append(rule)
            if rule.then.kind == "evidence":
                model, weight = rule.then.model or "", rule.then.weight or 0
                high[model] += weight
                if status:
                    low[model] += weight
            elif rule.then.kind == "exclude":
                (surely_out if status else maybe_out).add(rule.then.model or "")
        bounded = self._bounded(platform, low, high, surely_out, maybe_out)
        if len(bounded) == 1:
            return bounded, ()
        fields = self._inputs(undecided, opened, open_fields)
        exact = self._search(platform, known, fields)
        if exact is None:
            return bounded, fields
        return exact

    def _bounded(
        self, platform: str, low: Mapping[str, int], high: Mapping[str, int], surely: set[str], maybe: set[str]
    ) -> tuple[str, ...]:
        full, semi = MODELS
        found: set[str] = set()
        for full_out in (True, False) if full in maybe and full not in surely else (full in surely,):
            for semi_out in (True, False) if semi in maybe and semi not in surely else (semi in surely,):
                out = [m for m, gone in ((full, full_out), (semi, semi_out)) if gone]
                if len(out) == 1:
                    found.add(semi if out == [full] else full)
                    continue
                least = low[full] - high[semi]
                most = high[full] - low[semi]
                if most > 0:
                    found.add(full)
                if least < 0:
                    found.add(semi)
                if least <= 0 <= most:
                    found.add(self._decide(platform, {full: 0, semi: 0}, out))
        return tuple(m for m in MODELS if m in found)

    def _inputs(self, undecided: list[Rule], opened: frozenset[str], open_fields: frozenset[str]) -> tuple[str, ...]:
        """The open fields the undecided rules read, directly or through an assumption they depend on."""
        wanted: set[str] = set()
        todo = [f for rule in undecided for f in facts_used(rule.when) if f in opened]
        while todo:
            name = todo.pop()
            if name in wanted:
                continue
            wanted.add(name)
            if name not in open_fields:  # answered unknown, its assumption still open: follow its inputs
                for rule in self.assume_rules:
                    if rule.then.fact == name:
                        todo.extend(f for f in facts_used(rule.when) if f in opened)
        return tuple(name for name in ASKED if name in wanted and name in open_fields)

    def _search(
        self, platform: str, known: Mapping[str, Any], fields: tuple[str, ...]
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        domains = [self.domains[name] for name in fields]
        if math.prod(len(d) for d in domains) > SEARCH_BUDGET:
            return None
        outcome: dict[tuple[Any, ...], str] = {}
        for combo in itertools.product(*domains):
            facts = dict(known)
            facts.update((name, value) for name, value in zip(fields, combo, strict=True) if value is not _UNKNOWN)
            outcome[combo] = self.model(platform, facts)
        models = tuple(m for m in MODELS if m in set(outcome.values()))
        if len(models) == 1:
            return models, ()
        relevant = []
        for index, name in enumerate(fields):
            groups: dict[tuple[Any, ...], set[str]] = {}
            for combo, model in outcome.items():
                groups.setdefault(combo[:index] + combo[index + 1 :], set()).add(model)
            if any(len(seen) > 1 for seen in groups.values()):
                relevant.append(name)
        return models, tuple(relevant)


def _domains(rules: Iterable[Rule]) -> dict[str, tuple[Any, ...]]:
    """For each askable field, one representative answer per region the rules can tell apart, and unknown.

    Counts get a value on each side of every threshold a rule names; market
    lists get every non-empty combination of market groups, where a group is
    the codes no rule tells apart (plus one code no rule names).
    """
    all_leaves: list[Leaf] = []
    for rule in rules:
        all_leaves.extend(leaves(rule.when))
    domains: dict[str, tuple[Any, ...]] = {}
    for spec in FIELDS:
        mine = [leaf for leaf in all_leaves if leaf.fact == spec.name]
        values: list[Any]
        if spec.kind == "bool":
            values = [True, False]
        elif spec.kind in ("level", "service", "region"):
            values = list(spec.allowed)
        elif spec.kind == "count":
            points = {0}
            for leaf in mine:
                raw = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
                for number in raw:
                    if isinstance(number, int) and not isinstance(number, bool):
                        points.update(n for n in (number - 1, number, number + 1) if n >= 0)
            values = sorted(points)
        elif spec.kind == "markets":
            values = _market_domain(mine)
        else:
            continue
        domains[spec.name] = (_UNKNOWN, *values)
    return domains


def _market_domain(mine: list[Leaf]) -> list[Any]:
    sets = []
    for leaf in mine:
        raw = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        sets.append(frozenset(v for v in raw if isinstance(v, str)))
    named = sorted({code for group in sets for code in group})
    # A real ISO 3166 code no rule names: the profile refuses made-up codes.
    outsider = next(code for code in ("BR", "MX", "JP", "AU", "CA", "ZA", "KR", "SG", "NZ", "CL", "AR") if code not in named)
    groups: dict[tuple[bool, ...], str] = {}
    for code in [*named, outsider]:
        groups.setdefault(tuple(code in group for group in sets), code)
    representatives = sorted(groups.values())
    return [
        tuple(chosen)
        for size in range(1, len(representatives) + 1)
        for chosen in itertools.combinations(representatives, size)
    ]


def classify(reply: str) -> str | None:
    """Which of :data:`ANSWER_WORDS` (or :data:`ANSWER_WORDS_ZH`) a reply is, or ``None`` for an answer.

    The kinds are ``why``, ``unknown``, ``quit`` and ``help``.
    """
    word = " ".join(reply.strip().lower().split())
    for kind, words in ANSWER_WORDS.items():
        if word in words:
            return kind
    bare = _bare(reply) if not word.isascii() else None
    for kind, words in ANSWER_WORDS_ZH.items():
        if word in words or bare in words:
            return kind
    return None


HELP = N_(
    "Answer each question with one of the values shown. You may also answer:\n"
    "  why      which rules need this answer and what they would conclude\n"
    "  unknown  skip the question; the engine assumes what it can and says so\n"
    "  quit     stop the questions and get advice on what you have told me so far\n"
    "End of input (Ctrl-D) does the same as quit; Ctrl-C leaves without advice."
)
"""The answer to ``help`` (English; shown through ``_()`` in the language in force)."""


def conduct(interview: Interview, ask: Callable[[str], str], tell: Callable[[str], None]) -> bool:
    """Run the interview: put each question worth asking until the advice is settled or the seller quits.

    :param ask: shows a prompt and returns the seller's reply; it raises :class:`EOFError` at end of
        input, which ends the questions like ``quit`` (any other exception leaves the interview).
    :param tell: shows a message to the seller.
    :returns: ``True`` when the interview ran to its end, ``False`` when the seller quit early.
    """
    remaining = len(interview.relevant())
    tell(
        ngettext(
            "I will ask at most {n} question, one at a time, and stop as soon as your answers settle the advice.\n"
            "At any question you may answer why, unknown or quit (help explains).",
            "I will ask at most {n} questions, one at a time, and stop as soon as your answers settle the advice.\n"
            "At any question you may answer why, unknown or quit (help explains).",
            remaining,
        ).format(n=remaining)
    )
    while (question := interview.next_question()) is not None:
        tell("")
        tell(question.render())
        while True:
            try:
                reply = ask(">")
            except EOFError:
                tell("")
                tell(_("End of input: the advice uses what you have told me so far."))
                return False
            kind = classify(reply)
            if kind == "why":
                tell(interview.why(question.field).text())
            elif kind == "help":
                tell(_(HELP))
            elif kind == "quit":
                tell(_("Stopping the questions here; the advice uses what you have told me so far."))
                return False
            elif kind == "unknown":
                tell(_("Skipped: {consequence}").format(consequence=interview.skip(question.field)))
                break
            elif not reply.strip():
                tell(_("Please answer, or type why, unknown or quit."))
            else:
                try:
                    interview.answer(question.field, reply)
                except ProfileError as exc:
                    tell(
                        _("Sorry, {problem}. Please answer {allowed}, or why, unknown, quit.").format(
                            problem=_problem(exc), allowed=question.hint
                        )
                    )
                else:
                    break
    tell("")
    tell(_closing(interview))
    return True


def _problem(exc: ProfileError) -> str:
    if not exc.suggestion:
        return exc.problem
    return _("{problem} - did you mean '{suggestion}'?").format(problem=exc.problem, suggestion=exc.suggestion)


def _closing(interview: Interview) -> str:
    left = interview.unasked()
    if not left:
        return _("That was the last question.")
    if not interview.settled():
        return _("No question left could change the advice.")
    return ngettext(
        "The advice for every platform is settled: the {n} remaining question ({names}) could not change it, "
        "so I stop asking. (More answers would only raise the confidence.)",
        "The advice for every platform is settled: the {n} remaining questions ({names}) could not change it, "
        "so I stop asking. (More answers would only raise the confidence.)",
        len(left),
    ).format(n=len(left), names=", ".join(left))
