"""The rule book as people read it: ``rules list`` and ``rules show``, as text and as JSON-ready data.

Everything here speaks the language in force (:func:`sellerexpert._i18n.current`): rule texts come
from the rule files' translations (``zh.statement`` next to ``statement``), labels from the
catalogue. Keys, rule ids, fact names, enum values and conditions stay as written, in every
language; the English output is exactly what it was before translations existed.
"""

from __future__ import annotations

import json
from typing import Any

from .. import _i18n
from .._i18n import N_, _, model_words
from .._profile.conditions import describe, dnf
from .._rulebook.rulebook import SALIENCE_RANGE, RuleBook

_SEPARATOR = {"en": ", ", "zh": "、"}
"""How a list of short labels (source citations) is joined in each language."""

_TEXT_LABELS = (
    ("statement", N_("Statement")),
    ("rationale", N_("Rationale")),
    ("caveat", N_("Caveat")),
    ("salience_reason", N_("Salience reason")),
)


def _joined(items: list[str]) -> str:
    return _SEPARATOR.get(_i18n.current(), ", ").join(items)


def _fires(scope: str) -> str:
    return _("once per consultation") if scope == "seller" else _("at most once per platform")


def rule_summaries(rulebook: RuleBook) -> list[dict[str, Any]]:
    """Every rule in brief, in rule-book order (:meth:`RuleBook.summary`), in the language in force."""
    return [rulebook.summary(rule.id) for rule in rulebook.rules]


def render_rule_list(summaries: list[dict[str, Any]]) -> str:
    """:func:`rule_summaries` as text: per rule, its id, file, conclusion and sources, then its statement indented."""
    lines = []
    for item in summaries:
        lines.append(
            _("{id}  [{file}]  {concludes}  ({sources})").format(
                id=item["id"], file=item["file"], concludes=item["concludes"], sources=_joined(item["sources"])
            )
        )
        lines.append(f"    {item['statement']}")
    return "\n".join(lines)


def rule_details(rulebook: RuleBook, rule_id: str) -> dict[str, Any]:
    """Everything about one rule: as written (its file's data), as compiled (engine branches), and its sources.

    ``compiled.branches`` is the condition in disjunctive normal form: the engine
    holds one rule per branch, each a conjunction of facts that must (``holds``)
    or must not hold.

    In a language other than English, ``written`` also holds the rule's translations (its ``zh``
    table, as in the file), and the sources' titles and the words of ``compiled`` are in that language.

    ``decide``, the engine's built-in decision step, is described by :func:`decide_details`.

    :raises UnknownRuleError: when there is no such rule (the message names the closest ids).
    """
    from .._engine.evaluator import DECIDE_RULE

    if rule_id == DECIDE_RULE:
        return decide_details(rulebook)
    lang = _i18n.current()
    rule = rulebook.rule(rule_id)
    branches = [
        [
            {
                "fact": leaf.fact,
                "op": leaf.op,
                **({"value": _data(leaf.value)} if leaf.value is not None else {}),
                "holds": holds,
                **({"given": True} if leaf.given else {}),
            }
            for leaf, holds in branch
        ]
        for branch in dnf(rule.when)
    ]
    written = rule.to_data()
    if lang != "en" and rule.translations.get(lang):
        written[lang] = dict(rule.translations[lang])
    return {
        "id": rule.id,
        "file": rule.path,
        "written": written,
        "compiled": {
            "scope": rule.scope,
            "salience": rule.salience,
            "condition": describe(rule.when),
            "branches": branches,
            "conclusion": rule.then.describe(),
            "favours": rule.favours,
            "fires": _fires(rule.scope),
            "digest": rule.digest,
        },
        "sources": [
            {
                k: v
                for k, v in (
                    ("id", s.id),
                    ("label", s.label),
                    ("title", s.text("title", lang)),
                    ("url", s.url),
                    ("published", s.published),
                )
                if v is not None
            }
            for s in (rulebook.sources[source_id] for source_id in rule.sources)
        ],
    }


