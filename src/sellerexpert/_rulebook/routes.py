"""Routes: which programme or store type a seller can use on a platform, market by market.

A seller's real decision is a *route* (Temu's Y2, AliExpress Local+, TikTok Shop's EU Local
Fulfilment Model...) per platform and market. ``rules/routes.toml`` lists each platform's routes
(the model each belongs to, where it runs, who may use it) and where each platform sells at all.
This module reads the seller's answers against those lists, one market at a time, and turns the
outcome into platform facts (``platform.full_route_status``, ``platform.market_name``...) that the
rules weigh like any other: a closed route is an exclusion the trace records, an unknown
requirement a caveat naming the question, an unknown market a caveat and a confidence cap.

Nothing here weighs evidence: it only says which routes are open, closed or unsure, and why, so
both engines and the audit see the same facts. A requirement closes a route only on an answer the
seller gave (or one that follows from its answers, such as "no company or VAT registration in
your markets"), never on an assumed one.

Imports the profile's vocabularies and :mod:`sellerexpert._i18n`; nothing that reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._i18n import N_, _, current, model_words, tidy, translated
from .._language import use
from .._profile.fields import EU_MEMBERS, WEIGHT_CLASSES

RouteModel = Literal["fully-managed", "semi-managed", "own-store"]
ROUTE_MODELS: tuple[RouteModel, ...] = ("fully-managed", "semi-managed", "own-store")
Status = Literal["open", "unknown", "closed"]
MarketStatus = Literal["live", "weak", "not-live", "unknown"]
REQUIREMENTS: tuple[str, ...] = (
    "company_base", "stock_in_market", "local_entity", "vat_in", "invitation", "marketplace_history",
    "max_weight", "qualification_for",
)
"""What a route may require, in the order its reasons are given."""
PREFIX = {"fully-managed": "full", "semi-managed": "semi", "own-store": "own"}
"""The platform-fact prefix of each route model (``platform.full_route_status``...)."""
ROUTE_FACTS: tuple[str, ...] = (
    "market", "market_name", "market_status", "market_note",
    *(
        f"{prefix}_route{suffix}"
        for prefix in ("full", "semi", "own")
        for suffix in ("", "_name", "_status", "_closed_by", "_needs", "_ships_from")
    ),
)
"""The platform facts a consultation computes per market, in the order it declares them."""
ROUTE_FACT_TYPES: dict[str, type] = {name: str for name in ROUTE_FACTS}
"""Their value types, for the rule loader's condition checks (every one is a word or a text)."""


def region(market: str) -> str:
    """The region a market belongs to as far as entry rules tell places apart: ``EU`` for every member."""
    return "EU" if market == "EU" or market in EU_MEMBERS else market


@dataclass(frozen=True)
class Market:
    """A market the rule book names, with its name in each language."""

    code: str
    name: str
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def name_in(self, lang: str = "en") -> str:
        """The market's name in ``lang`` (the English without a translation)."""
        return translated(self.translations, lang, "name", self.name)


@dataclass(frozen=True)
class Presence:
    """Whether a platform sells in a market (``live``, ``weak`` or ``not-live``), dated and sourced."""

    platform: str
    market: str
    status: MarketStatus
    as_of: str
    sources: tuple[str, ...]
    confidence: str | None = None
    review_by: str | None = None
    note: str | None = None
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def note_in(self, lang: str = "en") -> str:
        """The note in ``lang`` (English fallback)."""
        return translated(self.translations, lang, "note", self.note or "")


@dataclass(frozen=True)
class Route:
    """One programme or store type on a platform: its model, where it runs and who may use it."""

    id: str
    platform: str
    name: str
    model: RouteModel
    markets: tuple[str, ...]
    ships_from: Literal["china", "market"]
    requires: Mapping[str, Any]
    market_requires: Mapping[str, Mapping[str, Any]]
    hands_over: Mapping[str, str]
    as_of: str
    sources: tuple[str, ...]
    confidence: str | None = None
    review_by: str | None = None
    note: str | None = None
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def name_in(self, lang: str = "en") -> str:
        """The route's name in ``lang`` (English fallback)."""
        return translated(self.translations, lang, "name", self.name)

    def hands_over_in(self, lang: str = "en") -> dict[str, str]:
        """What the route hands over (stock, price, returns, customs, payout), in ``lang``."""
        out = dict(self.hands_over)
        if lang != "en":
            translated = self.translations.get(lang, {}).get("hands_over")
            if isinstance(translated, Mapping):
                out.update({k: v for k, v in translated.items() if isinstance(v, str) and v})
        return out

    def runs_in(self, market: str) -> bool:
        """Whether the route runs in ``market`` (``EU`` in the list covers every member; a target of
        ``EU`` is served by a route that runs in any member state)."""
        if market in self.markets:
            return True
        if region(market) == "EU" and "EU" in self.markets:
            return True
        return market == "EU" and any(region(m) == "EU" for m in self.markets)

    def requirements(self, market: str) -> dict[str, Any]:
        """What the route requires in ``market``: its general terms and that market's own."""
        out = dict(self.requires)
        for key in (region(market), market):
            out.update(self.market_requires.get(key, {}))
        return out


