"""Rule-base lint: the rule pack checks itself, in the spirit of the Drools Verifier.

Checks, each finding naming its file and rule:

* ``schema``: a file that does not parse or does not match ``rulefile-1.json``
  (every error, not only the first), or anything else the loader refuses;
* ``duplicate-id``: every repeated rule id (the loader stops at the first);
* ``never-fires``: a rule no profile can make fire, over the fields' domains
  and with the assumption rules applied first (so ``absent`` on a field an
  assumption always fills is dead); a rule that only the platform data keeps
  silent (e.g. "platform does not offer fully-managed") is reported as
  ``platform-data`` at ``info`` level, because editing the data brings it to
  life; a branch of an ``any`` that can never hold is a ``dead-branch``;
* ``conflict``: two assumptions whose conditions overlap and that fill one
  field with different values at the same salience, with an example profile;
  possible only with other platform data: ``info``;
* ``neither-fits`` (``info``): two constraints that together rule out both
  models for some profile, with an example: a defined outcome (the advice says
  neither model fits and what would open each), listed so an editor sees it;
* ``stale-fact`` (``warning``): a platform fact past its ``review_by`` date, or
  without one (see :func:`due_facts`);
* ``assumption-order``: a platform rule that could be matched before an
  assumption it reads has been made (salience not below the assumption's);
* ``uncited-paragraph`` / ``missing-paragraph``: a paragraph of the source
  document that no rule cites, or a gap in the paragraph numbers;
* ``translation``: a text without its Chinese next to it (a rule's statement,
  rationale, caveat or salience reason; a fact's note or prose value; a
  source's title or summary; a platform's name; a file's ``covers``; the
  policy's tie reason), a translation whose ``{placeholders}`` differ from the
  English (as a multiset), a list translated into a different number of items,
  or a translation of a text that is not there. A pack without translations
  still loads and advises (in English); only lint fails it.

``error`` and ``warning`` findings fail the lint; ``info`` findings do not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from .._engine.space import ProfileSpace
from .._errors import RuleBookError, shown
from .._files import documents
from .._i18n import LANGS, N_, _, current
from .._profile.conditions import PLATFORM_PREFIX, AllOf, Condition, Leaf, NotOf, dnf, facts_used
from .._profile.economics import DERIVED_PLATFORM_FACTS
from .._profile.profile import MODELS, PLATFORMS
from .._records import Key, Record
from .._rulebook.loader import load_rulebook, rule_files, rulefile_validator, schema_message
from .._rulebook.routes import ROUTE_FACT_TYPES
from .._rulebook.rulebook import Rule, RuleBook, Translations
from .._rulebook.templates import placeholders
from .coverage import Simulator, assumptions_for, closure, count_firings

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# A finding's severity as the reader's language says it (the JSON keeps the English key).
_SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


@dataclass(frozen=True)
class LintFinding(Record, keys=("severity", "check", "file", "rule", "line", "message")):
    """One problem found in a rule pack.

    :ivar severity: ``error`` or ``warning`` (fail the lint) or ``info`` (reported only).
    :ivar check: which check found it (``schema``, ``duplicate-id``, ``never-fires``, ...).
    :ivar file: the rule file, relative to the pack folder.
    :ivar rule: the rule id, when one rule is at fault.
    :ivar line: the line in the file, when known.
    """

    severity: Severity
    check: str
    message: str
    file: str | None = None
    rule: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
        if self.rule:
            where += (": " if where else "") + _("rule '{id}'").format(id=shown(self.rule))
        severity = _(_SEVERITY_WORDS[self.severity])
        return f"{where}: {severity} [{self.check}] {self.message}" if where else f"{severity} [{self.check}] {self.message}"


@dataclass(frozen=True)
class LintReport(Record, keys=("directory", "ok", "counts", "findings")):
    """Every finding for one rule pack, most severe first."""

    directory: str
    findings: tuple[LintFinding, ...]

    @property
    def ok(self) -> bool:
        """Whether the pack is clean: no ``error`` or ``warning`` findings (``info`` is allowed)."""
        return not any(f.severity != "info" for f in self.findings)

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in ("error", "warning", "info")}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        """One line per finding, then a summary line."""
        lines = [str(f) for f in self.findings]
        c = self.counts()
        verdict = _("clean") if self.ok else _("FAILED")
        lines.append(
            _("{directory}: {verdict} ({errors} errors, {warnings} warnings, {notes} notes)").format(
                directory=self.directory, verdict=verdict, errors=c["error"], warnings=c["warning"], notes=c["info"]
            )
        )
        return "\n".join(lines)


def _line_of(text: str, rule_id: str, occurrence: int = 0) -> int | None:
    pattern = re.compile(r"""^\s*-?\s*id\s*[=:]\s*["']?""" + re.escape(rule_id) + r"""["']?\s*(#.*)?$""", re.MULTILINE)
    matches = list(pattern.finditer(text))
    if len(matches) <= occurrence:
        return None
    return text.count("\n", 0, matches[occurrence].start()) + 1


