"""Rule coverage: over the whole profile space, how often each rule fires and how the advice splits.

Running the engine on every profile is out of reach (the space holds hundreds
of millions of profiles), so coverage works on the declarative model instead:

* values no rule can tell apart are merged into classes with multiplicities
  (:mod:`sellerexpert._engine.space`);
* :class:`Simulator` replays what the engine does on one profile - the
  assumptions first, in salience order, then every platform rule whose
  condition holds, weighed by :func:`sellerexpert._engine.policy.tally` and decided by
  :func:`sellerexpert._engine.policy.decide`, as the engine does - and the tests
  prove it agrees with the engine on a sample of profiles;
* a rule's firings are counted over only the fields it reads (plus the fields
  the assumptions it relies on read), times the size of the rest of the space;
* the recommendation split combines, per platform, the score distributions of
  independent groups of fields (fields that share an evidence rule are one
  group), so the cost is the largest group, not the whole space.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _i18n
from .._engine.evaluator import DECIDE_RULE, Evaluator
from .._engine.policy import Decision, decide, tally
from .._engine.space import ABSENT, ProfileSpace
from .._i18n import N_, _
from .._profile.conditions import PLATFORM_PREFIX, evaluate, facts_used
from .._profile.economics import DERIVED_PLATFORM_FACTS
from .._profile.profile import MODELS, PLATFORMS, SellerProfile
from .._results.trace import SellerRecord
from .._rulebook.loader import load_rulebook
from .._rulebook.routes import ROUTE_FACT_TYPES
from .._rulebook.rulebook import Rule, RuleBook

if TYPE_CHECKING:
    from .._advisor import Advisor


@dataclass(frozen=True)
class PlatformOutcome:
    """What the engine would conclude on one platform, per the declarative model."""

    platform: str
    fired: tuple[str, ...]
    scores: Mapping[str, int]
    excluded: tuple[str, ...]
    decision: Decision


@dataclass(frozen=True)
class SimulatedConsultation:
    """The declarative replay of one consultation: the assumptions made and each platform's outcome."""

    assumed: Mapping[str, Any]
    seller_fired: tuple[str, ...]
    platforms: Mapping[str, PlatformOutcome]


class Simulator:
    """What the engine concludes, asked many times over parts of the profile space.

    Every answer comes from the compiled evaluator (:mod:`sellerexpert._engine.evaluator`),
    the one place that gives the rule book its meaning: :meth:`assume` runs the
    assumption rules in the engine's order, :meth:`consult` a whole consultation.
    The coverage counts combine such answers over independent groups of fields;
    that is exact while assumptions out-rank every rule that weighs (which
    ``rules lint`` checks).
    """

    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self.evaluator = Evaluator(rulebook)
        self.assumptions: tuple[Rule, ...] = tuple(r for r in rulebook.rules if r.scope == "seller")
        self.platform_rules: tuple[Rule, ...] = tuple(r for r in rulebook.rules if r.scope == "platform")

    def assume(self, facts: Mapping[str, Any], rules: Iterable[Rule] | None = None) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Apply assumption rules to known profile facts: the completed facts and the rules that fired."""
        return self.evaluator.assume(facts, rules)

    def concludes(
        self, rule: Rule, facts: Mapping[str, Any], known: Mapping[str, Any], extra: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether a weighing rule concludes once the assumptions have filled ``facts`` into ``known``.

        Its condition holds on the final facts (and ``extra``: platform facts), where a ``given``
        leaf sees only what was in ``facts``: the evaluator's rule when assumptions out-rank the rest.
        """
        return evaluate(rule.when, {**known, **(extra or {})}, frozenset(known) - frozenset(facts))

    def platform_values(self, platform: str) -> dict[str, Any]:
        """A platform's facts keyed as conditions name them."""
        return self.rulebook.platforms[platform].fact_values()

    def consult(self, profile: SellerProfile | Mapping[str, Any]) -> SimulatedConsultation:
        """What the engine concludes for a profile, by the compiled evaluator."""
        if not isinstance(profile, SellerProfile):
            profile = SellerProfile.from_dict(profile)
        given = {k: v for k, v in profile.to_dict().items() if k not in ("name", "platforms")}
        given = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
        record = self.evaluator.run(given, profile.platforms)
        assumed: dict[str, Any] = {}
        seller_fired: list[str] = []
        fired: dict[str, list[str]] = {p: [] for p in profile.platforms}
        for firing in record.firings:
            if firing.platform is None:
                seller_fired.append(firing.rule)
                for fact in firing.asserted:
                    if isinstance(fact, SellerRecord):
                        assumed[fact.field] = tuple(fact.value) if isinstance(fact.value, list) else fact.value
            elif firing.rule != DECIDE_RULE:
                fired[firing.platform].append(firing.rule)
        outcomes: dict[str, PlatformOutcome] = {}
        for platform in profile.platforms:
            decision = record.decisions[platform]
            outcomes[platform] = PlatformOutcome(
                platform,
                tuple(fired[platform]),
                dict(decision.scores),
                tuple(decision.excluded),
                Decision(model=decision.model, confidence=decision.confidence, basis=decision.basis),
            )
        return SimulatedConsultation(assumed=assumed, seller_fired=tuple(seller_fired), platforms=outcomes)

    def _weigh(self, fired: Iterable[str]) -> tuple[dict[str, int], tuple[str, ...]]:
        thens = (self.rulebook.rule(rule_id).then for rule_id in fired)
        scores, excluded = tally((then.kind, then.model, then.weight) for then in thens)
        return scores, tuple(m for m in MODELS if m in excluded)


