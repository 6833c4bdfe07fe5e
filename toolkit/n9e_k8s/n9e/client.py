"""The one module that talks HTTP to Nightingale (n9e).

Everything network-related lives here: authentication (X-User-Token, a JWT sent as Bearer, JWT login with
optional RSA password encryption and one refresh on 401, BasicAuth for the ``/v1/n9e`` service routes), n9e's
response envelope (200 with ``err``, plain-text error bodies, 200 + HTML or a text 404 for an unknown route),
version detection (what each version has is ``ServerFeatures`` in n9e/versions.py), timeouts, bounded retries with backoff for idempotent requests, TLS options and request accounting (the
tests and the benchmark count requests by method).

Secrets never leave this module in readable form: ``Credentials`` has a redacting repr, error messages
name the method and path only, and ``--verbose`` logging prints neither headers nor bodies.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import __version__
from ..errors import RemoteError
from .versions import ServerFeatures, parse_n9e_version

log = logging.getLogger("n9e_k8s.client")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


# ------------------------------------------------------------------------------------------------- errors


class N9eError(RemoteError):
    """A failed call to n9e. The message never contains a credential."""

    def __init__(self, message: str, *, method: str = "", path: str = "", status: int | None = None):
        super().__init__(message)
        self.method, self.path, self.status = method, path, status


class N9eAuthError(N9eError):
    """401/403: wrong or missing credentials, or no permission."""


class N9eRouteNotFound(N9eError):
    """n9e answered an unknown route with its web UI (200 + HTML)."""


class N9eTimeout(N9eError):
    """No answer within the timeout (after the retries allowed for the request)."""


class N9eConnectionError(N9eError):
    """The server could not be reached (after the retries allowed for the request)."""


class N9eAPIError(N9eError):
    """n9e refused the request (HTTP 200 with ``err``, or a 4xx/5xx with a text body)."""


class N9eRouteNotFound404(N9eRouteNotFound, N9eAPIError):
    """An unknown route answered by gin's plain-text ``404 page not found`` (n9e without web UI, e.g. v6.7.3).

    Both a route-not-found and an API error (status 404), so callers catching either keep working."""


# ----------------------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    """How to authenticate. Secrets are excluded from repr and str."""

    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    basic_user: str | None = None
    basic_password: str | None = field(default=None, repr=False)
    # Where the token goes: None/"" = decide (a JWT, or any token on n9e < v8, as ``Authorization: Bearer``;
    # else ``X-User-Token``); "Authorization" = always Bearer; any other header name = the raw token in it.
    auth_header: str | None = None

    @property
    def mode(self) -> str:
        if self.token:
            return "token"
        if self.username and self.password:
            return "password"
        if self.basic_user:
            return "basic"
        return "none"

    def __repr__(self) -> str:
        shown = {
            "mode": self.mode,
            "username": self.username,
            "token": "***" if self.token else None,
            "password": "***" if self.password else None,
            "basic_user": self.basic_user,
            "auth_header": self.auth_header or None,
        }
        return "Credentials(" + ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None) + ")"

    __str__ = __repr__

    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.password, self.basic_password) if s]


@dataclass(frozen=True)
class ClientOptions:
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5  # seconds; doubles per attempt, with jitter, capped at max_backoff
    max_backoff: float = 8.0
    verify: bool = True
    ca_file: str | None = None
    max_response_bytes: int = 64 * 1024 * 1024  # a larger answer is an error, not read into memory


def redact_url(url: str) -> str:
    """``url`` without its userinfo (``http://user:pw@host`` -> ``http://***@host``): the form to show."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def origin(url: str) -> str:
    """scheme://host[:port] of ``url``, without userinfo, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "") if parts.scheme else ""


# ------------------------------------------------------------------------------------------------- RSA


def _der_read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``pos``."""
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    return tag, pos, pos + length


def _rsa_public_numbers(pem: str) -> tuple[int, int]:
    """(n, e) of a PEM "PUBLIC KEY" (PKIX SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1)."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    _, start, _ = _der_read(der, 0)  # outer SEQUENCE
    tag, s, e = _der_read(der, start)
    if tag == 0x30:  # SubjectPublicKeyInfo: SEQUENCE { algorithm, BIT STRING { RSAPublicKey } }
        tag, s, e = _der_read(der, e)
        if tag != 0x03:
            raise ValueError("unexpected public key encoding")
        der, start = der[s + 1 : e], 0  # skip the unused-bits byte
        _, start, _ = _der_read(der, 0)
        tag, s, e = _der_read(der, start)
    n = int.from_bytes(der[s:e], "big")
    tag, s2, e2 = _der_read(der, e)
    return n, int.from_bytes(der[s2:e2], "big")


def rsa_encrypt_password(public_key_b64_pem: str, password: str) -> str:
    """base64(RSA-PKCS1v15(password)) as n9e's ``OpenRSA`` login expects (the key comes base64-encoded PEM)."""
    try:
        pem = base64.b64decode(public_key_b64_pem).decode()
    except (ValueError, UnicodeDecodeError):
        pem = public_key_b64_pem
    if "BEGIN" not in pem:
        pem = public_key_b64_pem
    n, e = _rsa_public_numbers(pem)
    k = (n.bit_length() + 7) // 8
    msg = password.encode()
    if len(msg) > k - 11:
        raise N9eError("password too long for the server's RSA key")
    pad = bytearray()
    while len(pad) < k - 3 - len(msg):
        b = random.SystemRandom().randrange(1, 256)
        pad.append(b)
    block = b"\x00\x02" + bytes(pad) + b"\x00" + msg
    c = pow(int.from_bytes(block, "big"), e, n)
    return base64.b64encode(c.to_bytes(k, "big")).decode()


# ------------------------------------------------------------------------------------------------ auth


def looks_like_jwt(token: str) -> bool:
    """A JWT (``header.payload.signature``, base64url, header starting ``{"``): a login access token, which every
    n9e version takes as ``Authorization: Bearer``. n9e's API tokens are UUIDs."""
    parts = token.split(".")
    return (
        len(parts) == 3
        and parts[0].startswith("eyJ")
        and all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts)
    )


