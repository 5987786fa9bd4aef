"""The import rule of ARCHITECTURE.md, read from every module's imports with `ast`.

Layers (the first name after `coursectl.`):

- kernel: `errors`, `files` (and the package `coursectl` itself) import only the kernel;
- `course/` imports the kernel;
- job packages (`calendar/`, `reviews/`, `reflections/`, `gradebook/`, `pages/`, `platforms/`)
  import the course, the kernel and their own package: never another job, an integration or
  the commands;
- `integrations/` import the core (kernel, course, jobs), not the commands, not each other;
- `commands/` import anything but `cli`;
- `cli` assembles the app from the commands; `__main__` runs it.

Imports inside functions count (the commands import their heavy dependencies lazily), and so
do imports under `if TYPE_CHECKING:`: a type is a dependency too. The outside services' SDKs
are imported only by their integration module. Module-level imports have no cycles, and no two
modules share a file name (so a traceback's `outputs.py` names one file).
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "coursectl"

KERNEL = {"coursectl", "coursectl.errors", "coursectl.files"}
JOBS = {"calendar", "reviews", "reflections", "gradebook", "pages", "platforms", "outbox"}


# An outside service's SDK (top-level import name) -> the only modules that may import it.
INTEGRATION = "coursectl.integrations"
_HTTP = {f"{INTEGRATION}.{name}" for name in ("github", "gradescope", "caldav", "canvas")}
SDK_HOMES: dict[str, set[str]] = {
    "github": {f"{INTEGRATION}.github"},  # PyGithub
    "gradescopeapi": {f"{INTEGRATION}.gradescope"},
    "caldav": {f"{INTEGRATION}.caldav"},
    "canvasapi": {f"{INTEGRATION}.canvas"},
    "smtplib": {f"{INTEGRATION}.email"},
    "requests": _HTTP,  # the HTTP client the integrations share
    "urllib3": _HTTP,
}

RULES = {
    "kernel": "the kernel (errors, files) imports only the kernel",
    "course": "course/ imports only the kernel (errors, files) and course/",
    "job": "a job package imports only course/, the kernel and its own package: "
    "never another job package, an integration or commands",
    "integration": "an integration imports only the core (kernel, course/, job packages): "
    "never commands, cli or another integration",
    "commands": "commands may import anything but cli",
    "cli": "cli assembles the commands; nothing imports __main__",
}


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a dotted name: a coursectl module, or an outside module
    line: int
    top_level: bool  # runs when the module is imported (not inside a function, not TYPE_CHECKING)


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ["coursectl", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_package(root: Path = PACKAGE) -> dict[str, tuple[Path, str]]:
    """Every module of the package: dotted name -> (file, source)."""
    return {
        module_name(path, root): (path, path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, source: str, is_package: bool, modules: set[str]) -> Iterator[Import]:
    """Every import statement in `source`, wherever it is, resolved to dotted names.

    `from A import n` names the module `A.n` when that is a coursectl module, else `A`."""
    package = name if is_package else name.rpartition(".")[0]

    def resolve(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST, top: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno, top)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(name, sub if sub in modules else base, node.lineno, top)
        for child in ast.iter_child_nodes(node):
            inner = top
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = False
            if isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body:
                inner = False
            yield from visit(child, inner)

    yield from visit(ast.parse(source, filename=name), True)


def layer(module: str) -> str | None:
    if module in KERNEL:
        return "kernel"
    if module in {"coursectl.cli", "coursectl.__main__"}:
        return "cli"
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "coursectl":
        return None
    if parts[1] == "course":
        return "course"
    if parts[1] in JOBS:
        return "job"
    if parts[1] == "integrations":
        return "integration"
    if parts[1] == "commands":
        return "commands"
    return None


def allowed(importer: str, target: str) -> bool:
    source, goal = layer(importer), layer(target)
    if target == "coursectl.__main__":
        return False
    if source == "kernel":
        return goal == "kernel"
    if source == "course":
        return goal in {"kernel", "course"}
    if source == "job":
        return goal in {"kernel", "course"} or (
            goal == "job" and importer.split(".")[1] == target.split(".")[1]
        )
    if source == "integration":
        return goal in {"kernel", "course", "job"} or target in {INTEGRATION, importer}
    if source == "commands":
        return goal != "cli"
    return source == "cli"


def check(modules: dict[str, tuple[Path, str]]) -> tuple[list[str], list[Import]]:
    """The rule's violations (one line each: file:line, importer, imported, rule) and every
    import between coursectl modules."""
    names = set(modules)
    problems: list[str] = []
    internal: list[Import] = []
    for name, (path, source) in modules.items():
        where = path.relative_to(path.parents[len(name.split(".")) - 1]).as_posix()
        if layer(name) is None:
            problems.append(f"{where}: {name} is in no layer; give it one in ARCHITECTURE.md")
        for found in imports_of(name, source, path.name == "__init__.py", names):
            top = found.target.split(".")[0]
            if top == "coursectl":
                internal.append(found)
                if not allowed(name, found.target):
                    rule = RULES.get(layer(name) or "", "every module belongs to a layer")
                    problems.append(f"{where}:{found.line}: {name} imports {found.target}: {rule}")
            elif top in SDK_HOMES and name not in SDK_HOMES[top]:
                homes = " or ".join(sorted(SDK_HOMES[top]))
                problems.append(
                    f"{where}:{found.line}: {name} imports {found.target}: only {homes} "
                    f"imports {top} (an SDK stays in its integration module)"
                )
    return problems, internal


def cycle(internal: list[Import]) -> list[str] | None:
    """A cycle among the module-level imports (`a -> b -> a`), or None."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for found in internal:
        if found.top_level and found.importer != found.target:
            sorter.add(found.importer, found.target)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


