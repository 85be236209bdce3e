"""How weighed evidence and hard constraints become one recommendation per platform.

This is the arithmetic of the engine's final ``decide`` rule, kept as a pure
function so that the coverage report and the audit recompute exactly what
the engine did.

* A model ruled out by a constraint is never recommended while the other is
  still open (``basis = "exclusion"``).
* Otherwise the model with more evidence weight wins (``"scores"``); a tie
  goes to the model the platform emphasises, else to the policy's default
  (``"tie"``). When both are ruled out the scores decide (``"both-excluded"``).
* The seller's own numbers decide when one model leaves clearly more a month
  (``policy.own_numbers``) and both are open, and no number still needed could turn it (``"own-numbers"``).
* Per market, the confidence is capped where the routes leave the advice unsure:
  a market without route facts, a platform that barely sells there, a recommended
  route that hangs on an unanswered eligibility question (``policy.routes``).
* Confidence starts from how clear the decision is and shrinks with the share
  of core profile fields that were unknown.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._i18n import _, model_words, tidy
from .._profile.profile import MODELS
from .._results.result import Best, MarketAdvice, Recommendation
from .._results.trace import Basis
from .._rulebook.rulebook import Policy


@dataclass(frozen=True)
class Weighed:
    """One conclusion the decision weighs: a piece of evidence or an exclusion, and what it rested on.

    :ivar rule: the rule that concluded it.
    :ivar kind: ``"evidence"`` (adds ``weight`` to ``model``) or ``"exclude"`` (rules ``model`` out).
    :ivar assumed: the profile fields the firing matched that an assumption filled in.
    :ivar platform_confidence: the confidence label of each platform fact the firing matched
        (``"high"``, ``"medium"``, ``"low"`` or ``None`` when the fact has none).
    """

    rule: str
    kind: Literal["evidence", "exclude"]
    model: str
    weight: int = 0
    assumed: tuple[str, ...] = ()
    platform_confidence: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The outcome of weighing one platform's evidence."""

    model: str
    confidence: float
    basis: Basis


def tally(conclusions: Iterable[tuple[str, str | None, int | None]]) -> tuple[dict[str, int], list[str]]:
    """The weighing itself: each ``("evidence", model, weight)`` adds its weight to its model's score, each
    ``("exclude", model, _)`` rules its model out. The scores per model, and the models ruled out in the order
    first ruled out.

    The one place the rule book's conclusions are summed: the compiled evaluator and the Experta engine
    weigh a consultation with it, rule coverage a group of fields, and the interview the bounds on what
    open answers could still conclude.
    """
    scores = {model: 0 for model in MODELS}
    excluded: list[str] = []
    for kind, model, weight in conclusions:
        if model is None:
            continue
        if kind == "evidence":
            scores[model] += weight or 0
        elif kind == "exclude" and model not in excluded:
            excluded.append(model)
    return scores, excluded


def counted(item: Weighed, policy: Policy) -> float:
    """What one conclusion counts for in the confidence: 1, less when it rests on guesses or soft facts.

    ``assumed_factor`` when it matched an answer the engine assumed, times the
    ``platform_factor`` of the least certain platform fact it matched.
    """
    # Kept on the (frozen, shared) conclusion for its policy: a decision asks it of each conclusion up to three times.
    known = item.__dict__.get("_counted")
    if known is not None and known[0] is policy:
        value: float = known[1]
        return value
    c = policy.confidence
    factor = c.assumed_factor if item.assumed else 1.0
    labels = [c.platform_factor.get(label, 1.0) for label in item.platform_confidence if label is not None]
    value = factor * (min(labels) if labels else 1.0)
    object.__setattr__(item, "_counted", (policy, value))
    return value


