"""sellerexpert: explained advice on fully-managed vs semi-managed selling on Temu, AliExpress and TikTok Shop.

Quick use::

    from sellerexpert import Advisor, SellerProfile
    result = Advisor().consult(SellerProfile(operational_capacity="low", fee_sensitivity="high"))
    result.recommendations[0].model   # "fully-managed" or "semi-managed"
"""

from ._version import __version__
from .advisor import Advisor, ExampleFailure
from .auditing import AuditReport, audit
from .errors import EngineError, FiringLimitError, ProfileError, RuleBookError, SellerExpertError, TraceError
from .explanation import Explanation, explain
from .profile import FIELDS, MODELS, PLATFORMS, FieldSpec, SellerProfile
from .result import Assumption, Best, Caveat, ConsultationResult, PlatformFactUsed, Reason, Recommendation
from .rulebook import RuleBook, load_rulebook
from .trace import Firing, Trace

__all__ = [
    "Advisor",
    "Assumption",
    "AuditReport",
    "Best",
    "Caveat",
    "ConsultationResult",
    "EngineError",
    "ExampleFailure",
    "Explanation",
    "FIELDS",
    "FieldSpec",
    "Firing",
    "FiringLimitError",
    "MODELS",
    "PLATFORMS",
    "PlatformFactUsed",
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
    "explain",
    "load_rulebook",
]
