"""Small process and port helpers shared by the lab scripts (lab/n9e/lab.py, lab/controlplane/lab.py).

Standard library only: the lab scripts run before the package is installed.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the labs never listen elsewhere)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (an exited child not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