def decide(
    scores: Mapping[str, int],
    excluded: Collection[str],
    *,
    emphasis: str | None,
    completeness: float,
    policy: Policy,
    evidence: Sequence[Weighed] = (),
    facts: Mapping[str, Any] | None = None,
) -> Decision:
    """Choose a model and a confidence in [0, 1].

    The model: a model ruled out by a constraint loses while the other is open;
    otherwise the higher score (raw evidence weight) wins; a tie goes to the
    platform's emphasis, else to the policy's default.

    The confidence (the README writes it out): each conclusion counts for its
    weight times :func:`counted`; with F the counted weight for the chosen
    model and A against it, a decision by scores gets
    ``base + margin_span * (F - A) / (F + A) * (F + A) / (F + A + strength_half)``
    (``base`` when F <= A), so it grows with the balance *and* the amount of
    evidence; an exclusion gets ``one_excluded`` times the least counted factor
    of the constraints that decided it; a tie ``base``; both excluded
    ``both_excluded``. Everything is then scaled by completeness, from
    ``unknown_floor`` (no core field given) to 1.

    :param scores: total evidence weight per model.
    :param excluded: models a hard constraint ruled out.
    :param emphasis: the model the platform emphasises, if any (breaks ties).
    :param completeness: share of core profile fields the seller gave, in [0, 1].
    :param evidence: every conclusion behind ``scores`` and ``excluded``, with what it rested on.
        The engines pass them in firing order, the compiled evaluator's decisions-only path in
        rule-book order: the outcome must not depend on their order (a test holds it to that).
        Without it (a caller that only has scores) every conclusion counts in full, as if
        given and resting on high-confidence facts.
    :param facts: the platform's facts as the engine saw them (names without ``platform.``): the
        margin facts from the seller's own numbers and the route facts of the market advised.
    """
    full, semi = MODELS
    c = policy.confidence
    open_models = [m for m in MODELS if m not in excluded]
    basis: Basis
    if len(open_models) == 1:
        model, basis = open_models[0], "exclusion"
        factors = [counted(w, policy) for w in evidence if w.kind == "exclude" and w.model != model]
        base = c.one_excluded * (min(factors) if factors else 1.0)
    else:
        difference = scores.get(full, 0) - scores.get(semi, 0)
        if difference:
            model = full if difference > 0 else semi
            base, basis = _by_scores(model, scores, evidence, policy), "scores"
        else:
            model = emphasis if emphasis in MODELS else policy.tie_default
            base, basis = c.base, "tie"
        if not open_models:
            base, basis = c.both_excluded, "both-excluded"
    facts = facts or {}
    if not open_models and facts.get("own_route_status") in ("open", "unknown"):
        # No managed model, but the seller's own store is a route: the advice is that store, as sure as its facts.
        base = policy.routes.own_store
    leader, gap = facts.get("margin_leader"), facts.get("margin_gap_pct")
    if (
        len(open_models) == len(MODELS)
        and leader in MODELS
        and isinstance(gap, (int, float))
        and gap >= policy.own_numbers.decides_at_gap_pct
        and not facts.get("margin_open")
    ):
        # The seller's own numbers outweigh generic reasons: the better-paying model, as sure as the gap is wide.
        by_numbers = c.base + c.margin_span * min(float(gap), 100.0) / 100.0
        base = max(base, by_numbers) if model == leader and basis == "scores" else by_numbers
        model, basis = leader, "own-numbers"
    scale = c.unknown_floor + (1 - c.unknown_floor) * min(max(completeness, 0.0), 1.0)
    confidence = min(base * scale, 1.0, _route_cap(model, facts, policy))
    return Decision(model=model, confidence=round(confidence, 3), basis=basis)


_ROUTE_STATUSES = ("market_status", "full_route_status", "semi_route_status", "own_route_status")
DECISION_READS = ("margin_leader", "margin_gap_pct", "margin_open", *_ROUTE_STATUSES)
"""The platform facts :func:`decision_reading` reads (a fact absent reads as ``None``)."""


def decision_reading(facts: Mapping[str, Any], policy: Policy) -> tuple[Any, ...]:
    """What :func:`decide` reads of a platform's facts: two sets of facts with the same reading are decided
    alike on the same conclusions (the route statuses; the margin leader and gap only where the seller's own
    numbers decide, the gap setting the confidence)."""
    leader, gap = facts.get("margin_leader"), facts.get("margin_gap_pct")
    numbers = None
    if (
        leader in MODELS
        and isinstance(gap, (int, float))
        and gap >= policy.own_numbers.decides_at_gap_pct
        and not facts.get("margin_open")
    ):
        numbers = (leader, min(float(gap), 100.0))
    return (*(facts.get(name) for name in _ROUTE_STATUSES), numbers)


