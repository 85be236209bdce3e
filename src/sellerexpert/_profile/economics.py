"""The seller's own numbers, as a profile holds them: the ``economics`` section, read and checked.

:class:`Economics` is the section's type: currency, volumes, the numbers per model, platform and
route (each a value or a range), and exchange rates; :data:`NUMBERS` names every number it
accepts and what it means, :func:`economics_json_schema` writes its schema, and
:data:`DERIVED_PLATFORM_FACTS` names the facts about a platform the rules may read once the
numbers are worked out. Reading only: the arithmetic is :mod:`sellerexpert._economics.margins`'s, and the
questions that ask for these numbers are the interview's (:mod:`sellerexpert._interview.numbers`).

May import: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors`, :mod:`sellerexpert._files.documents`
and :mod:`sellerexpert._profile.fields`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from .._errors import ProfileError
from .._files import documents
from .._i18n import N_, _
from .fields import MODELS, PLATFORMS, closest

NumberKind = Literal["amount", "share", "days", "multiple"]

DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12
MAX_DAYS = 365
FULL, SEMI = MODELS
EVEN = "even"


@dataclass(frozen=True)
class NumberSpec:
    """One number of the economics section: what it means, what it accepts, and how the interview asks for it."""

    name: str
    kind: NumberKind
    meaning: str
    question: str
    required: bool = False

    @property
    def allowed_text(self) -> str:
        """How the allowed values read in an error message or a prompt (in the language in force)."""
        return _(_ALLOWED[self.kind]).format(most=MAX_DAYS)


_ALLOWED: dict[str, str] = {
    "amount": N_("an amount of money, 0 or more"),
    "share": N_('a share between 0 and 1 (0.04) or a percentage as text ("4%")'),
    "days": N_("a whole number of days, 0 to {most}"),
    "multiple": N_("a number, 0 or more (5 means five times the price)"),
}


NUMBERS: tuple[NumberSpec, ...] = (
    NumberSpec(
        "price",
        "amount",
        "price per unit: what the buyer pays where you set the price, or the supply price the platform pays you "
        "(fully-managed, and Temu under both models)",
        N_("Price per unit you receive before fees (the retail price you set, or the supply price the platform pays)?"),
        required=True,
    ),
    NumberSpec(
        "unit_cost",
        "amount",
        "what one unit costs you to make or buy",
        N_("What does one unit cost you to make or buy?"),
        required=True,
    ),
    NumberSpec(
        "freight_per_unit",
        "amount",
        "freight per unit: to the platform's warehouse (fully-managed) or to your overseas warehouse (semi-managed)",
        N_("Freight per unit to the warehouse?"),
    ),
    NumberSpec(
        "last_mile_per_order",
        "amount",
        "delivery to the buyer per order (one unit per order)",
        N_("Last-mile delivery cost per order?"),
    ),
    NumberSpec("storage_per_unit_month", "amount", "warehouse storage per unit and month", N_("Storage per unit and month?")),
    NumberSpec(
        "stock_days",
        "days",
        "days a unit waits in a warehouse before it sells, on average",
        N_("Days a unit waits in the warehouse before it sells?"),
    ),
    NumberSpec(
        "transit_days", "days", "days stock is on its way to the warehouse", N_("Days your stock is in transit to the warehouse?")
    ),
    NumberSpec(
        "return_rate",
        "share",
        "share of sold units the buyers return (their price is refunded)",
        N_("Share of units returned (e.g. 4%)?"),
    ),
    NumberSpec(
        "cost_per_return",
        "amount",
        "what handling one return costs you (shipping back, checking, write-off)",
        N_("Cost per return?"),
    ),
    NumberSpec("commission", "share", "platform commission, as a share of the price kept", N_("Platform commission (e.g. 8%)?")),
    NumberSpec("fee_per_unit", "amount", "other platform fees per unit", N_("Other platform fees per unit?")),
    NumberSpec(
        "payout_delay_days", "days", "days from a sale until the platform pays you", N_("Days from a sale until you are paid?")
    ),
    NumberSpec(
        "unsold_share",
        "share",
        "share of the stock you expect never to sell (written off)",
        N_("Share of stock you expect never to sell (e.g. 5%)?"),
    ),
    NumberSpec(
        "fixed_per_month",
        "amount",
        "fixed costs per month of running this model (warehouse rent, staff, registrations)",
        N_("Fixed costs per month of this model (rent, staff, registrations)?"),
    ),
    # The costs sellers forget: each has a line of its own, estimated from the tables where they have an
    # entry, shown as needed where neither the tables nor the seller give it.
    NumberSpec(
        "price_cut",
        "share",
        "share of the price lost on average to campaign cuts and the platform's price review (核价)",
        N_("Share of the price lost to campaign cuts and price review (e.g. 10%)?"),
    ),
    NumberSpec(
        "vat_rate",
        "share",
        "VAT rate included in a retail price you set (EU and UK markets)",
        N_("VAT rate included in your retail price (e.g. 20%)?"),
    ),
    NumberSpec(
        "duty_rate",
        "share",
        "the product's own duty rate on its customs value (MFN, plus Section 301 in the US), "
        "without the charges the customs tables add",
        N_("Your product's own duty rate (e.g. 7.5%)?"),
    ),
    NumberSpec(
        "import_tax_rate",
        "share",
        "a tax on customs value plus duty at import, such as Brazil's state ICMS",
        N_("Import tax on value plus duty, such as Brazil's ICMS (e.g. 17%)?"),
    ),
    NumberSpec("ads_per_unit", "amount", "advertising spend per unit sold", N_("Advertising spend per unit sold?")),
    NumberSpec(
        "affiliate_commission",
        "share",
        "creator or affiliate commission, as a share of the price kept, averaged over all units sold",
        N_("Creator or affiliate commission, averaged over all units (e.g. 5%)?"),
    ),
    NumberSpec(
        "payment_fee",
        "share",
        "payment or transaction fees, as a share of the price kept",
        N_("Payment or transaction fees (e.g. 2%)?"),
    ),
    NumberSpec(
        "fine_rate",
        "share",
        "share of units you expect to be fined or charged after sale for",
        N_("Share of units you expect to be fined for (e.g. 1%)?"),
    ),
    NumberSpec(
        "fine_multiple",
        "multiple",
        "a fine as a multiple of the declared price (5 = five times the price)",
        N_("A fine as a multiple of the price (e.g. 2)?"),
    ),
    NumberSpec(
        "late_share",
        "share",
        "share of orders shipped late (where the platform fines late orders)",
        N_("Share of orders shipped late (e.g. 2%)?"),
    ),
)
NUMBERS_BY_NAME: dict[str, NumberSpec] = {spec.name: spec for spec in NUMBERS}

# Numbers that belong to the seller as a whole, not to a platform or model.
SELLER_NUMBERS: tuple[str, ...] = ("currency", "monthly_units", "cost_of_capital")
SELLER_MEANING = {
    "currency": "the currency label every amount is in (nothing is converted)",
    "monthly_units": "units you expect to sell a month on each platform (1 or more)",
    "cost_of_capital": 'what money tied up costs you per year, as a share (0.12) or a percentage ("12%")',
}

PlatformFactName = Literal["margin_leader", "margin_gap_per_month", "margin_gap_pct", "margin_open", "margin_summary"]
DERIVED_PLATFORM_FACTS: dict[str, type] = {
    "margin_leader": str,
    "margin_gap_per_month": int,
    "margin_gap_pct": int,
    "margin_open": int,
    "margin_summary": str,
}
"""Platform facts computed from the seller's economics (never set in ``rules/``), with their value types.