def profile_fields(rule: Rule) -> tuple[str, ...]:
    """The profile fields a rule's condition reads (platform facts left out)."""
    return tuple(f for f in facts_used(rule.when) if not f.startswith(PLATFORM_PREFIX))


def closure(rulebook: RuleBook, rule: Rule) -> tuple[str, ...]:
    """The profile fields whose values decide whether ``rule`` fires, assumptions included.

    A field that an assumption may fill depends also on the fields that
    assumption reads, and so on; an assumption rule depends on its target too.
    """
    assumers: dict[str, list[Rule]] = {}
    for other in rulebook.rules:
        if other.scope == "seller" and other.then.fact:
            assumers.setdefault(other.then.fact, []).append(other)
    pending = list(profile_fields(rule))
    if rule.scope == "seller" and rule.then.fact:
        pending.append(rule.then.fact)
    found: list[str] = []
    while pending:
        name = pending.pop(0)
        if name in found:
            continue
        found.append(name)
        for assumer in assumers.get(name, []):
            pending.extend(f for f in (*profile_fields(assumer), assumer.then.fact or "") if f and f not in found)
    return tuple(found)


def assumptions_for(rulebook: RuleBook, fields: Iterable[str]) -> tuple[Rule, ...]:
    """The assumption rules that fill any of ``fields``."""
    wanted = set(fields)
    return tuple(r for r in rulebook.rules if r.scope == "seller" and r.then.fact in wanted)


def count_firings(
    simulator: Simulator,
    space: ProfileSpace,
    rule: Rule,
    *,
    platform_types: bool = False,
) -> dict[str, int]:
    """How many profiles of the space make ``rule`` fire, per platform (``"*"`` for seller rules).

    :param platform_types: let platform facts range over their types instead of
        their current values (one pseudo-platform ``"*"``): "could it ever fire?".
    """
    rulebook = simulator.rulebook
    fields = closure(rulebook, rule)
    assumers = assumptions_for(rulebook, fields)
    rest = 1
    for name in space.fields:
        if name not in fields:
            rest *= space.raw_size(name)
    platform_facts = [f for f in facts_used(rule.when) if f.startswith(PLATFORM_PREFIX)]
    if rule.scope == "seller":
        total = 0
        for facts, weight in space.assignments(fields):
            _, fired = simulator.assume(facts, assumers)
            if rule.id in fired:
                total += weight
        return {"*": total * rest}
    if platform_types:
        total = 0
        for facts, weight in space.assignments([*fields, *platform_facts]):
            profile_part = {k: v for k, v in facts.items() if not k.startswith(PLATFORM_PREFIX)}
            known, _ = simulator.assume(profile_part, assumers)
            if simulator.concludes(rule, profile_part, known, {k: v for k, v in facts.items() if k.startswith(PLATFORM_PREFIX)}):
                total += weight
        return {"*": total * rest}
    counts: dict[str, int] = {}
    for platform in PLATFORMS:
        values = simulator.platform_values(platform)
        total = 0
        for facts, weight in space.assignments(fields):
            known, _ = simulator.assume(facts, assumers)
            if simulator.concludes(rule, facts, known, values):
                total += weight
        counts[platform] = total * rest
    return counts


