"""The words the advisor speaks: translating program strings, formatting numbers and dates, fitting text to a terminal.

Program strings (questions, headings, error messages) are English in the code, marked with
:func:`_` (or :func:`N_` where they are defined ahead of use), and translated through gettext
catalogues: ``locale/<lang>/LC_MESSAGES/*.po``, one file per area so that two people can work on
two areas at once. Babel reads the ``.po`` files when a language other than English is first used
(English needs no catalogue: the code's strings are the English text), so English runs never import
Babel. Rule texts are not here: they live in the rule files next to their English (see the rule
book).

The language in force is a context variable, so a web server answering two sellers in two
languages at once, or a test, never sees the other's language; :mod:`sellerexpert._language` chooses
it (checking the language asked for is an error's business, and errors are worded here, so the
choosing sits above the errors and this module below them).
"""

from __future__ import annotations

import gettext as _gettext
import json
import re
import textwrap
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

#: The languages the advisor speaks; the first is the default.
LANGS = ("en", "zh")
#: Babel locale for formatting numbers and dates in each language.
_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
_LOCALE_DIR = Path(__file__).parents[1] / "locale"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

LANGUAGE: ContextVar[str] = ContextVar("sellerexpert_lang", default="en")
"""The language in force; set only through :mod:`sellerexpert._language`, which checks it."""


def current() -> str:
    """The language in force ("en" or "zh")."""
    return LANGUAGE.get()


# ---------------------------------------------------------------- catalogues


@cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The merged gettext catalogue for ``lang`` (English: the identity)."""
    if lang == "en":
        return _gettext.NullTranslations()
    return _load(lang)


def _load(lang: str) -> _gettext.NullTranslations:
    # Babel turns each .po into a .mo in memory, which the standard library's GNUTranslations reads;
    # the areas' catalogues are chained into one.
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged: _gettext.NullTranslations | None = None
    for path in sorted((_LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = _gettext.GNUTranslations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged if merged is not None else _gettext.NullTranslations()


def translated(translations: Mapping[str, Mapping[str, object]], lang: str, key: str, english: str) -> str:
    """A rule-file object's ``key`` text in ``lang`` from its ``zh``-style table, the English when it has none."""
    if lang == "en":
        return english
    text = translations.get(lang, {}).get(key)
    return text if isinstance(text, str) and text else english


def _(message: str) -> str:
    """``message`` in the language in force."""
    lang = LANGUAGE.get()
    if lang == "en":
        return message
    return catalogue(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the language in force."""
    lang = LANGUAGE.get()
    if lang == "en":
        return singular if n == 1 else plural
    return catalogue(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (translate it where it is used)."""
    return message


_MODEL_WORDS = {"fully-managed": N_("fully-managed"), "semi-managed": N_("semi-managed")}


def model_words(model: str) -> str:
    """A model's name in running text: the English id itself, 全托管 or 半托管 in Chinese."""
    words = _MODEL_WORDS.get(model)
    return _(words) if words is not None else model



# The facts rules test, as people name them: the English is the id's words (what English texts
# always said), the catalogue gives the Chinese a seller reads instead of an id ("运营能力", not
# "operational_capacity"). Keys, JSON and ``--details`` keep the ids.
_VALUE_WORDS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "none": N_("none"),
    "basic": N_("basic"),
    "full": N_("full"),
}


ValueStyle = Literal["words", "listed", "derivation", "exact"]
"""The ways the package quotes a value; :func:`shown` says what each is for."""


