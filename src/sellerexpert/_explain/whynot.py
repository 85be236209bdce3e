"""WHY NOT the other model: the smallest change to the profile that makes the engine recommend it.

A Wachter-style counterfactual: the smallest change to the profile - one
field, else two - that makes the engine recommend the other model, found by
consulting the engine on candidate profiles in a fixed order, not by a
formula. Candidate values are the classes of values the rules can tell apart
(every enum word, both booleans, numbers at each threshold, the market groups
rules name, unknown); among equally small changes the one closest to the
seller's answers wins.

May import: the profile, the value space, the conditions (to tell values
apart), the compiled evaluator (the one place rules get their meaning), the
errors, i18n, and :mod:`sellerexpert._explain.words`. The advisor only for
its type (its per-market decisions are what the search asks).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._engine.space import ABSENT, ProfileSpace, ValueClass
from .._errors import ProfileError
from .._i18n import N_, _, current, model_words, named, percent
from .._language import use
from .._profile.conditions import evaluate
from .._profile.profile import FIELDS, FIELDS_BY_NAME, LEVELS, MODELS, SERVICE_LEVELS, SellerProfile
from .._records import Key, Record
from .words import value_text

if TYPE_CHECKING:
    from .._advisor import Advisor


def _plain(value: Any) -> Any:
    """A value as JSON holds it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Change(Record, keys=("field", Key("from", attr="before", via=_plain), Key("to", attr="after", via=_plain))):
    """One field changed in a counterfactual (``None`` = unknown)."""

    field: str
    before: Any
    after: Any

    def describe(self) -> str:
        """``operational_capacity were high instead of low``."""
        return _("{field} were {after} instead of {before}").format(
            field=named(self.field), after=value_text(self.after), before=value_text(self.before)
        )


@dataclass(frozen=True)
class Counterfactual(Record, keys=("changes", "model", "confidence", "basis", Key("profile", via=dict))):
    """A changed profile on which the engine recommends the other model.

    :ivar profile: the whole changed profile (consult it to check).
    """

    changes: tuple[Change, ...]
    model: str
    confidence: float
    basis: str
    profile: Mapping[str, Any]

    def describe(self) -> str:
        """The changes in a few words."""
        return functools.reduce(
            lambda first, second: _("{first} and {second}").format(first=first, second=second),
            (c.describe() for c in self.changes),
        )


@dataclass(frozen=True)
class WhyNot(Record, keys=("model", "alternative", "statement", "counterfactual", "searched", "max_fields")):
    """Why the other model was not recommended on one platform, and what would change that.

    :ivar counterfactual: the smallest change found, or ``None`` when no change of up to ``max_fields`` fields flips it.
    :ivar searched: candidate profiles the engine was consulted on.
    :ivar lang: the language of :attr:`statement` (``None``: the language in force when it is read).
    """

    platform: str
    model: str
    alternative: str
    counterfactual: Counterfactual | None
    searched: int
    max_fields: int
    lang: str | None = None

    @property
    def statement(self) -> str:
        """The answer in one sentence."""
        with use(self.lang):
            return self._statement()

    def _statement(self) -> str:
        alternative = model_words(self.alternative)
        if self.counterfactual is None:
            if self.max_fields == 1:
                return _("No change of one field of your profile would make {model} the recommendation here.").format(
                    model=alternative
                )
            return _("No change of one or {count} fields of your profile would make {model} the recommendation here.").format(
                count=_number(self.max_fields), model=alternative
            )
        cf = self.counterfactual
        return _(
            "{model} would be recommended if {changes} "
            "(confidence {confidence}; checked by consulting the engine on the changed profile)."
        ).format(
            model=alternative.capitalize(),
            changes=cf.describe(),
            confidence=f"{cf.confidence:.2f}" if current() == "en" else percent(cf.confidence),
        )



_NUMBER_WORDS = {2: N_("two"), 3: N_("three")}


def _number(n: int) -> str:
    word = _NUMBER_WORDS.get(n)
    return _(word) if word is not None else str(n)


_ORDINAL = {"level": LEVELS, "service": SERVICE_LEVELS}


@dataclass(frozen=True)
class _Candidate:
    field: str
    value: Any  # ABSENT for "unknown"
    distance: int
    order: tuple[int, int]


def _candidates(space: ProfileSpace, profile: SellerProfile) -> list[_Candidate]:
    """One candidate value per class of values the rules tell apart, for every field a rule reads."""
    out = []
    field_order = [spec.name for spec in FIELDS]
    for name, value_classes in space.fields.items():
        if len(value_classes) < 2:
            continue  # no rule reads it: no value can change anything
        current = getattr(profile, name)
        current = ABSENT if current is None else current
        kind = FIELDS_BY_NAME[name].kind
        mine = _signature(space, name, current)
        for index, value_class in enumerate(value_classes):
            if _signature(space, name, value_class.value) == mine:
                continue  # the engine could not tell this value from the seller's
            if not _actionable(name, value_class.value):
                continue
            value = _nearest(value_class, current, kind)
            out.append(_Candidate(name, value, _distance(kind, current, value), (field_order.index(name), index)))
    # Answers the routes read (not the rules' conditions): ones a seller can act on, never moving the company.
    markets = profile.target_markets or ()
    for name, value in (("invited", True), ("marketplace_history", True), ("vat_markets", markets[:1] or None)):
        if value is not None and getattr(profile, name) != value and name not in space.fields:
            out.append(_Candidate(name, value, 1, (field_order.index(name), 0)))
    return out


