"""References to dashboard variables inside PromQL text: ``$var``, ``${var}``, ``${var:fmt}``,
``[[var]]`` and ``[[var:fmt]]``. A name starts with a letter or ``_``, so regex back-references
(``"$1"`` in label_replace) are not variables."""

from __future__ import annotations

import re
from collections.abc import Mapping

VARIABLE_RE = re.compile(
    r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]"
)


def variable_name(match: re.Match[str]) -> str:
    """The variable's name in a match of :data:`VARIABLE_RE` (or of a pattern built on it)."""
    return match.group(1) or match.group(2) or match.group(3)


def variable_names(text: str) -> list[str]:
    """Every variable ``text`` refers to, in order (repeats included)."""
    return [variable_name(m) for m in VARIABLE_RE.finditer(text)]


def substitute_variables(text: str, values: Mapping[str, str]) -> str:
    """Replace every variable that has a value in ``values``; the others stay as written."""
    return VARIABLE_RE.sub(lambda m: values.get(variable_name(m), m.group(0)), text)
