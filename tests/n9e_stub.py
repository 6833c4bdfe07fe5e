"""A scripted HTTP stub of n9e for the fault tests: only for faults a real server cannot be made to produce
(5xx, timeouts, HTML answers, partial batch failures). Routes map (method, path) to a list of responses
served in turn (the last one repeats)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str -> as is
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


# Environment for an in-process CLI run that must reach no server from the caller's environment
# (no URL, credentials, group, datasource or contexts file).
NO_N9E_ENV = {
    "N9E_URL": "",
    "N9E_TOKEN": "",
    "N9E_USERNAME": "",
    "N9E_PASSWORD": "",
    "N9E_GROUP": "",
    "N9E_DATASOURCE": "",
    "N9E_K8S_CONFIG": "/nonexistent",
}


def ok(dat: Any = None) -> Reply:
    return Reply(200, {"dat": dat, "err": ""})


def fail(err: str) -> Reply:
    return Reply(200, {"dat": None, "err": err})


def text(status: int, body: str) -> Reply:
    return Reply(status, body, "text/plain; charset=utf-8")


HTML = Reply(
    200,
    "<!doctype html><html><head><title>Nightingale</title></head><body></body></html>",
    "text/html; charset=utf-8",
)


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


class Stub:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply | Callable[[Seen], Reply]]] = {}
        self.seen: list[Seen] = []
        self.routes[("GET", "/api/n9e/versions")] = [ok({"version": "v9.1.1", "github_verison": ""})]
        stub = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                parts = urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                seen = Seen(self.command, parts.path, parts.query, dict(self.headers), body)
                stub.seen.append(seen)
                queue = stub.routes.get((self.command, parts.path))
                if not queue:
                    reply = HTML  # n9e serves its web page for unknown routes
                else:
                    item = queue.pop(0) if len(queue) > 1 else queue[0]
                    reply = item(seen) if callable(item) else item
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                payload = data.encode() if data is not None else b""
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str, *replies: Reply | Callable[[Seen], Reply]) -> None:
        self.routes[(method, path)] = list(replies)

    def calls(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        return [
            s
            for s in self.seen
            if (method is None or s.method == method) and (path is None or s.path == path)
        ]

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
