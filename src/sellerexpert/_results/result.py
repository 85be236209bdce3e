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

if TYPE_CHECKING:
    from .trace import Trace


@dataclass(frozen=True)
class PlatformFactUsed:
    """A dated platform fact a reason or caveat rests on: re-check it after ``as_of``."""

    fact: str
    value: Any
    as_of: str
    confidence: str | None
    sources: tuple[str, ...]
    review_by: str | None = None

    def due(self, today: date) -> bool:
        """Whether the fact is past its review date on ``today`` (one without a review date always is)."""
        return self.review_by is None or date.fromisoformat(self.review_by) < today

    def to_dict(self) -> dict[str, Any]:
        """The fact as JSON-ready data (``review_by`` added in 0.2; staleness depends on the day you read it)."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "fact": self.fact,
            "value": value,
            "as_of": self.as_of,
            "review_by": self.review_by,
            "confidence": self.confidence,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Reason:
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

    def to_dict(self) -> dict[str, Any]:
        """The reason as JSON-ready data."""
        return {
            "rule": self.rule,
            "favours": self.favours,
            "text": self.text,
            "kind": self.kind,
            "weight": self.weight,
            "sources": list(self.sources),
            "assumed": list(self.assumed),
            "rests_on": [f.to_dict() for f in self.rests_on],
        }


@dataclass(frozen=True)
class Caveat:
    """Something the seller must know whichever model they pick.

    :ivar rests_on: the dated platform facts the rule matched.
    """

    rule: str
    text: str
    sources: tuple[str, ...]
    rests_on: tuple[PlatformFactUsed, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The caveat as JSON-ready data."""
        return {
            "rule": self.rule,
            "text": self.text,
            "sources": list(self.sources),
            "rests_on": [f.to_dict() for f in self.rests_on],
        }


@dataclass(frozen=True)
class Assumption:
    """What the engine did about a field the seller left unknown.

    ``value`` is the value assumed by ``rule``; ``None`` when the field was
    simply left out of the weighing.
    """

    field: str
    value: Any
    text: str
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The assumption as JSON-ready data."""
        return {"field": self.field, "value": self.value, "rule": self.rule, "text": self.text}


@dataclass(frozen=True)
class MarketAdvice:
    """The advice for one platform in one target market: the route to take and its model.

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

    def to_dict(self) -> dict[str, Any]:
        """The market's advice as JSON-ready data.

        Its reasons and caveats are given short (rule, text, sources; a reason's model, kind and weight):
        the dated platform facts each rests on are in the platform's own (lead market's) reasons and in
        the trace, which records every market's firings.
        """
        return {
            "market": self.market,
            "market_name": self.market_name,
            "route": self.route,
            "route_name": self.route_name,
            "model": self.model,
            "outcome": self.outcome,
            "outcome_text": self.outcome_text,
            "confidence": self.confidence,
            "hands_over": dict(self.hands_over),
            "reasons": [_short_reason(r) for r in self.reasons],
            "caveats": [_short_caveat(c) for c in self.caveats],
        }


@dataclass(frozen=True)
class Recommendation:
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

    def to_dict(self) -> dict[str, Any]:
        """The recommendation as JSON-ready data."""
        return {
            "platform": self.platform,
            "platform_name": self.platform_name,
            "model": self.model,
            "confidence": self.confidence,
            "scores": dict(self.scores),
            "basis": self.basis,
            "excluded": list(self.excluded),
            "reasons": [r.to_dict() for r in self.reasons],
            "caveats": [c.to_dict() for c in self.caveats],
            "assumptions": [a.to_dict() for a in self.assumptions],
            "outcome": self.outcome,
            "outcome_text": self.outcome_text,
            "route": self.route,
            "route_name": self.route_name,
            "markets": [m.to_dict() for m in self.markets],
        }


@dataclass(frozen=True)
class Best:
    """The platform where the recommended model fits best (see :func:`sellerexpert._engine.policy.choose_best`).

    :ivar why: the choice explained in one line.
    """

    platform: str
    model: str
    confidence: float
    why: str = ""
    route: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The choice as JSON-ready data (``route``: the chosen platform's lead route, added with routes)."""
        return {
            "platform": self.platform, "model": self.model, "confidence": self.confidence, "why": self.why, "route": self.route
        }


@dataclass(frozen=True, init=False)
class ConsultationResult:
    """The outcome of one consultation, with the trace that explains it.

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

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``profile``, ``recommendations`` (in the profile's order), ``best``, and
        ``lang``, the language of the texts (keys and values such as ``model`` are English in every language)."""
        return {**self.result_dict(self.profile, self.recommendations, self.best), "lang": self.lang}

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


def _short_reason(r: Reason) -> dict[str, Any]:
    return {"rule": r.rule, "favours": r.favours, "text": r.text, "kind": r.kind, "weight": r.weight, "sources": list(r.sources)}


def _short_caveat(c: Caveat) -> dict[str, Any]:
    return {"rule": c.rule, "text": c.text, "sources": list(c.sources)}


