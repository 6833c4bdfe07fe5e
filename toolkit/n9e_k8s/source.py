"""Where the source tree (promql/, dashboards/, alerts/) comes from.

Order: an explicit ``--source DIR``, then ``$N9E_K8S_SOURCE``, then the built-in tree shipped in the
wheel (``n9e_k8s/builtin``), or, in a checkout/editable install, the repository root.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

SOURCE_DIRS = ("promql", "dashboards", "alerts")
ENV_SOURCE = "N9E_K8S_SOURCE"


def builtin_root() -> Path:
    packaged = Path(__file__).resolve().parent / "builtin"
    if (packaged / "promql").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "promql").is_dir():
        return checkout
    raise UsageError("the built-in source tree is missing from this installation")


@dataclass(frozen=True)
class SourceTree:
    root: Path
    builtin: bool = False

    @property
    def promql(self) -> Path:
        return self.root / "promql"

    @property
    def dashboards(self) -> Path:
        return self.root / "dashboards"

    @property
    def alerts(self) -> Path:
        return self.root / "alerts"

    def display(self, path: Path) -> str:
        """A path as users should see it: relative to the tree root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def resolve_source(explicit: str | os.PathLike[str] | None = None) -> SourceTree:
    chosen = explicit or os.environ.get(ENV_SOURCE)
    if not chosen:
        return SourceTree(builtin_root(), builtin=True)
    root = Path(chosen).expanduser().resolve()
    if not (root / "promql").is_dir():
        raise UsageError(f"{root}: not a source tree (no promql/ folder); create one with `n9e-k8s init DIR`")
    return SourceTree(root)


def init_tree(target: Path, force: bool = False) -> list[Path]:
    """Copy the built-in source into ``target``; refuses to overwrite unless ``force``."""
    src = builtin_root()
    target = target.expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory")
    if any(p.exists() and not p.is_dir() for p in target.parents):
        raise UsageError(f"{target}: a parent of it is a file, not a directory")
    clashes = [target / d for d in SOURCE_DIRS if (target / d).exists()]
    if clashes and not force:
        names = ", ".join(str(c) for c in clashes)
        raise UsageError(f"{names} already exist(s); use --force to overwrite")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{target}: cannot create: {exc.strerror or exc}") from None
    written: list[Path] = []
    for d in SOURCE_DIRS:
        if (src / d).is_dir():
            shutil.copytree(
                src / d, target / d, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
            written.append(target / d)
    return written
