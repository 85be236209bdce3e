"""The interview's reasoner: which answers can still change the advice while some are open.

Before each question the interview works out, from the rules' declarative conditions
(:mod:`sellerexpert._profile.conditions`), which models each platform could still end up with over every
possible answer to the questions not yet asked, including "unknown" (which lets the assumption rules
fill a field in). A platform whose possible models have narrowed to one is *settled*.

The reasoning has two levels, both sound (they never skip a question that matters):

* a bound on what each rule may still conclude, from three-valued evaluation
  of its condition (a rule may fire, must fire or cannot fire), which settles
  most platforms cheaply;
* an exact search over the values that matter to the undecided rules (each
  threshold and each market group the rules mention: :func:`_domains`), used
  when it is small enough; above that the interview keeps asking every field an
  undecided rule reads.

May import: the rules' conditions, evaluator, policy and rule book, and the profile's field table;
nothing of the interview's state, answers or dialogue (which import this module).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .._engine.evaluator import Evaluator
from .._engine.policy import decide, tally
from .._profile.conditions import PLATFORM_PREFIX, Leaf, evaluate3, facts_used, leaves
from .._profile.profile import FIELDS, MODELS, PLATFORMS
from .._rulebook.rulebook import Rule, RuleBook

SEARCH_BUDGET = 512
"""The most combinations of open answers the interview tries exactly for one platform.

