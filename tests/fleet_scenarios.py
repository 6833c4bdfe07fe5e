"""The fleet scenario suite: scenarios as data (tests/fleet/*.yaml) rendered into promtool tests
over the rendered Prometheus rule files.

tests/fleet/base.yaml describes a healthy fleet (clusters x HA control-plane nodes, one series
template per metric, with the leader on node 1). A scenario changes some series over a time window
(``ops``) and lists, per check time, the alerts that must fire (exact labels, severity, the value
when an annotation prints it) and the ones that must not. Every alert of the rule set that a check
does not list as firing is asserted silent (``exp_alerts: []``), so a check names the whole
outcome; ``must_not_fire`` names the alerts the scenario is about, and must be silent too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FLEET_DIR = Path(__file__).resolve().parent / "fleet"
SERIES_RE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)\{(?P<labels>.*)\}$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
SECTIONS = ("every_node", "leader", "standby")


class ScenarioError(ValueError):
    """A scenario file that cannot be rendered (names the scenario and the problem)."""


@dataclass
class Series:
    name: str
    labels: dict[str, str]
    values: list[float | None]
    counter: bool
    cluster: str
    node: int | None  # None: added by a scenario, not from a node template

    def key(self) -> str:
        inner = ", ".join(f'{k}="{v}"' for k, v in self.labels.items())
        return f"{self.name}{{{inner}}}"


def parse_series(text: str) -> tuple[str, dict[str, str]]:
    m = SERIES_RE.match(text.strip())
    if not m:
        raise ScenarioError(f"not a series selector: {text!r}")
    return m.group("name"), dict(LABEL_RE.findall(m.group("labels")))


def expand_values(text: str, length: int) -> list[float | None]:
    """promtool's series notation (``a``, ``a+bxn``, ``a-bxn``, ``axn``, ``_``, ``_xn``) to
    ``length + 1`` samples; a short series is padded with its last step (counters keep growing)."""
    out: list[float | None] = []
    step: float = 0.0
    for token in text.replace("{n}", str(length)).split():
        m = re.fullmatch(r"(_|[-+]?[\d.e]+)(?:([-+][\d.e]+))?(?:x(\d+))?", token)
        if not m:
            raise ScenarioError(f"bad value token {token!r} in {text!r}")
        start, delta, times = m.group(1), m.group(2), m.group(3)
        if start == "_":
            out += [None] * (int(times) if times else 1)
            continue
        base, step = float(start), float(delta) if delta else 0.0
        count = int(times) + 1 if times else 1
        out += [base + i * step for i in range(count)]
    while len(out) < length + 1:
        last = out[-1] if out else None
        out.append(None if last is None else last + step)
    return out[: length + 1]


def _fmt(v: float | None) -> str:
    if v is None:
        return "_"
    if math.isclose(v, round(v), abs_tol=1e-9):
        return str(round(v))
    return f"{v:.6g}"


def base_fleet(base: dict[str, Any]) -> list[Series]:
    length = int(base["length"])
    out: list[Series] = []
    for k, cluster in enumerate(base["clusters"], 1):
        for node in range(1, int(base["nodes"]) + 1):
            ip = f"10.{k}.0.{node}"
            for section in SECTIONS:
                if (section == "leader") != (node == 1) and section != "every_node":
                    continue
                for template, values in (base["series"].get(section) or {}).items():
                    text = template.replace("{cluster}", cluster).replace("{ip}", ip).replace("{k}", str(k))
                    name, labels = parse_series(text)
                    out.append(
                        Series(
                            name,
                            labels,
                            expand_values(str(values), length),
                            "+" in str(values),
                            cluster,
                            node,
                        )
                    )
    return out


def _matches(s: Series, match: dict[str, Any]) -> bool:
    for key, want in match.items():
        if key == "node":
            if s.node != int(want):
                return False
        elif key == "__name__":
            if s.name != want:
                return False
        elif s.labels.get(key) != str(want):
            return False
    return True


def _added(op: dict[str, Any], clusters: list[str], length: int, at: str) -> list[Series]:
    """``add`` with ``cluster`` and ``nodes``: one new series per node ({cluster}, {ip}, {k})."""
    cluster = str(op.get("cluster", ""))
    if cluster not in clusters:
        raise ScenarioError(f"{at}: add needs cluster, one of {', '.join(clusters)}")
    k = clusters.index(cluster) + 1
    out = []
    for node in op.get("nodes") or [1]:
        text = (
            op["add"].replace("{cluster}", cluster).replace("{ip}", f"10.{k}.0.{node}").replace("{k}", str(k))
        )
        name, labels = parse_series(text)
        values = expand_values(str(op.get("values", "_x{n}")), length)
        out.append(Series(name, labels, values, True, cluster, int(node)))
    return out


def apply_ops(
    series: list[Series], ops: list[dict[str, Any]], length: int, where: str, clusters: list[str]
) -> list[Series]:
    """Apply a scenario's operations in order. Each op selects series (``match``: labels, plus
    ``__name__`` and ``node``) over ``[from, until)`` minutes and does one of: ``gone`` (no samples),
    ``value: V`` (a gauge's value), ``pattern: "1 1 0"`` (a gauge's values, repeated), ``rate: R``
    (a counter grows by R per minute), ``reset`` (counters restart from 0 at ``from``: a process
    restart; gauges are left alone). ``add`` (with ``cluster`` and ``nodes``) creates the series first, then applies the op
    to them only."""
    for i, op in enumerate(ops):
        at = f"{where} ops[{i}]"
        op = {**op, **(op.get("with") or {})}  # `with: {...}`: the options on one line after a long `add`
        op.pop("with", None)
        start, end = int(op.get("from", 0)), int(op.get("until", length + 1))
        if "add" in op:
            picked = _added(op, clusters, length, at)
            series += picked
            if set(op) <= {"add", "values", "cluster", "nodes"}:
                continue
        else:
            match = op.get("match") or {}
            picked = [s for s in series if _matches(s, match)]
            if not picked:
                raise ScenarioError(f"{at}: match {match} selects no series")
        _apply(op, picked, range(start, min(end, length + 1)), length, at)
    return series


def _apply(op: dict[str, Any], picked: list[Series], window: range, length: int, at: str) -> None:
    for s in picked:
        if op.get("gone"):
            for t in window:
                s.values[t] = None
        elif "value" in op:
            for t in window:
                s.values[t] = float(op["value"])
        elif "pattern" in op:
            pattern = [float(v) for v in str(op["pattern"]).split()]
            for j, t in enumerate(window):
                s.values[t] = pattern[j % len(pattern)]
        elif "rate" in op:
            deltas = [
                (b - a) if a is not None and b is not None else None
                for a, b in zip(s.values, s.values[1:], strict=False)
            ]
            for t in window:
                if t >= 1:
                    deltas[t - 1] = float(op["rate"])
            s.values = _integrate(s.values[0], deltas)
        elif op.get("reset"):
            if not s.counter:  # gauges keep their value across a restart
                continue
            start = window.start
            offset = s.values[start] if s.values[start] is not None else 0.0
            for t in range(start, length + 1):
                if s.values[t] is not None:
                    s.values[t] -= offset
        else:
            raise ScenarioError(f"{at}: no operation (gone, value, pattern, rate, reset)")


def _integrate(first: float | None, deltas: list[float | None]) -> list[float | None]:
    out = [first]
    current = first
    for d in deltas:
        if d is None:
            out.append(None)
            continue
        current = (current or 0.0) + d
        out.append(current)
    return out


@dataclass(frozen=True)
class Scenario:
    name: str
    file: Path
    story: str
    ops: list[dict[str, Any]]
    checks: list[dict[str, Any]]


def load_scenarios(directory: Path = FLEET_DIR) -> list[Scenario]:
    out: list[Scenario] = []
    for file in sorted(directory.glob("*.yaml")):
        if file.name == "base.yaml":
            continue
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for raw in data["scenarios"]:
            out.append(Scenario(raw["name"], file, raw["story"], raw.get("ops") or [], raw["checks"]))
    names = [s.name for s in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"scenario names must be unique: {', '.join(dupes)}")
    return out


def load_base(directory: Path = FLEET_DIR) -> dict[str, Any]:
    return yaml.safe_load((directory / "base.yaml").read_text(encoding="utf-8"))


def _levels(rules: Any) -> dict[str, list[Any]]:
    by_name: dict[str, list[Any]] = {}
    for a in rules.alerts:
        by_name.setdefault(a.name, []).append(a)
    return by_name


def _expected(levels: list[Any], item: dict[str, Any], where: str) -> dict[str, Any]:
    from .promtool_tests import render_template

    labels = {k: str(v) for k, v in (item.get("labels") or {}).items()}
    severity = item["severity"]
    candidates = [
        a
        for a in levels
        if a.labels["severity"] == severity
        and all(labels.get(k, v) == v for k, v in a.labels.items() if k not in ("severity", "component"))
    ]
    if len(candidates) != 1:
        raise ScenarioError(
            f"{where}: {item['alert']} has {len(candidates)} levels matching {severity} {labels}"
        )
    level = candidates[0]
    series_labels = {k: v for k, v in labels.items() if k not in level.labels}
    value = item.get("value")
    try:
        annotations = {
            k: render_template(v, series_labels, None if value is None else float(value))
            for k, v in level.annotations("en").items()
        }
    except ValueError as exc:
        raise ScenarioError(f"{where}: {item['alert']}: {exc}") from None
    return {"exp_labels": {**series_labels, **level.labels}, "exp_annotations": annotations}


def promtool_test(
    scenario: Scenario, base: dict[str, Any], rules: Any, strict: bool = True
) -> dict[str, Any]:
    """One promtool test: the scenario's input series and, per check, one alert_rule_test for
    every alert of the rule set (the expected firing alerts, or none). ``strict=False`` skips the
    expectations on alerts the rule set does not have (to run the suite against older rules)."""
    length = int(base["length"])
    series = apply_ops(
        base_fleet(base), [dict(op) for op in scenario.ops], length, scenario.name, list(base["clusters"])
    )
    levels = _levels(rules)
    tests: list[dict[str, Any]] = []
    for c, check in enumerate(scenario.checks):
        where = f"{scenario.name} checks[{c}]"
        firing: dict[str, list[dict[str, Any]]] = {}
        for item in check.get("fires") or []:
            if item["alert"] not in levels and not strict:
                continue
            if item["alert"] not in levels:
                raise ScenarioError(f"{where}: no alert {item['alert']!r} in the rule set")
            firing.setdefault(item["alert"], []).append(_expected(levels[item["alert"]], item, where))
        for item in check.get("must_not_fire") or []:
            name = item["alert"]
            if name not in levels and not strict:
                continue
            if name not in levels:
                raise ScenarioError(f"{where}: no alert {name!r} in the rule set")
            severity = item.get("severity")
            if any(e["exp_labels"]["severity"] == severity or severity is None for e in firing.get(name, [])):
                raise ScenarioError(f"{where}: {name} {severity or ''} is both expected and forbidden")
        for name in sorted(levels):
            tests.append(
                {"eval_time": check["eval_time"], "alertname": name, "exp_alerts": firing.get(name, [])}
            )
    return {
        "name": f"fleet {scenario.name}",
        "interval": "1m",
        "input_series": [
            {"series": s.key(), "values": " ".join(_fmt(v) for v in s.values)}
            for s in series
            if any(v is not None for v in s.values)
        ],
        "alert_rule_test": tests,
    }


def write_suite(
    where: Path, rules: Any, scenarios: list[Scenario], base: dict[str, Any], strict: bool = True
) -> list[Path]:
    """The rendered rule files (as `n9e-k8s build` writes them) plus one test file per scenario."""
    from n9e_k8s.alerts.render import RenderOptions, render_outputs

    files = render_outputs(rules, RenderOptions())
    rule_files = sorted(p for p in files if p.startswith("prometheus/") and p.endswith(".rules.yaml"))
    for rel in rule_files:
        (where / rel).parent.mkdir(parents=True, exist_ok=True)
        (where / rel).write_text(files[rel], encoding="utf-8")
    out = []
    for scenario in scenarios:
        test = promtool_test(scenario, base, rules, strict)
        path = where / f"{scenario.name}.test.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "rule_files": rule_files,
                    "evaluation_interval": "1m",
                    # promtool orders groups at random without it: recordings first, in source
                    # order, so an alert reads this minute's recorded values (deterministic values)
                    "group_eval_order": [g.name for g in rules.groups],
                    "tests": [test],
                },
                width=1000,
            ),
            encoding="utf-8",
        )
        out.append(path)
    return out
