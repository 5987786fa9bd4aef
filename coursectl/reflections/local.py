"""`--source local DIR`: reflections from a folder of student clones or exported submissions.

DIR holds one folder per student, named by the student's GitHub login (any case) or by the
repository name (`reflections-<login>`, or `<owner>/<name>` as two levels):

- a git clone (it has its own `.git`): the file's history on the clone's current branch, dated by
  **commit dates** — the student sets those, so they are reported as unverified;
- any other folder is an export (plain files): no history and, unless `use_mtime` is set, no
  time at all (the file's modification time usually says when it was unpacked, not submitted).

Only `git` on PATH is needed; no git library.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from coursectl.reflections.check import MAX_FILE_BYTES
from coursectl.reflections.source import FileSnapshot, RepoFetch, RepoRequest

# Reading stops one byte past the checker's limit: enough for it to call the file too big to be
# a reflection, and a stray video in a student folder never fills memory.
READ_LIMIT = MAX_FILE_BYTES + 1

_GIT_TIMEOUT = 30  # seconds; a hung git (network filesystem, lock) fails one student, not all
_GIT_ENV = {
    **os.environ,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # read-only: never take index.lock in a student's clone
    "LC_ALL": "C",
}


class GitError(Exception):
    """A git command failed; the message is one line for the report."""


@dataclass(frozen=True)
class _Commit:
    sha: str
    date: datetime  # committer date, as the student's git wrote it


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            env=_GIT_ENV,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed; install git to read student clones") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took over {_GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # git's own verdict is the "fatal:"/"error:" line; hints follow it.
        verdict = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), None)
        message = (verdict or (lines[0] if lines else f"exit {done.returncode}")).strip()
        raise GitError(f"git {args[0]}: {message}")
    return done.stdout


def _first_parent_history(repo: Path) -> list[_Commit]:
    """Commits on the current branch, newest first, following first parents (merges: mainline)."""
    try:
        out = _git(repo, "log", "--first-parent", "--format=%H %cI", "HEAD")
    except GitError as exc:
        # An empty clone (nothing pushed yet) has no HEAD commit: no history, not an error.
        if "does not have any commits" in str(exc) or "unknown revision" in str(exc):
            return []
        raise
    commits = []
    for line in out.decode("ascii", "replace").splitlines():
        sha, _, stamp = line.partition(" ")
        commits.append(_Commit(sha, datetime.fromisoformat(stamp)))
    return commits


def _last_change(repo: Path, commit: str, path: str) -> _Commit | None:
    """The commit (on the first-parent line up to `commit`) that last changed `path`."""
    out = _git(repo, "log", "--first-parent", "-1", "--format=%H %cI", commit, "--", path)
    line = out.decode("ascii", "replace").strip()
    if not line:
        return None
    sha, _, stamp = line.partition(" ")
    return _Commit(sha, datetime.fromisoformat(stamp))


def _blobs(repo: Path, specs: Sequence[str]) -> list[tuple[str | None, int]]:
    """Object id and size of each `commit:path`; (None, 0) where the file does not exist."""
    out = _git(repo, "cat-file", "--batch-check", stdin="".join(f"{s}\n" for s in specs).encode())
    found: list[tuple[str | None, int]] = []
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split()
        ok = len(parts) == 3 and parts[1] == "blob"
        found.append((parts[0], int(parts[2])) if ok else (None, 0))
    return found


# A symbolic link's blob is its target path: short. Only blobs this small are asked about
# (one more git call), so ordinary reflections cost nothing extra.
_LINK_SIZE = 1024


def _read_blob(repo: Path, blob: str) -> bytes:
    """The blob's bytes, at most READ_LIMIT of them."""
    with subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "blob", blob],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_GIT_ENV,
    ) as proc:
        assert proc.stdout is not None
        data = proc.stdout.read(READ_LIMIT)
        proc.kill()  # the rest of a huge blob is not wanted
    return data


def _is_symlink(repo: Path, commit: str, path: str) -> bool:
    """Whether `path` is committed as a symbolic link (mode 120000): its blob is a path."""
    out = _git(repo, "ls-tree", commit, "--", path)
    return out.startswith(b"120000 ")


