"""Per-product advice: a product list in, the route per product, platform and market out, and the split.

Each product is advised as the company would be with the product's own weight class, category
and numbers (:mod:`sellerexpert._economics.catalogue_input`): the same consultation, on the same engine, so
the same trace; its contribution is the landed cost (:mod:`sellerexpert._economics.landed`) of the route the
advice names. The split sums the products per route, names the close calls, the products no route
can carry and those whose route differs from the company-level advice, and says whether to run
both stores on a platform that keeps the models in separate stores (Temu).
"""

from __future__ import annotations

import functools
import json
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from .._errors import BatchError, EngineError, ProfileError
from .._i18n import N_
from .._i18n.messages import Msg
from .._language import use as use_language
from .._profile.profile import SellerProfile
from .._records import Key, Record
from .._results.result import ConsultationResult, MarketAdvice, Recommendation
from .margins import MarginComparison, PlatformMargin

if TYPE_CHECKING:
    from .._results.trace import Trace
    from .._workers import Lent

_Text = TypeVar("_Text", str, bytes)

CLOSE_PCT = 10
"""A product is a close call on a platform and market when its two routes' monthly contributions
differ by less than this percentage of the larger one."""


@dataclass(frozen=True)
class Placement:
    """One product on one platform in one market: the route the advice gives, what it leaves, and why.

    :ivar route: the route's id, ``None`` when no route on the platform can carry the product there.
    :ivar model: ``fully-managed``, ``semi-managed`` or ``None`` (the seller's own store, or no route).
    :ivar contribution_per_unit: what one unit leaves on that route (landed cost), rounded to the cent;
        ``None`` when the route is not priced (no route, or the seller's own store).
    :ivar contribution_per_month: the same at the product's monthly units, after the route's fixed costs.
    :ivar other_route: the other priced route in the market, if any, and :ivar other_per_month: what it leaves.
    :ivar gap_pct: the gap between the two routes, as a whole percentage of the larger (0 when only one is priced).
    :ivar close: the two routes leave nearly the same (a gap under the close-call percentage).
    :ivar company_route: the route the company-level advice (on its answers alone) gives here.
    :ivar reason: one plain reason, the advice's strongest.
    :ivar advice: the market's advice as the consultation gives it.
    """

    platform: str
    platform_name: str
    market: str | None
    market_name: str
    route: str | None
    route_name: str
    model: str | None
    contribution_per_unit: Decimal | None
    contribution_per_month: Decimal | None
    other_route: str | None
    other_route_name: str
    other_per_month: Decimal | None
    gap_pct: int
    close: bool
    company_route: str | None
    reason: str
    advice: MarketAdvice | None = field(default=None, repr=False, compare=False)

    @property
    def carried(self) -> bool:
        """Whether a route on the platform carries the product in this market."""
        return self.route is not None

    @property
    def differs(self) -> bool:
        """Whether the product's route differs from the company-level advice here."""
        return self.route != self.company_route

    @property
    def leaves_less(self) -> bool:
        """Whether the other priced route would leave more a month than the advised one."""
        return (
            self.contribution_per_month is not None
            and self.other_per_month is not None
            and self.other_per_month > self.contribution_per_month
        )

    def to_dict(self) -> dict[str, Any]:
        """The market entry of the consultation result, with the contribution and the comparison.

        Written by hand, not by the records' helper: its head is the market advice's whole JSON when the
        consultation gave one, and five of its keys otherwise, so its keys are not one list.
        """
        base = self.advice.to_dict() if self.advice is not None else {
            "market": self.market, "market_name": self.market_name, "route": self.route, "route_name": self.route_name,
            "model": self.model,
        }
        return {**base, **self.comparison_dict()}

    def comparison_dict(self) -> dict[str, Any]:
        """The keys of :meth:`to_dict` after the market's own: the contribution and the comparison (a product's
        JSON writes them after the market advice's text, which it remembers: see ``catalogue_report._market_parts``)."""
        return dict(zip(self.COMPARISON, self.comparison_values(), strict=True))

    COMPARISON: ClassVar[tuple[str, ...]] = (
        "contribution_per_unit", "contribution_per_month", "other_route", "other_route_name", "other_per_month",
        "gap_pct", "close_call", "company_route", "differs_from_company", "reason",
    )
    """The keys of :meth:`comparison_dict`, in its order."""

    def comparison_values(self, number: Callable[[Decimal | None], Any] | None = None) -> tuple[Any, ...]:
        """The values of :meth:`comparison_dict`, in its keys' order (:attr:`COMPARISON`): what a product's JSON
        writes of them, without a dict for each market.

        :param number: what each amount is written as instead (a product's JSON writes them straight to text).
        """
        if number is None:
            number = _number
        return (
            number(self.contribution_per_unit),
            number(self.contribution_per_month),
            self.other_route,
            self.other_route_name,
            number(self.other_per_month),
            self.gap_pct,
            self.close,
            self.company_route,
            self.differs,
            self.reason,
        )


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _by_platform(
    placements: tuple[Placement, ...], market: Callable[[Placement], Any] = Placement.to_dict
) -> list[dict[str, Any]]:
    """The placements grouped per platform, in the order the platforms first appear, each market's entry
    ``market(placement)`` (its dict; a product's JSON text puts an object that writes it there)."""
    platforms: dict[str, dict[str, Any]] = {}
    for placement in placements:
        entry = platforms.setdefault(
            placement.platform,
            {"platform": placement.platform, "platform_name": placement.platform_name, "markets": []},
        )
        entry["markets"].append(market(placement))
    return list(platforms.values())


