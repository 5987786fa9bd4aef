"""The contract between reflection sources and the checker.

A source turns `RepoRequest`s into `RepoFetch`es; it never judges word counts or lateness —
`coursectl.reflections.check` does that from the snapshots alone, the same way for every source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol


@dataclass(frozen=True)
class RepoRequest:
    """Where one student's reflection should be."""

    sid: str
    github: str  # student's GitHub login
    repo: str  # "owner/name", from the deliverable's repo pattern
    path: str  # file path inside the repo


@dataclass(frozen=True)
class FileSnapshot:
    """One version of the reflection file."""

    content: bytes  # raw file bytes (may be non-UTF-8, binary, huge)
    commit_sha: str
    received_at: datetime  # tz-aware; GitHub: when the push reached GitHub; local: commit date
    time_verified: bool  # True only for server-side receive time (push events)
    time_source: TimeSource | None = None  # None: "push" if time_verified else "commit"

    @property
    def time_kind(self) -> TimeSource:
        if self.time_source is not None:
            return self.time_source
        return "push" if self.time_verified else "commit"


Outcome = Literal["ok", "no-repo", "no-access", "error"]

# Where `FileSnapshot.received_at` comes from: a push event on the server (verified), a commit
# date (set by the student), a file's modification time, or nothing ("none": the source has no
# time at all, received_at is then the cutoff and must not be shown as a submission time).
TimeSource = Literal["push", "commit", "mtime", "none"]


@dataclass(frozen=True)
class RepoFetch:
    """What a source found for one request.

    `outcome` is about the repository, not the file: "ok" with `on_time` and `latest` both None
    means the repo is there but the file never was.
    """

    request: RepoRequest
    outcome: Outcome
    reason: str = ""  # for no-access/error, one line, no secrets
    on_time: FileSnapshot | None = None  # file as of the last version at/before deadline+grace
    latest: FileSnapshot | None = None  # newest version if it differs from on_time (a late version)


class ReflectionSource(Protocol):
    def fetch(
        self,
        requests: Sequence[RepoRequest],
        cutoff: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> list[RepoFetch]:
        """Fetch every request; cutoff = due + grace; progress(n) is called as n more are done.

        Returns one RepoFetch per request, in the order of `requests`. A failure for one repo is
        that repo's outcome ("error" with a reason), never an exception for the whole run.
        """
        ...


SourceName = Literal["local", "github"]
SOURCE_NAMES: tuple[SourceName, ...] = ("local", "github")


@dataclass(frozen=True)
class SourceOptions:
    """Everything a source may need; each source reads only its own fields."""

    local_dir: Path | None = None  # --source local DIR
    use_mtime: bool = False  # local, exported folders: trust file modification times
    api_url: str | None = None  # github: GitHub Enterprise API URL (None: api.github.com)
    cache_dir: Path | None = None  # github: where ETags and final results are kept
    workers: int = 4  # concurrent repositories
    # github: an on-time version for which this is True settles the student's status (later
    # pushes cannot change it), so it is not fetched again once the cutoff has passed.
    settled: Callable[[FileSnapshot], bool] | None = None
