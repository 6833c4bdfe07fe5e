"""N9E_BASE_URL and N9E_API_URL (the names other n9e tools use) stand for N9E_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from n9e_k8s.errors import UsageError
from n9e_k8s.sync.settings import resolve_settings


def settings_from(tmp_path: Path, **env: str):
    return resolve_settings({}, environ={"N9E_K8S_CONFIG": str(tmp_path / "none.yaml"), **env})


@pytest.mark.parametrize("alias", ["N9E_BASE_URL", "N9E_API_URL"])
def test_an_alias_gives_the_url(tmp_path: Path, alias: str) -> None:
    assert settings_from(tmp_path, **{alias: "http://127.0.0.1:17000/"}).url == "http://127.0.0.1:17000"


def test_n9e_url_wins_over_the_aliases(tmp_path: Path) -> None:
    s = settings_from(tmp_path, N9E_URL="http://a:1", N9E_BASE_URL="http://b:2", N9E_API_URL="http://c:3")
    assert s.url == "http://a:1"


def test_aliases_that_agree_are_fine(tmp_path: Path) -> None:
    s = settings_from(tmp_path, N9E_BASE_URL="http://b:2/", N9E_API_URL="http://b:2")
    assert s.url == "http://b:2"


def test_aliases_that_disagree_are_a_usage_error_naming_both(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc:
        settings_from(tmp_path, N9E_BASE_URL="http://b:2", N9E_API_URL="http://c:3")
    assert "N9E_BASE_URL" in str(exc.value) and "N9E_API_URL" in str(exc.value)


def test_a_flag_still_wins_over_an_alias(tmp_path: Path) -> None:
    s = resolve_settings(
        {"url": "http://flag:1"},
        environ={"N9E_K8S_CONFIG": str(tmp_path / "none.yaml"), "N9E_API_URL": "http://c:3"},
    )
    assert s.url == "http://flag:1"
