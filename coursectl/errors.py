"""User-facing problems: one line naming the file, the line and what to change.

Every mistake a TA can make (hand-edited YAML, a CSV export missing a column, a
student's repo that is not there) is reported as a `Problem`; a command that cannot
go on raises `UserError`, which the CLI turns into those lines and a non-zero exit —
never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Secrets that can reach a message: a URL's user:password@ (e.g. --api-url
# http://x-access-token:TOKEN@host), GitHub's token shapes (ghp_ personal, gho_ OAuth, ghu_/ghs_/
# ghr_ app tokens, github_pat_ fine-grained) and the value of an Authorization header.
_SECRETS = re.compile(
    r"(?P<url>://)[^/@\s]+@"
    r"|(?P<shape>\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]+)"
    r"|(?P<access>x-access-token:)[^@\s]+"
    r"|(?P<header>authorization[\"']?\s*[:=]\s*[\"']?(?:(?:token|bearer|basic)\s+)?)[^\s,;'\"]+"
    r"|(?P<scheme>\b(?:token|bearer)\s+)(?=\S*\d)[A-Za-z0-9_.~+/=-]{8,}",
    re.IGNORECASE,
)


def _hide(match: re.Match[str]) -> str:
    if match.lastgroup == "url":
        return "://***@"
    if match.lastgroup == "shape":
        return "***"
    return f"{match.group(match.lastgroup or 0)}***"


def redact(text: str) -> str:
    """`text` with every credential-shaped part replaced by ***: applied to every message, log
    line and cache file the tool writes, so a token given by mistake is never shown or kept."""
    return _SECRETS.sub(_hide, text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one input file, with where it is and what to change."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))
        object.__setattr__(self, "file", redact(self.file))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def problem(
    file: str | Path, message: str, line: int | None = None, column: int | None = None
) -> Problem:
    return Problem(str(file), line, column, message)


def decode_error_line(exc: UnicodeDecodeError) -> int | None:
    """The 1-based line of the first byte that is not valid text, from the bytes the error
    carries (None when it carries none)."""
    data = exc.object
    if not isinstance(data, bytes | bytearray):
        return None
    return bytes(data[: exc.start]).count(b"\n") + 1


class UserError(Exception):
    """A mistake in the user's input or invocation; the CLI prints it and exits non-zero."""

    def __init__(self, problems: Problem | str | Iterable[Problem], exit_code: int = 1) -> None:
        if isinstance(problems, Problem | str):
            problems = (
                [problems] if isinstance(problems, Problem) else [Problem("", None, None, problems)]
            )
        self.problems: list[Problem] = list(problems)
        self.exit_code = exit_code
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) if p.file else p.message for p in self.problems]


class RedactingFilter(logging.Filter):
    """A logging filter that passes every record with its message redacted (see `redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
