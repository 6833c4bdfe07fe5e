"""Run every query we ship against a real Prometheus API and report what comes back.

A query that parses can still show nothing: a wrong job, a removed metric, a label that does not
exist. ``verify`` runs

* every catalog entry (dashboard form, variables at their defaults),
* every dashboard panel target, with the board's variables replaced by real values read from the
  data the way n9e would list them (``label_values(...)``), in the board's cascading order,
* every dashboard variable itself (a variable with no value leaves every panel empty),
* every recording rule expression, and the conditions of every alert (``condition_operands``),

as instant queries, and counts the series. A query that returns nothing fails unless its catalog
entry says why it may (``expected_empty: <reason>`` in promql/*.yaml) or, for rules,
promql/expected-empty.yaml does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .catalog import Catalog
from .n9e.formats.board import iter_panels
from .project import Project
from .selectors import Selectors
from .varrefs import substitute_variables

# label_values(metric{matchers}, label) or label_values(label)
LABEL_VALUES_RE = re.compile(
    r"^\s*label_values\(\s*(?:(?P<match>.+?)\s*,\s*)?(?P<label>[a-zA-Z_]\w*)\s*\)\s*$"
)

QueryFn = Callable[[str], dict[str, Any]]
LabelValuesFn = Callable[[str, str | None], list[str]]


class ApiError(Exception):
    """The API answered with an error (bad query, unknown function, ...) or not at all."""


@dataclass
class Result:
    kind: str  # catalog | dashboard | variable | record | alert
    name: str  # entry id, "<board ident>/<panel name>/<refId>", "<board ident>/$<variable>"
    query: str
    series: int = 0
    nan: int = 0  # series whose value is NaN (e.g. histogram_quantile over no observations)
    error: str | None = None
    expected_empty: str | None = None
    entry: str | None = None  # catalog entry id behind a panel target

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.series:
            return "data"
        return "expected-empty" if self.expected_empty else "empty"

    @property
    def failed(self) -> bool:
        return self.status in ("error", "empty")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status
        return d


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)  # board -> var -> value used

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.failed]

    def counts(self) -> dict[str, int]:
        out = {"queries": len(self.results)}
        for status in ("data", "expected-empty", "empty", "error"):
            out[status] = sum(r.status == status for r in self.results)
        # Series that are all NaN: histogram_quantile with no observation in the window. Data, but
        # a panel shows no line; reported, not a failure (an idle component has no observations).
        out["nan-only"] = sum(r.status == "data" and r.nan == r.series for r in self.results)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.counts(),
            "variables": self.variables,
            "results": [r.as_dict() for r in self.results],
        }


# --- the Prometheus HTTP API ------------------------------------------------------------------------


class PrometheusApi:
    """Instant queries and label values over the Prometheus HTTP API.

    ``base`` is the URL that ``/api/v1/...`` is appended to: a Prometheus server, or n9e's datasource
    proxy (``<n9e>/api/n9e/proxy/<datasource id>``) with its token header.
    """

    def __init__(self, base: str, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
        import requests

        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.timeout = timeout

    def _get(self, path: str, params: Any) -> Any:
        import requests

        try:
            resp = self.session.get(f"{self.base}{path}", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ApiError(f"{type(exc).__name__}: {exc}") from None
        try:
            body = resp.json()
        except ValueError:
            raise ApiError(f"HTTP {resp.status_code}: {resp.text[:200]!r}") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            message = body.get("error") if isinstance(body, dict) else None
            raise ApiError(f"HTTP {resp.status_code}: {message or str(body)[:200]}")
        return body["data"]

    def query(self, expr: str) -> dict[str, Any]:
        return self._get("/api/v1/query", {"query": expr})

    def label_values(self, label: str, match: str | None) -> list[str]:
        params = [("match[]", match)] if match else []
        return sorted(self._get(f"/api/v1/label/{label}/values", params) or [])


class N9eProxyApi:
    """The same queries through n9e's datasource proxy, ``GET <n9e>/api/n9e/proxy/<datasource id>/api/v1/...``
    (v6-v9), with an N9eClient: its authentication (token, or login with refresh), retries and TLS options.

    What a board in n9e sees: n9e forwards the request to the datasource's URL. An authentication error
    stops the run (N9eAuthError); any other failed answer is that query's error.
    """

    def __init__(self, client: Any, datasource_id: int) -> None:
        self.client = client
        self.datasource_id = int(datasource_id)
        self.base = f"{client.url}/api/n9e/proxy/{self.datasource_id}"

    def _get(self, path: str, params: dict[str, str]) -> Any:
        from .n9e.client import N9eAuthError, N9eError

        try:
            # The proxied answer is the Prometheus envelope {"status", "data"}: the client returns "data".
            return self.client.get(f"/api/n9e/proxy/{self.datasource_id}{path}", **params)
        except N9eAuthError:
            raise
        except N9eError as exc:
            raise ApiError(_prometheus_error(str(exc))) from None

    def query(self, expr: str) -> dict[str, Any]:
        data = self._get("/api/v1/query", {"query": expr})
        if not isinstance(data, dict):
            raise ApiError(f"unexpected answer: {str(data)[:200]}")
        return data

    def label_values(self, label: str, match: str | None) -> list[str]:
        return sorted(self._get(f"/api/v1/label/{label}/values", {"match[]": match} if match else {}) or [])


def _prometheus_error(message: str) -> str:
    """The Prometheus error in an N9eAPIError message (``... HTTP 400 {"status": "error", "error": E}``) as
    ``HTTP 400: E``, as PrometheusApi reports it."""
    m = re.search(r"HTTP (\d+) (\{.*\})", message)
    if m:
        try:
            body = json.loads(m.group(2))
        except ValueError:
            return message
        if isinstance(body, dict) and body.get("error"):
            return f"HTTP {m.group(1)}: {body['error']}"
    return message


# --- running queries -------------------------------------------------------------------------------


def count(data: dict[str, Any]) -> tuple[int, int]:
    """(series, NaN series) of an instant query result."""
    kind, result = data.get("resultType"), data.get("result")
    if kind in ("scalar", "string"):
        return 1, int(kind == "scalar" and _is_nan(result[1]))
    series = result or []
    return len(series), sum(_is_nan(s.get("value", [0, "0"])[1]) for s in series)


def _is_nan(value: str) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def run_query(result: Result, query: QueryFn) -> Result:
    try:
        result.series, result.nan = count(query(result.query))
    except ApiError as exc:
        result.error = str(exc)
    return result


def regex_escape(value: str) -> str:
    """A label value as a regex that matches exactly it, written for a double-quoted PromQL string
    (``=~"$instance"``): regex metacharacters get a backslash, and each backslash is doubled."""
    regex = re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", value)
    return regex.replace("\\", "\\\\")


def catalog_results(catalog: Catalog, selectors: Selectors) -> list[Result]:
    """Each entry's query, and its recorded form (read from the recording rules) when it has one."""
    return [
        Result(
            kind="catalog",
            name=e.id if i == 0 else f"{e.id} (recorded)",
            query=selectors.substitute_defaults(expr),
            expected_empty=e.expected_empty,
            entry=e.id,
        )
        for e in catalog.entries
        if selectors.scraped(e.component)  # a component that is not scraped has no data to check
        for i, expr in enumerate(e.board_exprs(selectors))
    ]


