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
  with :func:`sellerexpert._engine.policy.decide`;
* **fingerprint** - the rule book is the one the trace was made with; if not,
  the rules added, removed and edited are named from the per-rule digests, and
  with ``rules_then`` (the old rule pack) what each edit changed;
* **replay** - the profile consulted again on today's rule book gives the same
  facts, the same firings in the same order (matched and asserted facts
  included) and the same result; otherwise a readable diff.

Here: :func:`audit` (one trace) and :func:`audit_paths` (files and folders,
read and audited one at a time, in this process or in ``jobs`` worker
processes, keeping only the reports, on one advisor per process whose stores are
bounded by what they hold, so memory stays flat however many traces a folder holds).
The checks are in :mod:`sellerexpert._audit.checks`, their diff text in
:mod:`sellerexpert._audit.diff`, finding the files in
:mod:`sellerexpert._audit.files`, the records in :mod:`sellerexpert._audit.report`.

May import: the ``_audit_*`` modules, the trace, signing, the rule book, the
worker processes, the errors and the messages; the advisor (the shipped rule
book when none is given) only inside the functions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TraceError
from .._i18n import N_
from .._i18n.messages import Msg
from .._results.trace import Trace, key_from_env
from .._rulebook.loader import load_rulebook
from .._rulebook.rulebook import RuleBook
from .._workers import Workers
from .checks import check_consistency, check_fingerprint, check_input, check_replay, check_signature
from .files import found_files, unusable
from .report import AuditFinding, AuditReport, AuditSummary, Skipped

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._engine.names import Engine


def audit_paths(
    paths: Iterable[str | Path],
    advisor: Advisor | None = None,
    *,
    rules_then: RuleBook | str | Path | None = None,
    key: bytes | str | None = None,
    verify: bool = True,
    jobs: int = 1,
    engine: Engine = "compiled",
) -> AuditSummary:
    """Audit trace files and folders of traces; every file is read and checked for shape first.

    A file named on its own must be a trace. In a folder, a file that is not a
    trace (no ``"format": "sellerexpert-trace"``) is skipped and listed; one that
    says it is a trace but cannot be read fails the audit.

    The files are read and audited one at a time (or ``jobs`` at a time), keeping only
    their reports, so memory stays flat however many traces a folder holds: the replays run on
    ``advisor`` (in workers, on an advisor of its rule pack each), whose stores are bounded by
    what they hold.

    :param verify: see :func:`audit`.
    :param jobs: worker processes; 1 audits in this process. The reports are the same, in the same order,
        for any value; each worker loads the rule pack of ``advisor`` itself (as ``batch --jobs`` does).
    :param engine: see :func:`audit`.
    :raises TraceError: for a named file that is not a trace, or when no file found is one (nothing is audited then).
    :raises RuleBookError: when ``rules_then`` does not load.
    """
    paths = list(paths)
    found = found_files(paths)
    advisor = _advisor(advisor)
    old = _rulebook(rules_then)
    if key is None:
        key = key_from_env()
    reports: list[AuditReport] = []
    skipped: list[Skipped] = []
    workers: Workers[tuple[Path, bool], _Outcome] | None = None
    if jobs > 1 and len(found) > 1:
        setup = functools.partial(
            _Checker.build, str(advisor.rules.directory), None if old is None else str(old.directory), key, verify, engine
        )
        workers = Workers(min(jobs, len(found)), setup)
        outcomes: Iterable[_Outcome] = workers.map(found)
    else:
        check = _Checker(advisor, old, key, verify, engine)
        outcomes = (check(task) for task in found)
    finished = False
    try:
        for outcome in outcomes:
            if isinstance(outcome, AuditReport):
                reports.append(outcome)
            elif isinstance(outcome, Skipped):
                skipped.append(outcome)
            else:
                raise TraceError(outcome.problem, path=outcome.path, field=outcome.field)
        finished = True
    finally:
        if workers is not None:
            workers.close(now=not finished)  # stopped early: the rest is no longer wanted
    if not reports:
        # Passing an audit of nothing would hide a wrong folder.
        raise TraceError(
            Msg(N_("no traces to audit: the {count} JSON files found are not traces"), count=len(skipped)),
            path=", ".join(map(str, paths)),
        )
    return AuditSummary(tuple(reports), tuple(skipped))


