"""Render a consultation result for people: plain text for a terminal, Markdown for a report.

The JSON form is :meth:`ConsultationResult.to_json`; these renderings are
derived from the same result and add nothing the result does not hold.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence

from typing import TYPE_CHECKING, Any

from .conditions import describe, dnf
from .profile import FIELDS_BY_NAME
from .result import Assumption, ConsultationResult, Reason, Recommendation
if TYPE_CHECKING:
    from .rulebook import RuleBook

FORMATS: tuple[str, ...] = ("text", "json", "markdown")

_BASIS_TEXT = {
    "exclusion": "the other model is ruled out for you",
    "scores": "the reasons for it outweigh those against",
    "tie": "the reasons are evenly balanced; the platform's emphasis (or the safer default) decides",
    "both-excluded": "both models are ruled out for you; this is the lesser misfit, take it as weak advice",
}

Style = Callable[..., str]


def confidence_words(confidence: float) -> str:
    """How sure the advice is, in words: ``high`` (0.8 and up), ``moderate`` (0.6 and up) or ``low``."""
    if confidence >= 0.8:
        return "high"
    if confidence >= 0.6:
        return "moderate"
    return "low"


def confidence_text(confidence: float) -> str:
    """A confidence as a person reads it, e.g. ``95% (high)``."""
    return f"{round(confidence * 100)}% ({confidence_words(confidence)})"


def _plain(text: str, **_: object) -> str:
    return text


def _ansi(text: str, *, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    # ANSI codes written here rather than with click.style: the library must not import click.
    codes = [code for flag, code in ((bold, "1"), (dim, "2")) if flag]
    colours = {"green": "32", "yellow": "33", "red": "31", "cyan": "36", "magenta": "35"}
    if fg is not None:
        codes.append(colours[fg])
    if not codes:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _wrap(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def _model_colour(model: str) -> str:
    return "cyan" if model == "fully-managed" else "magenta"


def _title(result: ConsultationResult) -> str:
    name = result.profile.name
    return f"Advice for {name}" if name else "Advice"


def _assumption_text(assumption: Assumption) -> str:
    label = FIELDS_BY_NAME[assumption.field].meaning if assumption.field in FIELDS_BY_NAME else assumption.field
    if assumption.value is None:
        return f"{assumption.field} ({label}): not given, so the rules that need it were left out."
    return f"{assumption.field} = {_value_text(assumption.value)}: {assumption.text}"


def render_text(result: ConsultationResult, *, color: bool = False, width: int = 88) -> str:
    """The result as plain text: a verdict per platform, its reasons and caveats, then the best choice.

    :param color: add ANSI colour (the caller decides: only on a terminal, never with ``NO_COLOR``).
    :param width: wrap long lines at this many characters.
    """
    style: Style = _ansi if color else _plain
    best = result.best
    best_name = result.recommendation(best.platform).platform_name
    best_line = (
        style("Best overall: ", bold=True)
        + style(f"{best_name}, {best.model}", fg=_model_colour(best.model), bold=True)
        + f", confidence {confidence_text(best.confidence)}"
    )
    lines = [style(_title(result), bold=True), ""]
    for rec in result.recommendations:
        lines.append(f"  {rec.platform_name + ':':<13}" + style(f"{rec.model:<14}", fg=_model_colour(rec.model)) + f" confidence {confidence_text(rec.confidence)}")
    lines += [best_line, ""]
    for rec in result.recommendations:
        lines.extend(_text_recommendation(rec, style, width))
        lines.append("")
    lines.append(best_line)
    assumptions = result.recommendations[0].assumptions if result.recommendations else ()
    if assumptions:
        lines.append("")
        lines.append(style("What you did not tell us:", bold=True))
        for assumption in assumptions:
            lines.extend(_wrap("? " + _assumption_text(assumption), "  ", width))
    return "\n".join(lines) + "\n"


def _sources(reason_sources: Sequence[str]) -> str:
    return f" [{', '.join(reason_sources)}]" if reason_sources else ""


def _text_recommendation(rec: Recommendation, style: Style, width: int) -> list[str]:
    confidence = confidence_text(rec.confidence)
    colour = {"high": "green", "moderate": "yellow", "low": "red"}[confidence_words(rec.confidence)]
    lines = [
        style(f"{rec.platform_name}: ", bold=True)
        + style(rec.model, fg=_model_colour(rec.model), bold=True)
        + "  confidence "
        + style(confidence, fg=colour),
    ]
    lines.extend(_wrap(f"Why this model: {_BASIS_TEXT.get(rec.basis, rec.basis)}.", "  ", width))
    pro = [r for r in rec.reasons if r.favours == rec.model]
    con = [r for r in rec.reasons if r.favours != rec.model]
    if pro:
        lines.append(style("  For it:", bold=True))
        for reason in pro:
            lines.extend(_wrap(f"+ {_reason_text(reason)}", "    ", width))
    if con:
        lines.append(style("  Weighing the other way:", bold=True))
        for reason in con:
            lines.extend(_wrap(f"- {_reason_text(reason)}", "    ", width))
    if rec.caveats:
        lines.append(style("  Keep in mind:", bold=True))
        for caveat in rec.caveats:
            lines.extend(_wrap(f"! {caveat.text}{_sources(caveat.sources)}", "    ", width))
    return lines


def _reason_text(reason: Reason) -> str:
    if reason.kind == "constraint":
        tag = f"rules out {'semi-managed' if reason.favours == 'fully-managed' else 'fully-managed'}"
    else:
        tag = f"{reason.favours}, weight {reason.weight}"
    assumed = f"; assumed: {', '.join(reason.assumed)}" if reason.assumed else ""
    return f"{reason.text} ({tag}{assumed}){_sources(reason.sources)}"


def _md(text: str) -> str:
    """Escape text for a Markdown table cell or list item."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("\n", " ")


