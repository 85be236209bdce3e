"""The command line: a thin layer over the public API.

Every command parses its options, calls one API function and renders the
answer. Errors are translated in one place (:class:`SellerExpertGroup`): a
user's bad input becomes a click error with exit code 2, a failed check
exits 1, Ctrl-C and end of input exit 130, a closed pipe (``| head -1``) ends
quietly with 141, anything else is a bug and keeps its traceback.

Commands added later hang off :data:`cli` (or the :data:`rules` group), take
the shared advisor with :func:`pass_advisor`, and accept ``--rules`` with
:func:`rules_option`.

The click building blocks (exit-code exceptions, the translated Choice, a field's value as a
parameter) live in :mod:`sellerexpert._cli.params`; each profile field's option is made by its type
(:mod:`sellerexpert._profile.fields`), and a profile is read by :mod:`sellerexpert._profile.sources`.

Imports: click, :mod:`sellerexpert._cli.params`, :mod:`sellerexpert._profile.fields`, :mod:`sellerexpert._profile.profile`,
:mod:`sellerexpert._profile.sources`
and the modules of the commands' API calls (engine, rule book and reports only inside the
command that needs them, so ``--help`` stays fast).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click

from .. import (
    BATCH_FORMATS,
    CATALOGUE_FORMATS,
    FIELDS,
    FIELDS_BY_NAME,
    REPORT_FORMATS,
    BatchChunk,
    BatchError,
    BatchInterrupted,
    BatchSummary,
    FiringLimitError,
    LanguageError,
    ProfileError,
    RowReader,
    RuleBookError,
    SellerProfile,
    TraceError,
    UnknownRuleError,
    _i18n,
    _language,
    merge_profile,
    read_profile,
    score_batch,
)
from .. import (
    ENGINES as _ENGINES,
)
from .. import render_report as render
from .._i18n import N_, _
from .._i18n.messages import say
from .._version import __version__
from .._workers import MAX_WORKERS
from .params import (
    BadValue,
    CheckFailed,
    Choice,
    FieldValue,
    Group,
    InputError,
    Interrupted,
    UsageProblem,
    field_option,
    given_fields,
)

if TYPE_CHECKING:
    # Imported where used: `--help` and `--version` must not load the engine or the rule book.
    from .. import Advisor, Engine

# The engines in the order the help pages list them.
ENGINES = tuple(sorted(_ENGINES))

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SellerExpertGroup(Group):
    """A click group that translates sellerexpert's errors into exit codes and messages."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        # The language a command chose lasts for that command only (tests run many in one process).
        _tolerant_terminal()
        with _language.use(_i18n.current()):
            asked = _language_asked(sys.argv[1:] if args is None else list(args))
            token = _LANG_ON_COMMAND_LINE.set(asked)
            try:
                with contextlib.suppress(LanguageError):
                    _language.set_language(asked or _language.from_environment())
                return super().main(args, *rest, **kwargs)
            finally:
                _LANG_ON_COMMAND_LINE.reset(token)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        # `sellerexpert --help | head -1`: the group's own help and version are printed while parsing.
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            _drop_stdout()
            raise click.exceptions.Exit(CLOSED_PIPE) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ProfileError, RuleBookError, TraceError, BatchError, LanguageError) as exc:
            raise InputError(say(exc)) from None
        except FiringLimitError as exc:
            raise CheckFailed(_("the rule pack did not settle: {problem}").format(problem=say(exc))) from None
        except (KeyboardInterrupt, EOFError, click.Abort):
            click.echo("\n" + _("Interrupted: nothing was written."), err=True)
            raise Interrupted() from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): stop quietly, with the code a shell reports for a
            # tool that SIGPIPE ended (128 + 13), as 130 is for Ctrl-C.
            _drop_stdout()
            raise click.exceptions.Exit(CLOSED_PIPE) from None
        except UnicodeEncodeError as exc:
            encoding = _narrow_stdout_encoding()
            if encoding is None:
                raise  # stdout takes any character: the error is a bug elsewhere
            # stdout is a file or pipe in an encoding that cannot hold the output (a terminal shows '?').
            _drop_stdout()
            raise CheckFailed(
                _("cannot write the output to stdout: its encoding ({encoding}) cannot hold {text}; "
                  "set PYTHONIOENCODING=utf-8").format(encoding=encoding, text=repr(exc.object[exc.start : exc.end][:20]))
            ) from None
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS:
                raise
            # stdout cannot take the output (a full disk, /dev/full, a failing device): say so in one line.
            _drop_stdout()
            raise CheckFailed(_("cannot write the output to stdout ({reason})").format(reason=exc.strerror)) from None


#: The language the last ``--lang`` on the command line asks for (then it chooses, even for a help
#: page shown before that ``--lang`` is parsed); None when the line has none.
_LANG_ON_COMMAND_LINE: ContextVar[str | None] = ContextVar("sellerexpert_lang_on_command_line", default=None)