@dataclass(frozen=True)
class _Refused:
    """A named file that is not a trace: the parent raises it as a :class:`TraceError` (plain data crosses processes)."""

    problem: str
    path: Path | str | None
    field: str | None


_Outcome = AuditReport | Skipped | _Refused


class _Checker:
    """Reads and audits one trace file after another, in this process or in a worker.

    One advisor replays them all: its stores (the compiled rules' platform views with their trace
    records, route checks, advice) are bounded by what they hold, so a folder of diverse traces
    does not grow them (a new advisor every 1,000 traces was tried: 48.6 against 52.2 MB peak
    over 3,000 traces, the same CPU, so it was not kept).
    """

    def __init__(self, advisor: Advisor, old: RuleBook | None, key: bytes | str | None, verify: bool, engine: Engine) -> None:
        self.advisor, self.old, self.key, self.verify, self.engine = advisor, old, key, verify, engine

    @classmethod
    def build(
        cls, rules_dir: str, rules_then: str | None, key: bytes | str | None, verify: bool, engine: Engine
    ) -> _Checker:
        """Build a checker in a worker process, from the rule packs' folders."""
        from .._advisor import Advisor

        return cls(Advisor(rules_dir), None if rules_then is None else load_rulebook(rules_then), key, verify, engine)

    def __call__(self, task: tuple[Path, bool]) -> _Outcome:
        path, in_folder = task
        try:
            trace = Trace.load(path)
        except TraceError as exc:
            if not in_folder:
                return _Refused(exc.problem, exc.path, exc.field)
            return unusable(path, exc) or Skipped(str(path), exc.problem)
        return _audit_loaded(trace, self.advisor, self.old, self.key, str(path), self.verify, self.engine)


def _advisor(advisor: Advisor | None) -> Advisor:
    if advisor is not None:
        return advisor
    from .._advisor import Advisor

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
    engine: Engine = "compiled",
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
    :param engine: which engine replays the profile: ``"compiled"`` (the compiled evaluator, proven
        to fire exactly as Experta does) or ``"experta"`` (the engine of record); the report is the same.
    :raises TraceError: when ``trace`` is not a trace.
    :raises RuleBookError: when ``rules_then`` does not load.
    """
    if source is None:
        source = str(trace) if isinstance(trace, (str, Path)) else "<trace>"
    loaded = Trace.load(trace)
    return _audit_loaded(
        loaded, _advisor(advisor), _rulebook(rules_then), key_from_env() if key is None else key, source, verify, engine
    )


def _audit_loaded(
    loaded: Trace, advisor: Advisor, old: RuleBook | None, key: bytes | str | None, source: str, verify: bool, engine: Engine
) -> AuditReport:
    """:func:`audit` of a trace already read and checked against the schema."""
    findings: list[AuditFinding] = []

    status = check_signature(loaded, key, verify, findings)
    profile = check_input(loaded, findings)
    check_consistency(loaded, advisor.rules if old is None else old, findings)
    changes = check_fingerprint(loaded, advisor.rules, old, findings)
    fingerprint_matches = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    reproduced = False
    if profile is not None:
        reproduced = check_replay(loaded, advisor, profile, fingerprint_matches, findings, engine=engine)
    return AuditReport(
        source=source,
        firings=len(loaded.firings),
        signature=status,
        reproduced=reproduced,
        fingerprint_matches=fingerprint_matches,
        findings=tuple(findings),
        rule_changes=tuple(changes),
    )
