"""Files coursectl writes: atomic replacement, the one CSV writer, output paths and formats,
and whether git would publish a file.

Atomic output: a failed run leaves the previous file intact.

File modes: a replaced file keeps its mode (a calendar a TA made world-readable for a web
server stays so); a new file gets the mode `open()` would give it (0666 less the umask), or
0600 with `private=True` for outputs that name students (grades, rosters, review allocations,
reflection reports: FERPA).
"""

from __future__ import annotations

import csv
import errno
import io
import os
import secrets
import stat
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from pathlib import Path

PUBLIC_MODE = 0o666  # the kernel takes the umask (or a folder's default ACL) off this
PRIVATE_MODE = 0o600


def check_target(path: Path) -> None:
    """Refuse a target that is not (or cannot become) a regular file, naming that path.

    Without this the CLI printed the temp file's name ("/tmp/.x.ab12.tmp: Is a directory") or a
    bare "File exists", and a device such as /dev/full was silently replaced by a regular file.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None  # a parent is a file: reported below
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(
            errno.EISDIR, "is a folder; give the path of a file inside it", str(path)
        )
    if mode is not None and not stat.S_ISREG(mode):
        raise OSError(
            errno.EINVAL, "is not a regular file (a device or pipe); give a file path", str(path)
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(
                    errno.ENOTDIR,
                    "is a file, not a folder; choose another output path",
                    str(parent),
                )
            break


def _existing_mode(path: Path) -> int | None:
    """Permission bits of the file being replaced, or None when there is none yet."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


_TEMP_NAME = ".{name}.{tag}.tmp"  # hidden, beside the target, recognisable as leftovers


def leftover_temp_files(path: Path) -> list[Path]:
    """Temp files an interrupted write of `path` may have left (a killed process cannot
    remove its own)."""
    return list(path.parent.glob(_TEMP_NAME.format(name=path.name, tag="*")))


# A temp file this old is a killed run's leftover (a write takes seconds at most); a younger one
# may belong to a run still writing, so it is left alone.
STALE_TEMP_SECONDS = 15 * 60


def _remove_stale_temp_files(path: Path) -> None:
    """A killed run's temp files name students (grades, rosters): the next write removes them."""
    import time

    for leftover in leftover_temp_files(path):
        try:
            if time.time() - leftover.stat().st_mtime > STALE_TEMP_SECONDS:
                leftover.unlink()
        except OSError:
            continue  # gone already, or not ours to remove: it breaks nothing


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """A new temp file beside `path`, created with `mode` (the kernel applies the umask).

    Not tempfile.mkstemp: it always creates 0600, and reading the umask to correct that
    afterwards means setting it (os.umask), which races with other threads.
    """
    while True:
        tmp = str(path.parent / _TEMP_NAME.format(name=path.name, tag=secrets.token_hex(4)))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), tmp
        except FileExistsError:
            continue


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write `data` to `path` through a temp file in the same folder and a rename.

    `private=True`: a new file is readable by its owner only (0600); for files naming students.
    """
    check_target(path)
    keep_mode = _existing_mode(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path, PRIVATE_MODE if private else PUBLIC_MODE)
    except OSError as exc:
        # Name the file the user asked for, not a temp file they never heard of.
        raise type(exc)(exc.errno, f"cannot write here ({exc.strerror})", str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            if keep_mode is not None:
                os.fchmod(handle.fileno(), keep_mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _remove_stale_temp_files(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise type(exc)(
            exc.errno, f"cannot write ({exc.strerror}); the previous file is unchanged", str(path)
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(
    path: Path, text: str, encoding: str = "utf-8", newline: str = "\n", *, private: bool = False
) -> None:
    """Text variant; `newline` replaces every "\\n" (use "\\r\\n" for CRLF formats)."""
    if newline != "\n":
        text = text.replace("\n", newline)
    atomic_write_bytes(path, text.encode(encoding), private=private)


@contextmanager
def exclusive(lock_file: Path, busy: str) -> Iterator[None]:
    """Hold an advisory lock on `lock_file` (created 0600) for the block, or raise UserError
    `busy` at once when another process holds it: two runs writing the same outputs would
    remove each other's staging files. The lock is freed when the process ends, however it
    ends. Where there is no flock (Windows) the block runs unlocked."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    from coursectl.errors import UserError

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(busy) from None
        yield
    finally:
        os.close(descriptor)


