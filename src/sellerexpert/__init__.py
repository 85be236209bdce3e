"""sellerexpert: explained advice on fully-managed vs semi-managed selling on Temu, AliExpress and TikTok Shop.

Quick use::

    from sellerexpert import Advisor, SellerProfile
    result = Advisor().consult(SellerProfile(operational_capacity="low", fee_sensitivity="high"))
    result.recommendations[0].model   # "fully-managed" or "semi-managed"
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._version import __version__ as __version__

# The public API, each name once: the imports below are read by the type checker as they stand, and at run
# time by `_exports()`, which loads each name on first use (PEP 562), so `import sellerexpert` and
# `sellerexpert --version` stay cheap: the rule book, its schema validator and Experta load only when
# something needs them. A name exported under another name than its module's is imported privately and
# bound (`score_batch = _score_batch`): the type checker treats a bound name as exported, and an import
# renamed to a public name as private. Every module is private; these names and `__version__` are the
# whole API (tests/api/test_exported_members.py holds us to it). The subpackages `sellerexpert.web` and
# `sellerexpert.on_dask` need optional extras and are public as modules.
if _TYPE_CHECKING:
    # Exported under a name of their own:
    from ._batch.batch import OUTPUT_FORMATS as _BATCH_FORMATS
    BATCH_FORMATS: tuple[str, ...] = _BATCH_FORMATS
    from ._batch.batch import Scored as _BatchChunk
    BatchChunk = _BatchChunk
    from ._batch.batch import Outcome as _BatchOutcome
    BatchOutcome = _BatchOutcome
    from ._economics.margin_report import chart as _margin_chart
    margin_chart = _margin_chart
    from ._batch.batch import Summary as _BatchSummary
    BatchSummary = _BatchSummary
    from ._economics.catalogue_report import FORMATS as _CATALOGUE_FORMATS
    CATALOGUE_FORMATS: tuple[str, ...] = _CATALOGUE_FORMATS
    from ._economics.catalogue_report import render_xlsx as _catalogue_workbook
    catalogue_workbook = _catalogue_workbook
    from ._interview.dialogue import conduct as _conduct_interview
    conduct_interview = _conduct_interview
    from ._profile.sources import with_given as _merge_profile
    merge_profile = _merge_profile
    from ._economics.catalogue_report import render as _render_catalogue
    render_catalogue = _render_catalogue
    from ._economics.margin_report import render as _render_margins
    render_margins = _render_margins
    from ._results.report import render as _render_report
    render_report = _render_report
    from ._results.report import FORMATS as _REPORT_FORMATS
    REPORT_FORMATS: tuple[str, ...] = _REPORT_FORMATS
    from ._batch.batch import run as _run_batch
    run_batch = _run_batch
    from ._batch.batch import score_to as _score_batch
    score_batch = _score_batch
    from ._language import use as _use_language
    use_language = _use_language
    from ._economics.catalogue_report import write_streamed as _write_catalogue
    write_catalogue = _write_catalogue
    from ._economics.catalogue_report import write_chart as _write_catalogue_chart
    write_catalogue_chart = _write_catalogue_chart

    # Exported under their own names:
    from ._advisor import Advisor as Advisor
    from ._advisor import ExampleFailure as ExampleFailure
    from ._audit.audit import audit as audit
    from ._audit.audit import audit_paths as audit_paths
    from ._audit.report import AuditReport as AuditReport
    from ._batch.batch import BatchInterrupted as BatchInterrupted
    from ._batch.batch import CsvWriter as CsvWriter
    from ._batch.batch import JsonLinesWriter as JsonLinesWriter
    from ._batch.batch import consult_rows as consult_rows
    from ._cli.cli import cli as cli
    from ._economics.catalogue import Catalogue as Catalogue
    from ._economics.catalogue import CatalogueStream as CatalogueStream
    from ._economics.catalogue import FailedProduct as FailedProduct
    from ._economics.catalogue import Placement as Placement
    from ._economics.catalogue import ProductAdvice as ProductAdvice
    from ._economics.catalogue import ProductMention as ProductMention
    from ._economics.catalogue import RouteShare as RouteShare
    from ._economics.catalogue import Split as Split
    from ._economics.catalogue import StoreSplit as StoreSplit
    from ._economics.margin_report import write_chart as write_chart
    from ._economics.margins import BreakEvens as BreakEvens
    from ._economics.margins import MarginComparison as MarginComparison
    from ._economics.margins import MarginLine as MarginLine
    from ._economics.margins import ModelMargin as ModelMargin
    from ._economics.margins import NeededNumber as NeededNumber
    from ._economics.margins import PlatformMargin as PlatformMargin
    from ._economics.margins import Provenance as Provenance
    from ._economics.margins import Scenario as Scenario
    from ._economics.margins import compare_margins as compare_margins
    from ._economics.margins import money_text as money_text
    from ._engine.names import ENGINES as ENGINES
    from ._engine.names import Engine as Engine
    from ._errors import BatchError as BatchError
    from ._errors import EngineError as EngineError
    from ._errors import ExamplesError as ExamplesError
    from ._errors import FiringLimitError as FiringLimitError
    from ._errors import LanguageError as LanguageError
    from ._errors import ProfileError as ProfileError
    from ._errors import RuleBookError as RuleBookError
    from ._errors import SellerExpertError as SellerExpertError
    from ._errors import TraceError as TraceError
    from ._errors import UnknownPlatformError as UnknownPlatformError
    from ._errors import UnknownRuleError as UnknownRuleError
    from ._explain.explain import Explanation as Explanation
    from ._explain.explain import explain as explain
    from ._files.examples import Example as Example
    from ._files.examples import copy_examples as copy_examples
    from ._files.examples import example_files as example_files
    from ._interview.dialogue import ask_own_numbers as ask_own_numbers
    from ._interview.interview import Interview as Interview
    from ._interview.questions import Question as Question
    from ._interview.questions import Why as Why
    from ._profile.economics import Economics as Economics
    from ._profile.profile import FIELDS as FIELDS
    from ._profile.profile import FIELDS_BY_NAME as FIELDS_BY_NAME
    from ._profile.profile import MODELS as MODELS
    from ._profile.profile import PLATFORMS as PLATFORMS
    from ._profile.profile import FieldSpec as FieldSpec
    from ._profile.profile import SellerProfile as SellerProfile
    from ._profile.rows import RowReader as RowReader
    from ._profile.sources import read_profile as read_profile
    from ._results.report import Report as Report
    from ._results.report import build_report as build_report
    from ._results.report import confidence_words as confidence_words
    from ._results.result import Assumption as Assumption
    from ._results.result import Best as Best
    from ._results.result import Caveat as Caveat
    from ._results.result import ConsultationResult as ConsultationResult
    from ._results.result import MarketAdvice as MarketAdvice
    from ._results.result import PlatformFactUsed as PlatformFactUsed
    from ._results.result import Reason as Reason
    from ._results.result import Recommendation as Recommendation
    from ._results.trace import Firing as Firing
    from ._results.trace import Trace as Trace
    from ._review.coverage import CoverageReport as CoverageReport
    from ._review.coverage import coverage as coverage
    from ._review.lint import DueFact as DueFact
    from ._review.lint import LintFinding as LintFinding
    from ._review.lint import LintReport as LintReport
    from ._review.lint import due_facts as due_facts
    from ._review.lint import lint as lint
    from ._review.rules_view import render_rule as render_rule
    from ._review.rules_view import render_rule_list as render_rule_list
    from ._review.rules_view import rule_details as rule_details
    from ._review.rules_view import rule_summaries as rule_summaries
    from ._rulebook.loader import load_rulebook as load_rulebook
    from ._rulebook.loader import shipped_rules_dir as shipped_rules_dir
    from ._rulebook.rulebook import RuleBook as RuleBook
    from ._rulebook.schema import json_schema as json_schema


def _exports() -> dict[str, tuple[str, str]]:
    """Each public name, and the module and name it is loaded from: the imports above, read once."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "_TYPE_CHECKING")
    imported: dict[str, tuple[str, str]] = {}
    exports: dict[str, tuple[str, str]] = {}
    for node in block.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name
                (imported if name.startswith("_") else exports)[name] = (str(node.module), alias.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Name):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            assert isinstance(target, ast.Name)
            exports[target.id] = imported[node.value.id]
    return exports


def __getattr__(name: str) -> _Any:
    if name == "__all__":
        value: _Any = sorted([*_table(), "__version__"])
    else:
        where = _table().get(name)
        if where is None:
            raise AttributeError(f"module 'sellerexpert' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f".{where[0]}", __name__), where[1])
    globals()[name] = value
    return value


_EXPORTS: dict[str, tuple[str, str]] | None = None


def _table() -> dict[str, tuple[str, str]]:
    """The public names, read on first use."""
    global _EXPORTS
    if _EXPORTS is None:
        _EXPORTS = _exports()
    return _EXPORTS


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_table()) | {"__all__"})
