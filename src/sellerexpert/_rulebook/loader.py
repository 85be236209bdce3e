"""Loading the rule book: reading the rule files in ``rules/`` and building the records of :mod:`sellerexpert._rulebook.rulebook`.

Rule files are data (TOML or YAML), never executed. :func:`load_rulebook`
validates every file against ``schemas/rulefile-1.json`` (remembering a pass, see
:func:`_check_schema_once`), then builds the records, running the checks a schema
cannot make (:mod:`sellerexpert._rulebook.checks`): that facts, values and sources
exist, that ids are unique, and that each rule's examples are valid profiles. Every
error names the file, the rule id and the key at fault.

May import: :mod:`sellerexpert._files.documents` (reading and parsing files), :mod:`sellerexpert._profile.conditions`,
:mod:`sellerexpert._errors`, :mod:`sellerexpert._i18n`, :mod:`sellerexpert._profile.profile`, the records
(:mod:`sellerexpert._rulebook.rulebook`), the checks (:mod:`sellerexpert._rulebook.checks`) and the schema
validator (:mod:`sellerexpert._rulebook.schema`); jsonschema only inside the functions that need it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jsonschema


from .._errors import RuleBookError
from .._files import documents as _documents
from .._i18n import LANGS, _
from .._profile.conditions import AllOf, AnyOf, Condition, Leaf, NotOf
from .._profile.profile import PLATFORMS
from .checks import (
    check_assumption,
    check_condition,
    check_example,
    check_platform,
    check_platform_fact,
    check_rule_id,
    check_sources,
    check_template,
    check_translations,
    platform_domains,
)
from .cost_tables import read_tables
from .routes import Market, Presence, Route
from .rulebook import (
    SALIENCE_RANGE,
    BestPolicy,
    Change,
    Conclusion,
    ConfidencePolicy,
    Example,
    FileHeader,
    OutcomePolicy,
    OwnNumbersPolicy,
    Platform,
    PlatformFact,
    Policy,
    RoutePolicy,
    Rule,
    RuleBook,
    Source,
    Translations,
)
from .schema import whole_string_validator

RULE_SUFFIXES = (".toml", ".yaml", ".yml")


def shipped_rules_dir() -> Path:
    """Where the rule book shipped with the package lives.

    A wheel carries it as ``sellerexpert/rules``; a source checkout (or an
    editable install) reads the top-level ``rules/`` folder.
    """
    packaged = resources.files("sellerexpert") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "rules"


@cache
def rulefile_validator() -> jsonschema.protocols.Validator:
    """The JSON Schema validator for rule files (``schemas/rulefile-1.json``), built once."""
    schema = json.loads((resources.files("sellerexpert") / "schemas" / "rulefile-1.json").read_text("utf-8"))
    validator: jsonschema.protocols.Validator = whole_string_validator(schema)
    return validator


def rule_files(directory: str | Path | None) -> tuple[Path, list[Path]]:
    """The rule pack's folder (``None``: the shipped rules) and its rule files, in name order.

    :raises RuleBookError: when it is not a folder, or holds no rule files.
    """
    folder = Path(directory) if directory is not None else shipped_rules_dir()
    if not folder.is_dir():
        raise RuleBookError("is not a folder of rule files", path=folder)
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in RULE_SUFFIXES and p.is_file())
    if not paths:
        raise RuleBookError(f"holds no rule files ({', '.join('*' + s for s in RULE_SUFFIXES)})", path=folder)
    return folder, paths


def load_rulebook(
    directory: str | Path | None = None, *, duplicates: Literal["error", "skip"] = "error"
) -> RuleBook:
    """Load and validate every rule file (``*.toml``, ``*.yaml``, ``*.yml``) in ``directory``.

    :param directory: a rule pack; ``None`` for the shipped rule book.
    :param duplicates: ``"skip"`` keeps the first rule of a duplicated id and
        drops the others (for ``rules lint``, which reports every duplicate and
        still checks the rest); ``"error"`` refuses the pack.
    :raises RuleBookError: naming the file, rule id and key at fault.
    """
    folder, paths = rule_files(directory)
    documents: list[tuple[str, Path, dict[str, Any]]] = []
    files: dict[str, str] = {}
    for path in paths:
        name = path.name
        try:
            text = _documents.read_text(path, "rule file")
            data = _documents.parse(text, _documents.format_for(path))
        except _documents.DocumentProblem as exc:
            where = f"{path}:{exc.line}" if exc.line else str(path)
            raise RuleBookError(exc.problem, path=where) from None
        files[name] = hashlib.sha256(text.encode()).hexdigest()
        if not isinstance(data, dict):
            raise RuleBookError("a rule file must be a mapping with a 'meta' header", path=path)
        _check_schema_once(path, text, data)
        documents.append((name, path, data))

    sources: dict[str, Source] = {}
    platforms: dict[str, Platform] = {}
    policy: Policy | None = None
    for _unused, path, data in documents:
        for source_id, raw in data.get("sources", {}).items():
            if source_id in sources:
                raise RuleBookError(f"source '{source_id}' is defined twice", path=path, field="sources")
            sources[source_id] = Source(
                id=source_id, **{k: v for k, v in raw.items() if k != "zh"}, translations=_translations(raw)
            )
        if "policy" in data:
            if policy is not None:
                raise RuleBookError("the policy is defined in more than one file", path=path, field="policy")
            policy = _policy(data["policy"])
    for _unused, path, data in documents:
        for platform_id, raw in data.get("platform", {}).items():
            if platform_id in platforms:
                raise RuleBookError(f"platform '{platform_id}' is defined twice", path=path, field="platform")
            platforms[platform_id] = _platform(path, platform_id, raw, sources)
    if policy is None:
        raise RuleBookError("no file defines the [policy] table the decision needs", path=folder)
    missing = [p for p in PLATFORMS if p not in platforms]
    if missing:
        raise RuleBookError(f"no facts for platform(s) {', '.join(missing)}", path=folder, field="platform")

    domains = platform_domains(platforms)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for name, path, data in documents:
        for raw in data.get("rule", []):
            rule = _rule(path, name, raw, sources, domains)
            if rule.id in seen:
                if duplicates == "skip":
                    continue
                raise RuleBookError(
                    f"duplicate rule id (first defined in {seen[rule.id].name})", path=path, rule_id=rule.id, field="id"
                )
            seen[rule.id] = path
            rules.append(rule)
    if not rules:
        raise RuleBookError("holds no rules", path=folder)
    changes = _changes(documents, sources)
    headers = {
        name: FileHeader(
            covers=" ".join(data["meta"]["covers"].split()),
            reviewed=data["meta"]["reviewed"],
            notes=data["meta"].get("notes"),
            translations=_translations(data["meta"]),
        )
        for name, _unused, data in documents
    }
    routes, presence, markets = _routes(documents, sources, platforms)
    costs = read_tables(documents, check_sources, sources, routes, _translations)
    return RuleBook(
        costs=costs,
        routes=routes,
        presence=presence,
        markets=markets,
        directory=folder,
        rules=tuple(rules),
        platforms=platforms,
        sources=sources,
        policy=policy,
        files=files,
        changes=changes,
        headers=headers,
    )


def _routes(
    documents: list[tuple[str, Path, dict[str, Any]]], sources: Mapping[str, Source], platforms: Mapping[str, Platform]
) -> tuple[tuple[Route, ...], dict[tuple[str, str], Presence], dict[str, Market]]:
    """The routes, where each platform sells and the market names, checked against the platforms and sources."""
    routes: list[Route] = []
    presence: dict[tuple[str, str], Presence] = {}
    markets: dict[str, Market] = {}
    seen: dict[str, Path] = {}
    for _unused, path, data in documents:
        for code, raw in data.get("market", {}).items():
            if code in markets:
                raise RuleBookError(f"market '{code}' is named twice", path=path, field="market")
            markets[code] = Market(code=code, name=raw["name"], translations=_translations(raw))
        for platform_id, by_market in data.get("presence", {}).items():
            if platform_id not in platforms:
                raise RuleBookError(f"presence names unknown platform '{platform_id}'", path=path, field="presence")
            for code, raw in by_market.items():
                check_sources(path, raw["sources"], sources, rule_id=None, key=f"presence.{platform_id}.{code}.sources")
                presence[(platform_id, code)] = Presence(
                    platform=platform_id,
                    market=code,
                    status=raw["status"],
                    as_of=raw["as_of"],
                    sources=tuple(raw["sources"]),
                    confidence=raw.get("confidence"),
                    review_by=raw.get("review_by"),
                    note=raw.get("note"),
                    translations=_translations(raw),
                )
        for raw in data.get("route", []):
            route_id = raw["id"]
            if route_id in seen:
                first = seen[route_id].name
                raise RuleBookError(f"route '{route_id}' is defined twice (first in {first})", path=path, field="route")
            if raw["platform"] not in platforms:
                raise RuleBookError(f"route '{route_id}' names unknown platform '{raw['platform']}'", path=path, field="route")
            check_sources(path, raw["sources"], sources, rule_id=None, key=f"route.{route_id}.sources")
            seen[route_id] = path
            routes.append(
                Route(
                    id=route_id,
                    platform=raw["platform"],
                    name=raw["name"],
                    model=raw["model"],
                    markets=tuple(raw["markets"]),
                    ships_from=raw["ships_from"],
                    requires=dict(raw["requires"]),
                    market_requires={k: dict(v) for k, v in raw.get("market_requires", {}).items()},
                    hands_over=dict(raw["hands_over"]),
                    as_of=raw["as_of"],
                    sources=tuple(raw["sources"]),
                    confidence=raw.get("confidence"),
                    review_by=raw.get("review_by"),
                    note=raw.get("note"),
                    translations=_translations(raw),
                )
            )
    return tuple(routes), presence, markets


def _cache_dir() -> Path | None:
    """Where sellerexpert remembers checks it need not repeat; ``None`` when caching is off.

    ``SELLEREXPERT_CACHE_DIR`` chooses the folder (empty: no cache); otherwise
    ``$XDG_CACHE_HOME/sellerexpert`` or ``~/.cache/sellerexpert``.
    """
    chosen = os.environ.get("SELLEREXPERT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sellerexpert"


_KEY_BYTES = 32


def _cache_key(folder: Path) -> bytes | None:
    """This user's secret for naming cache markers (made on first use); ``None`` when the cache is not safely ours.

    The folder must belong to this user and be writable by no one else, and the key file must be a
    regular file (not a link) that only this user can read: otherwise nothing is cached or trusted.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours(os.stat(folder), private=False):
            return None
        path = folder / "key"
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            descriptor = os.open(path, flags)
        except FileNotFoundError:
            key = secrets.token_bytes(_KEY_BYTES)
            create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            with os.fdopen(os.open(path, create, 0o600), "wb") as stream:
                stream.write(key)
            return key
        with os.fdopen(descriptor, "rb") as stream:
            if not _ours(os.fstat(stream.fileno()), private=True):
                return None
            key = stream.read(_KEY_BYTES + 1)
    except OSError:  # a read-only home, a link at the key's name, a race with another process: no cache this time
        return None
    return key if len(key) == _KEY_BYTES else None


