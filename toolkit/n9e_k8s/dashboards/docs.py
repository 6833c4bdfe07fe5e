"""The generated part of docs/dashboards.md: each board's rows and panels, from the source.

python -m n9e_k8s.dashboards.docs docs/dashboards.md          # rewrite the generated section
python -m n9e_k8s.dashboards.docs --check docs/dashboards.md  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..project import load_project
from ..source import SourceTree, resolve_source
from .layout import COLUMNS
from .render import panel_size, panel_type

BEGIN = "<!-- BEGIN GENERATED: boards (python -m n9e_k8s.dashboards.docs docs/dashboards.md) -->"
END = "<!-- END GENERATED: boards -->"


def boards_markdown(tree: SourceTree) -> str:
    project = load_project(tree, ("dashboards",))
    lines: list[str] = []
    for spec in project.dashboards:
        lines += [
            f"### {spec.name.en} (`{spec.ident}`)",
            "",
            f"Source `dashboards/{spec.file.name}`, component `{spec.component}`, output "
            f"`dashboards/{spec.ident}.json`; tags: {', '.join(f'`{t}`' for t in spec.tags) or '-'}.",
            "",
        ]
        for row in spec.rows:
            lines += [
                f"**{row.title.en}** / {row.title.zh}",
                "",
                "| panel | type | size | unit | catalog ids |",
                "|---|---|---|---|---|",
            ]
            for panel in row.panels:
                entries = [project.catalog.get(q) for q in panel.queries]
                ptype = panel_type(panel, entries)
                w, h = panel_size(panel, ptype)
                title = panel.overrides["title"]["en"] if "title" in panel.overrides else entries[0].title.en
                unit = panel.overrides.get("unit") or entries[0].unit
                ids = ", ".join(f"`{e.id}`" + (" (recorded)" if e.recorded else "") for e in entries)
                lines.append(f"| {title} | {ptype} | {w}/{COLUMNS} x {h} | {unit} | {ids} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def updated(text: str, generated: str) -> str:
    if BEGIN not in text or END not in text:
        raise ValueError(f"markers missing: the file needs a line {BEGIN!r} and a line {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{generated}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n9e_k8s.dashboards.docs")
    parser.add_argument(
        "doc", type=Path, help="the Markdown file with the generated section (docs/dashboards.md)"
    )
    parser.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    parser.add_argument("--source", help="source tree (default: the built-in one)")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    new = updated(text, boards_markdown(resolve_source(args.source)))
    if args.check:
        if new != text:
            print(
                f"{args.doc} is out of date; run: python -m n9e_k8s.dashboards.docs {args.doc}",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