def _route_cap(model: str, facts: Mapping[str, Any], policy: Policy) -> float:
    """The most confidence a market's advice can carry, given what the routes leave unsure (1 when nothing)."""
    caps = policy.routes
    status = facts.get("market_status")
    if status == "unknown":
        return caps.unknown_market
    cap = caps.weak_market if status == "weak" else 1.0
    both_closed = facts.get("full_route_status") == "closed" and facts.get("semi_route_status") == "closed"
    prefix = "own" if both_closed else ("full" if model == MODELS[0] else "semi")
    if facts.get(prefix + "_route_status") == "unknown":
        cap = min(cap, caps.unsure_route)
    return cap


def _by_scores(model: str, scores: Mapping[str, int], evidence: Sequence[Weighed], policy: Policy) -> float:
    c = policy.confidence
    weighed = [w for w in evidence if w.kind == "evidence"]
    if weighed:
        pro = sum(w.weight * counted(w, policy) for w in weighed if w.model == model)
        con = sum(w.weight * counted(w, policy) for w in weighed if w.model != model)
    else:
        pro = float(scores.get(model, 0))
        con = float(sum(v for m, v in scores.items() if m != model))
    total = pro + con
    if pro <= con:
        # The raw weights chose this model, but once guesses and soft facts are discounted it is a coin toss.
        return c.base
    balance = (pro - con) / total
    amount = total / (total + c.strength_half)
    return c.base + c.margin_span * balance * amount


Outcome = Literal["one-model", "run-both", "neither-fits"]


@dataclass(frozen=True)
class OutcomeAdvice:
    """The shape of the advice beyond the one model: ``one-model``, ``run-both`` or ``neither-fits``, in words."""

    kind: Outcome
    text: str


def outcome(
    model: str,
    scores: Mapping[str, int],
    excluded: Collection[str],
    *,
    platform_name: str,
    separate_stores: bool,
    self_operated: str | None,
    policy: Policy,
    basis: str | None = None,
) -> OutcomeAdvice:
    """Whether to advise one model, running both, or neither (``model`` stays the lesser misfit).

    * ``neither-fits`` when both models are ruled out: the platform's
      self-operated (POP) store, when the platform data describes one, is the route left.
    * ``run-both`` when neither is ruled out, each has real evidence (weight 2 or more), the scores are
      within ``policy.outcomes.run_both_within`` and the platform runs the models as
      separate stores.
    """
    if all(m in excluded for m in MODELS):
        route = (
            _("The route left: {route}.").format(route=self_operated)
            if self_operated
            else _("Our sources show no third route on {platform}.").format(platform=platform_name)
        )
        return OutcomeAdvice(
            "neither-fits",
            tidy(
                _("Neither model is open to you on {platform} today; the reasons below say what would open each. {route}").format(
                    platform=platform_name, route=route
                )
            ),
        )
    other = next(m for m in MODELS if m != model)
    close = abs(scores.get(model, 0) - scores.get(other, 0)) <= policy.outcomes.run_both_within
    if basis != "own-numbers" and not excluded and separate_stores and close and all(scores.get(m, 0) >= 2 for m in MODELS):
        return OutcomeAdvice(
            "run-both",
            _(
                "The case is close, and {platform} runs the two models as separate stores (1 fully-managed and up to "
                "3 semi-managed per company): you can run both, starting "
                "with {model} and testing {other} with part of your range."
            ).format(platform=platform_name, model=model_words(model), other=model_words(other)),
        )
    return OutcomeAdvice("one-model", "")


def _unmet_need(rec: Recommendation, policy: Policy) -> str | None:
    """A need of the seller's that this platform's advice does not meet, in words, if any."""
    for caveat in rec.caveats:
        if decisive_caveat(caveat.rule, policy):
            return caveat.text
    for reason in rec.reasons:
        if decisive_against(rec.model, reason.favours, reason.kind, reason.weight, policy):
            return _("the strongest argument there points the other way ({reason})").format(
                reason=_lower(reason.text).rstrip(".。")
            )
    return None


