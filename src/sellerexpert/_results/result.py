"""What a consultation returns: one recommendation per platform, and the best overall.

All types are frozen value objects; :meth:`ConsultationResult.to_dict` is the
JSON contract (``recommendations`` and ``best``) that the CLI prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from .._profile.profile import SellerProfile
from .._records import Key, Record

if TYPE_CHECKING:
    from .trace import Trace


def _listed(value: Any) -> Any:
    """A fact's value as JSON holds it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class PlatformFactUsed(Record, keys=("fact", Key("value", via=_listed), "as_of", "review_by", "confidence", "sources")):
    """A dated platform fact a reason or caveat rests on: re-check it after ``as_of``.

    Its JSON has ``review_by`` (added in 0.2) after ``as_of``; staleness depends on the day you read it.
    """

    fact: str
    value: Any
    as_of: str
    confidence: str | None
    sources: tuple[str, ...]
    review_by: str | None = None

    def due(self, today: date) -> bool:
        """Whether the fact is past its review date on ``today`` (one without a review date always is)."""
        return self.review_by is None or date.fromisoformat(self.review_by) < today


@dataclass(frozen=True)
class Reason(Record):
    """A fired rule that argued for a model.

    :ivar kind: ``"evidence"`` (weighed) or ``"constraint"`` (the other model was ruled out).
    :ivar assumed: profile fields this reason rests on that were assumed, not given.
    :ivar rests_on: the dated platform facts the rule matched.
    """

    rule: str
    favours: str
    text: str
    kind: str
    weight: int | None
    sources: tuple[str, ...]
    assumed: tuple[str, ...] = ()
    rests_on: tuple[PlatformFactUsed, ...] = ()


@dataclass(frozen=True)
class Caveat(Record):
    """Something the seller must know whichever model they pick.

    :ivar rests_on: the dated platform facts the rule matched.
    """

    rule: str
    text: str
    sources: tuple[str, ...]
    rests_on: tuple[PlatformFactUsed, ...] = ()


@dataclass(frozen=True)
class Assumption(Record, keys=("field", "value", "rule", "text")):
    """What the engine did about a field the seller left unknown.

    ``value`` is the value assumed by ``rule``; ``None`` when the field was
    simply left out of the weighing.
    """

    field: str
    value: Any
    text: str
    rule: str | None = None


def _short_reason(r: Reason) -> dict[str, Any]:
    return {"rule": r.rule, "favours": r.favours, "text": r.text, "kind": r.kind, "weight": r.weight, "sources": list(r.sources)}


def _short_caveat(c: Caveat) -> dict[str, Any]:
    return {"rule": c.rule, "text": c.text, "sources": list(c.sources)}