``margin_leader`` is ``fully-managed``, ``semi-managed`` or ``even``; the gap
is in whole currency units and as a percentage of the larger monthly
contribution; ``margin_open`` counts the numbers still needed that could, alone, turn the
comparison around; ``margin_summary`` is the sentence a reason quotes.
"""

_PLATFORM_ALIASES = {"tiktok": "tiktok_shop"}


def field_path(*parts: str) -> str:
    return ".".join(("economics", *parts))


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float, Decimal)):
        return f"the number {value}"
    return f"'{value}'"


_NUMBER_TEXT = re.compile(r"\s*-?\d+(\.\d+)?\s*")
"""A number written as text (compiled once: a catalogue reads a few new numbers a product)."""


def _allowed(allowed: str | NumberSpec) -> str:
    """The allowed values in words: ``allowed`` itself, or a number's :attr:`NumberSpec.allowed_text`."""
    return allowed if isinstance(allowed, str) else allowed.allowed_text


def _decimal(value: object, where: str, allowed: str | NumberSpec) -> Decimal:
    """A number as written (``8.5``, ``"8.50"``), exactly, as a Decimal.

    :param allowed: the allowed values in words, or the number whose they are: worded only for an error (a
        catalogue reads a few numbers a product, and each wording is a translation looked up and formatted).
    """
    number: Decimal | None = None
    # Text first (a catalogue's cells): no text is also a bool, an int, a float or a Decimal, so the order is free.
    if isinstance(value, str):
        if _NUMBER_TEXT.fullmatch(value):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
                number = None
    elif isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value)) if math.isfinite(value) else None
    elif isinstance(value, Decimal):
        number = value if value.is_finite() else None
    if number is None:
        raise ProfileError(
            f"expected a number, got {_describe(value)}", field=where, value=value, allowed=_allowed(allowed)
        )
    if number and number.adjusted() >= documents.MAX_DIGITS:
        # A document refuses longer numbers as written; this also catches 1e300 and numbers handed to the API.
        raise ProfileError(
            f"has more than {documents.MAX_DIGITS} digits before the decimal point",
            field=where,
            allowed=_allowed(allowed),
        )
    return number