def _ours(status: os.stat_result, *, private: bool) -> bool:
    """Whether a file or folder belongs to this user and no one else can write it (or, ``private``, read it)."""
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return False
    if private and not stat.S_ISREG(status.st_mode):
        return False
    return not status.st_mode & (0o077 if private else 0o022)


def _check_schema_once(path: Path, text: str, data: dict[str, Any]) -> None:
    """Check a rule file against the schema, unless these exact bytes already passed this exact schema.

    Importing and building a JSON Schema validator costs more than the rest of a
    consultation; like a ``.pyc`` file, a marker remembers a pass. Its name is an HMAC of the
    schema and the file text under a secret only this user can read (:func:`_cache_key`), so a
    marker planted by anyone else (who could compute a plain hash of a file they wrote) is never
    found: the schema decides what a rule means (its salience range, its required keys), so a pass
    must not be forgeable. Only passes are remembered, so an error is always reported in full, and
    any edit to the file or the schema changes the name.
    """
    folder = _cache_dir()
    key = _cache_key(folder) if folder is not None else None
    marker = None
    if folder is not None and key is not None:
        schema_text = (resources.files("sellerexpert") / "schemas" / "rulefile-1.json").read_bytes()
        digest = hmac.new(key, schema_text + b"\0" + text.encode(), hashlib.sha256).hexdigest()
        marker = folder / "rulefile-ok" / digest
        if marker.is_file():
            return
    _check_schema(path, data)
    if marker is not None:
        try:
            marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only home or cache folder: check every time, as before
            pass


