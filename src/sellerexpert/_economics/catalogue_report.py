"""A catalogue in words and tables: the split first (what a seller reads), then a row per product, platform and market.

Formats: ``text`` for a person, ``markdown`` for a report, ``json`` (:meth:`Catalogue.to_json`) and
``csv`` (the per-product table, one row per product, platform and market, for a spreadsheet).
Amounts are rounded to the cent; a dash is a route with no price (the seller's own store, or none).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from .. import _i18n
from .._i18n import N_, _
from .._profile.profile import MODELS

if TYPE_CHECKING:
    from .._results.result import MarketAdvice
    from .catalogue import (
        Catalogue,
        CatalogueStream,
        FailedProduct,
        Placement,
        ProductAdvice,
        ProductMention,
        RouteShare,
    )

FORMATS: tuple[str, ...] = ("text", "markdown", "json", "csv", "xlsx")
"""Output formats; ``xlsx`` is a binary workbook (:func:`render_xlsx`), written to a file only."""
SHOWN = 8
"""The most SKUs a split line names before "and N more"."""

CSV_COLUMNS: tuple[str, ...] = (
    "sku",
    "name",
    "platform",
    "market",
    "route",
    "model",
    "contribution_per_unit",
    "contribution_per_month",
    "other_route",
    "other_per_month",
    "gap_pct",
    "close_call",
    "company_route",
    "reason",
)


def _money(value: Decimal | None) -> str:
    # Imported here: the command line reads this module's FORMATS when it starts, and must not load the arithmetic.
    from .margins import amount_text

    return "—" if value is None else amount_text(value)


def _route(route: str | None, name: str | None) -> str:
    if route is None:
        return _("no route")
    return name or route


def _rjust(text: str, columns: int) -> str:
    return " " * max(columns - _i18n.width(text), 0) + text


def _ljust(text: str, columns: int) -> str:
    return text + " " * max(columns - _i18n.width(text), 0)


def _skus(mentions: list[ProductMention]) -> str:
    names = [m.sku for m in mentions]
    shown = ", ".join(names[:SHOWN])
    if len(names) > SHOWN:
        shown += _(" and {count} more").format(count=len(names) - SHOWN)
    return shown


def _grouped(mentions: Iterable[ProductMention], *, by_text: bool) -> list[list[ProductMention]]:
    """Mentions by platform, market and route (and reason), in order of first appearance."""
    groups: dict[tuple[str, str | None, str | None, str], list[ProductMention]] = {}
    for m in mentions:
        groups.setdefault((m.platform, m.market, m.route, m.text if by_text else ""), []).append(m)
    return list(groups.values())


def _where(m: ProductMention) -> str:
    if m.market is None:
        return m.platform_name
    return _("{platform} in {market}").format(platform=m.platform_name, market=m.market_name)


def _title(catalogue: Catalogue) -> str:
    split = catalogue.split
    name = catalogue.profile.name or _("Your catalogue")
    words = {"name": name, "products": split.products, "errors": split.errors, "currency": split.currency}
    if split.currency:
        return _("{name}: {products} products advised, {errors} rows with errors; contribution a month in {currency}").format(
            **words
        )
    return _("{name}: {products} products advised, {errors} rows with errors").format(**words)


def _share_rows(catalogue: Catalogue) -> list[tuple[str, list[RouteShare], Decimal]]:
    names = {p.platform: p.platform_name for product in catalogue.products for p in product.placements}
    by_platform: dict[str, list[RouteShare]] = {}
    for share in catalogue.split.routes:
        by_platform.setdefault(share.platform, []).append(share)
    totals = dict(catalogue.split.totals)
    return [(names.get(p, p), shares, totals.get(p, Decimal(0))) for p, shares in by_platform.items()]


def _store_lines(catalogue: Catalogue) -> list[str]:
    out = []
    for both in catalogue.split.both_stores:
        words = {"platform": both.platform_name, "full": both.fully_managed, "semi": both.semi_managed}
        if both.run_both:
            out.append(
                _(
                    "{platform}: run both stores: {full} products for the fully-managed store, {semi} for the semi-managed one."
                ).format(**words)
            )
        else:
            out.append(
                _("{platform}: one store is enough: {full} products fully-managed, {semi} semi-managed.").format(**words)
            )
    return out


_SECTIONS = (
    ("not_carried", N_("No route on the platform can carry these:")),
    ("off_company", N_("On another route than your company-level advice:")),
    ("close_calls", N_("Close calls (the two routes leave within {pct}% of each other):")),
    ("leaves_less", N_("On a route that leaves less a month than the other (see each product's reason):")),
)


def _mention_lines(catalogue: Catalogue) -> list[tuple[str, list[str]]]:
    out = []
    for attribute, heading in _SECTIONS:
        mentions: tuple[ProductMention, ...] = getattr(catalogue.split, attribute)
        if not mentions:
            continue
        lines = []
        for group in _grouped(mentions, by_text=attribute == "not_carried"):
            first = group[0]
            words = {"where": _where(first), "route": _route(first.route, first.route), "count": len(group), "skus": _skus(group)}
            if attribute == "not_carried":
                lines.append(_("{where} ({count}): {skus}. {reason}").format(reason=first.text, **words))
            else:
                lines.append(_("{where}, {route} ({count}): {skus}.").format(**words))
        out.append((_(heading).format(pct=catalogue.close_pct), lines))
    return out


def _placement_cells(p: Placement, *, names: bool = False) -> tuple[str, str, str, str, str]:
    return (
        p.platform_name,
        p.market_name or "",
        _route(p.route, p.route_name if names else p.route or ""),
        _money(p.contribution_per_unit),
        _money(p.contribution_per_month),
    )


def render_text(catalogue: Catalogue, *, columns: int = 100) -> str:
    """The split, then each product's routes with one reason each."""
    out = [_title(catalogue), ""]
    header = (_("route"), _("products"), _("a month"))
    for platform_name, shares, total in _share_rows(catalogue):
        out.append(platform_name)
        rows = [
            (f"{s.market_name} · {_route(s.route, s.route)}" if s.market else _route(s.route, s.route),
             str(s.products), _money(s.contribution_per_month) if s.priced else "—")
            for s in shares
        ]
        rows.append((_("total"), "", _money(total)))
        first = max(_i18n.width(r[0]) for r in [header, *rows])
        for index, row in enumerate([header, *rows]):
            line = f"  {_ljust(row[0], first)}  {_rjust(row[1], 8)}  {_rjust(row[2], 14)}"
            out.append(line.rstrip())
            if index == 0:
                out.append("  " + "-" * (first + 26))
        out.append("")
    stores = _store_lines(catalogue)
    if stores:
        out.extend(stores)
        out.append("")
    for heading, lines in _mention_lines(catalogue):
        out.append(heading)
        for line in lines:
            out.extend(_i18n.wrap(line, columns, initial="  - ", subsequent="    "))
        out.append("")
    if catalogue.errors:
        out.append(_("Rows not advised:"))
        out.extend("  - " + _error_line(e.row, e.sku, e.message) for e in catalogue.errors)
        out.append("")
    out.append(_("Per product"))
    per_unit, per_month = _("/unit"), _("/month")
    for product in catalogue.products:
        facts = ", ".join(str(v) for v in (product.weight_class, product.category) if v)
        out.append(
            _("{sku} {name} ({facts}; {units} a month)").format(
                sku=product.sku, name=product.name, facts=facts, units=product.monthly_units
            ).replace("  ", " ")
        )
        cells = [_placement_cells(p) for p in product.placements]
        widths = [max(_i18n.width(c[i]) for c in cells) for i in range(3)]
        for p, c in zip(product.placements, cells, strict=True):
            line = (
                f"  {_ljust(c[0], widths[0])}  {_ljust(c[1], widths[1])}  {_ljust(c[2], widths[2])}"
                f"  {_rjust(c[3], 9)} {per_unit}  {_rjust(c[4], 12)} {per_month}"
            )
            out.append(line)
            out.extend(_i18n.wrap(p.reason, columns, initial="      ", subsequent="      "))
    return "\n".join(out) + "\n"