def _read_file(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(READ_LIMIT)


def _folder_or_link(path: Path) -> bool:
    """A possible student folder: a folder, or a link named like one (even a broken one, so
    that the student gets an error saying so, not "no folder")."""
    if path.name.startswith("."):
        return False
    return path.is_dir() or (path.is_symlink() and not path.exists())


def is_git_clone(folder: Path) -> bool:
    """A clone of its own: `.git` right here (a folder, or a file for worktrees/submodules).

    Asking git instead would find a repository *around* DIR (e.g. samples/ inside coursectl's
    own checkout) and read the wrong history.
    """
    return (folder / ".git").exists()


class LocalSource:
    """Reads reflections from DIR; see the module docstring for the folder layout."""

    def __init__(self, root: Path, *, use_mtime: bool = False, workers: int = 4) -> None:
        self.root = root
        self.use_mtime = use_mtime
        self.workers = max(1, workers)
        self._index: dict[str, Path] | None = None
        # For the TA, once per run (e.g. DIR holds no student folder at all).
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ finding a student's folder

    def _folders(self) -> dict[str, Path]:
        """Lower-cased names of DIR's sub-folders (and owner/name pairs one level deeper)."""
        if self._index is None:
            index: dict[str, Path] = {}
            for child in sorted(self.root.iterdir()):
                if not _folder_or_link(child):
                    continue
                index.setdefault(child.name.lower(), child)
                if child.is_dir() and not is_git_clone(child):
                    for grandchild in sorted(child.iterdir()):
                        if _folder_or_link(grandchild):
                            index.setdefault(f"{child.name}/{grandchild.name}".lower(), grandchild)
            self._index = index
        return self._index

    def folder_for(self, request: RepoRequest) -> Path | None:
        """The student's folder: by GitHub login, repository name, or owner/name (any case)."""
        index = self._folders()
        repo_name = request.repo.rsplit("/", 1)[-1]
        for key in (request.github, repo_name, request.repo):
            if key and key.lower() in index:
                return index[key.lower()]
        return None

    def _link_leaving_root(self, folder: Path) -> str | None:
        """Why a student's folder is not read when it (or the owner folder above it) is a
        symbolic link to outside DIR, or to nothing; None for a folder inside DIR. A link may
        point anywhere (a TA's home, another course's submissions): as for a link to a file,
        only what is inside DIR is read."""
        shown = folder.relative_to(self.root)
        try:
            target = folder.resolve()
        except RuntimeError:  # a loop of links (Python 3.11; later versions raise OSError)
            return f"folder {shown} is a loop of symbolic links; not followed"
        if not target.exists():
            return f"folder {shown} is a symbolic link to a missing folder"
        if not target.is_relative_to(self.root.resolve()):
            return f"folder {shown} is a symbolic link to outside {self.root}; not followed"
        return None

    # ------------------------------------------------------------------ reading one student

    def _from_clone(self, request: RepoRequest, folder: Path, cutoff: datetime) -> RepoFetch:
        history = _first_parent_history(folder)
        if not history:
            return RepoFetch(request, "ok", reason="the clone has no commits")
        head = history[0]
        # The branch as it stood at the cutoff: the newest commit dated at or before it. Dates
        # are the student's own, so a backdated commit passes — the report says so.
        at_cutoff = next((c for c in history if c.date <= cutoff), None)
        specs = [f"{head.sha}:{request.path}"]
        if at_cutoff is not None:
            specs.append(f"{at_cutoff.sha}:{request.path}")
        blobs = _blobs(folder, specs)
        head_blob = blobs[0][0]
        on_time_blob = blobs[1][0] if at_cutoff is not None else None
        if head_blob is None and on_time_blob is None and (folder / request.path).exists():
            # In the working tree, never in a commit: not submitted, and the student should know.
            return RepoFetch(request, "ok", reason=f"{request.path} exists but was never committed")
        for (blob, size), commit in zip(blobs, (head, at_cutoff), strict=False):
            if (
                blob is not None
                and commit is not None
                and size < _LINK_SIZE
                and _is_symlink(folder, commit.sha, request.path)
            ):
                return RepoFetch(
                    request,
                    "error",
                    reason=f"{request.path} is committed as a symbolic link, not the reflection",
                )

        on_time = None
        if at_cutoff is not None and on_time_blob is not None:
            change = _last_change(folder, at_cutoff.sha, request.path) or at_cutoff
            on_time = FileSnapshot(
                _read_blob(folder, on_time_blob), change.sha, change.date, False, "commit"
            )
        latest = None
        if head_blob is not None and head_blob != on_time_blob:
            change = _last_change(folder, head.sha, request.path) or head
            latest = FileSnapshot(
                _read_blob(folder, head_blob), change.sha, change.date, False, "commit"
            )
        return RepoFetch(request, "ok", on_time=on_time, latest=latest)

    def _from_export(self, request: RepoRequest, folder: Path, cutoff: datetime) -> RepoFetch:
        candidates = [folder / request.path, folder / Path(request.path).name]
        inside = folder.resolve()
        for candidate in candidates:
            # Resolved first: a loop in the file or a folder above it hides it from exists().
            try:
                target = candidate.resolve()
            except (RuntimeError, OSError):  # a loop (RuntimeError on 3.11, OSError later)
                return RepoFetch(
                    request,
                    "error",
                    reason=f"{candidate.relative_to(folder)} is a loop of symbolic links; "
                    "not followed",
                )
            if not (candidate.is_symlink() or candidate.exists()):
                continue
            # A link may point anywhere (/etc/passwd, another student's folder): only what stays
            # inside this student's folder is theirs to submit.
            if not target.is_relative_to(inside):
                return RepoFetch(
                    request,
                    "error",
                    reason=f"{candidate.relative_to(folder)} is a symbolic link to outside the "
                    "student's folder; not followed",
                )
            if candidate.is_symlink() and not target.exists():
                return RepoFetch(
                    request,
                    "error",
                    reason=f"{candidate.relative_to(folder)} is a symbolic link to a missing file",
                )
        file = next((c for c in candidates if c.is_file()), None)
        if file is None:
            return RepoFetch(request, "ok")
        content = _read_file(file)
        if not self.use_mtime:
            # No trustworthy time: treat it as there at the cutoff, and say "none" so the
            # checker shows no submission time and does not judge lateness.
            return RepoFetch(
                request, "ok", on_time=FileSnapshot(content, "", cutoff, False, "none")
            )
        modified = datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
        snapshot = FileSnapshot(content, "", modified, False, "mtime")
        if modified <= cutoff:
            return RepoFetch(request, "ok", on_time=snapshot)
        return RepoFetch(request, "ok", latest=snapshot)

    def fetch_one(self, request: RepoRequest, cutoff: datetime) -> RepoFetch:
        """One student's result; any failure becomes that student's "error", never an exception."""
        try:
            folder = self.folder_for(request)
            if folder is None:
                return RepoFetch(
                    request,
                    "no-repo",
                    reason=f"no folder {request.github} or {request.repo.rsplit('/', 1)[-1]}",
                )
            refused = self._link_leaving_root(folder)
            if refused is not None:
                return RepoFetch(request, "error", reason=refused)
            if is_git_clone(folder):
                return self._from_clone(request, folder, cutoff)
            return self._from_export(request, folder, cutoff)
        except GitError as exc:
            return RepoFetch(request, "error", reason=str(exc))
        except PermissionError as exc:
            return RepoFetch(request, "no-access", reason=f"{exc.filename}: permission denied")
        except (OSError, ValueError, RuntimeError) as exc:
            # RuntimeError: pathlib's "symlink loop" on Python 3.11, wherever else one hides.
            return RepoFetch(request, "error", reason=f"{type(exc).__name__}: {exc}")

    def fetch(
        self,
        requests: Sequence[RepoRequest],
        cutoff: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> list[RepoFetch]:
        if not self.root.is_dir():
            # The whole run cannot start: a mistake in the command, not one student's problem.
            from coursectl.errors import UserError

            raise UserError(f"{self.root}: not a folder; give the folder of clones or exports")
        self._folders()  # build the index once, before the threads share it
        # Compare in UTC: datetimes sharing a ZoneInfo compare by wall clock, not real time.
        cutoff = cutoff.astimezone(UTC)

        def one(request: RepoRequest) -> RepoFetch:
            result = self.fetch_one(request, cutoff)
            if progress is not None:
                progress(1)
            return result

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            results = list(pool.map(one, requests))
        self.warnings = []
        if requests and all(self.folder_for(r) is None for r in requests):
            example = requests[0]
            others = len(self._folders())
            self.warnings.append(
                f"no student folders found in {self.root}: expected one folder per GitHub login "
                f"or repository name (e.g. {self.root / example.github}/{example.path} or "
                f"{self.root / example.repo.rsplit('/', 1)[-1]}/)"
                + (f"; it has {others} other folder(s)" if others else "; it is empty")
            )
        return results
