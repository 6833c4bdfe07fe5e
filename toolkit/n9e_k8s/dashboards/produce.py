"""The boards of a project, rendered for one n9e version and language, and the build's dashboards/ files."""

from __future__ import annotations

from typing import Any

from ..errors import SourceError, SourceErrors
from ..n9e.versions import DEFAULT_TARGET, board_format_for
from ..project import Project
from .render import board_json, render_board
from .source import DashboardSpec

OUTPUT_DIR = "dashboards"


def render_boards(
    project: Project, lang: str = "en", n9e_version: str | tuple[int, int, int] | None = None
) -> list[tuple[DashboardSpec, dict[str, Any]]]:
    """Every board of the project in the board format of ``n9e_version`` (default: DEFAULT_TARGET)."""
    fmt = board_format_for(n9e_version or DEFAULT_TARGET)
    return [
        (spec, render_board(spec, project.catalog, project.config, lang, fmt)) for spec in project.dashboards
    ]


def produce_dashboards(
    project: Project, lang: str = "en", n9e_version: str | tuple[int, int, int] | None = None
) -> dict[str, str]:
    """``dashboards/<ident>.json`` for every board.

    Each board is checked against the n9e board schema strictly (our output keeps layout.i equal to
    the panel id and never overlaps), so a renderer bug fails the build instead of shipping.
    """
    from ..n9e.formats.board import validate_board

    files: dict[str, str] = {}
    errors: list[SourceError] = []
    for spec, board in render_boards(project, lang, n9e_version):
        for problem in validate_board(board, f"{OUTPUT_DIR}/{spec.ident}.json", strict=True):
            errors.append(SourceError(spec.file, f"rendered board is invalid: {problem}"))
        files[f"{OUTPUT_DIR}/{spec.ident}.json"] = board_json(board)
    if errors:
        raise SourceErrors(errors)
    return files
