"""The only module that imports Experta: compiles a rule book into a KnowledgeEngine and runs it.

Experta 1.9.4 needs three guards, all here:

* its pinned ``frozendict`` 1.2 reads ``collections.Mapping``, gone since
  Python 3.10, so the old names are aliased from ``collections.abc`` before
  the import;
* it calls ``logging.basicConfig()`` on import, which would give an
  embedding application a stray root handler, so root logging is restored;
* rules keep per-instance state on the shared class (``Rule.__get__``), so two
  engines of one class must never run at once: one lock serialises runs.

Each declarative rule becomes one Experta rule per conjunction of its
condition (in disjunctive normal form). Every profile field and platform fact
is its own Experta fact, so a firing records exactly which facts it matched.
Each rule also carries a guard pattern (no conclusion of its own yet for this
platform), so it fires at most once per platform even when several branches
of an ``any`` match.
"""

from __future__ import annotations

import bisect
import collections
import collections.abc
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

for _name in (
    "Mapping",
    "MutableMapping",
    "Sequence",
    "MutableSequence",
    "Set",
    "MutableSet",
    "Iterable",
    "Hashable",
    "Callable",
):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
from experta import AS, MATCH, NOT, Fact, InitialFact, KnowledgeEngine, P  # noqa: E402
from experta import Rule as _ExpertaRule  # noqa: E402
from experta.abstract import Strategy  # noqa: E402

_root.handlers[:] = _handlers
_root.setLevel(_level)
del _root, _handlers, _level

from .._errors import EngineError, FiringLimitError  # noqa: E402
from .._profile.conditions import PLATFORM_PREFIX, Leaf, dnf  # noqa: E402
from .._results.trace import (  # noqa: E402
    CaveatRecord,
    DecisionRecord,
    EvidenceRecord,
    ExclusionRecord,
    FactRecord,
    Firing,
    PlatformRecord,
    SellerRecord,
)
from .._rulebook.rulebook import Rule, RuleBook  # noqa: E402
from .._rulebook.templates import render  # noqa: E402
from .evaluator import (  # noqa: E402
    BRANCH_STRIDE,
    DECIDE_ORDER,
    DECIDE_RULE,
    DECIDE_SALIENCE,
    RunRecord,
    decide_platform,
    declared_platform_facts,
    plain,
    weighed_from_records,
)

_RUN_LOCK = threading.RLock()


class _Seller(Fact):  # type: ignore[misc]
    """A profile field: field, value, assumed."""


class _PlatformFact(Fact):  # type: ignore[misc]
    """A platform fact: platform, field, value."""


class _Evidence(Fact):  # type: ignore[misc]
    """rule, platform, model, weight."""


class _Exclusion(Fact):  # type: ignore[misc]
    """rule, platform, model."""


class _Caveat(Fact):  # type: ignore[misc]
    """rule, platform, text."""


class _Decision(Fact):  # type: ignore[misc]
    """platform, model, confidence, scores, excluded, basis."""


def fact_record(fact: Fact) -> FactRecord:
    """A working-memory fact as its trace record."""
    fact_id = fact["__factid__"]
    slots = {key: plain(value) for key, value in fact.as_dict().items() if isinstance(key, str) and not key.startswith("__")}
    if isinstance(fact, _Seller):
        return SellerRecord(fact_id, slots["field"], slots["value"], slots["assumed"])
    if isinstance(fact, _PlatformFact):
        return PlatformRecord(fact_id, slots["platform"], slots["field"], slots["value"])
    if isinstance(fact, _Evidence):
        return EvidenceRecord(fact_id, slots["rule"], slots["platform"], slots["model"], slots["weight"])
    if isinstance(fact, _Exclusion):
        return ExclusionRecord(fact_id, slots["rule"], slots["platform"], slots["model"])
    if isinstance(fact, _Caveat):
        return CaveatRecord(fact_id, slots["rule"], slots["platform"], slots["text"])
    if isinstance(fact, _Decision):
        return DecisionRecord(fact_id, **{key: slots[key] for key in _DECISION_SLOTS})
    raise TypeError(f"no trace record for {type(fact).__name__}")


_DECISION_SLOTS = ("platform", "model", "confidence", "scores", "excluded", "basis", "completeness")


def _pattern(leaf: Leaf, *, with_value: bool) -> Fact:
    constraints: dict[str, Any] = {"field": leaf.name}
    if leaf.given:
        constraints["assumed"] = False
    if with_value:
        constraints["value"] = P(leaf.test)
    if leaf.on_platform:
        return _PlatformFact(platform=MATCH.platform, **constraints)
    return _Seller(**constraints)


