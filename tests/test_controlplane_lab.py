"""`verify` against a real control plane (lab/controlplane): every shipped query returns data,
except the ones whose catalog entry says why it may be empty, and none errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.controlplane

REPO = Path(__file__).resolve().parents[1]


def _verify(lab, source: Path | None = None):
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source
    from n9e_k8s.verify import PrometheusApi, verify

    return verify(load_project(resolve_source(str(source or lab.source))), PrometheusApi(lab.prometheus_url))


def test_every_job_is_scraped_with_the_manifests_rbac(controlplane_lab):
    # The token belongs to the manifests' ServiceAccount: a missing /metrics permission would show
    # as up == 0 (403) on the job.
    from n9e_k8s.selectors import load_selectors

    selectors = load_selectors(controlplane_lab.source / "promql")
    jobs = {c: j for c, j in selectors.jobs.items() if selectors.scraped(c)}
    assert jobs
    for component, job in jobs.items():
        result = controlplane_lab.query(f'up{{job="{job}", cluster="lab"}}')
        assert [r["value"][1] for r in result] == ["1"], f"{component} (job {job}) not scraped: {result}"


def test_verify_passes_on_the_lab(controlplane_lab):
    report = _verify(controlplane_lab)
    problems = [(r.kind, r.name, r.status, r.error, r.query) for r in report.failed]
    assert not problems, "\n".join(map(str, problems))
    counts = report.counts()
    kinds = {r.kind for r in report.results}
    assert {"catalog", "dashboard", "variable", "record", "alert"} <= kinds
    # Most queries must have data: the lab is only useful if it exercises them.
    assert counts["data"] > 0.7 * counts["queries"], counts
    # Each expected-empty entry carries its reason into the report.
    assert all(r.expected_empty for r in report.results if r.status == "expected-empty")
    # Dashboard variables were resolved to real values from the data, not left at ".*".
    assert report.variables
    for board, values in report.variables.items():
        assert values.get("instance", ".*") != ".*", (board, values)


def test_verify_cli_json_and_exit_code(controlplane_lab):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from n9e_k8s.cli import main; main()",
            "verify",
            "--prometheus",
            controlplane_lab.prometheus_url,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout[-3000:]
    report = json.loads(proc.stdout)
    summary = report["summary"]
    assert summary["empty"] == 0 and summary["error"] == 0, summary
    assert summary["queries"] == len(report["results"])


def test_verify_fails_on_a_wrong_job_name(controlplane_lab, tmp_path):
    # The reason for this lab: a query that parses but selects nothing must fail verify.
    for sub in ("promql", "dashboards", "alerts"):
        shutil.copytree(controlplane_lab.source / sub, tmp_path / sub)
    config = tmp_path / "promql" / "config.yaml"
    text = config.read_text()
    assert "job: scheduler\n" in text
    config.write_text(text.replace("job: scheduler\n", "job: kube-scheduler-typo\n"))
    report = _verify(controlplane_lab, tmp_path)
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source

    catalog = load_project(resolve_source(str(tmp_path)), ("catalog",)).catalog
    entries = [e for e in catalog.for_component("scheduler") if not e.expected_empty]
    # each query fails, and so does its recorded form (the recordings carry the real job name)
    must_fail = {e.id for e in entries} | {f"{e.id} (recorded)" for e in entries if e.recorded}
    failed = {r.name for r in report.failed if r.kind == "catalog"}
    assert failed == must_fail
    assert all(r.status == "empty" for r in report.failed), [r.error for r in report.failed if r.error]
    # The scheduler board's panels fail too: its $instance variable has no value any more.
    assert any(r.kind == "variable" and r.name.endswith("$instance") for r in report.failed)


def test_the_lab_agent_runs_the_keep_lists(controlplane_lab):
    """The agent scrapes with the manifests' keep-lists (issue 16): the apiserver keeps at most 40% of what it
    exports, and every bound collection.buckets keeps exists in the histogram (so the list is a real subset)."""
    from n9e_k8s.build import BUILD_PARTS
    from n9e_k8s.keep import keep_lists
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source

    project = load_project(resolve_source(None), BUILD_PARTS)
    config, keep = project.config, keep_lists(project)
    assert config.collection.keep == "used" and keep is not None
    apiserver = next(c.job for c in config.specs.values() if c.always_scraped)
    scraped = controlplane_lab.query(f'sum(scrape_samples_scraped{{job="{apiserver}"}})')
    kept = controlplane_lab.query(f'sum(scrape_samples_post_metric_relabeling{{job="{apiserver}"}})')
    exported, stored = float(scraped[0]["value"][1]), float(kept[0]["value"][1])
    assert exported > 1000 and 0 < stored <= 0.4 * exported, (exported, stored)
    for job_keep in keep.jobs:
        for series, les in job_keep.buckets:
            found = {
                float(r["metric"]["le"])
                for r in controlplane_lab.query(f'count by (le) ({series}{{job="{job_keep.job}"}})')
            }
            assert found <= {float(le) for le in les}, (series, sorted(found))  # nothing else was kept
            # every bound collection.buckets lists exists: the list is a real subset of the histogram's
            listed = config.collection.buckets_of(series)
            if listed:
                assert {*listed, float("inf")} <= found, (series, sorted(found))
