"""A table of bad inputs: each must end with the documented exit code, a message that names the file and line
(or the JSON path, or the flag), no traceback, and nothing written or deleted.

Categories: ``source`` (mutations of `n9e-k8s init` output, each run through validate and build), ``args`` (bad
command-line arguments), ``export`` (bad files given to `validate`), ``config`` (bad contexts files) and
``server`` (hostile answers from a loopback stub). ``python -m pytest tests/test_bad_input_corpus.py
--co -q`` lists them; the figures are in the report of issue 13."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from n9e_k8s.cli import _register_all, app
from n9e_k8s.source import init_tree
from typer.testing import CliRunner

from tests.n9e_stub import HTML, NO_N9E_ENV, Reply, Stub, ok, text

BASE_ENV = {
    **NO_N9E_ENV,
    "N9E_K8S_SOURCE": "",
    "REQUESTS_CA_BUNDLE": "",
}
SECRET = "tok-corpus-3c1d"


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` (must occur) by ``new`` in the init tree's ``file``; ``where`` is a regex the error must
    match: the file, then a line number or a JSON path."""

    id: str
    file: str
    old: str
    new: str
    where: str


def _m(id: str, file: str, old: str, new: str, where: str | None = None) -> Mutation:
    return Mutation(id, file, old, new, where or re.escape(Path(file).name) + r":\d+")


CFG = "promql/config.yaml"
CAT = "promql/scheduler.yaml"
ALR = "alerts/scheduler.yaml"
TPL = "alerts/templates/standard.yaml"
# An alert of scheduler.yaml itself (the standard ones come from TPL).
UNSCHEDULABLE_EXPR = '        expr: max by (%(cluster)s) (max_over_time(scheduler_pending_pods{%(job)s, queue="unschedulable"}[10m])) > 0'
DSH = "dashboards/scheduler.yaml"
MET = "promql/metrics.yaml"
EMP = "promql/expected-empty.yaml"

