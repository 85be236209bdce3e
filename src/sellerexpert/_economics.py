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

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from . import _documents, _i18n
from ._errors import ProfileError
from ._i18n import N_, _, model_words
from ._profile import MODELS, PLATFORMS, SellerProfile, closest

NumberKind = Literal["amount", "share", "days"]

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
)
NUMBERS_BY_NAME: dict[str, NumberSpec] = {spec.name: spec for spec in NUMBERS}

# Numbers that belong to the seller as a whole, not to a platform or model.
SELLER_NUMBERS: tuple[str, ...] = ("currency", "monthly_units", "cost_of_capital")
_SELLER_MEANING = {
    "currency": "the currency label every amount is in (nothing is converted)",
    "monthly_units": "units you expect to sell a month on each platform (1 or more)",
    "cost_of_capital": 'what money tied up costs you per year, as a share (0.12) or a percentage ("12%")',
}

PlatformFactName = Literal["margin_leader", "margin_gap_per_month", "margin_gap_pct", "margin_summary"]
DERIVED_PLATFORM_FACTS: dict[str, type] = {
    "margin_leader": str,
    "margin_gap_per_month": int,
    "margin_gap_pct": int,
    "margin_summary": str,
}
"""Platform facts computed from the seller's economics (never set in ``rules/``), with their value types.

``margin_leader`` is ``fully-managed``, ``semi-managed`` or ``even``; the gap
is in whole currency units and as a percentage of the larger monthly
contribution; ``margin_summary`` is the sentence a reason quotes.
"""

_PLATFORM_ALIASES = {"tiktok": "tiktok_shop"}


def _where(*parts: str) -> str:
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


def _decimal(value: object, where: str, allowed: str) -> Decimal:
    """A number as written (``8.5``, ``"8.50"``), exactly, as a Decimal."""
    number: Decimal | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value)) if math.isfinite(value) else None
    elif isinstance(value, Decimal):
        number = value if value.is_finite() else None
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            number = None
    if number is None:
        raise ProfileError(f"expected a number, got {_describe(value)}", field=where, value=value, allowed=allowed)
    if number and number.adjusted() >= _documents.MAX_DIGITS:
        # A document refuses longer numbers as written; this also catches 1e300 and numbers handed to the API.
        raise ProfileError(
            f"has more than {_documents.MAX_DIGITS} digits before the decimal point",
            field=where,
            allowed=allowed,
        )
    return number


def _share(value: object, where: str, allowed: str, *, below_one: bool) -> Decimal:
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


def _number(spec: NumberSpec, value: object, where: str) -> Decimal:
    if spec.kind == "share":
        return _share(value, where, spec.allowed_text, below_one=spec.name == "unsold_share")
    number = _decimal(value, where, spec.allowed_text)
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
    word = re.sub(r"[\s_]+", "-", key.strip().lower())
    return word if word in MODELS else None


def _platform_key(key: str) -> str | None:
    word = re.sub(r"[\s\-]+", "_", key.strip().lower())
    word = _PLATFORM_ALIASES.get(word, word)
    return word if word in PLATFORMS else None


def _unknown(key: object, where: tuple[str, ...], choices: list[str]) -> ProfileError:
    name = str(key)
    return ProfileError(
        f"unknown field '{name}'",
        field=_where(*where, name),
        suggestion=closest(name.lower(), choices),
        allowed=tuple(choices),
    )


Layer = tuple[tuple[str, Decimal], ...]
LayerKey = tuple[str | None, str | None]


def _layer(raw: object, where: tuple[str, ...], *, models: bool) -> tuple[Layer, dict[str, Layer]]:
    """The numbers of one table, and (where allowed) its per-model sub-tables."""
    if not isinstance(raw, Mapping):
        raise ProfileError(f"expected a table of numbers, got {_describe(raw)}", field=_where(*where))
    numbers: dict[str, Decimal] = {}
    by_model: dict[str, Layer] = {}
    choices = [*NUMBERS_BY_NAME, *(MODELS if models else ())]
    for key, value in raw.items():
        name = str(key)
        model = _model_key(name) if models else None
        if model is not None:
            inner, _unused = _layer(value, (*where, model), models=False)
            by_model[model] = inner
        elif name in NUMBERS_BY_NAME:
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            numbers[name] = _number(NUMBERS_BY_NAME[name], value, _where(*where, name))
        else:
            raise _unknown(key, where, choices)
    ordered = tuple((spec.name, numbers[spec.name]) for spec in NUMBERS if spec.name in numbers)
    return ordered, {m: by_model[m] for m in MODELS if m in by_model}


