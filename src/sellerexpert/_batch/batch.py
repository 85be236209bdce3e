"""Consult many sellers at once: CSV or JSON Lines in, JSON Lines or CSV out, one result per row, in order.

Everything streams. The reader cuts the input into chunks of raw records
(small at first, so output and progress start at once, then up to
:data:`CHUNK_ROWS` rows or :data:`CHUNK_BYTES` bytes); the chunks are
parsed, consulted and serialised either in this process or in worker
processes (:mod:`sellerexpert._workers`), each of which builds its advisor
once; the serialised text comes back in input order and is written as it
is. At most a few chunks per worker are in flight, so memory stays flat
however long the input is, and the parent does almost nothing per row.

A row that cannot be used becomes an error record naming the row, the line,
the field and what it allows; the rows after it go on. One row may hold at
most :data:`ROW_LIMIT` bytes.

Output to a file (:func:`score_to` with a path) goes to ``FILE.partial`` beside it,
which is renamed over ``FILE`` only when every row is written: an
interrupted or crashed run never leaves a half-written ``FILE`` and never
destroys an earlier one. ``FILE.partial.json`` records how far the partial
output goes, so ``resume=True`` carries on after the last complete row. While a
run writes ``FILE`` it holds ``FILE.lock``, so a second run into it refuses;
none of these files is ever written through a link planted at its name
(:mod:`sellerexpert._files.safe_files`), and the state is checked like any input.

Quick use, through the public API::

    from sellerexpert import Advisor, JsonLinesWriter, RowReader, run_batch

    with RowReader.open("sellers.csv") as reader, open("advice.jsonl", "w") as out:
        summary = run_batch(reader, JsonLinesWriter(out), advisor=Advisor(), jobs=2)
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import math
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from .. import _i18n, _language
from .._engine.names import ENGINES as _ENGINES
from .._errors import BatchError, EngineError, ProfileError
from .._files import documents, safe_files
from .._i18n import N_, _
from .._i18n.messages import Msg, platform_words, say
from .._profile.profile import MODELS, PLATFORMS, SellerProfile
from .._records import Key, Record
from .._version import __version__
from .._workers import Workers

if TYPE_CHECKING:
    # Imported where used: the command line imports this module, and `--help` must not load the engine.
    from .._advisor import Advisor, Brief
    from .._engine.names import Engine
    from .._results.result import ConsultationResult

from .._profile.rows import (  # the reading, in a module of its own; named here too, as batch's callers read them
    CHUNK_BYTES,
    CHUNK_ROWS,
    FIRST_CHUNK,
    INPUT_FORMATS,
    ROW_LIMIT,
    Chunk,
    Layout,
    Row,
    RowReader,
    row_format_for,
)

OUTPUT_FORMATS: tuple[str, ...] = ("jsonl", "csv")
ENGINES: tuple[str, ...] = tuple(sorted(_ENGINES))  # as the help pages list them
"""``compiled`` (fast, the default) or ``experta`` (the inference engine of record); the output is the same."""
CHUNKSIZE = FIRST_CHUNK
"""Rows handed to a worker at a time by :func:`consult_rows` when ``jobs > 1``."""

_CANNOT_WRITE_OUTPUT = N_("cannot write the output ({reason})")
_RUN_AFRESH = Msg(N_("run without --resume"))


def consult(advisor: Advisor, profile: SellerProfile, *, engine: str = "compiled") -> ConsultationResult:
    """Consult one profile on the chosen engine: the one place a batch asks for advice.

    :param engine: one of :data:`ENGINES`; both give the same result, byte for byte.
    :raises ValueError: for another engine name.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (allowed: {', '.join(ENGINES)})")
    return advisor.consult(profile, engine=cast("Engine", engine))


# -- consulting ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one row.

    :ivar record: the output record (``row``, ``status`` and the result, or ``error``), ready for JSON.
    :ivar error: the error message naming file, line and field, when the row failed.
    :ivar models: ``(platform, model)`` for each recommendation (empty when the row failed).
    """

    row: int
    record: dict[str, Any]
    error: str | None = None
    models: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the row was consulted."""
        return self.error is None


def _jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as strict JSON can hold it: NaN, infinities, over-long numbers and other objects become text."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        try:
            return value if len(str(value)) <= 30 else str(value)[:30] + "..."
        except ValueError:
            return "<a number too long to show>"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if depth < 20 and isinstance(value, (list, tuple)):
        return [_jsonable(item, depth + 1) for item in value]
    if depth < 20 and isinstance(value, dict):
        return {str(key): _jsonable(item, depth + 1) for key, item in value.items()}
    return repr(value)[:200]


def _error_outcome(row: Row, problem: ProfileError | EngineError) -> Outcome:
    # The record's message is English text (scripts read the output); the outcome's error line, shown on
    # stderr, keeps the message's template so the parent process can say it in the language in force.
    first = problem.args[0] if len(problem.args) == 1 else None
    said: str = first if isinstance(first, Msg) else str(problem)
    if isinstance(problem, ProfileError):
        allowed = problem.allowed
        error = {
            "message": str(problem),
            "line": row.line,
            "field": problem.field,
            "value": _jsonable(problem.value),
            "allowed": list(allowed) if isinstance(allowed, tuple) else allowed,
        }
    else:
        said = Msg(N_("line {line}: {problem}"), line=row.line, problem=said)
        error = {"message": str(said), "line": row.line, "field": None, "value": None, "allowed": None}
    return Outcome(
        row.row,
        {"row": row.row, "status": "error", "error": error},
        error=Msg(N_("row {row}: {message}"), row=row.row, message=said),
    )


