"""Records serialised by one helper: a dataclass's ``to_dict`` written once, from a declaration of its JSON keys.

A record class inherits :class:`Record` and, where its JSON is not simply its fields in declared order,
says which keys it writes, in which order, and how each value is converted::

    @dataclass(frozen=True)
    class AuditFinding(Record, keys=("check", "failed", "message", "details")):
        check: str
        message: str
        details: tuple[str, ...] = ()
        failed: bool = True

A key is a field, a property (a key computed from the fields) or a class constant of the same name, or
a :class:`Key` that names its source (``attr``), a conversion of the value (``via``) or of each item
(``each``), a constant (``const``), or leaves the key out when the value is ``None`` (``omit_none``).
Without a conversion, one is read from the field's annotation: ``tuple[X, ...]`` becomes a list (of
``X.to_dict()`` when ``X`` has one), ``X`` or ``X | None`` with a ``to_dict`` becomes its dict (``None``
kept), anything else is written as it is. A conversion of a field that may be ``None`` is not applied to
``None``. An annotation the helper cannot read (a name it cannot find, a union of records) must be
given a conversion: the class then fails to load, naming the key, rather than writing the wrong JSON.

The JSON contract of several records is older than their field order (dataclass defaults fix that
order), so the declaration is the contract; the fields are free to move.

Why generated code: these records are written on hot paths (a result and a trace per seller, a row
per batch line, a product per catalogue row). ``to_dict`` is built once per class, at class creation,
as the source of a plain function from the declaration (as :mod:`dataclasses` and attrs build
``__init__``), so it runs exactly the code a hand-written method would: a dict display of attribute
reads, with no loop over keys and no look-up of conversions per call. Only the declaration, never
input, goes into that source: names and keys are checked to be identifiers or JSON keys, and
constants and conversions are passed in as objects, never as text.

May import: nothing of the package (it is on the ground floor).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import linecache
import sys
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, Union, get_args, get_origin

_NO_CONST: Final[Any] = object()
"""No constant given to :class:`Key` (``None`` is a constant a key may have)."""

_LITERALS = (str, int, float, bool, type(None))
"""Constants written into the generated source as literals (``repr`` gives them back exactly)."""


class Key:
    """A key of a record's JSON that is not simply the field of that name.

    :param name: the JSON key.
    :param attr: the field, property or class attribute that holds the value (default: ``name``).
    :param via: a conversion of the value (``float``, ``dict``, a function of the module).
    :param each: a conversion of each item of the value, which is then written as a list.
    :param const: the value itself, the same for every record (no attribute is read).
    :param omit_none: leave the key out when the value is ``None``.
    """

    __slots__ = ("attr", "const", "each", "name", "omit_none", "via")

    def __init__(
        self,
        name: str,
        *,
        attr: str | None = None,
        via: Callable[[Any], Any] | None = None,
        each: Callable[[Any], Any] | None = None,
        const: Any = _NO_CONST,
        omit_none: bool = False,
    ) -> None:
        self.name = name
        self.attr = name if attr is None else attr
        self.via = via
        self.each = each
        self.const = const
        self.omit_none = omit_none

    def __repr__(self) -> str:
        return f"Key({self.name!r}, attr={self.attr!r})"


class Record:
    """A dataclass whose ``to_dict`` is generated from the declaration of its JSON keys.

    Subclass it with ``keys=`` (the keys in the JSON's order, names or :class:`Key`) or ``exclude=`` (fields
    left out of the default: every field in declared order). Defining ``to_dict`` by hand as well is an error.
    """

    __slots__ = ()

    __record_keys__: ClassVar[tuple[str, ...]]
    """The keys ``to_dict`` writes, in order (see :func:`record_keys`)."""

    if TYPE_CHECKING:
        # What __init_subclass__ gives every record class: the type checker's view of the generated method.
        def to_dict(self) -> dict[str, Any]: ...

    def __init_subclass__(cls, *, keys: Sequence[str | Key] | None = None, exclude: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("to_dict")
        if own is not None:
            # dataclass(slots=True) builds the class a second time from the first one's dict, the
            # generated method included: keep it (the declaration came with the first build only).
            if getattr(own, "__record_keys__", None) is not None:
                return
            raise TypeError(f"{cls.__qualname__}: a Record's to_dict is generated from its keys; do not also write one")
        cls.to_dict = _generate(cls, keys, exclude)  # type: ignore[method-assign, assignment]
        cls.__record_keys__ = cls.to_dict.__record_keys__  # type: ignore[attr-defined]


def _fields(cls: type) -> dict[str, Any]:
    """The class's own fields and their annotations in declared order, as dataclass will see them."""
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})
    return {name: note for name, note in annotations.items() if not _is_classvar(note)}


def _is_classvar(note: Any) -> bool:
    if isinstance(note, str):
        return note.startswith(("ClassVar", "typing.ClassVar"))
    return note is ClassVar or get_origin(note) is ClassVar


