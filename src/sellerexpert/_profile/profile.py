"""The seller profile: the facts a consultation starts from.

The field table :data:`FIELDS` is the single description of every profile
field: the validator, the JSON Schema, the interactive questions and the
rule loader's type checks all read it. Each field's kind names its type
(:mod:`sellerexpert._profile.fields`), which converts, validates, enumerates and describes its
values; reading a profile from a file, stdin or options given one by one is
in :mod:`sellerexpert._profile.sources`.

Imports: :mod:`sellerexpert._files.documents`, :mod:`sellerexpert._errors`, :mod:`sellerexpert._profile.fields`,
:mod:`sellerexpert._i18n`
and :mod:`sellerexpert._profile.economics` (the economics section's type).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from .. import _memory as memory
from .._errors import ProfileError
from .._files import documents
from .._i18n import N_, _
from .._records import Key, Record
from .economics import Economics, economics_json_schema

# The vocabularies live with the field types; other modules read them here, with the profile.
from .fields import EU_MEMBERS, FIELD_TYPES, SHOWN, FieldType, describe, normalise_word, option_name
from .fields import LEVELS as LEVELS
from .fields import MAX_COUNT as MAX_COUNT
from .fields import MODELS as MODELS
from .fields import PLATFORMS as PLATFORMS
from .fields import REGIONS as REGIONS
from .fields import SERVICE_LEVELS as SERVICE_LEVELS
from .fields import closest as closest
from .fields import market_code as market_code

ECONOMICS = "economics"
"""The profile section holding the seller's own numbers (not a reasoned field: see :mod:`sellerexpert._profile.economics`)."""

Kind = Literal["text", "platforms", "markets", "level", "service", "region", "bool", "count", "weight", "category"]
"""The kinds of field; each names its type in :data:`sellerexpert._profile.fields.FIELD_TYPES`."""

