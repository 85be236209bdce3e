"""One type per kind of profile field: how a value is read, refused, enumerated, described and asked for.

Like click's ``ParamType``, each :class:`FieldType` holds in one class everything that depends
on the kind of a field: :meth:`~FieldType.convert` checks a value and returns it in canonical
form (text inputs such as ``"yes"``, ``"1,200"`` or ``"US;EU"`` are accepted for every kind),
:meth:`~FieldType.values` lists the candidate values the search space tries,
:meth:`~FieldType.schema` writes the JSON Schema fragment, and :attr:`~FieldType.option` names
the shape of its command-line option. :data:`FIELD_TYPES` maps each kind named in the profile's field
table to its type; ``FieldSpec.type`` looks it up.

The vocabularies the types check against (platforms, levels, regions, market codes) live here
too, with :func:`closest` and :func:`did_you_mean` for the "did you mean" hint.

Imports: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._i18n.messages`, :mod:`sellerexpert._errors` and
:mod:`sellerexpert._profile.conditions` (leaves, to
enumerate values); never click: a type names its option's shape (:attr:`FieldType.option`) and the
command line builds the option.
"""

from __future__ import annotations

import abc
import difflib
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from .._errors import ProfileError
from .._i18n import N_, _
from .._i18n.messages import say, spoken
from .conditions import Leaf, evaluate

F = TypeVar("F", bound=Callable[..., Any])

PLATFORMS: tuple[str, ...] = ("temu", "aliexpress", "tiktok_shop")
MODELS: tuple[str, ...] = ("fully-managed", "semi-managed")
LEVELS: tuple[str, ...] = ("low", "medium", "high")
SERVICE_LEVELS: tuple[str, ...] = ("none", "basic", "full")
WEIGHT_CLASSES: tuple[str, ...] = ("parcel", "heavy", "oversized")
"""How heavy or large goods are, lightest first: parcel routes from China carry only the first."""
CATEGORIES: tuple[str, ...] = ("apparel", "beauty", "electronics", "home", "toys", "food", "health", "other")
"""Product categories, as far as routes restrict them (TikTok Shop admits beauty only with a qualification)."""
REGIONS: tuple[str, ...] = ("CN", "HK", "US", "UK", "EU", "OTHER")
"""Where a company can be registered, as far as the platforms' entry rules tell places apart."""
EU_MEMBERS: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)
_REGION_ALIASES = {"CHINA": "CN", "HONG_KONG": "HK", "HONGKONG": "HK", "USA": "US", "GB": "UK", **{c: "EU" for c in EU_MEMBERS}}

MAX_COUNT = 10**12
"""The largest count a profile accepts: far above any seller's monthly orders, and safe in any JSON reader."""
_MARKET = re.compile(r"^(?:[A-Z]{2})$")
_COUNT_TEXT = re.compile(r"\s*(\d{1,13}|\d{1,3}(?:,\d{3}){1,4})\s*")
# Markets the platforms name that are not ISO 3166-1 codes, and everyday names pycountry does not know.
_EXTRA_MARKETS = {"EU": "EU", "UK": "UK", "EUROPEAN UNION": "EU", "EUROPE": "EU"}
_MARKET_NAMES = {
    "RUSSIA": "RU", "TURKEY": "TR", "KOREA": "KR", "BRITAIN": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB",
    "HOLLAND": "NL", "IRAN": "IR", "VIETNAM": "VN", "TAIWAN": "TW", "BOLIVIA": "BO", "VENEZUELA": "VE",
}
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}

SHOWN = 40
"""How much of a bad text value an error message quotes (an answer may be megabytes long)."""

# Market codes tried, in order, as "a market no rule names".
_OTHER_MARKETS = ("BR", "MX", "JP", "AU", "CA", "ZA", "KR", "SG", "NZ")
_NAMED_CODES = frozenset((*EU_MEMBERS, *_OTHER_MARKETS, "US", "CN", "HK", "VN", "TH", "PH", "MY", "ID", "SA"))
"""ISO 3166-1 codes this module and the rules name, read without pycountry: importing it costs a command's start
about 0.05 s (it asks ``importlib.metadata`` for its own version), and most profiles name only these. Each is
checked against pycountry in the tests, so the answer is pycountry's either way."""
# Beyond this many groups of market codes, subsets are not enumerated exhaustively.
_MAX_ATOMS = 10