@dataclass(frozen=True)
class MarketAdvice(
    Record,
    keys=(
        "market", "market_name", "route", "route_name", "model", "outcome", "outcome_text", "confidence",
        Key("hands_over", via=dict), Key("reasons", each=_short_reason), Key("caveats", each=_short_caveat),
    ),
):
    """The advice for one platform in one target market: the route to take and its model.

    Its JSON gives its reasons and caveats short (rule, text, sources; a reason's model, kind and weight):
    the dated platform facts each rests on are in the platform's own (lead market's) reasons and in the
    trace, which records every market's firings.

    :ivar route: the route's id in the rule book (``rules/routes.toml``); ``None`` when no route fits.
    :ivar model: ``"fully-managed"``, ``"semi-managed"``, or ``None`` when no managed route fits
        (the route, if any, is then the seller's own store) or the market is unknown.
    :ivar outcome: ``one-model``, ``run-both``, ``neither-fits`` or ``unknown-market``.
    :ivar hands_over: what the route hands over (``stock``, ``price``, ``returns``, ``customs``, ``payout``).
    """

    market: str
    market_name: str
    route: str | None
    route_name: str
    model: str | None
    outcome: str
    confidence: float
    reasons: tuple[Reason, ...]
    caveats: tuple[Caveat, ...]
    outcome_text: str = ""
    hands_over: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation(
    Record,
    keys=(
        "platform", "platform_name", "model", "confidence", Key("scores", via=dict), "basis", "excluded", "reasons",
        "caveats", "assumptions", "outcome", "outcome_text", "route", "route_name", "markets",
    ),
):
    """The advice for one platform.

    :ivar model: exactly ``"fully-managed"`` or ``"semi-managed"``.
    :ivar confidence: in [0, 1].
    :ivar scores: total evidence weight per model.
    :ivar excluded: models ruled out by a hard constraint.
    :ivar basis: how the model was chosen: ``exclusion``, ``scores``, ``tie`` or ``both-excluded``.
    :ivar outcome: ``one-model``; ``run-both`` (the case is close and the platform runs the models as
        separate stores); or ``neither-fits`` (both ruled out: ``model`` is the lesser misfit and
        ``outcome_text`` names the route left, such as the platform's self-operated store).
    :ivar route: the route of the lead market (the first market whose route has ``model``).
    :ivar markets: the advice per target market, in the profile's order (empty without target markets).
        The platform's ``model`` is the model of the route that serves most of them; its reasons,
        caveats, scores and confidence are those of the lead market.
    """

    platform: str
    platform_name: str
    model: str
    confidence: float
    scores: Mapping[str, int]
    reasons: tuple[Reason, ...]
    caveats: tuple[Caveat, ...]
    assumptions: tuple[Assumption, ...]
    excluded: tuple[str, ...]
    basis: str
    outcome: str = "one-model"
    outcome_text: str = ""
    route: str | None = None
    route_name: str = ""
    markets: tuple[MarketAdvice, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recommendation:
        """Read back :meth:`to_dict` (as a trace records it): enough to weigh it again, e.g. for the audit.

        :raises KeyError: when a required key is missing.
        """
        return cls(
            platform=data["platform"],
            platform_name=data.get("platform_name", data["platform"]),
            model=data["model"],
            confidence=data["confidence"],
            scores=dict(data["scores"]),
            reasons=tuple(
                Reason(
                    r["rule"],
                    r["favours"],
                    r["text"],
                    r["kind"],
                    r.get("weight"),
                    tuple(r.get("sources", ())),
                    tuple(r.get("assumed", ())),
                )
                for r in data.get("reasons", [])
            ),
            caveats=tuple(Caveat(c["rule"], c["text"], tuple(c.get("sources", ()))) for c in data.get("caveats", [])),
            assumptions=(),
            excluded=tuple(data.get("excluded", ())),
            basis=data.get("basis", "scores"),
            outcome=data.get("outcome", "one-model"),
            outcome_text=data.get("outcome_text", ""),
            route=data.get("route"),
            route_name=data.get("route_name", ""),
            markets=tuple(
                MarketAdvice(
                    market=m["market"],
                    market_name=m.get("market_name", m["market"]),
                    route=m.get("route"),
                    route_name=m.get("route_name", ""),
                    model=m.get("model"),
                    outcome=m.get("outcome", "one-model"),
                    confidence=m.get("confidence", 0.0),
                    reasons=(),
                    caveats=(),
                    outcome_text=m.get("outcome_text", ""),
                )
                for m in data.get("markets", [])
            ),
        )


@dataclass(frozen=True)
class Best(Record):
    """The platform where the recommended model fits best (see :func:`sellerexpert._engine.policy.choose_best`).

    :ivar why: the choice explained in one line.
    :ivar route: the chosen platform's lead route (in the JSON since routes were added).
    """

    platform: str
    model: str
    confidence: float
    why: str = ""
    route: str | None = None


@dataclass(frozen=True, init=False)
class ConsultationResult(Record, keys=("profile", "recommendations", "best", "lang")):
    """The outcome of one consultation, with the trace that explains it.

    Its JSON (``to_dict``) is the contract: ``profile``, ``recommendations`` (in the profile's order), ``best``,
    and ``lang``, the language of the texts (keys and values such as ``model`` are English in every language);
    :meth:`result_dict` is the same without ``lang``.

    :param trace: the trace, or a function that builds it: a result is often used without
        its trace (batch, the web page's summary), so it is built on first access.
    :param lang: the language of the result's texts (``"en"`` or ``"zh"``); the trace's are English.
    """

    profile: SellerProfile
    recommendations: tuple[Recommendation, ...]
    best: Best
    lang: str

    def __init__(
        self,
        profile: SellerProfile,
        recommendations: tuple[Recommendation, ...],
        best: Best,
        trace: Trace | Callable[[], Trace],
        lang: str = "en",
    ) -> None:
        object.__setattr__(self, "profile", profile)
        object.__setattr__(self, "recommendations", recommendations)
        object.__setattr__(self, "best", best)
        object.__setattr__(self, "lang", lang)
        object.__setattr__(self, "_trace", trace)

    @property
    def trace(self) -> Trace:
        """The trace that explains this result (the same, firing for firing, whichever engine ran)."""
        trace: Trace | Callable[[], Trace] = self.__dict__["_trace"]
        if callable(trace):
            trace = trace()
            object.__setattr__(self, "_trace", trace)
        return trace

    def recommendation(self, platform: str) -> Recommendation:
        """The recommendation for one platform.

        :raises UnknownPlatformError: when that platform was not asked about.
        """
        for rec in self.recommendations:
            if rec.platform == platform:
                return rec
        from .._errors import UnknownPlatformError

        raise UnknownPlatformError(platform, self.profile.platforms)

    @staticmethod
    def result_dict(profile: SellerProfile, recommendations: tuple[Recommendation, ...], best: Best) -> dict[str, Any]:
        """The JSON form of a result's parts (also what a trace records as its ``result``)."""
        return {
            "profile": profile.to_dict(),
            "recommendations": [r.to_dict() for r in recommendations],
            "best": best.to_dict(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON; the same profile and rules always give the same bytes."""
        if indent is not None:
            return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        # On one line, each recommendation's JSON is written once per Recommendation object
        # (results of sellers the rules cannot tell apart share them), byte for byte what
        # json.dumps(self.to_dict()) gives.
        recommendations = ", ".join(_compact(rec) for rec in self.recommendations)
        return (
            '{"profile": ' + _dumps(self.profile.to_dict())
            + ', "recommendations": [' + recommendations + '], "best": '
            + _dumps(self.best.to_dict())
            + ', "lang": ' + json.dumps(self.lang) + "}"
        )


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""What ``json.dumps(data, ensure_ascii=False, allow_nan=False)`` builds on every call, built once."""


def _dumps(data: Any) -> str:
    return _ENCODER.encode(data)


def _cached(value: Any, name: str, make: Callable[[], str]) -> str:
    """``make()``, kept on the (frozen) value under ``name``: what it caches never changes. Reasons and
    caveats are shared by the results that say the same, so each is written once, not once per result."""
    text: str | None = value.__dict__.get(name)
    if text is None:
        text = make()
        object.__setattr__(value, name, text)
    return text


def _piece_json(value: Reason | Caveat, name: str, data: Callable[[], dict[str, Any]]) -> str:
    return _cached(value, name, lambda: _dumps(data()))


def _joined(items: Any) -> str:
    return "[" + ", ".join(items) + "]"


def _compact(rec: Recommendation) -> str:
    """``json.dumps(rec.to_dict())`` byte for byte (default separators), put together from the JSON of its
    parts, each written once per object."""
    return _cached(rec, "_compact_json", lambda: _recommendation_json(rec))


def _recommendation_json(rec: Recommendation) -> str:
    head = {
        "platform": rec.platform,
        "platform_name": rec.platform_name,
        "model": rec.model,
        "confidence": rec.confidence,
        "scores": dict(rec.scores),
        "basis": rec.basis,
        "excluded": list(rec.excluded),
    }
    tail = {"outcome": rec.outcome, "outcome_text": rec.outcome_text, "route": rec.route, "route_name": rec.route_name}
    return (
        _dumps(head)[:-1]
        + ', "reasons": ' + _joined(_piece_json(r, "_json", r.to_dict) for r in rec.reasons)
        + ', "caveats": ' + _joined(_piece_json(c, "_json", c.to_dict) for c in rec.caveats)
        + ', "assumptions": ' + _joined(_dumps(a.to_dict()) for a in rec.assumptions)
        + ", " + _dumps(tail)[1:-1]
        + ', "markets": ' + _joined(_market_json(m) for m in rec.markets)
        + "}"
    )


def _market_json(market: MarketAdvice) -> str:
    """``json.dumps(market.to_dict())`` byte for byte, from the short JSON of each reason and caveat."""
    head = {
        "market": market.market,
        "market_name": market.market_name,
        "route": market.route,
        "route_name": market.route_name,
        "model": market.model,
        "outcome": market.outcome,
        "outcome_text": market.outcome_text,
        "confidence": market.confidence,
        "hands_over": dict(market.hands_over),
    }
    return (
        _dumps(head)[:-1]
        + ', "reasons": ' + _joined(_piece_json(r, "_short_json", partial(_short_reason, r)) for r in market.reasons)
        + ', "caveats": ' + _joined(_piece_json(c, "_short_json", partial(_short_caveat, c)) for c in market.caveats)
        + "}"
    )