@dataclass(frozen=True)
class RouteCheck:
    """A route tested against one seller in one market.

    :ivar closed_by: why the route is closed (the seller's answers that fail it), in words.
    :ivar needs: the questions whose answers would open or close it, in words.
    """

    route: Route
    status: Status
    closed_by: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarketRoutes:
    """Every route of one platform in one market, checked for one seller, and what follows."""

    platform: str
    market: str
    market_name: str
    status: MarketStatus
    note: str
    checks: tuple[RouteCheck, ...]
    presence: Presence | None

    def best(self, model: RouteModel) -> RouteCheck | None:
        """The route named for ``model``: the first open one, else the first unsure, else the first closed."""
        mine = [c for c in self.checks if c.route.model == model]
        for status in ("open", "unknown", "closed"):
            for check in mine:
                if check.status == status:
                    return check
        return None

    def status_of(self, model: RouteModel) -> str:
        """``open``, ``unknown`` or ``closed`` for the model's best route; ``unknown-market`` without facts."""
        if self.status == "unknown":
            return "unknown-market"
        if self.status == "not-live":
            return "closed"
        check = self.best(model)
        return check.status if check is not None else "closed"

    def facts(self, lang: str = "en") -> dict[str, Any]:
        """The platform facts the rules read about this market (see :data:`ROUTE_FACTS`), in ``lang``."""
        with use(lang):
            out: dict[str, Any] = {
                "market": self.market,
                "market_name": self.market_name,
                "market_status": self.status,
                "market_note": self.note,
            }
            for model in ROUTE_MODELS:
                prefix = PREFIX[model]
                check = self.best(model) if self.status in ("live", "weak") else None
                status = self.status_of(model)
                out[f"{prefix}_route"] = check.route.id if check is not None else ""
                out[f"{prefix}_route_name"] = check.route.name_in(lang) if check is not None else ""
                out[f"{prefix}_route_status"] = status
                out[f"{prefix}_route_closed_by"] = self._closed_by(model, check, lang) if status == "closed" else ""
                out[f"{prefix}_route_needs"] = _join(check.needs) if check is not None and status == "unknown" else ""
                out[f"{prefix}_route_ships_from"] = check.route.ships_from if check is not None and status != "closed" else ""
            return out

    def _closed_by(self, model: RouteModel, check: RouteCheck | None, lang: str) -> str:
        if self.status == "not-live":
            return self.note
        if check is None:
            return _("our sources show no {model} route there").format(
                model=model_words(model) if model != "own-store" else _("own-store")
            )
        closed = [c for c in self.checks if c.route.model == model and c.status == "closed"]
        if len(closed) == 1:
            return _join(closed[0].closed_by)
        return _join([_("{route}: {reasons}").format(route=c.route.name_in(lang), reasons=_join(c.closed_by)) for c in closed])


def _join(items: Sequence[str]) -> str:
    return _("; ").join(items) if items else ""


# -- the seller's answers, as the routes read them ----------------------------------


@dataclass(frozen=True)
class SellerTerms:
    """A seller's answers that routes read, reconciled where they overlap.

    ``None`` means unknown. A "no" to a company and tax registration in the target markets
    answers the VAT question for them; a "yes" with every target market in one region says
    where the company is registered; ``bulky_goods`` stands for ``weight_class`` when that is
    not given.
    """

    company_base: str | None
    local_entity: bool | None
    vat_markets: tuple[str, ...] | None
    stock_markets: tuple[str, ...] | None
    local_warehouse: bool | None
    invited: bool | None
    marketplace_history: bool | None
    weight_class: str | None
    category: str | None

    @classmethod
    def of(cls, profile: Any) -> SellerTerms:
        """The terms of a :class:`~sellerexpert.SellerProfile` (typed loosely: this module does not import it)."""
        base = profile.company_base
        markets = tuple(profile.target_markets or ())
        regions = {region(m) for m in markets}
        if base is None and profile.local_entity is True and len(regions) == 1 and next(iter(regions)) in ("US", "UK", "EU"):
            base = next(iter(regions))
        weight = profile.weight_class
        if weight is None and profile.bulky_goods is not None:
            weight = "heavy" if profile.bulky_goods else "parcel"
        return cls(
            company_base=base,
            local_entity=profile.local_entity,
            vat_markets=profile.vat_markets,
            stock_markets=profile.stock_markets,
            local_warehouse=profile.local_warehouse,
            invited=profile.invited,
            marketplace_history=profile.marketplace_history,
            weight_class=weight,
            category=profile.category,
        )

    def stock_in(self, market: str) -> bool | None:
        """Whether the seller holds stock in ``market`` (stock anywhere in the EU serves every EU market)."""
        if self.stock_markets is not None:
            return any(s == market or (region(s) == "EU" and region(market) == "EU") for s in self.stock_markets)
        return self.local_warehouse

    def vat_in(self, markets: Sequence[str]) -> bool | None:
        """Whether the seller holds a VAT registration in one of ``markets``."""
        if self.vat_markets is not None:
            return any(v in markets or (v == "EU" and any(region(m) == "EU" for m in markets)) for v in self.vat_markets)
        return False if self.local_entity is False else None

    def entity_in(self, market: str) -> bool | None:
        """Whether the seller has a company registered in ``market``."""
        if self.company_base is not None and self.company_base == region(market):
            return True
        if self.local_entity is not None:
            return self.local_entity
        return None


