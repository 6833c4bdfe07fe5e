"""The build's ``integration/<NAME>/``: our boards, rules, metrics and collection set-up in the layout n9e reads from
its ``integrations/`` folder (``[Center] BuiltinIntegrationsDir``), for one n9e version.

Layout (what each version reads: docs/integration.md): ``dashboards/<ident>.json`` (a board with a ``uuid``),
``alerts/<component>.json`` (rule arrays, ``cate`` = file name), ``record-rules/<component>.json``,
``metrics/<component>.json`` (v7+: one built-in metric per catalog entry), ``collect/prometheus-agent/*.yaml``,
``markdown/README.md`` (zh) and ``README.en_US.md``, ``icon/n9e-k8s.svg`` and, for v9, ``i18n/en_US.json``.

Every object has a ``uuid`` derived from what it is (never the time), so that n9e does not write one back into the
folder (it does for a missing uuid) and a rebuild gives the same files.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import SourceError, SourceErrors
from .n9e.versions import DEFAULT_TARGET, TARGETS, ServerFeatures
from .project import Project
from .textio import stable_json

NAME = "Kubernetes-ControlPlane"  # the folder and component ident: n9e's own is `Kubernetes`
OUTPUT_DIR = f"integration/{NAME}"
ICON = "icon/n9e-k8s.svg"
N9E_LANG = {"zh": "zh_CN", "en": "en_US"}

# Drawn for this project: a heptagon (the Kubernetes wheel's shape) around three stacked control-plane bars.
ICON_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<polygon points="32,3 55,14 61,39 45,59 19,59 3,39 9,14" fill="#326ce5"/>
<rect x="17" y="18" width="30" height="7" rx="2" fill="#fff"/>
<rect x="17" y="29" width="30" height="7" rx="2" fill="#fff"/>
<rect x="17" y="40" width="30" height="7" rx="2" fill="#9fc3ff"/>
</svg>
"""


def stable_uuid(*key: str) -> int:
    """A uuid for ``key`` between 1e17 and 1e18, a multiple of 1000: n9e v7 deletes system dashboard payloads
    above 1e18 whose uuid is not a multiple of 1000 (``center/integration/init.go``)."""
    digest = int(hashlib.sha256("\0".join(key).encode()).hexdigest(), 16)
    return (digest % (9 * 10**14) + 10**14) * 1000


