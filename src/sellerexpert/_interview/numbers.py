"""The interview's questions for the seller's own numbers: whether they know them, then the few that matter.

Asked only when the numbers could change some platform's advice; the rest are estimated from the
dated tables or shown as needed. The answers build the profile's ``economics`` section
(:class:`sellerexpert._profile.economics.Economics`).

May import: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors` and
:mod:`sellerexpert._profile.economics`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._errors import ProfileError
from .._i18n import N_, _
from .._profile.economics import (
    FULL,
    NUMBERS_BY_NAME,
    SELLER_MEANING,
    SEMI,
    Economics,
    NumberSpec,
    field_path,
    number_value,
    share_value,
)
from .._profile.fields import MODELS
from .answers import classify

KNOWS_NUMBERS_QUESTION = N_(
    "Do you know your unit cost and the prices you expect under each model? "
    "If so I can work out what each route leaves you a month; the rest I estimate from dated tables "
    "or show as needed. (yes or no)"
)
# Chinese sellers answer 是 / 知道; why and quit are the interview's own answer words (classify), in both languages.
_YES = {"yes", "y", "true", "1", "是", "是的", "对", "知道"}
WHY_NUMBERS = N_(
    "Your answers so far leave the advice open on at least one platform: what each route leaves you a month, "
    "after duty and fees, could decide it. Four numbers are enough to start."
)


def ask_economics(ask: Callable[[str], str], tell: Callable[[str], None]) -> Economics | None:
    """Ask for the few numbers that matter most, but only after the seller says they know them.

    The unit cost, the prices under each model, the units a month and the currency: every other
    number is estimated from the dated tables (``rules/landed.toml``) or shown as needed in the
    comparison, never counted as 0. Differences per platform or route (such as Temu's declared
    supply price) go in the profile file. ``quit`` drops the numbers altogether.

    :param ask: shows a prompt and returns the reply (it may raise to leave, e.g. on end of input).
    :param tell: shows a message.
    :returns: the validated numbers, or ``None`` when the seller does not know them or quits.
    """
    tell(_(KNOWS_NUMBERS_QUESTION))
    reply = ask(">").strip().lower()
    if classify(reply) == "why":
        tell(_(WHY_NUMBERS))
        tell(_(KNOWS_NUMBERS_QUESTION))
        reply = ask(">").strip().lower()
    if reply not in _YES:
        return None
    tell(
        _(
            "Four numbers, then I estimate the rest (duty, fees, payouts) from dated tables and mark what is still needed; "
            "quit drops the numbers. Differences per platform go in the profile file."
        )
    )
    data: dict[str, Any] = {}
    unit_cost = NUMBERS_BY_NAME["unit_cost"]
    seller = (
        ("currency", _("Currency label for your amounts (e.g. USD; blank for none)?"), None),
        ("monthly_units", _("Units you expect to sell a month on each platform?"), None),
        ("unit_cost", _(unit_cost.question), unit_cost),
    )
    for name, question, spec in seller:
        answer = _ask_one(ask, tell, question, name, spec, required=name in ("monthly_units", "unit_cost"))
        if answer is _QUIT_SENTINEL:
            return None
        if answer is not None:
            data[name] = answer
    price = NUMBERS_BY_NAME["price"]
    questions = {
        FULL: _("Fully-managed: the supply price the platform would pay you per unit?"),
        SEMI: _("Semi-managed: the retail price you would set per unit (on Temu, the supply price you declare)?"),
    }
    for model in MODELS:
        answer = _ask_one(ask, tell, questions[model], f"{model}.price", price, required=True)
        if answer is _QUIT_SENTINEL:
            return None
        data[model] = {"price": answer}
    return Economics.from_dict(data)


_QUIT_SENTINEL: Any = object()


def _ask_one(
    ask: Callable[[str], str], tell: Callable[[str], None], question: str, where: str, spec: NumberSpec | None, *, required: bool
) -> Any:
    """One answer, checked at once so a mistake is put right while the question is fresh."""
    tell(question)
    while True:
        reply = ask(">").strip()
        if classify(reply) == "quit":
            tell(_("Leaving your own numbers out."))
            return _QUIT_SENTINEL
        if not reply:
            if not required:
                return None
            tell(_("This one is needed for the comparison; please answer, or type quit."))
            continue
        try:
            if spec is not None:
                number_value(spec, reply, field_path(where))
            elif where == "monthly_units":
                Economics.from_dict({"monthly_units": reply})
            elif where == "cost_of_capital":
                share_value(reply, field_path(where), SELLER_MEANING[where], below_one=False)
            elif len(reply) > 12:
                raise ProfileError("expected a short currency label", field=field_path(where))
        except ProfileError as exc:
            allowed = spec.allowed_text if spec else _("again")
            if exc.suggestion:
                tell(
                    _("Sorry, {problem} - did you mean '{suggestion}'? Please answer {allowed}, or quit.").format(
                        problem=exc.problem, suggestion=exc.suggestion, allowed=allowed
                    )
                )
            else:
                tell(_("Sorry, {problem}. Please answer {allowed}, or quit.").format(problem=exc.problem, allowed=allowed))
            continue
        return reply
