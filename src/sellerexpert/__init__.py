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
    from ._audit import audit, audit_paths
    from ._audit_report import AuditReport
    from ._batch import CsvWriter, JsonLinesWriter
    from ._batch import Summary as BatchSummary
    from ._batch import run as run_batch
    from ._catalogue import (
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
    from ._catalogue_report import render as render_catalogue
    from ._catalogue_report import write_chart as write_catalogue_chart
    from ._cli import cli
    from ._coverage import CoverageReport, coverage
    from ._economics import (
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
    from ._economics_input import Economics
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
    from ._examples import Example, copy_examples, example_files
    from ._explain import Explanation, explain
    from ._interview import Interview
    from ._interview_questions import Question
    from ._language import use as use_language
    from ._lint import DueFact, LintFinding, LintReport, due_facts, lint
    from ._margin_report import render as render_margins
    from ._margin_report import write_chart
    from ._profile import FIELDS, MODELS, PLATFORMS, FieldSpec, SellerProfile
    from ._report import render as render_report
    from ._result import (
        Assumption,
        Best,
        Caveat,
        ConsultationResult,
        MarketAdvice,
        PlatformFactUsed,
        Reason,
        Recommendation,
    )
    from ._rows import RowReader
    from ._rulebook import RuleBook
    from ._rulebook_loader import load_rulebook
    from ._schema import json_schema
    from ._trace import Firing, Trace

# Names are imported on first use (PEP 562), so `import sellerexpert` and `sellerexpert --version`
# stay cheap: the rule book, its schema validator and Experta load only when something needs them.
# Every module is private (`_name.py`): these names, and `__version__`, are the whole public API
# (tests/test_exported_members.py holds us to it). The subpackages `sellerexpert.web` and
# `sellerexpert.on_dask` need optional extras and are public as modules.
_EXPORTS: dict[str, tuple[str, str]] = {
    "audit_paths": ("_audit", "audit_paths"),
    "use_language": ("_language", "use"),
    "Advisor": ("_advisor", "Advisor"),
    "Assumption": ("_result", "Assumption"),
    "audit": ("_audit", "audit"),
    "AuditReport": ("_audit_report", "AuditReport"),
    "BatchError": ("_errors", "BatchError"),
    "BatchSummary": ("_batch", "Summary"),
    "Best": ("_result", "Best"),
    "Caveat": ("_result", "Caveat"),
    "Catalogue": ("_catalogue", "Catalogue"),
    "CatalogueStream": ("_catalogue", "CatalogueStream"),
    "FailedProduct": ("_catalogue", "FailedProduct"),
    "Placement": ("_catalogue", "Placement"),
    "ProductAdvice": ("_catalogue", "ProductAdvice"),
    "ProductMention": ("_catalogue", "ProductMention"),
    "RouteShare": ("_catalogue", "RouteShare"),
    "Split": ("_catalogue", "Split"),
    "StoreSplit": ("_catalogue", "StoreSplit"),
    "render_catalogue": ("_catalogue_report", "render"),
    "write_catalogue_chart": ("_catalogue_report", "write_chart"),
    "cli": ("_cli", "cli"),
    "compare_margins": ("_economics", "compare_margins"),
    "ConsultationResult": ("_result", "ConsultationResult"),
    "coverage": ("_coverage", "coverage"),
    "CoverageReport": ("_coverage", "CoverageReport"),
    "CsvWriter": ("_batch", "CsvWriter"),
    "due_facts": ("_lint", "due_facts"),
    "DueFact": ("_lint", "DueFact"),
    "Economics": ("_economics_input", "Economics"),
    "EngineError": ("_errors", "EngineError"),
    "Example": ("_examples", "Example"),
    "example_files": ("_examples", "example_files"),
    "ExamplesError": ("_errors", "ExamplesError"),
    "copy_examples": ("_examples", "copy_examples"),
    "ExampleFailure": ("_advisor", "ExampleFailure"),
    "explain": ("_explain", "explain"),
    "Explanation": ("_explain", "Explanation"),
    "FIELDS": ("_profile", "FIELDS"),
    "FieldSpec": ("_profile", "FieldSpec"),
    "Firing": ("_trace", "Firing"),
    "FiringLimitError": ("_errors", "FiringLimitError"),
    "Interview": ("_interview", "Interview"),
    "json_schema": ("_schema", "json_schema"),
    "JsonLinesWriter": ("_batch", "JsonLinesWriter"),
    "LanguageError": ("_errors", "LanguageError"),
    "lint": ("_lint", "lint"),
    "LintFinding": ("_lint", "LintFinding"),
    "LintReport": ("_lint", "LintReport"),
    "load_rulebook": ("_rulebook_loader", "load_rulebook"),
    "MarginComparison": ("_economics", "MarginComparison"),
    "BreakEvens": ("_economics", "BreakEvens"),
    "NeededNumber": ("_economics", "NeededNumber"),
    "Provenance": ("_economics", "Provenance"),
    "Scenario": ("_economics", "Scenario"),
    "MarketAdvice": ("_result", "MarketAdvice"),
    "MarginLine": ("_economics", "MarginLine"),
    "ModelMargin": ("_economics", "ModelMargin"),
    "MODELS": ("_profile", "MODELS"),
    "PlatformFactUsed": ("_result", "PlatformFactUsed"),
    "PlatformMargin": ("_economics", "PlatformMargin"),
    "PLATFORMS": ("_profile", "PLATFORMS"),
    "ProfileError": ("_errors", "ProfileError"),
    "Question": ("_interview_questions", "Question"),
    "Reason": ("_result", "Reason"),
    "Recommendation": ("_result", "Recommendation"),
    "render_margins": ("_margin_report", "render"),
    "render_report": ("_report", "render"),
    "RowReader": ("_rows", "RowReader"),
    "RuleBook": ("_rulebook", "RuleBook"),
    "RuleBookError": ("_errors", "RuleBookError"),
    "run_batch": ("_batch", "run"),
    "SellerExpertError": ("_errors", "SellerExpertError"),
    "SellerProfile": ("_profile", "SellerProfile"),
    "Trace": ("_trace", "Trace"),
    "TraceError": ("_errors", "TraceError"),
    "UnknownPlatformError": ("_errors", "UnknownPlatformError"),
    "UnknownRuleError": ("_errors", "UnknownRuleError"),
    "write_chart": ("_margin_report", "write_chart"),
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
    "audit",
    "audit_paths",
    "cli",
    "compare_margins",
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
    "run_batch",
    "use_language",
    "write_catalogue_chart",
    "write_chart",
]