def share_value(value: object, where: str, allowed: str, *, below_one: bool) -> Decimal:
    """A share: a number from 0 to 1, or a percentage written as text such as ``"4%"``."""
    if isinstance(value, str) and value.strip().endswith("%"):
        percent = _decimal(value.strip()[:-1], where, allowed)
        if percent < 0 or percent > 100:
            raise ProfileError(f"{value.strip()} is outside 0-100%", field=where, value=value, allowed=allowed)
        share = percent / 100
    else:
        share = _decimal(value, where, allowed)
        if share < 0:
            raise ProfileError(f"{share} is negative", field=where, value=value, allowed=allowed)
        if share > 1:
            # 1.5 is most likely meant as 1.5 percent: say so rather than guess.
            raise ProfileError(
                f"{share} is more than 1 (a share is 0 to 1)",
                field=where,
                value=value,
                allowed=allowed,
                suggestion=f"{share}%" if share <= 100 else None,
            )
    if below_one and share >= 1:
        raise ProfileError("must be below 1 (100%): otherwise nothing is left to sell", field=where, value=value, allowed=allowed)
    return share.normalize() if share else Decimal(0)


_BELOW_ONE = frozenset({"unsold_share", "price_cut"})
"""Shares that cannot be 100%: nothing would be left to sell, or nothing of the price."""


def number_value(spec: NumberSpec, value: object, where: str) -> Decimal:
    if spec.kind == "share":
        return share_value(value, where, spec.allowed_text, below_one=spec.name in _BELOW_ONE)
    number = _decimal(value, where, spec)
    if number < 0:
        raise ProfileError(f"{number} is negative", field=where, value=value, allowed=spec.allowed_text)
    if spec.kind == "days":
        if number != number.to_integral_value():
            raise ProfileError(f"{number} is not a whole number of days", field=where, value=value, allowed=spec.allowed_text)
        if number > MAX_DAYS:
            raise ProfileError(f"{number} days is more than {MAX_DAYS}", field=where, value=value, allowed=spec.allowed_text)
        return Decimal(int(number))
    return number


def _model_key(key: str) -> str | None:
    if key in _MODEL_KEYS:
        return _MODEL_KEYS[key]
    word = re.sub(r"[\s_]+", "-", key.strip().lower())
    found = word if word in MODELS else None
    if len(_MODEL_KEYS) >= _MODEL_KEYS_KEPT:
        _MODEL_KEYS.clear()
    _MODEL_KEYS[key] = found
    return found


_MODEL_KEYS: dict[str, str | None] = {}
"""The model each key of a table names, or ``None`` (a catalogue validates its company's tables for every product)."""
_MODEL_KEYS_KEPT = 256


def _platform_key(key: str) -> str | None:
    word = re.sub(r"[\s\-]+", "_", key.strip().lower())
    word = _PLATFORM_ALIASES.get(word, word)
    return word if word in PLATFORMS else None


def _unknown(key: object, where: tuple[str, ...], choices: list[str]) -> ProfileError:
    name = str(key)
    return ProfileError(
        f"unknown field '{name}'",
        field=field_path(*where, name),
        suggestion=closest(name.lower(), choices),
        allowed=tuple(choices),
    )


@dataclass(frozen=True)
class Range:
    """A number the seller is unsure of: its low and high ends and the value the base case takes.

    Written ``[low, high]`` (the base case takes the middle) or ``[low, base, high]``.
    """

    low: Decimal
    base: Decimal
    high: Decimal

    def to_list(self) -> list[int | float]:
        return [_plain_number(self.low), _plain_number(self.base), _plain_number(self.high)]


Value = Decimal | Range
Layer = tuple[tuple[str, Value], ...]
LayerKey = tuple[str | None, str | None]


def _base(value: Value) -> Decimal:
    return value.base if isinstance(value, Range) else value


