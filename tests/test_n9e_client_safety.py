"""The client against hostile or misconfigured servers: redirects, huge answers, TLS settings, URLs with a
password. A loopback stub only."""

from __future__ import annotations

import logging

import n9e_k8s.n9e.client as n9e_client
import pytest
import requests
from n9e_k8s.n9e.client import ClientOptions, Credentials, N9eAPIError, N9eClient, N9eError

from tests.n9e_stub import Reply, Stub, ok

TOKEN = "tok-7e1d-redirect-secret"
PASSWORD = "pw-5a4b-redirect-secret"


def _client(url: str, creds: Credentials, **opts) -> N9eClient:
    options = ClientOptions(**{"retries": 0, "backoff": 0.0, "timeout": 5.0, **opts})
    return N9eClient(url, creds, options, sleep=lambda s: None)


def _leaked(stub: Stub) -> list[str]:
    found = []
    for seen in stub.seen:
        headers = {k.lower(): v for k, v in seen.headers.items()}
        for name in ("x-user-token", "authorization"):
            if name in headers:
                found.append(f"{seen.method} {seen.path}: {name}")
        if PASSWORD in str(seen.body) or TOKEN in str(seen.body):
            found.append(f"{seen.method} {seen.path}: body")
    return found


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_token_is_not_sent_after_a_redirect_to_another_port(status: int) -> None:
    with Stub() as evil, Stub() as n9e:
        evil.route("GET", "/api/n9e/busi-group/1/boards", ok([]))
        n9e.route(
            "GET",
            "/api/n9e/busi-group/1/boards",
            Reply(status, "", headers={"Location": evil.url + "/api/n9e/busi-group/1/boards"}),
        )
        c = _client(n9e.url, Credentials(token=TOKEN, auth_header="X-User-Token"))
        with pytest.raises(N9eAPIError) as info:
            c.list_boards(1)
        assert f"HTTP {status} redirect to {evil.url}" in str(info.value)
        assert "not followed" in str(info.value)
        assert evil.seen == []
        assert len(n9e.calls("GET", "/api/n9e/busi-group/1/boards")) == 1


def test_login_body_is_not_reposted_after_a_307() -> None:
    with Stub() as evil, Stub() as n9e:
        evil.route("POST", "/api/n9e/auth/login", ok({"access_token": "a", "refresh_token": "r"}))
        n9e.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": False}))
        n9e.route(
            "POST",
            "/api/n9e/auth/login",
            Reply(307, "", headers={"Location": evil.url + "/api/n9e/auth/login"}),
        )
        c = _client(n9e.url, Credentials(username="root", password=PASSWORD))
        with pytest.raises(N9eError):
            c.list_boards(1)
        assert evil.seen == [] and _leaked(evil) == []


def test_redirect_message_has_no_userinfo_of_the_location() -> None:
    with Stub() as n9e:
        n9e.route(
            "GET",
            "/api/n9e/busi-groups",
            Reply(302, "", headers={"Location": "http://u:hunter2@10.0.0.9:81/x"}),
        )
        c = _client(n9e.url, Credentials(token=TOKEN))
        with pytest.raises(N9eAPIError) as info:
            c.list_groups()
        assert "http://10.0.0.9:81" in str(info.value) and "hunter2" not in str(info.value)


def test_an_answer_over_the_cap_is_refused() -> None:
    with Stub() as n9e:
        n9e.route(
            "GET", "/api/n9e/busi-group/1/boards", ok([{"id": i, "name": "x" * 100} for i in range(100)])
        )
        c = _client(n9e.url, Credentials(token=TOKEN, auth_header="X-User-Token"), max_response_bytes=4096)
        with pytest.raises(N9eAPIError, match="larger than 4096 bytes"):
            c.list_boards(1)
        big = _client(n9e.url, Credentials(token=TOKEN, auth_header="X-User-Token"))
        assert len(big.list_boards(1)) == 100


@pytest.mark.parametrize(
    ("opts", "expected"),
    [({"verify": False}, False), ({"ca_file": "/tmp/my-ca.pem"}, "/tmp/my-ca.pem")],
)
def test_insecure_and_ca_file_win_over_the_ca_bundle_environment(
    monkeypatch: pytest.MonkeyPatch, opts: dict, expected: object
) -> None:
    """requests' merge_environment_settings replaces a session's verify with $REQUESTS_CA_BUNDLE; the client
    passes verify with each request, which the environment does not override. Checked at Session.send, where
    requests hands the TLS setting to the transport."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/other-ca.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/other-ca.pem")
    used: list[object] = []
    with Stub() as n9e:
        n9e.route("GET", "/api/n9e/busi-groups", ok([]))
        c = _client(n9e.url, Credentials(token=TOKEN), **opts)
        real_send = c.session.send

        def spy(request: requests.PreparedRequest, **kwargs):
            used.append(kwargs.get("verify"))
            return real_send(request, **kwargs)

        c.session.send = spy  # type: ignore[method-assign]
        c.list_groups()
    assert used and all(v == expected for v in used), used


def test_password_in_the_url_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    assert n9e_client.redact_url("http://admin:s3cr3t@127.0.0.1:1/x") == "http://***@127.0.0.1:1/x"
    with Stub() as n9e:
        port = n9e.server.server_address[1]
    # the stub is gone: a connection error names the URL
    c = _client(f"http://admin:s3cr3t@127.0.0.1:{port}", Credentials(token=TOKEN))
    with caplog.at_level(logging.DEBUG, logger="n9e_k8s"), pytest.raises(N9eError) as info:
        c.list_groups()
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in caplog.text
    assert f"***@127.0.0.1:{port}" in str(info.value)
    with pytest.raises(N9eError) as bad:
        N9eClient("ftp://admin:s3cr3t@host", Credentials())
    assert "s3cr3t" not in str(bad.value)
