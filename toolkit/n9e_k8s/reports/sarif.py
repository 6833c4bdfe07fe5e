"""SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: one ``rules[]`` entry per check, results with
the artifact's URI relative to ``%SRCROOT%`` (the report's root) and the line as region."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from . import Report, Result, RuleDoc

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# SARIF wants an absolute URI for the tool's documentation; the project publishes no web page yet.
INFORMATION_URI = "urn:n9e-k8s:docs/ci.md"
ROOT_ID = "%SRCROOT%"


def rule_entry(rule: RuleDoc) -> dict[str, Any]:
    full = rule.full or rule.short
    return {
        "id": rule.id,
        "name": rule.id.replace("/", "-"),
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": full},
        "help": {"text": full},
        "defaultConfiguration": {"level": rule.level},
    }


def location(result: Result, file: str) -> dict[str, Any]:
    from urllib.parse import quote

    if file.startswith("/"):
        artifact: dict[str, Any] = {"uri": "file://" + quote(file)}
    else:
        artifact = {"uri": quote(file), "uriBaseId": ROOT_ID}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if result.line:
        region: dict[str, int] = {"startLine": result.line}
        if result.column:
            region["startColumn"] = result.column
        physical["region"] = region
    return {"physicalLocation": physical}


def result_entry(result: Result, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": result.rule,
        "level": result.level,
        "message": {"text": result.message},
    }
    if result.rule in index:
        out["ruleIndex"] = index[result.rule]
    if result.file:
        out["locations"] = [location(result, result.file)]
    if result.subject:
        out["properties"] = {"subject": result.subject}
    return out


def render(report: Report) -> str:
    index = {r.id: i for i, r in enumerate(report.rules)}
    run = {
        "tool": {
            "driver": {
                "name": "n9e-k8s",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_entry(r) for r in report.rules],
            }
        },
        "originalUriBaseIds": {ROOT_ID: {"uri": report.root.resolve().as_uri() + "/"}},
        "automationDetails": {"id": f"n9e-k8s/{report.command}/"},
        "results": [result_entry(r, index) for r in report.results],
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
