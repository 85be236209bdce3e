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

Every word for people is in the language in force when :func:`explain` runs (the trace itself is
always English): rule texts come from today's rule book in that language whenever it still says
what the trace recorded, else the recorded English is shown. The DOT graph stays English: it is
input for Graphviz, whose default fonts have no Chinese glyphs, and its labels are ids and numbers.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._auditing import load_trace
from ._conditions import describe, evaluate
from ._economics import margin_facts
from ._errors import ProfileError
from ._evaluator import fact_values
from ._i18n import N_, _, current, day, model_words, percent, use
from ._profile import FIELDS, FIELDS_BY_NAME, LEVELS, MODELS, SERVICE_LEVELS, SellerProfile, shown
from ._rulebook import RuleBook
from ._space import ABSENT, ProfileSpace, ValueClass
from ._templates import render
from ._trace import Trace

if TYPE_CHECKING:
    from ._advisor import Advisor

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
        return _("{field} were {after} instead of {before}").format(
            field=self.field, after=_value(self.after), before=_value(self.before)
        )

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
        return functools.reduce(
            lambda first, second: _("{first} and {second}").format(first=first, second=second),
            (c.describe() for c in self.changes),
        )

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
    :ivar lang: the language of :attr:`statement` (``None``: the language in force when it is read).
    """

    platform: str
    model: str
    alternative: str
    counterfactual: Counterfactual | None
    searched: int
    max_fields: int
    lang: str | None = None

    @property
    def statement(self) -> str:
        """The answer in one sentence."""
        with use(self.lang):
            return self._statement()

    def _statement(self) -> str:
        alternative = model_words(self.alternative)
        if self.counterfactual is None:
            if self.max_fields == 1:
                return _("No change of one field of your profile would make {model} the recommendation here.").format(
                    model=alternative
                )
            return _("No change of one or {count} fields of your profile would make {model} the recommendation here.").format(
                count=_number(self.max_fields), model=alternative
            )
        cf = self.counterfactual
        return _(
            "{model} would be recommended if {changes} "
            "(confidence {confidence}; checked by consulting the engine on the changed profile)."
        ).format(model=alternative.capitalize(), changes=cf.describe(), confidence=f"{cf.confidence:.2f}")

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
    :ivar lang: the language its words are in (``None``: the language in force when it is rendered).
    """

    profile: Mapping[str, Any]
    platforms: tuple[PlatformExplanation, ...]
    notes: tuple[str, ...]
    trace: Trace = field(repr=False)
    lang: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data: ``profile``, ``platforms``, ``notes``."""
        return {"profile": dict(self.profile), "platforms": [p.to_dict() for p in self.platforms], "notes": list(self.notes)}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        """A text tree per platform, then its caveats and the why-not answer."""
        with use(self.lang):
            return self._text()

    def _text(self) -> str:
        blocks = []
        for p in self.platforms:
            lines = [_("How:"), *("  " + line for line in p.how.lines())]
            if p.caveats:
                lines.append(_("Also note:"))
                lines.extend(f"  - {c}" for c in p.caveats)
            if p.why_not is not None:
                lines.append(_("Why not {model}?").format(model=model_words(p.why_not.alternative)))
                lines.append(f"  {p.why_not.statement}")
            blocks.append("\n".join(lines))
        text = "\n\n".join(blocks)
        if self.notes:
            text += "\n\n" + "\n".join(_("Note: {note}").format(note=n) for n in self.notes)
        return text

    def to_markdown(self) -> str:
        """A section per platform: the derivation as nested bullets, caveats, and why not the other model."""
        with use(self.lang):
            return self._markdown()

    def _markdown(self) -> str:
        out: list[str] = []
        for p in self.platforms:
            out.append("## " + _headline(p.platform_name, p.model, p.confidence))
            out.append("")
            out.extend(_bullets(p.how.children, 0))
            if p.caveats:
                out.append("")
                out.append("**" + _("Also note") + "**")
                out.append("")
                out.extend(f"- {c}" for c in p.caveats)
            if p.why_not is not None:
                out.append("")
                why_not = _("Why not {model}?").format(model=model_words(p.why_not.alternative))
                out.append(f"**{why_not}** {p.why_not.statement}")
            out.append("")
        for note in self.notes:
            out.append("> " + _("Note: {note}").format(note=note))
        return "\n".join(out).rstrip() + "\n"

    def to_dot(self) -> str:
        """The derivation as a Graphviz DOT digraph: facts, rules, conclusions, decisions and recommendations."""
        with use("en"):  # see the module's docstring: Graphviz input stays English
            return _dot(self.trace)


def _bullets(nodes: Sequence[HowNode], depth: int) -> list[str]:
    out = []
    for node in nodes:
        out.append(f"{'  ' * depth}- {node.label}")
        out.extend(_bullets(node.children, depth + 1))
    return out


_NUMBER_WORDS = {2: N_("two"), 3: N_("three")}
_BASIS_WORDS = {
    "scores": N_("scores"),
    "exclusion": N_("exclusion"),
    "tie": N_("tie"),
    "both-excluded": N_("both-excluded"),
}


def _number(n: int) -> str:
    word = _NUMBER_WORDS.get(n)
    return _(word) if word is not None else str(n)


def _headline(platform_name: str, model: str, confidence: float) -> str:
    """``Temu: fully-managed (confidence 0.78)``: a recommendation in one line."""
    return _("{platform}: {model} (confidence {confidence})").format(
        platform=platform_name, model=model_words(model), confidence=f"{confidence:.2f}"
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _value(value: Any) -> str:
    if value is None or value is ABSENT:
        return _("unknown")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    return shown(value)


# --------------------------------------------------------------------- how


def explain(
    trace: Trace | Mapping[str, Any] | str | Path,
    advisor: Advisor | None = None,
    *,
    why_not: bool = True,
    max_fields: int = 2,
    lang: str | None = None,
) -> Explanation:
    """Explain a consultation from its trace.

    :param trace: a trace file, a parsed trace document or a :class:`Trace`.
    :param advisor: today's rule book, used for the why-not search (the shipped one when ``None``).
    :param why_not: search for counterfactuals (consults the engine many times).
    :param max_fields: the most fields a counterfactual may change.
    :param lang: the language of the explanation's words (``None``: the language in force).
    :raises TraceError: when ``trace`` is not a trace.
    :raises LanguageError: for a language the advisor does not speak.
    """
    with use(lang):
        return _explain(trace, advisor, why_not=why_not, max_fields=max_fields, lang=current())


def _explain(
    trace: Trace | Mapping[str, Any] | str | Path, advisor: Advisor | None, *, why_not: bool, max_fields: int, lang: str
) -> Explanation:
    loaded = load_trace(trace)
    if advisor is None:
        from ._advisor import Advisor

        advisor = Advisor()
    notes: list[str] = []
    same_rules = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    answers: dict[str, WhyNot] = {}
    if why_not:
        profile = SellerProfile.from_dict(loaded.profile)
        answers = {p: replace(w, lang=lang) for p, w in counterfactuals(advisor, profile, max_fields=max_fields).items()}
        if not same_rules:
            notes.append(_("the rule book changed since this trace was made: the why-not answers use today's rules"))
        baseline = {r.platform: r.model for r in advisor.consult(profile, engine="compiled").recommendations}
        for rec in loaded.result.get("recommendations", []):
            if baseline.get(rec["platform"]) != rec["model"]:
                notes.append(
                    _(
                        "today's rules recommend {now} on {platform}, not {then}: run `sellerexpert audit` on this trace"
                    ).format(now=baseline.get(rec["platform"]), platform=rec["platform"], then=rec["model"])
                )
    conditions = {r.id: r for r in advisor.rules.rules} if same_rules else {}
    texts = _RuleTexts(loaded, advisor.rules, lang)
    platforms = tuple(
        _platform_explanation(loaded, rec, answers.get(rec["platform"]), conditions, texts)
        for rec in loaded.result.get("recommendations", [])
    )
    return Explanation(profile=loaded.profile, platforms=platforms, notes=tuple(notes), trace=loaded, lang=lang)


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class _RuleTexts:
    """Rule texts in the language in force, for a trace recorded in English.

    A text is re-rendered from today's rule book in the language only when the rule book's English,
    rendered with the trace's facts, is exactly what the trace recorded: then the translation says
    the same thing. Otherwise (a rule changed or gone) the recorded English stands.
    """

    def __init__(self, trace: Trace, rulebook: RuleBook, lang: str) -> None:
        self._rules = {r.id: r for r in rulebook.rules}
        self._platforms = rulebook.platforms
        self._lang = lang
        # JSON gives lists where the rule book holds tuples: compared and quoted as tuples.
        seller = {f["field"]: _tupled(f["value"]) for f in trace.facts if f.get("kind") == "seller"}
        platform: dict[str, dict[str, Any]] = {}
        for record in trace.facts:
            if record.get("kind") == "platform":
                platform.setdefault(record["platform"], {})[f"platform.{record['field']}"] = _tupled(record.get("value"))
        for firing in trace.firings:
            for record in firing.asserted:
                if record.get("kind") == "seller" and record.get("assumed"):
                    seller[record["field"]] = _tupled(record.get("value"))
        self._seller = seller
        self._platform_facts = platform
        # The facts a consultation computes from the seller's own numbers (the margin summary a margin
        # rule quotes) are recorded in English; worked out again here for the language's wording.
        self._computed: dict[str, dict[str, Any]] = {}
        if lang != "en" and trace.profile.get("economics") is not None:
            try:
                self._computed = margin_facts(SellerProfile.from_dict(trace.profile), lang=lang)
            except ProfileError:
                self._computed = {}

    def _contexts(self, platform: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The facts a text was rendered with (English) and the same facts as the language quotes them."""
        if platform is None or platform not in self._platforms:
            return dict(self._seller), dict(self._seller)
        spec = self._platforms[platform]
        book = {name: _tupled(value) for name, value in spec.fact_values("en").items()}
        english = {**self._seller, **book, **self._platform_facts.get(platform, {})}
        local = dict(english)
        # A text fact is quoted in the language only where the trace holds the rule book's own English value.
        for name, value in spec.fact_values(self._lang).items():
            if english.get(name) == book.get(name):
                local[name] = value
        local.update((f"platform.{name}", value) for name, value in self._computed.get(platform, {}).items())
        return english, local

    def text(self, rule_id: str, key: Literal["statement", "caveat"], platform: str | None, recorded: str) -> str:
        """The rule's ``key`` text in the language, or ``recorded`` when the rule book no longer says it."""
        rule = self._rules.get(rule_id)
        if self._lang == "en" or rule is None:
            return recorded
        english, local = self._contexts(platform)
        if render(rule.text(key), english) != recorded:
            return recorded
        return render(rule.text(key, self._lang), local, lang=self._lang)

    def assumption(self, rule_id: str, recorded: str) -> str:
        """An assumption's text (the rule's statement as written) in the language."""
        rule = self._rules.get(rule_id)
        if self._lang == "en" or rule is None or rule.statement != recorded:
            return recorded
        return rule.text("statement", self._lang)

    def fact_value(self, platform: str, name: str, recorded: Any) -> Any:
        """A platform fact's text value in the language, when the trace holds the rule book's English value."""
        spec = self._platforms.get(platform)
        fact = spec.facts.get(name) if spec is not None else None
        if self._lang == "en" or fact is None or _tupled(recorded) != fact.value:
            return recorded
        if isinstance(fact.value, str):
            return fact.text("value", self._lang)
        translated = spec.fact_values(self._lang).get(f"platform.{name}") if spec is not None else None
        return list(translated) if isinstance(translated, tuple) else recorded

    def platform_name(self, platform: str, recorded: str) -> str:
        """The platform's name as sellers write it in the language (速卖通)."""
        spec = self._platforms.get(platform)
        return spec.name_in(self._lang) if spec is not None and spec.name == recorded else recorded


