"""The local advisory lock of a sync (sync/lock.py): one run per server and group at a time, released on kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from n9e_k8s.errors import RemoteError
from n9e_k8s.sync.lock import group_lock, lock_path

URL = "http://127.0.0.1:17000"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path


def test_lock_file_is_under_the_state_dir_and_names_no_url(state_home: Path) -> None:
    p = lock_path(URL, "k8s")
    assert p.parent == state_home / "n9e-k8s" / "locks"
    assert "127.0.0.1" not in p.name and "k8s" not in p.name
    assert lock_path(URL, "k8s") == lock_path(URL + "/", "k8s") != lock_path(URL, "other")


def test_a_second_run_waits_then_fails_naming_the_lock() -> None:
    with group_lock(URL, "k8s") as held:
        started = time.monotonic()
        msg = r"another n9e-k8s sync of group .k8s.*lock .*waited 0.3s"
        with pytest.raises(RemoteError, match=msg), group_lock(URL, "k8s", timeout=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 3
        with group_lock(URL, "other", timeout=0):  # another group is not blocked
            pass
    assert held.exists()
    with group_lock(URL, "k8s", timeout=0):  # released
        pass


def test_a_killed_holder_releases_the_lock(state_home: Path) -> None:
    code = (
        "import sys, time; from n9e_k8s.sync.lock import group_lock\n"
        f"with group_lock({URL!r}, 'k8s'):\n    print('held', flush=True); time.sleep(60)\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(state_home)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(RemoteError), group_lock(URL, "k8s", timeout=0.2):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with group_lock(URL, "k8s", timeout=5):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
