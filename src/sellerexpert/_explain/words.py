"""The words of an explanation: values, headlines, fact labels, and a trace's rule texts in the language.

A trace is recorded in English; :class:`RuleTexts` says its rule texts in the
language in force whenever today's rule book still says what the trace
recorded. The HOW tree, the why-not answers and the DOT graph all label facts
and values with the functions here, so they read alike.

May import: the trace, the rule book and its templates, the profile (value
words), the value space (``ABSENT``), the economics (margin facts), the errors, i18n.
Nothing of the other ``_explain*`` modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .._economics.landed import landed_comparison
from .._economics.margins import margin_facts
from .._engine.space import ABSENT
from .._errors import ProfileError
from .._i18n import _, current, day, model_words, named, percent, shown
from .._profile.profile import SellerProfile
from .._results.trace import FactRecord, OtherRecord, PlatformRecord, SellerRecord, Trace, split_runs
from .._rulebook.routes import ROUTE_FACT_TYPES, SellerTerms, market_routes
from .._rulebook.rulebook import RuleBook
from .._rulebook.templates import render


def headline(platform_name: str, model: str, confidence: float) -> str:
    """``Temu: fully-managed (confidence 0.78)``: a recommendation in one line."""
    # English keeps the decimal it always printed; Chinese reads a confidence as the report writes it (79%).
    shown_confidence = f"{confidence:.2f}" if current() == "en" else percent(confidence)
    return _("{platform}: {model} (confidence {confidence})").format(
        platform=platform_name, model=model_words(model), confidence=shown_confidence
    )


def value_text(value: Any) -> str:
    """A fact's value in a derivation (:func:`sellerexpert._i18n.shown`'s ``derivation`` style): ``unknown``
    for none or a value the rules saw as missing, a list (markets, regions) as one value of codes."""
    return shown(None if value is ABSENT else value, "derivation")


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class RuleTexts:
    """Rule texts in the language in force, for a trace recorded in English.

    A text is re-rendered from today's rule book in the language only when the rule book's English,
    rendered with the trace's facts, is exactly what the trace recorded: then the translation says
    the same thing. Otherwise (a rule changed or gone) the recorded English stands.
    """

    def __init__(self, trace: Trace, rulebook: RuleBook, lang: str) -> None:
        self._rules = {r.id: r for r in rulebook.rules}
        self._platforms = rulebook.platforms
        self._lang = lang
        # JSON gives lists where the rule book holds tuples: compared and quoted as tuples.
        seller = {f.field: _tupled(f.value) for f in trace.facts if isinstance(f, SellerRecord)}
        platform: dict[str, dict[str, Any]] = {}
        for record in trace.facts:
            if isinstance(record, PlatformRecord):
                platform.setdefault(record.platform, {})[f"platform.{record.field}"] = _tupled(record.value)
        # A consultation runs the rules once per target market: each market's platform facts apart, and the
        # route facts of each (recorded in English) worked out again for the language's wording.
        markets: list[str] = []
        for firing in trace.firings:
            if firing.market is not None and firing.market not in markets:
                markets.append(firing.market)
        runs = split_runs(trace.facts)
        self._by_market: dict[tuple[str, str], dict[str, Any]] = {}
        if len(runs) == len(markets):
            for market, facts in zip(markets, runs, strict=True):
                for record in facts:
                    if isinstance(record, PlatformRecord):
                        self._by_market.setdefault((record.platform, market), {})[f"platform.{record.field}"] = _tupled(
                            record.value
                        )
        self._routes: dict[tuple[str, str], dict[str, Any]] = {}
        if lang != "en" and markets and rulebook.routes:
            terms: SellerTerms | None
            try:
                terms = SellerTerms.of(SellerProfile.from_dict(trace.profile))
            except ProfileError:
                terms = None
            for (name, market) in self._by_market:
                if terms is not None and name in rulebook.platforms:
                    found = market_routes(
                        rulebook.routes, rulebook.presence, rulebook.markets, name,
                        rulebook.platforms[name].name_in(lang), market, terms, lang,
                    )
                    self._routes[(name, market)] = found.facts(lang)
        for firing in trace.firings:
            for record in firing.asserted:
                if isinstance(record, SellerRecord) and record.assumed:
                    seller[record.field] = _tupled(record.value)
        self._seller = seller
        self._platform_facts = platform
        # The facts a consultation computes from the seller's own numbers (the margin summary a margin
        # rule quotes) are recorded in English; worked out again here for the language's wording.
        self._computed: dict[tuple[str, str], dict[str, Any]] = {}
        if lang != "en" and trace.profile.get("economics") is not None:
            try:
                whole = SellerProfile.from_dict(trace.profile)
                for run_market in markets or [""]:
                    sub = whole.in_market(run_market) if run_market else whole
                    names = {p: rulebook.platforms[p].name_in(lang) for p in sub.platforms if p in rulebook.platforms}
                    comparison = landed_comparison(rulebook, sub, names=names, lang=lang)
                    for platform_id, margin in margin_facts(sub, lang=lang, comparison=comparison).items():
                        self._computed[(platform_id, run_market)] = margin
            except ProfileError:
                self._computed = {}

    def _contexts(self, platform: str | None, market: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The facts a text was rendered with (English) and the same facts as the language quotes them."""
        if platform is None or platform not in self._platforms:
            return dict(self._seller), dict(self._seller)
        spec = self._platforms[platform]
        book = {name: _tupled(value) for name, value in spec.fact_values("en").items()}
        recorded = self._by_market.get((platform, market or ""), self._platform_facts.get(platform, {}))
        english = {**self._seller, **book, **recorded}
        local = dict(english)
        # A text fact is quoted in the language only where the trace holds the rule book's own English value.
        for name, value in spec.fact_values(self._lang).items():
            if english.get(name) == book.get(name):
                local[name] = value
        local.update((f"platform.{name}", value) for name, value in self._computed.get((platform, market or ""), {}).items())
        local.update((f"platform.{name}", value) for name, value in self._routes.get((platform, market or ""), {}).items())
        return english, local

    def text(
        self, rule_id: str, key: Literal["statement", "caveat"], platform: str | None, recorded: str, market: str | None = None
    ) -> str:
        """The rule's ``key`` text in the language, or ``recorded`` when the rule book no longer says it."""
        rule = self._rules.get(rule_id)
        if self._lang == "en" or rule is None:
            return recorded
        english, local = self._contexts(platform, market)
        if render(rule.text(key), english) != recorded:
            return recorded
        return render(rule.text(key, self._lang), local, lang=self._lang)

    def assumption(self, rule_id: str, recorded: str) -> str:
        """An assumption's text (the rule's statement as written) in the language."""
        rule = self._rules.get(rule_id)
        if self._lang == "en" or rule is None or rule.statement != recorded:
            return recorded
        return rule.text("statement", self._lang)

    def fact_value(self, platform: str, name: str, recorded: Any, market: str | None = None) -> Any:
        """A platform fact's text value in the language, when the trace holds the rule book's English value."""
        if self._lang != "en" and name in ROUTE_FACT_TYPES and market is not None:
            english = self._by_market.get((platform, market), {}).get(f"platform.{name}")
            local = self._routes.get((platform, market), {}).get(name)
            return local if local is not None and english == _tupled(recorded) else recorded
        spec = self._platforms.get(platform)
        fact = spec.facts.get(name) if spec is not None else None
        if self._lang == "en" or fact is None or _tupled(recorded) != fact.value:
            return recorded
        if isinstance(fact.value, str):
            return fact.text("value", self._lang)
        translated = spec.fact_values(self._lang).get(f"platform.{name}") if spec is not None else None
        return list(translated) if isinstance(translated, tuple) else recorded

    def platform_name_of(self, platform: str) -> str:
        """The platform's name in the language (速卖通), its id in English or when the rule book has no such platform."""
        spec = self._platforms.get(platform)
        return spec.name_in(self._lang) if spec is not None and self._lang != "en" else platform

    def platform_name(self, platform: str, recorded: str) -> str:
        """The platform's name as sellers write it in the language (速卖通)."""
        spec = self._platforms.get(platform)
        return spec.name_in(self._lang) if spec is not None and spec.name == recorded else recorded