_WEIGHT_WORDS = {"parcel": N_("parcel-sized"), "heavy": N_("heavy"), "oversized": N_("oversized")}
_CATEGORY_WORDS = {
    "apparel": N_("apparel"), "beauty": N_("beauty"), "electronics": N_("electronics"), "home": N_("home goods"),
    "toys": N_("toys"), "food": N_("food"), "health": N_("health products"), "other": N_("other goods"),
}


# Where a company is registered and where a VAT number is held, as a Chinese reader writes it (the
# English keeps the codes its sentences were written with: "companies registered in CN or HK").
_PLACE_WORDS = {
    "CN": N_("mainland China"), "HK": N_("Hong Kong"), "US": N_("the US"), "UK": N_("the UK"), "EU": N_("the EU"),
    "OTHER": N_("another country"), "DE": N_("Germany"), "FR": N_("France"), "IT": N_("Italy"), "ES": N_("Spain"),
}


def _places(codes: Sequence[str]) -> str:
    """``CN or HK`` in English, ``中国大陆或香港`` in Chinese."""
    if current() == "en":
        return _(" or ").join(codes)
    return tidy(_(" or ").join(_(_PLACE_WORDS[c]) if c in _PLACE_WORDS else c for c in codes))


def check_route(route: Route, market: str, market_name: str, seller: SellerTerms) -> RouteCheck:
    """Test one route against the seller in one market: open, closed (and why) or unknown (and the question)."""
    closed: list[str] = []
    needs: list[str] = []
    terms = route.requirements(market)
    for key in REQUIREMENTS:
        if key not in terms:
            continue
        wanted = terms[key]
        if key == "company_base":
            allowed = tuple(wanted)
            if seller.company_base is None:
                needs.append(_("where your company is registered (it takes companies registered in {allowed})").format(
                    allowed=_places(allowed)))
            elif seller.company_base not in allowed:
                closed.append(_("it takes companies registered in {allowed}, and yours is registered in {base}").format(
                    allowed=_places(allowed), base=_places((seller.company_base,))))
        elif key == "stock_in_market" and wanted:
            stock = seller.stock_in(market)
            if stock is None:
                needs.append(_("whether you hold stock in {market}").format(market=market_name))
            elif not stock:
                closed.append(_("it needs your stock in {market}, and you hold none there").format(market=market_name))
        elif key == "local_entity" and wanted:
            entity = seller.entity_in(market)
            if entity is None:
                needs.append(_("whether you have a company registered in {market}").format(market=market_name))
            elif not entity:
                closed.append(_("it needs a company registered in {market}, and you have none there").format(market=market_name))
        elif key == "vat_in":
            places = tuple(market if v == "market" else v for v in wanted)
            vat = seller.vat_in(places)
            if vat is None:
                needs.append(_("whether you hold a VAT registration in {places}").format(places=_places(places)))
            elif not vat:
                closed.append(_("it needs a VAT registration in {places}, and you hold none there").format(
                    places=_places(places)))
        elif key == "invitation" and wanted:
            if seller.invited is None:
                needs.append(_("whether you hold an invitation to it"))
            elif not seller.invited:
                closed.append(_("it admits sellers by invitation only, and you have none"))
        elif key == "marketplace_history" and wanted:
            if seller.marketplace_history is None:
                needs.append(_("whether your company has sold for 3 months or more on another marketplace"))
            elif not seller.marketplace_history:
                closed.append(_("it needs 3 months or more of selling on another marketplace under the same company"))
        elif key == "max_weight":
            if seller.weight_class is not None and WEIGHT_CLASSES.index(seller.weight_class) > WEIGHT_CLASSES.index(wanted):
                closed.append(_("it carries only {limit} goods, and yours are {weight}").format(
                    limit=_(_WEIGHT_WORDS[wanted]), weight=_(_WEIGHT_WORDS[seller.weight_class])))
            elif seller.weight_class is None and wanted == "parcel":
                pass  # most goods are parcels: the weight question is asked when it could close a route
        elif key == "qualification_for":
            if seller.category is not None and seller.category in wanted:
                category = _(_CATEGORY_WORDS[seller.category])
                needs.append(_("whether you hold the category qualification for {category}").format(category=category))
    status: Status = "closed" if closed else ("unknown" if needs else "open")
    return RouteCheck(route=route, status=status, closed_by=tuple(closed), needs=tuple(needs))


