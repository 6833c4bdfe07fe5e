"""The whole of `adopt` without the CLI: read, place, render, check, write (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RemoteError, UsageError
from ..source import SOURCE_DIRS, SourceTree, init_tree
from .ledger import Ledger
from .model import Reading
from .plan import make_plan
from .readers import input_files, read_data, read_file


@dataclass
class Result:
    ledger: Ledger
    written: list[str]


def _shown(path: Path) -> str:
    """A path as the ledger shows it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def prometheus_rules(url: str, timeout: float = 10.0) -> Reading:
    """The rules a running Prometheus has loaded (``/api/v1/rules``)."""
    import json
    import urllib.request

    api = url.rstrip("/") + "/api/v1/rules"
    try:
        with urllib.request.urlopen(api, timeout=timeout) as answer:
            data = json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise RemoteError(f"{api}: {exc}") from None
    if not isinstance(data, dict) or data.get("status") != "success":
        raise RemoteError(f"{api}: not a Prometheus rules answer")
    return read_data(data, api)


def adopt(
    paths: list[Path],
    into: Path,
    version: str,
    component: str | None = None,
    prometheus: str | None = None,
    dry_run: bool = False,
) -> Result:
    from ..project import load_project
    from .writer import check_files, render_files, write_files

    reading = Reading()
    for file in input_files(paths):
        reading.extend(read_file(file, _shown(file)))
    if prometheus:
        reading.extend(prometheus_rules(prometheus))
    fresh = not (into / "promql").is_dir()
    if fresh and any((into / d).exists() for d in SOURCE_DIRS):
        raise UsageError(f"{into}: has {'/'.join(SOURCE_DIRS)} folders but no promql/: not a source tree")
    # A new tree starts as `init` would make it; a scratch copy until everything checked out.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="n9e-k8s-adopt-init.") as tmp:
        base = Path(tmp) / "tree" if fresh else into
        if fresh:
            init_tree(base)
        tree = SourceTree(base.resolve())
        project = load_project(tree)
        if component is not None and component not in project.config.jobs:
            raise UsageError(
                f"--component {component!r}: not in config.yaml ({', '.join(project.config.jobs)})"
            )
        plan = make_plan(project, reading, version, component)
        files = render_files(tree, plan)
        check_files(tree, files)
        if dry_run:
            return Result(plan.ledger, [])
        if fresh:
            init_tree(into)
            tree = SourceTree(into.resolve())
        written = write_files(tree, files)
    return Result(plan.ledger, [str(into / w) for w in written])