def _language_asked(args: list[str]) -> str | None:
    """The language ``--lang`` asks for anywhere on the command line, known before click parses anything.

    click runs eager options in command-line order, so ``consult --help --lang zh`` would show the
    help before ``--lang`` is seen: the help page needs the language first. The last ``--lang``
    wins, as click's own parsing does; a value we do not speak is left for the option's own check
    to refuse (here it means none).
    """
    chosen: str | None = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            chosen = args[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    return chosen if chosen in _i18n.LANGS else None


# _lint.MAX_WITHIN_DAYS, written out: importing lint here would load coverage for every `--help`.
_MAX_WITHIN_DAYS = 36_500
MAX_SERVER_WORKERS = 64
"""The most server processes ``serve --workers`` starts (each loads the rule book)."""
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
CLOSED_PIPE = 141
"""The exit code when the reader of stdout went away (``| head -1``): 128 + SIGPIPE, as a shell reports."""


def _tolerant_terminal() -> None:
    """Let a terminal that cannot show a character (a Latin-1 console, Chinese output) show '?' instead of failing.

    Only a terminal: a file or pipe keeps strict encoding, so data is never silently altered (a
    character it cannot hold is one error line, see :meth:`SellerExpertGroup.invoke`).
    """
    stream = sys.stdout
    if not isinstance(stream, io.TextIOWrapper) or stream.errors != "strict":
        return
    try:
        if stream.isatty():
            stream.reconfigure(errors="replace")
    except (OSError, ValueError):
        pass


def _narrow_stdout_encoding() -> str | None:
    """stdout's encoding when it cannot hold every character (Latin-1, cp1252...), else ``None``."""
    import codecs

    encoding = getattr(sys.stdout, "encoding", None)
    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return None
    return None if name.startswith("utf") else str(encoding)


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of unwritable output cannot fail again."""
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return  # not a real file (a test runner's buffer): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


class Session:
    """What every command shares: the rule pack chosen with ``--rules`` and the advisor built from it.

    The advisor is built on first use, once, so ``--help`` never loads rules and
    a subcommand's own ``--rules`` can still choose the pack.
    """

    def __init__(self, rules_dir: Path | None = None) -> None:
        self.rules_dir = rules_dir
        self._advisor: Advisor | None = None

    @property
    def advisor(self) -> Advisor:
        """The advisor for the chosen rule pack (built once).

        :raises RuleBookError: when the rule pack is invalid.
        """
        if self._advisor is None:
            from .. import Advisor

            self._advisor = Advisor(self.rules_dir)
        return self._advisor


pass_session = click.make_pass_decorator(Session, ensure=True)


def pass_advisor(function: F) -> F:
    """Decorate a command to receive the shared :class:`Advisor` as its first argument."""

    @pass_session
    @functools.wraps(function)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        return function(session.advisor, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _set_rules(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Session).rules_dir = value


_RULES_HELP = N_("Use the rule pack in folder DIR instead of the shipped rule book.")


def rules_option(function: F) -> F:
    """Add ``--rules DIR`` to a command (it overrides the one given before the command name)."""
    return click.option(
        "--rules",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        metavar="DIR",
        expose_value=False,
        is_eager=True,
        callback=_set_rules,
        help=_RULES_HELP,
    )(function)


_BAD_ENVIRONMENT = "sellerexpert_bad_lang"


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    # The group's option falls back to SELLEREXPERT_LANG and the locale; a command's own --lang
    # overrides whatever the group chose, and its absence keeps it. A mistyped SELLEREXPERT_LANG is
    # an error (exit 2) unless --lang makes it irrelevant, given before or after the command name.
    root = ctx.find_root()
    if value is not None:
        _language.set_language(_LANG_ON_COMMAND_LINE.get() or value)
        root.meta.pop(_BAD_ENVIRONMENT, None)
    elif ctx.parent is None:
        try:
            from_environment = _language.from_environment()
            if _LANG_ON_COMMAND_LINE.get() is None:
                # A --lang later on the line chose already (for a help page shown before it is parsed).
                _language.set_language(from_environment)
        except LanguageError as exc:
            root.meta[_BAD_ENVIRONMENT] = UsageProblem(f"SELLEREXPERT_LANG: {exc}", ctx=ctx)
    if ctx.parent is not None and value is None and _BAD_ENVIRONMENT in root.meta:
        raise root.meta.pop(_BAD_ENVIRONMENT)


_LANG_HELP = N_("Language of the words printed for people: zh or en [default: SELLEREXPERT_LANG, else the locale].")


def lang_option(function: F) -> F:
    """Add ``--lang zh|en`` to a command (it overrides the one given before the command name)."""
    return click.option(
        "--lang",
        type=click.Choice(_i18n.LANGS),
        metavar="zh|en",
        expose_value=False,
        is_eager=True,
        callback=_set_lang,
        help=_LANG_HELP,
    )(function)


_HELP_CLI = N_(
    """Advise a seller on fully-managed vs semi-managed selling on Temu, AliExpress and TikTok Shop.

Every recommendation comes with its reasons, caveats, assumptions and a
trace that can be audited.

\b
Example:
  sellerexpert consult --profile examples/one-person-shop.yaml"""
)


@click.group(cls=SellerExpertGroup, context_settings=CONTEXT_SETTINGS, help=_HELP_CLI)
@click.version_option(__version__, "-V", "--version", prog_name="sellerexpert", message="%(prog)s %(version)s")
@lang_option
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help=_RULES_HELP,
)
@click.pass_context
def cli(ctx: click.Context, rules_dir: Path | None) -> None:
    """Advise a seller on fully-managed vs semi-managed selling on Temu, AliExpress and TikTok Shop."""
    ctx.ensure_object(Session).rules_dir = rules_dir


# -- consult ---------------------------------------------------------------


def _read_reply(field: str, reply: str) -> str:
    from .. import Interview

    return Interview.read_reply(field, reply)


FieldValue.read = _read_reply  # options take what the interview takes: --target-market 美国, --monthly-orders 1.2万


def profile_options(function: F) -> F:
    """Add one option per profile field (``--operational-capacity low``, ``--platform temu``...)."""
    for spec in reversed(FIELDS):
        function = field_option(spec, f"{spec.meaning[0].upper()}{spec.meaning[1:]}.")(function)
    return function


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The profile fields set on the command line; an option given both ways is a usage error."""
    return given_fields(fields)


def load_profile(source: str | None, fields: dict[str, Any]) -> SellerProfile | None:
    """The profile from ``source`` (a file, ``-`` for stdin, or ``None``) with the field options applied.

    :returns: ``None`` when neither a source nor any field option was given.
    :raises ProfileError: naming the file at fault; a field option at fault is a :class:`BadValue` naming the option.
    """
    given = _given(fields)
    if source is None and not given:
        return None
    base = read_profile(source)
    try:
        return merge_profile(base, given)
    except ProfileError as exc:
        field = FIELDS_BY_NAME[str(exc.field)]
        # What the field allows helps with a value of the wrong form, not with answers that contradict each other.
        allowed = _(" (allowed: {allowed})").format(allowed=field.allowed_text) if exc.allowed is not None else ""
        raise BadValue(f"{say(exc.problem)}{allowed}", param_hint=f"'{field.option}'") from None


def _use_color(stream: IO[Any]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to anything (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns() -> int | None:
    """The terminal's width to wrap text at: ``COLUMNS`` when set, else the terminal's own; ``None`` when
    the output is no terminal (a file or a pipe gets the text as it is, the report at 100 columns)."""
    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return max(int(value), 40)
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 0
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        columns = 0
    return max(columns, 40) if columns > 0 else None  # 0: a terminal that does not say its size


def _report_width() -> int:
    """The consultation report's width: the terminal's, at most the 100 columns it is laid out for."""
    columns = _columns()
    return 100 if columns is None else min(columns, 100)


def _fit(text: str) -> str:
    return _i18n.fit(text, _columns())


def _ask(prompt: str) -> str:
    """One reply from the seller; end of input raises EOFError (the interview then advises), Ctrl-C aborts."""
    try:
        reply: str = click.prompt(prompt, default="", show_default=False, err=True, prompt_suffix=" ")
    except click.Abort as exc:
        # click turns both Ctrl-C and end of input into Abort; the original is kept as its context.
        if isinstance(exc.__context__, EOFError):
            raise EOFError from None
        raise
    return reply


def _interview(advisor: Advisor, known: SellerProfile | dict[str, Any], save: Path | None) -> SellerProfile:
    from .. import Interview, ask_own_numbers, conduct_interview

    interview = Interview(advisor, known)
    def tell(message: str) -> None:
        click.echo(_fit(message), err=True)

    profile: SellerProfile | None = None
    try:
        finished = conduct_interview(interview, _ask, tell)
        profile = interview.profile
        if finished:
            profile = ask_own_numbers(advisor, profile, _ask, tell)
    finally:
        # At any exit, Ctrl-C included, so the seller can resume with --profile FILE --interactive.
        if save is not None:
            _save_profile(profile if profile is not None else interview.profile, save)
    click.echo("", err=True)
    return profile


def _save_profile(profile: SellerProfile, path: Path) -> None:
    try:
        profile.save(path)
    except OSError as exc:
        raise InputError(_("{path}: cannot write the profile ({reason})").format(path=path, reason=exc.strerror)) from None
    click.echo(
        _("Answers saved to {path}; resume with: sellerexpert consult --profile {path} --interactive").format(path=path), err=True
    )


def _write_file(path: Path, text: str, what: str) -> None:
    """Write ``text`` to ``path``; ``what`` names the file for a person (a message marked with ``N_``)."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            _("{path}: cannot write the {what} ({reason})").format(path=path, what=_(what), reason=exc.strerror)
        ) from None


def _no_profile() -> NoReturn:
    raise UsageProblem(
        _(
            "no profile given: use --profile FILE (- for stdin), field options such as "
            "--operational-capacity low, or --interactive to be asked questions."
        )
    )


_HELP_CONSULT = N_(
    """Advise one seller: a recommended model per platform, with reasons and caveats.

Give a profile file, field options (they override the file), or answer
questions interactively: there you may answer why, unknown or quit, and the
questions stop once no answer could change the advice.

\b
Example:
  sellerexpert consult --profile examples/one-person-shop.yaml
  sellerexpert consult --operational-capacity low --platform temu -f json
  sellerexpert consult --interactive --platform tiktok_shop
  sellerexpert consult -p examples/one-person-shop.yaml --explain --trace shop.json
  sellerexpert consult --interactive --save answers.yaml
  sellerexpert consult -p examples/one-person-shop.yaml --details

With SELLEREXPERT_TRACE_KEY set, --trace signs the trace (HMAC-SHA256) so
that `sellerexpert audit` can tell whether it was edited."""
)


@cli.command(context_settings=CONTEXT_SETTINGS, help=_HELP_CONSULT)
@click.option(
    "-p",
    "--profile",
    "profile_source",
    type=click.Path(allow_dash=True),
    metavar="FILE",
    help=N_("The seller profile, in JSON, YAML or TOML (by suffix, else guessed); - reads stdin."),
)
@profile_options
@click.option(
    "-f", "--format", "output_format", type=Choice(REPORT_FORMATS), default="text", show_default=True,
    help=N_("text for a person, json for programs (the API's result object), markdown for a report."),
)
@click.option(
    "--trace", "trace_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help=N_("Also write the consultation's trace (JSON) to FILE, for explain and audit."),
)
@click.option(
    "-i", "--interactive/--no-interactive", default=None,
    help=N_("Ask the questions one at a time (default: when no profile or field option is given and stdin is a terminal)."),
)
@click.option(
    "--economics", "economics_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help=N_("Your own numbers (an economics section, JSON/YAML/TOML) to weigh; they replace the profile's."),
)
@click.option(
    "--explain", "explain_after", is_flag=True,
    help=N_("After the verdict, show how each recommendation was derived and the smallest change that would flip it."),
)
@click.option(
    "--save", "save_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help=N_("Write the profile (with the interview's answers so far, at any exit) to FILE: JSON, YAML or TOML by suffix."),
)
@click.option(
    "--details", is_flag=True,
    help=N_("Text and markdown: show every reason with its rule id, weight, sources and the profile fields it rests on."),
)
@rules_option
@lang_option
@pass_advisor
def consult(
    advisor: Advisor,
    profile_source: str | None,
    output_format: str,
    trace_path: Path | None,
    interactive: bool | None,
    economics_path: Path | None,
    explain_after: bool,
    save_path: Path | None,
    details: bool,
    **fields: Any,
) -> None:
    """Advise one seller: a recommended model per platform, with reasons and caveats."""
    if interactive and profile_source == "-":
        raise UsageProblem(_("--interactive reads the answers from stdin, so the profile cannot come from stdin too."))
    profile = load_profile(profile_source, fields)
    if interactive is None:
        interactive = profile is None and sys.stdin.isatty()
    if interactive:
        known = profile if profile_source is not None and profile is not None else _given(fields)
        profile = _interview(advisor, known, save_path)
    elif profile is not None and save_path is not None:
        _save_profile(profile, save_path)
    if profile is None:
        _no_profile()
    if economics_path is not None:
        from .. import Economics

        profile = profile.with_changes(economics=Economics.from_file(economics_path))
    result = advisor.consult(profile)
    if trace_path is not None:
        _write_file(trace_path, result.trace.signed().to_json() + "\n", N_("trace"))
    if explain_after:
        _echo_explained(advisor, result, output_format, details=details)
        return
    color = _use_color(sys.stdout)
    click.echo(render(result, output_format, color=color, details=details, width=_report_width()), nl=False, color=color)


# -- batch -----------------------------------------------------------------


def _open_input(source: str, input_format: str | None, *, any_columns: bool = False) -> RowReader:
    if source == "-":
        return RowReader(sys.stdin.buffer, source="<stdin>", format=input_format, any_columns=any_columns)
    return RowReader.open(source, format=input_format, any_columns=any_columns)


class _BatchReporter:
    """Reports failed rows on stderr as they come, and drives the progress bar (rows/s, ETA).

    tqdm draws the bar: it shows the rate and the time left, redraws at most a few
    times a second, and keeps error lines from tearing the bar (``tqdm.write``).
    """

    def __init__(self, reader: RowReader, *, show: bool | None) -> None:
        self.reader = reader
        self.failed = 0
        self.bar: Any = None
        self.show = sys.stderr.isatty() if show is None else show

    def start(self, summary: BatchSummary) -> None:
        self.failed = summary.failed
        if self.show:
            from tqdm import tqdm

            self.bar = tqdm(total=None, initial=summary.rows, unit=_(" rows"), file=sys.stderr, desc=_("Consulting"),
                            mininterval=0.5, dynamic_ncols=True)

    def _say(self, text: str) -> None:
        text = _i18n.printable(text, keep="\n")  # a row's values may hold escape sequences
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            click.echo(text, err=True)

    def __call__(self, scored: BatchChunk) -> None:
        for _row, message in scored.errors:
            self.failed += 1
            if self.failed <= BatchSummary.SHOWN:
                self._say(say(message))
            elif self.failed == BatchSummary.SHOWN + 1:
                self._say(_("(further failed rows are only in the output)"))
        self.failed += scored.failed - len(scored.errors)
        if self.bar is not None:
            done = self.bar.n + scored.rows
            position, size = self.reader.position, self.reader.size
            if size and position:
                # The input's size in rows is not known until the end: estimate it from the bytes read.
                self.bar.total = max(done, round(done * size / position))
            self.bar.update(scored.rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[list[int]]:
    """Treat SIGTERM like Ctrl-C while a batch runs (so it stops cleanly); yields the signals received."""
    received: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


_HELP_BATCH = N_(
    """Advise many sellers: one result per input row, in input order.

INPUT is CSV (a header row of profile field names, separated by commas,
semicolons or tabs) or JSON Lines (one profile object per line); - reads
stdin. A bad row is reported with its row, line and field, and the other
rows go on; the exit code is 1 when any row failed. A summary goes to stderr.

\b
Example:
  sellerexpert batch sellers.csv --output advice.jsonl --jobs 4
  sellerexpert batch sellers.jsonl -f csv > advice.csv
  sellerexpert batch sellers.csv -o advice.jsonl --resume"""
)


@cli.command(context_settings=CONTEXT_SETTINGS, help=_HELP_BATCH)
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("-o", "--output", default="-", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help=N_("Write the results to FILE (via FILE.partial, renamed at the end) instead of stdout."))
@click.option("-f", "--format", "output_format", type=Choice(BATCH_FORMATS), default=None,
              help=N_("Output format (default: csv when --output ends in .csv, else jsonl)."))
@click.option("--input-format", type=Choice(RowReader.FORMATS), default=None,
              help=N_("Input format (default: from INPUT's suffix, else guessed from its first character)."))
@click.option("-j", "--jobs", type=click.IntRange(0, MAX_WORKERS), default=1, show_default=True, metavar="N",
              help=N_("Worker processes; 0 means one per CPU. The output is identical for any N."))
@click.option("--engine", type=Choice(ENGINES), default="compiled", show_default=True,
              help=N_("compiled (fast) or experta (the reference engine); the output is identical."))
@click.option("--trace", "trace_dir", type=click.Path(file_okay=False), metavar="DIR", default=None,
              help=N_("Also write each row's trace to DIR/row-NNNNNN.json (signed with SELLEREXPERT_TRACE_KEY)."))
@click.option("--resume", is_flag=True,
              help=N_("Carry on after the last complete row of an interrupted run into the same --output FILE."))
@click.option("--progress/--no-progress", default=None,
              help=N_("Show a progress bar with rows/s and time left (default: when stderr is a terminal)."))
@rules_option
@lang_option
@pass_advisor
def batch(advisor: Advisor, input_path: str, output: str, output_format: str | None, input_format: str | None,
          jobs: int, engine: str, trace_dir: str | None, resume: bool, progress: bool | None) -> None:
    """Advise many sellers: one result per input row, in input order."""
    if resume and output == "-":
        raise UsageProblem(_("--resume needs --output FILE: output sent to stdout cannot be resumed."))
    output_format = output_format or ("csv" if output != "-" and RowReader.format_for(output) == "csv" else "jsonl")
    with _open_input(input_path, input_format) as reader, _sigterm_interrupts() as signals:
        reporter = _BatchReporter(reader, show=progress)
        try:
            summary = score_batch(reader, sys.stdout if output == "-" else output, advisor=advisor, output_format=output_format,
                               jobs=jobs or min(os.cpu_count() or 1, MAX_WORKERS), engine=engine, trace_dir=trace_dir,
                               resume=resume, on_start=reporter.start, on_chunk=reporter)
        except BatchInterrupted as stop:
            reporter.close()
            click.echo("\n" + stop.message(), err=True)
            raise click.exceptions.Exit(128 + (signals[0] if signals else signal.SIGINT)) from None
        finally:
            reporter.close()
    click.echo(summary.text(), err=True)
    if summary.failed:
        raise CheckFailed(_("{failed} of {rows} rows failed").format(failed=summary.failed, rows=summary.rows))


# -- rules -----------------------------------------------------------------


_HELP_RULES = N_(
    """List and show the rules the advice comes from.

\b
Example:
  sellerexpert rules list
  sellerexpert rules show low_capacity_favours_full"""
)


@cli.group(context_settings=CONTEXT_SETTINGS, help=_HELP_RULES)
def rules() -> None:
    """List and show the rules the advice comes from."""


_LIST_FORMATS = Choice(["text", "json"])


_HELP_RULES_LIST = N_(
    """List every rule: id, what it concludes, its sources and its statement.

\b
Example:
  sellerexpert rules list
  sellerexpert rules list --format json"""
)


@rules.command("list", context_settings=CONTEXT_SETTINGS, help=_HELP_RULES_LIST)
@click.option("-f", "--format", "output_format", type=_LIST_FORMATS, default="text", show_default=True,
              help=N_("text for a person, json for programs."))
@rules_option
@lang_option
@pass_advisor
def rules_list(advisor: Advisor, output_format: str) -> None:
    """List every rule: id, what it concludes, its sources and its statement."""
    from .. import render_rule_list, rule_summaries

    summaries = rule_summaries(advisor.rules)
    if output_format == "json":
        click.echo(json.dumps(summaries, indent=2, ensure_ascii=False, allow_nan=False))
        return
    click.echo(_fit(render_rule_list(summaries)))


_HELP_RULES_SHOW = N_(
    """Show one rule in full: as written in its file, and as compiled for the engine.

\b
Example:
  sellerexpert rules show semi_out_of_reach
  sellerexpert rules show semi_out_of_reach --format json"""
)


@rules.command("show", context_settings=CONTEXT_SETTINGS, help=_HELP_RULES_SHOW)
@click.argument("rule_id", metavar="ID")
@click.option("-f", "--format", "output_format", type=_LIST_FORMATS, default="text", show_default=True,
              help=N_("text for a person, json for programs."))
@rules_option
@lang_option
@pass_advisor
def rules_show(advisor: Advisor, rule_id: str, output_format: str) -> None:
    """Show one rule in full: as written in its file, and as compiled for the engine."""
    from .. import render_rule, rule_details

    try:
        details = rule_details(advisor.rules, rule_id)
    except UnknownRuleError as exc:
        raise BadValue(say(exc), param_hint="'ID'") from None
    if output_format == "json":
        click.echo(json.dumps(details, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(_fit(render_rule(details)))


# -- explain, audit, schema, rules lint, rules coverage ----------------------
# Auditable explanations (issue 4): each command calls one API function and
# renders its report; failed checks exit 1 through CheckFailed.


def _echo_explained(advisor: Advisor, result: Any, output_format: str, *, details: bool = False) -> None:
    from .. import explain

    explanation = explain(result.trace, advisor)
    if output_format == "json":
        click.echo(
            json.dumps({**result.to_dict(), "explanation": explanation.to_dict()}, indent=2, ensure_ascii=False, allow_nan=False)
        )
        return
    color = _use_color(sys.stdout)
    click.echo(render(result, output_format, color=color, details=details, width=_report_width()), nl=False, color=color)
    click.echo("")
    click.echo(explanation.to_markdown() if output_format == "markdown" else _fit(explanation.to_text()))


_TRACE_ARG = click.Path(dir_okay=False, path_type=Path)


_HELP_EXPLAIN_COMMAND = N_(
    """Explain a trace: how each recommendation was derived, and why not the other model.

The derivation is read from the trace; the why-not answer is the smallest
change of one or two profile fields on which today's rules recommend the
other model, checked by consulting the engine.

\b
Example:
  sellerexpert consult -p examples/one-person-shop.yaml --trace shop.json
  sellerexpert explain shop.json
  sellerexpert explain shop.json --format markdown --dot shop.dot
  sellerexpert explain shop.json --dot - | dot -Tsvg > shop.svg"""
)


@cli.command("explain", context_settings=CONTEXT_SETTINGS, help=_HELP_EXPLAIN_COMMAND)
@click.argument("trace_path", metavar="TRACE", type=_TRACE_ARG)
@click.option("-f", "--format", "output_format", type=Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help=N_("text (an indented tree), markdown (a section per platform) or json."))
@click.option("--dot", "dot_path", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help=N_("Also write the derivation as a Graphviz DOT graph to FILE (- prints only the graph)."))
@click.option("--why-not/--no-why-not", default=True, show_default=True,
              help=N_("Search for the smallest profile change that flips each recommendation (consults the engine)."))
@rules_option
@lang_option
@pass_advisor
def explain_command(advisor: Advisor, trace_path: Path, output_format: str, dot_path: str | None, why_not: bool) -> None:
    """Explain a trace: how each recommendation was derived, and why not the other model."""
    from .. import explain

    explanation = explain(trace_path, advisor, why_not=why_not and dot_path != "-")
    if dot_path == "-":
        click.echo(explanation.to_dot(), nl=False)
        return
    if dot_path is not None:
        _write_file(Path(dot_path), explanation.to_dot(), N_("DOT graph"))
    rendered = {"json": explanation.to_json, "markdown": explanation.to_markdown, "text": explanation.to_text}[output_format]()
    text = rendered.rstrip("\n")
    click.echo(text if output_format == "json" else _i18n.printable(_fit(text) if output_format == "text" else text, keep="\n"))


_HELP_AUDIT_COMMAND = N_(
    """Check that stored traces still hold: replay each on today's rules and compare.

Folders are searched for *.json traces; other files there are listed as
skipped. Exit 0 when every trace reproduces, 1 when one does not (the rule
base changed, the trace is inconsistent, its signature does not match or
cannot be verified), 2 for a named file that is not a trace. With
SELLEREXPERT_TRACE_KEY set, every trace must carry a valid signature;
without it, a signed trace fails unless --no-verify is given.

\b
Example:
  sellerexpert audit shop.json
  sellerexpert audit traces/ --rules-then old-rules/
  sellerexpert audit traces/ --format json
  sellerexpert audit signed.json --no-verify"""
)


@cli.command("audit", context_settings=CONTEXT_SETTINGS, help=_HELP_AUDIT_COMMAND)
@click.argument("paths", metavar="TRACE_OR_DIR...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules-then", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help=N_("The rule pack the traces were made with, to show what each changed rule changed."))
@click.option("-f", "--format", "output_format", type=Choice(["text", "json"]), default="text", show_default=True,
              help=N_("text: one line per trace (with a diff when it fails) and a summary; json: the full reports."))
@click.option("--verify/--no-verify", default=True, show_default=True,
              help=N_("Require a signed trace's signature to be verified with "
                      "SELLEREXPERT_TRACE_KEY (without the key, it fails)."))
@click.option("-j", "--jobs", type=click.IntRange(0, MAX_WORKERS), default=1, show_default=True, metavar="N",
              help=N_("Worker processes; 0 means one per CPU. The output is identical for any N."))
@click.option("--engine", type=Choice(ENGINES), default="compiled", show_default=True,
              help=N_("compiled (fast) or experta (the reference engine); the output is identical."))
@rules_option
@lang_option
@pass_advisor
def audit_command(advisor: Advisor, paths: tuple[Path, ...], rules_then: Path | None, output_format: str, verify: bool,
                  jobs: int, engine: Engine) -> None:
    """Check that stored traces still hold: replay each on today's rules and compare."""
    from .. import audit_paths

    summary = audit_paths(paths, advisor, rules_then=rules_then, verify=verify, jobs=jobs or os.cpu_count() or 1, engine=engine)
    # A trace is someone else's file: its strings are shown, never acted on by the terminal.
    click.echo(summary.to_json() if output_format == "json" else _i18n.printable(_fit(summary.to_text()), keep="\n"))
    if not summary.ok:
        failed = sum(1 for r in summary.reports if not r.ok)
        raise CheckFailed(
            _("{failed} of {count} traces did not pass the audit").format(failed=failed, count=len(summary.reports))
        )


_HELP_SCHEMA_COMMAND = N_(
    """Print the JSON Schema of a trace, a seller profile or a rule file.

\b
Example:
  sellerexpert schema trace > trace-1.json
  sellerexpert schema profile"""
)


@cli.command("schema", context_settings=CONTEXT_SETTINGS, help=_HELP_SCHEMA_COMMAND)
@click.argument("name", type=Choice(["trace", "profile", "rulefile"]))
def schema_command(name: str) -> None:
    """Print the JSON Schema of a trace, a seller profile or a rule file."""
    from .. import json_schema

    click.echo(json.dumps(json_schema(name), indent=2, ensure_ascii=False, allow_nan=False))  # type: ignore[arg-type]


_DAY = click.DateTime(formats=["%Y-%m-%d"])


_HELP_RULES_LINT = N_(
    """Check the rule pack itself: schema, duplicate ids, dead rules, conflicts, uncited paragraphs, stale facts.

Errors and warnings exit 1; notes (e.g. a rule waiting for platform data
to change) are shown but pass. A platform fact past its review_by date is
a warning.

\b
Example:
  sellerexpert rules lint
  sellerexpert rules lint --rules my-rules/ --format json
  sellerexpert rules lint --as-of 2027-06-01"""
)


@rules.command("lint", context_settings=CONTEXT_SETTINGS, help=_HELP_RULES_LINT)
@click.option("-f", "--format", "output_format", type=_LIST_FORMATS, default="text", show_default=True,
              help=N_("text: one line per finding and a summary; json for programs."))
@click.option("--as-of", "as_of", type=_DAY, default=None, metavar="YYYY-MM-DD",
              help=N_("Judge freshness (facts past their review date) on this day instead of today."))
@rules_option
@lang_option
@pass_session
def rules_lint(session: Session, output_format: str, as_of: Any) -> None:
    """Check the rule pack itself: schema, duplicate ids, dead rules, conflicts, uncited paragraphs, stale facts."""
    from .. import lint

    # not the advisor: a broken pack must be linted, not refused
    report = lint(session.rules_dir, today=as_of.date() if as_of else None)
    click.echo(report.to_json() if output_format == "json" else _fit(report.to_text()))
    if not report.ok:
        counts = report.counts()
        raise CheckFailed(
            _("the rule pack has {errors} errors and {warnings} warnings").format(
                errors=counts["error"], warnings=counts["warning"]
            )
        )


_HELP_RULES_REVIEW = N_(
    """List the platform facts due for review: past their review_by date, or due within --within days.

Exit 0 whatever is listed (rules lint is the check that fails on overdue facts).

\b
Example:
  sellerexpert rules review
  sellerexpert rules review --within 180 --format json"""
)


@rules.command("review", context_settings=CONTEXT_SETTINGS, help=_HELP_RULES_REVIEW)
@click.option("-f", "--format", "output_format", type=_LIST_FORMATS, default="text", show_default=True,
              help=N_("text: one line per fact; json for programs."))
@click.option("--as-of", "as_of", type=_DAY, default=None, metavar="YYYY-MM-DD",
              help=N_("The day to judge by (default: today)."))
@click.option("--within", type=click.IntRange(0, _MAX_WITHIN_DAYS), default=0, show_default=True, metavar="DAYS",
              help=N_("Also list facts that fall due within this many days."))
@rules_option
@lang_option
@pass_advisor
def rules_review(advisor: Advisor, output_format: str, as_of: Any, within: int) -> None:
    """List the platform facts due for review: past their review_by date, or due within --within days."""
    from .. import due_facts

    due = due_facts(advisor.rules, today=as_of.date() if as_of else None, within_days=within)
    if output_format == "json":
        click.echo(json.dumps([d.to_dict() for d in due], indent=2, ensure_ascii=False))
    else:
        click.echo(_fit("\n".join(_review_line(d) for d in due)) if due else _("No platform fact is due for review."))


_CONFIDENCE_WORDS = {"high": N_("high"), "medium": N_("medium"), "moderate": N_("moderate"), "low": N_("low")}


def _review_line(due: Any) -> str:
    """One fact due for review, for a person, in the language in force (the JSON form is DueFact.to_dict)."""
    when = _("review by {date}").format(date=_i18n.day(due.review_by)) if due.review_by else _("no review date")
    state = _("overdue") if due.overdue else _("due soon")
    confidence = _(_CONFIDENCE_WORDS.get(due.confidence, due.confidence)) if due.confidence else _("not rated")
    return _("{platform}.{fact}: as of {as_of}, {when} ({state}; confidence {confidence}; sources: {sources})").format(
        platform=due.platform, fact=due.fact, as_of=_i18n.day(due.as_of), when=when, state=state, confidence=confidence,
        sources=", ".join(due.sources),
    )


_HELP_RULES_COVERAGE = N_(
    """Measure, over every profile, how often each rule fires and how the advice splits per platform.

\b
Example:
  sellerexpert rules coverage
  sellerexpert rules coverage --format json"""
)


@rules.command("coverage", context_settings=CONTEXT_SETTINGS, help=_HELP_RULES_COVERAGE)
@click.option("-f", "--format", "output_format", type=_LIST_FORMATS, default="text", show_default=True,
              help=N_("text: a table of firing shares and the split; json for programs."))
@rules_option
@lang_option
@pass_advisor
def rules_coverage(advisor: Advisor, output_format: str) -> None:
    """Measure, over every profile, how often each rule fires and how the advice splits per platform."""
    from .. import coverage

    report = coverage(advisor)
    click.echo(report.to_json() if output_format == "json" else _fit(report.to_text()))


def _chart_to(path: Path, write: Callable[[], None]) -> None:
    """Write a chart (margin's or catalogue's); a wrong suffix, no chart extra or an unwritable file is the user's to fix."""
    try:
        write()
    except (ValueError, ModuleNotFoundError) as exc:
        raise InputError(say(exc)) from None
    except OSError as exc:
        raise InputError(_("{path}: cannot write the chart ({reason})").format(path=path, reason=exc.strerror)) from None


# -- margin ----------------------------------------------------------------


_HELP_MARGIN = N_(
    """Compare what fully-managed and semi-managed leave you per unit and per month, from your own numbers.

Each line shows its formula in words; the break-even volume is where the
two models leave the same money.

\b
Example:
  sellerexpert margin --profile examples/margin-home-goods.toml
  sellerexpert margin -p examples/margin-home-goods.toml --format markdown --chart margin.svg
  sellerexpert margin --economics quotes.toml -f json"""
)


@cli.command("margin", context_settings=CONTEXT_SETTINGS, help=_HELP_MARGIN)
@click.option("-p", "--profile", "profile_source", type=click.Path(allow_dash=True), metavar="FILE",
              help=N_("A seller profile with an economics section (JSON, YAML or TOML); - reads stdin."))
@click.option("--economics", "economics_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=N_("Take the numbers from FILE instead (an economics section on its "
                      "own); the profile then only picks platforms."))
@click.option("-f", "--format", "output_format", type=Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help=N_("text for a person, json for programs, markdown for a report."))
@click.option("--monthly-units", type=click.IntRange(min=1), metavar="N",
              help=N_("Work the comparison out at N units a month instead of the profile's monthly_units."))
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=N_("Also draw contribution per month against volume to FILE (.svg or .png; needs the chart extra)."))
@rules_option
@lang_option
@pass_advisor
def margin(
    advisor: Advisor, profile_source: str | None, economics_path: Path | None, output_format: str, monthly_units: int | None,
    chart_path: Path | None,
) -> None:
    """Compare what fully-managed and semi-managed leave you per unit and per month, from your own numbers."""
    from .. import render_margins as render_margin
    from .. import write_chart

    if profile_source is None and economics_path is None:
        raise UsageProblem(_("give --profile FILE (a profile with an economics section) or --economics FILE."))
    profile = load_profile(profile_source, {}) or SellerProfile()
    if economics_path is not None:
        from .. import Economics

        profile = profile.with_changes(economics=Economics.from_file(economics_path))
    if monthly_units is not None and profile.economics is not None:
        profile = profile.with_changes(economics=replace(profile.economics, monthly_units=monthly_units))
    comparison = advisor.compare_margins(profile)
    if chart_path is not None:
        _chart_to(chart_path, lambda: write_chart(comparison, chart_path))
    lang = _i18n.current()
    rendered = render_margin(
        comparison, output_format, titles=advisor.rules.source_titles(lang), notes=advisor.rules.costs.notes(lang)
    )
    click.echo(_fit(rendered) if output_format == "text" else rendered, nl=False)


# -- catalogue -------------------------------------------------------------


_HELP_CATALOGUE = N_(
    """Advise each product of a catalogue: its route per platform and market, what it leaves, and the split.

FILE lists the products, one a row (CSV with a header, comma, semicolon or
tab separated, or JSON Lines; - reads stdin): sku, name, unit_cost,
full_price, semi_price, weight_class or weight_kg, category, monthly_units,
and any economics number by its path (semi-managed.freight_per_unit,
temu.semi-managed.price, routes.temu_y2.duty_rate). The company profile
gives the rest. The split comes first: products and monthly contribution
per route, the products no route carries, close calls, and whether to run
both stores.

\b
Example:
  sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml
  sellerexpert catalogue products.csv -p shop.yaml -f csv -o advice.csv
  sellerexpert catalogue products.jsonl -p shop.yaml -f json --trace traces/
  sellerexpert catalogue products.csv -p shop.yaml --chart split.svg"""
)


@cli.command("catalogue", context_settings=CONTEXT_SETTINGS, help=_HELP_CATALOGUE)
@click.argument("input_path", metavar="FILE", type=click.Path(allow_dash=True))
@click.option("-p", "--profile", "profile_source", type=click.Path(allow_dash=True), metavar="FILE",
              help=N_("The company profile, in JSON, YAML or TOML; its economics section gives the products' defaults."))
@profile_options
@click.option("-f", "--format", "output_format", type=Choice(CATALOGUE_FORMATS), default="text", show_default=True,
              help=N_("text or markdown for a person, json for programs, csv or xlsx for a spreadsheet (a row per "
                      "product, platform and market; xlsx needs -o FILE)."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", metavar="FILE",
              help=N_("Write to FILE instead of stdout (written whole, or not at all)."))
@click.option("--input-format", type=Choice((*RowReader.FORMATS, "xlsx")), default=None,
              help=N_("The product list's format: csv, jsonl or xlsx (default: from its suffix, else its first character)."))
@click.option("--engine", type=Choice(ENGINES), default="compiled", show_default=True,
              help=N_("compiled (fast) or experta (the inference engine of record): the same output, byte for byte."))
@click.option("--trace", "trace_dir", type=click.Path(file_okay=False), metavar="DIR", default=None,
              help=N_("Also write each product's trace to DIR/row-NNNNNN.json, for explain and audit."))
@click.option("--close-pct", type=click.IntRange(0, 100), default=10, show_default=True, metavar="PCT",
              help=N_("Name a product a close call when its two routes leave within PCT% of each other."))
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=N_("Also draw the monthly contribution by route to FILE (.svg or .png; needs the chart extra)."))
@click.option("-j", "--jobs", type=click.IntRange(0, MAX_WORKERS), default=1, show_default=True, metavar="N",
              help=N_("Worker processes; 0 means one per CPU. The output is identical for any N."))
@rules_option
@lang_option
@pass_advisor
def catalogue(advisor: Advisor, input_path: str, profile_source: str | None, output_format: str, output: str,
              input_format: str | None, engine: str, trace_dir: str | None, close_pct: int, chart_path: Path | None,
              jobs: int, **fields: Any) -> None:
    """Advise each product of a catalogue: its route per platform and market, what it leaves, and the split."""
    from .. import render_catalogue

    if input_path == "-" and profile_source == "-":
        raise UsageProblem(_("the product list and the profile cannot both come from stdin."))
    profile = load_profile(profile_source, fields)
    if profile is None:
        raise UsageProblem(_("give the company profile: --profile FILE, or field options such as --platform temu."))
    if output_format == "xlsx" and output == "-":
        raise UsageProblem(_("an .xlsx workbook is written to a file: add -o FILE.xlsx."))
    with contextlib.ExitStack() as stack:
        if input_format == "xlsx" or (input_format is None and input_path.lower().endswith(".xlsx")):
            if input_path == "-":
                raise UsageProblem(_("an .xlsx product list is read from a file, not from stdin."))
            products: Path | RowReader = Path(input_path)
        else:
            products = stack.enter_context(_open_input(input_path, input_format, any_columns=True))
        try:
            stream = stack.enter_context(advisor.catalogue_stream(
                profile, products, engine=cast("Engine", engine), close_pct=close_pct,
                jobs=jobs or min(os.cpu_count() or 1, MAX_WORKERS), traces=trace_dir is not None,
            ))
        except ModuleNotFoundError as exc:
            raise InputError(say(exc)) from None
        if output_format in stream.FORMATS and chart_path is None and trace_dir is None:
            # A product at a time, so memory stays flat for any length (the other formats show the split first;
            # traces and the chart are written once every row is known good, so a bad file leaves none).
            _catalogue_streamed(stream, output_format, output)
            return
        result = stream.collect()
    if output_format == "xlsx":
        from .. import catalogue_workbook

        try:
            body: str | bytes = catalogue_workbook(result)
        except ModuleNotFoundError as exc:
            raise InputError(say(exc)) from None
    else:
        body = render_catalogue(result, output_format)
    _catalogue_done(result, body, output, trace_dir, chart_path)


def _catalogue_streamed(stream: Any, output_format: str, output: str) -> None:
    """Write the output a product at a time, into a file beside the output renamed over it at the end, or a
    spool copied to stdout at the end: a bad row found late (a SKU twice) leaves nothing half-written."""
    import tempfile

    from .. import write_catalogue as write_streamed

    if output == "-":
        # The spool holds bytes, copied out as they are: a long catalogue is encoded once, not decoded and encoded again.
        with tempfile.SpooledTemporaryFile(max_size=_SPOOLED_IN_MEMORY, mode="w+b") as spooled:
            # (a bad row found late: discarded with the spool)
            write_streamed(stream, output_format, cast("IO[bytes]", spooled))
            _catalogue_warn(stream.unknown_columns)
            _copy_out(spooled)
    else:
        from .._files import safe_files

        try:
            with safe_files.replacing(Path(output), named=True) as raw:
                write_streamed(stream, output_format, raw)
        except OSError as exc:
            raise InputError(_("{path}: cannot write the output ({reason})").format(path=output, reason=exc.strerror)) from None
        _catalogue_warn(stream.unknown_columns)
    _catalogue_failed(stream.errors, stream.advised)


_SPOOLED_IN_MEMORY = 1 << 23
"""The most a catalogue's spool for stdout holds in memory before it goes to a temporary file."""


def _copy_out(spooled: IO[bytes]) -> None:
    """The spool's bytes to stdout: by the kernel (``os.sendfile``) when both are files it can copy between,
    else read and written a piece at a time.

    A long catalogue's JSON is some 40 KB a product, and this copy runs after the last product, when nothing
    else is left to do: 400 MB read and written again took about 0.3 s there; the kernel's copy, a sixth of it.
    """
    # A spool still in memory is written piece by piece: fileno() would write it to a file first, only for the kernel
    # to read it back.
    offset = _sent_out(spooled) if spooled.tell() > _SPOOLED_IN_MEMORY else 0
    spooled.seek(offset)
    while piece := spooled.read(1 << 16):
        click.echo(piece, nl=False)


def _sent_out(spooled: IO[bytes]) -> int:
    """How much of the spool's file the kernel copied to stdout (``os.sendfile``): all of it, or as far as it got."""
    offset = 0
    try:
        # click.echo writes bytes to the binary layer under sys.stdout (a test's runner swaps sys.stdout).
        source, target = spooled.fileno(), sys.stdout.buffer.fileno()
        spooled.flush()  # the file's size counts only what left the spool's buffer
        size = os.fstat(source).st_size
        sys.stdout.flush()
        while offset < size:
            sent = os.sendfile(target, source, offset, size - offset)
            if not sent:
                break
            offset += sent
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass  # no sendfile here (another OS), a stdout with no file (a test's buffer), or one it cannot write to
    return offset


def _catalogue_warn(unknown_columns: tuple[str, ...]) -> None:
    if unknown_columns:
        click.echo(_("Warning: columns set aside (not product columns): {columns}").format(
            columns=", ".join(unknown_columns)), err=True)


def _catalogue_failed(errors: Any, advised: int) -> None:
    """Name each row not advised on stderr, and fail (exit 1) when there is one."""
    for error in errors:
        click.echo(_("row {row}: {message}").format(row=error.row, message=error.message), err=True)
    if errors:
        raise CheckFailed(_("{failed} of {rows} products failed").format(failed=len(errors), rows=len(errors) + advised))


def _catalogue_done(result: Any, text: str | bytes, output: str, trace_dir: str | None, chart_path: Path | None) -> None:
    """Warn of set-aside columns, write the traces, the chart and the output (whole), and fail when rows failed."""
    from .. import write_catalogue_chart as write_chart

    _catalogue_warn(result.unknown_columns)
    if chart_path is not None:
        _chart_to(chart_path, lambda: write_chart(result, chart_path))
    if trace_dir is not None:
        result.save_traces(trace_dir)
    if output == "-":
        click.echo(text, nl=False)
    else:
        from .._files import safe_files as safe_files

        try:
            safe_files.replace(Path(output), text if isinstance(text, bytes) else text.encode("utf-8"), named=True)
        except OSError as exc:
            raise InputError(_("{path}: cannot write the output ({reason})").format(path=output, reason=exc.strerror)) from None
    _catalogue_failed(result.errors, len(result.products))


# -- serve -------------------------------------------------------------------
# The web page and JSON API (issue 12). The web extra is imported only here, so
# `sellerexpert --help` stays fast and works without it.


_HELP_SERVE = N_(
    """Serve the consultation page and the JSON API (/api/v1) over HTTP.

Needs the web extra: pip install 'sellerexpert[web]'. Open the address it
prints in a browser; the API is described at /openapi.json.

\b
Example:
  sellerexpert serve
  sellerexpert serve --port 8080 --workers 2
  SELLEREXPERT_API_KEY=s3cret sellerexpert serve --host 0.0.0.0"""
)


@cli.command("serve", context_settings=CONTEXT_SETTINGS, help=_HELP_SERVE)
@click.option("--host", default="127.0.0.1", show_default=True,
              help=N_("Address to listen on; anything but a loopback address needs an API key."))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help=N_("Port to listen on."))
@click.option("--workers", type=click.IntRange(1, MAX_SERVER_WORKERS), default=1, show_default=True, metavar="N",
              help=N_("Server processes; each loads the rule book once."))
@click.option("--api-key", envvar="SELLEREXPERT_API_KEY", metavar="KEY",
              help=N_("Require KEY on the API ('Authorization: Bearer KEY') and on the pages, where the browser "
                      "asks for it as a password (also SELLEREXPERT_API_KEY)."))
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help=N_("Let pages from ORIGIN call the API from a browser (repeatable; none by default)."))
@click.option("--engine", type=Choice(["compiled", "experta"]), default="compiled", show_default=True,
              help=N_("compiled: the compiled evaluator (the same result and trace, "
                      "much faster); experta: the engine of record."))
