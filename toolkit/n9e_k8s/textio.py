"""The one JSON form of every file the tool writes (builds, exports, backups): stable bytes for git."""

from __future__ import annotations

import json
from typing import Any


def stable_json(data: Any) -> str:
    """Sorted keys, two-space indentation, UTF-8 text kept as is, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
