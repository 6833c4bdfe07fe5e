from __future__ import annotations

from collections.abc import Iterable

from ..infer import Quantity, quantity_of
from ..model import Finding, LintContext, Parsed, Query
from .base import Rule

# n9e (Grafana-style) unit names -> (time, bytes, events, epoch) dimensions and the expected factor
# relative to SI base units (None: any factor).
TIME_UNITS = {
    "seconds": 1.0, "s": 1.0, "humantimeSeconds": 1.0, "dtdurations": 1.0,
    "milliseconds": 1e3, "ms": 1e3, "humantimeMilliseconds": 1e3, "dtdurationms": 1e3,
    "microseconds": 1e6, "µs": 1e6, "nanoseconds": 1e9, "ns": 1e9,
}  # fmt: skip
BYTE_UNITS = {
    "bytesIEC",
    "bytesSI",
    "bytes",
    "decbytes",
    "bitsIEC",
    "bitsSI",
    "bits",
    "decbits",
    "kbytes",
    "mbytes",
}
BYTE_RATE_UNITS = {
    "bytesSecIEC",
    "bytesSecSI",
    "bitsSecIEC",
    "bitsSecSI",
    "Bps",
    "bps",
    "binBps",
    "binbps",
    "KBs",
    "MBs",
}
RATE_UNITS = {"reqps", "ops", "rps", "wps", "iops", "cps", "opm", "rpm", "hertz"}
DATETIME_UNITS = {
    "datetimeSeconds",
    "datetimeMilliseconds",
    "dateTimeAsIso",
    "dateTimeAsUS",
    "dateTimeFromNow",
}
PERCENT_UNITS = {"percent": 100.0, "percentUnit": 1.0}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def mismatch(unit: str, q: Quantity) -> str | None:
    """Why ``unit`` cannot display ``q``, or None when it fits (or cannot be told)."""
    what = q.describe()
    if unit in TIME_UNITS:
        if q.epoch:
            return f"{what} shown as a duration ({unit}); use a datetime unit or subtract it from time()"
        if q.dims() == (1, 0, 0, False):
            want = TIME_UNITS[unit]
            if not _close(q.scale, want):
                return (
                    f"a duration in {'seconds' if _close(q.scale, 1) else f'seconds x {q.scale:g}'} shown as "
                    f"{unit} (expected a factor of {want:g})"
                )
            return None
        return f"{what} shown as a time ({unit})"
    if unit in PERCENT_UNITS:
        want = PERCENT_UNITS[unit]
        if q.dimensionless:
            if _close(q.scale, want):
                return None
            if unit == "percent" and _close(q.scale, 1):
                return "a 0-1 ratio shown as percent (0-100): multiply by 100 or use percentUnit"
            if unit == "percentUnit" and _close(q.scale, 100):
                return "a 0-100 percentage shown as percentUnit (0-1): drop the *100 or use percent"
            return None
        return f"{what} shown as a percentage ({unit})"
    if unit in BYTE_UNITS:
        if q.dims() == (0, 1, 0, False):
            return None
        if q.dims() == (-1, 1, 0, False):
            return f"a byte rate (bytes/s) shown as bytes ({unit}); use bytesSecIEC/bytesSecSI"
        return f"{what} shown as bytes ({unit})"
    if unit in BYTE_RATE_UNITS:
        if q.dims() == (-1, 1, 0, False):
            return None
        return f"{what} shown as a byte rate ({unit})"
    if unit in RATE_UNITS:
        if q.time == -1 and not q.epoch:
            return None
        return f"{what} shown as a rate ({unit})"
    if unit in DATETIME_UNITS:
        if q.epoch:
            return None
        return f"{what} shown as a date/time ({unit})"
    return None  # none, short, count, custom units: nothing to compare


class UnitMismatch(Rule):
    id = "unit-mismatch"
    severity = "error"
    description = (
        "The display unit contradicts what the query computes (a ratio shown as a time, a rate shown as "
        "bytes, a latency shown as percent, seconds shown as milliseconds without x1000...)."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        if not query.unit:
            return
        q = quantity_of(parsed.ast, ctx)
        if q is None:
            return
        why = mismatch(query.unit, q)
        if why:
            yield self.finding(query, f"unit {query.unit!r}: {why}")


RULE = UnitMismatch()