@dataclass(frozen=True)
class ProductAdvice(
    Record,
    keys=(
        "row", "line", "sku", "name", "monthly_units", "weight_class", "category",
        Key("platforms", attr="placements", via=_by_platform),
    ),
):
    """One product's advice: per platform, one placement per target market.

    :ivar result: the consultation of the product's profile (its trace is the product's trace).
    """

    row: int
    line: int
    sku: str
    name: str
    monthly_units: int
    weight_class: str | None
    category: str | None
    placements: tuple[Placement, ...]
    result: ConsultationResult = field(repr=False, compare=False)


@dataclass(frozen=True)
class Written:
    """A product as a worker process wrote it for a streamed output: its text in the format written, and what the
    split counts (its SKU and what it reads of each placement, :func:`_tallied`). The consultation stays in the
    worker: it is most of a product's pickle, and the parent, which reads every product alone, would spend more
    unpickling it than the worker spends writing the text. The placements themselves stay too: a tuple of plain
    values a placement unpickles in a tenth of the time of the placement (an object and its dict of 17 fields,
    three Decimals), some 70 against 440 bytes."""

    sku: str
    tallied: tuple[tuple[Any, ...], ...]
    text: str | bytes


@dataclass
class Delivery:
    """What worker processes send back for each product: the whole :class:`ProductAdvice` while ``render`` is
    ``None``, else a :class:`Written` with the product's text as ``render`` writes it.

    Read when the workers start (when the first product is read): a writer sets ``render`` before that
    (:meth:`CatalogueStream.texts`); either way every product's text is the same.
    """

    render: Callable[[ProductAdvice], str | bytes] | None = None


@dataclass(frozen=True)
class FailedProduct(Record, keys=("row", "line", "sku", "field", "message")):
    """A product row that could not be advised: its row, line, SKU (when read) and the message."""

    row: int
    line: int
    sku: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class RouteShare(
    Record,
    keys=(
        "platform", "market", "market_name", "route", "route_name", "model", "products", "priced",
        Key("contribution_per_month", via=_number),
    ),
):
    """The products one route takes on one platform in one market, and the monthly contribution they leave.

    :ivar route: the route id, ``None`` for the products no route carries.
    :ivar priced: how many of them have a contribution (the seller's own store is not priced).
    """

    platform: str
    market: str | None
    market_name: str
    route: str | None
    route_name: str
    model: str | None
    products: int
    priced: int
    contribution_per_month: Decimal


@dataclass(frozen=True)
class ProductMention(Record, keys=("sku", "platform", "market", "route", "route_name", "text")):
    """A product named in the split (a close call, a product no route carries, or one off the company's route)."""

    sku: str
    platform: str
    platform_name: str
    market: str | None
    market_name: str
    route: str | None
    route_name: str
    text: str


@dataclass(frozen=True)
class StoreSplit(
    Record,
    keys=("platform", Key("fully-managed", attr="fully_managed"), Key("semi-managed", attr="semi_managed"), "run_both"),
):
    """On a platform that keeps the models in separate stores: how many products each store would sell
    (a product counts for a store when the advice puts it on that model in any market)."""

    platform: str
    platform_name: str
    fully_managed: int
    semi_managed: int

    @property
    def run_both(self) -> bool:
        """Both stores have products to sell."""
        return self.fully_managed > 0 and self.semi_managed > 0


def _totals(totals: tuple[tuple[str, Decimal], ...]) -> dict[str, float | int | None]:
    return {platform: _number(total) for platform, total in totals}