def consult_row(advisor: Advisor, row: Row, *, source: str, engine: str = "compiled") -> Outcome:
    """Consult one row; a bad row (or one the rules cannot settle) becomes an error outcome naming the file, line and field.

    The record is English whatever the language in force: batch output is for programs, and must not
    change with ``--lang``.
    """
    with _language.use("en"):
        found = _consulted(advisor, row, source, engine)
        if isinstance(found, (ProfileError, EngineError)):
            return _error_outcome(row, found)
        record = {"row": row.row, "status": "ok", **found.to_dict()}
        return Outcome(row.row, record, models=tuple((r.platform, r.model) for r in found.recommendations))


_Advised = TypeVar("_Advised")


def _advised(
    row: Row, source: str, advise: Callable[[SellerProfile], _Advised]
) -> _Advised | ProfileError | EngineError:
    """What ``advise`` makes of the row's profile, or what kept the row from it (located at its line)."""
    if row.problem is not None:
        return row.problem
    try:
        profile = SellerProfile.from_document(row.data, source=source)
    except ProfileError as exc:
        return exc.located(source, line=row.line)
    try:
        return advise(profile)
    except ProfileError as exc:  # valid numbers whose products cannot be worked out (past 64 digits)
        return exc.located(source, line=row.line)
    except EngineError as exc:
        return exc


def _consulted(advisor: Advisor, row: Row, source: str, engine: str) -> ConsultationResult | ProfileError | EngineError:
    """The row's result, or what kept it from one."""
    return _advised(row, source, lambda profile: consult(advisor, profile, engine=engine))


def _briefed(advisor: Advisor, row: Row, source: str) -> tuple[str | None, Brief] | ProfileError | EngineError:
    """:func:`_consulted` on the compiled engine as a CSV row reads it: the profile's name and its brief."""
    return _advised(row, source, lambda profile: (profile.name, advisor._brief(profile)))


# -- writing ------------------------------------------------------------------

_CSV_PER_PLATFORM = ("model", "confidence", "basis", "reasons")
CSV_COLUMNS: tuple[str, ...] = (
    "row",
    "status",
    "name",
    "best_platform",
    "best_model",
    "best_confidence",
    *(f"{platform}_{key}" for platform in PLATFORMS for key in _CSV_PER_PLATFORM),
    "assumed",
    "error_field",
    "error",
)
"""The CSV output's columns: one row per input row; lists are joined with ``;``."""


