"""``sync-alerts --max-for D``: a test aid that makes every rule page within seconds, not minutes.

Caps every alert rule's ``for`` (``prom_for_duration``) and every rule's evaluation interval (``prom_eval_interval``
and its ``cron_pattern``) at D seconds, so an outage in a lab raises n9e's alert event within about 2·D plus n9e's
rule-cache sync. For tests only: the capped rules are what is written (and hashed), so a normal sync afterwards
reports them as updates and writes the real timings back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from .engine import Desired

MIN_SECONDS = 1


def parse_seconds(text: str) -> int:
    """``10s``, ``2m``, ``1h`` or plain seconds; a UsageError otherwise."""
    raw = text.strip()
    factor = {"s": 1, "m": 60, "h": 3600}.get(raw[-1:], 0)
    number = raw[:-1] if factor else raw
    if not number.isdigit() or int(number) * (factor or 1) < MIN_SECONDS:
        raise UsageError(f"--max-for {text!r}: give a duration like 10s, 2m or 1h (at least 1s)")
    return int(number) * (factor or 1)


def cap_timings(desired: dict[str, list[Desired]], seconds: int) -> None:
    """Cap ``for`` and the evaluation interval of every desired rule at ``seconds`` (in place)."""
    for kind in ("alert-rule", "recording-rule"):
        for d in desired.get(kind, []):
            obj = dict(d.obj)
            if kind == "alert-rule":
                obj["prom_for_duration"] = min(int(obj.get("prom_for_duration") or 0), seconds)
            interval = min(int(obj.get("prom_eval_interval") or seconds), seconds)
            obj["prom_eval_interval"] = interval
            if obj.get("cron_pattern") or "cron_pattern" in obj:
                obj["cron_pattern"] = f"@every {interval}s"
            d.obj = obj
