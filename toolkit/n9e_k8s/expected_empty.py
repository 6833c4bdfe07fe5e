"""promql/expected-empty.yaml: the rules whose data may be empty in a healthy cluster, and why (catalog entries
carry their own ``expected_empty``). `verify` reads it; a name that is no rule of the source is an error."""

from __future__ import annotations

from collections.abc import Collection

from .errors import SourceError, SourceErrors
from .source import SourceTree
from .yamlio import load_yaml, unknown_keys

EXPECTED_EMPTY_FILE = "expected-empty.yaml"


def load_expected_empty(tree: SourceTree, rule_names: Collection[str] | None = None) -> dict[str, str]:
    """Rule name -> reason. With ``rule_names`` (the source's alerts and records), every key must be one."""
    file = tree.promql / EXPECTED_EMPTY_FILE
    if not file.is_file():
        return {}
    data = load_yaml(file) or {}
    unknown = unknown_keys(data, ("rules",), file)
    if unknown:
        raise unknown[0]
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, dict) or not all(isinstance(v, str) and v.strip() for v in rules.values()):
        raise SourceError(file, "expected 'rules: {<alert or record name>: <reason>}' with non-empty reasons")
    expected = {str(k): v for k, v in rules.items()}
    if rule_names is not None:
        errors = [
            SourceError(file, "no alert or recording rule has this name", path=f"rules.{name}")
            for name in sorted(set(expected) - set(rule_names))
        ]
        if errors:
            raise SourceErrors(errors)
    return expected