@dataclass(frozen=True)
class Split(
    Record,
    keys=(
        "products", "errors", "currency", "routes", Key("totals", via=_totals),
        "close_calls", "not_carried", "off_company", "leaves_less", "both_stores",
    ),
):
    """The summary a seller reads first.

    :ivar routes: products and monthly contribution per route, per platform and market.
    :ivar totals: the monthly contribution of all products per platform (the sum of its routes' in each market
        is the same for every market a product is sold in; here summed over markets).
    :ivar close_calls: products whose two routes leave nearly the same.
    :ivar not_carried: products no route on a platform can carry in a market, with the reason.
    :ivar off_company: products whose route differs from the company-level advice.
    :ivar leaves_less: products whose advised route leaves less a month than the other priced route
        (the rules weighed more than money: the reason says what).
    :ivar both_stores: per platform with separate stores per model, how the products split between them.
    """

    products: int
    errors: int
    currency: str
    routes: tuple[RouteShare, ...]
    totals: tuple[tuple[str, Decimal], ...]
    close_calls: tuple[ProductMention, ...]
    not_carried: tuple[ProductMention, ...]
    off_company: tuple[ProductMention, ...]
    leaves_less: tuple[ProductMention, ...]
    both_stores: tuple[StoreSplit, ...]


@dataclass(frozen=True)
class Catalogue(Record, keys=("products", "split", "errors", "unknown_columns", "close_pct")):
    """Per-product advice for one company: the products, the rows that failed, and the split.

    :ivar company: the company-level consultation (on its answers alone), the products are compared with.
    :ivar unknown_columns: columns of the product list that were set aside.
    """

    profile: SellerProfile
    products: tuple[ProductAdvice, ...]
    errors: tuple[FailedProduct, ...]
    split: Split
    company: ConsultationResult = field(repr=False, compare=False)
    unknown_columns: tuple[str, ...] = ()
    close_pct: int = CLOSE_PCT

    def save_traces(self, directory: str | Path) -> int:
        """Write each advised product's trace into ``directory``, one file per product row, for ``audit``.

        :returns: how many traces were written.
        :raises BatchError: when the folder cannot be made or a trace cannot be written.
        """
        return save_traces(self, directory)

    def to_json(self) -> str:
        """Strict JSON, keys in a fixed order: byte-identical for the same input."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# -- building ------------------------------------------------------------------

Consult = Callable[[SellerProfile], ConsultationResult]
Landed = Callable[[SellerProfile, "str | None"], MarginComparison]
"""A product's landed-cost comparison in one market (``None``: the profile as it is), as its consultation read it."""


def _entries(rec: Recommendation) -> tuple[MarketAdvice | None, ...]:
    return rec.markets if rec.markets else (None,)


def _reason(entry: MarketAdvice | None, rec: Recommendation) -> str:
    """The advice's strongest reason for what it chose here (a constraint first, then the heaviest evidence)."""
    reasons = entry.reasons if entry is not None else rec.reasons
    model = entry.model if entry is not None else rec.model
    # Plain loops, not a generator searched per choice (six placements a product): a reason is never false.
    if model is None:
        for reason in reasons:
            if reason.kind == "constraint":
                return reason.text
    for reason in reasons:
        if reason.favours == model:
            return reason.text
    if reasons:
        return reasons[0].text
    return entry.outcome_text if entry is not None else rec.outcome_text


def _comparison_in(comparison: MarginComparison | None, platform: str, market: str | None) -> PlatformMargin | None:
    if comparison is None:
        return None
    try:
        return comparison.platform(platform, market)
    except KeyError:
        return None


def _placement(
    rec: Recommendation,
    entry: MarketAdvice | None,
    margin: PlatformMargin | None,
    company_route: str | None,
    close_pct: int,
) -> Placement:
    route = entry.route if entry is not None else None
    model = entry.model if entry is not None else rec.model
    mine = other = None
    if margin is not None and model is not None:
        for candidate in margin.models:
            if candidate.model == model and (route is None or candidate.route == route):
                mine = candidate
            elif candidate.model != model:
                other = candidate
    # A contribution's line already holds it rounded to the cent (its value is cents() of its exact amount).
    per_unit = mine.line("contribution_per_unit").value if mine is not None else None
    per_month = mine.line("contribution_per_month").value if mine is not None else None
    other_month = other.line("contribution_per_month").value if other is not None and mine is not None else None
    gap = margin.gap_pct if margin is not None and mine is not None and other is not None else 0
    # Made without the frozen record's __init__ (17 checked assignments, six times a product): every field is
    # set here, as the constructor would set it.
    placement = object.__new__(Placement)
    placement.__dict__.update(
        platform=rec.platform,
        platform_name=rec.platform_name,
        market=entry.market if entry is not None else None,
        market_name=entry.market_name if entry is not None else "",
        route=route if entry is not None else (model if model is not None else None),
        route_name=entry.route_name if entry is not None else "",
        model=model,
        contribution_per_unit=per_unit,
        contribution_per_month=per_month,
        other_route=other.route if other is not None and mine is not None else None,
        other_route_name=other.route_name if other is not None and mine is not None else "",
        other_per_month=other_month,
        gap_pct=gap,
        close=other_month is not None and gap < close_pct,
        company_route=company_route,
        reason=_reason(entry, rec),
        advice=entry,
    )
    return placement


