"""Loading and validating rule files: the shipped book, and the errors a rule author sees."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sellerexpert import Advisor, RuleBookError, load_rulebook, rule_details, shipped_rules_dir


def test_shipped_rule_book_loads_with_platforms_policy_and_sources() -> None:
    book = load_rulebook()
    assert {"temu", "aliexpress", "tiktok_shop"} == set(book.platforms)
    assert len(book.rules) >= 30
    assert book.policy.tie_default in ("fully-managed", "semi-managed")
    assert all(rule.examples for rule in book.rules)


def test_every_paragraph_of_the_brief_is_cited_by_a_rule() -> None:
    book = load_rulebook()
    paragraphs = {s.id: s.paragraph for s in book.sources.values() if s.paragraph is not None}
    assert sorted(paragraphs.values()) == [1, 2, 3, 4, 5, 6]
    cited = {source for rule in book.rules for source in rule.sources}
    assert set(paragraphs) <= cited


def test_every_platform_fact_is_dated_and_sourced() -> None:
    book = load_rulebook()
    for platform in book.platforms.values():
        for fact in platform.facts.values():
            assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", fact.as_of), fact
            assert fact.sources and all(s in book.sources for s in fact.sources), fact


def test_fingerprint_tracks_files_and_rule_digests_track_rules(rules_dir: Path) -> None:
    before = load_rulebook(rules_dir)
    path = rules_dir / "fees.toml"
    path.write_text(path.read_text().replace("weight = 1 }", "weight = 3 }", 1))
    after = load_rulebook(rules_dir)
    assert before.fingerprint != after.fingerprint
    changed = {rid for rid, digest in after.rule_digests().items() if before.rule_digests()[rid] != digest}
    assert changed == {"fee_insensitive_favours_full"}
    assert load_rulebook(rules_dir).fingerprint == after.fingerprint


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


BAD_EDITS = [
    (
        "fees.toml", 'then = { favour = "fully-managed", weight = 1 }', "",
        "rule 'fee_insensitive_favours_full': 'then' is required",
    ),
    (
        "fees.toml",
        'fact = "fee_sensitivity", op = "eq", value = "low" }\nthen',
        'fact = "fee_sensitivty", op = "eq", value = "low" }\nthen',
        "did you mean 'fee_sensitivity'",
    ),
    (
        "fees.toml",
        'fact = "fee_sensitivity", op = "eq", value = "low" }\nthen',
        'fact = "fee_sensitivity", op = "eq", value = "hihg" }\nthen',
        "can never match",
    ),
    ("fees.toml", 'sources = ["seed_p6"]', 'sources = ["seed_p66"]', "unknown source 'seed_p66'"),
    ("fees.toml", 'id = "fee_insensitive_favours_full"', 'id = "fee_sensitive_favours_semi"', "duplicate rule id"),
    ("fees.toml", "weight = 1 }", "weight = 0 }", "rule 'fee_insensitive_favours_full'"),
    ("capacity.toml", 'op = "lt", value = 300', 'op = "lt", value = "300"', "write 300"),
    (
        "capacity.toml",
        'fact = "operational_capacity", op = "eq", value = "low" }\nthen',
        'fact = "operational_capacity", op = "ge", value = "low" }\nthen',
        "'ge' needs a number field",
    ),
    (
        "control.toml",
        "{platform.name} sets the retail price under both models; you",
        "{platform.nmae} sets the retail price under both models; you",
        "unknown placeholder {platform.nmae}",
    ),
    (
        "logistics.toml",
        '[meta]\ncovers = "Warehousing, freight, delivery speed and bulky goods."',
        "[meta]",
        "'covers' is required",
    ),
    (
        "markets.toml",
        'op = "contains", value = "US" }\nthen = { caveat',
        'op = "contains", value = "XX" }\nthen = { caveat',
        "can never match",
    ),
    (
        "markets.toml",
        'op = "contains", value = "US" }\nthen = { caveat',
        'op = "contains", value = "USA" }\nthen = { caveat',
        'write "US" rather than "USA"',
    ),
    (
        "assumptions.toml",
        'then = { assume = "sea_freight", value = false }',
        'then = { assume = "sea_freight", value = "maybe" }',
        "then.value",
    ),
    (
        "emphasis.toml",
        'platform.emphasis", op = "eq", value = "fully-managed"',
        'platform.emphasys", op = "eq", value = "fully-managed"',
        "unknown platform fact 'platform.emphasys'",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "fragment"), BAD_EDITS, ids=[e[3][:40] for e in BAD_EDITS])
def test_bad_rule_files_name_file_rule_and_field(rules_dir: Path, file: str, old: str, new: str, fragment: str) -> None:
    _replace(rules_dir / file, old, new)
    with pytest.raises(RuleBookError) as caught:
        Advisor(rules_dir)
    message = str(caught.value)
    assert fragment in message
    assert file in message


def test_malformed_toml_names_the_line(rules_dir: Path) -> None:
    (rules_dir / "broken.toml").write_text('[meta]\ncovers = "x"\nreviewed = \n')
    with pytest.raises(RuleBookError, match=r"broken\.toml:3: malformed TOML"):
        load_rulebook(rules_dir)


def test_yaml_rule_files_are_accepted(rules_dir: Path) -> None:
    (rules_dir / "extra.yaml").write_text(
        """