def _listed(value: Any) -> Any:
    """A fact's value as JSON holds it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class DueFact(
    Record,
    keys=(
        "platform", "fact", Key("value", via=_listed), "as_of", "review_by", "overdue", "confidence", "sources", "file", "line",
    ),
):
    """A platform fact whose review date has passed (or falls within the window asked for).

    :ivar review_by: the date to re-check it by; ``None`` when the fact has none (always due).
    :ivar overdue: whether ``review_by`` is already past (not merely within the window).
    """

    platform: str
    fact: str
    value: Any
    as_of: str
    review_by: str | None
    confidence: str | None
    sources: tuple[str, ...]
    overdue: bool
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        when = _("review by {date}").format(date=self.review_by) if self.review_by else _("no review date")
        state = _("overdue") if self.overdue else _("due soon")
        return _("{fact}: as of {as_of}, {when} ({state}; confidence {confidence}; sources: {sources})").format(
            fact=f"{self.platform}.{self.fact}",
            as_of=self.as_of,
            when=when,
            state=state,
            confidence=self.confidence or _("not rated"),
            sources=", ".join(self.sources),
        )


def _fact_lines(directory: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """Where each platform fact is written: (platform, fact) -> (file name, line of its table header)."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    header = re.compile(r"^[ \t]*\[platform\.([a-z0-9_]+)\.facts\.([a-z0-9_]+)\]", re.MULTILINE)
    for path in sorted(p for p in directory.iterdir() if p.suffix.lower() == ".toml" and p.is_file()):
        text = documents.read_text(path)
        for match in header.finditer(text):
            found.setdefault((match.group(1), match.group(2)), (path.name, text.count("\n", 0, match.start()) + 1))
    return found


MAX_WITHIN_DAYS = 36_500
"""The furthest ahead :func:`due_facts` looks: a hundred years (a date past 9999 cannot be written)."""


def due_facts(rulebook: RuleBook, *, today: date | None = None, within_days: int = 0) -> tuple[DueFact, ...]:
    """The platform facts to re-check: past their ``review_by`` date on ``today``, or due within ``within_days``.

    A fact without a ``review_by`` date is always due. Sorted by review date (undated first), then platform and fact.

    :param today: the day to judge by (default: the system date).
    :param within_days: also list facts that fall due within this many days (0 to :data:`MAX_WITHIN_DAYS`).
    :raises ValueError: for ``within_days`` outside that range.
    """
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise ValueError(f"within_days: {within_days} is not in 0..{MAX_WITHIN_DAYS}")
    today = today or date.today()
    horizon = today + timedelta(days=within_days)
    where = _fact_lines(rulebook.directory) if rulebook.directory.is_dir() else {}
    out = []
    for platform in rulebook.platforms.values():
        for fact in platform.facts.values():
            if not fact.due(horizon + timedelta(days=1)):
                continue
            file, line = where.get((platform.id, fact.name), (None, None))
            out.append(
                DueFact(
                    platform=platform.id,
                    fact=fact.name,
                    value=fact.value,
                    as_of=fact.as_of,
                    review_by=fact.review_by,
                    confidence=fact.confidence,
                    sources=fact.sources,
                    overdue=fact.due(today),
                    file=file,
                    line=line,
                )
            )
    # Routes and where each platform sells are dated facts too (rules/routes.toml): "route.<id>", "presence.<market>".
    dated: list[tuple[str, str, Any, Any]] = [
        (route.platform, f"route.{route.id}", list(route.markets), route) for route in rulebook.routes
    ]
    dated += [(p.platform, f"presence.{p.market}", p.status, p) for p in rulebook.presence.values()]
    for platform_id, name, value, item in dated:
        _due(out, rulebook, platform_id, name, value, item, "routes.toml", today, horizon)
    # The landed-cost tables are dated facts too (rules/landed.toml): "customs.<id>", "terms.<route>", "fee.<id>".
    costs = rulebook.costs
    tables: list[tuple[str, str, Any, Any]] = [("customs", c.id, list(c.markets), c) for c in costs.customs]
    tables += [("terms", t.route, t.price_by, t) for t in costs.terms.values()]
    tables += [("fee", f.id, list(f.routes), f) for f in costs.fees]
    for kind, name, value, item in tables:
        _due(out, rulebook, kind, name, value, item, "landed.toml", today, horizon, confidence=item.reliability)
    out.sort(key=lambda d: (d.review_by or "", d.platform, d.fact))
    return tuple(out)


