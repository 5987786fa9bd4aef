"""What every command shares: the --course option and turning user errors (our own and Typer's
usage errors) into one-line messages.

Kept light on purpose: this module is imported for `coursectl --help`, so it imports only
typer and the standard library.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
import typer.core

from coursectl.errors import UserError

P = ParamSpec("P")
R = TypeVar("R")

CourseDir = Annotated[
    Path,
    typer.Option(
        "--course",
        "-C",
        envvar="COURSECTL_COURSE",
        help="Course folder with schedule.yaml (default: the current folder; env COURSECTL_COURSE).",
        show_default=False,
        file_okay=False,
    ),
]


def _undecodable_file(exc: UnicodeDecodeError, arguments: Iterable[object]) -> str | None:
    """The file among the command's arguments (a path, or a list of paths) whose bytes hold
    the ones `exc` could not decode: the file a reader read without reporting the error."""
    paths: list[object] = []
    for value in arguments:
        paths += value if isinstance(value, list | tuple) else [value]
    data = bytes(exc.object)
    for path in paths:
        if isinstance(path, PurePath):
            try:
                if data in Path(path).read_bytes():
                    return str(path)
            except OSError:  # a folder, a file gone since: not the one
                continue
    return None


def _undecodable_message(exc: UnicodeDecodeError, arguments: Iterable[object] = ()) -> str:
    file = _undecodable_file(exc, arguments)
    data = exc.object
    byte = (
        f" (byte 0x{data[exc.start]:02x})"
        if isinstance(data, bytes) and exc.start < len(data)
        else ""
    )
    encoding = exc.encoding.upper().replace("UTF8", "UTF-8")
    return (
        f"error: {file + ': ' if file else 'a file is '}not {encoding} text{byte}; save it as UTF-8"
    )


def report_user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a UserError as its one-line problems on stderr and exit non-zero — no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            _exit_with_user_error(exc)
        except KeyboardInterrupt:
            print(
                "interrupted; outputs already written are complete, the rest was not written",
                file=sys.stderr,
            )
            raise typer.Exit(130) from None
        except UnicodeDecodeError as exc:  # a reader that forgot to report it as a UserError:
            # name the file when it is one the command was given
            print(_undecodable_message(exc, [*args, *kwargs.values()]), file=sys.stderr)
            raise typer.Exit(1) from None
        except OSError as exc:  # disk full, permission denied, a path that is a folder, ...
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper


def _exit_with_user_error(exc: UserError) -> NoReturn:
    for line in exc.lines():
        print(f"error: {line}" if not line.startswith("error") else line, file=sys.stderr)
    raise typer.Exit(exc.exit_code) from None


def format_option(formats: type[StrEnum], help: str, unknown: str) -> Any:
    """The one way a command declares --format/-f: a member of `formats` (case does not
    matter, the shell completes them); any other value is a one-line error, `unknown` with
    {value} filled in, e.g. "--format: '{value}' is not a format; use md or html"."""

    def parse(value: str) -> StrEnum:
        try:
            return formats(str(value).lower())
        except ValueError:
            raise UserError(unknown.format(value=value)) from None

    return typer.Option(
        "--format",
        "-f",
        parser=parse,
        metavar="[" + "|".join(formats) + "]",
        autocompletion=lambda: list(formats),
        help=help,
        show_default=False,
    )


class TableFormat(StrEnum):
    """What a command that prints a table can print instead: the same rows as JSON."""

    table = "table"
    json = "json"


TableFormatOption = Annotated[
    TableFormat,
    format_option(
        TableFormat,
        "table (to read) or json (for scripts; the same rows).",
        "--format: '{value}' is not a format; use table or json",
    ),
]


def echo_json(data: Any) -> None:
    """--format json: `data` on standard output, indented, non-ASCII names kept readable."""
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def fit_ids(console: Any, table: Any, ids: Iterable[str], column: int = 0) -> Any:
    """`table` (a rich Table) whose `column` shows `ids`, kept as wide as the longest id
    when the table is too wide for the console: rich then wraps the other columns instead of
    cutting or folding an id (an 80-column terminal shows each whole, on one line)."""
    longest = max((len(i) for i in ids), default=0)
    unbounded = console.options.update_width(sys.maxsize)
    if longest and console.measure(table, options=unbounded).maximum > console.width:
        table.columns[column].width = longest
    return table


# Typer's UsageError, found through typer.BadParameter (public in every typer): newer typer
# bundles its own copy of click, older typer re-exports click's. Formatting the line lives in
# coursectl/commands/usage_errors.py, imported only when there is an error (start-up time).
_USAGE_ERROR: type[Exception] = sys.modules[typer.BadParameter.__module__].UsageError


class NamingContext(typer.Context):
    """A click context that puts itself into a usage error raised while it is active and
    carrying no context: click's parser raises some (an option missing its value) without one,
    and the one-line message names the command through the error's `ctx`."""

    def __exit__(self, exc_type: Any, exc_value: Any, tb: Any) -> Any:
        if isinstance(exc_value, _USAGE_ERROR) and getattr(exc_value, "ctx", 1) is None:
            exc_value.ctx = self  # type: ignore[attr-defined]
            exc_value.cmd = self.command  # type: ignore[attr-defined]
        return super().__exit__(exc_type, exc_value, tb)


def _use_naming_contexts(command: Any) -> None:
    command.context_class = NamingContext
    for sub in getattr(command, "commands", {}).values():
        _use_naming_contexts(sub)


class OneLineUsageErrors(typer.core.TyperGroup):
    """The top-level command group: a usage error anywhere below it (a bad value, an unknown
    option or command, a missing argument) is printed as one line on stderr with click's exit
    code 2, instead of Typer's boxed message. Help output is untouched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_naming_contexts(self)  # every command below names itself in its usage errors

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _USAGE_ERROR as exc:
            _exit_with_usage_line(exc, info_name or "coursectl")
        except UserError as exc:  # an option's own check (format_option) while parsing
            _exit_with_user_error(exc)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as exc:
            _exit_with_usage_line(exc, ctx.command_path)
        except UserError as exc:
            _exit_with_user_error(exc)


def _exit_with_usage_line(exc: Exception, command_path: str) -> NoReturn:
    from coursectl.commands.usage_errors import shows_help, usage_error_line

    if shows_help(exc):
        raise exc
    print(usage_error_line(exc, command_path), file=sys.stderr)
    raise typer.Exit(getattr(exc, "exit_code", 2)) from None
