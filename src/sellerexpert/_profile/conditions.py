"""The declarative condition model: what a rule's ``when`` says, as data.

Experta compiles conditions into opaque closures. We keep this model beside
the compiled rules because explanations, why-not answers, counterfactuals,
lint and the interview all need to read a condition, not just run it.

A condition is a tree of :class:`AllOf`, :class:`AnyOf`, :class:`NotOf` and
:class:`Leaf` nodes. A leaf compares one fact (a profile field such as
``operational_capacity`` or a platform fact such as ``platform.emphasis``)
with a value. Every operator except ``absent`` and ``present`` is false when
the fact is unknown. A leaf marked ``given`` sees only values the seller gave:
a value an assumption rule filled in counts as unknown to it (eligibility
gates use this, so that nobody is ruled out on a guess).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._i18n import N_, _, current, shown
from .._i18n import named as _named

PLATFORM_PREFIX = "platform."


def _safe(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    # Experta's alpha network runs each value test on every fact of the class,
    # whatever its field, so a test must answer False rather than raise.
    def run(actual: Any, expected: Any) -> bool:
        try:
            return bool(test(actual, expected))
        except TypeError:
            return False

    return run


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_TESTS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: type(a) is type(b) and a == b,
    "ne": lambda a, b: type(a) is type(b) and a != b,
    "in": lambda a, b: not isinstance(a, (list, tuple)) and a in b,
    "not_in": lambda a, b: not isinstance(a, (list, tuple)) and a not in b,
    "lt": lambda a, b: _number(a) and a < b,
    "le": lambda a, b: _number(a) and a <= b,
    "gt": lambda a, b: _number(a) and a > b,
    "ge": lambda a, b: _number(a) and a >= b,
    "contains": lambda a, b: isinstance(a, (list, tuple)) and b in a,
    "intersects": lambda a, b: isinstance(a, (list, tuple)) and any(item in a for item in b),
}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {op: _safe(test) for op, test in _TESTS.items()}


def value_test(op: str, expected: Any) -> Callable[[Any], bool]:
    """``OPERATORS[op](actual, expected)`` as a function of ``actual`` alone, with fewer calls per test (the
    compiled evaluator runs these thousands of times a second). Not for ``absent``/``present``."""
    test = _TESTS[op]

    def run(actual: Any) -> bool:
        try:
            return bool(test(actual, expected))
        except TypeError:
            return False

    return run
PRESENCE_OPERATORS = ("absent", "present")

_OP_WORDS = {
    "eq": N_("{subject} is {value}"),
    "ne": N_("{subject} is not {value}"),
    "in": N_("{subject} is one of {value}"),
    "not_in": N_("{subject} is none of {value}"),
    "lt": N_("{subject} is below {value}"),
    "le": N_("{subject} is at most {value}"),
    "gt": N_("{subject} is above {value}"),
    "ge": N_("{subject} is at least {value}"),
    "contains": N_("{subject} includes {value}"),
    "intersects": N_("{subject} includes any of {value}"),
    "absent": N_("{subject} is unknown"),
    "present": N_("{subject} is known"),
}


@dataclass(frozen=True)
class Leaf:
    """``fact op value``: one comparison of one fact."""

    fact: str
    op: str
    value: Any = None
    given: bool = False

    @property
    def on_platform(self) -> bool:
        """Whether the fact is a platform fact (``platform.<name>``) rather than a profile field."""
        return self.fact.startswith(PLATFORM_PREFIX)

    @property
    def name(self) -> str:
        """The fact's name without the ``platform.`` prefix."""
        return self.fact[len(PLATFORM_PREFIX) :] if self.on_platform else self.fact

    def test(self, value: Any) -> bool:
        """Whether a known value satisfies this leaf (not for ``absent``/``present``)."""
        return OPERATORS[self.op](value, self.value)


@dataclass(frozen=True)
class AllOf:
    """True when every item is."""

    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    """True when at least one item is."""

    items: tuple[Condition, ...]


@dataclass(frozen=True)
class NotOf:
    """True when its item is false."""

    item: Condition


Condition = Leaf | AllOf | AnyOf | NotOf
Facts = Mapping[str, Any]
"""Known facts by name: profile fields bare, platform facts as ``platform.<name>``; unknown ones left out."""

_NONE: frozenset[str] = frozenset()


