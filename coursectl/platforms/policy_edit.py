"""Writing Canvas assignment ids into rubrics/grading-policy.yaml without reformatting it.

The TA's file is edited as text at the places PyYAML's node marks name: a changed id's value
is replaced where it stands, new entries go on the line after the last entry of
`gradebook.canvas_ids` with its indentation, and a missing block is added at the end of
`gradebook:` (or of the file). Comments, order, quoting and flow mappings elsewhere are left
byte for byte. A round-trip dumper (ruamel) would re-indent sequences and rewrap lines.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from coursectl.errors import UserError


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(text: str) -> str:
    # An all-digit deliverable id would be read back as a number.
    return _quote(text) if not text or text.isdigit() else text


def _find(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _last_scalar_end(node: yaml.Node) -> int:
    """Where the text of `node` ends. A block collection's own end mark is the next token's
    start (possibly lines later, past comments), so follow its last entry instead."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _last_scalar_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _last_scalar_end(node.value[-1])
    return int(node.end_mark.index)


def _next_line(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _lines(indent: int, ids: Mapping[str, str]) -> str:
    pad = " " * indent
    return "".join(f"{pad}{_key(k)}: {_quote(v)}\n" for k, v in ids.items())


def set_canvas_ids(text: str, ids: Mapping[str, str], source: str) -> str:
    """`text` with `gradebook.canvas_ids` holding every entry of `ids` (others kept)."""
    if not ids:
        return text
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise UserError(f"{source}: not a mapping of settings; fix the file first")
    if not text.endswith("\n"):
        text += "\n"
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    gradebook = _find(root, "gradebook")
    if gradebook is None:
        edits.append((len(text), len(text), "gradebook:\n  canvas_ids:\n" + _lines(4, ids)))
    else:
        gb_key, gb = gradebook
        if isinstance(gb, yaml.ScalarNode) and gb.value in ("", "~", "null"):
            at = _next_line(text, int(gb_key.end_mark.index))
            indent = gb_key.start_mark.column + 2
            edits.append((at, at, f"{' ' * indent}canvas_ids:\n" + _lines(indent + 2, ids)))
        elif not isinstance(gb, yaml.MappingNode) or gb.flow_style:
            raise UserError(
                f"{source}:{gb_key.start_mark.line + 1}: write gradebook: as an indented block "
                "so coursectl can add canvas_ids to it"
            )
        else:
            found = _find(gb, "canvas_ids")
            if found is None:
                at = _next_line(text, _last_scalar_end(gb))
                indent = gb.value[0][0].start_mark.column
                edits.append((at, at, f"{' ' * indent}canvas_ids:\n" + _lines(indent + 2, ids)))
            else:
                edits += _edit_block(text, found[0], found[1], ids, source)
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    check = (yaml.safe_load(text) or {}).get("gradebook", {}).get("canvas_ids") or {}
    if any(str(check.get(k)) != v for k, v in ids.items()):  # pragma: no cover - our own bug
        raise UserError(f"{source}: could not add canvas_ids safely; add them by hand: {dict(ids)}")
    return text


def _edit_block(
    text: str, key: yaml.Node, value: yaml.Node, ids: Mapping[str, str], source: str
) -> list[tuple[int, int, str]]:
    if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
        at = _next_line(text, int(key.end_mark.index))
        if value.value:  # `canvas_ids: ~` or `null`: drop the word
            return [
                (int(value.start_mark.index), int(value.end_mark.index), ""),
                (at, at, _lines(key.start_mark.column + 2, ids)),
            ]
        return [(at, at, _lines(key.start_mark.column + 2, ids))]
    if not isinstance(value, yaml.MappingNode):
        raise UserError(
            f"{source}:{key.start_mark.line + 1}: canvas_ids must map deliverable ids to "
            "Canvas assignment ids; fix it, then run coursectl canvas link again"
        )
    existing = {k.value: v for k, v in value.value if isinstance(k, yaml.ScalarNode)}
    if value.flow_style:
        merged = {
            k: (v.value if isinstance(v, yaml.ScalarNode) else "") for k, v in existing.items()
        }
        merged.update(ids)
        inner = ", ".join(f"{_key(k)}: {_quote(v)}" for k, v in merged.items())
        return [(int(value.start_mark.index), int(value.end_mark.index), "{" + inner + "}")]
    edits: list[tuple[int, int, str]] = []
    new: dict[str, str] = {}
    for k, v in ids.items():
        node = existing.get(k)
        if node is None:
            new[k] = v
        elif isinstance(node, yaml.ScalarNode):
            edits.append((int(node.start_mark.index), int(node.end_mark.index), _quote(v)))
    if new:
        at = _next_line(text, _last_scalar_end(value))
        edits.append((at, at, _lines(value.value[0][0].start_mark.column, new)))
    return edits
