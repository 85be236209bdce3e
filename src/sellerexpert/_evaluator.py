"""The meaning of a rule book, compiled once into plain Python: what the engine concludes, and in which order.

This is the one place that says what a declarative rule book means:

* every rule is matched per platform (assumptions once per seller) on the
  facts known at that moment, and fires at most once for each;
* of the rules that match, the one with the highest salience fires first;
  among equals, the one whose matched facts are most recent (Experta's depth
  strategy), then rule-book order;
* an assumption fills an unknown profile field; rules are re-matched after it,
  so a rule that reads the field, or relied on its absence, sees the change;
* evidence adds weight for a model, an exclusion rules a model out, a caveat
  is rendered with the facts known when it fires;
* last, :func:`decide_platform` weighs each platform's conclusions through
  :func:`sellerexpert.policy.decide`.

Experta is the inference engine of record (``_experta``): a consultation and
its trace come from it, and the audit replays on it. The compiled evaluator
here must give the same result *and* the same firing list, fact ids included;
the tests prove it on generated rule packs. Everything that needs to know what
the engine would conclude for many profiles (batch, the interview, why-not
answers, coverage, the audit's recomputation) runs this instead, because it is
two orders of magnitude faster.

Conditions compile to tuples of small closures built from validated rule
objects; no text from a rule file is ever evaluated as code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .conditions import PLATFORM_PREFIX, Leaf, dnf
from .errors import FiringLimitError
from .policy import Decision, Weighed, decide
from .profile import CORE_FIELDS, FIELDS, MODELS, SellerProfile
from .rulebook import Rule, RuleBook, render

DECIDE_RULE = "decide"
DECIDE_SALIENCE = -(10**9)
"""The decision step's salience: below any rule's, so it fires after every conclusion of its platform."""
DECIDE_ORDER = 10**9
BRANCH_STRIDE = 1000
"""A rule's branches are ordered ``index * BRANCH_STRIDE + branch``, as in the Experta compilation."""

_SELLER = "seller"
_PLATFORM = "platform"
_FIELD_ORDER = tuple(spec.name for spec in FIELDS)


@dataclass
class RunRecord:
    """What one run of the rules produced, before it is shaped into a result and trace.

    Both engines fill it the same way: ``facts`` are the starting facts as trace records,
    ``firings`` every firing in order, ``decisions`` the decision record per platform.
    """

    facts: list[dict[str, Any]] = field(default_factory=list)
    firings: list[dict[str, Any]] = field(default_factory=list)
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    weighed: dict[int, Weighed] = field(default_factory=dict)
    """What each evidence or exclusion fact (by fact id) rested on, for the decision."""


def plain(value: Any) -> Any:
    """A fact value as JSON-ready data (tuples become lists)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def decide_platform(
    rulebook: RuleBook,
    weighed: Sequence[Weighed],
    *,
    emphasis: Any,
    given_fields: Iterable[str],
) -> tuple[dict[str, int], list[str], Decision, float]:
    """The decision step for one platform: scores, exclusions, the decision and the completeness it used.

    :param weighed: the platform's evidence and exclusions in firing order.
    :param given_fields: profile fields the seller gave (not assumed).
    """
    scores = {model: 0 for model in MODELS}
    excluded: list[str] = []
    for item in weighed:
        if item.kind == "evidence":
            scores[item.model] += item.weight
        elif item.model not in excluded:
            excluded.append(item.model)
    completeness = len(set(given_fields) & set(CORE_FIELDS)) / len(CORE_FIELDS)
    decision = decide(
        scores,
        excluded,
        emphasis=emphasis,
        completeness=completeness,
        policy=rulebook.policy,
        evidence=tuple(weighed),
    )
    return scores, sorted(excluded, key=MODELS.index), decision, completeness


def weighed_from_records(rulebook: RuleBook, rule: Rule, platform: str, matched: Iterable[Mapping[str, Any]]) -> Weighed:
    """What an evidence or exclusion firing rested on, from the trace records of the facts it matched."""
    known = rulebook.platforms[platform].facts
    assumed = tuple(r["field"] for r in matched if r.get("kind") == _SELLER and r.get("assumed"))
    confidence = tuple(
        known[r["field"]].confidence for r in matched if r.get("kind") == _PLATFORM and r.get("field") in known
    )
    kind = "evidence" if rule.then.kind == "evidence" else "exclude"
    return Weighed(rule.id, kind, rule.then.model or "", rule.then.weight or 0, assumed, confidence)


# -- compilation ---------------------------------------------------------------

_Test = Callable[[Any], bool]


@dataclass(frozen=True)
class _SellerLiteral:
    """One seller-fact literal of a branch: ``name`` must (``exists``) or must not match ``test``."""

    name: str
    test: _Test | None  # None: presence only
    exists: bool
    given: bool
    position: int  # the literal's position in the branch, which names its binding (m<position>)


@dataclass(frozen=True)
class _Branch:
    """One conjunction of a rule's condition in disjunctive normal form."""

    rule_index: int
    branch: int
    order: int
    seller: tuple[_SellerLiteral, ...]
    platform: tuple[tuple[Leaf, bool, int], ...]  # (leaf, holds, position)
    absent: tuple[str, ...]
    reads: frozenset[str]


