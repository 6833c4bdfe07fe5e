"""YAML loading that remembers line numbers, so errors can name file and line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


MAX_ALIASES = 100  # a source file needs a few; a "billion laughs" file needs thousands
MAX_NODES = 1_000_000  # values once every alias is expanded ("billion laughs" files expand to 10^9)
MAX_DEPTH = 64  # nesting of mappings and sequences (the deepest source file has about 8)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader with bounds: alias expansion and nesting depth (both would otherwise blow up memory or the
    stack on a hostile file)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        alias = self.check_event(yaml.AliasEvent)
        self._aliases += alias
        self._depth += not alias
        try:
            if self._aliases > MAX_ALIASES or self._depth > MAX_DEPTH:
                what = (
                    f"more than {MAX_ALIASES} aliases (*name)" if alias else f"nested over {MAX_DEPTH} deep"
                )
                raise yaml.composer.ComposerError(
                    None, None, f"{what}: refused", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= not alias


_CLoader = getattr(yaml, "CSafeLoader", None)


class _FastLoader(_CLoader or yaml.SafeLoader):  # type: ignore[misc]
    """LibYAML's parser and composer (about 5x faster than the pure-Python ones, same nodes and marks).
    The C composer cannot be bounded from Python, so ``_check_bounds`` walks the events first."""


_START_EVENTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_END_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_bounds(text: str) -> None:
    """The bounds of ``_LineLoader``, on LibYAML's event stream: aliases and nesting depth."""
    events = _FastLoader(text)
    aliases = depth = 0
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, _START_EVENTS):
                depth += 1
                if depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, f"nested over {MAX_DEPTH} deep: refused", event.start_mark
                    )
            elif isinstance(event, _END_EVENTS):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise yaml.composer.ComposerError(
                        None, None, f"more than {MAX_ALIASES} aliases (*name): refused", event.start_mark
                    )
    finally:
        events.dispose()


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values ``node`` holds with its aliases expanded (an alias repeats its anchor's subtree)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = MAX_NODES + 1  # until known: an alias inside its own anchor expands without end
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(v, memo) for v in node.value)
    memo[id(node)] = min(size, MAX_NODES + 1)
    return memo[id(node)]


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
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
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value, not a {type(key).__name__}", key_node.start_mark
            )
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


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


for _loader in (_LineLoader, _FastLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load one YAML document; a syntax error becomes a SourceError with the line."""
    text = read_text(path)
    try:
        if _CLoader is not None:
            _check_bounds(text)
        loader = _FastLoader(text) if _CLoader is not None else _LineLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _expanded_size(node, {}) > MAX_NODES:
                raise SourceError(
                    path, f"expands to more than {MAX_NODES} values (aliases of aliases?): refused"
                )
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, f"invalid YAML: {exc.problem or exc}", line=line) from exc
    except yaml.YAMLError as exc:
        raise SourceError(path, f"invalid YAML: {exc}") from exc


def read_text(path: Path) -> str:
    """A source file's text: UTF-8 (a BOM allowed); anything else is a SourceError with the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(path, "UTF-16 text: save the file as UTF-8", line=1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", line=line
        ) from None


def close_match(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss of one of ``known`` (a typo), else ``""``."""
    import difflib

    match = difflib.get_close_matches(word, [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def unknown_keys(node: Any, known: Iterable[str], file: Path | str, path: str = "") -> list[SourceError]:
    """One error per key of the mapping ``node`` that is not in ``known``, with a close-match hint."""
    if not isinstance(node, dict):
        return []
    known = list(known)
    errors = []
    for key in node:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            errors.append(
                SourceError(
                    file,
                    f"unknown key {key!r}{close_match(str(key), known)}",
                    line=line_of(node, key),
                    path=where,
                )
            )
    return errors


def line_of(node: Any, key: str | int | None = None) -> int | None:
    """Best-effort line of a key inside a loaded mapping/sequence (or of the node itself)."""
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line  # type: ignore[arg-type]
    if isinstance(node, LineList):
        return node.line_of(key) if isinstance(key, int) else node.line
    return None


def load_each(files: Iterable[Path], errors: list[SourceError]) -> Iterator[tuple[Path, Any]]:
    """``(file, data)`` for each source file that parses; the others' SourceErrors go to ``errors`` (every
    loader reports all its broken files together)."""
    for file in files:
        try:
            data = load_yaml(file)
        except SourceError as exc:
            errors.append(exc)
            continue
        yield file, data


# ------------------------------------------------------------------------------------ output


class _OutputDumper(
    getattr(yaml, "CSafeDumper", yaml.SafeDumper)
):  # LibYAML's emitter: 5x faster, same bytes
    """Plain YAML for people: no anchors/aliases (a shared object is written out each time)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _block_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """A multi-line string as a block literal (``|``), without trailing blanks (which would force quoting)."""
    if "\n" in value:
        value = "\n".join(line.rstrip() for line in value.splitlines()) + "\n"
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_OutputDumper.add_representer(str, _block_str)


def dump_yaml(data: Any, width: int = 120) -> str:
    """YAML of every generated file (rule files, manifests): keys in the order the dicts were built, block
    literals for multi-line strings, so that output is byte-stable and reads like hand-written YAML."""
    return yaml.dump(data, Dumper=_OutputDumper, sort_keys=False, allow_unicode=True, width=width)
