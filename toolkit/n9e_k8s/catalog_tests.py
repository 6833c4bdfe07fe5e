"""promtool documents for the catalog: a rule file that makes promtool parse every query, and a
unit-test file whose promql_expr_test cases evaluate every query on its made-up series."""

from __future__ import annotations

import re

from .catalog import Catalog, CatalogEntry, ExprTest

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


def unit_test_file(catalog: Catalog) -> dict:
    """One promtool test group per test case of a catalog entry (``<id>``, then ``<id>#2``, ...)."""
    tests = []
    for entry in catalog.entries:
        for n, case in enumerate(entry.tests, start=1):
            series = [
                {"series": catalog.selectors.expand(name, entry.component, "rule"), "values": values}
                for name, values in case.series.items()
            ]
            tests.append(
                {
                    "name": entry.id if n == 1 else f"{entry.id}#{n}",
                    "interval": "1m",
                    "input_series": series,
                    "promql_expr_test": [
                        {
                            "expr": entry.render(catalog.selectors, "rule"),
                            "eval_time": case.eval_time,
                            "exp_samples": _expected_samples(case),
                        }
                    ],
                }
            )
    return {"rule_files": [], "tests": tests}