def company_routes(result: ConsultationResult) -> dict[tuple[str, str | None], str | None]:
    """The route the company-level advice gives per platform and market."""
    out: dict[tuple[str, str | None], str | None] = {}
    for rec in result.recommendations:
        for entry in _entries(rec):
            out[(rec.platform, entry.market if entry is not None else None)] = (
                entry.route if entry is not None else rec.model
            )
    return out


def advise_product(
    profile: SellerProfile,
    *,
    consult: Consult,
    landed: Landed,
    company: Mapping[tuple[str, str | None], str | None],
    close_pct: int = CLOSE_PCT,
) -> tuple[ConsultationResult, tuple[Placement, ...]]:
    """Advise one product's profile: the consultation and a placement per platform and market.

    :raises ProfileError: when the product's numbers cannot be worked out (a price missing for a route...).
    :raises EngineError: when the rules fail on it.
    """
    result = consult(profile)
    comparisons: dict[str | None, MarginComparison] = {}
    placements = []
    for rec in result.recommendations:
        for entry in _entries(rec):
            market = entry.market if entry is not None else None
            if profile.economics is not None and market not in comparisons:
                # Each market's comparison as the consultation weighed it (the profile in that market alone).
                comparisons[market] = landed(profile, market)
            margin = _comparison_in(comparisons.get(market), rec.platform, market)
            placements.append(_placement(rec, entry, margin, company.get((rec.platform, market)), close_pct))
    return result, tuple(placements)


def _error(row: int, line: int, sku: str, exc: ProfileError | EngineError) -> FailedProduct:
    return FailedProduct(row, line, sku, str(exc), exc.field if isinstance(exc, ProfileError) else None)


MENTIONS: tuple[str, ...] = ("close_calls", "not_carried", "off_company", "leaves_less")
"""The split's lists of products it names (its fields and JSON keys), in the order they are written."""


def _tallied(p: Placement) -> tuple[Any, ...]:
    """What the split (:class:`SplitTally`) reads of a placement, in plain values: its platform, market and route
    with their names and the reason (:data:`_PLACE`: where a product named is named, and why), its model, its monthly
    contribution, and the lists of :data:`MENTIONS` it is named in, as bits (:data:`_NAMED_BITS`). The reason only
    when it is named somewhere (it is read for nothing else). A worker sends this, not the placement (:class:`Written`)."""
    named = (
        (_CLOSE if p.close else 0)
        | (_NOT_CARRIED if p.route is None else _OFF_COMPANY if p.differs else 0)
        | (_LEAVES_LESS if p.leaves_less else 0)
    )
    return (
        p.platform, p.platform_name, p.market, p.market_name, p.route, p.route_name, p.reason if named else None,
        p.model, p.contribution_per_month, named,
    )


_PLATFORM, _PLATFORM_NAME, _MARKET, _MARKET_NAME, _ROUTE, _ROUTE_NAME, _REASON, _MODEL, _PER_MONTH, _NAMED = range(10)
"""Where each of its values is in a placement's :func:`_tallied` tuple."""
_PLACE = _REASON + 1
"""The tuple's first values (up to its reason) are a mention's place and words (:class:`ProductMention` but the SKU)."""
_CLOSE, _NOT_CARRIED, _OFF_COMPANY, _LEAVES_LESS = 1, 2, 4, 8
_NAMED_BITS = tuple(zip((_CLOSE, _NOT_CARRIED, _OFF_COMPANY, _LEAVES_LESS), MENTIONS, strict=True))
"""Each list of products named (:data:`MENTIONS`, in order) by its bit in a tallied placement."""


