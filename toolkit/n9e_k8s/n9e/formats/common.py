"""What the n9e formats share: name rules, the all-week list, JSON-in-string fields and the datasource fields.

n9e selects a rule's datasources with ``datasource_ids`` up to v7.6 and ``datasource_queries`` since v7.7
(``ServerFeatures.rule_datasource_field``); the functions here convert one into the other, so an export of v6
syncs to v9 and the other way round, and the renderer writes both.
"""

from __future__ import annotations

import json
import re
from typing import Any

NAME_FORBIDDEN = ("<", ">", "&", "'", '"', "://", "../")  # n9e refuses names holding any of these
ALL_WEEK = ["0", "1", "2", "3", "4", "5", "6"]  # enable_days_of_week(s): every day
IDENT_RE = re.compile(r"^[A-Za-z0-9-]+$")
METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
CRON_EVERY_RE = re.compile(r"^@every \d+[smh]$")
HHMM_RE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


def forbidden_in(name: str) -> list[str]:
    """The forbidden character sequences ``name`` holds (none: n9e takes it)."""
    return [d for d in NAME_FORBIDDEN if d in name]


def name_problems(name: Any, what: str) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        return [f"{what} is blank"]
    bad = forbidden_in(name)
    return [f"{what} {name!r} contains {', '.join(map(repr, bad))}, which n9e rejects"] if bad else []


def none_to(value: Any, default: Any) -> Any:
    return default if value is None else value


def json_obj(value: Any, default: Any) -> Any:
    """n9e returns some JSON fields as strings in some versions; parse them."""
    if isinstance(value, str):
        if not value.strip():
            return default
        try:
            return json.loads(value)
        except ValueError:
            return value
    return none_to(value, default)


# ------------------------------------------------------------------------------------------ datasources


def datasource_fields(datasource_id: int | None) -> dict[str, Any]:
    """Both datasource fields for one datasource, or for all (``None``): what the renderer writes."""
    if datasource_id is None:
        return {"datasource_ids": [0], "datasource_queries": [{"match_type": 2, "op": "in", "values": [0]}]}
    ds = datasource_id
    return {"datasource_ids": [ds], "datasource_queries": [{"match_type": 0, "op": "in", "values": [ds]}]}


def ids_of_queries(queries: Any) -> list[int]:
    """``datasource_ids`` for ``datasource_queries``: exact ids (match_type 0), or ``[0]`` (all) for match_type 2."""
    ids: list[int] = []
    for q in json_obj(queries, []) or []:
        if not isinstance(q, dict) or q.get("op", "in") != "in":
            continue
        if q.get("match_type") == 2:
            return [0]
        if q.get("match_type") == 0:
            ids += [int(v) for v in q.get("values") or []]
    return ids


def queries_of_ids(ids: Any) -> list[dict[str, Any]]:
    """``datasource_queries`` for ``datasource_ids`` (``[0]`` = all)."""
    ids = [int(i) for i in json_obj(ids, []) or []]
    if not ids:
        return []
    if 0 in ids:
        return [{"match_type": 2, "op": "in", "values": [0]}]
    return [{"match_type": 0, "op": "in", "values": ids}]


def datasource_value(field: str, datasource_id: int | None, src: dict[str, Any]) -> Any:
    """The value of the version's datasource field (``field``): the chosen datasource (--datasource), else the
    object's own value of that field, else converted from the other field."""
    if field == "datasource_ids":
        if datasource_id is not None:
            return [datasource_id]
        own = json_obj(src.get("datasource_ids"), None)
        return [int(i) for i in own] if own else ids_of_queries(src.get("datasource_queries"))
    if datasource_id is not None:
        return [{"match_type": 0, "op": "in", "values": [datasource_id]}]
    own = json_obj(src.get("datasource_queries"), None)
    return own if own else queries_of_ids(src.get("datasource_ids"))


def normalise_ids(value: Any) -> list[int]:
    ids = [int(i) for i in json_obj(value, []) or []]
    return [0] if 0 in ids else ids  # n9e stores any list holding 0 as [0] (all)
