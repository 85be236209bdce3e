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
  :func:`sellerexpert._engine.policy.decide`.

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

import functools
import itertools
import operator
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .. import _memory as memory
from .._errors import FiringLimitError
from .._profile.conditions import PLATFORM_PREFIX, Leaf, dnf, value_test
from .._profile.profile import CORE_FIELDS, FIELDS, MODELS, SellerProfile
from .._results.trace import (
    CaveatRecord,
    ConclusionRecord,
    DecisionRecord,
    EvidenceRecord,
    ExclusionRecord,
    FactRecord,
    Firing,
    PlatformRecord,
    SellerRecord,
    record_json,
)
from .._rulebook.rulebook import Rule, RuleBook
from .._rulebook.templates import placeholders, render
from .policy import DECISION_READS, Decision, Weighed, decide, decision_reading, tally

DECIDE_RULE = "decide"
DECIDE_SALIENCE = -(10**9)
"""The decision step's salience: below any rule's, so it fires after every conclusion of its platform."""
DECIDE_ORDER = 10**9
BRANCH_STRIDE = 1000
"""A rule's branches are ordered ``index * BRANCH_STRIDE + branch``, as in the Experta compilation."""

_CORE_SET = frozenset(CORE_FIELDS)
_SELLER = "seller"
_PLATFORM = "platform"
_FIELD_ORDER = tuple(spec.name for spec in FIELDS)


@dataclass
class RunRecord:
    """What one run of the rules produced, before it is shaped into a result and trace.

    Both engines fill it the same way: ``facts`` are the starting facts as trace records,
    ``firings`` every firing in order, ``decisions`` the decision record per platform.
    """

    facts: list[PlatformRecord | SellerRecord] = field(default_factory=list)
    firings: list[Firing] = field(default_factory=list)
    decisions: dict[str, DecisionRecord] = field(default_factory=dict)
    weighed: dict[int, Weighed] = field(default_factory=dict)
    """What each evidence or exclusion fact (by fact id) rested on, for the decision."""
    top: int | None = None
    """The highest fact id the run numbered, where the run knows it (the compiled evaluator's), else ``None``."""
    records_json: Callable[[], list[dict[int, str]]] | None = None
    """The compact JSON of some of its fact records by ``id()`` (see :meth:`Trace._with_records_json`), when the run
    has it written: the compiled evaluator's platform facts, written once per platform view."""


@dataclass(frozen=True, slots=True)
class Concluded:
    """One rule's conclusion on one platform, as a result words it: a firing without its fact ids."""

    rule: str
    assumed: tuple[str, ...]
    """The seller facts it matched that an assumption filled, in the engine's binding order."""
    platform_facts: tuple[tuple[str, Any], ...]
    """The platform facts it matched, ``(name, value)`` in binding order (``id`` first)."""
    text: str | None = None
    """A caveat's text in English, rendered with the facts known when it fired (``None`` for other rules)."""
    key: Any = field(default=None, compare=False)
    """The conclusion as a hashable value, ``(rule, assumed, platform_facts typed and with lists as tuples, text)``,
    when known; ``None``: compute it."""
    worded: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False, hash=False)
    """What a result made of this conclusion when its words quote nothing of the seller, by (platform,
    language): the compiled path shares one object per conclusion between runs, so the next result
    finds its reason or caveat here without building and hashing the conclusion's key."""

    def identity(self) -> Any:
        """:attr:`key`, or computed when not known (the conclusions read from trace records)."""
        return self.key if self.key is not None else (self.rule, self.assumed, _typed(self.platform_facts), self.text)


@dataclass
class Conclusions:
    """What a consultation's result needs from one run of the rules, and nothing a trace alone needs.

    Both ways of running give the same: :meth:`of` reads it from a run's trace records (either
    engine); :meth:`Evaluator.conclude` reaches it without building them (the fast path of a
    consultation on the compiled engine, whose trace is built only when asked for).
    """

    seller: dict[str, Any]
    """The facts the seller gave, JSON-ready, in declaration order."""
    assumed: list[tuple[str, str, Any]]
    """Each assumption that fired, as ``(rule, field, value)``, in firing order."""
    concluded: dict[str, dict[str, Concluded]]
    """Per platform, each rule that concluded there, by rule id."""
    decisions: dict[str, DecisionRecord]
    declared: dict[str, dict[str, Any]]
    """Per platform, its facts in working memory as ``platform.<name>``, JSON-ready."""
    kept: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """What is worked out once for every product whose run this is (the compiled path shares one run between the
    products the rules cannot tell apart): the conclusions each reading's facts change (:meth:`Evaluator.laid`),
    and what a result words of the others. It goes with the run when the run is forgotten."""

    @classmethod
    def of(cls, record: RunRecord) -> Conclusions:
        """The conclusions of a run recorded as trace records (one pass over its facts and firings)."""
        seller: dict[str, Any] = {}
        declared: dict[str, dict[str, Any]] = {}
        for fact in record.facts:
            if isinstance(fact, SellerRecord):
                seller[fact.field] = fact.value
            elif isinstance(fact, PlatformRecord):
                declared.setdefault(fact.platform, {})[PLATFORM_PREFIX + fact.field] = fact.value
        assumed: list[tuple[str, str, Any]] = []
        concluded: dict[str, dict[str, Concluded]] = {platform: {} for platform in record.decisions}
        for firing in record.firings:
            if firing.platform is None:
                assumed.extend(
                    (firing.rule, f.field, f.value) for f in firing.asserted if isinstance(f, SellerRecord) and f.assumed
                )
                continue
            if firing.rule == DECIDE_RULE:
                continue
            concluded.setdefault(firing.platform, {})[firing.rule] = Concluded(
                firing.rule,
                tuple(f.field for f in firing.matched if isinstance(f, SellerRecord) and f.assumed),
                tuple((f.field, f.value) for f in firing.matched if isinstance(f, PlatformRecord)),
                next((f.text for f in firing.asserted if isinstance(f, CaveatRecord)), None),
            )
        return cls(seller, assumed, concluded, dict(record.decisions), declared)


_SCALARS = frozenset((str, int, bool, float, type(None)))
"""Fact values already JSON-ready (most facts): told by their exact type, before the slower isinstance tests."""

_READINGS_KEPT = 4096
"""Platform readings remembered by the values they read (:meth:`Evaluator.platform_reading`): route facts repeat,
a margin gap is a whole percentage; then forgotten, so values never seen again do not pile up."""
_ORDER_NUMBERS = itertools.count()
"""The numbers :meth:`Evaluator.platform_reading` gives the orders of names it reads (one per order, never reused)."""
_READING_NUMBERS = itertools.count()
"""The numbers :meth:`Evaluator.numbered_reading` gives readings (one per reading while it is kept, never reused)."""
_ReadingState = tuple[
    dict[str, tuple[tuple[bool, Leaf], ...]],
    dict[tuple[str, ...], tuple[tuple[str, ...], int, "Callable[[Mapping[str, Any]], tuple[Any, ...]] | None"]],
    dict[Any, tuple[tuple[Any, ...], "int | None"]],
]
"""What :meth:`Evaluator.numbered_reading` keeps, made at its first call: the platform literals by the fact they test
(with whether they only ask its presence), each order of names given with the names read of it, its number and what
picks their values, and the readings by what they read."""


def plain(value: Any) -> Any:
    """A fact value as JSON-ready data (tuples become lists)."""
    if type(value) in _SCALARS:
        return value
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
    facts: Mapping[str, Any] | None = None,
) -> tuple[dict[str, int], list[str], Decision, float]:
    """The decision step for one platform: scores, exclusions, the decision and the completeness it used.

    :param weighed: the platform's evidence and exclusions in firing order.
    :param given_fields: profile fields the seller gave (not assumed).
    :param facts: the platform's facts in working memory, names without ``platform.`` (see :func:`decide`).
    """
    completeness = len(set(given_fields) & _CORE_SET) / len(CORE_FIELDS)
    scores, excluded, decision = decide_weighed(rulebook, weighed, emphasis=emphasis, completeness=completeness, facts=facts)
    return scores, excluded, decision, completeness


def decide_weighed(
    rulebook: RuleBook,
    weighed: Sequence[Weighed],
    *,
    emphasis: Any,
    completeness: float,
    facts: Mapping[str, Any] | None = None,
) -> tuple[dict[str, int], list[str], Decision]:
    """:func:`decide_platform` with the completeness known: scores, exclusions (in model order) and the decision."""
    scores, excluded = tally((item.kind, item.model, item.weight) for item in weighed)
    decision = decide(
        scores,
        excluded,
        emphasis=emphasis,
        completeness=completeness,
        policy=rulebook.policy,
        evidence=tuple(weighed),
        facts=facts,
    )
    return scores, sorted(excluded, key=MODELS.index), decision


def weighed_from_records(rulebook: RuleBook, rule: Rule, platform: str, matched: Sequence[FactRecord]) -> Weighed:
    """What an evidence or exclusion firing rested on, from the trace records of the facts it matched."""
    known = rulebook.platforms[platform].facts
    assumed = tuple(r.field for r in matched if isinstance(r, SellerRecord) and r.assumed)
    confidence = tuple(known[r.field].confidence for r in matched if isinstance(r, PlatformRecord) and r.field in known)
    return _weighed(rule, assumed, confidence)


def _weighed(rule: Rule, assumed: tuple[str, ...], confidence: tuple[str | None, ...]) -> Weighed:
    kind: Literal["evidence", "exclude"] = "evidence" if rule.then.kind == "evidence" else "exclude"
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
    platform: tuple[tuple[Leaf, bool, int], ...]  # (leaf, holds, position)
    absent: tuple[str, ...]
    reads: frozenset[str]
    tests: tuple[tuple[str, _Test | None, bool, bool], ...]
    """Each seller literal as (name, value test or None for presence, must exist, given only)."""
    seller_bound: tuple[tuple[str, str], ...]
    """(binding key, field) for each seller literal that must exist: what a firing matches."""
    assume_bound: tuple[str, ...]
    """The seller facts an assumption's firing matches, in binding order."""
    match: Callable[[Mapping[str, tuple[int, Any, bool]]], bool] = field(compare=False, repr=False)
    """Whether the seller facts (name -> (id, value, assumed)) satisfy :attr:`tests`: :func:`_matcher`'s function."""


_Tests = tuple[tuple[str, _Test | None, bool, bool], ...]