SOURCE_MUTATIONS = [
    # issue 13, severe 5: typos are errors, with a close match
    _m(
        "cfg-typo-dashboard_filter",
        CFG,
        "dashboard_filters:",
        "dashboard_filter:",
        r"config.yaml:\d+: dashboard_filter: unknown key 'dashboard_filter' \(did you mean 'dashboard_filters'\?\)",
    ),
    _m(
        "cfg-typo-lable",
        CFG,
        "    label: verb",
        "    lable: verb",
        r"config.yaml:\d+: variables.verb.lable: unknown key 'lable' \(did you mean 'label'\?\)",
    ),
    _m(
        "cfg-typo-namespce",
        CFG,
        "    namespace: kube-system\n    container: kube-apiserver",
        "    namespce: kube-system\n    container: kube-apiserver",
        r"components.apiserver.namespce: unknown key 'namespce' \(did you mean 'namespace'\?\)",
    ),
    _m("cfg-typo-components", CFG, "components:", "component:", r"config.yaml:\d+: component: unknown key"),
    _m(
        "cfg-typo-cluster_label",
        CFG,
        "cluster_label: cluster",
        "cluster_label: cluster\ncluster_labels: x",
        r"cluster_labels: unknown key 'cluster_labels' \(did you mean 'cluster_label'\?\)",
    ),
    _m(
        "cfg-typo-job",
        CFG,
        "    job: scheduler",
        "    job: scheduler\n    jobs: x",
        r"components.scheduler.jobs: unknown key",
    ),
    _m(
        "cfg-typo-default",
        CFG,
        '    default: "0.99"',
        '    default: "0.99"\n    defualt: x',
        r"variables.quantile.defualt: unknown key 'defualt' \(did you mean 'default'\?\)",
    ),
    # issue 13, severe 6: values pasted into PromQL
    _m(
        "cfg-job-quote-injection",
        CFG,
        "    job: apiserver",
        "    job: 'apiserver\", job=~\".+'",
        r"config.yaml:\d+: components.apiserver.job: .*quotes",
    ),
    _m(
        "cfg-job-backslash",
        CFG,
        "    job: apiserver",
        "    job: 'api\\\\server'",
        r"components.apiserver.job: .*backslashes",
    ),
    _m(
        "cfg-job-newline",
        CFG,
        "    job: apiserver",
        '    job: "api\\nserver"',
        r"components.apiserver.job: .*control characters",
    ),
    _m(
        "cfg-namespace-quote",
        CFG,
        "    namespace: kube-system\n    container: kube-scheduler",
        "    namespace: 'kube-system\"'\n    container: kube-scheduler",
        r"components.scheduler.namespace: ",
    ),
    _m(
        "cfg-container-quote",
        CFG,
        "    container: kube-scheduler",
        "    container: 'x\"}) or vector(1) #'",
        r"components.scheduler.container: ",
    ),
    _m(
        "cfg-job-empty",
        CFG,
        "    job: scheduler",
        '    job: ""',
        r"components.scheduler.job: must be a non-empty string",
    ),
    _m(
        "cfg-job-number",
        CFG,
        "    job: scheduler",
        "    job: 42",
        r"components.scheduler.job: must be a non-empty string",
    ),
    _m(
        "cfg-job-list",
        CFG,
        "    job: scheduler",
        "    job: [a, b]",
        r"components.scheduler.job: must be a non-empty string",
    ),
    _m(
        "cfg-cluster-label-invalid",
        CFG,
        "cluster_label: cluster",
        "cluster_label: 'clu ster'",
        r"config.yaml:\d+: cluster_label 'clu ster' is not a valid label name",
    ),
    _m(
        "cfg-cluster-label-quote",
        CFG,
        "cluster_label: cluster",
        "cluster_label: 'a\"b'",
        r"config.yaml:\d+: cluster_label",
    ),
    _m(
        "cfg-filter-label-invalid",
        CFG,
        "  instance: instance\n",
        "  'inst-ance': instance\n",
        r"dashboard_filters.inst-ance: 'inst-ance' is not a valid label name",
    ),
    _m(
        "cfg-filter-undefined-var",
        CFG,
        "  instance: instance\n",
        "  instance: instanse\n",
        r"dashboard_filters.instance: dashboard filter uses undefined variable 'instanse' \(did you mean 'instance'\?\)",
    ),
    _m(
        "cfg-variable-label-invalid",
        CFG,
        "    label: verb",
        "    label: 'v-erb'",
        r"variables.verb.label: 'v-erb' is not a valid label name",
    ),
    _m(
        "cfg-variable-default-quote",
        CFG,
        '    default: "0.99"',
        "    default: '0.99\"'",
        r"variables.quantile.default: ",
    ),
    _m(
        "cfg-variable-option-quote",
        CFG,
        'options: ["0.5", "0.9", "0.95", "0.99"]',
        "options: ['0.5\"']",
        r"variables.quantile.options\[0\]: ",
    ),
    _m(
        "cfg-variable-kind",
        CFG,
        "    kind: duration",
        "    kind: durashun",
        r"variables.interval.kind: kind must be one of",
    ),
    _m(
        "cfg-variable-not-mapping",
        CFG,
        "  interval:\n    title: {en: Rate window, zh: 速率窗口}\n    kind: duration",
        "  interval: 5m\n  intervalx:\n    kind: duration",
        r"variables.interval: must be a mapping",
    ),
    _m(
        "cfg-scraped-string",
        CFG,
        "    container: kube-scheduler\n    scraped: true",
        '    container: kube-scheduler\n    scraped: "false"',
        r"components.scheduler.scraped: must be true or false",
    ),
    _m(
        "cfg-components-list",
        CFG,
        "components:\n  apiserver:",
        "components: [a]\nold_components:\n  apiserver:",
        r"config.yaml",
    ),
    _m(
        "cfg-component-not-mapping",
        CFG,
        "  scheduler:\n    job: scheduler",
        "  scheduler: scheduler\n  schedulerx:\n    job: scheduler",
        r"components.scheduler: must be a mapping",
    ),
    _m("cfg-is-a-list", CFG, "cluster_label: cluster", "- cluster_label: cluster", r"config.yaml:\d+"),
    _m(
        "cfg-duplicate-key",
        CFG,
        "cluster_label: cluster",
        "cluster_label: cluster\ncluster_label: c2",
        r"config.yaml:\d+: invalid YAML: duplicate key",
    ),
    _m(
        "cfg-syntax",
        CFG,
        "cluster_label: cluster",
        "cluster_label: [cluster",
        r"config.yaml:\d+: invalid YAML",
    ),
    _m(
        "cfg-tab-indent",
        CFG,
        "  apiserver:\n    job: apiserver",
        "  apiserver:\n\tjob: apiserver",
        r"config.yaml:\d+: invalid YAML",
    ),
    # issue 13, severe 3: PromQL that does not parse
    _m(
        "cat-promql-unclosed-paren",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'sum(up{%(sel)s}'",
        r"scheduler.yaml:\d+: entries\[0\]\(scheduler.up\).expr: PromQL does not parse",
    ),
    _m(
        "cat-promql-bad-range",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'sum(rate(up{%(sel)s}[5x]))'",
        r"scheduler.yaml:\d+: .*expr: PromQL does not parse",
    ),
    _m(
        "cat-promql-bad-matcher",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'sum(up{%(sel)s, a=b})'",
        r"expr: PromQL does not parse",
    ),
    _m(
        "cat-promql-trailing-op",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'sum(up{%(sel)s}) /'",
        r"expr: PromQL does not parse",
    ),
    _m(
        "cat-promql-unknown-func",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'summ(up{%(sel)s})'",
        r"expr: PromQL does not parse",
    ),
    _m(
        "alert-promql-unclosed",
        ALR,
        UNSCHEDULABLE_EXPR,
        UNSCHEDULABLE_EXPR.replace('"unschedulable"}', '"unschedulable"'),
        r"scheduler.yaml:\d+: .*expr: PromQL does not parse",
    ),
    _m(
        "alert-promql-bad-op",
        ALR,
        UNSCHEDULABLE_EXPR,
        UNSCHEDULABLE_EXPR.replace(" > 0", " === 0"),
        r"scheduler.yaml:\d+: .*expr: PromQL does not parse",
    ),
    _m(
        "alert-promql-empty-selector",
        ALR,
        UNSCHEDULABLE_EXPR,
        "        expr: '{} == 0'",
        r"scheduler.yaml:\d+: .*expr: PromQL does not parse",
    ),
    # a broken template breaks every component that uses it; the error names the using file and line
    _m(
        "template-promql-bad-op",
        TPL,
        "      expr: up{%(job)s} == 0",
        "      expr: up{%(job)s} === 0",
        r"scheduler.yaml:\d+: .*expr: PromQL does not parse",
    ),
    _m(
        "template-typo-key",
        TPL,
        "      for: 5m\n",
        "      fro: 5m\n",
        r"scheduler.yaml:\d+: .*unknown key 'fro'|scheduler.yaml:\d+: .*'fro' was unexpected",
    ),
    _m(
        "template-unknown",
        ALR,
        "      - template: no-leader\n",
        "      - template: no-leadr\n",
        r"scheduler.yaml:\d+: template: unknown template 'no-leadr' \(did you mean 'no-leader'\?\)",
    ),
    _m(
        "record-promql-unclosed",
        "alerts/apiserver.yaml",
        "        expr: |\n",
        "        expr: |\n          (\n",
        r"apiserver.yaml:\d+: .*expr: PromQL does not parse",
    ),
    # catalog structure
    _m(
        "cat-typo-expr",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    exp: 'sum(up{%(sel)s})'",
        r"scheduler.yaml:\d+: entries\[0\].exp: unknown key 'exp' \(did you mean 'expr'\?\)",
    ),
    _m(
        "cat-typo-top",
        CAT,
        "component: scheduler\n",
        "component: scheduler\nentrie: []\n",
        r"scheduler.yaml:\d+: entrie: unknown key 'entrie' \(did you mean 'entries'\?\)",
    ),
    _m(
        "cat-placeholder",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 'sum(up{%(sell)s})'",
        r"scheduler.yaml:\d+: .*unknown placeholder %\(sell\)s",
    ),
    _m(
        "cat-unknown-component",
        CAT,
        "component: scheduler\n",
        "component: schedulr\n",
        r"scheduler.yaml:\d+: component: component 'schedulr' has no job",
    ),
    _m(
        "cat-title-one-lang",
        CAT,
        "    title: {en: Instances up, zh: 存活实例数}",
        "    title: Instances up",
        r"scheduler.yaml:\d+: entries\[0\].title: needs both languages",
    ),
    _m(
        "cat-id-prefix",
        CAT,
        "  - id: scheduler.up\n",
        "  - id: apiserver.up2\n",
        r"scheduler.yaml:\d+: entries\[0\].id",
    ),
    _m("cat-entries-mapping", CAT, "entries:\n", "entries: {}\nold:\n", r"scheduler.yaml"),
    _m(
        "cat-expr-number",
        CAT,
        "    expr: 'sum(up{%(sel)s})'",
        "    expr: 42",
        r"scheduler.yaml:\d+: entries\[0\].expr: must be a non-empty string",
    ),
    # dashboards
    _m(
        "dash-typo-query",
        DSH,
        "      - query: scheduler.up\n",
        "      - qurey: scheduler.up\n",
        r"scheduler.yaml",
    ),
    _m(
        "dash-unknown-query",
        DSH,
        "      - query: scheduler.up\n",
        "      - query: scheduler.upp\n",
        r"scheduler.yaml",
    ),
    _m(
        "dash-typo-top",
        DSH,
        "tags: [kubernetes, scheduler, n9e-k8s]",
        "tag: [kubernetes, scheduler, n9e-k8s]",
        r"scheduler.yaml",
    ),
    _m("dash-width-string", DSH, "        width: 6\n", "        width: six\n", r"scheduler.yaml"),
    # alerts structure
    _m(
        "alert-typo-severity",
        ALR,
        "        severity: info\n",
        "        severity: inf\n",
        r"scheduler.yaml",
    ),
    _m(
        "alert-typo-key",
        ALR,
        "        for: 30m\n        severity: info\n",
        "        fro: 30m\n        severity: info\n",
        r"scheduler.yaml",
    ),
    _m(
        "alert-bad-duration",
        ALR,
        "        for: 30m\n        severity: info\n",
        "        for: 30 minutes\n        severity: info\n",
        r"scheduler.yaml",
    ),
    # metrics.yaml and expected-empty.yaml are read by validate too
    _m(
        "metrics-typo-key",
        MET,
        "    type: gauge\n",
        "    typ: gauge\n",
        r"metrics.yaml:\d+: metrics.aggregator_unavailable_apiservice.typ: unknown key 'typ' \(did you mean 'type'\?\)",
    ),
    _m("metrics-bad-type", MET, "    type: gauge\n", "    type: gage\n", r"metrics.yaml:\d+"),
    _m(
        "metrics-typo-top",
        MET,
        "metrics:\n",
        "metric: {}\nmetrics:\n",
        r"metrics.yaml:\d+: metric: unknown key 'metric' \(did you mean 'metrics'\?\)",
    ),
    _m(
        "empty-typo-top",
        EMP,
        "rules:\n",
        "rule: {}\nrules:\n",
        r"expected-empty.yaml:\d+: rule: unknown key 'rule' \(did you mean 'rules'\?\)",
    ),
    _m(
        "empty-unknown-rule",
        EMP,
        "rules:\n",
        "rules:\n  KubeNoSuchAlert: a reason\n",
        r"expected-empty.yaml: rules.KubeNoSuchAlert: .*no alert or recording rule",
    ),
    _m("empty-not-string", EMP, "rules:\n", "rules:\n  KubeSchedulerDown: [a]\n", r"expected-empty.yaml"),
]

