"""Validation of the rule source (`n9e-k8s validate` on a source tree): load it, then check every rendered n9e
rule against the n9e rule formats (n9e/formats/rules.py)."""

from __future__ import annotations

from typing import Any

from ..n9e.formats.rules import validate_alert_rule, validate_recording_rule
from ..problems import Problem


def check_rule_source(ctx: Any) -> list[Problem]:
    """The rule source (schema, placeholders, test coverage), then every rendered n9e rule strictly
    (both languages, every target version): a warning on our own output counts as an error."""
    from ..catalog import LANGS
    from ..errors import SourceError, SourceErrors
    from ..n9e.versions import TARGETS
    from ..problems import from_source_errors
    from .model import load_rules
    from .render import RenderOptions, render_outputs

    try:
        rules = load_rules(ctx.tree, ctx.selectors, ctx.catalog)
    except (SourceError, SourceErrors) as exc:
        return from_source_errors(exc)
    import json

    problems: list[Problem] = []
    for lang in LANGS:
        for version in TARGETS:
            options = RenderOptions(lang=lang, n9e_version=version)
            try:
                files = render_outputs(rules, options)
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
