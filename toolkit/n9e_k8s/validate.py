"""`n9e-k8s validate`: the whole source tree, or n9e export files.

Hooks for other kinds of content:
* the sync's ``HANDLERS`` (sync/handlers): each kind's ``detect(obj)`` and ``check_export(obj, file, prefix)`` for
  one object of an export file. A file holds one object or a JSON array.
* ``SOURCE_CHECKS``: ``check(project) -> [Problem]`` run on what loaded of the source tree (every load
  problem is reported first): each checks what only rendering shows, and skips a part that did not load.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import SourceError, SourceErrors, UsageError
from .langs import LANGS
from .n9e.formats.board import validate_board
from .n9e.formats.rules import validate_alert_rule, validate_recording_rule
from .problems import Problem, from_source_errors
from .project import Project, load_project_partial
from .source import SourceTree
from .sync import handlers

SourceCheck = Callable[[Project], list[Problem]]


def check_dashboards(project: Project) -> list[Problem]:
    """Coverage gaps (warnings), then each rendered board (both languages) against the n9e board schema,
    strictly."""
    from .dashboards.render import board_json, render_board
    from .dashboards.source import coverage_problems

    if not project.has("dashboards"):
        return []
    problems = coverage_problems(list(project.dashboards), project.catalog)
    for spec in project.dashboards:
        for lang in LANGS:
            board = json.loads(board_json(render_board(spec, project.catalog, project.config, lang)))
            for p in validate_board(board, f"{spec.file} (rendered, {lang})", strict=True):
                problems.append(p)
    return problems


def check_rules(project: Project) -> list[Problem]:
    """Every rendered n9e rule, strictly (both languages, every target version): a warning on our own output
    counts as an error."""
    from .alerts.render import RenderOptions, render_outputs
    from .n9e.versions import TARGETS

    if not project.has("rules"):
        return []
    problems: list[Problem] = []
    for lang in LANGS:
        for version in TARGETS:
            options = RenderOptions(lang=lang, n9e_version=version)
            try:
                files = render_outputs(project.rules, options)
            except (SourceError, SourceErrors) as exc:
                return from_source_errors(exc)
            for path, text in files.items():
                if not path.endswith(".json"):
                    continue
                check = validate_alert_rule if path.startswith("alerts/") else validate_recording_rule
                for i, obj in enumerate(json.loads(text)):
                    for p in check(obj, f"{path} (rendered, {lang}, {version})", f"[{i}]"):
                        problems.append(Problem(p.file, p.path, p.message, "error", p.line))
    return sorted(set(problems), key=lambda p: (p.file, p.path, p.message))


def check_manifests(project: Project) -> list[Problem]:
    """The collection manifests rendered from config.yaml, against the Kubernetes schemas (strict,
    when the optional kubernetes-validate is installed; otherwise our own checks and a warning)."""
    from .k8s_validate import MissingValidator, manifest_problems
    from .keep import keep_lists
    from .manifests import PLACEHOLDER_REMOTE_WRITE_URL, ManifestOptions, render_objects, service_order

    keep = keep_lists(project) if project.has("catalog") and project.has("rules") else None
    objects = render_objects(project.config, ManifestOptions(PLACEHOLDER_REMOTE_WRITE_URL, keep=keep))
    order = service_order(project.config)
    try:
        return manifest_problems(objects, services=order)
    except MissingValidator as exc:
        skipped = Problem("manifests/", "", f"schema check skipped: {exc}", "warning")
        return [skipped, *manifest_problems(objects, schema=False, services=order)]


SOURCE_CHECKS: list[SourceCheck] = [check_dashboards, check_rules, check_manifests]


def check_name(check: SourceCheck) -> str:
    """``check_dashboards`` -> ``dashboards``: the id a report gives the check's problems."""
    return getattr(check, "__name__", "check").removeprefix("check_")


def validate_tree_by_check(tree: SourceTree) -> list[tuple[str, list[Problem]]]:
    """(check, problems) for the load of every part of the source ("source": config.yaml, catalog,
    dashboards, rules, registry, expected-empty.yaml), then for every SOURCE_CHECKS hook on what loaded."""
    project, errors = load_project_partial(tree)
    out = [("source", from_source_errors(SourceErrors(errors)) if errors else [])]
    if project is not None:
        out += [(check_name(check), check(project)) for check in SOURCE_CHECKS]
    return out


def validate_tree(tree: SourceTree) -> list[Problem]:
    return [p for _, problems in validate_tree_by_check(tree) for p in problems]


def validate_object(obj: Any, file: str, prefix: str = "") -> list[Problem]:
    for h in handlers.HANDLERS:  # read at call time: the registry is the one list of kinds
        if h.detect(obj):
            return h.check_export(obj, file, prefix)
    kinds = [h.what for h in handlers.HANDLERS]
    expected = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
    return [Problem(file, prefix, f"not a known n9e export: expected {expected}")]


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
