"""Choosing a reflection source by name: `--source local DIR` or `--source github`.

The command only calls `make_source`; each source lives in its own module and is imported here
lazily, so the GitHub client is loaded only when it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from coursectl.errors import UserError
from coursectl.reflections.types import FileSnapshot, ReflectionSource

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


def make_source(name: str, options: SourceOptions) -> ReflectionSource:
    """The source called `name`, configured from `options`; a UserError for a bad combination."""
    if name == "local":
        if options.local_dir is None:
            raise UserError(
                "--source local needs the folder of clones or exported submissions, "
                "e.g. coursectl check-reflections 7 --source local samples/reflections"
            )
        from coursectl.reflections.local import LocalSource

        return LocalSource(options.local_dir, use_mtime=options.use_mtime, workers=options.workers)
    if name == "github":
        if options.local_dir is not None:
            raise UserError(
                f"{options.local_dir}: a folder is only read with --source local; "
                "drop it or add --source local"
            )
        try:
            # Hook for the GitHub source (coursectl/github_api.py): a factory taking SourceOptions.
            from coursectl.github_api import make_reflection_source
        except ImportError:
            raise UserError(
                "--source github is not available in this version; use --source local DIR"
            ) from None
        source: ReflectionSource = make_reflection_source(options)
        return source
    raise UserError(f"--source {name}: unknown source; use one of: {', '.join(SOURCE_NAMES)}")
