"""JSON Schemas shipped with the package, and a validator that reports Problems with JSON paths
(and YAML line numbers when the document was loaded with n9e_k8s.yamlio)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..problems import Problem, json_path
from ..yamlio import close_match, line_of

DASHBOARD_SOURCE = "dashboard-source.schema.json"
CATALOG_SOURCE = "catalog-source.schema.json"
METRIC_REGISTRY = "metric-registry.schema.json"
N9E_BOARD = "n9e-board.schema.json"
COLLECTION_CONFIG = "collection-config.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf failures, the most relevant sub-error (the one that got furthest)."""
    from jsonschema.exceptions import best_match

    while error.context:
        # a branch that failed only on its type is the one the author did not mean
        meant = [e for e in error.context if e.validator != "type"] or error.context
        candidate = best_match(meant)
        if candidate is None or len(candidate.absolute_path) < len(error.absolute_path):
            break
        if len(candidate.absolute_path) == len(error.absolute_path) and error.validator == "oneOf":
            break  # "matches both"/"matches none" at the same place says more than one branch
        error = candidate
    return error


_JSON_TYPES = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
    type(None): "null",
}  # fmt: skip


def _json_type(instance: Any) -> str:
    """The JSON name of a value's type (also for the line-remembering LineDict/LineList)."""
    for cls in type(instance).__mro__:
        if cls in _JSON_TYPES:
            return _JSON_TYPES[cls]
    return type(instance).__name__


def _message(error: Any, extra_key: str | None = None) -> str:
    """The rule broken, in a line (jsonschema's own text repeats the whole instance). A schema may
    word it itself: ``"x-messages": {"<keyword>": "text"}`` next to the keyword that fails."""
    kind, value, instance = error.validator, error.validator_value, error.instance
    own = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    if kind in own:
        text = own[kind]
    elif extra_key is not None:
        known = error.schema.get("properties", {})
        text = f"unknown key {extra_key!r}{close_match(extra_key, known)}"
    elif kind == "type":
        wanted = " or ".join(value) if isinstance(value, list) else value
        text = f"must be of type {wanted}, not {_json_type(instance)}"
    elif kind == "not" and isinstance(value, dict) and "pattern" in value:
        text = f"{instance!r} must not match {value['pattern']!r}"
    elif kind == "oneOf" and all(isinstance(b, dict) and "required" in b for b in value):
        keys = [repr(k) for b in value for k in b["required"]]
        text = f"needs exactly one of {' or '.join(keys)}"
    elif kind in ("minItems", "maxItems", "uniqueItems", "minProperties") and isinstance(
        instance, list | dict
    ):
        text = error.message.replace(repr(instance), _json_type(instance), 1)
    else:
        text = error.message
    if len(text) > 240:
        text = text[:237] + "..."
    return f"{text} [{kind}]"


def _line(document: Any, parts: list[str | int]) -> int | None:
    node, line = document, line_of(document)
    for part in parts:
        line = line_of(node, part) or line
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


_VALID: set[tuple[str, bytes]] = set()  # (schema, digest of a document found valid) in this process
_VALID_MAX = 4096


def _digest(document: Any) -> bytes | None:
    import hashlib

    try:
        text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON data (a date, a non-string key): no shortcut
        return None
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def validate(name: str, document: Any, file: str, prefix: str = "", lines: bool = False) -> list[Problem]:
    """All schema violations of ``document`` as Problems, sorted by position.

    Validity depends on the data only, so a document already found valid in this process is not walked
    again (a long-lived process, such as a test run or an editor integration, loads the same files often)."""
    key = _digest(document)
    if key is not None and (name, key) in _VALID:
        return []
    problems = []
    for error in _validator(name).iter_errors(document):
        error = _deepest(error)
        parts = list(error.absolute_path)
        extra_key = None
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # point at the first unexpected key itself (its path and line)
            known = error.schema.get("properties", {})
            extra = sorted(str(k) for k in error.instance if k not in known)
            extra_key = extra[0] if extra else None
            parts += extra[:1]
        elif "propertyNames" in error.schema_path and isinstance(error.instance, str):
            parts.append(error.instance)  # a bad key: point at the key, not at its mapping
        problems.append(
            Problem(
                file=file,
                path=json_path(parts, prefix),
                message=_message(error, extra_key),
                line=_line(document, parts) if lines else None,
            )
        )
    if not problems and key is not None and len(_VALID) < _VALID_MAX:
        _VALID.add((name, key))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.message))