def _matcher(tests: _Tests) -> Callable[[Mapping[str, tuple[int, Any, bool]]], bool]:
    """A branch's seller literals as one function, specialised on each literal's shape.

    The engine's meaning of a literal, written once here and checked against Experta by the
    equivalence tests: a fact ``name`` that is absent, or assumed where only a given one counts
    (``given``), does not hold; one that is there holds when it passes its value test (or has none);
    the literal is met when that agrees with ``exists``. A generic loop over the literals asked those
    questions of every literal on every match (a third of settling a new seller); here each literal
    is a few lines of Python made from the branch's own structure (names as literals, value tests
    as closures): no rule text is ever compiled.
    """
    lines = ["def match(seller):"]
    namespace: dict[str, Any] = {}
    for position, (name, test, exists, given) in enumerate(tests):
        lines.append(f"    fact = seller.get({name!r})")
        held = ["fact is not None"]
        if given:
            held.append("not fact[2]")
        if test is not None:
            inline = _inline_test(test, position, namespace)
            if inline is None:
                namespace[f"test{position}"] = test
                inline = f"test{position}(fact[1])"
            held.append(inline)
        condition = " and ".join(held)
        lines.append(f"    if not ({condition}):" if exists else f"    if {condition}:")
        lines.append("        return False")
    lines.append("    return True")
    exec(compile("\n".join(lines), f"<branch matcher {len(tests)} literals>", "exec"), namespace)  # noqa: S102
    function: Callable[[Mapping[str, tuple[int, Any, bool]]], bool] = namespace["match"]
    return function


def _inline_test(test: _Test, position: int, namespace: dict[str, Any], subject: str = "fact[1]") -> str | None:
    """A value test as an expression on ``subject`` (the value tested), where it is written here exactly as
    :mod:`sellerexpert._profile.conditions`
    means it and can never raise; ``None`` for the rest, which keep their closure.

    Only comparisons whose outcome Python fixes for every value (an equality of two values of the
    same builtin type, an order of whole numbers against a number, membership in a tuple or list of
    words) are written out; the expected value is bound as a name (``expected<position>``), never
    put into the source.
    """
    found = _TEST_OF.get(test)
    if found is None:
        return None
    op, expected = found
    value = f"expected{position}"
    kind = type(expected)
    if op in ("eq", "ne") and kind in (str, int, bool):
        namespace[value], namespace[f"kind{position}"] = expected, kind
        return f"(type({subject}) is kind{position} and {subject} {'==' if op == 'eq' else '!='} {value})"
    if op in ("lt", "le", "gt", "ge") and kind in (int, float):
        namespace[value] = expected
        sign = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        return f"(isinstance({subject}, int) and not isinstance({subject}, bool) and {subject} {sign} {value})"
    if op in ("in", "not_in") and kind in (tuple, list) and all(type(item) is str for item in expected):
        namespace[value] = expected
        return f"(not isinstance({subject}, (list, tuple)) and {subject} {'in' if op == 'in' else 'not in'} {value})"
    if op == "contains" and kind is str:
        namespace[value] = expected
        return f"(isinstance({subject}, (list, tuple)) and {value} in {subject})"
    return None


def _answers_function(tests: tuple[tuple[str, _Test | None], ...]) -> Callable[[Mapping[str, Any]], tuple[bool, ...]]:
    """The answer of every seller test to a profile's facts, as one generated function (see :func:`_matcher`):
    for each test, whether the field is known and (when the test has a value test) passes it."""
    namespace: dict[str, Any] = {"missing": _MISSING}
    lines = ["def answers(facts):", "    get = facts.get"]
    for position, (name, test) in enumerate(tests):
        lines.append(f"    value = get({name!r}, missing)")
        if test is None:
            lines.append(f"    answer{position} = value is not missing")
            continue
        inline = _inline_test(test, position, namespace, "value")
        if inline is None:
            namespace[f"test{position}"] = test
            inline = f"test{position}(value)"
        lines.append(f"    answer{position} = value is not missing and {inline}")
    lines.append("    return (" + "".join(f"answer{position}, " for position in range(len(tests))) + ")")
    exec(compile("\n".join(lines), f"<answers of {len(tests)} seller tests>", "exec"), namespace)  # noqa: S102
    function: Callable[[Mapping[str, Any]], tuple[bool, ...]] = namespace["answers"]
    return function


def _matches_function(
    branches: Sequence[_Branch], wanted: Iterable[int]
) -> Callable[[Mapping[str, tuple[int, Any, bool]]], tuple[bool, ...]]:
    """Whether each branch in ``wanted`` matches the seller facts, all in one generated function (the others
    answer ``False``): what :meth:`_Run.settle` asks of every single-branch rule, once per run.

    Each branch is :func:`_matcher`'s test written as one expression over the facts fetched once per
    field (a run asked up to a hundred matchers one call each); the literals mean exactly what they mean
    there, and value tests keep their closures or inline forms (:func:`_inline_test`), bound as names.
    """
    namespace: dict[str, Any] = {}
    lines = ["def matches(seller):", "    get = seller.get"]
    local: dict[str, str] = {}
    answers = ["False"] * len(branches)
    position = 0
    for index in sorted(set(wanted)):
        held_all = []
        for name, test, exists, given in branches[index].tests:
            fact = local.get(name)
            if fact is None:
                fact = local[name] = f"fact{len(local)}"
                lines.append(f"    {fact} = get({name!r})")
            held = [f"{fact} is not None"]
            if given:
                held.append(f"not {fact}[2]")
            if test is not None:
                inline = _inline_test(test, position, namespace, f"{fact}[1]")
                if inline is None:
                    namespace[f"test{position}"] = test
                    inline = f"test{position}({fact}[1])"
                held.append(inline)
            position += 1
            condition = " and ".join(held)
            held_all.append(f"({condition})" if exists else f"not ({condition})")
        lines.append(f"    branch{index} = " + (" and ".join(held_all) if held_all else "True"))
        answers[index] = f"branch{index}"
    lines.append("    return (" + "".join(f"{answer}, " for answer in answers) + ")")
    exec(compile("\n".join(lines), f"<matches of {position} seller literals>", "exec"), namespace)  # noqa: S102
    function: Callable[[Mapping[str, tuple[int, Any, bool]]], tuple[bool, ...]] = namespace["matches"]
    return function


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
            test = None if leaf.on_platform else _value_test(leaf)
        if leaf.on_platform:
            platform.append((leaf, holds, position))
        else:
            seller.append(_SellerLiteral(leaf.name, test, exists, leaf.given, position))
    return _Branch(
        rule_index=rule_index,
        branch=branch,
        order=rule_index * BRANCH_STRIDE + branch,
        platform=tuple(platform),
        absent=tuple(absent),
        reads=frozenset(lit.name for lit in seller),
        tests=tuple((lit.name, lit.test, lit.exists, lit.given) for lit in seller),
        seller_bound=tuple((f"m{lit.position}", lit.name) for lit in seller if lit.exists),
        assume_bound=tuple(
            dict.fromkeys(name for _, name in sorted((f"m{lit.position}", lit.name) for lit in seller if lit.exists))
        ),
        match=_matcher(tuple((lit.name, lit.test, lit.exists, lit.given) for lit in seller)),
    )


_VALUE_TESTS: dict[tuple[str, type, Any], _Test] = {}
_TEST_OF: dict[_Test, tuple[str, Any]] = {}
"""What each shared value test compares: (operator, expected value), for :func:`_inline_test`."""