def _due(
    out: list[DueFact],
    rulebook: RuleBook,
    platform_id: str,
    name: str,
    value: Any,
    item: Any,
    file: str,
    today: date,
    horizon: date,
    *,
    confidence: str | None = None,
) -> None:
    """Add one dated route, presence or table entry to ``out`` when its review falls due by ``horizon``."""
    review_by = item.review_by
    if review_by is not None and date.fromisoformat(review_by) > horizon:
        return
    out.append(
        DueFact(
            platform=platform_id,
            fact=name,
            value=value,
            as_of=item.as_of,
            review_by=review_by,
            confidence=confidence or getattr(item, "confidence", None),
            sources=item.sources,
            overdue=review_by is None or date.fromisoformat(review_by) < today,
            file=file if (rulebook.directory / file).is_file() else None,
        )
    )


def _freshness(rulebook: RuleBook, today: date) -> list[LintFinding]:
    return [
        LintFinding(
            "warning",
            "stale-fact",
            (
                _(
                    "platform fact {fact} (as of {as_of}) was due for review on {date}: "
                    "re-check it against its sources, then update the value, as_of and review_by"
                ).format(fact=f"{due.platform}.{due.fact}", as_of=due.as_of, date=due.review_by)
                if due.review_by
                else _("platform fact {fact} (as of {as_of}) has no review_by date: add one").format(
                    fact=f"{due.platform}.{due.fact}", as_of=due.as_of
                )
            ),
            file=due.file,
            line=due.line,
        )
        for due in due_facts(rulebook, today=today)
    ]


def lint(directory: str | Path | None = None, *, today: date | None = None) -> LintReport:
    """Check a rule pack and return every finding.

    :param directory: a rule pack folder; ``None`` for the shipped rules.
    :param today: the day freshness is judged by (default: the system date): a platform fact past its
        ``review_by`` date is a ``stale-fact`` warning.
    :raises RuleBookError: only when ``directory`` is not a folder of rule files at all.
    """
    folder, paths = rule_files(directory)
    findings: list[LintFinding] = []
    schema_ok = _check_files(paths, findings)
    rulebook: RuleBook | None = None
    if schema_ok:
        try:
            rulebook = load_rulebook(folder, duplicates="skip")
        except RuleBookError as exc:
            name = Path(str(exc.path)).name if exc.path is not None else None
            problem = f"{exc.field}: {exc.problem}" if exc.field else exc.problem
            line = None
            if exc.rule_id and exc.path is not None and Path(str(exc.path)).is_file():
                line = _line_of(documents.read_text(Path(str(exc.path)), "rule file"), exc.rule_id)
            findings.append(LintFinding("error", "schema", problem, file=name, rule=exc.rule_id, line=line))
    if rulebook is not None:
        findings.extend(_semantic_findings(rulebook, {p.name: p for p in paths}))
        findings.extend(_freshness(rulebook, today or date.today()))
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.file or "", f.line or 0, f.rule or "", f.check))
    return LintReport(directory=str(folder), findings=tuple(findings))


