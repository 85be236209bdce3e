"""What an audit found: findings, rule changes, the report for one trace, skipped files and the summary.

The records and their words only: :meth:`AuditReport.line` and
:meth:`AuditReport.to_text` say them in the language in force, ``to_dict``
keeps them English for scripts.

May import: i18n and the messages. Nothing that reads traces or rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from .._i18n import N_, _, ngettext
from .._i18n.messages import say
from .._records import Key, Record

Check = Literal["signature", "input", "consistency", "fingerprint", "replay"]

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


@dataclass(frozen=True)
class AuditFinding(Record, keys=("check", "failed", "message", "details")):
    """One problem (or note) an audit found.

    :ivar check: which check: ``signature``, ``input``, ``consistency``, ``fingerprint`` or ``replay``.
    :ivar failed: whether it fails the audit (``False`` for a note).
    :ivar details: the readable diff, one line each.
    """

    check: Check
    message: str
    details: tuple[str, ...] = ()
    failed: bool = True


@dataclass(frozen=True)
class RuleChange(Record):
    """A rule that differs between the trace's rule book and today's.

    :ivar change: ``added``, ``removed`` or ``edited``.
    :ivar details: what changed, when the old rule pack was given.
    """

    rule: str
    change: Literal["added", "removed", "edited"]
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditReport(
    Record,
    keys=("source", "ok", "firings", "signature", "reproduced", "fingerprint_matches", "rule_changes", "findings"),
):
    """The outcome of auditing one trace.

    :ivar source: the trace file (or ``<trace>`` for an object).
    :ivar signature: see :data:`sellerexpert._results.trace.SignatureStatus`.
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


@dataclass(frozen=True)
class Skipped(Record):
    """A file found in a folder that is not a trace, left out of the audit.

    :ivar source: the file.
    :ivar reason: why it is not a trace.
    """

    source: str
    reason: str

    def line(self) -> str:
        """``SKIP file: reason``."""
        return _("SKIP {source}: {reason}").format(source=self.source, reason=say(self.reason))


def _passed(reports: tuple[AuditReport, ...]) -> int:
    return sum(1 for r in reports if r.ok)


def _failed(reports: tuple[AuditReport, ...]) -> int:
    return sum(1 for r in reports if not r.ok)


@dataclass(frozen=True)
class AuditSummary(
    Record,
    keys=(
        "ok",
        Key("traces", attr="reports", via=len),
        Key("passed", attr="reports", via=_passed),
        Key("failed", attr="reports", via=_failed),
        "reports",
        "skipped",
    ),
):
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

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