def shown(value: object, style: ValueStyle = "words") -> str:
    """A value as text, in the language in force: the one place values become words.

    * ``words`` (a field value as people read it): ``low`` is 低 and ``True`` is 是 in Chinese; in English a
      boolean is yes or no, a list its items joined by commas, anything else its text;
    * ``listed`` (a report's profile table and assumptions): a boolean yes or no, a list's items as the
      language lists them (``a, b, c``; ``a、b、c``) and an empty one "none", any other value as the profile
      spells it (the golden reports hold it to this);
    * ``derivation`` (an explanation's facts): ``None`` is "unknown", a list is one value of codes
      (``[US, DE]``; ``US、DE``; an empty one ``[]`` or 无), anything else as ``words`` says it;
    * ``exact`` (an audit's quotes, which must tell ``"1"`` from ``1`` and ``[]`` from ``null`` in every
      language): JSON, keys sorted, not ASCII-escaped.

    Codes (markets, regions, platforms) stay as they are in every style.
    """
    if style == "exact":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if style == "derivation":
        if value is None:
            return _("unknown")
        if isinstance(value, (list, tuple)):
            if current() != "en":  # 美国、英国 rather than a bracketed list of codes; 无 for none
                return "、".join(str(v) for v in value) if value else _("none")
            return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        if style == "listed":
            return series([str(v) for v in value]) or _("none")
        return ", ".join(shown(v) for v in value)
    if style == "listed":
        return str(value)
    if isinstance(value, str) and value in _VALUE_WORDS:
        return _(_VALUE_WORDS[value])
    if isinstance(value, str) and value in _MODEL_WORDS:
        return model_words(value)
    return str(value)