def _generate(cls: type, keys: Sequence[str | Key] | None, exclude: Sequence[str]) -> Callable[[Any], dict[str, Any]]:
    inherited = [base.__qualname__ for base in cls.__mro__[1:] if "__dataclass_fields__" in base.__dict__]
    if inherited:
        # The fields are read from the class's own annotations: a parent's would be missed.
        raise TypeError(f"{cls.__qualname__}: a record does not inherit fields (from {', '.join(inherited)})")
    fields = _fields(cls)
    if keys is None:
        unknown = [name for name in exclude if name not in fields]
        if unknown:
            raise TypeError(f"{cls.__qualname__}: exclude names no field: {', '.join(unknown)}")
        keys = [name for name in fields if name not in exclude]
    elif exclude:
        raise TypeError(f"{cls.__qualname__}: give keys or exclude, not both")
    declared = [k if isinstance(k, Key) else Key(k) for k in keys]
    names = [k.name for k in declared]
    if len(set(names)) != len(names):
        raise TypeError(f"{cls.__qualname__}: a key is declared twice in {names}")
    namespace: dict[str, Any] = {}
    parts: list[tuple[Key, str, str]] = []
    for index, declared_key in enumerate(declared):
        expression = _expression(cls, fields, declared_key, index, namespace)
        parts.append((declared_key, expression, _read(cls, fields, declared_key.attr)))
    source = _source(cls, parts)
    filename = f"<record {cls.__module__}.{cls.__qualname__}.to_dict>"
    # The generated source is kept where tracebacks and debuggers look for a file's lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - source built from the class declaration only
    function: Callable[[Any], dict[str, Any]] = namespace["to_dict"]
    function.__qualname__ = f"{cls.__qualname__}.to_dict"
    function.__module__ = cls.__module__
    function.__doc__ = f"The {cls.__name__} as JSON-ready data: {', '.join(repr(n) for n in names)}."
    function.__record_keys__ = tuple(names)  # type: ignore[attr-defined]
    return function


def _expression(cls: type, fields: dict[str, Any], declared: Key, index: int, namespace: dict[str, Any]) -> str:
    """The Python expression of one key's value, with ``self`` the record; objects it needs go into ``namespace``."""
    where = f"{cls.__qualname__}: key {declared.name!r}"
    if declared.const is not _NO_CONST:
        if declared.omit_none:
            raise TypeError(f"{where}: a constant is never left out; drop omit_none")
        if type(declared.const) in _LITERALS:
            return repr(declared.const)
        namespace[f"_const{index}"] = declared.const
        return f"_const{index}"
    if declared.via is not None and declared.each is not None:
        raise TypeError(f"{where}: give via or each, not both")
    attr = declared.attr
    if not attr.isidentifier() or keyword.iskeyword(attr):
        raise TypeError(f"{where}: {attr!r} is not an attribute name")
    if attr not in fields and not hasattr(cls, attr):
        raise TypeError(f"{where}: {cls.__qualname__} has no field, property or attribute {attr!r}")
    # A key left out when None is written under ``if value is not None``, ``value`` the attribute read once.
    value = "value" if declared.omit_none else _read(cls, fields, attr)
    if attr not in fields and declared.via is None and declared.each is None:
        constant = cls.__dict__.get(attr)
        if type(constant) in _LITERALS:
            # A class constant (a record's kind): written as a literal, as a hand-written method would.
            return repr(constant)
        return value
    optional = attr in fields and not declared.omit_none and _optional(fields[attr])
    if declared.via is not None:
        namespace[f"_via{index}"] = declared.via
        converted = f"_via{index}({value})"
    elif declared.each is not None:
        namespace[f"_each{index}"] = declared.each
        converted = f"[_each{index}(item) for item in {value}]"
    elif attr in fields:
        converted = _inferred(cls, fields[attr], value, where)
    else:
        converted = value
    if optional and converted != value:
        return f"(None if {value} is None else {converted})"
    return converted


def _read(cls: type, fields: dict[str, Any], attr: str) -> str:
    """How the value is read: a field, property or constant as an attribute, a method by calling it."""
    if attr not in fields and isinstance(cls.__dict__.get(attr), types.FunctionType):
        return f"self.{attr}()"
    return f"self.{attr}"