# A group's contribution to one platform's weighing: (full score, semi score, excluded models) -> profiles.
_Histogram = dict[tuple[int, int, frozenset[str]], int]


def _groups(
    rulebook: RuleBook, weighed: Sequence[Rule], all_fields: Iterable[str], *, ignore: str | None = None
) -> list[list[str]]:
    """Fields split into groups that no evidence rule (with its assumptions) spans.

    :param ignore: a field held fixed, which therefore joins nothing.
    """
    parent = {name: name for name in all_fields}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for rule in weighed:
        fields = tuple(f for f in closure(rulebook, rule) if f != ignore and f in parent)
        for other in fields[1:]:
            parent[find(other)] = find(fields[0])
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(find(name), []).append(name)
    return list(groups.values())


def _combine(left: _Histogram, right: _Histogram) -> _Histogram:
    out: _Histogram = {}
    for (f1, s1, e1), w1 in left.items():
        for (f2, s2, e2), w2 in right.items():
            key = (f1 + f2, s1 + s2, e1 | e2)
            out[key] = out.get(key, 0) + w1 * w2
    return out


@dataclass(frozen=True)
class RuleCoverage:
    """How often one rule fires over the profile space.

    :ivar firings: profiles it fires on, per platform (``"*"`` for assumption rules).
    :ivar possible: for a rule that never fires, whether it could with other platform data.
    :ivar needs_economics: whether it reads facts computed from a seller's own numbers (the profile's
        ``economics``), which the profile space leaves out.
    :ivar per_market: whether it reads the route facts computed for each target market (rules/routes.toml),
        which the profile space leaves out too: coverage counts the rules over profile facts, routes aside.
    """

    rule: str
    file: str
    scope: str
    firings: Mapping[str, int]
    possible: bool = True
    needs_economics: bool = False
    per_market: bool = False

    @property
    def total(self) -> int:
        """Firings summed over platforms."""
        return sum(self.firings.values())

    def to_dict(self, space_size: int) -> dict[str, Any]:
        """The rule's coverage as JSON-ready data, with shares of the space.

        Written by hand, not by the records' helper: its shares need the size of the space it was counted
        in, and ``fires_with_other_platform_data`` is written only for a rule that never fires.
        """
        data: dict[str, Any] = {
            "rule": self.rule,
            "file": self.file,
            "scope": self.scope,
            "firings": dict(self.firings),
            "share": {k: round(v / space_size, 4) for k, v in self.firings.items()},
            "never_fires": self.total == 0,
        }
        if self.total == 0:
            data["fires_with_other_platform_data"] = self.possible
        return data