def decide_details(rulebook: RuleBook) -> dict[str, Any]:
    """The engine's ``decide`` step, which every trace shows last per platform: what it does and the policy it applies.

    It is not written in a rule file: it is the same for every rule book, and
    only its numbers come from the ``[policy]`` table.
    """
    from .._engine.evaluator import DECIDE_RULE, DECIDE_SALIENCE

    policy = rulebook.policy
    confidence = policy.confidence
    return {
        "id": DECIDE_RULE,
        "file": None,
        "built_in": True,
        "statement": _("Weighs one platform's evidence and exclusions into the recommended model and its confidence."),
        "steps": [
            _("A model ruled out by a constraint is never recommended while the other is open (basis 'exclusion')."),
            _(
                "Otherwise the model with more evidence weight wins (basis 'scores'); confidence runs from base "
                "to base + margin_span with the winning margin as a share of all the weight."
            ),
            _("Equal weight goes to the model the platform emphasises, else to {model} (basis 'tie').").format(
                model=model_words(policy.tie_default)
            ),
            _("When both models are ruled out, the scores decide, with low confidence (basis 'both-excluded')."),
            _("Confidence is then scaled from unknown_floor (no core field given) up to 1 (all given)."),
        ],
        "compiled": {
            "scope": "platform",
            "salience": DECIDE_SALIENCE,
            "salience_note": _("below every rule's: rules may use {low}..{high}, so it runs last").format(
                low=SALIENCE_RANGE[0], high=SALIENCE_RANGE[1]
            ),
            "fires": _("once per platform, after every other rule"),
            "conclusion": _("asserts the decision: model, confidence, basis, scores and exclusions"),
        },
        "policy": {
            "tie_default": policy.tie_default,
            "tie_reason": policy.text("tie_reason", _i18n.current()),
            "confidence": {
                "base": confidence.base,
                "margin_span": confidence.margin_span,
                "one_excluded": confidence.one_excluded,
                "both_excluded": confidence.both_excluded,
                "unknown_floor": confidence.unknown_floor,
            },
            "firing_limit": policy.firing_limit,
        },
        "sources": [],
    }


def _render_decide(details: dict[str, Any]) -> str:
    compiled, policy = details["compiled"], details["policy"]
    lines = [
        _("Rule {id} (built into the engine; its numbers come from the [policy] table)").format(id=details["id"]),
        "",
        details["statement"],
    ]
    lines += [f"  - {step}" for step in details["steps"]]
    reason = _(" ({reason})").format(reason=policy["tie_reason"]) if policy["tie_reason"] else ""
    lines += [
        "",
        _("As compiled:"),
        "  " + _("scope: {scope} (fires {fires})").format(scope=compiled["scope"], fires=compiled["fires"]),
        "  " + _("salience: {salience} ({note})").format(salience=compiled["salience"], note=compiled["salience_note"]),
        "  " + _("then: {conclusion}").format(conclusion=compiled["conclusion"]),
        "",
        _("Policy:"),
        f"  tie_default: {policy['tie_default']}" + reason,
        "  confidence: " + ", ".join(f"{k} {v}" for k, v in policy["confidence"].items()),
        f"  firing_limit: {policy['firing_limit']}",
    ]
    return "\n".join(lines)


def _data(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _texts(details: dict[str, Any]) -> list[str]:
    """The rule's texts in the language in force, labelled, for a reader who does not read the English."""
    lang = _i18n.current()
    written = details["written"]
    translated = written.get(lang, {})
    english = {**written, "caveat": written.get("then", {}).get("caveat")}
    lines = []
    for key, label in _TEXT_LABELS:
        text = translated.get(key) or english.get(key)
        if text:
            lines += _i18n.wrap(
                _("{label}: {text}").format(label=_(label), text=" ".join(str(text).split())), 100, subsequent="  "
            )
    return lines


def render_rule(details: dict[str, Any]) -> str:
    """:func:`rule_details` as text: the rule as written (YAML), then as compiled, then its sources.

    In a language other than English, the rule's texts in that language come first.
    """
    if details.get("built_in"):
        return _render_decide(details)
    compiled = details["compiled"]
    lines = [_("Rule {id} (in {file})").format(id=details["id"], file=details["file"]), ""]
    if _i18n.current() != "en":
        lines += [*_texts(details), ""]
    lines.append(_("As written:"))
    import yaml  # only `rules show` writes YAML

    written = yaml.safe_dump(details["written"], sort_keys=False, allow_unicode=True, width=96)
    lines += ["  " + line for line in written.rstrip().splitlines()]
    lines += [
        "",
        _("As compiled:"),
        "  " + _("scope: {scope} (fires {fires})").format(scope=compiled["scope"], fires=compiled["fires"]),
        "  " + _("salience: {salience}").format(salience=compiled["salience"]),
        "  " + _("when: {condition}").format(condition=compiled["condition"]),
        "  " + _("then: {conclusion}").format(conclusion=compiled["conclusion"]),
        "  " + _("engine rules, one per branch of the condition ({count}):").format(count=len(compiled["branches"])),
    ]
    for number, branch in enumerate(compiled["branches"], start=1):
        # The branches are the condition as the engine holds it: written in the rule files' own notation.
        parts = [
            ("" if item["holds"] else "NOT ")
            + f"{item['fact']} {item['op']}"
            + (f" {json.dumps(item['value'])}" if "value" in item else "")
            + (" (given)" if item.get("given") else "")
            for item in branch
        ]
        lines.append(f"    {number}. " + " AND ".join(parts))
    lines += ["", _("Sources:")]
    for source in details["sources"]:
        where = f" <{source['url']}>" if "url" in source else ""
        lines.append("  " + _("{label}: {title}{where}").format(label=source["label"], title=source["title"], where=where))
    return "\n".join(lines)
