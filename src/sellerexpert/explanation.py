"""Explanations of a trace: HOW each recommendation was derived, and WHY NOT the other model.

* **How** (MYCIN's HOW): per platform, a tree from the recommendation down
  through the engine's ``decide`` firing, the evidence and constraint firings
  it weighed, to the facts each one matched - given by the seller, assumed by
  an assumption rule (shown under it), or platform data - read from the trace
  alone, so it explains exactly what happened then.
* **Why not** (a Wachter-style counterfactual): the smallest change to the
  profile - one field, else two - that makes the engine recommend the other
  model, found by consulting the engine on candidate profiles in a fixed
  order, not by a formula. Candidate values are the classes of values the
  rules can tell apart (every enum word, both booleans, numbers at each
  threshold, the market groups rules name, unknown); among equally small
  changes the one closest to the seller's answers wins.
* **DOT**: the derivation as a Graphviz graph (facts, rules, conclusions, decisions).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._evaluator import fact_values
from ._space import ABSENT, ProfileSpace, ValueClass
from .auditing import load_trace
from .conditions import describe, evaluate
from .economics import margin_facts
from .profile import FIELDS, FIELDS_BY_NAME, LEVELS, MODELS, SERVICE_LEVELS, SellerProfile
from .trace import Trace

if TYPE_CHECKING:
    from .advisor import Advisor

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
        """The node and its subtree as JSON-ready data."""
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
class Change:
    """One field changed in a counterfactual (``None`` = unknown)."""

    field: str
    before: Any
    after: Any

    def describe(self) -> str:
        """``operational_capacity were high instead of low``."""
        return f"{self.field} were {_value(self.after)} instead of {_value(self.before)}"

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {"field": self.field, "from": _plain(self.before), "to": _plain(self.after)}


@dataclass(frozen=True)
class Counterfactual:
    """A changed profile on which the engine recommends the other model.

    :ivar profile: the whole changed profile (consult it to check).
    """

    changes: tuple[Change, ...]
    model: str
    confidence: float
    basis: str
    profile: Mapping[str, Any]

    def describe(self) -> str:
        """The changes in a few words."""
        return " and ".join(c.describe() for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        """The counterfactual as JSON-ready data."""
        return {
            "changes": [c.to_dict() for c in self.changes],
            "model": self.model,
            "confidence": self.confidence,
            "basis": self.basis,
            "profile": dict(self.profile),
        }


@dataclass(frozen=True)
class WhyNot:
    """Why the other model was not recommended on one platform, and what would change that.

    :ivar counterfactual: the smallest change found, or ``None`` when no change of up to ``max_fields`` fields flips it.
    :ivar searched: candidate profiles the engine was consulted on.
    """

    platform: str
    model: str
    alternative: str
    counterfactual: Counterfactual | None
    searched: int
    max_fields: int

    @property
    def statement(self) -> str:
        """The answer in one sentence."""
        if self.counterfactual is None:
            fields = "one field" if self.max_fields == 1 else f"one or {_number(self.max_fields)} fields"
            return f"No change of {fields} of your profile would make {self.alternative} the recommendation here."
        cf = self.counterfactual
        return (
            f"{self.alternative.capitalize()} would be recommended if {cf.describe()} "
            f"(confidence {cf.confidence:.2f}; checked by consulting the engine on the changed profile)."
        )

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready data."""
        return {
            "model": self.model,
            "alternative": self.alternative,
            "statement": self.statement,
            "counterfactual": self.counterfactual.to_dict() if self.counterfactual else None,
            "searched": self.searched,
            "max_fields": self.max_fields,
        }


