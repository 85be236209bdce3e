"""Consult many sellers at once: CSV or JSON Lines in, JSON Lines or CSV out, one result per row, in order.

Everything streams: rows are read one at a time, consulted (in this process or
in a pool of worker processes), and written as soon as their turn in the input
order comes. At most a fixed window of rows is in flight, so memory stays flat
however long the input is.

A row that cannot be used becomes an error record naming the row, the line,
the field and what it allows; the rows after it go on.

Quick use::

    from sellerexpert import Advisor
    from sellerexpert.batch import RowReader, JsonLinesWriter, run

    with RowReader.open("sellers.csv") as reader, open("advice.jsonl", "w") as out:
        summary = run(reader, JsonLinesWriter(out), advisor=Advisor(), jobs=2)
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from .errors import ProfileError
from .profile import FIELDS_BY_NAME, PLATFORMS, SellerProfile, closest

if TYPE_CHECKING:
    from .advisor import Advisor

INPUT_FORMATS: tuple[str, ...] = ("csv", "jsonl")
OUTPUT_FORMATS: tuple[str, ...] = ("jsonl", "csv")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_NOT_TEXT = "\ufffd"  # what undecodable bytes become; such a row is refused, not guessed at
CHUNKSIZE = 8
"""Rows handed to a worker at a time when ``jobs > 1``."""


def format_for(name: str | Path) -> str | None:
    """The input or output format a file name implies (``csv`` or ``jsonl``), or ``None``."""
    return _SUFFIXES.get(Path(name).suffix.lower())


@dataclass(frozen=True)
class Row:
    """One input record.

    :ivar row: 1-based number of the record (a CSV header and blank lines are not records).
    :ivar line: the input line the record starts on.
    :ivar data: the record's fields, as read (validated later, in the worker).
    :ivar problem: why the record could not be read, when it could not.
    """

    row: int
    line: int
    data: Any = None
    problem: ProfileError | None = None


class RowReader:
    """Reads profiles one record at a time from CSV (a header of field names, lists split by ``;``) or JSON Lines.

    A CSV header is checked when the reader is made: an unknown or repeated
    column is an error for the whole file. Problems inside a record are
    reported on that record.

    :param stream: the input bytes.
    :param source: how errors name the input (a path, or ``<stdin>``).
    :param format: ``csv`` or ``jsonl``; guessed from ``source``'s suffix, then from the first byte.
    :param size: the input's size in bytes, when known (for progress).
    :raises ProfileError: for binary input, an unknown format or a bad CSV header.
    """

    def __init__(self, stream: BinaryIO, *, source: str, format: str | None = None, size: int | None = None) -> None:
        self.source = source
        self.size = size
        # peek() lets us look at the start (binary? JSON?) without consuming it.
        self._binary: io.BufferedReader = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
        head = self._binary.peek(8192)[:8192]
        if b"\x00" in head:
            raise ProfileError("is a binary file, not CSV or JSON Lines text", path=source)
        chosen = format or format_for(source) or ("jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv")
        if chosen not in INPUT_FORMATS:
            raise ProfileError(f"unknown input format '{chosen}'", path=source, allowed=INPUT_FORMATS)
        self.format = chosen
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", errors="replace", newline="")
        self._columns: list[str] = []
        self._csv: Any = None
        if chosen == "csv":
            self._csv = csv.reader(self._text)
            self._columns = self._header()

    @classmethod
    def open(cls, path: str | Path, *, format: str | None = None) -> RowReader:
        """Open a file for reading.

        :raises ProfileError: naming the file when it is missing, a folder, unreadable or binary.
        """
        path = Path(path)
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            raise ProfileError("no such file", path=path) from None
        except IsADirectoryError:
            raise ProfileError("is a directory, not a file", path=path) from None
        except OSError as exc:
            raise ProfileError(f"cannot be read ({exc.strerror})", path=path) from None
        try:
            size = os.fstat(stream.fileno()).st_size
            return cls(stream, source=str(path), format=format, size=size or None)
        except BaseException:
            stream.close()
            raise

    @property
    def position(self) -> int:
        """How many bytes of the input have been read so far (approximate: reads are buffered)."""
        try:
            return self._binary.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the input."""
        self._text.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _header(self) -> list[str]:
        try:
            header = next(self._csv, None)
        except csv.Error as exc:
            raise ProfileError(f"malformed CSV header: {exc}", path=self.source, line=1) from None
        if not header:
            raise ProfileError("is empty: expected a header row of profile field names", path=self.source, line=1)
        columns: list[str] = []
        for number, raw in enumerate(header, start=1):
            name = "_".join(raw.strip().lower().replace("-", " ").split())
            if not name:
                raise ProfileError(f"column {number} has no name", path=self.source, line=1, allowed=tuple(FIELDS_BY_NAME))
            if name not in FIELDS_BY_NAME:
                raise ProfileError(
                    f"unknown column '{raw.strip()}'",
                    field=raw.strip(),
                    suggestion=closest(name, list(FIELDS_BY_NAME)),
                    allowed=tuple(FIELDS_BY_NAME),
                    path=self.source,
                    line=1,
                )
            if name in columns:
                raise ProfileError(f"column '{name}' appears twice", field=name, path=self.source, line=1)
            columns.append(name)
        return columns

    def __iter__(self) -> Iterator[Row]:
        return self._csv_rows() if self.format == "csv" else self._jsonl_rows()

    def _csv_rows(self) -> Iterator[Row]:
        number = 0
        while True:
            start = self._csv.line_num + 1
            try:
                cells = next(self._csv)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield Row(number, start, problem=ProfileError(f"malformed CSV: {exc}", path=self.source, line=start))
                continue
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            if len(cells) > len(self._columns):
                problem = ProfileError(
                    f"has {len(cells)} cells but the header names {len(self._columns)} columns",
                    path=self.source,
                    line=start,
                    allowed=", ".join(self._columns),
                )
                yield Row(number, start, problem=problem)
            elif any(_NOT_TEXT in cell for cell in cells):
                yield Row(number, start, problem=ProfileError("is not UTF-8 text", path=self.source, line=start))
            else:
                yield Row(number, start, data=dict(zip(self._columns, cells)))

    def _jsonl_rows(self) -> Iterator[Row]:
        number = 0
        for line_number, line in enumerate(self._text, start=1):
            if not line.strip():
                continue
            number += 1
            if _NOT_TEXT in line:
                yield Row(number, line_number, problem=ProfileError("is not UTF-8 text", path=self.source, line=line_number))
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                problem = ProfileError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=self.source, line=line_number)
                yield Row(number, line_number, problem=problem)
                continue
            yield Row(number, line_number, data=data)


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


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else repr(value)


