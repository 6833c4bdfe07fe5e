"""A local advisory lock per n9e server and busi group, so two syncs on one machine do not interleave.

Two runs writing one group at once could both plan "create" for the same object; the planner converges such
duplicates on the next run (plan.duplicate_actions), and this lock keeps them from happening on one machine.
The lock file is ``${XDG_STATE_HOME:-~/.local/state}/n9e-k8s/locks/<hash>.lock`` (the hash of the server URL and
the group as given, so no URL or name appears in the file name); ``fcntl.flock`` releases it when the process
ends, however it ends (kill -9 included). A second run waits up to ``N9E_K8S_LOCK_TIMEOUT`` seconds (default 120),
then fails naming the lock file. Dry runs write nothing and take no lock.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RemoteError

DEFAULT_TIMEOUT = 120.0


def lock_path(url: str, group: str) -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    digest = hashlib.sha256(f"{url.rstrip('/')}\0{group}".encode()).hexdigest()[:24]
    return Path(state) / "n9e-k8s" / "locks" / f"{digest}.lock"


def lock_timeout() -> float:
    raw = os.environ.get("N9E_K8S_LOCK_TIMEOUT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


@contextmanager
def group_lock(url: str, group: str, timeout: float | None = None) -> Iterator[Path]:
    """Hold the lock of (url, group) for the block; wait at most ``timeout`` seconds for another run's."""
    import fcntl

    path = lock_path(url, group)
    wait = lock_timeout() if timeout is None else timeout
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise RemoteError(f"cannot open the sync lock {path}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RemoteError(
                        f"another n9e-k8s sync of group {group!r} on this server is running (lock {path}); "
                        f"waited {wait:g}s (N9E_K8S_LOCK_TIMEOUT)"
                    ) from None
                time.sleep(0.1)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