@dataclass(frozen=True)
class PlatformExplanation:
    """How the recommendation for one platform was reached, and why not the other model."""

    platform: str
    platform_name: str
    model: str
    confidence: float
    basis: str
    how: HowNode
    caveats: tuple[str, ...]
    why_not: WhyNot | None

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data."""
        return {
            "platform": self.platform,
            "platform_name": self.platform_name,
            "model": self.model,
            "confidence": self.confidence,
            "basis": self.basis,
            "how": self.how.to_dict(),
            "caveats": list(self.caveats),
            "why_not": self.why_not.to_dict() if self.why_not else None,
        }


@dataclass(frozen=True)
class Explanation:
    """The explanation of one consultation: a :class:`PlatformExplanation` per platform, in the profile's order.

    :ivar notes: caveats about the explanation itself (e.g. the rule book changed since the trace).
    """

    profile: Mapping[str, Any]
    platforms: tuple[PlatformExplanation, ...]
    notes: tuple[str, ...]
    trace: Trace = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data: ``profile``, ``platforms``, ``notes``."""
        return {"profile": dict(self.profile), "platforms": [p.to_dict() for p in self.platforms], "notes": list(self.notes)}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        """A text tree per platform, then its caveats and the why-not answer."""
        blocks = []
        for p in self.platforms:
            lines = ["How:", *("  " + line for line in p.how.lines())]
            if p.caveats:
                lines.append("Also note:")
                lines.extend(f"  - {c}" for c in p.caveats)
            if p.why_not is not None:
                lines.append(f"Why not {p.why_not.alternative}?")
                lines.append(f"  {p.why_not.statement}")
            blocks.append("\n".join(lines))
        text = "\n\n".join(blocks)
        if self.notes:
            text += "\n\n" + "\n".join(f"Note: {n}" for n in self.notes)
        return text

    def to_markdown(self) -> str:
        """A section per platform: the derivation as nested bullets, caveats, and why not the other model."""
        out: list[str] = []
        for p in self.platforms:
            out.append(f"## {p.platform_name}: {p.model} (confidence {p.confidence:.2f})")
            out.append("")
            out.extend(_bullets(p.how.children, 0))
            if p.caveats:
                out.append("")
                out.append("**Also note**")
                out.append("")
                out.extend(f"- {c}" for c in p.caveats)
            if p.why_not is not None:
                out.append("")
                out.append(f"**Why not {p.why_not.alternative}?** {p.why_not.statement}")
            out.append("")
        for note in self.notes:
            out.append(f"> Note: {note}")
        return "\n".join(out).rstrip() + "\n"

    def to_dot(self) -> str:
        """The derivation as a Graphviz DOT digraph: facts, rules, conclusions, decisions and recommendations."""
        return _dot(self.trace)


def _bullets(nodes: Sequence[HowNode], depth: int) -> list[str]:
    out = []
    for node in nodes:
        out.append(f"{'  ' * depth}- {node.label}")
        out.extend(_bullets(node.children, depth + 1))
    return out


def _number(n: int) -> str:
    return {2: "two", 3: "three"}.get(n, str(n))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _value(value: Any) -> str:
    if value is None or value is ABSENT:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    return str(value)


# --------------------------------------------------------------------- how


def explain(
    trace: Trace | Mapping[str, Any] | str | Path,
    advisor: Advisor | None = None,
    *,
    why_not: bool = True,
    max_fields: int = 2,
) -> Explanation:
    """Explain a consultation from its trace.

    :param trace: a trace file, a parsed trace document or a :class:`Trace`.
    :param advisor: today's rule book, used for the why-not search (the shipped one when ``None``).
    :param why_not: search for counterfactuals (consults the engine many times).
    :param max_fields: the most fields a counterfactual may change.
    :raises TraceError: when ``trace`` is not a trace.
    """
    loaded = load_trace(trace)
    if advisor is None:
        from .advisor import Advisor

        advisor = Advisor()
    notes: list[str] = []
    same_rules = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    answers: dict[str, WhyNot] = {}
    if why_not:
        profile = SellerProfile.from_dict(loaded.profile)
        answers = counterfactuals(advisor, profile, max_fields=max_fields)
        if not same_rules:
            notes.append("the rule book changed since this trace was made: the why-not answers use today's rules")
        baseline = {r.platform: r.model for r in advisor.consult(profile, engine="compiled").recommendations}
        for rec in loaded.result.get("recommendations", []):
            if baseline.get(rec["platform"]) != rec["model"]:
                notes.append(
                    f"today's rules recommend {baseline.get(rec['platform'])} on {rec['platform']}, not {rec['model']}: "
                    "run `sellerexpert audit` on this trace"
                )
    conditions = {r.id: r for r in advisor.rules.rules} if same_rules else {}
    platforms = tuple(
        _platform_explanation(loaded, rec, answers.get(rec["platform"]), conditions) for rec in loaded.result.get("recommendations", [])
    )
    return Explanation(profile=loaded.profile, platforms=platforms, notes=tuple(notes), trace=loaded)


