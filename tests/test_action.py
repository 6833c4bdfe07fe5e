"""action.yml run as GitHub runs a composite action: its `run:` steps in order with bash, `${{ inputs.x }}`
substituted (defaults from the file), GITHUB_* set, in a user's repository. Checks: good source passes, a broken
query fails with file and line, a stale out/ fails, and with an n9e the plan lands in the summary and on the PR."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from .vcs import BROKEN_FILE, BROKEN_LINE, REPO, break_a_query, checkout_copy, user_repo

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")


@dataclass
class Run:
    steps: list[tuple[str, int, str]]  # (name, exit code, stdout + stderr) of each step that ran
    outputs: dict[str, str]
    summary: str

    @property
    def ok(self) -> bool:
        return all(rc == 0 for _, rc, _ in self.steps)

    @property
    def output(self) -> str:
        return "\n".join(out for _, _, out in self.steps)


def substitute(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ACTION["inputs"], f"action.yml uses an undeclared input {name!r}"
        return inputs.get(name, str(ACTION["inputs"][name].get("default", "")))

    out = EXPRESSION.sub(value, text)
    assert "${{" not in out, f"an expression the test does not know: {out}"
    return out


def run_action(
    home: Path, workspace: Path, inputs: dict[str, str], event: dict[str, Any] | None = None
) -> Run:
    """Every step in order until one fails (GitHub's default `if: success()`)."""
    temp = home / "runner-temp"
    temp.mkdir(exist_ok=True)
    files = {name: temp / name for name in ("output", "summary", "env", "event.json")}
    for name in ("output", "summary", "env"):
        files[name].write_text("")
    files["event.json"].write_text(json.dumps(event or {}))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("N9E_", "GITHUB_", "INPUT_"))},
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(home / "n9e-k8s"),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "GITHUB_ENV": str(files["env"]),
        "GITHUB_EVENT_PATH": str(files["event.json"]),
        "GITHUB_EVENT_NAME": "pull_request" if event and "pull_request" in event else "push",
        "GITHUB_REPOSITORY": "example/monitoring",
        "GITHUB_API_URL": inputs.pop("_api_url", "https://api.github.invalid"),
        "RUNNER_TEMP": str(temp),
    }
    assert ACTION["runs"]["using"] == "composite"
    steps = []
    for i, step in enumerate(ACTION["runs"]["steps"]):
        assert step["shell"] == "bash" and "uses" not in step, "only bash steps run offline"
        script = temp / f"step-{i}.sh"
        script.write_text(substitute(step["run"], inputs))
        step_env = {k: substitute(str(v), inputs) for k, v in step.get("env", {}).items()}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        steps.append((step["name"], result.returncode, result.stdout + result.stderr))
        if result.returncode != 0:
            break
    outputs = dict(line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line)
    return Run(steps, outputs, files["summary"].read_text())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action's checkout (a copy of this one, working changes included) and a Python to install it in."""
    base = tmp_path_factory.mktemp("action")
    checkout_copy(base / "n9e-k8s")
    # --system-site-packages: the dependencies are there already, pip installs only the package itself.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(base / "venv")], check=True)
    return base


@pytest.fixture
def inputs(home: Path) -> dict[str, str]:
    return {"python": str(home / "venv" / "bin" / "python")}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return user_repo(tmp_path / "monitoring")


def test_every_input_is_documented_and_used() -> None:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    used = set(EXPRESSION.findall(text))
    assert used == set(ACTION["inputs"])
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert ACTION["inputs"]["format"]["default"] == "github"


def test_good_source_passes_and_no_n9e_means_no_plan(
    home: Path, workspace: Path, inputs: dict[str, str]
) -> None:
    run = run_action(home, workspace, {**inputs, "build-check": "true"})
    assert run.ok, run.output
    assert [name for name, _, _ in run.steps] == [s["name"] for s in ACTION["runs"]["steps"]]
    assert "out is current" in run.output
    assert "no plan" in run.output and run.summary == ""


def test_a_broken_query_fails_with_file_and_line_and_every_check_runs(
    home: Path, workspace: Path, inputs: dict[str, str]
) -> None:
    break_a_query(workspace)
    run = run_action(home, workspace, {**inputs, "build-check": "true"})
    assert not run.ok
    name, rc, output = run.steps[-1]
    assert name == "Lint, validate, check out/" and rc == 1
    assert f"::error file={BROKEN_FILE},line={BROKEN_LINE},title=n9e-k8s lint%3A counter-rate::" in output
    assert "n9e-k8s validate: " in output and " 0 error(s)" in output  # validate ran after lint failed
    assert "differs: out/" in output  # and build --check too


def test_a_stale_output_fails_only_with_build_check(
    home: Path, workspace: Path, inputs: dict[str, str]
) -> None:
    (workspace / "out" / "dashboards" / "old.json").write_text("{}\n")
    assert run_action(home, workspace, dict(inputs)).ok
    run = run_action(home, workspace, {**inputs, "build-check": "true"})
    assert not run.ok and "stale: out/dashboards/old.json" in run.steps[-1][2]


def test_build_args_reach_the_check(home: Path, workspace: Path, inputs: dict[str, str]) -> None:
    from .vcs import n9e_k8s

    assert n9e_k8s("build", "--source", ".", "--out", "out-zh", "--lang", "zh", cwd=workspace).returncode == 0
    run = run_action(
        home, workspace, {**inputs, "build-check": "true", "out": "out-zh", "build-args": "--lang zh"}
    )
    assert run.ok, run.output


class GitHubStub(BaseHTTPRequestHandler):
    comments: ClassVar[list[tuple[str, dict[str, str], dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        GitHubStub.comments.append((self.path, dict(self.headers), body))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": 1}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.n9e
def test_the_plan_goes_to_the_summary_and_the_pull_request(
    home: Path, workspace: Path, inputs: dict[str, str], n9e: Any
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHubStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    GitHubStub.comments.clear()
    try:
        run = run_action(
            home,
            workspace,
            {
                **inputs,
                "n9e-url": n9e.url,
                "n9e-token": n9e.token,
                "group": n9e.group_name,
                "datasource": n9e.datasource_name,
                "github-token": "ghs_test-token",
                "_api_url": f"http://127.0.0.1:{server.server_port}",
            },
            event={"pull_request": {"number": 7}},
        )
    finally:
        server.shutdown()
    assert run.ok, run.output
    assert run.outputs["changes-pending"] in ("true", "false")
    assert (
        "n9e-k8s import-dashboards --dry-run" in run.summary
        and "n9e-k8s sync-alerts --dry-run" in run.summary
    )
    [(path, headers, body)] = GitHubStub.comments
    assert path == "/repos/example/monitoring/issues/7/comments"
    assert headers["Authorization"] == "Bearer ghs_test-token"
    assert body["body"] == run.summary
    assert n9e.token not in run.output and n9e.token not in run.summary


def test_a_failing_plan_fails_the_step(home: Path, workspace: Path, inputs: dict[str, str]) -> None:
    """Exit 3 (changes pending) passes; any other failure of a dry-run fails the step, token unprinted."""
    with socket_closed_port() as port:
        run = run_action(
            home,
            workspace,
            {**inputs, "n9e-url": f"http://127.0.0.1:{port}", "n9e-token": "tok-secret", "group": "g"},
        )
    name, rc, output = run.steps[-1]
    assert name == "Plan the n9e sync" and rc == 1, output
    assert "::error::n9e-k8s import-dashboards --dry-run failed (exit 1)" in output
    assert "tok-secret" not in output and "changes-pending" not in run.outputs


@contextmanager
def socket_closed_port() -> Iterator[int]:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port
