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

Here: :func:`audit` (one trace) and :func:`audit_paths` (files and folders).
The checks are in :mod:`sellerexpert._audit_checks`, their diff text in
:mod:`sellerexpert._audit_diff`, finding the files in
:mod:`sellerexpert._audit_files`, the records in :mod:`sellerexpert._audit_report`.

May import: the ``_audit_*`` modules, the trace, signing, the rule book; the
advisor (the shipped rule book when none is given) only inside the functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _signing as signing
from ._audit_checks import check_consistency, check_fingerprint, check_input, check_replay, check_signature
from ._audit_files import collect
from ._audit_report import AuditFinding, AuditReport, AuditSummary
from ._rulebook import RuleBook
from ._rulebook_loader import load_rulebook
from ._trace import Trace

if TYPE_CHECKING:
    from ._advisor import Advisor


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
    loaded, skipped = collect(paths)
    advisor = _advisor(advisor)
    old = _rulebook(rules_then)
    reports = tuple(
        item if isinstance(item, AuditReport) else audit(item, advisor, rules_then=old, key=key, source=str(path), verify=verify)
        for path, item in loaded
    )
    return AuditSummary(reports, tuple(skipped))


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
    loaded = Trace.load(trace)
    advisor = _advisor(advisor)
    old = _rulebook(rules_then)
    if key is None:
        key = signing.key_from_env()
    findings: list[AuditFinding] = []

    status = check_signature(loaded, key, verify, findings)
    profile = check_input(loaded, findings)
    check_consistency(loaded, advisor.rules if old is None else old, findings)
    changes = check_fingerprint(loaded, advisor.rules, old, findings)
    fingerprint_matches = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    reproduced = False
    if profile is not None:
        reproduced = check_replay(loaded, advisor, profile, fingerprint_matches, findings)
    return AuditReport(
        source=source,
        firings=len(loaded.firings),
        signature=status,
        reproduced=reproduced,
        fingerprint_matches=fingerprint_matches,
        findings=tuple(findings),
        rule_changes=tuple(changes),
    )
