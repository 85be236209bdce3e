"""The seller's own numbers: what each model leaves per unit and per month, on each platform.

No platform publishes a table comparing its fully-managed and semi-managed
models (brief ¶6 only says semi-managed charges less), so the comparison is
built from the seller's own quotes, the way a fulfilment revenue calculator
compares fulfilled-by-the-platform with fulfilled-by-the-merchant.

This module is the one place that arithmetic lives: the input type
(:class:`Economics`, the ``economics`` section of a profile) with its
validation, the calculation (:func:`compare_margins`), the typed results and
the per-platform facts the rules reason over (:func:`platform_facts`).

Arithmetic is exact (:class:`fractions.Fraction` over the decimal values the
seller wrote); amounts are rounded half-up to the cent only when shown, so
the same input always gives the same, byte-identical output. The currency is
a label: nothing is converted.

The model, per unit sold (every line carries this formula in words)::

    contribution per unit = price
        - price x return rate                                       (refunds)
        - (price - refunds) x commission
        - fee per unit
        - unit cost - freight per unit - last-mile cost per order
        - storage per unit and month x stock days / (365 / 12)
        - return rate x cost per return
        - (unit cost + freight) x unsold share / (1 - unsold share)
        - (unit cost + freight) x (transit days + stock days) / 365 x cost of capital
        - (price - refunds - commission) x payout delay days / 365 x cost of capital

    contribution per month = contribution per unit x monthly units - fixed costs per month

Each model's monthly contribution is a straight line in the monthly volume;
the break-even volume is where the two lines cross.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import operator
import string
from collections.abc import Callable, Container, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from .. import _i18n, _language
from .._errors import ProfileError
from .._files import documents
from .._i18n import N_, _, model_words
from .._profile.economics import (
    DAYS_PER_YEAR,
    EVEN,
    FULL,
    MAX_DAYS,
    MONTHS_PER_YEAR,
    NUMBERS,
    NUMBERS_BY_NAME,
    SEMI,
    Economics,
    Range,
    field_path,
)
from .._profile.profile import MODELS, PLATFORMS, SellerProfile
from .._records import Key, Record

if TYPE_CHECKING:
    # Only types here: the tables are loaded with the rule book, not when the command line starts.
    from .._rulebook.cost_tables import CustomsEntry, Dated, FeeEntry, Money, RouteTerms

# -- results ------------------------------------------------------------------------


def cents(value: Fraction) -> Decimal:
    """Round half away from zero to the cent (deterministic, the way a till rounds)."""
    # In integers (floor(|n| x 100 / d + 1/2)): the same number as the Fraction sum, without the Fractions
    # it would make on the way (this runs some hundreds of times per product of a catalogue).
    return _cents_pair(value.numerator, value.denominator)


def _cents_pair(numerator: int, denominator: int) -> Decimal:
    """:func:`cents` of ``numerator / denominator`` (the denominator positive; in any terms, as the floor below is)."""
    whole = (200 * abs(numerator) + denominator) // (2 * denominator)
    # Read from its digits (``1234E-2`` is 12.34, exactly, at any length), not divided: Decimal arithmetic rounds
    # to 28 digits and quantize() then refuses (InvalidOperation), while an amount may have up to 64 digits and a
    # product of two 128. From a string rather than a tuple of digits: the same Decimal, without the tuple.
    if not whole:
        return Decimal("0.00")
    return Decimal(f"-{whole}E-2" if numerator < 0 else f"{whole}E-2")


def whole_units(value: Fraction) -> int:
    """Round half away from zero to a whole number."""
    return _whole_pair(value.numerator, value.denominator)


def _whole_pair(numerator: int, denominator: int) -> int:
    """:func:`whole_units` of ``numerator / denominator`` (the denominator positive, in any terms: the floor below
    is the same), for a caller with the terms at hand (a Decimal's ``as_integer_ratio()``, a comparison's pairs)."""
    rounded = (2 * abs(numerator) + denominator) // (2 * denominator)
    return rounded if numerator >= 0 else -rounded


def _gap_pct_pairs(full: tuple[int, int], semi: tuple[int, int]) -> int:
    """:attr:`PlatformMargin.gap_pct` of the models' contributions per month ``full`` and ``semi`` as integer pairs
    (denominators positive, any terms): whole_units(|full - semi| x 100 / max(|full|, |semi|)), 0 when both are 0,
    with no Fraction made (a catalogue reads it for some three comparisons a product; the Fractions' arithmetic
    was most of the rules' margin facts)."""
    (fn, fd), (sn, sd) = full, semi
    gap_n = abs(fn * sd - sn * fd)  # over fd x sd
    # The larger in size: |fn| / fd against |sn| / sd, multiplied out.
    base_n, base_d = (abs(fn), fd) if abs(fn) * sd >= abs(sn) * fd else (abs(sn), sd)
    if not base_n:
        return 0
    # gap x 100 / base = gap_n x 100 x base_d / (fd x sd x base_n), both terms positive.
    return _whole_pair(gap_n * 100 * base_d, fd * sd * base_n)


Basis = Literal["yours", "estimate", "route", "needed", "computed"]
BASES: tuple[str, ...] = ("yours", "estimate", "route", "needed", "computed")
"""Where a line's value comes from: the seller's numbers, the dated tables (an estimate), the route (a
cost the platform bears on it: none of the seller's), a number still needed (not counted), or a sum."""


@dataclass(frozen=True)
class Provenance(
    Record,
    keys=(
        "basis", "estimate", "needed", "source", "entries", "sources", "as_of", "review_by", "stale", "until",
        "reliability", "note", "needs",
    ),
):
    """Where an input number or a line comes from.

    :ivar entries: the table entries an estimate comes from (``fee.temu_fines``, ``customs.eu_item_duty``).
    :ivar note: why, in English: the table entry's words, or what the route hands over.
    :ivar needs: the numbers a needed line waits for (field names of the economics section).
    """

    basis: Basis = "yours"
    entries: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    as_of: str | None = None
    review_by: str | None = None
    stale: bool = False
    reliability: str | None = None
    note: str = ""
    needs: tuple[str, ...] = ()
    until: str | None = None
    """The date a charge ends unless renewed (a customs surcharge); past it, the line is stale too."""

    @property
    def estimate(self) -> bool:
        """Whether the number is estimated from the dated tables."""
        return self.basis == "estimate"

    @property
    def needed(self) -> bool:
        """Whether the number is still needed (its line is not counted)."""
        return self.basis == "needed"

    @property
    def source(self) -> str | None:
        """The first table entry the number comes from, if any."""
        return self.entries[0] if self.entries else None


_YOURS = Provenance()
_COMPUTED = Provenance(basis="computed")


@dataclass(frozen=True)
class MarginLine:
    """One line of a calculation: what it is, its formula in words, its value (rounded to the cent), and where it comes from.

    :ivar exact: the unrounded value, for checks and further arithmetic (0 for a needed line: not counted).
    """

    key: str
    label: str
    formula: str
    value: Decimal
    exact: Fraction = field(repr=False, compare=False)
    origin: Provenance = field(default=_COMPUTED)

    @property
    def needed(self) -> bool:
        return self.origin.basis == "needed"

    @property
    def estimate(self) -> bool:
        return self.origin.basis == "estimate"

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON data: ``value`` a number rounded to the cent (``null`` when needed), and its origin.

        Written by hand, not by the records' helper: its origin's keys are spread into the line's own.
        """
        return {
            "key": self.key,
            "label": self.label,
            "formula": self.formula,
            "value": None if self.needed else float(self.value),
            **self.origin.to_dict(),
        }

    def label_text(self) -> str:
        """The label in the language in force (the JSON keeps the English)."""
        return _(self.label)

    def formula_text(self) -> str:
        """The formula in words of the language in force (a cost keeps its leading minus)."""
        if self.formula.startswith(_MINUS):
            words = _(self.formula[len(_MINUS) :])
            # A full-width bracket carries its own space: "−（价格 − 退款）× 佣金率".
            return ("−" if words.startswith("（") else _MINUS) + words
        return _(self.formula)


_MINUS = "− "


def _margin_line(
    key: str, label: str, formula: str, value: Decimal, exact: Fraction, origin: Provenance = _COMPUTED
) -> MarginLine:
    """``MarginLine(key, label, formula, value, exact, origin)`` without running its constructor: a catalogue makes
    some thirty lines a product, each field given here in full (the constructor only sets them, one call each)."""
    line = object.__new__(MarginLine)
    state = line.__dict__
    state["key"], state["label"], state["formula"], state["value"], state["exact"], state["origin"] = (
        key, label, formula, value, exact, origin,
    )
    return line


@dataclass(frozen=True)
class NeededNumber(Record, keys=("name", "model", Key("tips_at", via=float), "can_tip")):
    """A number neither the seller nor the tables give, and what it could change.

    :ivar tips_at: the value at which this route's contribution falls to the other route's (only for
        the route that leads; ``None`` when it cannot, or when this route trails: a cost can only widen
        the gap then).
    :ivar can_tip: whether ``tips_at`` lies within the values the number allows.
    """

    name: str
    model: str
    tips_at: Decimal | None
    can_tip: bool


_new = object.__new__


def _needed_number(name: str, model: str, tips_at: Decimal | None, can_tip: bool) -> NeededNumber:
    """``NeededNumber(name, model, tips_at, can_tip)``, its fields written into the new record's ``__dict__`` in
    their declared order, as the frozen dataclass's ``__init__`` writes them one ``object.__setattr__`` at a time (a
    catalogue makes some twenty a product: the constructor was a third of making one). The same record: equal,
    the same state in the same order (tests/economics/test_economics.py holds it to the constructor)."""
    made = _new(NeededNumber)
    state = made.__dict__
    state["name"] = name
    state["model"] = model
    state["tips_at"] = tips_at
    state["can_tip"] = can_tip
    return made


@dataclass(frozen=True)
class ModelMargin(Record, keys=("model", "route", "route_name", "per_unit", "per_month", "cash", "not_given", "needed")):
    """What one model (one route) leaves on one platform: per-unit lines, the monthly result, and the cash it ties up."""

    model: str
    per_unit: tuple[MarginLine, ...]
    per_month: tuple[MarginLine, ...]
    cash: tuple[MarginLine, ...]
    not_given: tuple[str, ...]
    """Numbers the seller left out for this model: each is estimated from the tables, borne by the platform
    on this route, or needed (see each line's origin); none is silently counted as 0."""
    route: str | None = None
    route_name: str = ""
    needed: tuple[str, ...] = ()
    """The numbers this route still needs (not counted in its contribution)."""

    def line(self, key: str) -> MarginLine:
        """The line with this key (from any section).

        :raises KeyError: for an unknown key.
        """
        # Looked up by key in an index made at the first look-up, beside the fields (not one: it compares, copies
        # and writes as nothing): a comparison reads some six lines of each model (its contributions, fixed costs
        # and deposit cost), each a search through every line otherwise. The first line with a key, as the search.
        by_key: dict[str, MarginLine] | None = self.__dict__.get("_by_key")
        if by_key is None:
            by_key = {}
            for line in (*self.per_unit, *self.per_month, *self.cash):
                by_key.setdefault(line.key, line)
            object.__setattr__(self, "_by_key", by_key)
        found = by_key.get(key)
        if found is None:
            raise KeyError(key)
        return found

    @property
    def contribution_per_unit(self) -> Fraction:
        """Exact contribution of one unit before fixed costs (needed lines not counted)."""
        return self.line("contribution_per_unit").exact

    @property
    def fixed_per_month(self) -> Fraction:
        """Exact costs per month that do not grow with the units (fixed costs and the deposit's cost), a positive amount."""
        return -self.line("fixed_costs").exact - self.line("deposit_cost").exact

    @property
    def contribution_per_month(self) -> Fraction:
        """Exact contribution per month at the seller's volume."""
        return self.line("contribution_per_month").exact

    def at(self, units: Fraction | int) -> Fraction:
        """Exact contribution per month at another monthly volume (the model's line on the chart)."""
        return self.contribution_per_unit * units - self.fixed_per_month

    def estimates(self) -> tuple[MarginLine, ...]:
        return tuple(line for line in (*self.per_unit, *self.per_month, *self.cash) if line.estimate)


def _model_margin_of(
    model: str,
    per_unit: tuple[MarginLine, ...],
    per_month: tuple[MarginLine, ...],
    cash: tuple[MarginLine, ...],
    not_given: tuple[str, ...],
    route: str | None,
    route_name: str,
    needed: tuple[str, ...],
) -> ModelMargin:
    """``ModelMargin(...)`` of these fields without running its constructor (see :func:`_margin_line`): a catalogue
    makes twelve a product."""
    margin = object.__new__(ModelMargin)
    state = margin.__dict__
    state["model"], state["per_unit"], state["per_month"], state["cash"] = model, per_unit, per_month, cash
    state["not_given"], state["route"], state["route_name"], state["needed"] = not_given, route, route_name, needed
    return margin


@dataclass(frozen=True)
class Scenario:
    """One case of the comparison: every uncertain number at its base value, or at its favourable or unfavourable end."""

    name: str
    contributions: tuple[Decimal, ...]
    leader: str

    def to_dict(self, models: tuple[str, ...]) -> dict[str, Any]:
        """The case as JSON data, its contributions keyed by ``models`` (the platform's, which it does not hold).

        Written by hand, not by the records' helper: its keys depend on the models given.
        """
        return {
            "case": self.name,
            "contribution_per_month": {m: float(v) for m, v in zip(models, self.contributions, strict=True)},
            "leader": self.leader,
        }


SCENARIOS: tuple[str, ...] = ("base", "optimistic", "conservative")


@dataclass(frozen=True)
class BreakEvens(
    Record,
    keys=(
        Key("price_floor", via=float),
        Key("max_ads_per_unit", via=float),
        Key("max_affiliate_commission", via=float),
        Key("notes", via=dict),
    ),
):
    """Where the comparison turns, each with the other route held at its base case.

    :ivar price_floor: the lowest declared (supply) price at which fully-managed still leaves more
        than semi-managed (what a price review may cut to before the other route pays better).
    :ivar max_ads_per_unit: the most ad spend per unit at which semi-managed still leaves more.
    :ivar max_affiliate_commission: the highest creator or affiliate commission (a share) at which
        semi-managed still leaves more.
    :ivar notes: why a break-even is absent, by name (English).
    """

    price_floor: Decimal | None = None
    max_ads_per_unit: Decimal | None = None
    max_affiliate_commission: Decimal | None = None
    notes: tuple[tuple[str, str], ...] = ()

    def note(self, name: str) -> str:
        return dict(self.notes).get(name, "")


@dataclass(frozen=True)
class PlatformMargin:
    """Both models on one platform (in one market, on the routes the advice names), which leaves more per month,
    and where they break even.

    :ivar leader: ``fully-managed``, ``semi-managed``, or ``even`` when they differ by less than a cent
        (on the lines known: needed lines are not counted).
    :ivar gap_per_month: how much more the leader leaves per month (rounded to the cent).
    :ivar break_even_units: the monthly volume where both leave the same money, when that is above 0.
    :ivar above_break_even: the model that leaves more above that volume.
    :ivar market: the target market (``None``: no market named, no routes or customs applied).
    :ivar models: both models, or one when the other has no open route in the market.
    :ivar needed: the numbers still needed, with the value at which each would tip the comparison.
    """

    platform: str
    platform_name: str
    models: tuple[ModelMargin, ...]
    leader: str
    gap_per_month: Decimal
    break_even_units: Decimal | None
    above_break_even: str | None
    break_even_formula: str
    summary: str
    break_even_exact: Fraction | None = field(repr=False, compare=False, default=None)
    market: str | None = None
    market_name: str = ""
    needed: tuple[NeededNumber, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    break_evens: BreakEvens = field(default_factory=BreakEvens)

    def model(self, name: str) -> ModelMargin:
        """The margin of ``fully-managed`` or ``semi-managed``.

        :raises KeyError: for another name, or a model with no open route here.
        """
        for margin in self.models:
            if margin.model == name:
                return margin
        raise KeyError(name)

    @property
    def compared(self) -> bool:
        """Whether both models are open here (otherwise there is nothing to weigh)."""
        return len(self.models) == 2

    @functools.cached_property
    def open_tips(self) -> int:
        """How many needed numbers could, alone, turn the comparison around.

        Kept once worked out (``needed`` never changes); :func:`_platform_margin` writes it in from the count its
        summary makes (:func:`_turning`)."""
        return sum(1 for n in self.needed if n.can_tip)

    @functools.cached_property
    def gap_pct(self) -> int:
        """The gap as a whole percentage of the larger monthly contribution (in size).

        Kept once worked out (the fields it reads never change): a catalogue reads it for the rules' facts and
        again for each product's placement. :func:`_platform_margin` writes it in as it makes the comparison, from
        the pairs it has (:func:`_gap_pct_pairs`, the one arithmetic)."""
        if not self.compared:
            return 0
        full, semi = (m.contribution_per_month.as_integer_ratio() for m in self.models)
        return _gap_pct_pairs(full, semi)

    @classmethod
    def _made(
        cls,
        platform: str,
        platform_name: str,
        models: tuple[ModelMargin, ...],
        leader: str,
        gap_per_month: Decimal,
        break_even_units: Decimal | None,
        above_break_even: str | None,
        summary: str,
        break_even_exact: Fraction | None,
        market: str | None,
        market_name: str,
        needed: tuple[NeededNumber, ...],
        scenarios: tuple[Scenario, ...],
        break_evens: BreakEvens,
    ) -> PlatformMargin:
        """The record the constructor makes of these fields (and :data:`BREAK_EVEN_FORMULA`), written into its
        ``__dict__`` in their declared order rather than one ``object.__setattr__`` a field (fifteen: a catalogue
        makes six a product). Equal, the same state in the same order (tests/economics/test_economics.py holds it)."""
        made = _new(cls)
        state = made.__dict__
        state["platform"] = platform
        state["platform_name"] = platform_name
        state["models"] = models
        state["leader"] = leader
        state["gap_per_month"] = gap_per_month
        state["break_even_units"] = break_even_units
        state["above_break_even"] = above_break_even
        state["break_even_formula"] = BREAK_EVEN_FORMULA
        state["summary"] = summary
        state["break_even_exact"] = break_even_exact
        state["market"] = market
        state["market_name"] = market_name
        state["needed"] = needed
        state["scenarios"] = scenarios
        state["break_evens"] = break_evens
        return made

    def to_dict(self) -> dict[str, Any]:
        """The platform's comparison as JSON data.

        Written by hand, not by the records' helper: its routes, models and scenarios are keyed by the
        models it holds.
        """
        models = tuple(m.model for m in self.models)
        return {
            "platform": self.platform,
            "platform_name": self.platform_name,
            "market": self.market,
            "market_name": self.market_name,
            "routes": {m.model: m.route for m in self.models},
            "leader": self.leader,
            "gap_per_month": float(self.gap_per_month),
            "gap_pct": self.gap_pct,
            "break_even_units": None if self.break_even_units is None else float(self.break_even_units),
            "above_break_even": self.above_break_even,
            "break_even_formula": self.break_even_formula,
            "summary": self.summary,
            "models": {m.model: m.to_dict() for m in self.models},
            "needed": [n.to_dict() for n in self.needed],
            "scenarios": [s.to_dict(models) for s in self.scenarios],
            "break_evens": self.break_evens.to_dict(),
        }


@dataclass(frozen=True)
class MarginComparison(
    Record,
    keys=(
        "currency",
        "monthly_units",
        Key("cost_of_capital", via=float),
        Key("rounding", const="amounts rounded half away from zero to the cent; totals are computed before rounding"),
        Key("not_counted", const="a line marked needed has no value and is not counted: its number is needed"),
        "platforms",
        "markets",
    ),
):
    """The seller's landed-cost comparison of both models on each platform asked about, per target market.

    :ivar platforms: one comparison per platform: its first target market's (or the only one).
    :ivar markets: every platform's comparison in every target market, platform by platform.
    """

    currency: str
    monthly_units: int
    cost_of_capital: Decimal | None
    platforms: tuple[PlatformMargin, ...]
    markets: tuple[PlatformMargin, ...] = ()

    def platform(self, platform_id: str, market: str | None = None) -> PlatformMargin:
        """The comparison for one platform (in one market: by default its first).

        :raises KeyError: for a platform or market not compared.
        """
        for item in self.markets or self.platforms:
            if item.platform == platform_id and (market is None or item.market == market):
                return item
        raise KeyError(platform_id if market is None else f"{platform_id} in {market}")

    def to_json(self) -> str:
        """Strict JSON (no NaN), keys in a fixed order: byte-identical for the same input."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    @classmethod
    def _made(
        cls,
        currency: str,
        monthly_units: int,
        cost_of_capital: Decimal | None,
        platforms: tuple[PlatformMargin, ...],
        markets: tuple[PlatformMargin, ...],
    ) -> MarginComparison:
        """The record the constructor makes of these fields, written into its ``__dict__`` in their declared order
        rather than one ``object.__setattr__`` a field (a catalogue makes two a product, each some 3 us through the
        frozen ``__init__``, 0.7 us so). Equal, the same state in the same order (tests/economics/test_economics.py)."""
        made = _new(cls)
        state = made.__dict__
        state["currency"] = currency
        state["monthly_units"] = monthly_units
        state["cost_of_capital"] = cost_of_capital
        state["platforms"] = platforms
        state["markets"] = markets
        return made


# -- what a column is: a model, or one route of it in one market --------------------


@dataclass(frozen=True)
class Column:
    """One model (or one route of it, in one market) a comparison prices, with the tables that apply to it.

    Without a route (a profile with no target market, a rule pack without routes), the model's
    defaults say who does what: under fully-managed the platform prices, clears customs,
    delivers and promotes (brief ¶2); under semi-managed the seller does (brief ¶3).
    """

    model: str
    route: str | None = None
    route_name: str = ""
    ships_from: str | None = None
    terms: RouteTerms | None = None
    customs: tuple[CustomsEntry, ...] = ()
    fees: tuple[FeeEntry, ...] = ()


@dataclass(frozen=True)
class MarketColumns:
    """The columns of one platform in one market: the routes the advice names, fully-managed first."""

    platform: str
    market: str | None
    market_name: str
    columns: tuple[Column, ...]


_DEFAULT_PARTIES: dict[str, dict[str, str]] = {
    FULL: {"price_by": "platform", "customs_by": "platform", "delivery_by": "platform", "promotions_by": "platform"},
    SEMI: {"price_by": "seller", "customs_by": "seller", "delivery_by": "seller", "promotions_by": "seller"},
}
_VAT_REGIONS = frozenset({"EU", "UK"})

# Numbers the route makes none of the seller's costs, by who does the work (and why, in English).
_BORNE: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "price_by",
        "platform",
        ("commission", "payment_fee", "vat_rate", "fee_per_unit"),
        N_("the platform sets and collects the retail price and pays you your declared (supply) price"),
    ),
    (
        "delivery_by",
        "platform",
        ("last_mile_per_order", "storage_per_unit_month", "cost_per_return"),
        N_("the platform delivers, stores and takes returns on this route"),
    ),
    ("promotions_by", "platform", ("ads_per_unit", "affiliate_commission"), N_("the platform runs promotions on this route")),
    ("customs_by", "platform", ("duty_rate", "import_tax_rate"), N_("the platform clears customs and pays duty on this route")),
)


@dataclass(frozen=True)
class _Input:
    value: Fraction | None
    low: Fraction | None
    high: Fraction | None
    origin: Provenance


@dataclass(frozen=True)
class _Charge:
    key: str
    kind: str
    up_to: Fraction | None = None
    over: Fraction | None = None
    origin: Provenance = field(default=_YOURS)

    def applies(self, value: Fraction) -> bool:
        """Whether the charge applies to a customs value per item (its thresholds)."""
        return self.takes(value.numerator, value.denominator)

    def takes(self, numerator: int, denominator: int) -> bool:
        """:meth:`applies` to a customs value given as a pair (the denominator positive, the pair in any terms)."""
        up_to, over = self.up_to, self.over
        if up_to is not None and numerator * up_to.denominator > up_to.numerator * denominator:
            return False
        return over is None or numerator * over.denominator > over.numerator * denominator


@dataclass(frozen=True)
class _Plan:
    """A column made ready for arithmetic: its inputs with their origins, and the charges that apply."""

    column: Column
    inputs: Mapping[str, _Input]
    parcel: bool | None
    charges: tuple[_Charge, ...]
    duty_origin: Provenance
    refund_admin: tuple[Fraction, Fraction] | None
    late_fine: bool
    deposit: Fraction
    deposit_origin: Provenance
    part: _RoutePart | None = field(default=None, init=False, repr=False, compare=False)
    """The route's part the plan was made with (set by :func:`_plan` alone; ``None`` on a plan made otherwise, or
    copied with ``replace()``, whose inputs it may not describe): its charges, terms and the inputs it sets, for the
    seller's numbers named as they are here. Plans with the same part (the same object) have the same inputs by
    name and origin and differ only in the values of the seller's numbers (whose origin is always theirs): what
    reads only names, origins and the part's fields can be kept by the part's identity."""
    base: dict[str, Fraction] | None = field(default=None, init=False, repr=False, compare=False)
    """The inputs' values in the base case, made with a plan by :func:`_plan` from the seller's and the route part's
    (whose inputs are never changed; ``None`` on a plan made otherwise): :func:`_values` reads them, never changed."""
    seller: Mapping[str, _Input] | None = field(default=None, init=False, repr=False, compare=False)
    """The seller's inputs the plan was made with (set by :func:`_plan` alone, ``None`` as :attr:`part` is): the
    object :func:`_seller_inputs` keeps for the product, platform and model. Plans with the same seller's inputs
    and the same part (the same objects) have the same inputs and values: they differ only in their column."""
    laid: tuple[_SellerShape, tuple[str, ...]] | None = field(default=None, init=False, repr=False, compare=False)
    """The shape the seller's inputs were made from and the names of those whose values are not the shape's (set
    by :func:`_plan` alone, see :func:`_laid_inputs`): what :func:`_brief_quick` reads to know the numbers a brief
    breakdown reads are the last's without reading them."""

    def __getattr__(self, name: str) -> dict[str, _Input]:
        # Called only for an attribute the plan does not hold: a plan made by _plan makes its inputs (the seller's
        # with the route part's over them, some twenty entries) at their first reading, as a catalogue's brief
        # comparisons never read them (their values are the plan's base, the checks and needs kept per part).
        state = self.__dict__
        if name == "inputs" and "part" in state and "seller" in state:
            inputs: dict[str, _Input] = {**state["seller"], **state["part"].added}
            state["inputs"] = inputs
            return inputs
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _convert(economics: Economics, money: Money, where: str, what: str) -> Fraction:
    rate = economics.rate_for(money.currency)
    if rate is None:
        mine = economics.currency or "no currency label"
        raise ProfileError(
            f"the table entry {what} is in {money.currency} and your amounts are in {mine}: "
            f"give how many {economics.currency or 'of your currency'} one {money.currency} is",
            field=field_path("exchange_rates", money.currency) if economics.currency else field_path("currency"),
            allowed=f"economics.currency (such as USD) and exchange_rates = {{ {money.currency} = ... }}",
        )
    return Fraction(money.amount) * Fraction(rate)


def _dated_origin(entry: Dated, today: date | None) -> Provenance:
    return Provenance(
        basis="estimate",
        entries=(entry.key,),
        sources=entry.sources,
        as_of=entry.as_of,
        review_by=entry.review_by,
        stale=today is not None and entry.stale(today),
        reliability=entry.reliability,
        note=entry.what,
        until=getattr(entry, "until", None),
    )


_FINE_AS_SHARE = N_(
    "no fine multiple in the tables for this route: fine_rate is the share of the price lost to fines and deductions"
)
_NO_DEPOSIT = Provenance(basis="route", note=N_("no deposit in the tables for this route"))
_NO_IMPORT_TAX = N_("no import tax beyond duty in this market's tables")
_NO_LATE_FINE = N_("no late-order fine in the tables for this route: late fines count in fine_rate")


def _frac(value: Decimal) -> Fraction:
    # From its terms (lowest already): the same Fraction as Fraction(value), without the constructor's type tests.
    return Fraction(*value.as_integer_ratio())


_GIVEN_KEPT = 4096
_GIVEN: dict[int, tuple[Decimal | Range, _Input]] = {}
"""The seller's numbers made ready for arithmetic (:func:`_yours`), by the identity of the value given (kept with
it, so the id is not reused while the entry is)."""


def _yours(value: Decimal | Range) -> _Input:
    """A number the seller gives, made ready for arithmetic: converted once per value object, not once per product
    and route. A catalogue's products share their company's number objects (each product's economics is its
    company's with the product's cells laid over), found by identity with no hash; a product's own cells are new
    objects each (p2000: 6.5 a product, hardly ever an earlier product's value), read in its three or so sets of
    inputs, and converted at their first reading: a look-up by value hashed each (a Decimal's hash is worked out
    at its first use) to find almost nothing."""
    known = _GIVEN.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    if isinstance(value, Range):
        item = _Input(_frac(value.base), _frac(value.low), _frac(value.high), _YOURS)
    else:
        # Made without running the constructor (it only sets the four fields, one call each), in their order.
        item = _new(_Input)
        state = item.__dict__
        state["value"], state["low"], state["high"], state["origin"] = _frac(value), None, None, _YOURS
    if len(_GIVEN) >= _GIVEN_KEPT:
        _GIVEN.clear()
    _GIVEN[id(value)] = (value, item)
    return item


@functools.lru_cache(maxsize=512)
def _route_origin(terms: Provenance | None, why: str) -> Provenance:
    """A number the route bears: the route terms' origin with the reason (the same few for every product of a
    catalogue, so made once each rather than some fifty times a product)."""
    return replace(terms, basis="route", note=why) if terms else Provenance(basis="route", note=why)


def _plan(economics: Economics, platform: str, market: str | None, column: Column, today: date | None) -> _Plan:
    """A column made ready for arithmetic: the seller's numbers, then what the route's tables add (see :func:`_route_part`)."""
    seller, names, values, shape, changed = _seller_inputs(economics, platform, column)
    # The route's part reads only which numbers the seller gives (never their values), the currency, the
    # exchange rates and the date: the products of a catalogue share it (the same column object, see landed.py).
    key = (id(column), platform, market, today, economics.currency, economics.exchange_rates, names)
    known = _ROUTE_PARTS.get(key)
    if known is None or known[0] is not column:
        if len(_ROUTE_PARTS) >= _ROUTE_PARTS_KEPT:
            _ROUTE_PARTS.clear()
        part = _route_part(economics, platform, market, column, today, names)
        # One object for equal parts made for the same names (a fully managed route's in two markets whose tables
        # set nothing apart): what is kept by a part's identity (a brief breakdown's fixed parts, a product's
        # brief breakdown in its next market, see _brief_kept) is then shared by the routes it describes alike.
        if len(_SAME_PARTS) >= _ROUTE_PARTS_KEPT:
            _SAME_PARTS.clear()
        part = _SAME_PARTS.setdefault((names, part), part)
        known = _ROUTE_PARTS[key] = (column, part)
    part = known[1]
    # Made without running the constructor (a catalogue makes some twelve plans a product): the part's fields are
    # checked and laid out once (_RoutePart.fields). Its inputs are made at their first reading (_Plan.__getattr__),
    # in the order the route's part set them: a new number after the seller's, a customs entry the seller also
    # named over it in its place, as when the two were worked out in one pass; the base values likewise (each
    # input's value but for those with none: the part has none such).
    plan = object.__new__(_Plan)
    plan.__dict__.update(
        part.fields, column=column, base={**values, **part.values}, part=part, seller=seller, laid=(shape, changed)
    )
    return plan


_REQUIRED = tuple(spec for spec in NUMBERS if spec.required)
"""The numbers a plan cannot do without, in the order their absence is reported."""

_SELLER_INPUTS_KEPT = 256
_SellerInputs = tuple[dict[str, _Input], tuple[str, ...], dict[str, Fraction], "_SellerShape", tuple[str, ...]]
_SELLER_INPUTS: dict[tuple[int, str | None, str, str | None], tuple[Economics, _SellerInputs]] = {}
"""The seller's numbers for a platform and model (and route, when the numbers name it), made ready for arithmetic,
by the identity of the economics read (kept with them, so the id is not reused while the entry is): a product's
comparison in each of its markets reads the same ones (its profile in each market shares its economics). Filed
under each platform, and under none for those the economics give no numbers of their own (see :func:`_seller_inputs`)."""


_Tables = tuple[tuple[tuple[Any, tuple[tuple[str, Any], ...]], ...], ...]
"""An economics' layers and routes (each table's key and numbers)."""


@dataclass(frozen=True, eq=False)
class _SellerShape:
    """The seller's numbers for a platform, model and route as made from one economics (:func:`_seller_inputs`),
    with where each came from: another economics whose tables are these with some numbers' values changed (a
    catalogue's products: their company's tables with the product's cells laid in, see ``Economics.laid_over``)
    gives the same names in the same order and these inputs but for the numbers changed (:func:`_laid_inputs`)."""

    tables: _Tables
    """The economics' layers and routes read (the tuples themselves)."""
    capital: Decimal | None
    read: tuple[tuple[int, int, frozenset[int]], ...]
    """The tables that given() reads (which of :attr:`tables`, its place there) and the places of their numbers
    that win (no table read after it names them again)."""
    inputs: dict[str, _Input]
    names: tuple[str, ...]
    values: dict[str, Fraction]


_SELLER_SHAPES_KEPT = 64
_SELLER_SHAPES: dict[tuple[str | None, str, str | None], _SellerShape] = {}
"""The last :class:`_SellerShape` made per platform (``None`` where the economics give none of its own), model and route."""


def _laid_inputs(shape: _SellerShape, economics: Economics) -> _SellerInputs | None:
    """The seller's numbers of ``economics`` from ``shape`` when its tables are the shape's but for some numbers'
    values (the same tables in the same places, each with the same names in the same order, the same cost of
    capital's presence): the shape's inputs with the winning numbers whose pair is not the shape's own object made
    afresh (:func:`_yours`), and the names of those; ``None`` when the tables differ otherwise.

    The values given() reads are then the shape's but for those numbers, in the same order: ``given()`` keeps a
    name where it first meets it, and the last table naming it wins (a number changed in a table a later one
    overrides is not read)."""
    capital = economics.cost_of_capital
    if (capital is None) is not (shape.capital is None):
        return None
    tables: _Tables = (economics.layers, economics.routes)
    changed: list[tuple[str, Decimal | Range]] = []
    for which in (0, 1):
        new, old = tables[which], shape.tables[which]
        if new is old:
            continue
        if len(new) != len(old):
            return None
        for entry, was in zip(new, old, strict=True):
            if entry is not was and entry[0] != was[0]:
                return None
    for which, place, wins in shape.read:
        new_table, old_table = tables[which][place][1], shape.tables[which][place][1]
        if new_table is old_table:
            continue
        if len(new_table) != len(old_table):
            return None
        for at, (pair, was) in enumerate(zip(new_table, old_table, strict=True)):
            if pair is not was:
                if pair[0] != was[0]:
                    return None
                if at in wins:
                    changed.append(pair)
    if not changed and capital is shape.capital:
        return shape.inputs, shape.names, shape.values, shape, ()
    inputs, values = shape.inputs.copy(), shape.values.copy()
    for name, value in changed:
        item = inputs[name] = _yours(value)
        values[name] = item.value  # type: ignore[assignment]  # a number given always has a value
    names = tuple([name for name, _value in changed])
    if capital is not shape.capital:
        assert capital is not None
        item = inputs["cost_of_capital"] = _yours(capital)
        values["cost_of_capital"] = item.value  # type: ignore[assignment]
        names = (*names, "cost_of_capital")
    return inputs, shape.names, values, shape, names


def _seller_inputs(economics: Economics, platform: str, column: Column) -> _SellerInputs:
    """The numbers the seller gives for this column, with the cost of capital, their names in order, their
    values (a range's base) by name (each read, never changed, by the caller), the shape they were made from and
    the names of the numbers whose values are not the shape's own (see :func:`_laid_inputs`).

    :raises ProfileError: for a required number not given.
    """
    model = column.model
    # A route's own numbers are read only when the seller gives some for it; otherwise its model's serve every route.
    routes = economics.routes
    route = column.route if routes and any(route_id == column.route for route_id, _numbers in routes) else None
    key = (id(economics), platform, model, route)
    known = _SELLER_INPUTS.get(key)
    if known is not None and known[0] is economics:
        return known[1]
    # Economics.given reads the platform only to pick its layers (its own, and its own for the model): where the
    # economics give none (a catalogue's rows give Temu's semi-managed price, no other), the numbers are the
    # model's on every such platform, made once for them all and filed under each (p1000: 3.0 sets a product,
    # not 5.0). A number missing is reported before anything is kept, naming the platform asked for.
    shared: tuple[int, str | None, str, str | None] | None = (id(economics), None, model, route)
    for (layer_platform, layer_model), _layer in economics.layers:
        if layer_platform == platform and (layer_model is None or layer_model == model):
            shared = None
            break
    if shared is not None:
        known = _SELLER_INPUTS.get(shared)
        if known is not None and known[0] is economics:
            if len(_SELLER_INPUTS) >= _SELLER_INPUTS_KEPT:
                _SELLER_INPUTS.clear()
            _SELLER_INPUTS[key] = known
            return known[1]
    # A catalogue's products lay their own cells over their company's tables: the numbers are the last product's
    # (the same tables, read alike) but for those cells, some three of twenty-five made afresh, not every one.
    shape_key = (platform if shared is None else None, model, route)
    shape = _SELLER_SHAPES.get(shape_key)
    made = _laid_inputs(shape, economics) if shape is not None else None
    if made is None:
        made = _fresh_inputs(economics, platform, model, route)
        if len(_SELLER_SHAPES) >= _SELLER_SHAPES_KEPT:
            _SELLER_SHAPES.clear()
        _SELLER_SHAPES[shape_key] = made[3]
    if len(_SELLER_INPUTS) >= _SELLER_INPUTS_KEPT:
        _SELLER_INPUTS.clear()
    _SELLER_INPUTS[key] = (economics, made)
    if shared is not None:
        _SELLER_INPUTS[shared] = _SELLER_INPUTS[key]
    return made


def _fresh_inputs(economics: Economics, platform: str, model: str, route: str | None) -> _SellerInputs:
    """:func:`_seller_inputs` made from ``Economics.given``'s numbers, with the shape they make (its own: nothing
    changed).

    :raises ProfileError: for a required number not given.
    """
    given = economics.given(platform, model, route)
    for spec in _REQUIRED:
        if spec.name not in given:
            raise ProfileError(
                f"no {spec.name} for {model} on {platform}: give it at the top of the economics section, "
                f"under economics.{model}, or under economics.platforms.{platform}.{model}",
                field=field_path("platforms", platform, model, spec.name),
                allowed=spec.allowed_text,
            )
    inputs = {name: _yours(value) for name, value in given.items()}
    if economics.cost_of_capital is not None:
        inputs["cost_of_capital"] = _yours(economics.cost_of_capital)
    names = tuple(inputs)
    values = {name: item.value for name, item in inputs.items() if item.value is not None}
    # Where each number given() keeps comes from: the tables it reads in its order (Economics._tables_read), and in
    # each the places of the names no later one names again.
    tables = (economics.layers, economics.routes)
    later: set[str] = set()
    wins: list[tuple[int, int, frozenset[int]]] = []
    for which, place in reversed(economics._tables_read(platform, model, route)):
        layer_names = [name for name, _value in tables[which][place][1]]
        won = []
        for at in range(len(layer_names) - 1, -1, -1):  # a name twice in one table: its last place wins
            if layer_names[at] not in later:
                won.append(at)
                later.add(layer_names[at])
        wins.append((which, place, frozenset(won)))
    shape = _SellerShape(tables, economics.cost_of_capital, tuple(reversed(wins)), inputs, names, values)
    return inputs, names, values, shape, ()


@dataclass(frozen=True)
class _RoutePart:
    """What a route's tables add to a column's inputs, and the charges and terms they set."""

    inputs: tuple[tuple[str, _Input], ...]
    parcel: bool | None
    charges: tuple[_Charge, ...]
    duty_origin: Provenance
    refund_admin: tuple[Fraction, Fraction] | None
    late_fine: bool
    deposit: Fraction
    deposit_origin: Provenance
    added: dict[str, _Input] = field(init=False, repr=False, compare=False)
    """:attr:`inputs` as a dict (a plan's inputs are the seller's updated with these, from a dict at once)."""
    values: dict[str, Fraction] = field(init=False, repr=False, compare=False)
    """:attr:`added`'s values (each input's, but for those with none), laid over the seller's in a plan's base values."""
    fields: dict[str, Any] = field(init=False, repr=False, compare=False)
    """The fields of a plan made with this part, but its column and inputs (see :func:`_plan`), by name."""
    shares_passed: bool = field(default=False, init=False, repr=False, compare=False)
    """Whether the plans made with this part pass :func:`_check_shares` whatever the seller's numbers: set there
    once a plan passed whose seller gives none of the shares (the part is made for the names the seller gives,
    so the shares of every plan made with it are then the part's)."""
    brief_known: _BriefKnown | None = field(default=None, init=False, repr=False, compare=False)
    """A brief breakdown's fixed parts for the plans made with this part (:func:`_brief_known`), once made."""
    brief_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The numbers a brief breakdown of a plan made with this part reads but its product's own (see
    :func:`_brief_parts`): :data:`_BRIEF_FIXED`, then those its customs charges read."""
    brief_last: tuple[tuple[Fraction | None, ...], _BriefLine | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The values of :attr:`brief_names` in the last brief breakdown of a plan made with this part, and the
    breakdown's line in the product's numbers once they were met twice in a row (see :func:`_brief_parts`)."""
    brief_set: frozenset[str] = field(init=False, repr=False, compare=False)
    """:attr:`brief_names` as a set."""
    brief_shape: _SellerShape | None = field(default=None, init=False, repr=False, compare=False)
    """The shape of the seller's inputs :attr:`brief_last`'s values are read from when they are (every name of
    :attr:`brief_names` the shape's or this part's own: see :func:`_brief_quick`), else ``None``."""
    slope_last: tuple[tuple[Fraction | None, ...], _SlopeTerms] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The values of :data:`_SLOPE_FIXED` a plan made with this part last read in :func:`_slope_pairs`, and what
    :func:`_slope_terms` made of them."""

    def __post_init__(self) -> None:
        added = dict(self.inputs)
        object.__setattr__(self, "added", added)
        object.__setattr__(self, "values", {name: item.value for name, item in added.items() if item.value is not None})
        object.__setattr__(self, "fields", {
            "parcel": self.parcel, "charges": self.charges, "duty_origin": self.duty_origin,
            "refund_admin": self.refund_admin, "late_fine": self.late_fine, "deposit": self.deposit,
            "deposit_origin": self.deposit_origin,
        })
        object.__setattr__(self, "brief_names", _brief_names(self.charges))
        object.__setattr__(self, "brief_set", frozenset(self.brief_names))


_ROUTE_PARTS_KEPT = 1024
_ROUTE_PARTS: dict[Hashable, tuple[Column, _RoutePart]] = {}
"""Route parts worked out, by the column's id (kept with it), platform, market, date, currency, exchange rates
and the names of the numbers the seller gives: a catalogue's products give the same names, so each of its
routes is worked out of the tables once rather than once a product."""
_SAME_PARTS: dict[tuple[tuple[str, ...], _RoutePart], _RoutePart] = {}
"""The first of the equal route parts made for the same names (by their content: every field compared)."""

_SEEDED = _Input(None, None, None, Provenance(basis="yours"))
"""A place held for a number the seller gives, while a route's part is worked out (its value is never read)."""