def decisive_caveat(rule: str, policy: Policy) -> bool:
    """Whether a caveat of ``rule`` is a need the seller cannot trade away (``policy.best``)."""
    return rule in policy.best.decisive_caveats


def decisive_against(model: str, favours: str | None, kind: str, weight: int | None, policy: Policy) -> bool:
    """Whether a reason (favouring ``favours``, of ``kind`` and ``weight``) argues decisively against ``model``."""
    return favours != model and kind == "evidence" and (weight or 0) >= policy.best.decisive_weight


def market_model(model: str, basis: str, market_status: str | None) -> str | None:
    """The model a market's advice names: ``None`` for a market without facts, or where both managed models
    are closed (the route is then the seller's own store, or none); else the decision's model."""
    if market_status == "unknown" or basis == "both-excluded":
        return None
    return model


def lead_market(entries: Sequence[MarketAdvice]) -> int:
    """The index of the market a platform's advice is led by: the first market whose route has the
    model that serves most of the seller's markets (ties: the model of the earlier market).

    With no market served by a managed model, the first market leads.
    """
    return lead_index([entry.model for entry in entries])


def recorded_lead(rec: Mapping[str, Any]) -> int | None:
    """The index of the lead market in a recorded recommendation (a trace's JSON), ``None`` without one.

    The audit and the explanation read a trace's recommendations as written: an unreadable entry (an edited
    trace) is ``None`` rather than an error.
    """
    markets = rec.get("markets")
    if not isinstance(markets, list) or not markets:
        return None
    try:
        return lead_market(Recommendation.from_dict(rec).markets)
    except (KeyError, TypeError, ValueError):
        return None


def lead_index(models: Sequence[str | None]) -> int:
    """:func:`lead_market` over the markets' models alone (``None``: no managed route there)."""
    counts: dict[str, int] = {}
    for model in models:
        if model is not None:
            counts[model] = counts.get(model, 0) + 1
    if not counts:
        return 0
    most = max(counts.values())
    return next(i for i, model in enumerate(models) if model is not None and counts[model] == most)


_OWN_STORE_FIT = 0.6
"""What a market served only by the seller's own store counts for in a platform's fit, per unit of confidence."""
_CONTENT_BONUS = 0.15
"""What a content-led platform gains in fit for a seller who wants to run its own content (our judgement)."""


def fit(rec: Recommendation, content_led: Collection[str] = ()) -> float:
    """How well a platform's best routes fit the seller, 0 to about 1: the markets' confidences, a market
    with no route or no facts counting 0 and one served only by the seller's own store less; plus a
    bonus for a content-led platform when the seller wants content control."""
    markets = [(m.model, m.confidence, m.route is not None) for m in rec.markets]
    return fit_of(markets, rec.confidence, rec.basis, content=rec.platform in content_led)


def fit_of(
    markets: Sequence[tuple[str | None, float, bool]], confidence: float, basis: str, *, content: bool = False
) -> float:
    """:func:`fit` of a platform's advice given as its markets' ``(model, confidence, has a route)`` (none: a
    consultation without markets), its own confidence and basis, and whether its content focus counts: what a
    batch row ranks platforms by without wording the advice."""
    if markets:
        scores = [
            confidence_m if model is not None else (_OWN_STORE_FIT * confidence_m if routed else 0.0)
            for model, confidence_m, routed in markets
        ]
        value = sum(scores) / len(scores)
    else:
        value = confidence if basis != "both-excluded" else 0.0
    return value + (_CONTENT_BONUS if content else 0.0)