class SplitTally:
    """The split as products come, one at a time: what it keeps is a sum per route and the products it names.

    The products named are the part that must grow with the catalogue: a mention is kept as its product's SKU
    (one string per product, shared by its mentions) and the index of its place and words (platform, market,
    route and reason, each distinct combination kept once), so about 12 bytes a mention besides the SKU; the
    :class:`ProductMention` records are made when they are read (:meth:`mentions`).

    :param separate_stores: platforms that keep fully- and semi-managed in separate stores.
    """

    def __init__(self, separate_stores: Iterable[str] = ()) -> None:
        self._separate = frozenset(separate_stores)
        self._shares: dict[tuple[str, str | None, str | None], list[Any]] = {}
        self._totals: dict[str, Decimal] = {}
        self._places: dict[tuple[Any, ...], int] = {}
        self._named: dict[str, tuple[list[str], array[int]]] = {kind: ([], array("I")) for kind in MENTIONS}
        self._stores: dict[str, list[Any]] = {}
        self._count = 0

    @property
    def count(self) -> int:
        """How many products are counted in."""
        return self._count

    def add(self, product: ProductAdvice | Written) -> None:
        """Count one product in (its SKU and what the split reads of its placements, :func:`_tallied`, are all that
        is read)."""
        self._count += 1
        sku = product.sku
        placements = product.tallied if isinstance(product, Written) else tuple(map(_tallied, product.placements))
        shares, totals = self._shares, self._totals
        for t in placements:
            platform = t[_PLATFORM]
            key = (platform, t[_MARKET], t[_ROUTE])
            # Looked up before anything is made: a new share's list and zero are made once per route, not per product.
            share = shares.get(key)
            if share is None:
                share = shares[key] = [t, 0, 0, Decimal(0)]
            share[1] += 1
            if platform not in totals:
                totals[platform] = Decimal(0)
            month = t[_PER_MONTH]
            if month is not None:
                share[2] += 1
                share[3] += month
                totals[platform] += month
            named = t[_NAMED]
            if named:
                # Its place and words: the placement's first fields (_tallied puts them first).
                index = self._places.setdefault(t[:_PLACE], len(self._places))
                for bit, kind in _NAMED_BITS:
                    if named & bit:
                        skus, where = self._named[kind]
                        skus.append(sku)
                        where.append(index)
        for platform in self._separate:
            models = {t[_MODEL] for t in placements if t[_PLATFORM] == platform}
            tally = self._stores.get(platform)
            if tally is None:  # its first placement looked for once, not made and dropped per product
                tally = self._stores[platform] = [next((t for t in placements if t[_PLATFORM] == platform), None), 0, 0]
            tally[1] += "fully-managed" in models
            tally[2] += "semi-managed" in models

    def mentions(self, kind: str) -> Iterator[ProductMention]:
        """The products named under ``kind`` (one of :data:`MENTIONS`), in the order they came, made as they are read."""
        places, skus, where = self.kept(kind)
        for sku, index in zip(skus, where, strict=True):
            yield ProductMention(sku, *places[index])

    def kept(self, kind: str) -> tuple[list[tuple[Any, ...]], list[str], array[int]]:
        """The products named under ``kind`` as they are kept: every place named (a :class:`ProductMention`'s fields
        but the SKU, by its index), and each mention's SKU and its place's index, in the order they came (the SKUs
        and indices are the tally's own lists: to be read, not changed). A writer writes them without a record per
        mention (``catalogue_report._mentions_json``)."""
        skus, where = self._named[kind]
        return list(self._places), skus, where

    def split(self, *, errors: int = 0, currency: str = "", named: bool = True) -> Split:
        """The split of the products counted so far.

        :param named: with the products named (close calls...); without, those lists are empty and the split
            holds its counts and sums alone (a writer then reads the names from :meth:`mentions`, one at a time).
        """
        routes = tuple(
            RouteShare(
                platform=first[_PLATFORM],
                market=first[_MARKET],
                market_name=first[_MARKET_NAME],
                route=first[_ROUTE],
                route_name=first[_ROUTE_NAME],
                model=first[_MODEL],
                products=n,
                priced=priced,
                contribution_per_month=total,
            )
            for first, n, priced, total in self._shares.values()
        )
        def named_in(kind: str) -> tuple[ProductMention, ...]:
            return tuple(self.mentions(kind)) if named else ()

        return Split(
            products=self._count,
            errors=errors,
            currency=currency,
            routes=routes,
            totals=tuple(self._totals.items()),
            close_calls=named_in("close_calls"),
            not_carried=named_in("not_carried"),
            off_company=named_in("off_company"),
            leaves_less=named_in("leaves_less"),
            both_stores=tuple(
                StoreSplit(platform, first[_PLATFORM_NAME] if first is not None else platform, full, semi)
                for platform, (first, full, semi) in self._stores.items()
            ),
        )


def split(
    products: Iterable[ProductAdvice],
    *,
    errors: int = 0,
    currency: str = "",
    separate_stores: Iterable[str] = (),
) -> Split:
    """Sum the products per route, per platform and market, and name the products a seller should look at.

    :param separate_stores: platforms that keep fully- and semi-managed in separate stores.
    """
    tally = SplitTally(separate_stores)
    for product in products:
        tally.add(product)
    return tally.split(errors=errors, currency=currency)


KEPT = 256
"""Consultations remembered for products the rules cannot tell apart (rows repeated but for their SKU);
then forgotten, so memory stays flat however long the list (each holds its whole result)."""
CHUNK = 16
"""Products handed to a worker process at a time (a product takes some 10 to 30 ms)."""


