"""What the rule kinds share: their constructor, and list/create/update/delete (the client methods differ by the
word in their name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...n9e.versions import NEWEST_KNOWN, ServerFeatures
from .base import Target, file_stem

if TYPE_CHECKING:
    from ...n9e.client import N9eClient


class RuleIO:
    """The shared half of the rule handlers: construction for a server version, and the client calls."""

    noun: str  # "alert_rule" or "recording_rule"
    fields_for: Callable[[ServerFeatures], dict[str, Any]]  # the fields this version has, with their defaults

    def __init__(
        self,
        client: N9eClient | None,
        group_id: int,
        *,
        datasource_id: int | None = None,
        version: tuple[int, int, int] = NEWEST_KNOWN,
        batch: int = 100,
    ):
        self.client, self.group_id, self.datasource_id, self.batch = client, group_id, datasource_id, batch
        self.version = version
        self.features = ServerFeatures.of(version)
        self.fields = self.fields_for(self.features)
        self.ds_field = self.features.rule_datasource_field

    @classmethod
    def build(cls, t: Target) -> Any:
        return cls(t.client, t.group_id, datasource_id=t.datasource_id, version=t.features.version)

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def key(self, obj: dict[str, Any]) -> str:
        return (obj.get("name") or "").strip()

    def _client(self) -> N9eClient:
        assert self.client is not None, "handler used without a client"
        return self.client

    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        return getattr(self._client(), f"list_{self.noun}s")(self.group_id)

    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for i in range(0, len(objs), self.batch):
            chunk = objs[i : i + self.batch]
            # n9e answers {name: error}; map it back to our keys (recording rules may share a name).
            answer = getattr(self._client(), f"create_{self.noun}s")(
                self.group_id, [self.wire(o) for o in chunk]
            )
            for o in chunk:
                result[self.key(o)] = answer.get(o["name"], "no result from the server")
        return result

    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None:
        getattr(self._client(), f"update_{self.noun}")(self.group_id, remote["id"], self.wire(desired))

    def delete(self, remotes: list[dict[str, Any]]) -> None:
        getattr(self._client(), f"delete_{self.noun}s")(self.group_id, [r["id"] for r in remotes])

    def export(self, remote: dict[str, Any]) -> dict[str, Any]:
        return self.written_form(remote)

    def export_name(self, remote: dict[str, Any]) -> str:
        return file_stem(str(self.key(remote)) or str(remote.get("id")))