def _error_line(row: int, sku: str, message: str) -> str:
    return _("row {row} ({sku}): {message}").format(row=row, sku=sku or "?", message=message)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(catalogue: Catalogue) -> str:
    """The split as tables and lists, then one table row per product, platform and market."""
    out = [f"# {_md(_title(catalogue))}", ""]
    words = {
        key: _md(text)
        for key, text in (
            ("market", _("market")), ("route", _("route")), ("products", _("products")), ("month", _("a month")),
            ("total", _("total")), ("unit", _("/unit")), ("per_month", _("/month")), ("platform", _("platform")),
            ("reason", _("reason")), ("errors", _("Rows not advised")), ("per_product", _("Per product")),
        )
    }
    for platform_name, shares, total in _share_rows(catalogue):
        header = f"| {words['market']} | {words['route']} | {words['products']} | {words['month']} |"
        out += [f"## {_md(platform_name)}", "", header, "|---|---|---:|---:|"]
        for s in shares:
            amount = _money(s.contribution_per_month) if s.priced else "—"
            out.append(f"| {_md(s.market_name)} | {_md(_route(s.route, s.route_name))} | {s.products} | {amount} |")
        out += [f"| **{words['total']}** | | | **{_money(total)}** |", ""]
    stores = _store_lines(catalogue)
    if stores:
        out += [f"- {_md(line)}" for line in stores] + [""]
    for heading, lines in _mention_lines(catalogue):
        out += [f"### {_md(heading.rstrip(':'))}", ""] + [f"- {_md(line)}" for line in lines] + [""]
    if catalogue.errors:
        out += [f"### {words['errors']}", ""]
        out += ["- " + _md(_error_line(e.row, e.sku, e.message)) for e in catalogue.errors]
        out.append("")
    out += [
        f"## {words['per_product']}",
        "",
        f"| SKU | {words['platform']} | {words['market']} | {words['route']} | {words['unit']} | {words['per_month']} "
        f"| {words['reason']} |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for product in catalogue.products:
        for p in product.placements:
            c = _placement_cells(p, names=True)
            out.append(
                f"| {_md(product.sku)} | {_md(c[0])} | {_md(c[1])} | {_md(c[2])} | {c[3]} | {c[4]} | {_md(p.reason)} |"
            )
    return "\n".join(out) + "\n"


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _product_rows(product: ProductAdvice) -> list[list[str | int]]:
    return [
        [
            product.sku, product.name, p.platform, p.market or "", p.route or "", p.model or "",
            _plain(p.contribution_per_unit), _plain(p.contribution_per_month), p.other_route or "",
            _plain(p.other_per_month), p.gap_pct, "yes" if p.close else "no", p.company_route or "", p.reason, "",
        ]
        for p in product.placements
    ]


def _error_rows(errors: Iterable[FailedProduct]) -> list[list[str | int]]:
    return [[e.sku, *[""] * (len(CSV_COLUMNS) - 1), e.message] for e in errors]


def table_rows(catalogue: Catalogue) -> list[list[str | int]]:
    """The per-product table: one row per product, platform and market (route ids, plain numbers), then one
    row per failed product; the columns are ``CSV_COLUMNS`` and ``error``. CSV and .xlsx write the same rows."""
    rows = [row for product in catalogue.products for row in _product_rows(product)]
    return rows + _error_rows(catalogue.errors)


def render_csv(catalogue: Catalogue) -> str:
    """One row per product, platform and market (route ids, plain numbers), then one row per failed product."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "error"])
    writer.writerows(table_rows(catalogue))
    return buffer.getvalue()


def render_xlsx(catalogue: Catalogue) -> bytes:
    """The per-product table as an Excel workbook (the CSV's rows, numbers as numbers); byte-identical for the same input.

    :raises ModuleNotFoundError: without the ``xlsx`` extra (openpyxl).
    """
    from .._files.spreadsheet import write_table

    return write_table([*CSV_COLUMNS, "error"], table_rows(catalogue))


def _json(value: Any, indent: str) -> str:
    """``value`` as Catalogue.to_json() writes it nested at this depth (``json.dumps`` with an indent of 2,
    ``ensure_ascii=False``, ``allow_nan=False``): the same text, written by :func:`_write_json`."""
    out: list[str] = []
    _write_json(value, "\n" + indent, out)
    return "".join(out)


_INDENT = "  "


def _write_json(value: Any, newline: str, out: list[Any]) -> None:
    """Append ``value``'s JSON text to ``out``, each line after the first opened by ``newline`` and two more spaces
    per level. ``json.dumps`` writes indented JSON in pure Python, a generator per level; a catalogue writes some
    forty kilobytes a product, so here the same bytes are built by plain recursion (strings escaped by the json
    module's own C escaper). Anything but str, int, float, bool, None, list, tuple and dict with str keys goes to
    ``json.dumps`` (its error, or its text). A product's market entry (:class:`_Market`) goes in as UTF-8 bytes, which
    only :func:`_product_whole` writes."""
    # Containers first: nearly every call is for a dict or a list (scalars are written by their container).
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        start = len(out)
        inner = newline + _INDENT
        opening = "{" + inner
        comma = "," + inner  # made once, not per key
        for key, item in value.items():
            named = _KEYS.get(key)
            if named is None:
                if type(key) is not str:
                    # json.dumps's text or error for a key that is not a str, the dict's text so far taken back.
                    del out[start:]
                    out.append(_dumps(value, newline))
                    return
                named = _escape(key) + ": "
                if len(_KEYS) < _KEYS_KEPT:
                    _KEYS[key] = named
            # A scalar is written here rather than by a call per value: most of a product's values are scalars.
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(opening + named + scalar(item))
            else:
                out.append(opening + named)
                _write_json(item, inner, out)
            opening = comma
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        opening = "[" + inner
        comma = "," + inner
        for item in value:
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(opening + scalar(item))
            else:
                out.append(opening)
                _write_json(item, inner, out)
            opening = comma
        out.append(newline + "]")
    elif type(value) is _Market:
        value.write(newline, out)  # UTF-8 bytes, among the text (see _product_whole)
    elif isinstance(value, str):
        out.append(_escape(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    else:
        out.append(_dumps(value, newline))


def _flat(keys: tuple[Any, ...], values: Sequence[Any], newline: str) -> str:
    """``_json(dict(zip(keys, values)), newline[1:])`` when the keys are str and the values scalars (a placement's
    comparison, six a product): each key's opening remembered by the depth and the keys, so only the values are
    written here. Any other dict is written by :func:`_write_json`."""
    key = (newline, keys)
    openings = _OPENINGS.get(key)
    if openings is None:
        if not keys or len(set(keys)) != len(keys) or any(type(name) is not str for name in keys):
            return _json(dict(zip(keys, values, strict=True)), newline[1:])
        inner = newline + _INDENT
        openings = ["{" + inner + _escape(keys[0]) + ": "]
        openings += ["," + inner + _escape(name) + ": " for name in keys[1:]]
        if len(_OPENINGS) >= _KEYS_KEPT:
            _OPENINGS.clear()
        _OPENINGS[key] = openings
    try:
        texts = [opening + _SCALARS[type(value)](value) for opening, value in zip(openings, values, strict=True)]
    except KeyError:  # a value of another type (not a scalar, or a subclass of one): written the long way
        return _json(dict(zip(keys, values, strict=True)), newline[1:])
    texts.append(newline + "}")
    return "".join(texts)


_OPENINGS: dict[tuple[str, tuple[Any, ...]], list[str]] = {}
"""What :func:`_flat` writes before each value of a dict, by the depth and the dict's keys."""


def _dumps(value: Any, newline: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False).replace("\n", newline)


_INFINITY = float("inf")
_INFINITIES = (_INFINITY, -_INFINITY)
_escape: Callable[[str], str] = json.encoder.encode_basestring


def _float(value: float) -> str:
    if value != value or value in _INFINITIES:
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


_KEYS: dict[str, str] = {}
"""Keys as written before their values (``"sku": ``): a catalogue's JSON has a few dozen, written a few hundred
times a product."""
_KEYS_KEPT = 1024
"""The most keys remembered (a dict with keys of its own, such as a table read from input, is written all the same)."""

_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _escape,
    int: int.__repr__,
    float: _float,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
}
"""How :func:`_write_json` writes a value of exactly these types (a subclass takes the long way, to the same text)."""

_PIECES_KEPT = 4096
"""Reasons' and caveats' JSON texts a streamed catalogue remembers (by piece and by content: some 2 MB at most)."""

_ADVICES_KEPT = 1024
"""Market advices' texts a streamed catalogue remembers by the advice (some 7 kB each: a catalogue of p2000's kind
shares about 600)."""

_FRAMES_KEPT = 512
"""Market advices' frames a streamed catalogue remembers (:meth:`_Memo._framed`; some 7 kB each and their layouts:
p2000's products are on 150)."""

_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)
_compact_c = (
    json.encoder.c_make_encoder(None, _COMPACT.default, _escape, None, ": ", ", ", False, False, False)  # type: ignore[attr-defined]
    if getattr(json.encoder, "c_make_encoder", None) is not None
    else None
)


def _compact(value: dict[str, Any]) -> str:
    """A dict's JSON on one line (the json module's C encoder): what a piece's text is remembered by. The encoder
    made once, as ``_COMPACT.encode`` makes it on every call (the same text, its errors alike)."""
    if _compact_c is None:
        return _COMPACT.encode(value)
    return "".join(_compact_c(value, 0))


class _Memo:
    """The JSON texts of reasons and caveats already written, by piece object, by their fields but the text, and
    by content, and of whole lists of them by their pieces (:meth:`list_text`).

    By object: an advisor shares one reason object among all the products that give it, so most look-ups
    are by id (the piece is kept with its text, so its id is not reused meanwhile). By shape: a product's own
    reasons (its margins in words) are new objects whose text alone is new, so the text of a piece whose other
    fields are the very same objects is remembered with a hole for its text (:meth:`_shaped`). By content:
    pieces equal but not the same object (products advised in another process, or after the advisor forgot
    the piece) are known by their one-line JSON, which holds every key and value the indented text is made
    of, so no two pieces that differ in anything written can share a text.
    """

    __slots__ = (
        "advices", "by_content", "by_id", "frames", "frames_kept", "heads", "heads_by_id", "lists", "lists_written", "shapes"
    )

    def __init__(self) -> None:
        self.advices: dict[tuple[str, int], tuple[MarketAdvice, bytes]] = {}
        self.frames: dict[tuple[object, ...], list[_Frame]] = {}
        self.frames_kept = 0  # how many frames (the lists' items): see _framed()
        self.heads: dict[tuple[object, ...], bytes] = {}
        self.heads_by_id: dict[tuple[object, ...], tuple[tuple[object, ...], bytes]] = {}
        self.by_id: dict[int, tuple[object, str, bytes]] = {}
        self.by_content: dict[tuple[str, str], bytes] = {}
        self.lists: dict[tuple[object, ...], tuple[tuple[object, ...], bytes]] = {}
        self.shapes: dict[tuple[object, ...], tuple[tuple[object, ...], bytes, bytes] | None] = {}
        self.lists_written = 0  # how many lists list_text has written (not found): see advice()

    def list_text(self, pieces: tuple[object, ...], advice: MarketAdvice, name: str, newline: str) -> bytes:
        """The JSON list of ``pieces`` (the items of ``advice``'s field ``name``) at this depth. Most markets'
        lists are a list already written, made of the very same piece objects (three in four in a generated
        catalogue), so the whole list's text is remembered by the pieces' ids (kept with it, so no id is reused
        meanwhile): one look-up instead of one a piece."""
        if not pieces:
            return b"[]"
        key = (newline, *map(id, pieces))
        found = self.lists.get(key)
        if found is not None and all(map(operator.is_, found[0], pieces)):
            return found[1]
        inner = newline + _INDENT
        by_id = self.by_id
        texts = []
        for piece in pieces:
            # A list missed is mostly pieces already written (a product's own reason among them): each looked up by
            # its id here, as text() would.
            known = by_id.get(id(piece))
            if known is not None and known[0] is piece and known[1] == inner:
                texts.append(known[2])
            else:
                texts.append(self.text(piece, advice, name, inner))
        opening, comma, closing = _openings(newline, _LIST)
        text = b"".join((opening, comma.join(texts), closing))
        self.lists_written += 1
        if len(self.lists) >= _PIECES_KEPT:
            self.lists.clear()
        self.lists[key] = (tuple(pieces), text)
        return text

    def advice(self, advice: MarketAdvice, newline: str) -> bytes:
        """The text of ``advice`` (its JSON at this depth) without its closing brace. About half a catalogue's market
        entries are an advice the advisor shares among products (those none of whose words are the product's own):
        its text is remembered by its id (kept with it, so no id is reused meanwhile; a market advice is frozen)
        once met again with every text it writes already written: an advice with a product's own words is not
        kept, as it does not recur (a few kilobytes each). The rest are written of their frame (:meth:`_framed`)."""
        key = (newline, id(advice))
        found = self.advices.get(key)
        if found is not None and found[0] is advice:
            return found[1]
        return self._framed(advice, newline, key)

    def _framed(self, advice: MarketAdvice, newline: str, key: tuple[str, int]) -> bytes:
        """:meth:`advice`'s text written of the text remembered for the advice's frame (:class:`_Frame`): a product's
        advice is its shared run's entry with the product's own pieces laid in, each the frame's piece with the
        product's own text, so one frame's text serves every product on that run, only the product's own texts
        escaped into it. Its frames are found by the advice's head (every field but its pieces, the very same
        objects, kept with them so no id is reused meanwhile) and its lists' lengths; some three in four of a
        catalogue's advices not found by their id are written so, not each piece and list looked up again."""
        kind = type(advice)
        fields = _HEAD_FIELDS.get(kind)
        if fields is None:
            fields = _head_fields(kind)
        state = advice.__dict__
        head = fields(state)
        reasons, caveats = state["reasons"], state["caveats"]
        frame_key = (newline, kind, len(reasons), len(caveats), *map(id, head))
        pieces = (*reasons, *caveats)
        frames = self.frames.get(frame_key)
        if frames is not None:
            for frame in frames:
                if all(map(operator.is_, frame.head, head)):
                    same, text = frame.text(pieces)
                    if text is None:
                        continue
                    if same:  # every piece the frame's own: an advice the advisor shares, met again
                        if len(self.advices) >= _ADVICES_KEPT:
                            self.advices.clear()
                        self.advices[key] = (advice, text)
                    return text
        text = self._written(advice, newline, key)
        if self.frames_kept >= _FRAMES_KEPT:
            self.frames.clear()
            self.frames_kept = 0
            frames = None
        if frames is None:
            # Met once: its frame is made when it is met again (half of a short catalogue's heads are met once).
            self.frames[frame_key] = []
            self.frames_kept += 1
            return text
        made = _Frame.made(self, advice, newline, head, pieces, text)
        if made is not None:
            if len(frames) >= _LAYOUTS_KEPT:  # a few frames a head at most, each tried in turn
                frames = self.frames[frame_key] = []
            frames.append(made)
            self.frames_kept += 1
        return text

    def _written(self, advice: MarketAdvice, newline: str, key: tuple[str, int]) -> bytes:
        """:meth:`advice`'s text written of its head (:meth:`head`) and its pieces' lists (:meth:`list_text`),
        remembered by the advice's id when both lists were found written."""
        written = self.lists_written
        inner = newline + _INDENT
        parts = [self.head(advice, newline)]
        for name, opening in zip(_PIECE_LISTS, _openings(newline, _PIECE_LISTS), strict=True):
            parts.append(opening)
            parts.append(self.list_text(getattr(advice, name), advice, name, inner))
        text = b"".join(parts)
        if self.lists_written == written:
            if len(self.advices) >= _ADVICES_KEPT:
                self.advices.clear()
            self.advices[key] = (advice, text)
        return text

    def head(self, advice: MarketAdvice, newline: str) -> bytes:
        """The text of ``advice``'s head (:func:`_head`) at this depth, without its closing brace. A product's
        market advice is mostly a market entry the advisor keeps, given the product's own reasons: its head's
        values the very same objects, so its text is found by their ids first (kept with it, so no id is reused
        meanwhile; a market advice is frozen, and its ``hands_over`` never changed once made), then by their
        content (:func:`_head_key`)."""
        kind = type(advice)
        fields = _HEAD_FIELDS.get(kind)
        if fields is None:
            fields = _head_fields(kind)
        values = fields(advice.__dict__)
        ids = (newline, kind, *map(id, values))
        found = self.heads_by_id.get(ids)
        if found is not None and all(map(operator.is_, found[0], values)):
            return found[1]
        key = _head_key(advice, newline)
        head = self.heads.get(key) if key is not None else None
        if head is None:
            head = _json(_head(advice), newline[1:])[: -len(newline) - 1].encode()
            if key is not None:
                if len(self.heads) >= _PIECES_KEPT:
                    self.heads.clear()
                self.heads[key] = head
        if len(self.heads_by_id) >= _PIECES_KEPT:
            self.heads_by_id.clear()
        self.heads_by_id[ids] = (values, head)
        return head

    def text(self, piece: object, advice: MarketAdvice, name: str, newline: str) -> bytes:
        """``piece``'s JSON text at this depth, in UTF-8 (``piece`` an item of ``advice``'s field ``name``)."""
        found = self.by_id.get(id(piece))
        if found is not None and found[0] is piece and found[1] == newline:
            return found[2]
        text = self._shaped(piece, advice, name, newline)
        if text is None:
            text = self._by_content(_piece_data(piece, advice, name), newline)
        if len(self.by_id) >= _PIECES_KEPT:
            self.by_id.clear()
        self.by_id[id(piece)] = (piece, newline, text)
        return text

    def _by_content(self, made: dict[str, Any], newline: str) -> bytes:
        """The text of a piece's dict ``made`` at this depth, remembered by its one-line JSON."""
        key = (newline, _compact(made))
        text = self.by_content.get(key)
        if text is None:
            out: list[str] = []
            _write_json(made, newline, out)
            text = "".join(out).encode()
            if len(self.by_content) >= _PIECES_KEPT:
                self.by_content.clear()
            self.by_content[key] = text
        return text

    def _shaped(self, piece: object, advice: MarketAdvice, name: str, newline: str) -> bytes | None:
        """``piece``'s text written of the text remembered for its shape (:meth:`_shape`), its own text escaped into
        the hole; ``None`` when it has no shape."""
        shape = self._shape(piece, advice, name, newline)
        if shape is None:
            return None
        return b"".join((shape[1], _escape(cast("Any", piece).__dict__["text"]).encode(), shape[2]))

    def _shape(
        self, piece: object, advice: MarketAdvice, name: str, newline: str
    ) -> tuple[tuple[object, ...], bytes, bytes] | None:
        """The text remembered for ``piece``'s shape: its type, the advice's type, the field it is an item of, the
        depth and every field but its text, the very same objects (kept with it, so no id is reused meanwhile). The
        text is in two parts, around a hole where the piece's text goes, escaped: the same bytes as the piece's own
        dict written whole, which the shape's first piece is checked against (a piece whose dict would read its text
        anywhere else gets no shape). ``None`` when ``piece`` has no shape: not a dataclass with a str ``text``, or
        its shape has no hole."""
        kind = type(piece)
        others = _OTHERS.get(kind, _NO_SHAPE)
        if others is _NO_SHAPE:
            others = _other_fields(kind)
        if others is None:
            return None
        fields = piece.__dict__
        own = fields.get("text")
        if type(own) is not str:
            return None
        values = others(fields)
        key = (newline, type(advice), name, kind, *map(id, values))
        shape = self.shapes.get(key, _NO_SHAPE)
        if shape is not _NO_SHAPE and (shape is None or all(map(operator.is_, shape[0], values))):
            return cast("tuple[tuple[object, ...], bytes, bytes] | None", shape)
        # A new shape: the piece's dict written with the hole for its text, and held to the piece's own text.
        out: list[str] = []
        _write_json(_piece_data(_shallow(piece, text=_HOLE), advice, name), newline, out)
        around = "".join(out).split(_HOLE_JSON)
        made = None
        if len(around) == 2:
            made = (values, around[0].encode(), around[1].encode())
            whole = self._by_content(_piece_data(piece, advice, name), newline)
            if whole != b"".join((made[1], _escape(own).encode(), made[2])):
                made = None
        if len(self.shapes) >= _PIECES_KEPT:
            self.shapes.clear()
        self.shapes[key] = made
        return made


class _Frame:
    """A market advice's frame (:meth:`_Memo._framed`): its head, its pieces (its reasons, then its caveats), its text
    in parts around a hole where each piece's text goes, and each piece's text in UTF-8.

    An advice on the same frame has the very same head, as many pieces in each list, and each piece the frame's
    own or one of the same type whose every field but its text is the frame's piece's (the very same objects):
    its text is the frame's with each piece's text laid in."""

    __slots__ = ("head", "layouts", "others", "parts", "pieces", "utf8")

    def __init__(self, head: tuple[object, ...], pieces: tuple[Any, ...], parts: tuple[bytes, ...]) -> None:
        self.head, self.pieces, self.parts = head, pieces, parts
        self.utf8 = tuple(_escape(piece.__dict__["text"]).encode() for piece in pieces)
        # Each piece's type, what reads its fields but the text, and their values (the frame's piece's).
        self.others = tuple(
            (type(piece), getter, getter(piece.__dict__))
            for piece in pieces
            for getter in [cast("Callable[[dict[str, Any]], tuple[object, ...]]", _OTHERS[type(piece)])]
        )
        self.layouts: dict[bytes, tuple[tuple[int, ...], tuple[bytes, ...]]] = {}

    def text(self, pieces: tuple[Any, ...]) -> tuple[bool, bytes | None]:
        """The text of an advice on this frame whose head is the frame's, with these pieces (as many as the frame's
        in each list): whether every piece is the frame's own, and the text, ``None`` when a piece is not on the
        frame (another type, another field but its text, or a text not a str)."""
        same = bytes(map(operator.is_, pieces, self.pieces))
        layout = self.layouts.get(same)
        if layout is None:
            # A new pattern: its pieces checked first, so another frame's advice makes no layout here.
            if not all(self._fits(index, piece) for index, piece in enumerate(pieces) if not same[index]):
                return False, None
            layout = self._layout(same)
        laid, parts = layout
        if not laid:
            return True, parts[0]
        made = [parts[0]]
        for index, part in zip(laid, parts[1:], strict=True):
            piece = pieces[index]
            if not self._fits(index, piece):
                return False, None
            made += (_escape(piece.__dict__["text"]).encode(), part)
        return False, b"".join(made)

    def _fits(self, index: int, piece: Any) -> bool:
        """Whether ``piece`` may stand in the frame's piece at ``index``: of its type, with a str text, and every
        other field the very same object as the frame's piece's."""
        kind, others, values = self.others[index]
        state = piece.__dict__
        return (
            type(piece) is kind and type(state.get("text")) is str and all(map(operator.is_, others(state), values))
        )

    def _layout(self, same: bytes) -> tuple[tuple[int, ...], tuple[bytes, ...]]:
        """Where the pieces not the frame's own go (``same`` is 0 for each), and the text around them: the frame's
        parts with each of its own pieces' texts joined in (made once per such pattern, a few a frame)."""
        laid = tuple(index for index, own in enumerate(same) if not own)
        parts = [self.parts[0]]
        for index, part in enumerate(self.parts[1:]):
            if same[index]:
                parts[-1] += self.utf8[index] + part
            else:
                parts.append(part)
        if len(self.layouts) >= _LAYOUTS_KEPT:
            self.layouts.clear()
        layout = self.layouts[same] = (laid, tuple(parts))
        return layout

    @classmethod
    def made(
        cls, memo: _Memo, advice: MarketAdvice, newline: str, head: tuple[object, ...], pieces: tuple[Any, ...],
        text: bytes,
    ) -> _Frame | None:
        """The frame of ``advice`` (its ``head`` and ``pieces``), whose text at this depth is ``text``, made as
        :meth:`_Memo.advice` writes an advice: its head's text, then each list's opening, its pieces' texts between
        commas, each of its shape's text around its hole (:meth:`_Memo._shape`), and its closing. ``None`` when a
        piece has no shape, or the frame's text is not ``text``."""
        inner = newline + _INDENT  # where list_text writes a list, its pieces one level further
        opening, comma, closing = _openings(inner, _LIST)
        laid: list[bytes | None] = [memo.head(advice, newline)]  # None: a hole
        for name, key in zip(_PIECE_LISTS, _openings(newline, _PIECE_LISTS), strict=True):
            laid.append(key)
            listed = getattr(advice, name)
            if not listed:
                laid.append(b"[]")
                continue
            laid.append(opening)
            for index, piece in enumerate(listed):
                shape = memo._shape(piece, advice, name, inner + _INDENT)
                if shape is None:
                    return None
                laid += (comma, shape[1], None, shape[2]) if index else (shape[1], None, shape[2])
            laid.append(closing)
        parts: list[bytes] = []
        run: list[bytes] = []
        for part in laid:
            if part is None:
                parts.append(b"".join(run))
                run = []
            else:
                run.append(part)
        parts.append(b"".join(run))
        if len(parts) != len(pieces) + 1:
            return None
        frame = cls(head, pieces, tuple(parts))
        return frame if frame.text(pieces) == (True, text) else None


_LAYOUTS_KEPT = 4
"""The most patterns of its own pieces and the product's a frame remembers (:meth:`_Frame._layout`): one or two
in a generated catalogue (each some 7 kB)."""


_HOLE = "\x00\x01 the piece's own text \x01\x00"
"""What a piece's shape (:meth:`_Memo._shaped`) is written with in place of its text: no piece says it."""
_HOLE_JSON = _escape(_HOLE)
_NO_SHAPE: Any = object()


def _other_fields(kind: type) -> Callable[[dict[str, Any]], tuple[object, ...]] | None:
    """The fields but ``text`` of a dataclass of this type, read from an instance's ``__dict__`` (``None`` for a type
    that is not a dataclass with a ``text`` field): what a piece's shape is known by (:meth:`_Memo._shaped`)."""
    names = [f.name for f in dataclasses.fields(kind)] if dataclasses.is_dataclass(kind) else []
    getter = None
    if "text" in names and len(names) > 2:
        getter = operator.itemgetter(*(n for n in names if n != "text"))
    if len(_OTHERS) >= _KEYS_KEPT:
        _OTHERS.clear()
    _OTHERS[kind] = getter
    return getter


_OTHERS: dict[type, Callable[[dict[str, Any]], tuple[object, ...]] | None] = {}
"""By a piece's type: what gives its fields but the text (:func:`_other_fields`), found once per type."""


def _piece_data(piece: object, advice: MarketAdvice, name: str) -> dict[str, Any]:
    """The piece's dict: its item in its advice's own JSON (the advice with this piece alone in its field ``name``)."""
    return cast("dict[str, Any]", _shallow(advice, **{name: (piece,)}).to_dict()[name][0])


class _Market:
    """A placement's market entry in a product's JSON (``Placement.to_dict()``'s text at its depth), written
    through ``memo``: the market advice's keys before its pieces (two dozen texts in a whole catalogue) are
    remembered as a piece is (:meth:`_Memo.text`), its reasons and caveats as lists (:meth:`_Memo.list_text`),
    and only the placement's own keys (:meth:`Placement.comparison_dict`, the product's numbers) are written."""

    __slots__ = ("memo", "placement")

    def __init__(self, placement: Placement, memo: _Memo) -> None:
        self.placement, self.memo = placement, memo

    def text(self, newline: str) -> bytes:
        """The entry's text in UTF-8: written of texts remembered in UTF-8, so only the product's own are encoded."""
        out: list[bytes] = []
        self.write(newline, out)
        return b"".join(out)

    def write(self, newline: str, out: list[Any]) -> None:
        """Append the entry's text (:meth:`text`) to ``out``, in parts (the product's text joins them once)."""
        _market_parts(self.placement, self.memo, newline, out)


def _market_parts(placement: Placement, memo: _Memo, newline: str, out: list[Any]) -> None:
    """Append a placement's market entry (``_json(placement.to_dict(), newline[1:])``) to ``out`` in UTF-8 bytes,
    in parts: the market advice's text through ``memo``, then the comparison's keys (:meth:`Placement.comparison_values`)."""
    advice = placement.advice
    if advice is None:
        out.append(_json(placement.to_dict(), newline[1:]).encode())
        return
    # The advice's text without its closing brace, then the comparison's keys (whose own text's opening brace
    # gives way to the comma): the keys in to_dict's order.
    out.append(memo.advice(advice, newline))
    out.append(_comparison_utf8(placement, newline))


def _comparison_utf8(placement: Placement, newline: str) -> bytes:
    """A placement's comparison keys as its market entry ends with them at this depth, in UTF-8: a comma, then
    ``_flat(placement.COMPARISON, placement.comparison_values(), newline)`` without its opening brace. Written of
    its text with a slot for each value (:func:`_comparison_layout`), its amounts straight from their Decimals
    (:func:`_amount_json`) instead of made floats whose shortest text is then searched for; a value of another type,
    or an amount that is not a number, the long way (its text, or its error)."""
    layout = _COMPARISONS.get((type(placement), newline))
    if layout is None:
        layout = _comparison_layout(placement, newline)
    if layout:
        text, amounts = layout
        try:
            values = placement.comparison_values(_amount_json)
            return (text % tuple([
                value if amount else _SCALARS[type(value)](value) for value, amount in zip(values, amounts, strict=True)
            ])).encode()
        except (KeyError, ArithmeticError, ValueError, TypeError, AttributeError):
            pass  # written the long way below: its text, or the very error it raises
    return ("," + _flat(placement.COMPARISON, placement.comparison_values(), newline)[1:]).encode()


def _comparison_layout(placement: Placement, newline: str) -> tuple[str, tuple[bool, ...]] | tuple[()]:
    """What :func:`_comparison_utf8` writes a placement of this type's comparison of at this depth: its text with a
    ``%s`` for each value, and which of its values are amounts (found by asking ``comparison_values`` for a marker
    in their place); empty for keys that :func:`_flat` would not write one by one (not str, or one twice)."""
    keys = placement.COMPARISON
    probe = placement.comparison_values(lambda _value: _AMOUNT)
    layout: tuple[str, tuple[bool, ...]] | tuple[()] = ()
    if len(probe) == len(keys) == len(set(keys)) and keys and all(type(key) is str for key in keys):
        inner = newline + _INDENT
        text = "".join("," + inner + _escape(key).replace("%", "%%") + ": %s" for key in keys) + newline + "}"
        layout = (text, tuple(value is _AMOUNT for value in probe))
    if len(_COMPARISONS) >= _KEYS_KEPT:
        _COMPARISONS.clear()
    _COMPARISONS[type(placement), newline] = layout
    return layout


_COMPARISONS: dict[tuple[type, str], tuple[str, tuple[bool, ...]] | tuple[()]] = {}
"""By a placement's type and the depth: its comparison's layout (:func:`_comparison_layout`)."""
_AMOUNT: Any = object()


def _amount_json(value: Decimal | None) -> str:
    """The JSON text of an amount as a product's comparison writes it: the text of ``_number(value)`` (an int,
    a float or ``null``), its errors alike. An amount of one or two decimals in at most 16 characters (sign and
    point included) is its own digits, its trailing zeros dropped: a float's shortest text of a number of at most
    15 significant digits is those digits (no other string of as few digits is within a float's precision of it),
    written positionally for magnitudes from 0.01 to below 10**16, as float's repr does; a Decimal's text has
    its point there only when written positionally (an exponent's text ends it). An integral amount, or any
    other, the long way."""
    if value is None:
        return "null"
    if type(value) is Decimal:
        text = str(value)
        if len(text) <= 16 and (text[-3:-2] == "." or text[-2:-1] == "."):
            stripped = text.rstrip("0")
            if stripped[-1] != ".":
                return stripped
    from .catalogue import _number

    number = _number(value)
    return _SCALARS[type(number)](number)


def _head_key(advice: MarketAdvice, newline: str) -> tuple[object, ...] | None:
    """What the text of ``advice``'s head (:func:`_head`) is remembered by: every field but its pieces, each
    with its type (1, 1.0 and True are equal keys but differ in JSON; a float by its text, as -0.0 is not 0.0),
    and ``hands_over``'s items; ``None`` (written each time) for a value of another kind."""
    key: list[object] = [newline, type(advice)]
    for name, value in advice.__dict__.items():
        kind = type(value)
        if kind is str or value is None or kind is bool or kind is int:
            key.append((kind, value))
        elif kind is float:
            key.append(float.__repr__(value))
        elif kind is dict and all(type(k) is str and type(v) is str for k, v in value.items()):
            key.append(tuple(value.items()))
        elif name not in _PIECE_LISTS:
            return None
    return tuple(key)


def _head(advice: MarketAdvice) -> dict[str, Any]:
    """The market advice's dict without its pieces: the keys its JSON has before them (they are its last keys)."""
    data = cast("dict[str, Any]", _shallow(advice, **dict.fromkeys(_PIECE_LISTS, ())).to_dict())
    if tuple(data)[-len(_PIECE_LISTS):] != _PIECE_LISTS:
        raise AssertionError(f"a market advice's pieces are no longer its last keys: {tuple(data)}")
    for name in _PIECE_LISTS:
        del data[name]
    return data


def _shallow(record: Any, **changes: Any) -> Any:
    """A copy of a frozen dataclass with ``changes`` (values of the same fields), without running its constructor."""
    copy = object.__new__(type(record))
    copy.__dict__.update(record.__dict__, **changes)
    return copy


_PIECE_LISTS = ("reasons", "caveats")
"""The fields of a market's advice that hold its pieces, each written as a JSON list under the same key."""
_LIST = ("[", ",", "]")
"""What :func:`_openings` gives a list's opening, comma and closing for."""


def _openings(newline: str, keys: tuple[str, ...]) -> tuple[bytes, ...]:
    """In UTF-8, what is written at this depth before the value of each of ``keys`` (after the dict's earlier keys),
    or for :data:`_LIST` a list's opening, comma between items and closing: made once per depth."""
    found = _OPENED.get((newline, keys))
    if found is None:
        inner = newline + _INDENT
        if keys is _LIST:
            found = (("[" + inner).encode(), ("," + inner).encode(), (newline + "]").encode())
        else:
            found = tuple(("," + inner + _escape(name) + ": ").encode() for name in keys)
        if len(_OPENED) >= _KEYS_KEPT:
            _OPENED.clear()
        _OPENED[newline, keys] = found
    return found


_OPENED: dict[tuple[str, tuple[str, ...]], tuple[bytes, ...]] = {}
_HEAD_FIELDS: dict[type, Callable[[dict[str, Any]], tuple[object, ...]]] = {}
"""By a market advice's type: what gives the values of its head's fields (:meth:`_Memo.head`), made once per type."""


def _head_fields(kind: type) -> Callable[[dict[str, Any]], tuple[object, ...]]:
    """What gives the values of a market advice's head's fields, by its type (kept in :data:`_HEAD_FIELDS`)."""
    names = [f.name for f in dataclasses.fields(kind) if f.name not in _PIECE_LISTS]
    fields: Callable[[dict[str, Any]], tuple[object, ...]] = (
        operator.itemgetter(*names) if len(names) > 1 else lambda state: tuple(state[name] for name in names)
    )
    if len(_HEAD_FIELDS) >= _KEYS_KEPT:
        _HEAD_FIELDS.clear()
    _HEAD_FIELDS[kind] = fields
    return fields


class ProductWriter:
    """One product's text in a format written a product at a time (``json`` or ``csv``), as
    :func:`write_streamed` writes it: the product's JSON object nested in the catalogue's ``products``, or its
    CSV rows. Picklable, so worker processes write the products they advise (:meth:`CatalogueStream.texts`);
    each copy remembers the pieces it has written (:class:`_Memo`).
    """

    def __init__(self, format: str) -> None:
        if format not in ("json", "csv"):
            raise ValueError(f"'{format}' is not written a product at a time (allowed: json, csv)")
        self.format = format
        self._memo = _Memo()

    def __reduce__(self) -> tuple[type[ProductWriter], tuple[str]]:
        return (ProductWriter, (self.format,))  # the memo is this process's own

    def __call__(self, product: ProductAdvice) -> str:
        if self.format == "csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(_product_rows(product))
            return buffer.getvalue()
        return self.utf8(product).decode("utf-8")

    def utf8(self, product: ProductAdvice) -> bytes:
        """The product's text in UTF-8, as a file gets it: a product's JSON is written so, of texts remembered in
        UTF-8 (some forty kilobytes a product, nearly all of them remembered), and only its own are encoded."""
        if self.format == "csv":
            return self(product).encode("utf-8")
        return _product_utf8(product, self._memo)

    def item_utf8(self, product: ProductAdvice) -> bytes:
        """:meth:`utf8` as an item of the catalogue's ``products`` after another: the comma and the item's newline
        (:data:`_ITEM_LEAD`), then the text. Laid in by the join that makes the text (in the worker process), so the
        parent writes each text as it came instead of copying some forty kilobytes a product to put the comma first
        (the first product's text is written without its comma)."""
        if self.format == "csv":
            raise ValueError("a product's CSV rows are not an item of a list")
        return _product_utf8(product, self._memo, _ITEM_LEAD)


def _product_utf8(product: ProductAdvice, memo: _Memo, lead: bytes = b"") -> bytes:
    """``_json(product.to_dict(), "    ")`` in UTF-8, each market's entry written through ``memo`` (:func:`_market_parts`).

    The product's own keys are written of their remembered openings (:func:`_flat`) and its platforms' entries
    around its markets' of their remembered text (:func:`_platform_opening`), each market's entry in UTF-8 bytes
    (:func:`_market_parts`): no dict is made for a platform or a market, and nothing is walked key by key. A
    product whose dict does not end with its platforms (or has none) is written whole (:func:`_product_whole`).

    :param lead: what the text begins with (:meth:`ProductWriter.item_utf8`).
    """
    data = _shallow(product, placements=()).to_dict()
    keys = tuple(data)
    placements = product.placements
    if len(keys) < 2 or keys[-1] != "platforms" or not placements:
        return lead + _product_whole(product, memo)
    head = _flat(keys[:-1], tuple(data.values())[:-1], _PRODUCT_NEWLINE)
    parts: list[bytes] = [lead, head[: -len(_PRODUCT_NEWLINE) - 1].encode()]
    # The placements grouped per platform in the order the platforms first appear, each group's first naming it
    # (as _by_platform groups them).
    groups: dict[Any, list[Placement]] = {}
    for placement in placements:
        group = groups.get(placement.platform)
        if group is None:
            groups[placement.platform] = [placement]
        else:
            group.append(placement)
    platforms, platform, markets = _PRODUCT_OPENINGS
    opening = platforms
    for group in groups.values():
        first = group[0]
        parts.append(opening)
        parts.append(_platform_opening(first.platform, first.platform_name))
        opening = _PLATFORM_COMMA
        market = _MARKET_OPENING
        for placement in group:
            parts.append(market)
            _market_parts(placement, memo, _MARKET_NEWLINE, parts)
            market = _MARKET_COMMA
        parts.append(markets)
    parts.append(platform)
    return b"".join(parts)


_PRODUCT_NEWLINE = "\n    "
"""The depth a product's text is written at (an item of the catalogue's ``products``)."""
_PLATFORM_NEWLINE = _PRODUCT_NEWLINE + _INDENT * 2
"""The depth of a platform's entry (an item of a product's ``platforms``)."""
_MARKET_NEWLINE = _PLATFORM_NEWLINE + _INDENT * 2
"""The depth of a market's entry (an item of a platform's ``markets``)."""
_PRODUCT_OPENINGS = (
    ("," + _PRODUCT_NEWLINE + _INDENT + _escape("platforms") + ": [" + _PLATFORM_NEWLINE).encode(),
    (_PLATFORM_NEWLINE[:-2] + "]" + _PRODUCT_NEWLINE + "}").encode(),
    (_MARKET_NEWLINE[:-2] + "]" + _PLATFORM_NEWLINE + "}").encode(),
)
"""In UTF-8: what comes after a product's own keys before its first platform; what closes its platforms and
itself; what closes a platform's markets and the platform."""
_ITEM_LEAD = ("," + _PRODUCT_NEWLINE).encode()
"""In UTF-8: what comes before a product's text after another product's in the catalogue's ``products``."""
_PLATFORM_COMMA = ("," + _PLATFORM_NEWLINE).encode()
_MARKET_OPENING = ("[" + _MARKET_NEWLINE).encode()
_MARKET_COMMA = ("," + _MARKET_NEWLINE).encode()


def _platform_opening(platform: Any, name: Any) -> bytes:
    """A platform's entry in a product's text up to its markets' list (``{"platform": ..., "platform_name": ...,
    "markets": ``) in UTF-8, remembered by its two values when they are str (three platforms in a catalogue)."""
    key = (platform, name) if type(platform) is str and type(name) is str else None
    found = _PLATFORMS.get(key) if key is not None else None
    if found is None:
        text = _flat(("platform", "platform_name"), (platform, name), _PLATFORM_NEWLINE)
        found = (text[: -len(_PLATFORM_NEWLINE) - 1] + "," + _PLATFORM_NEWLINE + _INDENT + '"markets": ').encode()
        if key is not None:
            if len(_PLATFORMS) >= _KEYS_KEPT:
                _PLATFORMS.clear()
            _PLATFORMS[key] = found
    return found


_PLATFORMS: dict[tuple[str, str] | None, bytes] = {}
"""By a platform's id and name: its entry's opening (:func:`_platform_opening`)."""


def _product_whole(product: ProductAdvice, memo: _Memo) -> bytes:
    """:func:`_product_utf8` the long way: the product's dict written by :func:`_write_json` with a :class:`_Market`
    for each market's entry."""
    from .catalogue import _by_platform

    data = _shallow(product, placements=()).to_dict()
    data["platforms"] = _by_platform(product.placements, lambda placement: _Market(placement, memo))
    out: list[Any] = []
    _write_json(data, _PRODUCT_NEWLINE, out)
    # The text around the markets' entries (each UTF-8 bytes) encoded a run at a time.
    parts: list[bytes] = []
    start = 0
    for index, piece in enumerate(out):
        if type(piece) is bytes:
            parts.append("".join(out[start:index]).encode())
            parts.append(piece)
            start = index + 1
    parts.append("".join(out[start:]).encode())
    return b"".join(parts)


def _write_split(stream: CatalogueStream, write: Callable[[str], object]) -> None:
    """The split's JSON as :func:`_json` writes it at the top level's depth, its lists of products named written
    of what the split keeps of them (:meth:`CatalogueStream.mentions_kept`), some thousands at a time (a long
    catalogue names hundreds of thousands: they are never all records, nor all texts, at once)."""
    from .catalogue import MENTIONS

    first = True
    for key, value in stream.split_counts().to_dict().items():
        write(("{" if first else ",") + "\n    " + _escape(key) + ": ")
        first = False
        if key not in MENTIONS:
            write(_json(value, "    "))
            continue
        opening = "[\n      "
        texts: list[str] = []
        for text in _mentions_json(*stream.mentions_kept(key)):
            texts.append(text)
            if len(texts) == _MENTIONS_WRITTEN:
                write(opening + ",\n      ".join(texts))
                opening, texts = ",\n      ", []
        if texts:
            write(opening + ",\n      ".join(texts))
            opening = ""
        write("[]" if opening == "[\n      " else "\n    ]")
    write("\n  }")


_MENTIONS_WRITTEN = 4096
"""The most mentions' texts :func:`_write_split` joins into one write (some 300 bytes each)."""


def _mentions_json(places: Sequence[tuple[Any, ...]], skus: Sequence[str], where: Sequence[int]) -> Iterator[str]:
    """Each mention's text, ``_json(mention.to_dict(), "      ")``, of the split's kept form of a list of products
    named (:meth:`CatalogueStream.mentions_kept`: each mention's SKU and the index of its place among ``places``,
    a :class:`ProductMention`'s fields but the SKU). Written of the SKU and the text of the mention's other keys,
    made once per place (a long catalogue names each of a few dozen places thousands of times), with no record
    made per mention; a mention whose dict does not begin with its SKU (and go on) written whole."""
    from .catalogue import ProductMention

    rests: dict[int, str | None] = {}
    for sku, index in zip(skus, where, strict=True):
        rest = rests.get(index, "")
        if rest == "":
            rest = rests[index] = _mention_rest(ProductMention(sku, *places[index]))
        if rest is None or type(sku) is not str:
            yield _json(ProductMention(sku, *places[index]).to_dict(), "      ")
        else:
            yield '{\n        "sku": ' + _escape(sku) + "," + rest


def _mention_rest(mention: ProductMention) -> str | None:
    """What a mention's text (``_json(mention.to_dict(), "      ")``) has after its SKU's value and comma: its other
    keys and its closing brace, the same for every mention at the same place; ``None`` when its dict does not
    begin with its SKU as it is (and go on)."""
    data = mention.to_dict()
    keys = iter(data)
    if next(keys, None) == "sku" and data["sku"] is mention.sku and type(mention.sku) is str and len(data) > 1:
        del data["sku"]
        return _json(data, "      ")[1:]
    return None


def write_streamed(stream: CatalogueStream, format: str, out: IO[str] | IO[bytes]) -> None:
    """Write a catalogue to ``out`` as it is advised, a product at a time, in one of :attr:`CatalogueStream.FORMATS`: the same
    bytes as :func:`render` gives for the whole catalogue, in constant memory (JSON's split follows the products).

    ``out`` is a text file, or a binary one (opened with ``b`` in its mode, or a ``BytesIO``), which gets the text
    in UTF-8: a JSON product's text is then written as it is made, in UTF-8 (by the worker processes too: see
    :meth:`ProductWriter.utf8`), not decoded and encoded again.

    :raises ValueError: for another format.
    """
    if _binary(out):
        _write_streamed_utf8(stream, format, cast("IO[bytes]", out))
        return
    _write_streamed_text(stream, format, cast("IO[str]", out))


def _binary(out: IO[str] | IO[bytes]) -> bool:
    """Whether ``out`` takes bytes: an io binary stream (a file opened with ``b``, a ``BytesIO``, which has no mode),
    or another object whose mode says so (a spooled temporary file)."""
    if isinstance(out, io.TextIOBase):
        return False
    if isinstance(out, (io.BufferedIOBase, io.RawIOBase)):
        return True
    mode = getattr(out, "mode", "")
    return isinstance(mode, str) and "b" in mode


def _write_streamed_text(stream: CatalogueStream, format: str, out: IO[str]) -> None:
    """:func:`write_streamed` into a text file."""
    if format == "json":
        _write_streamed_json(stream, out.write, lambda data: out.write(data.decode("utf-8")))
        return
    if format not in stream.FORMATS:
        raise ValueError(f"'{format}' is not written a product at a time (allowed: {', '.join(stream.FORMATS)})")
    texts = stream.texts(ProductWriter(format))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "error"])
    for text in texts:
        out.write(text)
    writer.writerows(_error_rows(stream.errors))