def _fact_label(record: Mapping[str, Any], rests_on: Mapping[str, Mapping[str, Any]]) -> str:
    kind = record.get("kind")
    if kind == "seller":
        how = "assumed" if record.get("assumed") else "you said"
        return f"{record['field']} = {_value(record.get('value'))} ({how})"
    if kind == "platform":
        name = f"platform.{record['field']}"
        label = f"{record['platform']}: {record['field']} = {_value(record.get('value'))}"
        dated = rests_on.get(name)
        if dated is not None:
            label += f" (as of {dated.get('as_of')}, sources: {', '.join(dated.get('sources', []))})"
        return label
    return f"{kind} from {record.get('rule')}"


def _platform_explanation(
    trace: Trace, rec: Mapping[str, Any], why_not: WhyNot | None, rules: Mapping[str, Any]
) -> PlatformExplanation:
    platform = rec["platform"]
    producers: dict[int, Any] = {}
    for firing in trace.firings:
        for fact in firing.asserted:
            producers[fact["id"]] = firing
    reasons = {r["rule"]: r for r in rec.get("reasons", [])}
    assumptions = {a["field"]: a for a in rec.get("assumptions", [])}
    decide = next((f for f in trace.firings if f.rule == "decide" and f.platform == platform), None)

    def fact_node(record: Mapping[str, Any], rests_on: Mapping[str, Mapping[str, Any]]) -> HowNode:
        children: tuple[HowNode, ...] = ()
        if record.get("kind") == "seller" and record.get("assumed"):
            source = producers.get(record["id"])
            if source is not None:
                text = assumptions.get(record["field"], {}).get("text", "")
                children = (
                    HowNode(
                        "rule",
                        f"assumed by {source.rule}: {text}".rstrip(": ") + f" (because {record['field']} was unknown)",
                        rule=source.rule,
                    ),
                )
        return HowNode("fact", _fact_label(record, rests_on), children, fact=record["id"], assumed=bool(record.get("assumed")))

    def rule_node(firing: Any, conclusion: Mapping[str, Any]) -> HowNode:
        reason = reasons.get(firing.rule, {})
        if conclusion.get("kind") == "evidence":
            head = f"+{conclusion['weight']} {conclusion['model']}"
        else:
            head = f"rules out {conclusion['model']}"
        text = reason.get("text", "")
        sources = reason.get("sources", [])
        label = f"[{head}] {firing.rule}: {text}" + (f" ({', '.join(sources)})" if sources else "")
        rests_on = {r["fact"]: r for r in reason.get("rests_on", [])}
        children = []
        rule = rules.get(firing.rule)
        if rule is not None:
            children.append(HowNode("rule", f"when {describe(rule.when)}", rule=firing.rule))
        for record in firing.matched:
            if record.get("kind") == "platform" and record.get("field") == "id":
                continue  # the platform the rule was matched for, not a premise
            children.append(fact_node(record, rests_on))
        children.extend(HowNode("unknown", f"{name} is unknown") for name in firing.absent)
        return HowNode("rule", label, tuple(children), rule=firing.rule)

    order = {rule: index for index, rule in enumerate(reasons)}
    weighed = []
    if decide is not None:
        for record in decide.matched:
            source = producers.get(record["id"])
            if source is not None and record.get("kind") in ("evidence", "exclusion"):
                weighed.append((order.get(source.rule, len(order)), source.seq, rule_node(source, record)))
    weighed.sort(key=lambda item: (item[0], item[1]))
    decision = decide.asserted[0] if decide is not None and decide.asserted else {}
    scores = decision.get("scores", rec.get("scores", {}))
    excluded = decision.get("excluded", rec.get("excluded", []))
    decision_label = "decide: " + " vs ".join(f"{m} {scores.get(m, 0)}" for m in MODELS)
    if excluded:
        decision_label += f"; ruled out: {', '.join(excluded)}"
    decision_label += f" -> {decision.get('model', rec['model'])} (by {decision.get('basis', rec['basis'])}"
    if "completeness" in decision:
        decision_label += f", {decision['completeness']:.0%} of the core profile known"
    decision_label += ")"
    decision_node = HowNode("decision", decision_label, tuple(node for _, _, node in weighed), rule="decide")
    root = HowNode(
        "recommendation",
        f"{rec.get('platform_name', platform)}: {rec['model']} (confidence {rec['confidence']:.2f})",
        (decision_node,),
    )
    caveats = tuple(c["text"] for c in rec.get("caveats", []))
    return PlatformExplanation(
        platform=platform,
        platform_name=rec.get("platform_name", platform),
        model=rec["model"],
        confidence=rec["confidence"],
        basis=rec["basis"],
        how=root,
        caveats=caveats,
        why_not=why_not,
    )