VALIDATE_ONLY = {
    "metrics-typo-key",
    "metrics-bad-type",
    "metrics-typo-top",
    "empty-typo-top",
    "empty-unknown-rule",
    "empty-not-string",
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def init_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init") / "src"
    init_tree(root)
    return root


def _run(args: list[str], env: dict[str, str] | None = None) -> Any:
    _register_all()
    return CliRunner().invoke(app, args, env={**BASE_ENV, **(env or {})})


def _check(result: Any, code: int, where: str) -> None:
    # validate says "file:line: path: error: message", with "$" for the whole file
    output = result.output.replace(": error: ", ": ").replace(": $: ", ": ")
    assert result.exit_code == code, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and "a bug in n9e-k8s" not in output, output
    assert re.search(where, output), f"{where!r} not in:\n{output}"


def _mutated(init_output: Path, tmp_path: Path, m: Mutation) -> Path:
    src = tmp_path / "src"
    shutil.copytree(init_output, src)
    f = src / m.file
    body = f.read_text(encoding="utf-8")
    assert m.old in body, f"{m.id}: the init output no longer has {m.old!r}"
    f.write_text(body.replace(m.old, m.new, 1), encoding="utf-8")
    return src


SOURCE_CASES = [
    (m, cmd)
    for m in SOURCE_MUTATIONS
    for cmd in ("validate", "build")
    if cmd == "validate" or m.id not in VALIDATE_ONLY
]


@pytest.mark.parametrize(("m", "command"), SOURCE_CASES, ids=[f"source-{m.id}-{c}" for m, c in SOURCE_CASES])
def test_source_mutation(init_output: Path, tmp_path: Path, m: Mutation, command: str) -> None:
    src = _mutated(init_output, tmp_path, m)
    before = _snapshot(tmp_path)
    args = [command, "--source", str(src)] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    _check(_run(args), 1, m.where)
    assert _snapshot(tmp_path) == before


# Encodings and hostile YAML, on each kind of source file.
RAW_CASES = [
    ("utf16-config", CFG, "x".encode("utf-16"), r"config.yaml:1: UTF-16 text"),
    (
        "latin1-catalog",
        CAT,
        "component: scheduler\n# caf\xe9\n".encode("latin-1"),
        r"scheduler.yaml:2: not UTF-8",
    ),
    (
        "latin1-alerts",
        ALR,
        "component: scheduler\n# caf\xe9\n".encode("latin-1"),
        r"scheduler.yaml:2: not UTF-8",
    ),
    ("latin1-dashboard", DSH, "ident: x\n# caf\xe9\n".encode("latin-1"), r"scheduler.yaml:2: not UTF-8"),
    (
        "bomb-config",
        CFG,
        b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
        r"config.yaml: expands to more than",
    ),
    (
        "bomb-catalog",
        CAT,
        b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
        r"scheduler.yaml: expands to more than",
    ),
    ("deep-config", CFG, b"[" * 5000 + b"]" * 5000, r"config.yaml:1: invalid YAML: nested over"),
    ("deep-alerts", ALR, b"a: " + b"[" * 5000 + b"]" * 5000, r"scheduler.yaml:1: invalid YAML: nested over"),
    ("deep-dashboard", DSH, b"{a: " * 3000 + b"}" * 3000, r"scheduler.yaml:1: invalid YAML: nested over"),
    ("nul-config", CFG, b"cluster_label: \x00\n", r"config.yaml: invalid YAML"),
    ("empty-config", CFG, b"", r"config.yaml"),
    ("config-scalar", CFG, b"just a string\n", r"config.yaml:\d+: must be a mapping"),
    ("catalog-list", CAT, b"- a\n- b\n", r"scheduler.yaml"),
    ("alerts-scalar", ALR, b"42\n", r"scheduler.yaml"),
    ("dashboard-list", DSH, b"[1, 2]\n", r"scheduler.yaml"),
]


@pytest.mark.parametrize(
    ("name", "file", "raw", "where"), RAW_CASES, ids=[f"source-raw-{c[0]}" for c in RAW_CASES]
)
def test_source_raw_file(
    init_output: Path, tmp_path: Path, name: str, file: str, raw: bytes, where: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(init_output, src)
    (src / file).write_bytes(raw)
    before = _snapshot(tmp_path)
    _check(_run(["validate", "--source", str(src)]), 1, where)
    _check(_run(["build", "--source", str(src), "--out", str(tmp_path / "out")]), 1, where)
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------ bad arguments

SYNC_ENV = {"N9E_URL": "http://127.0.0.1:9", "N9E_TOKEN": SECRET, "N9E_GROUP": "k8s"}

ARG_CASES: list[tuple[str, list[str], dict[str, str], int, str]] = [
    ("build-lang", ["build", "--out", "{tmp}/out", "--lang", "fr"], {}, 2, r"--lang"),
    ("build-output", ["build", "--out", "{tmp}/out", "--output", "yaml"], {}, 2, r"--output"),
    ("build-out-empty", ["build", "--out", ""], {}, 2, r"--out is empty"),
    ("build-out-under-file", ["build", "--out", "{tmp}/file.txt/out"], {}, 2, r"--out .*file.txt"),
    ("build-out-too-long", ["build", "--out", "{tmp}/" + "x" * 300], {}, 2, r"--out "),
    ("build-out-nul", ["build", "--out", "a\x00b"], {}, 2, r"--out contains a NUL"),
    ("build-clean-dot", ["build", "--out", ".", "--clean"], {}, 2, r"--clean refuses --out \."),
    ("build-clean-root", ["build", "--out", "/", "--clean"], {}, 2, r"--clean refuses --out /"),
    (
        "build-clean-unmarked",
        ["build", "--out", "{tmp}/mine", "--clean"],
        {},
        2,
        r"--clean refuses --out .*mine",
    ),
    (
        "build-source-missing",
        ["build", "--out", "{tmp}/out", "--source", "{tmp}/nope"],
        {},
        2,
        r"nope: not a source tree",
    ),
    (
        "build-source-env-missing",
        ["build", "--out", "{tmp}/out"],
        {"N9E_K8S_SOURCE": "{tmp}/nope"},
        2,
        r"nope: not a source tree",
    ),
    ("build-n9e-version", ["build", "--out", "{tmp}/out", "--n9e-version", "v5"], {}, 2, r"v5"),
    ("validate-output", ["validate", "--output", "xml"], {}, 2, r"--output"),
    ("validate-missing-path", ["validate", "{tmp}/nope.json"], {}, 2, r"nope.json: no such file"),
    ("validate-empty-dir", ["validate", "{tmp}/mine"], {}, 2, r"mine: no .json files"),
    ("init-onto-file", ["init", "{tmp}/file.txt"], {}, 2, r"file.txt"),
    ("init-existing", ["init", "{tmp}/initialised"], {}, 2, r"already exist"),
    ("sync-retries-negative", ["import-dashboards", "--retries", "-1"], SYNC_ENV, 2, r"--retries"),
    ("sync-retries-huge", ["sync-alerts", "--retries", "1000000"], SYNC_ENV, 2, r"--retries"),
    ("sync-timeout-zero", ["import-dashboards", "--timeout", "0"], SYNC_ENV, 2, r"--timeout"),
    ("sync-timeout-huge", ["import-dashboards", "--timeout", "1e12"], SYNC_ENV, 2, r"--timeout"),
    ("sync-output", ["import-dashboards", "--output", "yaml"], SYNC_ENV, 2, r"--output"),
    ("sync-lang", ["sync-alerts", "--lang", "de"], SYNC_ENV, 2, r"--lang"),
    ("sync-no-url", ["import-dashboards"], {**SYNC_ENV, "N9E_URL": ""}, 2, r"no n9e URL"),
    (
        "sync-bad-scheme",
        ["import-dashboards"],
        {**SYNC_ENV, "N9E_URL": "ftp://admin:pw-xyz@127.0.0.1:9"},
        1,
        r"invalid n9e URL 'ftp://\*\*\*@127.0.0.1:9'",
    ),
    (
        "sync-bad-port",
        ["import-dashboards"],
        {**SYNC_ENV, "N9E_URL": "http://127.0.0.1:99999"},
        1,
        r"invalid n9e URL",
    ),
    (
        "sync-token-and-password",
        ["import-dashboards", "--token", "t", "--username", "u", "--password", "p"],
        SYNC_ENV,
        2,
        r"--token or --username",
    ),
    (
        "sync-ca-file-missing",
        ["import-dashboards", "--ca-file", "{tmp}/nope.pem"],
        SYNC_ENV,
        2,
        r"--ca-file .*nope.pem",
    ),
    ("sync-parallel-zero", ["import-dashboards", "--parallel", "0"], SYNC_ENV, 2, r"--parallel"),
    (
        "sync-from-build-missing",
        ["import-dashboards", "--from-build", "{tmp}/nope"],
        SYNC_ENV,
        2,
        r"nope: no such build directory",
    ),
    ("export-what", ["export", "--out", "{tmp}/exp", "--what", "everything"], SYNC_ENV, 2, r"--what"),
    ("export-out-empty", ["export", "--out", ""], SYNC_ENV, 2, r"--out is empty"),
    (
        "sync-context-missing",
        ["import-dashboards", "--context", "nope"],
        SYNC_ENV,
        2,
        r"config file not found",
    ),
    (
        "sync-config-missing",
        ["import-dashboards", "--config", "{tmp}/nope.yaml"],
        SYNC_ENV,
        2,
        r"nope.yaml: config file not found",
    ),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "file.txt").write_text("a file\n")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.md").write_text("mine\n")
    init_tree(tmp_path / "initialised")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "args", "env", "code", "where"), ARG_CASES, ids=[f"args-{c[0]}" for c in ARG_CASES]
)
def test_bad_arguments(
    workdir: Path, name: str, args: list[str], env: dict[str, str], code: int, where: str
) -> None:
    before = _snapshot(workdir)
    fill = {"tmp": str(workdir)}
    result = _run([a.format(**fill) for a in args], {k: v.format(**fill) for k, v in env.items()})
    _check(result, code, where)
    assert "pw-xyz" not in result.output and SECRET not in result.output
    assert _snapshot(workdir) == before