def _write_streamed_utf8(stream: CatalogueStream, format: str, out: IO[bytes]) -> None:
    if format == "json":
        _write_streamed_json(stream, lambda text: out.write(text.encode("utf-8")), out.write)
        return
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        _write_streamed_text(stream, format, text)
    finally:
        text.detach()  # flushed into ``out``, which stays open (the caller's to close)


def _write_streamed_json(
    stream: CatalogueStream, write: Callable[[str], object], write_utf8: Callable[[bytes], object]
) -> None:
    """A streamed catalogue's JSON, its text written by ``write`` and its products' (UTF-8) by ``write_utf8``."""
    write('{\n  "products": [')
    first = True
    for data in stream.texts(ProductWriter("json").item_utf8):
        # Each text comes with the comma before it (ProductWriter.item_utf8): the first is written without.
        write_utf8(data[1:] if first else data)
        first = False
    write("]" if first else "\n  ]")
    write(',\n  "split": ')
    _write_split(stream, write)
    tail = {
        "errors": [e.to_dict() for e in stream.errors],
        "unknown_columns": list(stream.unknown_columns),
        "close_pct": stream.close_pct,
    }
    for key, value in tail.items():
        write(f",\n  {_json(key, '  ')}: {_json(value, '  ')}")
    write("\n}\n")


