"""The records' helper: a ``to_dict`` generated from a declaration of JSON keys writes what a method written
field by field would.

Tests an internal on purpose, the private ``sellerexpert._records``: the helper is how every record's JSON is
written, and its declarations (conversions inferred from annotations, keys left out, a bad declaration
refused when the class loads) are tested here on small classes of their own, apart from any record's
contract.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerexpert._records import Key, Record, record_keys


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


def _colour(value: Colour) -> str:
    return value.value


@dataclass(frozen=True, slots=True)
class Leaf(Record):
    number: int
    words: tuple[str, ...] = ()
    kind: ClassVar[str] = "leaf"


@dataclass(frozen=True)
class Branch(
    Record,
    keys=("name", "ok", "count", "kind", "leaves", Key("colour", via=_colour), Key("note", omit_none=True), "top", "ratio"),
):
    name: str
    leaves: tuple[Leaf, ...]
    colour: Colour
    top: Leaf | None = None
    ratio: float | None = None
    note: str | None = None
    kind: ClassVar[str] = "branch"

    @property
    def ok(self) -> bool:
        return bool(self.leaves)

    def count(self) -> int:
        return len(self.leaves)


def _leaf_reference(leaf: Leaf) -> dict[str, Any]:
    """What a hand-written method would give: each field in declared order, tuples as lists."""
    return {f.name: list(getattr(leaf, f.name)) if f.name == "words" else getattr(leaf, f.name) for f in fields(leaf)}


def _branch_reference(branch: Branch) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": branch.name,
        "ok": bool(branch.leaves),
        "count": len(branch.leaves),
        "kind": "branch",
        "leaves": [_leaf_reference(leaf) for leaf in branch.leaves],
        "colour": branch.colour.value,
    }
    if branch.note is not None:
        data["note"] = branch.note
    data["top"] = None if branch.top is None else _leaf_reference(branch.top)
    data["ratio"] = branch.ratio
    return data


leaves = st.builds(Leaf, st.integers(), st.tuples(st.text()) | st.just(()))
branches = st.builds(
    Branch,
    st.text(),
    st.lists(leaves, max_size=3).map(tuple),
    st.sampled_from(Colour),
    st.none() | leaves,
    st.none() | st.floats(allow_nan=False),
    st.none() | st.text(),
)


@given(branches)
def test_a_generated_to_dict_equals_the_dict_built_field_by_field(branch: Branch) -> None:
    data = branch.to_dict()
    assert data == _branch_reference(branch)
    assert list(data) == list(_branch_reference(branch))  # the order is the contract, not only the keys
    assert json.dumps(data) == json.dumps(_branch_reference(branch))


@given(leaves)
def test_each_call_gives_fresh_lists_and_dicts(leaf: Leaf) -> None:
    first = leaf.to_dict()
    first["words"].append("edited")
    assert leaf.to_dict() == _leaf_reference(leaf)


def test_the_default_is_every_field_in_declared_order_without_class_constants() -> None:
    assert Leaf(1, ("a", "b")).to_dict() == {"number": 1, "words": ["a", "b"]}
    assert Leaf.to_dict.__qualname__ == "Leaf.to_dict"
    assert record_keys(Leaf) == ("number", "words")
    assert record_keys(Branch) == ("name", "ok", "count", "kind", "leaves", "colour", "note", "top", "ratio")


def test_a_slots_record_keeps_its_method_and_pickles() -> None:
    leaf = Leaf(2, ("x",))
    assert not hasattr(leaf, "__dict__")
    assert pickle.loads(pickle.dumps(leaf)).to_dict() == {"number": 2, "words": ["x"]}


def test_exclude_leaves_fields_out_and_a_constant_key_needs_no_field() -> None:
    @dataclass(frozen=True)
    class Row(Record, keys=("a", Key("format", const="row"), Key("size", const=(1, 2)), Key("b", attr="hidden"))):
        a: int
        hidden: str

    @dataclass(frozen=True)
    class Short(Record, exclude=("hidden",)):
        a: int
        hidden: str

    assert Row(1, "h").to_dict() == {"a": 1, "format": "row", "size": (1, 2), "b": "h"}
    assert Short(1, "h").to_dict() == {"a": 1}


def test_each_converts_every_item_and_via_is_not_applied_to_none() -> None:
    @dataclass(frozen=True)
    class Row(Record, keys=(Key("colours", each=_colour), Key("first", via=_colour), Key("maybe", via=_colour, omit_none=True))):
        colours: tuple[Colour, ...]
        first: Colour | None
        maybe: Colour | None = None

    assert Row((Colour.RED, Colour.BLUE), None).to_dict() == {"colours": ["red", "blue"], "first": None}
    assert Row((), Colour.RED, Colour.BLUE).to_dict() == {"colours": [], "first": "red", "maybe": "blue"}


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda: _declare(keys=("missing",)), "has no field, property or attribute 'missing'"),
        (lambda: _declare(keys=("a", "a")), "declared twice"),
        (lambda: _declare(exclude=("nope",)), "exclude names no field: nope"),
        (lambda: _declare(keys=(Key("x", attr="a.b"),)), "is not an attribute name"),
        (lambda: _declare(keys=("later",)), "cannot find 'NotYetDefined'"),
        (lambda: _declare(keys=("pair",)), "needs each="),
        (lambda: _declare(keys=(Key("a", const=1, omit_none=True),)), "never left out"),
        (lambda: _declare(keys=("a",), exclude=("a",)), "not both"),
        (lambda: _declare(keys=(Key("a", via=str, each=str),)), "via or each, not both"),
        (lambda: type("Child", (Leaf,), {"__annotations__": {"more": "int"}}), "does not inherit fields"),
    ],
    ids=["unknown-attribute", "twice", "exclude-unknown", "not-a-name", "unresolvable", "union-of-records", "const-omitted",
         "keys-and-exclude", "via-and-each", "inherited-fields"],
)
def test_a_bad_declaration_fails_when_the_class_is_made(declare: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        declare()


def test_a_hand_written_to_dict_beside_the_declaration_is_refused() -> None:
    with pytest.raises(TypeError, match="do not also write one"):

        class Both(Record):
            a: int

            def to_dict(self) -> dict[str, Any]:
                return {"a": self.a}


Either = Leaf | Branch


def _declare(**declaration: Any) -> type:
    class Bad(Record, **declaration):
        a: int
        later: NotYetDefined  # type: ignore[name-defined]  # noqa: F821 - a name the helper cannot find, on purpose
        pair: tuple[Either, ...]

    return Bad
