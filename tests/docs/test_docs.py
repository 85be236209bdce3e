"""The docs pages stay true to the code and the data: the brief's paragraphs, freshness, coverage (the module
map is tests/api/test_architecture.py's).

Every shell command in the pages runs in tests/docs/test_docs_commands.py; the README's own checks are in
tests/docs/test_readme.py.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from sellerexpert import CoverageReport, lint, load_rulebook

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next heading of that level, its lines joined (as a reader reads them)."""
    return " ".join(text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0].split())


# -- docs/rules.md ----------------------------------------------------------------------------------


def test_the_paragraph_to_rule_map_matches_what_the_rules_cite() -> None:
    book = load_rulebook()
    rows = _page("rules.md").split("\n## Where the brief's paragraphs live\n", 1)[1].splitlines()
    for source in book.sources.values():
        if source.paragraph is None:
            continue
        citing = sorted(rule.id for rule in book.rules if source.id in rule.sources)
        row = next((line for line in rows if line.startswith(f"| ¶{source.paragraph} ")), None)
        assert row is not None, f"docs/rules.md has no map row for ¶{source.paragraph}"
        assert sorted(re.findall(r"`([a-z0-9_]+)`", row)) == citing, f"docs/rules.md's row for ¶{source.paragraph} is stale"


def _dated_items() -> list[tuple[str, str, str | None]]:
    """(file, name, review_by) of every dated platform fact, route, market entry and cost table of the shipped rule book."""
    book = load_rulebook()
    items: list[tuple[str, str, str | None]] = [
        ("platforms.toml", f"{platform.id}.{fact.name}", fact.review_by)
        for platform in book.platforms.values()
        for fact in platform.facts.values()
    ]
    items += [("routes.toml", f"route.{route.id}", route.review_by) for route in book.routes]
    items += [("routes.toml", f"presence.{key}", presence.review_by) for key, presence in book.presence.items()]
    costs = book.costs
    items += [("landed.toml", f"customs.{c.id}", c.review_by) for c in costs.customs]
    items += [("landed.toml", f"terms.{t.route}", t.review_by) for t in costs.terms.values()]
    items += [("landed.toml", f"fee.{f.id}", f.review_by) for f in costs.fees]
    return items


def test_freshness_as_the_rules_page_says_it_of_the_data() -> None:
    # "every one falls within a year of its file's last review (the `reviewed` date in its [meta] header)"
    text = _section(_page("rules.md"), "Freshness")
    assert "within a year of its file's last review" in text and "not derived from the fact's `confidence`" in text
    headers = load_rulebook().headers
    for file, name, review_by in _dated_items():
        reviewed = date.fromisoformat(headers[file].reviewed)
        assert review_by is not None, f"{file}: {name} has no review_by"
        assert reviewed < date.fromisoformat(review_by) <= reviewed + timedelta(days=366), f"{file}: {name}"


def test_lint_judges_freshness_by_the_date_alone_whatever_the_confidence(rules_dir: Path) -> None:
    # A low-confidence fact ten years out passes; a high-confidence one a day past its date warns.
    path = rules_dir / "platforms.toml"
    text = path.read_text(encoding="utf-8")
    low = re.search(r'review_by = "([\d-]+)"\n(?:[^\[\n][^\n]*\n)*?confidence = "low"', text)
    high = re.search(r'review_by = "([\d-]+)"\n(?:[^\[\n][^\n]*\n)*?confidence = "high"', text)
    assert low and high
    text = text[: low.start(1)] + "2036-01-01" + text[low.end(1) :]
    high = re.search(r'review_by = "([\d-]+)"\n(?:[^\[\n][^\n]*\n)*?confidence = "high"', text)
    assert high
    today = date(2026, 12, 1)
    path.write_text(text[: high.start(1)] + "2026-11-30" + text[high.end(1) :], encoding="utf-8")
    stale = [f for f in lint(rules_dir, today=today).findings if f.check == "stale-fact"]
    assert len(stale) == 1 and "was due for review on 2026-11-30" in stale[0].message


def test_coverage_is_described_without_a_count_that_goes_stale(shipped_coverage: CoverageReport) -> None:
    text = _section(_page("rules.md"), "`sellerexpert rules ...`: the rule book, and checks on it")
    assert not re.search(r"\d[\d,.]*\s*(?:thousand|million|billion|trillion)", text), "a hard-coded profile count"
    # "Its first line says how many profiles that is (trillions with today's rule book ...)"
    assert "trillions with today's rule book" in text
    report = shipped_coverage
    assert 10**12 <= report.space_size < 10**15
    assert report.to_text().splitlines()[0].startswith(f"Profile space: {report.space_size:,} profiles")


# -- docs/development.md ----------------------------------------------------------------------------


def test_the_development_page_says_what_ci_runs_in_its_order() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    steps = ["apt-get install -y -qq chromium", "pip install -q '.[test]'", "ruff check src tests bench",
             "python -m mypy", "-m slow", "'.[test,dask]'", "tests/batch/test_on_dask.py"]
    assert [ci.index(step) for step in steps] == sorted(ci.index(step) for step in steps)
    said = _section(_page("development.md"), "Tests and CI").split("CI runs `bash .ci/run`", 1)[1]
    words = ["chromium", "'.[test]'", "ruff check src tests bench", "mypy", "marked `slow`", "`dask` extra", "test_on_dask.py"]
    assert [said.index(word) for word in words] == sorted(said.index(word) for word in words)
