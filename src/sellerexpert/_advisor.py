"""The advisor: the public entry point that runs consultations on a rule book."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _economics as economics
from . import _i18n
from ._conditions import PLATFORM_PREFIX
from ._errors import ProfileError
from ._evaluator import DECIDE_RULE, Evaluator, RunRecord, fact_values, hashable
from ._policy import choose_best, outcome
from ._profile import CORE_FIELDS, FIELDS_BY_NAME, MODELS, SellerProfile
from ._result import Assumption, Best, Caveat, ConsultationResult, PlatformFactUsed, Reason, Recommendation
from ._rulebook import Rule, RuleBook
from ._rulebook_loader import load_rulebook
from ._templates import placeholders, render
from ._trace import DecisionRecord, FactRecord, Firing, PlatformRecord, SellerRecord, Trace
from ._version import __version__

if TYPE_CHECKING:
    from experta import KnowledgeEngine


_RESULTS_KEPT = 4096
"""Results remembered by the compiled path, per advisor (sellers the rules cannot tell apart)."""

Engine = Literal["experta", "compiled"]
"""Which engine runs a consultation: Experta (the engine of record) or the compiled evaluator (the same result, faster)."""
ENGINES: tuple[Engine, ...] = ("experta", "compiled")


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
        self._results: dict[tuple[Any, ...], tuple[tuple[Recommendation, ...], Best]] = {}
        self._fingerprint = {
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
        return copy.deepcopy(self._fingerprint)

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
    ) -> RunRecord:
        """Run the rules on a profile: the facts, every firing and each platform's decision.

        :param platform_overrides: extra or replaced platform facts, by platform id; the margin
            facts computed from the profile's economics are added here, in the one place rules run.
        """
        facts = fact_values(profile)
        platform_overrides = economics.margin_facts(profile, platform_overrides)
        if engine == "compiled":
            return self._evaluator.run(
                facts, profile.platforms, platform_overrides=platform_overrides, firing_limit=self._firing_limit
            )
        if engine != "experta":
            raise ValueError(f"unknown engine {engine!r} (allowed: {', '.join(ENGINES)})")
        from . import _experta

        if self._engine is None:
            # One engine instance, reset per consultation: Experta keeps rule state on the
            # class, so runs are serialised in _experta whatever the number of instances.
            self._engine = _experta.compile_engine(self._rules)()
        initial = _experta.initial_facts(self._rules, facts, profile.platforms, platform_overrides)
        return _experta.run(self._engine, initial, firing_limit=self._firing_limit)

    def compare_margins(
        self, profile: SellerProfile | Mapping[str, Any], *, lang: str | None = None
    ) -> economics.MarginComparison:
        """Compare what fully-managed and semi-managed leave on each of the profile's platforms, from its economics.

        :param profile: a :class:`SellerProfile` (or dict) with an ``economics`` section.
        :param lang: the language of the platforms' names (速卖通 in Chinese); ``None`` for the language in force.
            Every other word of the comparison is English data, put in words by ``margin_report``.
        :raises ProfileError: when the profile has no economics, or they are invalid or incomplete.
        :raises LanguageError: for a language the advisor does not speak.
        """
        lang = _i18n.current() if lang is None else _i18n.check(lang)
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        if profile.economics is None:
            raise ProfileError(
                "is not given: add an economics section with your own prices and costs (see examples/*margin*)",
                field="economics",
            )
        names = {p: self._rules.platforms[p].name_in(lang) for p in profile.platforms}
        return economics.compare_margins(profile.economics, platforms=profile.platforms, names=names)

    def _consult(
        self,
        profile: SellerProfile | Mapping[str, Any],
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        engine: Engine = "experta",
        lang: str | None = None,
    ) -> ConsultationResult:
        lang = _i18n.current() if lang is None else _i18n.check(lang)
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        key = None
        if engine == "compiled" and platform_overrides is None and profile.economics is None:
            # Sellers the rules cannot tell apart get the same advice, word for word: build it once.
            # (A seller's own numbers become platform facts of their own: such results are not shared.)
            signature = self._evaluator.signature(fact_values(profile), profile.platforms)
            key = None if signature is None else (signature, lang)
            cached = self._results.get(key) if key is not None else None
            if cached is not None:
                recommendations, best = cached

                def rerun() -> Trace:
                    return self._english_trace(profile, self._run(profile, engine="compiled"), lang, cached, None)

                return ConsultationResult(profile=profile, recommendations=recommendations, best=best, trace=rerun, lang=lang)
        record = self._run(profile, engine=engine, platform_overrides=platform_overrides)
        advice = self._advice(profile, record, lang, platform_overrides)
        if key is not None:
            if len(self._results) >= _RESULTS_KEPT:
                self._results.clear()
            self._results[key] = advice
        return ConsultationResult(
            profile=profile,
            recommendations=advice[0],
            best=advice[1],
            trace=lambda: self._english_trace(profile, record, lang, advice, platform_overrides),
            lang=lang,
        )

    def _english_trace(
        self,
        profile: SellerProfile,
        record: RunRecord,
        lang: str,
        advice: tuple[tuple[Recommendation, ...], Best],
        platform_overrides: Mapping[str, Mapping[str, Any]] | None,
    ) -> Trace:
        """The trace, recording the advice in English whatever the reader's language.

        An audit replays it against the rule book, whose words are English; a result in another
        language words the same firings again for its trace, only when the trace is asked for.
        """
        english = advice if lang == "en" else self._advice(profile, record, "en", platform_overrides)
        return self._trace(profile, record, *english)

    def _advice(
        self,
        profile: SellerProfile,
        record: RunRecord,
        lang: str,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None,
    ) -> tuple[tuple[Recommendation, ...], Best]:
        """The recommendations and the best platform, in words of ``lang``."""
        with _i18n.use(lang):
            assumptions = self._assumptions(profile, record, lang)
            by_platform: dict[str | None, list[Firing]] = {}
            for firing in record.firings:
                if firing.rule != DECIDE_RULE:
                    by_platform.setdefault(firing.platform, []).append(firing)
            seller_facts = {f.field: f.value for f in record.facts if isinstance(f, SellerRecord)}
            seller_facts.update({a.field: a.value for a in assumptions if a.rule is not None})
            # Facts computed for this consultation (the margin facts from the seller's economics) are
            # quoted in the language too: the engine saw them in English.
            quoted = economics.margin_facts(profile, platform_overrides, lang) if lang != "en" else None
            recommendations = tuple(
                self._recommendation(record, p, assumptions, by_platform.get(p, []), seller_facts, lang, (quoted or {}).get(p))
                for p in profile.platforms
            )
            return recommendations, choose_best(recommendations, self._rules.policy)

    def _trace(
        self, profile: SellerProfile, record: RunRecord, recommendations: tuple[Recommendation, ...], best: Best
    ) -> Trace:
        return Trace(
            profile=profile.to_dict(),
            facts=tuple(record.facts),
            firings=tuple(record.firings),
            result=ConsultationResult.result_dict(profile, recommendations, best),
            fingerprint=self.fingerprint(),
        )

    def _recommendation(
        self,
        record: RunRecord,
        platform: str,
        assumptions: tuple[Assumption, ...],
        firings: list[Firing],
        seller_facts: Mapping[str, Any],
        lang: str = "en",
        quoted: Mapping[str, Any] | None = None,
    ) -> Recommendation:
        # Platform facts as the engine saw them, so reasons can quote facts computed for this
        # consultation (the margin facts from the seller's economics); in another language, the
        # texts those facts hold are quoted in that language.
        platform_values = self._platform_values[(platform, lang)]
        context = {
            **seller_facts,
            **platform_values,
            **{
                PLATFORM_PREFIX + f.field: f.value
                for f in record.facts
                if isinstance(f, PlatformRecord) and f.platform == platform
                and (lang == "en" or not isinstance(f.value, (str, list)))
            },
            **{PLATFORM_PREFIX + name: value for name, value in (quoted or {}).items()},
        }
        reasons: list[Reason] = []
        caveats: list[Caveat] = []
        for firing in firings:
            rule = self._by_id[firing.rule]
            assumed = tuple(f.field for f in firing.matched if isinstance(f, SellerRecord) and f.assumed)
            sources = self._sources[rule.id]
            rests_on = self._platform_facts_used(platform, rule, firing.matched)
            if rule.then.kind == "caveat":
                if lang == "en":
                    text = next((f.text for f in firing.asserted if f.kind == "caveat"), rule.then.text or "")
                else:
                    text = render(rule.text("caveat", lang), context, lang=lang)
                caveats.append(Caveat(rule=rule.id, text=text, sources=sources, rests_on=rests_on))
            elif rule.then.kind in ("evidence", "exclude"):
                reasons.append(
                    Reason(
                        rule=rule.id,
                        favours=rule.favours or "",
                        text=render(rule.text("statement", lang), context, lang=lang),
                        kind="evidence" if rule.then.kind == "evidence" else "constraint",
                        weight=rule.then.weight,
                        sources=sources,
                        assumed=assumed,
                        rests_on=rests_on,
                    )
                )
        order = self._order
        reasons.sort(key=lambda r: (r.kind != "constraint", -(r.weight or 0), order[r.rule]))
        caveats.sort(key=lambda c: order[c.rule])
        decision: DecisionRecord = record.decisions[platform]
        facts = self._rules.platforms[platform].facts
        separate, pop = facts.get("separate_stores_per_model"), facts.get("self_operated_store")
        name = self._rules.platforms[platform].name_in(lang)
        shape = outcome(
            decision.model,
            decision.scores,
            decision.excluded,
            platform_name=name,
            separate_stores=separate is not None and separate.value is True,
            self_operated=pop.text("value", lang) if pop is not None and isinstance(pop.value, str) else None,
            policy=self._rules.policy,
        )
        return Recommendation(
            platform=platform,
            platform_name=name,
            model=decision.model,
            confidence=decision.confidence,
            scores={model: decision.scores[model] for model in MODELS},
            reasons=tuple(reasons),
            caveats=tuple(caveats),
            assumptions=assumptions,
            excluded=tuple(decision.excluded),
            basis=decision.basis,
            outcome=shape.kind,
            outcome_text=shape.text,
        )

    def _platform_facts_used(
        self, platform: str, rule: Rule, matched: tuple[FactRecord, ...]
    ) -> tuple[PlatformFactUsed, ...]:
        """The dated platform facts a firing rests on: those it matched and those its text quotes."""
        values = {r.field: r.value for r in matched if isinstance(r, PlatformRecord)}
        # The same rule on the same platform facts always rests on the same dated facts.
        key = (platform, rule.id, tuple((name, hashable(value)) for name, value in values.items()))
        cached = self._rests_on.get(key)
        if cached is None:
            if len(self._rests_on) > 20_000:  # per-consultation platform facts (overrides) could grow it without end
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

    def _assumptions(self, profile: SellerProfile, record: RunRecord, lang: str = "en") -> tuple[Assumption, ...]:
        """What was assumed for each unknown field (the same for every platform: assumptions are about the seller)."""
        made: dict[str, Assumption] = {}
        for firing in record.firings:
            for fact in firing.asserted:
                if isinstance(fact, SellerRecord) and fact.assumed:
                    made[fact.field] = Assumption(
                        field=fact.field,
                        value=fact.value,
                        rule=firing.rule,
                        text=self._by_id[firing.rule].text("statement", lang),
                    )
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

