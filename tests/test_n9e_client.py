"""The n9e client against a scripted HTTP stub: retries, auth, envelope rules, timeouts, secrets.

A stub is used only for faults a real server cannot be made to produce on demand; the behaviour of the
real API is covered by tests/test_sync_n9e.py."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from n9e_k8s.n9e.client import (
    ClientOptions,
    Credentials,
    N9eAPIError,
    N9eAuthError,
    N9eClient,
    N9eConnectionError,
    N9eRouteNotFound,
    N9eTimeout,
    rsa_encrypt_password,
)
from n9e_k8s.n9e.versions import ServerFeatures

from tests.n9e_stub import HTML, Reply, Stub, fail, ok, text

TOKEN = "tok-4f1c2b9e-secret"
PASSWORD = "pw-9d8c7b-secret"


def client(stub: Stub, creds: Credentials | None = None, **opts) -> N9eClient:
    options = ClientOptions(**{"retries": 2, "backoff": 0.0, "timeout": 5.0, **opts})
    return N9eClient(stub.url, creds or Credentials(token=TOKEN), options, sleep=lambda s: None)


@pytest.fixture
def stub():
    with Stub() as s:
        yield s


def test_get_500_then_success_is_retried(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/boards", Reply(500, ""), ok([{"id": 1, "name": "b"}]))
    c = client(stub)
    assert c.list_boards(3) == [{"id": 1, "name": "b"}]
    assert len(stub.calls("GET", "/api/n9e/busi-group/3/boards")) == 2
    assert c.requests["GET"] == 3  # /versions (token auth depends on it) + 2 attempts


def test_retries_are_bounded(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/boards", Reply(503, "busy"))
    with pytest.raises(N9eAPIError, match="HTTP 503"):
        client(stub, retries=2).list_boards(3)
    assert len(stub.calls("GET", "/api/n9e/busi-group/3/boards")) == 3


def test_429_honours_retry_after(stub: Stub) -> None:
    waits: list[float] = []
    stub.route(
        "GET", "/api/n9e/busi-group/3/boards", Reply(429, "slow down", headers={"Retry-After": "2"}), ok([])
    )
    c = N9eClient(
        stub.url, Credentials(token=TOKEN), ClientOptions(retries=1, backoff=0.1), sleep=waits.append
    )
    assert c.list_boards(3) == []
    assert len(waits) == 1 and 2.0 <= waits[0] <= 2.3


def test_post_500_is_not_retried(stub: Stub) -> None:
    stub.route("POST", "/api/n9e/busi-group/3/boards", Reply(500, ""), ok({"id": 9}))
    with pytest.raises(N9eAPIError, match="HTTP 500"):
        client(stub).create_board(3, {"name": "x", "configs": "{}"})
    assert len(stub.calls("POST", "/api/n9e/busi-group/3/boards")) == 1


def test_401_with_token_is_a_clear_error_without_retry(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/boards", text(401, "unauthorized"), ok([]))
    with pytest.raises(N9eAuthError) as info:
        client(stub).list_boards(3)
    msg = str(info.value)
    assert "401" in msg and "unauthorized" in msg and "token" in msg
    assert TOKEN not in msg and TOKEN not in repr(info.value)
    assert len(stub.calls("GET", "/api/n9e/busi-group/3/boards")) == 1
    assert stub.calls()[-1].headers.get("X-User-Token") == TOKEN
    assert stub.calls()[-1].headers.get("X-Language") == "en"


def test_jwt_login_then_one_refresh_and_retry_on_401(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": False, "RSAPublicKey": ""}))
    stub.route("POST", "/api/n9e/auth/login", ok({"access_token": "A1", "refresh_token": "R1", "user": {}}))
    stub.route("POST", "/api/n9e/auth/refresh", ok({"access_token": "A2", "refresh_token": "R2"}))
    stub.route("GET", "/api/n9e/busi-group/3/boards", text(401, "unauthorized"), ok([]))
    c = client(stub, Credentials(username="ci", password=PASSWORD))
    assert c.list_boards(3) == []
    login = stub.calls("POST", "/api/n9e/auth/login")
    assert len(login) == 1 and login[0].body["password"] == PASSWORD and login[0].body["username"] == "ci"
    assert [s.body for s in stub.calls("POST", "/api/n9e/auth/refresh")] == [{"refresh_token": "R1"}]
    auths = [s.headers.get("Authorization") for s in stub.calls("GET", "/api/n9e/busi-group/3/boards")]
    assert auths == ["Bearer A1", "Bearer A2"]


def test_jwt_gives_up_after_one_refresh(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": False}))
    stub.route("POST", "/api/n9e/auth/login", ok({"access_token": "A1", "refresh_token": "R1"}))
    stub.route("POST", "/api/n9e/auth/refresh", ok({"access_token": "A2", "refresh_token": "R2"}))
    stub.route("GET", "/api/n9e/busi-group/3/boards", text(401, "unauthorized"))
    with pytest.raises(N9eAuthError, match="username and password"):
        client(stub, Credentials(username="ci", password=PASSWORD)).list_boards(3)
    assert len(stub.calls("GET", "/api/n9e/busi-group/3/boards")) == 2
    assert len(stub.calls("POST", "/api/n9e/auth/refresh")) == 1


def test_wrong_password_is_an_auth_error_without_the_password(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": False}))
    stub.route("POST", "/api/n9e/auth/login", fail("Invalid username or password"))
    with pytest.raises(N9eAuthError, match="login as 'ci' failed: Invalid username or password") as info:
        client(stub, Credentials(username="ci", password=PASSWORD)).list_boards(3)
    assert PASSWORD not in str(info.value)


# A fixed 1024-bit test key (generated once for this test; not used anywhere else).
RSA_N = int(
    "ca78a4737d20af4d7af38a86c760ad5504382b4e3fccd880fb14bfa92f0b4febecc17af4a03bb7664bfd8775a99fcd453b2859bf3e4c62ffb8423bcd658b8aa4435c77d120bfb93eded6d509e4c726f1f104cab81bcfd6c4402b8c68267bc5e745d8fc20366478471df1287bb75d155ba5c78022dc649d0dc6e54aed0c387069",
    16,
)
RSA_D = int(
    "c5f1321d321c6d25db691369f6abbe695a49ab94c16cfbd10526e0c57f179917f68ba530592268875b0d4e8c2abbef0b9aed34e871f86de4c0f807cd23544bc1d46b651a117d454562009508b67996e822c4cc0617a663abd37d15890e6ce4c3a8db10ec77826f715b900baa5bf50b7f4cd3504ba54d619a5d6a83b7d93c5d4d",
    16,
)
RSA_PEM = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDKeKRzfSCvTXrziobHYK1VBDgr
Tj/M2ID7FL+pLwtP6+zBevSgO7dmS/2HdamfzUU7KFm/Pkxi/7hCO81li4qkQ1x3
0SC/uT7e1tUJ5Mcm8fEEyrgbz9bEQCuMaCZ7xedF2PwgNmR4Rx3xKHu3XRVbpceA
ItxknQ3G5UrtDDhwaQIDAQAB
-----END PUBLIC KEY-----
"""