def render_markdown(result: ConsultationResult) -> str:
    """The result as a Markdown report a consultant can paste: summary table, then each platform in detail."""
    out = [f"# {_md(_title(result))}", ""]
    best = result.best
    best_name = result.recommendation(best.platform).platform_name
    out += [f"**Best overall:** {best_name}, {best.model}, confidence {confidence_text(best.confidence)}", ""]
    out += ["| Platform | Recommended model | Confidence | How it was decided |", "|---|---|---|---|"]
    for rec in result.recommendations:
        out.append(
            f"| {_md(rec.platform_name)} | {rec.model} | {confidence_text(rec.confidence)} | {_md(_BASIS_TEXT.get(rec.basis, rec.basis))} |"
        )
    out.append("")
    for rec in result.recommendations:
        out += [f"## {_md(rec.platform_name)}: {rec.model}", ""]
        score = ", ".join(f"{model} {points}" for model, points in rec.scores.items())
        out += [f"Confidence {confidence_text(rec.confidence)}. Evidence weight: {score}.", ""]
        if rec.excluded:
            out += [f"Ruled out for you: {', '.join(rec.excluded)}.", ""]
        if rec.reasons:
            out += ["| For | Reason | Weight | Sources |", "|---|---|---|---|"]
            for reason in rec.reasons:
                weight = "constraint" if reason.kind == "constraint" else str(reason.weight)
                text = _md(reason.text) + (f" *(assumed: {_md(', '.join(reason.assumed))})*" if reason.assumed else "")
                out.append(f"| {reason.favours} | {text} | {weight} | {_md(', '.join(reason.sources))} |")
            out.append("")
        if rec.caveats:
            out += ["**Keep in mind:**", ""]
            out += [f"- {_md(c.text)} ({_md(', '.join(c.sources))})" for c in rec.caveats]
            out.append("")
    assumptions = result.recommendations[0].assumptions if result.recommendations else ()
    if assumptions:
        out += ["## What was not given", ""]
        out += [f"- {_md(_assumption_text(a))}" for a in assumptions]
        out.append("")
    out += ["## The profile", "", "| Field | Value |", "|---|---|"]
    for name, value in result.profile.to_dict().items():
        out.append(f"| {name.replace('_', ' ')} | {_md(_value_text(value))} |")
    return "\n".join(out) + "\n"


def render(result: ConsultationResult, format: str, *, color: bool = False) -> str:
    """The result in one of :data:`FORMATS` (``json`` is :meth:`ConsultationResult.to_json` plus a newline).

    :raises ValueError: for an unknown format.
    """
    if format == "json":
        return result.to_json() + "\n"
    if format == "text":
        return render_text(result, color=color)
    if format == "markdown":
        return render_markdown(result)
    raise ValueError(f"unknown format '{format}' (allowed: {', '.join(FORMATS)})")


