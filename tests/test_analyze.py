"""`n9e-k8s analyze` (issue 16 item 5): the reverse index from the project (metric -> catalog entries,
panels, variables, rules), families, and the command's errors. Against the real lab Prometheus and
through n9e's datasource proxy: tests/test_analyze_lab.py."""

from __future__ import annotations

import socket

from n9e_k8s.analyze import Analysis, MetricUse, family_of, jobs_selector, metric_names, reverse_index
from n9e_k8s.cli import _register_all, app
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from typer.testing import CliRunner


def _project():
    return load_project(resolve_source(None))


def test_every_catalog_entry_and_rule_is_in_the_reverse_index():
    project = _project()
    index = reverse_index(project)
    selectors = project.config
    for entry in project.catalog.entries:
        for name in metric_names(selectors.substitute_defaults(entry.render(selectors, "dashboard"))):
            assert entry.id in index[name].catalog, (entry.id, name)
    # `up` is read by every component's standard Down/InstanceUnreachable alerts
    assert len(index["up"].alerts) >= 2 * len(selectors.jobs)
    # a recording rule's output is read by the rules built on it
    recorded = {r.record for r in project.rules.records}
    assert any(index[name].used for name in recorded if name in index)
    # panels name their board
    assert all(p.split("/", 1)[0].startswith("k8s-") for m in index.values() for p in m.panels)


def test_metric_names_of_expressions():
    assert metric_names('sum(rate(a_total{job="x"}[5m])) / on() b + {__name__="c"}') == {"a_total", "b", "c"}
    assert metric_names("vector(1)") == set()


def test_families_group_histograms_not_counters_named_count():
    names = {"h_bucket", "h_sum", "h_count", "webhook_rejection_count", "x"}
    assert family_of("h_bucket", names, None) == "h"
    assert family_of("h_count", names, None) == "h"
    assert family_of("webhook_rejection_count", names, None) == "webhook_rejection_count"
    registry = _project().registry
    assert family_of("apiserver_request_duration_seconds_bucket", set(), registry) == (
        "apiserver_request_duration_seconds"
    )


def test_unused_is_largest_first_and_missing_is_what_is_read_but_not_stored():
    metrics = {
        "a": MetricUse("a", series=5),
        "b": MetricUse("b", series=50),
        "c": MetricUse("c", series=7, panels=["k8s-x/p"]),
        "d": MetricUse("d", alerts=["DAlert"]),
        "h_bucket": MetricUse("h_bucket", series=30),
        "h_sum": MetricUse("h_sum", series=3),
        "h_count": MetricUse("h_count", series=3, catalog=["x.h"]),
    }
    analysis = Analysis(jobs=["j"], metrics=metrics)
    assert [f.name for f in analysis.unused] == ["b", "a"]
    assert [f.name for f in analysis.families] == ["b", "h", "c", "a"]
    h = next(f for f in analysis.families if f.name == "h")
    assert h.used and h.series == 36
    assert {n["name"]: n["used"] for n in h.as_dict()["names"]} == {
        "h_bucket": False,
        "h_count": True,
        "h_sum": False,
    }
    assert [m.name for m in analysis.missing] == ["d"]
    s = analysis.summary()
    assert (s["stored_series"], s["unused_series"], s["unused_families"]) == (98, 55, 2)


def test_jobs_selector_names_the_scraped_jobs():
    selectors = _project().config
    sel = jobs_selector(selectors)
    for component, job in selectors.jobs.items():
        assert (job in sel) == selectors.scraped(component)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_unreachable_prometheus_is_an_error_naming_it():
    _register_all()
    url = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(app, ["analyze", "--prometheus", url, "--output", "json"])
    assert result.exit_code == 1, result.output
    assert url in result.stderr and not result.stdout


def test_cli_flag_errors(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    _register_all()
    runner = CliRunner()
    assert runner.invoke(app, ["analyze"]).exit_code == 2
    both = runner.invoke(app, ["analyze", "--n9e", "--prometheus", "http://127.0.0.1:1"])
    assert both.exit_code == 2 and "not both" in both.stderr
    bad = runner.invoke(app, ["analyze", "--prometheus", "http://127.0.0.1:1", "--show", "some"])
    assert bad.exit_code == 2 and "--show" in bad.stderr