def _value(spec: NumberSpec, value: object, where: str) -> Value:
    """A number, or a range of them written as a list of two or three."""
    if isinstance(value, (list, tuple)):
        if len(value) not in (2, 3):
            raise ProfileError(
                f"a range has 2 or 3 numbers, got {len(value)}",
                field=where,
                allowed=f"{spec.allowed_text}, or a range [low, high] or [low, base, high]",
            )
        ends = [number_value(spec, item, where) for item in value]
        low, high = ends[0], ends[-1]
        base = ends[1] if len(ends) == 3 else (low + high) / 2
        if not low <= base <= high:
            raise ProfileError(
                "a range goes from low to high: [low, high] or [low, base, high]",
                field=where,
                value=list(value),
                allowed=f"{spec.allowed_text}, or a range [low, high] or [low, base, high]",
            )
        if spec.kind == "days":
            base = Decimal(int(base))
        return Range(low, base.normalize() if base else Decimal(0), high)
    kind = type(value)
    if kind is not str and kind is not int and kind is not float:
        return number_value(spec, value, where)
    # A catalogue validates its company's numbers again for every product: a number seen before at the same
    # place is looked up. Keyed by exact type and text (0.0 and -0.0, 1 and 1.0 and "1" each their own);
    # a number that fails is not kept, so its error is raised afresh each time.
    key = (where, spec.name, kind, float.__repr__(value) if kind is float else value)
    found = _NUMBERS_SEEN.get(key)
    if found is None:
        found = number_value(spec, value, where)
        if len(_NUMBERS_SEEN) >= _NUMBERS_KEPT:
            _NUMBERS_SEEN.clear()
        _NUMBERS_SEEN[key] = found
    return found


_NUMBERS_SEEN: dict[tuple[str, str, type, object], Decimal] = {}
_NUMBERS_KEPT = 4096
"""The most numbers :func:`_value` remembers (a product list's own numbers are mostly new: the memo is then cleared)."""


_Place = tuple["NumberSpec | None", "LayerKey | None", "str | None", str]


def _place(path: tuple[str, ...]) -> _Place:
    """Where :meth:`Economics.laid_over` sets a number at ``path``: its spec (``None`` for ``monthly_units``), its
    layer's key or its route, and its field's name; remembered by path (a product list's columns are a handful).

    :raises ProfileError: for a path that holds no number, or no layer :meth:`Economics.from_dict` gives.
    """
    name = path[-1]
    spec = NUMBERS_BY_NAME.get(name)
    if spec is None:
        if path == ("monthly_units",):
            return _remember_place(path, (None, None, None, ""))
        raise ProfileError(f"no number at {'.'.join(path)}", field=field_path(*path))
    size = len(path)
    if size == 1:
        return _remember_place(path, (spec, (None, None), None, field_path(*path)))
    if size == 2 and path[0] in MODELS:
        return _remember_place(path, (spec, (None, path[0]), None, field_path(*path)))
    if size == 3 and path[0] == "platforms" and path[1] in PLATFORMS:
        return _remember_place(path, (spec, (path[1], None), None, field_path(*path)))
    if size == 4 and path[0] == "platforms" and path[1] in PLATFORMS and path[2] in MODELS:
        return _remember_place(path, (spec, (path[1], path[2]), None, field_path(*path)))
    if size == 3 and path[0] == "routes" and _ROUTE_ID.fullmatch(path[1]):
        return _remember_place(path, (spec, None, path[1], field_path(*path)))
    raise ProfileError(f"no layer at {'.'.join(path)}", field=field_path(*path))


def _remember_place(path: tuple[str, ...], place: _Place) -> _Place:
    if len(_PLACES) >= _PLACES_KEPT:
        _PLACES.clear()
    _PLACES[path] = place
    return place


_PLACES: dict[tuple[str, ...], _Place] = {}
_PLACES_KEPT = 256
"""The most paths :func:`_place` remembers (a product list has a column per path)."""


_Slots = tuple[tuple[int, tuple[tuple[int, str, int], ...]], ...]
"""Per table holding numbers of a product (its position), each number's place in it, its name and its path's index."""


@dataclass(frozen=True)
class _LaidPlan:
    """What :meth:`Economics.laid_over` makes of ``section`` with numbers at some paths, whatever their values: each
    number's spec and field path (no spec: ``monthly_units``), the last ``monthly_units``' index, whether a table
    changes, whether the layers are ones :meth:`Economics.from_dict` gives, and the section's layers and routes as
    they come out, with the slots (position, place in its table, name, number's index) each product's numbers fill."""

    section: Economics
    specs: tuple[tuple[NumberSpec | None, str], ...]
    units: int | None
    tables: bool
    fits: bool
    layers: tuple[tuple[LayerKey, Layer], ...]
    layer_slots: _Slots
    routes: tuple[tuple[str, Layer], ...]
    route_slots: _Slots


