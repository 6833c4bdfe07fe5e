"""Replace dashboard variables by placeholders PromQL can parse (after grafana/dashboard-linter).

``$var``, ``${var}``, ``${var:fmt}`` and ``[[var]]`` outside quoted strings become a placeholder of the
variable's kind:

* ``duration``: a duration (the variable's default when it is one, else a unique ``<n>s``);
* ``number``: a number (the default when numeric, else a unique integer);
* ``label``/``text`` and unknown variables: an identifier ``n9e_k8s_var_<name>_<n>``, or, right after a
  matcher operator inside ``{...}``, a quoted string.

When the kind is not known the position decides: inside ``[...]`` or after ``offset`` it is a duration.
Variables inside quoted strings (``{instance=~"$instance"}``) are left alone but still recorded, so
that undefined ones are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..varrefs import VARIABLE_RE, variable_name, variable_names

PLACEHOLDER_PREFIX = "n9e_k8s_var_"
DURATION_BASE = 11277964  # unlikely to clash with a real range (dashboard-linter's seed)
# Grafana/n9e global variables and their kinds.
GLOBALS: dict[str, str] = {
    "__rate_interval": "duration",
    "__interval": "duration",
    "__range": "duration",
    "__interval_ms": "number",
    "__range_ms": "number",
    "__range_s": "number",
    "__rate_interval_ms": "number",
    "__from": "number",
    "__to": "number",
    "__name": "text",
    "__dashboard": "text",
    "__user": "text",
    "__org": "text",
}
# Quoted strings first, so that the callback sees them whole (variables inside stay as written).
TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|' + VARIABLE_RE.pattern)
DURATION_RE = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Substitution:
    text: str
    placeholders: dict[str, str] = field(default_factory=dict)  # placeholder -> original text
    used: list[str] = field(default_factory=list)  # variable names, in order of appearance
    undefined: list[str] = field(default_factory=list)

    def restore(self, text: str) -> str:
        """Put the original variable references back into a message."""
        for ph, original in sorted(self.placeholders.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(ph, original)
        return text


def is_placeholder(name: str | None) -> bool:
    return bool(name) and (name.startswith(PLACEHOLDER_PREFIX) or name.startswith('"' + PLACEHOLDER_PREFIX))


def _guess_kind(before: str) -> str:
    last_open, last_close = before.rfind("["), before.rfind("]")
    if last_open > last_close:
        return "duration"
    if re.search(r"\boffset\s*$", before):
        return "duration"
    return "label"


def _in_matcher_value(before: str) -> bool:
    """True when the text before the variable ends inside ``{...}`` right after a matcher operator."""
    if before.rfind("{") <= before.rfind("}"):
        return False
    return bool(re.search(r"(=~|!~|!=|=)\s*$", before))


def substitute(expr: str, kinds: dict[str, str], defaults: dict[str, str] | None = None) -> Substitution:
    """Replace the variables of ``expr``; ``kinds`` maps every defined variable to its kind."""
    defaults = defaults or {}
    sub = Substitution(expr)
    counter = 0

    def note(name: str) -> None:
        sub.used.append(name)
        if name not in kinds and name not in GLOBALS and name not in sub.undefined:
            sub.undefined.append(name)

    def repl(m: re.Match[str]) -> str:
        nonlocal counter
        token = m.group(0)
        if token[0] in "\"'`":
            for name in variable_names(token):
                note(name)
            return token
        name = variable_name(m)
        note(name)
        before = expr[: m.start()]
        kind = kinds.get(name) or GLOBALS.get(name)
        if kind is None or kind in ("label", "text"):
            guessed = _guess_kind(before)
            kind = "duration" if guessed == "duration" else (kind or "label")
        counter += 1
        default = defaults.get(name, "")
        if kind == "duration":
            ph = default if DURATION_RE.match(default) else f"{DURATION_BASE + counter}s"
        elif kind == "number":
            ph = default if NUMBER_RE.match(default) else str(1000 + counter)
        elif _in_matcher_value(before):
            ph = f'"{PLACEHOLDER_PREFIX}{name}_{counter}"'
        else:
            ph = f"{PLACEHOLDER_PREFIX}{name}_{counter}"
        if ph.startswith(PLACEHOLDER_PREFIX) or ph.startswith('"'):
            sub.placeholders[ph.strip('"')] = token
        return ph

    sub.text = TOKEN_RE.sub(repl, expr)
    return sub
