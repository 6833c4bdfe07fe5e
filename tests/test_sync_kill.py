"""Kill and retry, and concurrent runs, against the real lab n9e (v6.7.3, what CI runs).

A loopback proxy in front of n9e counts the sync's write requests; at write k it either holds the request without
forwarding it ("before": n9e never sees it) or forwards it and holds n9e's answer ("after": n9e applied it, the
client never learns). The test then kills the client (kill -9), re-runs the sync directly against n9e, and checks
that every desired object is there exactly once (by managed identity) and that a third run (--dry-run) has nothing
to do. Bounded: a handful of objects, a timeout on every wait.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from n9e_k8s.n9e.client import ClientOptions, Credentials, N9eClient

from tests.plugins.n9e_lab import N9eLab

pytestmark = pytest.mark.n9e
REPO = Path(__file__).resolve().parents[1]
BOARDS = 5
READ_POSTS = ("/login", "/datasource/list")  # POSTs that write nothing
WAIT = 60.0


class KillProxy:
    """Forwards to n9e; at write number ``k`` holds the request ("before") or n9e's answer ("after")."""

    def __init__(self, target: str, k: int, mode: str):
        self.target, self.k, self.mode = urlsplit(target), k, mode
        self.writes: list[str] = []
        self.held = threading.Event()  # the test may kill now
        self.release = threading.Event()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                write = self.command != "GET" and not any(p in self.path for p in READ_POSTS)
                n = 0
                if write:
                    with proxy.lock:
                        proxy.writes.append(f"{self.command} {self.path}")
                        n = len(proxy.writes)
                if n == proxy.k and proxy.mode == "before":
                    proxy.held.set()
                    proxy.release.wait(WAIT)
                    return
                conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=WAIT)
                skip = ("host", "connection", "content-length")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if n == proxy.k:  # "after": n9e applied it; the answer never comes back
                    proxy.held.set()
                    proxy.release.wait(WAIT)
                    return
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def board(i: int, group: str) -> dict[str, Any]:
    return {
        "name": f"Kill board {i} {group}",
        "ident": f"kill-{i}-{group}",
        "tags": "k8s",
        "note": "",
        "configs": {"version": "3.0.0", "var": [], "panels": []},
    }


def rule(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "rule_config": {"version": "v1", "queries": [{"prom_ql": "up == 0", "severity": 2}]},
        "prom_eval_interval": 30,
        "append_tags": ["team=k8s"],
        "annotations": {"summary": name},
    }


def write_build(root: Path, group: str) -> Path:
    (root / "dashboards").mkdir(parents=True)
    for i in range(BOARDS):
        (root / "dashboards" / f"b{i}.json").write_text(json.dumps(board(i, group)))
    (root / "alerts").mkdir()
    (root / "alerts" / "k.json").write_text(json.dumps([rule("KillA1"), rule("KillA2"), rule("KillA3")]))
    (root / "recording-rules").mkdir()
    records = [
        {"name": f"job:kill{i}:sum", "prom_ql": "sum(up) by (job)", "prom_eval_interval": 60} for i in (1, 2)
    ]
    (root / "recording-rules" / "k.json").write_text(json.dumps(records))
    return root