def route_reading(routes: Sequence[Route], platform: str, market: str) -> tuple[tuple[str, Any], ...]:
    """What :func:`check_route` reads for ``platform``'s routes in ``market``: each requirement it tests,
    ``(key, wanted)``, once (lists as tuples)."""
    found: dict[tuple[str, Any], None] = {}
    for route in routes:
        if route.platform == platform and route.runs_in(market):
            for key, wanted in route.requirements(market).items():
                if key in REQUIREMENTS and (wanted or key not in _READ_WHEN_TRUE):
                    found[(key, tuple(wanted) if isinstance(wanted, list) else wanted)] = None
    return tuple(found)


_READ_WHEN_TRUE = frozenset({"stock_in_market", "local_entity", "invitation", "marketplace_history"})
"""Requirements :func:`check_route` tests only when they are true."""


def what_routes_read(seller: SellerTerms, market: str, reading: tuple[tuple[str, Any], ...]) -> tuple[Any, ...] | None:
    """Everything :func:`check_route` reads of ``seller`` in ``market`` (``reading``: :func:`route_reading`):
    sellers with the same answer get the same route checks, word for word. ``None`` for a requirement
    this function does not know (then nothing is shared). Keep it beside :func:`check_route`."""
    out: list[Any] = []
    for key, wanted in reading:
        if key == "company_base":
            out.append(seller.company_base)
        elif key == "stock_in_market":
            out.append(seller.stock_in(market))
        elif key == "local_entity":
            out.append(seller.entity_in(market))
        elif key == "vat_in":
            out.append(seller.vat_in(tuple(market if v == "market" else v for v in wanted)))
        elif key == "invitation":
            out.append(seller.invited)
        elif key == "marketplace_history":
            out.append(seller.marketplace_history)
        elif key == "max_weight":
            out.append(seller.weight_class)
        elif key == "qualification_for":
            out.append(seller.category if seller.category in wanted else None)
        else:
            return None
    return tuple(out)


def market_routes(
    routes: Sequence[Route],
    presence: Mapping[tuple[str, str], Presence],
    markets: Mapping[str, Market],
    platform: str,
    platform_name: str,
    market: str,
    seller: SellerTerms,
    lang: str = "en",
) -> MarketRoutes:
    """Every route of ``platform`` in ``market``, checked for ``seller``, with texts in ``lang``."""
    with use(lang):
        name = markets[market].name_in(lang) if market in markets else market
        found = _presence(presence, platform, market)
        mine = [r for r in routes if r.platform == platform and r.runs_in(market)]
        if found is not None and found.status == "not-live":
            status: MarketStatus = "not-live"
            note = _("{platform} does not sell in {market}: {note}").format(
                platform=platform_name, market=name, note=found.note_in(lang).rstrip(".。")
            ) if found.note else _("{platform} does not sell in {market}").format(platform=platform_name, market=name)
        elif not mine:
            status = "unknown"
            note = (
                _(
                    "{platform} sells in {market}, but our sources do not say which routes it runs there: "
                    "this market is not advised until they do."
                )
                if found is not None
                else _(
                    "We have no facts on {platform} in {market}: this market is not advised, "
                    "and its advice is not borrowed from another market."
                )
            ).format(platform=platform_name, market=name)
        else:
            status = found.status if found is not None else "live"
            note = (
                _("{platform} barely features in {market}: {note}").format(
                    platform=platform_name, market=name, note=found.note_in(lang).rstrip(".。")
                )
                if found is not None and found.status == "weak"
                else ""
            )
        checks = tuple(check_route(r, market, name, seller) for r in mine)
        return MarketRoutes(platform, market, name, status, note, checks, found)


def _presence(presence: Mapping[tuple[str, str], Presence], platform: str, market: str) -> Presence | None:
    found = presence.get((platform, market))
    if found is None and region(market) == "EU":
        found = presence.get((platform, "EU"))
    if found is None and market == "EU":
        members = [p for (pl, m), p in sorted(presence.items()) if pl == platform and region(m) == "EU"]
        found = next((p for p in members if p.status == "live"), members[0] if members else None)
    return found
