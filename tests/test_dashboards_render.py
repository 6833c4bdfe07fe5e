"""Rendering dashboard source into n9e boards: goldens, determinism, variables, languages, lint."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from n9e_k8s.build import BuildSettings, render_all
from n9e_k8s.dashboards.render import board_json, panel_id, render_board, render_panel
from n9e_k8s.dashboards.units import N9E_UNITS, UnknownUnit, n9e_unit
from n9e_k8s.errors import SourceErrors
from n9e_k8s.n9e.formats.board import validate_board
from n9e_k8s.project import load_project
from n9e_k8s.source import SourceTree, resolve_source

from tests.ci import updating

from .dashboards_util import FIXTURE_CATALOG, FIXTURE_DASHBOARD, make_tree

GOLDEN = Path(__file__).parent / "golden" / "dashboards"
UPDATE = updating("UPDATE_GOLDEN")


@pytest.fixture(scope="module")
def builtin():
    tree = resolve_source(None)
    return tree, load_project(tree)


@pytest.fixture
def fixture_tree(tmp_path: Path) -> SourceTree:
    return SourceTree(make_tree(tmp_path / "src"))


def boards(ctx, lang: str) -> dict[str, str]:
    return {k: v for k, v in render_all(ctx, BuildSettings(lang)).items() if k.startswith("dashboards/")}


# ---------------------------------------------------------------- built-in boards


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_builtin_boards_match_goldens(builtin, lang: str) -> None:
    _, ctx = builtin
    rendered = boards(ctx, lang)
    # one board per scraped component of promql/config.yaml
    assert sorted(d.component for d in ctx.dashboards) == sorted(
        c.name for c in ctx.config.specs.values() if c.scraped
    )
    assert sorted(rendered) == sorted(f"dashboards/{d.ident}.json" for d in ctx.dashboards)
    for rel, text in rendered.items():
        golden = GOLDEN / lang / Path(rel).name
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"{golden} missing; run UPDATE_GOLDEN=1 pytest {__file__}"
        assert text == golden.read_text(encoding="utf-8"), (
            f"{rel} differs from {golden} (UPDATE_GOLDEN=1 to accept)"
        )
    # no stale golden for a board that is no longer rendered
    assert sorted(p.name for p in (GOLDEN / lang).iterdir()) == sorted(Path(r).name for r in rendered)


def test_rendering_is_byte_identical_across_runs(builtin) -> None:
    tree, ctx = builtin
    first = boards(ctx, "en")
    second = boards(load_project(tree), "en")  # fresh load of everything
    assert first == second


def test_each_board_covers_every_query_of_its_component(builtin) -> None:
    _tree, ctx = builtin
    specs = ctx.dashboards
    assert {s.component for s in specs} == set(ctx.config.components)
    for spec in specs:
        expected = {e.id for e in ctx.catalog.for_component(spec.component)}
        assert expected, spec.component
        assert expected - set(spec.query_ids()) == set(), f"{spec.file} misses catalog queries"


def test_builtin_boards_pass_the_board_schema_strictly(builtin) -> None:
    _, ctx = builtin
    for lang in ("en", "zh"):
        for rel, text in boards(ctx, lang).items():
            assert validate_board(json.loads(text), rel, strict=True) == []


def test_panels_use_the_datasource_variable_and_catalog_expressions(builtin) -> None:
    _tree, ctx = builtin
    for spec in ctx.dashboards:
        board = render_board(spec, ctx.catalog, ctx.config, "en")
        names = [v["name"] for v in board["configs"]["var"]]
        assert names[:3] == ["datasource", "cluster", "instance"]
        job = ctx.config.job(spec.component)
        cluster, instance = board["configs"]["var"][1:3]
        assert cluster["definition"] == f'label_values(up{{job="{job}"}}, cluster)'
        assert instance["definition"] == f'label_values(up{{job="{job}", cluster=~"$cluster"}}, instance)'
        exprs = set()
        for panel in board["configs"]["panels"]:
            assert panel["layout"]["i"] == panel["id"]
            if panel["type"] == "row":
                assert panel["collapsed"] is True and panel["panels"] == []
                continue
            assert panel["datasourceValue"] == "${datasource}"
            assert panel["version"] == "3.0.0"
            assert panel["options"]["standardOptions"]["util"] in N9E_UNITS
            assert [t["refId"] for t in panel["targets"]] == [
                chr(65 + i) for i in range(len(panel["targets"]))
            ]
            exprs |= {t["expr"] for t in panel["targets"]}
        assert exprs == {ctx.catalog.get(q).board_expr(ctx.config) for q in spec.query_ids()}
        used = set(re.findall(r"\$(\w+)", " ".join(exprs))) - {"datasource"}
        assert used <= set(names), f"{spec.ident}: variables used but not defined: {used - set(names)}"


# ---------------------------------------------------------------- renderer behaviour on a fixture


def test_fixture_board_shape(fixture_tree: SourceTree) -> None:
    ctx = load_project(fixture_tree)
    (spec,) = ctx.dashboards
    board = render_board(spec, ctx.catalog, ctx.config, "en")
    assert {k: board[k] for k in ("name", "ident", "tags", "note")} == {
        "name": "Test API Server",
        "ident": "test-apiserver",
        "tags": "test apiserver",
        "note": "A test board.",
    }
    configs = board["configs"]
    assert configs["version"] == "3.0.0"
    variables = {v["name"]: v for v in configs["var"]}
    assert list(variables) == ["datasource", "cluster", "instance", "interval", "quantile", "verb"]
    assert variables["datasource"] == {
        "name": "datasource",
        "label": "Datasource",
        "type": "datasource",
        "definition": "prometheus",
        "hide": False,
    }
    # custom variables: defaultValue (n9e v8/v9 sort the options and would open at the first: p50,
    # 10m) and the default first (n9e v7 selects the first option)
    assert variables["interval"]["type"] == "custom"
    assert variables["interval"]["defaultValue"] == ctx.config.variables["interval"].default == "5m"
    assert variables["interval"]["definition"].split(",")[0] == "5m"
    assert variables["quantile"]["defaultValue"] == "0.99"
    assert variables["quantile"]["definition"].split(",")[0] == "0.99"
    assert variables["quantile"]["label"] == "Quantile"
    # one cluster at a time: no multi-select, no "All"
    cluster = variables["cluster"]
    assert cluster["multi"] is False and cluster["allOption"] is False and "allValue" not in cluster
    assert variables["instance"]["multi"] and variables["instance"]["allOption"]
    verb = variables["verb"]
    assert verb["type"] == "query" and verb["multi"] and verb["allOption"] and verb["allValue"] == ".*"
    assert verb["definition"] == (
        'label_values(apiserver_request_total{job="apiserver", cluster=~"$cluster", instance=~"$instance"}, verb)'
    )
    assert verb["datasource"] == {"cate": "prometheus", "value": "${datasource}"}

    panels = configs["panels"]
    types = [(p["type"], p["name"]) for p in panels]
    assert types == [
        ("row", "Key metrics"),
        ("stat", "Instances up"),  # instant entry -> stat by default
        ("stat", "QPS"),
        ("row", "Latency"),
        ("timeseries", "Latency by verb"),
        ("timeseries", "QPS and up"),
    ]
    up, qps, latency, both = panels[1], panels[2], panels[4], panels[5]
    assert up["targets"] == [
        {
            "refId": "A",
            "expr": 'sum(up{job="apiserver", cluster=~"$cluster", instance=~"$instance"})',
            "legend": "up",
            "instant": True,
        }
    ]
    assert up["custom"]["textMode"] == "valueAndName"  # the entry has a legend
    assert qps["custom"]["textMode"] == "value"
    assert qps["options"]["standardOptions"] == {"util": "reqps", "decimals": 1}
    assert latency["options"]["standardOptions"]["decimals"] == 2  # the default: no `302.791595 MiB`
    assert qps["options"]["thresholds"]["steps"] == [
        {"color": "red", "type": "base", "value": None},
        {"color": "#3FC453", "value": 100},
    ]
    assert latency["options"]["legend"]["displayMode"] == "table"
    assert latency["options"]["standardOptions"]["util"] == "seconds"
    # several queries: one target each, instant dropped on a timeseries, title legend when the entry has none
    assert [(t["refId"], t["legend"], "instant" in t) for t in both["targets"]] == [
        ("A", "QPS", False),
        ("B", "up", False),
    ]
    assert both["description"] == "Requests per second.\nTargets up."
    # layout: rows full width, panels packed, ids deterministic and equal to layout.i
    assert [(p["layout"]["x"], p["layout"]["y"], p["layout"]["w"], p["layout"]["h"]) for p in panels] == [
        (0, 0, 24, 1), (0, 1, 6, 4), (6, 1, 6, 4), (0, 5, 24, 1), (0, 6, 12, 8), (0, 14, 24, 8),
    ]  # fmt: skip
    assert both["id"] == panel_id("test-apiserver", "both")
    assert up["id"] == panel_id("test-apiserver", "apiserver.up")
    assert panels[3]["id"] != panels[0]["id"]


def test_ids_are_stable_when_panels_move(fixture_tree: SourceTree) -> None:
    ctx = load_project(fixture_tree)
    (spec,) = ctx.dashboards
    before = {p["name"]: p["id"] for p in render_board(spec, ctx.catalog, ctx.config)["configs"]["panels"]}
    path = fixture_tree.dashboards / "apiserver.yaml"
    text = path.read_text(encoding="utf-8")
    # swap the two panels of the first row
    text = text.replace(
        "      - query: apiserver.up\n      - query: apiserver.qps\n",
        "      - query: apiserver.qps\n",
    ).replace("        legend: table\n", "        legend: table\n      - query: apiserver.up\n")
    path.write_text(text, encoding="utf-8")
    (spec,) = ctx.dashboards
    after = {p["name"]: p["id"] for p in render_board(spec, ctx.catalog, ctx.config)["configs"]["panels"]}
    assert after == before


TEXT_KEYS = {"name", "note", "description", "legend", "text", "label"}


def _mask(node):
    if isinstance(node, dict):
        return {k: ("<text>" if k in TEXT_KEYS and isinstance(v, str) else _mask(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(v) for v in node]
    return node


def _strings(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, key)
    elif isinstance(node, str) and key in TEXT_KEYS:
        yield node


def test_zh_and_en_differ_only_in_text(builtin) -> None:
    _, ctx = builtin
    en, zh = boards(ctx, "en"), boards(ctx, "zh")
    assert en.keys() == zh.keys()
    for rel in en:
        a, b = json.loads(en[rel]), json.loads(zh[rel])
        assert _mask(a) == _mask(b), rel
        assert a != b, f"{rel}: zh output is the English one"
        assert any(re.search(r"[\u4e00-\u9fff]", s) for s in _strings(b)), rel
        assert not any(re.search(r"[\u4e00-\u9fff]", s) for s in _strings(a)), rel


# ---------------------------------------------------------------- source errors


def _errors(tree: SourceTree) -> list[str]:
    with pytest.raises(SourceErrors) as info:
        load_project(tree, ("dashboards",))
    return [str(e) for e in info.value.errors]


def test_unknown_catalog_id_names_file_line_and_path(tmp_path: Path) -> None:
    tree = SourceTree(
        make_tree(
            tmp_path,
            dashboards={
                "a.yaml": FIXTURE_DASHBOARD.replace(
                    "query: apiserver.qps\n        type", "query: apiserver.nope\n        type"
                )
            },
        )
    )
    (message,) = _errors(tree)
    line = FIXTURE_DASHBOARD.splitlines().index("      - query: apiserver.qps") + 1
    assert (
        message
        == f"{tree.dashboards / 'a.yaml'}:{line}: rows[0].panels[1].query: unknown catalog id 'apiserver.nope'"
    )


def test_unknown_unit_names_the_catalog_entry(tmp_path: Path) -> None:
    tree = SourceTree(make_tree(tmp_path, catalog=FIXTURE_CATALOG.replace("unit: reqps", "unit: furlongs")))
    messages = _errors(tree)
    assert messages and all(
        "unknown unit 'furlongs'" in m and "catalog entry apiserver.qps" in m for m in messages
    )
    with pytest.raises(UnknownUnit):
        n9e_unit("kibibytes")  # v9 only: refused on purpose
    assert n9e_unit("short") == "sishort" and n9e_unit("reqps") == "reqps"


def test_undefined_variable_is_an_error(tmp_path: Path) -> None:
    tree = SourceTree(make_tree(tmp_path, catalog=FIXTURE_CATALOG.replace("[$interval]))'", "[$window]))'")))
    messages = _errors(tree)
    assert any("undefined variable(s) $window" in m and "apiserver.qps" in m for m in messages)


def test_schema_errors_carry_line_and_json_path(tmp_path: Path) -> None:
    broken = FIXTURE_DASHBOARD.replace(
        "        decimals: 1\n", "        decimals: 1\n        colour: blue\n"
    ).replace("ident: test-apiserver", "ident: '12345'")
    tree = SourceTree(make_tree(tmp_path, dashboards={"a.yaml": broken}))
    messages = _errors(tree)
    file = tree.dashboards / "a.yaml"
    assert f"{file}:1: ident: '12345' must not match '^[0-9]+$' [not]" in messages
    assert any(
        m.startswith(f"{file}:13: rows[0].panels[1].colour: unknown key 'colour'") for m in messages
    ), messages


def test_duplicate_panel_keys_and_idents(tmp_path: Path) -> None:
    dup_panel = FIXTURE_DASHBOARD.replace("      - id: both\n", "      - id: apiserver.up\n")
    tree = SourceTree(make_tree(tmp_path, dashboards={"a.yaml": dup_panel, "b.yaml": FIXTURE_DASHBOARD}))
    messages = _errors(tree)
    assert any("two panels have the key 'apiserver.up'" in m for m in messages)
    assert any(
        m.startswith(str(tree.dashboards / "b.yaml")) and "ident 'test-apiserver' is already used" in m
        for m in messages
    )


def test_query_and_queries_are_exclusive(tmp_path: Path) -> None:
    broken = FIXTURE_DASHBOARD.replace(
        "      - id: both\n", "      - id: both\n        query: apiserver.up\n"
    )
    tree = SourceTree(make_tree(tmp_path, dashboards={"a.yaml": broken}))
    (message,) = _errors(tree)
    assert "rows[1].panels[1]: needs exactly one of 'query' or 'queries' [oneOf]" in message


def test_rendered_json_is_stable_text(fixture_tree: SourceTree) -> None:
    ctx = load_project(fixture_tree)
    (spec,) = ctx.dashboards
    board = render_board(spec, ctx.catalog, ctx.config, "zh")
    text = board_json(board)
    assert text.endswith("}\n") and "测试 API Server" in text  # not \u-escaped
    shuffled = copy.deepcopy(board)
    shuffled["configs"] = dict(reversed(list(shuffled["configs"].items())))
    assert board_json(shuffled) == text


# ---------------------------------------------------------------- lint


def test_every_panel_expression_lints_clean(builtin) -> None:
    from n9e_k8s.lint import LintContext, Query, lint_query
    from n9e_k8s.lint.collect import recorded_series, variable_kinds

    _tree, ctx = builtin
    lint_ctx = LintContext(registry=ctx.registry, selectors=ctx.config, recorded=recorded_series(ctx))
    findings, count = [], 0
    for spec in ctx.dashboards:
        for _, panel in spec.panels():
            rendered = render_panel(spec, panel, ctx.catalog, ctx.config, "en")
            for target, qid in zip(rendered["targets"], panel.queries, strict=True):
                entry = ctx.catalog.get(qid)
                query = Query(
                    expr=target["expr"],
                    origin=f"dashboard {spec.ident} / {rendered['name']} / {target['refId']}",
                    file=str(spec.file),
                    line=panel.line,
                    unit=rendered["options"]["standardOptions"]["util"],
                    variables=variable_kinds(ctx.config),
                    ignore=dict(entry.lint_ignore),
                    query_id=qid,
                )
                findings += lint_query(query, lint_ctx)
                count += 1
    assert count >= 50
    assert findings == []


def test_every_allowed_panel_type_renders_a_valid_board(tmp_path: Path) -> None:
    from n9e_k8s.schemas import DASHBOARD_SOURCE, load_schema

    types = load_schema(DASHBOARD_SOURCE)["$defs"]["panel"]["properties"]["type"]["enum"]
    assert {"timeseries", "stat", "table", "gauge", "barGauge"} <= set(types)
    source = FIXTURE_DASHBOARD.replace(
        "      - query: apiserver.latency\n", "      - query: apiserver.latency\n        type: TYPE\n"
    )
    for ptype in types:
        tree = SourceTree(make_tree(tmp_path / ptype, dashboards={"a.yaml": source.replace("TYPE", ptype)}))
        ctx = load_project(tree)
        (spec,) = ctx.dashboards
        board = render_board(spec, ctx.catalog, ctx.config, "en")
        panel = next(p for p in board["configs"]["panels"] if p["name"] == "Latency by verb")
        assert panel["type"] == ptype and panel["custom"], ptype
        assert validate_board(board, ptype, strict=True) == [], ptype
