"""The click building blocks the command line is made of, each speaking the language in force.

The exceptions that set the exit codes (:class:`InputError` 2, :class:`CheckFailed` 1,
:class:`UsageProblem` and :class:`BadValue` 2 with the usage line, :class:`Interrupted` 130),
click's :class:`Choice` with a translated refusal, :class:`FieldValue`, a profile field's
value as a click parameter, checked by its field type, and the help pages in the language in force
(:class:`Command`, :class:`Group`, :class:`HelpOption`: English is click's own page, byte for byte),
and :func:`field_option`, the option that sets a profile field.

Imports: click, :mod:`sellerexpert._i18n`, :mod:`sellerexpert._i18n.messages`, :mod:`sellerexpert._errors` and the
public API (a field's type names the shape of its option; :func:`field_option` builds it).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from .. import _i18n
from .._errors import ProfileError
from .._i18n import N_, _
from .._i18n.messages import spoken

if TYPE_CHECKING:
    from .. import FieldSpec

NEGATED = "no_"
"""The prefix of the parameter a yes/no field's ``--no-...`` option fills (``no_local_warehouse``)."""


def _show_error(message: str, file: IO[Any] | None = None) -> None:
    # click writes "Error: ..." from its own (English) catalogue; ours says it in the language in force.
    # A value or file name quoted in the message may hold escape sequences: shown, never acted on.
    click.echo(_("Error: {message}").format(message=_i18n.printable(message, keep="\n")), file=file, err=True)


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


# click's own usage errors, raised while it parses the command line, in English: said again in the
# language in force (the option and command names are what the user types, and stay).
_CLICK_USAGE = (
    (re.compile(r"No such option: (.+)"), N_("No such option: {name}.")),
    (re.compile(r"No such option '(.+?)'\. Did you mean '(.+?)'\?"), N_("No such option '{name}'. Did you mean '{other}'?")),
    (
        re.compile(r"No such option '(.+?)'\. \(Possible options: (.+)\)"),
        N_("No such option '{name}'. Did you mean one of {other}?"),
    ),
    (re.compile(r"No such option '(.+?)'\."), N_("No such option '{name}'.")),
    (re.compile(r"No such command '(.+?)'\."), N_("No such command '{name}'.")),
    (re.compile(r"Option '(.+?)' requires an argument\."), N_("Option '{name}' requires a value.")),
    (re.compile(r"Option '(.+?)' requires (\d+) arguments\."), N_("Option '{name}' requires {other} values.")),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), N_("Unexpected extra argument(s): {name}.")),
    (re.compile(r"Missing argument '(.+?)'\."), N_("Missing argument '{name}'.")),
    (re.compile(r"Missing option '(.+?)'\."), N_("Missing option '{name}'.")),
    (re.compile(r"Option '(.+?)' does not take a value\."), N_("Option '{name}' does not take a value.")),
)