def choose_best(
    recommendations: Sequence[Recommendation], policy: Policy | None = None, *, content_led: Collection[str] = ()
) -> Best:
    """The platform where the seller's best routes fit best, with the reason in one line.

    Ranked by: no decisive need unmet (``policy.best``: a listed caveat such as "pays only after
    items sell" for a seller who needs fast payouts, or a reason of ``decisive_weight`` or more
    against the recommended model); then the platform's :func:`fit` (its markets' routes and
    confidence, with markets it has no route or no facts for counting nothing, and content for a
    seller who wants content control); then confidence; then the evidence margin; then listing order.

    :param policy: the rule book's policy (``None``: rank by fit, confidence and margin only).
    :param content_led: the platforms that are content-led, when the seller wants control of its content.
    """
    # Each platform's unmet need and fit, worked out once: the ranking and the words both read them.
    needs = [_unmet_need(rec, policy) if policy is not None else None for rec in recommendations]
    fits = [fit(rec, content_led) for rec in recommendations]

    def key(index: int) -> tuple[bool, float, float, int, int]:
        rec = recommendations[index]
        return best_rank(needs[index] is not None, fits[index], rec.confidence, rec.scores, rec.model, index)

    order = sorted(range(len(recommendations)), key=key, reverse=True)
    ranked = [(index, recommendations[index]) for index in order]
    chosen = ranked[0][1]
    pct = f"{round(chosen.confidence * 100)}%"
    where = _where(chosen)
    words = {"platform": chosen.platform_name, "model": model_words(chosen.model), "pct": pct, "where": where}
    if fit(chosen) == 0.0 and chosen.platform not in content_led:
        why = _("No platform has a route open to you; {platform} is the least bad fit ({pct}).").format(**words)
    else:
        passed = [index for index in order[1:] if needs[index] is not None and fits[index] >= fits[order[0]]]
        lead = _("{platform} fits you best: {where} ({pct})").format(**words)
        if chosen.platform in content_led:
            lead = _("{lead}, and it is built around the content you want to run").format(lead=lead)
        if passed:
            why = _("{lead}; {other} was passed over: {need}.").format(
                lead=lead, other=recommendations[passed[0]].platform_name, need=(needs[passed[0]] or "").rstrip(".。")
            )
        elif len(ranked) > 1:
            runner = ranked[1][1]
            if runner.confidence >= chosen.confidence and _served(runner) < _served(chosen):
                # More sure of a platform that serves fewer of the markets: say why it still comes second.
                why = _("{lead}, ahead of {other}, which has a route in fewer of your markets ({served} of {count}).").format(
                    lead=lead, other=runner.platform_name, served=_served(runner), count=len(runner.markets)
                )
            else:
                why = _("{lead}, ahead of {other} ({other_pct}).").format(
                    lead=lead, other=runner.platform_name, other_pct=f"{round(runner.confidence * 100)}%"
                )
        else:
            why = _("{lead}.").format(lead=lead)
    return Best(platform=chosen.platform, model=chosen.model, confidence=chosen.confidence, why=tidy(why), route=chosen.route)


def best_rank(
    unmet: bool, fitness: float, confidence: float, scores: Mapping[str, int], model: str, index: int
) -> tuple[bool, float, float, int, int]:
    """A platform's place in :func:`choose_best`'s ranking (the highest first): no decisive need unmet, then its
    :func:`fit` (``fitness``), its confidence, its evidence margin for ``model``, then its place in the list."""
    margin = scores[model] - sum(v for m, v in scores.items() if m != model)
    return (not unmet, round(fitness, 6), confidence, margin, -index)


def _served(rec: Recommendation) -> int:
    """How many of the seller's markets the platform has a route in (its own store included)."""
    return sum(1 for m in rec.markets if m.route is not None and m.outcome != "unknown-market")


def _where(rec: Recommendation) -> str:
    """The platform's lead route in words: "fully-managed, supplying ... in the US and Germany"."""
    if not rec.markets:
        return model_words(rec.model)
    served = [m for m in rec.markets if m.route is not None and m.route == rec.route]
    if not served or rec.route is None:
        return model_words(rec.model)
    names = [m.market_name for m in served]
    markets = names[0] if len(names) == 1 else _("{first} and {last}").format(first=_(", ").join(names[:-1]), last=names[-1])
    return _("{route} in {markets}").format(route=rec.route_name, markets=markets)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