# ------------------------------------------------------------------ why not

_ORDINAL = {"level": LEVELS, "service": SERVICE_LEVELS}


@dataclass(frozen=True)
class _Candidate:
    field: str
    value: Any  # ABSENT for "unknown"
    distance: int
    order: tuple[int, int]


def _candidates(space: ProfileSpace, profile: SellerProfile) -> list[_Candidate]:
    """One candidate value per class of values the rules tell apart, for every field a rule reads."""
    out = []
    field_order = [spec.name for spec in FIELDS]
    for name, value_classes in space.fields.items():
        if len(value_classes) < 2:
            continue  # no rule reads it: no value can change anything
        current = getattr(profile, name)
        current = ABSENT if current is None else current
        kind = FIELDS_BY_NAME[name].kind
        mine = _signature(space, name, current)
        for index, value_class in enumerate(value_classes):
            if _signature(space, name, value_class.value) == mine:
                continue  # the engine could not tell this value from the seller's
            value = _nearest(value_class, current, kind)
            out.append(_Candidate(name, value, _distance(kind, current, value), (field_order.index(name), index)))
    return out


def _signature(space: ProfileSpace, name: str, value: Any) -> tuple[bool, ...]:
    facts = {} if value is ABSENT else {name: value}
    return tuple(evaluate(leaf, facts) for leaf in space.leaves(name))


def _nearest(value_class: ValueClass, current: Any, kind: str) -> Any:
    # For a number, the member of the class closest to the seller's answer: the smallest change that crosses a threshold.
    numbers = [m for m in value_class.members if m is not ABSENT]
    if kind == "count" and current is not ABSENT and numbers:
        return min(numbers, key=lambda m: (abs(m - current), m))
    return value_class.value


def _distance(kind: str, current: Any, value: Any) -> int:
    if current is ABSENT or value is ABSENT:
        return 1
    if kind in _ORDINAL:
        return abs(_ORDINAL[kind].index(value) - _ORDINAL[kind].index(current))
    return 1


def _apply(profile: SellerProfile, changes: Iterable[_Candidate]) -> SellerProfile:
    return profile.with_changes(**{c.field: (None if c.value is ABSENT else c.value) for c in changes})