@dataclass(frozen=True)
class FieldSpec:
    """What one profile field accepts and what it means to a seller.

    :ivar core: whether the field counts towards the completeness that scales confidence.
    """

    name: str
    kind: Kind
    meaning: str
    question: str
    core: bool = True

    @property
    def type(self) -> FieldType:
        """The field's type: it converts, validates, enumerates and describes the field's values."""
        return FIELD_TYPES[self.kind]

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed values for enumerated fields, as text (empty for open fields)."""
        return self.type.allowed

    @property
    def allowed_text(self) -> str:
        """How the allowed values read in an error message or a prompt."""
        return self.type.allowed_text

    def convert(self, value: object) -> object:
        """``value`` checked and in the field's canonical form; text is read as a file or option gives it
        (``"yes"`` for a yes/no field, ``"1,200"`` for a count, ``"US;DE"`` for markets).

        :raises ProfileError: naming the field and what it allows.
        """
        return self.type.convert(self.name, value)

    @property
    def option(self) -> str:
        """The command-line option that sets the field (``--target-market`` for ``target_markets``)."""
        return "--" + option_name(self.name)

    @property
    def meaning_text(self) -> str:
        """:attr:`meaning` in the language in force (``meaning`` itself stays English: the JSON Schema quotes it)."""
        return _(self.meaning)

    @property
    def question_text(self) -> str:
        """:attr:`question` in the language in force."""
        return _(self.question)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "text", N_("who is consulting"), N_("What is your shop or company called?"), core=False),
    FieldSpec(
        "platforms",
        "platforms",
        N_("platforms to advise on, in this order in the result"),
        N_("Which platforms should I advise on?"),
        core=False,
    ),
    FieldSpec("target_markets", "markets", N_("where the buyers are"), N_("Which markets do your buyers live in?")),
    FieldSpec(
        "operational_capacity",
        "level",
        N_("staff and systems to run storage, shipping and after-sales yourself"),
        N_("How much staff and systems do you have to run storage, shipping and after-sales yourself?"),
    ),
    FieldSpec("monthly_orders", "count", N_("operational size"), N_("About how many orders do you ship a month?")),
    FieldSpec(
        "local_warehouse",
        "bool",
        N_("you have warehousing in the target markets"),
        N_("Do you have (own or rented) warehouse space in your target markets?"),
    ),
    FieldSpec(
        "sea_freight", "bool", N_("you can move inventory in bulk by sea"), N_("Can you move stock in bulk by sea freight?")
    ),
    FieldSpec(
        "customer_service",
        "service",
        N_("your own after-sales and returns capacity for the target markets"),
        N_("How much after-sales and returns handling can you run for buyers in those markets?"),
    ),
    FieldSpec(
        "control_priority",
        "level",
        N_("how much you want to control pricing, inventory, promotions and brand"),
        N_("How much do you want to control pricing, stock, promotions and brand yourself?"),
    ),
    FieldSpec(
        "fee_sensitivity",
        "level",
        N_("how much fees and margin weigh for you"),
        N_("How much do platform fees and your margin weigh in the decision?"),
    ),
    FieldSpec(
        "fast_shipping_expected",
        "bool",
        N_("your buyers expect fast shipping and reliable returns"),
        N_("Do your buyers expect fast delivery and easy returns?"),
    ),
    FieldSpec(
        "working_capital",
        "level",
        N_("money you can tie up in overseas stock, freight and slower payouts"),
        N_("How much money can you tie up in overseas stock, freight and slower payouts?"),
    ),
    FieldSpec(
        "bulky_goods",
        "bool",
        N_("your products are bulky or heavy (furniture, appliances) rather than small and light"),
        N_("Are your products bulky or heavy, such as furniture or appliances (rather than small and light)?"),
    ),
    FieldSpec(
        "local_entity",
        "bool",
        N_("you have a legal entity and tax (VAT) registration in the target markets"),
        N_("Do you have a company and tax (VAT) registration in your target markets?"),
        core=False,
    ),
    FieldSpec(
        "fast_payouts_needed",
        "bool",
        N_("your cash flow needs the platform to pay you quickly"),
        N_("Does your cash flow need fast payouts from the platform?"),
        core=False,
    ),
    FieldSpec(
        "content_control",
        "level",
        N_("how much you want to run your own brand content, live selling and creator marketing"),
        N_("How much do you want to run your own content, live selling and creator marketing?"),
        core=False,
    ),
    # Eligibility: the platforms' entry rules differ by where the company is registered, where it holds
    # VAT numbers and whether it was invited. Optional, and not core: they gate models, they do not weigh them.
    FieldSpec(
        "company_base",
        "region",
        N_("where your company is registered (CN, HK, US, UK, EU or OTHER)"),
        N_("Where is your company registered: CN (mainland China), HK, US, UK, EU (any member state) or OTHER?"),
        core=False,
    ),
    FieldSpec(
        "vat_markets",
        "markets",
        N_("the markets where you hold a VAT registration (an empty list for none)"),
        N_("In which markets do you hold a VAT registration (for example DE, FR)? Answer 'none' if you hold none."),
        core=False,
    ),
    FieldSpec(
        "invited",
        "bool",
        N_("you hold an invitation to a programme that admits sellers by invitation only (TikTok Shop's EU managed model)"),
        N_("Has TikTok Shop invited you to its EU managed (Local Fulfillment) programme?"),
        core=False,
    ),
    # Routes: a route (a programme or store type) runs per market and admits sellers by where their stock
    # is, how heavy their goods are, their category and their history elsewhere (see rules/routes.toml).
    FieldSpec(
        "stock_markets",
        "markets",
        N_("the markets where you hold stock, in your own or a third-party warehouse (an empty list for none)"),
        N_(
            "In which markets do you hold stock, in your own or a rented warehouse (for example US, DE)? "
            "Answer 'none' if you hold none."
        ),
        core=False,
    ),
    FieldSpec(
        "weight_class",
        "weight",
        N_("how heavy or large your goods are: parcel (fits a parcel service), heavy (tens of kg) or oversized"),
        N_("How heavy or large are your goods: parcel (fits a parcel service), heavy (tens of kg) or oversized (furniture)?"),
        core=False,
    ),
    FieldSpec(
        "category",
        "category",
        N_("your main product category, where a route restricts it"),
        N_("What is your main product category: apparel, beauty, electronics, home, toys, food, health or other?"),
        core=False,
    ),
    FieldSpec(
        "marketplace_history",
        "bool",
        N_("you have sold for 3 months or more on another marketplace under the same company"),
        N_("Has your company sold for 3 months or more on another marketplace (Amazon, Rakuten, eBay...)?"),
        core=False,
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
CORE_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.core)

_FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)

_NOT_A_MAPPING = N_("a profile must be a mapping of field names to values, got {value}")
_EMPTY = N_("is empty: give at least one field, or write {} for a profile with nothing known on purpose")
def normalise_value(spec: FieldSpec, value: object) -> object:
    """Check one field's value and return it in canonical form (the field's type does the work).

    Text inputs (CSV cells, command-line options) are accepted for every field:
    ``"yes"`` for a boolean, ``"120"`` for a count, ``"US;EU"`` for a list.

    :raises ProfileError: naming the field and what it allows.
    """
    return spec.type.convert(spec.name, value)


_CONVERTED: dict[tuple[str, object], object] = {}
"""Text cells (and short tuples of texts) already converted, by field and value: a batch's rows repeat a few cells per field."""
_CONVERTED_LONGEST = 64
"""The longest text kept converted."""
_CONVERTED_KEPT = memory.allowance("converted cells", 256)
"""Cells kept converted: at most 64 characters, with the field's name and the value made of it, about 256 bytes each."""