def consult_row(advisor: Advisor, row: Row, *, source: str) -> Outcome:
    """Consult one row; a bad row becomes an error outcome naming the file, line and field."""
    problem = row.problem
    if problem is None:
        try:
            profile = SellerProfile.from_document(row.data, source=source)
        except ProfileError as exc:
            problem = exc.located(source, line=row.line)
        else:
            result = advisor.consult(profile)
            record = {"row": row.row, "status": "ok", **result.to_dict()}
            return Outcome(row.row, record, models=tuple((r.platform, r.model) for r in result.recommendations))
    allowed = problem.allowed
    error = {
        "message": str(problem),
        "line": row.line,
        "field": problem.field,
        "value": _jsonable(problem.value),
        "allowed": list(allowed) if isinstance(allowed, tuple) else allowed,
    }
    return Outcome(row.row, {"row": row.row, "status": "error", "error": error}, error=f"row {row.row}: {problem}")


_worker: tuple[Advisor, str] | None = None


def _start_worker(rules_dir: str, source: str) -> None:
    global _worker
    # Ctrl-C reaches every process in the group; only the parent handles it (and stops the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .advisor import Advisor

    _worker = (Advisor(rules_dir), source)


def _work(row: Row) -> Outcome:
    assert _worker is not None, "worker not initialised"
    advisor, source = _worker
    return consult_row(advisor, row, source=source)


