"""Render a consultation result for people: plain text for a terminal, Markdown for a report.

The JSON form is :meth:`ConsultationResult.to_json`; these renderings are
derived from the same result and add nothing the result does not hold.

Both renderings read one :class:`Report` built by :func:`build_report`, so the
text and the Markdown say the same thing: a summary table with the best
platform and why, then per platform its (at most) three strongest reasons in
plain words, then the caveats that apply to this seller, each once however
many platforms it concerns and most important first, then what was assumed.
Rule ids, weights, sources and field names appear only with ``details=True``.
Jargon is explained where it first appears. A dated platform fact past its
review date is marked ("as of 2025-05, re-check").

Every word the report adds is a program string (``_``), so the report speaks the
language of the result (``Advisor.consult(..., lang=)``), or ``lang=``; the
result's own texts come in its language from the advisor. Terminal layout counts display columns (a Chinese character
takes two), so the Chinese report lines up like the English one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from .. import _i18n, _language
from .._i18n import N_, _, model_words, ngettext
from .._profile.profile import FIELDS_BY_NAME
from .result import Assumption, Caveat, ConsultationResult, MarketAdvice, PlatformFactUsed, Reason, Recommendation

FORMATS: tuple[str, ...] = ("text", "json", "markdown")
REASONS_SHOWN = 3
"""How many reasons each platform shows by default (``details`` shows all)."""

# Terms a seller may not know, explained where the report first uses one (longest first, so that
# "EU Responsible Person" is matched before "EU"). Kept short: the report must fit one screen.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("EU Responsible Person", N_("someone in the EU answerable for your products' safety")),
    ("de minimis", N_("the duty-free allowance for low-value parcels")),
    ("Y2", N_("Temu's option to ship semi-managed US orders from China")),
    ("EPR", N_("extended producer responsibility: registration and recycling fees for packaging and electronics")),
    ("GPSR", N_("the EU General Product Safety Regulation")),
    ("VAT", N_("value-added tax")),
    ("POP", N_("a store you run yourself")),
    ("Cainiao", N_("Alibaba's logistics company")),
    ("Choice", N_("AliExpress's badge for fast, free-shipping offers")),
)
_TERMS = [(term, explanation, re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])")) for term, explanation in GLOSSARY]

# The Chinese report explains the terms of docs/glossary-zh.md a seller new to cross-border trade may
# not know, and the English report's terms as Chinese sellers write them. Each entry is the term's
# English name (its catalogue translation is the Chinese term the texts use) and its explanation;
# the English spelling of a term the English report explains too is matched as well, since some
# stay Latin in Chinese text (VAT, EPR, Y2, de minimis).
GLOSSARY_ZH: tuple[tuple[str, str], ...] = (
    (N_("EU Responsible Person"), N_("someone in the EU answerable for your products' safety")),
    (N_("de minimis"), N_("the duty-free allowance for low-value parcels")),
    ("Y2", N_("Temu's option to ship semi-managed US orders from China")),
    ("EPR", N_("extended producer responsibility: registration and recycling fees for packaging and electronics")),
    ("GPSR", N_("the EU General Product Safety Regulation")),
    ("VAT", N_("value-added tax")),
    ("POP", N_("a store you run yourself")),
    (N_("Cainiao"), N_("Alibaba's logistics company")),
    ("Choice", N_("AliExpress's badge for fast, free-shipping offers")),
    (N_("overseas warehouse"), N_("a warehouse in your buyers' market")),
    (N_("first-leg freight"), N_("shipping your goods from China to the warehouse in the market")),
    (N_("last-mile delivery"), N_("delivery from the warehouse to the buyer's door")),
    (N_("price review"), N_("the platform's check of the supply price you declare")),
)
"""The Chinese report's terms (English names, translated where used): see :data:`GLOSSARY`."""

GLOSSARIES: dict[str, tuple[tuple[str, str], ...]] = {"en": GLOSSARY, "zh": GLOSSARY_ZH}
"""The terms each language's report explains at first use."""

Style = Callable[..., str]


_CONFIDENCE_WORDS = {"high": N_("high"), "moderate": N_("moderate"), "low": N_("low")}


def confidence_level(confidence: float) -> str:
    """How sure the advice is, as a key: ``high`` (0.8 and up), ``moderate`` (0.6 and up) or ``low``."""
    if confidence >= 0.8:
        return "high"
    if confidence >= 0.6:
        return "moderate"
    return "low"


