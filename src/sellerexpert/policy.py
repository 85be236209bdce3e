"""How weighed evidence and hard constraints become one recommendation per platform.

This is the arithmetic of the engine's final ``decide`` rule, kept as a pure
function so that the coverage report and the audit recompute exactly what
the engine did.

* A model ruled out by a constraint is never recommended while the other is
  still open (``basis = "exclusion"``).
* Otherwise the model with more evidence weight wins (``"scores"``); a tie
  goes to the model the platform emphasises, else to the policy's default
  (``"tie"``). When both are ruled out the scores decide (``"both-excluded"``).
* Confidence starts from how clear the decision is and shrinks with the share
  of core profile fields that were unknown.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .profile import MODELS
from .result import Best, Recommendation
from .rulebook import Policy

Basis = Literal["exclusion", "scores", "tie", "both-excluded"]


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


def decide(
    scores: Mapping[str, int],
    excluded: Collection[str],
    *,
    emphasis: str | None,
    completeness: float,
    policy: Policy,
    evidence: Sequence[Weighed] = (),
) -> Decision:
    """Choose a model and a confidence in [0, 1].

    :param scores: total evidence weight per model.
    :param excluded: models a hard constraint ruled out.
    :param emphasis: the model the platform emphasises, if any (breaks ties).
    :param completeness: share of core profile fields the seller gave, in [0, 1].
    :param evidence: every conclusion behind ``scores`` and ``excluded``, with what it rested on.
        The engines pass them in firing order, the compiled evaluator's decisions-only path in
        rule-book order: the outcome must not depend on their order (a test holds it to that).
    """
    full, semi = MODELS
    c = policy.confidence
    open_models = [m for m in MODELS if m not in excluded]
    basis: Basis
    if len(open_models) == 1:
        model, base, basis = open_models[0], c.one_excluded, "exclusion"
    else:
        difference = scores.get(full, 0) - scores.get(semi, 0)
        total = scores.get(full, 0) + scores.get(semi, 0)
        if difference:
            model = full if difference > 0 else semi
            base = c.base + c.margin_span * abs(difference) / total
            basis = "scores"
        else:
            model = emphasis if emphasis in MODELS else policy.tie_default
            base, basis = c.base, "tie"
        if not open_models:
            base, basis = c.both_excluded, "both-excluded"
    scale = c.unknown_floor + (1 - c.unknown_floor) * min(max(completeness, 0.0), 1.0)
    return Decision(model=model, confidence=round(min(base * scale, 1.0), 3), basis=basis)


def choose_best(recommendations: Sequence[Recommendation]) -> Best:
    """The platform whose recommended model fits best: most evidence for it, then confidence, then listing order."""

    def key(item: tuple[int, Recommendation]) -> tuple[int, float, int]:
        index, rec = item
        return (rec.scores[rec.model], rec.confidence, -index)

    _, chosen = max(enumerate(recommendations), key=key)
    return Best(platform=chosen.platform, model=chosen.model, confidence=chosen.confidence)