# Changes a seller cannot make to follow the advice: moving the company abroad or founding one in the
# market ("if your company were registered in the US" is no advice for a one-person shop in Shenzhen).
# Saying where the company is, when it is a Chinese one, is an answer a seller can give.
_ACTIONABLE_BASES = frozenset({"CN", "HK"})


def _actionable(name: str, value: Any) -> bool:
    if name == "company_base":
        return value in _ACTIONABLE_BASES
    if name == "local_entity":
        return value is not True
    return True


def _signature(space: ProfileSpace, name: str, value: Any) -> tuple[bool, ...]:
    facts = {} if value is ABSENT else {name: value}
    return tuple(evaluate(leaf, facts) for leaf in space.leaves(name))


def _nearest(value_class: ValueClass, current: Any, kind: str) -> Any:
    # For a number, the member of the class closest to the seller's answer: the smallest change that crosses a threshold.
    numbers = [m for m in value_class.members if m is not ABSENT]
    if kind == "count" and current is not ABSENT and numbers:
        return min(numbers, key=lambda m: (abs(m - current), m))
    return value_class.value


def _distance(kind: str, current: Any, value: Any) -> int:
    if current is ABSENT or value is ABSENT:
        return 1
    if kind in _ORDINAL:
        return abs(_ORDINAL[kind].index(value) - _ORDINAL[kind].index(current))
    return 1


def _apply(profile: SellerProfile, changes: Iterable[_Candidate]) -> SellerProfile:
    return profile.with_changes(**{c.field: (None if c.value is ABSENT else c.value) for c in changes})


def counterfactuals(
    advisor: Advisor,
    profile: SellerProfile | Mapping[str, Any],
    *,
    max_fields: int = 2,
    exclude: Collection[str] = (),
) -> dict[str, WhyNot]:
    """For each platform, the smallest change to ``profile`` that makes the engine recommend the other model.

    Candidates are tried in a fixed order - fewer fields first, then fewer
    fields made unknown, then the smallest step on ordered scales, then the
    field table's order - and each is checked by consulting the engine (only
    on the platforms still without an answer).

    :param max_fields: the most fields a change may touch (1 or 2 is quick; 3 can take minutes).
    :param exclude: fields no change may touch (the web page leaves out registering a company abroad).
    """
    if not isinstance(profile, SellerProfile):
        profile = SellerProfile.from_dict(profile)
    space = ProfileSpace(advisor.rules)
    # The search asks the compiled evaluator (per market, with each market's routes, as a consultation
    # does), which concludes exactly what the engine would, far faster.
    baseline = advisor._decisions(profile)
    pending = list(profile.platforms)
    found: dict[str, Counterfactual] = {}
    candidates = [c for c in _candidates(space, profile) if c.field not in exclude]
    searched = 0
    for size in range(1, max_fields + 1):
        combos = [c for c in itertools.combinations(candidates, size) if len({x.field for x in c}) == size]
        combos.sort(
            key=lambda c: (
                sum(1 for x in c if x.value is ABSENT),
                sum(x.distance for x in c),
                [x.order for x in c],
            )
        )
        for combo in combos:
            if not pending:
                break
            try:
                changed = _apply(profile, combo)
                decisions = advisor._decisions(changed, tuple(pending))
            except ProfileError:
                # Answers that contradict the rest of the profile, or a market the seller's numbers cannot be
                # priced in (a table in a currency with no exchange rate): not a change a seller could make as is.
                continue
            searched += 1
            for platform in tuple(pending):
                decision = decisions[platform]
                # A flip counts only where the changed profile is advised the other model on a route
                # (a market without facts, or one with no managed route open, advises no model).
                if decision["model"] != baseline[platform]["model"] and decision["advised"] == decision["model"]:
                    found[platform] = Counterfactual(
                        changes=tuple(
                            Change(c.field, getattr(profile, c.field), None if c.value is ABSENT else c.value) for c in combo
                        ),
                        model=decision["model"],
                        confidence=decision["confidence"],
                        basis=decision["basis"],
                        profile=changed.to_dict(),
                    )
                    pending.remove(platform)
    return {
        platform: WhyNot(
            platform=platform,
            model=baseline[platform]["model"],
            alternative=next(m for m in MODELS if m != baseline[platform]["model"]),
            counterfactual=found.get(platform),
            searched=searched,
            max_fields=max_fields,
        )
        for platform in profile.platforms
    }