@click.option("--access-log/--no-access-log", default=True, show_default=True, help=N_("Log each request to stderr."))
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help=N_("Also answer requests addressed to NAME (repeatable); by default only localhost and "
                      "IP addresses are answered, which a DNS rebinding page cannot use."))
@click.option("--max-connections", type=click.IntRange(1, 100_000), metavar="N",
              help=N_("Open connections at most per process (default: 1000, or fewer if ulimit -n is lower); "
                      "past it the longest-idle connection is closed."))
@click.option("--time-limit", type=click.FloatRange(0, 3600, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help=N_("Longest an explain, audit or batch request may work (503 past it)."))
@rules_option
@lang_option
@pass_session
def serve(session: Session, host: str, port: int, workers: int, api_key: str | None, cors_origins: tuple[str, ...],
          engine: str, access_log: bool, allowed_hosts: tuple[str, ...], max_connections: int | None,
          time_limit: float) -> None:
    """Serve the consultation page and the JSON API (/api/v1) over HTTP."""
    try:
        from ..web import ServerLimits, WebSettings, connection_cap
        from ..web import serve as run_server
    except ImportError as exc:
        raise InputError(
            _("serve needs the web extra ({module} is missing): pip install 'sellerexpert[web]'").format(module=exc.name)
        ) from None
    session.advisor  # noqa: B018 - load and check the rule pack before binding the port: a broken pack exits 2 here
    settings = WebSettings(rules_dir=session.rules_dir, api_key=api_key, cors_origins=cors_origins, engine=engine,  # type: ignore[arg-type]
                           allowed_hosts=allowed_hosts or None, time_limit=time_limit,
                           lang=_i18n.current())  # --lang, else the locale: the page's default language
    try:
        limits = ServerLimits(max_connections=connection_cap(max_connections))
    except ValueError as exc:
        raise BadValue(say(exc), param_hint="'--max-connections'") from None
    try:
        run_server(settings, host=host, port=port, workers=workers, access_log=access_log, limits=limits)
    except ValueError as exc:
        raise BadValue(say(exc), param_hint="'--host'") from None
    except SystemExit as exc:
        # uvicorn leaves with exit code 3 when it cannot start (most often: the port is taken).
        if exc.code not in (0, None):
            raise CheckFailed(
                _("the server could not start on {address} (is the port already in use? try --port)").format(
                    address=f"{host}:{port}"
                )
            ) from None
        raise


# -- examples --------------------------------------------------------------

_HELP_EXAMPLES = N_(
    """List the example files shipped with sellerexpert, to try the commands on.

Profiles for consult, a profile with its own quotes for margin, and a CSV
of sellers for batch. Copy them into a folder of your own with
`sellerexpert examples copy DIR`.

\b
Example:
  sellerexpert examples
  sellerexpert examples copy examples"""
)


@cli.group("examples", context_settings=CONTEXT_SETTINGS, help=_HELP_EXAMPLES, invoke_without_command=True)
@lang_option
@click.pass_context
def examples_command(ctx: click.Context) -> None:
    """List the example files shipped with sellerexpert, to try the commands on."""
    if ctx.invoked_subcommand is not None:
        return
    from .. import example_files

    shown = example_files()
    width = max(len(example.name) for example in shown)
    for example in shown:
        click.echo(f"{example.name:<{width}}  {_(example.description) if example.description else ''}".rstrip())


_HELP_EXAMPLES_COPY = N_(
    """Copy the shipped examples into folder DIR (made if missing), overwriting nothing.

Nothing is copied when DIR already holds a file of an example's name.

\b
Example:
  sellerexpert examples copy examples
  sellerexpert consult --profile examples/one-person-shop.yaml"""
)


@examples_command.command("copy", context_settings=CONTEXT_SETTINGS, help=_HELP_EXAMPLES_COPY)
@click.argument("target", metavar="DIR", type=click.Path(path_type=Path))
@lang_option
def examples_copy(target: Path) -> None:
    """Copy the shipped examples into folder DIR (made if missing), overwriting nothing."""
    from .. import ExamplesError, copy_examples

    try:
        written = copy_examples(target)
    except ExamplesError as exc:
        raise BadValue(say(exc), param_hint="'DIR'") from None
    for path in written:
        click.echo(str(path))
    click.echo(_("Copied {count} examples into {folder}.").format(count=len(written), folder=target), err=True)
