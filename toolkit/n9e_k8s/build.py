"""`n9e-k8s build`: render every artifact in memory, then write them all or nothing.

A producer is ``producer(project, settings) -> {relative path: file content}``: a pure function of the loaded
:class:`~n9e_k8s.project.Project` and the build's :class:`BuildSettings`. ``PRODUCERS`` lists them (boards,
collection manifests, rules). Producers raise SourceError(s) for what only rendering can find; rendering stops
before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import SourceError, SourceErrors, UsageError
from .langs import LANGS
from .project import Project, load_project
from .source import SourceTree

# What a build reads of the source (the registry and expected-empty.yaml are for lint and verify).
BUILD_PARTS = ("catalog", "dashboards", "rules")


@dataclass(frozen=True)
class BuildSettings:
    lang: str = "en"
    # Per producer: {"dashboards": {"n9e_version"}, "rules": RenderOptions fields, "manifests": ManifestOptions fields}
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UsageError(f"--lang must be one of {', '.join(LANGS)}, not {self.lang!r}")

    def of(self, producer: str) -> dict[str, Any]:
        return dict(self.options.get(producer) or {})


Producer = Callable[[Project, BuildSettings], dict[str, str]]


def _dashboards(project: Project, settings: BuildSettings) -> dict[str, str]:
    from .dashboards.produce import produce_dashboards

    return produce_dashboards(project, settings.lang, settings.of("dashboards").get("n9e_version"))


def _manifest_options(project: Project, settings: BuildSettings) -> Any:
    """Without a remote_write_url the manifests point at a placeholder n9e URL, so that the build always shows
    (and validates) the whole set-up; `n9e-k8s manifests` renders real ones."""
    from .keep import keep_lists
    from .manifests import PLACEHOLDER_REMOTE_WRITE_URL, ManifestOptions

    options = settings.of("manifests")
    options.setdefault("remote_write_url", PLACEHOLDER_REMOTE_WRITE_URL)
    options["keep"] = keep_lists(project, options.get("keep"))
    manifest_options = ManifestOptions(**options)
    manifest_options.check()
    return manifest_options


def _manifests(project: Project, settings: BuildSettings) -> dict[str, str]:
    """Collection manifests."""
    from .manifests import render_manifest_files

    return render_manifest_files(project.config, _manifest_options(project, settings))


def _rules(project: Project, settings: BuildSettings) -> dict[str, str]:
    """n9e alert and recording rules, Prometheus rule files and the PrometheusRule resource."""
    from .alerts.produce import produce_rules

    return produce_rules(project, settings.lang, settings.of("rules"))


def _integration(project: Project, settings: BuildSettings) -> dict[str, str]:
    """integration/<name>/: the same content in the layout of n9e's integrations folder, with the sync markers."""
    from .integration import OUTPUT_DIR, produce_integration
    from .n9e.versions import DEFAULT_TARGET, ServerFeatures
    from .sync.markers import mark_integration_files

    version = settings.of("dashboards").get("n9e_version") or DEFAULT_TARGET
    files = produce_integration(
        project, settings.lang, version, settings.of("rules"), _manifest_options(project, settings)
    )
    # the sync markers: a board or rule installed from the folder is import-dashboards'/sync-alerts' own
    return mark_integration_files(files, OUTPUT_DIR, ServerFeatures.of_target(version))


PRODUCERS: list[Producer] = [_dashboards, _manifests, _rules, _integration]


def render_all(
    project: Project, settings: BuildSettings | None = None, producers: list[Producer] | None = None
) -> dict[str, str]:
    """Every artifact, path -> content. All producers run, and all their errors are raised together."""
    settings = settings or BuildSettings()
    files: dict[str, str] = {}
    errors: list[SourceError] = []
    for producer in PRODUCERS if producers is None else producers:
        try:
            produced = producer(project, settings)
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


MARKER = ".n9e-k8s-build"
MARKER_TEXT = "Written by `n9e-k8s build`. `build --clean` replaces only folders that hold this file.\n"


def check_clean_target(out: Path, source_root: Path | None = None) -> None:
    """Refuse to replace a folder the tool did not write (exit 2): the cwd, home, /, the source tree or a
    folder above it, or any existing non-empty folder without the marker of an earlier build."""
    resolved = out.resolve()
    protected = {Path.cwd().resolve(): "the current directory", Path.home().resolve(): "the home directory"}
    if source_root is not None:
        protected[source_root.resolve()] = "the source tree"
    if resolved == Path(resolved.anchor):
        raise UsageError(f"--clean refuses --out {out}: the root directory")
    for place, what in protected.items():
        if resolved == place:
            raise UsageError(f"--clean refuses --out {out}: it is {what}")
    if source_root is not None and source_root.resolve().is_relative_to(resolved):
        raise UsageError(f"--clean refuses --out {out}: it holds the source tree")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MARKER).is_file():
        raise UsageError(
            f"--clean refuses --out {out}: not written by `n9e-k8s build` (no {MARKER} file); "
            "remove it yourself or pick another folder"
        )