def evaluate(condition: Condition, facts: Facts, assumed: frozenset[str] | set[str] = _NONE) -> bool:
    """Evaluate a condition over known facts, once (no assumptions, no salience).

    This is the meaning of one condition against one set of facts; what a
    whole rule book concludes (assumptions in salience order, evidence,
    exclusions, the decision) is :mod:`sellerexpert._engine.evaluator`'s.

    :param assumed: the names among ``facts`` that an assumption filled in
        (``given`` leaves treat them as unknown).
    """
    if isinstance(condition, Leaf):
        known = condition.fact in facts and not (condition.given and condition.fact in assumed)
        if condition.op == "absent":
            return not known
        if condition.op == "present":
            return known
        return known and condition.test(facts[condition.fact])
    if isinstance(condition, AllOf):
        return all(evaluate(item, facts, assumed) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(evaluate(item, facts, assumed) for item in condition.items)
    return not evaluate(condition.item, facts, assumed)


def evaluate3(
    condition: Condition, facts: Facts, open_facts: frozenset[str] | set[str], assumed: frozenset[str] | set[str] = _NONE
) -> bool | None:
    """Three-valued evaluation: ``None`` when the answer depends on a fact still open.

    A fact in ``open_facts`` is one that has not been asked yet: it may become
    known (any value) or stay unknown.
    """
    if isinstance(condition, Leaf):
        if condition.fact in open_facts:
            return None
        return evaluate(condition, facts, assumed)
    if isinstance(condition, NotOf):
        inner = evaluate3(condition.item, facts, open_facts, assumed)
        return None if inner is None else not inner
    results = [evaluate3(item, facts, open_facts, assumed) for item in condition.items]
    if isinstance(condition, AllOf):
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else None


def leaves(condition: Condition) -> Iterator[Leaf]:
    """Every leaf of a condition, left to right."""
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, NotOf):
        yield from leaves(condition.item)
    else:
        for item in condition.items:
            yield from leaves(item)


def facts_used(condition: Condition) -> tuple[str, ...]:
    """The fact names a condition reads, each once, in order of appearance."""
    return tuple(dict.fromkeys(leaf.fact for leaf in leaves(condition)))


Literal_ = tuple[Leaf, bool]
"""A leaf and whether it must hold (``True``) or must not hold (``False``)."""


def dnf(condition: Condition) -> list[list[Literal_]]:
    """The condition as a disjunction of conjunctions of (possibly negated) leaves."""
    return _dnf(condition, True)


def dnf_size(condition: Condition) -> int:
    """How many conjunctions :func:`dnf` would return, computed without expanding them.

    An ``all`` of k two-way ``any`` lists has 2**k; the loader refuses a rule
    whose count is too large before anything expands it.
    """
    return _dnf_size(condition, True)


def magnitude(number: int) -> int:
    """The power of ten below a positive ``number`` (``len(str(number)) - 1``), for numbers of any length.

    Python refuses to turn an integer of more than 4,300 digits into text, and a condition's
    count of alternatives (:func:`dnf_size`) can be far longer.
    """
    if number.bit_length() < 14_000:  # under about 4,200 digits: exact
        return len(str(number)) - 1
    estimate = int((number.bit_length() - 1) * math.log10(2))
    # The estimate from the bit length is at most one too small.
    return estimate + 1 if number >= 10 ** (estimate + 1) else estimate


def _dnf_size(condition: Condition, positive: bool) -> int:
    if isinstance(condition, Leaf):
        return 1
    if isinstance(condition, NotOf):
        return _dnf_size(condition.item, not positive)
    sizes = [_dnf_size(item, positive) for item in condition.items]
    if isinstance(condition, AllOf) == positive:  # conjunctive (De Morgan): alternatives multiply
        total = 1
        for size in sizes:
            total *= size
        return total
    return sum(sizes)


def _dnf(condition: Condition, positive: bool) -> list[list[Literal_]]:
    if isinstance(condition, Leaf):
        return [[(condition, positive)]]
    if isinstance(condition, NotOf):
        return _dnf(condition.item, not positive)
    conjunctive = isinstance(condition, AllOf) == positive  # De Morgan
    parts = [_dnf(item, positive) for item in condition.items]
    if not conjunctive:
        return [conj for part in parts for conj in part]
    result: list[list[Literal_]] = [[]]
    for part in parts:
        result = [left + right for left in result for right in part]
    return result


def to_data(condition: Condition) -> dict[str, Any]:
    """The condition as plain data, in the shape rule files use."""
    if isinstance(condition, Leaf):
        data: dict[str, Any] = {"fact": condition.fact, "op": condition.op}
        if condition.op not in PRESENCE_OPERATORS:
            data["value"] = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        if condition.given:
            data["given"] = True
        return data
    if isinstance(condition, NotOf):
        return {"not": to_data(condition.item)}
    key = "all" if isinstance(condition, AllOf) else "any"
    return {key: [to_data(item) for item in condition.items]}


def describe(condition: Condition) -> str:
    """The condition in plain words, e.g. ``operational capacity is low and local warehouse is no``."""
    if isinstance(condition, Leaf):
        if current() == "en":
            subject = condition.fact.replace(PLATFORM_PREFIX, "the platform's ").replace("_", " ")
        else:
            # A Chinese reader meets the fact's Chinese name, never its id ("运营能力", not "operational_capacity").
            subject = _named(condition.fact)
        if condition.given:
            subject = _("{subject} (as the seller gave it)").format(subject=subject)
        value = "" if condition.op in PRESENCE_OPERATORS else shown(condition.value)
        return _(_OP_WORDS[condition.op]).format(subject=subject, value=value)
    if isinstance(condition, NotOf):
        return _("not ({condition})").format(condition=describe(condition.item))
    joiner = _(" and ") if isinstance(condition, AllOf) else _(" or ")
    joiners = (_(" and "), _(" or "))
    parts = [describe(item) for item in condition.items]
    text = joiner.join(_("({condition})").format(condition=p) if any(j in p for j in joiners) else p for p in parts)
    return text

