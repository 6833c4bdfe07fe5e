"""Boards that tell the truth in a fleet and in n9e v9.1.1's real UI (issue 11, defects 4-7, 13, 14).

Each test fails on the boards before issue 11: clusters blended under a multi-select "All",
"success rates" red on healthy clusters, streaming requests in the latency quantiles, standby
schedulers counted, panels that need cAdvisor/kube-state-metrics, quiet counters without data,
custom variables opening at p50/10m, `$var` in legends, no decimals, English variable labels on zh
boards and board names equal to n9e's built-in ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser as pp
import pytest
from n9e_k8s.dashboards.clusters import cluster_blending_problems, dropped_cluster
from n9e_k8s.dashboards.render import render_board
from n9e_k8s.lint.promql import selector_name, walk
from n9e_k8s.lint.variables import substitute
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source

from .dashboards_util import make_tree


@pytest.fixture(scope="module")
def builtin():
    tree = resolve_source(None)
    ctx = load_project(tree)
    specs = ctx.dashboards
    return (
        tree,
        ctx,
        {lang: [render_board(s, ctx.catalog, ctx.config, lang) for s in specs] for lang in ("en", "zh")},
    )


def _targets(board):
    for panel in board["configs"]["panels"]:
        for target in panel.get("targets") or []:
            yield panel, target


def _with_recordings(expr: str, ctx) -> list[str]:
    """The target and the expressions of the recording rules it reads (what its data comes from)."""
    from n9e_k8s.analyze import metric_names

    records = {r.record: r.expr for r in ctx.rules.records}
    return [
        expr,
        *(records[n] for n in sorted(metric_names(ctx.config.substitute_defaults(expr))) if n in records),
    ]


def _ast(expr: str, selectors):
    kinds = {n: v.kind for n, v in selectors.variables.items()}
    defaults = {n: v.default for n, v in selectors.variables.items()}
    return pp.parse(substitute(expr, kinds, defaults).text)


# ---------------------------------------------------------------- defect 4: clusters never blend


def test_no_board_target_aggregates_the_cluster_away_under_a_multi_cluster_selection(builtin) -> None:
    _, ctx, rendered = builtin
    for board in rendered["en"]:
        assert cluster_blending_problems(board, ctx.config) == [], board["ident"]


def test_the_cluster_check_catches_a_multi_select_cluster_variable(builtin) -> None:
    """The check itself can fail: with today's aggregations, "All" on the cluster would blend."""
    _, ctx, rendered = builtin
    board = json.loads(json.dumps(rendered["en"][0]))
    cluster = next(v for v in board["configs"]["var"] if v["name"] == "cluster")
    cluster |= {"multi": True, "allOption": True, "allValue": ".*"}
    problems = cluster_blending_problems(board, ctx.config)
    assert any("Instances up / A: sum aggregates 'cluster' away" in p for p in problems), problems
    assert len(problems) >= len(list(_targets(board)))


@pytest.mark.parametrize(
    ("expr", "blends"),
    [
        ('sum(rate(x{cluster=~"$cluster"}[$interval]))', True),
        ("sum by (le, verb) (rate(x[5m]))", True),
        ("sum by (cluster, le, verb) (rate(x[5m]))", False),
        ("sum without (instance) (x)", False),
        ("sum without (cluster) (x)", True),
        ("topk(5, x)", False),
        ("x and on (instance) y", True),
        ("x and on (cluster, instance) y", False),
        ("x / ignoring (cluster) y", True),
        ("histogram_quantile($quantile, sum by (cluster, le) (rate(x[$interval])))", False),
    ],
)
def test_dropped_cluster_reads_the_promql(builtin, expr: str, blends: bool) -> None:
    _, ctx, _ = builtin
    assert bool(dropped_cluster(expr, ctx.config)) is blends, expr


# ---------------------------------------------------------------- defect 5: availability, not "success"


def test_key_metrics_show_availability_and_4xx_by_code_not_success_rates(builtin) -> None:
    _, ctx, rendered = builtin
    api = next(b for b in rendered["en"] if b["ident"] == "k8s-apiserver")
    names = [p["name"] for p in api["configs"]["panels"]]
    assert not [n for n in names if "success" in n.lower()], names
    assert {
        "Read availability",
        "Write availability",
        "Throttled share (429)",
        "Client errors (4xx) by code",
    } <= set(names)
    for entry_id in ("apiserver.read_availability", "apiserver.write_availability"):
        expr = ctx.catalog.get(entry_id).render(ctx.config, "rule")
        assert 'code!~"5.."' in expr and "2.." not in expr, entry_id


