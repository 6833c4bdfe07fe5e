"""A real Kubernetes control plane scraped by a real Prometheus: fixture `controlplane_lab`, marker
`controlplane`.

Started through the lab contract (`lab/controlplane/up`, which builds etcd and Kubernetes once into
a cache outside the repository; `make lab` does that build) and stopped with `lab/controlplane/down`
at the end of the session. The fixture waits until the scheduler has reported attempts, every job
has been scraped at least twice (rate() needs two samples), every rule group has been evaluated and
every recording rule without an expected-empty reason (promql/expected-empty.yaml) has recorded a
series (a histogram_quantile over a rate needs two scrapes after the first request of that kind).

The lab runs wired to a lab n9e (`up --n9e`: agent -> n9e's /prometheus/v1/write -> Pushgw writer ->
the Prometheus server; dashboards and rules synced into n9e), the path production data takes; `lab.n9e`
is then that server (an N9eLab), and the fixture also waits until n9e's datasource proxy answers.

Environment:
  N9E_K8S_CONTROLPLANE_DIR      use (and reuse) that state directory; default: one under pytest's tmp per session
  N9E_K8S_LAB_N9E=0             the lab without n9e (agent -> Prometheus server directly); the tests
                                that need n9e then skip (fail when CI is set)
  N9E_K8S_LAB_VM=0              the lab without VictoriaMetrics (`up --victoriametrics`: the Prometheus
                                server remote-writes everything to a VictoriaMetrics single-node,
                                `lab.victoriametrics_url`); the tests that need it then skip (fail in CI)
  N9E_K8S_CONTROLPLANE_SKIP=1   skip instead of failing when the lab cannot start (ignored when CI
                                is set: in CI an unavailable lab is a failure)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.ci import in_ci
from tests.plugins.n9e_lab import N9eLab, _lab_from_env, _parse_exports  # the same lab contract

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "lab" / "controlplane"
READY_TIMEOUT = 480  # seconds after `up` returned: burnrate1d/3d are 5-minute-aligned subqueries over the hourly recordings (up to 5 min before their first series)
UP_TIMEOUT = 3600  # `up` builds the binaries when the cache is cold


@dataclass(frozen=True)
class ControlPlaneLab:
    prometheus_url: str
    apiserver_url: str
    controller_manager_url: str
    scheduler_url: str
    state_dir: Path
    env: dict[str, str]
    n9e: N9eLab | None = None  # the lab n9e between the agent and the Prometheus server (up --n9e)
    # The source as the lab runs it: the built-in one, with the components the lab runs no process for
    # (N9E_K8S_LAB_NOT_RUN, e.g. the kubelet) set to `scraped: false`.
    source: Path = REPO

    @property
    def jobs(self) -> list[str]:
        """The scrape jobs the lab's agent runs (every scraped component of `source`)."""
        from n9e_k8s.selectors import load_selectors

        selectors = load_selectors(self.source / "promql")
        return [job for c, job in selectors.jobs.items() if selectors.scraped(c)]

    victoriametrics_url: str | None = (
        None  # fed by the Prometheus server's remote write (up --victoriametrics)
    )

    def query(self, expr: str) -> list[dict]:
        resp = requests.get(f"{self.prometheus_url}/api/v1/query", params={"query": expr}, timeout=30)
        resp.raise_for_status()
        return resp.json()["data"]["result"]


def _unavailable(msg: str) -> None:
    if os.environ.get("N9E_K8S_CONTROLPLANE_SKIP") == "1" and not in_ci():
        pytest.skip(f"control-plane lab unavailable (N9E_K8S_CONTROLPLANE_SKIP=1): {msg}")
    pytest.fail(msg, pytrace=False)


def _wait_ready(lab: ControlPlaneLab, jobs: list[str]) -> None:
    """Every job scraped twice and up, and the scheduler has tried to place the lab's pods."""
    checks = {
        "every job up and scraped twice": lambda: all(
            lab.query(f'min(count_over_time(up{{job="{job}"}}[10m])) >= 2 and min(up{{job="{job}"}}) == 1')
            for job in jobs
        ),
        "scheduler_schedule_attempts_total reported": lambda: bool(
            lab.query("scheduler_schedule_attempts_total")
        ),
        "every rule group evaluated": lambda: all(
            g["lastEvaluation"] > "2000"  # the zero time is 0001-01-01T00:00:00Z
            for g in requests.get(f"{lab.prometheus_url}/api/v1/rules", timeout=10).json()["data"]["groups"]
        ),
    }
    checks["every recording rule has recorded a series"] = lambda: not _unrecorded(lab)
    if lab.n9e:
        n9e = lab.n9e
        checks["n9e's datasource proxy answers"] = lambda: requests.get(
            f"{n9e.url}/api/n9e/proxy/{n9e.datasource_id}/api/v1/query",
            params={"query": "up"},
            headers=n9e.headers,
            timeout=10,
        ).json()["data"]["result"]
    deadline = time.monotonic() + READY_TIMEOUT
    pending = list(checks)
    while pending and time.monotonic() < deadline:
        pending = [name for name in pending if not _safe(checks[name])]
        if pending:
            time.sleep(2)
    if pending:
        targets = requests.get(f"{lab.prometheus_url}/api/v1/targets", timeout=10).json()
        health = [
            (t["labels"].get("job"), t["health"], t.get("lastError"))
            for t in targets["data"]["activeTargets"]
        ]
        try:
            unrecorded: object = _unrecorded(lab)
        except (requests.RequestException, KeyError, ValueError) as exc:
            unrecorded = exc
        _unavailable(
            f"control-plane lab not ready after {READY_TIMEOUT}s: {pending}; targets: {health}; "
            f"recording rules without a series: {unrecorded or 'none'}"
        )