@dataclass(frozen=True)
class CoverageReport:
    """The result of :func:`coverage`.

    :ivar space_size: profiles in the enumerated space.
    :ivar field_classes: per field, (raw candidate values, classes the rules tell apart).
    :ivar split: per platform, profiles per recommended model.
    :ivar basis: per platform, profiles per decision basis (scores, tie, exclusion, both-excluded).
    """

    space_size: int
    field_classes: Mapping[str, tuple[int, int]]
    rules: tuple[RuleCoverage, ...]
    split: Mapping[str, Mapping[str, int]]
    basis: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def never_fire(self) -> tuple[str, ...]:
        """Ids of rules that fire on no profile of the space."""
        return tuple(r.rule for r in self.rules if r.total == 0)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data.

        Written by hand, not by the records' helper: each rule's entry is given the size of the space.
        """
        return {
            "space_size": self.space_size,
            "fields": {name: {"values": raw, "classes": n} for name, (raw, n) in self.field_classes.items()},
            "rules": [r.to_dict(self.space_size) for r in self.rules],
            "never_fire": list(self.never_fire),
            "split": {p: dict(models) for p, models in self.split.items()},
            "basis": {p: dict(b) for p, b in self.basis.items()},
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        """A readable report: the space, each rule's firing share, the dead rules and the split (in the language in force)."""
        n = self.space_size
        lines = [
            _("Profile space: {count} profiles ({fields} fields; values the rules cannot tell apart merged).").format(
                count=_i18n.number(n), fields=len(self.field_classes)
            )
        ]
        lines.append("")
        lines.append(_("Rule firings (share of profiles, per platform):"))
        platforms = list(self.split)
        width = max(len(r.rule) for r in self.rules)
        sep = _(", ")
        for r in self.rules:
            if r.scope == "seller":
                shares = _("all platforms {share}").format(share=f"{r.firings['*'] / n:7.2%}")
            else:
                shares = "  ".join(f"{p} {r.firings.get(p, 0) / n:7.2%}" for p in platforms)
            mark = "  " + _("NEVER FIRES") if r.total == 0 else ""
            lines.append(f"  {r.rule:<{width}}  {shares}{mark}")
        lines.append("")
        if self.never_fire:
            lines.append(_("Rules that never fire:"))
            for r in self.rules:
                if r.total == 0:
                    if r.per_market:
                        why = _("fires per target market, on the routes' facts computed for it")
                    elif r.needs_economics:
                        why = _("fires only when the seller gives economics")
                    else:
                        why = _("fires only with other platform data") if r.possible else _("cannot fire at all")
                    lines.append(_("  {rule} ({file}): {why}").format(rule=r.rule, file=r.file, why=why))
        else:
            lines.append(_("Every rule fires on some profile."))
        lines.append("")
        lines.append(_("Recommendations per platform:"))
        for platform, models in self.split.items():
            parts = sep.join(f"{_i18n.model_words(m)} {models.get(m, 0) / n:.2%}" for m in MODELS)
            bases = sep.join(f"{_(_BASIS_WORDS.get(b, b))} {c / n:.2%}" for b, c in self.basis.get(platform, {}).items())
            lines.append(_("  {platform}: {models}  (by {bases})").format(platform=platform, models=parts, bases=bases))
        return "\n".join(lines)


#: How a platform's decision was reached (the policy's basis values), in words.
_BASIS_WORDS = {"scores": N_("scores"), "exclusion": N_("exclusion"), "tie": N_("tie"), "both-excluded": N_("both-excluded")}


def _rulebook_of(source: Advisor | RuleBook | str | Path | None) -> RuleBook:
    if isinstance(source, RuleBook):
        return source
    if source is None or isinstance(source, (str, Path)):
        return load_rulebook(source)
    return source.rules


def coverage(source: Advisor | RuleBook | str | Path | None = None) -> CoverageReport:
    """Measure how often each rule fires and how recommendations split over the whole profile space.

    The space holds every enum and boolean value, numbers at each threshold
    and one either side, market lists combining the codes the rules name, and
    each field unknown. Values no rule can tell apart are merged.

    :param source: an :class:`~sellerexpert.Advisor`, a loaded rule book, a rule pack folder, or ``None`` for the shipped rules.
    :raises RuleBookError: when a rule pack folder does not load.
    """
    rulebook = _rulebook_of(source)
    simulator = Simulator(rulebook)
    space = ProfileSpace(rulebook)
    size = space.size
    rules: list[RuleCoverage] = []
    for rule in rulebook.rules:
        counts = count_firings(simulator, space, rule)
        possible = True
        if sum(counts.values()) == 0:
            possible = rule.scope == "platform" and count_firings(simulator, space, rule, platform_types=True)["*"] > 0
        reads = {f.removeprefix(PLATFORM_PREFIX) for f in facts_used(rule.when) if f.startswith(PLATFORM_PREFIX)}
        needs_economics = bool(reads & set(DERIVED_PLATFORM_FACTS))
        per_market = bool(reads & set(ROUTE_FACT_TYPES))
        rules.append(RuleCoverage(rule.id, rule.path, rule.scope, counts, possible, needs_economics, per_market))
    split, basis = _split(simulator, space)
    return CoverageReport(
        space_size=size,
        field_classes={name: (space.raw_size(name), len(space.fields[name])) for name in space.fields},
        rules=tuple(rules),
        split=split,
        basis=basis,
    )


# A group with more value combinations than this is split on a hub field (see _group_histogram).
_SPLIT_AT = 2000


