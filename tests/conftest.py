"""Shared fixtures: the shipped course, a CLI runner, and golden files.

Golden files live in tests/golden/. When an output changes on purpose, regenerate them with
`pytest --update-goldens` and review the diff before committing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
COURSE_FILES = ("schedule.yaml", "rosters", "rubrics", "templates", "exports", "samples")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current outputs instead of comparing",
    )


@dataclass
class Golden:
    update: bool

    def check(self, name: str, actual: str | bytes) -> None:
        """Compare `actual` with tests/golden/<name>; with --update-goldens, rewrite it."""
        path = GOLDEN_DIR / name
        data = actual.encode("utf-8") if isinstance(actual, str) else actual
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-goldens and review it"
        expected = path.read_bytes()
        if expected != data:
            # Show text diffs readably; pytest's assertion rewriting prints the difference.
            assert data.decode("utf-8", "replace") == expected.decode("utf-8", "replace"), (
                f"{name} differs from its golden file; if the change is intended, "
                "run pytest --update-goldens and review the diff"
            )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(update=bool(request.config.getoption("--update-goldens")))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def course_dir(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the shipped course that a test may change."""
    target = tmp_path / "course"
    target.mkdir()
    for name in COURSE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name)
    yield target