def icon_data_uri() -> str:
    """The icon as a component ``logo`` for the API (no folder to serve it from)."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(ICON_SVG.encode()).decode()


def boards(project: Project, lang: str, n9e_version: str) -> dict[str, dict[str, Any]]:
    from .dashboards.produce import produce_dashboards

    files = produce_dashboards(project, lang, n9e_version)
    return {
        f"dashboards/{path.rsplit('/', 1)[-1]}": {
            **(b := json.loads(text)),
            "uuid": stable_uuid("board", b["ident"]),
        }
        for path, text in files.items()
    }


def rules(project: Project, lang: str, options: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    from .alerts.produce import produce_rules

    out: dict[str, list[dict[str, Any]]] = {}
    for path, text in produce_rules(project, lang, options).items():
        folder, _, name = path.partition("/")
        if folder not in ("alerts", "recording-rules"):
            continue
        target = "alerts" if folder == "alerts" else "record-rules"
        out[f"{target}/{name}"] = [
            {**rule, "uuid": stable_uuid(target, name, rule["name"], *sorted(rule.get("append_tags") or []))}
            for rule in json.loads(text)
        ]
    return out


def _metrics(project: Project, lang: str, features: ServerFeatures) -> dict[str, list[dict[str, Any]]]:
    """One built-in metric per catalog entry of a scraped component, its query in rule form (no dashboard
    variables: n9e's metric explorer has none to fill)."""
    config = project.config
    out: dict[str, list[dict[str, Any]]] = {}
    for component in project.catalog.components:
        if not config.scraped(component):
            continue
        metrics = []
        entries = list(project.catalog.for_component(component))
        names = {lg: _unique_names(entries, lg) for lg in ("zh", "en")}
        for entry in entries:
            base = {
                "collector": component,
                "typ": NAME,
                "unit": entry.unit,
                "expression": entry.render(config, "rule"),
            }
            if features.integration_i18n:
                base |= {"expression_type": "promql", "metric_type": ""}
            if features.builtin_metric_translation:
                source = "zh" if features.integration_i18n else lang
                metrics.append(
                    base
                    | {
                        "uuid": stable_uuid("metric", entry.id),
                        "name": names[source][entry.id],
                        "note": entry.description.get(source),
                        "lang": N9E_LANG[source],
                        "translation": [
                            {
                                "lang": N9E_LANG[lg],
                                "name": names[lg][entry.id],
                                "note": entry.description.get(lg),
                            }
                            for lg in ("zh", "en")
                        ],
                    }
                )
            else:  # v7: one metric per language
                metrics += [
                    base
                    | {
                        "uuid": stable_uuid("metric", entry.id, lg),
                        "name": names[lg][entry.id],
                        "note": entry.description.get(lg),
                        "lang": N9E_LANG[lg],
                    }
                    for lg in ("zh", "en")
                ]
        if metrics:
            out[f"metrics/{component}.json"] = metrics
    return out


def _unique_names(entries: list[Any], lang: str) -> dict[str, str]:
    """Entry id -> its metric name: the title, with the id added where two entries of a component share a
    title (n9e keeps one metric per language, collector, type and name; adopted boards repeat titles)."""
    counts = Counter(entry.title.get(lang) for entry in entries)
    return {
        e.id: e.title.get(lang) if counts[e.title.get(lang)] == 1 else f"{e.title.get(lang)} ({e.id})"
        for e in entries
    }


def _pairs(zh: Any, en: Any) -> Iterator[tuple[str, str]]:
    """(Chinese, English) of every string that differs between the two renderings of the same object."""
    if isinstance(zh, dict) and isinstance(en, dict):
        for key in zh.keys() & en.keys():
            yield from _pairs(zh[key], en[key])
    elif isinstance(zh, list) and isinstance(en, list) and len(zh) == len(en):
        for a, b in zip(zh, en, strict=True):
            yield from _pairs(a, b)
    elif isinstance(zh, str) and isinstance(en, str) and zh != en:
        yield zh, en


def readme(project: Project, lang: str, objects: Mapping[str, Any]) -> str:
    """The component's readme in ``lang``: what it holds (``objects``: path -> object) and how it collects."""
    titles = "\n".join(f"- {b['name']}" for rel, b in objects.items() if rel.startswith("dashboards/"))
    names = ", ".join(c for c in project.catalog.components if project.config.scraped(c))
    counts = {
        key: sum(len(v) for rel, v in objects.items() if rel.startswith(folder))
        for key, folder in (("alerts", "alerts/"), ("records", "record-rules/"), ("metrics", "metrics/"))
    }
    if lang == "zh":
        return (
            f"# {NAME}（n9e-k8s）\n\nKubernetes 控制面（{names}）的监控，"
            "由 n9e-k8s 从 PromQL 目录生成。与夜莺内置的 `Kubernetes` 集成并存，不会冲突。\n\n"
            f"## 仪表盘\n\n{titles}\n\n## 内容\n\n- 告警规则：{counts['alerts']} 条\n"
            f"- 记录规则：{counts['records']} 条\n- 内置指标：{counts['metrics']} 个\n\n"
            "## 采集\n\n`collect/prometheus-agent/` 中是 Prometheus agent 的清单（RBAC、ConfigMap、Deployment），"
            "以 remote write 写入夜莺：用 `n9e-k8s manifests --remote-write-url URL` 生成真实地址的版本。\n"
        )
    return (
        f"# {NAME} (n9e-k8s)\n\nMonitoring of the Kubernetes control plane "
        f"({names}), generated by n9e-k8s from its PromQL catalog. It sits "
        "beside n9e's built-in `Kubernetes` integration without colliding with it.\n\n"
        f"## Dashboards\n\n{titles}\n\n## Contents\n\n- alert rules: {counts['alerts']}\n"
        f"- recording rules: {counts['records']}\n- built-in metrics: {counts['metrics']}\n\n"
        "## Collection\n\n`collect/prometheus-agent/` holds the Prometheus agent manifests (RBAC, ConfigMap, "
        "Deployment) that remote-write to n9e: `n9e-k8s manifests --remote-write-url URL` renders them for a real "
        "URL.\n"
    )


def _check(objects: Mapping[str, Any], project: Project) -> None:
    from .n9e.formats.board import validate_board
    from .n9e.formats.integration import validate_metrics
    from .n9e.formats.rules import validate_alert_rule, validate_recording_rule

    problems = []
    for rel, obj in objects.items():
        path = f"{OUTPUT_DIR}/{rel}"
        if rel.startswith("dashboards/"):
            problems += validate_board(obj, path, strict=True)
        elif rel.startswith("alerts/"):
            problems += [p for i, r in enumerate(obj) for p in validate_alert_rule(r, path, f"[{i}]")]
        elif rel.startswith("record-rules/"):
            problems += [p for i, r in enumerate(obj) for p in validate_recording_rule(r, path, f"[{i}]")]
        elif rel.startswith("metrics/"):
            problems += validate_metrics(obj, path)
    if problems:
        raise SourceErrors(
            [SourceError(project.tree.root, f"rendered integration is invalid: {p}") for p in problems]
        )


def produce_integration(
    project: Project,
    lang: str = "en",
    n9e_version: str | None = None,
    rule_options: Mapping[str, Any] | None = None,
    manifest_options: Any = None,
) -> dict[str, str]:
    """``integration/<NAME>/...`` for ``n9e_version`` (a render target). v9's files are in Chinese with an English
    dictionary; the others in ``lang``."""
    from .manifests import render_manifest_files

    version = n9e_version if n9e_version in TARGETS else DEFAULT_TARGET
    features = ServerFeatures.of_target(version)
    content_lang = "zh" if features.integration_i18n else lang
    options = {**(rule_options or {}), "n9e_version": version}
    board_files = boards(project, content_lang, version)
    rule_files = rules(project, content_lang, options)
    objects: dict[str, Any] = {**board_files, **rule_files}
    if features.builtin_payloads:
        objects |= _metrics(project, content_lang, features)
    if features.integration_i18n:
        english = {**boards(project, "en", version), **rules(project, "en", options)}
        objects["i18n/en_US.json"] = dict(
            sorted(p for rel in english for p in _pairs(objects[rel], english[rel]))
        )
    _check(objects, project)
    files = {f"{OUTPUT_DIR}/{rel}": stable_json(obj) for rel, obj in objects.items()}
    files[f"{OUTPUT_DIR}/markdown/README.md"] = readme(project, "zh", objects)
    files[f"{OUTPUT_DIR}/markdown/README.en_US.md"] = readme(project, "en", objects)
    files[f"{OUTPUT_DIR}/{ICON}"] = ICON_SVG
    files |= render_manifest_files(
        project.config, manifest_options, prefix=f"{OUTPUT_DIR}/collect/prometheus-agent/"
    )
    return files
