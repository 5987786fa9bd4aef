"""What every `--out` file shares: how its path is shown, and a warning when its extension
names another format than the one written into it (HTML in week-07.md, JSON in week-07.csv)."""

from __future__ import annotations

from pathlib import Path

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
