"""pydantic's validation errors, said the way a TA fixes them: what is wrong with the value
they wrote and what to write instead (`words: 300-500` -> `write words: {min: 300, max: 500}`),
"did you mean" for a misspelled key, and no second line for a key that is only misspelled.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from coursectl.course.model import DELIVERABLE_KINDS, WEEKDAY_NAMES
from coursectl.course.rules import zone_advice
from coursectl.course.yamlsource import PathKey, SourceMap
from coursectl.errors import Problem

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# What to write for a group of keys given as one value, by model; {value} is what was written.
EXAMPLES = {
    "GitHubSettings": "github: {{org: {value}}}",
    "GradescopeSettings": "gradescope: {{course_id: '{value}'}}",
    "LateRule": "late: {{grace_minutes: 15, penalty_per_day: 10, max_days: 3}}",
    "Reflection": "reflection: {{prompts: ['{value}']}}",
    "SectionPlan": "section: {{date: Tue 2026-03-03, title: {value}}}",
    "Lecture": "- {{date: Mon 2026-03-02, title: {value}}}",
    "PolicyItem": "- {{deliverable: {value}, weight: 100}}",
    "Resource": "- {{title: {value}, url: https://...}}",
}


def _key(loc: Sequence[Any]) -> str:
    """The key a TA sees for `loc`: the last name in it (`days` for ('meetings', 0, 'days', 1))."""
    names = [part for part in loc if isinstance(part, str) and part not in DELIVERABLE_KINDS]
    return names[-1] if names else "value"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):  # yes, no, on, off: YAML 1.1 reads them as true and false
        return str(value).lower()
    text = getattr(value, "source_text", None)
    return f"'{text}'" if text is not None else repr(value)


def yaml_path(loc: Sequence[Any]) -> PathKey:
    """Drop the union tag pydantic puts after a list index ('deliverables', 3, 'exam', 'due')."""
    return tuple(
        part
        for index, part in enumerate(loc)
        if not (part in DELIVERABLE_KINDS and index > 0 and isinstance(loc[index - 1], int))
    )


# ---------------------------------------------------------------------------- the model at a path


def _unwrap(annotation: Any) -> Any:
    """`X | None`, `Annotated[X, ...]` -> X (a union of several models stays a union)."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _members(annotation: Any) -> list[type[BaseModel]]:
    """The models a (discriminated) union may be."""
    return [
        member
        for member in get_args(annotation)
        if isinstance(member, type) and issubclass(member, BaseModel)
    ]


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    kind = model.model_fields.get("kind")
    return get_args(kind.annotation) if kind is not None else ()


def model_at(
    root: type[BaseModel], loc: Sequence[Any]
) -> tuple[type[BaseModel] | None, list[type[BaseModel]]]:
    """The model whose keys are at `loc` (pydantic's loc, union tags included), and the other
    kinds the union there could have been (for "'words' is for kind reflection")."""
    annotation: Any = root
    others: list[type[BaseModel]] = []
    for part in loc:
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if isinstance(part, int) and origin is list:
            annotation = get_args(annotation)[0]
            continue
        if origin is dict:
            annotation = get_args(annotation)[1]
            continue
        members = _members(annotation)
        if members and get_origin(annotation) in (Union, types.UnionType):
            chosen = [m for m in members if part in _tags(m)]
            if not chosen:
                return None, []
            others = [m for m in members if m is not chosen[0]]
            annotation = chosen[0]
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None, []
            annotation, others = field.annotation, []
            continue
        return None, []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, others
    return None, []


def _written_keys(smap: SourceMap, path: PathKey) -> set[str]:
    """The keys written in the mapping at `path`."""
    return {
        str(key[-1])
        for key in smap.positions
        if len(key) == len(path) + 1 and key[: len(path)] == path and isinstance(key[-1], str)
    }


# ---------------------------------------------------------------------------- one error


def _number_advice(error: ErrorDetails, key: str) -> str:
    kind = error["type"]
    number = "a whole number" if kind != "float_parsing" else "a number"
    written = str(error["input"])
    digits = re.match(r"\s*(-?\d+(?:\.\d+)?)", written)
    if digits:  # '60%', '15 minutes': the number without what follows it
        return f"{key}: '{written}' is not {number}; write {digits.group(1)}"
    return f"{key}: '{written}' is not {number}; write e.g. 7"


