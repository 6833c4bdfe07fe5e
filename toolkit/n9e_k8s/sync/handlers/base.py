"""What every resource handler has: the interface (``Handler``) and the export file names.

A handler is one n9e resource kind. Besides the pure methods the planner uses (``Spec``, plan.py) and the I/O through
the client, its class says where the kind lives on disk and how its objects are recognised:

* ``kind``: the name in plans, reports and ``desired`` (``board``);
* ``folder``: its folder in an `n9e-k8s export` and the word of ``export --what`` (``dashboards``);
* ``build_folders``: where ``--from-build`` reads it (a build's folders and the export folder);
* ``what``: how `validate FILE` names it when nothing matched;
* ``detect`` / ``check_export``: is an exported object of this kind, and its problems (n9e/formats);
* ``build``: the handler for one ``Target`` (server features, group, datasource), so ``make_handlers`` needs no
  per-kind code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..plan import Spec

if TYPE_CHECKING:
    from ...n9e.client import N9eClient
    from ...n9e.versions import ServerFeatures
    from ...problems import Problem


@dataclass(frozen=True)
class Target:
    """What a handler is built for: the client (None: pure use), the busi group, the server's features, the
    chosen datasource (--datasource) and the read parallelism."""

    client: N9eClient | None
    group_id: int
    features: ServerFeatures
    datasource_id: int | None = None
    parallel: int = 4


class Handler(Spec, Protocol):
    kind: str
    folder: ClassVar[str]
    build_folders: ClassVar[tuple[str, ...]]
    what: ClassVar[str]
    group_id: int

    @classmethod
    def build(cls, target: Target) -> Handler: ...
    @staticmethod
    def detect(obj: Any) -> bool: ...
    @staticmethod
    def check_export(obj: Any, file: str, prefix: str) -> list[Problem]: ...

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def validate(self, obj: dict[str, Any]) -> list[str]: ...
    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]: ...
    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]: ...
    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None: ...
    def delete(self, remotes: list[dict[str, Any]]) -> None: ...
    def export(self, remote: dict[str, Any]) -> dict[str, Any]: ...
    def export_name(self, remote: dict[str, Any]) -> str: ...


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


SAFE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a server's name used as a file name as is


def file_stem(name: str) -> str:
    """A stable, filesystem-safe file name for an object name (non-ASCII names get a hash suffix)."""
    s = slug(name)[:100]
    if s and name.isascii():
        return s
    return (s + "-" if s else "") + hashlib.sha1(name.encode()).hexdigest()[:10]