# ---------------------------------------------------------------- defect 6: streaming requests


STREAMING = {"WATCH", "CONNECT"}
STREAMING_SUBRESOURCES = {"log", "exec", "attach", "portforward", "proxy"}
REQUEST_HISTOGRAMS = {
    "apiserver_request_duration_seconds_bucket",
    "apiserver_request_sli_duration_seconds_bucket",
}


def test_latency_panels_leave_out_long_running_and_streaming_requests(builtin) -> None:
    _, ctx, rendered = builtin
    checked = 0
    for board in rendered["en"]:
        for panel, target in _targets(board):
            nodes = [n for e in _with_recordings(target["expr"], ctx) for n, _ in walk(_ast(e, ctx.config))]
            for node in nodes:
                if not isinstance(node, pp.VectorSelector) or selector_name(node) not in REQUEST_HISTOGRAMS:
                    continue
                checked += 1
                excluded: dict[str, set[str]] = {}
                for m in node.matchers.matchers:
                    if m.op == pp.MatchOp.NotRe:
                        excluded.setdefault(m.name, set()).update(m.value.split("|"))
                where = f"{board['ident']} / {panel['name']}"
                assert excluded.get("verb", set()) >= STREAMING, where
                assert excluded.get("subresource", set()) >= STREAMING_SUBRESOURCES, where
    assert checked >= 3


# ---------------------------------------------------------------- defect 7: HA scheduler


def test_scheduler_queue_panels_count_the_leader_only(builtin) -> None:
    _, ctx, _ = builtin
    for entry_id in ("scheduler.pending_pods", "scheduler.incoming_pods"):
        expr = ctx.catalog.get(entry_id).render(ctx.config, "dashboard")
        ast = _ast(expr, ctx.config)
        names = {selector_name(n) for n, _ in walk(ast) if isinstance(n, pp.VectorSelector)}
        assert "leader_election_master_status" in names, entry_id
        # matched per instance and cluster, so that one cluster's standby never hides another's leader
        assert "unless on (cluster, instance)" in expr, entry_id


# ---------------------------------------------------------------- defect 13: panels that can have data


def test_every_board_metric_comes_from_the_components_own_scrape_job(builtin) -> None:
    """No panel needs cAdvisor or kube-state-metrics: the manifests never scrape them. A board reads its
    own component's job, or a component that is always scraped (etcd as the API server sees it)."""
    _tree, ctx, rendered = builtin
    registry = ctx.registry
    specs = {s.ident: s for s in ctx.dashboards}
    always = {c.name for c in ctx.config.specs.values() if c.always_scraped}
    assert always, "the config has no always-scraped component"
    for board in rendered["en"]:
        component = specs[board["ident"]].component
        sources = {component, "all", *always}
        records = {r.record for r in ctx.rules.records}
        for panel, target in _targets(board):
            nodes = [n for e in _with_recordings(target["expr"], ctx) for n, _ in walk(_ast(e, ctx.config))]
            for node in nodes:
                if isinstance(node, pp.VectorSelector) and selector_name(node) not in records:
                    name = selector_name(node)
                    found = registry.lookup(name)
                    assert found is not None, name
                    metric = found[0]
                    assert sources & set(metric.components), (
                        f"{board['ident']} / {panel['name']}: {name} is exposed by {metric.components}"
                    )


ZERO_ON_A_HEALTHY_CLUSTER = (
    "apiserver.throttled_qps",
    "apiserver.throttled_ratio",
    "apiserver.apf_rejected",
    "apiserver.terminated_qps",
    "apiserver.admission_webhook_rejections",
)


@pytest.mark.parametrize("entry_id", ZERO_ON_A_HEALTHY_CLUSTER)
def test_quiet_counters_show_zero_not_no_data(builtin, entry_id: str) -> None:
    """A promtool case on a quiet cluster (no series of the counter) expects one 0 sample."""
    _, ctx, _ = builtin
    entry = ctx.catalog.get(entry_id)
    assert entry.expected_empty is None, entry_id
    quiet = [t for t in entry.tests if t.expect and all(float(e["value"]) == 0 for e in t.expect)]
    assert quiet, f"{entry_id}: no promtool case that shows 0 on a quiet cluster"
    counter = {selector_name(n) for n, _ in walk(_ast(entry.render(ctx.config, "rule"), ctx.config))
               if isinstance(n, pp.VectorSelector)} - {"up", "apiserver_request_total"}  # fmt: skip
    for case in quiet:
        assert not any(name.split("{")[0] in counter for name in case.series), entry_id


