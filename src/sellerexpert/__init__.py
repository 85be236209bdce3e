"""sellerexpert: explained advice on fully-managed vs semi-managed selling on Temu, AliExpress and TikTok Shop.

Quick use::

    from sellerexpert import Advisor, SellerProfile
    result = Advisor().consult(SellerProfile(operational_capacity="low", fee_sensitivity="high"))
    result.recommendations[0].model   # "fully-managed" or "semi-managed"
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._version import __version__

if _TYPE_CHECKING:
    from ._advisor import Advisor, ExampleFailure
    from ._audit.audit import audit, audit_paths
    from ._audit.report import AuditReport
    from ._batch.batch import BatchInterrupted, CsvWriter, JsonLinesWriter
    from ._batch.batch import Summary as BatchSummary
    from ._batch.batch import run as run_batch
    from ._batch.batch import score_to as score_batch
    from ._cli.cli import cli
    from ._economics.catalogue import (
        Catalogue,
        CatalogueStream,
        FailedProduct,
        Placement,
        ProductAdvice,
        ProductMention,
        RouteShare,
        Split,
        StoreSplit,
    )
    from ._economics.catalogue_report import render as render_catalogue
    from ._economics.catalogue_report import write_chart as write_catalogue_chart
    from ._economics.margin_report import render as render_margins
    from ._economics.margin_report import write_chart
    from ._economics.margins import (
        BreakEvens,
        MarginComparison,
        MarginLine,
        ModelMargin,
        NeededNumber,
        PlatformMargin,
        Provenance,
        Scenario,
        compare_margins,
    )
    from ._errors import (
        BatchError,
        EngineError,
        ExamplesError,
        FiringLimitError,
        LanguageError,
        ProfileError,
        RuleBookError,
        SellerExpertError,
        TraceError,
        UnknownPlatformError,
        UnknownRuleError,
    )
    from ._explain.explain import Explanation, explain
    from ._files.examples import Example, copy_examples, example_files
    from ._interview.dialogue import ask_own_numbers
    from ._interview.dialogue import conduct as conduct_interview
    from ._interview.interview import Interview
    from ._interview.questions import Question
    from ._language import use as use_language
    from ._profile.economics import Economics
    from ._profile.profile import FIELDS, MODELS, PLATFORMS, FieldSpec, SellerProfile
    from ._profile.rows import RowReader
    from ._results.report import render as render_report
    from ._results.result import (
        Assumption,
        Best,
        Caveat,
        ConsultationResult,
        MarketAdvice,
        PlatformFactUsed,
        Reason,
        Recommendation,
    )
    from ._results.trace import Firing, Trace
    from ._review.coverage import CoverageReport, coverage
    from ._review.lint import DueFact, LintFinding, LintReport, due_facts, lint
    from ._review.rules_view import render_rule, rule_details
    from ._rulebook.loader import load_rulebook, shipped_rules_dir
    from ._rulebook.rulebook import RuleBook
    from ._rulebook.schema import json_schema

# Names are imported on first use (PEP 562), so `import sellerexpert` and `sellerexpert --version`
# stay cheap: the rule book, its schema validator and Experta load only when something needs them.
# Every module is private (`_name.py`): these names, and `__version__`, are the whole public API
# (tests/api/test_exported_members.py holds us to it). The subpackages `sellerexpert.web` and
# `sellerexpert.on_dask` need optional extras and are public as modules.
_EXPORTS: dict[str, tuple[str, str]] = {
    "audit_paths": ("_audit.audit", "audit_paths"),
    "use_language": ("_language", "use"),
    "Advisor": ("_advisor", "Advisor"),
    "Assumption": ("_results.result", "Assumption"),
    "audit": ("_audit.audit", "audit"),
    "AuditReport": ("_audit.report", "AuditReport"),
    "BatchError": ("_errors", "BatchError"),
    "BatchSummary": ("_batch.batch", "Summary"),
    "BatchInterrupted": ("_batch.batch", "BatchInterrupted"),
    "Best": ("_results.result", "Best"),
    "Caveat": ("_results.result", "Caveat"),
    "Catalogue": ("_economics.catalogue", "Catalogue"),
    "CatalogueStream": ("_economics.catalogue", "CatalogueStream"),
    "FailedProduct": ("_economics.catalogue", "FailedProduct"),
    "Placement": ("_economics.catalogue", "Placement"),
    "ProductAdvice": ("_economics.catalogue", "ProductAdvice"),
    "ProductMention": ("_economics.catalogue", "ProductMention"),
    "RouteShare": ("_economics.catalogue", "RouteShare"),
    "Split": ("_economics.catalogue", "Split"),
    "StoreSplit": ("_economics.catalogue", "StoreSplit"),
    "render_catalogue": ("_economics.catalogue_report", "render"),
    "write_catalogue_chart": ("_economics.catalogue_report", "write_chart"),
    "cli": ("_cli.cli", "cli"),
    "compare_margins": ("_economics.margins", "compare_margins"),
    "ConsultationResult": ("_results.result", "ConsultationResult"),
    "coverage": ("_review.coverage", "coverage"),
    "CoverageReport": ("_review.coverage", "CoverageReport"),
    "CsvWriter": ("_batch.batch", "CsvWriter"),
    "due_facts": ("_review.lint", "due_facts"),
    "DueFact": ("_review.lint", "DueFact"),
    "Economics": ("_profile.economics", "Economics"),
    "EngineError": ("_errors", "EngineError"),
    "Example": ("_files.examples", "Example"),
    "example_files": ("_files.examples", "example_files"),
    "ExamplesError": ("_errors", "ExamplesError"),
    "copy_examples": ("_files.examples", "copy_examples"),
    "ExampleFailure": ("_advisor", "ExampleFailure"),
    "explain": ("_explain.explain", "explain"),
    "Explanation": ("_explain.explain", "Explanation"),
    "FIELDS": ("_profile.profile", "FIELDS"),
    "FieldSpec": ("_profile.profile", "FieldSpec"),
    "Firing": ("_results.trace", "Firing"),
    "FiringLimitError": ("_errors", "FiringLimitError"),
    "Interview": ("_interview.interview", "Interview"),
    "ask_own_numbers": ("_interview.dialogue", "ask_own_numbers"),
    "conduct_interview": ("_interview.dialogue", "conduct"),
    "json_schema": ("_rulebook.schema", "json_schema"),
    "JsonLinesWriter": ("_batch.batch", "JsonLinesWriter"),
    "LanguageError": ("_errors", "LanguageError"),
    "lint": ("_review.lint", "lint"),
    "LintFinding": ("_review.lint", "LintFinding"),
    "LintReport": ("_review.lint", "LintReport"),
    "load_rulebook": ("_rulebook.loader", "load_rulebook"),
    "shipped_rules_dir": ("_rulebook.loader", "shipped_rules_dir"),
    "rule_details": ("_review.rules_view", "rule_details"),
    "render_rule": ("_review.rules_view", "render_rule"),
    "MarginComparison": ("_economics.margins", "MarginComparison"),
    "BreakEvens": ("_economics.margins", "BreakEvens"),
    "NeededNumber": ("_economics.margins", "NeededNumber"),
    "Provenance": ("_economics.margins", "Provenance"),
    "Scenario": ("_economics.margins", "Scenario"),
    "MarketAdvice": ("_results.result", "MarketAdvice"),
    "MarginLine": ("_economics.margins", "MarginLine"),
    "ModelMargin": ("_economics.margins", "ModelMargin"),
    "MODELS": ("_profile.profile", "MODELS"),
    "PlatformFactUsed": ("_results.result", "PlatformFactUsed"),
    "PlatformMargin": ("_economics.margins", "PlatformMargin"),
    "PLATFORMS": ("_profile.profile", "PLATFORMS"),
    "ProfileError": ("_errors", "ProfileError"),
    "Question": ("_interview.questions", "Question"),
    "Reason": ("_results.result", "Reason"),
    "Recommendation": ("_results.result", "Recommendation"),
    "render_margins": ("_economics.margin_report", "render"),
    "render_report": ("_results.report", "render"),
    "RowReader": ("_profile.rows", "RowReader"),
    "RuleBook": ("_rulebook.rulebook", "RuleBook"),
    "RuleBookError": ("_errors", "RuleBookError"),
    "run_batch": ("_batch.batch", "run"),
    "score_batch": ("_batch.batch", "score_to"),
    "SellerExpertError": ("_errors", "SellerExpertError"),
    "SellerProfile": ("_profile.profile", "SellerProfile"),
    "Trace": ("_results.trace", "Trace"),
    "TraceError": ("_errors", "TraceError"),
    "UnknownPlatformError": ("_errors", "UnknownPlatformError"),
    "UnknownRuleError": ("_errors", "UnknownRuleError"),
    "write_chart": ("_economics.margin_report", "write_chart"),
}


def __getattr__(name: str) -> _Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'sellerexpert' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{where[0]}", __name__), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Advisor",
    "Assumption",
    "AuditReport",
    "BatchError",
    "BatchInterrupted",
    "BatchSummary",
    "Best",
    "BreakEvens",
    "Catalogue",
    "CatalogueStream",
    "Caveat",
    "ConsultationResult",
    "CoverageReport",
    "CsvWriter",
    "DueFact",
    "Economics",
    "EngineError",
    "Example",
    "ExampleFailure",
    "ExamplesError",
    "Explanation",
    "FIELDS",
    "FailedProduct",
    "FieldSpec",
    "Firing",
    "FiringLimitError",
    "Interview",
    "JsonLinesWriter",
    "LanguageError",
    "LintFinding",
    "LintReport",
    "MODELS",
    "MarginComparison",
    "MarginLine",
    "MarketAdvice",
    "ModelMargin",
    "NeededNumber",
    "PLATFORMS",
    "Placement",
    "PlatformFactUsed",
    "PlatformMargin",
    "ProductAdvice",
    "ProductMention",
    "ProfileError",
    "Provenance",
    "Question",
    "Reason",
    "Recommendation",
    "RouteShare",
    "RowReader",
    "RuleBook",
    "RuleBookError",
    "Scenario",
    "SellerExpertError",
    "SellerProfile",
    "Split",
    "StoreSplit",
    "Trace",
    "TraceError",
    "UnknownPlatformError",
    "UnknownRuleError",
    "__version__",
    "ask_own_numbers",
    "audit",
    "audit_paths",
    "cli",
    "compare_margins",
    "conduct_interview",
    "copy_examples",
    "coverage",
    "due_facts",
    "example_files",
    "explain",
    "json_schema",
    "lint",
    "load_rulebook",
    "render_catalogue",
    "render_margins",
    "render_report",
    "render_rule",
    "rule_details",
    "run_batch",
    "score_batch",
    "shipped_rules_dir",
    "use_language",
    "write_catalogue_chart",
    "write_chart",
]
