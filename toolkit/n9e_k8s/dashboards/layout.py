"""The automatic grid layout: panels packed left to right on n9e's 24-column grid."""

from __future__ import annotations

from collections.abc import Sequence

COLUMNS = 24

# (width, height) by panel type when the source does not say.
DEFAULT_SIZE: dict[str, tuple[int, int]] = {
    "stat": (6, 4),
    "gauge": (6, 6),
    "barGauge": (12, 8),
    "timeseries": (12, 8),
    "barchart": (12, 8),
    "pie": (8, 8),
    "table": (24, 8),
}


def pack(sizes: Sequence[tuple[int, int]], top: int) -> tuple[list[tuple[int, int]], int]:
    """Place (w, h) boxes from ``top`` down, left to right, starting a new line when one is full.

    A line is as tall as its tallest box, so no two boxes overlap. Returns the (x, y) of each box
    and the first free y below them.
    """
    positions: list[tuple[int, int]] = []
    x, y, line_height = 0, top, 0
    for w, h in sizes:
        if not 1 <= w <= COLUMNS or h < 1:
            raise ValueError(f"panel size {w}x{h} does not fit the {COLUMNS}-column grid")
        if x + w > COLUMNS:
            x, y, line_height = 0, y + line_height, 0
        positions.append((x, y))
        x += w
        line_height = max(line_height, h)
    return positions, y + line_height
