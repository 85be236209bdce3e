"""Reading a seller's replies: the answer words (why, unknown, quit, help) and Chinese answers as values.

Mostly data: the English and Chinese words a reply may be instead of a value, the Chinese words for
each kind of field's values and the Chinese names of markets, with the readers that use them
(:func:`classify`, :func:`read_answer`, :func:`not_a_market`). English answers are left for the
profile's own rules to read, unchanged.

May import: :mod:`sellerexpert._profile.profile` (a field's kind) and the standard library. Used by the
interview's state (:mod:`sellerexpert._interview.interview`), its dialogue and the web front end.
"""

from __future__ import annotations

import re
import unicodedata

from .._profile.profile import FieldSpec

ANSWER_WORDS: dict[str, tuple[str, ...]] = {
    "why": ("why", "w", "why?"),
    "unknown": ("unknown", "u", "skip", "?", "dont know", "don't know", "not sure"),
    "quit": ("quit", "q", "stop", "done", "exit"),
    "help": ("help", "h"),
}
"""The words an answer may be instead of a value (any case)."""

ANSWER_WORDS_ZH: dict[str, tuple[str, ...]] = {
    "why": ("为什么", "为啥", "为何", "为什么问", "为什么？"),
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


def not_a_market(reply: str) -> bool:
    """Whether a reply to the market question answers it as a yes/no question (no, 不是) rather than name a market."""
    return reply.strip() in _NOT_MARKETS or _bare(reply) in _ZH_VALUES["bool"]


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
    if kind in ("bool", "level", "service"):
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
