"""Finding trace files on disk: folders expanded, and files in a folder that are not traces skipped.

A file named on its own must be a trace. In a folder, a file that is not a
trace (no ``"format": "sellerexpert-trace"``) is skipped and listed; one that
says it is a trace but cannot be read is kept as a failed report. The files
are only listed here, not read: :func:`sellerexpert._audit.audit.audit_paths` reads
and audits them one at a time.

May import: the document reader, the errors, the messages and
:mod:`sellerexpert._audit.report` (the records it makes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .._errors import TraceError
from .._files import documents
from .._i18n import N_
from .._i18n.messages import Msg
from .report import AuditFinding, AuditReport


def unusable(path: Path, exc: TraceError) -> AuditReport | None:
    """A failed report for a file in a folder that says it is a trace but cannot be read.

    ``None`` for any other file: it is skipped.
    """
    if not _claims_to_be_a_trace(path):
        return None
    finding = AuditFinding("input", Msg(N_("not a usable trace: {problem}"), problem=exc.problem))
    return AuditReport(str(path), 0, "unsigned", False, False, (finding,))


def found_files(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
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


def _claims_to_be_a_trace(path: Path) -> bool:
    try:
        data = documents.parse(documents.read_text(path, "trace"), "json")
    except documents.DocumentProblem:
        return False
    return isinstance(data, dict) and data.get("format") == "sellerexpert-trace"
