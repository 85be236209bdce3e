"""Reading rows: a CSV (with a header) or JSON Lines input cut into records and chunks, each row as data.

The reader behind ``batch`` and ``catalogue``: it finds the format (by suffix, else the first
character), the encoding (UTF-8 or UTF-16, by BOM) and a CSV's delimiter (comma, semicolon or tab),
reads records without ever holding more than a chunk, and turns a record it cannot read into a row
that carries its problem (naming the line), so the rows after it go on. One row may hold at most
:data:`ROW_LIMIT` bytes. It consults nothing: :mod:`sellerexpert._batch.batch` does, row by row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, ClassVar, cast

from .._errors import ProfileError
from .._files import documents
from .._i18n import N_
from .._i18n.messages import Msg
from .profile import FIELDS_BY_NAME, closest

INPUT_FORMATS: tuple[str, ...] = ("csv", "jsonl")
ROW_LIMIT = 64 * 1024
"""The most bytes one input row may hold; a longer row becomes an error record."""
CHUNK_ROWS = 250
"""The most rows a chunk (the unit of work handed to a worker) holds."""
CHUNK_BYTES = 1 << 20
"""The most input bytes a chunk holds, whatever its row count."""
FIRST_CHUNK = 16
"""The first chunk's rows; each next chunk doubles, up to :data:`CHUNK_ROWS`, so output starts at once."""

_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_DELIMITERS = (",", ";", "\t")
_BLANK = b" \t\r\n\""



def row_format_for(name: str | Path) -> str | None:
    """The row format a batch file's name implies (``csv`` or ``jsonl``), or ``None``.

    Not :func:`sellerexpert._files.documents.format_for`, which decides how one document (a profile, a
    trace, a rule file) is parsed: here ``.json`` means JSON Lines and ``.yaml`` means nothing.
    """
    return _SUFFIXES.get(Path(name).suffix.lower())


# -- reading ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One input record.

    :ivar row: 1-based number of the record (a CSV header and blank lines are not records).
    :ivar line: the input line the record starts on.
    :ivar data: the record's fields, as read (validated when consulted).
    :ivar problem: why the record could not be read, when it could not.
    """

    row: int
    line: int
    data: Any = None
    problem: ProfileError | None = None
    oversized: bool = False
    """The record is longer than :data:`ROW_LIMIT` (a batch reports it as one failed row; a product list refuses the file)."""


@dataclass(frozen=True)
class Chunk:
    """Consecutive raw records, the unit of work: parsed, consulted and serialised together.

    :ivar first_row: the number of the first record.
    :ivar lines: the line each record starts on.
    :ivar records: each record's bytes (UTF-8 text), or ``None`` for one longer than :data:`ROW_LIMIT`.
    """

    first_row: int
    lines: list[int]
    records: list[bytes | None]


class _NotStrictJson(ValueError):
    """NaN or Infinity in a JSON row: Python reads them, strict JSON has no such values."""


def _no_constant(name: str) -> Any:
    raise _NotStrictJson(name)


@dataclass(frozen=True)
class Layout:
    """How to read one raw record into fields: the input format, CSV columns and delimiter.

    :ivar source: how errors name the input.
    """

    source: str
    format: str
    columns: tuple[str, ...] = ()
    delimiter: str = ","

    def row(self, number: int, line: int, raw: bytes | None) -> Row:
        """Parse one raw record; a record that cannot be read carries its problem."""

        def problem(text: str, **details: Any) -> Row:
            return Row(number, line, problem=ProfileError(text, path=self.source, line=line, **details))

        if raw is None:
            oversized = problem(Msg(N_("is longer than {size} KiB, the limit for one row"), size=ROW_LIMIT // 1024))
            return replace(oversized, oversized=True)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return problem(Msg(N_("is not UTF-8 text")))
        if self.format == "jsonl":
            try:
                data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=documents.unique_keys)
            except json.JSONDecodeError as exc:
                detail = documents.json_problem(exc.msg)
                return problem(Msg(N_("malformed JSON: {detail} (column {column})"), detail=detail, column=exc.colno))
            except documents.DuplicateKey as exc:
                return problem(exc.args[0])
            except _NotStrictJson as exc:
                return problem(
                    Msg(
                        N_("{value} is not a JSON value (allowed: finite numbers, text, true, false, null, lists, objects)"),
                        value=str(exc),
                    )
                )
            except RecursionError:
                return problem(Msg(N_("is nested too deeply to be a profile")))
            except ValueError:
                # The only other ValueError json raises: an integer longer than Python converts.
                return problem(
                    Msg(N_("has a number longer than the {digits} digits allowed"), digits=sys.get_int_max_str_digits())
                )
        else:
            try:
                cells = next(csv.reader((text,), delimiter=self.delimiter))
            except (csv.Error, StopIteration) as exc:
                return problem(Msg(N_("malformed CSV: {detail}"), detail=str(exc)))
            if len(cells) > len(self.columns):
                return problem(
                    Msg(
                        N_("has {cells} cells but the header names {columns} columns"),
                        cells=len(cells),
                        columns=len(self.columns),
                    ),
                    allowed=", ".join(self.columns),
                )
            data = dict(zip(self.columns, cells, strict=False))
        return Row(number, line, data=data)

    def rows(self, chunk: Chunk) -> Iterator[Row]:
        """The chunk's records, parsed."""
        for index, (line, raw) in enumerate(zip(chunk.lines, chunk.records, strict=True)):
            yield self.row(chunk.first_row + index, line, raw)