def _compile_branch(rule_index: int, branch: int, conjunction: list[tuple[Leaf, bool]]) -> _Branch:
    seller: list[_SellerLiteral] = []
    platform: list[tuple[Leaf, bool, int]] = []
    absent: list[str] = []
    for position, (leaf, holds) in enumerate(conjunction):
        if leaf.op in ("absent", "present"):
            exists = (leaf.op == "present") == holds
            test = None
            if not exists and not leaf.on_platform:
                absent.append(leaf.name)
        else:
            exists = holds
            test = leaf.test
        if leaf.on_platform:
            platform.append((leaf, holds, position))
        else:
            seller.append(_SellerLiteral(leaf.name, test, exists, leaf.given, position))
    return _Branch(
        rule_index=rule_index,
        branch=branch,
        order=rule_index * BRANCH_STRIDE + branch,
        seller=tuple(seller),
        platform=tuple(platform),
        absent=tuple(absent),
        reads=frozenset(lit.name for lit in seller),
    )


def _platform_match(branch: _Branch, values: Mapping[str, Any]) -> tuple[tuple[int, str], ...] | None:
    """Whether a branch's platform literals hold on one platform: the facts they match (position, name), or None."""
    matched: list[tuple[int, str]] = []
    for leaf, holds, position in branch.platform:
        present = leaf.name in values
        if leaf.op in ("absent", "present"):
            exists = (leaf.op == "present") == holds
            if present != exists:
                return None
            if exists:
                matched.append((position, leaf.name))
            continue
        hit = present and leaf.test(values[leaf.name])
        if hit != holds:
            return None
        if holds:
            matched.append((position, leaf.name))
    return tuple(matched)


@dataclass
class _SellerFact:
    id: int
    value: Any
    assumed: bool