def _changes(documents: list[tuple[str, Path, dict[str, Any]]], sources: Mapping[str, Source]) -> tuple[Change, ...]:
    """The change log, with every source it cites checked to exist.

    The rules and facts it names are checked by ``rules lint`` (``change-log``), not here: a
    trimmed copy of the rule book may drop a rule its log still mentions.
    """
    out: list[Change] = []
    for _unused, path, data in documents:
        for number, raw in enumerate(data.get("change", []), start=1):
            key = f"change[{number}]"
            check_sources(path, raw["sources"], sources, rule_id=None, key=f"{key}.sources")
            out.append(
                Change(
                    date=raw["date"],
                    what=" ".join(raw["what"].split()),
                    sources=tuple(raw["sources"]),
                    rules=tuple(raw.get("rules", [])),
                    facts=tuple(raw.get("facts", [])),
                    departs_from_seed=tuple(raw.get("departs_from_seed", [])),
                    retired=tuple(raw.get("retired", [])),
                )
            )
    return tuple(out)


def _check_schema(path: Path, data: dict[str, Any]) -> None:
    validator = rulefile_validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    import jsonschema

    error = jsonschema.exceptions.best_match(errors)
    where = list(error.absolute_path)
    rule_id = None
    if len(where) >= 2 and where[0] == "rule" and isinstance(where[1], int):
        raw = data["rule"][where[1]]
        rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{where[1] + 1}"
        where = where[2:]
    field_path = ".".join(str(part) for part in where) or None
    raise RuleBookError(schema_message(error), path=path, rule_id=rule_id, field=field_path)


