"""Which routes a landed-cost comparison prices: the ones the advice names, per platform and target market.

The arithmetic is :mod:`sellerexpert._economics.margins`'; the tables are :mod:`sellerexpert._rulebook.cost_tables`'.
This module joins them to the routes (:mod:`sellerexpert._rulebook.routes`): in each target market, the
fully-managed and the semi-managed route the advice would name for this seller (a route closed by
the seller's answers is not priced), each with who does what on it (its terms), the market's
customs entries and the fees that apply there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from .._errors import ProfileError
from .._profile.economics import FULL, SEMI
from .._profile.profile import SellerProfile
from .._rulebook.cost_tables import CostTables
from .._rulebook.routes import MarketRoutes, Route, RouteModel, SellerTerms, market_routes
from .._rulebook.rulebook import RuleBook
from .margins import Column, MarginComparison, MarketColumns, compare_margins

RoutesFor = Callable[[str, str, SellerTerms], MarketRoutes]

_COLUMNS_KEPT = 1024
_COLUMNS: dict[tuple[int, int, str, str, str], tuple[CostTables, Route, Column]] = {}
"""The columns made, by the rule book's tables, the route, the market, the model and the language (with the
tables and the route, so their ids stay theirs): a catalogue prices the same few routes for every product, and
the same column object lets the arithmetic reuse what it worked out of the tables (see ``margins._plan``)."""


def market_columns(
    rulebook: RuleBook,
    profile: SellerProfile,
    lang: str = "en",
    routes_for: RoutesFor | None = None,
    *,
    terms: SellerTerms | None = None,
) -> dict[str, tuple[MarketColumns, ...]] | None:
    """Per platform, the routes to price in each target market (``None``: no markets or no routes to tell apart).

    :param terms: the profile's :meth:`SellerTerms.of`, when the caller has them.
    """
    if not profile.target_markets or not rulebook.routes:
        return None
    if routes_for is None:

        def routes_for(platform: str, market: str, terms: SellerTerms) -> MarketRoutes:
            return market_routes(
                rulebook.routes,
                rulebook.presence,
                rulebook.markets,
                platform,
                rulebook.platforms[platform].name_in(lang),
                market,
                terms,
                lang,
            )

    if terms is None:
        terms = SellerTerms.of(profile)
    costs = rulebook.costs
    out: dict[str, tuple[MarketColumns, ...]] = {}
    for platform in profile.platforms:
        items = []
        for market in profile.target_markets:
            found = routes_for(platform, market, terms)
            name = rulebook.markets[market].name_in(lang) if market in rulebook.markets else market
            columns = []
            if found.status in ("live", "weak"):
                for model in (FULL, SEMI):
                    check = found.best(cast(RouteModel, model))
                    if check is None or check.status == "closed":
                        continue
                    route = check.route
                    key = (id(costs), id(route), market, model, lang)
                    known = _COLUMNS.get(key)
                    if known is None or known[0] is not costs or known[1] is not route:
                        column = Column(
                            model=model,
                            route=route.id,
                            route_name=route.name_in(lang),
                            ships_from=route.ships_from,
                            terms=costs.terms.get(route.id),
                            customs=costs.customs_in(market),
                            fees=costs.fees_for(route.id, market),
                        )
                        if len(_COLUMNS) >= _COLUMNS_KEPT:
                            _COLUMNS.clear()
                        known = _COLUMNS[key] = (costs, route, column)
                    columns.append(known[2])
            items.append(MarketColumns(platform, market, name, tuple(columns)))
        out[platform] = tuple(items)
    return out


def check_route_numbers(rulebook: RuleBook, profile: SellerProfile) -> None:
    """A route id in ``economics.routes`` must be one of the rule book's.

    :raises ProfileError: naming ``economics.routes.<id>`` and the route ids allowed.
    """
    if profile.economics is None or not profile.economics.routes:
        return  # no route named (a catalogue's products, twice each): the rule book's ids not listed
    known = [route.id for route in rulebook.routes]
    for route_id, _numbers in profile.economics.routes:
        if route_id not in known:
            from .._profile.profile import closest

            raise ProfileError(
                f"'{route_id}' is not a route of the rule book",
                field=f"economics.routes.{route_id}",
                suggestion=closest(route_id, known),
                allowed=tuple(known),
            )


def landed_comparison(
    rulebook: RuleBook,
    profile: SellerProfile,
    *,
    names: dict[str, str],
    lang: str = "en",
    today: date | None = None,
    routes_for: RoutesFor | None = None,
    markets: dict[str, tuple[MarketColumns, ...]] | None = None,
    brief: bool = False,
) -> MarginComparison:
    """The seller's landed-cost comparison per platform and target market, on the routes the advice names.

    :param markets: the columns to price, when the caller has them (:func:`market_columns`); else worked out.
    :param brief: only what the rules and a catalogue read (see :func:`compare_margins`).
    :raises ProfileError: for numbers that are invalid or missing, or tables the seller's currency cannot read.
    """
    assert profile.economics is not None
    check_route_numbers(rulebook, profile)
    return compare_margins(
        profile.economics,
        platforms=profile.platforms,
        names=names,
        markets=markets if markets is not None else market_columns(rulebook, profile, lang, routes_for),
        today=today,
        brief=brief,
    )


PricedRoutes = tuple[tuple[str, str | None, tuple[str | None, ...]], ...]


def priced_routes(markets: dict[str, tuple[MarketColumns, ...]] | None) -> PricedRoutes:
    """What a comparison reads of the seller beyond its numbers: the routes priced in each platform and market.

    Two profiles with the same numbers, platforms and priced routes get the same comparison, whatever
    else they answered (the why-not search and a catalogue ask it many times).
    """
    if markets is None:
        return ()
    return tuple((p, m.market, tuple(c.route for c in m.columns)) for p, items in markets.items() for m in items)