def _check_files(paths: list[Path], findings: list[LintFinding]) -> bool:
    """Parse and schema-check every file, and find every duplicate id; whether all files are valid."""
    validator = rulefile_validator()
    valid = True
    first_seen: dict[str, tuple[str, int | None]] = {}
    occurrences: dict[tuple[str, str], int] = {}
    for path in paths:
        try:
            text = documents.read_text(path, "rule file")
            data = documents.parse(text, documents.format_for(path))
        except documents.DocumentProblem as exc:
            findings.append(LintFinding("error", "schema", exc.problem, file=path.name, line=exc.line))
            valid = False
            continue
        if not isinstance(data, dict):
            findings.append(
                LintFinding("error", "schema", _("a rule file must be a mapping with a 'meta' header"), file=path.name)
            )
            valid = False
            continue
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            where = list(error.absolute_path)
            rule_id = None
            if len(where) >= 2 and where[0] == "rule" and isinstance(where[1], int):
                raw = data["rule"][where[1]]
                rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{where[1] + 1}"
                where = where[2:]
            key = ".".join(str(part) for part in where)
            message = f"{key}: {schema_message(error)}" if key else schema_message(error)
            line = _line_of(text, rule_id) if rule_id and not rule_id.startswith("#") else None
            findings.append(LintFinding("error", "schema", message, file=path.name, rule=rule_id, line=line))
            valid = False
        for raw in data.get("rule", []) if isinstance(data.get("rule"), list) else []:
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(rule_id, str):
                continue
            nth = occurrences.get((path.name, rule_id), 0)
            occurrences[(path.name, rule_id)] = nth + 1
            line = _line_of(text, rule_id, nth)
            if rule_id in first_seen:
                first_file, first_line = first_seen[rule_id]
                at = f"{first_file}:{first_line}" if first_line else first_file
                findings.append(
                    LintFinding(
                        "error",
                        "duplicate-id",
                        _("duplicate rule id (first defined at {at})").format(at=at),
                        file=path.name,
                        rule=rule_id,
                        line=line,
                    )
                )
            else:
                first_seen[rule_id] = (path.name, line)
    return valid


def _semantic_findings(rulebook: RuleBook, paths: Mapping[str, Path]) -> list[LintFinding]:
    texts = {name: documents.read_text(path, "rule file") for name, path in paths.items()}
    simulator = Simulator(rulebook)
    space = ProfileSpace(rulebook)
    findings: list[LintFinding] = []

    def line(rule: Rule) -> int | None:
        return _line_of(texts.get(rule.path, ""), rule.id)

    for rule in rulebook.rules:
        counts = count_firings(simulator, space, rule)
        if sum(counts.values()) == 0:
            if rule.scope == "platform" and count_firings(simulator, space, rule, platform_types=True)["*"] > 0:
                facts = [f for f in facts_used(rule.when) if f.startswith(PLATFORM_PREFIX)]
                computed = [f for f in facts if f.removeprefix(PLATFORM_PREFIX) in DERIVED_PLATFORM_FACTS]
                routed = [f for f in facts if f.removeprefix(PLATFORM_PREFIX) in ROUTE_FACT_TYPES]
                message = (
                    _("fires per target market, on the routes' facts computed for it ({facts})").format(
                        facts=", ".join(routed)
                    )
                    if routed
                    else _("fires only when the seller gives economics (computed from them: {facts})").format(
                        facts=", ".join(computed)
                    )
                    if computed
                    else _(
                        "cannot fire with the current platform data (no platform has the value it needs for "
                        "{facts}); it takes effect when that data changes"
                    ).format(facts=", ".join(facts))
                )
                findings.append(
                    LintFinding(
                        "info",
                        "platform-data",
                        message,
                        file=rule.path,
                        rule=rule.id,
                        line=line(rule),
                    )
                )
            else:
                findings.append(
                    LintFinding(
                        "error", "never-fires", _dead_reason(rulebook, rule), file=rule.path, rule=rule.id, line=line(rule)
                    )
                )
            continue
        findings.extend(_dead_branches(simulator, space, rule, line(rule)))
    findings.extend(_conflicts(simulator, space, line))
    findings.extend(_assumption_order(rulebook, line))
    findings.extend(_paragraphs(rulebook))
    findings.extend(translation_findings(rulebook, texts))
    # A rule a later change retired is history: the earlier changes that name it stay true.
    ids = {rule.id for rule in rulebook.rules} | {rule_id for change in rulebook.changes for rule_id in change.retired}
    known_facts = {f"{p.id}.{name}" for p in rulebook.platforms.values() for name in p.facts}
    for number, change in enumerate(rulebook.changes, start=1):
        findings.extend(
            LintFinding(
                "warning",
                "change-log",
                _("change[{number}] ({date}) names unknown rule '{id}'").format(number=number, date=change.date, id=rule_id),
                file="sources.toml",
            )
            for rule_id in change.rules
            if rule_id not in ids
        )
        findings.extend(
            LintFinding(
                "warning",
                "change-log",
                _("change[{number}] ({date}) names unknown platform fact '{fact}'").format(
                    number=number, date=change.date, fact=fact
                ),
                file="sources.toml",
            )
            for fact in change.facts
            if fact not in known_facts
        )
    # A trimmed pack may drop a rule the policy names (the policy then simply never applies it); say so.
    findings.extend(
        LintFinding(
            "warning",
            "policy-reference",
            _("policy.best.decisive_caveats names '{id}', which no rule file defines").format(id=rule_id),
        )
        for rule_id in rulebook.policy.best.decisive_caveats
        if rule_id not in ids
    )
    return findings