def _keys_advice(error: ErrorDetails, key: str, model: type[BaseModel] | None) -> str:
    """A group of keys written as one value (`words: 300-500`, `github: my-org`)."""
    value = error["input"]
    name = (error.get("ctx") or {}).get("class_name") or (model.__name__ if model else "")
    if name == "WordRange":
        numbers = re.findall(r"\d+", str(value))
        low, high = [*numbers, "300", "500"][:2] if len(numbers) != 1 else ("0", numbers[0])
        return (
            f"{key}: {_shown(value)} is not a word range; write {key}: {{min: {low}, max: {high}}}"
        )
    if name in EXAMPLES and isinstance(value, str | int | float):
        example = EXAMPLES[name].format(value=value)
        if name == "PolicyItem" and value in DELIVERABLE_KINDS:
            example = f"- {{kind: {value}, weight: 100}}"
        return f"{key}: {_shown(value)} should be keys, not one value; write {example}"
    if model is not None:
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        listed = ", ".join(required) if required else ", ".join(list(model.model_fields)[:3])
        return (
            f"{key}: {_shown(value)} should be keys ({listed}) on their own lines, indented "
            f"under '{key}:'"
        )
    return f"{key}: {_shown(value)} should be keys on their own lines, indented under '{key}:'"


def _list_advice(error: ErrorDetails, key: str) -> str:
    value = error["input"]
    if value is None:
        return f"{key}: is empty; write a list, e.g. {key}: [a, b], or remove the key"
    if isinstance(value, dict):
        return f"{key}: write a list: put '- ' before each entry (one '- ' per {key[:-1] or key})"
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,\s]+", value) if p] if key == "days" else [value]
        return f"{key}: write a list: {key}: [{', '.join(parts)}]"
    return f"{key}: write a list, e.g. {key}: [{value}]"


def _choice_advice(written: Any, choices: Sequence[str], key: str, what: str) -> str:
    text = str(written)
    shown = ", ".join(choices)
    close = [c for c in choices if c.lower() == text.lower()] or difflib.get_close_matches(
        text.lower(), choices, n=1, cutoff=0.6
    )
    if close:
        return f"{key}: unknown {what} '{text}'; did you mean '{close[0]}'? (one of {shown})"
    return f"{key}: unknown {what} '{text}'; use one of {shown}"


def _expected(error: ErrorDetails) -> list[str]:
    """The choices pydantic lists in 'expected' ("'a', 'b' or 'c'")."""
    expected = str((error.get("ctx") or {}).get("expected", ""))
    return re.findall(r"'([^']*)'", expected)


def _weekday_advice(error: ErrorDetails) -> str:
    written = str(error["input"])
    parts = [p for p in re.split(r"[,\s/]+", written) if p]
    days = []
    for part in parts:
        match = [n for n in WEEKDAY_NAMES if len(part) >= 2 and n.startswith(part.lower())]
        days.append(match[0][:2].upper() if match else None)
    if len(parts) > 1 and all(days):
        return (
            f"days: '{written}' is several days in one; write days: [{', '.join(map(str, days))}]"
        )
    return f"days: '{written}' is not a weekday; write MO, TU, WE, TH, FR, SA or SU"


def _bound_advice(error: ErrorDetails, key: str) -> str:
    ctx = {
        name: f"{bound:g}" if isinstance(bound, int | float) else bound
        for name, bound in (error.get("ctx") or {}).items()
    }
    written = _shown(error["input"])
    kind = error["type"]
    if kind == "greater_than":
        return f"{key}: {written} is too small; it must be more than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"{key}: {written} is too small; it must be {ctx.get('ge')} or more"
    if kind == "less_than":
        return f"{key}: {written} is too large; it must be less than {ctx.get('lt')}"
    return f"{key}: {written} is too large; it must be {ctx.get('le')} or less"


