"""Hostile and broken documents (issue 9): deep nesting, huge numbers, NaN, alias bombs, oversized and empty files.

Each is refused with one line naming the file and the limit, exit 2 on the
command line, and the library's own error type through the API.
"""

from __future__ import annotations

import json
import math
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import Advisor, ProfileError, SellerProfile, Trace, TraceError, cli

MIB = 2**20
SIZE_LIMITS = {"profile": 1 * MIB, "trace": 16 * MIB, "rule file": 2 * MIB}
"""The largest file read for each kind of document (the refusals name them in MB)."""
MAX_DEPTH = 64
"""The deepest nesting of lists and mappings a document may have (the refusal names it)."""
MAX_DIGITS = 64
"""The most digits a number may have (the refusal names it)."""
MAX_YAML_NODES = 100_000
"""The most values a YAML document may hold once its aliases are expanded (the refusal names it)."""

DEEP = 100_000

NESTED_PROFILES = [
    ("deep.json", "[" * DEEP + "]" * DEEP),
    ("deep.yaml", "[" * DEEP + "]" * DEEP),
    ("deep.toml", "a = " + "[" * 10_000 + "]" * 10_000),
    ("deeper-than-limit.json", '{"name": ' + "[" * 200 + "]" * 200 + "}"),
]


@pytest.mark.parametrize(("name", "text"), NESTED_PROFILES, ids=[n for n, _ in NESTED_PROFILES])
def test_deeply_nested_profile_is_refused_in_one_line(runner: CliRunner, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = runner.invoke(cli, ["consult", "-p", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path}: is nested more than {MAX_DEPTH} levels deep\n"


def _trace(advisor: Advisor, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    data = advisor.consult(SellerProfile(operational_capacity="low", platforms=("temu",))).trace.to_dict()
    return tmp_path / "t.json", data


@pytest.mark.parametrize("command", ["audit", "explain"])
def test_deep_value_inside_a_trace_is_a_trace_error(
    runner: CliRunner, advisor: Advisor, tmp_path: Path, command: str
) -> None:
    path, data = _trace(advisor, tmp_path)
    text = json.dumps(data)[:-1] + ', "extra": ' + "[" * DEEP + "]" * DEEP + "}"
    path.write_text(text)
    result = runner.invoke(cli, [command, str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: not a trace: is nested more than {MAX_DEPTH} levels deep\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"monthly_orders": ' + "7" * 5000 + "}", "a number has more than 64 digits"),
        ('{"monthly_orders": NaN}', "NaN is not a number JSON allows"),
        ('{"monthly_orders": 1e999}', "the number 1e999 is out of range"),
    ],
    ids=["5000 digits", "NaN", "overflow"],
)
def test_numbers_json_cannot_carry_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_text(text, format="json", source="p.json")
    assert str(caught.value) == f"p.json: {problem}"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("a: .nan\n", "yaml"), ("a = nan\n", "toml"), ("a = inf\n", "toml"), ("a: -.inf\n", "yaml")],
)
def test_nan_and_infinity_are_refused_in_every_format(text: str, fmt: str) -> None:
    with pytest.raises(ProfileError, match="NaN and Infinity are not allowed"):
        SellerProfile.from_text(text, format=fmt, source=f"p.{fmt}")


@pytest.mark.parametrize(("text", "fmt"), [("a: " + "1" * 5000, "yaml"), ("a = " + "1" * 5000, "toml")])
def test_huge_integers_in_yaml_and_toml(text: str, fmt: str) -> None:
    with pytest.raises(ProfileError, match=f"a number has more than {MAX_DIGITS} digits"):
        SellerProfile.from_text(text, format=fmt, source=f"p.{fmt}")


def test_huge_int_in_a_trace_is_a_trace_error(runner: CliRunner, advisor: Advisor, tmp_path: Path) -> None:
    path, data = _trace(advisor, tmp_path)
    path.write_text(json.dumps(data).replace('"seq": 1,', '"seq": ' + "9" * 5000 + ",", 1))
    result = runner.invoke(cli, ["audit", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: not a trace: a number has more than 64 digits\n"


def test_trace_dict_through_the_api_gets_the_same_limits(advisor: Advisor) -> None:
    from sellerexpert import audit

    data = advisor.consult(SellerProfile(operational_capacity="low")).trace.to_dict()
    data["firings"][0]["seq"] = 10**5000
    with pytest.raises(TraceError, match="a number has more than 64 digits"):
        audit(data, advisor)
    data["firings"][0]["seq"] = float("nan")
    with pytest.raises(TraceError, match="NaN and Infinity"):
        audit(data, advisor)


YAML_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_is_refused_fast() -> None:
    # CPU time, not the wall clock: the bound is on the work the bomb causes, which a busy machine does not change.
    started = time.process_time()
    with pytest.raises(ProfileError) as caught:
        SellerProfile.from_text(YAML_BOMB, format="yaml", source="p.yaml")
    assert time.process_time() - started < 2
    assert caught.value.problem == f"its aliases expand to more than {MAX_YAML_NODES:,} values"
    assert caught.value.line is not None


def test_modest_yaml_aliases_still_work() -> None:
    text = "target_markets: &m [US, DE]\nvat_markets: *m\n"
    profile = SellerProfile.from_text(text, format="yaml", source="p.yaml")
    assert profile.target_markets == profile.vat_markets == ("US", "DE")


def test_self_referencing_yaml_alias_is_refused() -> None:
    with pytest.raises(ProfileError, match="refers to a value that contains it"):
        SellerProfile.from_text("a: &a [*a]\n", format="yaml", source="p.yaml")


@pytest.mark.parametrize(
    ("command", "suffix", "kind"),
    [("consult", ".json", "profile"), ("audit", ".json", "trace"), ("explain", ".json", "trace")],
)
def test_oversized_files_are_refused_naming_the_limit(
    runner: CliRunner, tmp_path: Path, command: str, suffix: str, kind: str
) -> None:
    path = tmp_path / f"big{suffix}"
    limit = SIZE_LIMITS[kind]
    path.write_bytes(b"{" + b" " * limit + b"}")
    args = [command, "-p", str(path)] if command == "consult" else [command, str(path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: is larger than the {limit // 2**20} MB limit for a {kind}\n"


def test_oversized_rule_file_is_refused_naming_the_limit(runner: CliRunner, rules_dir: Path) -> None:
    path = rules_dir / "huge.toml"
    path.write_bytes(b"#" * (SIZE_LIMITS["rule file"] + 1))
    result = runner.invoke(cli, ["--rules", str(rules_dir), "rules", "list"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: is larger than the 2 MB limit for a rule file\n"


def test_oversized_stdin_profile_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["consult", "-p", "-"], input="{" + " " * SIZE_LIMITS["profile"] + "}")
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: is larger than the 1 MB limit for a profile\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("e.yaml", ""),
        ("e.yaml", "# nothing yet\n"),
        ("e.yaml", "null\n"),
        ("e.toml", ""),
        ("e.toml", "# comment\n"),
        ("e.json", ""),
    ],
)
def test_empty_profiles_are_refused_alike(runner: CliRunner, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = runner.invoke(cli, ["consult", "-p", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: is empty: give at least one field, or write {{}} for a profile with nothing known on purpose\n"
    )


@pytest.mark.parametrize(("name", "text"), [("e.yaml", "{}\n"), ("e.json", "{}"), ("e.toml", "name = 'x'\n")])
def test_an_empty_profile_said_on_purpose_is_allowed(runner: CliRunner, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = runner.invoke(cli, ["consult", "-p", str(path), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0


def test_utf16_file_is_told_to_be_saved_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes('{"operational_capacity": "low"}'.encode("utf-16"))
    with pytest.raises(ProfileError, match="is UTF-16 text: save it as UTF-8"):
        SellerProfile.from_file(path)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**64) | st.just(-(10**64)) | st.floats()
    | st.text() | st.just("\ud800") | st.sampled_from([(1, 2), Decimal(1), 1 + 2j]),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3) | st.just("\udfff") | st.integers() | st.floats(), inner, max_size=4),
    max_leaves=30,
)


def _past_the_limits(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` breaks a document limit, as the limits are stated: a list or mapping nested
    ``MAX_DEPTH`` deep, a whole number of more than ``MAX_DIGITS`` digits, NaN or Infinity (a value or a
    key), or text (a value or a key) holding a lone surrogate."""
    if isinstance(value, (dict, list, tuple)):
        if depth >= MAX_DEPTH:
            return True
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and _SURROGATE.search(key):
                    return True
                if isinstance(key, float) and not math.isfinite(key):
                    return True
        items = value.values() if isinstance(value, dict) else value
        return any(_past_the_limits(item, depth + 1) for item in items)
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return not -(10**MAX_DIGITS) < value < 10**MAX_DIGITS
    if isinstance(value, float):
        return not math.isfinite(value)
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


@pytest.mark.parametrize("share", SCALES)
def test_a_document_handed_to_the_api_is_refused_exactly_when_past_the_limits(share: float) -> None:
    """The reader skips its full walk when a quick pass finds the data plainly within the limits: never wrongly."""

    @settings(max_examples=scaled(500, share), deadline=None)
    @given(st.one_of(_VALUES, st.integers(60, 70).map(_nested)))
    @example(["ok", "\ud800"])
    @example({"a": {"\udfff": 1}})
    @example([[1, 10**64]])
    @example({"n": [float("nan")]})
    @example(_nested(63))
    @example(_nested(64))
    def check(data: Any) -> None:
        document = {"x": data}  # not a trace either way: refused for its limits, or for want of "format"
        try:
            Trace.load(document)
        except TraceError as exc:
            refused_for_its_limits = str(exc).startswith("not a usable trace: ")
        else:
            raise AssertionError("read as a trace")
        assert refused_for_its_limits == _past_the_limits(document), str(document)[:200]

    check()
