"""Typer/click usage errors (a bad value, an unknown option or command, a missing argument) as
one line naming the command and what to change, like every other coursectl error.

Imported only when such an error happens, so `coursectl --help` does not pay for it.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

# Typer's click exception classes, found through typer.BadParameter (public in every typer):
# newer typer bundles its own copy of click, older typer re-exports click's.
_CLICK_EXCEPTIONS = sys.modules[typer.BadParameter.__module__]


def shows_help(error: Exception) -> bool:
    """A group run without arguments: its "message" is the help text, shown as is."""
    no_args_is_help = getattr(_CLICK_EXCEPTIONS, "NoArgsIsHelpError", None)
    return no_args_is_help is not None and isinstance(error, no_args_is_help)


def _parameter_name(error: Any) -> str | None:
    """The option (its long form) or argument (as the usage line shows it) a usage error is
    about, unquoted."""
    hint = getattr(error, "param_hint", None)
    names = [hint] if isinstance(hint, str) else list(hint or ())
    param = getattr(error, "param", None)
    if not names and param is not None:
        if param.param_type_name == "option" and param.opts:
            names = list(param.opts)
        else:  # an argument: its metavar, else its name in capitals as in the usage line
            shown = param.get_error_hint().split(" (env var")[0].strip("'")
            names = [shown.upper() if shown == param.name else shown]
    names = [name.strip("'") for name in names]
    long_names = [name for name in names if name.startswith("--")]
    return (long_names or names or [None])[0]


def _rejected_value(error: Any) -> object | None:
    """The value typer could not convert, when its (pydantic) cause carries it."""
    errors = getattr(error.__cause__, "errors", None)
    try:
        first = errors()[0] if callable(errors) else None
    except Exception:  # a cause of another shape: say what we can without the value
        return None
    return first.get("input") if isinstance(first, dict) else None


def _sentence(text: str) -> str:
    """`text` as a clause of our one-line format: no trailing period, lower-case start
    (unless it starts with an acronym), on one line."""
    text = " ".join(text.split()).rstrip(".")
    if text[:2].istitle():
        text = text[0].lower() + text[1:]
    return text


def usage_error_line(error: Exception, command_path: str) -> str:
    """A Typer/click usage error as one line: `coursectl deadlines: --week: 'abc': input
    should be a valid integer; try --help`. The command is the error's context (which every
    command's context fills in, see _common.NamingContext); `command_path` is used when it
    has none."""
    ctx = getattr(error, "ctx", None)
    path = ctx.command_path if ctx is not None else command_path
    message = _sentence(str(getattr(error, "message", error)))
    name = _parameter_name(error)
    if isinstance(error, _CLICK_EXCEPTIONS.MissingParameter) and name:
        kind = getattr(error, "param_type", None) or error.param.param_type_name
        detail = getattr(error, "message", "")
        message = f"missing {kind} {name}" + (f": {_sentence(detail)}" if detail else "")
    elif isinstance(error, _CLICK_EXCEPTIONS.BadParameter):
        value = _rejected_value(error)
        if value is not None and repr(value) not in message:
            message = f"{value!r}: {message}"
        message = f"{name}: {message}" if name else f"invalid value: {message}"
    elif isinstance(error, _CLICK_EXCEPTIONS.NoSuchOption):
        possibilities = sorted(getattr(error, "possibilities", None) or ())
        if possibilities:
            message += f" (did you mean {' or '.join(possibilities)}?)"
    return f"{path}: {message}; try --help"
