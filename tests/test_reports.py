"""`lint` and `validate` in the CI formats: GitHub annotations, SARIF 2.1.0 (checked against the official
schema), JUnit XML; each points at the source file and line where the query or object is written."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import typer
from n9e_k8s.commands import lint as lint_cmd
from n9e_k8s.commands import validate as validate_cmd
from n9e_k8s.lint.rules import RULES
from n9e_k8s.reports import Report, Result
from n9e_k8s.reports.github import annotation, escape_data, escape_property
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "tests/fixtures/sarif/sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
BAD_QPS = "    expr: 'sum(rate(apiserver_request_total{%(sel)s, requestKind=\"x\"}[$interval]))'"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    lint_cmd.register(app)
    validate_cmd.register(app)
    return app


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the source with one query that selects nothing (unknown label), as the working directory."""
    for part in ("promql", "dashboards", "alerts"):
        shutil.copytree(REPO / part, tmp_path / part)
    catalog = tmp_path / "promql/apiserver.yaml"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if "apiserver_request_total{%(sel)s}[$interval]" in text)
    lines[line] = BAD_QPS
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args), env={"N9E_K8S_SOURCE": ""})


def bad_line(tree: Path) -> int:
    lines = (tree / "promql/apiserver.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index(BAD_QPS) + 1


def test_github_escaping_follows_the_runner() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = annotation(Result("r", "warning", "two\nlines", "x,y.yaml", 3, 7, "s"), "lint")
    assert line == "::warning file=x%2Cy.yaml,line=3,col=7,title=n9e-k8s lint%3A r::two%0Alines [s]"


def test_lint_github_annotates_the_line_of_the_query(app: typer.Typer, tree: Path) -> None:
    res = run(app, "lint", "--source", str(tree), "--format", "github")
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if line.startswith("::error ")]
    assert errors == [
        f"::error file=promql/apiserver.yaml,line={bad_line(tree)},title=n9e-k8s lint%3A unknown-label::"
        "apiserver_request_total has no label 'requestKind' (it has: code, component, dry_run, group, resource, "
        "scope, subresource, verb, version), so the selector matches nothing [catalog apiserver.qps]"
    ]


def test_lint_sarif_is_valid_and_locates_the_result(app: typer.Typer, tree: Path) -> None:
    res = run(app, "lint", "--source", str(tree), "--format", "sarif")
    assert res.exit_code == 1
    doc = json.loads(res.output)
    jsonschema.validate(doc, SCHEMA)
    (run_,) = doc["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in RULES]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tree.resolve().as_uri() + "/"
    (result,) = [r for r in run_["results"] if r["level"] == "error"]
    assert result["ruleId"] == "unknown-label"
    assert rules[result["ruleIndex"]]["id"] == "unknown-label"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "promql/apiserver.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": bad_line(tree)}


def test_lint_junit_one_case_per_query_and_the_failure_says_where(app: typer.Typer, tree: Path) -> None:
    res = run(app, "lint", "--source", str(tree), "--format", "junit")
    queries = json.loads(run(app, "lint", "--source", str(tree), "--format", "json").output)["queries"]
    suite = ET.fromstring(res.output).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == queries == int(suite.get("tests"))
    assert len({c.get("name") for c in cases}) == len(cases)  # names are unique
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["catalog apiserver.qps"]
    assert suite.get("failures") == "1"
    assert (
        failed[0].find("failure").text.startswith(f"promql/apiserver.yaml:{bad_line(tree)}: unknown-label: ")
    )


def test_lint_of_a_tree_that_does_not_load_annotates_the_file(app: typer.Typer, tree: Path) -> None:
    catalog = tree / "promql/apiserver.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("  - id: apiserver.up", "  - idx: apiserver.up")
    )
    res = CliRunner().invoke(
        app, ["lint", "--source", str(tree), "--format", "github"], env={"N9E_K8S_SOURCE": ""}
    )
    assert res.exit_code == 2
    assert "::error file=promql/apiserver.yaml,line=" in res.stdout
    assert "unknown key 'idx'" in res.stdout


def test_validate_sarif_and_junit_of_a_broken_tree(app: typer.Typer, tree: Path) -> None:
    catalog = tree / "promql/apiserver.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("  - id: apiserver.up", "  - idx: apiserver.up")
    )
    sarif = json.loads(run(app, "validate", "--source", str(tree), "--format", "sarif").output)
    jsonschema.validate(sarif, SCHEMA)
    (run_,) = sarif["runs"]
    assert "validate/source" in [r["id"] for r in run_["tool"]["driver"]["rules"]]
    located = [r["locations"][0]["physicalLocation"] for r in run_["results"]]
    assert {loc["artifactLocation"]["uri"] for loc in located} == {"promql/apiserver.yaml"}
    res = run(app, "validate", "--source", str(tree), "--format", "junit")
    assert res.exit_code == 1
    cases = ET.fromstring(res.output).find("testsuite").findall("testcase")
    names = {c.get("name") for c in cases}
    assert {"promql/apiserver.yaml", "promql/config.yaml", "alerts/apiserver.yaml"} <= names
    (failed,) = [c for c in cases if c.find("failure") is not None]
    assert failed.get("name") == "promql/apiserver.yaml"


def test_validate_export_files_one_case_each(app: typer.Typer, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.json").write_text("[]")
    Path("bad.json").write_text("{not json")
    res = run(app, "validate", "good.json", "bad.json", "--format", "junit")
    assert res.exit_code == 1
    cases = {c.get("name"): c for c in ET.fromstring(res.output).iter("testcase")}
    assert set(cases) == {"good.json", "bad.json"}
    assert "invalid JSON" in cases["bad.json"].find("failure").get("message")
    sarif = json.loads(run(app, "validate", "bad.json", "--format", "sarif").output)
    jsonschema.validate(sarif, SCHEMA)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1}


def test_a_report_with_nothing_found_is_valid_sarif() -> None:
    from n9e_k8s.reports import render

    jsonschema.validate(json.loads(render("sarif", Report("lint", Path.cwd()))), SCHEMA)