# ---------------------------------------------------------------- defect 14: n9e v9.1.1's real UI


def test_custom_variables_open_at_their_configured_default(builtin) -> None:
    _, ctx, rendered = builtin
    seen = set()
    for board in rendered["en"]:
        for var in board["configs"]["var"]:
            if var["type"] == "custom":
                seen.add(var["name"])
                assert var["defaultValue"] == ctx.config.variables[var["name"]].default, var
                assert var["defaultValue"] in var["definition"].split(","), var
    assert {"interval", "quantile"} <= seen
    assert ctx.config.variables["quantile"].default == "0.99"
    assert ctx.config.variables["interval"].default == "5m"


def test_no_legend_uses_a_dashboard_variable(builtin) -> None:
    _, _, rendered = builtin
    for lang, boards in rendered.items():
        for board in boards:
            for panel, target in _targets(board):
                assert "$" not in target["legend"], (lang, panel["name"], target["legend"])


def test_a_variable_in_a_legend_is_a_source_error(tmp_path: Path) -> None:
    from n9e_k8s.errors import SourceErrors
    from n9e_k8s.source import SourceTree

    from .dashboards_util import FIXTURE_CATALOG

    root = make_tree(tmp_path / "src", catalog=FIXTURE_CATALOG.replace("legend: up", "legend: p$quantile"))
    with pytest.raises(SourceErrors, match=r"apiserver.yaml:\d+: .*legend: legend must not use \$variables"):
        load_project(SourceTree(root), ("catalog",))


def test_every_panel_sets_decimals(builtin) -> None:
    _, _, rendered = builtin
    for board in rendered["en"]:
        for panel in board["configs"]["panels"]:
            if panel["type"] != "row":
                assert isinstance(panel["options"]["standardOptions"].get("decimals"), int), panel["name"]


def test_stored_objects_has_one_series_per_resource(builtin) -> None:
    """apiserver_resource_objects (group + resource) is joined into storage_objects' `<plural>.<group>`."""
    _, ctx, _ = builtin
    entry = ctx.catalog.get("apiserver.objects")
    expect = {e["labels"] for e in entry.test.expect}
    assert '{resource="deployments.apps"}' in expect
    assert len(expect) == len(entry.test.expect)
    assert (
        'label_join(apiserver_resource_objects{job="apiserver", group!=""}, "resource", ".", "resource", "group")'
        in (entry.render(ctx.config, "rule"))
    )


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_zh_boards_translate_variable_labels_and_word_legends(builtin) -> None:
    _, _, rendered = builtin
    for en, zh in zip(rendered["en"], rendered["zh"], strict=True):
        for a, b in zip(en["configs"]["var"], zh["configs"]["var"], strict=True):
            assert a["label"] and b["label"], a["name"]
            if a["name"] not in ("verb",):  # Kubernetes' own term, kept in both languages
                assert CJK.search(b["label"]) and not CJK.search(a["label"]), (a["label"], b["label"])
        for panel, tb in _targets(zh):
            words = re.sub(r"\{\{\w+\}\}|QPS|[^A-Za-z]", " ", tb["legend"]).split()
            assert not [w for w in words if len(w) > 1 and w not in ("rejected",)] or CJK.search(
                tb["legend"]
            ), (panel["name"], tb["legend"])


def test_board_names_differ_from_n9es_built_in_boards(builtin, shared_dir: Path) -> None:
    """n9e refuses a second board of the same name in a business group (the built-in Kubernetes ones)."""
    _, _, rendered = builtin
    builtin_names = {
        json.loads(p.read_text(encoding="utf-8")).get("name")
        for p in (shared_dir / "reference" / "n9e-integrations" / "Kubernetes" / "dashboards").glob("*.json")
    }
    assert "Kubernetes / API Server" in builtin_names
    for lang, boards in rendered.items():
        for board in boards:
            assert board["name"] not in builtin_names, (lang, board["name"])
    # every scraped component has its one board
    _, ctx, _ = builtin
    components = {s.ident: s.component for s in ctx.dashboards}
    assert sorted(components[b["ident"]] for b in rendered["en"]) == sorted(
        c.name for c in ctx.config.specs.values() if c.scraped
    )
