"""What the interview says: a question, the answer to "why do you ask?", and their wording in either language.

Frozen records the interview hands out (:class:`Question`, :class:`Why`, :class:`RuleNeed`), each
rendering itself in the language in force, and the two ways the interview joins words into a
sentence (a list of choices, a list of clauses).

May import: :mod:`sellerexpert._i18n` and :mod:`sellerexpert._profile.profile` (how a value is shown).
Used by the interview's state (:mod:`sellerexpert._interview.interview`), which builds these records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .._i18n import _, current, model_words, shown, tidy


@dataclass(frozen=True)
class Question:
    """One question to put to the seller.

    :ivar number: 1-based position among the questions asked in this interview.
    :ivar allowed: the allowed answers for enumerated fields (empty for open ones).
    :ivar allowed_text: what the field accepts, in words.
    """

    field: str
    text: str
    meaning: str
    allowed: tuple[str, ...]
    allowed_text: str
    number: int

    def render(self) -> str:
        """The question as shown to a person: the question, what it is about, and the allowed answers."""
        if self.field == "platforms":
            answers = _("one or more of temu, aliexpress, tiktok_shop (comma-separated), or all")
        elif self.allowed == ("true", "false"):
            answers = _("yes or no")
        elif self.allowed:
            answers = self._choices()
        else:
            answers = self.allowed_text
        lines = [_("Question {number}: {text}").format(number=self.number, text=self.text)]
        if current() == "en":
            # The field's name is the key of a profile file; a Chinese question says it in words already.
            lines.append("  " + _("({field}: {meaning})").format(field=self.field, meaning=self.meaning))
        lines.append("  " + _("Answer {answers}; or why, unknown, quit.").format(answers=answers))
        return "\n".join(lines)

    @property
    def hint(self) -> str:
        """What the field accepts, as a reminder after a bad answer (the words the seller can type)."""
        if current() != "en" and self.field == "platforms":
            return _("Temu, AliExpress or TikTok Shop")
        if current() == "en" or not self.allowed or self.field == "platforms":
            return self.allowed_text
        if self.allowed == ("true", "false"):
            return _or_list([shown(True), shown(False)])
        return self._choices()

    def _choices(self) -> str:
        """The allowed values as the seller types them, as a list of choices (``low, medium or high``)."""
        return _or_list([shown(value) for value in self.allowed])


@dataclass(frozen=True)
class RuleNeed:
    """A rule that needs an answer: what it checks and what it would conclude.

    :ivar platforms: display names of the unsettled platforms the rule could still decide.
    :ivar via: the field the answer reaches the rule through, when it is an assumption's input.
    :ivar route: the need is a route's term (the statement names the route, not a rule's sentence).
    """

    rule: str
    statement: str
    condition: str
    conclusion: str
    platforms: tuple[str, ...]
    via: str | None = None
    route: bool = False


@dataclass(frozen=True)
class Why:
    """The answer to "why do you ask?" for one field.

    :ivar unsettled: display name of each unsettled platform and the models it could still get.
    :ivar needs: the rules that need this answer and what they would conclude.
    :ivar if_unknown: what happens when the seller answers ``unknown``.
    """

    field: str
    meaning: str
    unsettled: tuple[tuple[str, tuple[str, ...]], ...]
    needs: tuple[RuleNeed, ...]
    if_unknown: str

    def text(self) -> str:
        """The explanation in plain words."""
        if self.field == "platforms":
            return _(
                "Why I ask: the advice is given platform by platform, so this decides which "
                "platforms (Temu, AliExpress, TikTok Shop) I advise on and in what order."
            )
        if current() != "en":
            return self._plain_text()
        lines = [_("Why I ask about {field} ({meaning}):").format(field=self.field, meaning=self.meaning)]
        if self.unsettled:
            still = semicolons(
                _("{platform} could be {models}").format(platform=name, models=_or_list([model_words(m) for m in models]))
                for name, models in self.unsettled
            )
            lines.append("  " + _("The advice is not settled yet: {platforms}.").format(platforms=still))
        if self.needs:
            lines.append("  " + _("These rules need your answer:"))
            for need in self.needs:
                via = _(" (through {field})").format(field=need.via) if need.via else ""
                lines.append(
                    "  - "
                    + _("{rule}{via}: if {condition}, it {conclusion} [{platforms}]").format(
                        rule=need.rule,
                        via=via,
                        condition=need.condition,
                        conclusion=need.conclusion,
                        platforms=", ".join(need.platforms),
                    )
                )
                lines.append("      " + _("\"{statement}\"").format(statement=need.statement))
        lines.append("  " + _("If you answer unknown: {consequence}").format(consequence=self.if_unknown))
        return "\n".join(lines)

    def _plain_text(self) -> str:
        """The explanation without rule ids or conditions: what the answer could change, in the rules' own sentences.

        The English keeps the rule-by-rule form (its tests and users read the ids); a Chinese seller reads
        the sentences the report would show.
        """
        lines = [_("Why I ask ({meaning}):").format(meaning=self.meaning)]
        if self.unsettled:
            still = semicolons(
                _("{platform} could be {models}").format(platform=name, models=_or_list([model_words(m) for m in models]))
                for name, models in self.unsettled
            )
            lines.append("  " + _("The advice is not settled yet: {platforms}.").format(platforms=still))
        statements: dict[str, list[str]] = {}
        for need in self.needs:
            statement = need.statement
            if need.route:
                statement = _("{route}: your answer decides whether you can use it").format(route=need.statement)
            names = statements.setdefault(statement, [])
            names.extend(p for p in need.platforms if p not in names)
        if statements:
            lines.append("  " + _("Your answer bears on:"))
            for statement, platforms in statements.items():
                lines.append("  - " + _("{statement} ({platforms})").format(statement=statement, platforms="、".join(platforms)))
        lines.append("  " + _("If you answer unknown: {consequence}").format(consequence=self.if_unknown))
        return tidy("\n".join(lines))



def _or_list(words: list[str]) -> str:
    """``a, b or c`` in English; in Chinese as Chinese writes a list of choices (a、b或c)."""
    if current() == "en" or len(words) < 2:
        return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
    from babel.lists import format_list

    return format_list(words, style="or", locale="zh_Hans_CN")


def semicolons(clauses: Iterable[str]) -> str:
    """Clauses joined by a semicolon, full-width in Chinese."""
    return ("; " if current() == "en" else "；").join(clauses)