def lab_source(env: dict[str, str], where: Path) -> Path:
    """The built-in source, or a copy in ``where`` with the components of N9E_K8S_LAB_NOT_RUN unscraped."""
    not_run = [c for c in env.get("N9E_K8S_LAB_NOT_RUN", "").split(",") if c]
    if not not_run:
        return REPO
    import yaml

    for sub in ("promql", "dashboards", "alerts"):
        shutil.copytree(REPO / sub, where / sub)
    config = where / "promql" / "config.yaml"
    data = yaml.safe_load(config.read_text())
    for name in not_run:
        data["components"][name]["scraped"] = False
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return where


def _recording_rules(prometheus_url: str) -> list[dict]:
    groups = requests.get(f"{prometheus_url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    return [r for g in groups for r in g["rules"] if r["type"] == "recording"]


def _unrecorded(lab: ControlPlaneLab) -> list[str]:
    """The recording rules (name{labels}) with no series yet, except those that may stay empty."""
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source

    may_be_empty = load_project(resolve_source(str(REPO))).expected_empty
    missing = []
    for rule in _recording_rules(lab.prometheus_url):
        if rule["name"] in may_be_empty:
            continue
        labels = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted((rule.get("labels") or {}).items()))
        selector = f"{rule['name']}{{{labels}}}"
        if not lab.query(selector):
            missing.append(selector)
    return missing


def _safe(check: Callable[[], object]) -> bool:
    try:
        return bool(check())
    except (requests.RequestException, KeyError, ValueError):
        return False


@pytest.fixture(scope="session")
def controlplane_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlaneLab]:
    with_n9e = os.environ.get("N9E_K8S_LAB_N9E", "1") != "0"
    with_vm = os.environ.get("N9E_K8S_LAB_VM", "1") != "0"
    # Each session its own lab (state directory) unless one is named: two sessions sharing the default
    # directory would reuse and stop each other's lab, and tests/test_n9e_paging.py stops its components.
    state = os.environ.get("N9E_K8S_CONTROLPLANE_DIR") or str(tmp_path_factory.mktemp("controlplane"))
    lab_env = {**os.environ, "N9E_K8S_CONTROLPLANE_DIR": state}
    try:
        proc = subprocess.run(
            [
                "bash",
                str(LAB / "up"),
                *(["--n9e"] if with_n9e else []),
                *(["--victoriametrics"] if with_vm else []),
            ],
            capture_output=True,
            text=True,
            timeout=UP_TIMEOUT,
            cwd=REPO,
            env=lab_env,
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"lab/controlplane/up did not finish in {UP_TIMEOUT}s")
    if proc.returncode != 0:
        _unavailable(f"lab/controlplane/up failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    env = _parse_exports(proc.stdout)
    try:
        lab = ControlPlaneLab(
            prometheus_url=env["PROMETHEUS_URL"],
            apiserver_url=env["KUBE_APISERVER_URL"],
            controller_manager_url=env["KUBE_CONTROLLER_MANAGER_URL"],
            scheduler_url=env["KUBE_SCHEDULER_URL"],
            state_dir=Path(env["N9E_K8S_CONTROLPLANE_DIR"]),
            env=env,
            n9e=_lab_from_env(env, group_name="n9e-k8s-lab", ds_name="prometheus") if with_n9e else None,
            source=lab_source(env, tmp_path_factory.mktemp("lab-source")),
            victoriametrics_url=env["VICTORIAMETRICS_URL"] if with_vm else None,
        )
    except KeyError as exc:
        subprocess.run(["bash", str(LAB / "down")], capture_output=True, timeout=120, env=lab_env)
        _unavailable(f"lab/controlplane/up printed no {exc.args[0]}: {proc.stdout!r}")
    try:
        _wait_ready(lab, lab.jobs)
        yield lab
    finally:
        subprocess.run(["bash", str(LAB / "down")], capture_output=True, timeout=120, env=lab_env)