def _literal(leaf: Leaf, holds: bool) -> Condition:
    return leaf if holds else NotOf(leaf)


def _always_assumed(rulebook: RuleBook) -> dict[str, str]:
    """Fields an assumption fills whenever they are unknown, whatever else is known: field -> assumption rule."""
    out: dict[str, str] = {}
    for rule in rulebook.rules:
        if rule.scope != "seller" or not rule.then.fact:
            continue
        for conjunction in dnf(rule.when):
            if all(leaf.fact == rule.then.fact and leaf.op == "absent" and holds for leaf, holds in conjunction):
                out.setdefault(rule.then.fact, rule.id)
    return out


def _dead_reason(rulebook: RuleBook, rule: Rule) -> str:
    always = _always_assumed(rulebook)
    if rule.scope == "seller" and rule.then.fact in always and always[rule.then.fact] != rule.id:
        return _("can never fire: assumption '{assumption}' fills {fact} first whenever it is unknown").format(
            assumption=always[rule.then.fact], fact=rule.then.fact
        )
    for conjunction in dnf(rule.when):
        for leaf, holds in conjunction:
            unknown_needed = (leaf.op == "absent") == holds and leaf.op in ("absent", "present")
            if unknown_needed and leaf.fact in always and rule.scope == "platform":
                return _(
                    "can never fire: it needs {fact} to be unknown, but assumption '{assumption}' always fills it first"
                ).format(fact=leaf.fact, assumption=always[leaf.fact])
    return _("can never fire: no profile satisfies its condition over the fields' domains (assumptions applied first)")


def _dead_branches(simulator: Simulator, space: ProfileSpace, rule: Rule, line: int | None) -> list[LintFinding]:
    branches = dnf(rule.when)
    if len(branches) < 2:
        return []
    out = []
    for number, conjunction in enumerate(branches, start=1):
        branch_rule = replace(rule, when=AllOf(tuple(_literal(leaf, holds) for leaf, holds in conjunction)))
        if count_firings(simulator, space, branch_rule, platform_types=True)["*"] == 0:
            words = " and ".join(
                f"{leaf.fact} {leaf.op} {json.dumps(list(leaf.value) if isinstance(leaf.value, tuple) else leaf.value)}"
                if holds
                else f"not {leaf.fact} {leaf.op}"
                for leaf, holds in conjunction
            )
            out.append(
                LintFinding(
                    "warning",
                    "dead-branch",
                    _("branch {number} of its condition ({words}) can never hold").format(number=number, words=words),
                    file=rule.path,
                    rule=rule.id,
                    line=line,
                )
            )
    return out


