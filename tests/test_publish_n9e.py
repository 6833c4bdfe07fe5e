"""`n9e-k8s publish` against a real n9e (lab/n9e) on every version this machine runs: v6.7.3 (CI) refuses with no
request but the version; v7.7.2, v8.5.1 and v9.1.1 (when their builds are cached) get our component and payloads,
keep our uuids, and a second run writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests
from n9e_k8s.cli import _register_all, app
from n9e_k8s.integration import NAME
from n9e_k8s.n9e.versions import ServerFeatures
from typer.testing import CliRunner

from tests.n9e_stub import NO_N9E_ENV
from tests.plugins.n9e_lab import N9eLab, available_versions

pytestmark = pytest.mark.n9e


@pytest.fixture(params=available_versions(), scope="module")
def lab(request: pytest.FixtureRequest, n9e_lab_factory: Callable[..., N9eLab]) -> N9eLab:
    return n9e_lab_factory(request.param)


def publish(lab: N9eLab, *args: str):
    _register_all()
    env = {**NO_N9E_ENV, "N9E_URL": lab.url, "N9E_TOKEN": lab.token}
    return CliRunner().invoke(app, ["publish", "-o", "json", *args], env=env)


def get(lab: N9eLab, path: str, **params: object) -> object:
    resp = requests.get(lab.api + path, headers=lab.headers, params=params, timeout=30)
    resp.raise_for_status()
    assert not resp.json().get("err"), resp.json()
    return resp.json()["dat"]


def test_publish_is_idempotent_or_refused_on_v6(lab: N9eLab) -> None:
    if not ServerFeatures.of(lab.version).builtin_payloads:
        res = publish(lab)
        assert res.exit_code == 2 and "n9e v7 or later" in res.output, res.output
        return
    dry = publish(lab, "--dry-run")
    assert dry.exit_code == 3, dry.output
    first = publish(lab)
    assert first.exit_code == 0, first.output
    steps = json.loads(first.stdout)["steps"]
    assert not [s for s in steps if s["error"]], steps
    component = next(c for c in get(lab, "/builtin-components", query=NAME) if c["ident"] == NAME)
    for kind in ("dashboard", "alert"):
        mine = [s for s in steps if s["kind"] == kind]
        theirs = [p for p in get(lab, "/builtin-payloads", type=kind, component_id=component["id"])
                  if p["component_id"] == component["id"]]  # fmt: skip
        assert len(theirs) == len(mine) and all(10**17 <= p["uuid"] < 10**18 for p in theirs)
    second = publish(lab)
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["writes"] == 0, [s for s in report["steps"] if s["op"] != "unchanged"]
    assert publish(lab, "--dry-run").exit_code == 0
