"""The dated cost tables a landed cost is estimated from: customs by market, and each route's terms and fees.

They live in ``rules/landed.toml`` beside the routes, with the same discipline as every platform
fact: each entry has ``as_of``, ``review_by``, its sources and a reliability (``official``,
``press`` or ``explainer``), ``rules lint`` warns when one is past its review date and
``rules review`` lists them. Where the research says a number is not published (a Temu
commission), there is no entry: the margin asks the seller for it instead of inventing it.

This module only reads and looks up; the arithmetic is :mod:`sellerexpert._economics.margins`' and the
choice of which routes to compare is :mod:`sellerexpert._economics.landed`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal

from .._errors import RuleBookError
from .._i18n import translated
from .routes import Route, region

Reliability = Literal["official", "press", "explainer"]
Shipment = Literal["parcel", "bulk"]
Charge = Literal["rate", "per_item", "yours", "none", "import_tax"]
Party = Literal["platform", "seller"]

RELIABILITIES: tuple[str, ...] = ("official", "press", "explainer")
FEE_NUMBERS: tuple[str, ...] = ("commission", "payout_delay_days", "fine_multiple")
"""The seller's numbers a fee entry may estimate (names of :data:`sellerexpert._profile.economics.NUMBERS`)."""
FEE_AMOUNTS: tuple[str, ...] = ("late_fine", "deposit", "refund_admin_cap")
"""Amounts in a currency a fee entry may set: a fine per late order, a deposit per shop, a cap per refund."""


@dataclass(frozen=True)
class Money:
    """An amount in a currency, as a table states it (converted with the seller's exchange rates)."""

    amount: Decimal
    currency: str

    def text(self) -> str:
        """``EUR 3``, ``USD 5.5``: the amount as the table writes it."""
        return f"{self.currency} {self.amount.normalize():,f}"


@dataclass(frozen=True)
class Spread:
    """A table's number: its base value and, where the sources give a range, the low and high ends."""

    base: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def of(cls, raw: Any) -> Spread:
        if isinstance(raw, Mapping):
            base = Decimal(str(raw["base"]))
            return cls(base, Decimal(str(raw.get("low", base))), Decimal(str(raw.get("high", base))))
        value = Decimal(str(raw))
        return cls(value, value, value)


@dataclass(frozen=True)
class Dated:
    """What every table entry carries: when it was true, when to look again, and who says so."""

    id: str
    what: str
    as_of: str
    review_by: str
    sources: tuple[str, ...]
    reliability: Reliability
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    KIND: ClassVar[str] = ""
    """The table the entry stands in (``customs``, ``terms`` or ``fee``): the first part of its :attr:`key`."""

    @property
    def key(self) -> str:
        """How estimates cite the entry: ``customs.eu_item_duty``, ``terms.temu_y2``, ``fee.temu_fines``."""
        return f"{self.KIND}.{self.id}"

    def what_in(self, lang: str = "en") -> str:
        return translated(self.translations, lang, "what", self.what)

    def stale(self, today: date) -> bool:
        """Past its review date: shown as such, to be checked against its sources."""
        return date.fromisoformat(self.review_by) < today


@dataclass(frozen=True)
class CustomsEntry(Dated):
    """One customs charge in a market, for parcels sent from China or for stock imported in bulk.

    ``charge``: ``rate`` (a share of the customs value), ``per_item`` (a fixed amount), ``yours``
    (the product's own duty rate applies: the seller's ``duty_rate``), ``none`` (no duty), or
    ``import_tax`` (a tax on the customs value plus duty at the seller's ``import_tax_rate``).
    ``up_to`` and ``over`` limit it to customs values per item at or below, or above, an amount.
    """

    KIND: ClassVar[str] = "customs"
    markets: tuple[str, ...] = ()
    shipment: Shipment = "parcel"
    charge: Charge = "yours"
    rate: Spread | None = None
    amount: Money | None = None
    amount_spread: Spread | None = None
    up_to: Money | None = None
    over: Money | None = None
    until: str | None = None

    def covers(self, market: str) -> bool:
        return market in self.markets or (region(market) == "EU" and "EU" in self.markets)

    def stale(self, today: date) -> bool:
        return super().stale(today) or (self.until is not None and date.fromisoformat(self.until) < today)


@dataclass(frozen=True)
class RouteTerms(Dated):
    """Who does what on a route, as far as money goes: who sets the retail price, clears customs,
    delivers (last mile, storage, returns) and runs promotions (ads, creators)."""

    KIND: ClassVar[str] = "terms"
    route: str = ""
    price_by: Party = "seller"
    customs_by: Party = "seller"
    delivery_by: Party = "seller"
    promotions_by: Party = "seller"


@dataclass(frozen=True)
class FeeEntry(Dated):
    """A platform's take or payout terms on some routes (in some markets): numbers the seller's own replace."""

    KIND: ClassVar[str] = "fee"
    routes: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    numbers: Mapping[str, Spread] = field(default_factory=dict)
    amounts: Mapping[str, Money] = field(default_factory=dict)
    refund_admin_share: Decimal | None = None

    def covers(self, route: str, market: str | None) -> bool:
        if route not in self.routes:
            return False
        if not self.markets:
            return True
        return market is not None and (market in self.markets or (region(market) == "EU" and "EU" in self.markets))


