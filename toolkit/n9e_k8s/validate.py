"""`n9e-k8s validate`: the whole source tree, or n9e export files.

Hooks for other kinds of content:
* ``VALIDATORS``: ``(detect(obj) -> bool, validate(obj, file, prefix) -> [Problem])`` for one object
  of an export file (a board; alert rules add theirs). A file holds one object or a JSON array.
* ``SOURCE_CHECKS``: ``check(ctx: BuildContext) -> [Problem]`` run on the source tree after
  config.yaml and the catalog loaded (dashboards here; alerts and manifests add theirs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .alerts.validate import (
    check_rule_source,
    is_alert_rule,
    is_recording_rule,
    validate_alert_rule,
    validate_recording_rule,
)
from .boards import is_board, validate_board
from .build import BuildContext, make_context
from .catalog import LANGS
from .errors import SourceError, SourceErrors, UsageError
from .problems import Problem, from_source_errors
from .source import SourceTree

Detect = Callable[[Any], bool]
ObjectValidator = Callable[[Any, str, str], list[Problem]]
SourceCheck = Callable[[BuildContext], list[Problem]]

VALIDATORS: list[tuple[Detect, ObjectValidator]] = [
    (is_board, validate_board),
    (is_alert_rule, validate_alert_rule),
    (is_recording_rule, validate_recording_rule),
]


def check_dashboards(ctx: BuildContext) -> list[Problem]:
    """Dashboard sources against their schema and the catalog, then each rendered board (both
    languages) against the n9e board schema, strictly; coverage gaps are warnings."""
    from .dashboards import board_json, coverage_problems, load_dashboards, render_board

    try:
        specs = load_dashboards(ctx.tree, ctx.catalog, ctx.selectors)
    except (SourceError, SourceErrors) as exc:
        return from_source_errors(exc)
    problems = coverage_problems(specs, ctx.catalog)
    for spec in specs:
        for lang in LANGS:
            board = json.loads(board_json(render_board(spec, ctx.catalog, ctx.selectors, lang)))
            for p in validate_board(board, f"{spec.file} (rendered, {lang})", strict=True):
                problems.append(p)
    return problems


def check_manifests(ctx: BuildContext) -> list[Problem]:
    """The collection manifests rendered from config.yaml, against the Kubernetes schemas (strict,
    when the optional kubernetes-validate is installed; otherwise our own checks and a warning)."""
    from .k8s_validate import MissingValidator, manifest_problems
    from .manifests import PLACEHOLDER_REMOTE_WRITE_URL, ManifestOptions, render_objects, service_order

    objects = render_objects(ctx.selectors, ManifestOptions(PLACEHOLDER_REMOTE_WRITE_URL))
    order = service_order(ctx.selectors)
    try:
        return manifest_problems(objects, services=order)
    except MissingValidator as exc:
        skipped = Problem("manifests/", "", f"schema check skipped: {exc}", "warning")
        return [skipped, *manifest_problems(objects, schema=False, services=order)]


def check_other_files(ctx: BuildContext) -> list[Problem]:
    """The files no render reads: the metric registry (promql/metrics.yaml) and promql/expected-empty.yaml
    (its keys must name rules of the source)."""
    from .registry import load_registry
    from .verify import EXPECTED_EMPTY_FILE, load_expected_empty

    problems: list[Problem] = []
    try:
        if (ctx.tree.promql / "metrics.yaml").is_file():  # only `lint` needs it
            load_registry(ctx.tree.promql, ctx.selectors.cluster_label, ctx.selectors.components)
    except (SourceError, SourceErrors) as exc:
        problems += from_source_errors(exc)
    try:
        expected = load_expected_empty(ctx.tree)
    except (SourceError, SourceErrors) as exc:
        return problems + from_source_errors(exc)
    if not expected or not ctx.tree.alerts.is_dir():
        return problems
    from .alerts.model import load_rules

    try:
        rules = load_rules(ctx.tree, ctx.selectors, ctx.catalog)
    except (SourceError, SourceErrors):
        return problems  # check_rule_source reports these
    known = {r.record for r in rules.records} | {a.name for a in rules.alerts}
    file = str(ctx.tree.promql / EXPECTED_EMPTY_FILE)
    return problems + [
        Problem(file, f"rules.{name}", "no alert or recording rule has this name")
        for name in sorted(set(expected) - known)
    ]


SOURCE_CHECKS: list[SourceCheck] = [check_dashboards, check_rule_source, check_manifests, check_other_files]


def validate_tree(tree: SourceTree) -> list[Problem]:
    """config.yaml, the catalog, then every SOURCE_CHECKS hook."""
    try:
        ctx = make_context(tree)
    except (SourceError, SourceErrors) as exc:
        return from_source_errors(exc)
    problems: list[Problem] = []
    for check in SOURCE_CHECKS:
        problems += check(ctx)
    return problems


def validate_object(obj: Any, file: str, prefix: str = "") -> list[Problem]:
    for detect, validator in VALIDATORS:
        if detect(obj):
            return validator(obj, file, prefix)
    return [
        Problem(
            file,
            prefix,
            "not a known n9e export: expected a board (an object with 'configs'), an alert rule "
            "(rule_config/prom_ql, severity...) or a recording rule (name, prom_ql)",
        )
    ]


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; directories become the *.json files below them. Missing paths: UsageError."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise UsageError(f"{path}: no .json files in this directory")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return files


def validate_file(path: Path) -> list[Problem]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(file, "", f"cannot read: {exc}")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [Problem(file, "", f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno)]
    except RecursionError:
        return [Problem(file, "", "nested too deeply to be an n9e export")]
    if isinstance(data, list):
        if not data:
            return [Problem(file, "", "empty array: nothing to import")]
        problems: list[Problem] = []
        for i, item in enumerate(data):
            problems += validate_object(item, file, f"[{i}]")
        return problems
    return validate_object(data, file)


def validate_files(paths: list[Path]) -> list[Problem]:
    problems: list[Problem] = []
    for path in expand_paths(paths):
        problems += validate_file(path)
    return problems
