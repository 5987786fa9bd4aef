"""YAML loading that remembers where every value came from.

pydantic reports errors by path (``("deliverables", 3, "due")``); a TA needs a line
number. We compose the YAML node tree once, construct plain data from it, and keep a
map from each path to the line and column of its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursectl.errors import Problem

try:  # the C loader is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform's PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

# Bounds on what one course file may expand to. Aliases (`*name`) share one node, so a
# "billion laughs" file is small as text and as a node graph but has ~10^9 values once walked;
# a real course has a few thousand. Deep nesting overflows Python's stack in the composer.
MAX_VALUES = 200_000
MAX_DEPTH = 64


class _TooBig(Exception):
    """The file expands past MAX_VALUES or MAX_DEPTH; the message is the Problem's text."""


class YamlInt(int):
    """An int YAML read from text that does not say it plainly: `01` (octal 1 in YAML 1.1),
    `010` (8), `1_000`, `7:30` (450). Keeps the text, so an id written that way can be
    refused with "quote it: '01'" instead of silently becoming another id."""

    source_text: str

    def __new__(cls, value: int, source_text: str) -> YamlInt:
        number = super().__new__(cls, value)
        number.source_text = source_text
        return number


class YamlFloat(float):
    """A float from YAML with the text it was written as (`9.10E+06`, `7000001.0`)."""

    source_text: str

    def __new__(cls, value: float, source_text: str) -> YamlFloat:
        number = super().__new__(cls, value)
        number.source_text = source_text
        return number


class _SourceLoader(_Loader):
    """The safe loader, keeping the written text of numbers that an id field may receive."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value: int = loader.construct_yaml_int(node)
    return value if node.value == str(value) else YamlInt(value, node.value)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value: float = loader.construct_yaml_float(node)
    return YamlFloat(value, node.value)


_SourceLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_SourceLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


@dataclass
class SourceMap:
    """Line and column (1-based) of every mapping value and sequence item in one file."""

    file: str
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get((), (None, None))

    def problem(self, path: PathKey, message: str) -> Problem:
        line, column = self.locate(path)
        return Problem(self.file, line, column, message)


def _walk(
    node: yaml.Node, path: PathKey, smap: SourceMap, problems: list[Problem], budget: list[int]
) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig(
            f"more than {MAX_VALUES:,} values once aliases (*name) are expanded; "
            "write the values out instead of nesting aliases"
        )
    if len(path) > MAX_DEPTH:
        raise _TooBig(f"nested more than {MAX_DEPTH} levels deep; a course file needs a few")
    smap.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        smap.file,
                        line,
                        key_node.start_mark.column + 1,
                        f"duplicate key '{key}' (first on line {seen[key]}); keep one of them",
                    )
                )
            seen[key] = line
            _walk(value_node, (*path, key), smap, problems, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), smap, problems, budget)


def load_yaml(path: Path, display_name: str | None = None) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse `path`; return its data, where each value stands, and any problems.

    Malformed YAML yields ``(None, map, [problem])`` with the parser's line and column.
    """
    name = display_name or str(path)
    smap = SourceMap(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, smap, [Problem(name, None, None, "file not found; create it or pass --course")]
    except UnicodeDecodeError as exc:
        return (
            None,
            smap,
            [Problem(name, None, None, f"not UTF-8 text ({exc.reason}); save it as UTF-8")],
        )
    loader = _SourceLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, smap, [Problem(name, 1, None, "the file is empty")]
        # Walked before anything is built from it, so that the bounds hold for pydantic too.
        problems: list[Problem] = []
        _walk(node, (), smap, problems, [MAX_VALUES])
        data = loader.construct_document(node)
    except _TooBig as exc:
        return None, SourceMap(name), [Problem(name, None, None, str(exc))]
    except RecursionError:  # nesting deeper than the stack, found while composing
        too_deep = f"nested more than {MAX_DEPTH} levels deep; a course file needs a few"
        return None, SourceMap(name), [Problem(name, None, None, too_deep)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = exc.problem or "malformed YAML"
        return (
            None,
            smap,
            [Problem(name, line, column, f"malformed YAML: {what}; check indentation and quoting")],
        )
    except yaml.YAMLError as exc:
        return None, smap, [Problem(name, None, None, f"malformed YAML: {exc}")]
    finally:
        loader.dispose()
    return data, smap, problems
