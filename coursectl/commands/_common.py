"""What every command shares: the --course option and turning user errors into one-line messages.

Kept light on purpose: this module is imported for `coursectl --help`, so it imports only
typer and the standard library.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

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
        except OSError as exc:  # disk full, permission denied, a path that is a folder, ...
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper
