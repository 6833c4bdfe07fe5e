"""``collection:`` of promql/config.yaml: which series the scrape jobs keep (issue 16).

``keep: used`` (the default) makes every scrape job keep only the metric names the content reads (catalog,
boards' variables, alert and recording rules), plus ``extra`` (names or RE2 regexes for troubleshooting:
``process_.*``, ``go_goroutines``, ...). ``buckets`` trims the histograms that quantile panels read: the
``le`` bounds to keep per ``*_bucket`` series (``+Inf`` and the bounds the content compares against are
always kept); a histogram not listed keeps every bucket. ``keep: all`` (or ``--keep all``) renders no
relabelling at all. The keep-lists themselves are computed by ``n9e_k8s.keep``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import SourceError
from .schemas import COLLECTION_CONFIG, validate
from .yamlio import LineDict, line_of

KeepMode = Literal["used", "all"]
KEEP_MODES: tuple[KeepMode, ...] = ("used", "all")


@dataclass(frozen=True)
class CollectionConfig:
    keep: KeepMode = "used"
    extra: tuple[str, ...] = ()
    # bucket series name -> the finite `le` bounds kept for quantiles
    buckets: tuple[tuple[str, tuple[float, ...]], ...] = ()

    def buckets_of(self, series: str) -> tuple[float, ...] | None:
        return dict(self.buckets).get(series)


def parse_collection(
    node: object, file: Path, line: int | None
) -> tuple[CollectionConfig, list[SourceError]]:
    """The ``collection`` mapping (None: the defaults), checked against its JSON Schema, with file:line."""
    if node is None:
        return CollectionConfig(), []
    problems = validate(COLLECTION_CONFIG, node, str(file), prefix="collection", lines=True)
    errors = [SourceError(file, p.message, p.line or line, p.path) for p in problems]
    if errors or not isinstance(node, LineDict):
        return CollectionConfig(), errors
    extra = list(node.get("extra") or [])
    for i, pattern in enumerate(extra):
        try:
            re.compile(pattern)
        except re.error as exc:
            where = line_of(node["extra"], i) or node.line_of("extra")
            errors.append(
                SourceError(file, f"{pattern!r} is not a regex: {exc}", where, f"collection.extra[{i}]")
            )
    buckets = node.get("buckets") or {}
    return (
        CollectionConfig(
            keep=node.get("keep", "used"),
            extra=tuple(extra),
            buckets=tuple((name, tuple(float(b) for b in bounds)) for name, bounds in buckets.items()),
        ),
        errors,
    )