def schema_message(error: jsonschema.ValidationError) -> str:
    """A schema error in words an editor of a rule file can act on (``rules lint`` reports every one)."""
    if error.validator in ("minimum", "maximum") and list(error.absolute_path)[-1:] == ["salience"]:
        low, high = SALIENCE_RANGE
        return (
            f"salience {error.instance} is outside {low}..{high}: the decision step must run after every rule, "
            "so a rule cannot be ordered below it"
        )
    if error.validator == "pattern" and error.schema.get("pattern") == "\\S":
        return _("is blank: write the text, or leave the key out")
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if error.validator == "additionalProperties":
        return str(error.message)
    if error.validator == "oneOf":
        return (
            "does not match any allowed shape: a condition is {all=[...]}, {any=[...]}, {not=...} or "
            "{fact, op, value}; a conclusion is {favour, weight}, {exclude}, {caveat} or {assume, value}"
        )
    message: str = error.message
    # jsonschema quotes the whole offending value; a rule file may hold a megabyte of it.
    return message if len(message) <= 300 else message[:297] + "..."


def _policy(raw: dict[str, Any]) -> Policy:
    best = raw.get("best", {})
    return Policy(
        tie_default=raw["tie_default"],
        tie_reason=" ".join(raw.get("tie_reason", "").split()),
        confidence=ConfidencePolicy(**raw["confidence"]),
        firing_limit=raw.get("firing_limit", 10_000),
        outcomes=OutcomePolicy(**raw.get("outcomes", {})),
        routes=RoutePolicy(**raw.get("routes", {})),
        own_numbers=OwnNumbersPolicy(**raw.get("own_numbers", {})),
        best=BestPolicy(
            decisive_caveats=tuple(best.get("decisive_caveats", ())),
            **({"decisive_weight": best["decisive_weight"]} if "decisive_weight" in best else {}),
        ),
        translations=_translations(raw),
    )