def counterfactuals(
    advisor: Advisor,
    profile: SellerProfile | Mapping[str, Any],
    *,
    max_fields: int = 2,
) -> dict[str, WhyNot]:
    """For each platform, the smallest change to ``profile`` that makes the engine recommend the other model.

    Candidates are tried in a fixed order - fewer fields first, then fewer
    fields made unknown, then the smallest step on ordered scales, then the
    field table's order - and each is checked by consulting the engine (only
    on the platforms still without an answer).

    :param max_fields: the most fields a change may touch (1 or 2 is quick; 3 can take minutes).
    """
    if not isinstance(profile, SellerProfile):
        profile = SellerProfile.from_dict(profile)
    space = ProfileSpace(advisor.rules)
    # The search asks the compiled evaluator, which concludes exactly what the engine would, far faster.
    evaluator = advisor.evaluator
    # The seller's own numbers stay as given in every candidate, so their margin facts are computed once.
    margins = margin_facts(profile)
    baseline = evaluator.decisions(fact_values(profile), profile.platforms, platform_overrides=margins)
    pending = list(profile.platforms)
    found: dict[str, Counterfactual] = {}
    candidates = _candidates(space, profile)
    searched = 0
    for size in range(1, max_fields + 1):
        combos = [c for c in itertools.combinations(candidates, size) if len({x.field for x in c}) == size]
        combos.sort(
            key=lambda c: (
                sum(1 for x in c if x.value is ABSENT),
                sum(x.distance for x in c),
                [x.order for x in c],
            )
        )
        for combo in combos:
            if not pending:
                break
            changed = _apply(profile, combo)
            decisions = evaluator.decisions(fact_values(changed), tuple(pending), platform_overrides=margins)
            searched += 1
            for platform in tuple(pending):
                decision = decisions[platform]
                if decision["model"] != baseline[platform]["model"]:
                    found[platform] = Counterfactual(
                        changes=tuple(
                            Change(c.field, getattr(profile, c.field), None if c.value is ABSENT else c.value) for c in combo
                        ),
                        model=decision["model"],
                        confidence=decision["confidence"],
                        basis=decision["basis"],
                        profile=changed.to_dict(),
                    )
                    pending.remove(platform)
    return {
        platform: WhyNot(
            platform=platform,
            model=baseline[platform]["model"],
            alternative=next(m for m in MODELS if m != baseline[platform]["model"]),
            counterfactual=found.get(platform),
            searched=searched,
            max_fields=max_fields,
        )
        for platform in profile.platforms
    }


# --------------------------------------------------------------------- dot


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(trace: Trace) -> str:
    """The trace's derivation as DOT; node ids come from fact ids and firing numbers, so output is deterministic."""
    lines = [
        "digraph sellerexpert {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    facts: dict[int, Mapping[str, Any]] = {f["id"]: f for f in trace.facts}
    for firing in trace.firings:
        for f in firing.asserted:
            facts[f["id"]] = f
    used: set[int] = set()
    for firing in trace.firings:
        used.update(f["id"] for f in firing.matched if not (f.get("kind") == "platform" and f.get("field") == "id"))
        used.update(f["id"] for f in firing.asserted)
    for fact_id in sorted(used):
        record = facts[fact_id]
        kind = record.get("kind")
        if kind in ("seller", "platform"):
            style = ', style="dashed"' if record.get("assumed") else ""
            lines.append(f"  f{fact_id} [shape=ellipse{style}, label={_quote(_fact_label(record, {}))}];")
        elif kind == "decision":
            label = f"{record.get('platform')}: {record.get('model')}\nconfidence {record.get('confidence')}"
            lines.append(f"  f{fact_id} [shape=doubleoctagon, style=bold, label={_quote(label)}];")
        else:
            if kind == "evidence":
                label = f"+{record.get('weight')} {record.get('model')}"
            elif kind == "exclusion":
                label = f"rules out {record.get('model')}"
            else:
                label = "caveat"
            text = f"{label} ({record.get('platform')})"
            lines.append(f"  f{fact_id} [shape=note, label={_quote(text)}];")
    for firing in trace.firings:
        node = f"r{firing.seq}"
        shape = "diamond" if firing.rule == "decide" else "box"
        where = f"\n@{firing.platform}" if firing.platform else ""
        lines.append(f"  {node} [shape={shape}, label={_quote(f'#{firing.seq} {firing.rule}{where}')}];")
        for record in firing.matched:
            if record.get("kind") == "platform" and record.get("field") == "id":
                continue
            lines.append(f"  f{record['id']} -> {node};")
        for name in firing.absent:
            unknown = f"u_{name}"
            lines.append(f"  {unknown} [shape=ellipse, style=dotted, label={_quote(name + ' unknown')}];")
            lines.append(f"  {unknown} -> {node};")
        for record in firing.asserted:
            lines.append(f"  {node} -> f{record['id']};")
    lines.append("}")
    # A field may be unknown to several rules: declare its node once.
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.startswith("  u_") and "[" in line:
            if line in seen:
                continue
            seen.add(line)
        out.append(line)
    return "\n".join(out) + "\n"