@dataclass(frozen=True)
class Economics:
    """The seller's own numbers, as written in a profile's ``economics`` section (validated).

    Numbers are given in layers, the most specific winning: for everything
    (top level), per model (``fully-managed``, ``semi-managed``), per
    platform (``platforms.temu``) and per platform and model
    (``platforms.temu.semi-managed``).

    :ivar currency: a label for every amount (nothing is converted).
    :ivar monthly_units: units the seller expects to sell a month on each platform.
    :ivar cost_of_capital: what money tied up costs per year, as a share.
    :ivar layers: ``((platform or None, model or None), ((name, value), ...))`` in a fixed order.
    """

    monthly_units: int
    currency: str = ""
    cost_of_capital: Decimal = Decimal(0)
    layers: tuple[tuple[LayerKey, Layer], ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Economics:
        """Validate an ``economics`` section.

        :raises ProfileError: naming the field path (``economics.semi-managed.return_rate``) and what it allows.
        """
        if not isinstance(data, Mapping):
            raise ProfileError(f"expected a table of numbers, got {_describe(data)}", field="economics")
        rest = {k: v for k, v in data.items() if k not in (*SELLER_NUMBERS, "platforms")}
        currency = data.get("currency") or ""
        if not isinstance(currency, str) or len(currency.strip()) > 12:
            raise ProfileError(
                f"expected a short currency label, got {_describe(currency)}",
                field=_where("currency"),
                allowed="text such as USD, EUR, CNY",
            )
        units_raw = data.get("monthly_units")
        if units_raw is None:
            raise ProfileError(
                "is required: the units you expect to sell a month",
                field=_where("monthly_units"),
                allowed="a whole number, 1 or more",
            )
        units = _decimal(units_raw, _where("monthly_units"), "a whole number, 1 or more")
        if units != units.to_integral_value() or units < 0:
            raise ProfileError(
                f"{units_raw} is not a whole number of units",
                field=_where("monthly_units"),
                value=units_raw,
                allowed="a whole number, 1 or more",
            )
        if units == 0:
            raise ProfileError(
                "0 units: the margin is worked out per unit sold, so give the units you expect to sell a month",
                field=_where("monthly_units"),
                value=units_raw,
                allowed="a whole number, 1 or more",
            )
        capital_raw = data.get("cost_of_capital")
        capital = Decimal(0)
        if capital_raw is not None:
            capital = _share(capital_raw, _where("cost_of_capital"), _SELLER_MEANING["cost_of_capital"], below_one=False)
        layers: list[tuple[LayerKey, Layer]] = []
        shared, per_model = _layer(rest, (), models=True)
        layers.append(((None, None), shared))
        layers.extend(((None, model), numbers) for model, numbers in per_model.items())
        platforms_raw = data.get("platforms") or {}
        if not isinstance(platforms_raw, Mapping):
            raise ProfileError(
                f"expected a table per platform, got {_describe(platforms_raw)}", field=_where("platforms"), allowed=PLATFORMS
            )
        by_platform: dict[str, tuple[Layer, dict[str, Layer]]] = {}
        for key, value in platforms_raw.items():
            platform = _platform_key(str(key))
            if platform is None:
                raise ProfileError(
                    f"'{key}' is not a platform we advise on",
                    field=_where("platforms", str(key)),
                    suggestion=closest(str(key).lower(), PLATFORMS),
                    allowed=PLATFORMS,
                )
            by_platform[platform] = _layer(value, ("platforms", platform), models=True)
        for platform in PLATFORMS:
            if platform in by_platform:
                numbers, models = by_platform[platform]
                layers.append(((platform, None), numbers))
                layers.extend(((platform, model), inner) for model, inner in models.items())
        return cls(
            monthly_units=int(units),
            currency=currency.strip(),
            cost_of_capital=capital,
            layers=tuple((key, layer) for key, layer in layers if layer),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Economics:
        """Load the numbers from a JSON, YAML or TOML file: the section itself, or a document with an ``economics`` table.

        Keeping quotes in their own file lets one set of numbers serve several profiles.

        :raises ProfileError: naming the file (and line) and the field at fault.
        """
        path = Path(path)
        try:
            data = _documents.load(path)
        except _documents.DocumentProblem as exc:
            raise ProfileError(exc.problem, path=path, line=exc.line) from None
        if isinstance(data, Mapping) and "economics" in data:
            data = data["economics"]
        try:
            return cls.from_dict(data)
        except ProfileError as exc:
            raise exc.located(path) from None

    def values(self, platform: str, model: str) -> dict[str, Decimal]:
        """The numbers that apply to one model on one platform (most specific layer wins)."""
        out: dict[str, Decimal] = {}
        for wanted in ((None, None), (None, model), (platform, None), (platform, model)):
            for key, layer in self.layers:
                if key == wanted:
                    out.update(layer)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The section in canonical form (shares as numbers from 0 to 1): :meth:`from_dict` gives it back unchanged."""
        out: dict[str, Any] = {}
        if self.currency:
            out["currency"] = self.currency
        out["monthly_units"] = self.monthly_units
        if self.cost_of_capital:
            out["cost_of_capital"] = _plain_number(self.cost_of_capital)
        platforms: dict[str, Any] = {}
        for (platform, model), layer in self.layers:
            numbers = {name: _plain_number(value) for name, value in layer}
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
        return out


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
    }
    numbers = {spec.name: {**kinds[spec.kind], "description": spec.meaning} for spec in NUMBERS}
    model_table = {"type": "object", "additionalProperties": False, "properties": numbers}
    with_models = {**numbers, **{model: model_table for model in MODELS}}
    return {
        "type": "object",
        "description": "Your own numbers, to compare what each model leaves per unit and per month (see `sellerexpert margin`).",
        "required": ["monthly_units"],
        "additionalProperties": False,
        "properties": {
            "currency": {"type": "string", "maxLength": 12, "description": _SELLER_MEANING["currency"]},
            "monthly_units": {"type": "integer", "minimum": 1, "description": _SELLER_MEANING["monthly_units"]},
            "cost_of_capital": {**share, "description": _SELLER_MEANING["cost_of_capital"]},
            **with_models,
            "platforms": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    p: {"type": "object", "additionalProperties": False, "properties": with_models} for p in PLATFORMS
                },
            },
        },
    }


# -- results ------------------------------------------------------------------------


def cents(value: Fraction) -> Decimal:
    """Round half away from zero to the cent (deterministic, the way a till rounds)."""
    scaled = abs(value) * 100
    whole = math.floor(scaled + Fraction(1, 2))
    # Built from its digits, not divided: Decimal arithmetic rounds to 28 digits and quantize() then
    # refuses (InvalidOperation), while an amount may have up to 64 digits and a product of two 128.
    return Decimal((0 if value >= 0 else 1, tuple(map(int, str(whole))), -2)) if whole else Decimal("0.00")


def whole_units(value: Fraction) -> int:
    """Round half away from zero to a whole number."""
    rounded = math.floor(abs(value) + Fraction(1, 2))
    return rounded if value >= 0 else -rounded


@dataclass(frozen=True)
class MarginLine:
    """One line of a calculation: what it is, its formula in words, and its value (rounded to the cent).

    :ivar exact: the unrounded value, for checks and further arithmetic.
    """

    key: str
    label: str
    formula: str
    value: Decimal
    exact: Fraction = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON data (``value`` a number rounded to the cent)."""
        return {"key": self.key, "label": self.label, "formula": self.formula, "value": float(self.value)}

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


def _line(key: str, label: str, formula: str, exact: Fraction) -> MarginLine:
    return MarginLine(key, label, formula, cents(exact), exact)


_MINUS = "− "


def _cost(key: str, label: str, formula: str, amount: Fraction) -> MarginLine:
    """A cost line: the amount is subtracted, so the line holds it negated and its formula says so."""
    return MarginLine(key, label, _MINUS + formula, cents(-amount), -amount)


@dataclass(frozen=True)
class ModelMargin:
    """What one model leaves on one platform: per-unit lines, the monthly result, and the cash it ties up."""

    model: str
    per_unit: tuple[MarginLine, ...]
    per_month: tuple[MarginLine, ...]
    cash: tuple[MarginLine, ...]
    not_given: tuple[str, ...]
    """Numbers the seller left out for this model, counted as 0."""

    def line(self, key: str) -> MarginLine:
        """The line with this key (from any section).

        :raises KeyError: for an unknown key.
        """
        for line in (*self.per_unit, *self.per_month, *self.cash):
            if line.key == key:
                return line
        raise KeyError(key)

    @property
    def contribution_per_unit(self) -> Fraction:
        """Exact contribution of one unit before fixed costs."""
        return self.line("contribution_per_unit").exact

    @property
    def fixed_per_month(self) -> Fraction:
        """Exact fixed costs per month (a positive amount)."""
        return -self.line("fixed_costs").exact

    @property
    def contribution_per_month(self) -> Fraction:
        """Exact contribution per month at the seller's volume."""
        return self.line("contribution_per_month").exact

    def at(self, units: Fraction | int) -> Fraction:
        """Exact contribution per month at another monthly volume (the model's line on the chart)."""
        return self.contribution_per_unit * units - self.fixed_per_month

    def to_dict(self) -> dict[str, Any]:
        """The model's lines as JSON data."""
        return {
            "model": self.model,
            "per_unit": [line.to_dict() for line in self.per_unit],
            "per_month": [line.to_dict() for line in self.per_month],
            "cash": [line.to_dict() for line in self.cash],
            "not_given": list(self.not_given),
        }


@dataclass(frozen=True)
class PlatformMargin:
    """Both models on one platform, which leaves more per month, and where they break even.

    :ivar leader: ``fully-managed``, ``semi-managed``, or ``even`` when they differ by less than a cent.
    :ivar gap_per_month: how much more the leader leaves per month (rounded to the cent).
    :ivar break_even_units: the monthly volume where both leave the same money, when that is above 0.
    :ivar above_break_even: the model that leaves more above that volume.
    """

    platform: str
    platform_name: str
    models: tuple[ModelMargin, ModelMargin]
    leader: str
    gap_per_month: Decimal
    break_even_units: Decimal | None
    above_break_even: str | None
    break_even_formula: str
    summary: str
    break_even_exact: Fraction | None = field(repr=False, compare=False, default=None)

    def model(self, name: str) -> ModelMargin:
        """The margin of ``fully-managed`` or ``semi-managed``.

        :raises KeyError: for another name.
        """
        for margin in self.models:
            if margin.model == name:
                return margin
        raise KeyError(name)

    @property
    def gap_pct(self) -> int:
        """The gap as a whole percentage of the larger monthly contribution (in size)."""
        full, semi = (m.contribution_per_month for m in self.models)
        base = max(abs(full), abs(semi))
        return 0 if base == 0 else whole_units(abs(full - semi) * 100 / base)

    def to_dict(self) -> dict[str, Any]:
        """The platform's comparison as JSON data."""
        return {
            "platform": self.platform,
            "platform_name": self.platform_name,
            "leader": self.leader,
            "gap_per_month": float(self.gap_per_month),
            "gap_pct": self.gap_pct,
            "break_even_units": None if self.break_even_units is None else float(self.break_even_units),
            "above_break_even": self.above_break_even,
            "break_even_formula": self.break_even_formula,
            "summary": self.summary,
            "models": {m.model: m.to_dict() for m in self.models},
        }


@dataclass(frozen=True)
class MarginComparison:
    """The seller's margin comparison of both models on each platform asked about."""

    currency: str
    monthly_units: int
    cost_of_capital: Decimal
    platforms: tuple[PlatformMargin, ...]

    def platform(self, platform_id: str) -> PlatformMargin:
        """The comparison for one platform.

        :raises KeyError: for a platform not compared.
        """
        for item in self.platforms:
            if item.platform == platform_id:
                return item
        raise KeyError(platform_id)

    def to_dict(self) -> dict[str, Any]:
        """The whole comparison as JSON data (the same numbers the text shows)."""
        return {
            "currency": self.currency,
            "monthly_units": self.monthly_units,
            "cost_of_capital": float(self.cost_of_capital),
            "rounding": "amounts rounded half away from zero to the cent; totals are computed before rounding",
            "platforms": [p.to_dict() for p in self.platforms],
        }

    def to_json(self) -> str:
        """Strict JSON (no NaN), keys in a fixed order: byte-identical for the same input."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)


# -- the calculation ----------------------------------------------------------------


_LARGEST = Fraction(10**_documents.MAX_DIGITS)
"""No amount or volume the comparison works out may reach this (inputs are below it, products may not be)."""


def _exact(values: Mapping[str, Decimal], name: str) -> Fraction:
    return Fraction(values.get(name, Decimal(0)))


def _model_margin(economics: Economics, platform: str, model: str) -> ModelMargin:
    values = economics.values(platform, model)
    for spec in NUMBERS:
        if spec.required and spec.name not in values:
            raise ProfileError(
                f"no {spec.name} for {model} on {platform}: give it at the top of the economics section, "
                f"under economics.{model}, or under economics.platforms.{platform}.{model}",
                field=_where("platforms", platform, model, spec.name),
                allowed=spec.allowed_text,
            )
    v = {spec.name: _exact(values, spec.name) for spec in NUMBERS}
    units = Fraction(economics.monthly_units)
    capital = Fraction(economics.cost_of_capital)
    year, months = Fraction(DAYS_PER_YEAR), Fraction(MONTHS_PER_YEAR)
    price, rate = v["price"], v["return_rate"]
    refunds = price * rate
    commission = (price - refunds) * v["commission"]
    landed = v["unit_cost"] + v["freight_per_unit"]
    kept = price - refunds - commission
    unsold = v["unsold_share"]
    stock_days = v["transit_days"] + v["stock_days"]
    # Costs are negative lines, so that every total is the plain sum of the lines above it.
    costs = [
        _cost("refunds", N_("Refunds on returns"), N_("price × return rate"), refunds),
        _cost("commission", N_("Platform commission"), N_("(price − refunds) × commission"), commission),
        _cost("platform_fees", N_("Other platform fees"), N_("fee per unit"), v["fee_per_unit"]),
        _cost("unit_cost", N_("Unit cost"), N_("unit cost"), v["unit_cost"]),
        _cost("freight", N_("Freight to the warehouse"), N_("freight per unit"), v["freight_per_unit"]),
        _cost(
            "last_mile", N_("Last-mile delivery"), N_("last-mile cost per order (one unit per order)"), v["last_mile_per_order"]
        ),
        _cost(
            "storage",
            N_("Storage"),
            N_("storage per unit and month × stock days ÷ (365 ÷ 12)"),
            v["storage_per_unit_month"] * v["stock_days"] * months / year,
        ),
        _cost("return_handling", N_("Handling returns"), N_("return rate × cost per return"), rate * v["cost_per_return"]),
        _cost(
            "unsold_stock",
            N_("Unsold stock written off"),
            N_("(unit cost + freight) × unsold share ÷ (1 − unsold share)"),
            landed * unsold / (1 - unsold),
        ),
        _cost(
            "capital_on_stock",
            N_("Cost of cash in stock"),
            N_("(unit cost + freight) × (transit days + stock days) ÷ 365 × cost of capital"),
            landed * stock_days / year * capital,
        ),
        _cost(
            "capital_on_payouts",
            N_("Cost of waiting for payouts"),
            N_("(price − refunds − commission) × payout delay days ÷ 365 × cost of capital"),
            kept * v["payout_delay_days"] / year * capital,
        ),
    ]
    per_unit_value = price + sum((line.exact for line in costs), Fraction(0))
    per_unit = (
        _line("price", N_("Price"), N_("price per unit"), price),
        *costs,
        _line("contribution_per_unit", N_("Contribution per unit"), N_("sum of the lines above"), per_unit_value),
    )
    fixed = v["fixed_per_month"]
    per_month_value = per_unit_value * units - fixed
    per_month = (
        _line(
            "units_contribution",
            N_("Contribution of the units"),
            N_("contribution per unit × monthly units"),
            per_unit_value * units,
        ),
        _cost("fixed_costs", N_("Fixed costs"), N_("fixed costs per month"), fixed),
        _line(
            "contribution_per_month", N_("Contribution per month"), N_("contribution of the units − fixed costs"), per_month_value
        ),
        _line(
            "contribution_per_unit_after_fixed",
            N_("Per unit after fixed costs"),
            N_("contribution per month ÷ monthly units"),
            per_month_value / units,
        ),
    )
    per_day = units * months / year
    in_stock = landed * per_day * stock_days
    receivable = kept * per_day * v["payout_delay_days"]
    cash = (
        _line(
            "cash_in_stock",
            N_("Cash in stock (transit and warehouse)"),
            N_("(unit cost + freight) × monthly units × 12 ÷ 365 × (transit days + stock days)"),
            in_stock,
        ),
        _line(
            "cash_in_payouts",
            N_("Cash waiting for payouts"),
            N_("(price − refunds − commission) × monthly units × 12 ÷ 365 × payout delay days"),
            receivable,
        ),
        _line("cash_tied_up", N_("Cash tied up"), N_("cash in stock + cash waiting for payouts"), in_stock + receivable),
        _line(
            "cash_cost_per_month",
            N_("What that cash costs a month"),
            N_("cash tied up × cost of capital ÷ 12 (already in the lines per unit)"),
            (in_stock + receivable) * capital / months,
        ),
    )
    largest = max(abs(line.exact) for line in (*per_unit, *per_month, *cash))
    if largest >= _LARGEST:
        # Each number is below 10**64, but products of them (price x units) need not be: a result that long
        # could not be read back from a trace (numbers there have at most 64 digits) and means nothing.
        raise ProfileError(
            f"{model} on {platform}: these numbers give amounts of more than {_documents.MAX_DIGITS} digits",
            field=_where(),
            allowed=f"amounts and units a month whose products stay below 10^{_documents.MAX_DIGITS}",
        )
    not_given = tuple(spec.name for spec in NUMBERS if spec.name not in values)
    return ModelMargin(model=model, per_unit=per_unit, per_month=per_month, cash=cash, not_given=not_given)


def amount_text(value: Decimal) -> str:
    """An amount rounded to the cent, grouped: ``2,088.72``.

    Formatted from the exact Decimal (a float would lose cents on huge amounts); Chinese groups digits
    and writes the decimal point as English does, so this is also what ``_i18n.number(value, digits=2)``
    gives in Chinese (tests/test_margin_zh.py checks that).
    """
    return f"{value:,.2f}"


def _money(currency: str, value: Decimal) -> str:
    """An amount with its currency label: ``USD 2,088.72``."""
    text = amount_text(value)
    return f"{currency} {text}" if currency else text


BREAK_EVEN_FORMULA = N_(
    "(semi-managed fixed costs − fully-managed fixed costs) ÷ (semi-managed − fully-managed contribution per unit)"
)


def _platform_margin(economics: Economics, platform: str, name: str) -> PlatformMargin:
    full, semi = _model_margin(economics, platform, FULL), _model_margin(economics, platform, SEMI)
    gap = full.contribution_per_month - semi.contribution_per_month
    gap_cents = cents(abs(gap))
    leader = EVEN if gap_cents == 0 else (FULL if gap > 0 else SEMI)
    slope = semi.contribution_per_unit - full.contribution_per_unit
    crossing: Fraction | None = None
    above: str | None = None
    if slope != 0:
        point = (semi.fixed_per_month - full.fixed_per_month) / slope
        # A volume past 10**64 units a month is no break-even (and could not be shown or stored).
        if 0 < point < _LARGEST:
            crossing = point
            above = SEMI if slope > 0 else FULL
    item = PlatformMargin(
        platform=platform,
        platform_name=name,
        models=(full, semi),
        leader=leader,
        gap_per_month=gap_cents,
        break_even_units=None if crossing is None else cents(crossing),
        above_break_even=above,
        break_even_formula=BREAK_EVEN_FORMULA,
        summary="",
        break_even_exact=crossing,
    )
    # The summary a reason quotes is recorded in English (traces are); summary_text() gives it in any language.
    with _i18n.use("en"):
        return replace(item, summary=summary_text(item, economics.monthly_units, economics.currency))


def summary_text(item: PlatformMargin, monthly_units: int, currency: str = "") -> str:
    """The sentence a margin reason quotes, in the language in force.

    e.g. ``at 600 units a month your own numbers leave USD 2,147.66 under fully-managed and USD 58.94
    under semi-managed: fully-managed leaves USD 2,088.72 more a month``.
    """
    full, semi = item.models
    if item.leader == EVEN:
        verdict = _("both models leave the same")
    else:
        verdict = _("{model} leaves {amount} more a month").format(
            model=model_words(item.leader), amount=_money(currency, item.gap_per_month)
        )
    summary = _(
        "at {units} units a month your own numbers leave {full} under fully-managed and {semi} under semi-managed: {verdict}"
    ).format(
        units=monthly_units,
        full=_money(currency, cents(full.contribution_per_month)),
        semi=_money(currency, cents(semi.contribution_per_month)),
        verdict=verdict,
    )
    if item.break_even_exact is not None and item.above_break_even is not None:
        above = item.above_break_even
        summary += _("; below about {units} units a month {other} leaves more, above it {above}").format(
            units=_i18n.number(whole_units(item.break_even_exact)),
            other=model_words(SEMI if above == FULL else FULL),
            above=model_words(above),
        )
    return summary


def compare_margins(
    economics: Economics | Mapping[str, Any],
    *,
    platforms: tuple[str, ...] = PLATFORMS,
    names: Mapping[str, str] | None = None,
) -> MarginComparison:
    """Compare what fully-managed and semi-managed leave on each platform, from the seller's own numbers.

    :param economics: an :class:`Economics` or the ``economics`` section of a profile as a dict.
    :param platforms: the platforms to compare, in this order.
    :param names: display names by platform id (``Advisor.compare_margins`` passes the rule book's).
    :raises ProfileError: for invalid numbers, or a price or unit cost missing for a platform and model.
    """
    if not isinstance(economics, Economics):
        economics = Economics.from_dict(economics)
    names = names or {}
    return MarginComparison(
        currency=economics.currency,
        monthly_units=economics.monthly_units,
        cost_of_capital=economics.cost_of_capital,
        platforms=tuple(_platform_margin(economics, p, names.get(p, p)) for p in platforms),
    )


def platform_facts(comparison: MarginComparison, lang: str = "en") -> dict[str, dict[str, Any]]:
    """The facts the rules read about each platform (:data:`DERIVED_PLATFORM_FACTS`), by platform id.

    :param lang: the language of ``margin_summary`` (the engine reads English; a text shown in
        another language quotes that language's summary).
    """
    with _i18n.use(lang):
        return {
            item.platform: {
                "margin_leader": item.leader,
                "margin_gap_per_month": whole_units(Fraction(item.gap_per_month)),
                "margin_gap_pct": item.gap_pct,
                "margin_summary": item.summary
                if lang == "en"
                else summary_text(item, comparison.monthly_units, comparison.currency),
            }
            for item in comparison.platforms
        }


def margin_facts(
    profile: SellerProfile, extra: Mapping[str, Mapping[str, Any]] | None = None, lang: str = "en"
) -> dict[str, dict[str, Any]]:
    """The platform facts a consultation of ``profile`` adds, by platform: its margin facts, then ``extra`` over them.

    Empty when the profile has no economics, so a consultation without them declares exactly what it did before.

    :param lang: the language of ``margin_summary`` (see :func:`platform_facts`).
    :raises ProfileError: when the economics lack a price or unit cost for a platform asked about.
    """
    out: dict[str, dict[str, Any]] = {}
    if profile.economics is not None:
        out = platform_facts(compare_margins(profile.economics, platforms=profile.platforms), lang)
    for platform, values in (extra or {}).items():
        out.setdefault(platform, {}).update(values)
    return out


# -- the interview's questions ------------------------------------------------------

KNOWS_NUMBERS_QUESTION = N_(
    "Do you know your own numbers for both models (prices, unit cost, freight, fees)? "
    "If so I can work out what each leaves you a month. (yes or no)"
)
# Chinese sellers answer 是 / 知道 and leave with 退出, as the interview accepts.
_YES = {"yes", "y", "true", "1", "是", "是的", "对", "知道"}
_QUIT = {"quit", "q", "exit", "stop", "退出"}


def ask_economics(ask: Callable[[str], str], tell: Callable[[str], None]) -> Economics | None:
    """Ask for the seller's own numbers, but only after they say they know them.

    The numbers asked apply to every platform; differences per platform (such
    as Temu's declared supply price) go in the profile file. A blank answer
    leaves a number out (counted as 0), ``quit`` drops the numbers altogether.

    :param ask: shows a prompt and returns the reply (it may raise to leave, e.g. on end of input).
    :param tell: shows a message.
    :returns: the validated numbers, or ``None`` when the seller does not know them or quits.
    """
    tell(_(KNOWS_NUMBERS_QUESTION))
    if ask(">").strip().lower() not in _YES:
        return None
    tell(_("Blank leaves a number out (counted as 0); quit drops the numbers. Differences per platform go in the profile file."))
    data: dict[str, Any] = {}
    unit_cost = NUMBERS_BY_NAME["unit_cost"]
    seller = (
        ("currency", _("Currency label for your amounts (e.g. USD; blank for none)?"), None),
        ("monthly_units", _("Units you expect to sell a month on each platform?"), None),
        ("unit_cost", _(unit_cost.question), unit_cost),
        ("cost_of_capital", _("What does money tied up cost you a year (e.g. 12%)?"), None),
    )
    for name, question, spec in seller:
        answer = _ask_one(ask, tell, question, name, spec, required=name in ("monthly_units", "unit_cost"))
        if answer is _QUIT_SENTINEL:
            return None
        if answer is not None:
            data[name] = answer
    for model in MODELS:
        table: dict[str, Any] = {}
        for spec in NUMBERS:
            if spec.name == "unit_cost":
                continue
            question = _("{model}: {question}").format(model=model_words(model), question=_(spec.question))
            answer = _ask_one(ask, tell, question, f"{model}.{spec.name}", spec, required=spec.required)
            if answer is _QUIT_SENTINEL:
                return None
            if answer is not None:
                table[spec.name] = answer
        data[model] = table
    return Economics.from_dict(data)


_QUIT_SENTINEL: Any = object()


def _ask_one(
    ask: Callable[[str], str], tell: Callable[[str], None], question: str, where: str, spec: NumberSpec | None, *, required: bool
) -> Any:
    """One answer, checked at once so a mistake is put right while the question is fresh."""
    tell(question)
    while True:
        reply = ask(">").strip()
        if reply.lower() in _QUIT:
            tell(_("Leaving your own numbers out."))
            return _QUIT_SENTINEL
        if not reply:
            if not required:
                return None
            tell(_("This one is needed for the comparison; please answer, or type quit."))
            continue
        try:
            if spec is not None:
                _number(spec, reply, _where(where))
            elif where == "monthly_units":
                Economics.from_dict({"monthly_units": reply})
            elif where == "cost_of_capital":
                _share(reply, _where(where), _SELLER_MEANING[where], below_one=False)
            elif len(reply) > 12:
                raise ProfileError("expected a short currency label", field=_where(where))
        except ProfileError as exc:
            allowed = spec.allowed_text if spec else _("again")
            if exc.suggestion:
                tell(
                    _("Sorry, {problem} - did you mean '{suggestion}'? Please answer {allowed}, or quit.").format(
                        problem=exc.problem, suggestion=exc.suggestion, allowed=allowed
                    )
                )
            else:
                tell(_("Sorry, {problem}. Please answer {allowed}, or quit.").format(problem=exc.problem, allowed=allowed))
            continue
        return reply
