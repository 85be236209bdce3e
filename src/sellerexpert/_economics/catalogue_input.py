"""Reading a product list: its columns, each row as a product, and the product as a seller profile.

A row holds what a seller has at hand per product: ``sku``, ``name``, ``unit_cost``, the prices it
expects (``full_price``, ``semi_price``, or any economics number by its path such as
``semi-managed.price``, ``temu.semi-managed.price`` or ``routes.temu_y2.freight_per_unit``), a
``weight_class`` (or ``weight_kg``), a ``category`` and ``monthly_units``. The company's profile
gives everything else; the product's numbers go over the profile's ``economics`` section.

CSV is read as a batch reads it (:class:`sellerexpert._batch.batch.RowReader`: comma, semicolon or tab,
UTF-8 or UTF-16), and JSON Lines likewise; here a column the catalogue does not know is set aside
(the caller reports it once) instead of failing the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .._errors import ProfileError
from .._i18n import N_
from .._i18n.messages import Msg
from .._profile.economics import NUMBERS_BY_NAME, Economics
from .._profile.profile import ECONOMICS, MODELS, PLATFORMS, SellerProfile, canonical_values
from .._profile.rows import Layout, Row, RowReader

PRODUCT_COLUMNS: tuple[str, ...] = ("sku", "name", "weight_class", "weight_kg", "category", "monthly_units")
"""The columns that describe a product itself (the rest are economics numbers)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "full_price": ("fully-managed", "price"),
    "fully_managed_price": ("fully-managed", "price"),
    "supply_price": ("fully-managed", "price"),
    "semi_price": ("semi-managed", "price"),
    "semi_managed_price": ("semi-managed", "price"),
    "retail_price": ("semi-managed", "price"),
}
"""Short names for the two prices a seller expects: the supply price (fully-managed) and the retail price it sets."""

WEIGHT_LIMITS_KG: tuple[tuple[Decimal, str], ...] = ((Decimal(10), "parcel"), (Decimal(70), "heavy"))
"""``weight_kg`` up to 10 is a parcel, up to 70 heavy, above that oversized (give ``weight_class`` to say otherwise)."""

_MODEL_WORDS = {"fully_managed": MODELS[0], "full": MODELS[0], "semi_managed": MODELS[1], "semi": MODELS[1]}
_PLATFORM_WORDS = {**{p: p for p in PLATFORMS}, "tiktok": "tiktok_shop"}
_UNSEEN: Any = object()
_LAYOUTS_KEPT = 256
"""Orders of columns :meth:`ProductReader.__iter__` keeps per reading (a file brings one; JSON Lines or mappings may
bring one a row)."""
NAME_LIMIT = 200
"""The most characters of a SKU or product name."""