def _route_part(
    economics: Economics, platform: str, market: str | None, column: Column, today: date | None, seeded: tuple[str, ...]
) -> _RoutePart:
    """The inputs a route's tables add to the seller's numbers (named ``seeded``; the seller's win), and its charges.

    :raises ProfileError: when the seller clears customs in a market with no customs table and gives no duty rate.
    """
    model, terms = column.model, column.terms
    parties = (
        {
            "price_by": terms.price_by,
            "customs_by": terms.customs_by,
            "delivery_by": terms.delivery_by,
            "promotions_by": terms.promotions_by,
        }
        if terms is not None
        else _DEFAULT_PARTIES[model]
    )
    inputs: dict[str, _Input] = dict.fromkeys(seeded, _SEEDED)
    terms_origin = _dated_origin(terms, today) if terms is not None else None

    def borne(name: str, why: str) -> None:
        if name not in inputs:
            origin = _route_origin(terms_origin, why)
            inputs[name] = _Input(Fraction(0), None, None, origin)

    for party, who, names, why in _BORNE:
        if parties[party] == who:
            for name in names:
                borne(name, why)
    region_of = _routes_region(market) if market else None
    if region_of is not None and region_of not in _VAT_REGIONS:
        borne("vat_rate", N_("no VAT is included in prices in this market's tables (EU and UK only)"))
    # The platform's take and terms from the fee tables: the seller's own numbers win.
    refund_admin: tuple[Fraction, Fraction] | None = None
    late_fine = False
    deposit, deposit_origin = Fraction(0), _COMPUTED
    fine_table = False
    for entry in column.fees:
        origin = _dated_origin(entry, today)
        for name, spread in entry.numbers.items():
            if name == "fine_multiple":
                fine_table = True
            if name not in inputs:
                low, high = _frac(spread.low), _frac(spread.high)
                inputs[name] = _Input(_frac(spread.base), low if low != high else None, high if low != high else None, origin)
        if entry.refund_admin_share is not None and "refund_admin_cap" in entry.amounts:
            cap = _convert(economics, entry.amounts["refund_admin_cap"], field_path(), entry.key)
            refund_admin = (_frac(entry.refund_admin_share), cap)
        if "late_fine" in entry.amounts:
            late_fine = True
            inputs.setdefault(
                "late_fine",
                _Input(_convert(economics, entry.amounts["late_fine"], field_path(), entry.key), None, None, origin),
            )
        if "deposit" in entry.amounts:
            deposit = _convert(economics, entry.amounts["deposit"], field_path(), entry.key)
            deposit_origin = origin
    if not fine_table and "fine_multiple" not in inputs:
        # No table gives this route's fines as a multiple of the price: the seller's fine rate is then
        # the share of the price lost to fines and deductions (a multiple of 1), not a guess of ours.
        inputs["fine_multiple"] = _Input(
            Fraction(1),
            None,
            None,
            Provenance(
                basis="route",
                note=N_(_FINE_AS_SHARE),
            ),
        )
    if not late_fine:
        inputs.setdefault(
            "late_share",
            _Input(
                Fraction(0),
                None,
                None,
                Provenance(basis="route", note=N_(_NO_LATE_FINE)),
            ),
        )
    # Customs: none where the platform clears them; else the market's entries for a parcel or a bulk import.
    parcel: bool | None = None
    charges: list[_Charge] = []
    # Where the platform clears customs, the duty line is none of the seller's (its origin: the route's terms);
    # where the seller does, each charge carries its own origin (see _duty_origin).
    duty_origin = Provenance(basis="route", note=N_("the platform clears customs and pays duty on this route"))
    if terms_origin is not None and parties["customs_by"] == "platform":
        duty_origin = _route_origin(terms_origin, duty_origin.note)
    if parties["customs_by"] == "seller":
        parcel = column.ships_from == "china" if column.ships_from else False
        shipment = "parcel" if parcel else "bulk"
        entries = [e for e in column.customs if e.shipment == shipment]
        for customs in entries:
            key = customs.key
            up_to = _convert(economics, customs.up_to, field_path(), key) if customs.up_to else None
            over = _convert(economics, customs.over, field_path(), key) if customs.over else None
            origin = _dated_origin(customs, today)
            if customs.charge == "rate" and customs.rate is not None:
                low, high = _frac(customs.rate.low), _frac(customs.rate.high)
                ends: tuple[Fraction | None, Fraction | None] = (low, high) if low != high else (None, None)
                inputs[key] = _Input(_frac(customs.rate.base), ends[0], ends[1], origin)
            elif customs.charge == "per_item" and customs.amount is not None:
                amount = _convert(economics, customs.amount, field_path(), key)
                if customs.amount_spread is not None:
                    scale = amount / _frac(customs.amount.amount) if customs.amount.amount else Fraction(1)
                    inputs[key] = _Input(
                        _frac(customs.amount_spread.base) * scale,
                        _frac(customs.amount_spread.low) * scale,
                        _frac(customs.amount_spread.high) * scale,
                        origin,
                    )
                else:
                    inputs[key] = _Input(amount, None, None, origin)
            charges.append(_Charge(key, customs.charge, up_to, over, origin))
        if market is not None and not column.customs and "duty_rate" not in inputs:
            raise ProfileError(
                f"there is no customs table for {market}, and on {column.route_name or model} ({platform}) you clear "
                "customs yourself: give your product's duty rate there (0 if none applies)",
                field=field_path("routes", column.route, "duty_rate") if column.route else field_path(model, "duty_rate"),
                allowed=NUMBERS_BY_NAME["duty_rate"].allowed_text,
            )
        if not charges:
            charges.append(_Charge("duty_rate", "yours"))
    else:
        borne("duty_rate", duty_origin.note)
        borne("import_tax_rate", duty_origin.note)
    if not any(c.kind == "import_tax" for c in charges):
        inputs.setdefault(
            "import_tax_rate",
            _Input(Fraction(0), None, None, Provenance(basis="route", note=_NO_IMPORT_TAX)),
        )
    if not any(c.kind == "yours" for c in charges) and "duty_rate" not in inputs:
        inputs["duty_rate"] = _Input(
            Fraction(0),
            None,
            None,
            Provenance(basis="route", note=N_("the customs tables set this market's charges for this shipment")),
        )
    return _RoutePart(
        tuple((name, value) for name, value in inputs.items() if value is not _SEEDED),
        parcel, tuple(charges), duty_origin, refund_admin, late_fine, deposit, deposit_origin,
    )


