"""A GitHub API URL a TA types without a scheme, or with another scheme, is one line naming
where it was written and how to write it — PyGithub itself answers with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.errors import UserError
from coursectl.integrations.github import GitHubClient, resolve_token

EXAMPLE = "write a full URL, e.g. https://github.example.edu/api/v3"

MISTAKES = [
    ("github.example.edu/api/v3", "has no scheme"),
    ("ftp://github.example.edu/api/v3", "is not an http(s) URL"),
    ("https://", "has no host name"),
    ("localhost:8080", "has no scheme"),
]


@pytest.mark.parametrize(("url", "words"), MISTAKES)
def test_api_url_option_is_checked(
    runner: CliRunner, course_dir: Path, url: str, words: str
) -> None:
    argv = ["check-reflections", "7", "--course", str(course_dir), "--api-url", url]
    result = runner.invoke(app, argv, env={"GITHUB_TOKEN": "not-a-real-token"})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --api-url: '{url}' {words}; ")
    assert "write a full URL, e.g. https://" in lines[0]


def test_missing_scheme_suggests_the_same_host() -> None:
    with pytest.raises(UserError) as caught:
        GitHubClient("not-a-real-token", "github.example.edu/api/v3")
    assert str(caught.value).endswith(EXAMPLE)


def test_token_lookup_checks_the_url_before_asking_gh() -> None:
    with pytest.raises(UserError, match="is not an http"):
        resolve_token({}, api_url="ftp://github.example.edu/api/v3")


@pytest.mark.parametrize("url", ["https://github.example.edu/api/v3/", "http://127.0.0.1:8080"])
def test_full_urls_are_kept(url: str) -> None:
    assert GitHubClient("not-a-real-token", url).api_url == url.rstrip("/")
