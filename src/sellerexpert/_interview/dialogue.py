"""The interview's dialogue: put each question, answer why and help, and close, over two callables.

:func:`conduct` runs the question-and-answer loop over an ``ask`` and a ``tell`` callable, so a
terminal, a test script or a chat front end can drive it, and :func:`ask_own_numbers` then asks for the
seller's own numbers where they could change the advice; every sentence it says is marked for
translation, so the dialogue runs in English or Chinese. Both are public (``sellerexpert.conduct_interview``
and ``sellerexpert.ask_own_numbers``).

May import: the interview's state (:mod:`sellerexpert._interview.interview`), its numbers questions
(:mod:`sellerexpert._interview.numbers`), the reading of replies (:mod:`sellerexpert._interview.answers`),
the advisor, the profile, the errors and :mod:`sellerexpert._i18n`.
"""

from __future__ import annotations

from collections.abc import Callable

from .._advisor import Advisor
from .._errors import ProfileError
from .._i18n import N_, _, current, named, ngettext
from .._profile.fields import describe, did_you_mean
from .._profile.profile import SellerProfile
from .answers import classify
from .interview import Interview, numbers_could_change_advice
from .numbers import ask_economics

HELP = N_(
    "Answer each question with one of the values shown. You may also answer:\n"
    "  why      which rules need this answer and what they would conclude\n"
    "  unknown  skip the question; the engine assumes what it can and says so\n"
    "  quit     stop the questions and get advice on what you have told me so far\n"
    "End of input (Ctrl-D) does the same as quit; Ctrl-C leaves without advice."
)
"""The answer to ``help`` (English; shown through ``_()`` in the language in force)."""


def conduct(interview: Interview, ask: Callable[[str], str], tell: Callable[[str], None]) -> bool:
    """Run the interview: put each question worth asking until the advice is settled or the seller quits.

    :param ask: shows a prompt and returns the seller's reply; it raises :class:`EOFError` at end of
        input, which ends the questions like ``quit`` (any other exception leaves the interview).
    :param tell: shows a message to the seller.
    :returns: ``True`` when the interview ran to its end, ``False`` when the seller quit early.
    """
    remaining = len(interview.relevant())
    tell(
        ngettext(
            "I will ask at most {n} question, one at a time, and stop as soon as your answers settle the advice.\n"
            "At any question you may answer why, unknown or quit (help explains).",
            "I will ask at most {n} questions, one at a time, and stop as soon as your answers settle the advice.\n"
            "At any question you may answer why, unknown or quit (help explains).",
            remaining,
        ).format(n=remaining)
    )
    while (question := interview.next_question()) is not None:
        tell("")
        tell(question.render())
        while True:
            try:
                reply = ask(">")
            except EOFError:
                tell("")
                tell(_("End of input: the advice uses what you have told me so far."))
                return False
            kind = classify(reply)
            if kind == "why":
                tell(interview.why(question.field).text())
            elif kind == "help":
                tell(_(HELP))
            elif kind == "quit":
                tell(_("Stopping the questions here; the advice uses what you have told me so far."))
                return False
            elif kind == "unknown":
                tell(_("Skipped: {consequence}").format(consequence=interview.skip(question.field)))
                break
            elif not reply.strip():
                tell(_("Please answer, or type why, unknown or quit."))
            else:
                try:
                    interview.answer(question.field, reply)
                except ProfileError as exc:
                    tell(
                        _("Sorry, {problem}. Please answer {allowed}, or why, unknown, quit.").format(
                            problem=_problem(exc), allowed=question.hint
                        )
                    )
                else:
                    break
    tell("")
    tell(_closing(interview))
    return True


def _problem(exc: ProfileError) -> str:
    if current() != "en" and isinstance(exc.allowed, tuple) and isinstance(exc.value, str) and not exc.suggestion:
        # The values a file takes (low, medium, high) are not what the seller types here (低、中、高):
        # the sentence after the problem lists those.
        return _("{value} is not one of the answers").format(value=describe(exc.value))
    return did_you_mean(exc, in_sentence=True)


def _closing(interview: Interview) -> str:
    left = interview.unasked()
    if not left:
        return _("That was the last question.")
    if not interview.settled():
        return _("No question left could change the advice.")
    return ngettext(
        "The advice for every platform is settled: the {n} remaining question ({names}) could not change it, "
        "so I stop asking. (More answers would only raise the confidence.)",
        "The advice for every platform is settled: the {n} remaining questions ({names}) could not change it, "
        "so I stop asking. (More answers would only raise the confidence.)",
        len(left),
    ).format(n=len(left), names=", ".join(left) if current() == "en" else "、".join(named(f) for f in left))


def ask_own_numbers(
    advisor: Advisor, profile: SellerProfile, ask: Callable[[str], str], tell: Callable[[str], None]
) -> SellerProfile:
    """After the questions, the seller's own numbers: asked only when they could change some platform's advice
    (fees matter to the seller, none were given, and a landed-cost comparison could turn a platform's advice),
    and only if the seller knows them; the rest are estimated from the dated tables.

    :param ask: shows a prompt and returns the reply (end of input, ``EOFError``, leaves the numbers out).
    :param tell: shows a message.
    :returns: the profile with its ``economics`` section, or as it was.
    """
    if not numbers_could_change_advice(advisor, profile):
        return profile
    tell("")
    try:
        own = ask_economics(ask, tell)
    except EOFError:
        return profile  # end of input: advise on the answers so far, as in the questions
    return profile if own is None else profile.with_changes(economics=own)