class _Slot:
    """Where the number at a path of index ``index`` goes in a :class:`_LaidPlan`'s tables."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _laid_plan(section: Economics, paths: tuple[tuple[str, ...], ...]) -> _LaidPlan:
    """:meth:`Economics.laid_over`'s work on ``section`` for numbers at ``paths``, each number a :class:`_Slot`:
    the same tables copied, set and ordered as for real numbers (the last of a path given twice wins).

    :raises ProfileError: for a path of no number or layer (:func:`_place`).
    """
    layers: dict[LayerKey, Layer] = dict(section.layers)
    routes: dict[str, Layer] = dict(section.routes)
    changed: dict[LayerKey, dict[str, Any]] = {}
    changed_routes: dict[str, dict[str, Any]] = {}
    specs: list[tuple[NumberSpec | None, str]] = []
    units = None
    for index, path in enumerate(paths):
        spec, layer, route, where = _PLACES.get(path) or _place(path)
        specs.append((spec, where))
        if spec is None:
            units = index
            continue
        if route is not None:
            table = changed_routes.get(route)
            if table is None:
                table = changed_routes[route] = dict(routes.get(route, ()))
        else:
            assert layer is not None
            table = changed.get(layer)
            if table is None:
                table = changed[layer] = dict(layers.get(layer, ()))
        table[spec.name] = _Slot(index)
    for key, table in changed.items():
        layers[key] = _ordered(table)
    for route, table in changed_routes.items():
        routes[route] = _ordered(table)  # a new route after the section's own, in the order first given
    ordered = tuple((key, layers[key]) for key in _LAYER_ORDER if key in layers)
    route_items = tuple(routes.items())
    return _LaidPlan(
        section, tuple(specs), units, bool(changed or changed_routes), len(ordered) == len(layers),
        ordered, _slots_of(ordered), route_items, _slots_of(route_items),
    )


def _slots_of(tables: tuple[tuple[Any, tuple[tuple[str, Any], ...]], ...]) -> _Slots:
    """The :class:`_Slot` s of a :class:`_LaidPlan`'s tables: per table that holds any, its position and theirs."""
    found = []
    for position, (_key, table) in enumerate(tables):
        slots = tuple((place, name, value.index) for place, (name, value) in enumerate(table) if type(value) is _Slot)
        if slots:
            found.append((position, slots))
    return tuple(found)


def _filled(
    tables: tuple[tuple[Any, Layer], ...], slots: _Slots, values: list[Any]
) -> tuple[tuple[Any, Layer], ...]:
    """A :class:`_LaidPlan`'s ``tables`` with ``values`` (the numbers by their paths' index) in their ``slots``."""
    if not slots:
        return tables
    out = list(tables)
    for position, places in slots:
        key, table = out[position]
        numbers = list(table)
        for place, name, index in places:
            numbers[place] = (name, values[index])
        out[position] = (key, tuple(numbers))
    return tuple(out)


_LAID_PLANS: dict[tuple[tuple[str, ...], ...], _LaidPlan] = {}
_LAID_PLANS_KEPT = 64
"""The most :class:`_LaidPlan` s kept, by paths (a product list brings one or a few: its columns, its blank cells)."""


