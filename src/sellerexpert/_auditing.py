"""Audit: check that a stored recommendation still holds, and that its trace was not edited.

:func:`audit` reads a trace (validated against ``schemas/trace-1.json``) and
runs five checks, each independent of the others so that every problem is
named, not only the first:

* **signature** - with a key (``SELLEREXPERT_TRACE_KEY``), the HMAC-SHA256 must
  be present and match; a signed trace with no key to check it fails, unless
  verification is turned off (``verify=False``, ``--no-verify``);
* **input** - the profile is valid and in canonical form, and the seller and
  platform facts the engine started from are the ones the profile implies;
* **consistency** - the trace agrees with itself: firings numbered in order,
  each matched fact either an input fact or asserted by an earlier firing, and
  each platform's result recomputed from its evidence and exclusion firings
  with :func:`sellerexpert._policy.decide`;
* **fingerprint** - the rule book is the one the trace was made with; if not,
  the rules added, removed and edited are named from the per-rule digests, and
  with ``rules_then`` (the old rule pack) what each edit changed;
* **replay** - the profile consulted again on today's rule book gives the same
  facts, the same firings in the same order (matched and asserted facts
  included) and the same result; otherwise a readable diff.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _documents
from . import _signing as signing
from ._conditions import describe
from ._errors import ProfileError, TraceError
from ._evaluator import decide_platform, weighed_from_records
from ._i18n import N_, _, ngettext
from ._messages import Msg, concat, say
from ._policy import Weighed, choose_best
from ._profile import SellerProfile
from ._result import Recommendation
from ._rulebook import RuleBook
from ._rulebook_loader import load_rulebook
from ._schema import validate_trace
from ._trace import Trace, parse_trace_text
from ._version import __version__

if TYPE_CHECKING:
    from ._advisor import Advisor

Check = Literal["signature", "input", "consistency", "fingerprint", "replay"]
_MAX_DETAILS = 12

# Findings, reasons and diff lines are English in the JSON report (scripts read it) and are said in
# the language in force only by the text renderers below: they are built as Msg, shown with say().
_SIGNATURE_WORDS = {
    "valid": N_("valid"),
    "invalid": N_("invalid"),
    "missing": N_("missing"),
    "unsigned": N_("unsigned"),
    "not-checked": N_("not-checked"),
}
_CHECK_WORDS = {
    "signature": N_("signature"),
    "input": N_("input"),
    "consistency": N_("consistency"),
    "fingerprint": N_("fingerprint"),
    "replay": N_("replay"),
}
_CHANGE_WORDS = {"added": N_("added"), "removed": N_("removed"), "edited": N_("edited"), "changed": N_("changed")}


@dataclass(frozen=True)
class AuditFinding:
    """One problem (or note) an audit found.

    :ivar check: which check: ``signature``, ``input``, ``consistency``, ``fingerprint`` or ``replay``.
    :ivar failed: whether it fails the audit (``False`` for a note).
    :ivar details: the readable diff, one line each.
    """

    check: Check
    message: str
    details: tuple[str, ...] = ()
    failed: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data."""
        return {"check": self.check, "failed": self.failed, "message": self.message, "details": list(self.details)}


@dataclass(frozen=True)
class RuleChange:
    """A rule that differs between the trace's rule book and today's.

    :ivar change: ``added``, ``removed`` or ``edited``.
    :ivar details: what changed, when the old rule pack was given.
    """

    rule: str
    change: Literal["added", "removed", "edited"]
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {"rule": self.rule, "change": self.change, "details": list(self.details)}


