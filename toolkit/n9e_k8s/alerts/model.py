"""Alert and recording rule source (alerts/<component>.yaml): loading, expansion and checks.

A source file mirrors a Prometheus rule file (``groups`` of ``rules``) with what n9e and the tests
need on top: both languages for summary/description, levels (one alert at several thresholds or
windows), window-expanded recording rules and test cases. Expressions use the catalog's
placeholders (``%(job)s``, ``%(cluster)s``...) plus the rule's own (``%(threshold)s``,
``%(window)s``, level ``vars``, ``%(error_budget)s``). Everything is expanded here, in rule mode,
so renderers and tests see finished PromQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..errors import SourceError, SourceErrors
from ..langs import LANGS, Text
from ..selectors import PLACEHOLDER_RE, Selectors
from ..source import SourceTree
from ..yamlio import LineDict, close_match, load_each
from .templates import expand_templates, load_templates

SEVERITIES = {"critical": 1, "warning": 2, "info": 3}
DURATION_RE = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
RULE_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# The only Go-template forms allowed in annotations: what both Prometheus and n9e render, and what
# the test generator can predict.
TEMPLATE_RE = re.compile(
    r"\{\{\s*(\$labels\.([a-zA-Z_]\w*)|\$value(\s*\|\s*(humanize|humanizePercentage|humanizeDuration))?)\s*\}\}"
)
TEMPLATE_ANY_RE = re.compile(r"\{\{.*?\}\}")
RESERVED_LABELS = ("severity", "component")
ALERT_SOURCE_SCHEMA = "alert-source.schema.json"


def duration_seconds(text: str) -> int:
    m = DURATION_RE.match(text)
    if not text or not m:
        raise ValueError(f"invalid duration {text!r}")
    units = (31536000, 604800, 86400, 3600, 60, 1)
    total = sum(int(m.group(2 * i + 2) or 0) * u for i, u in enumerate(units))
    return total + int(m.group(14) or 0) // 1000


def format_number(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


@dataclass(frozen=True)
class ExpectedAlert:
    labels: dict[str, str]  # every label of the firing alert (without alertname)
    series_labels: dict[str, str]  # the expression's output labels: what $labels sees
    value: float | None


@dataclass(frozen=True)
class AlertCase:
    kind: str  # "fires" or "silent"
    eval_time: str
    interval: str
    series: dict[str, str]
    expect: tuple[ExpectedAlert, ...] = ()


@dataclass(frozen=True)
class Alert:
    """One Prometheus alerting rule (one level of a source alert)."""

    name: str
    n9e_name: str  # unique per build: the alert name, plus -<level id> for multi-level alerts
    component: str
    group: str
    expr: str
    for_: str
    severity: str
    labels: dict[str, str]  # severity, component, level and static labels
    summary: Text
    description: Text
    runbook_url: str
    level_id: str | None = None
    file: Path | None = None
    line: int | None = None
    expr_line: int | None = None
    query: str | None = None  # the catalog id of a `query:` alert
    lint_ignore: tuple[tuple[str, str], ...] = ()  # lint rule id -> why it does not apply (`lint.ignore`)

    @property
    def for_seconds(self) -> int:
        return duration_seconds(self.for_)

    @property
    def severity_number(self) -> int:
        return SEVERITIES[self.severity]

    def annotations(self, lang: str = "en") -> dict[str, str]:
        return {
            "summary": self.summary.get(lang),
            "description": self.description.get(lang),
            "runbook_url": self.runbook_url,
        }


@dataclass(frozen=True)
class AlertTests:
    """The cases of one source alert (all its levels)."""

    name: str
    component: str
    levels: tuple[Alert, ...]
    cases: tuple[AlertCase, ...]
    file: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class RecordCase:
    eval_time: str
    interval: str
    series: dict[str, str]
    expect: tuple[tuple[dict[str, str], float], ...]


@dataclass(frozen=True)
class Record:
    record: str
    component: str
    group: str
    expr: str
    labels: dict[str, str]
    description: Text | None
    tests: tuple[RecordCase, ...] = ()
    file: Path | None = None
    line: int | None = None
    expr_line: int | None = None
    lint_ignore: tuple[tuple[str, str], ...] = ()  # lint rule id -> why it does not apply (`lint.ignore`)


@dataclass(frozen=True)
class Group:
    name: str
    component: str
    interval: str | None
    rules: tuple[Alert | Record, ...]

    @property
    def for_dashboards(self) -> bool:
        """A group of the recordings only the boards' recorded panels read (``<component>-dashboard.rules``)."""
        return self.name.endswith(DASHBOARD_GROUP_SUFFIX)


