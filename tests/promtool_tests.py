"""promtool documents generated from the source, for the tests (the package does not ship them).

For the catalog: a rule file that makes promtool parse every query, and a unit-test file whose
promql_expr_test cases evaluate every query on its made-up series.

For the rule source: every alert case becomes one promtool test (its own input series) with an
``alert_rule_test`` at ``eval_time``: firing cases list the exact labels and annotations (rendered here,
from the expected series labels and value, with the template functions the source may use), silent
cases expect no alert. Recording rule cases become ``promql_expr_test``s on the recorded series.
"""

from __future__ import annotations

import math
import re
from typing import Any

from n9e_k8s.alerts.model import Alert, AlertTests, ExpectedAlert, Record, RuleSet
from n9e_k8s.alerts.render import prometheus_groups, prometheus_rule_file, to_yaml
from n9e_k8s.catalog import Catalog, CatalogEntry, ExprTest

_SERIES_NAME_RE = re.compile(r"[^a-zA-Z0-9_:]")


def _record_name(entry: CatalogEntry) -> str:
    return "n9e_k8s_catalog:" + _SERIES_NAME_RE.sub("_", entry.id)


def rule_file(catalog: Catalog) -> dict:
    """Every catalog query as a recording rule (rule mode), for `promtool check rules`."""
    groups = []
    for component in catalog.components:
        rules = [
            {"record": _record_name(e), "expr": e.render(catalog.selectors, "rule")}
            for e in catalog.for_component(component)
        ]
        groups.append({"name": f"n9e-k8s-catalog-{component}", "rules": rules})
    return {"groups": groups}


def _expected_samples(test: ExprTest) -> list[dict]:
    samples = []
    for exp in test.expect:
        samples.append({"labels": str(exp.get("labels", "{}")), "value": float(exp["value"])})
    return samples


def recording_rule_file(rules: RuleSet) -> dict:
    """Every recording rule of the source (no alerts), as one Prometheus rule file."""
    return {"groups": [{"name": g["name"], "rules": [r for r in g["rules"] if "record" in r]}
                       for g in prometheus_groups(rules) if any("record" in r for r in g["rules"])]}  # fmt: skip


def unit_test_file(catalog: Catalog, recorded_rules: str | None = None) -> dict:
    """One promtool test group per test case of a catalog entry (``<id>``, then ``<id>#2``, ...).

    With ``recorded_rules`` (the path of the recording rules), the cases of the entries that have a
    ``recorded`` query instead evaluate that query over the recorded series, and must give the same
    answer as the raw query does (names ``<id> (recorded)``)."""
    tests = []
    for entry in catalog.entries:
        if recorded_rules and not entry.recorded:
            continue
        expr = entry.render_recorded(catalog.selectors, "rule") if recorded_rules else None
        for n, case in enumerate(entry.tests, start=1):
            series = [
                {"series": catalog.selectors.expand(name, entry.component, "rule"), "values": values}
                for name, values in case.series.items()
            ]
            tests.append(
                {
                    "name": (entry.id if n == 1 else f"{entry.id}#{n}") + (" (recorded)" if expr else ""),
                    "interval": "1m",
                    "input_series": series,
                    "promql_expr_test": [
                        {
                            "expr": expr or entry.render(catalog.selectors, "rule"),
                            "eval_time": case.eval_time,
                            "exp_samples": _expected_samples(case),
                        }
                    ],
                }
            )
    return {"rule_files": [recorded_rules] if recorded_rules else [], "tests": tests}


TEMPLATE_RE = re.compile(
    r"\{\{\s*(?:\$labels\.(?P<label>[a-zA-Z_]\w*)|\$value(?:\s*\|\s*(?P<fn>\w+))?)\s*\}\}"
)
# Record values are compared after rounding, so floating-point noise in ratios does not matter.
ROUND_TO = 0.000001


def go_g4(v: float) -> str:
    """Go's ``%.4g``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return f"{v:.4g}"  # both write at least two exponent digits


def humanize(v: float) -> str:
    if v == 0 or math.isnan(v) or math.isinf(v):
        return go_g4(v)
    prefix = ""
    if abs(v) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix, v = p, v / 1000
        return f"{go_g4(v)}{prefix}"
    return _small(v)


def _small(v: float, unit: str = "") -> str:
    """|v| < 1 with an SI prefix (m, u, n...), as Prometheus' humanize functions do."""
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix, v = p, v * 1000
    return f"{go_g4(v)}{prefix}{unit}"


def humanize_duration(v: float) -> str:
    if math.isnan(v) or math.isinf(v):
        return go_g4(v)
    if v == 0:
        return f"{go_g4(v)}s"
    if abs(v) >= 1:
        sign = "-" if v < 0 else ""
        v = abs(v)
        n = int(v)
        days, hours, minutes, seconds = n // 86400, (n // 3600) % 24, (n // 60) % 60, n % 60
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{go_g4(v)}s"
    return _small(v, "s")


