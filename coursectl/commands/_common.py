"""What every command shares: the --course option and turning user errors (our own and Typer's
usage errors) into one-line messages.

Kept light on purpose: this module is imported for `coursectl --help`, so it imports only
typer and the standard library.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
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


def _undecodable_file(exc: UnicodeDecodeError) -> str | None:
    """The file being decoded when `exc` was raised, when a frame shows it: an open text file
    in a local variable (`handle.read()`), or the path a pathlib method was reading
    (`path.read_text()`). Innermost frame first."""
    frames = []
    trace = exc.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame)
        trace = trace.tb_next
    for frame in reversed(frames):
        if "pathlib" in frame.f_code.co_filename:  # pathlib.py, or pathlib/_local.py (3.13)
            owner = frame.f_locals.get("self")
            if isinstance(owner, PurePath):
                return str(owner)
        for value in frame.f_locals.values():
            name = getattr(value, "name", None) if isinstance(value, io.TextIOBase) else None
            if isinstance(name, str):
                return name
    return None


def _undecodable_message(exc: UnicodeDecodeError) -> str:
    file = _undecodable_file(exc)
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
            for line in exc.lines():
                print(f"error: {line}" if not line.startswith("error") else line, file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print(
                "interrupted; outputs already written are complete, the rest was not written",
                file=sys.stderr,
            )
            raise typer.Exit(130) from None
        except UnicodeDecodeError as exc:  # a reader that forgot to report it as a UserError
            print(_undecodable_message(exc), file=sys.stderr)
            raise typer.Exit(1) from None
        except OSError as exc:  # disk full, permission denied, a path that is a folder, ...
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper


# Typer's UsageError, found through typer.BadParameter (public in every typer): newer typer
# bundles its own copy of click, older typer re-exports click's. Formatting the line lives in
# coursectl/commands/usage_errors.py, imported only when there is an error (start-up time).
_USAGE_ERROR: type[Exception] = sys.modules[typer.BadParameter.__module__].UsageError


class OneLineUsageErrors(typer.core.TyperGroup):
    """The top-level command group: a usage error anywhere below it (a bad value, an unknown
    option or command, a missing argument) is printed as one line on stderr with click's exit
    code 2, instead of Typer's boxed message. Help output is untouched."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _USAGE_ERROR as exc:
            _exit_with_usage_line(exc, info_name or "coursectl")

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as exc:
            _exit_with_usage_line(exc, ctx.command_path)


def _exit_with_usage_line(exc: Exception, command_path: str) -> NoReturn:
    from coursectl.commands.usage_errors import shows_help, usage_error_line

    if shows_help(exc):
        raise exc
    print(usage_error_line(exc, command_path), file=sys.stderr)
    raise typer.Exit(getattr(exc, "exit_code", 2)) from None