@dataclass(frozen=True)
class AuditReport:
    """The outcome of auditing one trace.

    :ivar source: the trace file (or ``<trace>`` for an object).
    :ivar signature: see :data:`sellerexpert._signing.SignatureStatus`.
    :ivar reproduced: whether replaying the profile gave the recorded firings and result.
    :ivar rule_changes: rules added, removed or edited since the trace was made.
    """

    source: str
    firings: int
    signature: str
    reproduced: bool
    fingerprint_matches: bool
    findings: tuple[AuditFinding, ...]
    rule_changes: tuple[RuleChange, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the trace passes: no failing finding."""
        return not any(f.failed for f in self.findings)

    def line(self) -> str:
        """The one-line verdict: ``OK`` or ``FAIL``, the file, and why."""
        if self.ok:
            return ngettext(
                "OK   {source}: reproduces ({count} firing, signature {signature})",
                "OK   {source}: reproduces ({count} firings, signature {signature})",
                self.firings,
            ).format(source=self.source, count=self.firings, signature=_(_SIGNATURE_WORDS.get(self.signature, self.signature)))
        reasons = _("; ").join(dict.fromkeys(say(f.message) for f in self.findings if f.failed))
        return _("FAIL {source}: {reasons}").format(source=self.source, reasons=reasons)

    def to_text(self) -> str:
        """The verdict line, then each finding with its diff, indented."""
        lines = [self.line()]
        for finding in self.findings:
            check = _(_CHECK_WORDS.get(finding.check, finding.check))
            if finding.failed:
                lines.append(f"  [{check}] {say(finding.message)}")
            else:
                lines.append(_("  [{check}] note: {message}").format(check=check, message=say(finding.message)))
            lines.extend(f"      {say(d)}" for d in finding.details)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "source": self.source,
            "ok": self.ok,
            "firings": self.firings,
            "signature": self.signature,
            "reproduced": self.reproduced,
            "fingerprint_matches": self.fingerprint_matches,
            "rule_changes": [c.to_dict() for c in self.rule_changes],
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder that is not a trace, left out of the audit.

    :ivar source: the file.
    :ivar reason: why it is not a trace.
    """

    source: str
    reason: str

    def line(self) -> str:
        """``SKIP file: reason``."""
        return _("SKIP {source}: {reason}").format(source=self.source, reason=say(self.reason))

    def to_dict(self) -> dict[str, Any]:
        """The skipped file as JSON-ready data."""
        return {"source": self.source, "reason": self.reason}


@dataclass(frozen=True)
class AuditSummary:
    """The reports for several traces, in the order given (folders sorted), and the files skipped."""

    reports: tuple[AuditReport, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every trace passed (skipped files that are not traces do not count)."""
        return all(r.ok for r in self.reports)

    def summary(self) -> str:
        """``N traces: X reproduce, Y failed`` (and how many files were skipped)."""
        passed = sum(1 for r in self.reports if r.ok)
        count = len(self.reports)
        text = ngettext(
            "{count} trace: {passed} reproduce, {failed} failed", "{count} traces: {passed} reproduce, {failed} failed", count
        ).format(count=count, passed=passed, failed=count - passed)
        if self.skipped:
            skipped = len(self.skipped)
            text += ngettext(
                "; {count} other file skipped (not traces)", "; {count} other files skipped (not traces)", skipped
            ).format(count=skipped)
        return text

    def to_text(self) -> str:
        """One line per trace (with its diff when it failed), one per skipped file, then the summary."""
        lines = [r.to_text() if not r.ok else r.line() for r in self.reports]
        return "\n".join([*lines, *(s.line() for s in self.skipped), self.summary()])

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "ok": self.ok,
            "traces": len(self.reports),
            "passed": sum(1 for r in self.reports if r.ok),
            "failed": sum(1 for r in self.reports if not r.ok),
            "reports": [r.to_dict() for r in self.reports],
            "skipped": [s.to_dict() for s in self.skipped],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)


def load_trace(source: Trace | Mapping[str, Any] | str | Path) -> Trace:
    """Read and schema-check a trace from a file, a parsed document or a :class:`Trace`.

    :raises TraceError: naming the file and the JSON path at fault.
    """
    if isinstance(source, Trace):
        validate_trace(source.to_dict())
        return source
    if isinstance(source, Mapping):
        validate_trace(dict(source))
        return Trace.from_dict(source)
    if not isinstance(source, (str, os.PathLike)):
        raise TraceError(
            Msg(N_("not a trace: expected a Trace, a mapping or a file path, got {type}"), type=type(source).__name__)
        )
    path = Path(source)
    try:
        text = _documents.read_text(path, "trace")
    except _documents.DocumentProblem as exc:
        raise TraceError(exc.problem, path=path) from None
    data = parse_trace_text(text, path)
    validate_trace(data, source=path)
    return Trace.from_dict(data, source=path)


def trace_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the ``*.json`` files under them (sorted); files are kept as given.

    :raises TraceError: for a path that does not exist or a folder with no ``*.json`` file.
    """
    return [path for path, _ in _expand(paths)]


def _expand(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Each file to audit, and whether it was found in a folder (rather than named)."""
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise TraceError(Msg(N_("holds no trace files (*.json)")), path=path)
            out.extend((p, True) for p in found)
        elif path.exists():
            out.append((path, False))
        else:
            raise TraceError(Msg(N_("no such file or folder")), path=path)
    return out


def audit_paths(
    paths: Iterable[str | Path],
    advisor: Advisor | None = None,
    *,
    rules_then: RuleBook | str | Path | None = None,
    key: bytes | str | None = None,
    verify: bool = True,
) -> AuditSummary:
    """Audit trace files and folders of traces; every file is read and checked for shape first.

    A file named on its own must be a trace. In a folder, a file that is not a
    trace (no ``"format": "sellerexpert-trace"``) is skipped and listed; one that
    says it is a trace but cannot be read fails the audit.

    :param verify: see :func:`audit`.
    :raises TraceError: for a named file that is not a trace, or when no file found is one (nothing is audited then).
    :raises RuleBookError: when ``rules_then`` does not load.
    """
    paths = list(paths)
    loaded: list[tuple[Path, Trace | AuditReport]] = []
    skipped: list[Skipped] = []
    for path, in_folder in _expand(paths):
        try:
            loaded.append((path, load_trace(path)))
        except TraceError as exc:
            if not in_folder:
                raise
            if _claims_to_be_a_trace(path):
                finding = AuditFinding("input", Msg(N_("not a usable trace: {problem}"), problem=exc.problem))
                broken = AuditReport(str(path), 0, "unsigned", False, False, (finding,))
                loaded.append((path, broken))
            else:
                skipped.append(Skipped(str(path), exc.problem))
    if not loaded:
        # Passing an audit of nothing would hide a wrong folder.
        raise TraceError(
            Msg(N_("no traces to audit: the {count} JSON files found are not traces"), count=len(skipped)),
            path=", ".join(map(str, paths)),
        )
    advisor = _advisor(advisor)
    old = _rulebook(rules_then)
    reports = tuple(
        item if isinstance(item, AuditReport) else audit(item, advisor, rules_then=old, key=key, source=str(path), verify=verify)
        for path, item in loaded
    )
    return AuditSummary(reports, tuple(skipped))


def _claims_to_be_a_trace(path: Path) -> bool:
    try:
        data = _documents.parse(_documents.read_text(path, "trace"), "json")
    except _documents.DocumentProblem:
        return False
    return isinstance(data, dict) and data.get("format") == "sellerexpert-trace"


def _advisor(advisor: Advisor | None) -> Advisor:
    if advisor is not None:
        return advisor
    from ._advisor import Advisor

    return Advisor()


def _rulebook(rules: RuleBook | str | Path | None) -> RuleBook | None:
    if rules is None or isinstance(rules, RuleBook):
        return rules
    return load_rulebook(rules)


def audit(
    trace: Trace | Mapping[str, Any] | str | Path,
    advisor: Advisor | None = None,
    *,
    rules_then: RuleBook | str | Path | None = None,
    key: bytes | str | None = None,
    source: str | None = None,
    verify: bool = True,
) -> AuditReport:
    """Replay a trace on today's rule book and check it in every way listed in the module docstring.

    :param trace: a trace file, a parsed trace document or a :class:`Trace`.
    :param advisor: today's rule book (the shipped one when ``None``).
    :param rules_then: the rule pack the trace was made with, to show what each edited rule changed.
    :param key: the signing key; ``None`` reads ``SELLEREXPERT_TRACE_KEY``.
    :param source: how to name the trace in the report (defaults to its path).
    :param verify: whether a signed trace must have its signature verified: with
        no key to check it, the audit fails (an edited signed trace must not
        pass unnoticed); ``False`` leaves the signature unchecked, as a note.
    :raises TraceError: when ``trace`` is not a trace.
    :raises RuleBookError: when ``rules_then`` does not load.
    """
    if source is None:
        source = str(trace) if isinstance(trace, (str, Path)) else "<trace>"
    loaded = load_trace(trace)
    advisor = _advisor(advisor)
    old = _rulebook(rules_then)
    if key is None:
        key = signing.key_from_env()
    findings: list[AuditFinding] = []

    status = signing.check(loaded, key if verify else None)
    if status == "invalid":
        findings.append(
            AuditFinding(
                "signature", Msg(N_("signature does not match: the trace was edited after signing, or signed with another key"))
            )
        )
    elif status == "missing":
        findings.append(AuditFinding("signature", Msg(N_("trace is not signed, but a signing key is set"))))
    elif status == "not-checked" and verify:
        findings.append(
            AuditFinding(
                "signature",
                Msg(
                    N_(
                        "signed, but the signature could not be verified: no key (set {variable}, "
                        "or pass --no-verify to audit without checking it)"
                    ),
                    variable=signing.ENV_KEY,
                ),
            )
        )
    elif status == "not-checked":
        findings.append(AuditFinding("signature", Msg(N_("signed, but not checked (verification turned off)")), failed=False))

    profile = _check_input(loaded, findings)
    _check_consistency(loaded, advisor.rules if old is None else old, findings)
    changes = _check_fingerprint(loaded, advisor.rules, old, findings)
    fingerprint_matches = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    reproduced = False
    if profile is not None:
        reproduced = _check_replay(loaded, advisor, profile, fingerprint_matches, findings)
    return AuditReport(
        source=source,
        firings=len(loaded.firings),
        signature=status,
        reproduced=reproduced,
        fingerprint_matches=fingerprint_matches,
        findings=tuple(findings),
        rule_changes=tuple(changes),
    )


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _where(firing: Any) -> str:
    return f"#{firing.seq} {firing.rule}" + (f"@{firing.platform}" if firing.platform else "")


def _fact_name(record: Mapping[str, Any]) -> str:
    kind = record.get("kind")
    if kind == "seller":
        shown = f"{record.get('field')}={_show(record.get('value'))}"
        return Msg(N_("{fact} (assumed)"), fact=shown) if record.get("assumed") else shown
    if kind == "platform":
        return f"{record.get('platform')}.{record.get('field')}={_show(record.get('value'))}"
    return Msg(N_("{kind} of {rule}"), kind=kind, rule=f"{record.get('rule', 'decide')}@{record.get('platform')}")


def _check_input(trace: Trace, findings: list[AuditFinding]) -> SellerProfile | None:
    """The profile is valid, canonical, and the one the initial facts and the result were built from."""
    details: list[str] = []
    try:
        profile = SellerProfile.from_dict(trace.profile)
    except ProfileError as exc:
        findings.append(
            AuditFinding("input", Msg(N_("changed input: the profile is not valid")), (exc.args[0] if exc.args else str(exc),))
        )
        return None
    if profile.to_dict() != dict(trace.profile):
        details.append(
            Msg(
                N_("profile {profile} is not in canonical form {canonical}"),
                profile=_show(dict(trace.profile)),
                canonical=_show(profile.to_dict()),
            )
        )
    # The economics enter as computed platform facts (platform.margin_*), which the replay checks.
    expected = {k: v for k, v in profile.to_dict().items() if k not in ("name", "platforms", "economics")}
    recorded = {str(f.get("field")): f.get("value") for f in trace.facts if f.get("kind") == "seller" and not f.get("assumed")}
    for name in sorted(set(expected) | set(recorded), key=str):
        if expected.get(name) != recorded.get(name):
            details.append(
                Msg(
                    N_("{field}: the profile says {profile}, the input facts say {facts}"),
                    field=name, profile=_show(expected.get(name)), facts=_show(recorded.get(name)),
                )
            )
    if any(f.get("kind") == "seller" and f.get("assumed") for f in trace.facts):
        details.append(Msg(N_("an input fact is marked as assumed: assumptions are made by rules, not given")))
    platforms = [f.get("value") for f in trace.facts if f.get("kind") == "platform" and f.get("field") == "id"]
    if platforms != list(profile.platforms):
        details.append(
            Msg(
                N_("the profile asks about {asked}, the input facts hold {held}"),
                asked=_show(list(profile.platforms)),
                held=_show(platforms),
            )
        )
    if dict(trace.result.get("profile", {})) != dict(trace.profile):
        details.append(Msg(N_("the result was given for a different profile than the trace records")))
    if details:
        findings.append(
            AuditFinding("input", Msg(N_("changed input: the profile and the facts it started from disagree")), tuple(details))
        )
    return profile


def _check_consistency(trace: Trace, rulebook: RuleBook, findings: list[AuditFinding]) -> None:
    """The trace agrees with itself: order, provenance of every matched fact, and results the firings support."""
    details: list[str] = []
    seqs = [f.seq for f in trace.firings]
    if seqs != list(range(1, len(seqs) + 1)):
        details.append(
            Msg(
                N_("firings are not numbered 1..{count} in order: {numbers}"),
                count=len(seqs), numbers=f"{seqs[:20]}{'...' if len(seqs) > 20 else ''}",
            )
        )
    known: dict[int, Mapping[str, Any]] = {}
    for fact in trace.facts:
        known[fact["id"]] = fact
    for firing in trace.firings:
        for fact in firing.matched:
            recorded = known.get(fact["id"])
            if recorded is None:
                details.append(
                    Msg(
                        N_(
                            "{firing} matched fact #{id} ({fact}), which is neither "
                            "an input fact nor asserted by an earlier firing"
                        ),
                        firing=_where(firing),
                        id=fact["id"],
                        fact=_fact_name(fact),
                    )
                )
            elif dict(recorded) != dict(fact):
                details.append(
                    Msg(
                        N_("{firing} matched fact #{id} as {fact}, but it was recorded as {recorded}"),
                        firing=_where(firing), id=fact["id"], fact=_fact_name(fact), recorded=_fact_name(recorded),
                    )
                )
        for name in firing.absent:
            present = [f for f in known.values() if f.get("kind") == "seller" and f.get("field") == name]
            if present:
                details.append(
                    Msg(
                        N_("{firing} relied on {field} being unknown, but it was {value}"),
                        firing=_where(firing), field=name, value=_show(present[0].get("value")),
                    )
                )
        for fact in firing.asserted:
            if fact["id"] in known and dict(known[fact["id"]]) != dict(fact):
                details.append(Msg(N_("{firing} asserted fact #{id}, an id already taken"), firing=_where(firing), id=fact["id"]))
            known[fact["id"]] = fact
        for fact in firing.retracted:
            known.pop(fact["id"], None)
    details.extend(_unsupported_results(trace, rulebook))
    if details:
        findings.append(
            AuditFinding(
                "consistency",
                Msg(N_("inconsistent trace: its firings do not support what it records")),
                tuple(details[:_MAX_DETAILS]),
            )
        )


def _unsupported_results(trace: Trace, rulebook: RuleBook) -> list[str]:
    """Recompute each platform's decision from the trace's own evidence and compare with what it records."""
    details: list[str] = []
    given = [str(f.get("field")) for f in trace.facts if f.get("kind") == "seller" and not f.get("assumed")]
    rules = {rule.id: rule for rule in rulebook.rules}
    recommendations = {r.get("platform"): r for r in trace.result.get("recommendations", [])}
    platforms = [f.get("value") for f in trace.facts if f.get("kind") == "platform" and f.get("field") == "id"]
    for platform in platforms:
        weighed: list[Weighed] = []
        reasons: list[str] = []
        caveats: list[str] = []
        decisions = []
        for firing in trace.firings:
            if firing.platform != platform:
                continue
            for fact in firing.asserted:
                kind = fact.get("kind")
                if kind in ("evidence", "exclusion"):
                    rule = rules.get(firing.rule)
                    if rule is None or not isinstance(platform, str) or platform not in rulebook.platforms:
                        continue  # the fingerprint check reports rules and platforms this rule book lacks
                    weighed.append(weighed_from_records(rulebook, rule, platform, firing.matched))
                    reasons.append(firing.rule)
                elif kind == "caveat":
                    caveats.append(firing.rule)
                elif kind == "decision":
                    decisions.append((firing, fact))
        if len(decisions) != 1:
            details.append(
                Msg(
                    N_("{platform}: {count} decide firings (expected exactly one): the result is not supported"),
                    platform=platform, count=len(decisions),
                )
            )
            continue
        firing, decision = decisions[0]
        emphasis = next(
            (
                f.get("value")
                for f in trace.facts
                if f.get("kind") == "platform" and f.get("platform") == platform and f.get("field") == "emphasis"
            ),
            None,
        )
        # The engine's own decision step, on the trace's own evidence.
        scores, excluded, expected, _ = decide_platform(rulebook, weighed, emphasis=emphasis, given_fields=given)
        recorded = {k: decision.get(k) for k in ("model", "confidence", "basis", "scores", "excluded")}
        wanted = {
            "model": expected.model,
            "confidence": expected.confidence,
            "basis": expected.basis,
            "scores": scores,
            "excluded": excluded,
        }
        for key in wanted:
            if recorded[key] != wanted[key]:
                details.append(
                    Msg(
                        N_("{platform}: {firing} records {key} {recorded}, but its evidence gives {wanted}"),
                        platform=platform,
                        firing=_where(firing),
                        key=key,
                        recorded=_show(recorded[key]),
                        wanted=_show(wanted[key]),
                    )
                )
        rec = recommendations.get(platform)
        if rec is None:
            details.append(Msg(N_("{platform}: no recommendation in the result"), platform=platform))
            continue
        for key in ("model", "confidence", "basis", "scores", "excluded"):
            if rec.get(key) != decision.get(key):
                details.append(
                    Msg(
                        N_("{platform}: the result says {key} {result}, the decide firing {decided}"),
                        platform=platform, key=key, result=_show(rec.get(key)), decided=_show(decision.get(key)),
                    )
                )
        stated = sorted(r.get("rule") for r in rec.get("reasons", []))
        if stated != sorted(reasons):
            details.append(
                Msg(
                    N_("{platform}: the result gives reasons {stated}, the firings {fired}"),
                    platform=platform,
                    stated=stated,
                    fired=sorted(reasons),
                )
            )
        if sorted(c.get("rule") for c in rec.get("caveats", [])) != sorted(caveats):
            details.append(
                Msg(
                    N_("{platform}: the result's caveats are not the caveat firings {fired}"),
                    platform=platform,
                    fired=sorted(caveats),
                )
            )
    best = trace.result.get("best", {})
    recs = list(trace.result.get("recommendations", []))
    if recs and all(isinstance(r.get("scores"), Mapping) and r.get("model") in r.get("scores", {}) for r in recs):
        try:
            chosen = choose_best([Recommendation.from_dict(r) for r in recs], rulebook.policy)
        except (KeyError, TypeError, ValueError):
            details.append(Msg(N_("the recommendations cannot be read back to check the best overall")))
            return details
        if (best.get("platform"), best.get("model")) != (chosen.platform, chosen.model):
            details.append(
                Msg(
                    N_("best is {recorded}, but the recommendations make it {chosen}"),
                    recorded=f"{best.get('platform')} {best.get('model')}", chosen=f"{chosen.platform} {chosen.model}",
                )
            )
    return details


def _check_fingerprint(
    trace: Trace, rulebook: RuleBook, old: RuleBook | None, findings: list[AuditFinding]
) -> list[RuleChange]:
    fingerprint = trace.fingerprint
    files: Mapping[str, str] = fingerprint.get("files", {}) or {}
    digest = hashlib.sha256()
    for name, file_hash in sorted(files.items()):
        digest.update(f"{name}\0{file_hash}\n".encode())
    if digest.hexdigest() != fingerprint.get("rulebook"):
        findings.append(
            AuditFinding(
                "fingerprint", Msg(N_("fingerprint does not add up: its per-file hashes do not give its rule-book hash"))
            )
        )
    version = fingerprint.get("package_version")
    if version != __version__:
        findings.append(
            AuditFinding(
                "fingerprint",
                Msg(N_("made with sellerexpert {then}, replayed with {now}"), then=version, now=__version__),
                failed=False,
            )
        )
    if fingerprint.get("rulebook") == rulebook.fingerprint:
        if dict(files) != dict(rulebook.files) or dict(fingerprint.get("rules", {}) or {}) != rulebook.rule_digests():
            findings.append(
                AuditFinding(
                    "fingerprint",
                    Msg(N_("fingerprint was edited: its per-file or per-rule digests differ from the rule book it names")),
                )
            )
        return []
    then_rules: Mapping[str, str] = fingerprint.get("rules", {}) or {}
    now_rules = rulebook.rule_digests()
    changes: list[RuleChange] = []
    order = [*then_rules, *(r for r in now_rules if r not in then_rules)]
    for rule_id in order:
        if rule_id not in now_rules:
            changes.append(RuleChange(rule_id, "removed", _rule_details(old, rulebook, rule_id)))
        elif rule_id not in then_rules:
            changes.append(RuleChange(rule_id, "added", _rule_details(old, rulebook, rule_id)))
        elif then_rules[rule_id] != now_rules[rule_id]:
            changes.append(RuleChange(rule_id, "edited", _rule_details(old, rulebook, rule_id)))
    details: list[str] = []
    for change in changes:
        details.append(Msg(N_("{change}: {rule}"), change=Msg(_CHANGE_WORDS[change.change]), rule=change.rule))
        details.extend(f"  {d}" for d in change.details)
    then_files: Mapping[str, str] = fingerprint.get("files", {}) or {}
    for name in sorted(set(then_files) | set(rulebook.files)):
        if then_files.get(name) != rulebook.files.get(name):
            state = "added" if name not in then_files else "removed" if name not in rulebook.files else "changed"
            details.append(Msg(N_("file {name} {state}"), name=name, state=Msg(_CHANGE_WORDS[state])))
    if old is not None:
        if old.fingerprint != fingerprint.get("rulebook"):
            details.append(
                Msg(
                    N_("note: {folder} is not the rule book this trace was made with either (its fingerprint differs)"),
                    folder=str(old.directory),
                )
            )
        details.extend(_data_changes(old, rulebook))
    counts = [(kind, len([c for c in changes if c.change == kind])) for kind in ("added", "removed", "edited")]
    names = [Msg(N_("{count} {change}"), count=count, change=Msg(_CHANGE_WORDS[kind])) for kind, count in counts if count]
    what = concat(*[part for i, name in enumerate(names) for part in ((Msg(", "), name) if i else (name,))]) if names else Msg(
        N_("no rule changed; platform data, policy or sources did")
    )
    findings.append(
        AuditFinding("fingerprint", Msg(N_("rule base changed since the trace was made ({what})"), what=what), tuple(details))
    )
    return changes


def _rule_details(old: RuleBook | None, new: RuleBook, rule_id: str) -> tuple[str, ...]:
    if old is None:
        return ()
    before = next((r for r in old.rules if r.id == rule_id), None)
    after = next((r for r in new.rules if r.id == rule_id), None)
    if before is None and after is not None:
        return (f"when {describe(after.when)} then {after.then.describe()} ({after.path})",)
    if after is None and before is not None:
        return (f"was: when {describe(before.when)} then {before.then.describe()} ({before.path})",)
    if before is None or after is None:
        return ()
    out = []
    a, b = before.to_data(), after.to_data()
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key == "when":
            out.append(f"when: {describe(before.when)}  ->  {describe(after.when)}")
        elif key == "then":
            out.append(f"then: {before.then.describe()}  ->  {after.then.describe()}")
        elif key == "examples":
            out.append(Msg(N_("examples changed")))
        else:
            out.append(f"{key}: {_show(a.get(key))}  ->  {_show(b.get(key))}")
    return tuple(out)


def _data_changes(old: RuleBook, new: RuleBook) -> list[str]:
    out: list[str] = []
    for platform in sorted(set(old.platforms) | set(new.platforms)):
        before = old.platforms[platform].fact_values() if platform in old.platforms else {}
        after = new.platforms[platform].fact_values() if platform in new.platforms else {}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                shown_before = list(before[name]) if isinstance(before.get(name), tuple) else before.get(name)
                shown_after = list(after[name]) if isinstance(after.get(name), tuple) else after.get(name)
                out.append(
                    Msg(
                        N_("platform data {platform} {name}: {before}  ->  {after}"),
                        platform=platform, name=name, before=_show(shown_before), after=_show(shown_after),
                    )
                )
    if old.policy != new.policy:
        out.append(Msg(N_("decision policy changed")))
    return out


def _check_replay(
    trace: Trace, advisor: Advisor, profile: SellerProfile, fingerprint_matches: bool, findings: list[AuditFinding]
) -> bool:
    replay = advisor.consult(profile).trace
    details: list[str] = []
    if [dict(f) for f in replay.facts] != [dict(f) for f in trace.facts]:
        now = {(f.get("platform"), f.get("field")): f for f in replay.facts}
        then = {(f.get("platform"), f.get("field")): f for f in trace.facts}
        for key in sorted(set(now) | set(then), key=lambda k: (str(k[0]), str(k[1]))):
            if now.get(key) != then.get(key):
                fact = f"{key[0] or 'seller'}.{key[1]}"
                details.append(
                    Msg(
                        N_("input fact {fact}: recorded {recorded}, today {today}"),
                        fact=fact, recorded=_show(then.get(key, {}).get("value")), today=_show(now.get(key, {}).get("value")),
                    )
                    if key in now and key in then
                    else Msg(N_("input fact {fact}: only recorded"), fact=fact)
                    if key in then
                    else Msg(N_("input fact {fact}: only today"), fact=fact)
                )
                if len(details) >= _MAX_DETAILS:
                    break
    details.extend(_firing_diff(trace.firings, replay.firings))
    details.extend(_result_diff(trace.result, replay.result))
    if not details:
        return True
    if fingerprint_matches:
        message = Msg(N_("replay differs: these rules do not produce the recorded firings and result from this profile"))
    else:
        message = Msg(N_("replay differs: today's rules give different firings or advice"))
    findings.append(AuditFinding("replay", message, tuple(details[: _MAX_DETAILS * 2])))
    return False


def _model(model: Any) -> Any:
    # A model id in running text: the id itself in English, 全托管/半托管 when said in Chinese.
    return Msg(model) if model in ("fully-managed", "semi-managed") else model


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [dict(x) if isinstance(x, Mapping) else x for x in value]
    return value


def _firing_key(firing: Any) -> str:
    return f"{firing.rule}@{firing.platform}" if firing.platform else firing.rule


def _firing_diff(recorded: Sequence[Any], today: Sequence[Any]) -> list[str]:
    then_keys = [_firing_key(f) for f in recorded]
    now_keys = [_firing_key(f) for f in today]
    out: list[str] = []
    if then_keys != now_keys:
        if sorted(then_keys) == sorted(now_keys):
            moved = [(n, a, b) for n, (a, b) in enumerate(zip(then_keys, now_keys, strict=False), start=1) if a != b]
            out.extend(
                Msg(N_("reordered: firing #{number} is {recorded} in the trace, {today} today"), number=n, recorded=a, today=b)
                for n, a, b in moved[:4]
            )
            return out
        matcher = difflib.SequenceMatcher(a=then_keys, b=now_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("delete", "replace"):
                out.extend(
                    Msg(N_("dropped: #{number} {firing} (recorded, not reproduced)"), number=recorded[i].seq, firing=then_keys[i])
                    for i in range(i1, i2)
                )
            if tag in ("insert", "replace"):
                out.extend(Msg(N_("new: {firing} (fires today, not recorded)"), firing=now_keys[j]) for j in range(j1, j2))
    else:
        for before, after in zip(recorded, today, strict=False):
            for part in ("matched", "asserted", "retracted", "absent", "salience"):
                if _plain(getattr(before, part)) != _plain(getattr(after, part)):
                    out.append(
                        Msg(N_("#{number} {firing}: {part} differs"), number=before.seq, firing=_firing_key(before), part=part)
                    )
    return out[:_MAX_DETAILS]


def _result_diff(recorded: Mapping[str, Any], today: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    then_recs = {r.get("platform"): r for r in recorded.get("recommendations", [])}
    now_recs = {r.get("platform"): r for r in today.get("recommendations", [])}
    for platform in dict.fromkeys([*then_recs, *now_recs]):
        a, b = then_recs.get(platform, {}), now_recs.get(platform, {})
        if a.get("model") != b.get("model"):
            out.append(
                Msg(
                    N_("{platform}: recommended {recorded}, today {today}"),
                    platform=platform,
                    recorded=_model(a.get("model")),
                    today=_model(b.get("model")),
                )
            )
        for key in ("confidence", "basis", "scores", "excluded"):
            if a.get(key) != b.get(key):
                out.append(
                    Msg(
                        N_("{platform}: {key} {recorded}, today {today}"),
                        platform=platform,
                        key=key,
                        recorded=_show(a.get(key)),
                        today=_show(b.get(key)),
                    )
                )
        for key in ("reasons", "caveats", "assumptions"):
            if a.get(key) != b.get(key):
                out.append(Msg(N_("{platform}: {key} differ"), platform=platform, key=key))
    if recorded.get("best") != today.get("best"):
        out.append(
            Msg(N_("best: {recorded}, today {today}"), recorded=_show(recorded.get("best")), today=_show(today.get("best")))
        )
    if not out and dict(recorded) != dict(today):
        out.append(Msg(N_("the result differs")))
    return out