@dataclass
class RuleSet:
    """Everything in alerts/: groups per component, in source order."""

    groups: list[Group]
    alert_tests: list[AlertTests]
    selectors: Selectors
    files: dict[str, list[Path]] = field(default_factory=dict)  # component -> source files
    # Every alert and record name of the source, also those config.yaml leaves out (`scraped: false`,
    # `disabled_alerts`): what other source files (expected-empty.yaml) may name.
    source_names: frozenset[str] = frozenset()

    @property
    def components(self) -> list[str]:
        return list(dict.fromkeys(g.component for g in self.groups))

    def groups_of(self, component: str) -> list[Group]:
        return [g for g in self.groups if g.component == component]

    @property
    def alerts(self) -> list[Alert]:
        return [r for g in self.groups for r in g.rules if isinstance(r, Alert)]

    @property
    def records(self) -> list[Record]:
        return [r for g in self.groups for r in g.rules if isinstance(r, Record)]


# ------------------------------------------------------------------------------------ loading


class _Ctx:
    """Placeholder values and error reporting for one source file."""

    def __init__(self, file: Path, component: str, selectors: Selectors, extra: dict[str, str]):
        self.file, self.component, self.selectors = file, component, selectors
        self.base = {
            **selectors.placeholders(component, "rule"),
            "job_name": selectors.job(component),
            **extra,
        }

    def fill(self, text: str, local: dict[str, str], where: str, line: int | None, expr: bool = False) -> str:
        values = {**self.base, **local}

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in values:
                raise SourceError(
                    self.file,
                    f"unknown placeholder %({name})s; known here: {', '.join(sorted(values))}",
                    line=line,
                    path=where,
                )
            return values[name]

        out = PLACEHOLDER_RE.sub(repl, text)
        if not expr:
            return out
        out = self.selectors.substitute_defaults(out)
        from ..promql_syntax import syntax_error

        problem = syntax_error(out)
        if problem:
            raise SourceError(self.file, problem, line=line, path=where)
        return out


def _text(node: Any, key: str, ctx: _Ctx, local: dict[str, str], path: str) -> Text:
    value = node[key]
    line = node.line_of(key) if isinstance(node, LineDict) else None
    parts = {}
    for lang in LANGS:
        text = ctx.fill(value[lang].strip(), local, f"{path}.{key}.{lang}", line)
        for m in TEMPLATE_ANY_RE.finditer(text):
            if not TEMPLATE_RE.fullmatch(m.group(0)):
                raise SourceError(
                    ctx.file,
                    f"template {m.group(0)!r} is not supported: use {{{{ $labels.NAME }}}}, {{{{ $value }}}} "
                    "or {{ $value | humanize|humanizePercentage|humanizeDuration }}",
                    line=line,
                    path=f"{path}.{key}.{lang}",
                )
        parts[lang] = text
    return Text(parts["en"], parts["zh"])


def _str_map(raw: Any, ctx: _Ctx, local: dict[str, str], path: str, line: int | None) -> dict[str, str]:
    return {str(k): ctx.fill(format_number(v), local, f"{path}.{k}", line) for k, v in (raw or {}).items()}


def _series(raw: Any, ctx: _Ctx, local: dict[str, str], path: str, line: int | None) -> dict[str, str]:
    return {ctx.fill(str(k), local, path, line): str(v) for k, v in raw.items()}


def _check_duration(text: Any, ctx: _Ctx, path: str, line: int | None) -> str:
    try:
        duration_seconds(str(text))
    except ValueError as exc:
        raise SourceError(ctx.file, str(exc), line=line, path=path) from None
    return str(text)


def _levels(raw: LineDict, path: str, ctx: _Ctx) -> list[dict[str, Any]]:
    if "levels" in raw:
        if "severity" in raw:
            raise SourceError(
                ctx.file, "use either 'severity' or 'levels', not both", line=raw.line_of("levels"), path=path
            )
        levels = [dict(level) for level in raw["levels"]]
        for i, level in enumerate(levels):
            level["_path"] = f"{path}.levels[{i}]"
            level["_line"] = raw["levels"].line_of(i)
        ids = [level.get("id") or level["severity"] for level in levels]
        if len(set(ids)) != len(ids):
            raise SourceError(
                ctx.file,
                "levels need distinct ids (default: the severity); add 'id' to each level",
                line=raw.line_of("levels"),
                path=f"{path}.levels",
            )
        return levels
    if "severity" not in raw:
        raise SourceError(ctx.file, "an alert needs 'severity' or 'levels'", line=raw.line, path=path)
    level = {"severity": raw["severity"], "_path": path, "_line": raw.line}
    if "threshold" in raw:
        level["threshold"] = raw["threshold"]
    return [level]


