"""Explanations of a trace: :func:`explain`, and the :class:`Explanation` it returns.

An explanation says, per platform, HOW the recommendation was derived
(:mod:`sellerexpert._explain.how`) and WHY NOT the other model
(:mod:`sellerexpert._explain.whynot`); it renders as text or Markdown
(:mod:`sellerexpert._explain.render`), as JSON, and as a DOT graph
(:mod:`sellerexpert._explain.dot`).

Every word for people is in the language in force when :func:`explain` runs (the trace itself is
always English): rule texts come from today's rule book in that language whenever it still says
what the trace recorded, else the recorded English is shown (:mod:`sellerexpert._explain.words`).

May import: the ``_explain_*`` modules, the trace, the profile, i18n; the advisor (the shipped
rule book when none is given) only inside :func:`explain`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._i18n import _, current
from .._language import use
from .._profile.profile import SellerProfile
from .._records import Key, Record
from .._results.trace import Trace
from . import render
from .dot import dot as derivation_graph
from .how import PlatformExplanation, platform_explanation
from .whynot import WhyNot, counterfactuals
from .words import RuleTexts

if TYPE_CHECKING:
    from .._advisor import Advisor


@dataclass(frozen=True)
class Explanation(Record, keys=(Key("profile", via=dict), "platforms", "notes")):
    """The explanation of one consultation: a :class:`PlatformExplanation` per platform, in the profile's order.

    :ivar notes: caveats about the explanation itself (e.g. the rule book changed since the trace).
    :ivar lang: the language its words are in (``None``: the language in force when it is rendered).
    """

    profile: Mapping[str, Any]
    platforms: tuple[PlatformExplanation, ...]
    notes: tuple[str, ...]
    trace: Trace = field(repr=False)
    lang: str | None = None

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        """A text tree per platform, then its caveats and the why-not answer."""
        with use(self.lang):
            return render.text(self.platforms, self.notes)

    def to_markdown(self) -> str:
        """A section per platform: the derivation as nested bullets, caveats, and why not the other model."""
        with use(self.lang):
            return render.markdown(self.platforms, self.notes)

    def to_dot(self) -> str:
        """The derivation as a Graphviz DOT digraph: facts, rules, conclusions, decisions and recommendations."""
        with use("en"):  # see sellerexpert._explain.dot: Graphviz input stays English
            return derivation_graph(self.trace)


def explain(
    trace: Trace | Mapping[str, Any] | str | Path,
    advisor: Advisor | None = None,
    *,
    why_not: bool = True,
    max_fields: int = 2,
    lang: str | None = None,
    exclude: Collection[str] = (),
) -> Explanation:
    """Explain a consultation from its trace.

    :param trace: a trace file, a parsed trace document or a :class:`Trace`.
    :param advisor: today's rule book, used for the why-not search (the shipped one when ``None``).
    :param why_not: search for counterfactuals (consults the engine many times).
    :param max_fields: the most fields a counterfactual may change.
    :param lang: the language of the explanation's words (``None``: the language in force).
    :param exclude: profile fields the why-not search leaves alone (the web page leaves out registering a
        company abroad, which a one-person shop cannot act on).
    :raises TraceError: when ``trace`` is not a trace.
    :raises LanguageError: for a language the advisor does not speak.
    """
    with use(lang):
        return _explain(trace, advisor, why_not=why_not, max_fields=max_fields, lang=current(), exclude=exclude)


def _explain(
    trace: Trace | Mapping[str, Any] | str | Path,
    advisor: Advisor | None,
    *,
    why_not: bool,
    max_fields: int,
    lang: str,
    exclude: Collection[str] = (),
) -> Explanation:
    loaded = Trace.load(trace)
    if advisor is None:
        from .._advisor import Advisor

        advisor = Advisor()
    notes: list[str] = []
    same_rules = loaded.fingerprint.get("rulebook") == advisor.rules.fingerprint
    answers: dict[str, WhyNot] = {}
    if why_not:
        profile = SellerProfile.from_dict(loaded.profile)
        found = counterfactuals(advisor, profile, max_fields=max_fields, exclude=exclude)
        answers = {p: replace(w, lang=lang) for p, w in found.items()}
        if not same_rules:
            notes.append(_("the rule book changed since this trace was made: the why-not answers use today's rules"))
        baseline = {r.platform: r.model for r in advisor.consult(profile, engine="compiled").recommendations}
        for rec in loaded.result.get("recommendations", []):
            if baseline.get(rec["platform"]) != rec["model"]:
                notes.append(
                    _(
                        "today's rules recommend {now} on {platform}, not {then}: run `sellerexpert audit` on this trace"
                    ).format(now=baseline.get(rec["platform"]), platform=rec["platform"], then=rec["model"])
                )
    conditions = {r.id: r for r in advisor.rules.rules} if same_rules else {}
    texts = RuleTexts(loaded, advisor.rules, lang)
    platforms = tuple(
        platform_explanation(loaded, rec, answers.get(rec["platform"]), conditions, texts)
        for rec in loaded.result.get("recommendations", [])
    )
    return Explanation(profile=loaded.profile, platforms=platforms, notes=tuple(notes), trace=loaded, lang=lang)
