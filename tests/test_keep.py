"""Keep-lists (issue 16): the generated metric_relabel_configs keep every series the source reads.

The guard applies the rendered relabelling (Prometheus semantics: source labels joined by `;`, fully anchored
regex) to every selector of the catalog, rules and board variables: its metric name on each job it reads, and
each `le` it needs (the bounds it compares against, the `collection.buckets` of a quantile, `+Inf`), in both
Prometheus 2 (`1`) and 3 (`1.0`) spellings. A deliberately broken keep-list must fail it.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from n9e_k8s import keep as k
from n9e_k8s import manifests as m
from n9e_k8s.build import BUILD_PARTS
from n9e_k8s.errors import SourceErrors, UsageError
from n9e_k8s.project import Project, load_project
from n9e_k8s.source import SourceTree
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(SourceTree(REPO), BUILD_PARTS)


def _rendered(project: Project, keep: k.KeepLists | None) -> dict[str, list[dict[str, Any]]]:
    options = m.ManifestOptions(remote_write_url=m.PLACEHOLDER_REMOTE_WRITE_URL, keep=keep)
    config = m.prometheus_config(project.config, options)
    return {job["job_name"]: job.get("metric_relabel_configs", []) for job in config["scrape_configs"]}


def lost(project: Project, relabel: dict[str, list[dict[str, Any]]], reads: list[k.Read]) -> list[str]:
    """Every (selector, job, le) whose series the relabelling would drop."""
    out = []
    for r in reads:
        assert r.name, f"{r.origin}: a selector without a metric name cannot be checked"
        if r.le is not None and "" not in r.le:
            les = set(r.le)
        elif r.name.endswith("_bucket"):
            bounds = project.config.collection.buckets_of(r.name)
            les = {k.go_float(b) for b in bounds} if bounds else {"0.123"}  # untrimmed: any bound
        else:
            les = {""}
        if r.name.endswith("_bucket"):
            les.add("+Inf")
        for job in r.jobs:
            for le in sorted(les):
                for spelling in k.le_spellings(le) if le else ("",):
                    labels = {"__name__": r.name, **({"le": spelling} if spelling else {})}
                    if not k.relabel_keeps(relabel[job], labels):
                        out.append(f"{r.origin}: {r.name}{{le={spelling!r}}} on job {job}")
    return out


def test_every_selector_survives_the_keep_list(project: Project) -> None:
    reads = k.source_reads(project)
    assert len(reads) > 200
    relabel = _rendered(project, k.keep_lists(project))
    assert all(relabel.values()), "every job carries metric_relabel_configs"
    assert lost(project, relabel, reads) == []


def test_a_broken_keep_list_fails_the_guard(project: Project) -> None:
    keep = k.keep_lists(project)
    assert keep is not None
    first = keep.jobs[0]
    name = "apiserver_request_total"
    assert name in first.names
    without = dataclasses.replace(first, names=tuple(n for n in first.names if n != name))
    broken = _rendered(project, k.KeepLists((without, *keep.jobs[1:])))
    found = lost(project, broken, k.source_reads(project))
    assert found and all(name in f for f in found)
    # a bound the content compares against that the trimmed histogram does not keep
    extra_read = k.Read("apiserver_request_duration_seconds_bucket", (first.job,), ("0.3",), "test")
    assert lost(project, _rendered(project, keep), [extra_read]) == [
        "test: apiserver_request_duration_seconds_bucket{le='0.3'} on job apiserver"
    ]


def test_trimmed_buckets_and_other_series(project: Project) -> None:
    relabel = _rendered(project, k.keep_lists(project))["apiserver"]
    series = "apiserver_request_duration_seconds_bucket"
    assert k.relabel_keeps(relabel, {"__name__": series, "le": "1.0"})  # Prometheus 3
    assert k.relabel_keeps(relabel, {"__name__": series, "le": "1"})  # Prometheus 2
    assert k.relabel_keeps(relabel, {"__name__": series, "le": "+Inf"})
    assert not k.relabel_keeps(relabel, {"__name__": series, "le": "1.25"})
    assert not k.relabel_keeps(relabel, {"__name__": "apiserver_watch_events_sizes_bucket", "le": "1024"})
    assert k.relabel_keeps(relabel, {"__name__": "process_open_fds"})  # extra: process_.*
    assert k.relabel_keeps(relabel, {"__name__": "kubernetes_build_info"})
    assert not k.relabel_keeps(relabel, {"__name__": "apiserver_watch_events_total"})


def test_keep_all_renders_no_relabelling(project: Project) -> None:
    assert k.keep_lists(project, "all") is None
    assert not any(_rendered(project, None).values())
    with pytest.raises(UsageError, match="--keep must be one of used, all"):
        k.keep_lists(project, "some")


@pytest.mark.parametrize(
    ("value", "go"),
    [
        (1.0, "1"),
        (0.005, "0.005"),
        (1e6, "1e+06"),
        (100000.0, "100000"),
        (2.5e-5, "2.5e-05"),
        (86400.0, "86400"),
    ],
)
def test_bounds_are_spelled_like_client_golang_and_prometheus_3(value: float, go: str) -> None:
    assert k.go_float(value) == go
    spellings = k.le_spellings(go)
    assert go in spellings
    if "." not in go and "e" not in go:
        assert f"{go}.0" in spellings


def test_le_regex_matchers_expand_to_their_bounds() -> None:
    assert k.reads('x_bucket{job="a", le=~"1(\\\\.0)?"}', ["a", "b"])[0] == k.Read(
        "x_bucket", ("a",), ("1", "1.0"), ""
    )
    assert k.reads('x_bucket{le=~"1.*"}', ["a"])[0].le == ("",)  # not a finite set: every bucket


@pytest.mark.parametrize(
    ("collection", "message"),
    [
        ("keep: some", "keep must be `used`"),
        ("extra: ['a(']", "is not a regex"),
        ("buckets: {apiserver_request_duration_seconds: [1, 2, 3]}", "ending in _bucket"),
        ("colour: red", "unknown key 'colour'"),
    ],
)
def test_bad_collection_config_names_file_and_line(tmp_path: Path, collection: str, message: str) -> None:
    shutil.copytree(REPO / "promql", tmp_path / "promql")
    config = tmp_path / "promql" / "config.yaml"
    text = config.read_text()
    start = text.index("collection:\n")
    lines = text[:start].count("\n") + 2
    config.write_text(text[:start] + "collection:\n  " + collection + "\n")  # it is the last section
    with pytest.raises(SourceErrors) as exc:
        load_project(SourceTree(tmp_path), ())
    assert message in str(exc.value)
    assert f"config.yaml:{lines}" in str(exc.value)


def test_manifests_keep_option_writes_nothing_on_bad_value(tmp_path: Path) -> None:
    import typer
    from n9e_k8s.commands import manifests as command

    app = typer.Typer()
    app.callback()(lambda: None)
    command.register(app)
    out = tmp_path / "out"
    url = m.PLACEHOLDER_REMOTE_WRITE_URL
    result = CliRunner().invoke(
        app, ["manifests", "--remote-write-url", url, "--keep", "x", "--out", str(out)]
    )
    assert result.exit_code == 2 and "--keep must be one of" in result.output
    assert not out.exists()
    kept = CliRunner().invoke(app, ["manifests", "--remote-write-url", url, "--no-validate"])
    everything = CliRunner().invoke(
        app, ["manifests", "--remote-write-url", url, "--keep", "all", "--no-validate"]
    )
    assert kept.exit_code == everything.exit_code == 0
    jobs = kept.output.count("- job_name:")
    assert jobs == everything.output.count("- job_name:") >= 4  # every job of config.yaml, the same in both
    assert kept.output.count("metric_relabel_configs:") == jobs
    assert "metric_relabel_configs" not in everything.output


def test_reads_parse_expressions_that_still_hold_dashboard_variables() -> None:
    """An adopted board's query keeps Grafana's `$__rate_interval` in rule form; its selectors still count."""
    found = k.reads('sum(rate(apiserver_request_total{job="apiserver"}[$__rate_interval]))', ["apiserver"])
    assert [(r.name, r.jobs) for r in found] == [("apiserver_request_total", ("apiserver",))]
