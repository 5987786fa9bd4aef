"""One output-writing job in a forked child process while the parent prepares the others.

assign-reviews at 10^5 students spends ~0.9 s writing the reviewer messages and ~0.5 s on the
CSV and manifest, each pure-Python work the GIL would serialise in threads. On Linux the
messages go to a forked child (which shares the parent's data without copying it), so the run
takes the longer of the two, not their sum. Elsewhere, when threads are running (forking them
is unsafe), or for small jobs, the job simply runs in the parent first.

The child reports back through a pipe: nothing on success, or its exception (a UserError keeps
its problems and exit code), which `wait()` raises in the parent as if the job had run there.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from coursectl.errors import UserError


class Background:
    """A started job: `wait()` for it (raising its error) or `cancel()` it."""

    def __init__(self, pid: int | None, reader: int | None, cleanup: Callable[[], None]) -> None:
        self._pid, self._reader, self._cleanup = pid, reader, cleanup

    def wait(self) -> None:
        if self._pid is None:
            return
        pid, reader = self._pid, self._reader
        self._pid = self._reader = None
        assert reader is not None
        payload = bytearray()
        try:
            with os.fdopen(reader, "rb") as pipe:
                while chunk := pipe.read(65536):
                    payload += chunk
            _, status = os.waitpid(pid, 0)
        except BaseException:  # Ctrl-C while waiting: stop the child too
            _kill(pid)
            self._cleanup()
            raise
        if payload:
            raise _unpack(bytes(payload))
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            self._cleanup()
            how = (
                f"was stopped by signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exited with {os.WEXITSTATUS(status)}"
            )
            raise UserError(f"the process writing the messages {how}; re-run the command")

    def cancel(self) -> None:
        """Stop the job (the parent failed): nothing it was writing may land."""
        if self._pid is None:
            return
        pid, reader = self._pid, self._reader
        self._pid = self._reader = None
        _kill(pid)
        if reader is not None:
            os.close(reader)
        self._cleanup()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def start(job: Callable[[], None], fork: bool, cleanup: Callable[[], None]) -> Background:
    """Run `job` in a forked child when `fork` (and forking is safe here), else right now.

    `cleanup` removes what a killed job may leave behind (its temp files)."""
    if not (fork and can_fork()):
        job()
        return Background(None, None, cleanup)
    reader, writer = os.pipe()
    sys.stdout.flush()  # or the child could write the parent's pending output a second time
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code
        payload = b""
        try:
            os.close(reader)
            _die_with(parent)
            job()
        except BaseException as exc:  # every failure goes back to the parent
            payload = _pack(exc)
        finally:
            try:
                _write_all(writer, payload)
            finally:
                os._exit(0)
    os.close(writer)
    return Background(pid, reader, cleanup)


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies (Linux prctl PR_SET_PDEATHSIG):
    a killed command must not leave a child writing student data on its own."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # best effort; the next run removes what is left
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pack(exc: BaseException) -> bytes:
    if isinstance(exc, UserError):
        return pickle.dumps(("user", exc.problems, exc.exit_code))
    try:
        return pickle.dumps(("error", exc))
    except Exception:  # an unpicklable exception still reaches the parent
        return pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _unpack(payload: bytes) -> BaseException:
    kind, *rest = pickle.loads(payload)  # our own child wrote it
    if kind == "user":
        problems, exit_code = rest
        return UserError(problems, exit_code)
    (exc,) = rest
    assert isinstance(exc, BaseException)
    return exc


def remove_temp_files(target: Path) -> Callable[[], None]:
    """The cleanup for a job writing `target` with coursectl.files (its temp files)."""

    from coursectl.files import leftover_temp_files

    def cleanup() -> None:
        for leftover in leftover_temp_files(target):
            leftover.unlink(missing_ok=True)

    return cleanup
