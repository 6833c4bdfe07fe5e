"""JUnit XML (the shape Jenkins, GitLab and Surefire read): one test case per checked object; error-level
results fail their case (message and file:line), warnings and notes go to the case's system-out."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from . import Report, Result


def where(result: Result) -> str:
    if not result.file:
        return ""
    return f"{result.file}:{result.line}: " if result.line else f"{result.file}: "


def render(report: Report) -> str:
    grouped = report.grouped()
    failed = sum(1 for _, results in grouped if any(r.level == "error" for r in results))
    name = f"n9e-k8s {report.command}"
    counts = {"tests": str(len(grouped)), "failures": str(failed), "errors": "0"}
    root = ET.Element("testsuites", name=name, **counts)
    suite = ET.SubElement(root, "testsuite", name=name, **counts)
    for case, results in grouped:
        attrs = {"name": case.name, "classname": case.group}
        if case.file:
            attrs["file"] = case.file
        if case.line:
            attrs["line"] = str(case.line)
        element = ET.SubElement(suite, "testcase", attrs)
        errors = [r for r in results if r.level == "error"]
        if errors:
            failure = ET.SubElement(element, "failure", message=errors[0].message, type=errors[0].rule)
            failure.text = "\n".join(f"{where(r)}{r.rule}: {r.message}" for r in errors)
        others = [r for r in results if r.level != "error"]
        if others:
            out = ET.SubElement(element, "system-out")
            out.text = "\n".join(f"{where(r)}{r.level} {r.rule}: {r.message}" for r in others)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
