"""YAML loading that remembers line numbers, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError


class LineDict(dict):
    """A mapping that knows the line of each key (1-based) and its own line."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    # Keys written in this mapping must be unique; keys brought in by a merge (`<<: *anchor`) may be
    # overridden by a key written here, as YAML intends.
    own_ids = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    own_seen: set = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if id(key_node) in own_ids:
            if key in own_seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            own_seen.add(key)
        elif key in result:
            continue  # an earlier merge already gave this key; the first merge wins
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load one YAML document; a syntax error becomes a SourceError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, f"invalid YAML: {exc.problem or exc}", line=line) from exc
    except yaml.YAMLError as exc:
        raise SourceError(path, f"invalid YAML: {exc}") from exc


def line_of(node: Any, key: str | int | None = None) -> int | None:
    """Best-effort line of a key inside a loaded mapping/sequence (or of the node itself)."""
    if isinstance(node, LineDict):
        return node.line_of(key) if isinstance(key, str) else node.line
    if isinstance(node, LineList):
        return node.line_of(key) if isinstance(key, int) else node.line
    return None
