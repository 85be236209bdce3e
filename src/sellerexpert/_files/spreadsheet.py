"""Excel workbooks (.xlsx): a product list's first sheet read as rows, and a table written as a workbook.

Sellers keep their product lists in Excel, and the Chinese ERPs they use (妙手, 积加, 易仓) export
them as .xlsx. openpyxl reads and writes them (the ``xlsx`` extra; it is imported only here, and only
when a workbook is read or written). A written workbook is byte-identical for the same table: the
document's dates and the archive's timestamps are fixed, so it can be compared and stored as CSV can.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from collections.abc import Generator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._errors import ProfileError
from .._i18n import N_
from .._i18n.messages import Msg

SUFFIX = ".xlsx"
MAX_COLUMNS = 200
"""More columns than any product list has: a sheet wider than this is refused rather than read."""
MAX_UNPACKED = 256 * 1024 * 1024
"""The most a workbook may unpack to: 100,000 products take a few tens of MB; past this it is a zip bomb."""
MAX_RATIO = 200
"""The most one part may shrink by when packed (sheets of text pack 5-20 times; a bomb thousands of times)."""
_FIXED = _dt.datetime(2000, 1, 1)


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "reading or writing .xlsx needs openpyxl: pip install 'sellerexpert[xlsx]'", name="openpyxl"
        ) from exc
    return openpyxl


def _cell(value: Any) -> Any:
    """A cell as the product reader takes it: numbers stay numbers, dates and the rest become text."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str)):
        return value
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


def read_rows(path: str | Path) -> tuple[tuple[str, ...], Generator[tuple[int, dict[str, Any]], None, None]]:
    """The first sheet's header (its first non-empty row) and each later non-empty row as ``(line, cells)``.

    ``line`` is the row's number in the sheet, as Excel shows it, so an error names the row a seller sees.

    :raises ProfileError: naming the file when it is not a workbook, or its sheet has no header.
    :raises ModuleNotFoundError: without the ``xlsx`` extra.
    """
    openpyxl = _openpyxl()
    path = Path(path)
    _check_archive(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not an Excel workbook (.xlsx)"
        raise ProfileError(Msg(N_("cannot be read: {reason}"), reason=reason), path=path) from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise ProfileError(Msg(N_("has no sheet")), path=path)
    lines = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header: tuple[str, ...] | None = None
    first = 0
    for line, values in enumerate(lines, start=1):
        if any(v not in (None, "") for v in values):
            header = tuple("" if v is None else str(v).strip() for v in values)
            while header and not header[-1]:
                header = header[:-1]
            first = line
            break
    if header is None or not header:
        book.close()
        raise ProfileError(Msg(N_("has no header row: the first sheet is empty")), path=path, line=1)

    names = header

    def rows() -> Generator[tuple[int, dict[str, Any]], None, None]:
        try:
            for line, values in enumerate(lines, start=first + 1):
                if not any(v not in (None, "") for v in values):
                    continue
                yield line, {name: _cell(v) for name, v in zip(names, values, strict=False) if name and v not in (None, "")}
        finally:
            book.close()

    return names, rows()


def _check_archive(path: Path) -> None:
    """Refuse a workbook that would unpack to more than we read, before anything is unpacked.

    :raises ProfileError: naming the file, for a zip bomb or a file that is not a workbook.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile:
        raise ProfileError(Msg(N_("cannot be read: {reason}"), reason="not an Excel workbook (.xlsx)"), path=path) from None
    except OSError as exc:
        raise ProfileError(Msg(N_("cannot be read: {reason}"), reason=exc.strerror or "unreadable"), path=path) from None
    total = sum(part.file_size for part in parts)
    bomb = any(part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1) for part in parts)
    if total > MAX_UNPACKED or bomb:
        raise ProfileError(
            Msg(
                N_("unpacks to {size} MB, more than a product list ({most} MB at most, and no part packed over {ratio} times)"),
                size=total // (1024 * 1024),
                most=MAX_UNPACKED // (1024 * 1024),
                ratio=MAX_RATIO,
            ),
            path=path,
        )


def write_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str = "products") -> bytes:
    """A workbook of one sheet: ``header`` then ``rows`` (numbers as numbers), the header row frozen.

    :raises ModuleNotFoundError: without the ``xlsx`` extra.
    """
    openpyxl = _openpyxl()
    book = openpyxl.Workbook()
    table = book.active
    table.title = sheet
    table.append(list(header))
    for row in rows:
        table.append([_number(value) for value in row])
    table.freeze_panes = "A2"
    book.properties.creator = "sellerexpert"
    book.properties.created = book.properties.modified = _FIXED
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_archive(raw.getvalue())


def _number(value: Any) -> Any:
    """Text that is a plain decimal number becomes a number, so a spreadsheet can add it up."""
    if isinstance(value, str) and value and value.replace(".", "", 1).lstrip("-").isdigit():
        return float(value) if "." in value else int(value)
    return value


def _fixed_archive(data: bytes) -> bytes:
    """The same workbook with every archive entry dated 1980-01-01, in the same order: byte-identical output."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving; the document's dates are the fixed ones instead.
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", data
                )
            target.writestr(entry, data)
    return out.getvalue()