def _encoding(head: bytes, source: str) -> str:
    """``utf-8`` or ``utf-16`` (with a byte-order mark), judged from the first bytes.

    :raises ProfileError: for binary data, UTF-32, or UTF-16 without a byte-order mark.
    """
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise ProfileError(Msg(N_("is UTF-32 text: save it as UTF-8 (or UTF-16) and try again")), path=source)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        sample = head[:512]
        if len(sample) >= 4 and (not any(sample[1::2]) or not any(sample[0::2])):
            raise ProfileError(Msg(N_("looks like UTF-16 text without a byte-order mark: save it as UTF-8")), path=source)
        raise ProfileError(Msg(N_("is a binary file, not CSV or JSON Lines text")), path=source)
    return "utf-8"


class RowReader:
    """Reads profiles from CSV (a header of field names) or JSON Lines, in chunks of raw records or row by row.

    CSV may be separated by commas, semicolons (as spreadsheets write it in much of
    Europe) or tabs: the header tells which. UTF-8 (with or without a byte-order mark)
    and UTF-16 with a byte-order mark are read. An unknown or repeated column is an
    error for the whole file; a problem inside a record is reported on that record.

    :param stream: the input bytes.
    :param source: how errors name the input (a path, or ``<stdin>``).
    :param format: ``csv`` or ``jsonl``; guessed from ``source``'s suffix, then from the first character.
    :param size: the input's size in bytes, when known (for progress).
    :param any_columns: accept any column names (kept as written, without surrounding spaces), not only
        profile fields: for tables of other things (a product list), whose reader says which it knows.
    :raises ProfileError: for binary input, an unknown format or a bad CSV header.
    """

    FORMATS: ClassVar[tuple[str, ...]] = INPUT_FORMATS
    """The row formats read: ``csv`` and ``jsonl``."""

    format_for = staticmethod(row_format_for)

    def __init__(
        self,
        stream: BinaryIO,
        *,
        source: str,
        format: str | None = None,
        size: int | None = None,
        any_columns: bool = False,
    ) -> None:
        self.source = source
        self._any_columns = any_columns
        self.size = size
        self.rows_read = 0
        """Records handed out so far (by :meth:`chunks`, iteration or :meth:`skip`)."""
        self._line = 0
        # peek() looks at the start (binary? UTF-16? JSON?) without consuming it.
        binary = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
        self._binary: io.BufferedReader = binary
        self._closer: IO[Any] = binary
        head = binary.peek(8192)[:8192]
        self.encoding = _encoding(head, source)
        if self.encoding == "utf-16":
            text = io.TextIOWrapper(binary, encoding="utf-16", errors="replace", newline="")
            self._closer = text
            # Transcoded line by line, so everything after this point sees UTF-8 bytes.
            self._readline: Callable[[int], bytes] = lambda limit: text.readline(limit).encode("utf-8")
            first = head.decode("utf-16", errors="ignore")
        else:
            if head.startswith(b"\xef\xbb\xbf"):
                binary.read(3)
            self._readline = binary.readline
            first = head.decode("utf-8", errors="ignore")
        chosen = format or row_format_for(source) or ("jsonl" if first.lstrip("\ufeff \t\r\n").startswith("{") else "csv")
        if chosen not in INPUT_FORMATS:
            raise ProfileError(Msg(N_("unknown input format '{format}'"), format=chosen), path=source, allowed=INPUT_FORMATS)
        self.format = chosen
        self._quoted = chosen == "csv"
        self.layout = Layout(source, chosen)
        if chosen == "csv":
            self.layout = self._header()
        blank = _BLANK + self.layout.delimiter.encode()
        self._blank: Callable[[bytes], bool] = (
            (lambda raw: not raw.translate(None, blank)) if chosen == "csv" else (lambda raw: not raw.strip())
        )

    @classmethod
    def open(cls, path: str | Path, *, format: str | None = None, any_columns: bool = False) -> RowReader:
        """Open a file for reading.

        :raises ProfileError: naming the file when it is missing, a folder, unreadable or binary.
        """
        path = Path(path)
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            raise ProfileError(Msg(N_("no such file")), path=path) from None
        except IsADirectoryError:
            raise ProfileError(Msg(N_("is a directory, not a file")), path=path) from None
        except OSError as exc:
            raise ProfileError(Msg(N_("cannot be read ({reason})"), reason=exc.strerror), path=path) from None
        try:
            size = os.fstat(stream.fileno()).st_size
            return cls(stream, source=str(path), format=format, size=size or None, any_columns=any_columns)
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
        self._closer.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _skip_line(self) -> None:
        while (piece := self._readline(1 << 16)) and not piece.endswith(b"\n"):
            pass

    def _record(self) -> tuple[int, bytes | None] | None:
        """The next record's first line and bytes (``None`` when too long), or ``None`` at the end."""
        readline = self._readline
        raw = readline(ROW_LIMIT + 1)
        if not raw:
            return None
        self._line += 1
        start = self._line
        if self._quoted and raw.count(b'"') % 2:
            # An odd number of quotes: a quoted cell goes on past this line (CSV allows that).
            parts, size, quotes = [raw], len(raw), raw.count(b'"')
            while quotes % 2 and size <= ROW_LIMIT + 1:
                more = readline(ROW_LIMIT + 1)
                if not more:
                    break  # an unclosed quote at the end: the CSV parser says so
                self._line += 1
                parts.append(more)
                size += len(more)
                quotes += more.count(b'"')
            raw = b"".join(parts)
        if len(raw) > ROW_LIMIT + 1 or (len(raw) == ROW_LIMIT + 1 and not raw.endswith(b"\n")):
            # Too long: report it and start afresh on the next line (an unclosed quote
            # costs one row, not the rest of the file).
            if not raw.endswith(b"\n"):
                self._skip_line()
            return start, None
        return start, raw

    def _header(self) -> Layout:
        found = self._record()
        while found is not None and found[1] is not None and not found[1].strip():
            found = self._record()
        if found is None:
            raise ProfileError(Msg(N_("is empty: expected a header row of profile field names")), path=self.source, line=1)
        line, raw = found
        if raw is None:
            raise ProfileError(
                Msg(N_("the header is longer than {size} KiB"), size=ROW_LIMIT // 1024), path=self.source, line=line
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProfileError(Msg(N_("is not UTF-8 text: save it as UTF-8")), path=self.source, line=line) from None
        delimiter = _delimiter(text, any_columns=self._any_columns)
        try:
            header = next(csv.reader((text,), delimiter=delimiter))
        except (csv.Error, StopIteration) as exc:
            raise ProfileError(Msg(N_("malformed CSV header: {detail}"), detail=str(exc)), path=self.source, line=line) from None
        columns: list[str] = []
        for number, raw_name in enumerate(header, start=1):
            name = _column(raw_name)
            if not name:
                raise ProfileError(
                    Msg(N_("column {number} has no name"), number=number),
                    path=self.source,
                    line=line,
                    allowed=tuple(FIELDS_BY_NAME),
                )
            if self._any_columns:
                name = raw_name.strip()
            elif name not in FIELDS_BY_NAME:
                raise ProfileError(
                    Msg(N_("unknown column '{name}'"), name=raw_name.strip()),
                    field=raw_name.strip(),
                    suggestion=closest(name, list(FIELDS_BY_NAME)),
                    allowed=tuple(FIELDS_BY_NAME),
                    path=self.source,
                    line=line,
                )
            if name in columns:
                raise ProfileError(Msg(N_("column '{name}' appears twice"), name=name), field=name, path=self.source, line=line)
            columns.append(name)
        return Layout(self.source, "csv", tuple(columns), delimiter)

    def chunks(self, *, rows: int = CHUNK_ROWS, size: int = CHUNK_BYTES, first: int = FIRST_CHUNK) -> Iterator[Chunk]:
        """The remaining records in chunks: ``first`` rows, then twice as many each time,
        up to ``rows`` rows or ``size`` bytes."""
        target = max(1, min(first, rows))
        lines: list[int] = []
        records: list[bytes | None] = []
        total = 0
        record, blank = self._record, self._blank
        while (found := record()) is not None:
            line, raw = found
            if raw is not None and blank(raw):
                continue
            lines.append(line)
            records.append(raw)
            total += len(raw) if raw is not None else 0
            if len(records) >= target or total >= size:
                chunk = Chunk(self.rows_read + 1, lines, records)
                self.rows_read += len(records)
                yield chunk
                lines, records, total = [], [], 0
                target = min(target * 2, rows)
        if records:
            chunk = Chunk(self.rows_read + 1, lines, records)
            self.rows_read += len(records)
            yield chunk

    def skip(self, count: int) -> int:
        """Pass over the next ``count`` records without parsing them (to resume); returns how many there were."""
        skipped = 0
        while skipped < count and (found := self._record()) is not None:
            if found[1] is None or not self._blank(found[1]):
                skipped += 1
        self.rows_read += skipped
        return skipped

    def __iter__(self) -> Iterator[Row]:
        for chunk in self.chunks():
            yield from self.layout.rows(chunk)


def _column(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def _delimiter(header: str, *, any_columns: bool = False) -> str:
    """The delimiter that splits the header into known field names (comma, semicolon or tab).

    A header of one column has no delimiter to find: comma. When none splits it
    cleanly (or any column name is accepted), the one giving the most columns, so the error names a real column.
    """
    best, best_count = ",", 1
    for candidate in _DELIMITERS:
        try:
            names = next(csv.reader((header,), delimiter=candidate))
        except (csv.Error, StopIteration):
            continue
        if len(names) > 1 and not any_columns and all(_column(name) in FIELDS_BY_NAME for name in names):
            return candidate
        if len(names) > best_count:
            best, best_count = candidate, len(names)
    return best