def _platform(path: Path, platform_id: str, raw: dict[str, Any], sources: Mapping[str, Source]) -> Platform:
    check_platform(path, platform_id)
    facts: dict[str, PlatformFact] = {}
    for name, fact in sorted(raw["facts"].items()):
        check_platform_fact(path, platform_id, name, fact["sources"], sources)
        value = fact["value"]
        facts[name] = PlatformFact(
            platform=platform_id,
            name=name,
            value=tuple(value) if isinstance(value, list) else value,
            as_of=fact["as_of"],
            sources=tuple(fact["sources"]),
            confidence=fact.get("confidence"),
            note=fact.get("note"),
            review_by=fact.get("review_by"),
            translations=_translations(fact),
        )
    return Platform(id=platform_id, name=raw["name"], facts=facts, translations=_translations(raw))


def _condition(raw: Any) -> Condition:
    if "all" in raw:
        return AllOf(tuple(_condition(item) for item in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_condition(item) for item in raw["any"]))
    if "not" in raw:
        return NotOf(_condition(raw["not"]))
    value = raw.get("value")
    return Leaf(raw["fact"], raw["op"], tuple(value) if isinstance(value, list) else value, bool(raw.get("given", False)))


def _rule(
    path: Path,
    file_name: str,
    raw: dict[str, Any],
    sources: Mapping[str, Source],
    domains: Mapping[str, type],
) -> Rule:
    rule_id = raw["id"]
    where: dict[str, Any] = {"path": path, "rule_id": rule_id}
    check_rule_id(rule_id, where)
    check_sources(path, raw["sources"], sources, rule_id=rule_id, key="sources")
    when = _condition(raw["when"])
    check_condition(when, domains, where)
    then_raw = raw["then"]
    if "favour" in then_raw:
        then = Conclusion("evidence", model=then_raw["favour"], weight=then_raw["weight"])
    elif "exclude" in then_raw:
        then = Conclusion("exclude", model=then_raw["exclude"])
    elif "caveat" in then_raw:
        then = Conclusion("caveat", text=then_raw["caveat"].strip())
        check_template(then.text or "", domains, where, "then.caveat")
    else:
        fact, value = check_assumption(then_raw, when, where)
        then = Conclusion("assume", fact=fact, value=list(value) if isinstance(value, tuple) else value)
    check_template(raw["statement"], domains, where, "statement")
    translations = _translations(raw)
    check_translations(translations, domains, where)
    examples = []
    for number, ex in enumerate(raw["examples"], start=1):
        check_example(ex, domains, where, f"examples[{number}]")
        examples.append(
            Example(
                profile=ex["profile"],
                fires=ex["fires"],
                platform=ex.get("platform"),
                platform_facts=ex.get("platform_facts", {}),
                note=ex.get("note"),
            )
        )
    return Rule(
        id=rule_id,
        statement=" ".join(raw["statement"].split()),
        rationale=" ".join(raw["rationale"].split()),
        sources=tuple(raw["sources"]),
        when=when,
        then=then,
        examples=tuple(examples),
        salience=raw.get("salience", 0),
        salience_reason=raw.get("salience_reason"),
        path=file_name,
        translations=translations,
    )


def _translations(raw: Mapping[str, Any]) -> Translations:
    """The ``zh`` (and any other language's) table of a rule-file object, runs of whitespace collapsed as in the English.

    A list (a list-valued fact's ``value``) keeps one text per item.
    """
    def collapse(text: Any) -> Any:
        if isinstance(text, Mapping):  # a route's hands_over: one text per key
            return {key: " ".join(str(value).split()) for key, value in text.items()}
        if isinstance(text, list):
            return tuple(" ".join(str(item).split()) for item in text)
        return " ".join(str(text).split())

    return {
        lang: {key: collapse(text) for key, text in raw[lang].items()}
        for lang in LANGS
        if lang != "en" and isinstance(raw.get(lang), Mapping)
    }