def _witness(
    simulator: Simulator, space: ProfileSpace, rules: tuple[Rule, Rule], platform: str | None
) -> dict[str, Any] | None:
    """The first profile (with platform facts, when ``platform`` is None) on which both rules fire."""
    rulebook = simulator.rulebook
    fields = list(dict.fromkeys([*closure(rulebook, rules[0]), *closure(rulebook, rules[1])]))
    assumers = assumptions_for(rulebook, fields)
    platform_facts: list[str] = []
    if platform is None:
        platform_facts = list(dict.fromkeys(f for r in rules for f in facts_used(r.when) if f.startswith(PLATFORM_PREFIX)))
    fixed = simulator.platform_values(platform) if platform is not None else {}
    # Two assumptions on one field never both fire (the first fills it): they overlap when both conditions hold
    # once every other assumption has been made.
    targets = {r.then.fact for r in rules if r.scope == "seller"}
    assumers = tuple(a for a in assumers if a.then.fact not in targets)
    for facts, _unused in space.assignments([*fields, *platform_facts]):
        profile_part = {k: v for k, v in facts.items() if not k.startswith(PLATFORM_PREFIX)}
        known, _unused_why = simulator.assume(profile_part, assumers)
        extra = {**fixed, **{k: v for k, v in facts.items() if k.startswith(PLATFORM_PREFIX)}}
        if all(simulator.concludes(r, profile_part, known, extra) for r in rules):
            return facts
    return None


def _show(facts: Mapping[str, Any]) -> str:
    if not facts:
        return "{} " + _("(an empty profile)")
    shown = {k: list(v) if isinstance(v, tuple) else v for k, v in facts.items()}
    return json.dumps(shown, ensure_ascii=False)


def _conflicts(simulator: Simulator, space: ProfileSpace, line: Any) -> list[LintFinding]:
    rulebook = simulator.rulebook
    out: list[LintFinding] = []
    rules = rulebook.rules
    for i, first in enumerate(rules):
        for second in rules[i + 1 :]:
            kind = _opposed(first, second)
            if kind is None:
                continue
            pair = (first, second)
            platforms = PLATFORMS if first.scope == "platform" else ("temu",)
            hit = next(((p, w) for p in platforms if (w := _witness(simulator, space, pair, p)) is not None), None)
            both_out = first.then.kind == "exclude"
            if hit is not None and both_out:
                # Two gates that close both models are a defined outcome ("neither-fits": the advice names the
                # route left and what would open each model), not a contradiction: report it, do not fail.
                out.append(
                    LintFinding(
                        "info",
                        "neither-fits",
                        _(
                            "with '{other}' ({file}) rules out both models on {platform} for {profile}: "
                            "the advice for such a seller is that neither model fits"
                        ).format(other=second.id, file=second.path, platform=hit[0], profile=_show(hit[1])),
                        file=first.path,
                        rule=first.id,
                        line=line(first),
                    )
                )
            elif both_out:
                continue
            elif hit is not None:
                message = (
                    _(
                        "conflicts with '{other}' ({file}): both fire on {platform} "
                        "for {profile} and {kind}; nothing settles which wins"
                    )
                    if first.scope == "platform"
                    else _("conflicts with '{other}' ({file}): both fire for {profile} and {kind}; nothing settles which wins")
                )
                out.append(
                    LintFinding(
                        "error",
                        "conflict",
                        message.format(other=second.id, file=second.path, platform=hit[0], profile=_show(hit[1]), kind=kind),
                        file=first.path,
                        rule=first.id,
                        line=line(first),
                    )
                )
            elif first.scope == "platform" and (witness := _witness(simulator, space, pair, None)) is not None:
                out.append(
                    LintFinding(
                        "info",
                        "conflict",
                        _(
                            "would conflict with '{other}' ({file}) if the platform "
                            "data changed: both fire for {profile} and {kind}"
                        ).format(other=second.id, file=second.path, profile=_show(witness), kind=kind),
                        file=first.path,
                        rule=first.id,
                        line=line(first),
                    )
                )
    return out