def _group_histogram(
    simulator: Simulator,
    space: ProfileSpace,
    group: Sequence[str],
    group_rules: Sequence[Rule],
    values: Mapping[str, Any],
    fixed: Mapping[str, Any] | None = None,
) -> _Histogram:
    """How the group's rules weigh over every combination of the group's value classes (times ``fixed``).

    Market-specific gates tie many fields to ``target_markets`` alone; enumerating such a
    group whole multiplies every field's classes. Held at one class of its hub field (the
    field most of its rules read, never one an assumption fills), the rest falls apart into
    independent sub-groups whose histograms combine, which counts the same profiles exactly.
    """
    rulebook = simulator.rulebook
    fixed = dict(fixed or {})
    size = 1
    for name in group:
        size *= len(space.fields[name])
    filled = {r.then.fact for r in simulator.assumptions}
    hubs = [name for name in group if name not in filled]
    if size > _SPLIT_AT and hubs and len(group) > 1:
        hub = max(hubs, key=lambda n: (sum(n in closure(rulebook, r) for r in group_rules), -group.index(n)))
        rest = [name for name in group if name != hub]
        parts = _groups(rulebook, group_rules, rest, ignore=hub)
        out: _Histogram = {}
        for value_class in space.fields[hub]:
            held = {**fixed, **({} if value_class.value is ABSENT else {hub: value_class.value})}
            total: _Histogram = _group_histogram(
                simulator, space, [], [r for r in group_rules if set(closure(rulebook, r)) <= {hub}], values, held
            )
            for part in parts:
                part_rules = [
                    r
                    for r in group_rules
                    if (set(closure(rulebook, r)) - {hub}) and set(closure(rulebook, r)) - {hub} <= set(part)
                ]
                total = _combine(total, _group_histogram(simulator, space, part, part_rules, values, held))
            for key, weight in total.items():
                out[key] = out.get(key, 0) + weight * value_class.weight
        return out
    assumers = assumptions_for(rulebook, [*group, *fixed])
    histogram: _Histogram = {}
    for facts, weight in space.assignments(list(group)):
        given = {**fixed, **facts}
        known, _ = simulator.assume(given, assumers)
        scores, excluded = simulator._weigh(r.id for r in group_rules if simulator.concludes(r, given, known, values))
        key = (scores[MODELS[0]], scores[MODELS[1]], frozenset(excluded))
        histogram[key] = histogram.get(key, 0) + weight
    return histogram


def _split(simulator: Simulator, space: ProfileSpace) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    rulebook = simulator.rulebook
    weighed = [r for r in simulator.platform_rules if r.then.kind in ("evidence", "exclude")]
    groups = _groups(rulebook, weighed, space.fields)
    split: dict[str, dict[str, int]] = {}
    basis: dict[str, dict[str, int]] = {}
    for platform in PLATFORMS:
        values = simulator.platform_values(platform)
        total: _Histogram = {(0, 0, frozenset()): 1}
        # Rules that read no profile field fire (or not) for every profile alike.
        fixed = [r.id for r in weighed if not closure(rulebook, r) and evaluate(r.when, values)]
        scores, excluded = simulator._weigh(fixed)
        total = {(scores[MODELS[0]], scores[MODELS[1]], frozenset(excluded)): 1}
        for group in groups:
            group_rules = [r for r in weighed if closure(rulebook, r) and set(closure(rulebook, r)) <= set(group)]
            total = _combine(total, _group_histogram(simulator, space, group, group_rules, values))
        emphasis = rulebook.platforms[platform].facts.get("emphasis")
        models: Counter[str] = Counter({m: 0 for m in MODELS})
        bases: Counter[str] = Counter()
        for (full, semi, excluded_set), weight in sorted(total.items(), key=lambda kv: (kv[0][0], kv[0][1], sorted(kv[0][2]))):
            decision = decide(
                {MODELS[0]: full, MODELS[1]: semi},
                excluded_set,
                emphasis=emphasis.value if emphasis is not None else None,
                completeness=1.0,
                policy=rulebook.policy,
            )
            models[decision.model] += weight
            bases[decision.basis] += weight
        split[platform] = {m: models[m] for m in MODELS}
        basis[platform] = {b: bases[b] for b in ("scores", "tie", "exclusion", "both-excluded") if bases[b]}
    return split, basis
