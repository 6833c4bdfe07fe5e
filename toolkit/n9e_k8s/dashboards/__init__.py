"""Dashboards: source YAML (dashboards/*.yaml) -> n9e board JSON, validated against the board schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import SourceError, SourceErrors
from .render import board_json, render_board
from .source import DashboardSpec, coverage_problems, load_dashboards

if TYPE_CHECKING:
    from ..build import BuildContext

__all__ = [
    "DashboardSpec",
    "board_json",
    "coverage_problems",
    "load_dashboards",
    "produce_dashboards",
    "render_board",
    "render_boards",
]

OUTPUT_DIR = "dashboards"


def render_boards(
    ctx: BuildContext, lang: str | None = None, n9e_version: str | tuple[int, int, int] | None = None
) -> list[tuple[DashboardSpec, dict[str, Any]]]:
    """Every dashboard source of the tree with its rendered board (``lang`` defaults to ``ctx.lang``), in the
    board format of ``n9e_version`` (default: the build's ``--n9e-version``, ``ctx.options["dashboards"]``)."""
    from ..n9e.versions import DEFAULT_TARGET, board_format_for

    version = n9e_version or (ctx.options.get("dashboards") or {}).get("n9e_version") or DEFAULT_TARGET
    fmt = board_format_for(version)
    return [
        (spec, render_board(spec, ctx.catalog, ctx.selectors, lang or ctx.lang, fmt))
        for spec in load_dashboards(ctx.tree, ctx.catalog, ctx.selectors)
    ]


def produce_dashboards(ctx: BuildContext) -> dict[str, str]:
    """Build producer: ``dashboards/<ident>.json`` for every dashboard source file.

    Each board is checked against the n9e board schema strictly (our output keeps layout.i equal to
    the panel id and never overlaps), so a renderer bug fails the build instead of shipping.
    """
    from ..n9e.formats.board import validate_board

    files: dict[str, str] = {}
    errors: list[SourceError] = []
    for spec, board in render_boards(ctx):
        for problem in validate_board(board, f"{OUTPUT_DIR}/{spec.ident}.json", strict=True):
            errors.append(SourceError(spec.file, f"rendered board is invalid: {problem}"))
        files[f"{OUTPUT_DIR}/{spec.ident}.json"] = board_json(board)
    if errors:
        raise SourceErrors(errors)
    return files