def render(catalogue: Catalogue, format: str = "text") -> str:
    """The catalogue in one of :data:`FORMATS` (words in the language in force; JSON and CSV keys in English).

    :raises ValueError: for another format.
    """
    if format == "json":
        return catalogue.to_json()
    if format == "csv":
        return render_csv(catalogue)
    if format == "markdown":
        return render_markdown(catalogue)
    if format == "text":
        return render_text(catalogue)
    if format == "xlsx":
        raise ValueError("an .xlsx workbook is bytes: use render_xlsx()")
    raise ValueError(f"unknown format '{format}' (allowed: {', '.join(FORMATS)})")


def chart(catalogue: Catalogue, format: str = "svg") -> bytes:
    """Draw the monthly contribution by route: one panel per platform, a bar per market and route, labelled
    with its products (routes with no price, the seller's own store or none, show their products at 0).

    Deterministic for the same catalogue (no dates, fixed SVG ids); labels as :func:`sellerexpert.write_chart`'s.

    :param format: ``svg`` or ``png``.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    """
    from .margin_report import drawn

    advised_in = catalogue.products[0].result.lang if catalogue.products else "en"

    def draw(pyplot: Any) -> Any:
        # The platform and market names were worded when the products were advised; when the chart speaks
        # another language (English, for want of a font with the Chinese glyphs) it names them by their codes.
        own_words = _i18n.current() == advised_in
        panels = [
            (name if own_words or not shares else shares[0].platform, shares, total)
            for name, shares, total in _share_rows(catalogue)
        ] or [("", [], Decimal(0))]
        heights = [max(len(shares), 1) * 0.45 + 1.2 for _name, shares, _total in panels]
        figure, axes = pyplot.subplots(len(panels), 1, figsize=(8, sum(heights)), squeeze=False,
                                       gridspec_kw={"height_ratios": heights})
        for (name, shares, total), row in zip(panels, axes, strict=True):
            axis = row[0]
            labels = [
                f"{s.market_name if own_words else s.market} · {_route(s.route, s.route)}"
                if s.market
                else _route(s.route, s.route)
                for s in shares
            ]
            values = [float(s.contribution_per_month) for s in shares]
            axis.barh(range(len(shares)), values, color=[f"C{_model_index(s.model)}" for s in shares])
            for index, (share, value) in enumerate(zip(shares, values, strict=True)):
                # Right of the bar, or right of 0 for a loss, so a label never runs into the route's name.
                axis.annotate(_("{count} products").format(count=share.products), (max(value, 0.0), index),
                              textcoords="offset points", xytext=(3, 0), va="center", fontsize=7)
            axis.set_yticks(range(len(shares)), labels)
            axis.invert_yaxis()
            axis.axvline(0, color="grey", linewidth=0.6)
            axis.set_title(_("{platform}: {total} a month in all").format(platform=name, total=_money(total)))
            currency = catalogue.split.currency
            axis.set_xlabel(
                _("contribution a month ({currency})").format(currency=currency) if currency else _("contribution a month")
            )
        from matplotlib.patches import Patch

        keys = [Patch(color=f"C{index}", label=_i18n.model_words(model)) for index, model in enumerate(MODELS)]
        axes[0][0].legend(handles=keys, loc="lower right", frameon=False, fontsize=7)
        return figure

    return drawn(format, draw)


def _model_index(model: str | None) -> int:
    return {"fully-managed": 0, "semi-managed": 1}.get(model or "", 7)


def write_chart(catalogue: Catalogue, path: str | Path) -> None:
    """Write the chart to ``path`` (``.svg`` or ``.png``, by suffix).

    :raises ValueError: for another suffix.
    :raises ModuleNotFoundError: when matplotlib (the ``chart`` extra) is not installed.
    :raises OSError: when the file cannot be written.
    """
    from .margin_report import written

    written(path, lambda format: chart(catalogue, format))