def series(items: Sequence[str]) -> str:
    """Items one after another, as the language lists them (``a, b, c``; ``a、b、c``)."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = _("{earlier}, {later}").format(earlier=text, later=item)
    return text



_FACT_WORDS = {
    "name": N_("name"),
    "platforms": N_("platforms"),
    "target_markets": N_("target markets"),
    "operational_capacity": N_("operational capacity"),
    "monthly_orders": N_("monthly orders"),
    "local_warehouse": N_("local warehouse"),
    "sea_freight": N_("sea freight"),
    "customer_service": N_("customer service"),
    "control_priority": N_("control priority"),
    "fee_sensitivity": N_("fee sensitivity"),
    "fast_shipping_expected": N_("fast shipping expected"),
    "working_capital": N_("working capital"),
    "bulky_goods": N_("bulky goods"),
    "local_entity": N_("local entity"),
    "fast_payouts_needed": N_("fast payouts needed"),
    "content_control": N_("content control"),
    "company_base": N_("company base"),
    "vat_markets": N_("vat markets"),
    "invited": N_("invited"),
    "stock_markets": N_("stock markets"),
    "weight_class": N_("weight class"),
    "category": N_("category"),
    "marketplace_history": N_("marketplace history"),
    "platform.choice_badge_covers_both": N_("the platform's choice badge covers both"),
    "platform.content_led": N_("the platform's content led"),
    "platform.emphasis": N_("the platform's emphasis"),
    "platform.full_faster_than_semi": N_("the platform's full faster than semi"),
    "platform.full_pays_after_sale": N_("the platform's full pays after sale"),
    "platform.full_pays_quickly": N_("the platform's full pays quickly"),
    "platform.full_price_pressure_reported": N_("the platform's full price pressure reported"),
    "platform.full_route_status": N_("the platform's full route status"),
    "platform.full_ships_from_china": N_("the platform's full ships from china"),
    "platform.full_ships_from_china_us": N_("the platform's full ships from china us"),
    "platform.margin_gap_pct": N_("the platform's margin gap pct"),
    "platform.margin_leader": N_("the platform's margin leader"),
    "platform.market_status": N_("the platform's market status"),
    "platform.offers_fully_managed": N_("the platform's offers fully managed"),
    "platform.offers_semi_managed": N_("the platform's offers semi managed"),
    "platform.own_route_status": N_("the platform's own route status"),
    "platform.payout_terms": N_("the platform's payout terms"),
    "platform.semi_china_shipping_us": N_("the platform's semi china shipping us"),
    "platform.semi_fee_cut_at_launch": N_("the platform's semi fee cut at launch"),
    "platform.semi_route_ships_from": N_("the platform's semi route ships from"),
    "platform.semi_route_status": N_("the platform's semi route status"),
    "platform.semi_seller_handles_returns": N_("the platform's semi seller handles returns"),
    "platform.semi_seller_sets_price": N_("the platform's semi seller sets price"),
    "platform.semi_sells_from_local_stock": N_("the platform's semi sells from local stock"),
    "platform.separate_stores_per_model": N_("the platform's separate stores per model"),
    "platform.us_local_fulfilment_only": N_("the platform's us local fulfilment only"),
}


def named(fact: str) -> str:
    """A field or platform fact as people read it: its id in English (as English texts always wrote
    it), a Chinese name in Chinese: ``operational_capacity`` is 运营能力,
    ``platform.semi_sells_from_local_stock`` 半托管从当地库存发货. An id without a name stays as it is.
    """
    words = _FACT_WORDS.get(fact)
    if words is None or current() == "en":
        return fact
    return _(words)


# Chinese characters and the full-width punctuation written beside them (。、「」 and ，（）：).
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")


def tidy(text: str) -> str:
    """``text`` with the space a template put between two Chinese characters dropped.

    A Chinese template sets a placeholder apart with spaces so that Latin values read well
    ("Temu 全托管"); where the value is Chinese too ("速卖通 全托管") the space goes.
    """
    return _SPACE_BETWEEN_CJK.sub("", text) if not text.isascii() else text


def placeholders(text: str) -> list[str]:
    """The ``{placeholders}`` in ``text``, sorted: a translation must use the same ones."""
    return sorted(_PLACEHOLDER.findall(text))


# ---------------------------------------------------------------- numbers and dates


def percent(value: float) -> str:
    """``value`` (0..1) as a whole percentage, written as the language writes it."""
    lang = LANGUAGE.get()
    if lang == "en":
        return f"{value:.0%}"
    from babel.numbers import format_percent

    return format_percent(value, format="#,##0%", locale=_LOCALES[lang])


def number(value: float, *, digits: int = 0) -> str:
    """``value`` with thousands grouped and ``digits`` decimals, as the language writes it."""
    lang = LANGUAGE.get()
    if lang == "en":
        return f"{value:,.{digits}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[lang])


def day(value: date | str) -> str:
    """A calendar date (or an ISO date string) as the language writes it: 2026-05-03, 2026年5月3日 (2026-05, 2026年5月)."""
    lang = LANGUAGE.get()
    if isinstance(value, str):
        try:
            when = date.fromisoformat(value)
        except ValueError:
            # A year or a year-month ("2025-05") is already as short as it gets; Chinese writes it as it
            # writes a whole date (2025年5月), so one text never mixes 2025-05 with 2025年5月2日.
            partial = re.fullmatch(r"(\d{4})(?:-(0[1-9]|1[0-2]))?", value)
            if lang == "en" or partial is None:
                return value
            return f"{partial[1]}年{int(partial[2])}月" if partial[2] else f"{partial[1]}年"
    else:
        when = value
    if lang == "en":
        return when.isoformat()
    from babel.dates import format_date

    return format_date(when, format="long", locale=_LOCALES[lang])


# ---------------------------------------------------------------- the terminal


# What a terminal acts on rather than shows: C0 and C1 controls (ESC starts colour, cursor and title
# sequences; CR overwrites a line) and the bidirectional controls that reorder what follows them.
_TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, keep: str = "") -> str:
    """``text`` safe to print to a terminal: controls and bidirectional marks written as escapes (``\\x1b``).

    A shop's name, a file name or a value read from a file reaches the terminal in reports and errors;
    written as it is, an escape sequence could recolour, move the cursor, retitle the window or hide
    text, and a right-to-left override could show a line other than the one printed.

    :param keep: control characters to leave as they are (``"\\n"`` for a message of several lines).
    """
    return _TERMINAL_CONTROLS.sub(lambda m: m.group() if m.group() in keep else repr(m.group())[1:-1], text)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    columns = wcswidth(text)
    if columns < 0:  # a control character: count what can be counted
        from wcwidth import wcwidth as char_width

        return sum(max(char_width(ch), 0) for ch in text)
    return columns


def ljust(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# Chinese punctuation that must not start a line, and openers that must not end one.
_NO_LINE_START = set("，。、；：？！）》」』”’…%")
_NO_LINE_END = set("（《「『“‘")


def wrap(text: str, columns: int, *, initial: str = "", subsequent: str = "") -> list[str]:
    """``text`` wrapped to ``columns`` terminal columns, with the given indents.

    Latin text breaks at spaces exactly as :func:`textwrap.wrap` does (so English output is
    unchanged); text with Chinese characters may also break between any two wide characters,
    never before closing punctuation or after an opening bracket.
    """
    if text.isascii() or not any(_wide(ch) for ch in text):
        return textwrap.wrap(text, columns, initial_indent=initial, subsequent_indent=subsequent) or [initial.rstrip()]
    # A brand of two words stays on one line in Chinese text ("TikTok Shop", never "TikTok|Shop").
    glued = {name: name.replace(" ", "\u00a0") for name in _UNBROKEN if name in text}
    for name, kept in glued.items():
        text = text.replace(name, kept)
    lines = _wrap_wide(text, columns, initial=initial, subsequent=subsequent)
    return [_unglue(line, glued) for line in lines] if glued else lines


_UNBROKEN = ("TikTok Shop",)


def _unglue(line: str, glued: Mapping[str, str]) -> str:
    for name, kept in glued.items():
        line = line.replace(kept, name)
    return line


def _wrap_wide(text: str, columns: int, *, initial: str, subsequent: str) -> list[str]:
    lines: list[str] = []
    line, indent = "", initial
    for token in _tokens(text):
        candidate = (line + token) if line else token.lstrip()
        if line and width(indent + candidate.rstrip()) > columns:
            lines.append(indent + line.rstrip())
            indent = subsequent
            line = token.lstrip()
        else:
            line = candidate
    if line or not lines:
        lines.append(indent + line.rstrip())
    return lines


# What a line may start with that its continuation lines keep in its place: an indent, then a tree's
# branches ("│  ├─ "), a list mark ("- ", "+ ", "! ", "? ") or a number ("1. ").
_LINE_LEAD = re.compile(r"^( *(?:[│├└─ ]*[├└]─ )?(?:[-+!?*] |\d+\. )?)")


def fit(text: str, columns: int | None) -> str:
    """Every line of ``text`` wrapped to ``columns`` terminal columns (``None``: as it is).

    A long line's continuation is indented under its text, past its indent, tree branches or list
    mark; a line that fits, and a URL that cannot be broken, are left as they are.
    """
    if columns is None:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if width(line) <= columns:
            out.append(line)
            continue
        lead = _LINE_LEAD.match(line)
        head = lead.group(1) if lead else ""
        hang = head.replace("├─", "│ ").replace("└─", "  ")
        hang = re.sub(r"[-+!?*] $|\d+\. $", lambda m: " " * len(m.group()), hang)
        cells = list(re.finditer(r"\S  +(?=\S)", line))
        if cells and width(line[: cells[-1].start() + 1]) <= columns:
            # A table row: the columns before the last cell stay clear; the last cell continues under
            # itself, or, when little room is left for it, goes under the row, past its indent.
            row, last = line[: cells[-1].start() + 1], line[cells[-1].end() :]
            beside = line[: cells[-1].end()]
            lines = wrap(last, columns, initial=beside, subsequent=" " * width(beside)) if width(beside) <= columns - 16 else []
            if not lines or any(width(wrapped) > columns for wrapped in lines):
                indent = " " * (len(row) - len(row.lstrip(" ")) + 4)
                lines = [row, *wrap(last, columns, initial=indent, subsequent=indent)]
            out.extend(lines)
            continue
        if width(hang) > columns // 2:
            hang = " " * 4
        out.extend(wrap(line[len(head) :], columns, initial=head, subsequent=hang))
    return "\n".join(out)


def _tokens(text: str) -> Iterator[str]:
    # A token is a run that must stay on one line: a Latin word with its leading space, or one wide
    # character together with any closing punctuation after it (and an opening bracket before it).
    i, n = 0, len(text)
    while i < n:
        j = i
        if text[j] == " ":
            while j < n and text[j] == " ":
                j += 1
        while j < n and text[j] in _NO_LINE_END:
            j += 1
        if j < n and _wide(text[j]):
            j += 1
        else:
            while j < n and text[j] != " " and not _wide(text[j]):
                j += 1
        while j < n and text[j] in _NO_LINE_START:
            j += 1
        if j == i:  # defensive: always advance
            j = i + 1
        yield text[i:j]
        i = j


__all__ = [
    "CJK",
    "LANGS",
    "N_",
    "_",
    "catalogue",
    "current",
    "day",
    "fit",
    "ljust",
    "model_words",
    "named",
    "series",
    "shown",
    "ValueStyle",
    "ngettext",
    "number",
    "percent",
    "placeholders",
    "tidy",
    "width",
    "wrap",
]