def go_value(v: float) -> str:
    """``{{ $value }}``: Go prints a float64 with %v (shortest repr, exponent from 1e21)."""
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


FUNCS = {
    None: go_value,
    "humanize": humanize,
    "humanizePercentage": lambda v: f"{go_g4(v * 100)}%",
    "humanizeDuration": humanize_duration,
}


def render_template(text: str, labels: dict[str, str], value: float | None) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group("label"):
            return labels.get(m.group("label"), "")
        if value is None:
            raise ValueError(f"{text!r} uses $value: the expected alert needs 'value'")
        return FUNCS[m.group("fn")](value)

    return TEMPLATE_RE.sub(repl, text)


def _input_series(series: dict[str, str]) -> list[dict[str, str]]:
    return [{"series": k, "values": v} for k, v in series.items()]


def _expected(level: Alert, item: ExpectedAlert) -> dict[str, Any]:
    annotations = {
        k: render_template(v, item.series_labels, item.value) for k, v in level.annotations("en").items()
    }
    return {"exp_labels": dict(item.labels), "exp_annotations": annotations}


def _level_of(t: AlertTests, item: ExpectedAlert) -> Alert:
    for level in t.levels:
        if all(item.labels.get(k) == v for k, v in level.labels.items()):
            return level
    raise AssertionError(f"{t.name}: no level matches {item.labels}")


def alert_tests(t: AlertTests) -> list[dict[str, Any]]:
    out = []
    counts = {"fires": 0, "silent": 0}
    for case in t.cases:
        counts[case.kind] += 1
        exp = [_expected(_level_of(t, item), item) for item in case.expect]
        out.append(
            {
                "name": f"{t.component} {t.name} {case.kind} #{counts[case.kind]}",
                "interval": case.interval,
                "input_series": _input_series(case.series),
                "alert_rule_test": [{"eval_time": case.eval_time, "alertname": t.name, "exp_alerts": exp}],
            }
        )
    return out


def _selector(name: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def record_tests(rules: RuleSet) -> list[dict[str, Any]]:
    out = []
    for record in rules.records:
        for i, case in enumerate(record.tests, 1):
            exprs = []
            for labels, value in case.expect:
                exprs.append(
                    {
                        "expr": f"round({_selector(record.record, labels)}, {ROUND_TO})",
                        "eval_time": case.eval_time,
                        "exp_samples": [{"labels": _selector("", labels), "value": round(value, 6)}],
                    }
                )
            out.append(
                {
                    "name": f"{record.component} record {_selector(record.record, record.labels)} #{i}",
                    "interval": case.interval,
                    "input_series": _input_series(case.series),
                    "promql_expr_test": exprs,
                }
            )
    return out


def merge_tests(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One promtool test per distinct (interval, input series): every test re-evaluates all rule
    groups from time 0, so sharing the long burn-rate series keeps the run short."""
    merged: dict[str, dict[str, Any]] = {}
    for test in tests:
        key = repr((test["interval"], test["input_series"]))
        if key not in merged:
            merged[key] = {**test, "name": test["name"]}
            continue
        into = merged[key]
        into["name"] += f"; {test['name']}"
        for kind in ("alert_rule_test", "promql_expr_test"):
            if kind in test:
                into[kind] = into.get(kind, []) + test[kind]
    return list(merged.values())


def promtool_files(rules: RuleSet, components: list[str] | None = None) -> dict[str, str]:
    """Rule files plus ``tests.yaml`` for ``promtool test rules tests.yaml`` (run from that folder): every
    component's, or the cases of ``components`` with their rule files and those of the records they read."""
    chosen = rules.components if components is None else components
    loaded = [c for c in rules.components if c in chosen or c in _record_owners(rules, chosen)]
    files = {f"{c}.rules.yaml": prometheus_rule_file(rules, c) for c in loaded}
    tests: list[dict[str, Any]] = []
    for t in rules.alert_tests:
        if t.component in chosen:
            tests += alert_tests(t)
    records = [r for r in record_tests(rules) if r["name"].split(" ", 1)[0] in chosen]
    tests = merge_tests(tests + records)
    files["tests.yaml"] = to_yaml(
        {
            "rule_files": sorted(k for k in files if k.endswith(".rules.yaml")),
            "evaluation_interval": "1m",
            # Recordings before the alerts that read them, in source order (promtool orders groups
            # at random otherwise, so a value could come from this or the previous minute).
            "group_eval_order": [g.name for g in rules.groups if g.component in loaded],
            "tests": tests,
        }
    )
    return files


def _record_owners(rules: RuleSet, components: list[str]) -> set[str]:
    """The components whose recording rules the alerts of ``components`` read."""
    owner = {r.record: r.component for g in rules.groups for r in g.rules if isinstance(r, Record)}
    exprs = [a.expr for g in rules.groups if g.component in components for a in g.rules]
    return {c for name, c in owner.items() if any(name in e for e in exprs)}
