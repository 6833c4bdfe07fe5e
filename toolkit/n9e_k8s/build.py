"""`n9e-k8s build`: render every artifact in memory, then write them all or nothing.

A producer is ``producer(ctx: BuildContext) -> {relative path: file content}``; ``PRODUCERS`` lists
them (dashboards here; alerts, recording rules and manifests add theirs). Producers raise
SourceError(s) for broken source; rendering stops before anything is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .catalog import LANGS, Catalog, load_catalog
from .errors import SourceError, SourceErrors, UsageError
from .selectors import Selectors, load_selectors
from .source import SourceTree


@dataclass(frozen=True)
class BuildContext:
    tree: SourceTree
    selectors: Selectors
    catalog: Catalog
    lang: str = "en"
    options: Mapping[str, Any] = field(default_factory=dict)  # producer-specific (e.g. manifests)


Producer = Callable[[BuildContext], dict[str, str]]


def _dashboards(ctx: BuildContext) -> dict[str, str]:
    from .dashboards import produce_dashboards

    return produce_dashboards(ctx)


def _manifests(ctx: BuildContext) -> dict[str, str]:
    """Collection manifests. Without a remote_write_url they point at a placeholder n9e URL, so that
    the build always shows (and validates) the whole set-up; `n9e-k8s manifests` renders real ones."""
    from .manifests import PLACEHOLDER_REMOTE_WRITE_URL, ManifestOptions, render_manifest_files

    options = dict(ctx.options.get("manifests") or {})
    options.setdefault("remote_write_url", PLACEHOLDER_REMOTE_WRITE_URL)
    manifest_options = ManifestOptions(**options)
    manifest_options.check()
    return render_manifest_files(ctx.selectors, manifest_options)


def _rules(ctx: BuildContext) -> dict[str, str]:
    """n9e alert and recording rules, Prometheus rule files and the PrometheusRule resource."""
    from .alerts import produce_rules

    return produce_rules(ctx)


PRODUCERS: list[Producer] = [_dashboards, _manifests, _rules]


def make_context(
    tree: SourceTree, lang: str = "en", options: Mapping[str, Any] | None = None
) -> BuildContext:
    if lang not in LANGS:
        raise UsageError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    selectors = load_selectors(tree.promql)
    catalog = load_catalog(tree, selectors)
    return BuildContext(tree, selectors, catalog, lang, dict(options or {}))


def render_all(ctx: BuildContext, producers: list[Producer] | None = None) -> dict[str, str]:
    """Every artifact, path -> content. All producers run, and all their errors are raised together."""
    files: dict[str, str] = {}
    errors: list[SourceError] = []
    for producer in PRODUCERS if producers is None else producers:
        try:
            produced = producer(ctx)
        except SourceErrors as exc:
            errors += exc.errors
            continue
        except SourceError as exc:
            errors.append(exc)
            continue
        for path, content in produced.items():
            rel = PurePosixPath(path)
            if rel.is_absolute() or ".." in rel.parts or not rel.parts:
                raise ValueError(f"producer {producer.__name__} returned a path outside the output: {path!r}")
            if path in files:
                raise ValueError(f"two producers write {path!r}")
            files[path] = content
    if errors:
        raise SourceErrors(errors)
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Written:
    path: str  # relative to the output directory
    bytes: int
    changed: bool


def write_all(files: Mapping[str, str], out: Path, clean: bool = False) -> list[Written]:
    """Write ``files`` under ``out``: staged in a temporary directory next to it, then moved in.

    Without ``clean`` other files in ``out`` stay; with it, ``out`` is replaced as a whole.
    """
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    before = {rel: _read(out / rel) for rel in files}
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output directory should not be
    try:
        for rel, content in files.items():
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8", newline="\n")
        if clean or not out.exists():
            old = out.parent / f"{stage.name}.old"
            if out.exists():
                os.replace(out, old)
            os.replace(stage, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            for rel in files:
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, out / rel)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [Written(rel, len(c.encode("utf-8")), before[rel] != c) for rel, c in files.items()]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def build(
    tree: SourceTree,
    out: Path,
    lang: str = "en",
    clean: bool = False,
    options: Mapping[str, Any] | None = None,
) -> list[Written]:
    ctx = make_context(tree, lang, options)
    return write_all(render_all(ctx), out, clean=clean)
