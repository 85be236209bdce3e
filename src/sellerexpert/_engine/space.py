"""The space of profiles the rule book can tell apart, as equivalence classes of values per fact.

Coverage, lint and the counterfactual search all need "every value a fact
can take" without enumerating infinitely many numbers or market lists. The
rules only ever compare a fact with a few constants, so two values that every
leaf on that fact answers alike are interchangeable: the engine cannot tell
them apart. Each fact's raw candidate values (every enum word, both booleans,
numbers at each threshold and one either side, market codes grouped by the
rules that name them, and "unknown") are merged into classes by the answers
the leaves give, keeping how many raw values each class stands for. A profile
field's raw values come from its type (:meth:`sellerexpert._profile.fields.FieldType.values`).

Imports: :mod:`sellerexpert._profile.conditions`, :mod:`sellerexpert._profile.fields`, :mod:`sellerexpert._profile.profile`,
:mod:`sellerexpert._rulebook.rulebook`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._profile.conditions import Leaf, evaluate, leaves
from .._profile.fields import constants, item_combinations, threshold_numbers
from .._profile.profile import FIELDS_BY_NAME, FieldSpec
from .._rulebook.rulebook import Platform, RuleBook


class _Absent:
    """The value "unknown": the fact is not in working memory."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "unknown"


ABSENT: Any = _Absent()
"""The sentinel for a fact left unknown."""

REASONED_FIELDS: tuple[str, ...] = tuple(
    name for name, spec in FIELDS_BY_NAME.items() if spec.type.reasoned
)
"""Profile fields the rules reason over (``name`` and ``platforms`` only steer the consultation)."""

_OTHER_TEXT = "<other>"


@dataclass(frozen=True)
class ValueClass:
    """Values of one fact that no rule can tell apart.

    :ivar value: the representative (the first member), or :data:`ABSENT`.
    :ivar members: the raw candidate values the class stands for.
    """

    value: Any
    members: tuple[Any, ...]

    @property
    def weight(self) -> int:
        """How many raw candidate values the class stands for."""
        return len(self.members)


def leaves_by_fact(rulebook: RuleBook) -> dict[str, list[Leaf]]:
    """Every leaf of every rule, grouped by the fact it reads (rule order, duplicates dropped)."""
    found: dict[str, list[Leaf]] = {}
    for rule in rulebook.rules:
        for leaf in leaves(rule.when):
            bucket = found.setdefault(leaf.fact, [])
            if leaf not in bucket:
                bucket.append(leaf)
    return found


def raw_field_values(spec: FieldSpec, fact_leaves: Sequence[Leaf]) -> list[Any]:
    """The candidate values of a profile field, ``ABSENT`` last."""
    return [*spec.type.values(fact_leaves), ABSENT]


def raw_platform_values(name: str, platforms: Mapping[str, Platform], fact_leaves: Sequence[Leaf]) -> list[Any]:
    """Candidate values of a platform fact over its type: the values seen, the values rules name, one other, unknown."""
    seen = [p.facts[name].value for p in platforms.values() if name in p.facts]
    kinds = {type(v) for v in seen} | {type(v) for v in constants(fact_leaves) if not isinstance(v, tuple)}
    values: list[Any]
    if bool in kinds:
        values = [True, False]
    elif tuple in kinds or any(leaf.op in ("contains", "intersects") for leaf in fact_leaves):
        values = [*item_combinations(fact_leaves), *(v for v in seen if isinstance(v, tuple))]
    elif int in kinds:
        values = threshold_numbers(fact_leaves)
    else:
        values = list(dict.fromkeys([*seen, *constants(fact_leaves)]))
        values.append(_OTHER_TEXT)
    return [*dict.fromkeys(values), ABSENT]


def classes(fact: str, raw: Sequence[Any], fact_leaves: Sequence[Leaf]) -> tuple[ValueClass, ...]:
    """Merge raw values that every leaf on ``fact`` answers alike (first-seen order)."""
    merged: dict[tuple[bool, ...], list[Any]] = {}
    for value in raw:
        facts = {} if value is ABSENT else {fact: value}
        signature = tuple(evaluate(leaf, facts) for leaf in fact_leaves)
        merged.setdefault(signature, []).append(value)
    return tuple(ValueClass(members[0], tuple(members)) for members in merged.values())


class ProfileSpace:
    """The equivalence classes of every reasoned profile field (and, on request, platform fact) of a rule book.

    :param platform_types: also enumerate platform facts over their types, for
        "could this rule fire if the platform data changed?" questions.
    """

    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self._leaves = leaves_by_fact(rulebook)
        self.fields: dict[str, tuple[ValueClass, ...]] = {
            name: classes(name, raw_field_values(FIELDS_BY_NAME[name], self._leaves.get(name, [])), self._leaves.get(name, []))
            for name in REASONED_FIELDS
        }
        self._platform_facts: dict[str, tuple[ValueClass, ...]] = {}

    def leaves(self, fact: str) -> list[Leaf]:
        """The distinct leaves that read ``fact``."""
        return list(self._leaves.get(fact, []))

    def platform_fact(self, fact: str) -> tuple[ValueClass, ...]:
        """Classes of a platform fact (``platform.<name>``) over its type."""
        if fact not in self._platform_facts:
            name = fact.split(".", 1)[1]
            fact_leaves = self._leaves.get(fact, [])
            raw = raw_platform_values(name, self.rulebook.platforms, fact_leaves)
            self._platform_facts[fact] = classes(fact, raw, fact_leaves)
        return self._platform_facts[fact]

    def classes_of(self, fact: str) -> tuple[ValueClass, ...]:
        """Classes of a profile field or platform fact."""
        return self.fields[fact] if fact in self.fields else self.platform_fact(fact)

    def raw_size(self, fact: str) -> int:
        """How many raw candidate values a fact has."""
        return sum(c.weight for c in self.classes_of(fact))

    @property
    def size(self) -> int:
        """How many profiles the enumerated space holds (product of raw candidate counts)."""
        total = 1
        for name in self.fields:
            total *= self.raw_size(name)
        return total

    def assignments(self, facts: Sequence[str]) -> Iterable[tuple[dict[str, Any], int]]:
        """Every combination of one class per fact: known facts as a dict (unknown ones left out), and its weight."""
        options = [self.classes_of(f) for f in facts]
        for combo in itertools.product(*options):
            weight = 1
            values: dict[str, Any] = {}
            for fact, value_class in zip(facts, combo, strict=True):
                weight *= value_class.weight
                if value_class.value is not ABSENT:
                    values[fact] = value_class.value
            yield values, weight
