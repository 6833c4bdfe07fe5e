"""Start-up stays fast: `n9e-k8s --help` imports typer and the small command modules, nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import n9e_k8s

TOOLKIT = str(Path(n9e_k8s.__file__).parent.parent)
# Loaded only by the commands that need them (the source, schemas, HTTP, PromQL), and typer's rich help
# formatter (rich.markdown and pygments: ~100 ms of a ~200 ms `--help`).
HEAVY = ("yaml", "jsonschema", "requests", "promql_parser", "rich.markdown", "pygments", "n9e_k8s.project")

PROBE = """
import json, sys
from n9e_k8s.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_after(*argv: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": TOOLKIT}
    res = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(res.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_imports_nothing_heavy() -> None:
    modules = loaded_after("--help")
    assert "n9e_k8s.commands.lint" in modules  # the probe did run the CLI
    assert heavy(modules) == []


def test_a_command_help_imports_nothing_heavy() -> None:
    assert heavy(loaded_after("sync-alerts", "--help")) == []


def test_version_imports_nothing_heavy() -> None:
    assert heavy(loaded_after("--version")) == []


def test_registering_twice_adds_no_command_twice() -> None:
    """main() run twice in one process (tests, embedding programs) must not register the commands again:
    every copy was converted by typer on each run, so the 200th in-process run took seconds."""
    from n9e_k8s.cli import _register_all, app

    _register_all()
    before = len(app.registered_commands)
    _register_all()
    _register_all()
    assert len(app.registered_commands) == before
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert len(names) == len(set(names)), names