def _opposed(first: Rule, second: Rule) -> str | None:
    """How two rules' hard conclusions contradict each other, if they do and nothing orders them."""
    a, b = first.then, second.then
    if a.kind == b.kind == "exclude" and a.model != b.model and first.scope == second.scope == "platform":
        return _("together they rule out both {first} and {second}").format(first=MODELS[0], second=MODELS[1])
    if a.kind == b.kind == "assume" and a.fact == b.fact and a.value != b.value and first.salience == second.salience:
        return _("they assume different values for {fact} ({first} vs {second}) at the same salience").format(
            fact=a.fact, first=json.dumps(a.value), second=json.dumps(b.value)
        )
    return None


def _assumption_order(rulebook: RuleBook, line: Any) -> list[LintFinding]:
    out = []
    assumers: dict[str, list[Rule]] = {}
    for rule in rulebook.rules:
        if rule.scope == "seller" and rule.then.fact:
            assumers.setdefault(rule.then.fact, []).append(rule)
    for rule in rulebook.rules:
        if rule.scope != "platform":
            continue
        for name in facts_used(rule.when):
            for assumer in assumers.get(name, []):
                if rule.salience >= assumer.salience:
                    out.append(
                        LintFinding(
                            "warning",
                            "assumption-order",
                            _(
                                "reads {fact}, which assumption '{assumption}' fills at salience {theirs}, but its own "
                                "salience {own} lets it be matched before the assumption is made"
                            ).format(fact=name, assumption=assumer.id, theirs=assumer.salience, own=rule.salience),
                            file=rule.path,
                            rule=rule.id,
                            line=line(rule),
                        )
                    )
    return out


def _paragraphs(rulebook: RuleBook) -> list[LintFinding]:
    cited = {source for rule in rulebook.rules for source in rule.sources}
    paragraphs = {s.paragraph: s for s in rulebook.sources.values() if s.paragraph is not None}
    out = []
    for number in sorted(paragraphs):
        source = paragraphs[number]
        if source.id not in cited:
            out.append(
                LintFinding(
                    "warning",
                    "uncited-paragraph",
                    _("¶{number} ({id}: {title}) is cited by no rule").format(
                        number=number, id=source.id, title=source.text("title", current())
                    ),
                    file=None,
                )
            )
    if paragraphs:
        for number in range(1, max(paragraphs) + 1):
            if number not in paragraphs:
                out.append(
                    LintFinding(
                        "warning",
                        "missing-paragraph",
                        _("no source stands for ¶{number} of the source document").format(number=number),
                    )
                )
    return out


# -- translations -----------------------------------------------------------


def _header_line(texts: Mapping[str, str], pattern: str) -> tuple[str | None, int | None]:
    """The file and line of the first table header matching ``pattern`` (a regular expression for the whole header)."""
    header = re.compile(r"^[ \t]*" + pattern + r"[ \t]*(#.*)?$", re.MULTILINE)
    for name in sorted(texts):
        match = header.search(texts[name])
        if match is not None:
            return name, texts[name].count("\n", 0, match.start()) + 1
    return None, None


def _compare(
    translations: Translations, english: Mapping[str, str | tuple[str, ...] | None]
) -> list[tuple[str, str, str]]:
    """What is wrong with one object's translations: ``(kind, lang, key)`` with kind ``missing``, ``placeholders``,
    ``items`` or ``orphan``. ``english`` maps each translatable key to its English (``None`` or ``""``: no text)."""
    problems: list[tuple[str, str, str]] = []
    for lang in LANGS[1:]:
        texts = translations.get(lang, {})
        for key, text in english.items():
            translated = texts.get(key)
            if not text:
                if translated:
                    problems.append(("orphan", lang, key))
                continue
            if not translated:
                problems.append(("missing", lang, key))
            elif isinstance(text, tuple) != isinstance(translated, tuple) or (
                isinstance(text, tuple) and len(text) != len(translated)
            ):
                problems.append(("items", lang, key))
            elif isinstance(text, str) and isinstance(translated, str) and sorted(placeholders(text)) != sorted(
                placeholders(translated)
            ):
                problems.append(("placeholders", lang, key))
    return problems


