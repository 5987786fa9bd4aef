"""Every template the tool renders (week page, reminder, review message, feedback issue) is
found and rendered here.

A course's `templates/<name>` wins; otherwise coursectl's own default (`coursectl/templates/`,
shipped in the wheel) is used, file by file, so a course folder needs no templates/ at all.
Templates are code a TA (or whoever edits the course repository) writes, so they run in
jinja2's `SandboxedEnvironment`: `{{ ''.__class__.__mro__ }}` and friends are refused.
Every template mistake (syntax, unknown name, a blocked access, an error in an expression,
bytes that are not UTF-8) is one `UserError` naming the template file and line.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from coursectl.errors import Problem, UserError, decode_error_line
from coursectl.files import display_path

TEMPLATES_DIR = "templates"
# coursectl/templates/: package data (pyproject's package-data), so the wheel carries it.
DEFAULTS = Path(__file__).resolve().parent.parent / "templates"


class Refused(jinja2.UndefinedError):
    """An access an environment refused with a message that is already complete (no hint is
    added), e.g. a student field that does not exist."""


def search_path(course_root: Path) -> list[Path]:
    """Where templates are looked for, first match wins: the course's, then the defaults."""
    return [(course_root / TEMPLATES_DIR).resolve(), DEFAULTS]


def template_file(course_root: Path, name: str) -> Path | None:
    """The file `name` renders from for this course, or None when neither place has it."""
    return next(
        (folder / name for folder in search_path(course_root) if (folder / name).is_file()), None
    )


class _Loader(jinja2.FileSystemLoader):
    """The course's folder, then the defaults; a file that is not UTF-8 is a UserError naming
    the file and the line of the first bad byte (jinja2 lets the bare UnicodeDecodeError out)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            file = next(
                (Path(f) / template for f in self.searchpath if (Path(f) / template).is_file()),
                Path(self.searchpath[0]) / template,
            )
            raise UserError(
                Problem(
                    display_path(file),
                    decode_error_line(exc),
                    None,
                    "not UTF-8 text; save it as UTF-8",
                )
            ) from None


def make_environment(
    course_root: Path, cls: type[SandboxedEnvironment] = SandboxedEnvironment, **options: Any
) -> SandboxedEnvironment:
    """A sandboxed environment that finds `name` in the course's templates/, then in the
    defaults. StrictUndefined: a misspelled name is an error, never an empty string."""
    settings: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "autoescape": False,
    }
    settings.update(options)
    # Absolute folders, so that template frames in tracebacks carry a path we can match.
    return cls(loader=_Loader([str(p) for p in search_path(course_root)]), **settings)


def _where(exc: BaseException, course_root: Path, name: str) -> tuple[str, int | None]:
    """The innermost template frame of an error raised while rendering (jinja2 rewrites the
    traceback so that template frames carry the template's file name and line)."""
    roots = search_path(course_root)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_absolute() and any(path.is_relative_to(root) for root in roots):
            return display_path(path), frame.lineno
    return _shown(course_root, name), None


def _shown(course_root: Path, name: str) -> str:
    found = template_file(course_root, name)
    return display_path(found if found is not None else course_root / TEMPLATES_DIR / name)


@contextmanager
def template_errors(course_root: Path, name: str, names_hint: str) -> Iterator[None]:
    """Every error from loading or rendering template `name` as one line with its file and
    line. `names_hint` follows an unknown name: what the template can use instead."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        file = display_path(Path(exc.filename)) if exc.filename else _shown(course_root, name)
        raise UserError(
            Problem(file, exc.lineno, None, f"template syntax error: {exc.message}")
        ) from None
    except jinja2.TemplateNotFound as exc:
        missing = str(exc.name) if exc.name else name
        where = display_path(course_root / TEMPLATES_DIR / missing)
        if missing == name:  # neither the course nor coursectl has it
            raise UserError(
                Problem(where, None, None, "template not found; create it in templates/")
            ) from None
        raise UserError(
            Problem(where, None, None, f"template not found (included from {name}); create it")
        ) from None
    except SecurityError as exc:
        file, line = _where(exc, course_root, name)
        raise UserError(
            Problem(
                file,
                line,
                None,
                f"blocked: {str(exc).rstrip('.')}; a template may only show the values it is given",
            )
        ) from None
    except Refused as exc:
        file, line = _where(exc, course_root, name)
        raise UserError(Problem(file, line, None, exc.message or "")) from None
    except jinja2.UndefinedError as exc:
        file, line = _where(exc, course_root, name)
        raise UserError(Problem(file, line, None, f"{exc.message}; {names_hint}")) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        # Errors the template's own expressions raise ('%d'|format(name), x // 0, ...).
        file, line = _where(exc, course_root, name)
        raise UserError(Problem(file, line, None, f"template error: {exc}")) from None
    except RecursionError:  # a macro calling itself
        raise UserError(
            Problem(_shown(course_root, name), None, None, "template error: endless recursion")
        ) from None


def load(
    environment: jinja2.Environment, course_root: Path, name: str, names_hint: str
) -> jinja2.Template:
    """Template `name`, parsed; its mistakes as one-line UserErrors."""
    with template_errors(course_root, name, names_hint):
        return environment.get_template(name)


def render(
    environment: jinja2.Environment,
    course_root: Path,
    name: str,
    context: dict[str, Any],
    names_hint: str,
) -> str:
    """Template `name` rendered with `context`; every mistake a one-line UserError."""
    template = load(environment, course_root, name, names_hint)
    with template_errors(course_root, name, names_hint):
        return template.render(context)
