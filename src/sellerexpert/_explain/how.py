"""HOW each recommendation was derived (MYCIN's HOW), as a tree read from the trace alone.

Per platform, a tree from the recommendation down through the engine's
``decide`` firing, the evidence and constraint firings it weighed, to the
facts each one matched - given by the seller, assumed by an assumption rule
(shown under it), or platform data - so it explains exactly what happened
then. :class:`PlatformExplanation` joins the tree, the caveats and the
why-not answer for one platform.

May import: the trace, the conditions (to say a rule's ``when``), the policy (the lead market), the
profile's model ids, i18n, :mod:`sellerexpert._explain.words`, and
:mod:`sellerexpert._explain.whynot` for the :class:`WhyNot` type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._engine.policy import recorded_lead
from .._i18n import N_, _, model_words, percent
from .._profile.conditions import describe
from .._profile.profile import MODELS
from .._records import Record
from .._results.trace import (
    DecisionRecord,
    EvidenceRecord,
    ExclusionRecord,
    FactRecord,
    Firing,
    PlatformRecord,
    SellerRecord,
    Trace,
)
from .whynot import WhyNot
from .words import RuleTexts, fact_label, headline

NodeKind = Literal["recommendation", "decision", "rule", "fact", "unknown"]


@dataclass(frozen=True)
class HowNode:
    """One node of a derivation tree.

    :ivar kind: ``recommendation``, ``decision``, ``rule`` (a firing), ``fact`` or ``unknown`` (a field the rule needed unknown).
    :ivar rule: the rule id, for rule and decision nodes.
    :ivar fact: the trace fact id, for fact nodes.
    :ivar assumed: whether the fact was assumed rather than given.
    """

    kind: NodeKind
    label: str
    children: tuple[HowNode, ...] = ()
    rule: str | None = None
    fact: int | None = None
    assumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The node and its subtree as JSON-ready data.

        Written by hand, not by the records' helper: ``assumed`` is written only when it is true, a test
        the helper's keys (left out only when ``None``) do not make.
        """
        data: dict[str, Any] = {"kind": self.kind, "label": self.label}
        if self.rule is not None:
            data["rule"] = self.rule
        if self.fact is not None:
            data["fact"] = self.fact
        if self.assumed:
            data["assumed"] = True
        data["children"] = [c.to_dict() for c in self.children]
        return data

    def lines(self, prefix: str = "", last: bool = True, root: bool = True) -> list[str]:
        """The subtree as an indented text tree."""
        if root:
            out = [self.label]
            child_prefix = ""
        else:
            out = [f"{prefix}{'└─ ' if last else '├─ '}{self.label}"]
            child_prefix = prefix + ("   " if last else "│  ")
        for index, child in enumerate(self.children):
            out.extend(child.lines(child_prefix, index == len(self.children) - 1, root=False))
        return out


@dataclass(frozen=True)
class PlatformExplanation(Record):
    """How the recommendation for one platform was reached, and why not the other model."""

    platform: str
    platform_name: str
    model: str
    confidence: float
    basis: str
    how: HowNode
    caveats: tuple[str, ...]
    why_not: WhyNot | None



_BASIS_WORDS = {
    "scores": N_("scores"),
    "exclusion": N_("exclusion"),
    "tie": N_("tie"),
    "both-excluded": N_("both-excluded"),
}


def _lead_market(rec: Mapping[str, Any]) -> str | None:
    """The market a recorded recommendation is led by, or ``None`` (no target markets, or an unreadable entry)."""
    lead = recorded_lead(rec)
    entry = rec["markets"][lead] if lead is not None else None
    return entry.get("market") if isinstance(entry, Mapping) else None


