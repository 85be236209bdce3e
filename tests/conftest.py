"""Shared fixtures: one Advisor for the shipped rule book (the CLI's too), and a throw-away copy of rules/.

An internal on purpose: the command line builds its advisor in a private session object; the fixture
below hands it the session's advisor instead, so a run does not load the rule book hundreds of times.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Container, Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from sellerexpert import Advisor, CoverageReport, coverage, shipped_rules_dir
from sellerexpert._cli.cli import Session

REPO = Path(__file__).resolve().parents[1]

# No property has a deadline, here or in a test's own settings: speed is measured in bench/. Hypothesis's default
# 200 ms deadline per example and its check on slow data generation fail a test when its process is
# descheduled for a moment, as the default run's workers are on a shared two-core machine. A test's own
# ``@settings`` starts from this profile, since this file is imported before any test module.
settings.register_profile("sellerexpert", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sellerexpert")

MARGIN_RULES: tuple[str, ...] = (
    "own_margin_decisive_fully_managed",
    "own_margin_favours_fully_managed",
    "own_margin_decisive_semi_managed",
    "own_margin_favours_semi_managed",
    "own_margin_leans_fully_managed",
    "own_margin_leans_semi_managed",
    "own_margin_even",
)
"""The rules that fire only on a seller's own numbers (rules/margin.toml), in rule-book order.

Written out rather than read from the rule book, so that the tests that expect them notice a change."""
ROUTE_RULES: tuple[str, ...] = (
    "full_route_closed",
    "semi_route_closed",
    "full_route_unsure",
    "semi_route_unsure",
    "market_unknown",
    "market_weak",
    "own_route_unsure",
)
"""The rules that fire only on the route facts computed for each target market (rules/eligibility.toml), in rule-book order."""
EXAMPLES = REPO / "examples"
PROFILE_EXAMPLES = sorted(path for path in EXAMPLES.iterdir() if path.suffix in (".yaml", ".json", ".toml"))
"""The shipped examples that are seller profiles (``sellers.csv`` is a batch input)."""


SCALES = [pytest.param(0.2, id="sample"), pytest.param(1.0, id="full", marks=pytest.mark.slow)]
"""A property test's share of its examples: a fifth in the default run, all of them in the slow set.

A test parametrised with it runs twice under CI (``.ci/run`` runs the slow set after the default run),
so the default run stays fast and the property is still tried at full scale."""


def scaled(examples: int, share: float) -> int:
    """``share`` of ``examples`` (at least 3, so that a sample still varies every strategy)."""
    return max(3, round(examples * share))


def sampled(values: Iterable[Any], keep: Container[str], *, ids: Callable[[Any], str] = str) -> list[Any]:
    """Each value as a parameter named by ``ids``; those not named in ``keep`` run in the slow set only.

    A case table repeated over every example (every shipped profile, every format) keeps a
    representative few in the default run and every case under ``-m slow`` (``.ci/run`` runs both),
    so no case is lost. A name in ``keep`` that matches no value is a mistake, and fails at collection.
    """
    params = [pytest.param(value, id=ids(value), marks=() if ids(value) in keep else pytest.mark.slow) for value in values]
    missing = set(keep) - {param.id for param in params}
    if missing:
        raise ValueError(f"sampled(): no case named {sorted(missing)}")
    return params


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    """The shipped rule book, compiled once for the whole session."""
    return Advisor()


@pytest.fixture(scope="session")
def shipped_coverage(advisor: Advisor) -> CoverageReport:
    """The shipped rule book's coverage report, worked out once (a few tenths of a second each time).

    For tests that read it or compare a rendering with it; the report is a frozen record, and
    tests/review/test_coverage.py shows that working it out again gives the same bytes."""
    return coverage(advisor)


@pytest.fixture(autouse=True)
def _cli_uses_the_session_advisor(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run through CliRunner use the session's advisor for the shipped rule book.

    Loading and compiling the rule book costs about 0.1 s a command, paid hundreds of times in a
    run; what an advisor keeps between consultations (its advice cache) never changes an output
    (tests/engine/test_evaluator.py proves it), so sharing one changes nothing a command prints.
    A command given ``--rules`` still builds its own, and the commands that run as real processes
    (tests/cli/test_cli_startup.py, the installed entry point) still build theirs as a user's would.
    """

    def shared(session: Session) -> Advisor:
        if session._advisor is None:
            session._advisor = advisor if session.rules_dir is None else Advisor(session.rules_dir)
        return session._advisor

    monkeypatch.setattr(Session, "advisor", property(shared))


@pytest.fixture(autouse=True)
def _no_terminal_size_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without ``COLUMNS`` and ``LINES``, as a command whose output goes to a pipe.

    The CLI wraps text at ``COLUMNS`` when it is set, and the expected outputs are those of a pipe (no
    wrapping). pytest-xdist's workers get ``COLUMNS=80`` and ``LINES=24`` from execnet, and a developer's
    shell may export them: either would wrap the outputs the tests compare. A test of wrapping sets the
    width it wants; the processes a test starts inherit the environment without them too.
    """
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped rules, safe to edit in a test."""
    target = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), target)
    return target


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner whose outcome does not depend on the developer's environment (trace key, NO_COLOR)."""
    monkeypatch.delenv("SELLEREXPERT_TRACE_KEY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()


@pytest.fixture
def examples_dir() -> Path:
    """The example profiles shipped in the repository."""
    return EXAMPLES