# --- the one CSV writer: every CSV coursectl writes goes through csv_text
# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...) in a name).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A cell is text (str) or a number (int, float, Decimal). The type decides, not the look: a
# str is always text and neutralised ("-1" as a name becomes "'-1"); a number is never touched
# (a score of -1.5 stays -1.5 for Canvas and spreadsheets). Code that formats a number itself
# ("2.50") passes Decimal("2.50"). None and NaN are empty cells.
Cell = str | int | float | Decimal | None


def neutralise(cell: str) -> str:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe (OWASP's advice).

    Text that already starts with apostrophes before a formula character gets one more, so
    `unneutralise` gives back exactly what was written."""
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_PREFIXES) else cell


def unneutralise(cell: str) -> str:
    """What `neutralise` was given: for reading back a CSV coursectl wrote (a roster). A CR
    inside a cell comes back as "\n" (see _cell_text)."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        text = neutralise(cell)
        # The csv module quotes a cell holding "\n" but not one holding a bare "\r", which
        # spreadsheets read as a line end (a row split in two): CR line ends become "\n".
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    if isinstance(cell, bool):  # a bool is an int to Python; written as words, not 1/0
        return "true" if cell else "false"
    if isinstance(cell, float) and cell != cell:  # NaN
        return ""
    return str(cell)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """CSV text: a header, then rows; "\n" line ends; text cells (header too) neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(name) for name in header])
    writer.writerows([_cell_text(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, private: bool = True
) -> None:
    """`csv_text` written atomically; private (0600) unless said otherwise: CSVs name students."""
    atomic_write_text(path, csv_text(header, rows), private=private)


# --- output paths and formats: what every `--out` file shares
# The formats coursectl writes, by the extensions that name them, and how a TA calls them.
EXTENSION_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".json": "json",
}
FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "csv": "CSV", "json": "JSON"}


def display_path(path: Path) -> str:
    """A path as a TA would type it: relative to the current folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def extension_warning(out: Path | None, fmt: str) -> str | None:
    """A one-line warning when the --out file's extension names another format than `fmt`
    (one of FORMAT_NAMES); None when they agree or the extension is one we do not know."""
    if out is None:
        return None
    named = EXTENSION_FORMATS.get(out.suffix.lower())
    if named is None or named == fmt:
        return None
    return (
        f"{display_path(out)}: writing {FORMAT_NAMES.get(fmt, fmt)} into a {out.suffix} file; "
        f"name it .{fmt} or change --format"
    )


# --- whether git would publish a file: outputs naming students must stay out of commits (FERPA)


class GitState(Enum):
    TRACKED = "tracked"  # committed or staged: grades would go into history
    NOT_IGNORED = "not-ignored"  # `git add .` would pick it up
    IGNORED = "ignored"
    NO_GIT = "no-git"


def git_state(path: Path) -> GitState:
    """What git would do with `path` (which may not exist yet)."""
    folder = path.parent if path.parent.exists() else Path.cwd()
    try:
        inside = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return GitState.NO_GIT
        absolute = str(path.resolve())
        tracked = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "--error-unmatch", absolute],
            capture_output=True,
            check=False,
        )
        if tracked.returncode == 0:
            return GitState.TRACKED
        ignored = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", "--no-index", absolute],
            capture_output=True,
            check=False,
        )
        return GitState.IGNORED if ignored.returncode == 0 else GitState.NOT_IGNORED
    except OSError:  # git not installed
        return GitState.NO_GIT