@dataclass(frozen=True)
class CostTables:
    """Every customs entry, route's terms and fee entry of a rule book."""

    customs: tuple[CustomsEntry, ...] = ()
    terms: Mapping[str, RouteTerms] = field(default_factory=dict)
    fees: tuple[FeeEntry, ...] = ()

    def customs_in(self, market: str) -> tuple[CustomsEntry, ...]:
        return tuple(entry for entry in self.customs if entry.covers(market))

    def customs_for(self, market: str, shipment: Shipment) -> tuple[CustomsEntry, ...]:
        return tuple(entry for entry in self.customs_in(market) if entry.shipment == shipment)

    def fees_for(self, route: str, market: str | None) -> tuple[FeeEntry, ...]:
        return tuple(entry for entry in self.fees if entry.covers(route, market))

    def entries(self) -> tuple[Dated, ...]:
        """Every dated entry, for the lint's and the review's lists."""
        return (*self.customs, *self.terms.values(), *self.fees)

    def notes(self, lang: str = "en") -> dict[str, str]:
        """What each entry says, in ``lang``, by the key estimates cite it by (for a report's list of estimates)."""
        return {entry.key: entry.what_in(lang) for entry in self.entries()}


def _money(raw: Mapping[str, Any]) -> Money:
    return Money(Decimal(str(raw["amount"])), str(raw["currency"]))


def _dated(raw: Mapping[str, Any], translations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "what": " ".join(str(raw["what"]).split()),
        "as_of": raw["as_of"],
        "review_by": raw["review_by"],
        "sources": tuple(raw["sources"]),
        "reliability": raw["reliability"],
        "translations": translations,
    }


def read_tables(
    documents: list[tuple[str, Path, dict[str, Any]]],
    check_sources: Any,
    sources: Mapping[str, Any],
    routes: tuple[Route, ...],
    translations_of: Any,
) -> CostTables:
    """The cost tables of a rule book's files, checked against its sources and routes.

    :raises RuleBookError: naming the file and entry for a duplicate id, an unknown route or source.
    """
    route_ids = {route.id for route in routes}
    customs: list[CustomsEntry] = []
    terms: dict[str, RouteTerms] = {}
    fees: list[FeeEntry] = []
    seen: set[tuple[str, str]] = set()

    def once(kind: str, entry_id: str, path: Path) -> None:
        if (kind, entry_id) in seen:
            raise RuleBookError(f"{kind} '{entry_id}' is defined twice", path=path, field=kind)
        seen.add((kind, entry_id))

    def known_routes(kind: str, entry_id: str, named: list[str], path: Path) -> None:
        for route_id in named:
            if route_id not in route_ids:
                raise RuleBookError(
                    f"{kind} '{entry_id}' names unknown route '{route_id}'", path=path, field=f"{kind}.{entry_id}.routes"
                )

    for _unused, path, data in documents:
        for raw in data.get("customs", []):
            once("customs", raw["id"], path)
            check_sources(path, raw["sources"], sources, rule_id=None, key=f"customs.{raw['id']}.sources")
            customs.append(
                CustomsEntry(
                    id=raw["id"],
                    **_dated(raw, translations_of(raw)),
                    markets=tuple(raw["markets"]),
                    shipment=raw["shipment"],
                    charge=raw["charge"],
                    rate=Spread.of(raw["rate"]) if "rate" in raw else None,
                    amount=_money(raw["amount"]) if "amount" in raw else None,
                    amount_spread=Spread.of(raw["amount_range"]) if "amount_range" in raw else None,
                    up_to=_money(raw["up_to"]) if "up_to" in raw else None,
                    over=_money(raw["over"]) if "over" in raw else None,
                    until=raw.get("until"),
                )
            )
        for raw in data.get("terms", []):
            once("terms", raw["route"], path)
            known_routes("terms", raw["route"], [raw["route"]], path)
            check_sources(path, raw["sources"], sources, rule_id=None, key=f"terms.{raw['route']}.sources")
            terms[raw["route"]] = RouteTerms(
                id=raw["route"],
                **_dated(raw, translations_of(raw)),
                route=raw["route"],
                price_by=raw["price_by"],
                customs_by=raw["customs_by"],
                delivery_by=raw["delivery_by"],
                promotions_by=raw["promotions_by"],
            )
        for raw in data.get("fee", []):
            once("fee", raw["id"], path)
            known_routes("fee", raw["id"], list(raw["routes"]), path)
            check_sources(path, raw["sources"], sources, rule_id=None, key=f"fee.{raw['id']}.sources")
            fees.append(
                FeeEntry(
                    id=raw["id"],
                    **_dated(raw, translations_of(raw)),
                    routes=tuple(raw["routes"]),
                    markets=tuple(raw.get("markets", ())),
                    numbers={name: Spread.of(raw[name]) for name in FEE_NUMBERS if name in raw},
                    amounts={name: _money(raw[name]) for name in FEE_AMOUNTS if name in raw},
                    refund_admin_share=Decimal(str(raw["refund_admin_share"])) if "refund_admin_share" in raw else None,
                )
            )
    return CostTables(customs=tuple(customs), terms=terms, fees=tuple(fees))