def _alert(raw: LineDict, group: str, path: str, ctx: _Ctx, catalog_get: Any) -> AlertTests:
    name = raw["alert"]
    path = f"{path}({name})"
    if "query" in raw:
        entry = catalog_get(raw["query"], raw, path)
        template = f"({entry}) {raw['op']} %(threshold)s"
    else:
        template = raw["expr"].strip()
    levels = _levels(raw, path, ctx)
    multi = "levels" in raw
    static = _str_map(raw.get("labels"), ctx, {}, f"{path}.labels", raw.line_of("labels"))
    out: list[Alert] = []
    for level in levels:
        local = {k: format_number(v) for k, v in (level.get("vars") or {}).items()}
        if "threshold" in level:
            local["threshold"] = format_number(level["threshold"])
        for_ = _check_duration(
            level.get("for", raw.get("for", "0s")), ctx, f"{level['_path']}.for", level["_line"]
        )
        labels = {
            **static,
            **_str_map(level.get("labels"), ctx, local, f"{level['_path']}.labels", level["_line"]),
            "severity": level["severity"],
            "component": ctx.component,
        }
        level_id = str(level.get("id") or level["severity"]) if multi else None
        out.append(
            Alert(
                name=name,
                n9e_name=f"{name}-{level_id}" if level_id else name,
                component=ctx.component,
                group=group,
                expr=ctx.fill(template, local, f"{path}.expr", raw.line_of("expr"), expr=True),
                for_=for_,
                severity=level["severity"],
                labels=dict(sorted(labels.items())),
                summary=_text(raw, "summary", ctx, local, path),
                description=_text(raw, "description", ctx, local, path),
                runbook_url=ctx.fill(
                    raw.get("runbook_url", ""), local, f"{path}.runbook_url", raw.line_of("runbook_url")
                ),
                level_id=level_id,
                file=ctx.file,
                line=raw.line,
                expr_line=raw.line_of("query" if "query" in raw else "expr"),
                query=raw.get("query"),
                lint_ignore=tuple(sorted(((raw.get("lint") or {}).get("ignore") or {}).items())),
            )
        )
    cases = _alert_cases(raw, out, path, ctx)
    return AlertTests(name, ctx.component, tuple(out), tuple(cases), ctx.file, raw.line)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _alert_cases(raw: LineDict, levels: list[Alert], path: str, ctx: _Ctx) -> list[AlertCase]:
    if "tests" not in raw:  # adopted content (`origin:`): the schema requires tests of everything else
        return []
    tests = raw["tests"]
    line = raw.line_of("tests")
    cases: list[AlertCase] = []
    fired: set[str] = set()
    for kind in ("fires", "silent"):
        for i, case in enumerate(_as_list(tests[kind])):
            cpath = f"{path}.tests.{kind}[{i}]"
            cline = getattr(case, "line", None) or line
            expect: list[ExpectedAlert] = []
            if kind == "silent" and case.get("expect"):
                raise SourceError(ctx.file, "a silent case expects no alert", line=cline, path=cpath)
            if kind == "fires" and not case.get("expect"):
                raise SourceError(ctx.file, "a firing case needs 'expect'", line=cline, path=cpath)
            for j, item in enumerate(case.get("expect") or []):
                labels = _str_map(item.get("labels"), ctx, {}, f"{cpath}.expect[{j}].labels", cline)
                level = _match_level(levels, labels, ctx, f"{cpath}.expect[{j}]", cline)
                fired.add(level.n9e_name)
                series_labels = {k: v for k, v in labels.items() if k not in level.labels}
                full = {**series_labels, **level.labels}
                value = item.get("value")
                expect.append(
                    ExpectedAlert(
                        dict(sorted(full.items())), series_labels, None if value is None else float(value)
                    )
                )
            cases.append(
                AlertCase(
                    kind=kind,
                    eval_time=_check_duration(case["eval_time"], ctx, f"{cpath}.eval_time", cline),
                    interval=_check_duration(case.get("interval", "1m"), ctx, f"{cpath}.interval", cline),
                    series=_series(case["series"], ctx, {}, f"{cpath}.series", cline),
                    expect=tuple(expect),
                )
            )
    missing = [a.n9e_name for a in levels if a.n9e_name not in fired]
    if missing:
        raise SourceError(
            ctx.file,
            f"no firing case covers level(s) {', '.join(missing)}: every level needs a case in which it fires",
            line=line,
            path=f"{path}.tests.fires",
        )
    return cases


