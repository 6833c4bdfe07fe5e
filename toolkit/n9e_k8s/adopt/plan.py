"""Placing what was read into the target project: components, ids, merges with existing catalog entries,
alert names, and the linter's findings. Pure: it returns source documents and the ledger."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..dashboards.source import used_variables
from .canon import canonical
from .ledger import Ledger
from .model import Board, Query, Reading, Rule

if TYPE_CHECKING:
    from ..project import Project

JOB_RE = re.compile(r'\bjob\s*=~?\s*"([^"]*)"')
METRIC_RE = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|\[|\)|$)")
NAME_BAD_RE = re.compile(r"[<>&'\"]|://|\.\./")


@dataclass
class AdoptPlan:
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # component -> new entries
    boards: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (file name, document)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # component -> new rule groups
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)  # new config.yaml variables
    ledger: Ledger = field(default_factory=Ledger)


def slug(text: str, sep: str = "_") -> str:
    out = re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)
    return out or "q" + hashlib.sha1(text.encode()).hexdigest()[:8]


class Placer:
    """State shared while placing one reading: ids and names taken, canonical forms known."""

    def __init__(self, project: Project, version: str, fallback: str | None) -> None:
        self.project, self.version = project, version
        self.sel = project.config
        self.plan = AdoptPlan()
        self.ids = set(project.catalog.by_id)
        self.known: dict[str, list[str]] = {}  # canonical -> catalog ids (two entries may be the same query)
        for entry in project.catalog.entries:
            for expr in entry.board_exprs(self.sel):  # a board of ours holds the recorded form
                key = canonical(expr, self.sel)
                if key and entry.id not in self.known.get(key, []):
                    self.known.setdefault(key, []).append(entry.id)
        self.prefer: set[str] = set()  # ids of the existing board the one being placed replaces
        self.units = {e.id: e.unit for e in project.catalog.entries}
        self.alerts = {a.name: a for a in project.rules.alerts}
        self.n9e_names = {a.n9e_name: a for a in project.rules.alerts}  # what n9e shows (levels suffixed)
        self.specs = {d.ident: d for d in project.dashboards}
        self.records = {(r.record, tuple(sorted(r.labels.items()))) for r in project.rules.records}
        self.group_names = {g.name for g in project.rules.groups}
        self.idents = {d.ident for d in project.dashboards}
        self.group_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.taken: set[str] = set()  # alert names given to adopted alerts
        always = [c for c, s in self.sel.specs.items() if getattr(s, "always_scraped", False)]
        self.adopted: set[str] = set()  # catalog ids added by this plan
        self.board_vars: dict[str, str] = {}  # the variables of the board being placed: name -> label
        self.fallback = fallback or (always[0] if always else self.sel.components[0])

    # ------------------------------------------------------------------ components
    def component_of(self, expr: str) -> str | None:
        for job in JOB_RE.findall(expr):
            for comp, spec in self.sel.specs.items():
                names = {comp, self.sel.job(comp), self.sel.containers.get(comp, ("", ""))[1]}
                target = getattr(spec, "target", None)
                names.add(getattr(target, "service", None) or "")
                if job in names:
                    return comp
        registry = self.project.registry
        if registry is not None:
            owners: Counter[str] = Counter()
            for name in METRIC_RE.findall(expr):
                found = registry.lookup(name)
                if found:
                    owners.update(c for c in found[0].components if c in self.sel.jobs)
            if owners:
                return owners.most_common(1)[0][0]
        return None

    def place(self, expr: str, hint: str | None = None) -> tuple[str, str]:
        """(component, a note when none matched the query and it went to the board's or the fallback one)."""
        found = self.component_of(expr)
        if found:
            return found, ""
        if hint:
            return hint, f" (no job or metric of a component: the board's {hint})"
        return self.fallback, f" (no job or metric of a component: {self.fallback}, see --component)"

    # ------------------------------------------------------------------ lint
    def lint(self, expr: str, origin: str, unit: str | None, kind: str) -> list[str]:
        from ..lint import LintContext, lint_queries
        from ..lint import Query as LintQuery

        if self.project.registry is None:
            return []
        ctx = LintContext(self.project.registry, self.sel, self.version)
        q = LintQuery(expr=expr, origin=origin, unit=unit, variables=self.kinds(), kind=kind)  # type: ignore[arg-type]
        return [f"{f.severity} {f.rule}: {f.message}" for f in lint_queries([q], ctx)]

    # ------------------------------------------------------------------ queries
    def query(self, q: Query, component_hint: str | None) -> tuple[str, str] | None:
        """(catalog id, component) of the query, adding an entry when it is new; None when refused."""
        ledger = self.plan.ledger
        from ..promql_syntax import syntax_error

        undefined = sorted(used_variables(q.expr) - set(self.sel.variables) - {"datasource"})
        for name in [v for v in undefined if v in self.board_vars or v in self.plan.variables]:
            self._variable(name, q.origin)
            undefined.remove(name)
        if undefined:
            names = ", ".join("$" + v for v in undefined)
            ledger.add(
                "query", q.origin, "refused", detail=f"variable not defined in promql/config.yaml ({names})"
            )
            return None
        findings = self.lint(q.expr, q.origin, q.unit, "dashboard")
        key = canonical(q.expr, self.sel, self.kinds())
        if key is None:
            problem = syntax_error(self.sel.substitute_defaults(q.expr)) or "does not parse"
            ledger.add(
                "query", q.origin, "refused", detail=f"PromQL does not parse ({problem})", findings=findings
            )
            return None
        if key in self.known:
            qid = next((i for i in self.known[key] if i in self.prefer), self.known[key][0])
            ledger.add(
                "query", q.origin, "merged", qid, "same expression as the catalog entry", findings=findings
            )
            return qid, qid.split(".")[0] if qid.split(".")[
                0
            ] in self.sel.jobs else component_hint or self.fallback
        component, where = self.place(q.expr, component_hint)
        qid = self._new_id(component, q.title)
        self.adopted.add(qid)
        entry: dict[str, Any] = {
            "id": qid,
            "title": {"en": q.title, "zh": q.title},
            "description": {"en": q.description or q.title, "zh": q.description or q.title},
            "expr": q.expr,
            "unit": q.unit or "none",
        }
        legend = q.legend if "$" not in q.legend else ""
        if legend:
            entry["legend"] = legend
        if q.instant:
            entry["instant"] = True
        entry["article"] = q.expr
        entry["origin"] = q.origin
        self.plan.entries.setdefault(component, []).append(entry)
        self.known[key] = [qid]
        self.units[qid] = entry["unit"]
        ledger.add("query", q.origin, "converted", qid, f"promql/{component}.yaml{where}", findings=findings)
        return qid, component

    def _variable(self, name: str, origin: str) -> None:
        """A board's own label variable, added to config.yaml (values of every series of that label)."""
        if name in self.plan.variables:
            return
        label = self.board_vars[name]
        self.plan.variables[name] = {
            "title": {"en": name, "zh": name},
            "kind": "label",
            "label": label,
            "default": ".*",
        }
        self.plan.ledger.add(
            "variable", origin, "converted", f"${name}", f"promql/config.yaml (label {label})"
        )

    def kinds(self) -> dict[str, str]:
        from ..lint.collect import variable_kinds

        return {**variable_kinds(self.sel), **{n: "label" for n in self.plan.variables}}

    def _new_id(self, component: str, title: str) -> str:
        base = f"{component}.{slug(title)}"
        qid, n = base, 2
        while qid in self.ids:
            qid, n = f"{base}_{n}", n + 1
        self.ids.add(qid)
        return qid

    # ------------------------------------------------------------------ boards
    def board(self, board: Board) -> None:
        ledger = self.plan.ledger
        rows, components, row_keys, panel_keys = [], Counter[str](), set[str](), set[str]()
        hint = None
        self.board_vars = board.variables
        same = self.specs.get(board.ident or "")
        self.prefer = set(same.query_ids()) if same else set()
        for title, panels in board.rows:
            out_panels = []
            for panel in panels:
                placed = [self.query(q, hint) for q in panel.queries]
                ids = list(dict.fromkeys(p[0] for p in placed if p))
                if not ids:
                    ledger.add(
                        "panel", f"{board.origin} / {panel.title}", "refused", detail="none of its queries"
                    )
                    continue
                components.update(p[1] for p in placed if p)
                hint = components.most_common(1)[0][0]
                key = _unique(slug(panel.title, "-"), panel_keys)
                doc: dict[str, Any] = {"id": key}
                doc.update({"query": ids[0]} if len(ids) == 1 else {"queries": ids})
                doc["type"] = panel.type
                doc["title"] = {"en": panel.title, "zh": panel.title}
                if panel.width:
                    doc["width"] = panel.width
                unit = panel.queries[0].unit
                if unit and unit != self.units.get(ids[0]):
                    doc["unit"] = unit
                out_panels.append(doc)
            if out_panels:
                rid = _unique(slug(title, "-"), row_keys)
                rows.append({"id": rid, "title": {"en": title, "zh": title}, "panels": out_panels})
        if not rows:
            ledger.add("board", board.origin, "refused", detail="no panel could be adopted")
            return
        ident = board.ident if board.ident and re.fullmatch(r"[a-zA-Z0-9-]+", board.ident) else None
        ident = ident or "adopted-" + slug(board.name, "-")
        name = NAME_BAD_RE.sub("", board.name).strip() or ident
        doc = {
            "ident": ident,
            "component": components.most_common(1)[0][0],
            "name": {"en": name, "zh": name},
        }
        if board.note:
            doc["note"] = {"en": board.note, "zh": board.note}
        doc["tags"] = list(dict.fromkeys([*board.tags, "adopted"]))
        doc["rows"] = rows
        status, detail = "converted", ""
        spec = self.specs.get(ident)
        if spec is not None:
            adopted = [p.get("queries") or [p["query"]] for r in rows for p in r["panels"]]
            if adopted == [list(p.queries) for _, p in spec.panels()]:
                ledger.add(
                    "board", board.origin, "merged", self.project.tree.display(spec.file), "same board"
                )
                return
            detail = f"replaces the board with ident {ident}"
        self.idents.add(ident)
        self.plan.boards.append((f"{ident}.yaml", doc))
        ledger.add("board", board.origin, status, f"dashboards/{ident}.yaml", detail)

    # ------------------------------------------------------------------ rules
    def rules(self, rules: list[Rule]) -> None:
        by_name: dict[tuple[str, str], list[Rule]] = {}
        for rule in rules:
            if not rule.alert:
                self.record(rule)
                continue
            by_name.setdefault((rule.name, rule.group), []).append(rule)
        for (name, _), same in by_name.items():
            self.alert(name, same)

    def _group(self, component: str, name: str) -> list[dict[str, Any]]:
        groups = self.plan.groups.setdefault(component, [])
        if (component, name) not in self.group_of:
            gname, n = name, 1
            while gname in self.group_names:
                gname, n = f"{name}-{component}" if n == 1 else f"{name}-{component}-{n}", n + 1
            self.group_names.add(gname)
            groups.append({"name": gname, "rules": []})
            self.group_of[(component, name)] = groups[-1]["rules"]
        return self.group_of[(component, name)]

    def record(self, rule: Rule) -> None:
        ledger = self.plan.ledger
        if not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", rule.name):
            ledger.add("record", rule.origin, "refused", detail=f"{rule.name!r} is not a valid metric name")
            return
        key = (rule.name, tuple(sorted(rule.labels.items())))
        findings = self.lint(rule.expr, rule.origin, None, "rule")
        if key in self.records:
            ledger.add(
                "record",
                rule.origin,
                "merged",
                rule.name,
                "a recording rule of that name exists",
                findings=findings,
            )
            return
        if canonical(rule.expr, self.sel) is None:
            ledger.add("record", rule.origin, "refused", detail="PromQL does not parse", findings=findings)
            return
        self.records.add(key)
        component, where = self.place(rule.expr)
        doc: dict[str, Any] = {"record": rule.name, "expr": rule.expr}
        if rule.labels:
            doc["labels"] = rule.labels
        doc["origin"] = rule.origin
        self._group(component, rule.group).append(doc)
        ledger.add(
            "record",
            rule.origin,
            "converted",
            rule.name,
            f"alerts/{component}.yaml{where}",
            findings=findings,
        )

    def alert(self, name: str, rules: list[Rule]) -> None:
        ledger = self.plan.ledger
        first = rules[0]
        ok = []
        for rule in rules:
            if canonical(rule.expr, self.sel) is None:
                ledger.add("alert", rule.origin, "refused", detail="PromQL does not parse")
            else:
                ok.append(rule)
        if not ok:
            return
        same_level = self.n9e_names.get(name)
        if (
            same_level is not None
            and len(ok) == 1
            and canonical(ok[0].expr, self.sel) == canonical(same_level.expr, self.sel)
        ):
            ledger.add("alert", ok[0].origin, "merged", name, "same expression as the existing alert")
            return
        if same_level is not None and first.n9e and _ours(first, same_level):
            # The group's own rule, edited in n9e: a renamed copy would sync as a second rule next to it.
            where = self.project.tree.display(same_level.file) if same_level.file else "alerts/"
            for rule in ok:
                ledger.add(
                    "alert", rule.origin, "refused", name,
                    f"differs from the alert of that name ({where}:{same_level.line}): change it there",
                )  # fmt: skip
            return
        clean = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_")
        clean = clean if clean and clean[0].isalpha() else "Adopted_" + slug(name)
        status = "converted" if clean == name else "renamed"
        existing = self.alerts.get(clean)
        while clean in self.taken:
            clean, status = clean + "Adopted", "renamed"
        if existing is not None and clean in self.alerts:
            same = len(ok) == 1 and canonical(ok[0].expr, self.sel) == canonical(existing.expr, self.sel)
            if same:
                for rule in ok:
                    ledger.add("alert", rule.origin, "merged", clean, "same expression as the existing alert")
                return
            clean, status = clean + "Adopted", "renamed"
        self.taken.add(clean)
        component, where = self.place(first.expr)
        doc: dict[str, Any] = {"alert": clean}
        if len(ok) == 1:
            doc["expr"] = ok[0].expr
            doc["for"] = ok[0].for_
            doc["severity"] = ok[0].severity
            if ok[0].labels:
                doc["labels"] = ok[0].labels
        else:
            doc["expr"] = "%(expr)s"
            levels, seen = [], Counter[str]()
            for rule in ok:
                seen[rule.severity] += 1
                level_id = (
                    rule.severity if seen[rule.severity] == 1 else f"{rule.severity}-{seen[rule.severity]}"
                )
                level: dict[str, Any] = {"id": level_id, "severity": rule.severity, "for": rule.for_}
                if rule.labels:
                    level["labels"] = rule.labels
                level["vars"] = {"expr": rule.expr}
                levels.append(level)
            doc["levels"] = levels
        summary, description = supported_templates(first.summary), supported_templates(first.description)
        doc["summary"] = {"en": summary, "zh": summary}
        doc["description"] = {"en": description, "zh": description}
        if first.runbook_url.startswith(("http://", "https://")):
            doc["runbook_url"] = first.runbook_url
        doc["origin"] = first.origin
        self._group(component, first.group).append(doc)
        for rule in ok:
            findings = self.lint(rule.expr, rule.origin, None, "rule")
            detail = "; ".join(
                [f"alerts/{component}.yaml{where}", *rule.notes]
                + ([f"was {name!r}"] if clean != name else [])
            )
            ledger.add("alert", rule.origin, status, clean, detail, findings=findings)


def _ours(rule: Rule, alert: Any) -> bool:
    """Whether an n9e rule is the rendering of ``alert`` (our component label, or our summary as its note)."""
    return rule.labels.get("component") == alert.component or rule.summary in (
        alert.summary.en,
        alert.summary.zh,
    )


def supported_templates(text: str) -> str:
    """Text with only the templates the source format allows: printf and the like become {{ $value }} when
    they print the value, and are dropped otherwise."""
    from ..alerts.model import TEMPLATE_ANY_RE, TEMPLATE_RE
    from .prom_rules import plain_template

    text = plain_template(text)[0]

    def repl(m: re.Match[str]) -> str:
        if TEMPLATE_RE.fullmatch(m.group(0)):
            return m.group(0)
        return "{{ $value }}" if "$value" in m.group(0) else ""

    return TEMPLATE_ANY_RE.sub(repl, text).strip() or "-"


def _unique(key: str, taken: set[str]) -> str:
    out, n = key, 2
    while out in taken:
        out, n = f"{key}-{n}", n + 1
    taken.add(out)
    return out


def make_plan(project: Project, reading: Reading, version: str, component: str | None = None) -> AdoptPlan:
    placer = Placer(project, version, component)
    for refusal in reading.refused:
        placer.plan.ledger.add(
            refusal.kind,
            refusal.origin,
            "refused" if refusal.kind != "unit" else "note",
            detail=refusal.reason,
        )
    for board in reading.boards:
        placer.board(board)
    placer.rules(reading.rules)
    return placer.plan
