"""Finding trace files on disk: folders expanded, and files in a folder that are not traces skipped.

A file named on its own must be a trace. In a folder, a file that is not a
trace (no ``"format": "sellerexpert-trace"``) is skipped and listed; one that
says it is a trace but cannot be read is kept as a failed report.

May import: the document reader, the trace, the errors, the messages and
:mod:`sellerexpert._audit_report` (the records it makes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import _documents
from ._audit_report import AuditFinding, AuditReport, Skipped
from ._errors import TraceError
from ._i18n import N_
from ._messages import Msg
from ._trace import Trace


def collect(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, Trace | AuditReport]], list[Skipped]]:
    """Each file found, read as a trace (or as a failed report when it claims to be one but is broken), and the skipped files.

    :raises TraceError: for a path that does not exist, a folder with no ``*.json`` file, a named
        file that is not a trace, or when no file found is one (nothing could be audited then).
    """
    paths = list(paths)
    loaded: list[tuple[Path, Trace | AuditReport]] = []
    skipped: list[Skipped] = []
    for path, in_folder in found_files(paths):
        try:
            loaded.append((path, Trace.load(path)))
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
    return loaded, skipped


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
        data = _documents.parse(_documents.read_text(path, "trace"), "json")
    except _documents.DocumentProblem:
        return False
    return isinstance(data, dict) and data.get("format") == "sellerexpert-trace"