def resolve_variables(
    board: dict[str, Any], label_values: LabelValuesFn, selectors: Selectors
) -> tuple[dict[str, str], list[Result]]:
    """Real values for a board's variables, in order (each query variable may use earlier ones).

    A label variable gets its first value from the data (regex-escaped, as n9e substitutes one
    selected value; with none, "All" or the empty value as n9e); a custom list its ``defaultValue``
    (n9e v8/v9 open there), else its first option; a textbox its default. Values
    listed from the same metric are chosen together (``$resource`` is listed among the series with
    the ``$verb`` already chosen), so that the board shows a combination that exists.
    """
    values: dict[str, str] = {}
    results: list[Result] = []
    chosen: dict[str, list[str]] = {}  # metric -> matchers of the values chosen from it so far
    ident = board.get("ident") or board.get("name", "?")
    for var in board["configs"].get("var", []):
        name, vtype = var["name"], var.get("type")
        if vtype == "query":
            definition = substitute_variables(var.get("definition", ""), values)
            m = LABEL_VALUES_RE.match(definition)
            result = Result(kind="variable", name=f"{ident}/${name}", query=definition)
            if not m:
                result.error = "not a label_values(...) definition"
            else:
                label, match = m.group("label"), m.group("match")
                metric = (match or "").split("{", 1)[0].strip()
                if match and chosen.get(metric):
                    match = _add_matchers(match, chosen[metric])
                    result.query = f"label_values({match}, {label})"
                try:
                    found = label_values(label, match)
                except ApiError as exc:
                    result.error = str(exc)
                else:
                    result.series = len(found)
                    if found:
                        values[name] = regex_escape(found[0])
                        chosen.setdefault(metric, []).append(f"{label}={json.dumps(found[0])}")
            results.append(result)
            # no value in the data: n9e selects "All" when the variable has it, else the empty value
            values.setdefault(name, str(var.get("allValue") or ".*") if var.get("allOption", True) else "")
        elif vtype == "custom":
            options = [o for o in str(var.get("definition", "")).split(",") if o]
            var_default = selectors.variables.get(name)
            values[name] = str(
                var.get("defaultValue")
                or (options[0] if options else (var_default.default if var_default else ""))
            )
        elif vtype == "textbox":
            values[name] = str(var.get("defaultValue", ""))
    return values, results