def _translation_message(kind: str, lang: str, key: str, english_key: str, english: Any, translated: Any) -> str:
    def shown(names: list[str]) -> str:
        return ", ".join("{" + name + "}" for name in sorted(names)) or _("none")

    if kind == "missing":
        return _("{english_key} has no {lang} translation: add {lang}.{key} next to it").format(
            english_key=english_key, lang=lang, key=key
        )
    if kind == "placeholders":
        return _(
            "{lang}.{key} uses the placeholders {found}, but {english_key} uses {expected}: use exactly the same ones"
        ).format(
            lang=lang,
            key=key,
            found=shown(placeholders(translated)),
            english_key=english_key,
            expected=shown(placeholders(english)),
        )
    if kind == "items":
        found = len(translated) if isinstance(translated, tuple) else 1
        expected = len(english) if isinstance(english, tuple) else 1
        return _("{lang}.{key} has {found} item(s), but {english_key} has {expected}: translate each item, in order").format(
            lang=lang, key=key, found=found, english_key=english_key, expected=expected
        )
    return _("{lang}.{key} translates nothing ({english_key} is not there): remove it").format(
        lang=lang, key=key, english_key=english_key
    )


def translation_findings(rulebook: RuleBook, texts: Mapping[str, str]) -> list[LintFinding]:
    """Every text of the rule book without a complete, placeholder-true translation in each language.

    :param texts: file name to file text, to point at lines.
    """
    out: list[LintFinding] = []

    def report(
        what: str,
        translations: Translations,
        english: Mapping[str, str | tuple[str, ...] | None],
        *,
        file: str | None,
        line: int | None,
        rule: str | None = None,
        english_keys: Mapping[str, str] | None = None,
    ) -> None:
        for kind, lang, key in _compare(translations, english):
            english_key = (english_keys or {}).get(key, key)
            message = _translation_message(kind, lang, key, english_key, english[key], translations.get(lang, {}).get(key))
            if what:
                message = _("{what}: {problem}").format(what=what, problem=message)
            out.append(LintFinding("error", "translation", message, file=file, rule=rule, line=line))

    for rule in rulebook.rules:
        report(
            "",  # the finding names the rule
            rule.translations,
            {
                "statement": rule.statement,
                "rationale": rule.rationale,
                "caveat": rule.then.text,
                "salience_reason": rule.salience_reason,
            },
            file=rule.path,
            line=_line_of(texts.get(rule.path, ""), rule.id),
            rule=rule.id,
            english_keys={"caveat": "then.caveat"},
        )
    for platform in rulebook.platforms.values():
        file, line = _header_line(texts, rf"\[platform\.{re.escape(platform.id)}\]")
        report(_("platform {id}").format(id=platform.id), platform.translations, {"name": platform.name}, file=file, line=line)
        for fact in platform.facts.values():
            file, line = _header_line(texts, rf"\[platform\.{re.escape(platform.id)}\.facts\.{re.escape(fact.name)}\]")
            report(
                _("platform fact {platform}.{fact}").format(platform=platform.id, fact=fact.name),
                fact.translations,
                {"note": fact.note, "value": fact.value if fact.is_text else None},
                file=file,
                line=line,
            )
    for source in rulebook.sources.values():
        file, line = _header_line(texts, rf"\[sources\.{re.escape(source.id)}\]")
        report(
            _("source {id}").format(id=source.id),
            source.translations,
            {"title": source.title, "summary": source.summary},
            file=file,
            line=line,
        )
    for name, header in sorted(rulebook.headers.items()):
        _unused, line = _header_line({name: texts.get(name, "")}, r"\[meta\]")
        report(_("file header [meta]"), header.translations, {"covers": header.covers}, file=name, line=line)
    policy = rulebook.policy
    file, line = _header_line(texts, r"\[policy\]")
    report(_("policy"), policy.translations, {"tie_reason": policy.tie_reason}, file=file, line=line)
    return out