def confidence_words(confidence: float) -> str:
    """How sure the advice is, in words of the language in force: ``high``, ``moderate`` or ``low`` (高, 中, 低)."""
    return _(_CONFIDENCE_WORDS[confidence_level(confidence)])


def confidence_text(confidence: float) -> str:
    """A confidence as a person reads it, e.g. ``95% (high)`` (``95%（高）``)."""
    return _("{percent}% ({words})").format(percent=_i18n.number(round(confidence * 100)), words=confidence_words(confidence))


def _plain(text: str, **_style: object) -> str:
    return text


def _ansi(text: str, *, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    # ANSI codes written here rather than with click.style: the library must not import click.
    codes = [code for flag, code in ((bold, "1"), (dim, "2")) if flag]
    colours = {"green": "32", "yellow": "33", "red": "31", "cyan": "36", "magenta": "35"}
    if fg is not None:
        codes.append(colours[fg])
    if not codes:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def _report_language(result: ConsultationResult, lang: str | None) -> str:
    """The report's language: ``lang`` if given, else the language of the result's own texts."""
    return lang if lang is not None else result.lang


def _label(words: str) -> str:
    """A heading word before text on the same line: ``Best overall: `` (a full-width colon needs no space)."""
    return words if words.endswith("：") else words + " "


def _model_colour(model: str) -> str:
    return "cyan" if model == "fully-managed" else "magenta"


def _title(result: ConsultationResult) -> str:
    name = result.profile.name
    if name:
        return _("Advice for {name}").format(name=_i18n.printable(name))
    # Chinese names the advice ("模式建议") as it does with a name; English keeps its one word.
    return _("Advice") if _i18n.current() == "en" else _("Advice for {name}").format(name="").rstrip(" :：")


# -- the report, built once -----------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One reason or caveat as the report shows it: plain text, and the details ``--details`` adds."""

    text: str
    details: str = ""
    against: bool = False
    """A reason for the other model (marked "-", not "+")."""


@dataclass(frozen=True)
class PlatformSection:
    """One platform's verdict and its strongest reasons."""

    rec: Recommendation
    verdict: str
    reasons: tuple[Line, ...]
    more: int
    """How many further reasons were left out (shown with ``details``)."""


@dataclass(frozen=True)
class Report:
    """What a person reads, independent of the format it is printed in."""

    title: str
    rows: tuple[tuple[str, str, str, str], ...]
    """Summary table: platform, advice, confidence, note."""
    best: str
    platforms: tuple[PlatformSection, ...]
    caveats: tuple[Line, ...]
    assumed: tuple[Line, ...]
    hidden: int = 0
    """Caveats left out because they concern only a model the advice is against (``details`` shows them)."""
    more: int = 0
    """Caveats left out past the first :data:`CAVEATS_SHOWN` (``details`` shows them)."""
    routes: tuple[str, ...] = ()
    """Per platform, its route in each target market in plain words, markets that agree on one line."""
    shared: tuple[tuple[str, Line], ...] = ()
    """Reasons several platforms share, each once, with the platforms it concerns."""


def _stale(facts: Sequence[PlatformFactUsed], today: date) -> str:
    """A re-check mark for the dated platform facts past their review date, or ''."""
    due = sorted({f.as_of for f in facts if f.due(today)})
    return _(" (as of {dates}, re-check)").format(dates=_i18n.series([_i18n.day(d) for d in due])) if due else ""


def _reason_details(reason: Reason) -> str:
    # Rule ids, field names and source ids stay as written (they are what --details is for).
    if reason.kind == "constraint":
        other = "semi-managed" if reason.favours == "fully-managed" else "fully-managed"
        tag = _("rules out {model}").format(model=model_words(other))
    else:
        tag = _("{model}, weight {weight}").format(model=model_words(reason.favours), weight=reason.weight)
    assumed = _("; assumed: {fields}").format(fields=", ".join(reason.assumed)) if reason.assumed else ""
    sources = f" [{', '.join(reason.sources)}]" if reason.sources else ""
    return _("{rule}: {tag}").format(rule=reason.rule, tag=tag) + assumed + sources


def _reason_line(reason: Reason, today: date) -> Line:
    text = reason.text + _stale(reason.rests_on, today)
    if reason.assumed:
        text += _(" (this rests on an assumption: see below)")
    return Line(text, _reason_details(reason))


def _verdict(rec: Recommendation) -> str:
    model = model_words(rec.model)
    if rec.outcome == "neither-fits" and rec.route is not None:
        return _("your own store (no managed model fits)")
    if rec.outcome == "unknown-market":
        return _("not advised: no facts on your markets")
    if rec.outcome == "neither-fits":
        return _("neither model fits (the lesser misfit: {model})").format(model=model)
    if rec.outcome == "run-both":
        return _("{model}, or run both").format(model=model)
    return model


def _note(rec: Recommendation) -> str:
    if rec.outcome == "neither-fits":
        return _("both ruled out")
    if rec.outcome == "run-both":
        return _("close: you may run both")
    if rec.basis == "exclusion":
        return _("{model} ruled out").format(model=model_words(rec.excluded[0]))
    if rec.basis == "tie":
        return _("evenly balanced")
    return ""


def _applies(rec: Recommendation, caveat: Caveat) -> bool:
    """Whether a caveat concerns the advice given on this platform (not only the model it advises against)."""
    about = CAVEAT_MODEL.get(caveat.rule)
    return about is None or about == rec.model or rec.outcome != "one-model"


def _groups(result: ConsultationResult, details: bool) -> dict[tuple[str, str], list[tuple[Recommendation, Caveat]]]:
    """Caveats grouped: one group per rule and text, the platform's own name set aside where that is all that differs."""
    by_rule: dict[str, list[tuple[Recommendation, Caveat]]] = {}
    for rec in result.recommendations:
        for caveat in rec.caveats:
            if details or _applies(rec, caveat):
                by_rule.setdefault(caveat.rule, []).append((rec, caveat))
    groups: dict[tuple[str, str], list[tuple[Recommendation, Caveat]]] = {}
    for rule, members in by_rule.items():
        if len({c.text for _unused, c in members}) == 1:
            groups[(rule, members[0][1].text)] = members
            continue
        for rec, caveat in members:
            # "\0" stands for the platform's own name, so "Temu sets..." and "TikTok Shop sets..." share a group.
            key = caveat.text.replace(rec.platform_name, "\0") if rec.platform_name in caveat.text else caveat.text
            groups.setdefault((rule, key), []).append((rec, caveat))
    return groups


def _caveats(result: ConsultationResult, order: Sequence[str], today: date, details: bool) -> tuple[Line, ...]:
    """Every caveat once, naming the platforms it concerns unless it concerns all, most important first."""
    groups = _groups(result, details)
    everyone = len(result.recommendations)
    rank = {rule: index for index, rule in enumerate(order)}
    first_seen = {key: index for index, key in enumerate(groups)}

    def importance(key: tuple[str, str]) -> tuple[int, int, int]:
        return (rank.get(key[0], len(rank)), -len(groups[key]), first_seen[key])

    lines = []
    for key in sorted(groups, key=importance):
        members = groups[key]
        rec, caveat = members[0]
        names = [m[0].platform_name for m in members]
        if len(members) == 1:
            text = (
                caveat.text
                if rec.platform_name in caveat.text or everyone == 1
                else _("{platforms}: {text}").format(platforms=rec.platform_name, text=caveat.text)
            )
        else:
            text = _shared_text(key[1], names, everyone=len(members) == everyone)
        facts = [f for _unused, c in members for f in c.rests_on]
        text += _stale(facts, today)
        extra = f"{caveat.rule} [{', '.join(caveat.sources)}]" if details and caveat.sources else caveat.rule
        lines.append(Line(text, extra))
    return tuple(lines)


def _shared_text(text: str, names: Sequence[str], *, everyone: bool) -> str:
    """A caveat several platforms share, with their names where one platform's name stood ("\0").

    The names go where the name was ("Temu and TikTok Shop's fully-managed only takes..."), not into
    a prefix before a generic "the platform": a placeholder word reads as a bug in Chinese ("平台 半托管").
    Later mentions say "the platform".
    """
    first = text.find("\0")
    if first < 0:
        return text if everyone else _("{platforms}: {text}").format(platforms=_and(names), text=text)
    head, tail = text[:first], text[first + 1 :]
    tail = tail.replace("\0's", _("the platform's")).replace("\0", _("the platform"))
    return _i18n.tidy(head + _and(names) + tail)


def _and(names: Sequence[str]) -> str:
    """``A and B``, ``A, B and C`` (``A、B 和 C``; no space between two Chinese names: ``美国和英国``)."""
    if len(names) < 2:
        return _i18n.series(names)
    return _i18n.tidy(_("{earlier} and {last}").format(earlier=_i18n.series(names[:-1]), last=names[-1]))


def _assumed(result: ConsultationResult, details: bool) -> tuple[Line, ...]:
    assumptions: tuple[Assumption, ...] = result.recommendations[0].assumptions if result.recommendations else ()
    lines = [Line(a.text, f"{a.field} = {_i18n.shown(a.value, 'listed')} ({a.rule})") for a in assumptions if a.rule is not None]
    skipped = [a for a in assumptions if a.rule is None]
    if skipped:
        meanings = [_(FIELDS_BY_NAME[a.field].meaning) if a.field in FIELDS_BY_NAME else a.field for a in skipped]
        text = meanings[0]
        for meaning in meanings[1:]:
            text = _("{earlier}; {later}").format(earlier=text, later=meaning)
        lines.append(
            Line(
                _("Not answered, so left out of the weighing (answers would firm up the advice): {meanings}.").format(
                    meanings=text
                ),
                ", ".join(a.field for a in skipped),
            )
        )
    return tuple(lines)


def build_report(
    result: ConsultationResult,
    *,
    today: date | None = None,
    details: bool = False,
    caveat_order: Sequence[str] = (),
    lang: str | None = None,
) -> Report:
    """Shape a result into what a person reads (see the module docstring).

    :param today: the day staleness is judged by (default: the system date).
    :param details: keep every reason, and attach rule ids, weights, sources and field names.
    :param caveat_order: caveat rule ids, most important first (default: the shipped order).
    :param lang: the language of the report's own words (default: the result's language).
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _language.use(_report_language(result, lang)):
        return _build_report(result, today=today, details=details, caveat_order=caveat_order)


def _build_report(result: ConsultationResult, *, today: date | None, details: bool, caveat_order: Sequence[str]) -> Report:
    today = today or date.today()
    order = caveat_order or CAVEAT_ORDER
    rows = tuple(
        (rec.platform_name, _verdict(rec), confidence_text(rec.confidence), _note(rec)) for rec in result.recommendations
    )
    chosen: list[list[Reason]] = []
    for rec in result.recommendations:
        # Where neither model fits, what closes each (and so what would open it) is the reason to show.
        pro = (
            [r for r in rec.reasons if r.kind == "constraint"]
            if rec.outcome == "neither-fits"
            else [r for r in rec.reasons if r.favours == rec.model]
        )
        chosen.append(pro if details else pro[:REASONS_SHOWN])
    # A reason several platforms give in the same words is printed once, naming them.
    holders: dict[str, list[str]] = {}
    for rec, shown in zip(result.recommendations, chosen, strict=True):
        for reason in shown:
            holders.setdefault(reason.text, []).append(rec.platform_name)
    shared_texts = {text for text, names in holders.items() if len(names) > 1} if not details else set()
    shared: list[tuple[str, Line]] = []
    seen: set[str] = set()
    sections = []
    for rec, shown in zip(result.recommendations, chosen, strict=True):
        lines = []
        for reason in shown:
            if reason.text in shared_texts:
                if reason.text not in seen:
                    seen.add(reason.text)
                    shared.append((_and(holders[reason.text]), _reason_line(reason, today)))
                continue
            lines.append(_reason_line(reason, today))
        if details:
            lines += [
                Line(_("Against: {text}").format(text=r.text) + _stale(r.rests_on, today), _reason_details(r), against=True)
                for r in rec.reasons
                if r.favours != rec.model
            ]
        sections.append(PlatformSection(rec, _verdict(rec), tuple(lines), len(rec.reasons) - len(shown) if not details else 0))
    caveats = _caveats(result, order, today, details)
    everything = len(_groups(result, True))
    shown_caveats = caveats if details else caveats[:CAVEATS_SHOWN]
    return Report(
        title=_title(result),
        rows=rows,
        best=result.best.why
        or _("{platform}, {model}").format(platform=result.best.platform, model=model_words(result.best.model)),
        platforms=tuple(sections),
        caveats=shown_caveats,
        assumed=_assumed(result, details),
        hidden=0 if details else everything - len(caveats),
        more=len(caveats) - len(shown_caveats),
        routes=tuple(line for rec in result.recommendations for line in _route_lines(rec)),
        shared=tuple(shared),
    )


def _route_lines(rec: Recommendation) -> list[str]:
    """The platform's route per market in plain words: "Temu, the US and Germany: fully-managed, supplying ... (60%)"."""
    groups: dict[tuple[object, ...], list[MarketAdvice]] = {}
    for entry in rec.markets:
        groups.setdefault((entry.route, entry.model, entry.outcome, entry.confidence), []).append(entry)
    lines = []
    for (_route, model, outcome_kind, confidence), entries in groups.items():
        where = _("{platform}, {markets}").format(platform=rec.platform_name, markets=_and([e.market_name for e in entries]))
        entry = entries[0]
        pct = _i18n.percent(float(confidence)) if isinstance(confidence, (int, float)) else ""
        if outcome_kind == "unknown-market":
            what = _("no facts on this market: not advised")
        elif model is None and entry.route_name:
            what = _("no managed model open; your route: {route}").format(route=entry.route_name)
        elif model is None:
            what = _("no route open to you")
        else:
            what = entry.route_name if entry.route_name else model_words(str(model))
            if outcome_kind == "run-both":
                what = _("{route}, or run both").format(route=what)
        lines.append(_("{where}: {what} ({pct})").format(where=where, what=what, pct=pct))
    return lines


CAVEAT_ORDER: tuple[str, ...] = (
    # Questions that can open or close a model come first, then money and law, then practicalities.
    "market_unknown",
    "market_weak",
    "full_route_unsure",
    "semi_route_unsure",
    "own_route_unsure",
    "full_pays_after_sale",
    "payout_terms_for_cash_flow",
    "us_de_minimis_ended",
    "eu_duty_favours_local_stock",
    "local_compliance_for_semi",
    "semi_demands_what_you_lack",
    "full_still_carries_stock_risk",
    "full_from_china_is_not_fast",
    "semi_ships_from_china_to_us",
    "sea_freight_needs_a_landing",
    "semi_returns_come_back_to_you",
    "semi_fees_shift_costs",
    "full_price_pressure",
    "platform_keeps_retail_price",
    "full_hands_over_price_and_promotion",
    "semi_fee_cut_at_launch",
    "seller_choice_separate_stores",
    "choice_badge_covers_both",
)
"""The order caveats are shown in, by rule id; caveats of rules not listed follow, most widely shared first."""

CAVEAT_MODEL: dict[str, str] = {
    # Caveats about one model: shown where that model is the advice (all of them with details).
    "semi_demands_what_you_lack": "semi-managed",
    "semi_fees_shift_costs": "semi-managed",
    "semi_returns_come_back_to_you": "semi-managed",
    "semi_ships_from_china_to_us": "semi-managed",
    "platform_keeps_retail_price": "semi-managed",
    "semi_fee_cut_at_launch": "semi-managed",
    "sea_freight_needs_a_landing": "semi-managed",
    "local_compliance_for_semi": "semi-managed",
    "full_still_carries_stock_risk": "fully-managed",
    "full_from_china_is_not_fast": "fully-managed",
    "full_price_pressure": "fully-managed",
    "full_hands_over_price_and_promotion": "fully-managed",
    "full_route_unsure": "fully-managed",
    "semi_route_unsure": "semi-managed",
}

CAVEATS_SHOWN = 6
"""Caveats the default report shows (the most important first); ``--details`` shows every one."""


class _Glossary:
    """Explains each term of the language's glossary (:data:`GLOSSARIES`) the first time the report uses it."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.lang = _i18n.current()
        self.terms = _TERMS if self.lang == "en" else _patterns(self.lang)

    def __call__(self, text: str) -> str:
        for term, explanation, pattern in self.terms:
            if term in self.seen:
                continue
            match = pattern.search(text)
            if match is None:
                continue
            before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
            inside = match.start() > 0 and before in ("(", "（") and after in (")", "）")
            if self.lang != "en" and not inside and _open_brackets(text[: match.start()]):
                # Inside a bracket already: a second bracket would nest ("（第三方海外仓（…））"); the
                # term is explained where it is next used outside one.
                continue
            if self.lang != "en" and after and after in _ZH_WORD_GOES_ON.get(term, ""):
                continue  # "菜鸟仓" is one word: 菜鸟 is explained where it stands alone
            self.seen.add(term)
            bracket = re.match(r" ?店?（([^（）]*)）", text[match.end() :])
            if self.lang != "en" and bracket is not None and match.group() in bracket.group(1):
                # A bracket that is about the term, not its explanation ("VAT（英国需要英国 VAT 税号）"):
                # the explanation opens it, "VAT（增值税；英国需要英国 VAT 税号）", rather than a second bracket.
                opening = match.end() + bracket.start(1)
                text = text[:opening] + _("{explanation}; ").format(explanation=_(explanation)) + text[opening:]
                continue
            if self.lang != "en" and re.match(r" ?店?[（(]", text[match.end() :]):
                # The translators' convention (docs/glossary-zh.md): a term in brackets after its first
                # use, "VAT（增值税）", "小额免税（de minimis）", "POP 店（商家自运营）", is already explained there.
                continue
            # "(GPSR)" becomes "(GPSR: the EU ...)" rather than nesting brackets.
            note = (_(": {explanation}") if inside else _(" ({explanation})")).format(explanation=_(explanation))
            rest = text[match.end() :]
            if note.endswith("）") and rest[:1] == " " and _i18n.width(rest[1:2]) == 2:
                rest = rest[1:]  # "VAT 需要" became "VAT（增值税）需要": no space after a full-width bracket
            text = text[: match.end()] + note + rest
        return text


def _open_brackets(text: str) -> int:
    """How many brackets opened in ``text`` are still open at its end."""
    return max(text.count("（") - text.count("）"), 0) + max(text.count("(") - text.count(")"), 0)


# Chinese words a term is part of, matched before the term alone: the explanation goes after the word
# ("尾程配送（…）"), not inside it ("尾程（…）配送").
_ZH_COMPOUNDS: dict[str, tuple[str, ...]] = {"last-mile delivery": ("尾程配送",), "first-leg freight": ("头程运输",)}
# Characters that make a term part of a longer word its explanation does not fit ("菜鸟仓" is a warehouse,
# not the company): the term is explained at a use where it stands alone.
_ZH_WORD_GOES_ON: dict[str, str] = {"Cainiao": "仓"}


def _patterns(lang: str) -> list[tuple[str, str, re.Pattern[str]]]:
    """The glossary of ``lang`` as (term, explanation, pattern) for each term's spellings in that language."""
    out = []
    glossed_in_english = {term for term, _explanation in GLOSSARY}
    for term, explanation in GLOSSARIES.get(lang, GLOSSARY):
        # The English spelling too where Chinese text keeps it ("de minimis", "Cainiao"); a term only
        # the Chinese report explains (海外仓) is matched in Chinese alone, not in an English leftover.
        compounds = set(_ZH_COMPOUNDS.get(term, ()) if lang == "zh" else ())
        spellings = sorted(
            ({_(term), term} if term in glossed_in_english else {_(term)}) | compounds,
            key=len,
            reverse=True,
        )
        # Latin spellings match whole words; a Chinese character is a word character to `re`, so the
        # bounds are ASCII letters ("速卖通 Choice" and "Choice店" both use the term Choice).
        alternatives = "|".join(
            r"(?<![A-Za-z0-9_-])" + re.escape(spelling) + r"(?![A-Za-z0-9_-])" if spelling.isascii() else re.escape(spelling)
            for spelling in spellings
        )
        out.append((term, explanation, re.compile(alternatives)))
    return out


def _more_text(count: int, *, markdown: bool = False) -> str:
    if markdown and _i18n.current() != "en":
        return ngettext("{count} more note in the full report", "{count} more notes in the full report", count).format(
            count=count
        )
    return ngettext("{count} more note: see --details", "{count} more notes: see --details", count).format(count=count)


def _hidden_text(count: int, *, markdown: bool = False) -> str:
    if markdown and _i18n.current() != "en":
        return ngettext(
            "{count} more note about the model we advise against in the full report",
            "{count} more notes about the model we advise against in the full report",
            count,
        ).format(count=count)
    return ngettext(
        "{count} more note about the model we advise against: see --details",
        "{count} more notes about the model we advise against: see --details",
        count,
    ).format(count=count)


def _wrap(text: str, indent: str, width: int, hang: str = "  ") -> list[str]:
    # Display columns, not characters: a Chinese character takes two (English wraps as textwrap does).
    return _i18n.wrap(text, width, initial=indent, subsequent=indent + hang) if text.strip() else [indent]


def _wrap_styled(text: str, indent: str, width: int, style: Style, color: bool, **how: object) -> list[str]:
    """``text`` wrapped, each line's words styled (the ANSI codes take no columns)."""
    if not color or _i18n.current() == "en":
        # English keeps its long-standing output byte for byte: the codes wrapped with the text.
        return _wrap(style(text, **how), indent, width)
    lines = _wrap(text, indent, width)
    return [line[: len(line) - len(line.lstrip(" "))] + style(line.lstrip(" "), **how) for line in lines]


def render_text(
    result: ConsultationResult,
    *,
    color: bool = False,
    width: int = 100,
    details: bool = False,
    today: date | None = None,
    lang: str | None = None,
) -> str:
    """The result as plain text that fits one screen: summary, three reasons per platform, caveats once each.

    :param color: add ANSI colour (the caller decides: only on a terminal, never with ``NO_COLOR``).
    :param width: wrap long lines at this many terminal columns (a Chinese character takes two).
    :param details: show every reason with its rule id, weight, sources and assumed fields.
    :param today: the day staleness is judged by (default: the system date).
    :param lang: the language of the report's own words (default: the result's language, the one
        the advisor was consulted in, so its texts and the report's words agree).
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _language.use(_report_language(result, lang)):
        return _render_text(result, color=color, width=width, details=details, today=today)


def _render_text(result: ConsultationResult, *, color: bool, width: int, details: bool, today: date | None) -> str:
    style: Style = _ansi if color else _plain
    report = build_report(result, today=today, details=details, lang=_i18n.current())
    explain = _Glossary()
    lines = [style(report.title, bold=True), ""]
    platform, advice, confidence, note_head = _("Platform"), _("Advice"), _("Confidence"), _("Note")
    name_w = max([_i18n.width(platform), *(_i18n.width(r[0]) for r in report.rows)])
    advice_w = max([_i18n.width(advice), *(_i18n.width(r[1]) for r in report.rows)])
    conf_w = max([_i18n.width(confidence), *(_i18n.width(r[2]) for r in report.rows)])
    header = f"  {_i18n.ljust(platform, name_w)}  {_i18n.ljust(advice, advice_w)}  {_i18n.ljust(confidence, conf_w)}  {note_head}"
    lines.append(style(header, bold=True))
    for (name, verdict, conf, note), section in zip(report.rows, report.platforms, strict=True):
        colour = {"high": "green", "moderate": "yellow", "low": "red"}[confidence_level(section.rec.confidence)]
        row = f"  {_i18n.ljust(name, name_w)}  " + style(_i18n.ljust(verdict, advice_w), fg=_model_colour(section.rec.model))
        lines.append((row + "  " + style(_i18n.ljust(conf, conf_w), fg=colour) + f"  {note}").rstrip())
    best_label = _label(_("Best overall:"))
    if not color or _i18n.current() == "en":
        lines += _wrap(
            style(best_label, bold=True) + explain(report.best), "", width + (len(style("", bold=True)) if color else 0)
        )
    else:
        best = _wrap(best_label + explain(report.best), "", width)
        lines += [style(best_label, bold=True) + best[0][len(best_label) :], *best[1:]]
    if report.routes:
        lines += ["", style(_("Routes by market:"), bold=True)]
        for route in report.routes:
            lines += _wrap(explain(route), "  ", width)
    if report.shared:
        lines += ["", style(_("Shared reasons:"), bold=True)]
        for names, line in report.shared:
            lines += _wrap("+ " + explain(_("{platforms}: {text}").format(platforms=names, text=line.text)), "  ", width)
    for section in report.platforms:
        rec = section.rec
        heading = _("{platform}: ").format(platform=rec.platform_name)
        lines += ["", style(heading, bold=True) + style(section.verdict, fg=_model_colour(rec.model), bold=True)]
        if rec.outcome_text:
            lines += _wrap(explain(rec.outcome_text), "  ", width)
        for line in section.reasons:
            lines += _wrap(("- " if line.against else "+ ") + explain(line.text), "  ", width)
            if details and line.details:
                lines += _wrap_styled(line.details, "      ", width, style, color, dim=True)
    if report.caveats:
        lines += ["", style(_("Keep in mind:"), bold=True)]
        for line in report.caveats:
            lines += _wrap("! " + explain(line.text), "  ", width)
            if details and line.details:
                lines += _wrap_styled(line.details, "      ", width, style, color, dim=True)
    if report.more:
        lines += _wrap(_("({text})").format(text=_more_text(report.more)), "  ", width)
    if report.hidden:
        lines += _wrap(_("({text})").format(text=_hidden_text(report.hidden)), "  ", width)
    if report.assumed:
        lines += ["", style(_("What we assumed:"), bold=True)]
        for line in report.assumed:
            lines += _wrap("? " + explain(line.text), "  ", width)
            if details and line.details:
                lines += _wrap_styled(line.details, "      ", width, style, color, dim=True)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Escape text for a Markdown table cell or list item."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("\n", " ")


def render_markdown(
    result: ConsultationResult, *, details: bool = False, today: date | None = None, lang: str | None = None
) -> str:
    """The same report as :func:`render_text`, in Markdown a consultant can paste.

    :param details: show every reason with its rule id, weight, sources and assumed fields, and the profile.
    :param today: the day staleness is judged by (default: the system date).
    :param lang: the language of the report's own words (default: the result's language).
    :raises LanguageError: for a language the advisor does not speak.
    """
    with _language.use(_report_language(result, lang)):
        return _render_markdown(result, details=details, today=today)


def _render_markdown(result: ConsultationResult, *, details: bool, today: date | None) -> str:
    report = build_report(result, today=today, details=details, lang=_i18n.current())
    explain = _Glossary()
    head = (_("Platform"), _("Advice"), _("Confidence"), _("Note"))
    out = [f"# {_md(report.title)}", "", "| " + " | ".join(_md(h) for h in head) + " |", "|---|---|---|---|"]
    out += [f"| {_md(a)} | {_md(b)} | {_md(c)} | {_md(d)} |" for a, b, c, d in report.rows]
    out += ["", "**" + _md(_("Best overall:")) + "** " + _md(explain(report.best)), ""]
    if report.routes:
        out += ["**" + _md(_("Routes by market:")) + "**", ""]
        out += ["- " + _md(explain(route)) for route in report.routes]
        out += [""]
    if report.shared:
        out += ["**" + _md(_("Shared reasons:")) + "**", ""]
        out += [
            "- " + _md(explain(_("{platforms}: {text}").format(platforms=names, text=line.text))) for names, line in report.shared
        ]
        out += [""]
    for section in report.platforms:
        out += ["## " + _("{platform}: ").format(platform=_md(section.rec.platform_name)) + _md(section.verdict), ""]
        if section.rec.outcome_text:
            out += [_md(explain(section.rec.outcome_text)), ""]
        for line in section.reasons:
            out.append(f"- {_md(explain(line.text))}" + (f" `{line.details}`" if details and line.details else ""))
        out.append("")
    if report.caveats:
        out += ["## " + _("Keep in mind"), ""]
        out += [f"- {_md(explain(c.text))}" + (f" `{c.details}`" if details and c.details else "") for c in report.caveats]
        out.append("")
    # A Markdown report goes to a client: it points to the full report, not to a command-line option.
    if report.more:
        out += [f"*{_md(_more_text(report.more, markdown=True))}*", ""]
    if report.hidden:
        out += [f"*{_md(_hidden_text(report.hidden, markdown=True))}*", ""]
    if report.assumed:
        out += ["## " + _("What we assumed"), ""]
        out += [f"- {_md(explain(a.text))}" + (f" `{a.details}`" if details and a.details else "") for a in report.assumed]
        out.append("")
    if details:
        out += ["## " + _("The profile"), "", "| " + _("Field") + " | " + _("Value") + " |", "|---|---|"]
        out += [f"| {_md(name)} | {_md(_i18n.shown(value, 'listed'))} |" for name, value in result.profile.to_dict().items()]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render(
    result: ConsultationResult,
    format: str,
    *,
    color: bool = False,
    details: bool = False,
    today: date | None = None,
    lang: str | None = None,
    width: int = 100,
) -> str:
    """The result in one of :data:`FORMATS` (``json`` is :meth:`ConsultationResult.to_json` plus a newline).

    :param details: text and markdown only: rule ids, weights, sources and field names (JSON always has them).
    :param today: the day staleness is judged by (default: the system date).
    :param lang: text and markdown: the language of the report's own words (default: the result's language).
    :param width: text only: the terminal columns to wrap at.
    :raises ValueError: for an unknown format.
    :raises LanguageError: for a language the advisor does not speak.
    """
    if format == "json":
        return result.to_json() + "\n"
    if format == "text":
        return render_text(result, color=color, details=details, today=today, lang=lang, width=width)
    if format == "markdown":
        return render_markdown(result, details=details, today=today, lang=lang)
    raise ValueError(f"unknown format '{format}' (allowed: {', '.join(FORMATS)})")
