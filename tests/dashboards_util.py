"""Helpers shared by the dashboards tests: a small source tree, and the build/validate CLI."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import typer
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]

# A small catalog (independent of the real one) for renderer behaviour.
FIXTURE_CATALOG = """\
component: apiserver
entries:
  - id: apiserver.up
    group: key
    title: {en: Instances up, zh: 存活实例数}
    description: {en: Targets up., zh: 存活的实例。}
    expr: 'sum(up{%(sel)s})'
    unit: none
    legend: up
    instant: true
  - id: apiserver.qps
    group: key
    title: {en: QPS, zh: 每秒请求数}
    description: {en: Requests per second., zh: 每秒请求数。}
    expr: 'sum(rate(apiserver_request_total{%(sel)s}[$interval]))'
    unit: reqps
  - id: apiserver.latency
    group: latency
    title: {en: Latency by verb, zh: 按 Verb 的时延}
    description: {en: Request latency., zh: 请求时延。}
    expr: >-
      histogram_quantile($quantile, sum by (le, verb)
      (rate(apiserver_request_duration_seconds_bucket{%(sel)s, verb=~"$verb"}[$interval])))
    unit: seconds
    legend: '{{verb}}'
"""

FIXTURE_DASHBOARD = """\
ident: test-apiserver
component: apiserver
name: {en: Test API Server, zh: 测试 API Server}
note: {en: A test board., zh: 测试用仪表盘。}
tags: [test, apiserver]
rows:
  - title: {en: Key metrics, zh: 关键指标}
    panels:
      - query: apiserver.up
      - query: apiserver.qps
        type: stat
        decimals: 1
        thresholds:
          - {color: red}
          - {value: 100, color: "#3FC453"}
  - id: latency
    title: {en: Latency, zh: 时延}
    panels:
      - query: apiserver.latency
        legend: table
      - id: both
        queries: [apiserver.qps, apiserver.up]
        title: {en: QPS and up, zh: QPS 与存活}
        width: 24
"""


def make_tree(root: Path, catalog: str = FIXTURE_CATALOG, dashboards: dict[str, str] | None = None) -> Path:
    """A source tree with the real config.yaml, the given catalog and dashboards."""
    (root / "promql").mkdir(parents=True)
    shutil.copy(REPO / "promql" / "config.yaml", root / "promql" / "config.yaml")
    (root / "promql" / "apiserver.yaml").write_text(catalog, encoding="utf-8")
    (root / "dashboards").mkdir()
    for name, text in (
        dashboards if dashboards is not None else {"apiserver.yaml": FIXTURE_DASHBOARD}
    ).items():
        (root / "dashboards" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def cli(*args: str, env: dict[str, str] | None = None):
    """Run `n9e-k8s build|validate ...` in process; returns the click Result."""
    from n9e_k8s.commands import build, validate

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    build.register(app)
    validate.register(app)
    return CliRunner().invoke(app, list(args), env=env or {})
