"""A scriptable HTTP server on 127.0.0.1 for tests and benchmarks: no test reaches the internet.

    with MockServer() as srv:
        srv.route("/files/company_tickers.json", body=b"{...}")
        srv.route("/api/xbrl/companyfacts/CIK0000000001.json", handler=lambda req: (200, {}, b"..."))
        srv.script("/x", [Fault.status(500), Fault.status(429, retry_after=1), None])  # then normal
        srv.faults(rate=0.1, kinds=("500", "429", "reset", "truncate"), seed=1)       # random faults
        srv.limit(rate=10)          # 429 to any request that makes 11 in a sliding 1 s window
                                    # (every arrival counts, refused ones too); srv.over_limit
                                    # counts them
        srv.latency = 0.05
        url = srv.url + "/x"

``srv.log`` records (arrival time, method, path, status). Loops are bounded: the server stops on exit.
"""

from __future__ import annotations

import collections
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Response = tuple[int, dict[str, str], bytes]


@dataclass
class Fault:
    kind: str                  # "status" | "reset" | "truncate" | "html" | "slow" | "garbage"
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0

    @staticmethod
    def status_(code: int, retry_after: float | None = None) -> Fault:
        return Fault("status", code, retry_after)


Fault.status = staticmethod(Fault.status_)  # type: ignore[attr-defined]


@dataclass
class _Route:
    body: bytes | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    handler: Callable[[Request], Response] | None = None


class MockServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.routes: dict[str, _Route] = {}
        self.prefix_routes: list[tuple[str, _Route]] = []
        self.scripts: dict[str, collections.deque] = {}
        self.latency = 0.0
        self.log: list[tuple[float, str, str, int]] = []
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._rng = random.Random(0)
        self._limit: float | None = None
        self._window: collections.deque = collections.deque()
        self.over_limit = 0  # requests refused by the sliding-window limit
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration ------------------------------------------------------------------
    def route(self, path: str, body: bytes | str | None = None, status: int = 200,
              headers: dict[str, str] | None = None,
              handler: Callable[[Request], Response] | None = None, prefix: bool = False) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        r = _Route(body, status, dict(headers or {}), handler)
        if prefix:
            self.prefix_routes.append((path, r))
        else:
            self.routes[path] = r

    def script(self, path: str, faults: list[Fault | None]) -> None:
        """The next requests to ``path`` get these faults in order (None = answer normally)."""
        self.scripts[path] = collections.deque(faults)

    def faults(self, rate: float, kinds: tuple[str, ...] = ("500", "503", "429", "reset"),
               seed: int = 0) -> None:
        self._fault_rate, self._fault_kinds, self._rng = rate, kinds, random.Random(seed)

    def limit(self, rate: float | None) -> None:
        self._limit = rate

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> MockServer:
        server = ThreadingHTTPServer((self.host, 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def count(self, path_prefix: str = "") -> int:
        return sum(1 for _, _, p, _ in self.log if p.startswith(path_prefix))

    # -- request handling ---------------------------------------------------------------
    def _pick_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self.scripts.get(path)
            if queue:
                return queue.popleft()
            if self._fault_rate and self._rng.random() < self._fault_rate:
                kind = self._rng.choice(self._fault_kinds)
                if kind.isdigit():
                    return Fault("status", int(kind), 1.0 if kind == "429" else None)
                return Fault(kind)
        return None

    def _over_limit(self) -> bool:
        """Sliding window over every arrival: a request is over the limit when, with it, more
        than ``limit`` requests arrived within the last second."""
        if self._limit is None:
            return False
        now = time.monotonic()
        with self._lock:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            self._window.append(now)
            over = len(self._window) > self._limit
            self.over_limit += over
        return over

    def _find(self, path: str) -> _Route | None:
        if path in self.routes:
            return self.routes[path]
        for prefix, r in self.prefix_routes:
            if path.startswith(prefix):
                return r
        return None


def _make_handler(srv: MockServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes,
                  declared: int | None = None) -> None:
            # the time logged is the request's arrival (what a sliding-window limit counts)
            srv.log.append((getattr(self, "_arrived", time.monotonic()), self.command, self.path,
                            status))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(declared if declared is not None else len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._arrived = time.monotonic()
            parts = urlsplit(self.path)
            if srv.latency:
                time.sleep(srv.latency)
            if srv._over_limit():
                self._send(429, {"Retry-After": "1", "Content-Type": "text/plain"},
                           b"Too Many Requests")
                return
            route = srv._find(parts.path)
            fault = srv._pick_fault(parts.path)
            if fault is not None:
                if fault.kind == "status":
                    h = {"Content-Type": "text/plain"}
                    if fault.retry_after is not None:
                        h["Retry-After"] = str(int(fault.retry_after))
                    self._send(fault.status, h, f"HTTP {fault.status}".encode())
                    return
                if fault.kind == "reset":
                    srv.log.append((self._arrived, self.command, self.path, 0))
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault.kind == "slow":
                    time.sleep(fault.delay or 30)
                if fault.kind == "html":
                    self._send(200, {"Content-Type": "text/html"},
                               b"<!DOCTYPE html><html><body>Access denied</body></html>")
                    return
                if fault.kind == "garbage":
                    self._send(200, {"Content-Type": "application/json"}, b"\x00\xff{not json")
                    return
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"Not Found")
                return
            req = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers))
            if route.handler is not None:
                status, headers, body = route.handler(req)
            else:
                status, headers, body = route.status, route.headers, route.body or b""
            if fault is not None and fault.kind == "truncate" and len(body) > 2:
                self._send(status, headers, body[: len(body) // 2], declared=len(body))
                self.close_connection = True
                return
            self._send(status, headers, body)

    return Handler