class Evaluator:
    """A rule book compiled for fast, exact evaluation.

    :param rulebook: a validated rule book.
    """

    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self.rules: tuple[Rule, ...] = rulebook.rules
        branches: list[_Branch] = []
        for index, rule in enumerate(rulebook.rules):
            for number, conjunction in enumerate(dnf(rule.when)):
                branches.append(_compile_branch(index, number, conjunction))
        self._branches = tuple(branches)
        self._assume = tuple(b for b in branches if self.rules[b.rule_index].then.kind == "assume")
        self._platform_rules = tuple(b for b in branches if self.rules[b.rule_index].then.kind != "assume")
        # Branches to re-match when a field gets a value: those that read it, and assumptions that set it.
        touched: dict[str, list[_Branch]] = {}
        for b in branches:
            names = set(b.reads)
            then = self.rules[b.rule_index].then
            if then.kind == "assume" and then.fact:
                names.add(then.fact)
            for name in names:
                touched.setdefault(name, []).append(b)
        self._touched = {name: tuple(items) for name, items in touched.items()}
        self._branch_index = {id(b): i for i, b in enumerate(branches)}
        self._platform_cache: dict[tuple[str, tuple[tuple[str, Any], ...]], _PlatformView] = {}

    # -- per platform, once per rule book (or per set of overrides) -------------

    def _view(self, platform: str, overrides: Mapping[str, Any] | None) -> _PlatformView:
        key = (platform, tuple(sorted((overrides or {}).items(), key=lambda item: item[0])))
        try:
            return self._platform_cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable override values: build without caching
            return _PlatformView(self, platform, overrides)
        view = _PlatformView(self, platform, overrides)
        if len(self._platform_cache) < 256:
            self._platform_cache[key] = view
        return view

    # -- a run ---------------------------------------------------------------------

    def run(
        self,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        *,
        platform_overrides: Mapping[str, Any] | None = None,
        firing_limit: int = 10_000,
    ) -> RunRecord:
        """Run the rules on known profile facts for ``platforms``, exactly as the Experta engine would.

        :param profile_facts: the profile fields the seller gave, by name, in profile field order.
        :raises FiringLimitError: past ``firing_limit`` firings.
        """
        return _Run(self, profile_facts, platforms, platform_overrides, firing_limit).execute()

    def assume(
        self, profile_facts: Mapping[str, Any], rules: Iterable[Rule] | None = None
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The assumption phase alone: the known facts completed by the assumption rules, and the rules that fired.

        The order is the engine's (salience, then recency, then rule-book order), so chained
        assumptions resolve as in a consultation. Facts are taken in profile field order.

        :param rules: only these assumption rules (default: all of them).
        """
        wanted = None if rules is None else frozenset(rule.id for rule in rules)
        run = _Run(self, _in_profile_order(profile_facts), (), None, self.rulebook.policy.firing_limit, only=wanted)
        run.execute()
        known = {name: fact.value for name, fact in run.seller.items()}
        return known, tuple(self.rules[entry.branch.rule_index].id for entry in run.log)

    def models(self, profile_facts: Mapping[str, Any], platforms: Sequence[str]) -> dict[str, str]:
        """The recommended model per platform for these facts (the interview's and why-not's question)."""
        record = self.run(_in_profile_order(profile_facts), platforms)
        return {platform: record.decisions[platform]["model"] for platform in platforms}


_NOT_REASONED = ("name", "platforms")


def fact_values(profile: SellerProfile) -> dict[str, Any]:
    """A profile's known fields as the facts the rules reason over, in profile field order."""
    return {name: value for name in _FIELD_ORDER if name not in _NOT_REASONED and (value := getattr(profile, name)) is not None}


def _in_profile_order(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts in profile field order, the order a consultation declares them in (it decides fact ids)."""
    ordered = {name: facts[name] for name in _FIELD_ORDER if name in facts}
    ordered.update((k, v) for k, v in facts.items() if k not in ordered)
    return ordered


class _PlatformView:
    """One platform's facts and the rule branches its platform literals allow, with their fact names."""

    def __init__(self, evaluator: Evaluator, platform: str, overrides: Mapping[str, Any] | None) -> None:
        spec = evaluator.rulebook.platforms[platform]
        values = {name: fact.value for name, fact in spec.facts.items()}
        values.update(overrides or {})
        self.platform = platform
        self.name = spec.name
        # The facts in the order the engine declares them: id, name, then by name.
        self.declared: tuple[tuple[str, Any], ...] = (
            ("id", platform),
            ("name", spec.name),
            *((name, values[name]) for name in sorted(values)),
        )
        self.values = {name: value for name, value in self.declared}
        self.working = {PLATFORM_PREFIX + name: value for name, value in self.declared}
        self.confidence = {name: fact.confidence for name, fact in spec.facts.items()}
        self.emphasis = self.values.get("emphasis")
        enabled: dict[int, tuple[tuple[int, str], ...]] = {}
        for index, branch in enumerate(evaluator._branches):
            if evaluator.rules[branch.rule_index].then.kind == "assume":
                continue
            names = _platform_match(branch, self.values)
            if names is not None:
                enabled[index] = names
        self.enabled = enabled


@dataclass(frozen=True)
class _Entry:
    """One firing of a rule (not the decision step)."""

    branch: _Branch
    platform: str | None


class _Run:
    """The agenda of one consultation: match, pick the top activation, fire, re-match what changed."""

    def __init__(
        self,
        evaluator: Evaluator,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        overrides: Mapping[str, Any] | None,
        firing_limit: int,
        *,
        only: frozenset[str] | None = None,
    ) -> None:
        self.ev = evaluator
        self.only = only
        self.log: list[_Entry] = []
        self.rules = evaluator.rules
        self.limit = firing_limit
        self.record = RunRecord()
        facts = self.record.facts
        self.views = [evaluator._view(p, overrides) for p in platforms]
        next_id = 1  # 0 is the engine's initial fact
        self.anchor: dict[str, int] = {}
        self.platform_ids: dict[str, dict[str, int]] = {}
        self.platform_records: dict[int, dict[str, Any]] = {}
        for view in self.views:
            ids: dict[str, int] = {}
            for name, value in view.declared:
                ids[name] = next_id
                rec = {"id": next_id, "kind": _PLATFORM, "platform": view.platform, "field": name, "value": plain(value)}
                facts.append(rec)
                self.platform_records[next_id] = rec
                next_id += 1
            self.anchor[view.platform] = ids["id"]
            self.platform_ids[view.platform] = ids
        self.seller: dict[str, _SellerFact] = {}
        self.seller_records: dict[str, dict[str, Any]] = {}
        for name, value in profile_facts.items():
            self.seller[name] = _SellerFact(next_id, value, False)
            rec = {"id": next_id, "kind": _SELLER, "field": name, "value": plain(value), "assumed": False}
            facts.append(rec)
            self.seller_records[name] = rec
            next_id += 1
        self.next_id = next_id
        self.concluded: set[tuple[int, str | None]] = set()  # (rule index, platform) that fired
        self.conclusions: dict[str, list[tuple[int, dict[str, Any]]]] = {v.platform: [] for v in self.views}

    # Matching --------------------------------------------------------------------

    def _seller_match(self, branch: _Branch) -> list[tuple[int, str]] | None:
        """The seller facts a branch's seller literals match now (position, name), or None when it does not match."""
        matched: list[tuple[int, str]] = []
        seller = self.seller
        for lit in branch.seller:
            fact = seller.get(lit.name)
            if fact is not None and lit.given and fact.assumed:
                fact = None
            hit = fact is not None and (lit.test is None or lit.test(fact.value))
            if hit != lit.exists:
                return None
            if hit:
                matched.append((lit.position, lit.name))
        return matched

    def _activations(self, branches: Iterable[_Branch]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        rules = self.rules
        for branch in branches:
            rule = rules[branch.rule_index]
            if self.only is not None and rule.id not in self.only:
                continue
            if rule.then.kind == "assume":
                if rule.then.fact in self.seller:
                    continue
                seller = self._seller_match(branch)
                if seller is None:
                    continue
                ids = {0, *(self.seller[name].id for _, name in seller)}
                key = (rule.salience, sorted(ids, reverse=True), -branch.order)
                found.append((key, branch, None, seller, ()))
                continue
            seller = None
            for view in self.views:
                names = view.enabled.get(self.ev._branch_index[id(branch)])
                if names is None or (branch.rule_index, view.platform) in self.concluded:
                    continue
                if seller is None:
                    seller = self._seller_match(branch)
                    if seller is None:
                        break
                pids = self.platform_ids[view.platform]
                ids = {self.anchor[view.platform], *(pids[n] for _, n in names), *(self.seller[n].id for _, n in seller)}
                key = (rule.salience, sorted(ids, reverse=True), -branch.order)
                found.append((key, branch, view, seller, names))
        return found

    def execute(self) -> RunRecord:
        ev = self.ev
        agenda = self._activations(ev._branches)
        for view in self.views:
            key = (DECIDE_SALIENCE, [self.anchor[view.platform]], -DECIDE_ORDER)
            agenda.append((key, None, view, None, ()))
        agenda.sort(key=lambda item: item[0])
        firings = self.record.firings
        while agenda:
            key, branch, view, seller, names = agenda.pop()
            if branch is not None and view is not None and (branch.rule_index, view.platform) in self.concluded:
                # Another branch of the rule already concluded for this platform (the engine's guard pattern).
                continue
            if len(firings) >= self.limit:
                raise FiringLimitError(self.limit, [f["rule"] for f in firings[-5:]])
            if branch is None:
                self._decide(view)
                continue
            rule = self.rules[branch.rule_index]
            if rule.then.kind == "assume":
                name = rule.then.fact or ""
                self._fire(rule, branch, None, seller, ())
                # Re-match what the new fact can change: drop the stale activations of those branches, add their new ones.
                touched = ev._touched.get(name, ())
                touched_ids = {id(b) for b in touched}
                agenda = [item for item in agenda if item[1] is None or id(item[1]) not in touched_ids]
                agenda.extend(self._activations(touched))
                agenda.sort(key=lambda item: item[0])
            else:
                self._fire(rule, branch, view, seller, names)
        return self.record

    # Firing ----------------------------------------------------------------------

    def _fire(
        self,
        rule: Rule,
        branch: _Branch,
        view: _PlatformView | None,
        seller: list[tuple[int, str]],
        names: tuple[tuple[int, str], ...],
    ) -> None:
        bound: list[tuple[str, dict[str, Any]]] = []
        platform = view.platform if view is not None else None
        if view is not None:
            bound.append(("anchor", self.platform_records[self.anchor[view.platform]]))
            pids = self.platform_ids[view.platform]
            for position, name in names:
                bound.append((f"m{position}", self.platform_records[pids[name]]))
        for position, name in seller:
            bound.append((f"m{position}", self.seller_records[name]))
        bound.sort(key=lambda item: item[0])
        matched: list[dict[str, Any]] = []
        seen: set[int] = set()
        for _, rec in bound:
            if rec["id"] not in seen:
                seen.add(rec["id"])
                matched.append(rec)
        then = rule.then
        new_id = self.next_id
        self.next_id += 1
        if then.kind == "assume":
            name = then.fact or ""
            self.seller[name] = _SellerFact(new_id, tuple(then.value) if isinstance(then.value, list) else then.value, True)
            asserted = {"id": new_id, "kind": _SELLER, "field": name, "value": plain(then.value), "assumed": True}
            self.seller_records[name] = asserted
        else:
            self.concluded.add((branch.rule_index, platform))
            if then.kind == "evidence":
                asserted = {"id": new_id, "kind": "evidence", "rule": rule.id, "platform": platform, "model": then.model, "weight": then.weight}
            elif then.kind == "exclude":
                asserted = {"id": new_id, "kind": "exclusion", "rule": rule.id, "platform": platform, "model": then.model}
            else:
                assert view is not None
                working = {name: fact.value for name, fact in self.seller.items()}
                working.update(view.working)
                asserted = {"id": new_id, "kind": "caveat", "rule": rule.id, "platform": platform, "text": render(then.text or "", working)}
            if then.kind in ("evidence", "exclude"):
                assert view is not None
                self.record.weighed[new_id] = weighed_from_records(self.ev.rulebook, rule, view.platform, matched)
                self.conclusions[view.platform].append((new_id, asserted))
        self.log.append(_Entry(branch, platform))
        self.record.firings.append(
            {
                "seq": len(self.record.firings) + 1,
                "rule": rule.id,
                "platform": platform,
                "salience": rule.salience,
                "matched": matched,
                "absent": list(branch.absent),
                "asserted": [asserted],
                "retracted": [],
            }
        )

    def _decide(self, view: _PlatformView) -> None:
        platform = view.platform
        conclusions = self.conclusions[platform]
        weighed = [self.record.weighed[fact_id] for fact_id, _ in conclusions]
        given = [name for name, fact in self.seller.items() if not fact.assumed]
        scores, excluded, decision, completeness = decide_platform(
            self.ev.rulebook, weighed, emphasis=view.emphasis, given_fields=given
        )
        new_id = self.next_id
        self.next_id += 1
        asserted = {
            "id": new_id,
            "kind": "decision",
            "platform": platform,
            "model": decision.model,
            "confidence": decision.confidence,
            "scores": dict(scores),
            "excluded": excluded,
            "basis": decision.basis,
            "completeness": round(completeness, 3),
        }
        anchor = self.platform_records[self.anchor[platform]]
        self.record.firings.append(
            {
                "seq": len(self.record.firings) + 1,
                "rule": DECIDE_RULE,
                "platform": platform,
                "salience": DECIDE_SALIENCE,
                "matched": [anchor, *(rec for _, rec in conclusions)],
                "absent": [],
                "asserted": [asserted],
                "retracted": [],
            }
        )
        self.record.decisions[platform] = asserted
