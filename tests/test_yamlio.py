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


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + b"".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
            r"b.yaml: expands to more than 1000000 values",
        ),
        (b"a: &a [x, *a]\n", r"expands to more than"),
        (b"[" * 5000 + b"]" * 5000, r"b.yaml:1: invalid YAML: nested over 64 deep"),
        ("a: 1\n".encode("utf-16"), r"b.yaml:1: UTF-16 text"),
        (b"a: 1\nb: \xff\n", r"b.yaml:2: not UTF-8 text \(byte 0xff"),
        (b"? [a, b]\n: 1\n", r"b.yaml:1: invalid YAML: a key must be a plain value"),
        (b"a: \x00\n", r"b.yaml: invalid YAML"),
    ],
)
def test_hostile_files_are_source_errors(tmp_path: Path, raw: bytes, message: str) -> None:
    f = tmp_path / "b.yaml"
    f.write_bytes(raw)
    with pytest.raises(SourceError, match=message):
        load_yaml(f)


def test_load_each_yields_the_files_that_parse_and_collects_the_others(tmp_path):
    from n9e_k8s.yamlio import load_each

    good, bad, other = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    good.write_text("x: 1\n")
    bad.write_text("x: [1\n")
    other.write_text("y: 2\n")
    errors: list = []
    loaded = list(load_each([good, bad, other], errors))
    assert [(f.name, dict(d)) for f, d in loaded] == [("a.yaml", {"x": 1}), ("c.yaml", {"y": 2})]
    assert len(errors) == 1 and str(errors[0]).startswith(f"{bad}:")
