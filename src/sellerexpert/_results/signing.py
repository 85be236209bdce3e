"""Trace signatures: an HMAC-SHA256 over a trace's canonical JSON, so a stored recommendation cannot be edited unnoticed.

The key comes from the ``SELLEREXPERT_TRACE_KEY`` environment variable (its
UTF-8 bytes). The signed bytes are the trace without its ``signature`` key,
serialised with sorted keys, compact separators and UTF-8 (no ASCII escaping):
anyone holding the key can recompute them with any JSON library.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from .trace import Trace

ENV_KEY = "SELLEREXPERT_TRACE_KEY"
ALGORITHM = "HMAC-SHA256"
SignatureStatus = Literal["valid", "invalid", "missing", "unsigned", "not-checked"]
"""``valid``/``invalid``: checked with a key; ``missing``: a key is set but the trace is unsigned;
``unsigned``: no key and no signature; ``not-checked``: signed, but no key to check it with."""


def key_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The signing key from ``SELLEREXPERT_TRACE_KEY``, or ``None`` when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(ENV_KEY, "")
    return value.encode("utf-8") if value else None


def canonical_bytes(trace: Trace | Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the trace without ``signature``, as canonical JSON."""
    # The trace's own data, not a deep copy of it: serialising never edits it (a copy cost more than the rest of an audit).
    whole = trace._shared_dict() if isinstance(trace, Trace) else trace
    data = {key: value for key, value in whole.items() if key != "signature"}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _mac(trace: Trace | Mapping[str, Any], key: bytes | str) -> str:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw, canonical_bytes(trace), hashlib.sha256).hexdigest()


def sign(trace: Trace, key: bytes | str) -> Trace:
    """A copy of ``trace`` carrying ``signature = {"algorithm": "HMAC-SHA256", "value": <hex>}``."""
    return dataclasses.replace(trace, signature={"algorithm": ALGORITHM, "value": _mac(trace, key)})


def check(trace: Trace, key: bytes | str | None) -> SignatureStatus:
    """Check a trace's signature with ``key`` (``None``: no key available)."""
    signature = trace.signature
    if key is None:
        return "not-checked" if signature else "unsigned"
    if not signature:
        return "missing"
    value = signature.get("value")
    if signature.get("algorithm") != ALGORITHM or not isinstance(value, str):
        return "invalid"
    return "valid" if hmac.compare_digest(value, _mac(trace, key)) else "invalid"
