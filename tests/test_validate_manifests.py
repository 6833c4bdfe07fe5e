"""`n9e-k8s validate` covers the collection manifests rendered from the source tree."""

from __future__ import annotations

from n9e_k8s import manifests
from n9e_k8s.source import resolve_source
from n9e_k8s.validate import validate_tree


def test_source_tree_manifests_are_valid():
    problems = [p for p in validate_tree(resolve_source()) if p.file.startswith("manifests/")]
    assert problems == []


def test_a_broken_manifest_fails_validate_with_file_and_path(monkeypatch):
    real = manifests.render_objects

    def broken(selectors, options):
        objects = real(selectors, options)
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        deployment["spec"]["replicaz"] = 1
        return objects

    monkeypatch.setattr(manifests, "render_objects", broken)
    problems = [p for p in validate_tree(resolve_source()) if p.file.startswith("manifests/")]
    assert problems, "a typo in a rendered object must be reported"
    assert any("deployment" in p.file and "replicaz" in p.message and p.severity == "error" for p in problems)