def write_all(
    files: Mapping[str, str], out: Path, clean: bool = False, marker: bool = False
) -> list[Written]:
    """Write ``files`` under ``out``, all or nothing.

    Everything is staged in a temporary directory next to ``out`` first. With ``clean`` (or a new ``out``)
    ``out`` is renamed away and the stage renamed in; without it, each file replaced is moved aside first
    and put back if a later move fails, and other files in ``out`` stay. With ``marker``, a folder this
    build creates (or that holds the marker already) gets the MARKER file that ``--clean`` looks for: a
    folder with the user's own files never does.
    """
    out = out.resolve()
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a directory")
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name[:40]}.", dir=out.parent))
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror or exc}") from None
    before = {rel: _read(out / rel) for rel in files}
    if marker and (not out.exists() or clean or (out / MARKER).is_file() or not any(out.iterdir())):
        files = {**files, MARKER: MARKER_TEXT}
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output directory should not be
    try:
        for rel, content in files.items():
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8", newline="\n")
        if clean or not out.exists():
            _swap_dir(stage, out)
        else:
            _move_files(stage, out, list(files))
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [
        Written(rel, len(c.encode("utf-8")), before[rel] != c) for rel, c in files.items() if rel != MARKER
    ]


def _swap_dir(stage: Path, out: Path) -> None:
    """Rename ``out`` away and ``stage`` in; put ``out`` back if the second rename fails."""
    old = stage.with_name(stage.name + ".old")
    if out.exists():
        os.replace(out, old)
    try:
        os.replace(stage, out)
    except OSError:
        if old.exists():
            os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _move_files(stage: Path, out: Path, rels: list[str]) -> None:
    """Move each staged file over ``out``: the file it replaces goes aside first, and every move done is
    undone if a later one fails."""
    aside = stage / ".replaced"
    done: list[tuple[str, bool]] = []  # (rel, an old file was moved aside)
    try:
        for rel in rels:
            target = out / rel
            had_old = target.exists()
            if had_old:
                (aside / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, aside / rel)
            done.append((rel, had_old))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
    except OSError:
        for rel, had_old in reversed(done):
            with contextlib.suppress(OSError):
                if had_old:
                    os.replace(aside / rel, out / rel)
                else:
                    (out / rel).unlink(missing_ok=True)
        raise


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Difference:
    path: str  # relative to the output directory, POSIX separators
    status: str  # "differs", "missing" (the build would write it) or "stale" (the build would not)


def compare_all(files: Mapping[str, str], out: Path) -> list[Difference]:
    """How ``out`` differs from what a build would write there, sorted by path; [] when it is current.

    A file the build writes is compared byte for byte (as write_all writes it: UTF-8, LF); any other file
    under ``out`` is stale, except the MARKER. Nothing is written."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    found: list[Difference] = []
    for rel, content in files.items():
        try:
            current = (out / rel).read_bytes()
        except FileNotFoundError:
            found.append(Difference(rel, "missing"))
            continue
        except OSError as exc:
            raise UsageError(f"--out {out}: cannot read {rel}: {exc.strerror or exc}") from None
        if current != content.encode("utf-8"):
            found.append(Difference(rel, "differs"))
    if out.is_dir():
        for path in out.rglob("*"):
            rel = path.relative_to(out).as_posix()
            if (path.is_symlink() or not path.is_dir()) and rel != MARKER and rel not in files:
                found.append(Difference(rel, "stale"))
    return sorted(found, key=lambda d: d.path)


def _render(tree: SourceTree, lang: str, options: Mapping[str, Any] | None) -> dict[str, str]:
    settings = BuildSettings(lang, dict(options or {}))
    return render_all(load_project(tree, BUILD_PARTS), settings)


def build(
    tree: SourceTree,
    out: Path,
    lang: str = "en",
    clean: bool = False,
    options: Mapping[str, Any] | None = None,
) -> list[Written]:
    if clean:
        check_clean_target(out, tree.root)
    return write_all(_render(tree, lang, options), out, clean=clean, marker=True)


def check(
    tree: SourceTree, out: Path, lang: str = "en", options: Mapping[str, Any] | None = None
) -> list[Difference]:
    """`build --check`: render in memory and compare with ``out`` (a committed output), writing nothing."""
    return compare_all(_render(tree, lang, options), out)