def _weakest(reliabilities: Any) -> str | None:
    found = list(reliabilities)
    for level in ("explainer", "press", "official"):
        if level in found:
            return level
    return None


def _routes_region(market: str) -> str:
    from .._rulebook.routes import region

    return "UK" if market == "UK" else region(market)


# -- the arithmetic: one place ------------------------------------------------------

_ZERO = Fraction(0)
_MONTHS = Fraction(MONTHS_PER_YEAR)

# Per-unit lines in order: key, label, formula in words, the numbers that decide whether it is the
# seller's (the first is the line's own number), and whether the line is income (the price).
_PER_UNIT: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("price", N_("Price"), N_("price per unit"), ("price",)),
    ("price_cut", N_("Campaign cuts and price review"), N_("price × price cut (核价)"), ("price_cut", "price")),
    ("refunds", N_("Refunds on returns"), N_("price after cuts × return rate"), ("return_rate", "price")),
    ("vat", N_("VAT in the price"), N_("(price after cuts − refunds) × VAT rate ÷ (1 + VAT rate)"), ("vat_rate", "return_rate")),
    (
        "commission",
        N_("Platform commission"),
        N_("price kept × commission (price kept = price after cuts − refunds − VAT)"),
        ("commission", "return_rate", "vat_rate"),
    ),
    (
        "refund_admin",
        N_("Refund administration fee"),
        N_("return rate × the lower of (share × price × commission) and the cap"),
        ("return_rate", "commission"),
    ),
    (
        "affiliate",
        N_("Creator or affiliate commission"),
        N_("price kept × affiliate commission"),
        ("affiliate_commission", "return_rate", "vat_rate"),
    ),
    ("payment_fees", N_("Payment fees"), N_("price kept × payment fee"), ("payment_fee", "return_rate", "vat_rate")),
    ("platform_fees", N_("Other platform fees"), N_("fee per unit"), ("fee_per_unit",)),
    (
        "fines",
        N_("Fines and after-sales deductions"),
        N_("price after cuts × fine rate × fine multiple"),
        ("fine_rate", "fine_multiple"),
    ),
    ("late_fines", N_("Late-order fines"), N_("share of orders late × fine per late order"), ("late_share", "late_fine")),
    ("ads", N_("Advertising"), N_("ad spend per unit"), ("ads_per_unit",)),
    ("unit_cost", N_("Unit cost"), N_("unit cost"), ("unit_cost",)),
    ("freight", N_("Freight to the warehouse"), N_("freight per unit"), ("freight_per_unit",)),
    (
        "duty",
        N_("Duty and customs fees"),
        N_("customs value × duty rates + fees per item (parcel: the price after cuts; bulk import: the unit cost)"),
        ("duty_rate", "import_tax_rate"),
    ),
    ("last_mile", N_("Last-mile delivery"), N_("last-mile cost per order (one unit per order)"), ("last_mile_per_order",)),
    (
        "storage",
        N_("Storage"),
        N_("storage per unit and month × stock days ÷ (365 ÷ 12)"),
        ("storage_per_unit_month", "stock_days"),
    ),
    ("return_handling", N_("Handling returns"), N_("return rate × cost per return"), ("cost_per_return", "return_rate")),
    (
        "unsold_stock",
        N_("Unsold stock written off"),
        N_("(unit cost + freight + duty on imports) × unsold share ÷ (1 − unsold share)"),
        ("unsold_share",),
    ),
    (
        "capital_on_stock",
        N_("Cost of cash in stock"),
        N_("(unit cost + freight + duty on imports) × (transit days + stock days) ÷ 365 × cost of capital"),
        ("cost_of_capital", "transit_days", "stock_days"),
    ),
    (
        "capital_on_payouts",
        N_("Cost of waiting for payouts"),
        N_("payout (price kept − commission − affiliate − payment fees) × payout delay days ÷ 365 × cost of capital"),
        ("cost_of_capital", "payout_delay_days"),
    ),
)
_INCOME = frozenset({"price"})


_Q = tuple[int, int]
"""A rational as (numerator, denominator), the denominator positive and the pair in lowest terms."""
_Q0: _Q = (0, 1)
_Q1: _Q = (1, 1)


def _q(value: Fraction) -> _Q:
    return value.numerator, value.denominator