def _compile_rule(rulebook: RuleBook, rule: Rule, index: int) -> dict[str, Any]:
    members: dict[str, Any] = {}
    platform_scope = rule.scope == "platform"
    for branch, conjunction in enumerate(dnf(rule.when)):
        patterns: list[Any] = []
        negatives: list[Any] = []
        absent: list[str] = []
        if platform_scope:
            patterns.append(AS.anchor << _PlatformFact(field="id", value=MATCH.platform))
        else:
            patterns.append(InitialFact())
        for position, (leaf, holds) in enumerate(conjunction):
            if leaf.op in ("absent", "present"):
                exists = (leaf.op == "present") == holds
                pattern = _pattern(leaf, with_value=False)
                if not exists and not leaf.on_platform:
                    absent.append(leaf.name)
            else:
                exists = holds
                pattern = _pattern(leaf, with_value=True)
            if exists:
                patterns.append(getattr(AS, f"m{position}") << pattern)
            else:
                negatives.append(NOT(pattern))
        if rule.then.kind == "assume":
            guard = NOT(_Seller(field=rule.then.fact))
        else:
            conclusion_type = {"evidence": _Evidence, "exclude": _Exclusion, "caveat": _Caveat}[rule.then.kind]
            guard = NOT(conclusion_type(rule=rule.id, platform=MATCH.platform))
        rhs = _make_rhs(rulebook, rule, tuple(absent))
        rhs.__name__ = f"{rule.id}__{branch}"
        rhs.sx_order = index * BRANCH_STRIDE + branch  # type: ignore[attr-defined]
        members[f"r{index:04d}_{branch}"] = _ExpertaRule(*patterns, *negatives, guard, salience=rule.salience)(rhs)
    return members


def _working_facts(engine: KnowledgeEngine, platform: str | None) -> dict[str, Any]:
    """Known facts by condition name, for rendering text templates."""
    facts: dict[str, Any] = {}
    for fact in engine.facts.values():
        if isinstance(fact, _Seller):
            facts[fact["field"]] = fact["value"]
        elif isinstance(fact, _PlatformFact) and fact["platform"] == platform:
            facts[PLATFORM_PREFIX + fact["field"]] = fact["value"]
    return facts


def _make_rhs(rulebook: RuleBook, rule: Rule, absent: tuple[str, ...]) -> Callable[..., None]:
    then = rule.then

    def rhs(engine: KnowledgeEngine, **bound: Any) -> None:
        platform = bound.get("platform")
        matched = [bound[key] for key in sorted(bound) if key == "anchor" or key.startswith("m")]
        if then.kind == "evidence":
            new = _Evidence(rule=rule.id, platform=platform, model=then.model, weight=then.weight)
        elif then.kind == "exclude":
            new = _Exclusion(rule=rule.id, platform=platform, model=then.model)
        elif then.kind == "caveat":
            new = _Caveat(rule=rule.id, platform=platform, text=render(then.text or "", _working_facts(engine, platform)))
        else:
            new = _Seller(field=then.fact, value=then.value, assumed=True)
        declared = engine.declare(new)
        if then.kind in ("evidence", "exclude") and declared is not None and platform is not None:
            records = [fact_record(f) for f in matched]
            engine.sx_record_target.weighed[declared["__factid__"]] = weighed_from_records(rulebook, rule, platform, records)
        engine.sx_record(rule.id, platform, rule.salience, matched, absent, declared)

    return rhs


def _decide_rhs_factory(rulebook: RuleBook) -> Callable[..., None]:
    def decide_rhs(engine: KnowledgeEngine, platform: str, anchor: Fact) -> None:
        evidence = [f for f in engine.facts.values() if isinstance(f, (_Evidence, _Exclusion)) and f["platform"] == platform]
        given = [f["field"] for f in engine.facts.values() if isinstance(f, _Seller) and not f["assumed"]]
        # The emphasis comes from working memory, like every other platform fact the rules read.
        working = _working_facts(engine, platform)
        emphasis = working.get(PLATFORM_PREFIX + "emphasis")
        facts = {k.removeprefix(PLATFORM_PREFIX): v for k, v in working.items() if k.startswith(PLATFORM_PREFIX)}
        weighed = engine.sx_record_target.weighed
        scores, excluded, decision, completeness = decide_platform(
            rulebook, [weighed[f["__factid__"]] for f in evidence], emphasis=emphasis, given_fields=given, facts=facts
        )
        new = _Decision(
            platform=platform,
            model=decision.model,
            confidence=decision.confidence,
            scores=scores,
            excluded=excluded,
            basis=decision.basis,
            completeness=round(completeness, 3),
        )
        engine.sx_record(DECIDE_RULE, platform, DECIDE_SALIENCE, [anchor, *evidence], (), engine.declare(new))

    decide_rhs.__name__ = DECIDE_RULE
    decide_rhs.sx_order = DECIDE_ORDER  # type: ignore[attr-defined]
    return decide_rhs


