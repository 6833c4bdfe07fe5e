"""The build's integration/<NAME>/ folder: the layout and file formats each n9e version reads (center/integration
init.go / i18n.go of v7.7.2, v8.5.1, v9.1.1; v6.7.3's router_builtin.go), deterministic and self-consistent."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from n9e_k8s.build import BUILD_PARTS, BuildSettings, render_all
from n9e_k8s.integration import NAME, OUTPUT_DIR, stable_uuid
from n9e_k8s.n9e.formats.integration import validate_metrics
from n9e_k8s.project import Project, load_project
from n9e_k8s.source import resolve_source

REPO = Path(__file__).resolve().parents[1]


@cache
def project() -> Project:
    return load_project(resolve_source(REPO), BUILD_PARTS)


@cache
def integration(version: str, lang: str = "en") -> dict[str, str]:
    files = render_all(
        project(),
        BuildSettings(lang, {"dashboards": {"n9e_version": version}, "rules": {"n9e_version": version}}),
    )
    return {k[len(OUTPUT_DIR) + 1 :]: v for k, v in files.items() if k.startswith(OUTPUT_DIR + "/")}


def folders(files: dict[str, str]) -> set[str]:
    return {rel.split("/")[0] for rel in files}


def strip(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "uuid"}


def scraped_entries() -> list:
    p = project()
    return [e for e in p.catalog.entries if p.config.scraped(e.component)]


def test_the_folder_does_not_collide_with_n9e_own_kubernetes_integration() -> None:
    assert NAME != "Kubernetes"
    assert f"integration/{NAME}" == OUTPUT_DIR


@pytest.mark.parametrize("version", ["v7", "v8", "v9"])
def test_every_version_gets_the_folders_it_reads(version: str) -> None:
    files = integration(version)
    expected = {"dashboards", "alerts", "record-rules", "collect", "markdown", "icon", "metrics"}
    assert folders(files) == expected | ({"i18n"} if version == "v9" else set())
    assert {"markdown/README.md", "markdown/README.en_US.md"} <= files.keys()
    p = project()
    assert {f"dashboards/{spec.ident}.json" for spec in p.dashboards} == {
        r for r in files if r.startswith("dashboards/")
    }
    assert files["icon/n9e-k8s.svg"].startswith("<svg") and len(files["icon/n9e-k8s.svg"]) < 2000


def test_boards_and_rules_are_the_build_s_own_with_a_uuid_and_the_sync_markers() -> None:
    """What the integration installs is what import-dashboards / sync-alerts upload, marked as theirs."""
    from n9e_k8s.n9e.versions import ServerFeatures
    from n9e_k8s.sync.handlers.alert_rule import MANAGED_APPEND_TAG, AlertRuleHandler
    from n9e_k8s.sync.handlers.board import BoardHandler
    from n9e_k8s.sync.markers import mark_alert_rule, mark_board
    from n9e_k8s.sync.plan import marker_hashes

    features = ServerFeatures.of_target("v8")
    bh, ah = BoardHandler(None, 0, note_supported=False), AlertRuleHandler(None, 0, version=features.version)
    files = render_all(project(), BuildSettings("en"))
    for rel, text in files.items():
        if rel.startswith(("dashboards/", "alerts/", "recording-rules/")):
            folder, name = rel.split("/")
            mine = json.loads(
                files[f"{OUTPUT_DIR}/{'record-rules' if folder == 'recording-rules' else folder}/{name}"]
            )
            theirs = json.loads(text)
            if folder == "dashboards":
                assert strip(mine) == strip(mark_board(theirs, features))
                assert bh.is_managed(mine) and bh.stored_hash(mine) in marker_hashes(bh, bh.prepare(theirs))
            elif folder == "alerts":
                assert [strip(r) for r in mine] == [strip(mark_alert_rule(r, features)) for r in theirs]
                assert all(MANAGED_APPEND_TAG in r["append_tags"] and ah.stored_hash(r) for r in mine)
            else:
                assert [strip(r) for r in mine] == theirs
            assert all(isinstance(r["uuid"], int) for r in (mine if isinstance(mine, list) else [mine]))


def test_uuids_are_stable_distinct_and_survive_n9e_v7_cleanup() -> None:
    files = integration("v8")
    uuids = []
    for rel, text in files.items():
        if rel.endswith(".json") and not rel.startswith("i18n/"):
            obj = json.loads(text)
            uuids += [o["uuid"] for o in (obj if isinstance(obj, list) else [obj])]
    assert len(uuids) == len(set(uuids))
    # v7 deletes system dashboard payloads with uuid > 1e18 and uuid % 1000 != 0 at every start
    assert all(10**17 <= u < 10**18 and u % 1000 == 0 for u in uuids)
    assert stable_uuid("board", "x") == stable_uuid("board", "x") != stable_uuid("board", "y")
    integration.cache_clear()
    assert integration("v8") == files  # deterministic


def test_v7_metrics_are_one_per_language_v8_carry_translations() -> None:
    entries = scraped_entries()
    v7 = [m for rel, t in integration("v7").items() if rel.startswith("metrics/") for m in json.loads(t)]
    assert len(v7) == 2 * len(entries) and {m["lang"] for m in v7} == {"zh_CN", "en_US"}
    assert all("translation" not in m for m in v7)
    v8 = [m for rel, t in integration("v8").items() if rel.startswith("metrics/") for m in json.loads(t)]
    assert len(v8) == len(entries)
    by_name = {(m["collector"], m["translation"][1]["name"]): m for m in v8}
    for entry in entries:
        metric = by_name[entry.component, entry.title.en]
        assert (
            metric["expression"] == entry.render(project().config, "rule") and "$" not in metric["expression"]
        )
        assert (
            metric["unit"] == entry.unit and metric["typ"] == NAME and metric["collector"] == entry.component
        )
        assert {t["lang"]: t["name"] for t in metric["translation"]} == {
            "zh_CN": entry.title.zh,
            "en_US": entry.title.en,
        }


def test_v9_files_are_chinese_with_an_english_dictionary() -> None:
    files = integration("v9", "en")  # --lang does not matter: v9 reads Chinese and translates with i18n/
    assert files == integration("v9", "zh")
    board = json.loads(files["dashboards/k8s-apiserver.json"])
    english = json.loads(integration("v8")["dashboards/k8s-apiserver.json"])
    dictionary = json.loads(files["i18n/en_US.json"])
    zh_row, en_row = board["configs"]["panels"][0]["name"], english["configs"]["panels"][0]["name"]
    assert zh_row != en_row and dictionary[zh_row] == en_row
    metric = json.loads(files["metrics/etcd.json"])[0]
    assert metric["lang"] == "zh_CN" and metric["expression_type"] == "promql"


def test_the_metrics_schema_rejects_what_n9e_would_not_keep() -> None:
    good = json.loads(integration("v9")["metrics/etcd.json"])
    assert validate_metrics(good, "m.json") == []
    bad = [dict(good[0], uuid=0), dict(good[1], colour="red"), dict(good[2], uuid=good[3]["uuid"]), good[3]]
    problems = [str(p) for p in validate_metrics(bad, "m.json")]
    assert problems and any("[0].uuid" in p for p in problems) and any("colour" in p for p in problems)
    dup = [good[0], dict(good[1], uuid=good[0]["uuid"])]
    assert [p.path for p in validate_metrics(dup, "m.json")] == ["[1].uuid"]
    same_name = [good[0], dict(good[1], name=good[0]["name"], collector=good[0]["collector"])]
    assert [p.path for p in validate_metrics(same_name, "m.json")] == ["[1].name"]


def test_the_lab_copies_a_folder_of_integrations_and_refuses_anything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.plugins.n9e_lab import _lab_module

    lab = _lab_module()
    source = tmp_path / "integration"
    (source / NAME / "dashboards").mkdir(parents=True)
    (source / NAME / "dashboards" / "b.json").write_text("{}")
    target = tmp_path / "state" / "integrations"
    target.mkdir(parents=True)
    monkeypatch.setenv("N9E_LAB_INTEGRATIONS", str(source))
    lab.copy_integrations(target)
    assert (target / NAME / "dashboards" / "b.json").read_text() == "{}"
    for bad in (tmp_path / "missing", source / NAME / "dashboards" / "b.json"):
        monkeypatch.setenv("N9E_LAB_INTEGRATIONS", str(bad))
        with pytest.raises(lab.LabError, match="N9E_LAB_INTEGRATIONS"):
            lab.copy_integrations(tmp_path / "other")
