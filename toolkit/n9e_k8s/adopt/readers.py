"""Which reader a file needs: by its content, not its name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .grafana import is_grafana, read_grafana
from .model import Reading, Refusal
from .n9e_board import is_board, read_board
from .n9e_rules import is_rule, read_rule
from .prom_rules import is_rule_file, read_rule_file

SUFFIXES = (".json", ".yaml", ".yml")


def input_files(paths: list[Path]) -> list[Path]:
    """The files named, and the JSON/YAML files under the folders named, sorted; unknown paths are errors."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return out


def _documents(path: Path, text: str) -> list[Any]:
    if path.suffix == ".json":
        return [json.loads(text)]
    import yaml

    return [d for d in yaml.safe_load_all(text) if d is not None]


KINDS = (
    (is_board, read_board, "n9e board"),
    (is_rule, read_rule, "n9e rule"),
    (is_grafana, read_grafana, "Grafana dashboard"),
    (is_rule_file, read_rule_file, "Prometheus rule file"),
)


def read_data(data: Any, origin: str) -> Reading:
    """One parsed document (a JSON value or a YAML document)."""
    if isinstance(data, list):
        reading = Reading()
        for i, item in enumerate(data):
            reading.extend(read_data(item, f"{origin}[{i}]"))
        return reading
    for test, reader, kind in KINDS:
        if test(data):
            try:
                return reader(data, origin)
            except (TypeError, AttributeError, ValueError, KeyError) as exc:
                # A value of the wrong type somewhere inside: an input error, not a crash.
                raise UsageError(f"{origin}: not a valid {kind}: {type(exc).__name__}: {exc}") from None
    return Reading(
        refused=[Refusal(origin, "file", "not an n9e board or rule, Prometheus rules or Grafana dashboard")]
    )


def read_file(path: Path, origin: str) -> Reading:
    """A file that does not parse is an input error (exit 2, nothing written), naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        docs = _documents(path, text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{origin}:{exc.lineno}: not JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{origin}: cannot read: {exc}") from None
    except Exception as exc:  # yaml.YAMLError, imported lazily
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{origin}{line}: not YAML: {getattr(exc, 'problem', exc)}") from None
    reading = Reading()
    for i, doc in enumerate(docs):
        reading.extend(read_data(doc, origin if len(docs) == 1 else f"{origin}#{i}"))
    return reading