# ------------------------------------------------------------------------------- bad export files (validate)

_BOARD = {"name": "b", "ident": "k8s-b", "tags": "", "configs": {"version": "3.0.0", "panels": [], "var": []}}
EXPORT_CASES: list[tuple[str, bytes, str]] = [
    ("invalid-json", b'{"name": "b",\n  "configs": }\n', r"x.json:2: .*invalid JSON"),
    ("truncated", b'[{"name": "b"', r"x.json:1: .*invalid JSON"),
    ("empty-file", b"", r"x.json:1: .*invalid JSON"),
    ("empty-array", b"[]", r"x.json: .*empty array"),
    ("a-number", b"42", r"x.json: .*not a known n9e export"),
    ("a-string", b'"board"', r"x.json: .*not a known n9e export"),
    ("array-of-numbers", b"[1, 2]", r"x.json: \[0\]: .*not a known n9e export"),
    ("utf16", json.dumps(_BOARD).encode("utf-16"), r"x.json: .*(cannot read|UTF)"),
    ("latin1", b'{"name": "caf\xe9"}', r"x.json: .*cannot read"),
    ("deep-array", b"[" * 100000 + b"]" * 100000, r"x.json: .*nested too deeply"),
    ("deep-object", b'{"a":' * 50000 + b"1" + b"}" * 50000, r"x.json: .*nested too deeply"),
    ("board-configs-not-json", json.dumps({**_BOARD, "configs": "{not json"}).encode(), r"x.json: configs"),
    (
        "board-panels-string",
        json.dumps({**_BOARD, "configs": {**_BOARD["configs"], "panels": "x"}}).encode(),
        r"x.json: configs.panels",
    ),
    (
        "board-panel-number",
        json.dumps({**_BOARD, "configs": {**_BOARD["configs"], "panels": [1]}}).encode(),
        r"x.json: configs.panels\[0\]",
    ),
    ("board-name-number", json.dumps({**_BOARD, "name": 5}).encode(), r"x.json: name"),
    (
        "alert-rule-bad-severity",
        json.dumps({"name": "a", "prom_ql": "up", "severity": 9, "rule_config": {}}).encode(),
        r"x.json: ",
    ),
    (
        "alert-rule-bad-promql",
        json.dumps(
            {
                "name": "a",
                "prom_ql": "",
                "severity": 2,
                "rule_config": {"queries": [{"prom_ql": "up ==", "severity": 2}]},
                "datasource_ids": [1],
            }
        ).encode(),
        r"x.json: rule_config.queries\[0\].prom_ql: PromQL does not parse",
    ),
    (
        "recording-rule-bad-promql",
        json.dumps({"name": "r:x", "prom_ql": "sum(", "prom_eval_interval": 60}).encode(),
        r"x.json: ",
    ),
]


