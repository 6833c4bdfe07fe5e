"""Grafana unit ids -> n9e unit ids (dashboards/units.py holds the n9e ones). An n9e unit stays as is."""

from __future__ import annotations

from ..dashboards.units import ALIASES, N9E_UNITS

GRAFANA_UNITS: dict[str, str] = {
    "none": "none",
    "short": "sishort",
    "percent": "percent",
    "percentunit": "percentUnit",
    "s": "seconds",
    "ms": "milliseconds",
    "µs": "microseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
    "dtdurations": "humantimeSeconds",
    "dtdurationms": "humantimeMilliseconds",
    "bytes": "bytesIEC",
    "decbytes": "bytesSI",
    "bits": "bitsIEC",
    "decbits": "bitsSI",
    "Bps": "bytesSecIEC",
    "binBps": "bytesSecIEC",
    "decBps": "bytesSecSI",
    "bps": "bitsSecIEC",
    "binbps": "bitsSecIEC",
    "pps": "packetsSec",
    "ops": "ops",
    "reqps": "reqps",
    "rps": "rps",
    "wps": "wps",
    "iops": "iops",
    "cps": "cps",
    "opm": "opm",
    "reqpm": "reqpm",
    "rpm": "rpm",
    "wpm": "wpm",
    "dateTimeAsIso": "datetimeSeconds",
}


def n9e_unit_of(unit: str | None, grafana: bool) -> tuple[str | None, str | None]:
    """(n9e unit or None, a note when the unit could not be mapped)."""
    if not unit:
        return None, None
    if not grafana and (unit in N9E_UNITS or unit in ALIASES):
        return unit, None
    if grafana and unit in GRAFANA_UNITS:
        return GRAFANA_UNITS[unit], None
    if unit in N9E_UNITS:
        return unit, None
    return None, f"unit {unit!r} has no n9e equivalent: shown as none"
