"""Trace signatures: an HMAC over the trace's canonical JSON; any edit, another key or no key is told apart.

The audit's use of these statuses (what fails, what is only a note) is tested in test_audit.py;
here the signing itself, through the public API: :meth:`Trace.signed`, :meth:`Trace.signature_status`,
:attr:`Trace.KEY_ENV` and :meth:`Trace.signing_key`.

The bytes a signature covers are the documented contract (docs/api.md): the trace without its
``signature``, as JSON with sorted keys, no spaces and UTF-8 text. They are computed here from that
description, not by the package's own function, so a change to what is signed cannot pass unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCALES, scaled
from sellerexpert import Advisor, Trace

ALGORITHM = "HMAC-SHA256"  # the algorithm's name as traces carry it (docs/api.md)
ENV_KEY = Trace.KEY_ENV


def canonical_bytes(trace: Trace | dict[str, Any]) -> bytes:
    """The bytes a signature covers, as documented: the trace's JSON without ``signature``, keys sorted, compact."""
    data = json.loads(trace.to_json()) if isinstance(trace, Trace) else dict(trace)
    data.pop("signature", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def check(trace: Trace, key: bytes | str | None) -> str:
    """The trace's signature status with ``key``; ``None`` means no key at all (the environment's is unset)."""
    if key is None:
        assert os.environ.get(ENV_KEY) is None, f"{ENV_KEY} is set in the test's environment"
    return trace.signature_status(key)

KEY = "s3cret-ключ"  # not ASCII: the key is its UTF-8 bytes


@pytest.fixture(scope="module")
def trace(advisor: Advisor) -> Trace:
    return advisor.consult({"operational_capacity": "low", "target_markets": ["US", "DE"], "name": "Ünïcode shop"}).trace


def test_a_signed_trace_verifies_with_its_key(trace: Trace) -> None:
    signed = trace.signed(KEY)
    assert signed.signature is not None and signed.signature["algorithm"] == ALGORITHM == "HMAC-SHA256"
    assert check(signed, KEY) == "valid"
    assert check(signed, KEY.encode("utf-8")) == "valid"  # a str key is its UTF-8 bytes
    assert trace.signature is None, "signing returns a copy"
    assert signed.to_dict() | {"signature": None} == trace.to_dict() | {"signature": None}


def test_the_signature_is_an_hmac_anyone_can_recompute(trace: Trace) -> None:
    signed = trace.signed(KEY)
    data = json.loads(signed.to_json())
    value = data.pop("signature")["value"]
    expected = hmac.new(
        KEY.encode("utf-8"),
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
        hashlib.sha256,
    )
    assert value == expected.hexdigest()
    # The bytes covered leave the signature out, so signing twice (or re-signing) covers the same bytes.
    assert canonical_bytes(signed) == canonical_bytes(trace) == canonical_bytes(data)
    assert signed.signed(KEY) == signed


def test_a_signature_survives_a_file_round_trip(trace: Trace, tmp_path: Path) -> None:
    path = tmp_path / "signed.json"
    trace.signed(KEY).save(path)
    assert check(Trace.load(path), KEY) == "valid"


def test_another_key_is_invalid(trace: Trace) -> None:
    signed = trace.signed(KEY)
    assert check(signed, "another key") == "invalid"
    assert check(signed, KEY + " ") == "invalid"


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(data, list):
        return [leaf for index, value in enumerate(data) for leaf in _leaves(value, (*path, index))]
    return [path]


@pytest.mark.parametrize("share", SCALES)
def test_any_edit_anywhere_is_detected(trace: Trace, share: float) -> None:
    @settings(max_examples=scaled(40, share), deadline=None)
    @given(choice=st.integers(min_value=0))
    def edit(choice: int) -> None:
        data = trace.signed(KEY).to_dict()
        # An edit of format or version is refused by the reader before any check (test_trace.py).
        leaves = [p for p in _leaves(data) if p[0] not in ("signature", "format", "version")]
        *parents, last = leaves[choice % len(leaves)]
        holder = data
        for step in parents:
            holder = holder[step]
        old = holder[last]
        holder[last] = "edited" if old != "edited" else "edited again"
        assert check(Trace.from_dict(data), KEY) == "invalid", f"an edit at {(*parents, last)} went unnoticed"

    edit()


def test_a_key_added_to_a_fact_is_detected(trace: Trace) -> None:
    # A fact record may hold keys no engine writes (the schema allows them): the signature still covers them.
    data = trace.signed(KEY).to_dict()
    data["firings"][0]["matched"][0]["note"] = "added"
    assert check(Trace.from_dict(data), KEY) == "invalid"
    data["firings"][0]["matched"][0].pop("note")
    assert check(Trace.from_dict(data), KEY) == "valid"


def test_an_edited_signature_is_invalid(trace: Trace) -> None:
    signed = trace.signed(KEY).to_dict()
    value = signed["signature"]["value"]
    flipped = ("0" if value[0] != "0" else "1") + value[1:]
    for signature in (
        {"algorithm": ALGORITHM, "value": flipped},
        {"algorithm": "HMAC-MD5", "value": value},
        {"algorithm": ALGORITHM, "value": 42},
        {"algorithm": ALGORITHM},
    ):
        assert check(Trace.from_dict({**signed, "signature": signature}), KEY) == "invalid", signature


@pytest.mark.parametrize(
    ("signed", "key", "status"),
    [(True, KEY, "valid"), (False, KEY, "missing"), (False, None, "unsigned"), (True, None, "not-checked")],
    ids=["signed-with-key", "unsigned-with-key", "unsigned-no-key", "signed-no-key"],
)
def test_the_four_states_without_a_bad_signature(trace: Trace, signed: bool, key: str | None, status: str) -> None:
    assert check(trace.signed(KEY) if signed else trace, key) == status


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, None), ({ENV_KEY: ""}, None), ({ENV_KEY: KEY}, KEY.encode("utf-8")), ({"OTHER": "x"}, None)],
    ids=["unset", "empty", "set", "unrelated"],
)
def test_the_key_comes_from_the_environment(environ: dict[str, str], expected: bytes | None) -> None:
    assert Trace.signing_key(environ) == expected


def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY, "from-env")
    assert Trace.signing_key() == b"from-env"
    monkeypatch.delenv(ENV_KEY)
    assert Trace.signing_key() is None


def test_the_public_methods_take_the_key_from_the_environment(trace: Trace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    assert trace.signed() is trace, "no key given and none set: the trace comes back unsigned"
    assert trace.signature_status() == "unsigned"
    monkeypatch.setenv(ENV_KEY, KEY)
    signed = trace.signed()
    assert signed == trace.signed(KEY) and signed.signature is not None
    assert signed.signature_status() == "valid"
    assert signed.signature_status("another key") == "invalid"
    assert trace.signature_status() == "missing", "a key is set but the trace is unsigned"
    monkeypatch.delenv(ENV_KEY)
    assert signed.signature_status() == "not-checked"