def _add_matchers(match: str, matchers: list[str]) -> str:
    """metric{a="b"} + [c="d"] -> metric{a="b", c="d"}; metric -> metric{c="d"}."""
    match = match.strip()
    if not match.endswith("}"):
        return f"{match}{{{', '.join(matchers)}}}"
    inner = match[match.index("{") + 1 : -1].strip()
    return f"{match[: match.index('{')]}{{{', '.join([inner, *matchers] if inner else matchers)}}}"


def dashboard_results(
    boards: Iterable[dict[str, Any]],
    catalog: Catalog,
    selectors: Selectors,
    label_values: LabelValuesFn,
    report: Report,
) -> list[Result]:
    """Variable results, then one result per panel target with the variables' real values."""
    by_expr = {expr: e for e in catalog.entries for expr in e.board_exprs(selectors)}
    out: list[Result] = []
    for board in boards:
        ident = board.get("ident") or board.get("name", "?")
        values, var_results = resolve_variables(board, label_values, selectors)
        report.variables[ident] = values
        out += var_results
        for _, panel in iter_panels(board["configs"].get("panels"), "panels"):
            if panel.get("type") == "row":
                continue  # its children come next
            for target in panel.get("targets", []):
                expr = target.get("expr", "")
                entry = by_expr.get(expr)
                out.append(
                    Result(
                        kind="dashboard",
                        name=f"{ident}/{panel.get('name', panel.get('id'))}/{target.get('refId', '?')}",
                        query=substitute_variables(expr, values),
                        expected_empty=entry.expected_empty if entry else None,
                        entry=entry.id if entry else None,
                    )
                )
    return out


COMPARISONS = {">", "<", ">=", "<=", "==", "!="}


def condition_operands(expr: str) -> list[str]:
    """The parts of an alert expression that must have data for the alert to be able to fire.

    An alert's expression is normally empty (nothing fires), so it cannot be checked as is. Its
    conditions are: comparisons with a constant (``X > 0.1``: X must have data), ``and`` (both
    sides), ``unless`` (the left side; the right one is the exception), ``absent(X)`` (X). Anything
    else (arithmetic, ``or``, functions) must have data as a whole.
    """
    import promql_parser as pp

    def constant(node: Any) -> bool:
        if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
            return True
        if isinstance(node, pp.ParenExpr | pp.UnaryExpr):
            return constant(node.expr)
        if isinstance(node, pp.BinaryExpr):
            return constant(node.lhs) and constant(node.rhs)
        return False

    def walk(node: Any) -> list[Any]:
        if isinstance(node, pp.ParenExpr):
            return walk(node.expr)
        if isinstance(node, pp.BinaryExpr):
            op = str(node.op)
            if op in COMPARISONS and not (node.modifier and node.modifier.return_bool):
                return [part for side in (node.lhs, node.rhs) if not constant(side) for part in walk(side)]
            if op == "and":
                return walk(node.lhs) + walk(node.rhs)
            if op == "unless":
                return walk(node.lhs)
        if isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            return [node.args[0]]
        return [node]

    out: list[str] = []
    for node in walk(pp.parse(expr)):
        text = " ".join(node.prettify().split())
        if text not in out:
            out.append(text)
    return out


def rule_results(project: Project) -> list[Result]:
    """Every recording rule expression, and the conditions of every alert (one result each)."""
    rules, expected = project.rules, project.expected_empty
    out: list[Result] = []
    for record in rules.records:
        labels = ",".join(f"{k}={v}" for k, v in sorted(record.labels.items()))
        out.append(
            Result(
                kind="record",
                name=record.record + (f"{{{labels}}}" if labels else ""),
                query=record.expr,
                expected_empty=expected.get(record.record),
            )
        )
    seen: set[tuple[str, str]] = set()
    for alert in rules.alerts:
        operands = condition_operands(alert.expr)
        for i, operand in enumerate(operands, 1):
            if (alert.name, operand) in seen:  # the levels of one alert share their operands
                continue
            seen.add((alert.name, operand))
            out.append(
                Result(
                    kind="alert",
                    name=alert.n9e_name + (f"#{i}" if len(operands) > 1 else ""),
                    query=operand,
                    expected_empty=expected.get(alert.name),
                )
            )
    return out


# What verify reads of the source.
VERIFY_PARTS = ("catalog", "dashboards", "rules", "expected_empty")


def verify(
    project: Project,
    api: PrometheusApi | N9eProxyApi,
    progress: Callable[[Result], None] | None = None,
) -> Report:
    from .dashboards.produce import render_boards

    catalog, selectors = project.catalog, project.config
    report = Report()
    pending = catalog_results(catalog, selectors)
    boards = [board for _, board in render_boards(project)]
    pending += dashboard_results(boards, catalog, selectors, api.label_values, report)
    pending += rule_results(project)
    for result in pending:
        if result.kind != "variable":  # variables were resolved while reading the boards
            run_query(result, api.query)
        report.results.append(result)
        if progress:
            progress(result)
    return report