def cli(lab: N9eLab, url: str, *args: str, state: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "N9E_URL": url,
        "N9E_TOKEN": lab.token,
        "N9E_USERNAME": "",
        "N9E_PASSWORD": "",
        "N9E_DATASOURCE": str(lab.datasource_id),
        "N9E_K8S_CONFIG": "/nonexistent",
        "XDG_STATE_HOME": str(state),
        "PYTHONPATH": f"{REPO / 'toolkit'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    code = "from n9e_k8s.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args, "--create-group", "--retries", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(p: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = p.communicate(timeout=WAIT)
    return p.returncode, out + err


def client(lab: N9eLab) -> N9eClient:
    return N9eClient(lab.url, Credentials(token=lab.token), ClientOptions(timeout=30, retries=2))


def remote_keys(lab: N9eLab, group: str, command: str) -> Counter[str]:
    c = client(lab)
    [g] = [g for g in c.list_groups(group) if g.get("name") == group]
    if command == "import-dashboards":
        return Counter(b["ident"] for b in c.list_boards(int(g["id"])))
    rules = c.list_alert_rules(int(g["id"])) + c.list_recording_rules(int(g["id"]))
    return Counter(r["name"] for r in rules)


def expected(command: str, group: str) -> Counter[str]:
    if command == "import-dashboards":
        return Counter(f"kill-{i}-{group}" for i in range(BOARDS))
    return Counter(["KillA1", "KillA2", "KillA3", "job:kill1:sum", "job:kill2:sum"])


@pytest.fixture
def lab(n9e: N9eLab) -> N9eLab:
    return n9e


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"


# writes of import-dashboards: group + one POST per board; of sync-alerts: group + one batch POST per rule kind
KILL_POINTS = [("import-dashboards", k) for k in range(1, BOARDS + 2)] + [
    ("sync-alerts", k) for k in (1, 2, 3)
]


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize(("command", "k"), KILL_POINTS)
def test_kill_at_each_write_then_rerun_converges(
    lab: N9eLab, tmp_path: Path, state: Path, command: str, k: int, mode: str
) -> None:
    group = f"kill-{uuid.uuid4().hex[:8]}"
    build = write_build(tmp_path / "build", group)
    args = (command, "--group", group, "--from-build", str(build))
    proxy = KillProxy(lab.url, k, mode)
    try:
        p = cli(lab, proxy.url, *args, state=state)
        assert proxy.held.wait(WAIT), f"write {k} never came: {proxy.writes} {finish(p)}"
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=WAIT)
    finally:
        proxy.close()
    assert p.returncode == -signal.SIGKILL
    code, out = finish(cli(lab, lab.url, *args, state=state))
    assert code == 0, out
    assert remote_keys(lab, group, command) == expected(command, group), out
    code, out = finish(cli(lab, lab.url, *args, "--dry-run", state=state))
    assert code == 0, out  # exit 3 would mean something still pending


# ---- concurrent runs


@pytest.mark.parametrize("command", ["import-dashboards", "sync-alerts"])
def test_two_runs_at_once_leave_each_object_once(
    lab: N9eLab, tmp_path: Path, state: Path, command: str
) -> None:
    group = f"conc-{uuid.uuid4().hex[:8]}"
    args = (command, "--group", group, "--from-build", str(write_build(tmp_path / "build", group)))
    runs = [cli(lab, lab.url, *args, state=state) for _ in range(2)]  # one machine: the lock orders them
    results = [finish(p) for p in runs]
    assert [code for code, _ in results] == [0, 0], results
    assert remote_keys(lab, group, command) == expected(command, group)
    code, out = finish(cli(lab, lab.url, *args, "--dry-run", state=state))
    assert code == 0, out


def test_a_managed_copy_made_through_the_api_is_converged(lab: N9eLab, tmp_path: Path, state: Path) -> None:
    """A second managed recording rule of one identity (n9e does not check recording rule names; two runs from two
    machines can leave one): the next sync keeps one and deletes the copy; the dry run before it shows the delete."""
    group = f"dup-{uuid.uuid4().hex[:8]}"
    args = ("sync-alerts", "--group", group, "--from-build", str(write_build(tmp_path / "build", group)))
    code, out = finish(cli(lab, lab.url, *args, state=state))
    assert code == 0, out
    c = client(lab)
    [g] = [g for g in c.list_groups(group) if g.get("name") == group]
    gid = int(g["id"])
    [orig] = [r for r in c.list_recording_rules(gid) if r["name"] == "job:kill1:sum"]
    server_side = ("id", "create_at", "update_at", "create_by", "update_by", "group_id")
    copy = {k: v for k, v in orig.items() if k not in server_side}
    answer = c.create_recording_rules(gid, [copy])
    assert not any(answer.values()), answer
    assert remote_keys(lab, group, "sync-alerts")["job:kill1:sum"] == 2
    code, out = finish(cli(lab, lab.url, *args, "--dry-run", "-o", "json", state=state))
    assert code == 3, out
    dups = [a for a in json.loads(out[: out.rindex("}") + 1])["actions"] if a["action"] == "delete"]
    assert [(a["key"], a["reason"]) for a in dups] == [("job:kill1:sum", "duplicate of a managed object")]
    code, out = finish(cli(lab, lab.url, *args, state=state))
    assert code == 0, out
    assert remote_keys(lab, group, "sync-alerts") == expected("sync-alerts", group)
    code, out = finish(cli(lab, lab.url, *args, "--dry-run", state=state))
    assert code == 0, out
