"""Contexts files and connection flags: strict types, no secrets shown, bounds, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from n9e_k8s.errors import UsageError
from n9e_k8s.sync.settings import resolve_settings

from tests.n9e_stub import Stub
from tests.test_sync_faults import basic_routes, build_dir, invoke  # noqa: F401 - build_dir is a fixture


def _cfg(tmp_path: Path, text: str, mode: int = 0o600) -> str:
    f = tmp_path / "config.yaml"
    f.write_text(text)
    f.chmod(mode)
    return str(f)


@pytest.mark.parametrize("value", ['"false"', '"no"', "0", "1", "[]"])
def test_insecure_must_be_a_yaml_boolean(tmp_path: Path, value: str) -> None:
    cfg = _cfg(
        tmp_path,
        f"current-context: a\ncontexts:\n  a:\n    url: https://n9e.example\n    insecure: {value}\n",
    )
    with pytest.raises(UsageError, match=r"contexts\.a\.insecure: must be true or false"):
        resolve_settings({}, config=cfg, environ={})


def test_insecure_true_and_false_as_booleans(tmp_path: Path) -> None:
    for value, expected in (("true", True), ("false", False)):
        cfg = _cfg(
            tmp_path, f"current-context: a\ncontexts:\n  a:\n    url: https://x\n    insecure: {value}\n"
        )
        assert resolve_settings({}, config=cfg, environ={}).insecure is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("contexts: [a]\n", "contexts: must be a mapping"),
        ("current-context: a\ncontexts:\n  a: [x]\n", "contexts.a: must be a mapping"),
        ("current-context: a\ncontexts:\n  a:\n    url: 17000\n", "contexts.a.url: must be a string"),
        ("current-contxt: a\n", "did you mean 'current-context'"),
        ("current-context: a\ncontexts:\n  a:\n    url: http://x\n    grop: g\n", "did you mean 'group'"),
        ("a: [1, 2\n", "config.yaml:"),
    ],
)
def test_bad_config_files_are_usage_errors_naming_the_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace(".", r"\.").replace("[", r"\[")):
        resolve_settings({}, config=_cfg(tmp_path, text), environ={})


def test_non_utf8_config_file(tmp_path: Path) -> None:
    f = tmp_path / "config.yaml"
    f.write_bytes(b"contexts:\n  a: \xff\xfe\n")
    with pytest.raises(UsageError, match=r"config.yaml:2: not UTF-8"):
        resolve_settings({}, config=str(f), environ={})


def test_world_readable_config_with_a_password_warns(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = "current-context: a\ncontexts:\n  a:\n    url: http://127.0.0.1:1\n    username: u\n    password: pw-77\n"
    resolve_settings({}, config=_cfg(tmp_path, text, 0o644), environ={})
    err = capsys.readouterr().err
    assert "readable by others" in err and "pw-77" not in err
    resolve_settings({}, config=_cfg(tmp_path, text, 0o600), environ={})
    assert "readable by others" not in capsys.readouterr().err


def test_password_in_url_never_printed_with_verbose(build_dir: Path) -> None:  # noqa: F811
    with Stub() as stub:
        basic_routes(stub)
        url = stub.url.replace("http://", "http://admin:pw-in-url-42@")
        res = invoke(
            "import-dashboards",
            "--from-build",
            str(build_dir),
            "-v",
            "--dry-run",
            env={"N9E_URL": url, "N9E_TOKEN": "t-1", "N9E_GROUP": "k8s"},
        )
    assert res.exit_code in (0, 3), res.output
    assert "pw-in-url-42" not in res.stdout + res.stderr
    assert "***@127.0.0.1" in res.stderr


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--retries", "-1"), ("--retries", "1000000"), ("--timeout", "0"), ("--timeout", "1e9")],
)
def test_retries_and_timeout_are_bounded(build_dir: Path, flag: str, value: str) -> None:  # noqa: F811
    res = invoke(
        "import-dashboards",
        "--from-build",
        str(build_dir),
        flag,
        value,
        env={"N9E_URL": "http://127.0.0.1:9", "N9E_TOKEN": "t", "N9E_GROUP": "k8s"},
    )
    assert res.exit_code == 2 and flag in res.stderr, res.output


@pytest.mark.parametrize(
    ("url", "creds", "warned"),
    [
        ("http://n9e.example:17000", {"token": "t"}, True),
        ("http://n9e.example:17000", {"username": "u", "password": "p"}, True),
        ("http://u:p@n9e.example:17000", {}, True),
        ("http://n9e.example:17000", {}, False),
        ("https://n9e.example:17000", {"token": "t"}, False),
        ("http://127.0.0.1:17000", {"token": "t"}, False),
        ("http://localhost:17000", {"token": "t"}, False),
    ],
)
def test_plain_http_with_credentials_warns_except_on_loopback(
    capsys: pytest.CaptureFixture, url: str, creds: dict, warned: bool
) -> None:
    from n9e_k8s.commands.connection import warn_plain_http
    from n9e_k8s.n9e.client import Credentials

    warn_plain_http(url, Credentials(**creds))
    err = capsys.readouterr().err
    assert ("over plain http://" in err) is warned, err
    assert ":p@" not in err