def _advised(
    item: Any,
    found: tuple[ConsultationResult, tuple[Placement, ...]] | FailedProduct,
) -> ProductAdvice | FailedProduct:
    if isinstance(found, FailedProduct):
        return found
    result, placements = found
    profile = item.profile
    economics = profile.economics
    # Made without the frozen record's __init__ (nine checked assignments a product), every field set as it would.
    advice = object.__new__(ProductAdvice)
    advice.__dict__.update(
        row=item.row,
        line=item.line,
        sku=item.sku,
        name=item.name,
        monthly_units=economics.monthly_units if economics is not None else 0,
        weight_class=profile.weight_class,
        category=profile.category,
        placements=placements,
        result=result,
    )
    return advice


class _Adviser:
    """Advises products one at a time: those the rules cannot tell apart (the same profile) share one consultation."""

    def __init__(
        self,
        *,
        consult: Consult,
        landed: Landed,
        company: Mapping[tuple[str, str | None], str | None],
        close_pct: int,
        source: str,
    ) -> None:
        self._consult, self._landed, self._company = consult, landed, company
        self._close_pct, self._source = close_pct, source
        self._done: dict[_Hashed, tuple[ConsultationResult, tuple[Placement, ...]]] = {}

    def __call__(self, item: Any) -> ProductAdvice | FailedProduct:
        key = _Hashed(item.profile)
        found = self._done.get(key)
        if found is None:
            try:
                found = advise_product(
                    item.profile, consult=self._consult, landed=self._landed, company=self._company, close_pct=self._close_pct
                )
            except (ProfileError, EngineError) as exc:
                if isinstance(exc, ProfileError):
                    exc = exc.located(self._source, line=item.line)
                return _error(item.row, item.line, item.sku, exc)
            if len(self._done) >= KEPT:
                self._done.clear()
            self._done[key] = found
        return _advised(item, found)


class _Hashed:
    """A profile as a key whose hash is worked out once: a product's profile is looked up, then filed.

    The hash is of the fields a catalogue's products differ in (their numbers, weight class and category; the rest
    is their company's), not of every field: equal profiles hash alike, and two that differ elsewhere only compare
    (in full). The whole profile's hash (two dozen fields, some tuples) took 10-15 us a product, twice the economics'."""

    __slots__ = ("profile", "_hash")

    def __init__(self, profile: SellerProfile) -> None:
        self.profile = profile
        self._hash = hash((profile.economics, profile.weight_class, profile.category))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Hashed) and self.profile == other.profile


@functools.lru_cache(maxsize=1)
def _advisor_for(advisor_class: Callable[[str], Any], rules_dir: str) -> Any:
    # The advisor's class is handed in (it advises through this module, so this module never imports it).
    return advisor_class(rules_dir)


def retrace(advisor_class: Callable[[str], Any], rules_dir: str, engine: str, profile: SellerProfile) -> Trace:
    """A product's trace, built again from its profile (the same, firing for firing: the trace is deterministic)."""
    return cast("Trace", _advisor_for(advisor_class, rules_dir).consult(profile, engine=engine, lang="en").trace)


def _portable(
    found: ProductAdvice | FailedProduct, advisor_class: Callable[[str], Any], rules_dir: str, engine: str, traces: bool
) -> ProductAdvice | FailedProduct:
    """A product's advice as it can travel back from a worker process: the function that would build its
    trace lives in the worker, so the trace goes built (``traces``) or as the recipe to build it again."""
    if isinstance(found, FailedProduct):
        return found
    result = found.result
    trace: Trace | Callable[[], Trace] = (
        result.trace if traces else functools.partial(retrace, advisor_class, rules_dir, engine, result.profile)
    )
    moved = ConsultationResult(result.profile, result.recommendations, result.best, trace, lang=result.lang)
    return replace(found, result=moved)


def _written(found: ProductAdvice | FailedProduct, render: Callable[[ProductAdvice], str | bytes]) -> Written | FailedProduct:
    if isinstance(found, FailedProduct):
        return found
    return Written(found.sku, tuple(map(_tallied, found.placements)), render(found))