def _layer(raw: object, where: tuple[str, ...], *, models: bool) -> tuple[Layer, dict[str, Layer]]:
    """The numbers of one table, and (where allowed) its per-model sub-tables."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise ProfileError(f"expected a table of numbers, got {_describe(raw)}", field=field_path(*where))
    numbers: dict[str, Value] = {}
    by_model: dict[str, Layer] = {}
    specs = NUMBERS_BY_NAME
    for key, value in raw.items():
        name = key if type(key) is str else str(key)
        # A number's name is never a model's (nor read as one), so it is looked up first: most keys are numbers.
        spec = specs.get(name)
        model = _model_key(name) if models and spec is None else None
        if model is not None:
            inner, _unused = _layer(value, (*where, model), models=False)
            by_model[model] = inner
        elif spec is not None:
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            numbers[name] = _value(spec, value, field_path(*where, name))
        else:
            raise _unknown(key, where, [*NUMBERS_BY_NAME, *(MODELS if models else ())])
    return _ordered(numbers), {m: by_model[m] for m in MODELS if m in by_model} if by_model else {}


def _ordered(numbers: Mapping[str, Value]) -> Layer:
    """A table's numbers in NUMBERS' order (a table holds a few of them)."""
    return tuple((name, numbers[name]) for name in sorted(numbers, key=_NUMBER_ORDER.__getitem__))


_NUMBER_ORDER: dict[str, int] = {spec.name: index for index, spec in enumerate(NUMBERS)}
_LAYER_ORDER: tuple[LayerKey, ...] = (
    (None, None),
    *((None, model) for model in MODELS),
    *((platform, model) for platform in PLATFORMS for model in (None, *MODELS)),
)
"""The layers in the order :meth:`Economics.from_dict` gives them: everything, per model, then per platform
(the platform's own numbers, then per model), platforms and models in their tables' orders."""
_ROUTE_ID = re.compile(r"[a-z][a-z0-9_]*")


def _rates(raw: object) -> tuple[tuple[str, Decimal], ...]:
    """``exchange_rates``: how much of the seller's currency one unit of another currency is."""
    if not isinstance(raw, Mapping):
        raise ProfileError(
            f"expected a table of currencies, got {_describe(raw)}",
            field=field_path("exchange_rates"),
            allowed="a table such as { EUR = 1.08, GBP = 1.27 }",
        )
    out = []
    for key, value in raw.items():
        code = str(key).strip().upper()
        where = field_path("exchange_rates", str(key))
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ProfileError(f"'{key}' is not a currency code", field=where, allowed="three letters such as EUR, GBP, USD")
        rate = _decimal(value, where, "how much of your currency one unit of this currency is, more than 0")
        if rate <= 0:
            raise ProfileError(
                f"{rate} is not more than 0",
                field=where,
                value=value,
                allowed="how much of your currency one unit is, more than 0",
            )
        out.append((code, rate))
    return tuple(sorted(out))


def _monthly_units(raw: object) -> int:
    """``monthly_units`` as a whole number of units, 1 or more.

    :raises ProfileError: when it is missing, not a whole number, or 0.
    """
    if raw is None:
        raise ProfileError(
            "is required: the units you expect to sell a month",
            field=field_path("monthly_units"),
            allowed="a whole number, 1 or more",
        )
    units = _decimal(raw, field_path("monthly_units"), "a whole number, 1 or more")
    if units != units.to_integral_value() or units < 0:
        raise ProfileError(
            f"{raw} is not a whole number of units",
            field=field_path("monthly_units"),
            value=raw,
            allowed="a whole number, 1 or more",
        )
    if units == 0:
        raise ProfileError(
            "0 units: the margin is worked out per unit sold, so give the units you expect to sell a month",
            field=field_path("monthly_units"),
            value=raw,
            allowed="a whole number, 1 or more",
        )
    return int(units)


@dataclass(frozen=True)
class Economics:
    """The seller's own numbers, as written in a profile's ``economics`` section (validated).

    Numbers are given in layers, the most specific winning: for everything
    (top level), per model (``fully-managed``, ``semi-managed``), per
    platform (``platforms.temu``), per platform and model
    (``platforms.temu.semi-managed``) and per route (``routes.temu_y2``, the
    route ids of the advice). A number may be a range ``[low, high]`` or
    ``[low, base, high]``: the scenarios take its ends.

    :ivar currency: a label for every amount; the tables' amounts in another currency are
        converted with ``exchange_rates`` (nothing else is converted).
    :ivar monthly_units: units the seller expects to sell a month on each platform.
    :ivar cost_of_capital: what money tied up costs per year, as a share (``None``: not given, needed).
    :ivar layers: ``((platform or None, model or None), ((name, value), ...))`` in a fixed order.
    :ivar routes: ``(route id, ((name, value), ...))`` in the order written.
    :ivar exchange_rates: ``(currency, how much of the seller's currency one unit of it is)``.
    """

    monthly_units: int
    currency: str = ""
    cost_of_capital: Decimal | None = None
    layers: tuple[tuple[LayerKey, Layer], ...] = ()
    routes: tuple[tuple[str, Layer], ...] = ()
    exchange_rates: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Economics:
        """Validate an ``economics`` section.

        :raises ProfileError: naming the field path (``economics.semi-managed.return_rate``) and what it allows.
        """
        if not isinstance(data, Mapping):
            raise ProfileError(f"expected a table of numbers, got {_describe(data)}", field="economics")
        rest = {k: v for k, v in data.items() if k not in (*SELLER_NUMBERS, "platforms", "routes", "exchange_rates")}
        currency = data.get("currency") or ""
        if not isinstance(currency, str) or len(currency.strip()) > 12:
            raise ProfileError(
                f"expected a short currency label, got {_describe(currency)}",
                field=field_path("currency"),
                allowed="text such as USD, EUR, CNY",
            )
        units = _monthly_units(data.get("monthly_units"))
        capital_raw = data.get("cost_of_capital")
        capital: Decimal | None = None
        if capital_raw is not None:
            capital = share_value(capital_raw, field_path("cost_of_capital"), SELLER_MEANING["cost_of_capital"], below_one=False)
        layers: list[tuple[LayerKey, Layer]] = []
        shared, per_model = _layer(rest, (), models=True)
        layers.append(((None, None), shared))
        layers.extend(((None, model), numbers) for model, numbers in per_model.items())
        platforms_raw = data.get("platforms") or {}
        if not isinstance(platforms_raw, Mapping):
            raise ProfileError(
                f"expected a table per platform, got {_describe(platforms_raw)}", field=field_path("platforms"), allowed=PLATFORMS
            )
        by_platform: dict[str, tuple[Layer, dict[str, Layer]]] = {}
        for key, value in platforms_raw.items():
            platform = _platform_key(str(key))
            if platform is None:
                raise ProfileError(
                    f"'{key}' is not a platform we advise on",
                    field=field_path("platforms", str(key)),
                    suggestion=closest(str(key).lower(), PLATFORMS),
                    allowed=PLATFORMS,
                )
            by_platform[platform] = _layer(value, ("platforms", platform), models=True)
        for platform in PLATFORMS:
            if platform in by_platform:
                numbers, models = by_platform[platform]
                layers.append(((platform, None), numbers))
                layers.extend(((platform, model), inner) for model, inner in models.items())
        routes_raw = data.get("routes") or {}
        if not isinstance(routes_raw, Mapping):
            raise ProfileError(
                f"expected a table per route, got {_describe(routes_raw)}",
                field=field_path("routes"),
                allowed="route ids such as temu_y2 (see `sellerexpert rules review`)",
            )
        routes = []
        for key, value in routes_raw.items():
            route_id = str(key).strip()
            if not _ROUTE_ID.fullmatch(route_id):
                raise ProfileError(
                    f"'{key}' is not a route id", field=field_path("routes", str(key)), allowed="route ids such as temu_y2"
                )
            numbers, _unused = _layer(value, ("routes", route_id), models=False)
            if numbers:
                routes.append((route_id, numbers))
        return cls(
            monthly_units=units,
            currency=currency.strip(),
            cost_of_capital=capital,
            layers=tuple((key, layer) for key, layer in layers if layer),
            routes=tuple(routes),
            exchange_rates=_rates(data.get("exchange_rates") or {}),
        )

    def laid_over(self, numbers: Iterable[tuple[tuple[str, ...], object]]) -> Economics:
        """This section with ``numbers`` laid over it, each at its path (``("unit_cost",)``, ``("semi-managed",
        "price")``, ``("platforms", "temu", "semi-managed", "price")``, ``("routes", "temu_y2", "duty_rate")`` or
        ``("monthly_units",)``): what :meth:`from_dict` gives for this section's :meth:`to_dict` with the numbers
        set at their paths, read once for a company and laid over per product (a catalogue's row) instead.

        Only for this section as :meth:`from_dict` of its :meth:`to_dict` gives it (its numbers as that writes
        them: a catalogue reads its company's section back so first), and for valid numbers.

        :raises ProfileError: for a number that is not valid or a path of another shape; :meth:`from_dict` of
            the whole then names the first problem as it finds them (its order is the section's, not the paths').
        """
        numbers = numbers if type(numbers) is list else list(numbers)
        # Where each number goes and what the section becomes depend on the paths alone (a product list's columns):
        # worked out once per paths (:func:`_laid_plan`), and each product's numbers read and set in their slots.
        paths = tuple([path for path, _value in numbers])
        plan = _LAID_PLANS.get(paths)
        if plan is None or plan.section is not self:
            try:
                plan = _laid_plan(self, paths)
            except ProfileError:
                # A path of no number or layer: its error, unless a number before it is wrong (the first problem).
                for path, value in numbers:
                    spec, _layer_key, _route, where = _PLACES.get(path) or _place(path)
                    _monthly_units(value) if spec is None else _value(spec, value, where)
                raise  # pragma: no cover - the loop raises at that path at the latest
            if len(_LAID_PLANS) >= _LAID_PLANS_KEPT:
                _LAID_PLANS.clear()
            _LAID_PLANS[paths] = plan
        values: list[Any] = [
            _monthly_units(value) if spec is None else _value(spec, value, where)
            for (spec, where), (_path, value) in zip(plan.specs, numbers, strict=True)
        ]
        units = self.monthly_units if plan.units is None else values[plan.units]
        if not plan.tables and units == self.monthly_units:
            return self
        if not plan.fits:
            raise ProfileError("a layer from_dict would not give", field="economics")
        # Made without the frozen record's __init__ (six checked assignments a product), every field set as it would.
        laid = object.__new__(Economics)
        laid.__dict__.update(
            monthly_units=units,
            currency=self.currency,
            cost_of_capital=self.cost_of_capital,
            layers=_filled(plan.layers, plan.layer_slots, values),
            routes=_filled(plan.routes, plan.route_slots, values),
            exchange_rates=self.exchange_rates,
        )
        return laid

    @classmethod
    def from_file(cls, path: str | Path) -> Economics:
        """Load the numbers from a JSON, YAML or TOML file: the section itself, or a document with an ``economics`` table.

        Keeping quotes in their own file lets one set of numbers serve several profiles.

        :raises ProfileError: naming the file (and line) and the field at fault.
        """
        path = Path(path)
        try:
            data = documents.load(path)
        except documents.DocumentProblem as exc:
            raise ProfileError(exc.problem, path=path, line=exc.line) from None
        if isinstance(data, Mapping) and "economics" in data:
            data = data["economics"]
        try:
            return cls.from_dict(data)
        except ProfileError as exc:
            raise exc.located(path) from None

    def values(self, platform: str, model: str, route: str | None = None) -> dict[str, Decimal]:
        """The numbers that apply to one model on one platform, or one of its routes (most specific layer wins).

        A range gives its base value; :meth:`given` keeps the range.
        """
        return {name: _base(value) for name, value in self.given(platform, model, route).items()}

    def given(self, platform: str, model: str, route: str | None = None) -> dict[str, Value]:
        """The numbers as given (a number or a :class:`Range`) for one model on one platform, or one of its routes."""
        out: dict[str, Value] = {}
        tables = (self.layers, self.routes)
        for which, place in self._tables_read(platform, model, route):
            out.update(tables[which][place][1])
        return out

    def _tables_read(self, platform: str, model: str, route: str | None = None) -> tuple[tuple[int, int], ...]:
        """The tables :meth:`given` reads, in its order, each as ``(0, place)`` in :attr:`layers` or ``(1, place)`` in
        :attr:`routes`: the company's own numbers, its model's, the platform's, the platform's model's, then the
        route's; a number a later table names again is the later one's."""
        read = [
            (0, place)
            for wanted in ((None, None), (None, model), (platform, None), (platform, model))
            for place, (key, _layer) in enumerate(self.layers)
            if key == wanted
        ]
        read.extend((1, place) for place, (route_id, _layer) in enumerate(self.routes) if route_id == route)
        return tuple(read)

    def rate_for(self, currency: str) -> Decimal | None:
        """How much of the seller's currency one unit of ``currency`` is (1 for the seller's own)."""
        if currency == self.currency:
            return Decimal(1)
        return dict(self.exchange_rates).get(currency)

    def to_dict(self) -> dict[str, Any]:
        """The section in canonical form (shares as numbers from 0 to 1): :meth:`from_dict` gives it back unchanged.

        Written by hand, not by the records' helper: its keys are the layers of numbers it holds (per
        platform, model and route), not its fields.
        """
        out: dict[str, Any] = {}
        if self.currency:
            out["currency"] = self.currency
        out["monthly_units"] = self.monthly_units
        if self.cost_of_capital is not None:
            out["cost_of_capital"] = _plain_number(self.cost_of_capital)
        platforms: dict[str, Any] = {}
        for (platform, model), layer in self.layers:
            numbers = {name: _written(value) for name, value in layer}
            if platform is None:
                target = out
            else:
                target = platforms.setdefault(platform, {})
            if model is None:
                target.update(numbers)
            else:
                target[model] = numbers
        if platforms:
            out["platforms"] = platforms
        if self.routes:
            out["routes"] = {route: {name: _written(value) for name, value in layer} for route, layer in self.routes}
        if self.exchange_rates:
            out["exchange_rates"] = {code: _plain_number(rate) for code, rate in self.exchange_rates}
        return out


def _written(value: Value) -> Any:
    return value.to_list() if isinstance(value, Range) else _plain_number(value)


def _plain_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number it was written as (whole numbers stay integers)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def economics_json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile's ``economics`` section, derived from :data:`NUMBERS`."""
    share: dict[str, Any] = {
        "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}]
    }
    kinds: dict[str, dict[str, Any]] = {
        "amount": {"type": "number", "minimum": 0},
        "share": share,
        "days": {"type": "integer", "minimum": 0, "maximum": MAX_DAYS},
        "multiple": {"type": "number", "minimum": 0},
    }

    def number_or_range(kind: str) -> dict[str, Any]:
        one = kinds[kind]
        return {"anyOf": [one, {"type": "array", "items": one, "minItems": 2, "maxItems": 3}]}

    numbers = {spec.name: {**number_or_range(spec.kind), "description": spec.meaning} for spec in NUMBERS}
    model_table = {"type": "object", "additionalProperties": False, "properties": numbers}
    with_models = {**numbers, **{model: model_table for model in MODELS}}
    return {
        "type": "object",
        "description": "Your own numbers, to compare what each model leaves per unit and per month (see `sellerexpert margin`).",
        "required": ["monthly_units"],
        "additionalProperties": False,
        "properties": {
            "currency": {"type": "string", "maxLength": 12, "description": SELLER_MEANING["currency"]},
            "monthly_units": {"type": "integer", "minimum": 1, "description": SELLER_MEANING["monthly_units"]},
            "cost_of_capital": {**share, "description": SELLER_MEANING["cost_of_capital"]},
            **with_models,
            "platforms": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    p: {"type": "object", "additionalProperties": False, "properties": with_models} for p in PLATFORMS
                },
            },
            "routes": {
                "type": "object",
                "description": "numbers for one route of the advice (route ids such as temu_y2), over every other layer",
                "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                "additionalProperties": model_table,
            },
            "exchange_rates": {
                "type": "object",
                "description": "how much of your currency one unit of another is, for the tables' amounts in that currency",
                "propertyNames": {"pattern": "^[A-Z]{3}$"},
                "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
            },
        },
    }
