"""YAML loading with line numbers: duplicate keys are errors, merge keys may be overridden."""

from __future__ import annotations

from pathlib import Path

import pytest
from n9e_k8s.errors import SourceError
from n9e_k8s.yamlio import load_yaml


def test_lines_are_remembered(tmp_path: Path):
    f = tmp_path / "a.yaml"
    f.write_text("top:\n  - name: x\n    value: 1\n  - name: y\n")
    data = load_yaml(f)
    assert data.line_of("top") == 1
    assert data["top"].line_of(1) == 4
    assert data["top"][0].line_of("value") == 3


def test_duplicate_key_is_an_error_with_its_line(tmp_path: Path):
    f = tmp_path / "d.yaml"
    f.write_text("a: 1\nb: 2\na: 3\n")
    with pytest.raises(SourceError, match=r"d.yaml:3: invalid YAML: duplicate key 'a'"):
        load_yaml(f)


def test_a_merged_key_can_be_overridden(tmp_path: Path):
    f = tmp_path / "m.yaml"
    f.write_text("base: &x {p: 1, q: 2}\nafter:\n  <<: *x\n  q: 3\nbefore:\n  q: 4\n  <<: *x\n")
    data = load_yaml(f)
    assert data["after"] == {"p": 1, "q": 3}
    assert data["before"] == {"p": 1, "q": 4}


def test_syntax_error_names_the_line(tmp_path: Path):
    f = tmp_path / "s.yaml"
    f.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(SourceError, match=r"s.yaml:\d+: invalid YAML"):
        load_yaml(f)