def _keepable(value: object) -> bool:
    """Whether a value's conversion is kept: a short text, or a few short texts in a tuple (a catalogue's
    company's lists, such as its markets, given again with every product: see ``catalogue_input``)."""
    kind = type(value)
    if kind is str:
        return len(value) <= _CONVERTED_LONGEST  # type: ignore[arg-type]
    return (
        kind is tuple
        and len(value) <= _CONVERTED_ITEMS  # type: ignore[arg-type]
        and all(type(item) is str and len(item) <= _CONVERTED_ITEM_LONGEST for item in value)  # type: ignore[attr-defined]
    )


_CONVERTED_ITEMS = 4
_CONVERTED_ITEM_LONGEST = 12
"""A tuple is kept converted with at most 4 texts of at most 12 characters (the whole within the text's 64)."""


def _normalised(spec: FieldSpec, value: object) -> object:
    """:func:`normalise_value`, remembered for text given to a field of a closed or short form.

    What a field's type makes of a text depends only on the text (canonical values are immutable:
    words, codes, booleans, numbers, tuples), so a batch converts each distinct cell once. Free
    text (a shop's name) differs row by row and is not kept; a refused value raises every time,
    in the language in force.
    """
    if not _keepable(value) or spec.kind == "text":
        # A long cell (a number of many digits, a list of many markets) is rare and would make the kept cells' size
        # depend on the input: converted each time.
        return normalise_value(spec, value)
    key = (spec.name, value)
    found = _CONVERTED.get(key, _CONVERTED)
    if found is _CONVERTED:
        found = normalise_value(spec, value)
        if len(_CONVERTED) >= _CONVERTED_KEPT:
            _CONVERTED.clear()
        _CONVERTED[key] = found
    return found


