"""Catalog units -> n9e panel units (``options.standardOptions.util``).

The accepted ids are the units every n9e web UI from v7.0 to v9 formats: the unit picker of n9e/fe
v7.0.0 ... v7.7.0 (``src/pages/dashboard/Components/UnitPicker/utils.tsx``), which later versions
only extend, plus ``humantimeSeconds``/``humantimeMilliseconds`` that ``Renderer/utils/valueFormatter.ts``
handles in every version. Units added later (``count`` in v8.5, ``short`` and ``kibibytes``... in v9)
are left out on purpose: a v7 server would show them as raw numbers with the id as a suffix.
"""

from __future__ import annotations

N9E_UNITS: frozenset[str] = frozenset(
    {
        # misc
        "none", "sishort",
        # data
        "bitsSI", "bytesSI", "bitsIEC", "bytesIEC",
        # data rate
        "packetsSec", "bitsSecSI", "bytesSecSI", "bitsSecIEC", "bytesSecIEC",
        # throughput
        "cps", "ops", "reqps", "rps", "wps", "iops", "eps", "mps", "recps", "rowsps",
        "cpm", "opm", "reqpm", "rpm", "wpm", "epm", "mpm", "recpm", "rowspm",
        # energy
        "dBm",
        # percent
        "percent", "percentUnit",
        # time
        "seconds", "milliseconds", "microseconds", "nanoseconds",
        "datetimeSeconds", "datetimeMilliseconds", "humantimeSeconds", "humantimeMilliseconds",
    }
)  # fmt: skip

# Friendly spellings a catalog may use for the same thing (Grafana/Prometheus habits).
ALIASES: dict[str, str] = {
    "short": "sishort",
    "count": "none",
    "bytes": "bytesIEC",
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
    "ratio": "percentUnit",
    "percent01": "percentUnit",
}


class UnknownUnit(ValueError):
    pass


def n9e_unit(unit: str) -> str:
    """The n9e unit id for a catalog unit; raises UnknownUnit with the accepted list."""
    if unit in N9E_UNITS:
        return unit
    if unit in ALIASES:
        return ALIASES[unit]
    raise UnknownUnit(
        f"unknown unit {unit!r}; use an n9e unit ({', '.join(sorted(N9E_UNITS))})"
        f" or an alias ({', '.join(sorted(ALIASES))})"
    )