def _inferred(cls: type, note: Any, value: str, where: str) -> str:
    """The conversion an annotation implies (see the module docstring)."""
    tree = ast.parse(note, mode="eval").body if isinstance(note, str) else None
    if tree is None:
        return _inferred_type(note, value, where)
    tree = _without_none(tree)
    if isinstance(tree, ast.Subscript) and isinstance(tree.value, ast.Name) and tree.value.id in ("tuple", "Tuple"):
        item = tree.slice
        if isinstance(item, ast.Tuple) and len(item.elts) == 2 and _is_ellipsis(item.elts[1]):
            element = item.elts[0]
            if isinstance(element, ast.Name | ast.Attribute):
                name = ast.unparse(element)
                if _is_record(cls, name, where, f"a tuple of {name} needs each= (a union of records)"):
                    return f"[item.to_dict() for item in {value}]"
        return f"list({value})"
    if isinstance(tree, ast.Name | ast.Attribute):
        name = ast.unparse(tree)
        if _is_record(cls, name, where, f"{name} is a union of records: give via="):
            return f"{value}.to_dict()"
    return value


def _is_record(cls: type, name: str, where: str, refusal: str) -> bool:
    """Whether the annotation ``name`` (read in ``cls``'s module) is a record, written by its ``to_dict``; a union
    holding a record is refused with ``refusal``: which of its members a value is cannot be read from the type."""
    found = _resolve(cls, name, where)
    if _is_union(found) and any(_has_to_dict(arg) for arg in get_args(found)):
        raise TypeError(f"{where}: {refusal}")
    return _has_to_dict(found)


def _inferred_type(note: Any, value: str, where: str) -> str:
    """:func:`_inferred` for an annotation that is a type, not text (a module without postponed annotations)."""
    args = [arg for arg in get_args(note) if arg is not type(None)] if _is_union(note) else None
    if args is not None and len(args) == 1:
        note = args[0]
    if get_origin(note) is tuple:
        items = get_args(note)
        if len(items) == 2 and items[1] is Ellipsis and _has_to_dict(items[0]):
            return f"[item.to_dict() for item in {value}]"
        return f"list({value})"
    if _has_to_dict(note):
        return f"{value}.to_dict()"
    return value


def _without_none(tree: ast.expr) -> ast.expr:
    """``X`` of ``X | None`` or ``None | X``; any other annotation as it is."""
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.BitOr):
        if _is_none(tree.right):
            return tree.left
        if _is_none(tree.left):
            return tree.right
    return tree


def _optional(note: Any) -> bool:
    """Whether the annotation lets the field be ``None``."""
    if isinstance(note, str):
        tree = ast.parse(note, mode="eval").body
        return _without_none(tree) is not tree or (isinstance(tree, ast.Subscript) and ast.unparse(tree.value) == "Optional")
    return _is_union(note) and type(None) in get_args(note)


def _is_none(tree: ast.expr) -> bool:
    return isinstance(tree, ast.Constant) and tree.value is None


def _is_ellipsis(tree: ast.expr) -> bool:
    return isinstance(tree, ast.Constant) and tree.value is Ellipsis


def _is_union(found: Any) -> bool:
    return isinstance(found, types.UnionType) or get_origin(found) is Union


def _has_to_dict(found: Any) -> bool:
    return isinstance(found, type) and callable(getattr(found, "to_dict", None))


def _resolve(cls: type, dotted: str, where: str) -> Any:
    """The object an annotation's name stands for, where the class is defined (or the class itself)."""
    head, *rest = dotted.split(".")
    scope = vars(sys.modules[cls.__module__])
    if head == cls.__name__:
        found: Any = cls
    elif head in scope:
        found = scope[head]
    elif hasattr(builtins, head):
        found = getattr(builtins, head)
    else:
        raise TypeError(f"{where}: cannot find {dotted!r} where {cls.__qualname__} is defined; give via= or each=")
    for part in rest:
        found = getattr(found, part)
    return found


def _source(cls: type, parts: list[tuple[Key, str, str]]) -> str:
    """The source of ``to_dict``: one dict display, then a statement per key after the first left out when ``None``.

    :param parts: each key, the expression of its value, and how its attribute is read.
    """
    for declared, _expression_text, _read_text in parts:
        if not isinstance(declared.name, str):
            raise TypeError(f"{cls.__qualname__}: key {declared.name!r} is not text")
    first = next((i for i, (declared, _e, _r) in enumerate(parts) if declared.omit_none), len(parts))
    head = ", ".join(f"{declared.name!r}: {expression}" for declared, expression, _read_text in parts[:first])
    if first == len(parts):
        return f"def to_dict(self):\n    return {{{head}}}\n"
    lines = ["def to_dict(self):", f"    data = {{{head}}}"]
    for declared, expression, read in parts[first:]:
        if declared.omit_none:
            lines += [
                f"    value = {read}",
                "    if value is not None:",
                f"        data[{declared.name!r}] = {expression}",
            ]
        else:
            lines.append(f"    data[{declared.name!r}] = {expression}")
    lines.append("    return data")
    return "\n".join(lines) + "\n"


def record_keys(cls: type[Record]) -> tuple[str, ...]:
    """The keys a record class's ``to_dict`` writes, in order (a key left out when ``None`` included).

    For a reader that checks a document against the record it would become (a trace's fact records).
    """
    return cls.__record_keys__
