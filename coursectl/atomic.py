"""Atomic output: a failed run leaves the previous file intact."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def _check_target(path: Path) -> None:
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same folder and a rename."""
    atomic_write_parts(path, (data,))


def atomic_write_parts(path: Path, parts: Iterable[bytes]) -> None:
    """Write `parts` one after another to `path`, atomically as `atomic_write_bytes` does.

    For outputs of 100 MB and more: the whole file never has to be one string in memory.
    """
    _check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        # Name the file the user asked for, not a temp file they never heard of.
        raise type(exc)(exc.errno, f"cannot write here ({exc.strerror})", str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise type(exc)(
            exc.errno, f"cannot write ({exc.strerror}); the previous file is unchanged", str(path)
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Text variant; `newline` replaces every "\\n" (use "\\r\\n" for CRLF formats)."""
    if newline != "\n":
        text = text.replace("\n", newline)
    atomic_write_bytes(path, text.encode(encoding))