def json_line(record: Mapping[str, Any]) -> str:
    """One output record as a JSON Lines line: strict JSON (never ``NaN``), UTF-8 as it is."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"


def csv_cells(record: Mapping[str, Any]) -> dict[str, Any]:
    """One output record as the cells of :data:`CSV_COLUMNS` (missing cells are empty)."""
    line: dict[str, Any] = {"row": record["row"], "status": record["status"]}
    if record["status"] == "ok":
        line["name"] = record["profile"].get("name", "")
        best = record["best"]
        line.update(best_platform=best["platform"], best_model=best["model"], best_confidence=best["confidence"])
        for rec in record["recommendations"]:
            prefix = rec["platform"] + "_"
            line[prefix + "model"] = rec["model"]
            line[prefix + "confidence"] = rec["confidence"]
            line[prefix + "basis"] = rec["basis"]
            line[prefix + "reasons"] = ";".join(reason["rule"] for reason in rec["reasons"])
        assumptions = record["recommendations"][0]["assumptions"] if record["recommendations"] else []
        line["assumed"] = ";".join(a["field"] for a in assumptions)
    else:
        line["error_field"] = record["error"]["field"] or ""
        line["error"] = record["error"]["message"]
    return line


def result_cells(row: int, result: ConsultationResult) -> dict[str, Any]:
    """:func:`csv_cells` of ``{"row": row, "status": "ok", **result.to_dict()}``, read from the result itself."""
    best = result.best
    line: dict[str, Any] = {
        "row": row,
        "status": "ok",
        "name": result.profile.to_dict().get("name", ""),
        "best_platform": best.platform,
        "best_model": best.model,
        "best_confidence": best.confidence,
    }
    for rec in result.recommendations:
        prefix = rec.platform + "_"
        line[prefix + "model"] = rec.model
        line[prefix + "confidence"] = rec.confidence
        line[prefix + "basis"] = rec.basis
        line[prefix + "reasons"] = ";".join(reason.rule for reason in rec.reasons)
    assumptions = result.recommendations[0].assumptions if result.recommendations else ()
    line["assumed"] = ";".join(a.field for a in assumptions)
    return line


def brief_cells(row: int, name: str | None, brief: Brief) -> dict[str, Any]:
    """:func:`result_cells` of the result whose :class:`~sellerexpert._advisor.Brief` this is (``name``: the profile's)."""
    platform, model, confidence = brief.best
    line: dict[str, Any] = {
        "row": row,
        "status": "ok",
        "name": name if name is not None else "",
        "best_platform": platform,
        "best_model": model,
        "best_confidence": confidence,
    }
    for platform, model, confidence, basis, reasons in brief.platforms:
        prefix = platform + "_"
        line[prefix + "model"] = model
        line[prefix + "confidence"] = confidence
        line[prefix + "basis"] = basis
        line[prefix + "reasons"] = ";".join(reasons)
    line["assumed"] = ";".join(brief.assumed)
    return line


class _Lines:
    """Serialises records into one UTF-8 block, in the output format (the same code in every worker).

    Lines are encoded one by one and joined once: one large buffer per chunk, where
    a text buffer, its copy and its encoding would take three (large buffers are
    fresh memory each time, and page faults were a third of a worker's time).
    """

    def __init__(self, format: str, *, finite_facts: bool = True) -> None:
        self.format = format
        self._finite_facts = finite_facts
        self._lines: list[bytes] = []
        self._text = io.StringIO()
        self._csv = csv.DictWriter(self._text, fieldnames=CSV_COLUMNS, lineterminator="\n") if format == "csv" else None

    def add(self, record: Mapping[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(csv_cells(record))
            self._lines.append(self._text.getvalue().encode("utf-8"))
            self._text.seek(0)
            self._text.truncate()
        else:
            self._lines.append(json_line(record).encode("utf-8"))

    def add_ok(self, row: int, result: ConsultationResult) -> None:
        """A consulted row's record (the same bytes as :meth:`add` of ``{"row", "status": "ok", **result.to_dict()}``).

        :raises ValueError: when the result holds NaN or an infinity (a broken rule pack): never printed.
        """
        if self._csv is not None:
            # A CSV row needs only the models, confidences, bases and rule ids: read from the result, not its dict.
            self._csv.writerow(result_cells(row, result))
            self._lines.append(self._text.getvalue().encode("utf-8"))
            self._text.seek(0)
            self._text.truncate()
            return
        # The only numbers in a result are the computed confidences and the rule book's platform
        # facts (checked once, for every row, when the scorer is built): check the confidences here.
        if not self._finite_facts or not all(math.isfinite(r.confidence) for r in result.recommendations):
            json_line({"row": row, "status": "ok", **result.to_dict()})  # strict: raises on a non-finite number
        # The result's own one-line JSON reuses what it already wrote for sellers the rules cannot tell apart.
        text = f'{{"row": {row}, "status": "ok", ' + result.to_json(indent=None)[1:] + "\n"
        self._lines.append(text.encode("utf-8"))

    def add_cells(self, cells: Mapping[str, Any]) -> None:
        """A CSV row of these cells (:func:`brief_cells`)."""
        assert self._csv is not None
        self._csv.writerow(cells)
        self._lines.append(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()

    def data(self) -> bytes:
        """Everything added since the last call, as UTF-8."""
        data = b"".join(self._lines)
        self._lines.clear()
        return data


class JsonLinesWriter:
    """Writes one JSON object per line: the outcome's record."""

    format = "jsonl"

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, outcome: Outcome) -> None:
        """Write one outcome."""
        self.stream.write(json_line(outcome.record))


class CsvWriter:
    """Writes a header (unless ``header=False``), then one line per outcome with the columns of :data:`CSV_COLUMNS`."""

    format = "csv"

    def __init__(self, stream: IO[str], *, header: bool = True) -> None:
        self.stream = stream
        self._writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
        if header:
            self._writer.writeheader()

    def write(self, outcome: Outcome) -> None:
        """Write one outcome."""
        self._writer.writerow(csv_cells(outcome.record))


Writer = JsonLinesWriter | CsvWriter


def writer_for(format: str, stream: IO[str], *, header: bool = True) -> Writer:
    """A writer for ``jsonl`` or ``csv`` output (``header=False``: no CSV header, to append).

    :raises ValueError: for another format.
    """
    if format == "jsonl":
        return JsonLinesWriter(stream)
    if format == "csv":
        return CsvWriter(stream, header=header)
    raise ValueError(f"unknown output format '{format}' (allowed: {', '.join(OUTPUT_FORMATS)})")


# -- scoring chunks -----------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """A chunk, done: its output text and what the summary needs.

    :ivar data: the chunk's output, ready to write (UTF-8).
    :ivar rows: how many rows it held.
    :ivar failed: how many of them failed.
    :ivar errors: ``(row, message)`` for the first few failed rows (up to :attr:`Summary.SHOWN`).
    :ivar models: recommendations counted by ``(platform, model)``.
    """

    first_row: int
    data: bytes
    rows: int
    failed: int
    errors: tuple[tuple[int, str], ...]
    models: Counter[tuple[str, str]]


class Scorer:
    """Turns chunks into :class:`Scored` text; one per process, built once.

    :param trace_dir: write each consulted row's trace there as ``row-NNNNNN.json``
        (signed when ``SELLEREXPERT_TRACE_KEY`` is set).
    """

    def __init__(
        self,
        advisor: Advisor,
        layout: Layout,
        *,
        output_format: str = "jsonl",
        engine: str = "compiled",
        trace_dir: str | Path | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine '{engine}' (allowed: {', '.join(ENGINES)})")
        self.advisor = advisor
        self.layout = layout
        self.engine = engine
        self.trace_dir = Path(trace_dir) if trace_dir is not None else None
        facts = [fact.value for platform in advisor.rules.platforms.values() for fact in platform.facts.values()]
        try:
            json.dumps(facts, allow_nan=False)
        except ValueError:
            finite = False
        else:
            finite = True
        self._lines = _Lines(output_format, finite_facts=finite)
        # A CSV row without a trace reads only decisions and rule ids: the compiled engine gives them unworded.
        self._brief = output_format == "csv" and engine == "compiled" and self.trace_dir is None

    @classmethod
    def build(cls, rules_dir: str, layout: Layout, output_format: str, engine: str, trace_dir: str | None) -> Scorer:
        """Build a scorer in a worker process, from the rule pack's folder."""
        from .._advisor import Advisor

        return cls(Advisor(rules_dir), layout, output_format=output_format, engine=engine, trace_dir=trace_dir)

    def __call__(self, chunk: Chunk) -> Scored:
        """Parse, consult and serialise every row of the chunk (in English: the output does not change with ``--lang``)."""
        with _language.use("en"):
            return self._score(chunk)

    def _score(self, chunk: Chunk) -> Scored:
        failed = 0
        errors: list[tuple[int, str]] = []
        models: Counter[tuple[str, str]] = Counter()
        lines, source, engine, advisor = self._lines, self.layout.source, self.engine, self.advisor
        for row in self.layout.rows(chunk):
            if self._brief:
                briefed = _briefed(advisor, row, source)
                if isinstance(briefed, tuple):
                    name, brief = briefed
                    lines.add_cells(brief_cells(row.row, name, brief))
                    models.update((platform, model) for platform, model, _c, _b, _r in brief.platforms)
                    continue
                found: ConsultationResult | ProfileError | EngineError = briefed
            else:
                found = _consulted(advisor, row, source, engine)
            if not isinstance(found, (ProfileError, EngineError)):
                try:
                    lines.add_ok(row.row, found)
                except ValueError as exc:  # NaN in a result (a broken rule pack): never print non-JSON
                    found = EngineError(Msg(N_("the result is not strict JSON ({detail})"), detail=str(exc)))
                else:
                    models.update((r.platform, r.model) for r in found.recommendations)
                    if self.trace_dir is not None:
                        self._save_trace(row.row, found)
                    continue
            outcome = _error_outcome(row, found)
            lines.add(outcome.record)
            failed += 1
            if len(errors) < Summary.SHOWN:
                errors.append((outcome.row, outcome.error or ""))
        count = len(chunk.records)
        return Scored(chunk.first_row, self._lines.data(), count, failed, tuple(errors), models)

    def _save_trace(self, row: int, result: ConsultationResult) -> None:
        assert self.trace_dir is not None
        trace = result.trace.signed()  # with SELLEREXPERT_TRACE_KEY, when it is set
        path = self.trace_dir / f"row-{row:06d}.json"
        try:
            # Written aside and renamed over the name: a link planted at it is replaced, never written through.
            safe_files.replace(path, (trace.to_json() + "\n").encode("utf-8"))
        except OSError as exc:
            raise BatchError(
                Msg(N_("cannot write the trace of row {row} ({reason})"), row=row, reason=exc.strerror), path=path
            ) from None


def _rows_handler(rules_dir: str, source: str, engine: str) -> Callable[[list[Row]], list[Outcome]]:
    from .._advisor import Advisor

    advisor = Advisor(rules_dir)
    return lambda rows: [consult_row(advisor, row, source=source, engine=engine) for row in rows]


def consult_rows(
    rows: Iterable[Row],
    *,
    advisor: Advisor,
    source: str,
    jobs: int = 1,
    engine: str = "compiled",
) -> Iterator[Outcome]:
    """Consult each row, lazily, yielding outcomes in input order.

    :param jobs: worker processes; 1 consults in this process. The output is the same for any value.
        Each worker loads ``advisor``'s rule pack itself; at most a few chunks of
        :data:`CHUNKSIZE` rows per worker are read ahead.
    """
    if jobs <= 1:
        for row in rows:
            yield consult_row(advisor, row, source=source, engine=engine)
        return

    def batches() -> Iterator[list[Row]]:
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNKSIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    setup = functools.partial(_rows_handler, str(advisor.rules.directory), source, engine)
    with Workers[list[Row], list[Outcome]](jobs, setup) as workers:
        for outcomes in workers.map(batches()):
            yield from outcomes


# -- the whole batch ----------------------------------------------------------


def _per_platform(models: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """The counts per platform and model, platforms in the rule book's order, models by name."""
    per_platform: dict[str, dict[str, int]] = {}
    for (platform, model), count in sorted(models.items(), key=lambda item: (PLATFORMS.index(item[0][0]), item[0][1])):
        per_platform.setdefault(platform, {})[model] = count
    return per_platform


@dataclass
class Summary(
    Record, keys=("rows", Key("ok", attr="succeeded"), "failed", Key("recommendations", attr="models", via=_per_platform))
):
    """Counts over a batch: rows, failures, and recommendations per platform and model.

    Its JSON (``to_dict``): ``rows``, ``ok`` (the rows that succeeded), ``failed``, ``recommendations``
    (platform, model, count).
    """

    rows: int = 0
    failed: int = 0
    models: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed_rows: list[int] = field(default_factory=list)
    """The first few failed row numbers (up to :attr:`SHOWN`)."""

    SHOWN = 20

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.count(outcome.row, outcome.models, failed=not outcome.ok)

    def count(self, row: int, models: Iterable[tuple[str, str]], *, failed: bool) -> None:
        """Count one row from its parts (as read back from earlier output, to resume)."""
        self.rows += 1
        if failed:
            self.failed += 1
            if len(self.failed_rows) < self.SHOWN:
                self.failed_rows.append(row)
        else:
            self.models.update(models)

    def merge(self, scored: Scored) -> None:
        """Count a whole chunk."""
        self.rows += scored.rows
        self.failed += scored.failed
        self.models.update(scored.models)
        for row, _error in scored.errors:
            if len(self.failed_rows) < self.SHOWN:
                self.failed_rows.append(row)

    @property
    def succeeded(self) -> int:
        """The rows that were scored without an error."""
        return self.rows - self.failed

    def state(self) -> dict[str, Any]:
        """Everything needed to rebuild this summary (:meth:`from_state`), as JSON-ready data."""
        return {
            "rows": self.rows,
            "failed": self.failed,
            "failed_rows": list(self.failed_rows),
            "models": [[platform, model, count] for (platform, model), count in sorted(self.models.items())],
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Summary:
        """The summary :meth:`state` described."""
        models: Counter[tuple[str, str]] = Counter({(str(p), str(m)): int(c) for p, m, c in data["models"]})
        return cls(int(data["rows"]), int(data["failed"]), models, [int(r) for r in data["failed_rows"]])

    def text(self) -> str:
        """The summary for a person."""
        data = self.to_dict()
        lines = [_("rows: {rows} ({ok} consulted, {failed} failed)").format(rows=self.rows, ok=data["ok"], failed=self.failed)]
        sep = _(", ")
        for platform, models in data["recommendations"].items():
            counts = sep.join(f"{_i18n.model_words(model)} {count}" for model, count in models.items())
            lines.append(_("  {platform}: {counts}").format(platform=say(platform_words(platform)), counts=counts))
        if self.failed:
            rows = sep.join(map(str, self.failed_rows))
            if self.failed > len(self.failed_rows):
                lines.append(
                    _("failed rows: {rows} and {count} more").format(rows=rows, count=self.failed - len(self.failed_rows))
                )
            else:
                lines.append(_("failed rows: {rows}").format(rows=rows))
        return "\n".join(lines)


def _scored(
    reader: RowReader, advisor: Advisor, *, output_format: str, jobs: int, engine: str, trace_dir: str | Path | None
) -> Iterator[Scored]:
    """Every remaining chunk of ``reader``, scored in order, here or in ``jobs`` worker processes."""
    if trace_dir is not None:
        try:
            Path(trace_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(Msg(N_("cannot make the trace folder ({reason})"), reason=exc.strerror), path=trace_dir) from None
    if jobs <= 1:
        scorer = Scorer(advisor, reader.layout, output_format=output_format, engine=engine, trace_dir=trace_dir)
        yield from map(scorer, reader.chunks())
        return
    setup = functools.partial(
        Scorer.build,
        str(advisor.rules.directory),
        reader.layout,
        output_format,
        engine,
        None if trace_dir is None else str(trace_dir),
    )
    with Workers[Chunk, Scored](jobs, setup) as workers:
        yield from workers.map(reader.chunks())


def run(
    reader: RowReader,
    writer: Writer,
    *,
    advisor: Advisor,
    jobs: int = 1,
    engine: str = "compiled",
    trace_dir: str | Path | None = None,
    summary: Summary | None = None,
    on_chunk: Callable[[Scored], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Consult every remaining row of ``reader`` and write each result, in input order.

    :param jobs: worker processes (1: this process); each builds its advisor once. The output is the same for any value.
    :param engine: one of :data:`ENGINES`; the output is the same for either.
    :param trace_dir: also write each consulted row's trace into this folder (``row-NNNNNN.json``).
    :param summary: counts to carry on from (when resuming); a new summary when ``None``.
    :param on_chunk: called after each chunk is written (progress, error reporting, checkpoints).
    :param on_outcome: called after each row is written, with its :class:`Outcome` (as in earlier
        releases; rows then go one by one, which is slower, and ``trace_dir`` is not available).
    :returns: the counts; ``summary.failed`` tells whether any row failed.
    :raises BatchError: when the trace folder cannot be written.
    :raises ValueError: for ``on_outcome`` with ``trace_dir``.
    """
    summary = summary if summary is not None else Summary()
    if on_outcome is not None:
        if trace_dir is not None:
            raise ValueError("on_outcome cannot be combined with trace_dir")
        for outcome in consult_rows(reader, advisor=advisor, source=reader.source, jobs=jobs, engine=engine):
            writer.write(outcome)
            summary.add(outcome)
            on_outcome(outcome)
        return summary
    write = _bytes_writer(writer.stream)
    for scored in _scored(reader, advisor, output_format=writer.format, jobs=jobs, engine=engine, trace_dir=trace_dir):
        # Written and counted as one step: after Ctrl-C the count says exactly what was written.
        with _signals_deferred():
            write(scored.data)
            summary.merge(scored)
            if on_chunk is not None:
                on_chunk(scored)
    return summary


def _bytes_writer(stream: IO[str]) -> Callable[[bytes], object]:
    """Write UTF-8 blocks to a text stream: straight to its byte buffer when it has one and is UTF-8.

    A failed write (a full disk) to a named file becomes a :class:`BatchError` naming it;
    other streams' errors, and a closed pipe, are raised as they are.
    """
    binary = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None)
    if binary is not None and isinstance(encoding, str) and codecs.lookup(encoding).name == "utf-8":
        stream.flush()  # what was written as text (a CSV header) goes first
        raw, flush = cast(Callable[[bytes], object], binary.write), binary.flush
    else:
        raw, flush = (lambda data: stream.write(data.decode("utf-8"))), stream.flush

    name = getattr(stream, "name", None)
    # A named file's failure names the file; stdout's is left to the caller, which treats
    # it like any command's (the command line: one line, exit 1).
    path = name if isinstance(name, str) and not name.startswith("<") else None

    def write(data: bytes) -> object:
        try:
            written = raw(data)
            flush()  # a chunk at a time: a reader sees rows as they are done, and a full disk is seen here
            return written
        except BrokenPipeError:
            raise
        except OSError as exc:
            if path is None:
                raise
            raise BatchError(Msg(_CANNOT_WRITE_OUTPUT, reason=exc.strerror), path=path) from None

    return write


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends (main thread, POSIX; elsewhere a no-op)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)



# -- output files: written aside, renamed at the end, resumable ---------------

PARTIAL_SUFFIX = ".partial"
"""``FILE.partial`` holds the rows written so far; it becomes ``FILE`` when every row is written."""
STATE_SUFFIX = ".partial.json"
"""``FILE.partial.json`` says how far ``FILE.partial`` goes and what produced it (for ``resume``)."""
_STATE_FORMAT = "sellerexpert-batch-state"


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C (or a signal turned into one) before its last row.

    :ivar rows: how many complete rows were written before the stop.
    :ivar output: the output file (``None`` for a stream such as stdout), which was left as it was.
    :ivar partial: where the rows done are kept for ``resume`` (``None`` for a stream).
    :ivar existed: whether the output file was there before the run (and so was kept).
    """

    def __init__(self, rows: int, output: Path | None = None, partial: Path | None = None, *, existed: bool = False) -> None:
        self.rows = rows
        self.output = output
        self.partial = partial
        self.existed = existed
        super().__init__(self.message())

    def message(self) -> str:
        """What became of the output, for a person."""
        if self.output is None or self.partial is None:
            return _("Interrupted: {rows} rows were written before the stop.").format(rows=self.rows)
        if self.existed:
            text = _(
                "Interrupted: {output} was left as it was; the {rows} rows done are kept in {partial}. "
                "Run the same command with --resume to go on from there."
            )
        else:
            text = _(
                "Interrupted: {output} was not written; the {rows} rows done are kept in {partial}. "
                "Run the same command with --resume to go on from there."
            )
        return text.format(output=self.output, rows=self.rows, partial=self.partial)


def _identity(stream: IO[Any] | BinaryIO) -> tuple[int, int] | None:
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    return (status.st_dev, status.st_ino)


def _same_file(identity: tuple[int, int] | None, path: Path) -> bool:
    if identity is None:
        return False
    try:
        status = os.stat(path)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) == identity


def _describe_input(reader: RowReader, advisor: Advisor, output_format: str) -> dict[str, Any]:
    """What must not change between an interrupted run and its resumption."""
    input_status: dict[str, Any] = {"input": reader.source}
    try:
        status = os.fstat(reader._binary.fileno())
        if reader.source != "<stdin>":
            input_status.update(input=str(Path(reader.source).resolve()), size=status.st_size, mtime_ns=status.st_mtime_ns)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    return {
        **input_status,
        "input_format": reader.format,
        "output_format": output_format,
        "rules": advisor.rules.fingerprint,
        "package_version": __version__,
    }


def _count_records(tail: bytes, output_format: str, summary: Summary) -> int:
    """Count the complete records at the start of ``tail`` into ``summary``; returns their length in bytes."""
    kept = 0
    if output_format == "jsonl":
        for line in tail.split(b"\n")[:-1]:  # the piece after the last newline is incomplete
            try:
                record = json.loads(line, object_pairs_hook=documents.unique_keys)
                models = [(rec["platform"], rec["model"]) for rec in record.get("recommendations", ())]
                summary.count(int(record["row"]), models, failed=record["status"] != "ok")
            except (ValueError, KeyError, TypeError, AttributeError):
                break
            kept += len(line) + 1
        return kept
    pending: list[bytes] = []
    for line in tail.splitlines(keepends=True):
        pending.append(line)
        record_bytes = b"".join(pending)
        if record_bytes.count(b'"') % 2 or not record_bytes.endswith(b"\n"):
            continue  # a quoted cell runs on, or the line was cut short
        pending = []
        try:
            cells = dict(zip(CSV_COLUMNS, next(csv.reader((record_bytes.decode("utf-8"),))), strict=False))
            models = [(p, cells[f"{p}_model"]) for p in PLATFORMS if cells.get(f"{p}_model")]
            summary.count(int(cells["row"]), models, failed=cells["status"] != "ok")
        except (ValueError, KeyError, csv.Error, StopIteration):
            break
        kept += len(record_bytes)
    return kept


_STATE_LIMIT = 1 << 20
"""The most bytes a resume state file may hold (a real one holds a few hundred)."""


def _state_problem(text: str, *, field: str | None = None, **values: Any) -> tuple[str | None, Msg]:
    return field, Msg(text, **values)


def _whole(value: Any, *, least: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _check_state(state: Any) -> tuple[str | None, Msg] | None:
    """What is wrong with a parsed resume state (the key at fault and the problem), or ``None``.

    The state is read like any input: a hand-edited file is refused naming the key, never crashed on.
    """
    if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT:
        return _state_problem(N_("is not a batch state file"))
    if state.get("version") != 1:
        return _state_problem(N_("version {version} is not one this sellerexpert writes (1)"), field="version",
                              version=repr(state.get("version")))
    if not isinstance(state.get("identity"), dict):
        return _state_problem(N_("expected a table describing the earlier run"), field="identity")
    if not _whole(state.get("bytes")):
        return _state_problem(N_("expected a whole number of bytes, 0 or more, got {value}"), field="bytes",
                              value=json.dumps(_jsonable(state.get("bytes"))))
    summary = state.get("summary")
    if not isinstance(summary, dict):
        return _state_problem(N_("expected a table of counts"), field="summary")
    for key in ("rows", "failed"):
        if not _whole(summary.get(key)):
            return _state_problem(N_("expected a whole number, 0 or more, got {value}"), field=f"summary.{key}",
                                  value=json.dumps(_jsonable(summary.get(key))))
    if summary["failed"] > summary["rows"]:
        return _state_problem(N_("{failed} failed rows is more than the {rows} rows done"), field="summary.failed",
                              failed=summary["failed"], rows=summary["rows"])
    failed_rows = summary.get("failed_rows")
    if not isinstance(failed_rows, list) or not all(_whole(row, least=1) for row in failed_rows):
        return _state_problem(N_("expected a list of row numbers (1 or more)"), field="summary.failed_rows")
    models = summary.get("models")
    allowed = [[p, m, "count"] for p in PLATFORMS for m in MODELS]
    if not isinstance(models, list) or not all(
        isinstance(item, list) and len(item) == 3 and item[0] in PLATFORMS and item[1] in MODELS and _whole(item[2])
        for item in models
    ):
        return _state_problem(N_("expected a list of [platform, model, count] such as {example}"), field="summary.models",
                              example=json.dumps(allowed[0]))
    return None


class _PartialOutput:
    """``FILE.partial`` and its state file: checkpoints after each chunk, rename over ``FILE`` at the end.

    Every file is opened without following a link (:mod:`sellerexpert._files.safe_files`): the partial output is made
    afresh (or, to resume, must be a regular file with one name) and the state is replaced whole.
    """

    def __init__(self, path: Path, identity: dict[str, Any], output_format: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + PARTIAL_SUFFIX)
        self.state_path = path.with_name(path.name + STATE_SUFFIX)
        self.identity = identity
        self.format = output_format
        self.stream: IO[str] | None = None

    def _stream(self, descriptor: int) -> IO[str]:
        return open(descriptor, "w", encoding="utf-8", newline="")

    def start(self) -> Writer:
        """Begin afresh (replacing any earlier partial output, or whatever was planted at its name)."""
        try:
            safe_files.remove(self.partial)  # unlinking a link removes the link, never its target
            self.stream = self._stream(safe_files.create(self.partial))
        except OSError as exc:
            raise BatchError(Msg(_CANNOT_WRITE_OUTPUT, reason=exc.strerror), path=self.partial) from None
        writer = writer_for(self.format, self.stream)
        self.checkpoint(Summary())
        return writer

    def _state(self) -> dict[str, Any] | None:
        """The earlier run's state, checked; ``None`` when there is none."""
        try:
            descriptor = safe_files.open_existing(self.state_path)
            if descriptor is None:
                return None
            with open(descriptor, "rb") as stream:
                raw = stream.read(_STATE_LIMIT + 1)
        except OSError as exc:
            raise BatchError(
                Msg(N_("cannot be read ({reason})"), reason=exc.strerror), path=self.state_path, suggestion=_RUN_AFRESH
            ) from None
        try:
            if len(raw) > _STATE_LIMIT:
                raise documents.DocumentProblem(Msg(N_("is larger than a batch state file can be")))
            state = documents.parse(documents.decode(raw), "json")
        except documents.DocumentProblem as exc:
            where = f"{self.state_path}:{exc.line}" if exc.line else self.state_path
            raise BatchError(exc.problem, path=where, suggestion=_RUN_AFRESH) from None
        found = _check_state(state)
        if found is not None:
            field, problem = found
            raise BatchError(problem, path=self.state_path, field=field, suggestion=_RUN_AFRESH)
        return cast("dict[str, Any]", state)

    def load(self) -> tuple[Summary, int] | None:
        """The summary and byte length of the earlier run's complete rows, or ``None`` when there is none.

        :raises BatchError: when the earlier run read another input, rules or formats, or its files
            cannot be used (a hand-edited state, a link planted at a name).
        """
        state = self._state()
        if state is None:
            return None
        for key, value in self.identity.items():
            if state["identity"].get(key) != value:
                raise BatchError(
                    Msg(
                        N_("the earlier run had another {what} ({then}, now {now})"),
                        what=key.replace("_", " "), then=repr(state["identity"].get(key)), now=repr(value),
                    ),
                    path=self.partial,
                    suggestion=Msg(N_("run without --resume to start afresh")),
                )
        try:
            descriptor = safe_files.open_existing(self.partial)
            if descriptor is None:
                return None
            with open(descriptor, "rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                done = int(state["bytes"])
                if size < done:
                    raise BatchError(Msg(N_("is shorter than its state file says")), path=self.partial, suggestion=_RUN_AFRESH)
                stream.seek(done)
                tail = stream.read()
        except OSError as exc:
            raise BatchError(
                Msg(N_("cannot be read ({reason})"), reason=exc.strerror), path=self.partial, suggestion=_RUN_AFRESH
            ) from None
        summary = Summary.from_state(state["summary"])
        return summary, done + _count_records(tail, self.format, summary)

    def resume(self) -> tuple[Writer, Summary] | None:
        """Carry on after the last complete row of the earlier run, or ``None`` when there is nothing to resume."""
        loaded = self.load()
        if loaded is None:
            return None
        summary, done = loaded
        try:
            descriptor = safe_files.open_existing(self.partial, write=True)
            if descriptor is None:
                return None
            os.ftruncate(descriptor, done)
            os.lseek(descriptor, 0, os.SEEK_END)
            self.stream = self._stream(descriptor)
        except OSError as exc:
            raise BatchError(Msg(_CANNOT_WRITE_OUTPUT, reason=exc.strerror), path=self.partial) from None
        self.checkpoint(summary)
        return writer_for(self.format, self.stream, header=False), summary

    def checkpoint(self, summary: Summary) -> None:
        """Record that everything written so far (``summary.rows`` rows) is complete."""
        assert self.stream is not None
        self.stream.flush()
        state = {
            "format": _STATE_FORMAT,
            "version": 1,
            "identity": self.identity,
            "bytes": os.fstat(self.stream.fileno()).st_size,
            "summary": summary.state(),
        }
        try:
            safe_files.replace(self.state_path, json.dumps(state, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            raise BatchError(
                Msg(N_("cannot write the resume state ({reason})"), reason=exc.strerror), path=self.state_path
            ) from None

    def commit(self) -> None:
        """Make the output ``FILE``: everything flushed to disk, then renamed over it in one step."""
        assert self.stream is not None
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self.partial, self.path)
        except OSError as exc:
            raise BatchError(Msg(_CANNOT_WRITE_OUTPUT, reason=exc.strerror), path=self.path) from None
        safe_files.remove(self.state_path)

    def rows_kept(self) -> int:
        """How many complete rows the partial output holds now (after a stop)."""
        if self.stream is not None and not self.stream.closed:
            self.stream.close()
        loaded = self.load()
        return 0 if loaded is None else loaded[0].rows


def score_to(
    reader: RowReader,
    target: str | Path | IO[str],
    *,
    advisor: Advisor,
    output_format: str = "jsonl",
    jobs: int = 1,
    engine: str = "compiled",
    trace_dir: str | Path | None = None,
    resume: bool = False,
    on_start: Callable[[Summary], None] | None = None,
    on_chunk: Callable[[Scored], None] | None = None,
) -> Summary:
    """Score every row of ``reader`` into ``target``: a stream, or a file written safely (see the module's notes).

    A file is written to ``FILE.partial`` beside it and renamed over ``FILE`` at the
    end; a device or pipe (``/dev/null``, a FIFO) is written directly.

    :param resume: carry on after the last complete row of an earlier, interrupted run
        into the same file (the same input, rules and formats); starts afresh when
        there is nothing to resume.
    :param on_start: called once before the first row with the counts carried over (0 rows when not resuming).
    :param on_chunk: called after each chunk is written.
    :raises BatchError: when the output is the input, another run is writing it, it cannot be written
        (a link planted beside it), or it cannot be resumed (another input, a hand-edited state).
    :raises BatchInterrupted: on Ctrl-C, saying how many rows were written and where.
    """
    if not isinstance(target, (str, Path)):
        written = Summary()
        if on_start is not None:
            on_start(written)
        try:
            return run(reader, writer_for(output_format, target), advisor=advisor, jobs=jobs, engine=engine,
                       trace_dir=trace_dir, summary=written, on_chunk=on_chunk)
        except KeyboardInterrupt:
            raise BatchInterrupted(written.rows) from None
    path = Path(target)
    source = _identity(reader._binary)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    if _same_file(source, path) or _same_file(source, partial):
        raise BatchError(Msg(N_("is the input file; it would be overwritten")), path=path)
    if path.is_dir():
        raise BatchError(Msg(N_("is a directory")), path=path)
    if safe_files.special(path):
        # A device or a pipe: nothing to rename over, and nothing to resume.
        if resume:
            raise BatchError(Msg(N_("is not a regular file, so a run into it cannot be resumed")), path=path)
        try:
            with open(path, "w", encoding="utf-8", newline="") as stream:
                return score_to(reader, stream, advisor=advisor, output_format=output_format, jobs=jobs,
                                engine=engine, trace_dir=trace_dir, on_start=on_start, on_chunk=on_chunk)
        except OSError as exc:
            raise BatchError(Msg(_CANNOT_WRITE_OUTPUT, reason=exc.strerror), path=path) from None
    # One run at a time into one output: a second one (resumed or not) would interleave its rows with ours.
    with safe_files.OutputLock(path):
        return _score_to_file(reader, path, advisor=advisor, output_format=output_format, jobs=jobs, engine=engine,
                              trace_dir=trace_dir, resume=resume, on_start=on_start, on_chunk=on_chunk)


def _score_to_file(
    reader: RowReader,
    path: Path,
    *,
    advisor: Advisor,
    output_format: str,
    jobs: int,
    engine: str,
    trace_dir: str | Path | None,
    resume: bool,
    on_start: Callable[[Summary], None] | None,
    on_chunk: Callable[[Scored], None] | None,
) -> Summary:
    """:func:`score_to` into a regular file, the output's lock held."""
    existed = path.exists()
    output = _PartialOutput(path, _describe_input(reader, advisor, output_format), output_format)
    try:
        resumed = output.resume() if resume else None
        if resumed is None:
            writer, summary = output.start(), Summary()
        else:
            writer, summary = resumed
            if reader.skip(summary.rows) < summary.rows:
                raise BatchError(Msg(N_("holds {rows} rows, more than the input has"), rows=summary.rows),
                                 path=output.partial, suggestion=_RUN_AFRESH)
        if on_start is not None:
            on_start(summary)

        def chunk_done(scored: Scored) -> None:
            output.checkpoint(summary)
            if on_chunk is not None:
                on_chunk(scored)

        try:
            run(reader, writer, advisor=advisor, jobs=jobs, engine=engine, trace_dir=trace_dir, summary=summary,
                on_chunk=chunk_done)
        except KeyboardInterrupt:
            raise BatchInterrupted(output.rows_kept(), path, output.partial, existed=existed) from None
        output.commit()
    except BaseException:
        if output.stream is not None and not output.stream.closed:
            with contextlib.suppress(OSError):  # a full disk fails the final flush too; the first error is the one to tell
                output.stream.close()  # what was written stays in FILE.partial, to resume
        raise
    return summary


__all__ = [
    "PARTIAL_SUFFIX",
    "STATE_SUFFIX",
    "BatchInterrupted",
    "CHUNK_BYTES",
    "CHUNK_ROWS",
    "CSV_COLUMNS",
    "ENGINES",
    "FIRST_CHUNK",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "ROW_LIMIT",
    "Chunk",
    "CsvWriter",
    "JsonLinesWriter",
    "Layout",
    "Outcome",
    "Row",
    "RowReader",
    "Scored",
    "Scorer",
    "Summary",
    "consult",
    "consult_row",
    "consult_rows",
    "csv_cells",
    "json_line",
    "row_format_for",
    "run",
    "score_to",
    "writer_for",
]
