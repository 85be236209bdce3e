"""Rule texts as templates: the ``{placeholders}`` a text uses, and filling them in for one seller and platform.

A rule's statement and caveat name profile fields (``{fee_sensitivity}``) and platform facts
(``{platform.name}``); :func:`render` fills them from known facts, writing lists, yes, no and
unknown as the text's language writes them, and in Chinese drops the space a translation keeps
beside a placeholder where the value and its neighbour are both Chinese.

May import: the standard library and :mod:`sellerexpert._i18n` only (every module that reads a
rule text imports this one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._i18n import CJK, N_, _
from .._language import use

_LIST_SEPARATOR = {"en": ", ", "zh": "；"}
"""How a text joins the items of a list value (``{platform.full_platform_runs}``) in each language."""


def join_items(items: tuple[str, ...] | list[str], lang: str = "en") -> str:
    """A list value as a text quotes it: ``a, b, c`` in English, ``a；b；c`` in Chinese (items may hold a 、 themselves)."""
    return _LIST_SEPARATOR.get(lang, ", ").join(str(item) for item in items)


_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


def placeholders(template: str) -> list[str]:
    """The ``{name}`` placeholders a text uses, in order."""
    return _PLACEHOLDER.findall(template)


def render(template: str, facts: Mapping[str, Any], *, lang: str = "en") -> str:
    """Fill ``{field}`` and ``{platform.fact}`` placeholders from known facts (lists joined with commas).

    Only plain names are substituted: no attribute access, no expressions.

    :param lang: the language of the text: lists are joined, and yes, no and unknown written, as it
        writes them (pass the facts of :meth:`Platform.fact_values` in the same language).
    """

    def fill(match: re.Match[str]) -> str:
        return filled(facts.get(match.group(1)), lang)

    if lang != "zh":
        return _PLACEHOLDER.sub(fill, template)
    # Chinese sets Latin words apart with a space ("{platform.name} 半托管" reads "Temu 半托管") but not
    # Chinese ones ("速卖通半托管"): the space a translation writes beside a placeholder is dropped where
    # the value and the text next to it are both Chinese. \x01 and \x02 mark each value's ends meanwhile.
    marked = _PLACEHOLDER.sub(lambda m: "\x01" + fill(m).replace("\x01", "").replace("\x02", "") + "\x02", template)
    marked = _CJK_SPACE_BEFORE.sub("\\1\x01\\2", marked)
    marked = _CJK_SPACE_AFTER.sub("\\1\x02\\2", marked)
    return marked.replace("\x01", "").replace("\x02", "")


_WORDS = {True: N_("yes"), False: N_("no"), None: N_("unknown")}


def filled(value: Any, lang: str = "en") -> str:
    """A placeholder's value as :func:`render` writes it in ``lang`` (unknown, yes, no in words; lists joined)."""
    if value is None or isinstance(value, bool):
        if lang == "en":
            return _WORDS[value]
        with use(lang):
            return _(_WORDS[value])
    if isinstance(value, (list, tuple)):
        return join_items(value, lang)
    return str(value)


def split(template: str) -> list[str]:
    """A text's literal parts and the names of its placeholders in turn: ``["Hi ", "name", "!"]`` for ``"Hi {name}!"``
    (so a text filled many times with some values fixed is split once; outside Chinese, :func:`render` is the
    literal parts with each name's value :func:`filled` in between)."""
    return _PLACEHOLDER.split(template)


# Unlike _i18n.tidy, only the space beside a filled-in value goes: two values side by side keep theirs.
_CJK_SPACE_BEFORE = re.compile(f"([{CJK}]) \x01([{CJK}])")
_CJK_SPACE_AFTER = re.compile(f"([{CJK}])\x02 ([{CJK}])")