# ----------------------------------------------------------------------------------------------- client


class N9eClient:
    """A requests Session bound to one n9e server, with n9e's rules applied to every call."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        options: ClientOptions | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise N9eError(f"invalid n9e URL {redact_url(url)!r}: expected http(s)://host[:port]")
        self.url = url.rstrip("/")
        self.shown_url = redact_url(self.url)  # for messages: never the userinfo
        self.credentials = credentials
        self.options = options or ClientOptions()
        self.session = session or requests.Session()
        self.session.headers.update(
            {"X-Language": "en", "User-Agent": f"n9e-k8s/{__version__}", "Accept": "application/json"}
        )
        # verify goes with every request too: a session setting loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE in
        # requests' merge_environment_settings, a per-request one does not.
        self.verify: bool | str = self.options.ca_file or self.options.verify
        self.session.verify = self.verify
        self._sleep = sleep
        self.requests: Counter[str] = Counter()  # attempts sent, by method
        self.read_posts = 0  # POSTs that only read (v6's POST /datasource/list): not writes
        self._version: str | None = None
        self._access: str | None = None
        self._refresh: str | None = None
        self._token_rejected = False  # a 401 for the token: log in with username/password if given

    # -- accounting -------------------------------------------------------------------------------

    @property
    def writes(self) -> int:
        return sum(n for m, n in self.requests.items() if m not in ("GET", "HEAD")) - self.read_posts

    # -- low level --------------------------------------------------------------------------------

    def _auth_headers(self, path: str) -> dict[str, str]:
        c = self.credentials
        if path.startswith("/v1/n9e"):
            if c.basic_user:
                raw = f"{c.basic_user}:{c.basic_password or ''}".encode()
                return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
            return {}
        if path in (
            "/api/n9e/versions",
            "/api/n9e/auth/login",
            "/api/n9e/auth/refresh",
            "/api/n9e/auth/rsa-config",
        ):
            return {}
        if c.mode == "token" and not self._token_rejected:
            return self._token_header(c.token or "")
        if c.mode == "password" or (c.mode == "token" and c.username and c.password):
            if self._access is None:
                self.login()
            return {"Authorization": "Bearer " + (self._access or "")}
        return {}

    def _token_header(self, token: str) -> dict[str, str]:
        """The token as --auth-header / N9E_AUTH_HEADER says, else: Bearer for a JWT and on n9e < v8 (v6 and v7
        have no API tokens, so their token is a login JWT), X-User-Token otherwise."""
        header = (self.credentials.auth_header or "").strip()
        if header.lower() == "authorization":
            return {"Authorization": "Bearer " + token}
        if header:
            return {header: token}
        if looks_like_jwt(token) or not self.features.api_tokens:  # learns the version first if needed
            return {"Authorization": "Bearer " + token}
        return {"X-User-Token": token}

    def _send(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> requests.Response:
        """One logical request: retries idempotent methods on connection errors, 429 and 5xx."""
        attempts = 1 + (self.options.retries if method in IDEMPOTENT else 0)
        url = self.url + path
        last_exc: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                delay = min(self.options.max_backoff, self.options.backoff * 2 ** (attempt - 1))
                retry_after = getattr(last_exc, "retry_after", None)
                if retry_after is not None:
                    delay = min(self.options.max_backoff, max(delay, retry_after))
                delay *= 1 + random.random() * 0.1
                log.debug(
                    "retrying %s %s in %.2fs (attempt %d/%d)", method, path, delay, attempt + 1, attempts
                )
                self._sleep(delay)
            headers = self._auth_headers(path)  # may log in or learn the version first
            if body is not None:
                headers["Content-Type"] = "application/json"
            self.requests[method] += 1
            started = time.monotonic()
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
                    headers=headers,
                    timeout=self.options.timeout,
                    verify=self.verify,
                    allow_redirects=False,  # n9e never redirects; a redirect must not carry credentials on
                    stream=True,
                )
                self._read_capped(method, path, resp)
            except requests.Timeout:
                log.info("%s %s: timeout after %.1fs", method, path, self.options.timeout)
                last_exc = N9eTimeout(
                    f"{method} {path}: no answer within {self.options.timeout:g}s", method=method, path=path
                )
                continue
            except requests.ConnectionError as exc:
                log.info("%s %s: connection error", method, path)
                last_exc = N9eConnectionError(
                    f"{method} {path}: cannot connect to {self.shown_url}: {type(exc).__name__}",
                    method=method,
                    path=path,
                )
                continue
            log.info(
                "%s %s -> %d (%.0f ms)", method, path, resp.status_code, (time.monotonic() - started) * 1000
            )
            if resp.status_code in RETRY_STATUS and attempt + 1 < attempts:
                last_exc = N9eAPIError(
                    f"{method} {path}: HTTP {resp.status_code}",
                    method=method,
                    path=path,
                    status=resp.status_code,
                )
                ra = resp.headers.get("Retry-After")
                last_exc.retry_after = float(ra) if ra and ra.isdigit() else None  # type: ignore[attr-defined]
                continue
            return resp
        assert last_exc is not None
        if attempts > 1:
            last_exc.args = (f"{last_exc.args[0]} (gave up after {attempts} attempts)",)
        raise last_exc

    def _read_capped(self, method: str, path: str, resp: requests.Response) -> None:
        """Read the body, at most ``max_response_bytes`` of it (a larger answer is an error)."""
        cap = self.options.max_response_bytes
        length = resp.headers.get("Content-Length", "")
        too_big = N9eAPIError(
            f"{method} {path}: the answer is larger than {cap} bytes; refused",
            method=method,
            path=path,
            status=resp.status_code,
        )
        if length.isdigit() and int(length) > cap:
            resp.close()
            raise too_big
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > cap:
                resp.close()
                raise too_big
            chunks.append(chunk)
        resp._content = b"".join(chunks)  # what resp.text/json() read
        resp._content_consumed = True

    def _decode(self, method: str, path: str, resp: requests.Response) -> Any:
        """Apply the envelope rules; return ``dat`` (or None for message-only answers)."""
        if 300 <= resp.status_code < 400:
            location = resp.headers.get("Location", "")
            target = origin(requests.compat.urljoin(self.url + path, location)) if location else "nowhere"
            raise N9eAPIError(
                f"{method} {path}: HTTP {resp.status_code} redirect to {target}, not followed (n9e's API does "
                f"not redirect: check --url {self.shown_url}, e.g. http vs https or a proxy in front)",
                method=method,
                path=path,
                status=resp.status_code,
            )
        ctype = resp.headers.get("Content-Type", "")
        text = resp.text
        if resp.status_code in (401, 403):
            what = "unauthorized" if resp.status_code == 401 else "forbidden"
            hint = {
                "token": "check the API token (N9E_TOKEN); new tokens take a few seconds to become valid",
                "password": "check the username and password",
                "basic": "check the service-API user (BasicAuth) and that [HTTP.APIForService] is enabled",
                "none": "no credentials given: set N9E_TOKEN or N9E_USERNAME/N9E_PASSWORD",
            }["password" if self._token_rejected else self.credentials.mode]
            if self.credentials.mode == "token" and not self._token_rejected and not self._has_api_tokens():
                hint += (
                    f"; n9e {self._version} has no API tokens: the token is a login JWT, which expires "
                    "(set N9E_USERNAME/N9E_PASSWORD to log in instead)"
                )
            detail = _short(text) or what
            raise N9eAuthError(
                f"{method} {path}: HTTP {resp.status_code} {detail} ({hint})",
                method=method,
                path=path,
                status=resp.status_code,
            )
        if resp.status_code == 200 and (
            "html" in ctype or text.lstrip().lower().startswith(("<!doctype", "<html"))
        ):
            raise N9eRouteNotFound(
                f"{method} {path}: route not found (n9e answered with its web page; "
                f"n9e version {self._version or 'unknown'} may not have this API)",
                method=method,
                path=path,
                status=200,
            )
        if resp.status_code == 404 and text.strip() == "404 page not found":  # gin's answer, no web UI
            raise N9eRouteNotFound404(
                f"{method} {path}: route not found (HTTP 404; n9e version {self._version or 'unknown'} "
                "may not have this API)",
                method=method,
                path=path,
                status=404,
            )
        if resp.status_code != 200:
            raise N9eAPIError(
                f"{method} {path}: HTTP {resp.status_code} {_short(text) or '(empty body)'}",
                method=method,
                path=path,
                status=resp.status_code,
            )
        try:
            body = resp.json()
        except ValueError:
            raise N9eAPIError(
                f"{method} {path}: the answer is not JSON: {_short(text)!r}",
                method=method,
                path=path,
                status=200,
            ) from None
        if not isinstance(body, dict):
            raise N9eAPIError(
                f"{method} {path}: unexpected answer {_short(text)!r}", method=method, path=path
            )
        if "dat" not in body and "err" not in body and ("data" in body or "error" in body):
            err, dat = body.get("error") or "", body.get("data")
        else:
            err, dat = body.get("err") or "", body.get("dat")
        if err:
            raise N9eAPIError(f"{method} {path}: {err}", method=method, path=path, status=200)
        return dat

    def call(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        """Send a request and return ``dat``; on 401 with JWT credentials, refresh once and retry once."""
        resp = self._send(method, path, body, params)
        if resp.status_code == 401 and not path.startswith(("/v1/", "/api/n9e/auth/")):
            c = self.credentials
            if c.mode == "token" and c.username and c.password and not self._token_rejected:
                # e.g. an expired login JWT given as token (v6/v7): fall back to the password, once.
                log.info("%s %s: 401 for the token, logging in as %s", method, path, c.username)
                self._token_rejected = True
                resp = self._send(method, path, body, params)
            elif c.mode == "password" or self._token_rejected:
                log.info("%s %s: 401, refreshing the access token", method, path)
                self.refresh()
                resp = self._send(method, path, body, params)
        return self._decode(method, path, resp)

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None)

    def get_object(self, path: str, **params: Any) -> dict[str, Any]:
        """``dat`` that must be one object with an integer ``id`` (a board, a group)."""
        return _checked_object(self.get(path, **params), f"GET {path}", "")

    def get_objects(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """``dat`` that must be a list (or null) of objects, each with an integer ``id``: a server answer of
        another shape is an error naming the request and the JSON path, not a crash later."""
        dat = self.get(path, **params)
        if dat is None:
            return []
        if not isinstance(dat, list):
            raise N9eAPIError(f"GET {path}: unexpected answer: dat is a {type(dat).__name__}, not a list")
        return [_checked_object(item, f"GET {path}", f"[{i}]") for i, item in enumerate(dat)]

    # -- auth ---------------------------------------------------------------------------------------

    def login(self) -> None:
        c = self.credentials
        password = c.password or ""
        try:
            rsa = self._decode(
                "GET", "/api/n9e/auth/rsa-config", self._send("GET", "/api/n9e/auth/rsa-config")
            )
        except N9eAPIError:  # older servers: no such route (text 404), or HTML
            rsa = None
        except N9eRouteNotFound:
            rsa = None
        if isinstance(rsa, dict) and rsa.get("OpenRSA"):
            password = rsa_encrypt_password(rsa.get("RSAPublicKey", ""), password)
        body = {"username": c.username, "password": password, "captchaid": "", "verifyvalue": ""}
        try:
            dat = self._decode("POST", "/api/n9e/auth/login", self._send("POST", "/api/n9e/auth/login", body))
        except N9eAPIError as exc:
            # n9e answers a wrong password with 200 + err: make it an auth error (the message has no secret).
            raise N9eAuthError(f"login as {c.username!r} failed: {exc.args[0].split(': ', 1)[-1]}") from None
        if not isinstance(dat, dict) or not dat.get("access_token"):
            raise N9eAuthError(
                f"login as {c.username!r} returned no access token (is [HTTP.ProxyAuth] enabled on the server?)"
            )
        self._access, self._refresh = dat["access_token"], dat.get("refresh_token")

    def refresh(self) -> None:
        if not self._refresh:
            self.login()
            return
        resp = self._send("POST", "/api/n9e/auth/refresh", {"refresh_token": self._refresh})
        if resp.status_code != 200:
            self._access = self._refresh = None
            self.login()
            return
        dat = self._decode("POST", "/api/n9e/auth/refresh", resp)
        self._access, self._refresh = dat["access_token"], dat.get("refresh_token")

    # -- version ------------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        if self._version is None:
            dat = self.get("/api/n9e/versions")
            self._version = str((dat or {}).get("version", "")) if isinstance(dat, dict) else ""
        return self._version

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_n9e_version(self.version)

    def _has_api_tokens(self) -> bool:
        """For an error hint: False only when the server is known to have none (the version may be unreadable)."""
        try:
            return self.features.api_tokens
        except N9eError:
            return True

    @property
    def features(self) -> ServerFeatures:
        """What this server's version has (reads ``/api/n9e/versions`` once)."""
        return ServerFeatures.of(self.version)

    @property
    def service_only(self) -> bool:
        """Only BasicAuth credentials: the /v1/n9e service routes are all we may use."""
        return self.credentials.mode == "basic"

    def _require_ui_auth(self, what: str) -> None:
        if self.service_only:
            raise N9eAuthError(
                f"{what} needs a token or a username and password: n9e's service API (BasicAuth) has no route for it"
            )

    # -- busi groups & datasources ---------------------------------------------------------------

    def list_groups(self, query: str = "") -> list[dict[str, Any]]:
        if self.service_only:
            groups = self.get_objects("/v1/n9e/busi-groups")
            return [g for g in groups if query.lower() in str(g.get("name", "")).lower()]
        params: dict[str, Any] = {"all": "true", "limit": 5000}
        if query:
            params["query"] = query
        return self.get_objects("/api/n9e/busi-groups", **params)

    def get_group(self, group_id: int) -> dict[str, Any]:
        if self.service_only:
            for g in self.list_groups():
                if g.get("id") == group_id:
                    return g
            raise N9eAPIError(f"busi group {group_id} not found", status=404)
        return self.get_object(f"/api/n9e/busi-group/{group_id}")

    def create_group(self, name: str) -> int:
        self._require_ui_auth("creating a busi group")
        teams = self.get("/api/n9e/user-groups", limit=5000) or []
        if not teams:
            raise N9eAPIError("cannot create a busi group: n9e has no user group to make its member")
        return int(
            self.call(
                "POST",
                "/api/n9e/busi-groups",
                {
                    "name": name,
                    "label_enable": 0,
                    "label_value": "",
                    "members": [{"user_group_id": teams[0]["id"], "perm_flag": "rw"}],
                },
            )
        )

    def list_datasources(self) -> list[dict[str, Any]]:
        if self.service_only:
            return self.get_objects("/v1/n9e/datasources")
        return self.get_objects("/api/n9e/datasource/brief")

    def datasource_settings(self, datasource_id: int) -> dict[str, Any] | None:
        """``cluster_name`` and ``write_addr`` of one datasource (None when it is not listed); nothing else of it
        (credentials) leaves this method."""
        if self.service_only:
            return None
        if self.features.datasource_brief_full:
            listed = self.list_datasources()
        else:
            before = self.requests["POST"]
            try:
                listed = self.call("POST", "/api/n9e/datasource/list", {}) or []  # a read (v6 has no GET)
            finally:
                self.read_posts += self.requests["POST"] - before
        for d in listed:
            if d.get("id") == datasource_id:
                settings = d.get("settings") if isinstance(d.get("settings"), dict) else {}
                write_addr = next((str(v) for k, v in settings.items() if "write_addr" in k and v), "")
                return {"cluster_name": str(d.get("cluster_name") or ""), "write_addr": write_addr.strip()}
        return None

    def list_notify_rules(self) -> list[dict[str, Any]]:
        """v8+ notify rules visible to the user (``GET /notify-rules``)."""
        self._require_ui_auth("notify rules")
        return self.get("/api/n9e/notify-rules") or []

    # -- boards -------------------------------------------------------------------------------------

    def list_boards(self, group_id: int) -> list[dict[str, Any]]:
        self._require_ui_auth("dashboards")
        return self.get_objects(f"/api/n9e/busi-group/{group_id}/boards")

    def get_board(self, board_id: int) -> dict[str, Any]:
        self._require_ui_auth("dashboards")
        return self.get_object(f"/api/n9e/board/{board_id}")

    def create_board(self, group_id: int, board: dict[str, Any]) -> dict[str, Any]:
        self._require_ui_auth("dashboards")
        return self.call("POST", f"/api/n9e/busi-group/{group_id}/boards", board)

    def update_board_meta(self, board_id: int, meta: dict[str, Any]) -> None:
        self.call("PUT", f"/api/n9e/board/{board_id}", meta)

    def update_board_configs(self, board_id: int, configs: str) -> None:
        self.call("PUT", f"/api/n9e/board/{board_id}/configs", {"configs": configs})

    def delete_boards(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self.call("DELETE", "/api/n9e/boards", {"ids": ids})

    # -- alert rules --------------------------------------------------------------------------------

    def list_alert_rules(self, group_id: int) -> list[dict[str, Any]]:
        if self.service_only:
            rules = self.get_objects("/v1/n9e/alert-rules", disabled=-1)
            return [r for r in rules if r.get("group_id") == group_id]
        return self.get_objects(f"/api/n9e/busi-group/{group_id}/alert-rules")

    def create_alert_rules(self, group_id: int, rules: list[dict[str, Any]]) -> dict[str, str]:
        """Batch create; returns ``{name: error}`` ("" = created)."""
        if self.service_only:
            dat = self.call("POST", "/v1/n9e/alert-rules", [{**r, "group_id": group_id} for r in rules])
        else:
            dat = self.call("POST", f"/api/n9e/busi-group/{group_id}/alert-rules", rules)
        return _batch_result(dat, [r["name"] for r in rules])

    def update_alert_rule(self, group_id: int, rule_id: int, rule: dict[str, Any]) -> None:
        if self.service_only:
            self.call("PUT", f"/v1/n9e/alert-rule/{rule_id}", {**rule, "group_id": group_id})
        else:
            self.call("PUT", f"/api/n9e/busi-group/{group_id}/alert-rule/{rule_id}", rule)

    def delete_alert_rules(self, group_id: int, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        if self.service_only:
            self.call("DELETE", "/v1/n9e/alert-rules", {"ids": ids})
        else:
            self.call("DELETE", f"/api/n9e/busi-group/{group_id}/alert-rules", {"ids": ids})

    # -- recording rules ----------------------------------------------------------------------------

    def list_recording_rules(self, group_id: int) -> list[dict[str, Any]]:
        self._require_ui_auth("recording rules")
        return self.get_objects(f"/api/n9e/busi-group/{group_id}/recording-rules")

    def create_recording_rules(self, group_id: int, rules: list[dict[str, Any]]) -> dict[str, str]:
        self._require_ui_auth("recording rules")
        dat = self.call("POST", f"/api/n9e/busi-group/{group_id}/recording-rules", rules)
        return _batch_result(dat, [r["name"] for r in rules])

    def update_recording_rule(self, group_id: int, rule_id: int, rule: dict[str, Any]) -> None:
        self._require_ui_auth("recording rules")
        if self.features.recording_rule_put_by_id:  # v9 moved the route and takes the group from the body
            self.call("PUT", f"/api/n9e/recording-rule/{rule_id}", {**rule, "group_id": group_id})
        else:
            self.call("PUT", f"/api/n9e/busi-group/{group_id}/recording-rule/{rule_id}", rule)

    def delete_recording_rules(self, group_id: int, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self.call("DELETE", f"/api/n9e/busi-group/{group_id}/recording-rules", {"ids": ids})

    # -- built-in components and payloads (v7+; v7.7.2/v8.5.1/v9.1.1 center/router/router_builtin_*.go) -----------

    def list_builtin_components(self, query: str = "") -> list[dict[str, Any]]:
        """``GET /builtin-components?query=`` (ident LIKE %query%; disabled ones too)."""
        self._require_ui_auth("built-in components")
        return self.get_objects("/api/n9e/builtin-components", query=query, disabled=-1)

    def create_builtin_components(self, components: list[dict[str, Any]]) -> dict[str, str]:
        """``POST /builtin-components`` ``[{ident, logo, readme, disabled}]`` -> ``{ident: error}``."""
        dat = self.call("POST", "/api/n9e/builtin-components", components)
        return _errors_only(dat, [c["ident"] for c in components])

    def update_builtin_component(self, component: dict[str, Any]) -> None:
        """``PUT /builtin-components`` with the component's ``id`` in the body."""
        self.call("PUT", "/api/n9e/builtin-components", component)

    def list_builtin_payloads(self, type_: str, component_id: int) -> list[dict[str, Any]]:
        """``GET /builtin-payloads?type=&component_id=`` (``type`` is required; v8.1+ add the payloads read from
        the integrations folder to the DB's)."""
        self._require_ui_auth("built-in payloads")
        return self.get_objects("/api/n9e/builtin-payloads", type=type_, component_id=component_id)

    def create_builtin_payloads(self, payloads: list[dict[str, Any]]) -> dict[str, str]:
        """``POST /builtin-payloads`` ``[{type, component_id, cate, name, content}]`` -> ``{name: error}``; the
        server takes each payload's uuid from its content."""
        dat = self.call("POST", "/api/n9e/builtin-payloads", payloads)
        return _errors_only(dat, [p["name"] for p in payloads])

    def update_builtin_payload(self, payload: dict[str, Any]) -> None:
        """``PUT /builtin-payloads`` with the payload's ``id`` in the body (the server keeps its uuid)."""
        self.call("PUT", "/api/n9e/builtin-payloads", payload)

    def delete_builtin_payloads(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self.call("DELETE", "/api/n9e/builtin-payloads", {"ids": ids})


def _checked_object(item: Any, request: str, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise N9eAPIError(
            f"{request}: unexpected answer: dat{where} is a {type(item).__name__}, not an object"
        )
    if not isinstance(item.get("id"), int) or isinstance(item.get("id"), bool):
        raise N9eAPIError(
            f"{request}: unexpected answer: dat{where}.id is {item.get('id')!r}, not an integer"
        )
    for key in ("name", "ident"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise N9eAPIError(f"{request}: unexpected answer: dat{where}.{key} is not a string")
    return item


def _batch_result(dat: Any, names: list[str]) -> dict[str, str]:
    """n9e's ``{name: error}`` map; a name the server did not answer for counts as failed."""
    answered = dat if isinstance(dat, dict) else {}
    return {n: (str(answered[n]) if n in answered else "no result from the server") for n in names}


def _errors_only(dat: Any, names: list[str]) -> dict[str, str]:
    """``{name: error}`` of a built-in batch create: n9e lists only the failures there (a missing name is done)."""
    if dat is not None and not isinstance(dat, dict):
        raise N9eAPIError(
            f"unexpected answer to a batch create: dat is a {type(dat).__name__}, not an object"
        )
    errors = dat or {}
    return {n: str(errors.get(n) or "") for n in names}


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "..."


class RedactingFilter(logging.Filter):
    """Belt and braces for --verbose: masks any known secret that would reach a log record."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if any(s in msg for s in self.secrets):
            for s in self.secrets:
                msg = msg.replace(s, "***")
            record.msg, record.args = msg, None
        return True