def platform_explanation(
    trace: Trace, rec: Mapping[str, Any], why_not: WhyNot | None, rules: Mapping[str, Any], texts: RuleTexts
) -> PlatformExplanation:
    """The HOW tree and caveats for one recommendation of the trace, with its why-not answer."""
    platform = rec["platform"]
    producers: dict[Any, Firing] = {}
    for firing in trace.firings:
        for fact in firing.asserted:
            producers[fact.id] = firing
    reasons = {r["rule"]: r for r in rec.get("reasons", [])}
    assumptions = {a["field"]: a for a in rec.get("assumptions", [])}
    # The platform's advice is its lead market's (the first market whose route has the model most markets get).
    market = _lead_market(rec)
    decide = next(
        (f for f in trace.firings if f.rule == "decide" and f.platform == platform and (market is None or f.market == market)),
        None,
    )

    def fact_node(record: FactRecord, rests_on: Mapping[str, Mapping[str, Any]]) -> HowNode:
        children: tuple[HowNode, ...] = ()
        assumed = isinstance(record, SellerRecord) and record.assumed
        if isinstance(record, SellerRecord) and record.assumed:
            source = producers.get(record.id)
            if source is not None:
                text = texts.assumption(source.rule, assumptions.get(record.field, {}).get("text", ""))
                if text.rstrip(": "):
                    label = _("assumed by {rule}: {text} (because {field} was unknown)").format(
                        rule=source.rule, text=text.rstrip(": "), field=record.field
                    )
                else:
                    label = _("assumed by {rule} (because {field} was unknown)").format(rule=source.rule, field=record.field)
                children = (HowNode("rule", label, rule=source.rule),)
        label = fact_label(record, rests_on, texts, market)
        return HowNode("fact", label, children, fact=record.id, assumed=bool(assumed))

    def rule_node(firing: Firing, conclusion: EvidenceRecord | ExclusionRecord) -> HowNode:
        reason = reasons.get(firing.rule, {})
        if isinstance(conclusion, EvidenceRecord):
            head = f"+{conclusion.weight} {model_words(conclusion.model)}"
        else:
            head = _("rules out {model}").format(model=model_words(conclusion.model))
        text = texts.text(firing.rule, "statement", platform, reason.get("text", ""), market)
        sources = reason.get("sources", [])
        label = _("[{conclusion}] {rule}: {text}").format(conclusion=head, rule=firing.rule, text=text)
        if sources:
            label += _(" ({sources})").format(sources=", ".join(sources))
        rests_on = {r["fact"]: r for r in reason.get("rests_on", [])}
        children = []
        rule = rules.get(firing.rule)
        if rule is not None:
            children.append(HowNode("rule", _("when {condition}").format(condition=describe(rule.when)), rule=firing.rule))
        for record in firing.matched:
            if isinstance(record, PlatformRecord) and record.field == "id":
                continue  # the platform the rule was matched for, not a premise
            children.append(fact_node(record, rests_on))
        children.extend(HowNode("unknown", _("{field} is unknown").format(field=name)) for name in firing.absent)
        return HowNode("rule", label, tuple(children), rule=firing.rule)

    order = {rule: index for index, rule in enumerate(reasons)}
    weighed = []
    if decide is not None:
        for record in decide.matched:
            source = producers.get(record.id)
            if source is not None and isinstance(record, (EvidenceRecord, ExclusionRecord)):
                weighed.append((order.get(source.rule, len(order)), source.seq, rule_node(source, record)))
    weighed.sort(key=lambda item: (item[0], item[1]))
    asserted = decide.asserted[0] if decide is not None and decide.asserted else None
    # What the decide firing recorded; the result's own words when the trace lacks it.
    decision: DecisionRecord | None = asserted if isinstance(asserted, DecisionRecord) else None
    scores = decision.scores if decision is not None else rec.get("scores", {})
    excluded = decision.excluded if decision is not None else rec.get("excluded", [])
    full, semi = MODELS
    head = _("decide: {full} {full_score} vs {semi} {semi_score}").format(
        full=model_words(full), full_score=scores.get(full, 0), semi=model_words(semi), semi_score=scores.get(semi, 0)
    )
    if excluded:
        head += _("; ruled out: {models}").format(models=", ".join(model_words(m) for m in excluded))
    chosen = model_words(decision.model if decision is not None else rec["model"])
    basis = decision.basis if decision is not None else rec["basis"]
    basis = _(_BASIS_WORDS[basis]) if basis in _BASIS_WORDS else basis
    if decision is not None:
        decision_label = _("{decision} -> {model} (by {basis}, {known} of the core profile known)").format(
            decision=head, model=chosen, basis=basis, known=percent(decision.completeness)
        )
    else:
        decision_label = _("{decision} -> {model} (by {basis})").format(decision=head, model=chosen, basis=basis)
    decision_node = HowNode("decision", decision_label, tuple(node for _s, _q, node in weighed), rule="decide")
    platform_name = texts.platform_name(platform, rec.get("platform_name", platform))
    root = HowNode("recommendation", headline(platform_name, rec["model"], rec["confidence"]), (decision_node,))
    caveats = tuple(texts.text(c["rule"], "caveat", platform, c["text"], market) for c in rec.get("caveats", []))
    return PlatformExplanation(
        platform=platform,
        platform_name=platform_name,
        model=rec["model"],
        confidence=rec["confidence"],
        basis=rec["basis"],
        how=root,
        caveats=caveats,
        why_not=why_not,
    )

