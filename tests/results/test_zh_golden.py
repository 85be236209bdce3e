"""The Chinese report of every shipped example, as reviewed by reading it (tests/golden/zh/*.txt).

A change to a rule's Chinese, to the report's words or to the advice shows up here as a diff to
read. After reviewing it, rewrite the files with ``SELLEREXPERT_UPDATE_GOLDEN=1 python -m pytest
tests/results/test_zh_golden.py`` and commit them with the change.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from conftest import EXAMPLES
from sellerexpert import Advisor, SellerProfile
from sellerexpert import render_report as render
from zh_text import english_runs

GOLDEN = Path(__file__).parents[1] / "golden" / "zh"
# The day the golden files were read: which platform facts are due for review depends on it.
REVIEWED = date(2026, 11, 25)
PROFILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json", ".toml"))


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_the_chinese_report_is_the_one_reviewed(advisor: Advisor, path: Path) -> None:
    result = advisor.consult(SellerProfile.from_file(path), lang="zh", engine="compiled")
    text = render(result, "text", today=REVIEWED)
    golden = GOLDEN / f"{path.stem}.txt"
    if os.environ.get("SELLEREXPERT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"the Chinese report of {path.name} changed: read the diff"


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("output", ["text", "markdown"])
def test_no_english_sentence_with_every_detail(advisor: Advisor, path: Path, output: str) -> None:
    result = advisor.consult(SellerProfile.from_file(path), lang="zh", engine="compiled")
    text = render(result, output, details=True, today=REVIEWED)
    assert "建议" in text
    assert not english_runs(text, (result.profile.name or "",)), english_runs(text, (result.profile.name or "",))