def _match_level(
    levels: list[Alert], labels: dict[str, str], ctx: _Ctx, path: str, line: int | None
) -> Alert:
    if len(levels) == 1:
        level = levels[0]
        clash = {k: v for k, v in labels.items() if k in level.labels and level.labels[k] != v}
        if clash:
            raise SourceError(
                ctx.file, f"expected labels {clash} contradict the rule's labels", line=line, path=path
            )
        return level
    matches = [a for a in levels if all(labels.get(k) == v for k, v in a.labels.items() if k in labels)]
    matches = [a for a in matches if "severity" in labels or len(matches) == 1]
    if len(matches) != 1:
        raise SourceError(
            ctx.file,
            "cannot tell which level this expected alert belongs to: give its severity (and level labels)",
            line=line,
            path=path,
        )
    return matches[0]


def _record(raw: LineDict, group: str, path: str, ctx: _Ctx) -> list[Record]:
    windows = [str(w) for w in raw.get("windows") or [None]]
    out = []
    for window in windows:
        local = {"window": window} if window else {}
        record = ctx.fill(raw["record"], local, f"{path}.record", raw.line_of("record"))
        rpath = f"{path}({record})"
        if not RULE_NAME_RE.match(record):
            raise SourceError(
                ctx.file, f"{record!r} is not a valid metric name", line=raw.line_of("record"), path=rpath
            )
        labels = _str_map(raw.get("labels"), ctx, local, f"{rpath}.labels", raw.line_of("labels"))
        cases = []
        for i, case in enumerate(raw.get("tests") or []):
            cpath = f"{path}.tests[{i}]"
            expect = tuple(
                (_str_map(item.get("labels"), ctx, local, f"{cpath}.expect", case.line), float(item["value"]))
                for item in case["expect"]
            )
            cases.append(
                RecordCase(
                    eval_time=_check_duration(case["eval_time"], ctx, f"{cpath}.eval_time", case.line),
                    interval=_check_duration(case.get("interval", "1m"), ctx, f"{cpath}.interval", case.line),
                    series=_series(case["series"], ctx, local, f"{cpath}.series", case.line),
                    expect=expect,
                )
            )
        out.append(
            Record(
                record=record,
                component=ctx.component,
                group=group,
                expr=ctx.fill(raw["expr"].strip(), local, f"{rpath}.expr", raw.line_of("expr"), expr=True),
                labels=dict(sorted(labels.items())),
                description=_text(raw, "description", ctx, local, rpath) if "description" in raw else None,
                tests=tuple(cases),
                file=ctx.file,
                line=raw.line,
                expr_line=raw.line_of("expr"),
                lint_ignore=tuple(sorted(((raw.get("lint") or {}).get("ignore") or {}).items())),
            )
        )
    return out


def alert_files(tree: SourceTree) -> list[Path]:
    return sorted(tree.alerts.glob("*.yaml")) if tree.alerts.is_dir() else []


def _schema_errors(data: Any, file: Path, display: str) -> list[SourceError]:
    from ..schemas import validate

    return [
        SourceError(display, p.message, line=p.line, path=p.path)
        for p in validate(ALERT_SOURCE_SCHEMA, data, display, lines=True)
    ]