def closest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The known name a misspelt or shortened ``word`` most likely meant, if any (for "did you mean")."""
    if len(word) > 64:
        return None  # no known name is that long, and difflib is quadratic
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if found:
        return found[0]
    # A shortened name ("capacity", "warehouse") is a likelier slip than a typo.
    containing = [choice for choice in choices if len(word) >= 4 and word in choice]
    return containing[0] if len(containing) == 1 else None


def did_you_mean(exc: ProfileError, *, in_sentence: bool = False) -> str:
    """The problem ``exc`` names, with its suggestion (from :func:`closest`), in the language in force.

    ``'temmu' is not a platform we advise on - did you mean 'temu'?`` in English. Chinese writes the
    hint two ways: as a clause that an ``(allowed: ...)`` may follow (the command line), or as an
    aside inside a sentence of its own (the interview's "Sorry, ... Please answer ...").

    :param in_sentence: word the hint for the middle of a sentence.
    """
    problem = say(exc.problem)
    if not exc.suggestion:
        return problem
    if in_sentence:
        return spoken(N_("{problem} - did you mean '{suggestion}'?"), problem=problem, suggestion=exc.suggestion)
    return problem + spoken(N_(" - did you mean '{suggestion}'?"), suggestion=exc.suggestion)


def normalise_word(value: str) -> str:
    """A word as the field tables spell it: lower case, blanks and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def describe(value: object) -> str:
    """A bad value as an error message quotes it (long text cut short, huge numbers by their size)."""
    if isinstance(value, bool):
        return spoken(N_("the boolean {value}"), value=str(value).lower())
    if isinstance(value, (dict, Mapping)):
        return _("a mapping")
    if isinstance(value, (list, tuple)):
        return _("a list")
    if isinstance(value, int) and abs(value) >= 10**20:
        # str() of a huge int is slow and past 4300 digits raises ValueError.
        return spoken(N_("a number of about {digits} digits"), digits=int(value.bit_length() * 0.30103) + 1)
    if isinstance(value, (int, float)):
        return spoken(N_("the number {value}"), value=value)
    text = str(value)
    if len(text) > SHOWN:
        return spoken(N_("'{start}...' ({length} characters)"), start=text[:SHOWN], length=f"{len(text):,}")
    return spoken(N_("'{text}'"), text=text)


def option_name(field: str) -> str:
    """The command-line option of a profile field, without its dashes (``target_markets`` is ``target-market``).

    A list field's option is repeatable, so it is named in the singular (tests/profile/test_fields.py holds every
    list field to that).
    """
    return {
        "platforms": "platform", "target_markets": "target-market", "vat_markets": "vat-market", "stock_markets": "stock-market"
    }.get(field, field.replace("_", "-"))


def market_code(item: object) -> str | None:
    """The market code for one entry of ``target_markets``, or ``None`` when it names no market.

    Accepts ISO 3166-1 alpha-2 codes (any case), ``EU`` and ``UK``, and country
    names and alpha-3 codes as pycountry knows them. ``GB`` and the United
    Kingdom read as ``UK``, the name the platforms and the source document use.
    YAML 1.1 reads a bare ``NO`` as the boolean false; in a market list that
    can only have meant Norway.
    """
    if item is False:
        return "NO"
    if not isinstance(item, str):
        return None
    text = " ".join(item.split())
    if not text or len(text) > 80:
        return None
    # Codes are ASCII: "ß".upper() is "SS", and other letters fold into ASCII codes the same way.
    # Names may not be ("Türkiye"); pycountry compares those case-insensitively itself.
    if not text.isascii() and len(text) <= 3:
        return None
    upper = text.upper() if text.isascii() else text
    code = _EXTRA_MARKETS.get(upper) or _MARKET_NAMES.get(upper)
    if code is None:
        code = upper if upper in _NAMED_CODES else _iso_country(upper)
    if code == "GB":
        return "UK"
    return code


@functools.lru_cache(maxsize=1024)
def _iso_country(upper: str) -> str | None:
    import pycountry  # here: its country table loads on first use, and most runs never name a market

    if _MARKET.fullmatch(upper):
        found = pycountry.countries.get(alpha_2=upper)
        return str(found.alpha_2) if found is not None else None
    try:
        return str(pycountry.countries.lookup(upper).alpha_2)
    except LookupError:
        return None


# -- values for the search space ------------------------------------------------


def constants(fact_leaves: Sequence[Leaf]) -> list[Any]:
    """The constants the leaves compare a fact with, first-seen order, each once."""
    values: list[Any] = []
    for leaf in fact_leaves:
        if leaf.op in ("absent", "present"):
            continue
        for value in leaf.value if isinstance(leaf.value, tuple) else (leaf.value,):
            if value not in values:
                values.append(value)
    return values


def threshold_numbers(fact_leaves: Sequence[Leaf]) -> list[Any]:
    """0, and each whole number a leaf names with one either side (none below 0), in order."""
    numbers = {0}
    for value in constants(fact_leaves):
        if isinstance(value, int) and not isinstance(value, bool):
            numbers.update(n for n in (value - 1, value, value + 1) if n >= 0)
    return sorted(numbers)


def item_combinations(fact_leaves: Sequence[Leaf], taken: Iterable[Any] = ()) -> list[Any]:
    """Every combination of one item per group of items the leaves treat alike, plus one unnamed item."""
    items = [v for v in constants(fact_leaves) if isinstance(v, str)]
    renamed = [Leaf("x", leaf.op, leaf.value) for leaf in fact_leaves]
    groups: dict[tuple[bool, ...], list[str]] = {}
    for item in items:
        groups.setdefault(tuple(evaluate(leaf, {"x": (item,)}) for leaf in renamed), []).append(item)
    atoms = [members[0] for members in groups.values()]
    used = set(items) | set(taken)
    other = next((code for code in _OTHER_MARKETS if code not in used), None)
    if other is not None:
        atoms.append(other)
    if len(atoms) > _MAX_ATOMS:
        # Too many groups to combine: each alone, and all together.
        return [(atom,) for atom in atoms] + [tuple(atoms)]
    combos: list[Any] = []
    for size in range(1, len(atoms) + 1):
        combos.extend(itertools.combinations(atoms, size))
    return combos


# -- the types -------------------------------------------------------------------


class FieldType(abc.ABC):
    """What one kind of profile field accepts, and how it is enumerated, described and asked for.

    :ivar name: the kind, as the field table names it (``level``, ``bool``...).
    :ivar allowed: the allowed values, as text, for enumerated kinds (empty for open ones).
    :ivar reasoned: whether rules reason over fields of this kind (``text`` and ``platforms``
        only steer the consultation).
    :ivar option: the shape of the command-line option that sets a field of this kind: ``text``
        (``--name TEXT``), ``choice`` (one of :attr:`allowed`), ``flag`` (``--x``, ``--x yes|no``
        and ``--no-x``), ``number`` (``--x N``) or ``list`` (repeatable, items split at commas);
        the command line builds it (:func:`sellerexpert._cli.params.field_option`), so the profile
        never loads click.
    :ivar metavar: how a list option's value is named in the help (``PLATFORM``, ``CODE``).
    """

    name: str = ""
    allowed: tuple[str, ...] = ()
    reasoned: bool = True
    option: ClassVar[Literal["text", "choice", "flag", "number", "list"]]
    metavar: ClassVar[str] = ""
    _open_text: str = ""  # how an open kind's values read (marked with N_), when there is no list

    @property
    def allowed_text(self) -> str:
        """How the allowed values read in an error message or a prompt, in the language in force."""
        return ", ".join(self.allowed) if self.allowed else _(self._open_text)

    @abc.abstractmethod
    def convert(self, field: str, value: object) -> Any:
        """Check one value of ``field`` and return it in canonical form.

        :raises ProfileError: naming ``field`` and what it allows.
        """

    def refusal(self, exc: ProfileError) -> str:
        """Why a value given on its own (a command-line option) is refused: the problem, a hint, what is allowed."""
        return did_you_mean(exc) + spoken(N_(" (allowed: {allowed})"), allowed=self.allowed_text)

    def values(self, fact_leaves: Sequence[Leaf]) -> list[Any]:
        """The candidate values the search space tries, given the leaves that read the field (unknown not included)."""
        return []

    @abc.abstractmethod
    def schema(self) -> dict[str, Any]:
        """The JSON Schema fragment of a value (the profile adds the description and ``null``)."""


class TextType(FieldType):
    """Free text (a shop's name): any string, blanks trimmed."""

    option = "text"

    name = "text"
    reasoned = False
    _open_text = N_("any text")

    def convert(self, field: str, value: object) -> str:
        """The text, trimmed; anything but text is refused."""
        if not isinstance(value, str):
            raise ProfileError(
                spoken(N_("expected text, got {value}"), value=describe(value)),
                field=field,
                value=value,
                allowed=self.allowed_text,
            )
        return value.strip()

    def schema(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}


class WordType(FieldType):
    """One word of a fixed list (``low``/``medium``/``high``; ``none``/``basic``/``full``), any case."""

    option = "choice"

    def __init__(self, name: str, allowed: tuple[str, ...]) -> None:
        self.name = name
        self.allowed = allowed

    def convert(self, field: str, value: object) -> str:
        """The word in lower case; another word is refused with the closest allowed one as a hint."""
        if not isinstance(value, str):
            raise ProfileError(
                spoken(N_("expected one of the words below, got {value}"), value=describe(value)),
                field=field,
                value=value,
                allowed=self.allowed,
            )
        word = normalise_word(value)
        if word not in self.allowed:
            raise ProfileError(
                spoken(N_("{value} is not one of {allowed}"), value=describe(value), allowed=", ".join(self.allowed)),
                field=field,
                value=value,
                allowed=self.allowed,
                suggestion=closest(word, self.allowed),
            )
        return word

    def values(self, fact_leaves: Sequence[Leaf]) -> list[Any]:
        """Every word."""
        return list(self.allowed)

    def schema(self) -> dict[str, Any]:
        """One of the words."""
        return {"enum": list(self.allowed)}


class RegionType(WordType):
    """Where a company is registered: a region code, or a name or country code that reads as one (DE is EU)."""

    def __init__(self) -> None:
        super().__init__("region", REGIONS)

    def convert(self, field: str, value: object) -> str:
        """The region code; a country of the EU reads as ``EU``, China as ``CN``."""
        if not isinstance(value, str):
            raise ProfileError(
                spoken(N_("expected a region code, got {value}"), value=describe(value)),
                field=field,
                value=value,
                allowed=self.allowed,
            )
        region = normalise_word(value).upper()
        region = _REGION_ALIASES.get(region, region)
        if region not in self.allowed:
            raise ProfileError(
                spoken(N_("'{value}' is not one of {allowed}"), value=value, allowed=", ".join(self.allowed)),
                field=field,
                value=value,
                suggestion=closest(region, self.allowed),
            )
        return region

    # Its values, schema and click option are a word type's: every region code, one of them, any case
    # (aliases such as DE for EU are for files and answers, not the command line's choices).


class BoolType(FieldType):
    """Yes or no: a boolean, or the words true/false, yes/no, y/n, 1/0, on/off."""

    option = "flag"

    name = "bool"
    allowed = ("true", "false")

    def convert(self, field: str, value: object) -> bool:
        """The boolean the value says."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ProfileError(
            spoken(N_("expected true or false, got {value}"), value=describe(value)),
            field=field,
            value=value,
            allowed=self.allowed,
        )

    def values(self, fact_leaves: Sequence[Leaf]) -> list[Any]:
        """Both booleans."""
        return [True, False]

    def schema(self) -> dict[str, Any]:
        """A boolean."""
        return {"type": "boolean"}


class CountType(FieldType):
    """A whole number, 0 to :data:`MAX_COUNT`; text as people write it (``"1,200"``) is read too."""

    option = "number"

    name = "count"
    _open_text = N_("a whole number, 0 or more")

    def convert(self, field: str, value: object) -> int:
        """The number."""
        number: object = value
        if isinstance(value, str) and _COUNT_TEXT.fullmatch(value):
            number = int(value.replace(",", ""))  # "1,200" as people write it
        if isinstance(number, int) and not isinstance(number, bool) and number > MAX_COUNT:
            raise ProfileError(
                spoken(N_("{value} is more than {limit}"), value=describe(value), limit=f"{MAX_COUNT:,}"),
                field=field,
                value=value,
                allowed=self.allowed_text,
            )
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ProfileError(
                spoken(N_("expected a whole number 0 or more, got {value}"), value=describe(value)),
                field=field,
                value=value,
                allowed=self.allowed_text,
            )
        return number

    def values(self, fact_leaves: Sequence[Leaf]) -> list[Any]:
        """0, and each threshold a rule names with one either side."""
        return threshold_numbers(fact_leaves)

    def schema(self) -> dict[str, Any]:
        """An integer from 0 to :data:`MAX_COUNT`."""
        return {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}


def _as_list(field: str, value: object, allowed_text: str) -> list[object]:
    """A list field's value as its items: a list as it is, text split at commas and semicolons."""
    if isinstance(value, str):
        return [part for part in re.split(r"[;,]", value) if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ProfileError(
        spoken(N_("expected a list, got {value}"), value=describe(value)), field=field, value=value, allowed=allowed_text
    )


class _ListType(FieldType):
    """A list of items, given as a list or as text separated by commas or semicolons."""

    option = "list"


class PlatformsType(_ListType):
    """The platforms to advise on: at least one, each once, in the order given (``tiktok`` is ``tiktok_shop``)."""

    name = "platforms"
    allowed = PLATFORMS
    reasoned = False
    metavar = "PLATFORM"

    def convert(self, field: str, value: object) -> tuple[str, ...]:
        """The platform names, in order."""
        chosen: list[str] = []
        for item in _as_list(field, value, self.allowed_text):
            if not isinstance(item, str):
                raise ProfileError(
                    spoken(N_("expected platform names, got {value}"), value=describe(item)),
                    field=field,
                    value=item,
                    allowed=PLATFORMS,
                )
            word = normalise_word(item)
            if word == "tiktok":
                word = "tiktok_shop"
            if word not in PLATFORMS:
                raise ProfileError(
                    spoken(N_("{value} is not a platform we advise on"), value=describe(item)),
                    field=field,
                    value=item,
                    allowed=PLATFORMS,
                    suggestion=closest(word, PLATFORMS),
                )
            if word in chosen:
                raise ProfileError(
                    spoken(N_("'{platform}' is listed twice"), platform=word), field=field, value=item, allowed=PLATFORMS
                )
            chosen.append(word)
        if not chosen:
            raise ProfileError(_("needs at least one platform"), field=field, value=value, allowed=PLATFORMS)
        return tuple(chosen)

    def schema(self) -> dict[str, Any]:
        """A non-empty list of distinct platform names."""
        return {"type": "array", "items": {"enum": list(PLATFORMS)}, "minItems": 1, "uniqueItems": True}


class MarketsType(_ListType):
    """Markets: ISO 3166 codes or names, ``EU`` or ``UK``, each once; ``none`` alone for an empty list."""

    name = "markets"
    _open_text = N_("ISO 3166 country codes or names such as US, UK, DE, Norway, or EU")
    metavar = "CODE"

    def convert(self, field: str, value: object) -> tuple[str, ...]:
        """The market codes, in order, each once."""
        items = [value] if isinstance(value, bool) else _as_list(field, value, self.allowed_text)
        if len(items) == 1 and isinstance(items[0], str) and items[0].strip().lower() == "none":
            return ()  # "none" is a whole answer (no VAT registration anywhere), not a market code
        markets: list[str] = []
        for item in items:
            code = market_code(item)
            if code is None:
                raise ProfileError(
                    spoken(N_("{value} is not a market: use an ISO 3166 country code or name, or EU"), value=describe(item)),
                    field=field,
                    value=item,
                    allowed=self.allowed_text,
                )
            if code not in markets:
                markets.append(code)
        return tuple(markets)

    def values(self, fact_leaves: Sequence[Leaf]) -> list[Any]:
        """Every combination of one code per group of codes the rules treat alike, plus one code no rule names."""
        return item_combinations(fact_leaves)

    def schema(self) -> dict[str, Any]:
        """A list of distinct two-letter codes."""
        return {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}, "uniqueItems": True}


TEXT = TextType()
LEVEL = WordType("level", LEVELS)
SERVICE = WordType("service", SERVICE_LEVELS)
WEIGHT = WordType("weight", WEIGHT_CLASSES)
CATEGORY = WordType("category", CATEGORIES)
REGION = RegionType()
BOOL = BoolType()
COUNT = CountType()
PLATFORM_LIST = PlatformsType()
MARKET_LIST = MarketsType()

FIELD_TYPES: dict[str, FieldType] = {
    t.name: t for t in (TEXT, PLATFORM_LIST, MARKET_LIST, LEVEL, SERVICE, REGION, BOOL, COUNT, WEIGHT, CATEGORY)
}
"""Each kind the profile's field table names, and its type."""