def canonical_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` in canonical form, by name (``economics`` as given): what
    :meth:`SellerProfile.from_dict` makes a profile of. ``None`` or blank text for a field is left out.

    :raises ProfileError: for an unknown field name or a bad value, every one found.
    """
    if not isinstance(data, Mapping):
        raise ProfileError(_(_NOT_A_MAPPING).format(value=describe(data)))
    values: dict[str, Any] = {}
    problems: list[ProfileError] = []
    specs, converted = FIELDS_BY_NAME, _CONVERTED
    for key, value in data.items():
        if key == ECONOMICS:
            if value is not None:
                values[key] = value
            continue
        spec = specs.get(key) if isinstance(key, str) else None
        if spec is None:
            problems.append(_unknown_field(key))
            continue
        if value is None:
            continue
        if type(value) is str:
            # A batch row's cells: most were seen before (see _normalised), looked up here without a call.
            found = converted.get((key, value), converted)
            if found is not converted:
                values[key] = found
                continue
            if not value.strip():
                continue
        elif type(value) is tuple and _keepable(value):
            # Only a tuple of short texts is looked up: another may hold what no key can (a list, a mapping),
            # which the conversion below refuses in words.
            found = converted.get((key, value), converted)
            if found is not converted:
                values[key] = found
                continue
        elif isinstance(value, str) and not value.strip():
            continue
        try:
            values[key] = _normalised(spec, value)
        except ProfileError as exc:
            problems.append(exc)
    if problems:
        raise ProfileError.several(problems)
    return values


@dataclass(frozen=True)
class SellerProfile(
    Record,
    # The JSON (to_dict): the known fields in canonical form (lists as lists), in field-table order, then
    # the economics section; a field left unknown is left out.
    keys=(*(Key(spec.name, omit_none=True) for spec in FIELDS), Key(ECONOMICS, attr="economics", omit_none=True)),
):
    """What is known about one seller. Every field may be left out (``None``).

    Build one with keyword arguments, :meth:`from_dict` or :meth:`from_file`;
    values are checked and normalised on construction.

    :raises ProfileError: for a value of the wrong type or out of range.
    """

    name: str | None = None
    platforms: tuple[str, ...] = PLATFORMS
    target_markets: tuple[str, ...] | None = None
    operational_capacity: str | None = None
    monthly_orders: int | None = None
    local_warehouse: bool | None = None
    sea_freight: bool | None = None
    customer_service: str | None = None
    control_priority: str | None = None
    fee_sensitivity: str | None = None
    fast_shipping_expected: bool | None = None
    working_capital: str | None = None
    bulky_goods: bool | None = None
    local_entity: bool | None = None
    fast_payouts_needed: bool | None = None
    content_control: str | None = None
    company_base: str | None = None
    vat_markets: tuple[str, ...] | None = None
    invited: bool | None = None
    stock_markets: tuple[str, ...] | None = None
    weight_class: str | None = None
    category: str | None = None
    marketplace_history: bool | None = None
    economics: Economics | None = None
    """The seller's own numbers (the profile's ``economics`` section), for ``margin`` and the margin rules."""

    def __post_init__(self) -> None:
        if self.economics is not None:
            object.__setattr__(self, "economics", _economics(self.economics))
        for spec in FIELDS:
            raw = getattr(self, spec.name)
            if raw is None:
                if spec.name == "platforms":
                    object.__setattr__(self, "platforms", PLATFORMS)
                continue
            object.__setattr__(self, spec.name, normalise_value(spec, raw))
        contradictions = _contradictions(self)
        if contradictions:
            raise ProfileError.several(contradictions)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SellerProfile:
        """Build a profile from a mapping of field names to values.

        ``None`` (or an empty string) for a field means "unknown".

        :raises ProfileError: for an unknown field name or a bad value.
        """
        return cls._of_canonical(canonical_values(data))

    @classmethod
    def _of_canonical(cls, values: Mapping[str, Any]) -> SellerProfile:
        """A profile of values already in canonical form (:func:`normalise_value`'s): what ``cls(**values)``
        gives, without converting each value a second time (the answers' contradictions are still checked).

        :raises ProfileError: for answers that contradict each other.
        """
        given = values.get(ECONOMICS)
        economics = None if given is None else _economics(given)
        return cls._of_seller(cls._seller_state(values), economics)

    @classmethod
    def _seller_state(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The fields but the economics of a profile of canonical ``values`` (:meth:`_of_canonical`), as an instance's
        dictionary holds them, their answers' contradictions checked (they read no economics): a catalogue's
        products share a few (:func:`sellerexpert._economics.catalogue_input.product_profile`).

        :raises ProfileError: for answers that contradict each other.
        """
        profile = object.__new__(cls)
        # Straight into the instance's dictionary: a frozen dataclass refuses setattr, and object.__setattr__ per
        # field was a fifth of reading a batch row.
        state = profile.__dict__
        get = values.get
        for name in _FIELD_NAMES:
            state[name] = get(name)
        if state["platforms"] is None:
            state["platforms"] = PLATFORMS
        contradictions = _contradictions(profile)
        if contradictions:
            raise ProfileError.several(contradictions)
        return state

    @classmethod
    def _of_seller(cls, state: Mapping[str, Any], economics: Economics | None) -> SellerProfile:
        """A profile of the fields of :meth:`_seller_state` (not changed: a copy is set) and ``economics``."""
        profile = object.__new__(cls)
        made = profile.__dict__
        made.update(state)
        made[ECONOMICS] = economics
        return profile

    @classmethod
    def from_file(cls, path: str | Path, *, format: str | None = None) -> SellerProfile:
        """Load a profile from a JSON, YAML or TOML file (chosen by suffix unless ``format`` is given).

        :raises ProfileError: naming the file (and line) for an unreadable file or a bad profile.
        """
        path = Path(path)
        try:
            text = documents.read_text(path, "profile")
        except documents.DocumentProblem as exc:
            raise ProfileError(exc.problem, path=path, line=exc.line) from None
        return cls.from_text(text, format=format or documents.format_for(path), source=path)

    @classmethod
    def from_text(cls, text: str, *, format: str | None = None, source: str | Path = "<stdin>") -> SellerProfile:
        """Parse a profile from JSON, YAML or TOML text (the format is guessed when not given).

        An empty document (nothing but blanks and comments, or a YAML ``null``)
        is refused in every format alike: a profile with nothing known must be
        written on purpose, as ``{}``.

        :raises ProfileError: naming ``source`` (and the line) for malformed text or bad values.
        """
        if len(text) > documents.SIZE_LIMITS["profile"]:
            raise ProfileError(documents.too_large("profile").problem, path=source)
        if documents.is_blank(text):
            raise ProfileError(_(_EMPTY), path=source)
        try:
            data = documents.parse(text, format)
        except documents.DocumentProblem as exc:
            raise ProfileError(exc.problem, path=source, line=exc.line) from None
        if data is None:
            raise ProfileError(_(_EMPTY), path=source)
        return cls.from_document(data, source=source, text=text)

    @classmethod
    def from_document(cls, data: object, *, source: str | Path, text: str | None = None) -> SellerProfile:
        """Build a profile from a parsed document, naming ``source`` in any error.

        :param text: the document's text, to name the line of each field at fault.
        :raises ProfileError: listing every problem, each with its line when ``text`` shows it.
        """
        if data is None:
            data = {}
        try:
            if not isinstance(data, Mapping):
                raise ProfileError(_(_NOT_A_MAPPING).format(value=describe(data)))
            return cls.from_dict(data)
        except ProfileError as exc:
            located = [
                problem.located(source, line=_line_of_field(text, problem.field) if text and problem.field else None)
                for problem in exc.problems
            ]
            raise ProfileError.several(located) from None

    def to_text(self, format: str = "json") -> str:
        """The known fields as a profile document in ``format`` (``json``, ``yaml`` or ``toml``), read back by :meth:`from_text`.

        :raises ValueError: for another format.
        """
        data = self.to_dict()
        if format == "json":
            return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        if format == "yaml":
            import yaml  # here: most commands never write YAML

            return "{}\n" if not data else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        if format == "toml":
            lines = [f"{key} = {_toml_value(value)}" for key, value in data.items()]
            return "\n".join(lines) + "\n" if lines else "# a profile with nothing known\n"
        raise ValueError(f"unknown profile format '{format}' (allowed: json, yaml, toml)")

    def save(self, path: str | Path) -> None:
        """Write the profile to ``path`` as JSON, YAML or TOML, chosen by its suffix (JSON when the suffix says nothing)."""
        path = Path(path)
        path.write_text(self.to_text(documents.format_for(path) or "json"), encoding="utf-8")

    def known(self) -> tuple[str, ...]:
        """Names of the fields that have a value (``platforms`` always has one)."""
        return tuple(spec.name for spec in FIELDS if getattr(self, spec.name) is not None)

    def missing(self) -> tuple[str, ...]:
        """Names of the fields left unknown."""
        return tuple(spec.name for spec in FIELDS if getattr(self, spec.name) is None)

    def in_market(self, market: str) -> SellerProfile:
        """This profile as one market's run of the rules sees it: ``target_markets`` is that market alone.

        Not validated again: every value is already checked, and answers that agree for all the markets
        together (stock in one of them, say) need not agree for each one alone.
        """
        if self.target_markets == (market,):
            return self
        narrowed = object.__new__(SellerProfile)
        # The fields alone (by their names, listed once: dataclasses.fields() rebuilds its list on every call).
        state = narrowed.__dict__
        for name in _STATE:
            state[name] = getattr(self, name)
        state["target_markets"] = (market,)
        return narrowed

    def with_changes(self, **changes: Any) -> SellerProfile:
        """A copy with some fields changed (``None`` makes a field unknown)."""
        for key in changes:
            if key not in FIELDS_BY_NAME and key != ECONOMICS:
                raise ProfileError(
                    _("unknown field '{field}'").format(field=key), field=key, suggestion=closest(key, list(FIELDS_BY_NAME))
                )
        return replace(self, **changes)

_STATE: tuple[str, ...] = tuple(item.name for item in fields(SellerProfile))
"""Every field of a profile, by name: what a copy of one holds."""


def _toml_value(value: Any) -> str:
    """A profile value in TOML: text, numbers and booleans are spelt as in JSON; mappings become inline tables."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _unknown_field(key: object) -> ProfileError:
    # str() of a 5,000-digit int key raises ValueError; describe never does.
    name = key if isinstance(key, str) else describe(key) if isinstance(key, int) and abs(key) >= 10**20 else str(key)
    return ProfileError(
        _("unknown field '{field}'").format(field=name[:SHOWN]),
        field=name[:SHOWN],
        suggestion=closest(normalise_word(name), [*FIELDS_BY_NAME, ECONOMICS]),
        allowed=tuple(FIELDS_BY_NAME),
    )


def _line_of_field(text: str, field: str) -> int | None:
    """The line where a top-level key is written, in JSON, YAML or TOML (``None`` when not found)."""
    key = re.escape(field)
    found = re.search(rf"""^[ \t]*["']?{key}["']?[ \t]*[:=]|["']{key}["'][ \t]*:""", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


_dataclass_init = SellerProfile.__init__


@functools.wraps(_dataclass_init)
def _checked_init(self: SellerProfile, *args: Any, **kwargs: Any) -> None:
    # The generated __init__ would raise TypeError for a misspelt field; say what was meant instead.
    unknown = [key for key in kwargs if key not in FIELDS_BY_NAME and key != ECONOMICS]
    if unknown:
        raise ProfileError.several([_unknown_field(key) for key in unknown])
    _dataclass_init(self, *args, **kwargs)


SellerProfile.__init__ = _checked_init  # type: ignore[method-assign]

assert [f.name for f in fields(SellerProfile) if f.name != ECONOMICS] == [spec.name for spec in FIELDS], (
    "FIELDS and SellerProfile disagree"
)


def _region(market: str) -> str:
    return "EU" if market == "EU" or market in EU_MEMBERS else market


def _contradictions(profile: SellerProfile) -> list[ProfileError]:
    """Answers that cannot both be true, each named with both fields (overlapping answers that agree are fine)."""
    out: list[ProfileError] = []
    targets = profile.target_markets or ()
    target_regions = {_region(m) for m in targets}

    def clash(field: str, other: str, problem: str, **words: Any) -> None:
        out.append(ProfileError(_(problem).format(other=other, **words), field=field, value=getattr(profile, field)))

    if profile.local_entity is False and profile.vat_markets:
        held = [m for m in profile.vat_markets if m in targets]
        if held:
            clash(
                "vat_markets", "local_entity",
                N_("says you hold a VAT registration in {markets}, but {other} says you have no company or tax "
                   "registration in your target markets: correct one of the two"),
                markets=", ".join(held),
            )
    if profile.stock_markets is not None and targets:
        stock = profile.stock_markets
        stocked = [m for m in targets if any(s == m or (_region(s) == "EU" and _region(m) == "EU") for s in stock)]
        if profile.local_warehouse is False and stocked:
            clash(
                "stock_markets", "local_warehouse",
                N_("says you hold stock in {markets}, but {other} says you have no warehouse space in your target "
                   "markets: correct one of the two"),
                markets=", ".join(stocked),
            )
        if profile.local_warehouse is True and not stocked:
            clash(
                "stock_markets", "local_warehouse",
                N_("names none of your target markets, but {other} says you have warehouse space in them: "
                   "correct one of the two"),
            )
    if profile.weight_class is not None and profile.bulky_goods is not None:
        if profile.bulky_goods != (profile.weight_class != "parcel"):
            clash(
                "weight_class", "bulky_goods",
                N_("is {weight}, but {other} says your goods are {bulky}: correct one of the two"),
                weight=profile.weight_class, bulky=_("bulky or heavy") if profile.bulky_goods else _("not bulky or heavy"),
            )
    if (
        profile.local_entity is False
        and profile.company_base in ("US", "UK", "EU")
        and profile.company_base in target_regions
    ):
        clash(
            "local_entity", "company_base",
            N_("says you have no company in your target markets, but {other} says your company is registered in "
               "{base}, one of them: correct one of the two"),
            base=profile.company_base,
        )
    return out


def _economics(value: object) -> Economics:
    """Validate an ``economics`` section (a mapping, or an Economics already built)."""
    return value if isinstance(value, Economics) else Economics.from_dict(value)

def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile document, derived from :data:`FIELDS`."""
    props: dict[str, Any] = {}
    for spec in FIELDS:
        schema = spec.type.schema()
        schema["description"] = spec.meaning
        props[spec.name] = {"anyOf": [schema, {"type": "null"}]} if spec.name != "platforms" else schema
    props[ECONOMICS] = economics_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://sellerexpert.invalid/schemas/profile-1.json",
        "title": "sellerexpert seller profile",
        "type": "object",
        "additionalProperties": False,
        "properties": props,
    }
