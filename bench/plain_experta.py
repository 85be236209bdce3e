"""The yardstick: a plain Experta engine over the same rules, with no trace, no records, no ordering strategy.

Each declarative rule becomes one Experta rule per conjunction of its condition
(as in ``sellerexpert._engine.experta``) that declares a bare conclusion fact. Nothing
is recorded and the decision is summed in Python afterwards. It is what an
Experta program of this size costs on this machine, so the benchmark can
report our engine's time as a ratio to it. It is given the facts the consultation
starts from, route facts included (:func:`route_facts`), so both match the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sellerexpert._engine.experta  # noqa: F401  (the collections aliases Experta 1.9.4 needs, before importing it)

# isort: split
from experta import MATCH, NOT, Fact, InitialFact, KnowledgeEngine, P, Rule  # noqa: E402

from sellerexpert._engine.evaluator import declared_platform_facts  # noqa: E402
from sellerexpert._profile.conditions import dnf  # noqa: E402
from sellerexpert._results.trace import PlatformRecord, Trace  # noqa: E402
from sellerexpert._rulebook.rulebook import RuleBook  # noqa: E402


class Seller(Fact):  # type: ignore[misc]
    pass


class PlatformFact(Fact):  # type: ignore[misc]
    pass


class Conclusion(Fact):  # type: ignore[misc]
    pass


def _pattern(leaf: Any, with_value: bool) -> Fact:
    constraints: dict[str, Any] = {"field": leaf.name}
    if with_value:
        constraints["value"] = P(leaf.test)
    if leaf.on_platform:
        return PlatformFact(platform=MATCH.platform, **constraints)
    return Seller(**constraints)


def plain_engine(rulebook: RuleBook) -> KnowledgeEngine:
    """An engine instance for ``rulebook`` (reset and declare facts per run)."""
    members: dict[str, Any] = {}
    for index, rule in enumerate(rulebook.rules):
        for branch, conjunction in enumerate(dnf(rule.when)):
            patterns: list[Any] = []
            if rule.then.kind == "assume":
                patterns.append(InitialFact())
            else:
                patterns.append(PlatformFact(field="id", value=MATCH.platform))
            for leaf, holds in conjunction:
                if leaf.op in ("absent", "present"):
                    pattern = _pattern(leaf, False)
                    exists = (leaf.op == "present") == holds
                else:
                    pattern = _pattern(leaf, True)
                    exists = holds
                patterns.append(pattern if exists else NOT(pattern))
            then = rule.then
            if then.kind == "assume":
                patterns.append(NOT(Seller(field=then.fact)))

                def rhs(engine: KnowledgeEngine, _then: Any = then) -> None:
                    engine.declare(Seller(field=_then.fact, value=_then.value, assumed=True))

            else:
                patterns.append(NOT(Conclusion(rule=rule.id, platform=MATCH.platform)))

                def rhs(engine: KnowledgeEngine, platform: str, _rule: Any = rule) -> None:
                    engine.declare(Conclusion(rule=_rule.id, platform=platform, model=_rule.then.model, weight=_rule.then.weight))

            members[f"r{index}_{branch}"] = Rule(*patterns, salience=rule.salience)(rhs)
    return type("PlainEngine", (KnowledgeEngine,), members)()


def run_plain(
    engine: KnowledgeEngine,
    rulebook: RuleBook,
    facts: dict[str, Any],
    platforms: tuple[str, ...],
    platform_facts: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, int]]:
    """One consultation on the plain engine: evidence weight per platform and model.

    :param platform_facts: platform facts a consultation adds to the rule book's, by platform: the route
        facts of the seller's market (:func:`route_facts`), so that the yardstick matches the same facts
        and fires the same rules as the consultation it is held against.
    """
    engine.reset()
    for platform in platforms:
        for name, value in declared_platform_facts(rulebook, platform, (platform_facts or {}).get(platform)):
            engine.declare(PlatformFact(platform=platform, field=name, value=value))
    for name, value in facts.items():
        engine.declare(Seller(field=name, value=value, assumed=False))
    engine.run()
    scores: dict[str, dict[str, int]] = {p: {} for p in platforms}
    for fact in engine.facts.values():
        if isinstance(fact, Conclusion) and fact["model"] is not None:
            per = scores[fact["platform"]]
            per[fact["model"]] = per.get(fact["model"], 0) + (fact["weight"] or 0)
    return scores


def route_facts(trace: Trace) -> dict[str, dict[str, Any]]:
    """The platform facts a one-market consultation started from (its trace's input facts), by platform.

    Since routes per market, a consultation declares each platform's route facts for the seller's market
    (about 45 more facts for three platforms) and the eligibility rules fire on them: a yardstick without
    them does less work than the engine it measures.
    """
    out: dict[str, dict[str, Any]] = {}
    for fact in trace.facts:
        if isinstance(fact, PlatformRecord):
            out.setdefault(fact.platform, {})[fact.field] = fact.value
    return out
