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
    from .advisor import Advisor, ExampleFailure
    from .auditing import AuditReport, audit
    from .economics import Economics, MarginComparison, MarginLine, ModelMargin, PlatformMargin, compare_margins
    from .errors import BatchError, EngineError, FiringLimitError, ProfileError, RuleBookError, SellerExpertError, TraceError
    from .explanation import Explanation, explain
    from .profile import FIELDS, MODELS, PLATFORMS, FieldSpec, SellerProfile
    from .result import Assumption, Best, Caveat, ConsultationResult, PlatformFactUsed, Reason, Recommendation
    from .rulebook import RuleBook, load_rulebook
    from .trace import Firing, Trace

# Names are imported on first use (PEP 562), so `import sellerexpert` and `sellerexpert --version`
# stay cheap: the rule book, its schema validator and Experta load only when something needs them.
_EXPORTS = {
    "Advisor": "advisor",
    "ExampleFailure": "advisor",
    "AuditReport": "auditing",
    "audit": "auditing",
    "Economics": "economics",
    "MarginComparison": "economics",
    "MarginLine": "economics",
    "ModelMargin": "economics",
    "PlatformMargin": "economics",
    "compare_margins": "economics",
    "BatchError": "errors",
    "EngineError": "errors",
    "FiringLimitError": "errors",
    "ProfileError": "errors",
    "RuleBookError": "errors",
    "SellerExpertError": "errors",
    "TraceError": "errors",
    "Explanation": "explanation",
    "explain": "explanation",
    "FIELDS": "profile",
    "MODELS": "profile",
    "PLATFORMS": "profile",
    "FieldSpec": "profile",
    "SellerProfile": "profile",
    "Assumption": "result",
    "Best": "result",
    "Caveat": "result",
    "ConsultationResult": "result",
    "PlatformFactUsed": "result",
    "Reason": "result",
    "Recommendation": "result",
    "RuleBook": "rulebook",
    "load_rulebook": "rulebook",
    "Firing": "trace",
    "Trace": "trace",
}


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sellerexpert' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Advisor",
    "Assumption",
    "AuditReport",
    "BatchError",
    "Best",
    "Caveat",
    "ConsultationResult",
    "Economics",
    "EngineError",
    "ExampleFailure",
    "Explanation",
    "FIELDS",
    "FieldSpec",
    "Firing",
    "FiringLimitError",
    "MODELS",
    "MarginComparison",
    "MarginLine",
    "ModelMargin",
    "PLATFORMS",
    "PlatformFactUsed",
    "PlatformMargin",
    "ProfileError",
    "Reason",
    "Recommendation",
    "RuleBook",
    "RuleBookError",
    "SellerExpertError",
    "SellerProfile",
    "Trace",
    "TraceError",
    "__version__",
    "audit",
    "compare_margins",
    "explain",
    "load_rulebook",
]