def worker(
    advisor_class: Callable[[str], Any],
    rules_dir: str,
    engine: str,
    lang: str,
    company: Mapping[tuple[str, str | None], str | None],
    close_pct: int,
    source: str,
    traces: bool = False,
    profile: SellerProfile | None = None,
    delivery: Delivery | None = None,
    reading_lang: str = "en",
    lent: Lent[Any] | None = None,
) -> Callable[[list[Any]], list[ProductAdvice | Written | FailedProduct]]:
    """A worker process's handler (see :class:`sellerexpert._workers.Workers`): its own advisor, built once,
    advising a chunk of products as the parent would.

    :param advisor_class: the advisor's class, which the worker builds its own advisor with.
    :param traces: build each product's trace here (they are about to be written); otherwise only the
        recipe to build one travels, since building a trace costs about as much as the advice.
    :param profile: the company's profile, which rows sent as their cells
        (:class:`sellerexpert._economics.catalogue_input.ProductRow`) are made products on here.
    :param delivery: when its ``render`` is set, each product goes back written (:class:`Written`).
    :param reading_lang: the language in force where the rows are read (their errors are worded in it, as
        they would be there).
    :param lent: the parent's own advisor, which a forked worker advises with (one like ``advisor_class(rules_dir)``);
        a spawned worker builds its own.
    """
    from .catalogue_input import ProductRow, RowProblem

    advisor = lent.value if lent is not None and lent.value is not None else _advisor_for(advisor_class, rules_dir)
    advise = _Adviser(
        consult=advisor._product_consultant(engine, lang),
        landed=advisor._product_landed,
        company=company,
        close_pct=close_pct,
        source=source,
    )
    render = delivery.render if delivery is not None else None

    def one(item: Any) -> ProductAdvice | Written | FailedProduct:
        if isinstance(item, ProductRow):
            if profile is None:
                raise TypeError("a product row needs the company's profile to be made a product")
            # Read as the parent would read it (a row's error is worded when it is made).
            with use_language(reading_lang):
                item = item.product(profile, source)
            if isinstance(item, RowProblem):
                return _error(item.row, item.line, item.sku, item.error)
        found = advise(item)
        if render is not None:
            return _written(found, render)
        return _portable(found, advisor_class, rules_dir, engine, traces)

    return lambda items: [one(item) for item in items]


def advise_all(
    products: Iterable[Any],
    advise: Callable[[Any], ProductAdvice | FailedProduct],
    *,
    many: Callable[[Iterable[list[Any]]], Iterable[list[Any]]] | None = None,
) -> Iterator[Any]:
    """Each product read (:class:`sellerexpert._economics.catalogue_input.Product` or ``RowProblem``) advised, in input order.

    :param advise: advises one product here.
    :param many: when given, advises chunks of products elsewhere (worker processes), results in chunk order
        (each a :class:`ProductAdvice`, :class:`Written` or :class:`FailedProduct`); the products may then be
        rows not yet made products (``ProductRow``), which the workers make.
    """
    from .catalogue_input import RowProblem

    if many is None:
        for item in products:
            yield _error(item.row, item.line, item.sku, item.error) if isinstance(item, RowProblem) else advise(item)
        return

    # Only products travel; the rows read wrong stay here and take their place again among the results.
    sent: deque[list[Any]] = deque()

    def chunks() -> Iterator[list[Any]]:
        chunk: list[Any] = []
        travelling: list[Any] = []
        for item in products:
            chunk.append(item)
            if not isinstance(item, RowProblem):
                travelling.append(item)
                if len(travelling) == CHUNK:
                    sent.append(chunk)
                    yield travelling
                    chunk, travelling = [], []
        sent.append(chunk)
        yield travelling

    for results in many(chunks()):
        done = iter(results)
        for item in sent.popleft():
            yield _error(item.row, item.line, item.sku, item.error) if isinstance(item, RowProblem) else next(done)