class _OrderedStrategy(Strategy):  # type: ignore[misc]
    """Depth-first conflict resolution with a total order, so every run fires in the same order.

    Experta's DepthStrategy orders by salience, then by the most recent facts;
    activations equal on both land in the order the matcher yields them, which
    varies between processes. Rule-book order breaks those ties here.
    """

    @staticmethod
    def _key(activation: Any) -> tuple[int, list[int], int]:
        facts = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (activation.rule.salience, facts, -getattr(activation.rule, "sx_order", 0))

    def _update_agenda(self, agenda: Any, added: Any, removed: Any) -> None:
        for activation in removed:
            activation.key = self._key(activation)  # Activation equality compares keys too
            if activation in agenda.activations:
                agenda.activations.remove(activation)
        for activation in added:
            activation.key = self._key(activation)
            bisect.insort(agenda.activations, activation)


class _RecordingEngine(KnowledgeEngine):  # type: ignore[misc]
    """A KnowledgeEngine that records each firing for the trace, in a fixed firing order."""

    __strategy__ = _OrderedStrategy

    sx_record_target: RunRecord | None = None
    sx_records: dict[int, FactRecord] = {}

    def sx_record(
        self,
        rule_id: str,
        platform: str | None,
        salience: int,
        matched: list[Fact],
        absent: tuple[str, ...],
        asserted: Fact | None,
    ) -> None:
        record = self.sx_record_target
        assert record is not None, "engine fired outside a consultation"
        seen: set[int] = set()
        matched_records = []
        cache = self.sx_records
        for fact in matched:
            fact_id = fact["__factid__"]
            if fact_id not in seen:
                seen.add(fact_id)
                # A fact never changes once declared: build its record once per run.
                rec = cache.get(fact_id)
                if rec is None:
                    rec = cache[fact_id] = fact_record(fact)
                matched_records.append(rec)
        asserted_records = (fact_record(asserted),) if asserted is not None else ()
        record.firings.append(
            Firing(len(record.firings) + 1, rule_id, platform, salience, tuple(matched_records), asserted_records, (), absent)
        )
        if asserted_records and isinstance(asserted_records[0], DecisionRecord):
            record.decisions[platform or ""] = asserted_records[0]


def compile_engine(rulebook: RuleBook) -> type[KnowledgeEngine]:
    """Build the engine class for a rule book (once; instances are reused)."""
    members: dict[str, Any] = {}
    for index, rule in enumerate(rulebook.rules):
        members.update(_compile_rule(rulebook, rule, index))
    members["zz_decide"] = _ExpertaRule(
        AS.anchor << _PlatformFact(field="id", value=MATCH.platform),
        NOT(_Decision(platform=MATCH.platform)),
        salience=DECIDE_SALIENCE,
    )(_decide_rhs_factory(rulebook))
    return type("SellerExpertEngine", (_RecordingEngine,), members)


def initial_facts(
    rulebook: RuleBook,
    profile_facts: Mapping[str, Any],
    platforms: tuple[str, ...],
    platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Fact]:
    """The facts a consultation starts from: each platform's facts, then each known profile field.

    :param platform_overrides: extra or replaced platform facts, by platform id (e.g. the margin facts).
    """
    facts: list[Fact] = []
    for platform_id in platforms:
        for name, value in declared_platform_facts(rulebook, platform_id, (platform_overrides or {}).get(platform_id)):
            facts.append(_PlatformFact(platform=platform_id, field=name, value=value))
    for name, value in profile_facts.items():
        facts.append(_Seller(field=name, value=value, assumed=False))
    return facts


def run(
    engine: KnowledgeEngine,
    facts: list[Fact],
    *,
    firing_limit: int,
) -> RunRecord:
    """Run one consultation on a (reused) engine instance and return what happened.

    :raises FiringLimitError: when the rules keep firing past ``firing_limit``.
    :raises EngineError: when a rule's action fails.
    """
    record = RunRecord()
    with _RUN_LOCK:
        engine.sx_record_target = record
        engine.sx_records = {}
        try:
            engine.reset()
            engine.declare(*facts)
            for fact in engine.facts.values():
                if isinstance(fact, (_PlatformFact, _Seller)):
                    start = fact_record(fact)
                    assert isinstance(start, (PlatformRecord, SellerRecord))
                    record.facts.append(start)
            engine.run(steps=firing_limit)
            if len(record.firings) >= firing_limit:
                before = len(record.firings)
                engine.run(steps=1)
                if len(record.firings) > before:
                    # The extra step only showed that the rules do not settle: name the last rules within the cap,
                    # as the compiled evaluator does (it stops before firing one more).
                    raise FiringLimitError(firing_limit, [f.rule for f in record.firings[:firing_limit][-5:]])
        except (FiringLimitError, EngineError):
            raise
        except Exception as exc:  # a failure inside Experta or a rule action is ours, not the seller's
            raise EngineError(f"the inference engine failed: {exc}") from exc
        finally:
            engine.running = False
            engine.sx_record_target = None
    return record