Beyond it, the three-valued bound decides (it may keep a question that could not change the
advice, never drop one that could). 512 keeps every step under 50 ms on a 2-core machine
(bench/RESULTS.md); it settles the shipped rule book's interviews as exactly as 2,048 did.
"""

_UNKNOWN = None
_MEMO_LIMIT = 50_000


class Reasoner:
    """What the rules could still conclude while some answers are open.

    Concrete answers ("which model for these facts?") come from the compiled
    evaluator, the one place that gives the rules their meaning. Open answers
    are bounded first with three-valued logic, which only ever widens what is
    possible (an assumption whose firing depends on an open answer leaves its
    field open too), the conclusions weighed by the engine's own weighing
    (:func:`sellerexpert._engine.policy.tally`) and decided by its policy, and then
    settled exactly by running the evaluator over the remaining combinations when
    there are few enough.
    """

    def __init__(self, rulebook: RuleBook, evaluator: Evaluator | None = None) -> None:
        self.rulebook = rulebook
        self.evaluator = evaluator or Evaluator(rulebook)
        self._memo: dict[tuple[tuple[str, Any], ...], dict[str, str]] = {}
        self.assume_rules: tuple[Rule, ...] = tuple(
            sorted((r for r in rulebook.rules if r.then.kind == "assume"), key=lambda r: -r.salience)
        )
        self.weigh_rules: tuple[Rule, ...] = tuple(r for r in rulebook.rules if r.then.kind in ("evidence", "exclude"))
        self.platform_facts = {p: rulebook.platforms[p].fact_values() for p in PLATFORMS}
        self.emphasis = {
            p: (rulebook.platforms[p].facts["emphasis"].value if "emphasis" in rulebook.platforms[p].facts else None)
            for p in PLATFORMS
        }
        self.domains = _domains(rulebook.rules)

    def assume3(
        self, known: Mapping[str, Any], unknown: frozenset[str], open_fields: frozenset[str]
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """Apply assumptions to fields answered unknown; those that may or may not be assumed become open."""
        # A field is open when some assumption that may fill it reads an open field, directly
        # or through another such assumption: then whether, when and to what it is filled
        # depends on answers not given yet.
        opened = set(open_fields)
        changed = True
        while changed:
            changed = False
            for rule in self.assume_rules:
                name = rule.then.fact
                if name is None or name not in unknown or name in known or name in opened:
                    continue
                if any(f in opened for f in facts_used(rule.when)):
                    opened.add(name)
                    changed = True
        # Every other unknown field is filled (or not) by assumptions over settled facts alone:
        # the evaluator gives exactly what the engine would assume.
        settled = {k: v for k, v in known.items() if k not in opened}
        assumed, _ = self.evaluator.assume(settled, [r for r in self.assume_rules if r.then.fact not in opened])
        facts = dict(known)
        facts.update((k, v) for k, v in assumed.items() if k in unknown and k not in opened)
        return facts, frozenset(opened)

    def model(self, platform: str, facts: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> str:
        """The model the engine would recommend on ``platform`` for these given facts (assumptions included).

        Remembered across questions: successive searches ask about many of the same combinations.
        """
        key = tuple(sorted(facts.items(), key=lambda item: item[0])) + tuple(sorted((overrides or {}).items()))
        models = self._memo.get(key)
        if models is None:
            models = self._memo[key] = {}
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
        if platform not in models:
            if overrides:
                decided = self.evaluator.decisions(facts, (platform,), platform_overrides={platform: overrides})
                models[platform] = decided[platform]["model"]
            else:
                models[platform] = self.evaluator.models(facts, (platform,))[platform]
        return models[platform]

    def _decide(self, platform: str, scores: Mapping[str, int], excluded: Iterable[str]) -> str:
        return decide(
            scores, list(excluded), emphasis=self.emphasis[platform], completeness=1.0, policy=self.rulebook.policy
        ).model

    def outlook(
        self,
        platform: str,
        known: Mapping[str, Any],
        unknown: frozenset[str],
        open_fields: frozenset[str],
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The models still possible on ``platform``, and the open fields that can change which one.

        :param overrides: platform facts computed for this consultation (one market's route facts), over the rule book's.
        """
        facts, opened = self.assume3(known, unknown, open_fields)
        context = {**facts, **self.platform_facts[platform], **{PLATFORM_PREFIX + k: v for k, v in (overrides or {}).items()}}
        assumed = frozenset(facts) - frozenset(known)
        # What the rules must conclude (their conditions hold whatever the open answers) and what they may:
        # weighed as the engine weighs, the sure ones give the least each model can score, all of them the most.
        sure: list[Rule] = []
        undecided: list[Rule] = []
        for rule in self.weigh_rules:
            status = evaluate3(rule.when, context, opened, assumed)
            if status is not False:
                (sure if status else undecided).append(rule)
        low, surely_out = tally((r.then.kind, r.then.model, r.then.weight) for r in sure)
        high, _ = tally((r.then.kind, r.then.model, r.then.weight) for r in (*sure, *undecided))
        _, maybe_out = tally((r.then.kind, r.then.model, r.then.weight) for r in undecided)
        bounded = self._bounded(platform, low, high, set(surely_out), set(maybe_out))
        if len(bounded) == 1:
            return bounded, ()
        fields = self._inputs(undecided, opened, open_fields)
        exact = self._search(platform, known, fields, overrides)
        if exact is None:
            return bounded, fields
        return exact

    def _bounded(
        self, platform: str, low: Mapping[str, int], high: Mapping[str, int], surely: set[str], maybe: set[str]
    ) -> tuple[str, ...]:
        full, semi = MODELS
        found: set[str] = set()
        for full_out in (True, False) if full in maybe and full not in surely else (full in surely,):
            for semi_out in (True, False) if semi in maybe and semi not in surely else (semi in surely,):
                out = [m for m, gone in ((full, full_out), (semi, semi_out)) if gone]
                if len(out) == 1:
                    found.add(semi if out == [full] else full)
                    continue
                least = low[full] - high[semi]
                most = high[full] - low[semi]
                if most > 0:
                    found.add(full)
                if least < 0:
                    found.add(semi)
                if least <= 0 <= most:
                    found.add(self._decide(platform, {full: 0, semi: 0}, out))
        return tuple(m for m in MODELS if m in found)

    def _inputs(self, undecided: list[Rule], opened: frozenset[str], open_fields: frozenset[str]) -> tuple[str, ...]:
        """The open fields the undecided rules read, directly or through an assumption they depend on."""
        wanted: set[str] = set()
        todo = [f for rule in undecided for f in facts_used(rule.when) if f in opened]
        while todo:
            name = todo.pop()
            if name in wanted:
                continue
            wanted.add(name)
            if name not in open_fields:  # answered unknown, its assumption still open: follow its inputs
                for rule in self.assume_rules:
                    if rule.then.fact == name:
                        todo.extend(f for f in facts_used(rule.when) if f in opened)
        # In the order the interview asks (the field table's; open fields never include ``name``).
        return tuple(spec.name for spec in FIELDS if spec.name in wanted and spec.name in open_fields)

    def _search(
        self, platform: str, known: Mapping[str, Any], fields: tuple[str, ...], overrides: Mapping[str, Any] | None = None
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        domains = [self.domains[name] for name in fields]
        if math.prod(len(d) for d in domains) > SEARCH_BUDGET:
            return None
        outcome: dict[tuple[Any, ...], str] = {}
        for combo in itertools.product(*domains):
            facts = dict(known)
            facts.update((name, value) for name, value in zip(fields, combo, strict=True) if value is not _UNKNOWN)
            outcome[combo] = self.model(platform, facts, overrides)
        models = tuple(m for m in MODELS if m in set(outcome.values()))
        if len(models) == 1:
            return models, ()
        relevant = []
        for index, name in enumerate(fields):
            groups: dict[tuple[Any, ...], set[str]] = {}
            for combo, model in outcome.items():
                groups.setdefault(combo[:index] + combo[index + 1 :], set()).add(model)
            if any(len(seen) > 1 for seen in groups.values()):
                relevant.append(name)
        return models, tuple(relevant)


def _domains(rules: Iterable[Rule]) -> dict[str, tuple[Any, ...]]:
    """For each askable field, one representative answer per region the rules can tell apart, and unknown.

    Counts get a value on each side of every threshold a rule names; market
    lists get every non-empty combination of market groups, where a group is
    the codes no rule tells apart (plus one code no rule names).
    """
    all_leaves: list[Leaf] = []
    for rule in rules:
        all_leaves.extend(leaves(rule.when))
    domains: dict[str, tuple[Any, ...]] = {}
    for spec in FIELDS:
        if not spec.type.reasoned:
            continue
        # Each field's type lists one value per region the rules' conditions on it tell apart.
        mine = [leaf for leaf in all_leaves if leaf.fact == spec.name]
        domains[spec.name] = (_UNKNOWN, *spec.type.values(mine))
    return domains
