"""The wheel carries the built-in source tree and the schemas, so `pip install .` works anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_builtin_source_and_schemas(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("n9e_k8s-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("promql", "dashboards", "alerts"):
        files = sorted(p.relative_to(REPO).as_posix() for p in (REPO / folder).glob("*.yaml"))
        assert files, folder
        for f in files:
            assert f"n9e_k8s/builtin/{f}" in names, f
    schemas = sorted((REPO / "toolkit/n9e_k8s/schemas").glob("*.json"))
    assert schemas
    for s in schemas:
        assert f"n9e_k8s/schemas/{s.name}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    with zipfile.ZipFile(wheel) as z:
        entry = next(n for n in names if n.endswith("entry_points.txt"))
        assert "n9e-k8s = n9e_k8s.cli:main" in z.read(entry).decode()
