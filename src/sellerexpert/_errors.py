"""The errors sellerexpert raises.

Every error is a :class:`SellerExpertError`; callers branch on the type and its
attributes, never on the message text::

    SellerExpertError
    ├── ProfileError      (ValueError)   a seller profile that cannot be used
    ├── RuleBookError     (ValueError)   a rule file that cannot be loaded
    ├── TraceError        (ValueError)   a file that is not a usable trace
    ├── BatchError        (ValueError)   a batch's output or resume state cannot be used
    ├── LanguageError     (ValueError)   a language the advisor does not speak
    ├── ExamplesError     (ValueError)   a folder the shipped examples cannot be copied into
    ├── UnknownRuleError  (LookupError)  no rule with that id in the rule book
    ├── UnknownPlatformError (LookupError) no recommendation for that platform in a result
    └── EngineError       (RuntimeError) the inference itself failed
        └── FiringLimitError             a rule loop hit the firing cap
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._i18n import N_
from ._i18n.messages import Msg, concat


class SellerExpertError(Exception):
    """Root of every error raised by sellerexpert."""


def shown(text: str) -> str:
    """``text`` with control characters (a newline, an escape sequence) written as their escapes, on one line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "


class _FieldPrefix(Msg):
    """``operational_capacity: `` before a problem; in Chinese the field's name with it: ``operational_capacity（运营能力）：``.

    The id stays (it is the key to correct in the file); the name says what it is.
    """

    def translated(self) -> str:
        from ._i18n import current, named

        field = str(self.params["field"])
        if current() == "en":
            return str(self)
        name = named(field)
        return f"{field}（{name}）：" if name != field else f"{field}："


