"""The rule-file schema cache cannot be forged by a planted marker (issue 23).

A pass of the rule-file schema is remembered by a marker file, so later runs skip importing
jsonschema. Markers were named by the plain SHA-256 of schema and file text, which anyone who wrote
the file can compute: a planted marker then let a rule with salience -5e9 fire after ``decide``,
and a pack missing ``then`` crash with a KeyError. Markers are now named by an HMAC under a key only
this user can read, and a cache folder or key that others could write or read is not trusted.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import pytest

from sellerexpert import RuleBookError, load_rulebook

RULE = """
[[rule]]
id = "planted"
statement = "A planted rule."
rationale = "Planted."
sources = ["own_numbers"]
salience = {salience}
when = {{ fact = "operational_capacity", op = "eq", value = "low" }}
{then}
examples = [{{ profile = {{ operational_capacity = "low" }}, fires = true }}]
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SELLEREXPERT_CACHE_DIR", str(folder))
    return folder


def _plain_marker(cache: Path, text: str) -> Path:
    """The marker an attacker can compute: the plain SHA-256 of schema and file text (the old name)."""
    schema = (resources.files("sellerexpert") / "schemas" / "rulefile-1.json").read_bytes()
    marker = cache / "rulefile-ok" / hashlib.sha256(schema + b"\0" + text.encode()).hexdigest()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return marker


@pytest.mark.parametrize(
    ("salience", "then", "problem"),
    [
        ("-5000000000", 'then = { favour = "semi-managed", weight = 1 }', r"salience -5000000000 is outside"),
        ("0", "", r"'then' is required"),
    ],
    ids=["salience below decide", "no then"],
)
def test_a_planted_marker_does_not_skip_the_schema(
    rules_dir: Path, cache: Path, salience: str, then: str, problem: str
) -> None:
    load_rulebook(rules_dir)  # the cache in use, the key made, the shipped files' passes remembered
    margin = rules_dir / "margin.toml"
    text = margin.read_text(encoding="utf-8") + RULE.format(salience=salience, then=then)
    margin.write_text(text, encoding="utf-8")
    _plain_marker(cache, text)
    with pytest.raises(RuleBookError, match=problem):
        load_rulebook(rules_dir)


def _markers(cache: Path) -> list[Path]:
    folder = cache / "rulefile-ok"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_cache_remembers_passes_under_a_private_key(rules_dir: Path, cache: Path) -> None:
    load_rulebook(rules_dir)
    key = cache / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(_markers(cache)) == len(list(rules_dir.glob("*.toml")))


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.parametrize("spoil", ["folder writable by others", "key readable by others", "key a link", "key too short"])
def test_a_cache_others_could_touch_is_not_used(rules_dir: Path, cache: Path, tmp_path: Path, spoil: str) -> None:
    load_rulebook(rules_dir)
    for marker in _markers(cache):
        marker.unlink()
    key = cache / "key"
    if spoil == "folder writable by others":
        cache.chmod(0o777)
    elif spoil == "key readable by others":
        key.chmod(0o644)
    elif spoil == "key a link":
        elsewhere = tmp_path / "elsewhere-key"
        elsewhere.write_bytes(key.read_bytes())
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    else:
        key.write_bytes(b"short")
    load_rulebook(rules_dir)
    assert _markers(cache) == []  # nothing remembered, so nothing is trusted either