def said(error: click.UsageError) -> click.UsageError:
    """``error`` as a :class:`UsageProblem` in the language in force when click wrote it in English."""
    if _i18n.current() == "en" or isinstance(error, (UsageProblem, BadValue)):
        return error
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter):
        return error  # a value's type said it (our types speak the language in force)
    message = error.format_message()
    for pattern, template in _CLICK_USAGE:
        found = pattern.fullmatch(message)
        if found is not None:
            groups = found.groups()
            text = _(template).format(name=groups[0], other=groups[1] if len(groups) > 1 else "")
            return UsageProblem(text, ctx=error.ctx)
    return error


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
        """The chosen value (低 is low, as in the interview); a value not among the choices is a :class:`BadValue` naming them."""
        if FieldValue.read is not None and isinstance(value, str) and not value.isascii() and param is not None and param.name:
            value = FieldValue.read(param.name, value)
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

    #: Reads a value written as the interview takes it (美国, 1.2万, 是) as the profile's; set by the CLI.
    read: ClassVar[Callable[[str, str], str] | None] = None

    def __init__(self, spec: FieldSpec) -> None:
        self.field_type = spec.type
        self.field = spec.name
        self.name = spec.type.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The value as given (a Chinese one as the interview reads it: ``--target-market 美国`` is US);
        a value the field refuses is a :class:`BadValue` with a hint and what is allowed."""
        if FieldValue.read is not None and isinstance(value, str) and not value.isascii():
            value = FieldValue.read(self.field, value)
        try:
            self.field_type.convert(self.field, value)
        except ProfileError as exc:
            raise BadValue(self.field_type.refusal(exc), ctx=ctx, param=param) from None
        return value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        """The allowed values that start with what was typed."""
        from click.shell_completion import CompletionItem

        return [CompletionItem(v) for v in self.field_type.allowed if v.startswith(incomplete)]


# ---------------------------------------------------------------- help in the language in force

# click's own words on every help page; click marks them for its own (absent) catalogue, so they are
# marked again here to be translated through ours. English output is click's, byte for byte.
_CLICK_WORDS = (N_("Show this message and exit."), N_("Show the version and exit."))


def _short_help(text: str, limit: int) -> str:
    # click's shortening cuts English at the first ". "; Chinese has no spaces, so cut at the first
    # full stop (or colon) and, past the limit, at the limit in columns with an ellipsis.
    first = text.strip().split("\n\n")[0].replace("\n", "")
    for stop in ("。", "：", "；"):
        if stop in first:
            first = first.split(stop)[0]
    if _i18n.width(first) <= limit:
        return first
    out = ""
    for char in first:
        if _i18n.width(out + char) > limit - 3:
            break
        out += char
    return out + "..."


class HelpOption(click.Option):
    """click's Option whose help is shown in the language in force.

    ``help_words``, when given, makes the translated help (a profile field's option builds its
    sentence from the field's meaning); otherwise the help itself is the message looked up.
    """

    def __init__(self, *args: Any, help_words: Callable[[], str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_words = help_words

    def translated_help(self) -> str | None:
        """The option's help in the language in force."""
        if self.help_words is not None and _i18n.current() != "en":
            return self.help_words()
        return _(self.help) if self.help else self.help


def _help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """``param``'s help row, its help (and click's ``[default: ...]``) in the language in force."""
    if _i18n.current() == "en" or not isinstance(param, click.Option):
        return param.get_help_record(ctx)
    saved = param.help
    param.help = param.translated_help() if isinstance(param, HelpOption) else (_(saved) if saved else saved)
    try:
        record = param.get_help_record(ctx)
    finally:
        param.help = saved
    if record is None:
        return None
    names, text = record
    # click appends "  [default: x; required]" in English: say it in full-width brackets, which a
    # Chinese line never breaks after.
    if text.endswith("]"):
        head, bracket, extra = text[:-1].rpartition("[")
        if bracket and (not head or head.endswith("  ")):
            extra = extra.replace("default: ", _("default: ")).replace("required", _("required"))
            # click's range "x>=1" is a formula, not words: 不小于 1
            extra = re.sub(r"x>=(\S+)", lambda m: _("at least {value}").format(value=m.group(1)), extra)
            text = f"{head.rstrip()}（{extra}）"
    return names, text


# The usage line's placeholders, said in the language in force ("sellerexpert consult [选项]").
_USAGE_WORDS = {"[OPTIONS]": N_("[OPTIONS]"), "COMMAND [ARGS]...": N_("COMMAND [ARGS]...")}


@contextlib.contextmanager
def _section(formatter: click.HelpFormatter, title: str) -> Iterator[None]:
    """click's ``formatter.section``; in Chinese its heading ends with a full-width colon (选项：), as 用法： does."""
    if _i18n.current() == "en":
        with formatter.section(title):
            yield
        return
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{title}：\n")
    with formatter.indentation():
        yield


def _write_text(formatter: click.HelpFormatter, text: str) -> None:
    # click's write_text counts characters, not columns, so Chinese overflows the width: wrap each
    # paragraph by columns instead, keeping a paragraph that starts with \b (the examples) as written.
    indent = " " * formatter.current_indent
    columns = max(formatter.width - formatter.current_indent, 11)
    blocks = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            blocks.append("\n".join(indent + line for line in paragraph[1:].lstrip("\n").splitlines()))
        else:
            joined = " ".join(line.strip() for line in paragraph.splitlines())
            blocks.append("\n".join(_i18n.wrap(_i18n.tidy(joined), columns, initial=indent, subsequent=indent)))
    formatter.write("\n\n".join(blocks) + "\n")


def _write_dl(formatter: click.HelpFormatter, rows: list[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
    # click's write_dl, measuring and wrapping the help column by terminal columns (see _write_text).
    first_col = min(max(_i18n.width(first) for first, _second in rows), col_max) + col_spacing
    margin = " " * (first_col + formatter.current_indent)
    for first, second in rows:
        formatter.write(" " * formatter.current_indent + first)
        if not second:
            formatter.write("\n")
            continue
        if _i18n.width(first) <= first_col - col_spacing:
            formatter.write(" " * (first_col - _i18n.width(first)))
        else:
            formatter.write("\n" + margin)
        lines = _i18n.wrap(second, max(formatter.width - first_col - 2, 10))
        formatter.write(lines[0] + "\n" + "".join(margin + line + "\n" for line in lines[1:]))


def _write_rows(formatter: click.HelpFormatter, rows: list[tuple[str, str]]) -> None:
    """Option or command rows: click's own layout in English, laid out by columns otherwise."""
    if _i18n.current() == "en":
        formatter.write_dl(rows)
    else:
        _write_dl(formatter, rows)


class Command(click.Command):
    """A click command whose help page speaks the language in force (English: click's own page).

    Its help text and each option's help are English messages, looked up when the page is shown,
    so the language chosen on the command line (in any position) or by the environment applies.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """click's, its usage errors said in the language in force."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            translated = said(exc)
            if translated is exc:
                raise
            raise translated from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line, its ``Usage:`` and placeholders ("[OPTIONS]") in the language in force."""
        pieces = self.collect_usage_pieces(ctx)
        if _i18n.current() != "en":
            pieces = [_(_USAGE_WORDS[piece]) if piece in _USAGE_WORDS else piece for piece in pieces]
        formatter.write_usage(ctx.command_path, " ".join(pieces), _("Usage: "))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help text, translated."""
        if _i18n.current() == "en" or self.help is None:
            super().format_help_text(ctx, formatter)
            return
        text = inspect.cleandoc(_(self.help)).partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                _write_text(formatter, text)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The one-line help in a group's command list, translated."""
        if _i18n.current() == "en" or not self.help or self.short_help:
            return super().get_short_help_str(limit)
        return _short_help(inspect.cleandoc(_(self.help)), limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, their help translated."""
        rows = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument) and (record := _help_record(param, ctx)) is not None
        ]
        if rows:
            with _section(formatter, _("Options")):
                _write_rows(formatter, rows)


class Group(Command, click.Group):
    """A click group whose help page (and its list of commands) speaks the language in force."""

    command_class = Command
    group_class = type

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """click's, "No such command" said in the language in force."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            translated = said(exc)
            if translated is exc:
                raise
            raise translated from None

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, then the commands."""
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands, each with its one-line help, under a translated heading."""
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with _section(formatter, _("Commands")):
                _write_rows(formatter, rows)


# ---------------------------------------------------------------- profile fields as options

F = TypeVar("F", bound=Callable[..., Any])

_ALONE_MEANS_YES = N_("Alone it means yes; or give yes or no.")
_REPEAT_FOR_SEVERAL = N_("Repeat the option (or separate with commas) for several.")
_SAME_AS_NO = N_("The same as {flag} no.")


def _help(help_text: str, suffix: str | None = None) -> dict[str, Any]:
    """click.option's help arguments: ``help_text`` (then ``suffix``) in English, and how to say it in another language.

    The help sentence is the field's meaning, capitalized, with a full stop (see ``profile_options``),
    so another language says the field's translated meaning; any other sentence is looked up as it is.
    """

    def words() -> str:
        meaning = help_text[:1].lower() + help_text[1:-1] if help_text.endswith(".") else ""
        translated = _(meaning) if meaning else meaning
        sentence = spoken(N_("{meaning}."), meaning=translated) if translated != meaning else _(help_text)
        return sentence + (_(suffix) if suffix is not None else "")

    english = help_text if suffix is None else f"{help_text} {suffix}"
    return {"cls": HelpOption, "help": english, "help_words": words}


def field_option(spec: FieldSpec, help_text: str) -> Callable[[F], F]:
    """The command-line option that sets the field ``spec``, in the shape its type names (``spec.type.option``).

    * ``text``: ``--name TEXT``, taken as given;
    * ``choice``: ``--operational-capacity low``, one of the words, any case, refused in the language in force;
    * ``flag``: ``--local-warehouse`` (yes), ``--local-warehouse yes|no`` as the README promises, and
      ``--no-local-warehouse``;
    * ``number``: ``--monthly-orders N``, checked by the type, so ``1,200`` works here as in a file or the interview;
    * ``list``: a repeatable option whose each value may hold several items: ``--platform temu,aliexpress``.

    :param help_text: the option's help sentence.
    """
    flag, field, field_type = spec.option, spec.name, spec.type
    if field_type.option == "text":
        return click.option(flag, field, metavar="TEXT", **_help(help_text))
    if field_type.option == "choice":
        return click.option(flag, field, type=Choice(field_type.allowed, case_sensitive=False), **_help(help_text))
    if field_type.option == "number":
        return click.option(flag, field, type=FieldValue(spec), metavar="N", **_help(help_text))
    if field_type.option == "list":
        return click.option(
            flag, field, multiple=True, type=FieldValue(spec), metavar=field_type.metavar,
            **_help(help_text, _REPEAT_FOR_SEVERAL),
        )

    def decorate(function: F) -> F:
        function = click.option(
            f"--no-{flag[2:]}", NEGATED + field, is_flag=True, default=False, cls=HelpOption,
            help=_SAME_AS_NO.format(flag=flag), help_words=lambda: _(_SAME_AS_NO).format(flag=flag),
        )(function)
        return click.option(
            flag, field, is_flag=False, flag_value="yes", default=None, type=FieldValue(spec), metavar="[yes|no]",
            **_help(help_text, _ALONE_MEANS_YES),
        )(function)

    return decorate


# ---------------------------------------------------------------- options to profile fields


def given_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """The profile fields set one by one on the command line, as the profile reads them.

    ``options`` maps field names to values as click collects them: ``None`` or ``()`` for a field
    not given, a tuple of texts for a repeatable option (each text may hold several items,
    ``"temu,aliexpress"``: they are flattened into one list), and ``no_<field>`` flags that set a
    yes/no field to false.

    :raises UsageProblem: when a field is given both ways (``--local-warehouse`` and ``--no-local-warehouse``).
    """
    from .. import FIELDS_BY_NAME as specs

    given: dict[str, Any] = {}
    for name, value in options.items():
        if name.startswith(NEGATED) and name not in specs:
            field = name[len(NEGATED) :]
            if value and options.get(field) is not None:
                option = specs[field].option
                raise UsageProblem(
                    _("{option} and {negated} contradict each other: give one.").format(
                        option=option, negated=f"--no-{option[2:]}"
                    )
                )
            if value:
                given[field] = False
            continue
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            value = [part.strip() for item in value for part in item.replace(";", ",").split(",") if part.strip()]
        given[name] = value
    return given
