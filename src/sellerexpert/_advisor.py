"""The advisor: the public entry point that runs consultations on a rule book."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import _i18n, _language
from . import _memory as memory
from ._economics import catalogue as _catalogue
from ._economics import margins as economics
from ._economics.landed import PricedRoutes, landed_comparison, market_columns, priced_routes
from ._engine.evaluator import Concluded, Conclusions, Evaluator, RunRecord, fact_values, hashable, plain
from ._engine.names import ENGINES, Engine
from ._engine.policy import (
    OutcomeAdvice,
    best_rank,
    choose_best,
    decisive_against,
    decisive_caveat,
    fit_of,
    lead_index,
    lead_market,
    market_model,
    outcome,
)
from ._errors import ProfileError
from ._profile.conditions import PLATFORM_PREFIX
from ._profile.profile import CORE_FIELDS, FIELDS_BY_NAME, MODELS, SellerProfile
from ._results.result import (
    Assumption,
    Best,
    Caveat,
    ConsultationResult,
    MarketAdvice,
    PlatformFactUsed,
    Reason,
    Recommendation,
)
from ._results.trace import DecisionRecord, FactRecord, Trace, combine_runs
from ._rulebook.loader import load_rulebook
from ._rulebook.routes import MarketRoutes, RouteCheck, SellerTerms, market_routes, route_reading, what_routes_read
from ._rulebook.rulebook import Rule, RuleBook
from ._rulebook.templates import filled, placeholders, render, split
from ._version import __version__

if TYPE_CHECKING:
    from experta import KnowledgeEngine

    from ._profile.rows import RowReader


_DECISION_ROUTE_FACTS = frozenset({"market_status", "full_route_status", "semi_route_status", "own_route_status"})
"""Route facts the decision step reads (``decide`` in :mod:`sellerexpert._engine.policy`), whatever the rules read."""

_SCALARS = frozenset((str, int, float, bool, type(None)))
"""Value types a shared record may hold without sharing anything a caller could change."""

_RESULT_BYTES = 1536
"""What the advice cache holds per recommendation in one market, with its reasons and caveats (measured)."""
_RESULTS_HELD = memory.allowance("advice", _RESULT_BYTES)
"""What the compiled path's advice cache may hold, per advisor (sellers the rules cannot tell apart), counted in
recommendations per market (:func:`advice_weight`): a seller of many platforms and markets weighs more. A batch
of few kinds of seller hits it all the same, and a diverse one never does."""

_ROUTE_ENTRY_BYTES = 400
"""What a route check filed by what it read holds besides its route facts' values and the checks and texts it shares
with others: its key, its :class:`MarketRoutes`, its tuple of checks and its mapping of route facts (measured)."""
_ROUTE_FACT_BYTES = 32
"""What each route fact adds to that mapping."""
_ROUTE_CHECK_BYTES = 240
"""What a route check shared between filings holds besides its texts."""
_TEXT_BYTES = 80
"""What a text shared between route checks holds besides its characters (one byte each: the texts are English)."""
_ROUTES_HELD = memory.allowance("route checks", 1)
"""What the route checks filed by what they read may hold, per advisor, in bytes with the checks and texts they
share. A diverse batch brings thousands per market, and checking a market's routes costs more than a seller's whole
settling: the memory the advice cache does not need is better spent here. (Counted in cells of a guessed 16 bytes,
1,200,000 of them grew a batch worker by some 100 MB: an entry held about 1.9 KB.)"""

_ROUTE_KEY_BYTES = 160
"""What a route check filed by the whole answers holds of its own: its key (the seller's terms) and its slot."""
_ROUTE_KEYS_KEPT = memory.allowance("route keys", _ROUTE_KEY_BYTES)
"""Route checks filed by the whole answers (their values are those filed by what they read, kept there)."""

_PIECE_BYTES = 256
"""What a worded reason or caveat holds with its key (measured)."""
_PIECES_KEPT = memory.allowance("pieces", _PIECE_BYTES)
_ASSUMED_BYTES = 1280
"""What a consultation's assumptions hold with their key (measured)."""
_ASSUMED_KEPT = memory.allowance("assumptions", _ASSUMED_BYTES)
_OUTCOME_BYTES = 512
"""What a platform's outcome in words holds with its key (measured)."""
_OUTCOMES_KEPT = memory.allowance("outcomes", _OUTCOME_BYTES)
_RESTS_ON_BYTES = 256
"""What the dated platform facts a firing rests on hold with their key."""
_RESTS_ON_KEPT = memory.allowance("rests on", _RESTS_ON_BYTES)
_WORDED_ROUTES_KEPT = memory.allowance("worded routes", 2048)
"""Route checks in another language, at about 2 KB each (nothing shared with the English ones)."""

_WORDED_KEPT = 256
"""Placed pieces one conclusion keeps, by platform, language and the seller's values its words quote."""
_MARKET_ENTRIES_KEPT = 1024
"""Market advice kept by market, answers and decision (:meth:`Advisor._market_advice`): a catalogue's products bring
a few dozen; each is some 1 KB, sharing its texts with the route checks kept."""
_SAME_LANGUAGE = contextlib.nullcontext()
"""The language context of advice worded in the language in force (:meth:`Advisor._advice`)."""
_LANG_TAIL = ', "lang": "en"}'
"""How an English result's compact JSON ends: the key a trace's ``result`` does not hold."""

_LANDED_KEPT = 128
"""Landed-cost comparisons remembered, per advisor (a consultation computes one per market; the why-not search
reads them), by what the comparison reads. A catalogue's consultant does not file its products' here
(:meth:`Advisor._compared`)."""
_COLUMNS_KEPT = 256
"""The columns priced per combination of answers the routes read, platforms, markets and language (a catalogue's
products bring a handful: the bound is for odd catalogues and long-running services)."""

_READINGS_KEPT = 4096
"""Runs of the rules a catalogue shares between products that read alike, and the first product's platform facts
per reading, per catalogue (10,000 generated products bring about 600 readings: the bound is for odd catalogues)."""
_ADVICE_KEPT = 2048
"""Platforms' advice and best platforms a catalogue keeps by the recommendations they are made of (each entry holds
those, so their identity stays its key): a product's ends up there whether or not another shares it."""



@dataclass(frozen=True)
class _Plan:
    """One run of the rules in a consultation: the market, the profile as that run sees it, its route
    checks per platform and the platform facts it adds (route facts, and a caller's overrides)."""

    market: str | None
    profile: SellerProfile
    routes: Mapping[str, MarketRoutes]
    overrides: dict[str, dict[str, Any]] | None
    terms: SellerTerms | None = None
    """The seller's answers as the routes read them (of the whole profile: "yes" to a local company
    says where the company is only when the seller names one market)."""

    def _with_profile(self, profile: SellerProfile) -> _Plan:
        """This plan with ``profile``: a catalogue's product's plan is its seller part's with its own profile, made
        without the frozen record's __init__ (five checked assignments, twice a product)."""
        plan = object.__new__(_Plan)
        plan.__dict__.update(self.__dict__, profile=profile)
        return plan


_BRIEFS_HELD = 2048
"""What the briefs (:class:`Brief`) kept for sellers the rules cannot tell apart may hold, per advisor, weighed as the
advice cache is (:func:`advice_weight`): their keys, the advice cache's, are most of their size (about 1 KB), so
about 2 MB in every process (8,192 by count took 9 MB more at the peak of a 10,000-row batch)."""


@dataclass(frozen=True, slots=True)
class Brief:
    """A consultation as a batch's CSV row reads it, and nothing in words: per platform (in the profile's order)
    its ``(platform, model, confidence, basis, reason rule ids in the result's order)``, the best platform as
    ``(platform, model, confidence)``, and the fields the first platform's assumptions name."""

    platforms: tuple[tuple[str, str, float, str, tuple[str, ...]], ...]
    best: tuple[str, str, float]
    assumed: tuple[str, ...]

    @classmethod
    def of(cls, recommendations: Sequence[Recommendation], best: Best) -> Brief:
        """The brief of an advice already worded (a result, or the advice cache's)."""
        return cls(
            tuple((r.platform, r.model, r.confidence, r.basis, tuple(x.rule for x in r.reasons)) for r in recommendations),
            (best.platform, best.model, best.confidence),
            tuple(a.field for a in recommendations[0].assumptions) if recommendations else (),
        )


@dataclass(frozen=True)
class ExampleFailure:
    """A rule example whose outcome differs from what the rule file says."""

    rule: str
    index: int
    expected: bool
    profile: Mapping[str, Any]
    platform: str | None

    def __str__(self) -> str:
        return (
            f"rule '{self.rule}' example {self.index}: expected it to {'fire' if self.expected else 'not fire'}"
            f" on {self.platform or 'any platform'} for profile {dict(self.profile)}"
        )


class Advisor:
    """Runs consultations against one rule book.

    The rule book is loaded, validated and compiled once; consultations are
    independent of each other and safe to call from several threads.

    :param rules_dir: a custom rule pack; ``None`` for the shipped rule book.
    :param firing_limit: stop a consultation after this many rule firings
        (a rule loop); defaults to the rule book's policy.
    :raises RuleBookError: when the rule files are invalid.
    :raises ValueError: for a ``firing_limit`` below 1.
    """

    def __init__(self, rules_dir: str | Path | None = None, *, firing_limit: int | None = None) -> None:
        if firing_limit is not None and (isinstance(firing_limit, bool) or not isinstance(firing_limit, int) or firing_limit < 1):
            raise ValueError(f"firing_limit must be a whole number of at least 1, got {firing_limit!r}")
        self._rules = load_rulebook(rules_dir)
        self._firing_limit = firing_limit or self._rules.policy.firing_limit
        self._evaluator = Evaluator(self._rules)
        # Compiled on first use: paths that only run the compiled evaluator (batch workers,
        # the interview) never pay for building the Experta network.
        self._engine: KnowledgeEngine | None = None
        # The rule book never changes after loading: derive these once, not per consultation.
        self._by_id = {rule.id: rule for rule in self._rules.rules}
        self._order = {rule.id: index for index, rule in enumerate(self._rules.rules)}
        self._sources = {rule.id: tuple(self._rules.source_labels(rule.sources)) for rule in self._rules.rules}
        self._platform_values = {
            (p, lang): platform.fact_values(lang) for p, platform in self._rules.platforms.items() for lang in _i18n.LANGS
        }
        self._rests_on: dict[tuple[Any, ...], tuple[PlatformFactUsed, ...]] = {}
        self._pieces: dict[tuple[Any, ...], Reason | Caveat | None] = {}
        self._outcomes: dict[tuple[Any, ...], OutcomeAdvice] = {}
        """A platform's outcome in words, by what it reads (decision, platform, language): few, and immutable."""
        self._market_entries: dict[tuple[Any, ...], MarketAdvice] = {}
        """A market's advice by market, answers and decision, its reasons and caveats swapped in per seller."""
        self._assumed: dict[Any, tuple[Assumption, ...]] = {}
        self._wording: dict[tuple[str, str], tuple[Rule, str, tuple[str, ...]]] = {}
        self._results: dict[tuple[Any, ...], tuple[tuple[Recommendation, ...], Best]] = {}
        self._results_held = 0
        """The advice cache's weight (:data:`_RESULTS_HELD`)."""
        self._briefs: dict[tuple[Any, ...], Brief] = {}
        """Briefs by the advice cache's key (:meth:`_brief`), for sellers whose advice was never worded."""
        self._briefs_held = 0
        """What :attr:`_briefs` weighs (:data:`_BRIEFS_HELD`)."""
        # What a brief reads of each concluding rule: ("reason", its place among the reasons, favours, kind,
        # weight) as a result's Reason has them, or ("caveat",); assumptions conclude nothing on a platform.
        self._brief_rules: dict[str, tuple[Any, ...]] = {}
        for index, rule in enumerate(self._rules.rules):
            then = rule.then
            if then.kind in ("evidence", "exclude"):
                kind = "evidence" if then.kind == "evidence" else "constraint"
                place = (kind != "constraint", -(then.weight or 0), index)
                self._brief_rules[rule.id] = ("reason", place, rule.favours or "", kind, then.weight)
            elif then.kind == "caveat":
                self._brief_rules[rule.id] = ("caveat",)
        self._route_cache: dict[tuple[str, str, Any], tuple[MarketRoutes, Mapping[str, Any]]] = {}
        self._route_read: dict[tuple[str, str, Any], tuple[MarketRoutes, Mapping[str, Any]]] = {}
        """Route checks by what they read of the answers (:meth:`_route_answers`)."""
        self._route_read_held = 0
        """What :attr:`_route_read` holds, in bytes with the checks and texts it shares (:data:`_ROUTES_HELD`)."""
        self._route_checks: dict[tuple[Any, ...], RouteCheck] = {}
        self._route_texts: dict[str, str] = {}
        """The route checks and texts the entries of :attr:`_route_read` share (:meth:`_file_routes`)."""
        self._route_reading: dict[tuple[str, str], tuple[tuple[str, Any], ...]] = {}
        self._routes_worded: dict[tuple[str, str, Any, str], MarketRoutes] = {}
        """Route checks in another language than English, filed as the English ones are."""
        # The last landed-cost comparisons: a catalogue prices each product's routes as its consultation did.
        self._landed_memo: dict[Any, tuple[bool, economics.MarginComparison]] = {}
        """By what a comparison reads (:meth:`_landed`), with whether it is brief."""
        self._columns_memo: dict[Any, tuple[dict[str, tuple[economics.MarketColumns, ...]] | None, PricedRoutes]] = {}
        """The columns priced, by what they read of a profile (:meth:`_priced_columns`)."""
        self._platform_names: dict[tuple[tuple[str, ...], str], dict[str, str]] = {}
        """The platforms' names a comparison shows, by platforms and language (:meth:`_compared`)."""
        self._recent_landed: tuple[SellerProfile, dict[str | None, economics.MarginComparison]] | None = None
        """The last product a catalogue consulted (:meth:`_product_consultant`) and its comparison per market."""
        self._fingerprint: dict[str, Any] = {
            "rulebook": self._rules.fingerprint,
            "package_version": __version__,
            "files": dict(sorted(self._rules.files.items())),
            "rules": self._rules.rule_digests(),
        }

    @property
    def rules(self) -> RuleBook:
        """The loaded rule book."""
        return self._rules

    def __repr__(self) -> str:
        return f"Advisor(rules_dir={str(self._rules.directory)!r}, rules={len(self._rules.rules)})"

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the knowledge behind a result: rule files, rule digests, package version."""
        # A copy the caller may edit: text values in two mappings of text (every trace takes one, so no deepcopy).
        fingerprint = self._fingerprint
        return {**fingerprint, "files": dict(fingerprint["files"]), "rules": dict(fingerprint["rules"])}

    def consult(
        self, profile: SellerProfile | Mapping[str, Any], *, engine: Engine = "experta", lang: str | None = None
    ) -> ConsultationResult:
        """Advise one seller: a recommendation per platform, the best overall, and the trace.

        :param profile: a :class:`SellerProfile` or a plain dict of its fields.
        :param engine: ``"experta"`` (the engine of record) or ``"compiled"`` (the compiled
            evaluator: the same result and trace, firing for firing, much faster).
        :param lang: the language of the result's texts (``"en"`` or ``"zh"``); ``None`` for the
            language in force (English unless a caller chose another). Keys and values such as
            ``model`` stay English; the trace is always recorded in English.
        :raises ProfileError: when a dict profile is invalid.
        :raises LanguageError: for a language the advisor does not speak.
        :raises EngineError: when the rules loop or fail (a bug or a broken rule pack).
        """
        return self._consult(profile, engine=engine, lang=lang)

    def consult_many(
        self,
        profiles: Iterable[SellerProfile | Mapping[str, Any]],
        *,
        engine: Engine = "experta",
        lang: str | None = None,
    ) -> Iterator[ConsultationResult]:
        """Advise many sellers, lazily, in order (``lang`` as for :meth:`consult`)."""
        for profile in profiles:
            yield self._consult(profile, engine=engine, lang=lang)

    @property
    def evaluator(self) -> Evaluator:
        """The rule book compiled for fast evaluation (what the engine would conclude)."""
        return self._evaluator

    def _run(
        self,
        profile: SellerProfile,
        *,
        engine: Engine = "experta",
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        numbered: tuple[int, int, str | None] = (1, 1, None),
    ) -> RunRecord:
        """Run the rules on a profile: the facts, every firing and each platform's decision.

        :param platform_overrides: extra or replaced platform facts, by platform id; the margin
            facts computed from the profile's economics are added here, in the one place rules run.
        :param numbered: on the compiled engine, the first fact id, the first firing's number and the
            market its firings name (see :meth:`Evaluator.run`); Experta numbers each run from 1.
        """
        facts = fact_values(profile)
        platform_overrides = self._margin_facts(profile, platform_overrides)
        if engine == "compiled":
            first_id, first_seq, market = numbered
            return self._evaluator.run(
                facts,
                profile.platforms,
                platform_overrides=platform_overrides,
                firing_limit=self._firing_limit,
                first_id=first_id,
                first_seq=first_seq,
                market=market,
            )
        if engine != "experta":
            raise ValueError(f"unknown engine {engine!r} (allowed: {', '.join(ENGINES)})")
        from ._engine import experta as _experta

        if self._engine is None:
            # One engine instance, reset per consultation: Experta keeps rule state on the
            # class, so runs are serialised in _experta whatever the number of instances.
            self._engine = _experta.compile_engine(self._rules)()
        initial = _experta.initial_facts(self._rules, facts, profile.platforms, platform_overrides)
        return _experta.run(self._engine, initial, firing_limit=self._firing_limit)

    def _conclude_traced(
        self, plan: _Plan, facts: dict[str, Any]
    ) -> tuple[Conclusions, Callable[[int, int, str | None], RunRecord]]:
        """What the compiled evaluator concludes on one plan, without the trace records, and what makes them from the
        same run when the trace is asked for (see :meth:`Evaluator.conclude_traced`).

        :param facts: ``fact_values(plan.profile)``.
        """
        profile = plan.profile
        return self._evaluator.conclude_traced(
            facts,
            profile.platforms,
            platform_overrides=self._margin_facts(profile, plan.overrides),
            firing_limit=self._firing_limit,
        )

    def _decisions(
        self,
        profile: SellerProfile,
        platforms: tuple[str, ...] | None = None,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Each platform's decision as :meth:`consult` would give it (its lead market's), from the compiled
        evaluator's decisions alone: the fast question the why-not search asks many times.

        :param platform_overrides: platform facts over the computed ones in every market (what-if questions).
        """
        platforms = platforms or profile.platforms
        plans = self._plans(profile, platform_overrides)
        per_plan = [
            self._evaluator.decisions(
                fact_values(plan.profile), platforms, platform_overrides=self._margin_facts(plan.profile, plan.overrides)
            )
            for plan in plans
        ]
        out = {}
        for platform in platforms:
            decided = [d[platform] for d in per_plan]
            models = [
                market_model(d["model"], d["basis"], plan.routes[platform].status if platform in plan.routes else None)
                if plan.market is not None
                else d["model"]
                for plan, d in zip(plans, decided, strict=True)
            ]
            lead = lead_index(models)
            # "advised": the model the lead market's advice names (None: no managed route, or no facts there).
            out[platform] = {**decided[lead], "advised": models[lead]}
        return out

    def compare_margins(
        self, profile: SellerProfile | Mapping[str, Any], *, lang: str | None = None, today: date | None = None
    ) -> economics.MarginComparison:
        """Compare the landed cost of fully-managed and semi-managed on each of the profile's platforms, per target
        market, on the routes the advice names: the seller's numbers, the rest estimated from the dated tables
        (``rules/landed.toml``) or marked as needed.

        :param profile: a :class:`SellerProfile` (or dict) with an ``economics`` section.
        :param lang: the language of the platforms', markets' and routes' names; ``None`` for the language in force.
            Every other word of the comparison is English data, put in words by ``margin_report``.
        :param today: the date table entries' review and end dates are compared with (default: today's date;
            a past one marks the estimate stale, nothing else changes).
        :raises ProfileError: when the profile has no economics, or they are invalid or incomplete, a market
            has no customs table where the seller clears customs, or a table's currency has no exchange rate.
        :raises LanguageError: for a language the advisor does not speak.
        """
        lang = _i18n.current() if lang is None else _language.check(lang)
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        if profile.economics is None:
            raise ProfileError(
                "is not given: add an economics section with your own prices and costs (see examples/*margin*)",
                field="economics",
            )
        return self._landed(profile, lang, today or date.today())

    def catalogue(
        self,
        profile: SellerProfile | Mapping[str, Any],
        products: str | Path | RowReader | Iterable[Mapping[str, Any]],
        *,
        engine: Engine = "compiled",
        lang: str | None = None,
        close_pct: int = _catalogue.CLOSE_PCT,
        jobs: int = 1,
    ) -> _catalogue.Catalogue:
        """Advise each product of a catalogue: per platform and market, its route, model, contribution and reason,
        and the split (products and monthly contribution per route, close calls, products no route carries).

        Each product is consulted as the company with the product's weight class, category and numbers
        (see :mod:`sellerexpert._economics.catalogue_input` for the columns); products the rules cannot tell apart
        share one consultation. A row that cannot be advised becomes an error record.

        :param profile: the company's profile (its economics section gives defaults: currency, exchange rates...).
        :param products: a CSV, JSON Lines or Excel (.xlsx, the ``xlsx`` extra) file, a :class:`RowReader`
            opened with ``any_columns=True``, or mappings of column names to values.
        :param engine: as for :meth:`consult` (default ``"compiled"``: the same result, faster).
        :param close_pct: a product is a close call when its two routes differ by less than this percentage.
        :param jobs: worker processes (1: this process); the result is the same for any value.
        :raises ProfileError: for an invalid company profile or a product list that cannot be read as a whole
            (no SKU column, a SKU twice, a binary file).
        """
        with self.catalogue_stream(profile, products, engine=engine, lang=lang, close_pct=close_pct, jobs=jobs) as stream:
            return stream.collect()

    def catalogue_stream(
        self,
        profile: SellerProfile | Mapping[str, Any],
        products: str | Path | RowReader | Iterable[Mapping[str, Any]],
        *,
        engine: Engine = "compiled",
        lang: str | None = None,
        close_pct: int = _catalogue.CLOSE_PCT,
        jobs: int = 1,
        traces: bool = False,
    ) -> _catalogue.CatalogueStream:
        """:meth:`catalogue`, advised as it is read: the products one at a time in input order, then the split,
        so a catalogue of any length is written in constant memory (``sellerexpert catalogue -f json`` or ``csv``).

        Use it as a context manager: closing it stops the worker processes and closes the input.
        Takes the same arguments as :meth:`catalogue`; a product list that cannot be read as a whole raises
        :class:`ProfileError` while the products are read.

        :param traces: the products' traces will be read (written to files): with ``jobs > 1`` the workers
            build them; otherwise a product's trace is built again here when it is asked for.
        """
        from ._economics.catalogue_input import ProductReader
        from ._profile.rows import RowReader

        lang = _i18n.current() if lang is None else _language.check(lang)
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        on_close = None
        if isinstance(products, (str, Path)) and str(products).lower().endswith(".xlsx"):
            reader = ProductReader.of_xlsx(products)
        elif isinstance(products, (str, Path)):
            rows = RowReader.open(products, any_columns=True)
            try:
                reader = ProductReader.of(rows)
            except BaseException:
                rows.close()
                raise
            on_close = rows.close
        else:
            reader = ProductReader.of(products) if isinstance(products, RowReader) else ProductReader.of_mappings(products)
        try:
            company = self.consult(profile.with_changes(economics=None), engine=engine, lang=lang)
        except BaseException:
            if on_close is not None:
                on_close()
            raise
        separate = [
            p for p in profile.platforms
            if (fact := self._rules.platforms[p].facts.get("separate_stores_per_model")) is not None and fact.value is True
        ]
        routes = _catalogue.company_routes(company)
        advise = _catalogue._Adviser(
            consult=self._product_consultant(engine, lang),
            landed=self._product_landed,
            company=routes,
            close_pct=close_pct,
            source=reader.source,
        )
        many = None
        delivery = None
        if jobs > 1:
            from ._workers import Lent, Workers

            # The workers make the products of the rows' cells, and send them back written when a writer asks.
            delivery = _catalogue.Delivery()
            # A forked worker advises with this advisor (its rule book and views built already), when it is the one
            # a worker would build (type(self)(rules_dir)): one with its own firing limit is not lent.
            lent = Lent(self if self._firing_limit == self._rules.policy.firing_limit else None)
            setup = functools.partial(
                _catalogue.worker, type(self), str(self._rules.directory), engine, lang, routes, close_pct, reader.source,
                traces, profile, delivery, _i18n.current(), lent,
            )

            def many(chunks: Iterable[list[Any]]) -> Iterator[list[Any]]:
                with Workers[list[Any], list[Any]](jobs, setup) as workers:
                    yield from workers.map(chunks)

        return _catalogue.CatalogueStream(
            profile,
            _catalogue.advise_all(reader.rows_read() if many is not None else reader.products(profile), advise, many=many),
            company=company,
            separate_stores=separate,
            close_pct=close_pct,
            unknown=lambda: reader.unknown,
            on_close=on_close,
            delivery=delivery,
        )

    def _product_consultant(self, engine: Engine, lang: str) -> Callable[[SellerProfile], ConsultationResult]:
        """How a catalogue consults its products: :meth:`consult`'s result, with the rules run once per reading.

        On the compiled engine, products the rules cannot tell apart share their reasoning: a product's run in
        each market is keyed by what the rules read there (the seller tests' answers and the quoted fields, the
        market's route terms, and per platform the answers of the platform literals to its margin and route
        facts, :meth:`Evaluator.platform_reading`), so a catalogue of thousands of products runs the rules once
        per market and distinct reading, on the platform facts of the first product that read so. Each
        product's own facts (its margin summary, its numbers) are laid over those conclusions
        (:meth:`Evaluator.lay_over`) and its result is worded from them as a consultation words it: the same
        result, byte for byte; what the words do not take from the product's own facts is kept with the run
        (:meth:`_laid_recommendation`). The evaluator's views are made for those first products' facts only, so
        they stay few however long the list. On Experta every product is consulted in full.
        """
        if engine != "compiled":
            return lambda profile: self._consult(profile, engine=engine, lang=lang)
        shared: dict[Any, Conclusions] = {}
        first: dict[Any, dict[str, Any]] = {}
        combined: dict[Any, tuple[tuple[Any, ...], Any]] = {}
        platform_parts: dict[Any, tuple[Mapping[str, Any], Conclusions, dict[Any, Any]]] = {}
        sellers: dict[Any, tuple[Any, ...]] = {}
        plan_numbers: dict[Any, int] = {}
        counted = itertools.count()
        evaluator = self._evaluator

        def consult(profile: SellerProfile) -> ConsultationResult:
            # What the seller's part of the profile (all but its economics) decides, worked out once per such part:
            # a catalogue's products differ from their company in a weight class, a category and their numbers.
            seller: tuple[Any, ...] | None = _seller_of(profile)
            try:
                known = sellers.get(seller)
            except TypeError:  # a value no key can hold: worked out for this product alone
                seller = known = None
            if known is None:
                known = self._seller_plans(profile)
                # Each plan's part of a shared run's key (its market, signature and route answers) as a number: the
                # same for the same part (seller parts the rules read alike share runs), never for another.
                numbers: list[int | None] = []
                for plan, signature in zip(known[0] or (), known[2], strict=True):
                    plan_key = (plan.market, signature, plan.terms)
                    try:
                        number = plan_numbers.get(plan_key)
                        if number is None:
                            if len(plan_numbers) >= _READINGS_KEPT:
                                plan_numbers.clear()
                            number = plan_numbers[plan_key] = next(counted)
                    except TypeError:  # answers no key can hold
                        number = None
                    numbers.append(number)
                known = (*known, numbers)
                if seller is not None:
                    if len(sellers) >= _READINGS_KEPT:
                        sellers.clear()
                    sellers[seller] = known
            if known[0] is None:  # a value no test can hold: consulted in full
                return self._consult(profile, engine=engine, lang=lang)
            # The plans with this product's profile (its economics) in each market; the rest is the seller part's
            # (the fields of its profile in that market too, :meth:`SellerProfile.in_market`'s, set once).
            economics = profile.economics
            plans = [
                _Plan._with_profile(plan, profile if state is None else SellerProfile._of_seller(state, economics))
                for plan, state in zip(known[0], known[4], strict=True)
            ]
            # Each market's comparison, held for the placements (:meth:`_product_landed`), which read it again.
            compared = (
                {
                    plan.market: self._compared(plan.profile, "en", None, columns, True)
                    for plan, columns in zip(plans, known[3], strict=True)
                }
                if profile.economics is not None else {}
            )
            self._recent_landed = (profile, compared)
            overrides = [self._margin_facts(plan.profile, plan.overrides, comparison=compared.get(plan.market)) for plan in plans]
            facts = known[1]
            numbered: list[list[Any]] = []
            for plan, given in zip(plans, overrides, strict=True):
                try:
                    found = [evaluator.numbered_reading(p, given.get(p)) for p in plan.profile.platforms]
                except TypeError:  # a value no test can hold: consulted in full
                    return self._consult(profile, engine=engine, lang=lang)
                numbered.append(found)
            # Each market's run is shared on its own: products that read alike in one market and apart in another
            # still share the first market's run (and what their results word of it, kept with the run). A run is
            # kept by its part (the market, signature, route answers and readings, :func:`_platform_keys`) as
            # numbers: the seller part's plan (:meth:`_seller_plans`) and each reading's (:meth:`Evaluator.numbered_reading`).
            runs = []
            for plan, plan_facts, given, signature, number, found in zip(
                plans, facts, overrides, known[2], known[5], numbered, strict=True
            ):
                key = (number, *[reading_number for _reading, reading_number in found])
                if None in key:  # a value no key can hold: consulted in full
                    return self._consult(profile, engine=engine, lang=lang)
                run = shared.get(key)
                if run is None:
                    part = (plan.market, signature, plan.terms, tuple([reading for reading, _number in found]))
                    # The platform facts the rules run on: the first product's with the same reading, per market and
                    # platform, so the evaluator keeps a view per reading rather than one per product (whose facts
                    # they are does not show: each product lays its own over the run).
                    if len(first) >= _READINGS_KEPT:
                        first.clear()
                    ran = {
                        p: first.setdefault((plan.market, p, reading), given[p])
                        for p, reading in zip(plan.profile.platforms, part[3], strict=True) if p in given
                    }
                    settles = evaluator.settles(plan.profile.platforms, self._firing_limit)
                    run = _assembled(part, ran, platform_parts) if settles else None
                    if run is None:
                        run = evaluator.conclude(
                            plan_facts, plan.profile.platforms, platform_overrides=ran, firing_limit=self._firing_limit
                        )
                        if settles:
                            _share_platforms(run, part, ran, platform_parts)
                    if len(shared) >= _READINGS_KEPT:
                        shared.clear()
                    shared[key] = run
                runs.append(run)
            recommendations, best = self._advice(profile, list(zip(plans, runs, strict=True)), lang, overrides, combined)
            return ConsultationResult(
                profile=profile,
                recommendations=recommendations,
                best=best,
                trace=functools.partial(self._replayed, profile),
                lang=lang,
            )

        return consult

    def _seller_plans(
        self, profile: SellerProfile
    ) -> tuple[
        list[_Plan] | None,
        list[dict[str, Any]],
        list[tuple[Any, ...]],
        list[dict[str, tuple[economics.MarketColumns, ...]] | None],
        list[dict[str, Any] | None],
    ]:
        """What a catalogue's consultant (:meth:`_product_consultant`) works out of a profile's seller part alone (all
        but its economics), the same for every product with that part: its plans (:meth:`_plans`, each with this
        profile: a product's own is set in), each plan's facts (:func:`fact_values`) and signature
        (:meth:`Evaluator.signature`), the columns each plan's comparison prices (:meth:`_priced_columns`), and
        the fields of each plan's profile, which a product's economics are set beside (``None``: the product's
        profile itself, as :meth:`SellerProfile.in_market` gives it for a run without markets or in its one market).
        No plans (``None``) when a signature cannot be made (a value no key can hold)."""
        plans = self._plans(profile, None)
        facts = [fact_values(plan.profile) for plan in plans]
        signatures = []
        for plan, plan_facts in zip(plans, facts, strict=True):
            signature = self._evaluator.signature(plan_facts, plan.profile.platforms)
            if signature is None:
                return None, [], [], [], []
            signatures.append(signature)
        columns = [self._priced_columns(plan.profile, "en")[0] for plan in plans]
        states = [
            None if plan.profile is profile else {name: getattr(plan.profile, name) for name in _PROFILE_STATE}
            for plan in plans
        ]
        return plans, facts, signatures, columns, states

    def _landed(
        self, profile: SellerProfile, lang: str, today: date | None = None, *, brief: bool = False
    ) -> economics.MarginComparison:
        """The landed-cost comparison of a profile, remembered by what it reads: the seller's numbers, platforms,
        language, date and the routes priced (so the why-not search prices each once; a catalogue's products are
        priced by :meth:`_compared`, held by its consultant for their placements).

        :param brief: only what the rules and a catalogue read (see :func:`sellerexpert._economics.margins.compare_margins`);
            a full comparison serves a brief request too.
        """
        markets, priced = self._priced_columns(profile, lang)
        key: Any = (profile.economics, profile.platforms, lang, today, priced)
        try:
            known = self._landed_memo.get(key)
        except TypeError:  # an unhashable value in numbers built by hand: nothing to remember
            key = known = None
        # Kept with whether it is brief: a full comparison serves both requests, a brief one is replaced by a full.
        if known is not None and (brief or not known[0]):
            return known[1]
        found = self._compared(profile, lang, today, markets, brief)
        if key is not None:
            self._remember_landed(key, (brief, found))
        return found

    def _compared(
        self,
        profile: SellerProfile,
        lang: str,
        today: date | None,
        markets: dict[str, tuple[economics.MarketColumns, ...]] | None,
        brief: bool,
    ) -> economics.MarginComparison:
        """:meth:`_landed` worked out, not remembered: a catalogue's products are distinct, so its consultant
        (:meth:`_product_consultant`) prices each product this way and holds the comparisons for its placements
        itself; filing them by the product's numbers only filled and emptied the memory (hashing each product's
        economics, and freeing 128 comparisons at a time)."""
        names = self._platform_names.get((profile.platforms, lang))
        if names is None:
            if len(self._platform_names) >= _COLUMNS_KEPT:
                self._platform_names.clear()
            names = self._platform_names[(profile.platforms, lang)] = {
                p: self._rules.platforms[p].name_in(lang) for p in profile.platforms
            }
        return landed_comparison(self._rules, profile, names=names, lang=lang, today=today, markets=markets, brief=brief)

    def _product_landed(self, profile: SellerProfile, market: str | None) -> economics.MarginComparison:
        """A catalogue product's brief comparison in ``market`` (``None``: the profile as it is), as its placements
        read it: the one its consultation just worked out (:meth:`_product_consultant`), else :meth:`_landed`."""
        recent = self._recent_landed
        if recent is not None and recent[0] is profile and market in recent[1]:
            return recent[1][market]
        return self._landed(profile.in_market(market) if market is not None else profile, "en", brief=True)

    def _priced_columns(
        self, profile: SellerProfile, lang: str
    ) -> tuple[dict[str, tuple[economics.MarketColumns, ...]] | None, PricedRoutes]:
        """The columns a comparison of ``profile`` prices (:func:`market_columns`) and the routes they name, remembered
        by all they read of it: the answers the routes read (:class:`SellerTerms`), its platforms and target markets,
        and the language (the route checks are this advisor's: :meth:`_routes_and_facts`). A catalogue's products
        share a handful, and each product is priced per market twice (its consultation's facts and its placement)."""
        terms = SellerTerms.of(profile)
        key: Any = (terms, profile.platforms, profile.target_markets, lang)
        try:
            known = self._columns_memo.get(key)
        except TypeError:  # answers built by hand that no key can hold: worked out each time
            key = known = None
        if known is not None:
            return known

        def routes_for(platform: str, market: str, terms: SellerTerms) -> MarketRoutes:
            if lang == "en":
                return self._routes_and_facts(platform, market, terms)[0]
            return self._market_routes(platform, market, terms, lang)

        markets = market_columns(self._rules, profile, lang, routes_for, terms=terms)
        known = (markets, priced_routes(markets))
        if key is not None:
            if len(self._columns_memo) >= _COLUMNS_KEPT:
                self._columns_memo.clear()
            self._columns_memo[key] = known
        return known

    def _remember_landed(self, key: Any, comparison: tuple[bool, economics.MarginComparison]) -> None:
        if len(self._landed_memo) >= _LANDED_KEPT:
            self._landed_memo.clear()
        self._landed_memo[key] = comparison

    def _margin_facts(
        self,
        profile: SellerProfile,
        extra: Mapping[str, Mapping[str, Any]] | None,
        lang: str = "en",
        *,
        comparison: economics.MarginComparison | None = None,
    ) -> dict[str, dict[str, Any]]:
        """The margin facts of a run (its one market's landed-cost comparison), then ``extra`` over them.

        The comparison is the English one in any language: the facts read its numbers and word its summary in
        ``lang`` themselves (:func:`sellerexpert._economics.margins.platform_facts`), and a result in another
        language would otherwise price every market a second time for the names it does not read.

        :param comparison: that comparison, when the caller has it.
        """
        if comparison is None and profile.economics is not None:
            comparison = self._landed(profile, "en", brief=True)
        return economics.margin_facts(profile, extra, lang, comparison=comparison)

    def _plans(
        self, profile: SellerProfile, platform_overrides: Mapping[str, Mapping[str, Any]] | None
    ) -> list[_Plan]:
        """One run of the rules per target market (one run in all when the profile names none).

        Each run sees the profile with that market alone, so a gate in one market never closes a
        route in another, and the route facts of that market (``platform.full_route_status``...)
        as platform facts; a caller's overrides (a rule example's platform facts) go over them.
        """
        if not profile.target_markets or not self._rules.routes:
            # No markets, or a rule pack without routes (nothing to tell markets apart by): one run, as before routes.
            given = {p: dict(values) for p, values in platform_overrides.items()} if platform_overrides is not None else None
            return [_Plan(None, profile, {}, given, None)]
        terms = SellerTerms.of(profile)
        plans = []
        for market in profile.target_markets:
            sub = profile.in_market(market)
            routes: dict[str, MarketRoutes] = {}
            overrides: dict[str, dict[str, Any]] = {}
            for p in profile.platforms:
                routes[p], facts = self._routes_and_facts(p, market, terms)
                overrides[p] = dict(facts)
            for p, values in (platform_overrides or {}).items():
                overrides.setdefault(p, {}).update(values)
            plans.append(_Plan(market, sub, routes, overrides or None, terms))
        return plans

    def _routes_and_facts(self, platform: str, market: str, terms: SellerTerms) -> tuple[MarketRoutes, Mapping[str, Any]]:
        """The route checks of one platform and market for these answers, and the route facts the engine reads.

        Remembered: sellers share a handful of answer combinations per market. Only the route facts the
        rules can use (and the statuses the decision step reads) enter working memory.
        """
        key = (platform, market, terms)
        found = self._route_cache.get(key)
        if found is None:
            # Filed again by what the checks read of the answers (far fewer combinations than the answers),
            # apart: diverse answers fill the first filing, and emptying it must not forget the second.
            answers = self._route_answers(platform, market, terms)
            read_key = (platform, market, answers)
            found = self._route_read.get(read_key) if answers is not None else None
            if found is None:
                routes = self._market_routes(platform, market, terms, "en")
                read = self._rules.platform_facts_read | _DECISION_ROUTE_FACTS
                facts = {name: value for name, value in routes.facts("en").items() if name in read}
                if answers is None:
                    found = (routes, facts)
                else:
                    found = self._file_routes(read_key, routes, facts)
            if len(self._route_cache) >= _ROUTE_KEYS_KEPT:
                self._route_cache.clear()
            self._route_cache[key] = found
        return found

    def _file_routes(
        self, read_key: tuple[str, str, Any], routes: MarketRoutes, facts: dict[str, Any]
    ) -> tuple[MarketRoutes, Mapping[str, Any]]:
        """File new route checks by what they read, weighed in bytes against their share of the process's budget.

        Entries of one market repeat the same checks and texts (10,982 checks of 3,078 entries are 2,198 distinct;
        46,170 route fact texts are 201): each is kept once, shared by the entries that hold it, and weighed once.
        """
        checks = self._route_checks
        texts = self._route_texts
        keys = [(check.route.id, check.status, check.closed_by, check.needs) for check in routes.checks]
        words = [value for value in facts.values() if type(value) is str and value]
        words.append(routes.note)

        def weight() -> int:
            # The entry, and what it brings that no kept entry shares yet (a text twice in it counts twice).
            total = _ROUTE_ENTRY_BYTES + _ROUTE_FACT_BYTES * len(facts)
            for key, check in zip(keys, routes.checks, strict=True):
                if key not in checks:
                    total += _ROUTE_CHECK_BYTES + sum(_TEXT_BYTES + len(text) for text in (*check.closed_by, *check.needs))
            return total + sum(_TEXT_BYTES + len(text) for text in words if text not in texts)

        adds = weight()
        if self._route_read_held + adds > _ROUTES_HELD:
            # Every filing at once: the whole answers' filing holds the same entries, and the shared checks and
            # texts are what the entries hold; kept past this emptying, they would grow apart from it.
            self._route_read.clear()
            self._route_cache.clear()
            checks.clear()
            texts.clear()
            self._route_read_held = 0
            adds = weight()
        shared = tuple(checks.setdefault(key, check) for key, check in zip(keys, routes.checks, strict=True))
        for name, value in facts.items():
            if type(value) is str and value:
                facts[name] = texts.setdefault(value, value)
        note = texts.setdefault(routes.note, routes.note)
        kept = (replace(routes, checks=shared, note=note), facts)
        self._route_read_held += adds
        self._route_read[read_key] = kept
        return kept

    def _route_answers(self, platform: str, market: str, terms: SellerTerms) -> tuple[Any, ...] | None:
        """What the route checks of ``platform`` in ``market`` read of these answers (see :func:`what_routes_read`)."""
        reading = self._route_reading.get((platform, market))
        if reading is None:
            reading = self._route_reading[(platform, market)] = route_reading(self._rules.routes, platform, market)
        return what_routes_read(terms, market, reading)

    def _market_routes(self, platform: str, market: str, terms: SellerTerms, lang: str) -> MarketRoutes:
        rules = self._rules
        return market_routes(
            rules.routes, rules.presence, rules.markets, platform, rules.platforms[platform].name_in(lang), market, terms, lang
        )

    def _consult(
        self,
        profile: SellerProfile | Mapping[str, Any],
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        engine: Engine = "experta",
        lang: str | None = None,
    ) -> ConsultationResult:
        lang = _i18n.current() if lang is None else _language.check(lang)
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        plans = self._plans(profile, platform_overrides)
        key = None
        facts = [fact_values(plan.profile) for plan in plans] if engine == "compiled" else None
        if engine == "compiled" and platform_overrides is None and profile.economics is None:
            # Sellers the rules cannot tell apart get the same advice, word for word: build it once.
            # (A seller's own numbers become platform facts of their own: such results are not shared.)
            key = self._advice_key(plans, lang, facts)
            cached = self._results.get(key) if key is not None else None
            if cached is not None:
                recommendations, best = cached
                done = profile
                assert facts is not None
                known = facts

                def rerun() -> Trace:
                    # The advice was kept, the run was not: run the rules once more, settled as for a new seller,
                    # and make the records from that run (not the agenda's run, which builds them as it fires).
                    makers = [self._conclude_traced(plan, plan_facts)[1] for plan, plan_facts in zip(plans, known, strict=True)]
                    return self._english_trace(done, self._numbered_runs(plans, makers), lang, cached, numbered=True)

                return ConsultationResult(profile=profile, recommendations=recommendations, best=best, trace=rerun, lang=lang)
        if engine == "compiled":
            # The result needs no trace records: the trace makes them from the same runs, only when asked for.
            assert facts is not None
            traced = [self._conclude_traced(plan, plan_facts) for plan, plan_facts in zip(plans, facts, strict=True)]
            concluded = [(plan, conclusions) for plan, (conclusions, _) in zip(plans, traced, strict=True)]
            advice = self._advice(profile, concluded, lang)
            makers = [records for _, records in traced]

            def trace() -> Trace:
                return self._english_trace(profile, self._numbered_runs(plans, makers), lang, advice, numbered=True)

        else:
            runs = [(plan, self._run(plan.profile, engine=engine, platform_overrides=plan.overrides)) for plan in plans]
            advice = self._advice(profile, [(plan, Conclusions.of(record)) for plan, record in runs], lang)

            def trace() -> Trace:
                return self._english_trace(profile, runs, lang, advice)

        if key is not None:
            weight = advice_weight(profile)
            if self._results_held + weight > _RESULTS_HELD:
                self._results.clear()
                self._results_held = 0
            self._results_held += weight
            self._results[key] = advice
        return ConsultationResult(profile=profile, recommendations=advice[0], best=advice[1], trace=trace, lang=lang)

    def _brief(self, profile: SellerProfile) -> Brief:
        """``Brief.of`` the result ``consult(profile, engine="compiled", lang="en")`` gives, without wording it: the
        same runs of the rules, then only the decisions, the reasons' rule ids, the lead markets and the best
        platform, ranked as :func:`choose_best` ranks them (what a batch writes to CSV; ``--trace`` and JSON need
        the whole result). The tests hold the two to the same cells, row for row.

        :raises ProfileError: for numbers whose products cannot be worked out (past 64 digits).
        :raises EngineError: when the rules loop or fail.
        """
        plans = self._plans(profile, None)
        facts = [fact_values(plan.profile) for plan in plans]
        key = self._advice_key(plans, "en", facts) if profile.economics is None else None
        if key is not None:
            cached = self._results.get(key)
            if cached is not None:
                return Brief.of(*cached)
            found = self._briefs.get(key)
            if found is not None:
                return found
        evaluator, limit = self._evaluator, self._firing_limit
        runs = [
            evaluator.conclude(
                plan_facts,
                plan.profile.platforms,
                platform_overrides=self._margin_facts(plan.profile, plan.overrides),
                firing_limit=limit,
            )
            for plan, plan_facts in zip(plans, facts, strict=True)
        ]
        content_led = self._content_led(profile)
        policy = self._rules.policy
        by_rule = self._brief_rules
        marketless = plans[0].market is None
        platforms = []
        ranks = []
        lead_of_first = 0
        markets: list[tuple[str | None, float, bool]]
        for index, platform in enumerate(profile.platforms):
            decided = [run.decisions[platform] for run in runs]
            if marketless:
                lead, markets = 0, []
            else:
                # As _advice leads a platform: by the markets' models (_market_advice's), then ranks it by their fit.
                markets = []
                for plan, decision in zip(plans, decided, strict=True):
                    routes = plan.routes.get(platform)
                    model = market_model(decision.model, decision.basis, routes.status if routes is not None else None)
                    markets.append((model, decision.confidence, model is None and _own_store_left(routes) is not None))
                lead = lead_index([model for model, _confidence, _routed in markets])
            if index == 0:
                lead_of_first = lead
            decision = decided[lead]
            reasons = []
            unmet = False
            for rule_id in runs[lead].concluded.get(platform, {}):
                read = by_rule.get(rule_id)
                if read is None:
                    continue
                if read[0] == "caveat":
                    unmet = unmet or decisive_caveat(rule_id, policy)
                    continue
                reasons.append((read[1], rule_id))
                unmet = unmet or decisive_against(decision.model, read[2], read[3], read[4], policy)
            reasons.sort(key=_key)
            platforms.append(
                (platform, decision.model, decision.confidence, decision.basis, tuple(rule for _place, rule in reasons))
            )
            fitness = fit_of(markets, decision.confidence, decision.basis, content=platform in content_led)
            scores = {model: decision.scores[model] for model in MODELS}
            ranks.append(best_rank(unmet, fitness, decision.confidence, scores, decision.model, index))
        chosen = platforms[max(range(len(ranks)), key=ranks.__getitem__)]
        assumed: tuple[str, ...] = ()
        if platforms:
            assumptions = self._assumptions(plans[lead_of_first].profile, runs[lead_of_first], "en")
            assumed = tuple(a.field for a in assumptions)
        brief = Brief(tuple(platforms), (chosen[0], chosen[1], chosen[2]), assumed)
        if key is not None:
            weight = advice_weight(profile)
            if self._briefs_held + weight > _BRIEFS_HELD:
                self._briefs.clear()
                self._briefs_held = 0
            self._briefs_held += weight
            self._briefs[key] = brief
        return brief

    def _replayed(self, profile: SellerProfile, *, engine: Engine = "compiled") -> Trace:
        """The trace of a consultation, from one run of the rules per market: what an audit replays.

        ``consult(profile).trace`` on the compiled engine makes the trace's records from the run that made
        the result (the rules run again only for a result taken from the advice cache) and keeps the advice
        for sellers the rules cannot tell apart. A replay needs only the trace: its result is worded in English from
        the same run, and nothing is kept, so an audit of thousands of sellers it will not see again runs the rules
        once per market (settled, as for a new seller's consultation) and fills no advice cache.
        """
        plans = self._plans(profile, None)
        if engine == "compiled":
            # The settled run, as a consultation makes it: the conclusions for the advice without reading them back
            # from the records, and the records from the same run, numbered one run after the other.
            traced = [self._conclude_traced(plan, fact_values(plan.profile)) for plan in plans]
            concluded = [(plan, conclusions) for plan, (conclusions, _) in zip(plans, traced, strict=True)]
            advice = self._advice(profile, concluded, "en")
            runs = self._numbered_runs(plans, [records for _, records in traced])
            return self._english_trace(profile, runs, "en", advice, numbered=True)
        runs = [(plan, self._run(plan.profile, engine=engine, platform_overrides=plan.overrides)) for plan in plans]
        advice = self._advice(profile, [(plan, Conclusions.of(record)) for plan, record in runs], "en")
        return self._english_trace(profile, runs, "en", advice)

    def _advice_key(
        self, plans: list[_Plan], lang: str, facts: list[dict[str, Any]] | None = None
    ) -> tuple[Any, ...] | None:
        """The advice cache's key of a consultation (``facts``: each plan's ``fact_values``, when the caller has them)."""
        parts = []
        for index, plan in enumerate(plans):
            signature = self._evaluator.signature(
                fact_values(plan.profile) if facts is None else facts[index], plan.profile.platforms
            )
            if signature is None:
                return None
            # A market's route facts follow from the market and the answers the routes read (the terms).
            parts.append((plan.market, signature, plan.terms))
        return (tuple(parts), lang)

    def _numbered_runs(
        self, plans: list[_Plan], makers: Sequence[Callable[[int, int, str | None], RunRecord]] | None = None
    ) -> list[tuple[_Plan, RunRecord]]:
        """Each plan run on the compiled engine, numbered on from the run before and naming its market:
        the facts and firings :func:`combine_runs` would make of the runs, records built once.

        :param makers: per plan, what makes its records from a run already made (:meth:`_conclude_traced`);
            without them, the rules run.
        """
        runs = []
        first_id = first_seq = 1
        for number, plan in enumerate(plans):
            if makers is not None:
                record = makers[number](first_id, first_seq, plan.market)
            else:
                numbered = (first_id, first_seq, plan.market)
                record = self._run(plan.profile, engine="compiled", platform_overrides=plan.overrides, numbered=numbered)
            runs.append((plan, record))
            first_seq += len(record.firings)
            top = record.top
            if top is None:
                top = max(
                    [first_id - 1, *(f.id for f in record.facts), *(f.id for firing in record.firings for f in firing.asserted)]
                )
            first_id = max(first_id - 1, top) + 1
        return runs

    def _english_trace(
        self,
        profile: SellerProfile,
        runs: list[tuple[_Plan, RunRecord]],
        lang: str,
        advice: tuple[tuple[Recommendation, ...], Best],
        *,
        numbered: bool = False,
    ) -> Trace:
        """The trace, recording the advice in English whatever the reader's language.

        An audit replays it against the rule book, whose words are English; a result in another
        language words the same firings again for its trace, only when the trace is asked for.

        :param numbered: the runs are already numbered one after the other (:meth:`_numbered_runs`).
        """
        if lang == "en":
            recommendations, best = advice
        else:
            recommendations, best = self._advice(profile, [(plan, Conclusions.of(record)) for plan, record in runs], "en")
        facts: tuple[FactRecord, ...]
        if numbered:
            facts = tuple(fact for _plan, record in runs for fact in record.facts)
            firings = tuple(firing for _plan, record in runs for firing in record.firings)
        else:
            facts, firings = combine_runs([(plan.market, record) for plan, record in runs])
        trace = Trace(
            profile=profile.to_dict(),
            facts=facts,
            firings=firings,
            result=ConsultationResult.result_dict(profile, recommendations, best),
            fingerprint=self.fingerprint(),
        )

        def result_json(trace: Trace) -> str:
            # The English result's own compact JSON (its recommendations write theirs once, and a result in
            # English has already written them for its answer), without the ``lang`` a trace's result lacks.
            text = ConsultationResult(profile, recommendations, best, trace=trace, lang="en").to_json(indent=None)
            if not text.endswith(_LANG_TAIL):  # a result JSON laid out otherwise: the part written on its own
                return json.dumps(trace.result, ensure_ascii=False, allow_nan=False)
            return text[: -len(_LANG_TAIL)] + "}"

        trace._with_json(result=result_json, fingerprint=self._fingerprint_json)
        trace._with_dicts(result=lambda _trace: ConsultationResult.result_dict(profile, recommendations, best))
        if numbered:  # the runs' own records, so what their views wrote of them names this trace's records
            written = [record.records_json for _plan, record in runs if record.records_json is not None]
            trace._with_records_json(lambda: [texts for maker in written for texts in maker()])
        return trace

    def _fingerprint_json(self, _trace: Trace | None = None) -> str:
        """:meth:`fingerprint` as compact JSON (what every trace of this advisor records), written once.

        :param _trace: the trace asking, as a trace's JSON makers are called (every trace records the same).
        """
        text: str | None = self.__dict__.get("_fingerprint_text")
        if text is None:
            text = self.__dict__["_fingerprint_text"] = json.dumps(self.fingerprint(), ensure_ascii=False, allow_nan=False)
        return text

    def _advice(
        self,
        profile: SellerProfile,
        runs: list[tuple[_Plan, Conclusions]],
        lang: str,
        laid: Sequence[Mapping[str, Mapping[str, Any]]] | None = None,
        kept: dict[Any, Any] | None = None,
    ) -> tuple[tuple[Recommendation, ...], Best]:
        """The recommendations (per platform, with their markets) and the best platform, in words of ``lang``.

        :param laid: per run, the platform facts laid over its conclusions (see :meth:`_run_advice`).
        :param kept: where a catalogue keeps what it worked out of the same recommendations (see below).
        """
        # A catalogue advises every product in the language already in force: no context to set and reset then.
        with _language.use(lang) if _i18n.current() != lang else _SAME_LANGUAGE:
            shape_key = quoted = None
            if laid is not None and kept is not None and runs[0][0].market is not None and all(laid):
                # A catalogue's product on runs a product before it was advised on: all but the words of its own
                # values is that product's (:class:`_Shape`). A run is shared by the names of the facts given (each
                # platform's reading names them), not their order, which its frames do not read; the names quoted
                # in another language are the key's too.
                quoted = [self._quoted(plan, lang) for plan, _record in runs]
                said_names = (
                    tuple(tuple(tuple(said.get(p) or ()) for p in profile.platforms) for said in quoted)
                    if lang != "en" else ()
                )
                content_led = self._content_led(profile)
                shape_key = ("shape", lang, content_led, said_names, *[id(record) for _plan, record in runs])
                shape: _Shape | None = kept.get(shape_key)
                if shape is not None and all(a is b for (_plan, a), b in zip(runs, shape.runs, strict=True)):
                    return self._shaped(shape, runs, lang, laid, quoted, content_led)
            if laid is None:
                per_run = [self._run_advice(plan, record, lang) for plan, record in runs]
            else:
                per_run = [
                    self._run_advice(plan, record, lang, given or None, quoted[index] if quoted is not None else None)
                    for index, ((plan, record), given) in enumerate(zip(runs, laid, strict=True))
                ]
            recommendations = []
            for index in range(len(profile.platforms)):
                recs = [recs_of_run[index] for recs_of_run in per_run]
                if runs[0][0].market is None:
                    recommendations.append(recs[0])
                    continue
                # A shared run keeps a recommendation that no product's values change (:meth:`_laid_recommendation`),
                # by run, platform, language, market and route answers: the same objects in every market give the
                # same platform's advice, kept by them (their identity, held with the answer) while they are kept.
                key = (lang, *map(id, recs)) if kept is not None else None
                found = kept.get(key) if kept is not None else None
                if found is not None and all(a is b for a, b in zip(found[0], recs, strict=True)):
                    recommendations.append(found[1])
                    continue
                entries = [self._market_advice(plan, rec, lang) for (plan, _record), rec in zip(runs, recs, strict=True)]
                lead = lead_market(entries)
                chosen, entry = recs[lead], entries[lead]
                rec = _with(
                    chosen,
                    outcome=entry.outcome,
                    outcome_text=entry.outcome_text,
                    route=entry.route,
                    route_name=entry.route_name,
                    markets=tuple(entries),
                )
                recommendations.append(rec)
                if kept is not None:
                    _keep(kept, key, (tuple(recs), rec))
            content_led = self._content_led(profile)
            if kept is None:
                return tuple(recommendations), choose_best(recommendations, self._rules.policy, content_led=content_led)
            # The same way, the best platform of the same recommendations (its words are in ``lang``).
            key = ("best", lang, content_led, *map(id, recommendations))
            found = kept.get(key)
            if found is None or not all(a is b for a, b in zip(found[0], recommendations, strict=True)):
                found = (tuple(recommendations), choose_best(recommendations, self._rules.policy, content_led=content_led))
                _keep(kept, key, found)
            if shape_key is not None and quoted is not None and laid is not None:
                made = self._shape(runs, lang, laid, quoted, found[0], found[1])
                if made is not None:
                    _keep(kept, shape_key, made)
            return found[0], found[1]

    def _shape(
        self,
        runs: list[tuple[_Plan, Conclusions]],
        lang: str,
        laid: Sequence[Mapping[str, Mapping[str, Any]]],
        quoted: Sequence[Mapping[str, Mapping[str, Any]]],
        recommendations: tuple[Recommendation, ...],
        best: Best,
    ) -> _Shape | None:
        """What the products after this one on the same runs share of its advice (:class:`_Shape`), or ``None``
        when a frame it was worded on is no longer kept with its run."""
        policy = self._rules.policy
        platforms: list[tuple[Recommendation, tuple[_Frame | None, ...], int]] = []
        decides = False
        for rec in recommendations:
            frames: list[_Frame | None] = []
            for (plan, record), given, said in zip(runs, laid, quoted, strict=True):
                if rec.platform not in record.declared:
                    frames.append(None)  # nothing laid over: worded from the run alone
                    continue
                key = _frame_key(plan, rec.platform, lang, said.get(rec.platform), given.get(rec.platform) or {})
                frame = _frames_of(record, rec.platform).get(key)
                if frame is None:
                    return None
                frames.append(frame if frame.whole is None else None)
                if frame.whole is None and policy is not None:
                    # A product's own words may decide the best platform (a decisive caveat, or a reason against
                    # the model heavy enough): then it is chosen again for each product.
                    for rule_id in frame.variable:
                        rule = self._by_id[rule_id]
                        kind = rule.then.kind
                        decides = decides or (
                            decisive_caveat(rule_id, policy) if kind == "caveat"
                            else decisive_against(rec.model, rule.favours or "", kind, rule.then.weight, policy)
                        )
            platforms.append((rec, tuple(frames), lead_market(rec.markets)))
        seller = tuple(record.kept[("seller", lang)][1] for _plan, record in runs)
        return _Shape(tuple(record for _plan, record in runs), tuple(platforms), seller, None if decides else best)

    def _shaped(
        self,
        shape: _Shape,
        runs: list[tuple[_Plan, Conclusions]],
        lang: str,
        laid: Sequence[Mapping[str, Mapping[str, Any]]],
        quoted: Sequence[Mapping[str, Mapping[str, Any]]],
        content_led: frozenset[str],
    ) -> tuple[tuple[Recommendation, ...], Best]:
        """:meth:`_advice` of a product on a kept :class:`_Shape`: the words of its own values laid into the first
        product's recommendations (each market's reasons and caveats, and the lead market's on the platform)."""
        recommendations = []
        for rec, frames, lead in shape.platforms:
            if not any(frames):
                recommendations.append(rec)  # nothing of the product's own in words: the same advice
                continue
            platform = rec.platform
            markets = []
            for entry, frame, (_plan, record), given, said, seller in zip(
                rec.markets, frames, runs, laid, quoted, shape.seller, strict=True
            ):
                if frame is None:
                    markets.append(entry)
                    continue
                reasons, caveats = self._laid_pieces(
                    frame, record, platform, lang, said.get(platform), given.get(platform) or {}, seller
                )
                markets.append(_with(entry, reasons=reasons, caveats=caveats))
            led = markets[lead]
            recommendations.append(_with(rec, reasons=led.reasons, caveats=led.caveats, markets=tuple(markets)))
        best = shape.best
        if best is None:
            best = choose_best(recommendations, self._rules.policy, content_led=content_led)
        return tuple(recommendations), best

    def _content_led(self, profile: SellerProfile) -> frozenset[str]:
        """Platforms whose content focus counts for this seller when choosing the best (a seller who wants content control)."""
        if profile.content_control != "high":
            return frozenset()
        return frozenset(
            p for p in profile.platforms
            if (fact := self._rules.platforms[p].facts.get("content_led")) is not None and fact.value is True
        )

    def _run_advice(
        self,
        plan: _Plan,
        record: Conclusions,
        lang: str,
        laid: Mapping[str, Mapping[str, Any]] | None = None,
        quoted: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> tuple[Recommendation, ...]:
        """The recommendation per platform from one run of the rules.

        :param laid: platform facts to lay over the run's (:meth:`Evaluator.lay_over`), by platform: the run is
            then one that the products the rules cannot tell apart share (:meth:`_product_consultant`), and what
            does not change with those facts' values is worked out once and kept with it (:meth:`_laid_recommendation`).
        :param quoted: :meth:`_quoted` of the plan, when the caller has it.
        """
        profile = plan.profile
        # A shared run's products have the same fields known (its signature): the same assumptions.
        found = record.kept.get(("seller", lang)) if laid is not None else None
        if found is None:
            assumptions = self._assumptions(profile, record, lang)
            seller_facts = dict(record.seller)
            seller_facts.update({a.field: a.value for a in assumptions if a.rule is not None})
            if laid is not None:
                record.kept[("seller", lang)] = (assumptions, seller_facts)
        else:
            assumptions, seller_facts = found
        if quoted is None:
            quoted = self._quoted(plan, lang)
        if laid is not None:
            return tuple(
                self._laid_recommendation(plan, record, p, assumptions, seller_facts, lang, quoted.get(p), laid.get(p) or {})
                for p in profile.platforms
            )
        recorded = record.declared
        return tuple(
            self._recommendation(
                record.decisions[p], p, assumptions, record.concluded.get(p, {}), seller_facts, lang, quoted.get(p),
                recorded.get(p, {}),
            )
            for p in profile.platforms
        )

    def _quoted(self, plan: _Plan, lang: str) -> Mapping[str, Mapping[str, Any]]:
        """The facts computed for a run (the margin facts from the seller's economics, the route facts of the
        market) in ``lang``, by platform: a result quotes them in its language, and the engine saw them in English
        (nothing in English)."""
        quoted: dict[str, dict[str, Any]] = {}
        if lang != "en":
            quoted = self._margin_facts(plan.profile, None, lang)
            for p, routes in self._routes_in(plan, lang).items():
                quoted.setdefault(p, {}).update(routes.facts(lang))
        return quoted

    def _laid_recommendation(
        self,
        plan: _Plan,
        record: Conclusions,
        platform: str,
        assumptions: tuple[Assumption, ...],
        seller_facts: Mapping[str, Any],
        lang: str,
        quoted: Mapping[str, Any] | None,
        given: Mapping[str, Any],
    ) -> Recommendation:
        """:meth:`_recommendation` on a shared run with the platform facts ``given`` laid over it.

        The run is shared by products of the same market and answers (:meth:`_product_consultant`), so the
        facts the plan adds (its route facts, ``plan.overrides``, and their words in ``lang``) are the same for
        each; what moves from one product to the next is the other facts given (its margin facts). Only the
        conclusions those can change (:meth:`Evaluator.laid`) or whose words quote one of them are worded for
        each product; the others' reasons and caveats, and the recommendation when nothing moves, are worked
        out once per run, platform, language, market and answers, and kept with the run.
        """
        if platform not in record.declared:  # a platform the run declared nothing for: nothing to lay over
            return self._recommendation(record.decisions[platform], platform, assumptions, {}, seller_facts, lang, quoted, {})
        key = _frame_key(plan, platform, lang, quoted, given)
        frames = _frames_of(record, platform)
        frame: _Frame | None = frames.get(key)
        items = record.concluded.get(platform, {})
        if frame is None:
            recorded, changed = self._evaluator.lay_over_platform(record, platform, given)
            fact = self._fact_reader(platform, lang, quoted, recorded, seller_facts)
            steady = plan.overrides.get(platform, {}) if plan.overrides else {}
            moving = tuple(name for name in given if name not in steady)
            quotes = {PLATFORM_PREFIX + name for name in moving}
            movers = frozenset(self._evaluator.laid(record, platform, moving))
            variable = tuple(
                rule_id
                for rule_id in items
                if rule_id in movers or not quotes.isdisjoint(self._wording_of(rule_id, lang)[2])
            )
            # A reason's piece reads of its conclusion only what a product's values leave alone (its assumptions,
            # and the dated facts it rests on: the rule book's, which no fact given here names), so it is worded
            # from the run's own conclusion, without laying the product's values over it; a caveat words the
            # engine's text, and a conclusion that matched a rule-book fact given here rests on its value: laid.
            known = self._rules.platforms[platform].facts
            laid = tuple(
                rule_id
                for rule_id in variable
                if self._by_id[rule_id].then.kind == "caveat"
                or any(name in given and name in known for name, _value in items[rule_id].platform_facts)
            )
            # What those words quote that no product changes is read once, here, as are the facts they rest on.
            worded: dict[str, _Wording] = {}
            for rule_id in variable:
                if rule_id not in laid:
                    rule, template, names = self._wording_of(rule_id, lang)
                    fixed = {name: fact(name) for name in names if name not in quotes}
                    rests_on = self._platform_facts_used(platform, rule, items[rule_id].platform_facts)
                    parts = _parts(template, fixed, lang)
                    worded[rule_id] = _Wording(
                        rule,
                        template,
                        fixed,
                        tuple(name for name in names if name in quotes),
                        rests_on,
                        parts,
                        # The piece but its text, made once: each product's is it with its own text (:func:`_with`).
                        self._piece(platform, rule, items[rule_id], lang, "", template, {}, rests_on)
                        if parts is not None else None,
                    )
            read = tuple(dict.fromkeys(name for wording in worded.values() for name in wording.moving))
            # The other rules' pieces in their places, and a slot (the rule's id) where each variable rule's piece
            # goes: its place is its rule's (:meth:`_place_of`), the same for every product, so each product's
            # pieces are set in those slots (:meth:`_laid_pieces`), not sorted in again.
            reasons: list[tuple[Any, Reason | str]] = []
            caveats: list[tuple[Any, Caveat | str]] = []
            for rule_id, item in items.items():
                if rule_id not in variable:
                    _sort_in(self._placed_item(changed.get(rule_id) or item, platform, lang, fact), reasons, caveats)
                elif (place := self._place_of(self._by_id[rule_id])) is not None:
                    (reasons if place[0] == 0 else caveats).append((place[1], rule_id))
            reasons.sort(key=_key)
            caveats.sort(key=_key)
            whole = None
            if not variable:  # no slots: pieces alone
                whole = self._recommended(
                    record.decisions[platform], platform, assumptions, lang,
                    cast("tuple[Reason, ...]", _pieces_of(reasons)), cast("tuple[Caveat, ...]", _pieces_of(caveats)),
                )
            frame = frames[key] = _Frame(variable, laid, worded, read, _pieces_of(reasons), _pieces_of(caveats), whole)
        if frame.whole is not None:
            return frame.whole
        own_reasons, own_caveats = self._laid_pieces(frame, record, platform, lang, quoted, given, seller_facts)
        if frame.like is None:
            # Kept apart from the result it gives (a result written keeps its JSON, which a copy would leave out).
            decision = record.decisions[platform]
            frame.like = self._recommended(decision, platform, assumptions, lang, own_reasons, own_caveats)
            return _with(frame.like)
        # All but the reasons and caveats are the run's (its decision, assumptions and platform): the first
        # product's recommendation with this one's.
        return _with(frame.like, reasons=own_reasons, caveats=own_caveats)

    def _laid_pieces(
        self,
        frame: _Frame,
        record: Conclusions,
        platform: str,
        lang: str,
        quoted: Mapping[str, Any] | None,
        given: Mapping[str, Any],
        seller_facts: Mapping[str, Any],
    ) -> tuple[tuple[Reason, ...], tuple[Caveat, ...]]:
        """The reasons and caveats of a product on a shared run's ``frame`` (:meth:`_laid_recommendation`): the
        frame's own with those worded for this product's values ``given`` sorted in."""
        items = record.concluded.get(platform, {})
        changed: dict[str, Concluded] = {}
        fact: Callable[[str], Any]
        if frame.laid:
            recorded, changed = self._evaluator.lay_over_platform(record, platform, given, frame.laid)
            fact = self._fact_reader(platform, lang, quoted, recorded, seller_facts)
        elif lang == "en" and not quoted:
            # The words read of the laid facts only the product's own values they quote (:attr:`_Frame.read`), and
            # in English, with nothing quoted in other words, :meth:`_fact_reader` gives each its value as laid
            # (plain): read straight from what is given.
            fact = functools.partial(_laid_value, given)
        else:
            # The words read of the laid facts only the product's own values they quote (as laid: plain).
            recorded = {name: plain(given[name[len(PLATFORM_PREFIX) :]]) for name in frame.read}
            fact = self._fact_reader(platform, lang, quoted, recorded, seller_facts)
        own: dict[str, Any] = {}
        for rule_id in frame.variable:
            wording = frame.worded.get(rule_id)
            if wording is None:
                own[rule_id] = self._placed_item(changed.get(rule_id) or items[rule_id], platform, lang, fact)[-1]
            elif wording.parts is not None:
                # Worded for this product alone: its values (a margin summary) are its own, so nothing is kept. The
                # text is the fixed parts with the product's values filled in between (as render() fills them).
                parts = wording.parts
                text = [parts[0]]
                for index in range(1, len(parts), 2):
                    text += (filled(fact(parts[index]), lang), parts[index + 1])
                piece = wording.piece
                own[rule_id] = (
                    _with(piece, text="".join(text)) if isinstance(piece, Reason)
                    else _with(piece, text="".join(text)) if isinstance(piece, Caveat) else None
                )
            else:
                context = {**wording.fixed, **{name: fact(name) for name in wording.moving}}
                own[rule_id] = self._piece(
                    platform, wording.rule, items[rule_id], lang, None, wording.template, context, wording.rests_on
                )
        # Each variable rule's piece into its slot (a rule id) in the frame's order; a piece is never a str.
        slots = frame.slots
        if slots is None:
            slots = frame.slots = (
                tuple([index for index, slot in enumerate(frame.reasons) if slot.__class__ is str]),
                tuple([index for index, slot in enumerate(frame.caveats) if slot.__class__ is str]),
            )
        reasons = list(frame.reasons)
        for index in slots[0]:
            reasons[index] = own[reasons[index]]
        caveats = list(frame.caveats)
        for index in slots[1]:
            caveats[index] = own[caveats[index]]
        return tuple(reasons), tuple(caveats)

    def _routes_in(self, plan: _Plan, lang: str) -> Mapping[str, MarketRoutes]:
        """The plan's route checks with their texts in ``lang`` (the engine saw them in English)."""
        if lang == "en" or plan.market is None or plan.terms is None:
            return plan.routes
        out = {}
        for p in plan.routes:
            answers = self._route_answers(p, plan.market, plan.terms)
            key = (p, plan.market, answers if answers is not None else plan.terms, lang)
            found = self._routes_worded.get(key)
            if found is None:
                if len(self._routes_worded) >= _WORDED_ROUTES_KEPT:
                    self._routes_worded.clear()
                found = self._routes_worded[key] = self._market_routes(p, plan.market, plan.terms, lang)
            out[p] = found
        return out

    def _market_advice(self, plan: _Plan, rec: Recommendation, lang: str) -> MarketAdvice:
        """One platform's advice in one market: the route, its model and the outcome, in words.

        All but the reasons and caveats follow from the market, the answers the routes read (the plan's route
        checks are those of its market and terms) and the decision: kept by those, and given this
        recommendation's reasons and caveats (a catalogue asks the same of thousands of products).
        """
        assert plan.market is not None
        key = (
            plan.market, plan.terms, lang, rec.platform, rec.platform_name, rec.model, rec.basis, rec.outcome,
            rec.outcome_text, rec.confidence,
        )
        kept = self._market_entries.get(key) if plan.terms is not None else None
        if kept is not None:
            if kept.reasons is rec.reasons and kept.caveats is rec.caveats:
                return kept
            return _with(kept, reasons=rec.reasons, caveats=rec.caveats)
        entry = self._market_entry(plan, rec, lang)
        if plan.terms is not None:
            if len(self._market_entries) >= _MARKET_ENTRIES_KEPT:
                self._market_entries.clear()
            self._market_entries[key] = entry
        return entry

    def _market_entry(self, plan: _Plan, rec: Recommendation, lang: str) -> MarketAdvice:
        """:meth:`_market_advice`, worked out."""
        assert plan.market is not None
        routes = self._routes_in(plan, lang).get(rec.platform)
        name = self._rules.markets[plan.market].name_in(lang) if plan.market in self._rules.markets else plan.market
        route_id: str | None = None
        route_name = ""
        hands_over: dict[str, str] = {}
        outcome_kind, text = rec.outcome, rec.outcome_text
        words = {"platform": rec.platform_name, "market": name}
        model = market_model(rec.model, rec.basis, routes.status if routes is not None else None)
        if routes is not None and routes.status == "unknown":
            outcome_kind, text = "unknown-market", routes.note
        elif model is None:
            own = _own_store_left(routes)
            if own is not None:
                route_id, route_name, hands_over = own.route.id, own.route.name_in(lang), own.route.hands_over_in(lang)
                text = _i18n.tidy(
                    _i18n._("No managed model is open to you on {platform} in {market}; the route left: {route}.").format(
                        route=route_name, **words
                    )
                )
            else:
                outcome_kind = "neither-fits"
                text = _i18n.tidy(
                    _i18n._(
                        "No route on {platform} is open to you in {market}; the reasons say what would open one."
                    ).format(**words)
                )
        elif routes is not None:
            check = routes.best("fully-managed" if rec.model == MODELS[0] else "semi-managed")
            if check is not None:
                route_id, route_name, hands_over = check.route.id, check.route.name_in(lang), check.route.hands_over_in(lang)
        return MarketAdvice(
            market=plan.market,
            market_name=name,
            route=route_id,
            route_name=route_name,
            model=model,
            outcome=outcome_kind,
            confidence=rec.confidence,
            reasons=rec.reasons,
            caveats=rec.caveats,
            outcome_text=text,
            hands_over=hands_over,
        )

    def _recommendation(
        self,
        decision: DecisionRecord,
        platform: str,
        assumptions: tuple[Assumption, ...],
        concluded: Mapping[str, Concluded],
        seller_facts: Mapping[str, Any],
        lang: str,
        quoted: Mapping[str, Any] | None,
        recorded: Mapping[str, Any],
    ) -> Recommendation:
        fact = self._fact_reader(platform, lang, quoted, recorded, seller_facts)
        reasons: list[tuple[Any, Reason]] = []
        caveats: list[tuple[Any, Caveat]] = []
        for item in concluded.values():
            _sort_in(self._placed_item(item, platform, lang, fact), reasons, caveats)
        reasons.sort(key=_key)
        caveats.sort(key=_key)
        return self._recommended(decision, platform, assumptions, lang, _pieces_of(reasons), _pieces_of(caveats))

    def _fact_reader(
        self,
        platform: str,
        lang: str,
        quoted: Mapping[str, Any] | None,
        recorded: Mapping[str, Any],
        seller_facts: Mapping[str, Any],
    ) -> Callable[[str], Any]:
        """What a text's facts hold for a name, on ``platform`` in ``lang``.

        Platform facts as the engine saw them (``recorded``), so reasons can quote facts computed for this
        consultation (the margin facts from the seller's economics); in another language, the texts those
        facts hold are quoted in that language (``quoted``).
        """
        platform_values = self._platform_values[(platform, lang)]

        def fact(name: str) -> Any:
            # The seller's facts, under the platform's (in ``lang``), under those the engine saw (in another
            # language only those not in words), under the facts computed for this consultation in ``lang``.
            if name.startswith(PLATFORM_PREFIX):
                if quoted and (short := name[len(PLATFORM_PREFIX) :]) in quoted:
                    return quoted[short]
                if name in recorded:
                    value = recorded[name]
                    if lang == "en" or not isinstance(value, (str, list)):
                        return value
                if name in platform_values:
                    return platform_values[name]
            return seller_facts.get(name)

        return fact

    def _wording_of(self, rule_id: str, lang: str) -> tuple[Rule, str, tuple[str, ...]]:
        """:meth:`_words`, kept by rule and language."""
        words = self._wording.get((rule_id, lang))
        if words is None:
            words = self._wording[(rule_id, lang)] = self._words(rule_id, lang)
        return words

    def _placed_item(self, item: Concluded, platform: str, lang: str, fact: Callable[[str], Any]) -> tuple[Any, ...]:
        """One conclusion in words with its place in a recommendation (:meth:`_placed`), its texts' facts read by ``fact``."""
        where = (platform, lang)
        placed: tuple[Any, ...] | None = item.worded.get(where)
        if placed is not None:
            return placed
        rule, template, names = self._wording_of(item.rule, lang)
        rendered = None
        if lang == "en" and item.text is not None and rule.then.kind == "caveat":
            template, rendered, names = item.text, item.text, ()  # the engine wrote it when it fired
        if not names:
            # Words that quote nothing of the seller: the same piece, placed, for this conclusion on this platform.
            placed = item.worded[where] = self._placed(self._shared_piece(platform, lang, rule, item, rendered, template))
            return placed
        values = tuple(map(fact, names))
        # Filed on the conclusion by the values quoted and their types (True is not 1), when they
        # can be a key: a key of the conclusion itself costs more to hash than the piece to find.
        try:
            by_values: Any = (platform, lang, values, tuple(map(type, values)))
            placed = item.worded.get(by_values)
        except TypeError:  # a list quoted: filed by the advisor, as hashable values
            by_values = None
        if placed is None:
            piece = self._shared_piece(platform, lang, rule, item, rendered, template, names, values)
            placed = self._placed(piece)
            if by_values is not None:
                if len(item.worded) >= _WORDED_KEPT:  # values quoted from sellers: bounded
                    item.worded.clear()
                item.worded[by_values] = placed
        return placed

    def _recommended(
        self,
        decision: DecisionRecord,
        platform: str,
        assumptions: tuple[Assumption, ...],
        lang: str,
        reasons: tuple[Reason, ...],
        caveats: tuple[Caveat, ...],
    ) -> Recommendation:
        """The recommendation on ``platform`` of a decision, with its reasons and caveats (in order)."""
        facts = self._rules.platforms[platform].facts
        name = self._rules.platforms[platform].name_in(lang)
        shape_key = (platform, lang, decision.model, tuple(decision.scores.items()), tuple(decision.excluded), decision.basis)
        shape = self._outcomes.get(shape_key)
        if shape is None:
            separate, pop = facts.get("separate_stores_per_model"), facts.get("self_operated_store")
            shape = outcome(
                decision.model,
                decision.scores,
                decision.excluded,
                platform_name=name,
                separate_stores=separate is not None and separate.value is True,
                self_operated=pop.text("value", lang) if pop is not None and isinstance(pop.value, str) else None,
                policy=self._rules.policy,
                basis=decision.basis,
            )
            if len(self._outcomes) >= _OUTCOMES_KEPT:
                self._outcomes.clear()
            self._outcomes[shape_key] = shape
        return Recommendation(
            platform=platform,
            platform_name=name,
            model=decision.model,
            confidence=decision.confidence,
            scores={model: decision.scores[model] for model in MODELS},
            reasons=reasons,
            caveats=caveats,
            assumptions=assumptions,
            excluded=tuple(decision.excluded),
            basis=decision.basis,
            outcome=shape.kind,
            outcome_text=shape.text,
        )

    def _shared_piece(
        self,
        platform: str,
        lang: str,
        rule: Rule,
        item: Concluded,
        rendered: str | None,
        template: str,
        names: tuple[str, ...] = (),
        values: tuple[Any, ...] = (),
    ) -> Reason | Caveat | None:
        """:meth:`_piece`, shared: the same rule, words and facts always give the same (immutable) reason,
        built once. ``values`` are what ``template`` quotes for ``names``."""
        pieces = self._pieces
        try:
            key: Any = (
                platform,
                lang,
                item.identity(),
                tuple(zip(map(type, values), map(hashable, values), strict=True)) if values else (),
            )
            piece = pieces.get(key)
        except TypeError:  # a value no key can hold (a table): worded for this result alone
            key, piece = None, None
        if piece is None:
            piece = self._piece(platform, rule, item, lang, rendered, template, dict(zip(names, values, strict=True)))
            if key is not None:
                if len(pieces) >= _PIECES_KEPT:
                    pieces.clear()
                pieces[key] = piece
        return piece

    def _placed(self, piece: Reason | Caveat | None) -> tuple[Any, ...]:
        """A piece with its place in a recommendation (:meth:`_place_of` its rule) before it: ``(0, key, reason)``,
        ``(1, key, caveat)``, or ``(None,)`` for a conclusion that is neither."""
        if piece is None:
            return (None,)
        place = self._place_of(self._by_id[piece.rule])
        assert place is not None
        return (*place, piece)

    def _place_of(self, rule: Rule) -> tuple[int, Any] | None:
        """Where a rule's piece goes in a recommendation, which its rule alone decides (:meth:`_piece` makes a caveat
        of a caveat, a reason of its kind and weight of evidence or an exclusion): ``(0, key)`` among the reasons
        (constraints first, then by weight, then rule-book order), ``(1, key)`` among the caveats (rule-book order),
        ``None`` for neither."""
        kind = rule.then.kind
        if kind == "caveat":
            return (1, self._order[rule.id])
        if kind in ("evidence", "exclude"):
            return (0, (kind == "evidence", -(rule.then.weight or 0), self._order[rule.id]))
        return None

    def _words(self, rule_id: str, lang: str) -> tuple[Rule, str, tuple[str, ...]]:
        """A rule, the text a result words its conclusion with in ``lang``, and the facts that text quotes."""
        rule = self._by_id[rule_id]
        template = rule.text("caveat" if rule.then.kind == "caveat" else "statement", lang)
        return rule, template, tuple(placeholders(template))

    def _piece(
        self,
        platform: str,
        rule: Rule,
        item: Concluded,
        lang: str,
        rendered: str | None,
        template: str,
        context: Mapping[str, Any],
        rests_on: tuple[PlatformFactUsed, ...] | None = None,
    ) -> Reason | Caveat | None:
        """One conclusion in words: a caveat, a reason (evidence or constraint), or ``None`` for neither.

        :param rendered: the text as the engine already wrote it (an English caveat), else ``None``.
        :param context: the facts ``template`` quotes.
        :param rests_on: the dated facts it rests on, when the caller knows them (else worked out).
        """
        sources = self._sources[rule.id]
        if rests_on is None:
            rests_on = self._platform_facts_used(platform, rule, item.platform_facts)
        then = rule.then
        text = rendered if rendered is not None else render(template, context, lang=lang)
        if then.kind == "caveat":
            return Caveat(rule=rule.id, text=text, sources=sources, rests_on=rests_on)
        if then.kind in ("evidence", "exclude"):
            return Reason(
                rule=rule.id,
                favours=rule.favours or "",
                text=text,
                kind="evidence" if then.kind == "evidence" else "constraint",
                weight=then.weight,
                sources=sources,
                assumed=item.assumed,
                rests_on=rests_on,
            )
        return None

    def _platform_facts_used(
        self, platform: str, rule: Rule, matched: tuple[tuple[str, Any], ...]
    ) -> tuple[PlatformFactUsed, ...]:
        """The dated platform facts a firing rests on: those it matched (``(name, value)``) and those its text quotes."""
        values = dict(matched)
        # The same rule on the same platform facts always rests on the same dated facts; only the rule book's
        # facts are dated, so the facts computed for a consultation (a margin gap...) are left out of the key.
        known = self._rules.platforms[platform].facts
        key = (platform, rule.id, tuple((name, hashable(value)) for name, value in values.items() if name in known))
        cached = self._rests_on.get(key)
        if cached is None:
            if len(self._rests_on) >= _RESTS_ON_KEPT:  # per-consultation platform facts (overrides) could grow it without end
                self._rests_on.clear()
            cached = self._rests_on[key] = self._facts_used(platform, rule, values)
        return cached

    def _facts_used(self, platform: str, rule: Rule, values: dict[str, Any]) -> tuple[PlatformFactUsed, ...]:
        known = self._rules.platforms[platform].facts
        for name in placeholders(rule.statement + " " + (rule.then.text or "")):
            fact_name = name.removeprefix(PLATFORM_PREFIX)
            if fact_name != name and fact_name in known:
                values.setdefault(fact_name, known[fact_name].value)
        return tuple(
            PlatformFactUsed(
                fact=f"platform.{name}",
                value=value,
                as_of=known[name].as_of,
                confidence=known[name].confidence,
                sources=tuple(self._rules.source_labels(known[name].sources)),
                review_by=known[name].review_by,
            )
            for name, value in values.items()
            if name in known
        )

    def _assumptions(self, profile: SellerProfile, record: Conclusions, lang: str = "en") -> tuple[Assumption, ...]:
        """What was assumed for each unknown field (the same for every platform: assumptions are about the seller)."""
        # The same unknown fields and the same assumptions give the same (immutable) assumptions: kept, by
        # language, when every assumed value is a plain scalar (no list a caller's dict could share).
        key: Any = None
        if all(type(value) in _SCALARS for _rule, _field, value in record.assumed):
            key = (lang, tuple(getattr(profile, name) is None for name in CORE_FIELDS), tuple(record.assumed))
            found = self._assumed.get(key)
            if found is not None:
                return found
        made: dict[str, Assumption] = {}
        for rule_id, field, value in record.assumed:
            made[field] = Assumption(field=field, value=value, rule=rule_id, text=self._by_id[rule_id].text("statement", lang))
        out = []
        for name in CORE_FIELDS:
            if getattr(profile, name) is not None:
                continue
            out.append(
                made.get(name)
                or Assumption(
                    field=name,
                    value=None,
                    text=_i18n._("Not given ({meaning}): rules that need it were not applied.").format(
                        meaning=_i18n._(FIELDS_BY_NAME[name].meaning)
                    ),
                )
            )
        for name, assumption in made.items():
            if name not in CORE_FIELDS:
                out.append(assumption)
        if key is not None:
            if len(self._assumed) >= _ASSUMED_KEPT:
                self._assumed.clear()
            self._assumed[key] = tuple(out)
        return tuple(out)

    def check_examples(self) -> list[ExampleFailure]:
        """Run every rule's shipped examples and return those whose outcome differs from the file."""
        failures = []
        for rule in self._rules.rules:
            for index, example in enumerate(rule.examples, start=1):
                profile = SellerProfile.from_dict(example.profile)
                if example.platform:
                    profile = profile.with_changes(platforms=(example.platform,))
                overrides = {p: example.platform_facts for p in profile.platforms}
                result = self._consult(profile, platform_overrides=overrides)
                fired = any(f.rule == rule.id for f in result.trace.firings)
                if fired != example.fires:
                    failures.append(ExampleFailure(rule.id, index, example.fires, example.profile, example.platform))
        return failures

    def fires(self, rule_id: str, profile: SellerProfile | Mapping[str, Any], *, platform: str | None = None) -> bool:
        """Whether a rule fires for this profile (on ``platform``, or on any platform asked)."""
        self._rules.rule(rule_id)
        result = self._consult(profile)
        return any(f.rule == rule_id and (platform is None or f.platform in (platform, None)) for f in result.trace.firings)




_PROFILE_STATE = tuple(item.name for item in fields(SellerProfile))
"""A profile's fields, its economics among them (what :meth:`SellerProfile._of_seller` is given, but the economics)."""
_SELLER_FIELDS = tuple(item.name for item in fields(SellerProfile) if item.name != "economics")
"""A profile's fields but its economics (:func:`_seller_of`)."""
_seller_values = operator.attrgetter(*_SELLER_FIELDS)


def _seller_of(profile: SellerProfile) -> tuple[Any, ...]:
    """A profile's seller part as a key: the values of every field but its economics, which is all a consultation
    reads of it but the landed-cost comparisons and the margin facts (:meth:`Advisor._seller_plans`), and their types."""
    values: tuple[Any, ...] = _seller_values(profile)
    # With their types: equal values of two types (True and 1) are not the same answer to every test.
    return (values, tuple(map(type, values)))


def advice_weight(profile: SellerProfile) -> int:
    """What a consultation's advice weighs in the advice cache (:data:`_RESULTS_HELD`): its recommendations per market."""
    return len(profile.platforms) * max(1, len(profile.target_markets or ()))


def _own_store_left(routes: MarketRoutes | None) -> RouteCheck | None:
    """The seller's own store as the route left on a platform in a market where no managed model is open: its best
    check unless it is closed, or the market has no route facts or the platform is not live there."""
    if routes is None or routes.status in ("unknown", "not-live"):
        return None
    own = routes.best("own-store")
    return own if own is not None and own.status != "closed" else None


_Piece = TypeVar("_Piece", Reason, Caveat)
_Placed = TypeVar("_Placed")


def _share_platforms(
    run: Conclusions,
    part: tuple[Any, ...],
    ran: Mapping[str, Mapping[str, Any]],
    parts: dict[Any, tuple[Mapping[str, Any], Conclusions, dict[Any, Any]]],
) -> None:
    """File a new shared run's platforms by what each was concluded on, and take an earlier run's platform where
    it was concluded on the same: its conclusions, decision and facts, and the frames its products' words are laid
    into (:meth:`Advisor._laid_recommendation`, kept with that platform, not with the run).

    A settled run's platforms settle apart (each its own view, :meth:`Evaluator.settles`): one platform's
    conclusions follow from the run's market, seller facts (its signature) and route answers, the facts that
    platform was given, and where each platform's facts are numbered (the names every platform was given). A
    catalogue's runs are distinct combinations of a few readings per platform (288 runs of 33 platform readings
    in 2,000 products), so the frames are worked out once per platform reading instead of once per combination.
    ``ran`` are the facts each platform ran on (the first product's of its reading,
    :meth:`Advisor._product_consultant`): a platform is taken only from a run on the same facts.
    """
    for platform, key in _platform_keys(part):
        facts = ran.get(platform)
        if facts is None or platform not in run.declared:
            continue
        known = parts.get(key)
        if known is not None and known[0] is facts:
            earlier = known[1]
            run.concluded[platform] = earlier.concluded[platform]
            run.decisions[platform] = earlier.decisions[platform]
            run.declared[platform] = earlier.declared[platform]
            run.kept[("platform", platform)] = known[2]
            continue
        if len(parts) >= _READINGS_KEPT:
            parts.clear()
        frames: dict[Any, Any] = {}
        parts[key] = (facts, run, frames)
        run.kept[("platform", platform)] = frames


def _platform_keys(part: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each platform of a shared run's ``part`` (its market, signature, route answers and platform readings), and
    what its conclusions are filed by (:func:`_share_platforms`): the run's market, signature and answers, the
    platform and its reading, and the names every platform was given (they number the facts)."""
    market, signature, terms, readings = part
    names = tuple(reading[0] for reading in readings)
    for platform, reading in zip(signature[0], readings, strict=True):
        yield platform, (market, signature, terms, platform, reading, names)


def _assembled(
    part: tuple[Any, ...],
    ran: Mapping[str, Mapping[str, Any]],
    parts: dict[Any, tuple[Mapping[str, Any], Conclusions, dict[Any, Any]]],
) -> Conclusions | None:
    """A new shared run made of earlier runs' platforms when every platform was concluded on the same before
    (:func:`_share_platforms`), instead of running the rules again; ``None`` otherwise. The seller's part (its
    facts and the assumptions that fired) is any of those runs': they share the market, the signature (what the
    rules read of the seller) and the route answers, as the products sharing one run do."""
    taken = []
    for platform, key in _platform_keys(part):
        known = parts.get(key)
        if known is None or known[0] is not ran.get(platform):
            return None
        taken.append((platform, known))
    seller = taken[0][1][1]
    run = Conclusions(
        seller.seller,
        seller.assumed,
        {platform: known[1].concluded[platform] for platform, known in taken},
        {platform: known[1].decisions[platform] for platform, known in taken},
        {platform: known[1].declared[platform] for platform, known in taken},
    )
    for platform, known in taken:
        run.kept[("platform", platform)] = known[2]
    return run


def _frames_of(record: Conclusions, platform: str) -> dict[Any, Any]:
    """Where the frames of ``platform`` on a shared run are kept: with the platform's conclusions when runs share
    them (:func:`_share_platforms`), else with the run."""
    frames: dict[Any, Any] | None = record.kept.get(("platform", platform))
    return record.kept if frames is None else frames


def _keep(kept: dict[Any, Any], key: Any, value: Any) -> None:
    """``value`` kept by ``key`` in a catalogue's :meth:`Advisor._advice` memory, emptied when full."""
    if len(kept) >= _ADVICE_KEPT:
        kept.clear()
    kept[key] = value


def _key(placed: tuple[Any, Any]) -> Any:
    """A placed piece's sort key (:meth:`Advisor._placed`)."""
    return placed[0]


def _frame_key(
    plan: _Plan, platform: str, lang: str, quoted: Mapping[str, Any] | None, given: Mapping[str, Any]
) -> tuple[Any, ...]:
    """What a :class:`_Frame` is kept by on its run: the platform, the language and the names given and quoted
    (a run is its market's and answers')."""
    return ("words", platform, lang, tuple(given), tuple(quoted) if quoted else (), plan.market, plan.terms)


def _pieces_of(placed: list[tuple[Any, _Placed]]) -> tuple[_Placed, ...]:
    """The pieces of placed ``(key, piece)`` pairs, in their order."""
    return tuple([piece for _key, piece in placed])


def _sort_in(placed: tuple[Any, ...], reasons: list[Any], caveats: list[Any]) -> None:
    """A placed piece (:meth:`Advisor._placed`) into the reasons or the caveats, as ``(key, piece)``; neither is dropped."""
    if placed[0] == 0:
        reasons.append(placed[1:])
    elif placed[0] == 1:
        caveats.append(placed[1:])


@dataclass
class _Frame:
    """What a recommendation on a shared run keeps for the products laid over it (:meth:`Advisor._laid_recommendation`)."""

    variable: tuple[str, ...]
    """The rules whose words are worked out for each product, in the run's order."""
    laid: tuple[str, ...]
    """Those of them worded from their conclusion with the product's values laid over it (the others: from the run's)."""
    worded: dict[str, _Wording]
    """The others' words, by rule."""
    read: tuple[str, ...]
    """The laid facts (``platform.``-prefixed) those words quote."""
    reasons: tuple[Any, ...]
    """The reasons in order: the other rules' own (a :class:`Reason`, never changed: shared by each product), and
    the id of each variable rule (a str: its slot) where its reason goes."""
    caveats: tuple[Any, ...]
    """The caveats the same way (:class:`Caveat` or slot)."""
    whole: Recommendation | None
    """The recommendation itself when no words change with the product (immutable, shared)."""
    like: Recommendation | None = None
    """Otherwise the first product's recommendation, whose fields but the reasons and caveats every product shares."""
    slots: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    """Where the slots are in :attr:`reasons` and in :attr:`caveats` (found at the first product laid into them)."""


def _laid_value(given: Mapping[str, Any], name: str) -> Any:
    """A laid fact's value (``platform.``-prefixed ``name``) as the engine saw it: the product's own, plain."""
    return plain(given[name[len(PLATFORM_PREFIX) :]])


@dataclass(frozen=True)
class _Shape:
    """What a catalogue's products on the same runs (one per market) share of their advice
    (:meth:`Advisor._advice`): the first product's, but for the words that quote a product's own values, which
    each product lays into it (:meth:`Advisor._laid_pieces`). The runs decide every recommendation's model,
    confidence, outcome and markets; the frames (:class:`_Frame`, kept with each run) say which words move."""

    runs: tuple[Conclusions, ...]
    """The runs, held so that their identity (the key) stays theirs."""
    platforms: tuple[tuple[Recommendation, tuple[_Frame | None, ...], int], ...]
    """Per platform, the first product's recommendation, the frame of each market whose words move (``None``:
    its market advice is the first product's), and the index of the market that leads it."""
    seller: tuple[Mapping[str, Any], ...]
    """Per run, the seller's facts its words read."""
    best: Best | None
    """The best platform, or ``None`` when a product's own words can decide it (chosen for each product)."""


@dataclass(frozen=True)
class _Wording:
    """A reason a shared run words for each product from the run's conclusion (:class:`_Frame`)."""

    rule: Rule
    template: str
    fixed: dict[str, Any]
    """The facts its text quotes that are the same for every product, by name."""
    moving: tuple[str, ...]
    """The facts its text quotes of each product's own (``platform.``-prefixed)."""
    rests_on: tuple[PlatformFactUsed, ...]
    parts: tuple[str, ...] | None = None
    """Its text's parts with the fixed facts filled in, and the names of the moving ones in between (:func:`_parts`);
    ``None`` in Chinese, whose spaces beside a value depend on the value (rendered whole)."""
    piece: Reason | Caveat | None = None
    """With :attr:`parts`, its piece (:meth:`Advisor._piece`) with an empty text: a product's is a copy with its own
    text; ``None`` without parts, or for a rule that words no piece."""


def _parts(template: str, fixed: Mapping[str, Any], lang: str) -> tuple[str, ...] | None:
    """``template`` split (:func:`split`) with the ``fixed`` facts filled into its literal parts: the literal parts and
    the other names in turn, so that a text is these parts with each name's value :func:`filled` in between (as
    :func:`render` fills it, outside Chinese: ``None`` there)."""
    if lang == "zh":
        return None
    pieces = split(template)
    parts = [pieces[0]]
    for index in range(1, len(pieces), 2):
        name = pieces[index]
        if name in fixed:
            parts[-1] += filled(fixed[name], lang) + pieces[index + 1]
        else:
            parts += (name, pieces[index + 1])
    return tuple(parts)


_Advice = TypeVar("_Advice", Recommendation, MarketAdvice, Reason, Caveat)
_FIELD_COUNTS = {kind: len(fields(kind)) for kind in (Recommendation, MarketAdvice, Reason, Caveat)}


def _with(rec: _Advice, **changes: Any) -> _Advice:
    """``rec`` with ``changes``: :func:`dataclasses.replace` without re-running ``__init__`` (a consultation
    does this once per platform and market, and a catalogue once per product's own reason; every field is
    already checked); cached JSON is not carried over."""
    new = object.__new__(type(rec))
    state = rec.__dict__
    if len(state) > _FIELD_COUNTS[type(rec)]:  # it holds cached JSON too: the fields alone
        state = {k: v for k, v in state.items() if not k.startswith("_")}
    new.__dict__.update(state)
    new.__dict__.update(changes)
    return new
