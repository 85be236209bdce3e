"""The trace: a lossless JSON record of a consultation, and a reader that refuses anything else in one clear line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import Advisor, Firing, SellerExpertError, Trace, TraceError

_EMPTY = Trace(profile={}, facts=(), firings=(), result={}, fingerprint={}).to_dict()


def read_fact(record: Any) -> Any:
    """One fact record as a trace file holding it is read."""
    return Trace.from_dict({**_EMPTY, "facts": [record]}).facts[0]

PROFILE = {"operational_capacity": "low", "target_markets": ["US", "DE"], "name": "店铺 Ünïcode"}


@pytest.fixture(scope="module")
def trace(advisor: Advisor) -> Trace:
    return advisor.consult(PROFILE).trace


# -- round trips ------------------------------------------------------------------------------------


def test_a_trace_round_trips_through_a_dict_and_json_without_loss(trace: Trace) -> None:
    assert Trace.from_dict(trace.to_dict()) == trace
    text = trace.to_json()
    assert Trace.from_json(text) == trace
    assert Trace.from_json(text).to_json() == text
    assert Trace.from_json(trace.to_json(indent=None)).to_json() == text
    # Not ASCII-escaped: a seller's name is stored as they wrote it.
    assert "店铺 Ünïcode" in text


def test_a_trace_round_trips_through_a_file(trace: Trace, tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    trace.save(path)
    assert path.read_text(encoding="utf-8") == trace.to_json() + "\n"
    assert Trace.load(path) == trace
    assert Trace.load(str(path)) == trace


def test_the_json_holds_the_documented_keys_in_order(trace: Trace) -> None:
    data = json.loads(trace.to_json())
    assert list(data) == ["format", "version", "profile", "facts", "firings", "result", "fingerprint"]
    assert (data["format"], data["version"]) == ("sellerexpert-trace", 1)
    # "market" follows when the profile names target markets (the rules run once per market).
    keys = ["seq", "rule", "platform", "salience", "matched", "absent", "asserted", "retracted"]
    assert list(data["firings"][0]) in (keys, [*keys, "market"])
    assert [f["seq"] for f in data["firings"]] == list(range(1, len(trace.firings) + 1))


def test_the_same_consultation_gives_the_same_bytes(advisor: Advisor, trace: Trace) -> None:
    assert advisor.consult(PROFILE).trace.to_json() == trace.to_json()


def test_editing_the_dict_never_edits_the_trace(trace: Trace) -> None:
    before = trace.to_json()
    data = trace.to_dict()
    data["profile"]["operational_capacity"] = "high"
    data["firings"][0]["matched"].clear()
    data["result"].clear()
    assert trace.to_json() == before


def test_firing_records_round_trip_and_default_what_older_traces_omit(trace: Trace) -> None:
    for firing in trace.firings:
        assert Firing.from_dict(firing.to_dict()) == firing
    decide = next(f for f in trace.firings if f.rule == "decide")
    assert decide.platform in {"temu", "aliexpress", "tiktok_shop"} and decide.asserted[0].kind == "decision"
    bare = Firing.from_dict({"seq": 1, "rule": "r"})
    assert bare == Firing(seq=1, rule="r", platform=None, salience=0, matched=(), asserted=(), retracted=(), absent=())
    assert bare.to_dict() == {
        "seq": 1,
        "rule": "r",
        "platform": None,
        "salience": 0,
        "matched": [],
        "absent": [],
        "asserted": [],
        "retracted": [],
    }


def test_facts_are_typed_records_that_write_the_json_they_were_read_from(trace: Trace) -> None:
    assert {f.kind for f in trace.facts} == {"seller", "platform"}
    assert all(f.kind != "other" for firing in trace.firings for f in (*firing.matched, *firing.asserted))
    decision = next(f for f in trace.firings if f.rule == "decide").asserted[0]
    assert decision.kind == "decision" and decision.model in ("fully-managed", "semi-managed")
    data = trace.to_dict()
    assert [read_fact(f).to_dict() for f in data["facts"]] == data["facts"]
    seller = next(f for f in data["facts"] if f["kind"] == "seller")
    fact = read_fact(seller)
    assert fact.kind == "seller"
    assert (fact.id, fact.field, fact.value, fact.assumed) == (seller["id"], seller["field"], seller["value"], seller["assumed"])
    assert fact == read_fact(dict(seller))  # records compare by value


@pytest.mark.parametrize(
    "record",
    [
        {"id": 1, "kind": "seller", "field": "bulky_goods", "value": True, "assumed": False, "note": "added"},
        {"kind": "seller", "id": 1, "field": "bulky_goods", "value": True, "assumed": False},
        {"id": 1, "kind": "seller", "field": "bulky_goods", "value": True},
        {"id": 1, "kind": "rumour", "text": "x"},
        [1, 2],
    ],
    ids=["key-added", "keys-moved", "key-missing", "unknown-kind", "not-an-object"],
)
def test_a_record_no_engine_writes_is_kept_as_written(record: Any) -> None:
    fact = read_fact(record)
    assert fact.kind == "other"
    assert json.dumps(fact.to_dict()) == json.dumps(record)
    assert fact.id == (record.get("id") if isinstance(record, dict) else None)


def test_a_signature_is_kept_only_when_there_is_one(trace: Trace) -> None:
    assert "signature" not in trace.to_dict()
    signed = Trace.from_dict({**trace.to_dict(), "signature": {"algorithm": "HMAC-SHA256", "value": "ab"}})
    assert signed.signature == {"algorithm": "HMAC-SHA256", "value": "ab"}
    assert json.loads(signed.to_json())["signature"] == {"algorithm": "HMAC-SHA256", "value": "ab"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
records = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
# FactRecord records: laid out as the engine writes them (a typed record), or anything else a file may hold.
_ids = st.integers(0, 10**6)
_names = st.text(max_size=6)
engine_records = st.one_of(
    st.fixed_dictionaries(
        {"id": _ids, "kind": st.just("seller"), "field": _names, "value": json_values, "assumed": st.booleans()}
    ),
    st.fixed_dictionaries({"id": _ids, "kind": st.just("platform"), "platform": _names, "field": _names, "value": json_values}),
    st.fixed_dictionaries(
        {"id": _ids, "kind": st.just("evidence"), "rule": _names, "platform": _names, "model": _names, "weight": st.integers()}
    ),
    st.fixed_dictionaries({"id": _ids, "kind": st.just("caveat"), "rule": _names, "platform": _names, "text": _names}),
)
facts = st.one_of(engine_records, records, json_values).map(read_fact)


@pytest.mark.parametrize("share", SCALES)
def test_any_trace_of_json_values_round_trips(share: float) -> None:
    @settings(max_examples=scaled(25, share), deadline=None)
    @given(
        profile=records,
        facts=st.lists(facts, max_size=3),
        firings=st.lists(
            st.builds(
                Firing,
                seq=st.integers(1, 10**6),
                rule=st.text(min_size=1, max_size=10),
                platform=st.none() | st.sampled_from(["temu", "aliexpress", "tiktok_shop"]),
                salience=st.integers(-100, 100),
                matched=st.lists(facts, max_size=2).map(tuple),
                asserted=st.lists(facts, max_size=2).map(tuple),
                retracted=st.lists(facts, max_size=2).map(tuple),
                absent=st.lists(st.text(max_size=6), max_size=2).map(tuple),
            ),
            max_size=3,
        ),
        result=records,
        fingerprint=records,
    )
    def check(
        profile: dict[str, Any], facts: list[Any], firings: list[Firing], result: dict[str, Any], fingerprint: dict[str, Any]
    ) -> None:
        trace = Trace(profile=profile, facts=tuple(facts), firings=tuple(firings), result=result, fingerprint=fingerprint)
        assert Trace.from_json(trace.to_json()) == trace
        assert Trace.from_json(trace.to_json()).to_json() == trace.to_json()
        # The compact JSON is put together piece by piece: the same bytes as the whole dict's.
        assert trace.to_json(indent=None) == json.dumps(trace.to_dict(), ensure_ascii=False)

    check()


# -- refusals ---------------------------------------------------------------------------------------


def _edited(trace: Trace, **changes: Any) -> dict[str, Any]:
    data = trace.to_dict()
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return data


REFUSALS = [
    ("format", {"format": "something-else"}, "format: not a trace: 'format' must be \"sellerexpert-trace\""),
    ("format-missing", {"format": ...}, "format: not a trace: 'format' must be \"sellerexpert-trace\""),
    ("version", {"version": 2}, "version: trace version 2 is not supported (this sellerexpert reads version 1)"),
    ("version-text", {"version": "1"}, "version: trace version '1' is not supported (this sellerexpert reads version 1)"),
    ("profile", {"profile": ...}, "profile: missing or malformed 'profile'"),
    ("facts", {"facts": {}}, "facts: missing or malformed 'facts'"),
    ("firings", {"firings": "many"}, "firings: missing or malformed 'firings'"),
    ("result", {"result": []}, "result: missing or malformed 'result'"),
    ("fingerprint", {"fingerprint": None}, "fingerprint: missing or malformed 'fingerprint'"),
    ("firing-without-rule", {"firings": [{"seq": 1}]}, "firings: a firing lacks 'seq' or 'rule'"),
    ("firing-not-an-object", {"firings": [3]}, "firings: a firing lacks 'seq' or 'rule'"),
]


@pytest.mark.parametrize(("changes", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_malformed_trace_is_refused_naming_the_field(trace: Trace, changes: dict[str, Any], message: str) -> None:
    data = _edited(trace, **changes)
    with pytest.raises(TraceError) as caught:
        Trace.from_dict(data)
    assert str(caught.value) == message
    assert caught.value.field == message.split(":")[0]
    assert caught.value.path is None
    with pytest.raises(TraceError) as named:
        Trace.from_dict(data, source="old/trace.json")
    assert str(named.value) == f"old/trace.json: {message}"


@pytest.mark.parametrize("data", [[], "trace", 7, None], ids=["list", "text", "number", "null"])
def test_a_non_object_is_not_a_trace(data: Any) -> None:
    with pytest.raises(TraceError) as caught:
        Trace.from_dict(data)
    assert str(caught.value) == "not a trace: expected a JSON object"
    assert caught.value.field is None
    # The error is one of ours, and a ValueError for callers that catch builtins.
    assert isinstance(caught.value, SellerExpertError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "format": "sellerexpert-trace",\n  broken\n}',
            "not a trace: malformed JSON at line 3: Expecting property name enclosed in double quotes",
        ),
        ('{"format": NaN}', "not a trace: NaN is not a number JSON allows"),
        ('{"version": ' + "9" * 100 + "}", "not a trace: a number has more than 64 digits"),
        ("[" * 100 + "]" * 100, "not a trace: is nested more than 64 levels deep"),
    ],
    ids=["malformed", "nan", "huge-number", "too-deep"],
)
def test_unusable_json_is_refused_with_the_line_or_the_limit(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(TraceError) as caught:
        Trace.from_json(text)
    assert str(caught.value) == message
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TraceError) as loaded:
        Trace.load(path)
    assert str(loaded.value) == f"{path}: {message}"
    assert loaded.value.path == path


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_bytes(b"{" + b" " * (16 * 2**20) + b"}"), "is larger than the 16 MB limit for a trace"),
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "is a binary file, not JSON, YAML or TOML text"),
        (lambda p: p.write_text('{"format": 1}', encoding="utf-16"), "is UTF-16 text: save it as UTF-8"),
    ],
    ids=["over-the-size-limit", "directory", "missing", "binary", "utf-16"],
)
def test_a_file_that_cannot_be_a_trace_is_refused_naming_it(tmp_path: Path, make: Any, problem: str) -> None:
    path = tmp_path / "trace.json"
    make(path)
    with pytest.raises(TraceError) as caught:
        Trace.load(path)
    assert str(caught.value) == f"{path}: {problem}"


def test_load_is_the_one_reader_and_checks_the_schema_whatever_it_is_given(trace: Trace, tmp_path: Path) -> None:
    data = trace.to_dict()
    data["firings"][0]["seq"] = "one"
    assert Trace.from_dict(data).firings[0].seq == "one"  # from_dict rebuilds; only load checks the schema
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    problem = "firings[0].seq: does not match the trace schema: 'one' is not of type 'integer'"
    with pytest.raises(TraceError) as from_file:
        Trace.load(path)
    assert str(from_file.value) == f"{path}: {problem}"
    with pytest.raises(TraceError) as from_data:
        Trace.load(data, name="<request>")
    assert str(from_data.value) == f"<request>: {problem}"
    assert (from_file.value.field, from_data.value.field) == ("firings[0].seq", "firings[0].seq")
    assert Trace.load(trace) is trace
    assert Trace.load(trace.to_dict()) == trace
    with pytest.raises(TraceError, match="^not a trace: expected a Trace, a mapping or a file path, got int$"):
        Trace.load(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("share", SCALES)
def test_any_text_is_a_trace_or_a_trace_error(share: float) -> None:
    @settings(max_examples=scaled(80, share), deadline=None)
    @given(
        text=st.text(max_size=60)
        | json_values.map(json.dumps)
        | records.map(lambda r: json.dumps({"format": "sellerexpert-trace", "version": 1, **r}))
    )
    def check(text: str) -> None:
        try:
            Trace.from_json(text)
        except TraceError as exc:
            assert "\n" not in str(exc)

    check()


def _scribble(value: Any) -> None:
    """Change every list and dict inside ``value`` (what a caller editing a trace's dict might do)."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _scribble(item)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in list(value):
            _scribble(item)
        value.append("scribbled")


@pytest.mark.parametrize("engine", ["compiled", "experta"])
def test_editing_a_traces_dict_never_edits_the_trace(advisor: Advisor, engine: str) -> None:
    """``to_dict`` copies whatever the trace shares (records' list values, decisions' scores, the result, the
    fingerprint), also on the compiled path, whose records are shared between consultations."""
    profile = {**PROFILE, "target_markets": ["US", "DE", "FR"], "monthly_orders": 250}
    trace = advisor.consult(profile, engine=engine).trace
    before = trace.to_json()
    _scribble(trace.to_dict())
    assert trace.to_json() == before
    assert advisor.consult(profile, engine=engine).trace.to_json() == before
    read = Trace.from_dict(json.loads(before))  # a trace read from a file: its records kept as written
    _scribble(read.to_dict())
    assert read.to_json() == before


def test_a_record_at_many_places_is_copied_at_each(trace: Trace) -> None:
    """A record sits in the facts and in the firings that match it: each place of the dict is its own."""
    record = next(f for f in trace.facts if f.kind == "platform")
    many = Trace(
        profile={},
        facts=(record, record),
        firings=(Firing(1, "r", None, 0, (record, record), (record,)),),
        result={},
        fingerprint={},
    )
    before = many.to_json()
    data = many.to_dict()
    places = [*data["facts"], *data["firings"][0]["matched"], *data["firings"][0]["asserted"]]
    assert len({id(place) for place in places}) == 5
    places[0]["value"] = "edited"
    assert [place["value"] for place in places[1:]] == [record.value] * 4
    assert many.to_json() == before


@pytest.mark.parametrize("engine", ["compiled", "experta"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_compact_json_is_the_dicts_json(advisor: Advisor, engine: str, lang: str) -> None:
    """What the web API writes (``to_json(indent=None)``, from the result's and the records' own JSON) is
    byte for byte ``json.dumps`` of the trace's dict: signed or not, read back from a file or not."""
    profile = {**PROFILE, "target_markets": ["US", "DE", "FR"], "monthly_orders": 250}
    result = advisor.consult(profile, engine=engine, lang=lang)
    result.to_json(indent=None)  # the recommendations' JSON written first, as an answer does
    for trace in (result.trace, result.trace.signed(b"key"), Trace.from_json(result.trace.to_json())):
        assert trace.to_json(indent=None) == json.dumps(trace.to_dict(), ensure_ascii=False)
        assert trace.to_json() == json.dumps(trace.to_dict(), indent=2, ensure_ascii=False)


@pytest.mark.parametrize("engine", ["compiled", "experta"])
def test_a_trace_pickles_and_copies_to_the_same_bytes(advisor: Advisor, engine: str) -> None:
    """What a trace keeps of how to write itself (its maker's JSON, the dict it was signed over) stays behind."""
    import copy
    import pickle

    trace = advisor.consult({**PROFILE, "target_markets": ["US", "DE"]}, engine=engine).trace
    for kept in (trace, trace.signed(b"key")):
        for again in (pickle.loads(pickle.dumps(kept)), copy.deepcopy(kept), copy.copy(kept)):
            assert again == kept
            assert again.to_json(indent=None) == kept.to_json(indent=None)
            assert again.to_json() == kept.to_json()


@pytest.mark.parametrize("engine", ["compiled", "experta"])
def test_a_traces_firings_are_each_firings_own_dict(advisor: Advisor, engine: str) -> None:
    # The trace writes its firings itself (each record once, copied at its other places); each must be
    # what the firing's own to_dict writes, key for key and in order, so the two cannot drift apart.
    trace = advisor.consult({"operational_capacity": "low", "target_markets": ["US", "DE"]}, engine=engine).trace
    written = trace.to_dict()["firings"]
    assert [json.dumps(f.to_dict()) for f in trace.firings] == [json.dumps(f) for f in written]
    assert [json.dumps(f) for f in json.loads(trace.to_json(indent=None))["firings"]] == [json.dumps(f) for f in written]
    assert any("market" in f for f in written), "the sample reaches the optional market key"


def test_pieces_written_once_still_tell_equal_values_of_other_types_apart(trace: Trace) -> None:
    """The compact JSON writes a firing's head, its absent fields and a rule's asserted record once, and puts each
    later firing's ``seq`` and each record's ``id`` in front: a file's value equal to a kept one but of another type
    (``10.0`` for 10, ``true`` for 1) is still written as itself."""
    trace.to_json(indent=None)  # the engine's pieces kept first
    data = trace.to_dict()
    firing = next(f for f in data["firings"] if any(r["kind"] == "evidence" for r in f["asserted"]))
    evidence = next(r for r in firing["asserted"] if r["kind"] == "evidence")
    firing["salience"] = float(firing["salience"])
    evidence["weight"] = float(evidence["weight"])
    firing["seq"] = float(firing["seq"])
    odd = Trace.from_dict(data)
    text = odd.to_json(indent=None)
    assert text == json.dumps(odd.to_dict(), ensure_ascii=False)
    assert f'"weight": {evidence["weight"]!r}' in text and f'"salience": {firing["salience"]!r}' in text
    for absent in (("1",), (1,), (True,)):  # a tuple equal to another of other types is written as itself too
        lone = Trace(profile={}, facts=(), firings=(Firing(1, "r", None, 0, (), (), absent=absent),), result={}, fingerprint={})
        assert lone.to_json(indent=None) == json.dumps(lone.to_dict(), ensure_ascii=False)


def test_a_traces_dict_shares_nothing_with_the_trace_or_an_earlier_dict(advisor: Advisor) -> None:
    """``to_dict`` writes the result afresh from the recommendations rather than copying it: no dict or list of it
    is the trace's own, the result's dict's or another call's."""

    def containers(value: Any, found: list[int]) -> list[int]:
        if isinstance(value, dict | list):
            found.append(id(value))
            for item in value.values() if isinstance(value, dict) else value:
                containers(item, found)
        return found

    for lang in ("en", "zh"):
        result = advisor.consult({**PROFILE, "monthly_orders": 250}, engine="compiled", lang=lang)
        trace = result.trace
        first, second = trace.to_dict(), trace.to_dict()
        assert first == second and first["result"] == trace.result
        mine = containers(first, [])
        assert len(set(mine)) == len(mine)
        others = containers(second, []) + containers(dict(trace.result), []) + containers(result.to_dict(), [])
        assert not set(mine) & set(others)


@pytest.mark.parametrize(("kept", "other"), [(1, True), (1, 1.0), (0.0, -0.0), ("a", ["a"]), (None, 0)])
def test_a_platform_fact_equal_to_a_kept_one_is_written_as_itself(kept: Any, other: Any) -> None:
    """Platform facts' JSON after the id is kept and shared between views and bases: a value equal to a kept
    one (``True`` and 1, 0.0 and -0.0) is never written as the kept one."""
    for value in (kept, other):
        record = read_fact({"id": 7, "kind": "platform", "platform": "temu", "field": "f", "value": value})
        lone = Trace(profile={}, facts=(record,), firings=(), result={}, fingerprint={})
        assert lone.to_json(indent=None) == json.dumps(lone.to_dict(), ensure_ascii=False)