def _qadd(a: _Q, b: _Q) -> _Q:
    if a[1] == b[1]:
        n, d = a[0] + b[0], a[1]
    else:
        n, d = a[0] * b[1] + b[0] * a[1], a[1] * b[1]
    g = math.gcd(n, d)
    return (n // g, d // g) if g != 1 else (n, d)


def _qmul(a: _Q, b: _Q) -> _Q:
    n, d = a[0] * b[0], a[1] * b[1]
    g = math.gcd(n, d)
    return (n // g, d // g) if g != 1 else (n, d)


def _qsub(a: _Q, b: _Q) -> _Q:
    return _qadd(a, (-b[0], b[1]))


def _qless(a: _Q, b: _Q) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def _qdiv(a: _Q, b: _Q) -> _Q:
    if b[0] == 0:
        raise ZeroDivisionError("division by zero")
    n, d = a[0] * b[1], a[1] * b[0]
    if d < 0:
        n, d = -n, -d
    g = math.gcd(n, d)
    return (n // g, d // g) if g != 1 else (n, d)


def _lowest(n: int, d: int) -> _Q:
    """``n / d`` (``d`` not 0, of either sign) as a pair in lowest terms with a positive denominator."""
    if d < 0:
        n, d = -n, -d
    g = math.gcd(n, d)
    return (n // g, d // g) if g != 1 else (n, d)


def _less(terms: Iterable[_Q], n: int, d: int) -> _Q:
    """``n / d`` less each of ``terms``, kept over the least common denominator (not reduced: see :func:`_lowest`)."""
    for tn, td in terms:
        if tn:
            if td == d:
                n -= tn
            else:
                g = math.gcd(d, td)
                n, d = n * (td // g) - tn * (d // g), d * (td // g)
    return n, d


def _customs(plan: _Plan, gross: _Q, g: Callable[[str], _Q]) -> tuple[_Q, _Q, int, bool]:
    """What a unit meets at the border under ``plan`` (``g`` reads a number of the plan's values): the value
    declared, the duty before import tax (in lowest terms), how many charges take the seller's own duty rate (the
    slope of that rate counts them), and whether import tax applies. Nothing when the plan crosses no border.

    ``gross`` (the price after cuts, the value declared for a parcel) may be in any terms, its denominator positive.
    """
    if plan.parcel is None:
        return _Q0, _Q0, 0, False
    value = gross if plan.parcel else g("unit_cost")
    return (value, *_customs_at(plan.charges, value, g))


def _customs_at(charges: tuple[_Charge, ...], value: _Q, g: Callable[[str], _Q]) -> tuple[_Q, int, bool]:
    """:func:`_customs`' duty, count of charges on the seller's duty rate and whether import tax applies, at the
    customs value ``value`` (in any terms, its denominator positive) under these charges."""
    vn, vd = value
    dn, dd, rates, taxed = 0, 1, 0, False
    for charge in charges:
        if not charge.takes(vn, vd):
            continue
        kind = charge.kind
        if kind == "rate" or kind == "yours":
            rn, rd = g(charge.key if kind == "rate" else "duty_rate")
            rates += kind == "yours"
            dn, dd = dn * vd * rd + vn * rn * dd, dd * vd * rd  # the duty so far + value x rate
        elif kind == "per_item":
            an, ad = g(charge.key)
            dn, dd = dn * ad + an * dd, dd * ad
        elif kind == "import_tax":
            taxed = True
    return _lowest(dn, dd), rates, taxed


def _duty(charges: tuple[_Charge, ...], value: _Q, g: Callable[[str], _Q]) -> _Q:
    """What a unit pays at the border at the customs value ``value`` (see :func:`_customs_at`): the duty, and the
    import tax on the value and the duty where it applies."""
    duty, _rates, taxed = _customs_at(charges, value, g)
    if taxed:
        duty = _qadd(duty, _qmul(_qadd(value, duty), g("import_tax_rate")))
    return duty


def _shares_left(get: Callable[[str, Fraction], Fraction]) -> tuple[_Q, _Q, _Q, int, int]:
    """The platform's shares of the price kept, read from a plan's values (``get``, their ``get``): the commission,
    affiliate commission and payment fee as pairs, then what is left of 1 after all three and their common
    denominator (1 - the shares = ``left_n / shares_d``). The one place the payout's shares are put together: the
    month (:func:`_month_parts`), its slopes (:func:`_slope_pairs`) and the VAT rate's move (:func:`_vat_moved`)."""
    (mn, md), (an, ad), (yn, yd) = (
        get("commission", _ZERO).as_integer_ratio(),
        get("affiliate_commission", _ZERO).as_integer_ratio(),
        get("payment_fee", _ZERO).as_integer_ratio(),
    )
    shares_d = md * ad * yd
    return (mn, md), (an, ad), (yn, yd), shares_d - mn * ad * yd - an * md * yd - yn * md * ad, shares_d


def _refund_fee(terms: tuple[Fraction, Fraction], gn: int, gd: int, td: int, vat1: int, mn: int, md: int) -> _Q:
    """The refund administration fee on a returned unit: the lower of the cap and share x gross / (1 + VAT) x
    commission (``terms``: the share and the cap; gross ``gn / gd``, 1 + VAT ``vat1 / td``, the commission
    ``mn / md``), not reduced, its denominator positive."""
    share, cap = terms
    fee_n, fee_d = share.numerator * gn * td * mn, share.denominator * gd * vat1 * md
    if fee_d < 0:
        fee_n, fee_d = -fee_n, -fee_d
    cap_n, cap_d = cap.numerator, cap.denominator
    return (cap_n, cap_d) if cap_n * fee_d < fee_n * cap_d else (fee_n, fee_d)


def _q_of(v: Mapping[str, Fraction]) -> Callable[[str], _Q]:
    """A reader of ``v``'s numbers as integer pairs (0 for a number not there)."""
    get = v.get

    def g(name: str) -> _Q:
        found = get(name, _ZERO)
        return found.numerator, found.denominator

    return g


_BRIEF_FIXED = (
    "price_cut", "return_rate", "vat_rate", "commission", "affiliate_commission", "payment_fee", "fine_rate",
    "fine_multiple", "late_share", "late_fine", "unsold_share", "transit_days", "stock_days", "cost_of_capital",
    "payout_delay_days", "storage_per_unit_month", "cost_per_return", "fee_per_unit", "ads_per_unit",
    "last_mile_per_order", "fixed_per_month",
)
"""The numbers :func:`_month_parts` reads but a product's own (its price, unit cost and freight): a catalogue's
products share them on a route (the company's, the tables'), so a brief breakdown's arithmetic in them is done
once per route part and set of them (:func:`_brief_parts`)."""


def _brief_names(charges: tuple[_Charge, ...]) -> tuple[str, ...]:
    """:data:`_BRIEF_FIXED` and the numbers these customs charges read (see :func:`_customs_at` and :func:`_duty`)."""
    read = {"yours": "duty_rate", "import_tax": "import_tax_rate"}
    names = [read.get(charge.kind, charge.key) for charge in charges]
    if charges:
        names.append("import_tax_rate")
    return tuple(dict.fromkeys((*_BRIEF_FIXED, *names)))


@dataclass(frozen=True)
class _BriefLine:
    """A brief breakdown as a line in its product's numbers (price p, unit cost u, freight f), for one route part
    and set of the other numbers: with the price after cuts ``g = p x kept`` and the landed cost ``L = u + f``
    (and a bulk import's duty), a unit's contribution is ``g x per_gross - L x per_landed - constant`` less the
    refund fee (``returns x min(cap, g x fee_share)``) and a parcel's duty, the month that x units less
    ``month_fixed``. The duty (on the price after cuts for a parcel, the unit cost for a bulk import) is a straight
    line on each piece the ``thresholds`` cut (``duties``: its slope and value at 0 on each, see
    :func:`_duty_pieces`). Exactly :func:`_month_parts`' arithmetic regrouped (tests/economics/test_economics.py holds
    them together). ``bound`` proves every amount the brief size check reads below 10**64 when
    ``(|p| + |u| + |f| + 3) x (|units| + 1) x bound`` is (see :func:`_brief_line`)."""

    kept: _Q
    per_gross: _Q
    per_landed: _Q
    constant: _Q
    refund: tuple[_Q, _Q, _Q] | None
    parcel: bool | None
    thresholds: tuple[_Q, ...]
    duties: tuple[tuple[_Q, _Q], ...]
    fixed: _Q
    deposit_cost: _Q
    month_fixed: _Q
    bound: int
    shapes: dict[tuple[int, int], tuple[Column, tuple[MarginLine, MarginLine], dict[str, Any], Provenance]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """What a brief breakdown by this line names that its product's numbers do not change, by the piece of the
    customs values its value declared lies on and its column's id (kept with it): the fixed costs and deposit cost
    lines, its model's fields but the lines and the price line's origin (see :func:`_brief_lined`; bounded:
    :data:`_BRIEF_SHAPES_KEPT`)."""


def _brief_line(part: _RoutePart, names: tuple[str, ...], given: tuple[Fraction | None, ...]) -> _BriefLine | None:
    """The :class:`_BriefLine` of plans made with ``part`` whose numbers ``names`` are ``given`` (``None`` for one
    not there: 0 in the arithmetic); ``None`` where 1 + VAT is 0 (:func:`_month_parts` refuses it as it does)."""
    f = {name: _ZERO if value is None else value for name, value in zip(names, given, strict=True)}
    vat1 = 1 + f["vat_rate"]
    if not vat1:
        return None
    returns, capital, cut = f["return_rate"], f["cost_of_capital"], f["price_cut"]
    kept = 1 - cut
    shares = f["commission"] + f["affiliate_commission"] + f["payment_fee"]
    payout = (1 - returns) / vat1 * (1 - shares)  # a unit's payout per unit of the price after cuts
    waiting = f["payout_delay_days"] * capital / DAYS_PER_YEAR
    fines = f["fine_rate"] * f["fine_multiple"]
    days = f["transit_days"] + f["stock_days"]
    unsold = f["unsold_share"]
    written_off = unsold / (1 - unsold) if unsold < 1 else _ZERO
    on_stock = days * capital / DAYS_PER_YEAR
    late = f["late_share"] * f["late_fine"] if part.late_fine else _ZERO
    storage = f["storage_per_unit_month"] * f["stock_days"] * MONTHS_PER_YEAR / DAYS_PER_YEAR
    constant = (
        f["fee_per_unit"] + late + f["ads_per_unit"] + f["last_mile_per_order"] + storage + returns * f["cost_per_return"]
    )
    refund = None
    fee_share = cap = _ZERO
    if part.refund_admin is not None:
        share, cap = part.refund_admin
        fee_share = share * f["commission"] / vat1
        refund = (_q(fee_share), _q(cap), _q(returns))
    fixed = f["fixed_per_month"]
    deposit_n, deposit_d = part.deposit.as_integer_ratio()
    capital_n, capital_d = capital.as_integer_ratio()
    deposit_cost = part.deposit * capital / MONTHS_PER_YEAR
    # The bound: with V = |p| + |u| + |f| + 1 at most (each floor + 1), every amount is at most V x (|units| + 1)
    # x what follows (each per-unit line at most V x its coefficient, a constant at most V x itself, V >= 1).
    rates, items, taxed = _ZERO, _ZERO, False
    for charge in part.charges:
        if charge.kind == "rate" or charge.kind == "yours":
            rates += abs(f[charge.key if charge.kind == "rate" else "duty_rate"])
        elif charge.kind == "per_item":
            items += abs(f[charge.key])
        elif charge.kind == "import_tax":
            taxed = True
    declared = abs(kept) + 1  # the customs value: the price after cuts or the unit cost
    duty = _ZERO
    if part.parcel is not None:
        duty = declared * rates + items
        if taxed:
            duty += (declared + duty) * abs(f["import_tax_rate"])
    landed = 2 + duty
    thresholds: list[Fraction] = []
    duties: tuple[tuple[_Q, _Q], ...] = ()
    if part.parcel is not None:
        thresholds, duties = _duty_pieces(part.charges, {name: _q(f[name]) for name in names[len(_BRIEF_FIXED):]})
    sold = abs(kept) * abs(1 - returns) / abs(vat1)
    pay = abs(kept) * abs(payout)
    lines = (
        1 + abs(cut) + abs(kept) * abs(returns) + sold * abs(f["vat_rate"])
        + sold * (abs(f["commission"]) + abs(f["affiliate_commission"]) + abs(f["payment_fee"]))
        + abs(returns) * (abs(cap) + abs(kept) * abs(fee_share))
        + abs(f["fee_per_unit"]) + abs(late) + abs(f["ads_per_unit"]) + abs(f["last_mile_per_order"]) + abs(storage)
        + abs(returns * f["cost_per_return"]) + abs(kept) * abs(fines) + 2 + duty
        + landed * (abs(written_off) + abs(on_stock)) + pay * abs(waiting) + pay
    )
    tied = landed * abs(days) + pay * abs(f["payout_delay_days"]) + abs(part.deposit)
    bound = lines + abs(fixed) + abs(deposit_cost) + tied * (1 + abs(capital))
    return _BriefLine(
        kept=_q(kept),
        per_gross=_q(payout * (1 - waiting) - fines),
        per_landed=_q(1 + written_off + on_stock),
        constant=_q(constant),
        refund=refund,
        parcel=part.parcel,
        thresholds=tuple(map(_q, thresholds)),
        duties=duties,
        fixed=_q(fixed),
        deposit_cost=(deposit_n * capital_n, deposit_d * capital_d * MONTHS_PER_YEAR),
        month_fixed=_q(fixed + deposit_cost),
        bound=bound.numerator // bound.denominator + 1,
    )


def _duty_pieces(
    charges: tuple[_Charge, ...], rates: Mapping[str, _Q]
) -> tuple[list[Fraction], tuple[tuple[_Q, _Q], ...]]:
    """:func:`_duty` under these charges (``rates`` the numbers they read) as straight lines: the charges'
    thresholds in order, and on each piece of the customs values they cut (up to the first, then each up to the
    next, then the rest; a charge applies up to and at its ``up_to``, above its ``over``) the duty's slope and
    its value at 0. The charges that apply are the same across a piece, where the duty (each rate x the value,
    each fee per item, the import tax on both) is a straight line: drawn through two of its points."""
    thresholds = sorted({edge for charge in charges for edge in (charge.up_to, charge.over) if edge is not None})
    ends = [*thresholds, None]
    duties = []
    for place, end in enumerate(ends):
        start = thresholds[place - 1] if place else None
        if end is None:
            points = (_ZERO, _ONE) if start is None else (start + 1, start + 2)
        else:
            points = (end - 1, end) if start is None else ((start + end) / 2, end)
        low, high = (Fraction(*_duty(charges, _q(x), rates.__getitem__)) for x in points)
        slope = (high - low) / (points[1] - points[0])
        duties.append((_q(slope), _q(low - slope * points[0])))
    return thresholds, tuple(duties)


def _brief_parts(plan: _Plan, part: _RoutePart, v: Mapping[str, Fraction], units: Fraction | int) -> dict[str, _Q] | None:
    """:func:`_month_parts` in brief for a plan made with ``part`` (``v`` its values): the lines of
    :data:`_BRIEF_LINES` from :func:`_brief_quick`'s pairs (the month in lowest terms), or ``None`` as it gives."""
    quick = _brief_quick(part, v, units)
    if quick is None:
        return None
    line, _piece, pn, pd, per_n, per_d, month_n, month_d = quick
    return {
        "price": (pn, pd),
        "contribution_per_unit": (per_n, per_d),
        "fixed_costs": line.fixed,
        "deposit_cost": line.deposit_cost,
        "contribution_per_month": _lowest(month_n, month_d),
    }


_BriefQuick = tuple[_BriefLine, int, int, int, int, int, int, int]
"""What :func:`_brief_quick` gives: the line, the piece, the price's terms, the contributions per unit and per month."""


def _brief_quick(
    part: _RoutePart, v: Mapping[str, Fraction], units: Fraction | int,
    laid: tuple[_SellerShape, tuple[str, ...]] | None = None,
) -> _BriefQuick | None:
    """A brief breakdown of a plan made with ``part`` (``v`` its values) from the part's :class:`_BriefLine` and the
    product's price, unit cost, freight and units, when the part's last brief breakdown read the same other numbers
    (a catalogue's products share them) and the bound proves every amount the size check reads below 10**64;
    ``None`` otherwise (the plain arithmetic then). The line is made at the second breakdown in a row with the same
    numbers, not the first: products whose numbers all differ pay one comparison, not a line each.

    Given as the line, the piece of its customs values the value declared lies on (0 where the plan crosses no
    border), the price's terms and the contribution per unit and per month, unreduced (denominators positive).

    ``laid`` (a plan's :attr:`_Plan.laid`, for ``v`` its values): the shape its seller's inputs were made from and
    the names whose values are not the shape's. Where none of those is read here, every number read is the
    shape's or the part's own (the part's laid over the seller's in ``v``): the same objects as the last breakdown's
    when it was read from the same shape and part, so they are not read again (a catalogue's products change only
    their price, unit cost and freight)."""
    names = part.brief_names
    last = part.brief_last
    shape = laid[0] if laid is not None and part.brief_set.isdisjoint(laid[1]) else None
    if shape is not None and last is not None and part.brief_shape is shape:
        given = last[0]
    else:
        given = tuple(map(v.get, names))
    if last is None or (last[0] is not given and last[0] != given):  # the same objects most often: by identity first
        part.__dict__["brief_last"], part.__dict__["brief_shape"] = (given, None), shape
        return None
    line = last[1]
    if line is None:
        line = _brief_line(part, names, given)
        if line is None:
            return None
    if given is not last[0] or line is not last[1]:
        # Kept with this breakdown's objects (equal to the last's): the next is compared by identity again, also
        # once the seller's numbers were made afresh (a bounded store emptied: see _yours).
        part.__dict__["brief_last"], part.__dict__["brief_shape"] = (given, line), shape
    get = v.get
    pn, pd = get("price", _ZERO).as_integer_ratio()
    un, ud = get("unit_cost", _ZERO).as_integer_ratio()
    fn, fd = get("freight_per_unit", _ZERO).as_integer_ratio()
    count_n, count_d = units.as_integer_ratio()
    if count_d != 1 or (abs(pn) // pd + abs(un) // ud + abs(fn) // fd + 3) * (abs(count_n) + 1) * line.bound >= _LARGEST_N:
        return None
    kn, kd = line.kept
    gn, gd = pn * kn, pd * kd
    ln, ld = un * fd + fn * ud, ud * fd
    duty = _Q0
    piece = 0
    parcel = line.parcel
    if parcel is not None:
        # The duty on the piece of the customs values the value declared lies on: a straight line there.
        vn, vd = (gn, gd) if parcel else (un, ud)
        for tn, td in line.thresholds:
            if vn * td <= tn * vd:
                break
            piece += 1
        (an, ad), (bn, bd) = line.duties[piece]
        duty = (vn * an * bd + bn * vd * ad, vd * ad * bd)
        if not parcel:  # a bulk import's duty is part of the landed cost
            ln, ld, duty = ln * duty[1] + duty[0] * ld, ld * duty[1], _Q0
    refund = _Q0
    if line.refund is not None:
        (sn, sd), (cap_n, cap_d), (rn, rd) = line.refund
        fee_n, fee_d = gn * sn, gd * sd
        refund = (rn * cap_n, rd * cap_d) if cap_n * fee_d < fee_n * cap_d else (rn * fee_n, rd * fee_d)
    an, ad = line.per_gross
    bn, bd = line.per_landed
    per_n, per_d = _less(((ln * bn, ld * bd), line.constant, refund, duty), gn * an, gd * ad)
    month_n, month_d = _less((line.month_fixed,), per_n * count_n, per_d * count_d)
    return line, piece, pn, pd, per_n, per_d, month_n, month_d


def _month_parts(
    plan: _Plan,
    v: Mapping[str, Fraction],
    units: Fraction | int,
    *,
    month_only: bool = False,
    brief: bool = False,
    lined: bool = True,
) -> dict[str, _Q]:
    """Every line's amount (costs as positive amounts), from one set of input values: the arithmetic.

    On integer numerators and denominators held apart, unreduced: the same exact rationals as the formula in
    the module's docstring worked out in Fractions, some times faster (a catalogue works out some twenty of
    these per product). Each line leaves as its unreduced pair (its denominator not 0, of either sign: a VAT rate
    below -1 makes 1 + VAT negative), but the month, in lowest terms: each reader reduces only what it keeps
    (:func:`_amounts` as Fractions; a brief breakdown keeps five lines and only checks the others' sizes, which
    do not depend on the terms). With ``month_only``, only ``contribution_per_month`` is there (the tipping values
    read nothing else). With ``brief``, only the lines of :data:`_BRIEF_LINES` when every amount the brief
    breakdown checks the size of (:func:`_brief_margin`) has a numerator below 10**64, which proves it below
    10**64 (each denominator is a whole number, not 0), and every line otherwise (for the exact check): a
    catalogue's twelve breakdowns a product make no dict of lines nobody reads. ``units`` is read by its
    numerator and denominator: a whole number needs no Fraction. Without ``lined``, the brief lines are not asked
    of the route part's line (:func:`_brief_kept` asked it already: once per breakdown, as it keeps count).
    """
    if brief and lined:
        part = plan.part
        if part is not None:
            kept = _brief_parts(plan, part, v, units)
            if kept is not None:
                return kept
    get = v.get
    # Each number read as its pair at once (one call: a Fraction's numerator and denominator are two).
    pn, pd = get("price", _ZERO).as_integer_ratio()
    cn, cd = get("price_cut", _ZERO).as_integer_ratio()
    rn, rd = get("return_rate", _ZERO).as_integer_ratio()
    tn, td = get("vat_rate", _ZERO).as_integer_ratio()
    (mn, md), (an, ad), (yn, yd), left_n, shares_d = _shares_left(get)
    # cut = price x cut and gross = price - cut, over one denominator; refunds = gross x rate, sales = gross - refunds.
    cut_n, gd = pn * cn, pd * cd
    gn = pn * cd - cut_n
    refunds_n, sd = gn * rn, gd * rd
    sn = gn * (rd - rn)
    # VAT = sales x rate / (1 + rate) and kept = sales - VAT = sales / (1 + rate), over one denominator.
    vat1 = td + tn
    if not vat1:
        raise ZeroDivisionError("division by zero")
    vat_n, kept_n, kept_d = sn * tn, sn * td, sd * vat1
    # The payout: kept x (1 - commission - affiliate - payment fee), the shares over one denominator.
    payout_n, payout_d = kept_n * left_n, kept_d * shares_d
    refund_admin: _Q = _Q0
    if plan.refund_admin is not None:
        fee_n, fee_d = _refund_fee(plan.refund_admin, gn, gd, td, vat1, mn, md)
        refund_admin = (rn * fee_n, rd * fee_d)
    (xn, xd), (zn, zd) = get("fine_rate", _ZERO).as_integer_ratio(), get("fine_multiple", _ZERO).as_integer_ratio()
    fines = (gn * xn * zn, gd * xd * zd)
    late = _Q0
    if plan.late_fine:
        (xn, xd), (zn, zd) = get("late_share", _ZERO).as_integer_ratio(), get("late_fine", _ZERO).as_integer_ratio()
        late = (xn * zn, xd * zd)
    unit_cost = (un, ud) = get("unit_cost", _ZERO).as_integer_ratio()
    freight = (fn, fd) = get("freight_per_unit", _ZERO).as_integer_ratio()
    parcel = plan.parcel
    duty = _Q0 if parcel is None else _duty(plan.charges, (gn, gd) if parcel else unit_cost, _q_of(v))
    # Landed: unit cost + freight, and the duty on a bulk import.
    ln, ld = un * fd + fn * ud, ud * fd
    if parcel is False:
        ln, ld = ln * duty[1] + duty[0] * ld, ld * duty[1]
    wn, wd = get("unsold_share", _ZERO).as_integer_ratio()
    xn, xd = get("transit_days", _ZERO).as_integer_ratio()
    stock_n, stock_d = get("stock_days", _ZERO).as_integer_ratio()
    days_n, days_d = xn * stock_d + stock_n * xd, xd * stock_d
    capital_n, capital_d = get("cost_of_capital", _ZERO).as_integer_ratio()
    delay_n, delay_d = get("payout_delay_days", _ZERO).as_integer_ratio()
    (xn, xd), (zn, zd) = get("storage_per_unit_month", _ZERO).as_integer_ratio(), get("cost_per_return", _ZERO).as_integer_ratio()
    storage = (xn * stock_n * MONTHS_PER_YEAR, xd * stock_d * DAYS_PER_YEAR)
    return_handling = (rn * zn, rd * zd)
    unsold = (ln * wn, ld * (wd - wn)) if wn < wd else _Q0
    on_stock = (ln * days_n * capital_n, ld * days_d * DAYS_PER_YEAR * capital_d)
    on_payouts = (payout_n * delay_n * capital_n, payout_d * delay_d * DAYS_PER_YEAR * capital_d)
    fees, ads = get("fee_per_unit", _ZERO).as_integer_ratio(), get("ads_per_unit", _ZERO).as_integer_ratio()
    last_mile = get("last_mile_per_order", _ZERO).as_integer_ratio()
    # Per unit: the price less every cost line. The price less the cut, refunds, VAT, commission, affiliate and
    # payment fees is the payout (exactly), so the sum starts there; the unit cost, freight and a bulk import's
    # duty are the landed cost (a parcel's duty is a line of its own).
    per_n, per_d = _less(
        (refund_admin, fees, fines, late, ads, (ln, ld), duty if parcel else _Q0, last_mile, storage,
         return_handling, unsold, on_stock, on_payouts),
        payout_n, payout_d,
    )
    count_n, count_d = units.as_integer_ratio()
    fixed = get("fixed_per_month", _ZERO).as_integer_ratio()
    deposit_n, deposit_d = plan.deposit.as_integer_ratio()
    deposit_cost = (deposit_n * capital_n, deposit_d * capital_d * MONTHS_PER_YEAR)
    month = _lowest(*_less((fixed, deposit_cost), per_n * count_n, per_d * count_d))
    if month_only:
        return {"contribution_per_month": month}
    per_day_n, per_day_d = count_n * MONTHS_PER_YEAR, count_d * DAYS_PER_YEAR
    if brief:
        # The cash lines' numerators and those of the amounts _brief_margin works out of them (the cash tied up
        # and its cost: stock, payouts and deposit over one denominator), with every line's and the units'.
        stock_cash_n, stock_cash_d = ln * per_day_n * days_n, ld * per_day_d * days_d
        payout_cash_n, payout_cash_d = payout_n * per_day_n * delay_n, payout_d * per_day_d * delay_d
        tied_n = (stock_cash_n * payout_cash_d + payout_cash_n * stock_cash_d) * deposit_d \
            + deposit_n * stock_cash_d * payout_cash_d
        if max(map(abs, (
            pn, cut_n, refunds_n, vat_n, kept_n * mn, refund_admin[0], kept_n * an, kept_n * yn, fees[0], fines[0],
            late[0], ads[0], un, fn, duty[0], last_mile[0], storage[0], return_handling[0], unsold[0], on_stock[0],
            on_payouts[0], per_n, fixed[0], deposit_cost[0], month[0], stock_cash_n, payout_cash_n, deposit_n,
            per_n * count_n, tied_n, tied_n * capital_n,
        ))) < _LARGEST.numerator:
            return {
                "price": (pn, pd),
                "contribution_per_unit": (per_n, per_d),
                "fixed_costs": fixed,
                "deposit_cost": deposit_cost,
                "contribution_per_month": month,
            }
    return {
        "price": (pn, pd),
        "price_cut": (cut_n, gd),
        "refunds": (refunds_n, sd),
        "vat": (vat_n, kept_d),
        "commission": (kept_n * mn, kept_d * md),
        "refund_admin": refund_admin,
        "affiliate": (kept_n * an, kept_d * ad),
        "payment_fees": (kept_n * yn, kept_d * yd),
        "platform_fees": fees,
        "fines": fines,
        "late_fines": late,
        "ads": ads,
        "unit_cost": unit_cost,
        "freight": freight,
        "duty": duty,
        "last_mile": last_mile,
        "storage": storage,
        "return_handling": return_handling,
        "unsold_stock": unsold,
        "capital_on_stock": on_stock,
        "capital_on_payouts": on_payouts,
        "contribution_per_unit": (per_n, per_d),
        "fixed_costs": fixed,
        "deposit_cost": deposit_cost,
        "contribution_per_month": month,
        "cash_in_stock": (ln * per_day_n * days_n, ld * per_day_d * days_d),
        "cash_in_payouts": (payout_n * per_day_n * delay_n, payout_d * per_day_d * delay_d),
        "deposit_held": (deposit_n, deposit_d),
    }


def _slopes(
    plan: _Plan, v: Mapping[str, Fraction], units: Fraction, names: Iterable[str] | None = None
) -> dict[str, Fraction]:
    """:func:`_slope_pairs` as Fractions (each slope the rational its pair stands for)."""
    return {name: Fraction(*pair) for name, pair in _slope_pairs(plan, v, units, names).items()}


def _slope_pairs(
    plan: _Plan, v: Mapping[str, Fraction], units: Fraction, names: Iterable[str] | None = None
) -> dict[str, _Q]:
    """How much the month moves per unit of each number it is a straight line in (the ``"affine"`` ones of
    :data:`_SHAPES`), at these values: the derivative of :func:`_month_parts`, worked out by hand once per plan
    instead of the month worked out again per number.

    With ``payout`` the price kept less the platform's shares, ``landed`` the unit cost, freight and (on imports)
    duty, the month per unit is ``payout x (1 - delay x capital / 365) - landed x (unsold / (1 - unsold) +
    days x capital / 365) - the other costs``; each number below is read off that (in unreduced integer pairs,
    as :func:`_month_parts`). Each slope is left an unreduced pair, its denominator not 0 but of either sign (a
    VAT rate below -1 makes 1 + VAT negative): :func:`_tips` reads only a few of them, by signs and products, and
    shows the one root it keeps from a pair in any terms.

    :param names: the slopes wanted (all when None; a frozenset is read as it is, anything else made one): only
        those are worked out, and the parts of the arithmetic only they read (the payout, the landed cost, customs,
        the cost a unit more of landed cost carries) only for them. Each slope is the same pair either way. Named,
        ``price_cut`` too: the price cut's slope on the stretch of these values (:func:`_cut_slope_pair`; not one
        of the slopes given when ``names`` is None, the month being a line in the cut only on one stretch), its
        payout arithmetic the other slopes' (:func:`_tips` asks for it with them); and ``unsold_share``: the month's
        slope in x / (1 - x) of it, units x the landed cost (:func:`_landed_pair`), the other slopes' landed cost.
    """
    get = v.get
    wanted: frozenset[str] = _SLOPED if names is None else names if isinstance(names, frozenset) else frozenset(names)
    pn, pd = get("price", _ZERO).as_integer_ratio()
    cn, cd = get("price_cut", _ZERO).as_integer_ratio()
    gn, gd = pn * (cd - cn), pd * cd  # gross: price x (1 - cut)
    # What reads none of the product's own numbers (its price, cut, unit cost and freight), once per route part
    # and set of the other numbers (_slope_terms): a catalogue's products share them.
    (
        (rn, rd), (tn, td), vat1, (capital_n, capital_d), (mn, md), left_n, shares_d, (delay_n, delay_d), year_d,
        on_payout_n, (days_n, days_d), on_landed, (kept_an, kept_ad),
    ) = _slope_terms(plan, v)
    parcel = plan.parcel
    g: Callable[[str], _Q] = _q_of(v)
    # What each group of slopes reads, worked out only when one of them is wanted (a catalogue's leader wants some
    # eight of twenty: the payout nearly always).
    if not wanted.isdisjoint(_PAYOUT_SLOPED) or "price_cut" in wanted:
        kept_n, kept_d = gn * kept_an, gd * kept_ad  # gross x (1 - rate) / (1 + VAT)
        payout_n, payout_d = kept_n * left_n, kept_d * shares_d
    dutied = "duty_rate" in wanted or "import_tax_rate" in wanted
    landed = not wanted.isdisjoint(_LANDED_SLOPED)
    written_off = "unsold_share" in wanted  # the landed cost, what the month loses per x / (1 - x) of unsold share
    value, duty, rates, taxed = _Q0, _Q0, 0, False
    # A bulk import's duty is part of the landed cost (every slope on it reads it); a parcel's only of its own two.
    if (parcel is False and (landed or dutied or written_off)) or (parcel and dutied):
        value, duty, rates, taxed = _customs(plan, (gn, gd), g)
    if landed or written_off:
        (un, ud), (fn, fd) = get("unit_cost", _ZERO).as_integer_ratio(), get("freight_per_unit", _ZERO).as_integer_ratio()
        ln, ld = un * fd + fn * ud, ud * fd
        if parcel is False:
            paid = _qadd(duty, _qmul(_qadd(value, duty), g("import_tax_rate"))) if taxed else duty
            ln, ld = ln * paid[1] + paid[0] * ld, ld * paid[1]
        on_capital = (ln * capital_n, ld * capital_d * DAYS_PER_YEAR)
    count_n, count_d = -units.numerator, units.denominator  # each slope a cost: the month falls by it

    def per_month(n: int, d: int) -> _Q:
        return n * count_n, d * count_d

    one = (count_n, count_d)
    # The cheap slopes, each worked out only when wanted (a catalogue's leader wants three or four of these).
    out: dict[str, _Q] = {}
    if "stock_days" in wanted:
        sn, sd = get("storage_per_unit_month", _ZERO).as_integer_ratio()
        out["stock_days"] = per_month(
            sn * MONTHS_PER_YEAR * on_capital[1] + on_capital[0] * sd * DAYS_PER_YEAR,
            sd * DAYS_PER_YEAR * on_capital[1],
        )
    if "transit_days" in wanted:
        out["transit_days"] = per_month(*on_capital)
    if "payout_delay_days" in wanted:
        out["payout_delay_days"] = per_month(payout_n * capital_n, payout_d * capital_d * DAYS_PER_YEAR)
    if "late_share" in wanted:
        out["late_share"] = per_month(*g("late_fine")) if plan.late_fine else per_month(0, 1)
    if "late_fine" in wanted:
        out["late_fine"] = per_month(*g("late_share")) if plan.late_fine else per_month(0, 1)
    for name in _PER_UNIT_SLOPED:
        if name in wanted:
            out[name] = one
    if "storage_per_unit_month" in wanted:
        stock_n, stock_d = get("stock_days", _ZERO).as_integer_ratio()
        out["storage_per_unit_month"] = per_month(stock_n * MONTHS_PER_YEAR, stock_d * DAYS_PER_YEAR)
    if "cost_per_return" in wanted:
        out["cost_per_return"] = per_month(rn, rd)
    if "affiliate_commission" in wanted or "payment_fee" in wanted:
        kept_then = per_month(kept_n * on_payout_n, kept_d * year_d)
        if "affiliate_commission" in wanted:
            out["affiliate_commission"] = kept_then
        if "payment_fee" in wanted:
            out["payment_fee"] = kept_then
    if "fixed_per_month" in wanted:
        out["fixed_per_month"] = (-1, 1)
    if written_off:
        out["unsold_share"] = per_month(ln, ld)
    if "price_cut" in wanted:
        # Asked for by name alone (not one of _SLOPED: the month is a line in the cut only on one stretch).
        out["price_cut"] = _cut_pair(plan, get, pn, pd, gn, gd, rn, rd, td, vat1, mn, md, left_n * on_payout_n,
                                     shares_d * year_d, count_n, count_d)
    if "return_rate" in wanted:
        xn, xd = get("cost_per_return", _ZERO).as_integer_ratio()
        returned_n = xn * gd * vat1 * shares_d * year_d + gn * td * left_n * on_payout_n * xd
        returned_d = xd * gd * vat1 * shares_d * year_d
        if plan.refund_admin is not None:
            fee_n, fee_d = _refund_fee(plan.refund_admin, gn, gd, td, vat1, mn, md)
            returned_n, returned_d = returned_n * fee_d + fee_n * returned_d, returned_d * fee_d
        out["return_rate"] = per_month(returned_n, returned_d)
    if "cost_of_capital" in wanted:
        # The deposit's cost is capital x deposit / 12 a month, beside the units'.
        deposit = plan.deposit
        on_capital_n = payout_n * delay_n * ld * days_d + ln * days_n * payout_d * delay_d
        on_capital_d = payout_d * delay_d * ld * days_d * DAYS_PER_YEAR
        out["cost_of_capital"] = (
            on_capital_n * count_n * deposit.denominator * MONTHS_PER_YEAR - deposit.numerator * on_capital_d * count_d,
            on_capital_d * count_d * deposit.denominator * MONTHS_PER_YEAR,
        )
    if dutied:
        per_duty = _qadd(_Q1, on_landed) if parcel is False else _Q1
        if "duty_rate" in wanted:
            if rates:
                duty_slope = _qmul(
                    _qmul(_qmul((rates, 1), value), _qadd(_Q1, g("import_tax_rate")) if taxed else _Q1), per_duty
                )
            else:
                duty_slope = _Q0
            out["duty_rate"] = per_month(*duty_slope)
        if "import_tax_rate" in wanted:
            out["import_tax_rate"] = per_month(*_qmul(_qadd(value, duty), per_duty)) if taxed else per_month(0, 1)
    if "fine_rate" in wanted:
        out["fine_rate"] = per_month(*_qmul((gn, gd), g("fine_multiple")))
    if "fine_multiple" in wanted:
        out["fine_multiple"] = per_month(*_qmul((gn, gd), g("fine_rate")))
    if "freight_per_unit" in wanted:
        out["freight_per_unit"] = per_month(*_qadd(_Q1, on_landed))
    return out


_SLOPED = frozenset(
    ("return_rate", "stock_days", "transit_days", "payout_delay_days", "cost_of_capital", "duty_rate",
     "import_tax_rate", "late_share", "late_fine", "fine_rate", "fine_multiple", "freight_per_unit", "fee_per_unit",
     "ads_per_unit", "last_mile_per_order", "storage_per_unit_month", "cost_per_return", "affiliate_commission",
     "payment_fee", "fixed_per_month")
)
"""Every number :func:`_slope_pairs` gives a slope of (the ``"affine"`` ones of :data:`_SHAPES`)."""

_PAYOUT_SLOPED = frozenset(("payout_delay_days", "affiliate_commission", "payment_fee", "return_rate", "cost_of_capital"))
"""The slopes that read the payout (the price kept less the platform's shares) and the cost of waiting for it."""

_LANDED_SLOPED = frozenset(("stock_days", "transit_days", "cost_of_capital"))
"""The slopes that read the landed cost (a bulk import's duty in it) through the capital it ties up."""

_PER_UNIT_SLOPED = ("fee_per_unit", "ads_per_unit", "last_mile_per_order")
"""The amounts a unit pays once each: the month moves by the units per unit of each."""


_SlopeTerms = tuple[_Q, _Q, int, _Q, _Q, int, int, _Q, int, int, _Q, _Q, _Q]
"""What :func:`_slope_terms` gives (see there)."""

_SLOPE_FIXED = (
    "return_rate", "vat_rate", "cost_of_capital", "commission", "affiliate_commission", "payment_fee",
    "payout_delay_days", "transit_days", "stock_days", "unsold_share",
)
"""The numbers :func:`_slope_terms` reads: none of them a product's own (its price, price cut, unit cost and
freight), so a catalogue's products on a route share them (the company's, the tables')."""


def _slope_terms(plan: _Plan, v: Mapping[str, Fraction]) -> _SlopeTerms:
    """What :func:`_slope_pairs` reads of the numbers in :data:`_SLOPE_FIXED` (``v``'s values), as integer pairs:
    the return rate, the VAT rate, 1 + VAT over the rate's denominator, the cost of capital, the commission, what
    is left of 1 after the platform's shares and their common denominator (:func:`_shares_left`), the payout
    delay, the year's denominator of the cost of waiting for the payout and 1 - delay x capital / 365 over it,
    the days in transit and in stock, what a unit more of landed cost costs beyond itself (unsold / (1 - unsold) +
    days x capital / 365, in lowest terms) and (1 - return rate) / (1 + VAT) (what is kept of a unit of gross).

    Worked out once per route part and set of these values: a plan made by :func:`_plan` keeps them on its part
    with the values they were made of (:attr:`_RoutePart.slope_last`: the same objects most often, compared by
    identity first), and reads them again while the values are the same; a plan made otherwise works them out.
    """
    given = tuple(map(v.get, _SLOPE_FIXED))
    part = plan.part
    if part is not None:
        last = part.slope_last
        if last is not None and last[0] == given:
            return last[1]
    get = v.get
    rn, rd = get("return_rate", _ZERO).as_integer_ratio()
    tn, td = get("vat_rate", _ZERO).as_integer_ratio()
    vat1 = td + tn
    if not vat1:
        raise ZeroDivisionError("division by zero")
    capital_n, capital_d = get("cost_of_capital", _ZERO).as_integer_ratio()
    (mn, md), _affiliate, _fee, left_n, shares_d = _shares_left(get)
    delay_n, delay_d = get("payout_delay_days", _ZERO).as_integer_ratio()
    year_d = delay_d * capital_d * DAYS_PER_YEAR
    on_payout_n = year_d - delay_n * capital_n  # 1 - delay x capital / 365, over year_d
    xn, xd = get("transit_days", _ZERO).as_integer_ratio()
    stock_n, stock_d = get("stock_days", _ZERO).as_integer_ratio()
    days_n, days_d = xn * stock_d + stock_n * xd, xd * stock_d
    # What a unit more of landed cost costs beyond itself: unsold / (1 - unsold) + days x capital / 365.
    wn, wd = get("unsold_share", _ZERO).as_integer_ratio()
    if wn < wd:
        landed_year_d = days_d * capital_d * DAYS_PER_YEAR
        on_landed = _lowest(wn * landed_year_d + days_n * capital_n * (wd - wn), (wd - wn) * landed_year_d)
    else:
        on_landed = _lowest(days_n * capital_n, days_d * capital_d * DAYS_PER_YEAR)
    terms: _SlopeTerms = (
        (rn, rd), (tn, td), vat1, (capital_n, capital_d), (mn, md), left_n, shares_d, (delay_n, delay_d), year_d,
        on_payout_n, (days_n, days_d), on_landed, ((rd - rn) * td, rd * vat1),
    )
    if part is not None:
        object.__setattr__(part, "slope_last", (given, terms))
    return terms


def _amounts(plan: _Plan, v: Mapping[str, Fraction], units: Fraction) -> dict[str, Fraction]:
    """Every line's amount (costs as positive amounts), from one set of input values (see :func:`_month_parts`)."""
    return {key: Fraction(*pair) for key, pair in _month_parts(plan, v, units).items()}


def _values(plan: _Plan, case: str = "base", changes: Mapping[str, Fraction] | None = None) -> dict[str, Fraction]:
    """The plan's input values in one case (needed numbers absent: not counted), with ``changes`` over them.

    Read, never changed, by the caller: in the base case without changes, a plan made by :func:`_plan` gives its
    own (:attr:`_Plan.base`).
    """
    if case == "base":
        base = plan.base
        if base is None:
            # Each number as given (a range's base), in one comprehension (a plan made by _plan has them already).
            base = {name: item.value for name, item in plan.inputs.items() if item.value is not None}
        return {**base, **changes} if changes else base
    out = {}
    for name, item in plan.inputs.items():
        if item.value is None:
            continue
        value = item.value
        if item.low is not None and item.high is not None:
            favourable = case == "optimistic"
            value = (item.high if favourable else item.low) if name in _INCOME else (item.low if favourable else item.high)
        out[name] = value
    if changes:
        out.update(changes)
    return out


def _per_month(plan: _Plan, units: Fraction, case: str = "base", changes: Mapping[str, Fraction] | None = None) -> Fraction:
    return Fraction(*_month_parts(plan, _values(plan, case, changes), units, month_only=True)["contribution_per_month"])


def _solve(
    f: Callable[[Fraction], Fraction],
    top: Fraction | None,
    *,
    at0: Fraction | None = None,
    shape: str | None = None,
) -> Fraction | None:
    """The x >= 0 where f(x) = 0 for f monotone in x (None when f keeps its sign up to ``top``).

    Nearly every line is linear in each number: two evaluations give the answer, checked exactly. The
    rest (the unsold share, a customs threshold) are bisected; a number that changes nothing is not.

    :param at0: f(0) when the caller already has it (a needed number is 0 in the comparison itself).
    :param shape: how f depends on x, when that is known from the arithmetic (:data:`_SHAPES`):
        ``"affine"`` (the secant's root is the root: no check), ``"vat"`` (affine in 1 / (1 + x)), ``"unsold"``
        (x / (1 - x) below the top, nothing on it); the answer is the one the general search below gives,
        found in one to four evaluations.
    An ``"affine"`` f whose slope the caller has (:func:`_slopes`) is not searched at all: see :func:`_affine_root`.
    """
    if at0 is None:
        at0 = f(_ZERO)
    if at0 == 0:
        return _ZERO
    probe = top / 2 if top is not None else Fraction(1)
    at_probe = f(probe)
    if shape == "affine":
        # A straight line: its root, if it lies in range; outside it the sign holds up to the top (or for ever).
        if at_probe == at0:
            return None
        x = at0 * probe / (at0 - at_probe)
        return x if x >= 0 and (top is None or x <= top) else None
    if shape == "unsold" and top is not None:
        # The share enters only as x / (1 - x) of the landed cost, and not at all at 100% (nothing is left to
        # write off): f is strictly convex or concave below the top and back at f(0) on it, so the search's
        # secant lands only on the probe, and past it the sign at the top is the sign at 0.
        return probe if at_probe == 0 else None
    if shape == "vat" and top is not None:
        found = _solve_vat(f, top, at0, probe, at_probe)
        if found is not _UNSOLVED:
            return found  # type: ignore[return-value]
    if at_probe != at0:
        x = at0 * probe / (at0 - at_probe)
        if x >= 0 and (top is None or x <= top) and f(x) == 0:
            return x
    elif top is None:
        return None  # an amount that changes nothing here (its line is borne by the route, or multiplied by 0)
    high = top if top is not None else probe
    if top is None:
        for _grow in range(24):
            if (f(high) > 0) != (at0 > 0):
                break
            high *= 16
    at_high = f(high)
    if at_high != 0 and (at_high > 0) == (at0 > 0):
        return None
    if isinstance(f, _CutLines):
        return f.bisect(high, at0 > 0)
    low = _ZERO
    for _step in range(_STEPS):
        middle = (low + high) / 2
        if (f(middle) > 0) == (at0 > 0):
            low = middle
        else:
            high = middle
    return high


_STEPS = 60
"""Halvings of the general search: its answer is the top end of an interval of 1 / 2**60 of the range."""
_UNSOLVED = object()


def _solve_vat(
    f: Callable[[Fraction], Fraction], top: Fraction, at0: Fraction, probe: Fraction, at_probe: Fraction
) -> Fraction | None | object:
    """:func:`_solve` for the VAT rate, without the search: the same answer, or ``_UNSOLVED`` to search after all.

    The VAT rate r enters the arithmetic only through s = 1 / (1 + r) (VAT is sales x (1 - s), the price kept
    sales x s, the refund fee's base gross x s under a cap), so f is affine in s but for that cap, which makes
    it convex in s. Three points of a convex function in a line make it a line between them: then f is
    strictly monotone in r on [0, top] (or flat), its root s* is read off the line, and the general search's
    answer follows from that root: the top end of the interval of 1 / 2**60 of [0, top] that holds it.
    """
    if at_probe == 0:
        return probe  # where the general search's secant lands, checked
    at_top = f(top)
    one, s_probe, s_top = Fraction(1), 1 / (1 + probe), 1 / (1 + top)
    if (at_probe - at0) * (s_top - one) != (at_top - at0) * (s_probe - one):
        return _UNSOLVED  # the refund fee's cap bends f between the points: search
    if at_top != 0 and (at_top > 0) == (at0 > 0):
        return None  # a line that keeps its sign up to the top
    slope = (at_top - at0) / (s_top - one)
    root = 1 / (one - at0 / slope) - 1
    if f(root) != 0:
        return _UNSOLVED
    return _grid_end(root.numerator, root.denominator, top, at0 < 0)


def _grid_end(n: int, d: int, top: Fraction, below: bool) -> Fraction:
    """Where the general search on [0, ``top``] ends for a monotone f whose one root there is ``n / d`` (``d``
    positive, any terms), f(0) < 0 when ``below``: the top end of the interval of 1 / 2**60 of the range that holds
    the root. The search keeps the points on 0's side of the sign in ``low`` (a zero counts there when f(0) < 0)
    and ends with ``high`` at the first point of its grid past them."""
    scaled_n, scaled_d = n * (1 << _STEPS) * top.denominator, d * top.numerator  # root x 2**60 / top
    steps = scaled_n // scaled_d + 1 if below else -(-scaled_n // scaled_d)
    return Fraction(top.numerator * min(steps, 1 << _STEPS), top.denominator << _STEPS)


def _vat_root(at0: Fraction, at_probe: Fraction, top: Fraction) -> Fraction | None:
    """:func:`_solve`'s answer (``shape="vat"``) for the gap read off :func:`_vat_line` through f(0) = ``at0``
    (not 0) and f(top / 2) = ``at_probe``, in integers: the line's root r = -at0 x q / (at_probe x (1 + q) - at0)
    (q = top / 2: where at0 + per_s x (1 / (1 + r) - 1) is 0), and on the search's grid as :func:`_solve_vat`
    puts it; None where that root is not in (0, top] (the line keeps its sign up to the top)."""
    return _vat_root_pair(at0, at_probe.numerator, at_probe.denominator, top)


def _vat_root_pair(at0: Fraction, pn: int, pd: int, top: Fraction) -> Fraction | None:
    """:func:`_vat_root` with f(top / 2) given as the pair ``pn / pd`` (``pd`` positive, any terms: each test below
    compares signs and products, and :func:`_grid_end` takes its root in any terms)."""
    if not pn:
        return top / 2  # where the search's secant lands, checked
    an, ad = at0.numerator, at0.denominator
    qn, qd = top.numerator, top.denominator * 2
    n, d = -an * qn * pd, pn * (qd + qn) * ad - an * pd * qd
    if d < 0:
        n, d = -n, -d
    if not d or n <= 0 or n * top.denominator > top.numerator * d:
        return None
    return _grid_end(n, d, top, an < 0)


_ONE = Fraction(1)
_MOST_DAYS = Fraction(MAX_DAYS)


def _top(name: str) -> Fraction | None:
    """The most a number may be (a share 1, days :data:`MAX_DAYS`; ``None``: no limit)."""
    return _need(name)[0]


def _need(name: str) -> _Need:
    """What :func:`_tips` reads of a needed number by its name alone: its top (see :func:`_top`), the top's terms
    (``0, 1`` for none: only read beside the top) and the kind :func:`_shown_pair` rounds it as. The same for every
    product (a few dozen names): looked up once per name, not read off the Fraction's properties and the numbers'
    table for each product and comparison."""
    try:
        return _NEEDS[name]
    except KeyError:
        if len(_NEEDS) >= _NEEDS_KEPT:
            _NEEDS.clear()
        top = _name_top(name)
        top_n, top_d = (0, 1) if top is None else top.as_integer_ratio()
        need = _NEEDS[name] = (top, top_n, top_d, _kind(name))
        return need


_Need = tuple[Fraction | None, int, int, str]
_NEEDS_KEPT = 256
_NEEDS: dict[str, _Need] = {}
""":func:`_need`'s records by name; bounded by count, cleared when full."""


def _name_top(name: str) -> Fraction | None:
    spec = NUMBERS_BY_NAME.get(name)
    if spec is None or name == "cost_of_capital":
        return _ONE if name == "cost_of_capital" else None
    if spec.kind == "share":
        return _ONE
    if spec.kind == "days":
        return _MOST_DAYS
    return None


def _affine_root(at0: _Q, slope: _Q, top: Fraction | None) -> _Q | None:
    """:func:`_solve`'s answer for an ``"affine"`` f from f(0) (``at0``, its denominator positive) and its slope
    (any nonzero denominator), in integers: the root -at0 / slope over a positive denominator (not reduced: what
    reads it, the range checks and :func:`_shown_pair`, takes a pair in any terms), or None where _solve gives
    None (the secant through 0 and its probe has this slope: the same root). The root lies in [0, top] when the
    two have opposite signs and |at0| <= top x |slope|: told by signs and cross products before the division (a
    third of these roots lie out of range), with no Fraction made."""
    top_n, top_d = (0, 1) if top is None else top.as_integer_ratio()
    return _affine_root_in(at0, slope, top is not None, top_n, top_d)


def _affine_root_in(at0: _Q, slope: _Q, bounded: bool, top_n: int, top_d: int) -> _Q | None:
    """:func:`_affine_root` with the top given by its terms ``top_n / top_d`` (read only when ``bounded``; no top
    otherwise), as :func:`_tips` has them from :func:`_need`."""
    an, ad = at0
    if not an:
        return _Q0
    sn, sd = slope
    if sd < 0:
        sn, sd = -sn, -sd
    if not sn or (an > 0) == (sn > 0):
        return None
    if bounded and abs(an) * sd * top_d > top_n * abs(sn) * ad:
        return None
    return (-an * sd, ad * sn) if sn > 0 else (an * sd, -ad * sn)


_LARGEST = Fraction(10**documents.MAX_DIGITS)
"""No amount or volume the comparison works out may reach this (inputs are below it, products may not be)."""
_LARGEST_N = _LARGEST.numerator


def _merged(origins: list[Provenance], needs: tuple[str, ...] = ()) -> Provenance:
    """One origin for a line built from several table entries (their sources together, the weakest reliability)."""
    first = origins[0]
    return replace(
        first,
        entries=tuple(dict.fromkeys(e for o in origins for e in o.entries)),
        sources=tuple(dict.fromkeys(s for o in origins for s in o.sources)),
        as_of=max((o.as_of for o in origins if o.as_of), default=None),
        review_by=min((o.review_by for o in origins if o.review_by), default=None),
        stale=any(o.stale for o in origins),
        until=min((o.until for o in origins if o.until), default=None),
        reliability=_weakest(o.reliability for o in origins),
        note=" ".join(dict.fromkeys(o.note for o in origins if o.note)),
        needs=needs,
    )


def _duty_origin(plan: _Plan, values: Mapping[str, Fraction]) -> Provenance:
    """The duty line's origin: the customs entries that apply at this customs value, and what they still need."""
    if plan.parcel is None:
        return plan.duty_origin
    price = values.get("price", _ZERO)
    value = price - price * values.get("price_cut", _ZERO) if plan.parcel else values.get("unit_cost", _ZERO)
    applying = [c for c in plan.charges if c.applies(value)]
    needs = tuple(
        name
        for name, kind in (("duty_rate", "yours"), ("import_tax_rate", "import_tax"))
        if any(c.kind == kind for c in applying) and name not in plan.inputs
    )
    tabled = [c.origin for c in applying if c.origin.basis == "estimate"]
    if tabled:
        return _merged(tabled, needs)
    if needs:
        return Provenance(basis="needed", needs=needs)
    return _YOURS


def _line_origin(plan: _Plan, key: str, needs: tuple[str, ...], values: Mapping[str, Fraction]) -> Provenance:
    """Where a line comes from: the route (none of the seller's costs), the seller, the tables, or needed.

    A line whose own number (the first of ``needs``) is missing is needed (not counted); one whose own
    number is known but another it uses is not keeps its value and names what it still needs.
    """
    if key == "duty":
        return _duty_origin(plan, values)
    if key == "refund_admin" and plan.refund_admin is None:
        return Provenance(basis="route", note=N_("no refund administration fee in the tables for this route"))
    if key == "late_fines" and not plan.late_fine:
        return plan.inputs["late_share"].origin
    own = plan.inputs.get(needs[0])
    if own is not None and own.origin.basis == "route":
        return own.origin
    missing = tuple(name for name in needs if name not in plan.inputs)
    estimated = [plan.inputs[n].origin for n in needs if n in plan.inputs and plan.inputs[n].origin.basis == "estimate"]
    if own is None:
        # Needed, but a table may already give part of it (Temu's fine multiple): keep its sources.
        if estimated:
            return replace(_merged(estimated), basis="needed", needs=missing)
        return Provenance(basis="needed", needs=missing)
    if key == "refund_admin" and plan.refund_admin is not None:
        estimated.extend(i.origin for i in plan.inputs.values() if i.origin.entries and i.origin.entries[0].startswith("fee."))
    if estimated:
        return _merged(estimated, missing)
    return replace(_YOURS, needs=missing) if missing else _YOURS


def _line_needs(plan: _Plan, key: str, needs: tuple[str, ...], values: Mapping[str, Fraction]) -> tuple[str, ...]:
    """``_line_origin(plan, key, needs, values).needs``, without building the origin (a brief comparison's needs)."""
    if key == "duty":
        if plan.parcel is None:
            return plan.duty_origin.needs
        vn, vd = _declared(plan, values)
        return _duty_needs(plan, {c.kind for c in plan.charges if c.takes(vn, vd)})
    if key == "refund_admin" and plan.refund_admin is None:
        return ()
    if key == "late_fines" and not plan.late_fine:
        return plan.inputs["late_share"].origin.needs
    own = plan.inputs.get(needs[0])
    if own is not None and own.origin.basis == "route":
        return own.origin.needs
    return tuple(name for name in needs if name not in plan.inputs)


_DUTY_NEEDS = (("duty_rate", "yours"), ("import_tax_rate", "import_tax"))
"""The numbers a customs charge of each kind waits for when the seller does not give them."""


def _duty_needs(plan: _Plan, kinds: Container[str]) -> tuple[str, ...]:
    """The duty line's needed numbers when the charges of these kinds apply (the plan crossing a border)."""
    return tuple(name for name, kind in _DUTY_NEEDS if kind in kinds and name not in plan.inputs)


def _declared(plan: _Plan, values: Mapping[str, Fraction]) -> _Q:
    """The customs value of a unit under a plan that crosses a border, as a pair in any terms (its denominator
    positive): the price after cuts for a parcel, the unit cost for a bulk import."""
    if plan.parcel:
        price, cut = values.get("price", _ZERO), values.get("price_cut", _ZERO)
        return price.numerator * (cut.denominator - cut.numerator), price.denominator * cut.denominator
    cost = values.get("unit_cost", _ZERO)
    return cost.numerator, cost.denominator


_BRIEF_LINES = frozenset({"price", "contribution_per_unit", "fixed_costs", "deposit_cost", "contribution_per_month"})
"""The lines a brief comparison keeps: what the rules, the summary and a catalogue read of a model."""


def _check_size(plan: _Plan, platform: str, exact: Iterable[Fraction]) -> None:
    if max(abs(value) for value in exact) >= _LARGEST:
        raise _too_long(plan, platform)


def _too_long(plan: _Plan, platform: str) -> ProfileError:
    # Each number is below 10**64, but products of them (price x units) need not be: a result that long
    # could not be read back from a trace (numbers there have at most 64 digits) and means nothing.
    return ProfileError(
        f"{plan.column.model} on {platform}: these numbers give amounts of more than {documents.MAX_DIGITS} digits",
        field=field_path(),
        allowed=f"amounts and units a month whose products stay below 10^{documents.MAX_DIGITS}",
    )


def _model_margin(plan: _Plan, units: int, platform: str, brief: bool = False) -> ModelMargin:
    """One model's breakdown: every line, or (``brief``) only :data:`_BRIEF_LINES` with every need still named.

    The brief breakdown is what a catalogue works out some twelve times a product: it skips the origins,
    roundings and lines no brief reader looks at, and names the same needed numbers as the full one.
    """
    if brief:
        return _brief_kept(plan, units, platform)
    values = _values(plan)
    amounts = _amounts(plan, values, Fraction(units))
    lines: list[MarginLine] = []
    for key, label, formula, needs in _PER_UNIT:
        origin = _line_origin(plan, key, needs, values)
        exact = amounts[key] if key in _INCOME else -amounts[key]
        text = formula if key in _INCOME else _MINUS + formula
        lines.append(MarginLine(key, label, text, cents(exact), exact, origin))
    per_unit_value = amounts["contribution_per_unit"]
    lines.append(
        MarginLine(
            "contribution_per_unit",
            N_("Contribution per unit"),
            N_("sum of the lines above (needed lines not counted)"),
            cents(per_unit_value),
            per_unit_value,
        )
    )
    month = amounts["contribution_per_month"]
    fixed_origin = _line_origin(plan, "fixed_costs", ("fixed_per_month",), values)
    capital_missing = "cost_of_capital" not in plan.inputs
    deposit_origin = _deposit_origin(plan, capital_missing)
    per_month = (
        MarginLine(
            "units_contribution",
            N_("Contribution of the units"),
            N_("contribution per unit × monthly units"),
            cents(per_unit_value * units),
            per_unit_value * units,
        ),
        MarginLine(
            "fixed_costs",
            N_("Fixed costs"),
            _MINUS + N_("fixed costs per month"),
            cents(-amounts["fixed_costs"]),
            -amounts["fixed_costs"],
            fixed_origin,
        ),
        MarginLine(
            "deposit_cost",
            N_("Cost of the deposit"),
            _MINUS + N_("deposit × cost of capital ÷ 12"),
            cents(-amounts["deposit_cost"]),
            -amounts["deposit_cost"],
            deposit_origin,
        ),
        MarginLine(
            "contribution_per_month",
            N_("Contribution per month"),
            N_("contribution of the units − fixed costs − cost of the deposit"),
            cents(month),
            month,
        ),
        MarginLine(
            "contribution_per_unit_after_fixed",
            N_("Per unit after fixed costs"),
            N_("contribution per month ÷ monthly units"),
            cents(month / units),
            month / units,
        ),
    )
    in_stock, receivable, held = amounts["cash_in_stock"], amounts["cash_in_payouts"], amounts["deposit_held"]
    capital = _values(plan).get("cost_of_capital", _ZERO)
    stock_origin = _line_origin(plan, "cash_in_stock", ("transit_days", "stock_days"), values)
    payout_origin = _line_origin(plan, "cash_in_payouts", ("payout_delay_days",), values)
    cash = (
        MarginLine(
            "cash_in_stock",
            N_("Cash in stock (transit and warehouse)"),
            N_("(unit cost + freight + duty on imports) × monthly units × 12 ÷ 365 × (transit days + stock days)"),
            cents(in_stock),
            in_stock,
            stock_origin,
        ),
        MarginLine(
            "cash_in_payouts",
            N_("Cash waiting for payouts"),
            N_("payout per unit × monthly units × 12 ÷ 365 × payout delay days"),
            cents(receivable),
            receivable,
            payout_origin,
        ),
        MarginLine(
            "deposit_held",
            N_("Deposit held"),
            N_("the platform's deposit per shop"),
            cents(held),
            held,
            plan.deposit_origin if plan.deposit else _NO_DEPOSIT,
        ),
        MarginLine(
            "cash_tied_up",
            N_("Cash tied up"),
            N_("cash in stock + cash waiting for payouts + deposit held"),
            cents(in_stock + receivable + held),
            in_stock + receivable + held,
        ),
        MarginLine(
            "cash_cost_per_month",
            N_("What that cash costs a month"),
            N_("cash tied up × cost of capital ÷ 12 (already in the lines above)"),
            cents((in_stock + receivable + held) * capital / _MONTHS),
            (in_stock + receivable + held) * capital / _MONTHS,
            Provenance(basis="needed", needs=("cost_of_capital",)) if capital_missing else _COMPUTED,
        ),
    )
    every = (*lines, *per_month, *cash)
    _check_size(plan, platform, (line.exact for line in every))
    column = plan.column
    needed = tuple(dict.fromkeys(name for line in every for name in line.origin.needs))
    return ModelMargin(
        model=column.model,
        per_unit=tuple(lines),
        per_month=per_month,
        cash=cash,
        not_given=tuple(spec.name for spec in NUMBERS if plan.inputs.get(spec.name, _NOT_GIVEN).origin is not _YOURS),
        route=column.route,
        route_name=column.route_name,
        needed=needed,
    )


_BRIEF_MARGINS_KEPT = 64
_BRIEF_MARGINS: dict[tuple[int, int, str, str | None, str, int], tuple[object, _RoutePart, ModelMargin]] = {}
"""Brief breakdowns by the identity of their plan's seller's inputs and route part (kept with them), its column's
model, route and route's name, and the units: a product's in one market, read again in its next (few: a product's)."""


def _brief_kept(plan: _Plan, units: int, platform: str) -> ModelMargin:
    """:func:`_model_margin` in brief, made once for plans with the same seller's inputs and route part.

    Such plans (see :attr:`_Plan.seller`) have the same inputs and values, so the same breakdown: a product's
    fully managed route in a second market whose tables set it alike (about a sixth of a catalogue's breakdowns)
    is not worked out again. Its column's model, route and route's name are the breakdown's (in the key); the
    platform names only a refusal, which is never kept.
    """
    part, seller = plan.part, plan.seller
    if part is None or seller is None:
        values = _values(plan)
        return _brief_margin(plan, values, _month_parts(plan, values, units, brief=True), units, platform)
    column = plan.column
    key = (id(seller), id(part), column.model, column.route, column.route_name, units)
    known = _BRIEF_MARGINS.get(key)
    if known is not None and known[0] is seller and known[1] is part:
        return known[2]
    values = _values(plan)
    quick = _brief_quick(part, values, units, plan.laid)
    if quick is not None and units:
        margin = _brief_lined(plan, values, quick)
    else:
        margin = _brief_margin(plan, values, _month_parts(plan, values, units, brief=True, lined=False), units, platform)
    if len(_BRIEF_MARGINS) >= _BRIEF_MARGINS_KEPT:
        _BRIEF_MARGINS.clear()
    _BRIEF_MARGINS[key] = (seller, part, margin)
    return margin


_BRIEF_SHAPES_KEPT = 64


def _needed_at(known: _BriefKnown, plan: _Plan, values: Mapping[str, Fraction]) -> tuple[str, ...]:
    """A brief model's needed numbers at the product's customs value: the duty's needs follow the charges that
    apply there (which of two kinds: four lists, made once in ``known``)."""
    if not known.duty_charges:
        return known.needed
    vn, vd = _declared(plan, values)
    yours = taxed = False
    for charge in known.duty_charges:
        if charge.takes(vn, vd):
            if charge.kind == "yours":
                yours = True
            else:
                taxed = True
    return known.needed_with[yours, taxed]


def _month_lines_of(known: _BriefKnown, fixed: _Q, deposit: _Q) -> tuple[MarginLine, MarginLine]:
    """The fixed costs' and the deposit's lines of a brief model, made once per pair of amounts."""
    month_lines = known.month_lines.get((fixed, deposit))
    if month_lines is None:
        month_lines = _brief_month_lines(known, fixed, deposit)
    return month_lines


def _brief_lined(plan: _Plan, values: Mapping[str, Fraction], quick: _BriefQuick) -> ModelMargin:
    """:func:`_brief_margin` of :func:`_brief_quick`'s breakdown (``quick``, of a plan made by :func:`_plan` and whole
    units, not 0): the same model, its lines but the product's own (the price, the contributions) made once per
    line, piece of its customs values and column (:attr:`_BriefLine.shapes`). The charges that apply are the same
    across a piece (its ends are every charge's thresholds), so the duty's needed numbers are; the fixed costs and
    the deposit's cost are the line's."""
    line, piece, pn, pd, per_n, per_d, month_n, month_d = quick
    column = plan.column
    shapes = line.shapes
    shape = shapes.get((piece, id(column)))
    if shape is None or shape[0] is not column:
        known = _brief_known(plan)
        needed = _needed_at(known, plan, values)
        month_lines = _month_lines_of(known, line.fixed, line.deposit_cost)
        # The model's fields in their declared order (as _model_margin_of writes them), the lines set in per product.
        fields = {
            "model": column.model, "per_unit": (), "per_month": (), "cash": (), "not_given": known.not_given,
            "route": column.route, "route_name": column.route_name, "needed": needed,
        }
        if len(shapes) >= _BRIEF_SHAPES_KEPT:
            shapes.clear()
        shape = shapes[piece, id(column)] = (column, month_lines, fields, known.price_origin)
    _column, month_lines, fields, price_origin = shape
    per_unit_value, month_value = Fraction(per_n, per_d), Fraction(month_n, month_d)
    price = _price_line((pn, pd), values.get("price", _ZERO), price_origin)
    # Each pair's denominator is positive (see _brief_quick): its cents read in any terms.
    per_unit_line = _margin_line(
        "contribution_per_unit", N_("Contribution per unit"), N_("sum of the lines above (needed lines not counted)"),
        _cents_pair(per_n, per_d), per_unit_value,
    )
    month_line = _margin_line(
        "contribution_per_month", N_("Contribution per month"),
        N_("contribution of the units − fixed costs − cost of the deposit"), _cents_pair(month_n, month_d), month_value,
    )
    margin = object.__new__(ModelMargin)
    state = margin.__dict__
    state.update(fields)
    state["per_unit"], state["per_month"] = (price, per_unit_line), (*month_lines, month_line)
    state["_by_key"] = {
        "price": price, "contribution_per_unit": per_unit_line, "fixed_costs": month_lines[0],
        "deposit_cost": month_lines[1], "contribution_per_month": month_line,
    }
    return margin


def _deposit_origin(plan: _Plan, capital_missing: bool) -> Provenance:
    """The deposit cost line's origin: none on the route, waiting for the cost of capital, or the tables'."""
    if not plan.deposit:
        return _NO_DEPOSIT
    return replace(plan.deposit_origin, basis="needed", needs=("cost_of_capital",)) if capital_missing else plan.deposit_origin


def _brief_margin(
    plan: _Plan, values: Mapping[str, Fraction], parts: Mapping[str, _Q], units: int, platform: str
) -> ModelMargin:
    """:func:`_model_margin` in brief: the same amounts, size check and needed numbers (in the same order),
    only the lines of :data:`_BRIEF_LINES` (the other amounts stay integer pairs: checked, not kept)."""
    if not units:
        raise ZeroDivisionError("division by zero")  # as the full breakdown's contribution a unit after fixed costs
    if len(parts) > len(_BRIEF_LINES):
        # Every line: _month_parts (brief) could not prove every size by its numerators alone, or was not asked to.
        _check_brief_sizes(plan, values, parts, units, platform)
    known = _brief_known(plan)
    needed = _needed_at(known, plan, values)
    # The fixed costs and the deposit's cost are the plan's, not the product's: their lines made once per amounts.
    month_lines = _month_lines_of(known, parts["fixed_costs"], parts["deposit_cost"])
    per_unit, month = parts["contribution_per_unit"], parts["contribution_per_month"]
    per_unit_value, month_value = Fraction(*per_unit), Fraction(*month)
    price = _price_line(parts["price"], values.get("price", _ZERO), known.price_origin)
    per_unit_line = _margin_line(
        "contribution_per_unit", N_("Contribution per unit"), N_("sum of the lines above (needed lines not counted)"),
        cents(per_unit_value), per_unit_value,
    )
    month_line = _margin_line(
        "contribution_per_month", N_("Contribution per month"),
        N_("contribution of the units − fixed costs − cost of the deposit"), _cents_pair(*month), month_value,
    )
    column = plan.column
    margin = _model_margin_of(
        column.model, (price, per_unit_line), (*month_lines, month_line), (), known.not_given, column.route,
        column.route_name, needed,
    )
    # ModelMargin.line's index made with the model, its five keys all different (a comparison reads some six lines
    # of each model: the index made at the first reading went through them again).
    margin.__dict__["_by_key"] = {
        "price": price, "contribution_per_unit": per_unit_line, "fixed_costs": month_lines[0],
        "deposit_cost": month_lines[1], "contribution_per_month": month_line,
    }
    return margin


_PRICE_LINES_KEPT = 64
_PRICE_LINES: dict[tuple[int, int], MarginLine] = {}
"""Brief breakdowns' price lines, by the identity of their value and origin (the line holds both, so no id in a key
is reused while it is kept): a product's twelve breakdowns show some three prices (its supply price, its retail
price, a platform's own), one seller's number each, the same object in every market."""


def _price_line(price: _Q, value: Fraction, origin: Provenance) -> MarginLine:
    """A brief breakdown's price line: its value ``value`` (``price`` its terms), from ``origin``; one object for
    the same value and origin objects (the lines are frozen)."""
    key = (id(value), id(origin))
    known = _PRICE_LINES.get(key)
    if known is not None and known.exact is value and known.origin is origin:
        return known
    _key, label, formula, _price_needs = _PER_UNIT[0]
    line = _margin_line("price", label, formula, _cents_pair(*price), value, origin)
    if len(_PRICE_LINES) >= _PRICE_LINES_KEPT:
        _PRICE_LINES.clear()
    _PRICE_LINES[key] = line
    return line


def _check_brief_sizes(
    plan: _Plan, values: Mapping[str, Fraction], parts: Mapping[str, _Q], units: int, platform: str
) -> None:
    """The full breakdown's size check (:func:`_check_size`) on every amount it shows, from its lines as unreduced
    pairs (a size does not depend on the terms; each denominator is not 0, of either sign): the lines, then those
    worked out of them (the units' contribution, a unit's after fixed costs, the cash tied up and what it costs a
    month; :func:`_month_parts` with ``brief`` bounds these same amounts by their numerators).

    :raises ProfileError: for an amount of more than 64 digits.
    """
    per_n, per_d = parts["contribution_per_unit"]
    month_n, month_d = parts["contribution_per_month"]
    sn, sd = parts["cash_in_stock"]
    wn, wd = parts["cash_in_payouts"]
    hn, hd = parts["deposit_held"]
    tied_n, tied_d = (sn * wd + wn * sd) * hd + hn * sd * wd, sd * wd * hd
    capital = values.get("cost_of_capital", _ZERO)
    checked = (
        *parts.values(), (per_n * units, per_d), (month_n, month_d * units), (tied_n, tied_d),
        (tied_n * capital.numerator, tied_d * capital.denominator * MONTHS_PER_YEAR),
    )
    largest = _LARGEST.numerator
    for n, d in checked:
        # A numerator below 10**64 proves the amount is (its denominator is a whole number, not 0).
        if not -largest < n < largest and abs(n) >= largest * abs(d):
            raise _too_long(plan, platform)


def _brief_month_lines(known: _BriefKnown, fixed: _Q, deposit_cost: _Q) -> tuple[MarginLine, MarginLine]:
    """A brief breakdown's fixed costs and deposit cost lines for these amounts (pairs, positive denominators),
    kept in ``known`` (a catalogue's products share them: the company's fixed costs, the route's deposit)."""
    minus_fixed, minus_deposit = Fraction(-fixed[0], fixed[1]), Fraction(-deposit_cost[0], deposit_cost[1])
    lines = (
        _margin_line("fixed_costs", N_("Fixed costs"), _MINUS + N_("fixed costs per month"),
                     cents(minus_fixed), minus_fixed, known.fixed_origin),
        _margin_line("deposit_cost", N_("Cost of the deposit"), _MINUS + N_("deposit × cost of capital ÷ 12"),
                     cents(minus_deposit), minus_deposit, known.deposit_origin),
    )
    if len(known.month_lines) >= _BRIEF_MONTH_LINES_KEPT:
        known.month_lines.clear()
    known.month_lines[fixed, deposit_cost] = lines
    return lines


_BRIEF_MONTH_LINES_KEPT = 64


@dataclass(frozen=True)
class _BriefKnown:
    """What a brief breakdown names that the plan's values do not change: origins, needs and the numbers not given.

    The needed numbers in order: those of the lines before the duty, the duty's, then the rest. When the plan
    crosses a border and a charge that applies there waits for a number not given (``duty_charges``), the duty's
    follow the customs value: ``needed_with`` holds the whole for each pair (a charge on the seller's duty rate
    applies, an import tax applies); otherwise ``needed`` is the whole.
    """

    held: tuple[object, ...]
    price_origin: Provenance
    fixed_origin: Provenance
    deposit_origin: Provenance
    needed: tuple[str, ...]
    duty_charges: tuple[_Charge, ...]
    needed_with: Mapping[tuple[bool, bool], tuple[str, ...]]
    not_given: tuple[str, ...]
    month_lines: dict[tuple[_Q, _Q], tuple[MarginLine, MarginLine]] = field(default_factory=dict, compare=False)
    """The fixed costs and deposit cost lines made so far, by their amounts (bounded: :data:`_BRIEF_MONTH_LINES_KEPT`)."""


_ORIGIN = operator.attrgetter("origin")

_BRIEF_KNOWN_KEPT = 1024
_BRIEF_KNOWN: dict[Hashable, _BriefKnown] = {}
"""Brief breakdowns' fixed parts of plans made otherwise than by :func:`_plan` (kept on the route part for those),
by what they read of a plan: the names of its inputs and each input's origin, the route's terms; bounded by
count as the route parts are (:data:`_ROUTE_PARTS_KEPT`)."""


def _brief_known(plan: _Plan) -> _BriefKnown:
    """The fixed parts of :func:`_brief_margin` for this plan, worked out once per route and set of given numbers.

    Keyed by the identity of the origins read (the seller's numbers share one origin, the tables' are the route
    part's own objects) and of the charges (the route part's tuple; the entry keeps the ones the duty's needs
    follow): the entry holds them, so no id in its key can be reused while it is kept. A plan made by
    :func:`_plan` finds it on its route part (:attr:`_RoutePart.brief_known`: plans with the same part have the same
    inputs by name and origin, and the part's charges and terms, see :attr:`_Plan.part`), without a key.
    """
    part = plan.part
    key: Hashable = None
    if part is not None:
        known = part.brief_known
        if known is not None:
            return known
    inputs = plan.inputs  # read only when the entry is made (a plan made by _plan makes them at their first reading)
    if part is not None:
        held: tuple[object, ...] = ()
    else:
        held = (*map(_ORIGIN, inputs.values()), plan.duty_origin, plan.deposit_origin, plan.charges)
        key = (
            tuple(inputs), tuple(map(id, held)), plan.parcel, plan.refund_admin is None, plan.late_fine,
            bool(plan.deposit),
        )
        known = _BRIEF_KNOWN.get(key)
        if known is not None:
            return known
    values: dict[str, Fraction] = {}  # no line read below reads a value (the duty's are read apart)
    capital_missing = "cost_of_capital" not in inputs
    fixed_origin = _line_origin(plan, "fixed_costs", ("fixed_per_month",), values)
    deposit_origin = _deposit_origin(plan, capital_missing)
    before: list[str] = []
    after: list[str] = []
    side = before
    for key_name, _label, _formula, line_needs in _PER_UNIT:
        if key_name == "duty":
            side = after
        else:
            side.extend(_line_needs(plan, key_name, line_needs, values))
    after.extend(fixed_origin.needs + deposit_origin.needs)
    after.extend(_line_needs(plan, "cash_in_stock", ("transit_days", "stock_days"), values))
    after.extend(_line_needs(plan, "cash_in_payouts", ("payout_delay_days",), values))
    after.extend(plan.deposit_origin.needs if plan.deposit else _NO_DEPOSIT.needs)
    if capital_missing:
        after.append("cost_of_capital")
    # The charges whose applying changes the duty's needs: only those of a kind that waits for a number not given.
    waiting = {kind for name, kind in _DUTY_NEEDS if name not in inputs}
    duty_charges = () if plan.parcel is None else tuple(c for c in plan.charges if c.kind in waiting)
    duty = plan.duty_origin.needs if plan.parcel is None else ()
    needed_with = {
        (yours, taxed): tuple(dict.fromkeys(
            (*before, *_duty_needs(plan, {k for k, on in (("yours", yours), ("import_tax", taxed)) if on}), *after)
        ))
        for yours in (False, True) for taxed in (False, True)
    } if duty_charges else {}
    known = _BriefKnown(
        held=held,
        price_origin=_line_origin(plan, "price", _PER_UNIT[0][3], values),
        fixed_origin=fixed_origin,
        deposit_origin=deposit_origin,
        needed=tuple(dict.fromkeys((*before, *duty, *after))),
        duty_charges=duty_charges,
        needed_with=needed_with,
        not_given=tuple(spec.name for spec in NUMBERS if inputs.get(spec.name, _NOT_GIVEN).origin is not _YOURS),
    )
    if part is not None:
        object.__setattr__(part, "brief_known", known)  # one per part (they are bounded)
        return known
    if len(_BRIEF_KNOWN) >= _BRIEF_KNOWN_KEPT:
        _BRIEF_KNOWN.clear()
    _BRIEF_KNOWN[key] = known
    return known


_NOT_GIVEN = _Input(None, None, None, Provenance(basis="needed"))


_SHARES_OF_PRICE = ("commission", "affiliate_commission", "payment_fee")


def _check_shares(plan: _Plan, platform: str) -> None:
    """Shares taken from the same price must leave something of it, or more returns would pay.

    In the base case and the conservative one (a range's high end: each is a cost), as :func:`_values` reads them.
    """
    part = plan.part
    if part is not None and part.shares_passed:
        return
    shares = tuple(map(plan.inputs.get, _SHARES_OF_PRICE))
    # The inputs are shared objects (the seller's numbers are made once per value, the tables' once per route part):
    # shares that passed are known by their identity (the entry holds them, so no id in its key is reused).
    key = tuple(map(id, shares))
    if key not in _SHARES_PASSED:
        base: list[Fraction] = []
        conservative: list[Fraction] = []
        for item in shares:
            if item is None or item.value is None:
                continue
            base.append(item.value)
            conservative.append(item.high if item.low is not None and item.high is not None else item.value)
        # Summed once when no share is a range (the two cases are then the same numbers).
        if sum(base) > 1 or (conservative != base and sum(conservative) > 1):
            raise ProfileError(
                f"commission, affiliate commission and payment fee on {plan.column.route or plan.column.model} "
                f"({platform}) add up to more than 100% of the price kept",
                field=field_path(plan.column.model, "commission"),
                allowed="shares whose sum stays at or below 1 (100%)",
            )
        if len(_SHARES_PASSED) >= _SHARES_PASSED_KEPT:
            _SHARES_PASSED.clear()
        _SHARES_PASSED[key] = shares
    seller = plan.seller
    if part is not None and seller is not None and not any(name in seller for name in _SHARES_OF_PRICE):
        object.__setattr__(part, "shares_passed", True)  # the route part's own shares: every plan made with it passes


_SHARES_PASSED_KEPT = 1024
_SHARES_PASSED: dict[tuple[int, ...], tuple[_Input | None, ...]] = {}
"""Shares that passed :func:`_check_shares`, by the identity of their inputs (kept with them)."""


_NO_ROUTE_COLUMNS = (Column(FULL), Column(SEMI))
"""The columns of a comparison with no market: the models' defaults (one object each, so their route parts are kept)."""


def _platform_margin(
    economics: Economics, platform: str, name: str, market: MarketColumns | None, today: date | None, brief: bool = False
) -> PlatformMargin:
    columns = market.columns if market is not None else _NO_ROUTE_COLUMNS
    market_code = market.market if market is not None else None
    plans = [_plan(economics, platform, market_code, column, today) for column in columns]
    for plan in plans:
        _check_shares(plan, platform)
    units = economics.monthly_units
    models = tuple([_model_margin(plan, units, platform, brief) for plan in plans])
    market_name = market.market_name if market is not None else ""
    if len(models) < 2:
        leader = models[0].model if models else EVEN
        # _summary's words for one model open (or none), in English, as it gives them: the text worded once per
        # model (_only_open), without switching the language for each of these comparisons (half of a catalogue's).
        summary = _only_open("en", models[0].model if models else None)
        return PlatformMargin._made(
            platform, name, models, leader, _NO_GAP, None, None, summary, None, market_code, market_name, (), (),
            _NO_BREAK_EVENS,
        )
    full, semi = models
    # The models' properties, each line read once, and the gap and the crossing in integers (Fractions' operators
    # and the lines' search were a tenth of this comparison): each pair's denominator positive, as a Fraction's.
    (fun, fud), (fmn, fmd), (ffn, ffd), full_cents = _month_pairs(full)
    (sun, sud), (smn, smd), (sfn, sfd), semi_cents = _month_pairs(semi)
    gap = fmn * smd - smn * fmd  # over fmd x smd
    gap_per_month = _cents_pair(abs(gap), fmd * smd)
    leader = EVEN if not gap_per_month else (FULL if gap > 0 else SEMI)
    slope_n, slope_d = sun * fud - fun * sud, sud * fud  # semi's contribution per unit less full's
    crossing: Fraction | None = None
    above: str | None = None
    if slope_n:
        # (semi's fixed costs - full's) / slope, over a positive denominator.
        pn, pd = (sfn * ffd - ffn * sfd) * slope_d, sfd * ffd * slope_n
        if pd < 0:
            pn, pd = -pn, -pd
        # A volume past 10**64 units a month is no break-even (and could not be shown or stored).
        if 0 < pn < _LARGEST_N * pd:
            crossing = Fraction(pn, pd)
            above = SEMI if slope_n > 0 else FULL
    # What the summary and open_tips read of the needed numbers (_turning), from the entries that could turn it as
    # _tips makes them (with their kinds), not from another pass over every entry.
    tipping: list[tuple[NeededNumber, str]] = []
    needed = _tips(plans, models, leader, Fraction(units), months=((fmn, fmd), (smn, smd)), tipping=tipping)
    turning = _closest(tipping, models, leader)
    # Worded before the comparison is made (it reads nothing else of it), rather than laid over it afterwards.
    with _in_english():
        summary = _summary(
            models, leader, gap_per_month, crossing, above, needed, units, economics.currency,
            (full_cents, semi_cents), turning,
        )
    made = PlatformMargin._made(
        platform, name, models, leader, gap_per_month, None if crossing is None else cents(crossing), above, summary,
        crossing, market_code, market_name, needed, () if brief else _scenarios(plans, Fraction(units)),
        _NO_BREAK_EVENS if brief else _break_evens(plans, Fraction(units)),
    )
    # gap_pct and open_tips (cached properties: kept in the record's __dict__ once read) from what is at hand, not
    # from the models' lines and Fractions and another pass over the needed numbers when the rules' facts and the
    # placements read them.
    state = made.__dict__
    state["gap_pct"] = _gap_pct_pairs((fmn, fmd), (smn, smd))
    state["open_tips"] = turning[2]
    return made


def _month_pairs(margin: ModelMargin) -> tuple[_Q, _Q, _Q, Decimal]:
    """``margin``'s contribution per unit, per month and fixed costs a month (its properties) as integer pairs
    (a Fraction's terms), read through :meth:`ModelMargin.line`'s index: the one the summary's price and a
    catalogue's placements read next, made once (not a second look through the lines of its own); and the
    contribution per month rounded to the cent, as its line holds it (cents() of its exact amount: the summary
    shows it, not rounded again)."""
    line = margin.line  # KeyError for a line missing, as the properties raise it
    fixed, deposit = line("fixed_costs").exact.as_integer_ratio(), line("deposit_cost").exact.as_integer_ratio()
    month = line("contribution_per_month")
    return (
        line("contribution_per_unit").exact.as_integer_ratio(),
        month.exact.as_integer_ratio(),
        (-fixed[0] * deposit[1] - deposit[0] * fixed[1], fixed[1] * deposit[1]),
        month.value,
    )


_NO_BREAK_EVENS = BreakEvens()
"""A brief or one-model comparison's break-evens: none (one record: it is frozen, and made afresh for each
comparison it was a tenth of a one-model comparison's time)."""


_NO_GAP = Decimal("0.00")


_SHAPES: Mapping[str, str] = {
    **dict.fromkeys(
        (
            # Each enters _amounts as a factor of sums the others make, or as a term: the month is a straight line in it.
            "return_rate", "stock_days", "transit_days", "payout_delay_days", "cost_of_capital", "duty_rate",
            "import_tax_rate", "late_share", "late_fine", "fine_rate", "fine_multiple", "freight_per_unit",
            "fee_per_unit", "ads_per_unit", "last_mile_per_order", "storage_per_unit_month", "cost_per_return",
            "fixed_per_month", "affiliate_commission", "payment_fee",
        ),
        "affine",
    ),
    "vat_rate": "vat",
    "unsold_share": "unsold",
}
"""How the month depends on each number, where the arithmetic makes it plain (see :func:`_solve`). Not here:
the price, the price cut and the unit cost (the customs value crosses thresholds) and the commission (the refund
fee's cap): those are searched.
tests/economics/test_tipping.py holds each shape against the search on generated numbers."""


_CURVED = frozenset({"vat_rate", "unsold_share"})
"""The numbers the month is not a straight line in, on any stretch (they divide): never read off a line."""


def _stretch(plan: _Plan, v: Mapping[str, Fraction]) -> Hashable:
    """Which stretch of the arithmetic these values fall on: the customs charges that apply and whether the
    refund fee is at its cap (the only places :func:`_month_parts` branches on a value). On one stretch the month
    is a straight line in every number but the VAT rate and the unsold share (see :data:`_CURVED`)."""
    price = v.get("price", _ZERO)
    gross = price - price * v.get("price_cut", _ZERO)
    charges: tuple[bool, ...] = ()
    if plan.parcel is not None:
        value = gross if plan.parcel else v.get("unit_cost", _ZERO)
        charges = tuple(charge.applies(value) for charge in plan.charges)
    capped = False
    if plan.refund_admin is not None:
        share, cap = plan.refund_admin
        capped = cap < share * gross / (1 + v.get("vat_rate", _ZERO)) * v.get("commission", _ZERO)
    return charges, capped


def _lined(f: Callable[[Fraction], Fraction], stretch: Callable[[Fraction], Hashable]) -> Callable[[Fraction], Fraction]:
    """``f``, worked out at two points of each stretch, then read off that stretch's line (exactly: f is a
    straight line there). A search of 60 steps then works the month out a few times instead of 60."""
    seen: dict[Hashable, tuple[Fraction, Fraction, bool]] = {}

    def lined(x: Fraction) -> Fraction:
        key = stretch(x)
        known = seen.get(key)
        if known is not None and known[2]:
            return known[0] * x + known[1]
        y = f(x)
        if known is None:
            seen[key] = (x, y, False)
        elif known[0] != x:
            slope = (y - known[1]) / (x - known[0])
            seen[key] = (slope, y - slope * x, True)
        return y

    return lined


def _tips(
    plans: list[_Plan],
    models: tuple[ModelMargin, ...],
    leader: str,
    units: Fraction,
    shapes: Mapping[str, str] = _SHAPES,
    lines: bool = True,
    closed: bool = True,
    months: tuple[_Q, _Q] | None = None,
    tipping: list[tuple[NeededNumber, str]] | None = None,
) -> tuple[NeededNumber, ...]:
    """Each needed number, and the value at which it would tip the comparison (for the leading route).

    :param shapes: what :func:`_solve` may take as known of each number (none: search every one).
    :param lines: a searched number's month read off the straight line of its stretch once two points of it are
        known (:func:`_lined`), instead of worked out at every step of the search: the same values.
    :param closed: the price cut, the VAT rate and the unsold share (when ``lines`` and ``shapes`` allow them a
        shortcut) answered from the arithmetic of their stretch with fewer months worked out (:func:`_cut_slope`,
        :func:`_vat_line`, :func:`_landed_unit`): the values the search gives.
    :param months: the models' contributions per month as integer pairs (a Fraction's terms), when the caller has
        them (:func:`_month_pairs`): the gap is then worked out on them, and as Fractions only for a search.
    :param tipping: a list that each entry that could turn the comparison is added to as it is made, with its
        kind (what :func:`_closest` reads of the entries: :func:`_turning` without another pass over them).
    """
    out: list[NeededNumber] = []
    for index, (plan, margin) in enumerate(zip(plans, models, strict=True)):
        if margin.model != leader:
            # A trailing route's numbers tip nothing: the same entries for every product with the same names.
            out.extend(_untipped(margin.needed, margin.model))
            continue
        # Both months are the models' own (the same values, the same arithmetic): not worked out again.
        target: Fraction | None = None
        compared: Fraction | None = None
        if months is None:
            target = models[1 - index].contribution_per_month
            compared = margin.contribution_per_month - target
            at0_pair = _q(compared)
        else:
            (own_n, own_d), (other_n, other_d) = months[index], months[1 - index]
            at0_pair = (own_n * other_d - other_n * own_d, own_d * other_d)  # the Fractions made when a search needs them
        values = _values(plan)
        slopes: dict[str, _Q] | None = None
        moved = at0_pair[0] != 0  # the comparison's own gap is not 0
        model = margin.model
        wanted, agenda = _agenda(margin.needed)
        untipped = _untipped(margin.needed, model)  # each name's entry where it tips nothing, by its place
        for place, (name, top, top_n, top_d, kind, shape) in enumerate(agenda):
            # A needed number is absent (counted as 0), so at 0 the gap is the comparison's own.
            given = values.get(name)
            absent = given is None or not given
            if shapes is not _SHAPES:
                shape = shapes.get(name)
            root: _Q | None
            if shape == "affine" and absent:
                # _solve's answer for a known slope (_slope_pairs), kept an integer pair up to the rounding it is shown with.
                if slopes is None:
                    slopes = _slope_pairs(plan, values, units, wanted)
                root = _affine_root_in(at0_pair, slopes[name], top is not None, top_n, top_d)
                if root is not None and top is not None and name != "unsold_share":
                    # _affine_root_in keeps a bounded root only in [0, top]: below 10**64 (a top is 1 or MAX_DAYS)
                    # and reachable (the unsold share only below its top), as the checks below would find.
                    entry = _needed_number(name, model, _shown_as(kind, *root), True)
                    out.append(entry)
                    if tipping is not None:
                        tipping.append((entry, kind))
                    continue
            elif closed and lines and absent and top is not None and name == "price_cut" and shape is None and moved \
                    and _cut_straight(plan, values):
                # One stretch from no cut to a cut of 100%: a straight line, which the search solves as a line (its
                # slope _cut_slope_pair's, worked out with the others': the payout's arithmetic is shared).
                if slopes is None:
                    slopes = _slope_pairs(plan, values, units, wanted)
                root = _affine_root_in(at0_pair, slopes[name], True, top_n, top_d)
                if root is not None:
                    # In [0, top] (a share's top, 1): below 10**64 and reachable, as for a bounded affine root above.
                    entry = _needed_number(name, model, _shown_as(kind, *root), True)
                    out.append(entry)
                    if tipping is not None:
                        tipping.append((entry, kind))
                    continue
            else:
                closing = closed and absent and top is not None and moved
                if closing and name == "unsold_share" and shape == "unsold" and top is not None:
                    # The search's one evaluation, at the probe 1/2 (x / (1 - x) = 1 there): the gap less units x the
                    # landed cost, its slope in x / (1 - x) (_slope_pairs, with the other slopes' landed cost).
                    if slopes is None:
                        slopes = _slope_pairs(plan, values, units, wanted)
                    sn, sd = slopes[name]
                    an, ad = at0_pair
                    if an * sd == -sn * ad:
                        entry = _needed_number(name, model, _shown_as(kind, top_n, 2 * top_d), True)
                        out.append(entry)
                        if tipping is not None:
                            tipping.append((entry, kind))
                    else:
                        out.append(untipped[place])
                    continue
                if target is None or compared is None:
                    assert months is not None
                    target, compared = Fraction(*months[1 - index]), Fraction(*at0_pair)
                at0 = compared if absent else None

                def gap(x: Fraction, plan: _Plan = plan, name: str = name, target: Fraction = target,
                        values: dict[str, Fraction] = values) -> Fraction:
                    # _per_month's month with the plan's values worked out once per plan rather than once per point.
                    month = _month_parts(plan, {**values, name: x}, units, month_only=True)["contribution_per_month"]
                    return Fraction(*month) - target

                found: Fraction | None
                if closing and name == "vat_rate" and shape == "vat" and at0 is not None and top is not None \
                        and _vat_straight(plan, values, top):
                    # The gap is a line in 1 / (1 + rate) (_vat_line): its root read off it, on the search's grid, the
                    # gap at the probe worked out of the few lines the rate moves (_vat_moved), not a month afresh.
                    vn, vd = _vat_moved(plan, values, units, top / 2)
                    found = _vat_root_pair(at0, at0.numerator * vd + vn * at0.denominator, at0.denominator * vd, top)
                else:
                    searched: Callable[[Fraction], Fraction] = gap
                    if closing and name == "price_cut" and shape is None and lines:
                        searched = _cut_lined(gap, plan, values, units)
                    elif lines and shape is None and name not in _CURVED:

                        def stretch(x: Fraction, plan: _Plan = plan, name: str = name,
                                    values: dict[str, Fraction] = values) -> Hashable:
                            return _stretch(plan, {**values, name: x})

                        searched = _lined(gap, stretch)
                    found = _solve(searched, top, at0=at0, shape=shape)
                root = None if found is None else _q(found)
            if root is None or root[0] >= _LARGEST_N * root[1]:
                # Past 10**64 no file can give the number (longer numbers are refused), and the value could not be
                # shown or stored: no tipping value, as a break-even volume that far is none.
                out.append(untipped[place])
                continue
            n, d = root
            reachable = top is None or n * top_d < top_n * d or (n * top_d == top_n * d and name != "unsold_share")
            entry = _needed_number(name, model, _shown_as(kind, n, d), reachable)
            out.append(entry)
            if reachable and tipping is not None:
                tipping.append((entry, kind))
    return tuple(out)


def _agenda(needed: tuple[str, ...]) -> tuple[frozenset[str], tuple[tuple[str, Fraction | None, int, int, str, str | None], ...]]:
    """What :func:`_tips` reads of a route's needed numbers by their names alone: the names as the set
    :func:`_slope_pairs` takes, and each name with its :func:`_need` and its :data:`_SHAPES` entry. A catalogue's
    routes need a handful of different lists (six in the bench's 2,000 products): made once per list, not looked
    up name by name for every product."""
    try:
        return _AGENDAS[needed]
    except KeyError:
        if len(_AGENDAS) >= _AGENDAS_KEPT:
            _AGENDAS.clear()
        agenda = _AGENDAS[needed] = (frozenset(needed), tuple((name, *_need(name), _SHAPES.get(name)) for name in needed))
        return agenda


_AGENDAS_KEPT = 256
_AGENDAS: dict[tuple[str, ...], tuple[frozenset[str], tuple[tuple[str, Fraction | None, int, int, str, str | None], ...]]] = {}
""":func:`_agenda`'s entries, by the needed names; bounded by count, cleared when full."""


def _untipped(names: tuple[str, ...], model: str) -> tuple[NeededNumber, ...]:
    """``NeededNumber(name, model, None, False)`` for each of ``names``: made once per names and model (the
    records are frozen), not again for every product and comparison."""
    key = (names, model)
    known = _UNTIPPED.get(key)
    if known is None:
        if len(_UNTIPPED) >= _UNTIPPED_KEPT:
            _UNTIPPED.clear()
        known = _UNTIPPED[key] = tuple(NeededNumber(name, model, None, False) for name in names)
    return known


_UNTIPPED_KEPT = 1024
_UNTIPPED: dict[tuple[tuple[str, ...], str], tuple[NeededNumber, ...]] = {}
""":func:`_untipped`'s entries, by names and model (a few dozen in a catalogue); bounded by count, cleared when full."""


_CLOSED = frozenset({"price_cut", "vat_rate", "unsold_share"})
"""The numbers :func:`_tips` answers from their stretch's arithmetic (each a share: searched on [0, 1])."""


def _landed_unit(plan: _Plan, v: Mapping[str, Fraction]) -> Fraction:
    """What a unit costs landed, as :func:`_month_parts` writes an unsold share off it: the unit cost, freight and
    (on a bulk import) duty with its import tax. The month at an unsold share x is the month at 0 less units x
    this x x / (1 - x), so the search's probe (1/2) moves it by exactly units x this."""
    return Fraction(*_landed_pair(plan, v))


def _landed_pair(plan: _Plan, v: Mapping[str, Fraction]) -> _Q:
    """:func:`_landed_unit` as an integer pair (its denominator positive, not reduced): the unsold share's slope
    that :func:`_slope_pairs` gives (the month's in x / (1 - x)) for one unit, less."""
    n, d = _slope_pairs(plan, v, _ONE, _UNSOLD_ONLY)["unsold_share"]
    return -n, d


_UNSOLD_ONLY = frozenset(("unsold_share",))


def _vat_straight(plan: _Plan, v: Mapping[str, Fraction], top: Fraction) -> bool:
    """Whether the month is a straight line in 1 / (1 + VAT rate) for every rate from 0 to ``top``: the refund
    fee, the only other place the rate enters (share x price after cuts x commission / (1 + rate), which moves
    one way as the rate rises), is on the same side of its cap at both ends, or there is none."""
    if plan.refund_admin is None:
        return True
    share, cap = plan.refund_admin
    price = v.get("price", _ZERO)
    fee = share * (price - price * v.get("price_cut", _ZERO)) * v.get("commission", _ZERO)
    return (cap < fee) == (cap < fee / (1 + top))


def _vat_moved(plan: _Plan, v: Mapping[str, Fraction], units: Fraction, rate: Fraction) -> _Q:
    """How much the month moves from a VAT rate of 0 to ``rate`` (> -1), the other values ``v``'s: what
    :func:`_month_parts` works out at the two rates, less each other. The rate enters only what is kept of sales
    (sales / (1 + rate)): the payout, the cost of waiting for it and the refund fee below its cap, so the month
    moves by units x (the payout less its cost, at 1 / (1 + rate) less at 1, less returns x the fee's move);
    :func:`_tips` reads the gap at its probe so, in integers, instead of working the whole month out again.
    An unreduced pair, its denominator positive."""
    get = v.get
    pn, pd = get("price", _ZERO).as_integer_ratio()
    cn, cd = get("price_cut", _ZERO).as_integer_ratio()
    gn, gd = pn * (cd - cn), pd * cd  # gross: price x (1 - cut)
    rn, rd = get("return_rate", _ZERO).as_integer_ratio()
    (mn, md), _affiliate, _fee, left_n, shares_d = _shares_left(get)
    delay_n, delay_d = get("payout_delay_days", _ZERO).as_integer_ratio()
    capital_n, capital_d = get("cost_of_capital", _ZERO).as_integer_ratio()
    year_d = delay_d * capital_d * DAYS_PER_YEAR
    qn, qd = rate.as_integer_ratio()
    # sales (1 - shares) (1 - delay x capital / 365) x (1 / (1 + rate) - 1), the last -rate / (1 + rate).
    n = -gn * (rd - rn) * left_n * (year_d - delay_n * capital_n) * qn
    d = gd * rd * shares_d * year_d * (qd + qn)
    if plan.refund_admin is not None:
        # The fee on a returned unit (the cap, or share x gross / (1 + rate) x commission) at the rate less at 0.
        (an, ad), (yn, yd) = _refund_fee(plan.refund_admin, gn, gd, qd, qd + qn, mn, md), _refund_fee(
            plan.refund_admin, gn, gd, 1, 1, mn, md
        )
        fee_n, fee_d = an * yd - yn * ad, ad * yd
        n, d = n * rd * fee_d - rn * fee_n * d, d * rd * fee_d
    return units.numerator * n, units.denominator * d


def _vat_line(at0: Fraction, at_probe: Fraction, probe: Fraction) -> Callable[[Fraction], Fraction]:
    """The gap at any VAT rate r, read off its line in s = 1 / (1 + r) through r = 0 and r = ``probe``
    (exactly the gap from 0 to the top where :func:`_vat_straight` holds: the search's points then cost no months)."""
    one = Fraction(1)
    per_s = (at_probe - at0) / (1 / (1 + probe) - one)

    def line(x: Fraction) -> Fraction:
        return at0 + per_s * (1 / (1 + x) - one)

    return line


def _cut_straight(plan: _Plan, v: Mapping[str, Fraction]) -> bool:
    """Whether every price cut from 0 to 100% falls on one stretch (see :func:`_stretch`): the price after cuts
    runs from the price down to 0 and crosses no customs threshold (a parcel declares it) and the refund fee
    (share x price after cuts x commission, a straight line through 0) stays on one side of its cap."""
    price = v.get("price", _ZERO)
    pn, pd = price.numerator, price.denominator
    if pn <= 0 or v.get("price_cut", _ZERO):
        return False
    if plan.parcel:
        # A charge switches where the value passes a threshold t: at t itself and just above it differ.
        for charge in plan.charges:
            for threshold in (charge.up_to, charge.over):
                if threshold is not None:
                    tn, td = threshold.numerator, threshold.denominator
                    if tn >= 0 and tn * pd < pn * td:
                        return False
    if plan.refund_admin is not None:
        # In integers: the fee share x price x commission / (1 + VAT) over a positive denominator, against the cap.
        share, cap = plan.refund_admin
        x, m = v.get("vat_rate", _ZERO), v.get("commission", _ZERO)
        vat1 = x.denominator + x.numerator
        if not vat1:
            raise ZeroDivisionError("division by zero")
        fee_n, fee_d = share.numerator * pn * x.denominator * m.numerator, share.denominator * pd * vat1 * m.denominator
        if fee_d < 0:
            fee_n, fee_d = -fee_n, -fee_d
        if (cap.numerator * fee_d < fee_n * cap.denominator) != (cap.numerator < 0):
            return False
    return True


def _cut_lined(
    f: Callable[[Fraction], Fraction], plan: _Plan, values: Mapping[str, Fraction], units: Fraction
) -> _CutLines:
    """:func:`_lined` for the price cut: each stretch's line from one point of it and :func:`_cut_slope` there
    (one month worked out a stretch, not two), and the stretch told apart as :func:`_stretch` tells it, from the
    price after cuts alone (the customs charges that apply to it, the refund fee at its cap or under it)."""
    price = values.get("price", _ZERO)
    fee_per_gross: Fraction | None = None
    cap = _ZERO
    if plan.refund_admin is not None:
        share, cap = plan.refund_admin
        fee_per_gross = share / (1 + values.get("vat_rate", _ZERO)) * values.get("commission", _ZERO)
    return _CutLines(f, plan, values, units, price, plan.charges if plan.parcel else (), fee_per_gross, cap)


class _CutLines:
    """The price cut's month read off its stretches' lines (see :func:`_cut_lined`), and :func:`_solve`'s search
    over it run on integers (:meth:`bisect`): the same points, the same signs, far less Fraction arithmetic."""

    def __init__(
        self,
        f: Callable[[Fraction], Fraction],
        plan: _Plan,
        values: Mapping[str, Fraction],
        units: Fraction,
        price: Fraction,
        charges: tuple[_Charge, ...],
        fee_per_gross: Fraction | None,
        cap: Fraction,
    ) -> None:
        self.f, self.plan, self.values, self.units = f, plan, values, units
        self.price, self.charges, self.fee_per_gross, self.cap = price, charges, fee_per_gross, cap
        self.seen: dict[Hashable, tuple[Fraction, Fraction]] = {}
        # Each charge's thresholds as integers (:meth:`_Charge.takes` reads them so, each time through Fractions'
        # properties): the search tells 60 stretches apart with them.
        self.bounds = tuple(
            (
                None if charge.up_to is None else (charge.up_to.numerator, charge.up_to.denominator),
                None if charge.over is None else (charge.over.numerator, charge.over.denominator),
            )
            for charge in charges
        )
        self.capped = None if fee_per_gross is None else (
            cap.numerator * fee_per_gross.denominator, fee_per_gross.numerator * cap.denominator
        )

    def _key(self, gn: int, gd: int) -> Hashable:
        """The stretch of the price after cuts gn / gd (gd > 0, any terms): the charges that apply (each as
        :meth:`_Charge.takes` tells it), the cap."""
        capped = False
        if self.capped is not None:
            cap_side, fee_side = self.capped
            capped = cap_side * gd < gn * fee_side
        return tuple(
            (up_to is None or gn * up_to[1] <= up_to[0] * gd) and (over is None or gn * over[1] > over[0] * gd)
            for up_to, over in self.bounds
        ), capped

    def __call__(self, x: Fraction) -> Fraction:
        gross = self.price - self.price * x
        key = self._key(gross.numerator, gross.denominator)
        known = self.seen.get(key)
        if known is not None:
            return known[0] * x + known[1]
        y = self.f(x)
        slope = _cut_slope(self.plan, {**self.values, "price_cut": x}, self.units)
        self.seen[key] = (slope, y - slope * x)
        return y

    def bisect(self, high: Fraction, positive: bool) -> Fraction:
        """:func:`_solve`'s search from [0, high], where f(0) > 0 when ``positive``: its ``high`` at the end.

        Each of its points is high x k / 2**60 for an integer k, so the loop runs on k: a stretch told by
        integer comparisons, a known stretch's sign read from its line as one integer (its Fractions'
        denominators are positive), and the month worked out only on a stretch not yet seen, at the very point
        the search would work it out.
        """
        hn, hd = high.numerator, high.denominator
        scale = 1 << _STEPS
        whole = hd * scale
        pn, pd = self.price.numerator, self.price.denominator
        seen = self.seen
        # x = hn k / (hd 2**60) leaves the price after cuts pn (whole - hn k) / (pd whole): each of _key's comparisons
        # on it, multiplied out, is one on k (an up_to t applies where a k >= b, a = pn t.d hn, b = (pn t.d - t.n pd)
        # whole; an over t where a k < b; the cap where a k < b): the same stretches, each step a product fewer.
        tests = [
            (
                None if up_to is None else (pn * up_to[1] * hn, (pn * up_to[1] - up_to[0] * pd) * whole),
                None if over is None else (pn * over[1] * hn, (pn * over[1] - over[0] * pd) * whole),
            )
            for up_to, over in self.bounds
        ]
        cap_test = None
        if self.capped is not None:
            cap_side, fee_side = self.capped
            cap_test = (fee_side * pn * hn, (fee_side * pn - cap_side * pd) * whole)
        # A known stretch's line slope x + start, its sign times the positive slope.den x start.den x hd x 2**60:
        # a k + b, its two products made once per stretch.
        signs: dict[Hashable, tuple[int, int]] = {}

        def key_at(k: int) -> Hashable:
            return (
                tuple([
                    (up_to is None or up_to[0] * k >= up_to[1]) and (over is None or over[0] * k < over[1])
                    for up_to, over in tests
                ]),
                cap_test is not None and cap_test[0] * k < cap_test[1],
            )

        low_k, high_k = 0, scale
        for _step in range(_STEPS):
            k = (low_k + high_k) >> 1  # even sum: the interval is 2**(60 - step) wide, both ends multiples of it
            key = key_at(k)
            line = signs.get(key)
            if line is None:
                known = seen.get(key)
                if known is not None:
                    slope, start = known
                    line = signs[key] = (slope.numerator * hn * start.denominator, start.numerator * slope.denominator * whole)
            if line is not None:
                above = line[0] * k + line[1] > 0
            else:
                above = self(Fraction(hn * k, whole)) > 0
            if above == positive:
                low_k = k
            else:
                high_k = k
            if line is not None and high_k - low_k > 1 and key_at(high_k - 1 if k == low_k else low_k + 1) == key:
                return Fraction(hn * _bisected(line[0], line[1], positive, low_k, high_k), whole)
        return Fraction(hn * high_k, whole)


def _bisected(a: int, b: int, positive: bool, low_k: int, high_k: int) -> int:
    """Where :meth:`_CutLines.bisect`'s loop ends from (``low_k``, ``high_k``) when every point inside lies on one
    stretch, whose line's sign at k is that of a k + b: worked out, not stepped through (most of the search's steps
    once it has found the stretch of its root). Each of a stretch's tests is one comparison on k, so a stretch that
    holds k at one end and again next to the other holds every point between.

    Whether a point keeps the search's low end, (a k + b > 0) == ``positive``, is then monotone in k. Where it
    holds up to some point t and no further, the loop ends at the first point inside from t on (or ``high_k``);
    where it holds from some point on, the first midpoint decides: every later one falls on its side, so the loop
    ends at ``high_k`` (it held there) or next to ``low_k`` (it did not)."""
    if (a < 0) == positive and a:
        # Held below t alone: t the first k with a k + b <= 0 (a < 0) or with a k + b > 0 (a > 0).
        t = -(-b // -a) if a < 0 else -b // a + 1
        return min(max(t, low_k + 1), high_k)
    middle = (low_k + high_k) >> 1
    return high_k if (a * middle + b > 0) == positive else low_k + 1


def _cut_slope(plan: _Plan, v: Mapping[str, Fraction], units: Fraction) -> Fraction:
    """How much the month moves per unit of price cut on the stretch of these values (see :func:`_stretch`).

    A cut x leaves gross = price x (1 - x); the month per unit moves with gross by the payout a unit keeps
    (gross less returns, VAT and the platform's shares, less the cost of waiting for it), less the refund fee
    below its cap, the fines and, on a parcel, the duty the price after cuts carries (rates, and import tax
    on the value and duty). Nothing else :func:`_month_parts` works out reads the price after cuts.
    """
    return Fraction(*_cut_slope_pair(plan, v, units))


def _cut_slope_pair(plan: _Plan, v: Mapping[str, Fraction], units: Fraction) -> _Q:
    """:func:`_cut_slope` as an unreduced integer pair, its denominator not 0 but of either sign (a VAT rate below
    -1 makes 1 + VAT negative), as :func:`_slope_pairs` leaves its slopes (and gives this one when asked for
    ``price_cut``: the payout's arithmetic is theirs, :func:`_cut_pair` the rest): no gcd on the way (the one root
    :func:`_affine_root` keeps is shown in any terms)."""
    return _slope_pairs(plan, v, units, _CUT_ONLY)["price_cut"]


_CUT_ONLY = frozenset(("price_cut",))


def _cut_pair(
    plan: _Plan, get: Callable[[str, Fraction], Fraction], pn: int, pd: int, gn: int, gd: int, rn: int, rd: int,
    td: int, vat1: int, mn: int, md: int, kept_n: int, kept_d: int, count_n: int, count_d: int
) -> _Q:
    """:func:`_cut_slope_pair` from what :func:`_slope_pairs` has worked out of ``get``'s values: the price and
    the gross (price x (1 - cut)) as pairs, the return rate, 1 + VAT ``vat1 / td``, the commission, the share of
    the payout kept after the platform's shares and the cost of waiting for it (``kept_n / kept_d``) and the
    units, negated (``count_n / count_d``)."""
    # kept (1 - rate) / (1 + VAT), x (1 - shares), x (1 - delay x capital / 365) ...
    n = (rd - rn) * td * kept_n
    d = rd * vat1 * kept_d
    # ... less the fine (rate x multiple) a unit of gross carries ...
    x, y = get("fine_rate", _ZERO), get("fine_multiple", _ZERO)
    fd = x.denominator * y.denominator
    n, d = n * fd - x.numerator * y.numerator * d, d * fd
    if plan.refund_admin is not None:
        # ... less the refund fee on the returned share, below its cap (share / (1 + VAT) x commission a unit of gross) ...
        share, cap = plan.refund_admin
        fee_n, fee_d = share.numerator * td * mn, share.denominator * vat1 * md
        if fee_d < 0:
            fee_n, fee_d = -fee_n, -fee_d
        if not cap.numerator * gd * fee_d < gn * fee_n * cap.denominator:
            n, d = n * rd * fee_d - rn * fee_n * d, d * rd * fee_d
    if plan.parcel:
        # ... and, on a parcel, the duty rates that apply to the price after cuts (with import tax on value and duty).
        an, ad, taxed = 0, 1, False
        for charge in plan.charges:
            if not charge.takes(gn, gd):
                continue
            kind = charge.kind
            if kind == "rate" or kind == "yours":
                x = get(charge.key if kind == "rate" else "duty_rate", _ZERO)
                an, ad = an * x.denominator + x.numerator * ad, ad * x.denominator
            elif kind == "import_tax":
                taxed = True
        if taxed:
            x = get("import_tax_rate", _ZERO)  # rates + (1 + rates) x import tax
            an, ad = an * x.denominator + (ad + an) * x.numerator, ad * x.denominator
        n, d = n * ad - an * d, d * ad
    return count_n * pn * n, count_d * pd * d


def _shown_pair(name: str, n: int, d: int) -> Decimal:
    """A tipping value ``n / d`` as it is shown: a share to a tenth of a percent, days whole, an amount to the cent
    (``d`` positive, the pair in any terms: each rounding reads only the floor of a quotient, which scaling both by
    the same factor leaves alone)."""
    return _shown_as(_kind(name), n, d)


def _kind(name: str) -> str:
    """What kind of number ``name`` is (``share``, ``days``, ``amount``...): a name the numbers' table lacks is a share."""
    spec = NUMBERS_BY_NAME.get(name)
    return "share" if spec is None else spec.kind


def _shown_as(kind: str, n: int, d: int) -> Decimal:
    """:func:`_shown_pair` for a number of this ``kind`` (:func:`_tips` has it from :func:`_need`)."""
    if kind == "share":
        # _share_shown's cents(value x 10) / 10, read from the pair (10 n, d): the same floor as from its lowest terms.
        # That is the whole number of tenths of a percent cents() reads, over 1000: read from its digits, as
        # _cents_pair does, while Decimal's division by 10 (28 digits) would be exact (a share is at most 1).
        whole = (2000 * abs(n) + d) // (2 * d)
        if whole <= 1000 and n >= 0:
            # A share from 0 to 100% (nearly every tipping value a catalogue shows): one of 1,001 Decimals made once.
            return _TENTHS[whole]
        if whole < _EXACT_TENTHS:
            if not whole:
                return Decimal("0.000")
            return Decimal(f"-{whole}E-3" if n < 0 else f"{whole}E-3")
        return (_cents_pair(10 * n, d) / 10).quantize(Decimal("0.001")) if n else Decimal("0.000")
    if kind == "days":
        rounded = (2 * abs(n) + d) // (2 * d)
        return Decimal(rounded if n >= 0 else -rounded)
    return _cents_pair(n, d)


_EXACT_TENTHS = 10**27
"""Below this many tenths of a percent, a share's cents divided by 10 in Decimal's 28 digits is exact."""

_TENTHS = (Decimal("0.000"), *(Decimal(f"{whole}E-3") for whole in range(1, 1001)))
""":func:`_shown_as`'s share of 0 to 1,000 tenths of a percent (the same Decimals it reads from their digits; frozen)."""


def _share_shown(value: Fraction) -> Decimal:
    """A share rounded to a tenth of a percent, as a share (0.123)."""
    return (cents(value * 10) / 10).quantize(Decimal("0.001")) if value else Decimal("0.000")


def _scenarios(plans: list[_Plan], units: Fraction) -> tuple[Scenario, ...]:
    out = []
    for case in SCENARIOS:
        values = [_per_month(plan, units, case) for plan in plans]
        gap = values[0] - values[1]
        leader = EVEN if cents(abs(gap)) == 0 else (FULL if gap > 0 else SEMI)
        out.append(Scenario(case, tuple(cents(v) for v in values), leader))
    return tuple(out)


def _break_evens(plans: list[_Plan], units: Fraction) -> BreakEvens:
    full, semi = plans
    full_now, semi_now = _per_month(full, units), _per_month(semi, units)
    notes: list[tuple[str, str]] = []

    def price_gap(x: Fraction) -> Fraction:
        return semi_now - _per_month(full, units, changes={"price": x})

    floor = _solve(price_gap, None)
    if floor is None:
        notes.append(("price_floor", N_("fully-managed leaves less at any price the platform pays")))
    ads = affiliate = None
    for name, top in (("ads_per_unit", None), ("affiliate_commission", Fraction(1))):
        item = semi.inputs.get(name)
        if item is not None and item.origin.basis == "route":
            notes.append((name, item.origin.note))
            continue

        def semi_gap(x: Fraction, name: str = name) -> Fraction:
            return _per_month(semi, units, changes={name: x}) - full_now

        if semi_gap(_ZERO) <= 0:
            notes.append((name, N_("semi-managed leaves less even with none")))
            continue
        at = _solve(semi_gap, top)
        if at is None:
            notes.append((name, N_("semi-managed leaves more at any share below 100%")))
            continue
        if name == "ads_per_unit":
            ads = cents(at)
        else:
            affiliate = _share_shown(at)
    return BreakEvens(
        price_floor=None if floor is None else cents(floor),
        max_ads_per_unit=ads,
        max_affiliate_commission=affiliate,
        notes=tuple(notes),
    )


def amount_text(value: Decimal) -> str:
    """An amount rounded to the cent, grouped: ``2,088.72``.

    Formatted from the exact Decimal (a float would lose cents on huge amounts); Chinese groups digits
    and writes the decimal point as English does, so this is also what ``_i18n.number(value, digits=2)``
    gives in Chinese (tests/economics/test_margin_zh.py checks that).
    """
    return f"{value:,.2f}"


CURRENCY_WORDS = {"USD": N_("USD"), "CNY": N_("CNY"), "RMB": N_("CNY"), "EUR": N_("EUR"), "GBP": N_("GBP")}
"""Currency labels a seller's language has a word for (美元, 元...); any other label is shown as given."""


def money_text(currency: str, value: Decimal) -> str:
    """An amount with its currency as the language in force writes it: ``USD 2,088.72``; ``2,088.72 美元``."""
    return _money_in(_i18n.current(), currency, value)


def _money_in(lang: str, currency: str, value: Decimal) -> str:
    """:func:`money_text` with ``lang`` the language in force (a summary, which shows three amounts, asks once)."""
    text = amount_text(value)
    if not currency:
        return text
    return _money_fill(lang, currency)(text)


@functools.lru_cache(maxsize=64)
def _money_fill(lang: str, currency: str) -> Callable[[str], str]:
    """How ``lang`` (the language in force when asked) writes an amount in ``currency``: the pattern with the
    currency's word in it (:func:`_filler`), made once per language and label rather than for every amount a
    summary shows."""
    label = CURRENCY_WORDS.get(currency.upper())
    return _filler(_("{currency} {amount}"), ("amount",), {"currency": _(label) if label else currency})


_money = money_text


BREAK_EVEN_FORMULA = N_(
    "(semi-managed fixed costs − fully-managed fixed costs) ÷ (semi-managed − fully-managed contribution per unit)"
)


def number_text(name: str, value: Decimal, currency: str = "") -> str:
    """A number of the economics section as a person reads it: ``12.5%``, ``30 days``, ``USD 1.20``."""
    kind = NUMBERS_BY_NAME[name].kind if name in NUMBERS_BY_NAME else "share"
    if kind == "share":
        return f"{(value * 100).normalize():f}%"
    if kind == "days":
        return _("{days} days").format(days=int(value))
    if kind == "multiple":
        return f"{value.normalize():f}×"
    return _money(currency, value)


def summary_text(item: PlatformMargin, monthly_units: int, currency: str = "") -> str:
    """The sentence a margin reason quotes, in the language in force.

    e.g. ``at 600 units a month your own numbers leave USD 2,147.66 under fully-managed and USD 58.94
    under semi-managed: fully-managed leaves USD 2,088.72 more a month``.
    """
    return _summary(
        item.models,
        item.leader,
        item.gap_per_month,
        item.break_even_exact,
        item.above_break_even,
        item.needed,
        monthly_units,
        currency,
    )


def _in_english() -> contextlib.AbstractContextManager[object]:
    """English in force, as a reason's summary records it (traces are English): switched only when another
    language is in force (a comparison words a summary for each platform and market)."""
    return _AS_IT_IS if _i18n.current() == "en" else _language.use("en")


_AS_IT_IS = contextlib.nullcontext()
""":func:`_in_english` with English in force: nothing to switch (one context, entered any number of times)."""


def _summary(
    models: tuple[ModelMargin, ...],
    leader: str,
    gap_per_month: Decimal,
    crossing: Fraction | None,
    above: str | None,
    needed: tuple[NeededNumber, ...],
    monthly_units: int,
    currency: str,
    months: tuple[Decimal, Decimal] | None = None,
    turning: tuple[NeededNumber | None, int, int] | None = None,
) -> str:
    """:func:`summary_text` of a comparison's parts (a comparison's own summary is worded before it is made).

    :param months: both models' contributions per month rounded to the cent, when the caller has them.
    :param turning: :func:`_turning` of ``needed``, when the caller has it.
    """
    lang = _i18n.current()
    if len(models) != 2:
        return _only_open(lang, models[0].model if models else None)
    words, fills = _summary_words(lang), _summary_fills(lang)
    if months is None:
        full, semi = models
        months = cents(full.contribution_per_month), cents(semi.contribution_per_month)
    if leader == EVEN:
        verdict = words[_BOTH_SAME]
    else:
        verdict = fills[_LEADS](words[leader], _money_in(lang, currency, gap_per_month))
    summary = fills[_LEAVE](
        monthly_units, _money_in(lang, currency, months[0]), _money_in(lang, currency, months[1]), verdict
    )
    if crossing is not None and above is not None:
        summary += fills[_BELOW](
            _i18n.number(whole_units(crossing)), words[SEMI if above == FULL else FULL], words[above]
        )
    need, count, _open = _turning(needed, models, leader) if turning is None else turning
    if need is not None:
        at = need.tips_at
        assert at is not None
        first = fills[_PASSES](number_words(need.name), number_text(need.name, at, currency))
        if count == 1:
            summary += fills[_TURNS](first)
        else:
            summary += fills[_TURNS_ANY](first, count - 1)
    return summary


_ZERO_CENTS = Decimal("0.00")


def _turning(
    needed: tuple[NeededNumber, ...], models: tuple[ModelMargin, ...], leader: str
) -> tuple[NeededNumber | None, int, int]:
    """What a summary reads of the needed numbers, in one pass: the number closest to turning the comparison, how
    many could turn it with a value to show, and how many could turn it (:attr:`PlatformMargin.open_tips`).

    The reason names the closest (the full list is margin's): a share or a number of days by how much of its range
    it leaves, an amount by how much of the price. The first of the closest, as min() picks."""
    return _closest([(item, _need(item.name)[3]) for item in needed if item.can_tip], models, leader)


def _closest(
    tipping: list[tuple[NeededNumber, str]], models: tuple[ModelMargin, ...], leader: str
) -> tuple[NeededNumber | None, int, int]:
    """:func:`_turning` of the entries that could turn the comparison (``can_tip``), in order, each with its
    kind (:func:`_need`'s): as :func:`_tips` hands them over while it makes them."""
    need: NeededNumber | None = None
    count = 0
    price = closest = _ZERO_CENTS
    for item, kind in tipping:
        at = item.tips_at
        if at is None:
            continue
        if not count:
            price = next(m for m in models if m.model == leader).line("price").value if leader in MODELS else Decimal(1)
        count += 1
        reach = _reach_as(kind, at, price)
        if need is None or reach < closest:
            need, closest = item, reach
    return need, count, len(tipping)


@functools.lru_cache(maxsize=3 * len(_i18n.LANGS))
def _only_open(lang: str, model: str | None) -> str:
    """The summary of a comparison with one model open (or none) in ``lang``: a few texts, worded once each."""
    with _language.use(lang):
        return _("only {model} has an open route here: nothing to compare").format(
            model=model_words(model) if model is not None else _("neither model")
        )


_BOTH_SAME = N_("both models leave the same")
_LEADS = N_("{model} leaves {amount} more a month")
_LEAVE = N_(
    "at {units} units a month your own numbers leave {full} under fully-managed and {semi} under semi-managed: {verdict}"
)
_BELOW = N_("; below about {units} units a month {other} leaves more, above it {above}")
_PASSES = N_("{name} passes {value}")
_TURNS = N_("; it could turn if {numbers}")
_TURNS_ANY = N_("; it could turn if {number}, or if any of {count} other numbers still needed passes its limit")


_SUMMARY_FIELDS = {
    _LEADS: ("model", "amount"),
    _LEAVE: ("units", "full", "semi", "verdict"),
    _BELOW: ("units", "other", "above"),
    _PASSES: ("name", "value"),
    _TURNS: ("numbers",),
    _TURNS_ANY: ("number", "count"),
}
"""The named fields of each pattern of :func:`_summary` that has any, in the order :func:`_summary` gives their values."""


@functools.lru_cache(maxsize=len(_i18n.LANGS))
def _summary_fills(lang: str) -> dict[str, Callable[..., str]]:
    """Each pattern of :func:`_summary` in ``lang`` made ready to fill (:func:`_filler`), by its English."""
    words = _summary_words(lang)
    return {message: _filler(words[message], fields) for message, fields in _SUMMARY_FIELDS.items()}


def _filler(text: str, fields: tuple[str, ...], fixed: Mapping[str, str] | None = None) -> Callable[..., str]:
    """``text.format(**fixed, **values)`` as a function of the values of ``fields``, given in that order: the same
    text. A summary fills six patterns, each parsed by ``str.format`` at every call (with its keywords' dict): here
    parsed once, into a ``%s`` pattern (a literal ``%`` doubled, ``fixed`` values written in) filled in one step,
    in the order the pattern names the fields (a translation may reorder them). ``format(value, "")`` of a field
    with neither a format spec nor a conversion is ``str(value)``, as ``%s`` writes it; a pattern with any other
    field (a spec, a conversion, an index, an attribute, a name not given) is filled by ``str.format`` itself."""
    known = dict(fixed or {})
    parts: list[str] = []
    picks: list[int] = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        parts.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if spec or conversion is not None or not (name in fields or name in known):
            return lambda *values: text.format(**known, **dict(zip(fields, values, strict=True)))
        if name in fields:
            parts.append("%s")
            picks.append(fields.index(name))
        else:
            parts.append(str(known[name]).replace("%", "%%"))
    pattern = "".join(parts)
    if not picks:
        return lambda *values: pattern % ()
    if len(picks) == 1:
        only = picks[0]
        return lambda *values: pattern % (values[only],)
    pick = operator.itemgetter(*picks)
    return lambda *values: pattern % pick(values)


@functools.lru_cache(maxsize=len(_i18n.LANGS))
def _summary_words(lang: str) -> dict[str, str]:
    """The words of :func:`_summary` in ``lang`` (the language in force when asked), by their English: the
    patterns and the models' names, looked up once per language rather than a dozen times a summary."""
    return {
        **{message: _(message) for message in (_BOTH_SAME, _LEADS, _LEAVE, _BELOW, _PASSES, _TURNS, _TURNS_ANY)},
        **{model: model_words(model) for model in MODELS},
    }


def _reach(name: str, value: Decimal, price: Decimal) -> Decimal:
    """How far a needed number is from turning the comparison: the smaller, the closer."""
    return _reach_as(_kind(name), value, price)


def _reach_as(kind: str, value: Decimal, price: Decimal) -> Decimal:
    """:func:`_reach` for a number of this ``kind`` (:func:`_summary` has it from :func:`_need`)."""
    if kind == "days":
        return value / MAX_DAYS
    if kind in ("amount",):
        return value / price if price > 0 else value
    return value


def any_of(items: list[str]) -> str:
    """``a, b or c`` in the language in force."""
    if not items:
        return ""
    text = items[0]
    for index, item in enumerate(items[1:], start=2):
        pattern = N_("{earlier} or {later}") if index == len(items) else N_("{earlier}, {later}")
        text = _(pattern).format(earlier=text, later=item)
    return text


NUMBER_WORDS: dict[str, str] = {
    "price": N_("the price"),
    "unit_cost": N_("the unit cost"),
    "freight_per_unit": N_("freight per unit"),
    "last_mile_per_order": N_("last-mile cost per order"),
    "storage_per_unit_month": N_("storage per unit and month"),
    "stock_days": N_("days in stock"),
    "transit_days": N_("days in transit"),
    "return_rate": N_("the return rate"),
    "cost_per_return": N_("the cost per return"),
    "commission": N_("the commission"),
    "fee_per_unit": N_("other platform fees per unit"),
    "payout_delay_days": N_("days until payout"),
    "unsold_share": N_("the unsold share"),
    "fixed_per_month": N_("fixed costs per month"),
    "price_cut": N_("the price cut"),
    "vat_rate": N_("the VAT rate"),
    "duty_rate": N_("your duty rate"),
    "import_tax_rate": N_("the import tax rate"),
    "ads_per_unit": N_("ad spend per unit"),
    "affiliate_commission": N_("affiliate commission"),
    "payment_fee": N_("the payment fee"),
    "fine_rate": N_("the fine rate"),
    "fine_multiple": N_("the fine multiple"),
    "late_share": N_("the share of late orders"),
    "cost_of_capital": N_("the cost of capital"),
}
"""What each number is called in a sentence (the file's field names are for the file)."""


def number_words(name: str) -> str:
    return _(NUMBER_WORDS.get(name, name))


def compare_margins(
    economics: Economics | Mapping[str, Any],
    *,
    platforms: tuple[str, ...] = PLATFORMS,
    names: Mapping[str, str] | None = None,
    markets: Mapping[str, tuple[MarketColumns, ...]] | None = None,
    today: date | None = None,
    brief: bool = False,
) -> MarginComparison:
    """Compare what fully-managed and semi-managed leave on each platform, from the seller's numbers and the tables.

    :param economics: an :class:`Economics` or the ``economics`` section of a profile as a dict.
    :param platforms: the platforms to compare, in this order.
    :param names: display names by platform id (``Advisor.compare_margins`` passes the rule book's).
    :param markets: per platform, the routes to compare in each target market, with the tables that
        apply (``Advisor.compare_margins`` builds them); without, each model is compared on its own
        defaults, with no market's customs.
    :param today: the date an entry's review date is compared with (``None``: none is marked stale).
    :param brief: only what the rules and a catalogue read: no scenarios and no break-evens (``scenarios`` empty,
        ``break_evens`` blank), and per model only the price, contribution and fixed-cost lines (``cash`` empty);
        the leaders, gaps, break-even volume, summary and needed numbers with their tipping values are all there.
    :raises ProfileError: for invalid numbers, a price or unit cost missing for a platform and model,
        a market with no customs table where the seller clears customs, or a table amount in a
        currency the seller gave no exchange rate for.
    """
    if not isinstance(economics, Economics):
        economics = Economics.from_dict(economics)
    names = names or {}
    firsts: list[PlatformMargin] = []
    every: list[PlatformMargin] = []
    for p in platforms:
        mine = markets.get(p) if markets else None
        name = names.get(p, p)
        if mine:
            # Each market's comparison, the platform's first the first compared (or the first), in one pass.
            first: PlatformMargin | None = None
            for m in mine:
                item = _platform_margin(economics, p, name, m, today, brief)
                every.append(item)
                if first is None and item.compared:
                    first = item
            firsts.append(every[-len(mine)] if first is None else first)
        else:
            item = _platform_margin(economics, p, name, None, today, brief)
            every.append(item)
            firsts.append(item)
    # Made without the frozen record's __init__ (MarginComparison._made): a catalogue makes two a product.
    return MarginComparison._made(
        economics.currency, economics.monthly_units, economics.cost_of_capital, tuple(firsts),
        tuple(every) if markets else (),
    )


def platform_facts(comparison: MarginComparison, lang: str = "en", market: str | None = None) -> dict[str, dict[str, Any]]:
    """The facts the rules read about each platform (:data:`DERIVED_PLATFORM_FACTS`), by platform id.

    :param lang: the language of ``margin_summary`` (the engine reads English; a text shown in
        another language quotes that language's summary).
    :param market: the market whose comparison to read (default: each platform's first).
    """
    # Each platform's comparison as MarginComparison.platform finds it (the first in the market, or the first),
    # found in one pass rather than one search a platform.
    found: dict[str, PlatformMargin] = {}
    for item in comparison.markets or comparison.platforms:
        if market is None or item.market == market:
            found.setdefault(item.platform, item)
    out: dict[str, dict[str, Any]] = {}
    for first in comparison.platforms:
        platform = first.platform
        if platform in out:
            continue  # named twice: its facts are made (another not compared is passed over again, as the first was)
        mine = found.get(platform)
        if mine is None or not mine.compared:
            # Not compared here, or one model open: its route decides; the money has nothing to weigh.
            continue
        if lang == "en":
            summary = mine.summary  # English, as the comparison worded it: no language to switch to
        else:
            with _language.use(lang):
                summary = summary_text(mine, comparison.monthly_units, comparison.currency)
        out[platform] = {
            "margin_leader": mine.leader,
            # whole_units of the cents, from the Decimal's own terms (no Fraction made of it).
            "margin_gap_per_month": _whole_pair(*mine.gap_per_month.as_integer_ratio()),
            "margin_gap_pct": mine.gap_pct,
            "margin_open": mine.open_tips,
            "margin_summary": summary,
        }
    return out


def margin_facts(
    profile: SellerProfile,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    lang: str = "en",
    *,
    comparison: MarginComparison | None = None,
) -> dict[str, dict[str, Any]]:
    """The platform facts a consultation of ``profile`` adds, by platform: its margin facts, then ``extra`` over them.

    Empty when the profile has no economics, so a consultation without them declares exactly what it did before.

    :param lang: the language of ``margin_summary`` (see :func:`platform_facts`).
    :param comparison: the landed-cost comparison to read (the advisor's, per route and market);
        without, the models are compared on their defaults.
    :raises ProfileError: when the economics lack a price or unit cost for a platform asked about.
    """
    out: dict[str, dict[str, Any]] = {}
    if profile.economics is not None:
        if comparison is None:
            comparison = compare_margins(profile.economics, platforms=profile.platforms)
        market = profile.target_markets[0] if comparison.markets and profile.target_markets else None
        out = platform_facts(comparison, lang, market)
    for platform, values in (extra or {}).items():
        out.setdefault(platform, {}).update(values)
    return out
