"""Alert templates (alerts/templates/*.yaml): the standard alerts every component gets, written once.

A component's file gives its ``template_params`` and places each standard alert with a rule
``- template: <name>`` (other keys of that rule replace the template's; under ``tests``, ``fires`` and ``silent`` one by one).
Expansion happens on the loaded YAML, before the schema check, so an expanded alert is checked and
loaded exactly like one written out; its line numbers are those of the ``template:`` rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SourceError
from ..source import SourceTree
from ..yamlio import LineDict, LineList, close_match, load_each, unknown_keys

TEMPLATE_DIR = "templates"
TEMPLATE_KEYS = ("params", "switches", "rule")
LANG_KEYS = ("en", "zh")
PARAM_RE = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Template:
    name: str
    params: dict[str, Any]  # name -> default (None: required)
    switches: dict[str, str]  # name -> text put in when the parameter is true
    rule: LineDict
    file: str


def load_templates(tree: SourceTree) -> tuple[dict[str, Template], list[SourceError]]:
    """Every template of alerts/templates/*.yaml, and the problems of those files."""
    folder = tree.alerts / TEMPLATE_DIR
    templates: dict[str, Template] = {}
    errors: list[SourceError] = []
    for file, data in load_each(sorted(folder.glob("*.yaml")) if folder.is_dir() else [], errors):
        display = tree.display(file)
        if not isinstance(data, LineDict) or not isinstance(data.get("templates"), LineDict):
            errors.append(SourceError(display, "must be a mapping with a 'templates' mapping", line=1))
            continue
        errors += unknown_keys(data, ("templates",), display)
        for name, spec in data["templates"].items():
            path = f"templates.{name}"
            line = data["templates"].line_of(name)
            if not isinstance(spec, LineDict) or not isinstance(spec.get("rule"), LineDict):
                errors.append(SourceError(display, "must be a mapping with a 'rule'", line=line, path=path))
                continue
            errors += unknown_keys(spec, TEMPLATE_KEYS, display, path)
            params, switches = spec.get("params") or {}, spec.get("switches") or {}
            if not isinstance(params, dict) or not isinstance(switches, dict):
                errors.append(SourceError(display, "params and switches are mappings", line=line, path=path))
                continue
            if name in templates:
                errors.append(
                    SourceError(display, f"template {name!r} is also in {templates[name].file}", line=line)
                )
            templates[str(name)] = Template(str(name), dict(params), dict(switches), spec["rule"], display)
    return templates, errors


def expand_templates(data: Any, templates: Mapping[str, Template], file: str) -> list[SourceError]:
    """Replace, in place, every ``- template: X`` rule of a loaded alert file by the expanded template.
    Structural problems are left to the schema check; returns the template problems."""
    if not isinstance(data, LineDict) or not isinstance(data.get("groups"), list):
        return []
    params = data.pop("template_params", None)
    errors: list[SourceError] = []
    used: set[str] = set()
    for group in data["groups"]:
        rules = group.get("rules") if isinstance(group, dict) else None
        if not isinstance(rules, LineList):
            continue
        for i, rule in enumerate(rules):
            if not isinstance(rule, LineDict) or "template" not in rule:
                continue
            try:
                template = _template(rule, templates, file)
                used.add(template.name)
                rules[i] = _expand(template, rule, params, data, file)
            except SourceError as exc:
                errors.append(exc)
    if isinstance(params, LineDict):
        declared = {p for name in used for p in (*templates[name].params, *templates[name].switches)}
        errors += unknown_keys(params, sorted(declared), file, "template_params")
    return errors


def _template(rule: LineDict, templates: Mapping[str, Template], file: str) -> Template:
    name = rule["template"]
    if not isinstance(name, str) or name not in templates:
        known = ", ".join(templates) or "none: alerts/templates/ is empty"
        raise SourceError(
            file,
            f"unknown template {name!r}{close_match(str(name), templates)} (known: {known})",
            line=rule.line_of("template"),
            path="template",
        )
    return templates[name]


def _expand(template: Template, use: LineDict, params: Any, data: LineDict, file: str) -> LineDict:
    where = {"line": use.line_of("template"), "path": f"template({template.name})"}
    given = params if isinstance(params, dict) else {}
    if params is not None and not isinstance(params, dict):
        raise SourceError(file, "template_params must be a mapping", line=data.line, path="template_params")
    values: dict[str, Any] = {}
    for name, default in template.params.items():
        value = given.get(name, default)
        if value is None:
            raise SourceError(file, f"template_params has no {name!r}, which the template needs", **where)
        if isinstance(value, dict) and set(value) != set(LANG_KEYS):
            raise SourceError(
                file, f"template_params.{name}: a text in both languages has en and zh", **where
            )
        values[name] = value
    for name, text in template.switches.items():
        value = given.get(name, False)
        if not isinstance(value, bool):
            raise SourceError(file, f"template_params.{name}: must be true or false, not {value!r}", **where)
        values[name] = text if value else ""
    expanded = _fill(template.rule, values, None, use.line)
    overrides = LineDict({k: v for k, v in use.items() if k != "template"})
    overrides.line, overrides.key_lines = use.line, dict(use.key_lines)
    return _merge(expanded, overrides)


def _fill(node: Any, values: dict[str, Any], lang: str | None, line: int) -> Any:
    """A copy of ``node`` with the template parameters filled in, every line set to ``line``."""
    if isinstance(node, dict):
        out = LineDict()
        for key, value in node.items():
            out[_text(key, values, lang)] = _fill(value, values, key if key in LANG_KEYS else lang, line)
        out.line, out.key_lines = line, {}
        return out
    if isinstance(node, list):
        items = LineList(_fill(v, values, lang, line) for v in node)
        items.line, items.item_lines = line, [line] * len(items)
        return items
    return _text(node, values, lang)


def _text(value: Any, values: dict[str, Any], lang: str | None) -> Any:
    if not isinstance(value, str):
        return value

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        capital = name[:1].lower() + name[1:]
        if name not in values and capital not in values:
            return m.group(0)  # a rule placeholder (%(job)s...), filled when the rule loads
        value = values[name] if name in values else values[capital]
        if isinstance(value, dict):
            value = value[lang or "en"]
        text = str(value)
        return text if name in values else text[:1].upper() + text[1:]

    return PARAM_RE.sub(repl, value)


def _merge(base: LineDict, override: LineDict, merged: tuple[str, ...] = ("tests",)) -> LineDict:
    """``override`` over ``base``: a key replaces the template's, except ``tests``, whose ``fires`` and
    ``silent`` are replaced one by one (a component may bring its own firing cases only)."""
    out = LineDict(base)
    out.line, out.key_lines = override.line, {**base.key_lines, **override.key_lines}
    for key, value in override.items():
        if key in merged and isinstance(value, LineDict) and isinstance(base.get(key), LineDict):
            out[key] = _merge(base[key], value, ())
        else:
            out[key] = value
    return out