def _value_test(leaf: Leaf) -> _Test:
    """A seller literal's value test as one closure (:func:`value_test`), shared by every leaf that tests the same."""
    try:
        key = (leaf.op, type(leaf.value), hashable(leaf.value))
        found = _VALUE_TESTS.get(key)
    except TypeError:
        return value_test(leaf.op, leaf.value)
    if found is None:
        found = _VALUE_TESTS[key] = value_test(leaf.op, leaf.value)
        _TEST_OF[found] = (leaf.op, leaf.value)
    return found


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
        # Branches to re-match when a field gets a value: those that read it, and assumptions that set it.
        touched: dict[str, list[int]] = {}
        for index, b in enumerate(branches):
            names = set(b.reads)
            then = self.rules[b.rule_index].then
            if then.kind == "assume" and then.fact:
                names.add(then.fact)
            for name in names:
                touched.setdefault(name, []).append(index)
        self._touched = {name: tuple(items) for name, items in touched.items()}
        # When every assumption out-ranks every other rule, the assumptions settle the facts before
        # anything else fires, and each other rule then concludes exactly when it matches the final
        # facts: decisions need no agenda (see _Run.settle).
        assume_saliences = [r.salience for r in self.rules if r.then.kind == "assume"]
        other_saliences = [r.salience for r in self.rules if r.then.kind != "assume"]
        self._assumptions_first = not assume_saliences or not other_saliences or min(assume_saliences) > max(other_saliences)
        self._assume_indices = tuple(i for i, b in enumerate(branches) if self.rules[b.rule_index].then.kind == "assume")
        self._assume_set = frozenset(self._assume_indices)
        # Every distinct seller test a rule makes, and the fields the rules' texts quote (for signature()).
        seen_tests: dict[tuple[str, Any], None] = {}
        for b in branches:
            for name, test, _, _ in b.tests:
                seen_tests.setdefault((name, test), None)
        self._seller_tests = tuple(seen_tests)
        self._answers = _answers_function(self._seller_tests)
        self._tested_fields = tuple(dict.fromkeys(name for name, _test in self._seller_tests))
        """The fields the seller tests read, each once: the answers are a function of their values alone."""
        self._answers_known: dict[Any, tuple[bool, ...]] = {}
        """The answers by the values of the tested fields (see :meth:`_answers_of`)."""
        self._field_orders: dict[tuple[str, ...], tuple[str, ...]] = {}
        """A signature's known fields in profile order, by the field names in the order given (see :meth:`signature`)."""
        self._quoted_fields = tuple(
            sorted(
                {
                    name
                    for rule in self.rules
                    for text in (rule.statement, rule.then.text or "")
                    for name in placeholders(text)
                    if not name.startswith(PLATFORM_PREFIX)
                }
            )
        )
        by_rule: dict[int, list[int]] = {}
        for i, b in enumerate(branches):
            if self.rules[b.rule_index].then.kind in ("evidence", "exclude"):
                by_rule.setdefault(b.rule_index, []).append(i)
        self._weigh_rules = tuple((rule_index, tuple(items)) for rule_index, items in sorted(by_rule.items()))
        for i, b in enumerate(branches):
            if self.rules[b.rule_index].then.kind == "caveat":
                by_rule.setdefault(b.rule_index, []).append(i)
        self._conclude_rules = tuple((rule_index, tuple(items)) for rule_index, items in sorted(by_rule.items()))
        self._several = tuple((rule_index, items) for rule_index, items in self._conclude_rules if len(items) > 1)
        # Each concluding rule's position and branches by its id: what a settled run's trace reads (a rule id is unique).
        self._conclude_positions = {self.rules[rule_index].id: (rule_index, items) for rule_index, items in self._conclude_rules}
        # The fields an assumption can fill: a conclusion that matched none of them never rests on a guess.
        self._assumable = frozenset(rule.then.fact for rule in self.rules if rule.then.kind == "assume" and rule.then.fact)
        # The branches settle() tests one by one: the one branch of each rule that concludes through one.
        self._settle_matches = _matches_function(
            branches, (items[0] for _, items in self._conclude_rules if len(items) == 1)
        )
        self._caveat_quotes = {
            index: tuple(placeholders(rule.then.text or ""))
            for index, rule in enumerate(self.rules)
            if rule.then.kind == "caveat"
        }
        # What each rule's conclusion text quotes, by rule id (a shared run's products lay their values over those
        # that quote a fact given: :meth:`laid`).
        self._then_quotes = {rule.id: frozenset(placeholders(rule.then.text or "")) for rule in self.rules}
        # Caveats that quote platform facts alone (or nothing): on one platform view their words never
        # change, so what concludes through a branch there depends only on which of its facts were assumed.
        self._quotes_platform_only = frozenset(
            index for index, names in self._caveat_quotes.items() if all(n.startswith(PLATFORM_PREFIX) for n in names)
        )
        self._platform_cache: dict[tuple[str, tuple[tuple[str, Any], ...]], _PlatformView] = {}
        self._views_held = 0
        """What :attr:`_platform_cache` holds, in facts and conclusions (:data:`_VIEW_CELLS`)."""
        self._layouts: dict[tuple[str, tuple[str, ...]], _Layout] = {}
        self._enabled_cache: dict[Any, _Shared] = {}
        self._enabled_held = 0
        """What :attr:`_enabled_cache` holds, in branches (:data:`_SHARED_BRANCHES`)."""
        self._platform_literal_names = tuple(sorted({leaf.name for b in branches for leaf, _, _ in b.platform}))

    # -- per platform, once per rule book (or per set of overrides) -------------

    def _layout(self, platform: str, overrides: Mapping[str, Any] | None) -> _Layout:
        """The names :func:`declared_platform_facts` declares on ``platform`` with overrides of these names."""
        key = (platform, tuple(overrides) if overrides else ())
        found = self._layouts.get(key)
        if found is None:
            found = _Layout(self.rulebook, platform, overrides)
            if len(self._layouts) >= _LAYOUTS_KEPT:  # override names come from a few producers: a handful in use
                self._layouts.clear()
            self._layouts[key] = found
        return found

    def _view(self, platform: str, overrides: Mapping[str, Any] | None) -> _PlatformView:
        key = (platform, tuple(sorted(overrides.items(), key=_first)) if overrides else ())
        try:
            return self._platform_cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable override values: build without caching
            return _PlatformView(self, platform, overrides)
        view = _PlatformView(self, platform, overrides)
        # Each target market brings its own route facts (thousands of sets in a diverse population): keep
        # what fits, and start again when full rather than stop remembering. A view holds its facts (in
        # four mappings and its key) and, once settled, the conclusions of the caveats that quote its facts.
        weight = len(view.declared) + sum(1 for step in view.program(True) if step[0] in self._caveat_quotes)
        if self._views_held + weight > _VIEW_CELLS:
            self._platform_cache.clear()
            self._views_held = 0
        self._views_held += weight
        self._platform_cache[key] = view
        return view

    def _hold(self, weight: int) -> None:
        """Count ``weight`` more cells kept by the views (a view's trace records for a new numbering base), and
        start the views again when they hold more than :data:`_VIEW_CELLS`."""
        self._views_held += weight
        if self._views_held > _VIEW_CELLS:
            self._platform_cache.clear()
            self._views_held = 0

    def _enabled(self, platform: str, declared: tuple[tuple[str, Any], ...], values: Mapping[str, Any]) -> _Shared:
        """What each branch binds on a platform whose facts are ``declared``: shared by every view whose
        declared names, and the values the rules' platform literals test, are the same."""
        try:
            key: Any = (
                platform,
                tuple(name for name, _ in declared),
                # Typed: a test may tell True from 1, or a list from a tuple, where a key would not.
                tuple(
                    (type(value), hashable(value))
                    for value in (values.get(name, _MISSING) for name in self._platform_literal_names)
                ),
            )
            found = self._enabled_cache.get(key)
        except TypeError:  # an unhashable fact value: build without sharing
            key, found = None, None
        if found is None:
            found = _Shared(_enabled_bindings(self, platform, declared, values))
            if key is not None:
                if self._enabled_held + len(found.enabled) > _SHARED_BRANCHES:
                    self._enabled_cache.clear()
                    self._enabled_held = 0
                self._enabled_held += len(found.enabled)
                self._enabled_cache[key] = found
        return found

    # -- a run ---------------------------------------------------------------------

    def run(
        self,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        *,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        firing_limit: int = 10_000,
        first_id: int = 1,
        first_seq: int = 1,
        market: str | None = None,
    ) -> RunRecord:
        """Run the rules on known profile facts for ``platforms``, exactly as the Experta engine would.

        :param profile_facts: the profile fields the seller gave, by name, in profile field order.
        :param platform_overrides: extra or replaced platform facts, by platform id (e.g. the margin facts).
        :param first_id: the id of the run's first fact, and ``first_seq`` the number of its first firing,
            whose ``market`` is this: a consultation's later runs (one per target market) are numbered on
            from the earlier ones, as :func:`sellerexpert._results.trace.combine_runs` renumbers them, without
            building every record again. Every id moves by the same amount, so the firing order is the same.
        :raises FiringLimitError: past ``firing_limit`` firings.
        """
        run = _Run(self, profile_facts, platforms, platform_overrides, firing_limit, first_id=first_id)
        return run.execute().materialise(first_seq, market)

    def decisions(
        self,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        *,
        firing_limit: int = 10_000,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Only each platform's decision (model, confidence, scores, excluded, basis, completeness): the fast question.

        The records are those of :meth:`run` without their fact ``id`` (which only a full run fixes).

        The same run as :meth:`run`, without building trace records or rendering texts.
        """
        run = _Run(self, _in_profile_order(profile_facts), platforms, platform_overrides, firing_limit, texts=False)
        if self.settles(platforms, firing_limit):
            run.settle()
        else:
            run.execute()
        return run.decision_values()

    def conclude(
        self,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        *,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        firing_limit: int = 10_000,
    ) -> Conclusions:
        """What a result needs from a run (:class:`Conclusions`), equal to ``Conclusions.of(self.run(...))``.

        When the rule book lets the decisions settle (see :meth:`_Run.settle`), so do the caveats,
        and no agenda, fact id or trace record is built; otherwise this is the full run.

        :raises FiringLimitError: past ``firing_limit`` firings.
        """
        run = _Run(self, profile_facts, platforms, platform_overrides, firing_limit)
        if self.settles(platforms, firing_limit):
            return run.settled()
        return Conclusions.of(run.execute().materialise())

    def conclude_traced(
        self,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        *,
        platform_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        firing_limit: int = 10_000,
    ) -> tuple[Conclusions, Callable[[int, int, str | None], RunRecord]]:
        """:meth:`conclude`, and a function that gives, when called, the records :meth:`run` would give with the
        same ``first_id``, ``first_seq`` and ``market`` (its arguments, in that order), from the same run: the
        rules do not run again for a consultation's trace.

        :raises FiringLimitError: past ``firing_limit`` firings.
        """
        run = _Run(self, profile_facts, platforms, platform_overrides, firing_limit)
        if self.settles(platforms, firing_limit):
            conclusions = run.settled()
            concluded = conclusions.concluded

            def settled_records(first_id: int, first_seq: int, market: str | None) -> RunRecord:
                return run.records_of_settled(concluded, first_seq, market, first_id)

            return conclusions, settled_records

        def records(first_id: int, first_seq: int, market: str | None) -> RunRecord:
            return run.materialise(first_seq, market, first_id)

        return Conclusions.of(run.execute().materialise()), records

    def settles(self, platforms: Sequence[str], firing_limit: int) -> bool:
        """Whether a run's conclusions can be settled without an agenda: assumptions out-rank every other
        rule, and the run can never reach the firing limit (each rule fires at most once per platform,
        assumptions once), so the limit's error cannot be skipped by settling."""
        most = len(self._assume_set) + (len(self.rules) + 1) * len(platforms)
        return self._assumptions_first and most <= firing_limit

    def signature(self, profile_facts: Mapping[str, Any], platforms: Sequence[str]) -> tuple[Any, ...] | None:
        """A key that two profiles share exactly when the rules conclude the same for both, texts included.

        A run depends on the facts only through which fields are known (their order fixes fact
        ids), the answer of every seller test any rule makes, and the values the rules' texts
        quote. Two profiles with the same key get the same firings, decisions, reasons and
        caveats, word for word; only their trace records (which hold the raw values) differ.
        ``None`` when a value cannot be part of a key (unhashable), so nothing is cached.
        """
        try:
            answers = self._answers_of(profile_facts)
            quoted = tuple(hashable(profile_facts.get(name)) for name in self._quoted_fields)
        except TypeError:
            return None
        # The fields known, in profile order: that order follows from the names alone, in the order given
        # (a catalogue's products give the same few), so it is kept by them.
        given = tuple(profile_facts)
        orders = self._field_orders
        known = orders.get(given)
        if known is None:
            if len(orders) >= _READINGS_KEPT:
                orders.clear()
            known = orders[given] = tuple(_in_profile_order(profile_facts))
        return (tuple(platforms), known, answers, quoted)

    def _answers_of(self, profile_facts: Mapping[str, Any]) -> tuple[bool, ...]:
        """The seller tests' answers (:func:`_answers_function`), remembered by the values of the fields they read:
        a catalogue's products differ from their company in a few fields (a category, a weight class) and their
        runs in the market, so a handful of combinations answer every product's two runs.

        Only values whose equality tells them apart as any test could (plain scalars by their exact type, and
        tuples of plain strings) are keys; the rest are answered afresh."""
        values = tuple([profile_facts.get(name, _MISSING) for name in self._tested_fields])
        for value in values:
            kind = type(value)
            if kind not in _SCALARS and value is not _MISSING and not (
                kind is tuple and all(type(item) is str for item in value)
            ):
                return self._answers(profile_facts)
        key = (values, tuple(map(type, values)))
        known = self._answers_known
        answers = known.get(key)
        if answers is None:
            answers = self._answers(profile_facts)
            if len(known) >= _READINGS_KEPT:
                known.clear()
            known[key] = answers
        return answers

    def platform_reading(self, platform: str, overrides: Mapping[str, Any] | None) -> tuple[Any, ...]:
        """What the rules can tell of one platform's facts with ``overrides`` over them (:meth:`numbered_reading`)."""
        return self.numbered_reading(platform, overrides)[0]

    def numbered_reading(self, platform: str, overrides: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], int | None]:
        """What the rules can tell of one platform's facts with ``overrides`` over them: the names overridden
        and the answer of every platform literal any rule makes on them (as :func:`_platform_match` asks it;
        the literals on the rule book's own facts answer alike on every reading of the platform).

        Two sets of overrides with the same reading enable the same branches with the same bindings and
        are decided alike (:func:`decision_reading`: what the decision step reads of the facts itself), so
        runs on them (with the same seller facts) conclude alike but for the values the conclusions
        quote and match: :meth:`lay_over` turns the conclusions of one into the other's.

        With the reading, a number that stands for it: the same for equal readings while they are remembered, and
        never for another reading (a catalogue keys its shared runs by these numbers, not the readings' contents);
        ``None`` for a reading no key can hold.
        """
        state: _ReadingState | None = self.__dict__.get("_reading_state")
        if state is None:
            distinct: dict[tuple[str, str, Any], Leaf] = {}
            for branch in self._branches:
                for leaf, _holds, _position in branch.platform:
                    distinct.setdefault((leaf.name, leaf.op, (type(leaf.value), hashable(leaf.value))), leaf)
            grouped: dict[str, list[tuple[bool, Leaf]]] = {}
            for leaf in distinct.values():
                grouped.setdefault(leaf.name, []).append((leaf.op in ("absent", "present"), leaf))
            state = self.__dict__["_reading_state"] = ({name: tuple(items) for name, items in grouped.items()}, {}, {})
        by_name, readers, known = state
        if not overrides:
            return self._numbered(self._platform_reading(platform, {}, by_name))
        # Remembered by what it reads: the names overridden (in the order given) and the values of those a literal
        # or the decision reads, with their types (True is not 1). Products repeat their route facts and most of
        # their margin facts' values (a gap is a whole percentage), and the rest (a summary...) is not read.
        order = tuple(overrides)
        found_read = readers.get(order)
        if found_read is None:
            if len(readers) >= _READINGS_KEPT:
                readers.clear()
            # The order is keyed by a number of its own, never given to another order (the readings outlive the
            # names' store), so that the readings' key does not hash the names a second time; its values read are
            # picked by one itemgetter (a catalogue asks six readings a product, each of some eight values).
            read = tuple(name for name in order if name in by_name or name in DECISION_READS)
            found_read = readers[order] = (
                read, next(_ORDER_NUMBERS), operator.itemgetter(*read) if len(read) > 1 else None
            )
        read, numbered, pick = found_read
        values = pick(overrides) if pick is not None else tuple([overrides[name] for name in read])
        try:
            key: Any = (platform, numbered, values, tuple(map(type, values)))
            found = known.get(key)
        except TypeError:  # a value no key can hold (a list): read afresh
            key = found = None
        if found is None:
            found = self._numbered(self._platform_reading(platform, overrides, by_name))
            if key is not None:
                if len(known) >= _READINGS_KEPT:
                    known.clear()
                known[key] = found
        return found

    def _numbered(self, reading: tuple[Any, ...]) -> tuple[tuple[Any, ...], int | None]:
        """A reading and its number (:meth:`numbered_reading`): equal readings share one while it is remembered."""
        numbers: dict[tuple[Any, ...], tuple[tuple[Any, ...], int | None]] = self.__dict__.setdefault("_reading_numbers", {})
        try:
            found = numbers.get(reading)
        except TypeError:  # a reading no key can hold: no number
            return reading, None
        if found is None:
            if len(numbers) >= _READINGS_KEPT:
                numbers.clear()
            found = numbers[reading] = (reading, next(_READING_NUMBERS))
        return found

    def _platform_reading(
        self, platform: str, overrides: Mapping[str, Any], by_name: Mapping[str, tuple[tuple[bool, Leaf], ...]]
    ) -> tuple[Any, ...]:
        """:meth:`platform_reading`, worked out."""
        # The facts the overrides leave alone are the rule book's: their answers are the same on every reading
        # of this platform, so only the overridden facts' literals are asked (a present fact: presence holds).
        names = tuple(sorted(overrides))
        answers = tuple(
            presence or leaf.test(overrides[name]) for name in names for presence, leaf in by_name.get(name, ())
        )
        # The decision step reads some facts itself (the margin gap sets its confidence): those too.
        base = self.__dict__.setdefault("_declared_base", {})
        values = base.get(platform)
        if values is None:
            values = base[platform] = dict(declared_platform_facts(self.rulebook, platform))
        decided = decision_reading({**values, **overrides} if overrides else values, self.rulebook.policy)
        return (names, answers, decided)

    def lay_over(self, conclusions: Conclusions, overrides: Mapping[str, Mapping[str, Any]]) -> Conclusions:
        """``conclusions`` of a run as the same run on other platform facts gives them, when each platform's
        :meth:`platform_reading` is the same on both (``overrides``: the other run's, by platform).

        The same rules conclude and decide alike; what differs is the values: each platform's declared
        facts, the platform facts a conclusion matched, and the words of a caveat that quotes one of the
        facts overridden (worded again as :meth:`_Run._concluded_item` words it, platform facts over the
        seller's). Conclusions that change are new objects; the rest are shared.
        """
        declared: dict[str, dict[str, Any]] = {}
        concluded: dict[str, dict[str, Concluded]] = {}
        for platform in conclusions.declared:
            given = overrides.get(platform) or {}
            declared[platform], changed = self.lay_over_platform(conclusions, platform, given)
            items = conclusions.concluded.get(platform, {})
            concluded[platform] = {**items, **changed} if changed else items
        return Conclusions(conclusions.seller, conclusions.assumed, concluded, conclusions.decisions, declared)

    def lay_over_platform(
        self,
        conclusions: Conclusions,
        platform: str,
        given: Mapping[str, Any],
        rule_ids: Iterable[str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Concluded]]:
        """:meth:`lay_over` on one platform with its facts ``given``: the platform's declared facts, and the
        conclusions the values change (of :meth:`laid`, or of ``rule_ids`` only), by rule id; the others are
        ``conclusions``' own."""
        working = conclusions.declared[platform]
        if not given:
            return working, {}
        plain_given = {PLATFORM_PREFIX + name: plain(value) for name, value in given.items()}
        items = conclusions.concluded.get(platform, {})
        raw: dict[str, Any] | None = None
        out: dict[str, Concluded] = {}
        for rule_id in self.laid(conclusions, platform, tuple(given)) if rule_ids is None else rule_ids:
            item = items[rule_id]
            matched = tuple(
                (name, plain_given[PLATFORM_PREFIX + name]) if PLATFORM_PREFIX + name in plain_given else (name, value)
                for name, value in item.platform_facts
            )
            text = item.text
            if text is not None:
                rule = self._rule_by_id(rule_id)
                quotes = placeholders(rule.then.text or "")
                if not self._then_quotes[rule_id].isdisjoint(plain_given):
                    if raw is None:
                        raw = {PLATFORM_PREFIX + n: v for n, v in declared_platform_facts(self.rulebook, platform, given)}
                    seller = {**conclusions.seller, **{name: value for _rule, name, value in conclusions.assumed}}
                    context = {name: raw[name] if name in raw else seller.get(name) for name in quotes}
                    text = render(rule.then.text or "", context)
            if matched != item.platform_facts or text != item.text:
                out[rule_id] = Concluded(item.rule, item.assumed, matched, text)
        return {**working, **plain_given}, out

    def laid(self, conclusions: Conclusions, platform: str, given: tuple[str, ...]) -> tuple[str, ...]:
        """The rules whose conclusion on ``platform`` other values of the facts named ``given`` can change (it
        matched one of them, or it is a caveat whose text quotes one), worked out once per run and names: the
        products sharing a run lay their own values over the same few conclusions."""
        key = ("laid", platform, given)
        found: tuple[str, ...] | None = conclusions.kept.get(key)
        if found is None:
            names = frozenset(given)
            quoted = frozenset(PLATFORM_PREFIX + name for name in given)
            then_quotes = self._then_quotes
            found = conclusions.kept[key] = tuple(
                rule_id
                for rule_id, item in conclusions.concluded.get(platform, {}).items()
                if (item.text is not None and not quoted.isdisjoint(then_quotes[rule_id]))
                or not names.isdisjoint([name for name, _value in item.platform_facts])
            )
        return found

    def _rule_by_id(self, rule_id: str) -> Rule:
        by_id: dict[str, Rule] | None = self.__dict__.get("_rules_by_id")
        if by_id is None:
            by_id = self.__dict__["_rules_by_id"] = {rule.id: rule for rule in self.rules}
        return by_id[rule_id]

    def assume(
        self, profile_facts: Mapping[str, Any], rules: Iterable[Rule] | None = None
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The assumption phase alone: the known facts completed by the assumption rules, and the rules that fired.

        The order is the engine's (salience, then recency, then rule-book order), so chained
        assumptions resolve as in a consultation. Facts are taken in profile field order.

        :param rules: only these assumption rules (default: all of them).
        """
        wanted = None if rules is None else frozenset(rule.id for rule in rules)
        run = _Run(self, _in_profile_order(profile_facts), (), None, self.rulebook.policy.firing_limit, only=wanted, texts=False)
        run.execute()
        known = {name: fact[1] for name, fact in run.seller.items()}
        return known, tuple(self.rules[self._branches[index].rule_index].id for index, _, _, _ in run.log)

    def models(self, profile_facts: Mapping[str, Any], platforms: Sequence[str]) -> dict[str, str]:
        """The recommended model per platform for these facts (the interview's and why-not's question)."""
        decisions = self.decisions(profile_facts, platforms)
        return {platform: decisions[platform]["model"] for platform in platforms}


_NOT_REASONED = ("name", "platforms")


def fact_values(profile: SellerProfile) -> dict[str, Any]:
    """A profile's known fields as the facts the rules reason over, in profile field order."""
    return {name: value for name in _FIELD_ORDER if name not in _NOT_REASONED and (value := getattr(profile, name)) is not None}


def declared_platform_facts(
    rulebook: RuleBook, platform: str, overrides: Mapping[str, Any] | None = None
) -> tuple[tuple[str, Any], ...]:
    """The platform facts a consultation puts in working memory, in the order it declares them.

    Only what the rules can use: ``id`` and ``name``, every fact a condition or a text
    placeholder names, and ``emphasis`` (the decision's tie-break). Declaring the rest would
    only make the engine test every pattern against facts no rule reads.
    """
    spec = rulebook.platforms[platform]
    values = {name: fact.value for name, fact in spec.facts.items()}
    values.update(overrides or {})
    wanted = rulebook.platform_facts_read | set(overrides or {})
    return (
        ("id", platform),
        ("name", spec.name),
        *((name, values[name]) for name in sorted(values) if name in wanted),
    )


def _in_profile_order(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts in profile field order, the order a consultation declares them in (it decides fact ids)."""
    ordered = {name: facts[name] for name in _FIELD_ORDER if name in facts}
    ordered.update((k, v) for k, v in facts.items() if k not in ordered)
    return ordered


class _Layout:
    """The names :func:`declared_platform_facts` declares for one platform and one set of override names, laid out
    once: in order, with their offsets and their names in working memory (``platform.``-prefixed, interned)."""

    def __init__(self, rulebook: RuleBook, platform: str, overrides: Mapping[str, Any] | None) -> None:
        spec = rulebook.platforms[platform]
        # The declared names, with a stand-in for each value: the first two values are the platform's id and name.
        shown = declared_platform_facts(rulebook, platform, dict.fromkeys(overrides or ()))
        self.names = tuple(name for name, _ in shown)
        self.base = {name: fact.value for name, fact in spec.facts.items()}
        self.ids = (platform, spec.name)
        """The first two values (``id``, ``name``); the others are read from :attr:`base` or the overrides by name."""
        self.offset = {name: index for index, name in enumerate(self.names)}
        """Each name's place (the last, for a name declared twice): read-only, shared by the views."""
        self.prefixed = tuple(sys.intern(PLATFORM_PREFIX + name) for name in self.names)


_LAYOUTS_KEPT = 256


class _PlatformView:
    """One platform's facts, and for each rule branch its platform literals allow, what a firing binds.

    Whether a branch's platform literals hold depends only on the platform's facts, so it is
    settled here, once per rule book (or per set of overrides). So is what a firing matches:
    the platform's ``id`` fact (the anchor), the platform facts and the seller facts its
    positive literals name, listed in the engine's binding order.
    """

    def __init__(self, evaluator: Evaluator, platform: str, overrides: Mapping[str, Any] | None) -> None:
        spec = evaluator.rulebook.platforms[platform]
        self.platform = platform
        self.name = spec.name
        # declared_platform_facts(), from the names laid out once per platform and set of override names: a view
        # is built for nearly every new set of route facts (most sellers of a diverse batch bring one).
        layout = evaluator._layout(platform, overrides)
        given = overrides or {}
        base = layout.base
        values = [*layout.ids, *(given[name] if name in given else base[name] for name in layout.names[2:])]
        self.declared = tuple(zip(layout.names, values, strict=True))
        self.offset = layout.offset
        self.values = dict(self.declared)
        self.working = dict(zip(layout.prefixed, values, strict=True))
        self.emphasis = self.values.get("emphasis")
        self._records: dict[int, dict[str, PlatformRecord]] = {}
        self._records_json: dict[int, tuple[dict[str, PlatformRecord], dict[int, str]]] = {}
        self._hold = evaluator._hold
        # branch index -> (binding: ((kind, name), ...), platform offsets, seller names, confidence of platform facts)
        shared = evaluator._enabled(platform, self.declared, self.values)
        self.enabled = shared.enabled
        self.plain_working = {key: plain(value) for key, value in self.working.items()}
        # What follows depends only on what the branches bind and the platform values they test, so views
        # whose route facts differ only in words share it (a diverse population brings a thousand views).
        self._matched = shared.matched
        self.weighed = shared.weighed
        """What a firing through a branch weighs, by (branch index, assumed fields): immutable, so shared by runs."""
        self.concluded = shared.concluded
        """Conclusions by (branch index, assumed fields, the values a caveat quotes)."""
        self.fixed = shared.fixed
        """Conclusions through a branch that binds no seller fact and quotes none: the same for every seller."""
        self._programs = shared.programs
        self._evaluator = evaluator
        self._shared = shared
        self._constants: list[Concluded | None] | None = None
        self.local: dict[tuple[int, tuple[str, ...]], Concluded] = {}
        """Conclusions whose words quote only this view's facts, by (branch index, assumed fields): a
        shortcut past :attr:`concluded`'s key of quoted values, which on this view never change."""
        self.common = shared.local
        """The same for conclusions whose words quote nothing: shared by the views that share the bindings."""

    def program(self, conclude: bool) -> tuple[tuple[int, int, bool], ...]:
        """The rules :meth:`_Run.settle` settles on this platform, in rule-book order: (rule index, its one
        branch allowed here, or -1 for a rule of several branches; whether it weighs). Rules none of whose
        branches this platform's facts allow are left out: they never conclude here."""
        found = self._programs.get(conclude)
        if found is None:
            ev = self._evaluator
            steps = []
            for rule_index, indices in ev._conclude_rules if conclude else ev._weigh_rules:
                allowed = [index for index in indices if index in self.enabled]
                if not allowed:
                    continue
                weighs = ev.rules[rule_index].then.kind != "caveat"
                steps.append((rule_index, allowed[0] if len(indices) == 1 else -1, weighs))
            found = self._programs[conclude] = tuple(steps)
        return found

    def settler(self) -> tuple[Callable[..., None], list[Concluded | None], list[Concluded | None]]:
        """This view's generated program (:func:`_settler`, shared by the views that share its bindings), the
        conclusions it has built on this view so far (one slot per rule whose words quote this view's facts), and
        those it has built on every view sharing the bindings (one slot per other rule it folds in)."""
        shared = self._shared
        if shared.settler is None:
            program, slots, common = _settler(self._evaluator, shared, self.program(True))
            shared.settler, shared.constants = (program, slots), [None] * common
        program, slots = shared.settler
        if self._constants is None:
            self._constants = [None] * slots
        return program, self._constants, shared.constants

    def matched(self, index: int, binding: tuple[tuple[str, str], ...]) -> tuple[tuple[tuple[str, Any], ...], Any]:
        """The platform facts a firing of branch ``index`` matches, ``(name, value)`` JSON-ready, in binding
        order; and the same usable in a key."""
        found = self._matched.get(index)
        if found is None:
            facts = tuple((name, plain(self.values[name])) for kind, name in binding if kind == _PLATFORM)
            found = self._matched[index] = (facts, _typed(facts))
        return found

    def records(self, base: int) -> dict[str, PlatformRecord]:
        """The platform's facts as trace records by name, numbered from ``base`` (built once per base: records never change)."""
        found = self._records.get(base)
        if found is None:
            # A later market's run numbers from where the earlier ones stopped: a few bases per view are common.
            if len(self._records) >= 64:
                self._records.clear()
                self._records_json.clear()
            found = self._records[base] = {
                name: PlatformRecord(base + offset, self.platform, name, plain(value))
                for offset, (name, value) in enumerate(self.declared)
            }
            # Diverse sellers number their runs from many bases (the count of their own facts): a base's records,
            # and their JSON once asked for, weigh on the views' bound like the view's facts (a server and an
            # audit build them for every consultation, and they grew the kept views several times over).
            self._hold(2 * len(self.declared))
        return found


    def records_json(self, records: dict[str, PlatformRecord], base: int) -> dict[int, str]:
        """Each of ``records`` (what :meth:`records` gave for ``base``) as its compact JSON (:func:`record_json`), by
        ``id()``: written once while they are this view's records for ``base``."""
        found = self._records_json.get(base)
        if found is not None and found[0] is records:
            return found[1]
        texts = {id(record): record_json(record) for record in records.values()}
        if self._records.get(base) is records:
            self._records_json[base] = (records, texts)
        return texts


def _platform_json(held: list[tuple[_PlatformView, dict[str, PlatformRecord], int]]) -> list[dict[int, str]]:
    """The compact JSON of a run's platform records, per view (see :attr:`RunRecord.records_json`); ``held`` keeps
    the records themselves alive with their ids."""
    return [view.records_json(records, base) for view, records, base in held]


_Enabled = dict[int, tuple[tuple[tuple[str, str], ...], tuple[int, ...], tuple[str, ...], tuple[str | None, ...]]]
"""Per branch a platform's facts allow: (binding ((kind, name), ...), platform offsets, seller names, confidence)."""


class _Shared:
    """What views with the same bindings share: the bindings, and what runs on them conclude (immutable values)."""

    def __init__(self, enabled: _Enabled) -> None:
        self.enabled = enabled
        self.matched: dict[int, tuple[tuple[tuple[str, Any], ...], Any]] = {}
        self.weighed: dict[tuple[int, tuple[str, ...]], Weighed] = {}
        self.concluded: dict[Any, Concluded] = {}
        self.fixed: dict[int, Concluded] = {}
        self.programs: dict[bool, tuple[tuple[int, int, bool], ...]] = {}
        self.settler: tuple[Callable[..., None], int] | None = None
        """:func:`_settler`'s program for these bindings, and how many per-view slots it uses."""
        self.local: dict[tuple[int, tuple[str, ...]], Concluded] = {}
        self.constants: list[Concluded | None] = []
        """What the program concludes through the rules whose words quote no view's facts: the same on every view
        with these bindings (a diverse batch brings thousands of views, a few dozen bindings)."""


def _settler(
    evaluator: Evaluator, shared: _Shared, steps: tuple[tuple[int, int, bool], ...]
) -> tuple[Callable[..., None], int, int]:
    """A platform view's settling as straight-line Python: for each rule it can conclude (``steps``, in
    rule-book order), whether it matched, what it weighs and what it concludes, with the pieces built once.

    The program is ``settle(hits, several, v, assumed, constants, common, slow, conclude, weighed, items)``: ``hits``
    are :attr:`Evaluator._settle_matches`'s answers, ``several`` the branch each rule of several branches
    concludes through per view, ``assumed`` the fields the run's assumptions filled; it appends to
    ``weighed`` and fills ``items`` (rule id -> :class:`Concluded`) exactly as :meth:`_Run.settle` and
    :meth:`_Run.conclusions` do. A rule that matched concludes through a piece of its own view
    (``constants``, built by ``conclude`` the first time; ``common`` for a rule whose words quote no platform fact,
    the same piece on every view sharing these bindings) unless it matched an assumed field or its caveat
    quotes the seller: those, and rules of several branches, take ``slow`` (:meth:`_Run._settle_one`), the
    long way. The source holds only branch and rule positions as numbers; rule ids, field names and
    pieces are bound as names, and no rule text is ever compiled.
    """
    namespace: dict[str, Any] = {}
    lines = ["def settle(hits, several, v, assumed, constants, common, slow, conclude, weighed, items):"]
    slots = shared_slots = 0
    rules = evaluator.rules
    for rule_index, index, weighs in steps:
        if index < 0:
            lines += [
                f"    index = several[{rule_index}].get(v)",
                "    if index is not None:",
                f"        slow(v, {rule_index}, index, {weighs}, weighed, items)",
            ]
            continue
        lines.append(f"    if hits[{index}]:")
        quotes = evaluator._caveat_quotes.get(rule_index, ())
        if quotes and rule_index not in evaluator._quotes_platform_only:
            lines.append(f"        slow(v, {rule_index}, {index}, {weighs}, weighed, items)")
            continue
        entry = shared.enabled[index]
        pad = "        "
        guessed = frozenset(entry[2]) & evaluator._assumable
        if guessed:
            namespace[f"guessed{index}"] = guessed
            lines += [
                f"        if assumed and not guessed{index}.isdisjoint(assumed):",
                f"            slow(v, {rule_index}, {index}, {weighs}, weighed, items)",
                "        else:",
            ]
            pad = "            "
        rule = rules[rule_index]
        if weighs:
            found = shared.weighed.get((index, ()))
            if found is None:
                found = shared.weighed[(index, ())] = _weighed(rule, (), entry[3])
            namespace[f"weighs{index}"] = found
            lines.append(f"{pad}weighed.append(weighs{index})")
        namespace[f"rule{index}"] = rule.id
        # What concludes here reads the view only through the bindings' facts (shared), unless its words quote
        # the view's platform facts (a route fact's words differ from view to view).
        if quotes:
            where, slot = "constants", slots
            slots += 1
        else:
            where, slot = "common", shared_slots
            shared_slots += 1
        lines += [
            f"{pad}item = {where}[{slot}]",
            f"{pad}if item is None:",
            f"{pad}    item = {where}[{slot}] = conclude(v, {rule_index}, {index})",
            f"{pad}items[rule{index}] = item",
        ]
    lines.append("    return None")
    # Views of other bindings often settle through the same steps (the source is positions only): compiled once
    # per source, and each view's names bound by running the compiled definition in its own namespace.
    source = "\n".join(lines)
    code = _SETTLE_CODE.get(source)
    if code is None:
        code = compile(source, f"<settle {len(steps)} rules>", "exec")
        if len(_SETTLE_CODE) >= _SETTLE_CODE_KEPT:
            _SETTLE_CODE.clear()
        _SETTLE_CODE[source] = code
    exec(code, namespace)  # noqa: S102
    function: Callable[..., None] = namespace["settle"]
    return function, slots, shared_slots


_SETTLE_CODE: dict[str, Any] = {}
""":func:`_settler`'s compiled programs by their source: a catalogue's views bring a few dozen bindings and fewer
programs (p2000: 42 programs of 26 sources)."""
_SETTLE_CODE_KEPT = 64
"""The most programs kept compiled (a program of some 30 rules' steps compiles to tens of kilobytes; the views keep
their own programs whatever this keeps)."""
_VIEW_CELL_BYTES = 300
"""What a view holds per platform fact, per rule its program folds in, and per two facts for each numbering base a
trace's records were built from (measured with the conclusions and worded pieces the views keep alive)."""
_VIEW_CELLS = memory.allowance("platform views", _VIEW_CELL_BYTES)
"""What the platform views kept per evaluator may hold, counted in platform facts and the rules their programs
fold in, and two per platform fact for each numbering base a trace's records were built from. Views of a diverse
batch number thousands (a view per platform, market and set of route facts): 4,096 of them, kept by count, took
64 MB per worker."""
_BRANCH_BYTES = 256
"""What the bindings shared by views hold per branch, with what they conclude."""
_SHARED_BRANCHES = memory.allowance("shared bindings", _BRANCH_BYTES)
"""What the bindings shared by views may hold, counted in branches."""
_MISSING = object()


def _enabled_bindings(
    evaluator: Evaluator, platform: str, declared: tuple[tuple[str, Any], ...], values: Mapping[str, Any]
) -> _Enabled:
    """Which branches a platform's facts allow, and what a firing of each binds (see :class:`_PlatformView`)."""
    confidence = {name: fact.confidence for name, fact in evaluator.rulebook.platforms[platform].facts.items()}
    offset = {name: index for index, (name, _) in enumerate(declared)}
    enabled: _Enabled = {}
    for index, branch in enumerate(evaluator._branches):
        if evaluator.rules[branch.rule_index].then.kind == "assume":
            continue
        names = _platform_match(branch, values)
        if names is None:
            continue
        keyed = [("anchor", _PLATFORM, "id")]
        keyed += [(f"m{position}", _PLATFORM, name) for position, name in names]
        keyed += [(key, _SELLER, name) for key, name in branch.seller_bound]
        binding = _dedup((kind, name) for _, kind, name in sorted(keyed, key=lambda item: item[0]))
        enabled[index] = (
            binding,
            # Descending: with the base id added, the platform part of an activation's key.
            tuple(sorted((offset[name] for kind, name in binding if kind == _PLATFORM), reverse=True)),
            tuple(name for kind, name in binding if kind == _SELLER),
            tuple(confidence[name] for kind, name in binding if kind == _PLATFORM and name in confidence),
        )
    return enabled


def _dedup(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(items))


class _Run:
    """The agenda of one consultation: match, pick the top activation, fire, re-match what changed.

    It keeps only ids and small tuples while it runs; :meth:`materialise` turns the log into
    trace records when a caller wants them (a consultation), not when it only wants the
    decisions (why-not, the interview, coverage).
    """

    def __init__(
        self,
        evaluator: Evaluator,
        profile_facts: Mapping[str, Any],
        platforms: Sequence[str],
        overrides: Mapping[str, Mapping[str, Any]] | None,
        firing_limit: int,
        *,
        only: frozenset[str] | None = None,
        texts: bool = True,
        first_id: int = 1,
    ) -> None:
        self.ev = evaluator
        self.rules = evaluator.rules
        self.branches = evaluator._branches
        self.only = only
        self.texts = texts
        self.limit = firing_limit
        self.views = [evaluator._view(p, (overrides or {}).get(p)) for p in platforms]
        self.first_id = first_id
        next_id = first_id  # 0 is the engine's initial fact
        self.base: list[int] = []
        for view in self.views:
            self.base.append(next_id)
            next_id += len(view.declared)
        # name -> [id, value, assumed]
        self.seller: dict[str, tuple[int, Any, bool]] = {}
        for name, value in profile_facts.items():
            self.seller[name] = (next_id, value, False)
            next_id += 1
        self.given = tuple(profile_facts)
        self.next_id = next_id
        self.concluded: set[tuple[int, int]] = set()  # (rule index, view index) that fired
        self.weighed: list[list[tuple[int, Weighed]]] = [[] for _ in self.views]
        # (branch index, view index or -1, asserted id, payload): payload is a caveat's text or an assumed value
        self.log: list[tuple[int, int, int, Any]] = []
        self.decisions: dict[int, tuple[int, dict[str, int], list[str], Decision, float]] = {}
        self.order: list[tuple[int, int]] = []  # (kind 0 rule / 1 decide, index into log or view index)
        self.fired: list[dict[int, int]] | None = None  # per view, rule index -> the branch that concluded (settle)
        # What settled() notes for the trace (see records_of_settled): the first id after the assumptions, and
        # the branch each rule of several branches concluded through on each view.
        self.concluding_from = next_id
        self.several: dict[int, dict[int, int]] = {}

    # Matching --------------------------------------------------------------------

    def _matches(self, branch: _Branch) -> bool:
        return branch.match(self.seller)

    def _activations(self, indices: Iterable[int]) -> list[tuple[Any, int, int]]:
        found: list[tuple[Any, int, int]] = []
        rules = self.rules
        seller = self.seller
        for index in indices:
            branch = self.branches[index]
            rule = rules[branch.rule_index]
            if self.only is not None and rule.id not in self.only:
                continue
            if rule.then.kind == "assume":
                if rule.then.fact in seller or not self._matches(branch):
                    continue
                # The engine's initial fact (id 0) is part of every assumption's activation.
                newest = sorted({0, *(seller[name][0] for name in branch.assume_bound)}, reverse=True)
                found.append(((rule.salience, newest, -branch.order), index, -1))
                continue
            matched: bool | None = None
            for v, view in enumerate(self.views):
                entry = view.enabled.get(index)
                if entry is None or (branch.rule_index, v) in self.concluded:
                    continue
                if matched is None:
                    matched = self._matches(branch)
                if not matched:
                    break
                found.append(((rule.salience, _recent_ids(seller, entry, self.base[v]), -branch.order), index, v))
        return found

    def execute(self) -> _Run:
        agenda = self._activations(range(len(self.branches)))
        for v in range(len(self.views)):
            agenda.append(((DECIDE_SALIENCE, [self.base[v]], -DECIDE_ORDER), -1, v))
        agenda.sort(key=_first)
        fired = 0
        rules = self.rules
        while agenda:
            _, index, v = agenda.pop()
            if index < 0:
                self._count(fired)  # decide is a firing like any other: Experta counts it against the cap too
                self._decide(v)
                fired += 1
                continue
            branch = self.branches[index]
            rule = rules[branch.rule_index]
            if v >= 0 and (branch.rule_index, v) in self.concluded:
                # Another branch of the rule already concluded for this platform (the engine's guard pattern).
                continue
            self._count(fired)
            fired += 1
            then = rule.then
            if then.kind == "assume":
                agenda = self._assume(index, agenda)
                continue
            new_id = self.next_id
            self.next_id += 1
            self.order.append((0, len(self.log)))
            self.concluded.add((branch.rule_index, v))
            view = self.views[v]
            payload = None
            if then.kind == "caveat":
                if self.texts:
                    working = {name: fact[1] for name, fact in self.seller.items()}
                    working.update(view.working)
                    payload = render(then.text or "", working)
            else:
                self.weighed[v].append((new_id, self._weighed(rule, v, index)))
            self.log.append((index, v, new_id, payload))
        return self

    def _assume_all(self) -> None:
        """Run the assumptions on the agenda (they may chain), counting each firing against the cap."""
        agenda = self._activations(self.ev._assume_indices)
        agenda.sort(key=_first)
        fired = 0
        while agenda:
            _, index, _ = agenda.pop()
            self._count(fired)
            fired += 1
            agenda = self._assume(index, agenda, within=self.ev._assume_set)

    def _first_of_several(self, rules: Iterable[tuple[int, Sequence[int]]]) -> dict[int, dict[int, int]]:
        """For each rule of several branches, the branch that fires first on each platform: the activation
        with the highest key, as the engine's agenda would pick it (rule index -> platform view -> branch)."""
        several: dict[int, dict[int, int]] = {}
        if self.only is not None or self.concluded:
            for rule_index, indices in rules:
                best: dict[int, tuple[Any, int]] = {}
                for key, index, v in self._activations(indices):
                    if v not in best or key > best[v][0]:
                        best[v] = (key, index)
                several[rule_index] = {v: index for v, (_, index) in best.items()}
            return several
        # Settling (no rule concluded yet, every rule in play): _activations' keys without what they share. The
        # branches of one rule share its salience, so the rest of the key decides: the ids the activation holds,
        # most recent first (_recent_ids), then the earlier branch; the same order of branches and views.
        seller, views, base, branches = self.seller, self.views, self.base, self.branches
        for rule_index, indices in rules:
            chosen: dict[int, tuple[Any, int]] = {}
            for index in indices:
                branch = branches[index]
                matched: bool | None = None
                for v, view in enumerate(views):
                    entry = view.enabled.get(index)
                    if entry is None:
                        continue
                    if matched is None:
                        matched = branch.match(seller)
                    if not matched:
                        break
                    key = (_recent_ids(seller, entry, base[v]), -branch.order)
                    held = chosen.get(v)
                    if held is None or key > held[0]:
                        chosen[v] = (key, index)
            several[rule_index] = {v: index for v, (_, index) in chosen.items()}
        return several

    def settle(self, *, conclude: bool = False) -> _Run:
        """Decisions only, when every assumption out-ranks every other rule (the shipped rule book's shape).

        The assumptions run on the agenda (they may chain); then each weighing rule concludes once
        per platform where it matches the final facts, through the branch the engine would fire
        first (the highest activation key). Caveats are skipped: a decision does not read them.
        Agrees with :meth:`execute` on every decision; the tests hold it to that.

        :param conclude: settle the caveats too, and note which branch of each rule concluded on
            each platform (for :meth:`conclusions`): the same argument holds for them, since a
            caveat changes no seller fact.
        """
        self._assume_all()
        rules = self.rules
        views = self.views
        settled = self.ev._conclude_rules if conclude else self.ev._weigh_rules
        # A rule of several branches fires first through the activation with the highest key on each platform.
        several = self._first_of_several(item for item in settled if len(item[1]) > 1)
        # A rule of one branch concludes on each platform that allows the branch, when the seller's facts match
        # it: every such branch is matched at once, on the facts as the assumptions left them.
        hits = self.ev._settle_matches(self.seller)
        given = self._given_fields()
        by_view: list[dict[int, int]] = []
        for v, view in enumerate(views):
            weighed = self.weighed[v]
            here: dict[int, int] = {}
            for rule_index, index, weighs in [step for step in view.program(conclude) if step[1] < 0 or hits[step[1]]]:
                if index < 0:
                    found = several[rule_index].get(v)
                    if found is None:
                        continue
                    index = found
                if weighs:
                    weighed.append((0, self._weighed(rules[rule_index], v, index)))
                here[rule_index] = index
            by_view.append(here)
            self._decide(v, given)
        self.fired = by_view
        return self

    def conclusions(self) -> Conclusions:
        """The conclusions of a run settled with ``conclude=True``, without trace records."""
        assert self.fired is not None
        concluded: dict[str, dict[str, Concluded]] = {}
        declared: dict[str, dict[str, Any]] = {}
        for v, view in enumerate(self.views):
            items: dict[str, Concluded] = {}
            for rule_index, index in self.fired[v].items():
                item = self._concluded_item(v, rule_index, index)
                items[item.rule] = item
            concluded[view.platform] = items
            declared[view.platform] = view.plain_working
        return self._conclusions(concluded, declared)

    def _conclusions(self, concluded: dict[str, dict[str, Concluded]], declared: dict[str, dict[str, Any]]) -> Conclusions:
        """The run's :class:`Conclusions`, given what concluded on each platform and each platform's facts."""
        seller = self.seller
        rules = self.rules
        branches = self.branches
        assumed = [
            (rules[branches[index].rule_index].id, rules[branches[index].rule_index].then.fact or "", plain(payload))
            for index, v, _, payload in self.log
            if v < 0
        ]
        decisions = self.decision_records()
        return Conclusions({name: plain(seller[name][1]) for name in self.given}, assumed, concluded, decisions, declared)

    def _concluded_item(self, v: int, rule_index: int, index: int) -> Concluded:
        """What a rule concluded through branch ``index`` on view ``v``, on the run's final facts: shared with
        every run that gives it the same assumed facts and quoted values (immutable)."""
        view = self.views[v]
        fixed = view.fixed
        item = fixed.get(index)
        if item is not None:  # a conclusion that reads nothing of the seller's
            return item
        seller = self.seller
        rule = self.rules[rule_index]
        entry = view.enabled[index]
        quotes = self.ev._caveat_quotes.get(rule_index, ())
        if not entry[2] and not quotes:
            matched, facts_key = view.matched(index, entry[0])
            text = render(rule.then.text or "", {}) if rule.then.kind == "caveat" else None
            item = fixed[index] = Concluded(rule.id, (), matched, text, (rule.id, (), facts_key, text))
            return item
        assumed_names = tuple(name for name in entry[2] if seller[name][2]) if entry[2] else ()
        # Words that quote nothing conclude the same on every view sharing the bindings: filed there.
        local = view.local if quotes else view.common
        by_view = rule_index in self.ev._quotes_platform_only or not quotes
        if by_view:
            item = local.get((index, assumed_names))
            if item is not None:  # this view's words for this branch and these assumed facts
                return item
        # The facts a caveat quotes, as render() would find them: the platform's over the seller's.
        working = view.working
        quoted = tuple(
            working[name] if name in working else seller[name][1] if name in seller else None for name in quotes
        )
        try:
            key: Any = (index, assumed_names, tuple((type(value), hashable(value)) for value in quoted))
            item = view.concluded.get(key)
        except TypeError:  # a value no key can hold: concluded for this run alone
            key, item = None, None
        if item is None:
            text = None
            if rule.then.kind == "caveat":
                text = render(rule.then.text or "", dict(zip(quotes, quoted, strict=True)))
            matched, facts_key = view.matched(index, entry[0])
            item = Concluded(rule.id, assumed_names, matched, text, (rule.id, assumed_names, facts_key, text))
            if key is not None:
                if len(view.concluded) >= 4096:
                    view.concluded.clear()
                view.concluded[key] = item
        if by_view:
            local[(index, assumed_names)] = item  # at most one per branch and set of assumed facts
        return item

    def settled(self) -> Conclusions:
        """``settle(conclude=True).conclusions()`` in one pass: each platform view runs its generated program
        (:func:`_settler`), which weighs and concludes every rule that matched with pieces built once per view.

        Only when the rule book settles (see :meth:`settle`): the assumptions run on the agenda first.
        """
        self._assume_all()
        self.concluding_from = self.next_id
        rules = self.rules
        # A rule of several branches concludes on each platform through its activation with the highest key.
        several = self.several = self._first_of_several(self.ev._several)
        hits = self.ev._settle_matches(self.seller)
        given = self._given_fields()
        completeness = len(set(given) & _CORE_SET) / len(CORE_FIELDS)
        # The fields the assumptions filled: a conclusion that matched one of them is not the view's shared piece.
        assumed = frozenset(rules[self.branches[index].rule_index].then.fact for index, v, _, _ in self.log if v < 0)
        concluded: dict[str, dict[str, Concluded]] = {}
        declared: dict[str, dict[str, Any]] = {}
        slow, conclude = self._settle_one, self._concluded_item
        for v, view in enumerate(self.views):
            program, constants, common = view.settler()
            weighed: list[Weighed] = []
            items: dict[str, Concluded] = {}
            program(hits, several, v, assumed, constants, common, slow, conclude, weighed, items)
            self._decide_weighed(v, weighed, completeness)
            concluded[view.platform] = items
            declared[view.platform] = view.plain_working
        return self._conclusions(concluded, declared)

    def _settle_one(
        self, v: int, rule_index: int, index: int, weighs: bool, weighed: list[Weighed], items: dict[str, Concluded]
    ) -> None:
        """A rule concluding through branch ``index`` on view ``v`` the long way (what :func:`_settler`'s program
        does not fold in: a rule of several branches, an assumed fact matched, a caveat quoting the seller)."""
        if weighs:
            weighed.append(self._weighed(self.rules[rule_index], v, index))
        item = self._concluded_item(v, rule_index, index)
        items[item.rule] = item

    def _decide_weighed(self, v: int, weighed: list[Weighed], completeness: float) -> None:
        """:meth:`_decide` on view ``v`` with its weighed conclusions and the run's completeness given."""
        view = self.views[v]
        scores, excluded, decision = decide_weighed(
            self.ev.rulebook, weighed, emphasis=view.emphasis, completeness=completeness, facts=view.values
        )
        new_id = self.next_id
        self.next_id += 1
        self.decisions[v] = (new_id, scores, excluded, decision, completeness)
        self.order.append((1, v))

    def _count(self, fired: int) -> None:
        """Refuse one firing more than the limit allows (a rule loop, or a limit set too low)."""
        if fired >= self.limit:
            raise FiringLimitError(self.limit, [self._rule_of(entry) for entry in self.order[-5:]])

    def _assume(
        self, index: int, agenda: list[tuple[Any, int, int]], within: frozenset[int] | None = None
    ) -> list[tuple[Any, int, int]]:
        """Fire an assumption, then re-match what the new fact can change: the agenda that follows.

        The stale activations of every branch that reads the field (or sets it) are dropped and
        their new ones added; ``within`` limits that to some branches (the assumptions alone).
        """
        then = self.rules[self.branches[index].rule_index].then
        name = then.fact or ""
        value = tuple(then.value) if isinstance(then.value, list) else then.value
        new_id = self.next_id
        self.next_id += 1
        self.order.append((0, len(self.log)))
        self.seller[name] = (new_id, value, True)
        self.log.append((index, -1, new_id, value))
        touched = self.ev._touched.get(name, ())
        if within is not None:
            touched = tuple(i for i in touched if i in within)
        if not touched:
            return agenda
        stale = set(touched)
        agenda = [item for item in agenda if item[1] not in stale]
        agenda.extend(self._activations(touched))
        agenda.sort(key=_first)
        return agenda

    def _weighed(self, rule: Rule, v: int, index: int) -> Weighed:
        """What a weighing rule's firing through branch ``index`` on platform ``v`` rests on."""
        view = self.views[v]
        entry = view.enabled[index]
        seller = self.seller
        assumed = tuple(name for name in entry[2] if seller[name][2]) if entry[2] else ()
        key = (index, assumed)
        found = view.weighed.get(key)
        if found is None:
            found = view.weighed[key] = _weighed(rule, assumed, entry[3])
        return found

    def _rule_of(self, entry: tuple[int, int]) -> str:
        kind, position = entry
        if kind == 1:
            return DECIDE_RULE
        return self.rules[self.branches[self.log[position][0]].rule_index].id

    def _given_fields(self) -> list[str]:
        """The seller facts given rather than assumed (what the decision's completeness counts)."""
        return [name for name, fact in self.seller.items() if not fact[2]]

    def _decide(self, v: int, given: list[str] | None = None) -> None:
        """The decision step on view ``v`` (``given``: :meth:`_given_fields`, when the caller has it: settle
        decides every view on the same final facts)."""
        view = self.views[v]
        if given is None:
            given = self._given_fields()
        scores, excluded, decision, completeness = decide_platform(
            self.ev.rulebook, [w for _, w in self.weighed[v]], emphasis=view.emphasis, given_fields=given, facts=view.values
        )
        new_id = self.next_id
        self.next_id += 1
        self.decisions[v] = (new_id, scores, excluded, decision, completeness)
        self.order.append((1, v))

    # Results ---------------------------------------------------------------------

    def decision_values(self) -> dict[str, dict[str, Any]]:
        """Each platform's decision as its trace record's JSON form, without the fact ``id``."""
        out: dict[str, dict[str, Any]] = {}
        for v, (_, scores, excluded, decision, completeness) in self.decisions.items():
            platform = self.views[v].platform
            out[platform] = {
                "kind": "decision",
                "platform": platform,
                "model": decision.model,
                "confidence": decision.confidence,
                "scores": dict(scores),
                "excluded": list(excluded),
                "basis": decision.basis,
                "completeness": round(completeness, 3),
            }
        return out

    def decision_records(self) -> dict[str, DecisionRecord]:
        """Each platform's decision as its trace record."""
        views = self.views
        return {views[v].platform: _decision_record(views[v].platform, decided, 0) for v, decided in self.decisions.items()}

    def materialise(self, first_seq: int = 1, market: str | None = None, first_id: int | None = None) -> RunRecord:
        """The run as trace records: starting facts, every firing in order, decisions, and what each conclusion rested on.

        :param first_seq: the first firing's number; ``market``: the market every firing names; ``first_id``: the
            first fact's id, when it is not the one the run was made with (every id moves by the same amount).
        """
        shift = 0 if first_id is None else first_id - self.first_id
        record = self._records(self.log, self.order, self.decisions, self.weighed, first_seq, market, shift)
        record.top = self.next_id - 1 + shift
        return record

    def records_of_settled(
        self,
        concluded: Mapping[str, Mapping[str, Concluded]],
        first_seq: int = 1,
        market: str | None = None,
        first_id: int | None = None,
    ) -> RunRecord:
        """:meth:`materialise` of the run :meth:`execute` would make, from a run :meth:`settled` gave ``concluded``
        for: the same records, without running the rules again.

        After the assumptions (which out-rank every other rule, or the run would not have settled) no seller
        fact changes, so the agenda holds exactly one activation per rule that concluded on a view (through
        the branch settled chose) and one decision per view; they fire in the order of their keys, which
        :func:`_recent_ids` computes as :meth:`_activations` does. Each firing takes the next fact id, a caveat
        the text its conclusion holds (rendered on the same final facts), and each view's decision is the one
        settled made on the same conclusions (weighed in rule-book order there, in firing order by
        :meth:`execute`: the decision step does not depend on that order).
        """
        ev = self.ev
        positions = ev._conclude_positions
        seller = self.seller
        agenda: list[tuple[Any, int, int]] = []
        for v, view in enumerate(self.views):
            base = self.base[v]
            for rule_id in concluded[view.platform]:
                rule_index, indices = positions[rule_id]
                index = indices[0] if len(indices) == 1 else self.several[rule_index][v]
                ids = _recent_ids(seller, view.enabled[index], base)
                agenda.append(((self.rules[rule_index].salience, ids, -self.branches[index].order), index, v))
            agenda.append(((DECIDE_SALIENCE, [base], -DECIDE_ORDER), -1, v))
        agenda.sort(key=_first, reverse=True)
        log = [entry for entry in self.log if entry[1] < 0]  # the assumptions: all that settling logs
        order = [entry for entry in self.order if entry[0] == 0]
        weighed: list[list[tuple[int, Weighed]]] = [[] for _ in self.views]
        decisions: dict[int, tuple[int, dict[str, int], list[str], Decision, float]] = {}
        settled = self.decisions
        next_id = self.concluding_from
        for _, index, v in agenda:
            view = self.views[v]
            if index < 0:
                # The decision settled() made on the same conclusions, with the id its firing takes here: the
                # decision step does not depend on the order of what it weighs (decide's contract, tested).
                decisions[v] = (next_id, *settled[v][1:])
                order.append((1, v))
                next_id += 1
                continue
            rule = self.rules[self.branches[index].rule_index]
            payload = None
            if rule.then.kind == "caveat":
                payload = concluded[view.platform][rule.id].text
            else:
                weighed[v].append((next_id, self._weighed(rule, v, index)))
            order.append((0, len(log)))
            log.append((index, v, next_id, payload))
            next_id += 1
        shift = 0 if first_id is None else first_id - self.first_id
        record = self._records(log, order, decisions, weighed, first_seq, market, shift)
        record.top = next_id - 1 + shift
        return record

    def _records(
        self,
        log: Sequence[tuple[int, int, int, Any]],
        order: Sequence[tuple[int, int]],
        decided: Mapping[int, tuple[int, dict[str, int], list[str], Decision, float]],
        weighed_by_view: Sequence[Sequence[tuple[int, Weighed]]],
        first_seq: int,
        market: str | None,
        shift: int,
    ) -> RunRecord:
        """The trace records of a run's ``log`` fired in ``order`` (see :meth:`materialise`), every fact id moved by ``shift``."""
        record = RunRecord()
        platform_records: list[dict[str, PlatformRecord]] = []
        held = []
        for v, view in enumerate(self.views):
            by_name = view.records(self.base[v] + shift)
            record.facts.extend(by_name.values())
            platform_records.append(by_name)
            held.append((view, by_name, self.base[v] + shift))
        record.records_json = functools.partial(_platform_json, held)
        seller_records: dict[str, SellerRecord] = {}
        for name in self.given:
            fact_id, value, _ = self.seller[name]  # a given fact is never replaced: assumptions fill only unknown fields
            rec = SellerRecord(fact_id + shift, name, plain(value), False)
            record.facts.append(rec)
            seller_records[name] = rec
        decisions = {self.views[v].platform: _decision_record(self.views[v].platform, item, shift) for v, item in decided.items()}
        for items in weighed_by_view:
            for fact_id, weighed in items:
                record.weighed[fact_id + shift] = weighed
        conclusions: list[list[ConclusionRecord]] = [[] for _ in self.views]
        firings = record.firings
        matched: tuple[FactRecord, ...]
        asserted: FactRecord
        for kind, position in order:
            if kind == 1:
                view = self.views[position]
                decision = decisions[view.platform]
                firings.append(
                    Firing(
                        len(firings) + first_seq,
                        DECIDE_RULE,
                        view.platform,
                        DECIDE_SALIENCE,
                        (platform_records[position]["id"], *conclusions[position]),
                        (decision,),
                        market=market,
                    )
                )
                record.decisions[view.platform] = decision
                continue
            index, v, new_id, payload = log[position]
            new_id += shift
            branch = self.branches[index]
            rule = self.rules[branch.rule_index]
            then = rule.then
            if v < 0:
                matched = tuple(seller_records[name] for name in branch.assume_bound)
                name = then.fact or ""
                assumed = SellerRecord(new_id, name, plain(payload), True)
                seller_records[name] = assumed
                asserted = assumed
                platform = None
            else:
                view = self.views[v]
                platform = view.platform
                facts = platform_records[v]
                matched = tuple(
                    [facts[name] if kind_ == _PLATFORM else seller_records[name] for kind_, name in view.enabled[index][0]]
                )
                conclusion: ConclusionRecord
                if then.kind == "evidence":
                    conclusion = EvidenceRecord(new_id, rule.id, platform, then.model or "", then.weight or 0)
                    conclusions[v].append(conclusion)
                elif then.kind == "exclude":
                    conclusion = ExclusionRecord(new_id, rule.id, platform, then.model or "")
                    conclusions[v].append(conclusion)
                else:
                    conclusion = CaveatRecord(new_id, rule.id, platform, payload)
                asserted = conclusion
            seq = len(firings) + first_seq
            firings.append(Firing(seq, rule.id, platform, rule.salience, matched, (asserted,), (), branch.absent, market))
        return record


def _decision_record(
    platform: str, decided: tuple[int, dict[str, int], list[str], Decision, float], shift: int
) -> DecisionRecord:
    """A platform's decision as its trace record (its fact id moved by ``shift``)."""
    new_id, scores, excluded, decision, completeness = decided
    return DecisionRecord(
        new_id + shift,
        platform,
        decision.model,
        decision.confidence,
        dict(scores),
        list(excluded),
        decision.basis,
        round(completeness, 3),
    )


def _recent_ids(seller: Mapping[str, tuple[int, Any, bool]], entry: Any, base: int) -> list[int]:
    """The fact ids an activation through a branch binding ``entry`` (see :class:`_PlatformView`) holds, most recent
    first: Experta's tie-break among activations of one salience, on a view whose first fact is ``base``.

    Every seller fact is declared after every platform fact, so the most recent ids are the seller facts',
    then the platform facts' in reverse.
    """
    names = entry[2]
    if not names:
        return [base + offset for offset in entry[1]]
    if len(names) == 1:
        return [seller[names[0]][0], *[base + offset for offset in entry[1]]]
    ids = sorted((seller[name][0] for name in names), reverse=True)
    ids.extend(base + offset for offset in entry[1])
    return ids


def _typed(facts: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, type, Any], ...]:
    """Facts usable in a key that tells True from 1 and a list from a tuple (as a rendered text does)."""
    return tuple((name, type(value), hashable(value)) for name, value in facts)


def hashable(value: Any) -> Any:
    """A fact value usable in a key: lists (at any depth) become tuples."""
    return tuple(hashable(v) for v in value) if isinstance(value, (list, tuple)) else value


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]