def _rsa_decrypt(b64: str) -> bytes:
    block = pow(int.from_bytes(base64.b64decode(b64), "big"), RSA_D, RSA_N).to_bytes(128, "big")
    assert block[:2] == b"\x00\x02"
    sep = block.index(b"\x00", 2)
    assert sep >= 10  # at least 8 bytes of non-zero padding
    return block[sep + 1 :]


def test_rsa_password_encryption_when_server_says_openrsa(stub: Stub) -> None:
    key_b64 = base64.b64encode(RSA_PEM.encode()).decode()
    stub.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": True, "RSAPublicKey": key_b64}))
    stub.route("POST", "/api/n9e/auth/login", ok({"access_token": "A1", "refresh_token": "R1"}))
    stub.route("GET", "/api/n9e/busi-group/3/boards", ok([]))
    client(stub, Credentials(username="ci", password=PASSWORD)).list_boards(3)
    sent = stub.calls("POST", "/api/n9e/auth/login")[0].body["password"]
    assert sent != PASSWORD
    assert _rsa_decrypt(sent) == PASSWORD.encode()
    assert _rsa_decrypt(rsa_encrypt_password(key_b64, "x")) == b"x"


def test_timeout(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/boards", Reply(200, {"dat": [], "err": ""}, delay=1.5))
    with pytest.raises(N9eTimeout, match=r"no answer within 0.2s \(gave up after 2 attempts\)"):
        client(stub, timeout=0.2, retries=1).list_boards(3)
    assert len(stub.calls("GET", "/api/n9e/busi-group/3/boards")) == 2


def test_timeout_of_a_post_is_not_retried(stub: Stub) -> None:
    stub.route("POST", "/api/n9e/busi-group/3/alert-rules", Reply(200, {"dat": {}, "err": ""}, delay=1.5))
    with pytest.raises(N9eTimeout):
        client(stub, timeout=0.2, retries=3).create_alert_rules(3, [{"name": "a"}])
    assert len(stub.calls("POST", "/api/n9e/busi-group/3/alert-rules")) == 1


def test_connection_refused() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = N9eClient(
        f"http://127.0.0.1:{port}", Credentials(token=TOKEN), ClientOptions(retries=2), sleep=lambda s: None
    )
    with pytest.raises(N9eConnectionError, match="cannot connect"):
        c.list_boards(1)
    assert c.requests["GET"] == 3


def test_html_answer_is_route_not_found(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/recording-rules", HTML)
    with pytest.raises(N9eRouteNotFound, match=r"route not found .*n9e version v9\.1\.1"):
        c = client(stub)
        assert c.version == "v9.1.1"
        c.list_recording_rules(3)


def test_envelope_err_and_plain_text_errors(stub: Stub) -> None:
    stub.route("PUT", "/api/n9e/board/7", fail("Ident duplicate"))
    stub.route("GET", "/api/n9e/busi-group/99", text(404, "No such BusiGroup"))
    c = client(stub)
    with pytest.raises(N9eAPIError, match="PUT /api/n9e/board/7: Ident duplicate"):
        c.update_board_meta(7, {"name": "x"})
    with pytest.raises(N9eAPIError, match="HTTP 404 No such BusiGroup") as info:
        c.get_group(99)
    assert info.value.status == 404


def test_batch_result_reports_each_object(stub: Stub) -> None:
    stub.route("POST", "/api/n9e/busi-group/3/alert-rules", ok({"a": "", "b": "AlertRule already exists"}))
    result = client(stub).create_alert_rules(3, [{"name": "a"}, {"name": "b"}, {"name": "c"}])
    assert result == {"a": "", "b": "AlertRule already exists", "c": "no result from the server"}


def test_version_differences_recording_rule_put(stub: Stub) -> None:
    stub.route("PUT", "/api/n9e/recording-rule/5", ok(None))
    client(stub).update_recording_rule(3, 5, {"name": "r"})
    assert stub.calls("PUT", "/api/n9e/recording-rule/5")[0].body["group_id"] == 3
    stub.route("GET", "/api/n9e/versions", ok({"version": "v8.5.1"}))
    stub.route("PUT", "/api/n9e/busi-group/3/recording-rule/5", ok(None))
    client(stub).update_recording_rule(3, 5, {"name": "r"})
    assert len(stub.calls("PUT", "/api/n9e/busi-group/3/recording-rule/5")) == 1


def test_basic_auth_uses_service_routes(stub: Stub) -> None:
    stub.route(
        "GET",
        "/v1/n9e/alert-rules",
        ok([{"id": 1, "group_id": 3, "name": "a"}, {"id": 2, "group_id": 4, "name": "b"}]),
    )
    stub.route("POST", "/v1/n9e/alert-rules", ok({"c": ""}))
    c = client(stub, Credentials(basic_user="svc", basic_password=PASSWORD))
    assert [r["id"] for r in c.list_alert_rules(3)] == [1]
    assert c.create_alert_rules(3, [{"name": "c"}]) == {"c": ""}
    assert stub.calls("POST", "/v1/n9e/alert-rules")[0].body == [{"name": "c", "group_id": 3}]
    assert stub.calls("GET", "/v1/n9e/alert-rules")[0].headers["Authorization"].startswith("Basic ")
    with pytest.raises(N9eAuthError, match="service API"):
        c.list_boards(3)


def test_credentials_repr_hides_secrets() -> None:
    c = Credentials(token=TOKEN, username="ci", password=PASSWORD, basic_user="svc", basic_password=PASSWORD)
    for shown in (repr(c), str(c), f"{c}", repr([c])):
        assert TOKEN not in shown and PASSWORD not in shown
    assert "***" in repr(c)


def test_verbose_log_has_no_secret(stub: Stub, caplog: pytest.LogCaptureFixture) -> None:
    stub.route("GET", "/api/n9e/busi-group/3/boards", Reply(500, ""), ok([]))
    with caplog.at_level(logging.DEBUG, logger="n9e_k8s"):
        client(stub).list_boards(3)
    assert "GET /api/n9e/busi-group/3/boards -> 500" in caplog.text
    assert TOKEN not in caplog.text


def test_tls_verification_default_and_options(stub: Stub, tmp_path) -> None:
    assert client(stub).session.verify is True
    assert client(stub, verify=False).session.verify is False
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert client(stub, ca_file=str(ca)).session.verify == str(ca)


def test_invalid_url() -> None:
    from n9e_k8s.n9e.client import N9eError

    with pytest.raises(N9eError, match="invalid n9e URL"):
        N9eClient("localhost:17000", Credentials(token=TOKEN))


def test_json_envelope_of_datasource_list(stub: Stub) -> None:
    stub.route(
        "GET", "/api/n9e/datasource/brief", Reply(200, {"data": [{"id": 1, "name": "p"}], "error": ""})
    )
    assert client(stub).list_datasources() == [{"id": 1, "name": "p"}]
    json.dumps(stub.seen[0].headers)  # headers are plain strings


JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3NfdXVpZCI6IngifQ.c2lnbmF0dXJl"


def test_token_header_by_version_jwt_and_auth_header(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-groups", ok([]))
    client(stub).list_groups()  # v9 with a UUID token: X-User-Token
    client(stub, Credentials(token=JWT)).list_groups()  # a JWT: Bearer on every version
    client(stub, Credentials(token=TOKEN, auth_header="Authorization")).list_groups()
    client(stub, Credentials(token=TOKEN, auth_header="X-Api-Key")).list_groups()
    sent = [c.headers for c in stub.calls("GET", "/api/n9e/busi-groups")]
    assert sent[0].get("X-User-Token") == TOKEN and "Authorization" not in sent[0]
    assert sent[1].get("Authorization") == f"Bearer {JWT}" and "X-User-Token" not in sent[1]
    assert sent[2].get("Authorization") == f"Bearer {TOKEN}"
    assert sent[3].get("X-Api-Key") == TOKEN and "Authorization" not in sent[3]
    stub.route("GET", "/api/n9e/versions", ok({"version": "v6.7.3", "github_verison": ""}))
    client(stub).list_groups()  # v6 has no API tokens: whatever the token is, it goes as Bearer
    assert stub.calls("GET", "/api/n9e/busi-groups")[-1].headers.get("Authorization") == f"Bearer {TOKEN}"
    assert "auth_header='X-Api-Key'" in repr(Credentials(token=TOKEN, auth_header="X-Api-Key"))


def test_rejected_token_falls_back_to_password_login_once(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/versions", ok({"version": "v6.7.3"}))
    stub.route("GET", "/api/n9e/auth/rsa-config", text(404, "404 page not found"))
    stub.route("POST", "/api/n9e/auth/login", ok({"access_token": "A1", "refresh_token": "R1"}))
    stub.route("GET", "/api/n9e/busi-groups", text(401, "unauthorized"), ok([{"id": 1}]))
    c = client(stub, Credentials(token=JWT, username="ci", password=PASSWORD))
    assert c.list_groups() == [{"id": 1}]
    auths = [s.headers.get("Authorization") for s in stub.calls("GET", "/api/n9e/busi-groups")]
    assert auths == [f"Bearer {JWT}", "Bearer A1"]
    assert c.list_groups() == [{"id": 1}]  # the login is kept
    assert len(stub.calls("POST", "/api/n9e/auth/login")) == 1


def test_401_on_v6_hints_that_the_token_is_an_expiring_jwt(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/versions", ok({"version": "v6.7.3"}))
    stub.route("GET", "/api/n9e/busi-groups", text(401, "unauthorized"))
    with pytest.raises(N9eAuthError, match="no API tokens: the token is a login JWT") as info:
        client(stub, Credentials(token=TOKEN, auth_header="X-User-Token")).list_groups()
    assert TOKEN not in str(info.value)


def test_text_404_of_an_unknown_route_is_route_not_found(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/self/token", text(404, "404 page not found"))
    stub.route("GET", "/api/n9e/alert-rule/9", text(404, "No such AlertRule"))
    with pytest.raises(N9eRouteNotFound, match="route not found") as info:
        client(stub).get("/api/n9e/self/token")
    assert isinstance(info.value, N9eAPIError) and info.value.status == 404
    with pytest.raises(N9eAPIError, match="No such AlertRule") as info2:
        client(stub).get("/api/n9e/alert-rule/9")
    assert not isinstance(info2.value, N9eRouteNotFound)


def test_server_features_by_version() -> None:
    v6, v7, v8, v9 = (ServerFeatures.of(v) for v in ("v6.7.3", "v7.7.2", "v8.5.1", "v9.1.1"))
    assert [f.rule_datasource_field for f in (v6, v7, v8, v9)] == ["datasource_ids"] + [
        "datasource_queries"
    ] * 3
    assert [f.api_tokens for f in (v6, v7, v8, v9)] == [False, False, True, True]
    assert [f.board_note for f in (v6, v7, v8, v9)] == [False, False, True, True]
    assert [f.recording_cron_pattern for f in (v6, v7)] == [False, True]
    assert [f.alert_render_version for f in (v6, v7, v8, v9)] == ["v7", "v7", "v8", "v9"]
    assert [f.recording_rule_put_by_id for f in (v8, v9)] == [False, True]
    assert ServerFeatures.of("") == ServerFeatures.of("v9.1.1")  # unknown: the newest known