def _word(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def column_path(raw: str) -> tuple[str, ...] | None:
    """Where a column goes: ``("sku",)`` for a product column, else the economics path of a number
    (``("semi-managed", "price")``, ``("platforms", "temu", "semi-managed", "price")``,
    ``("routes", "temu_y2", "duty_rate")``); ``None`` for a column the catalogue does not know."""
    parts = [_word(part) for part in str(raw).split(".")]
    if len(parts) == 1:
        name = parts[0]
        if name in PRODUCT_COLUMNS:
            return (name,)
        if name in ALIASES:
            return ALIASES[name]
        return (name,) if name in NUMBERS_BY_NAME else None
    *scope, number = parts
    if number not in NUMBERS_BY_NAME:
        return None
    if len(scope) == 1 and scope[0] in _MODEL_WORDS:
        return (_MODEL_WORDS[scope[0]], number)
    if len(scope) == 1 and scope[0] in _PLATFORM_WORDS:
        return ("platforms", _PLATFORM_WORDS[scope[0]], number)
    if len(scope) == 2 and scope[0] in _PLATFORM_WORDS and scope[1] in _MODEL_WORDS:
        return ("platforms", _PLATFORM_WORDS[scope[0]], _MODEL_WORDS[scope[1]], number)
    if len(scope) == 2 and scope[0] == "routes" and scope[1]:
        return ("routes", scope[1], number)
    return None


@dataclass(frozen=True)
class Product:
    """One row of the product list, read: its identity and the profile it is advised on.

    :ivar row: 1-based number of the record; :ivar line: the input line it starts on.
    :ivar profile: the company's profile with the product's weight class, category and numbers.
    """

    row: int
    line: int
    sku: str
    name: str
    profile: SellerProfile


@dataclass(frozen=True)
class ProductRow:
    """A row read but not yet made a product: its identity and its cells by path.

    What travels to a worker process, which makes the product's profile there (:meth:`product`): a few
    strings, where a profile is a few kilobytes to pickle and most of the reading's time to build.
    """

    row: int
    line: int
    sku: str
    name: str
    cells: dict[tuple[str, ...], Any]

    def product(self, company: SellerProfile, source: str) -> Product | RowProblem:
        """The product advised on ``company``'s profile, or the problem with its cells (located in ``source``)."""
        try:
            profile = product_profile(company, self.cells)
        except ProfileError as exc:
            return RowProblem(self.row, self.line, self.sku, exc.located(source, line=self.line))
        # Made without the frozen record's __init__ (five checked assignments a product), its fields set as it would.
        product = object.__new__(Product)
        product.__dict__.update(row=self.row, line=self.line, sku=self.sku, name=self.name, profile=profile)
        return product


@dataclass(frozen=True)
class RowProblem:
    """A row that could not become a product: its line, its SKU when it has one, and why."""

    row: int
    line: int
    sku: str
    error: ProfileError


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _weight_class(value: Any) -> str:
    try:
        kg = Decimal(str(value).strip())
    except InvalidOperation:
        kg = Decimal(-1)
    if not kg.is_finite() or kg <= 0:
        raise ProfileError(
            Msg(N_("expected a weight in kg, more than 0, got {value}"), value=repr(value)[:40]),
            field="weight_kg",
            value=value,
            allowed="a number of kg, more than 0",
        )
    return next((name for most, name in WEIGHT_LIMITS_KG if kg <= most), "oversized")


def _weight_class_of(value: Any) -> str:
    """:func:`_weight_class`, remembered for a text or whole number (a product list repeats a few weights); a
    weight that fails is not kept, so its error is raised afresh each time."""
    kind = type(value)
    if kind is not str and kind is not int:
        return _weight_class(value)
    key = (kind, value)
    found = _WEIGHT_CLASSES.get(key)
    if found is None:
        found = _weight_class(value)
        if len(_WEIGHT_CLASSES) >= _WEIGHT_CLASSES_KEPT:
            _WEIGHT_CLASSES.clear()
        _WEIGHT_CLASSES[key] = found
    return found


_WEIGHT_CLASSES: dict[tuple[type, Any], str] = {}
_WEIGHT_CLASSES_KEPT = 1024
"""The most weights :func:`_weight_class_of` remembers (texts of a few characters)."""


def _merge(into: dict[str, Any], path: tuple[str, ...], value: Any, fresh: set[int]) -> None:
    """Set ``value`` at ``path`` in ``into``, copying each nested table on the way that is not in ``fresh``
    (the ids of the tables made for this product): the company's tables are shared by every product."""
    for key in path[:-1]:
        inner = into.get(key)
        if not isinstance(inner, dict):
            inner = {}
        elif id(inner) not in fresh:
            inner = dict(inner)
        else:
            into = inner
            continue
        fresh.add(id(inner))
        into[key] = inner
        into = inner
    into[path[-1]] = value


@dataclass(frozen=True)
class _Company:
    """A company's profile as its products are laid over it, made once, not per product.

    :ivar data: the profile's dict (its lists as tuples, whose conversion the profile keeps: see
        profile._normalised) and :ivar economics: its economics' dict, which the plain reading sets a product's
        fields and numbers in.
    :ivar values: the profile's fields in canonical form and :ivar section: its economics read back from that
        dict, which a product's own fields and numbers are laid over (``None`` when they cannot be).
    """

    profile: SellerProfile
    data: dict[str, Any]
    economics: dict[str, Any]
    values: dict[str, Any] | None
    section: Economics | None
    sellers: dict[Any, dict[str, Any]] = field(default_factory=dict)
    """The fields of its products' profiles but their economics (:meth:`SellerProfile._seller_state`), by the
    product's own fields (a weight class, a category) with their types: a catalogue's products bring a few."""


_SELLERS_KEPT = 256
"""Products' fields kept per company (:attr:`_Company.sellers`): the bound is for odd catalogues."""

_company: list[_Company] = []
"""The last company profile products were laid over (the profile is kept, so the identity it is found by is not
reused meanwhile)."""


def _company_of(company: SellerProfile) -> _Company:
    for known in _company:
        if known.profile is company:
            return known
    # Lists as tuples: the profile keeps their conversion (see profile._normalised), not made again per product.
    data = {key: tuple(value) if type(value) is list else value for key, value in company.to_dict().items()}
    economics: dict[str, Any] = company.economics.to_dict() if company.economics is not None else {}
    values: dict[str, Any] | None
    section: Economics | None
    try:
        # What the plain reading makes of the company's part, the same for every product: its fields, and its
        # economics as that reads them back from their dict (a number written 8.50 reads back 8.5).
        values = canonical_values({key: value for key, value in data.items() if key != ECONOMICS})
        section = Economics.from_dict(economics) if economics else None
    except ProfileError:
        values, section = None, None
    known = _Company(company, data, economics, values, section)
    _company[:] = [known]
    return known


def product_profile(company: SellerProfile, cells: Mapping[tuple[str, ...], Any]) -> SellerProfile:
    """The profile one product is advised on: the company's, with the product's fields and numbers over it.

    The profile keeps the company's name, so two products the rules cannot tell apart have the same profile.

    :raises ProfileError: naming the field at fault (``economics.semi-managed.price``, ``weight_class``...).
    """
    known = _company_of(company)
    fields: dict[str, Any] = {}
    weight = cells.get(("weight_class",))
    if _blank(weight) and not _blank(cells.get(("weight_kg",))):
        weight = _weight_class_of(cells[("weight_kg",)])
    if not _blank(weight):
        fields["weight_class"] = weight.strip() if isinstance(weight, str) else weight
    category = cells.get(("category",))
    if not _blank(category):
        fields["category"] = category.strip() if isinstance(category, str) else category
    numbers = [
        (path, value.strip() if isinstance(value, str) else value)
        for path, value in cells.items()
        if not (path[0] in PRODUCT_COLUMNS and path != ("monthly_units",) or _blank(value))
    ]
    if known.values is not None and (known.section is not None or not numbers):
        # The company's part as read once, the product's fields and numbers laid over it: the profile the plain
        # reading below makes of the whole, which names the problem when there is one (first as it finds them).
        # The fields but the economics (and their contradictions) depend on the product's own fields alone: worked
        # out once per such fields, and each product's economics set beside them.
        try:
            key: Any = (tuple(fields.items()), tuple([type(value) for value in fields.values()]))
            state = known.sellers.get(key)
        except TypeError:  # a cell no key can hold (a list from JSON Lines): worked out for this product alone
            key = state = None
        try:
            if state is None:
                values = {**known.values, **canonical_values(fields)}
                if "weight_class" in fields:
                    values.pop("bulky_goods", None)
                state = SellerProfile._seller_state(values)
                if key is not None:
                    if len(known.sellers) >= _SELLERS_KEPT:
                        known.sellers.clear()
                    known.sellers[key] = state
            return SellerProfile._of_seller(state, known.section.laid_over(numbers) if known.section is not None else None)
        except ProfileError:
            pass
    return _plain_profile(known, fields, numbers)


def _plain_profile(
    known: _Company, fields: dict[str, Any], numbers: list[tuple[tuple[str, ...], Any]]
) -> SellerProfile:
    """:func:`product_profile` read whole: the company's dict with the product's fields and numbers set in it."""
    data = dict(known.data)
    economics = dict(known.economics)
    fresh = {id(economics)}
    data.update(fields)
    if "weight_class" in fields:
        # A product's own weight class replaces the company's "bulky goods" answer, which would contradict it.
        data.pop("bulky_goods", None)
    for path, value in numbers:
        _merge(economics, path, value, fresh)
    if economics:
        data[ECONOMICS] = economics
    return SellerProfile.from_dict(data)


@dataclass
class ProductReader:
    """Reads products from rows of a product list (a CSV or JSON Lines file, or mappings handed to the API).

    :param rows: the rows, as :class:`sellerexpert._batch.batch.Row` records.
    :param source: how errors name the input (a path, ``<stdin>``, ``<rows>``).
    :param columns: a CSV file's header (checked for a SKU column at once); ``None`` for JSON Lines and mappings.
    :ivar unknown: the columns (or JSON keys) set aside, in the order first seen.
    :raises ProfileError: for a header with no SKU column.
    """

    rows: Iterable[Row]
    source: str
    columns: tuple[str, ...] | None = None
    unknown: list[str] = field(default_factory=list)
    _skus: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.columns is not None:
            paths = [column_path(name) for name in self.columns]
            self.unknown.extend(name for name, path in zip(self.columns, paths, strict=True) if path is None)
            if ("sku",) not in paths:
                raise ProfileError(
                    Msg(N_("has no sku column: each product needs its SKU")),
                    path=self.source,
                    line=1,
                    allowed=PRODUCT_COLUMNS,
                )

    @classmethod
    def of(cls, reader: RowReader) -> ProductReader:
        """Products from a file's rows (opened with ``any_columns=True``)."""
        layout: Layout = reader.layout
        return cls(reader, reader.source, layout.columns if layout.format == "csv" else None)

    @classmethod
    def of_xlsx(cls, path: str | Path) -> ProductReader:
        """Products from an Excel workbook's first sheet (its first non-empty row is the header; lines as Excel numbers them).

        :raises ProfileError: naming the file when it is not a workbook or has no SKU column.
        :raises ModuleNotFoundError: without the ``xlsx`` extra (openpyxl).
        """
        from .._files.spreadsheet import read_rows

        header, rows = read_rows(path)
        try:
            return cls((Row(n, line, data=cells) for n, (line, cells) in enumerate(rows, start=1)), str(path), header)
        except ProfileError:
            rows.close()  # the workbook is closed when its rows are: here, before they are read
            raise

    @classmethod
    def of_mappings(cls, rows: Iterable[Mapping[str, Any]], source: str = "<rows>") -> ProductReader:
        """Products from mappings of column names to values (row ``n`` is "line" ``n``)."""
        return cls((Row(n, n, data=row) for n, row in enumerate(rows, start=1)), source)

    def __iter__(self) -> Iterator[tuple[Row, dict[tuple[str, ...], Any]] | RowProblem]:
        """Each row's cells by path, or the problem that kept the row from being read.

        :raises ProfileError: for a SKU that repeats an earlier row's (the file is ambiguous).
        """
        paths: dict[Any, tuple[str, ...] | None] = {}

        def path_of(key: Any) -> tuple[str, ...] | None:
            # Every row of a file has the same columns: each is worked out once.
            if key in paths:
                return paths[key]
            path = paths[key] = column_path(str(key))
            return path

        # Each order of columns a row brings (a file's rows bring one), with their paths when it has no column
        # set aside: such a row's cells are its values by those paths, in order, made at once.
        layouts: dict[tuple[Any, ...], tuple[tuple[str, ...], ...] | None] = {}
        for row in self.rows:
            if row.oversized and row.problem is not None:
                # A product is a few hundred bytes: a row past the limit is not a product list (refused whole).
                raise row.problem
            if row.problem is not None:
                yield RowProblem(row.row, row.line, "", row.problem)
                continue
            if not isinstance(row.data, Mapping):
                yield RowProblem(
                    row.row, row.line, "", ProfileError(Msg(N_("a product must be an object of columns")), line=row.line)
                )
                continue
            order = tuple(row.data)
            layout = layouts.get(order, _UNSEEN)
            if layout is _UNSEEN:
                if len(layouts) >= _LAYOUTS_KEPT:
                    layouts.clear()
                found = [path_of(key) for key in order]
                layout = layouts[order] = None if None in found else tuple([path for path in found if path is not None])
            if layout is not None:
                # A later column at a path already set sets its value in the first's place, as the loop below does.
                cells: dict[tuple[str, ...], Any] = dict(zip(layout, row.data.values(), strict=True))
            else:
                cells = {}
                for key, value in row.data.items():
                    path = path_of(key)
                    if path is None:
                        if str(key) not in self.unknown:
                            self.unknown.append(str(key))
                        continue
                    cells[path] = value
            sku = cells.get(("sku",))
            sku_text = str(sku).strip() if isinstance(sku, (str, int)) and not isinstance(sku, bool) else ""
            if not sku_text or len(sku_text) > NAME_LIMIT:
                too_long = Msg(N_("the SKU is longer than {most} characters"), most=NAME_LIMIT)
                problem = ProfileError(
                    Msg(N_("has no SKU")) if not sku_text else too_long,
                    field="sku",
                    line=row.line,
                )
                yield RowProblem(row.row, row.line, "", problem)
                continue
            first = self._skus.setdefault(sku_text, row.line)
            if first != row.line:
                raise ProfileError(
                    Msg(N_("SKU '{sku}' appears twice (lines {first} and {line}): each product once"), sku=sku_text[:40],
                        first=first, line=row.line),
                    field="sku",
                    path=self.source,
                    line=row.line,
                )
            cells[("sku",)] = sku_text
            yield row, cells

    def rows_read(self) -> Iterator[ProductRow | RowProblem]:
        """Each row as its cells (:class:`ProductRow`), or the problem with the row; the profile not yet made."""
        for item in self:
            if isinstance(item, RowProblem):
                yield item
                continue
            row, cells = item
            name = cells.get(("name",))
            name_text = str(name).strip()[:NAME_LIMIT] if not _blank(name) else ""
            # Made without the frozen record's __init__ (five checked assignments a row), its fields set as it would.
            read = object.__new__(ProductRow)
            read.__dict__.update(row=row.row, line=row.line, sku=str(cells[("sku",)]), name=name_text, cells=cells)
            yield read

    def products(self, company: SellerProfile) -> Iterator[Product | RowProblem]:
        """Each row as a product advised on ``company``'s profile, or the problem with the row."""
        for item in self.rows_read():
            yield item if isinstance(item, RowProblem) else item.product(company, self.source)