def describe(error: ErrorDetails, root: type[BaseModel]) -> str:
    """One pydantic error in a TA's words, with what to write instead."""
    kind = error["type"]
    loc = error["loc"]
    key = _key(loc)
    value = error.get("input")
    if kind == "missing":
        return f"missing required key '{loc[-1]}'; add it"
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'; check its spelling or remove it"
    if kind == "literal_error":
        return _choice_advice(value, _expected(error), key, key if key == "kind" else "value")
    if kind == "enum" and key == "days":
        return _weekday_advice(error)
    if kind == "enum":
        return _choice_advice(value, _expected(error), key, "value")
    if kind == "union_tag_invalid":
        tags = _expected(error) or sorted(DELIVERABLE_KINDS)
        return _choice_advice((error.get("ctx") or {}).get("tag"), tags, "kind", "kind")
    if kind == "union_tag_not_found":
        return "missing 'kind:'; say what this is (reflection, peer-review, exam, ...)"
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        if loc[-1:] == ("timezone",) and isinstance(value, str):
            return zone_advice(value) or message
        return message
    if kind in ("int_parsing", "int_from_float", "float_parsing"):
        return _number_advice(error, key)
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not a valid id; use lower-case letters, digits and '-'"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _keys_advice(error, key, model_at(root, loc)[0])
    if kind == "list_type":
        return _list_advice(error, key)
    if kind in ("string_type", "int_type", "float_type", "bool_type", "date_type") and (
        value is None
    ):
        return f"{key}: is empty; write its value or remove the key"
    if kind == "string_type" and isinstance(value, bool):
        return f"{key}: YAML reads the word written here as {str(value).lower()}; put it in quotes"
    if kind == "string_type" and isinstance(value, int | float):
        return f"{key}: {_shown(value)} is read as a number; put it in quotes: '{value}'"
    if kind == "string_type" and isinstance(value, list | dict):
        return f"{key}: write one piece of text here, not a {type(value).__name__}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{key}: {_shown(value)} is not true or false; write true or false"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _bound_advice(error, key)
    if kind == "too_short":
        least = (error.get("ctx") or {}).get("min_length", 1)
        return f"{key}: needs at least {least} entr{'y' if least == 1 else 'ies'}; add one"
    if kind.startswith("date"):
        return f"{key}: {_shown(value)} is not a date; write YYYY-MM-DD, e.g. 'Mon 2026-03-02'"
    return f"{key}: {error['msg']} (got {value!r})"


# ---------------------------------------------------------------------------- every error


def _misspelling(
    error: ErrorDetails, root: type[BaseModel], smap: SourceMap, missing: set[PathKey]
) -> tuple[str, PathKey | None] | None:
    """For an unknown key: the message naming the key it likely means, and that key's path
    when it is a required key reported missing beside it (so that line can go)."""
    loc = error["loc"]
    parent = yaml_path(loc[:-1])
    written = str(loc[-1])
    model, others = model_at(root, loc[:-1])
    if model is None:
        return None
    present = _written_keys(smap, parent)
    candidates = [name for name in model.model_fields if name not in present]
    close = difflib.get_close_matches(written, candidates, n=1, cutoff=0.6)
    if close:
        wanted = (*parent, close[0])
        return (
            f"unknown key '{written}'; did you mean '{close[0]}'?",
            wanted if wanted in missing else None,
        )
    owners = [m for m in others if written in m.model_fields]
    tag = next(iter(_tags(model)), None)
    if owners and tag is not None:
        kinds = ", ".join(str(t) for m in owners for t in _tags(m))
        return (f"'{written}' is a key of kind {kinds}, not of {tag}; remove it or fix kind:", None)
    return None


def validation_problems(
    exc: ValidationError, smap: SourceMap, root: type[BaseModel]
) -> list[Problem]:
    """Each of pydantic's errors as one line at its place in the file, in a TA's words."""
    errors = exc.errors()
    missing = {yaml_path(e["loc"]) for e in errors if e["type"] == "missing"}
    explained: set[PathKey] = set()  # required keys an unknown key beside them misspells
    lines: list[tuple[PathKey, str]] = []
    for error in errors:
        path = yaml_path(error["loc"])
        message = describe(error, root)
        if error["type"] == "union_tag_invalid":
            path = (*path, "kind")
        if error["type"] == "union_tag_not_found":
            # 'knid: reflection' leaves pydantic no kind to check the other keys by.
            close = difflib.get_close_matches("kind", sorted(_written_keys(smap, path)), n=1)
            if close:
                path = (*path, close[0])
                message = f"unknown key '{close[0]}'; did you mean 'kind'?"
        if error["type"] == "extra_forbidden":
            found = _misspelling(error, root, smap, missing)
            if found is not None:
                message, misspelled = found
                if misspelled is not None:
                    explained.add(misspelled)
        lines.append((path, message))
    return [
        smap.problem(path, message)
        for (path, message), error in zip(lines, errors, strict=True)
        if not (error["type"] == "missing" and path in explained)
    ]