class CatalogueStream:
    """A catalogue advised as it is read: its products one at a time, in input order, then the split.

    Iterate it once for the products (:class:`ProductAdvice`); the rows that failed (:attr:`errors`), the
    columns set aside and the split are complete once the products are all read. Close it (or use it as a
    context manager) to stop worker processes and close the input early.

    :ivar errors: the rows not advised, so far.
    """

    FORMATS: ClassVar[tuple[str, ...]] = ("json", "csv")
    """The formats written a product at a time, as it is advised (memory stays flat for any length)."""

    def __init__(
        self,
        profile: SellerProfile,
        items: Iterator[ProductAdvice | FailedProduct],
        *,
        company: ConsultationResult,
        separate_stores: Iterable[str] = (),
        close_pct: int = CLOSE_PCT,
        unknown: Callable[[], Iterable[str]] = tuple,
        on_close: Callable[[], None] | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        self.profile = profile
        self.company = company
        self.close_pct = close_pct
        self.errors: list[FailedProduct] = []
        self._items = items
        self._tally = SplitTally(separate_stores)
        self._unknown = unknown
        self._on_close = on_close
        self._delivery = delivery
        self._read = False

    def _each(self) -> Iterator[ProductAdvice | Written]:
        if self._read:
            raise RuntimeError("a catalogue stream is read once")
        self._read = True
        for item in self._items:
            if isinstance(item, FailedProduct):
                self.errors.append(item)
                continue
            self._tally.add(item)
            yield item

    def __iter__(self) -> Iterator[ProductAdvice]:
        # Products come written (Written) only after texts() asked for them so, and the stream is read once.
        return cast("Iterator[ProductAdvice]", self._each())

    def texts(self, render: Callable[[ProductAdvice], _Text]) -> Iterator[_Text]:
        """Instead of iterating the products: each product's text as ``render`` writes it, in input order, counted
        into the split as iterating counts them. With worker processes the text is written there (``render``
        goes to them, so it must pickle), and only it and what the split reads come back.

        A text may be bytes (``render`` says what it writes): a catalogue's JSON goes in UTF-8 from the workers to
        the file, never decoded and encoded again on the way.
        """
        if self._delivery is not None:
            self._delivery.render = render
        for item in self._each():
            yield cast("_Text", item.text) if isinstance(item, Written) else render(item)

    @property
    def unknown_columns(self) -> tuple[str, ...]:
        """The columns of the product list set aside (complete once the products are read)."""
        return tuple(self._unknown())

    @property
    def split(self) -> Split:
        """The split of the products read so far (the whole catalogue's once they are all read)."""
        return self.split_counts(named=True)

    @property
    def advised(self) -> int:
        """How many products have been advised so far (the split's ``products``, without making the split)."""
        return self._tally.count

    def split_counts(self, *, named: bool = False) -> Split:
        """:attr:`split`, by default without the products it names (its four lists empty): the counts and sums
        alone, so a long catalogue's split is written without a record per product named (see :meth:`mentions`).

        :param named: with the products named, as :attr:`split`.
        """
        currency = self.profile.economics.currency if self.profile.economics is not None else ""
        return self._tally.split(errors=len(self.errors), currency=currency, named=named)

    def mentions(self, kind: str) -> Iterator[ProductMention]:
        """The products the split names under ``kind`` (``close_calls``, ``not_carried``, ``off_company`` or
        ``leaves_less``, as the split's fields), one at a time, in the order they were read."""
        return self._tally.mentions(kind)

    def mentions_kept(self, kind: str) -> tuple[list[tuple[Any, ...]], list[str], array[int]]:
        """:meth:`mentions` as the split keeps them, no record made: see :meth:`SplitTally.kept`."""
        return self._tally.kept(kind)

    def collect(self) -> Catalogue:
        """Read every product and return the whole :class:`Catalogue`."""
        products = tuple(self)
        return Catalogue(
            profile=self.profile,
            products=products,
            errors=tuple(self.errors),
            split=self.split,
            company=self.company,
            unknown_columns=self.unknown_columns,
            close_pct=self.close_pct,
        )

    def close(self) -> None:
        """Stop reading: worker processes end and the input is closed."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> CatalogueStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build(
    profile: SellerProfile,
    products: Iterable[Any],
    *,
    consult: Consult,
    landed: Landed,
    company: ConsultationResult,
    separate_stores: Iterable[str] = (),
    close_pct: int = CLOSE_PCT,
    source: str = "<rows>",
    unknown: Callable[[], Iterable[str]] = tuple,
) -> Catalogue:
    """Advise every product read (:class:`sellerexpert._economics.catalogue_input.Product` or ``RowProblem``) and split them.

    Products with the same profile (the rules cannot tell them apart) share one consultation.

    :param unknown: the columns set aside, asked for once the rows are read.
    """
    advise = _Adviser(consult=consult, landed=landed, company=company_routes(company), close_pct=close_pct, source=source)
    stream = CatalogueStream(
        profile, advise_all(products, advise), company=company, separate_stores=separate_stores, close_pct=close_pct,
        unknown=unknown,
    )
    with stream:
        return stream.collect()


def trace_saver(directory: str | Path) -> Callable[[ProductAdvice], None]:
    """Write one advised product's trace into ``directory`` as ``row-NNNNNN.json`` (the row of the product
    list, as a batch names them), signed when ``SELLEREXPERT_TRACE_KEY`` is set; ``sellerexpert audit`` replays them.

    :raises BatchError: when the folder cannot be made, or (when called) a trace cannot be written.
    """
    from .._files import safe_files

    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(Msg(N_("cannot make the trace folder ({reason})"), reason=exc.strerror), path=folder) from None
    def save(product: ProductAdvice) -> None:
        trace = product.result.trace.signed()  # with SELLEREXPERT_TRACE_KEY, when it is set
        path = folder / f"row-{product.row:06d}.json"
        try:
            # Written aside and renamed over the name: a link planted at it is replaced, never written through.
            safe_files.replace(path, (trace.to_json() + "\n").encode("utf-8"))
        except OSError as exc:
            raise BatchError(
                Msg(N_("cannot write the trace of row {row} ({reason})"), row=product.row, reason=exc.strerror), path=path
            ) from None

    return save


def save_traces(catalogue: Catalogue, directory: str | Path) -> int:
    """Write each advised product's trace into ``directory`` (see :func:`trace_saver`).

    :returns: how many traces were written.
    :raises BatchError: when the folder cannot be made or a trace cannot be written.
    """
    save = trace_saver(directory)
    for product in catalogue.products:
        save(product)
    return len(catalogue.products)