def rule_details(rulebook: RuleBook, rule_id: str) -> dict[str, Any]:
    """Everything about one rule: as written (its file's data), as compiled (engine branches), and its sources.

    ``compiled.branches`` is the condition in disjunctive normal form: the engine
    holds one rule per branch, each a conjunction of facts that must (``holds``)
    or must not hold.

    ``decide``, the engine's built-in decision step, is described by :func:`decide_details`.

    :raises LookupError: when there is no such rule (the message names the closest ids).
    """
    from ._evaluator import DECIDE_RULE

    if rule_id == DECIDE_RULE:
        return decide_details(rulebook)
    rule = rulebook.rule(rule_id)
    branches = [
        [
            {"fact": leaf.fact, "op": leaf.op, **({"value": _data(leaf.value)} if leaf.value is not None else {}), "holds": holds}
            for leaf, holds in branch
        ]
        for branch in dnf(rule.when)
    ]
    return {
        "id": rule.id,
        "file": rule.path,
        "written": rule.to_data(),
        "compiled": {
            "scope": rule.scope,
            "salience": rule.salience,
            "condition": describe(rule.when),
            "branches": branches,
            "conclusion": rule.then.describe(),
            "favours": rule.favours,
            "fires": "once per consultation" if rule.scope == "seller" else "at most once per platform",
            "digest": rule.digest,
        },
        "sources": [
            {k: v for k, v in (("id", s.id), ("label", s.label), ("title", s.title), ("url", s.url), ("published", s.published)) if v is not None}
            for s in (rulebook.sources[source_id] for source_id in rule.sources)
        ],
    }


def decide_details(rulebook: RuleBook) -> dict[str, Any]:
    """The engine's ``decide`` step, which every trace shows last per platform: what it does and the policy it applies.

    It is not written in a rule file: it is the same for every rule book, and
    only its numbers come from the ``[policy]`` table.
    """
    from ._evaluator import DECIDE_RULE, DECIDE_SALIENCE
    from .rulebook import SALIENCE_RANGE

    policy = rulebook.policy
    confidence = policy.confidence
    return {
        "id": DECIDE_RULE,
        "file": None,
        "built_in": True,
        "statement": "Weighs one platform's evidence and exclusions into the recommended model and its confidence.",
        "steps": [
            "A model ruled out by a constraint is never recommended while the other is open (basis 'exclusion').",
            "Otherwise the model with more evidence weight wins (basis 'scores'); confidence runs from base "
            "to base + margin_span with the winning margin as a share of all the weight.",
            f"Equal weight goes to the model the platform emphasises, else to {policy.tie_default} (basis 'tie').",
            "When both models are ruled out, the scores decide, with low confidence (basis 'both-excluded').",
            "Confidence is then scaled from unknown_floor (no core field given) up to 1 (all given).",
        ],
        "compiled": {
            "scope": "platform",
            "salience": DECIDE_SALIENCE,
            "salience_note": f"below every rule's: rules may use {SALIENCE_RANGE[0]}..{SALIENCE_RANGE[1]}, so it runs last",
            "fires": "once per platform, after every other rule",
            "conclusion": "asserts the decision: model, confidence, basis, scores and exclusions",
        },
        "policy": {
            "tie_default": policy.tie_default,
            "tie_reason": policy.tie_reason,
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
    lines = [f"Rule {details['id']} (built into the engine; its numbers come from the [policy] table)", "", details["statement"]]
    lines += [f"  - {step}" for step in details["steps"]]
    lines += [
        "",
        "As compiled:",
        f"  scope: {compiled['scope']} (fires {compiled['fires']})",
        f"  salience: {compiled['salience']} ({compiled['salience_note']})",
        f"  then: {compiled['conclusion']}",
        "",
        "Policy:",
        f"  tie_default: {policy['tie_default']}" + (f" ({policy['tie_reason']})" if policy["tie_reason"] else ""),
        "  confidence: " + ", ".join(f"{k} {v}" for k, v in policy["confidence"].items()),
        f"  firing_limit: {policy['firing_limit']}",
    ]
    return "\n".join(lines)


def _data(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def render_rule(details: dict[str, Any]) -> str:
    """:func:`rule_details` as text: the rule as written (YAML), then as compiled, then its sources."""
    if details.get("built_in"):
        return _render_decide(details)
    compiled = details["compiled"]
    lines = [f"Rule {details['id']} (in {details['file']})", "", "As written:"]
    import yaml  # only `rules show` writes YAML

    written = yaml.safe_dump(details["written"], sort_keys=False, allow_unicode=True, width=96)
    lines += ["  " + line for line in written.rstrip().splitlines()]
    lines += [
        "",
        "As compiled:",
        f"  scope: {compiled['scope']} (fires {compiled['fires']})",
        f"  salience: {compiled['salience']}",
        f"  when: {compiled['condition']}",
        f"  then: {compiled['conclusion']}",
        f"  engine rules, one per branch of the condition ({len(compiled['branches'])}):",
    ]
    for number, branch in enumerate(compiled["branches"], start=1):
        parts = [
            ("" if item["holds"] else "NOT ") + f"{item['fact']} {item['op']}" + (f" {json.dumps(item['value'])}" if "value" in item else "")
            for item in branch
        ]
        lines.append(f"    {number}. " + " AND ".join(parts))
    lines += ["", "Sources:"]
    for source in details["sources"]:
        where = f" <{source['url']}>" if "url" in source else ""
        lines.append(f"  {source['label']}: {source['title']}{where}")
    return "\n".join(lines)