def fact_label(
    record: FactRecord, rests_on: Mapping[str, Mapping[str, Any]], texts: RuleTexts | None = None, market: str | None = None
) -> str:
    """A trace fact as one line: ``field = value (you said)``, a dated platform fact, or what asserted it."""
    if isinstance(record, SellerRecord):
        how = _("assumed") if record.assumed else _("you said")
        return _("{field} = {value} ({how})").format(field=named(record.field), value=value_text(record.value), how=how)
    if isinstance(record, PlatformRecord):
        name = f"platform.{record.field}"
        value = record.value
        if texts is not None:
            value = texts.fact_value(record.platform, record.field, value, market)
        platform = texts.platform_name_of(record.platform) if texts is not None else record.platform
        label = _("{platform}: {field} = {value}").format(
            platform=platform, field=record.field if current() == "en" else named(name), value=value_text(value)
        )
        dated = rests_on.get(name)
        if dated is not None:
            label += _(" (as of {date}, sources: {sources})").format(
                date=day(str(dated.get("as_of"))), sources=", ".join(dated.get("sources", []))
            )
        return label
    if isinstance(record, OtherRecord):
        return _("{kind} from {rule}").format(kind=record.written_kind, rule=written(record, "rule"))
    return _("{kind} from {rule}").format(kind=record.kind, rule=getattr(record, "rule", None))


def written(record: OtherRecord, key: str) -> Any:
    """A key of a record no engine writes, as the file holds it (``None`` when it has none)."""
    return record.data.get(key) if isinstance(record.data, Mapping) else None