def _fact_label(record: Mapping[str, Any], rests_on: Mapping[str, Mapping[str, Any]], texts: _RuleTexts | None = None) -> str:
    kind = record.get("kind")
    if kind == "seller":
        how = _("assumed") if record.get("assumed") else _("you said")
        return _("{field} = {value} ({how})").format(field=record["field"], value=_value(record.get("value")), how=how)
    if kind == "platform":
        name = f"platform.{record['field']}"
        value = record.get("value")
        if texts is not None:
            value = texts.fact_value(record["platform"], record["field"], value)
        label = _("{platform}: {field} = {value}").format(platform=record["platform"], field=record["field"], value=_value(value))
        dated = rests_on.get(name)
        if dated is not None:
            label += _(" (as of {date}, sources: {sources})").format(
                date=day(str(dated.get("as_of"))), sources=", ".join(dated.get("sources", []))
            )
        return label
    return _("{kind} from {rule}").format(kind=kind, rule=record.get("rule"))


def _platform_explanation(
    trace: Trace, rec: Mapping[str, Any], why_not: WhyNot | None, rules: Mapping[str, Any], texts: _RuleTexts
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
                text = texts.assumption(source.rule, assumptions.get(record["field"], {}).get("text", ""))
                if text.rstrip(": "):
                    label = _("assumed by {rule}: {text} (because {field} was unknown)").format(
                        rule=source.rule, text=text.rstrip(": "), field=record["field"]
                    )
                else:
                    label = _("assumed by {rule} (because {field} was unknown)").format(rule=source.rule, field=record["field"])
                children = (HowNode("rule", label, rule=source.rule),)
        label = _fact_label(record, rests_on, texts)
        return HowNode("fact", label, children, fact=record["id"], assumed=bool(record.get("assumed")))

    def rule_node(firing: Any, conclusion: Mapping[str, Any]) -> HowNode:
        reason = reasons.get(firing.rule, {})
        if conclusion.get("kind") == "evidence":
            head = f"+{conclusion['weight']} {model_words(conclusion['model'])}"
        else:
            head = _("rules out {model}").format(model=model_words(conclusion["model"]))
        text = texts.text(firing.rule, "statement", platform, reason.get("text", ""))
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
            if record.get("kind") == "platform" and record.get("field") == "id":
                continue  # the platform the rule was matched for, not a premise
            children.append(fact_node(record, rests_on))
        children.extend(HowNode("unknown", _("{field} is unknown").format(field=name)) for name in firing.absent)
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
    full, semi = MODELS
    head = _("decide: {full} {full_score} vs {semi} {semi_score}").format(
        full=model_words(full), full_score=scores.get(full, 0), semi=model_words(semi), semi_score=scores.get(semi, 0)
    )
    if excluded:
        head += _("; ruled out: {models}").format(models=", ".join(model_words(m) for m in excluded))
    chosen = model_words(decision.get("model", rec["model"]))
    basis = decision.get("basis", rec["basis"])
    basis = _(_BASIS_WORDS[basis]) if basis in _BASIS_WORDS else basis
    if "completeness" in decision:
        decision_label = _("{decision} -> {model} (by {basis}, {known} of the core profile known)").format(
            decision=head, model=chosen, basis=basis, known=percent(decision["completeness"])
        )
    else:
        decision_label = _("{decision} -> {model} (by {basis})").format(decision=head, model=chosen, basis=basis)
    decision_node = HowNode("decision", decision_label, tuple(node for _s, _q, node in weighed), rule="decide")
    platform_name = texts.platform_name(platform, rec.get("platform_name", platform))
    root = HowNode("recommendation", _headline(platform_name, rec["model"], rec["confidence"]), (decision_node,))
    caveats = tuple(texts.text(c["rule"], "caveat", platform, c["text"]) for c in rec.get("caveats", []))
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