meta: {covers: "A YAML rule", reviewed: "2026-11-25"}
rule:
  - id: yaml_rule
    statement: A rule written in YAML.
    rationale: Rule packs may be YAML.
    sources: [seed_p6]
    when: {fact: bulky_goods, op: eq, value: true}
    then: {caveat: "Big things."}
    examples:
      - {profile: {bulky_goods: true}, fires: true}
"""
    )
    advisor = Advisor(rules_dir)
    assert advisor.fires("yaml_rule", {"bulky_goods": True})
    assert not advisor.fires("yaml_rule", {"bulky_goods": False})


def test_an_assumption_cannot_read_platform_facts(rules_dir: Path) -> None:
    _replace(
        rules_dir / "assumptions.toml",
        'when = { fact = "sea_freight", op = "absent" }',
        'when = { fact = "platform.content_led", op = "eq", value = true }',
    )
    with pytest.raises(RuleBookError, match="assumption is about the seller"):
        load_rulebook(rules_dir)


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda d: (d / "policy.toml").unlink(), "no file defines the [policy]"),
        (lambda d: [p.unlink() for p in d.iterdir()], "holds no rule files"),
        (lambda d: (d / "zz.toml").write_bytes(b"\x00\x01binary"), "binary file"),
        (lambda d: (d / "zz.toml").write_text('meta = "x"'), "meta"),
    ],
    ids=["no-policy", "empty", "binary", "meta-not-a-table"],
)
def test_broken_rule_packs(rules_dir: Path, setup: object, fragment: str) -> None:
    setup(rules_dir)  # type: ignore[operator]
    with pytest.raises(RuleBookError, match=re.escape(fragment)):
        load_rulebook(rules_dir)


def test_missing_rules_folder_is_a_rulebook_error(tmp_path: Path) -> None:
    with pytest.raises(RuleBookError, match="is not a folder"):
        load_rulebook(tmp_path / "nowhere")


def test_shipped_rules_folder_is_found() -> None:
    assert (shipped_rules_dir() / "platforms.toml").is_file()


def test_every_rule_reads_at_least_one_fact() -> None:
    book = load_rulebook()
    for rule in book.rules:
        branches = rule_details(book, rule.id)["compiled"]["branches"]
        assert [leaf["fact"] for branch in branches for leaf in branch], rule.id


def test_a_rule_file_that_passed_the_schema_is_not_checked_again(tmp_path: Path, rules_dir: Path) -> None:
    """The schema check is remembered per exact file text (like a .pyc); an edit is checked afresh."""
    import subprocess
    import sys

    cache = tmp_path / "cache"
    env = {**os.environ, "SELLEREXPERT_CACHE_DIR": str(cache)}
    code = (
        "import sys; from sellerexpert._rulebook.loader import load_rulebook; "
        f"load_rulebook({str(rules_dir)!r}); print('jsonschema' in sys.modules)"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.strip() == "True"
    assert len(list((cache / "rulefile-ok").iterdir())) == len(list(rules_dir.glob("*.toml")))
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert again.stdout.strip() == "False"
    # An edit that breaks the schema is caught although the file passed before.
    policy = rules_dir / "policy.toml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            'tie_default = "fully-managed"', 'tie_default = "fully-managed"\nsurprise = 1'
        ),
        encoding="utf-8",
    )
    broken = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert broken.returncode != 0 and "surprise" in broken.stderr


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLEREXPERT_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_rulebook(rules_dir)
    assert not (tmp_path / "xdg").exists()
