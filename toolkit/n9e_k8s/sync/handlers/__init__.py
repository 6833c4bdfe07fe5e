"""One handler per n9e resource kind, one file each, all in one registry (``HANDLERS``).

A handler knows a kind's key, how to normalise it for comparison, how this tool marks the objects it manages (and
stores the hash of what it wrote), how to validate a desired object, and how to list, create, update and delete
through the client; its class also says where the kind lives on disk and how its objects are recognised (base.py).
The planner (plan.py) only uses the pure methods.

The markers (board.py, alert_rule.py, recording_rule.py) are the same on every n9e version (v6.7.3 has board tags,
alert rule append tags and annotations, and recording rule notes too). Version differences: the fields a handler
compares and sends come from ``ServerFeatures`` (n9e/versions.py); the handlers only apply it.

Adding a kind: a handler file, its line in ``HANDLERS`` (the order is the order of plans, exports and detection),
and its render side (what ``desired`` holds for it).
"""

from __future__ import annotations

from typing import Any

from .alert_rule import AlertRuleHandler
from .base import Handler, Target, file_stem, slug
from .board import BoardHandler
from .recording_rule import RecordingRuleHandler

HANDLERS: tuple[type[Handler], ...] = (BoardHandler, AlertRuleHandler, RecordingRuleHandler)


def handler_class(kind: str) -> type[Handler]:
    for cls in HANDLERS:
        if cls.kind == kind:
            return cls
    raise ValueError(kind)


def kind_of_folder() -> dict[str, str]:
    """Export folder (``export --what`` word) -> kind, in registry order."""
    return {cls.folder: cls.kind for cls in HANDLERS}


def detect(obj: Any) -> list[type[Handler]]:
    """The handlers that recognise ``obj`` as theirs (exactly one for a known n9e export)."""
    return [cls for cls in HANDLERS if cls.detect(obj)]


__all__ = [
    "HANDLERS",
    "AlertRuleHandler",
    "BoardHandler",
    "Handler",
    "RecordingRuleHandler",
    "Target",
    "detect",
    "file_stem",
    "handler_class",
    "kind_of_folder",
    "slug",
]
