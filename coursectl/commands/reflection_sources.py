"""Choosing a reflection source by name: `--source local DIR` or `--source github`.

Here, in the command layer, because the GitHub source is an integration and the reflection
checker may not import one; each source is imported lazily, so the GitHub client is loaded only
when it is used.
"""

from __future__ import annotations

from coursectl.errors import UserError
from coursectl.reflections.source import SOURCE_NAMES, ReflectionSource, SourceOptions


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
            # Hook for the GitHub source (coursectl/integrations/github.py): a factory taking SourceOptions.
            from coursectl.integrations.github import make_reflection_source
        except ImportError:
            raise UserError(
                "--source github is not available in this version; use --source local DIR"
            ) from None
        source: ReflectionSource = make_reflection_source(options)
        return source
    raise UserError(f"--source {name}: unknown source; use one of: {', '.join(SOURCE_NAMES)}")