@pytest.mark.parametrize(("name", "raw", "where"), EXPORT_CASES, ids=[f"export-{c[0]}" for c in EXPORT_CASES])
def test_bad_export_file(tmp_path: Path, name: str, raw: bytes, where: str) -> None:
    f = tmp_path / "x.json"
    f.write_bytes(raw)
    before = _snapshot(tmp_path)
    _check(_run(["validate", str(f)]), 1, where)
    assert _snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------- bad contexts files

CONFIG_CASES: list[tuple[str, bytes, str]] = [
    ("a-list", b"- a\n- b\n", r"config.yaml: must be a mapping"),
    ("a-scalar", b"hello\n", r"config.yaml: must be a mapping"),
    ("syntax", b"contexts: [a\n", r"config.yaml:\d+: invalid YAML"),
    ("utf16", "contexts: {}\n".encode("utf-16"), r"config.yaml:1: UTF-16"),
    ("latin1", b"contexts:\n  caf\xe9: {}\n", r"config.yaml:2: not UTF-8"),
    (
        "bomb",
        b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
        r"config.yaml: expands to more than",
    ),
    ("deep", b"contexts: " + b"[" * 5000 + b"]" * 5000, r"config.yaml:1: invalid YAML: nested over"),
    (
        "typo-top",
        b"current-contxt: a\n",
        r"config.yaml:1: current-contxt: unknown key \(did you mean 'current-context'\?\)",
    ),
    ("contexts-list", b"contexts: [a]\n", r"config.yaml: contexts: must be a mapping"),
    ("context-list", b"current-context: a\ncontexts:\n  a: [x]\n", r"contexts.a: must be a mapping"),
    (
        "insecure-string",
        b'current-context: a\ncontexts:\n  a:\n    url: http://127.0.0.1:9\n    insecure: "false"\n',
        r"contexts.a.insecure: must be true or false",
    ),
    (
        "url-number",
        b"current-context: a\ncontexts:\n  a:\n    url: 17000\n",
        r"contexts.a.url: must be a string",
    ),
    (
        "typo-key",
        b"current-context: a\ncontexts:\n  a:\n    url: http://127.0.0.1:9\n    tokn: x\n",
        r"contexts.a.tokn: unknown key \(did you mean 'token'\?\)",
    ),
    (
        "unknown-context",
        b"current-context: b\ncontexts:\n  a:\n    url: http://127.0.0.1:9\n",
        r"no context 'b'",
    ),
    (
        "env-unset",
        b"current-context: a\ncontexts:\n  a:\n    url: http://127.0.0.1:9\n    token_env: I13_UNSET_VAR\n",
        r"token_env names \$I13_UNSET_VAR",
    ),
    ("current-context-list", b"current-context: [a]\n", r"config.yaml: current-context: must be a string"),
]