def consult_rows(
    rows: Iterable[Row],
    *,
    advisor: Advisor,
    source: str,
    jobs: int = 1,
) -> Iterator[Outcome]:
    """Consult each row, lazily, yielding outcomes in input order.

    :param jobs: worker processes; 1 consults in this process. The output is the same for any value.
        Each worker loads ``advisor``'s rule pack itself.
    """
    if jobs <= 1:
        for row in rows:
            yield consult_row(advisor, row, source=source)
        return
    # Pool.imap reads its input as fast as it can; the window makes reading wait for
    # writing, so at most `window` rows (and their results) are held at once.
    window = threading.Semaphore(jobs * CHUNKSIZE * 4)
    stop = threading.Event()

    def feed() -> Iterator[Row]:
        for row in rows:
            while not window.acquire(timeout=0.05):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            yield row

    # spawn, not fork: safe with threads, the same on every OS, and workers start clean.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(str(advisor.rules.directory), source))
    try:
        for outcome in pool.imap(_work, feed(), CHUNKSIZE):
            window.release()
            yield outcome
        pool.close()
    finally:
        stop.set()
        pool.terminate()
        pool.join()


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


class JsonLinesWriter:
    """Writes one JSON object per line: the outcome's record."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, outcome: Outcome) -> None:
        """Write one outcome."""
        self.stream.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")


class CsvWriter:
    """Writes a header, then one line per outcome with the columns of :data:`CSV_COLUMNS`."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
        self._writer.writeheader()

    def write(self, outcome: Outcome) -> None:
        """Write one outcome."""
        record = outcome.record
        line: dict[str, Any] = {"row": record["row"], "status": record["status"]}
        if outcome.ok:
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
        self._writer.writerow(line)


Writer = JsonLinesWriter | CsvWriter


def writer_for(format: str, stream: IO[str]) -> Writer:
    """A writer for ``jsonl`` or ``csv`` output.

    :raises ValueError: for another format.
    """
    if format == "jsonl":
        return JsonLinesWriter(stream)
    if format == "csv":
        return CsvWriter(stream)
    raise ValueError(f"unknown output format '{format}' (allowed: {', '.join(OUTPUT_FORMATS)})")


@dataclass
class Summary:
    """Counts over a batch: rows, failures, and recommendations per platform and model."""

    rows: int = 0
    failed: int = 0
    models: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed_rows: list[int] = field(default_factory=list)
    """The first few failed row numbers (up to :attr:`SHOWN`)."""

    SHOWN = 20

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.rows += 1
        if outcome.ok:
            self.models.update(outcome.models)
        else:
            self.failed += 1
            if len(self.failed_rows) < self.SHOWN:
                self.failed_rows.append(outcome.row)

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data: ``rows``, ``ok``, ``failed``, ``recommendations`` (platform, model, count)."""
        per_platform: dict[str, dict[str, int]] = {}
        for (platform, model), count in sorted(self.models.items(), key=lambda item: (PLATFORMS.index(item[0][0]), item[0][1])):
            per_platform.setdefault(platform, {})[model] = count
        return {"rows": self.rows, "ok": self.rows - self.failed, "failed": self.failed, "recommendations": per_platform}

    def text(self) -> str:
        """The summary for a person."""
        data = self.to_dict()
        lines = [f"rows: {self.rows} ({data['ok']} consulted, {self.failed} failed)"]
        for platform, models in data["recommendations"].items():
            lines.append(f"  {platform}: " + ", ".join(f"{model} {count}" for model, count in models.items()))
        if self.failed:
            more = f" and {self.failed - len(self.failed_rows)} more" if self.failed > len(self.failed_rows) else ""
            lines.append(f"failed rows: {', '.join(map(str, self.failed_rows))}{more}")
        return "\n".join(lines)


def run(
    reader: RowReader,
    writer: Writer,
    *,
    advisor: Advisor,
    jobs: int = 1,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Consult every row of ``reader`` and write each outcome, in input order.

    :param on_outcome: called after each outcome is written (progress, error reporting).
    :returns: the counts; ``summary.failed`` tells whether any row failed.
    """
    summary = Summary()
    for outcome in consult_rows(reader, advisor=advisor, source=reader.source, jobs=jobs):
        writer.write(outcome)
        summary.add(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return summary


__all__ = [
    "CSV_COLUMNS",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "CsvWriter",
    "JsonLinesWriter",
    "Outcome",
    "Row",
    "RowReader",
    "Summary",
    "consult_row",
    "consult_rows",
    "format_for",
    "run",
    "writer_for",
]