# --- the real package


def test_every_import_keeps_to_the_layers() -> None:
    problems, _ = check(read_package())
    assert not problems, "\n".join(problems)


def test_no_import_cycles() -> None:
    _, internal = check(read_package())
    found = cycle(internal)
    assert found is None, "import cycle: " + " -> ".join(found or [])


def test_no_two_modules_share_a_file_name() -> None:
    seen: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in {"__init__.py", "__main__.py"}:
            continue
        other = seen.setdefault(path.name, path)
        assert other == path, (
            f"{other.relative_to(REPO)} and {path.relative_to(REPO)} share a file name; "
            "rename one (e.g. <package>_{name})"
        )


# --- the checker catches what it is meant to catch


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[Path, str]]:
    root = tmp_path / "coursectl"
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return read_package(root)


def test_checker_names_importer_imported_and_rule(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "errors.py": "",
            "reviews/__init__.py": "",
            "reviews/assign.py": (
                "from coursectl.errors import UserError\n"  # fine
                "def f():\n"
                "    from coursectl.gradebook import compute\n"  # another job, inside a function
                "    from ..commands import x_command\n"  # relative import of commands
            ),
            "gradebook/__init__.py": "",
            "gradebook/compute.py": "import requests\n",
            "commands/__init__.py": "",
            "commands/x_command.py": "from coursectl import cli\n",
            "integrations/__init__.py": "",
            "integrations/github.py": "import github\nfrom coursectl.integrations import caldav\n",
            "integrations/caldav.py": "import requests\nimport caldav\n",
            "cli.py": "",
            "stray.py": "",
        },
    )
    problems, _ = check(modules)
    text = "\n".join(problems)
    assert "coursectl/reviews/assign.py:3: coursectl.reviews.assign imports " in text
    assert "imports coursectl.gradebook.compute: a job package imports only" in text
    assert "coursectl.reviews.assign imports coursectl.commands.x_command: a job" in text
    assert "coursectl.gradebook.compute imports requests: only" in text
    assert "coursectl.commands.x_command imports coursectl.cli: commands may import" in text
    assert "coursectl.integrations.github imports coursectl.integrations.caldav: an integ" in text
    assert "coursectl.stray is in no layer" in text
    assert len(problems) == 6, text  # `import github` / `import caldav` at home are fine


def test_checker_finds_a_cycle_but_not_through_lazy_imports(tmp_path: Path) -> None:
    files = {
        "course/__init__.py": "from coursectl.course.loading import load\n",
        "course/loading.py": "from coursectl.course import roster\n",
        "course/roster.py": "from coursectl.course import load\n",
    }
    found = cycle(check(_tree(tmp_path, files))[1])
    assert found and set(found) == {
        "coursectl.course",
        "coursectl.course.loading",
        "coursectl.course.roster",
    }
    lazy = files | {
        "course/roster.py": "def f():\n    from coursectl.course import load\n",
    }
    assert cycle(check(_tree(tmp_path / "lazy", lazy))[1]) is None
