"""Every command a TA can run has help text with an example, a line in the README's command
table and a section with an example in docs/commands.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer.main

from coursectl.cli import app

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
REFERENCE = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")


def _is_group(command: Any) -> bool:
    # Typer bundles its own click, so test the shape rather than click.Group.
    return hasattr(command, "commands")


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        found.append((path, command))
        if _is_group(command):
            found += _commands(command, f"{path} ")
    return found


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_there_are_commands() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"validate", "deadlines", "calendar", "calendar publish"} <= names


def test_every_command_has_help() -> None:
    for name, command in COMMANDS:
        assert command.help and command.help.strip(), f"{name} has no help"
        first_line = command.help.strip().splitlines()[0]
        assert first_line.endswith("."), f"{name}: help should be one sentence: {first_line!r}"


def test_every_command_has_a_reference_section_with_an_example() -> None:
    for name, command in COMMANDS:
        if _is_group(command) and not command.invoke_without_command:
            continue  # a group is documented through its subcommands
        heading = re.search(rf"^## `coursectl {re.escape(name)}[` ]", REFERENCE, re.MULTILINE)
        assert heading, f"docs/commands.md has no section for `coursectl {name}`"
        section = REFERENCE[heading.end() :].split("\n#", 1)[0]
        assert f"coursectl {name}" in section and "```" in section, f"no example for {name}"


def test_every_command_is_in_the_readme_table_linking_its_reference() -> None:
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for name, command in COMMANDS:
        if _is_group(command) and not command.invoke_without_command:
            continue
        anchor = "coursectl-" + name.replace(" ", "-")
        assert f"| [`coursectl {name}`](docs/commands.md#{anchor}) |" in table, (
            f"README's command table has no row for `coursectl {name}`"
        )


def test_readme_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README):
        assert (REPO / target).exists(), f"README links to {target}, which does not exist"
    # Every anchor into the reference names one of its headings.
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("# ").lower()).replace(" ", "-")
        for line in REFERENCE.splitlines()
        if line.startswith("## ")
    }
    for anchor in re.findall(r"docs/commands\.md#([\w-]+)", README):
        assert anchor in headings, f"README links to docs/commands.md#{anchor}: no such heading"


def test_every_command_help_has_an_example() -> None:
    for name, command in COMMANDS:
        if _is_group(command) and not command.invoke_without_command:
            continue
        assert "Example:" in (command.help or ""), (
            f"{name}: add 'Example: coursectl ...' to its help"
        )


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", quickstart, re.DOTALL)
    assert len(blocks) == 2 and all("\n" not in block for block in blocks)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci, ".ci/run must run the README's test command"


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from coursectl.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'github', 'icalendar', 'jinja2', 'numpy', 'pydantic')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY=", f"--help imported {out.stdout.strip()}"


def test_readme_code_blocks_are_closed() -> None:
    fences = [line for line in README.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0
    assert all(fence == "```" for fence in fences[1::2]), (
        "a code block opens where one should close"
    )


def test_readme_check_reflections_out_is_where_gradebook_reads() -> None:
    # The example wrote grades/week-07-reflections.csv, which the gradebook never reads: a TA
    # following the README got "no check-reflections output" for every student.
    import yaml

    policy = yaml.safe_load((REPO / "rubrics" / "grading-policy.yaml").read_text(encoding="utf-8"))
    folder = policy["gradebook"]["reflections"]
    outs = re.findall(r"coursectl check-reflections 7 [^&\n]*--out (\S+)", REFERENCE)
    assert outs, "docs/commands.md lost its check-reflections --out example"
    assert all(out == f"{folder}/week-07.csv" for out in outs), outs
