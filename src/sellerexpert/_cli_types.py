"""The click building blocks the command line is made of, each speaking the language in force.

The exceptions that set the exit codes (:class:`InputError` 2, :class:`CheckFailed` 1,
:class:`UsageProblem` and :class:`BadValue` 2 with the usage line, :class:`Interrupted` 130),
click's :class:`Choice` with a translated refusal, and :class:`FieldValue`, a profile field's
value as a click parameter, checked by its field type.

Imports: click, :mod:`._i18n`, :mod:`._errors`; the field types only for type
checking (they import this module when they make their options).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

import click

from . import _i18n
from ._errors import ProfileError
from ._i18n import _

if TYPE_CHECKING:
    from ._fields import FieldType


def _show_error(message: str, file: IO[Any] | None = None) -> None:
    # click writes "Error: ..." from its own (English) catalogue; ours says it in the language in force.
    click.echo(_("Error: {message}").format(message=message), file=file, err=True)


class InputError(click.ClickException):
    """The user's input (a file, a value, an option) cannot be used: exit code 2, like click's usage errors."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message with an ``Error:`` prefix in the language in force."""
        _show_error(self.format_message(), file)


class CheckFailed(click.ClickException):
    """A check did not pass (failed batch rows, an audit that does not reproduce): exit code 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message with an ``Error:`` prefix in the language in force."""
        _show_error(self.format_message(), file)


def _usage_hint(error: click.UsageError, file: IO[Any] | None) -> None:
    # click's UsageError.show, with our own words for the hint (the usage line itself is click's).
    ctx = error.ctx
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = (
                _("Try '{command} {option}' for help.").format(command=ctx.command_path, option=ctx.help_option_names[0]) + "\n"
            )
        click.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=True, color=ctx.color)
    _show_error(error.format_message(), file)


class UsageProblem(click.UsageError):
    """A usage mistake our own checks find (options that contradict each other...): exit code 2, said in the language in force."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the usage, a help hint and the message in the language in force."""
        _usage_hint(self, file)


class BadValue(click.BadParameter):
    """An option's value our own checks refuse: exit code 2, said in the language in force."""

    def format_message(self) -> str:
        """``Invalid value for '--option': why``, in the language in force."""
        if self.param_hint is not None:
            hint = self.param_hint
        elif self.param is not None:
            hint = self.param.get_error_hint(self.ctx)
        else:
            return _("Invalid value: {message}").format(message=self.message)
        return _("Invalid value for {param_hint}: {message}").format(
            param_hint=click.exceptions._join_param_hints(hint), message=self.message
        )

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the usage, a help hint and the message in the language in force."""
        _usage_hint(self, file)


class Interrupted(click.exceptions.Exit):
    """Ctrl-C or end of input: leave quietly with exit code 130 (128 + SIGINT), as shells do."""

    def __init__(self) -> None:
        super().__init__(130)


class Choice(click.Choice):  # type: ignore[type-arg]
    """click's Choice, whose refusal is said in the language in force (click's own message in English)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The chosen value; a value not among the choices is a :class:`BadValue` naming them."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            if _i18n.current() == "en":
                raise
            choices = ", ".join(map(repr, self.choices))
            raise BadValue(
                _("{value} is not one of {choices}.").format(value=repr(value), choices=choices), ctx=ctx, param=param
            ) from None


class FieldValue(click.ParamType[Any, Any]):
    """A profile field's value as typed on the command line, checked by the field's own type.

    The value is checked, not converted: a list field's text may hold several values
    (``temu,aliexpress``), which the profile splits when the options are merged.
    """

    def __init__(self, field_type: FieldType, field: str) -> None:
        self.field_type = field_type
        self.field = field
        self.name = field_type.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The value as given; a value the field refuses is a :class:`BadValue` with a hint and what is allowed."""
        try:
            self.field_type.convert(self.field, value)
        except ProfileError as exc:
            raise BadValue(self.field_type.refusal(exc), ctx=ctx, param=param) from None
        return value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        """The allowed values that start with what was typed."""
        from click.shell_completion import CompletionItem

        return [CompletionItem(v) for v in self.field_type.allowed if v.startswith(incomplete)]