class ProfileError(SellerExpertError, ValueError):
    """A seller profile field is unknown, of the wrong type or out of range.

    :ivar field: the profile field at fault (``None`` when the whole document is).
    :ivar value: the offending value, when there is one.
    :ivar allowed: the values or the shape the field accepts.
    :ivar suggestion: a close known name, for a misspelt field or value.
    :ivar path: the file the profile came from, if any.
    :ivar line: the line in that file, when the parser knows it.
    :ivar problems: every problem found (this error alone, unless a profile had several mistakes).
    """

    def __init__(
        self,
        problem: str,
        *,
        field: str | None = None,
        value: object = None,
        allowed: Sequence[str] | str | None = None,
        suggestion: str | None = None,
        path: Path | str | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem
        self.field = field
        self.value = value
        self.allowed = allowed
        self.suggestion = suggestion
        self.path = path
        self.line = line
        self.problems: tuple[ProfileError, ...] = (self,)
        super().__init__(self._message())

    @classmethod
    def several(cls, problems: Sequence[ProfileError]) -> ProfileError:
        """One error standing for every problem found in a profile, so the seller can fix them all at once.

        Its attributes are the first problem's; :attr:`problems` holds them all,
        and the message lists each on its own line.
        """
        first = problems[0]
        if len(problems) == 1:
            return first
        error = cls(
            first.problem,
            field=first.field,
            value=first.value,
            allowed=first.allowed,
            suggestion=first.suggestion,
            path=first.path,
            line=first.line,
        )
        error.problems = tuple(problems)
        where = f"{first.path}: " if first.path is not None else ""
        listed = [concat("\n  ", p.args[0] if p.args else str(p)) for p in problems]
        error.args = (concat(where, Msg(N_("{count} problems:"), count=len(problems)), *listed),)
        return error

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self._message()

    def _message(self) -> Msg:
        # English as the error's text; the CLI shows it in the language in force (see _messages).
        parts: list[object] = [_where(self.path, self.line)]
        if self.field is not None:
            parts.append(_FieldPrefix("{field}: ", field=self.field))
        parts.append(self.problem)
        if self.suggestion:
            parts.append(Msg(N_(" - did you mean '{suggestion}'?"), suggestion=self.suggestion))
        if self.allowed:
            allowed = self.allowed if isinstance(self.allowed, str) else ", ".join(self.allowed)
            if allowed not in self.problem:  # "'huge' is not one of low, medium, high" says it already
                parts.append(Msg(N_(" (allowed: {allowed})"), allowed=allowed))
        return concat(*parts)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (batch worker processes send errors back): the attributes, not only the message.
        details: dict[str, Any] = {"field": self.field, "value": self.value, "allowed": self.allowed,
                   "suggestion": self.suggestion, "path": self.path, "line": self.line}
        return (functools.partial(ProfileError, self.problem, **details), ())

    def located(self, path: Path | str | None = None, *, line: int | None = None) -> ProfileError:
        """Return a copy of this error that names the file (and line) it came from."""
        if len(self.problems) > 1:
            return ProfileError.several([p.located(path) for p in self.problems])
        return ProfileError(
            self.problem,
            field=self.field,
            value=self.value,
            allowed=self.allowed,
            suggestion=self.suggestion,
            path=path if path is not None else self.path,
            line=line if line is not None else self.line,
        )


class RuleBookError(SellerExpertError, ValueError):
    """A rule file is malformed or inconsistent with the rest of the rule book.

    :ivar path: the rule file at fault.
    :ivar rule_id: the rule at fault, when one is.
    :ivar field: the key inside the rule (or file) at fault.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = path
        self.rule_id = rule_id
        self.field = field
        parts: list[object] = [_where(path, None)]
        if rule_id is not None:
            parts.append(Msg(N_("rule '{rule}': "), rule=shown(str(rule_id))))
        if field is not None:
            parts.append(f"{field}: ")
        super().__init__(concat(*parts, problem))


class TraceError(SellerExpertError, ValueError):
    """A file or object is not a trace this version can read.

    :ivar path: the file at fault, if any.
    :ivar field: the JSON path inside the trace at fault, if known.
    """

    def __init__(self, problem: str, *, path: Path | str | None = None, field: str | None = None) -> None:
        self.problem = problem
        self.path = path
        self.field = field
        where = _where(path, None) + (f"{field}: " if field else "")
        super().__init__(concat(where, problem))


class BatchError(SellerExpertError, ValueError):
    """A batch cannot write its output or traces, or cannot resume from an earlier run's partial output.

    :ivar path: the file or folder at fault.
    :ivar field: the key at fault inside that file (a resume state file's ``bytes``...), if one is.
    :ivar suggestion: what to do about it, when there is something to do.
    """

    def __init__(
        self, problem: str, *, path: Path | str | None = None, field: str | None = None, suggestion: str | None = None
    ) -> None:
        self.problem = problem
        self.path = path
        self.field = field
        self.suggestion = suggestion
        where = _where(path, None) + (f"{field}: " if field else "")
        super().__init__(concat(where, problem, *(("; ", suggestion) if suggestion else ())))


class ExamplesError(SellerExpertError, ValueError):
    """The shipped examples cannot be copied into a folder: it is a file, already holds them, or cannot be written.

    :ivar path: the folder (or the file in it) at fault.
    :ivar problem: what is wrong with it.
    :ivar suggestion: what to do about it.
    """

    def __init__(self, problem: object, *, path: Path | str, suggestion: object = None) -> None:
        self.problem = problem
        self.path = path
        self.suggestion = suggestion
        super().__init__(concat(_where(shown(str(path)), None), problem, *(("; ", suggestion) if suggestion else ())))


class EngineError(SellerExpertError, RuntimeError):
    """The inference engine failed while reasoning (a bug or a broken rule pack)."""


class FiringLimitError(EngineError):
    """The rules kept firing past the cap: a rule loop.

    :ivar limit: the cap that was reached.
    :ivar last_rules: the ids of the last rules that fired, to find the loop.
    """

    def __init__(self, limit: int, last_rules: Sequence[str]) -> None:
        self.limit = limit
        self.last_rules = tuple(last_rules)
        super().__init__(
            Msg(
                N_("the rules fired {limit} times without settling (a rule loop?); last rules fired: {rules}"),
                limit=limit,
                rules=", ".join(self.last_rules) or Msg(N_("none")),
            )
        )


class LanguageError(SellerExpertError, ValueError):
    """A language the advisor does not speak was asked for (``--lang``, ``lang=``, ``SELLEREXPERT_LANG``).

    :ivar lang: the language asked for.
    :ivar allowed: the languages the advisor speaks.
    """

    def __init__(self, lang: str) -> None:
        from ._i18n import LANGS, _

        self.lang = lang
        self.allowed = LANGS
        super().__init__(
            _("language {lang} is not one the advisor speaks (allowed: {allowed})").format(
                lang=repr(lang), allowed=", ".join(LANGS)
            )
        )


class UnknownRuleError(SellerExpertError, LookupError):
    """No rule with this id in the rule book (``RuleBook.rule``, ``rules show``).

    :ivar rule_id: the id asked for.
    :ivar suggestion: the closest known id, if one is close.
    :ivar close: up to three close known ids, closest first.
    """

    def __init__(self, rule_id: str, *, directory: object, close: Sequence[str] = ()) -> None:
        self.rule_id = rule_id
        self.close = tuple(close)
        self.suggestion = self.close[0] if self.close else None
        message = Msg(N_("no rule '{rule}' in {directory}"), rule=rule_id, directory=str(directory))
        if self.close:
            message = concat(message, Msg(N_(" - did you mean {names}?"), names=", ".join(self.close)))
        super().__init__(message)


class UnknownPlatformError(SellerExpertError, LookupError):
    """A result was asked for a platform the consultation did not cover.

    :ivar platform: the platform asked for.
    :ivar asked: the platforms the consultation covered.
    """

    def __init__(self, platform: str, asked: Sequence[str]) -> None:
        self.platform = platform
        self.asked = tuple(asked)
        super().__init__(
            Msg(N_("no recommendation for '{platform}' (asked: {asked})"), platform=platform, asked=", ".join(self.asked))
        )