def load_rules(tree: SourceTree, selectors: Selectors, catalog: Catalog) -> RuleSet:
    """Load and check alerts/*.yaml; all problems are collected and raised together (``catalog``: for the
    alerts that name a catalog query, ``query: <id>``)."""
    groups: list[Group] = []
    tests: list[AlertTests] = []
    files: dict[str, list[Path]] = {}
    templates, errors = load_templates(tree)

    for file, data in load_each(alert_files(tree), errors):
        display = tree.display(file)
        template_errors = expand_templates(data, templates, display)
        if template_errors:
            errors += template_errors
            continue
        schema_errors = _schema_errors(data, file, display)
        if schema_errors:
            errors += schema_errors
            continue
        component = data["component"]
        problem = selectors.component_error(component, display, data.line_of("component"))
        if problem:
            errors.append(problem)
            continue
        files.setdefault(component, []).append(file)
        extra: dict[str, str] = {}
        if "slo" in data:
            target = float(data["slo"]["target"])
            extra["slo_target"] = format_number(target)
            extra["error_budget"] = f"{round(1 - target, 10):g}"
        ctx = _Ctx(Path(display), component, selectors, extra)

        def catalog_get(entry_id: str, raw: LineDict, path: str, ctx: _Ctx = ctx) -> str:
            try:
                entry = catalog.get(entry_id)
            except KeyError:
                ids = [e.id for e in catalog.entries]
                raise SourceError(
                    ctx.file,
                    f"unknown catalog id {entry_id!r}{close_match(str(entry_id), ids)}",
                    line=raw.line_of("query"),
                    path=f"{path}.query",
                ) from None
            return entry.render(selectors, "rule")

        for gi, graw in enumerate(data["groups"]):
            rules: list[Alert | Record] = []
            for ri, raw in enumerate(graw["rules"]):
                path = f"groups[{gi}].rules[{ri}]"
                try:
                    if "alert" in raw:
                        t = _alert(raw, graw["name"], path, ctx, catalog_get)
                        tests.append(t)
                        rules += t.levels
                    else:
                        rules += _record(raw, graw["name"], path, ctx)
                except SourceError as exc:
                    errors.append(exc)
            interval = graw.get("interval")
            groups.append(Group(graw["name"], component, str(interval) if interval else None, tuple(rules)))

    errors += _cross_checks(groups)
    errors += _unknown_disabled(selectors, tests)
    if errors:
        raise SourceErrors(errors)
    names = {r.name if isinstance(r, Alert) else r.record for g in groups for r in g.rules}
    return _configured(RuleSet(groups, tests, selectors, files, frozenset(names)))


def _unknown_disabled(selectors: Selectors, tests: list[AlertTests]) -> list[SourceError]:
    unknown = sorted(selectors.disabled_alerts - {t.name for t in tests})
    if not unknown or selectors.file is None:
        return []
    return [
        SourceError(
            selectors.file,
            f"disabled_alerts names no alert of the source: {', '.join(unknown)}",
            path="disabled_alerts",
        )
    ]


DASHBOARD_GROUP_SUFFIX = "-dashboard.rules"


def _configured(rules: RuleSet) -> RuleSet:
    """The rules config.yaml keeps: none of an unscraped component (``scraped: false``), no alert
    in ``disabled_alerts``, no dashboard recordings with ``recorded_panels: false`` (no panel reads
    them then); groups left empty drop out. Everything was checked before."""
    sel = rules.selectors
    if not sel.unscraped and not sel.disabled_alerts and sel.recorded_panels:
        return rules

    def keep(rule: Alert | Record) -> bool:
        return not (isinstance(rule, Alert) and rule.name in sel.disabled_alerts)

    groups = []
    for g in rules.groups:
        kept = tuple(r for r in g.rules if keep(r))
        if sel.scraped(g.component) and kept and (sel.recorded_panels or not g.for_dashboards):
            groups.append(replace(g, rules=kept))
    tests = [t for t in rules.alert_tests if sel.scraped(t.component) and t.name not in sel.disabled_alerts]
    files = {c: f for c, f in rules.files.items() if sel.scraped(c)}
    return RuleSet(groups, tests, sel, files, rules.source_names)


def _cross_checks(groups: list[Group]) -> list[SourceError]:
    errors = []
    seen_groups: dict[str, Group] = {}
    seen_n9e: dict[str, Alert] = {}
    for g in groups:
        if g.name in seen_groups:
            errors.append(
                SourceError(g.rules[0].file if g.rules else "alerts", f"duplicate group name {g.name!r}")
            )
        seen_groups[g.name] = g
        for r in g.rules:
            if isinstance(r, Alert):
                if r.n9e_name in seen_n9e:
                    other = seen_n9e[r.n9e_name]
                    errors.append(
                        SourceError(
                            r.file or "alerts",
                            f"n9e rule name {r.n9e_name!r} is also used at {other.file}:{other.line}; "
                            "n9e names must be unique (give the levels distinct ids)",
                            line=r.line,
                        )
                    )
                seen_n9e[r.n9e_name] = r
    return errors
