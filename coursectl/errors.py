"""User-facing problems: one line naming the file, the line and what to change.

Every mistake a TA can make (hand-edited YAML, a CSV export missing a column, a
student's repo that is not there) is reported as a `Problem`; a command that cannot
go on raises `UserError`, which the CLI turns into those lines and a non-zero exit —
never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one input file, with where it is and what to change."""

    file: str
    line: int | None
    column: int | None
    message: str

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
