"""Boards: tag ``n9e-k8s`` (managed) and tag ``n9e-k8s-sha=<hash>`` (board tags are space separated).

The list route has no configs: each board that may be compared is read on its own (in parallel; n9e has no bulk
read). Boards have a ``note`` from v8.5 (``ServerFeatures.board_note``).
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ...n9e.formats.board import board_write_problems, is_board, validate_board
from ...n9e.formats.common import json_obj
from ..plan import content_hash
from ..uisave import canonical_board_configs
from .base import SAFE_NAME_RE, Target, file_stem

if TYPE_CHECKING:
    from ...n9e.client import N9eClient

MANAGED_TAG = "n9e-k8s"
HASH_TAG_PREFIX = "n9e-k8s-sha="


class BoardHandler:
    kind = "board"
    folder = "dashboards"
    build_folders = ("dashboards",)
    what = "a board (an object with 'configs')"
    detect = staticmethod(is_board)
    check_export = staticmethod(validate_board)

    def __init__(
        self,
        client: N9eClient | None,
        group_id: int,
        *,
        note_supported: bool = True,
        parallel: int = 4,
        datasource_id: int | None = None,
    ):
        self.client, self.group_id, self.note_supported = client, group_id, note_supported
        self.parallel, self.datasource_id = parallel, datasource_id

    @classmethod
    def build(cls, t: Target) -> BoardHandler:
        kw = {
            "note_supported": t.features.board_note,
            "parallel": t.parallel,
            "datasource_id": t.datasource_id,
        }
        return cls(t.client, t.group_id, **kw)

    # pure
    def key(self, obj: dict[str, Any]) -> str:
        return obj.get("ident") or obj.get("name") or ""

    @staticmethod
    def _tags(obj: dict[str, Any]) -> list[str]:
        raw = obj.get("tags") or ""
        words = raw.split() if isinstance(raw, str) else [str(t) for t in raw]
        return list(dict.fromkeys(words))

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        """For comparison: ``written_form`` with the configs as the UI's migration leaves them (uisave.py)."""
        out = self.written_form(obj)
        out["configs"] = canonical_board_configs(out["configs"])
        return out

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The normalised content as this tool writes it (export writes this form)."""
        tags = sorted(t for t in self._tags(obj) if not t.startswith(HASH_TAG_PREFIX))
        out = {
            "name": obj.get("name") or "",
            "ident": obj.get("ident") or "",
            "tags": tags,
            "configs": json_obj(obj.get("configs"), {}),
        }
        if self.note_supported:
            out["note"] = obj.get("note") or ""
        return out

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return MANAGED_TAG in self._tags(remote)

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        for t in self._tags(remote):
            if t.startswith(HASH_TAG_PREFIX):
                return t[len(HASH_TAG_PREFIX) :]
        return None

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The desired board as this tool writes it (managed tag added)."""
        out = copy.deepcopy(obj)
        tags = [t for t in self._tags(obj) if not t.startswith(HASH_TAG_PREFIX)]
        if MANAGED_TAG not in tags:
            tags.append(MANAGED_TAG)
        out["tags"] = " ".join(tags)
        out["configs"] = json_obj(obj.get("configs"), {})
        if self.datasource_id and isinstance(out["configs"], dict):
            for var in out["configs"].get("var") or []:  # open the board on the chosen datasource
                if isinstance(var, dict) and var.get("type") == "datasource":
                    var["defaultValue"] = self.datasource_id
        return {k: out.get(k, "") for k in ("name", "ident", "tags", "note", "configs")}

    def validate(self, obj: dict[str, Any]) -> list[str]:
        errs = board_write_problems(obj)
        tags = " ".join(self._tags(obj)) + f" {MANAGED_TAG} {HASH_TAG_PREFIX}{'0' * 16}"
        if len(tags) > 255:
            errs.append("tags are too long for n9e (255 characters including the n9e-k8s markers)")
        return errs

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        """The create/update body: markers in the tags, configs as a JSON string."""
        norm = self.written_form(desired)
        tags = [*self._tags(desired), HASH_TAG_PREFIX + content_hash(self.normalise(desired))]
        body = {
            "name": desired["name"],
            "ident": desired.get("ident") or "",
            "tags": " ".join(tags),
            "configs": json.dumps(norm["configs"], ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        }
        if self.note_supported:
            body["note"] = desired.get("note") or ""
        return body

    # I/O
    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        assert self.client is not None
        boards = self.client.list_boards(self.group_id)
        # None: every board (export); else the managed ones and those the source names
        need = (
            boards if wanted is None else [b for b in boards if self.is_managed(b) or self.key(b) in wanted]
        )
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            full = list(pool.map(lambda b: self.client.get_board(b["id"]), need))  # type: ignore[union-attr]
        by_id = {b["id"]: b for b in full}
        return [by_id.get(b["id"], b) for b in boards]

    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]:
        from ...n9e.client import N9eAuthError, N9eError

        assert self.client is not None
        result: dict[str, str] = {}
        for o in objs:
            try:
                self.client.create_board(self.group_id, self.wire(o))
                result[self.key(o)] = ""
            except N9eAuthError:
                raise
            except N9eError as exc:
                result[self.key(o)] = str(exc)
        return result

    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None:
        assert self.client is not None
        body = self.wire(desired)
        have = {
            "name": remote.get("name") or "",
            "ident": remote.get("ident") or "",
            "tags": remote.get("tags") or "",
            "note": remote.get("note") or "",
        }
        meta = {k: body.get(k, have[k]) for k in ("name", "ident", "tags", "note")}
        if meta != have:
            self.client.update_board_meta(remote["id"], meta)  # sends all four: omitted ones would be cleared
        if json_obj(remote.get("configs"), {}) != json.loads(body["configs"]):
            self.client.update_board_configs(remote["id"], body["configs"])

    def delete(self, remotes: list[dict[str, Any]]) -> None:
        assert self.client is not None
        self.client.delete_boards(r["id"] for r in remotes)

    def export(self, remote: dict[str, Any]) -> dict[str, Any]:
        n = self.written_form(remote)
        n["tags"] = " ".join(n["tags"])
        return n

    def export_name(self, remote: dict[str, Any]) -> str:
        ident = remote.get("ident")
        if isinstance(ident, str) and SAFE_NAME_RE.fullmatch(ident):
            return ident
        return file_stem(str(ident or remote.get("name") or remote.get("id")))