@pytest.mark.parametrize(("name", "raw", "where"), CONFIG_CASES, ids=[f"config-{c[0]}" for c in CONFIG_CASES])
def test_bad_config_file(tmp_path: Path, name: str, raw: bytes, where: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(raw)
    cfg.chmod(0o600)
    with Stub() as stub:
        before = _snapshot(tmp_path)
        result = _run(["import-dashboards", "--config", str(cfg), "--group", "k8s"], {"N9E_URL": ""})
        assert stub.seen == [], "a request before the settings were valid"
    _check(result, 2, where)
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------------- hostile answers (loopback stub)

SERVER_CASES: list[tuple[str, str, str, Any, str]] = [
    (
        "groups-not-list",
        "GET",
        "/api/n9e/busi-groups",
        ok("nope"),
        r"GET /api/n9e/busi-groups: unexpected answer: dat is a str",
    ),
    (
        "groups-item-number",
        "GET",
        "/api/n9e/busi-groups",
        ok([1]),
        r"busi-groups: unexpected answer: dat\[0\] is a int",
    ),
    (
        "groups-id-string",
        "GET",
        "/api/n9e/busi-groups",
        ok([{"id": "3", "name": "k8s"}]),
        r"dat\[0\].id is '3'",
    ),
    (
        "groups-name-dict",
        "GET",
        "/api/n9e/busi-groups",
        ok([{"id": 3, "name": {"a": 1}}]),
        r"dat\[0\].name is not a string",
    ),
    ("groups-html", "GET", "/api/n9e/busi-groups", HTML, r"GET /api/n9e/busi-groups: route not found"),
    (
        "groups-not-json",
        "GET",
        "/api/n9e/busi-groups",
        Reply(200, "{not json", "application/json"),
        r"GET /api/n9e/busi-groups: the answer is not JSON",
    ),
    (
        "groups-json-list",
        "GET",
        "/api/n9e/busi-groups",
        Reply(200, [1, 2]),
        r"GET /api/n9e/busi-groups: unexpected answer",
    ),
    (
        "groups-redirect",
        "GET",
        "/api/n9e/busi-groups",
        Reply(302, "", headers={"Location": "http://127.0.0.1:1/x"}),
        r"GET /api/n9e/busi-groups: HTTP 302 redirect to http://127.0.0.1:1",
    ),
    ("groups-500", "GET", "/api/n9e/busi-groups", text(500, "boom"), r"GET /api/n9e/busi-groups: HTTP 500"),
    (
        "groups-401",
        "GET",
        "/api/n9e/busi-groups",
        text(401, "unauthorized"),
        r"GET /api/n9e/busi-groups: HTTP 401",
    ),
    (
        "boards-dict",
        "GET",
        "/api/n9e/busi-group/3/boards",
        ok({"id": 1}),
        r"boards: unexpected answer: dat is a dict",
    ),
    (
        "boards-no-id",
        "GET",
        "/api/n9e/busi-group/3/boards",
        ok([{"name": "x"}]),
        r"boards: unexpected answer: dat\[0\].id is None",
    ),
    (
        "boards-ident-number",
        "GET",
        "/api/n9e/busi-group/3/boards",
        ok([{"id": 1, "name": "x", "ident": 7}]),
        r"dat\[0\].ident is not a string",
    ),
    (
        "board-not-object",
        "GET",
        "/api/n9e/board/1",
        ok([1]),
        r"GET /api/n9e/board/1: unexpected answer: dat is a list",
    ),
    ("versions-list", "GET", "/api/n9e/versions", Reply(200, {"dat": [1], "err": ""}), r"."),
    (
        "datasources-string",
        "GET",
        "/api/n9e/datasource/brief",
        ok("x"),
        r"datasource/brief: unexpected answer",
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "reply", "where"), SERVER_CASES, ids=[f"server-{c[0]}" for c in SERVER_CASES]
)
def test_hostile_server_answer(
    tmp_path: Path, name: str, method: str, path: str, reply: Any, where: str
) -> None:
    """export (which reads boards one by one) against a stub; one route answers badly. Exit 1, the message
    names the request, nothing written under --out, and the token never printed."""
    out = tmp_path / "out"
    with Stub() as stub:
        stub.route("GET", "/api/n9e/busi-groups", ok([{"id": 3, "name": "k8s"}]))
        stub.route("GET", "/api/n9e/datasource/brief", ok([{"id": 1, "name": "prom"}]))
        stub.route("GET", "/api/n9e/busi-group/3/boards", ok([{"id": 1, "name": "b", "ident": "b"}]))
        stub.route("GET", "/api/n9e/board/1", ok({"id": 1, "name": "b", "ident": "b", "configs": "{}"}))
        stub.route("GET", "/api/n9e/busi-group/3/alert-rules", ok([]))
        stub.route("GET", "/api/n9e/busi-group/3/recording-rules", ok([]))
        stub.route(method, path, reply)
        env = {"N9E_URL": stub.url, "N9E_TOKEN": SECRET, "N9E_GROUP": "k8s", "N9E_DATASOURCE": "prom"}
        before = _snapshot(tmp_path)
        if name.startswith("datasources"):
            result = _run(["verify", "--n9e", "--retries", "0"], env)
        else:
            result = _run(["export", "--out", str(out), "--retries", "0"], env)
        assert [s for s in stub.seen if s.method != "GET"] == []
    if name == "versions-list":  # an unreadable version counts as the newest known: the export works
        assert result.exit_code == 0, result.output
        return
    _check(result, 1, where)
    assert SECRET not in result.output
    assert _snapshot(tmp_path) == before
