"""A small HTTP/1.1 reverse proxy on 127.0.0.1 that injects S3 faults in front of moto's server.

Requests are forwarded unchanged — method, path, query, headers (``Host`` included, because SigV4
signs it) and body — to the upstream ``host:port``; the answer comes back unchanged. On top of that,
a seeded share of the requests that ``only`` selects is answered with a fault:

* ``slowdown``: ``503`` with S3's ``SlowDown`` XML error body;
* ``reset``: the connection is reset (``SO_LINGER`` 0, closed) without any answer;
* ``delay``: nothing is sent until the client gives up and hangs up (its read timeout), so the
  test does not race a server-side delay against the client's clock;
* ``truncate``: the upstream answer's headers and half its body are sent, then a reset.

Whether a request is faulted depends only on ``seed``, the request (method, path, query) and how
many times that request has been seen before, never on thread timing, so a run is repeatable.
``faulty_attempts`` caps how many times the same request can be faulted, so a client with enough
retries always gets through; targets matching ``fail_always`` are answered ``500 InternalError``
every time. ``latency`` adds a fixed wait to every request (the benchmark's 20 ms "network").
``max_in_flight`` is the most requests that were being answered at the same moment.

Use it as a context manager; it stops by itself after ``lifetime`` seconds at most::

    with FaultProxy(moto_endpoint, slowdown=0.2, reset=0.05, faulty_attempts=2) as proxy:
        client = make_client("s3", proxy.url)
        ...
        proxy.counts["slowdown"], proxy.object_gets

Run on its own (``python tests/faultproxy.py --upstream URL --latency-ms 20``) it prints its URL
on the first line and serves until its standard input closes.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import re
import select
import socket
import struct
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["FAULTS", "FaultProxy", "is_object_get"]

FAULTS = ("slowdown", "reset", "delay", "truncate")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
_INTERNAL_ERROR_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message>"
    b"<RequestId>FAULTPROXY</RequestId><HostId>faultproxy</HostId></Error>"
)
_SLOWDOWN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message>"
    b"<RequestId>FAULTPROXY</RequestId><HostId>faultproxy</HostId></Error>"
)

Responder = Callable[[str, str], "tuple[int, list[tuple[str, str]], bytes] | None"]
"""``respond(method, target)``: an answer ``(status, headers, body)`` to send instead of asking the
upstream, or ``None`` to forward the request (the benchmark serves object GETs from moto's memory)."""

Selector = Callable[[str, str], bool]
"""``only(method, target)``: whether a request may be faulted (``target`` is path and query)."""


def is_object_get(method: str, target: str) -> bool:
    """A GET of one object (not a listing, whose target has a query string)."""
    return method == "GET" and "?" not in target


def _unit(seed: int, method: str, target: str, attempt: int) -> float:
    """A number in [0, 1) fixed by the seed, the request and its attempt number."""
    digest = hashlib.blake2b(f"{seed}\0{method}\0{target}\0{attempt}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") / 2**64


class FaultProxy:
    """A fault-injecting reverse proxy on 127.0.0.1 (see the module docstring).

    Attributes:
        url: ``http://127.0.0.1:<port>``, to use as a client's endpoint URL.
        counts: how many requests were seen (``requests``), forwarded whole (``forwarded``) and
            answered with each fault (``slowdown``, ``reset``, ``delay``, ``truncate``,
            ``fail_always``); ``hung_up`` counts delayed requests the client gave up on.
        max_in_flight: the most requests being answered at once.
    """

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        slowdown: float = 0.0,
        reset: float = 0.0,
        delay: float = 0.0,
        truncate: float = 0.0,
        latency: float = 0.0,
        faulty_attempts: int | None = None,
        only: Selector = is_object_get,
        fail_always: Iterable[str] = (),
        lifetime: float = 120.0,
        respond: Responder | None = None,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK or parts.port is None:
            raise ValueError(f"upstream must be http://<loopback>:<port>, not {upstream!r}")
        if slowdown + reset + delay + truncate > 1:
            raise ValueError("the shares of faulted requests add up to more than 1")
        self.upstream = (parts.hostname, parts.port)
        self.seed = seed
        self.shares = {"slowdown": slowdown, "reset": reset, "delay": delay, "truncate": truncate}
        self.latency = latency
        self.faulty_attempts = faulty_attempts
        self.only = only
        self.fail_always = [re.compile(pattern) for pattern in fail_always]
        self.lifetime = lifetime
        self.respond = respond
        self.counts: Counter[str] = Counter()
        self.max_in_flight = 0
        self._in_flight = 0
        self.attempts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()

    # -- what happened ---------------------------------------------------------------------------

    @property
    def object_gets(self) -> int:
        """Object GETs received, faulted or not (every attempt counts)."""
        return sum(
            n for (method, target), n in self.attempts.items() if is_object_get(method, target)
        )

    def keys_fetched(self) -> set[str]:
        """Paths of the objects that were asked for at least once."""
        return {target for method, target in self.attempts if is_object_get(method, target)}

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.attempts.clear()

    # -- deciding --------------------------------------------------------------------------------

    def _decide(self, method: str, target: str) -> str | None:
        with self._lock:
            self.counts["requests"] += 1
            self.attempts[method, target] += 1
            attempt = self.attempts[method, target]
        if any(pattern.search(target) for pattern in self.fail_always):
            return "fail_always"
        if not self.only(method, target):
            return None
        if self.faulty_attempts is not None and attempt > self.faulty_attempts:
            return None
        u = _unit(self.seed, method, target, attempt)
        for fault in FAULTS:
            if u < self.shares[fault]:
                return fault
            u -= self.shares[fault]
        return None

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    # -- running ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        serving = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serving.start()
        timer = threading.Timer(self.lifetime, self.stop)
        timer.daemon = True
        timer.start()
        self._threads = [serving, timer]
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._threads[1].cancel()  # type: ignore[attr-defined]

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients dropping connections (after a timeout, at exit) is expected here; other errors
        are bugs of the proxy and keep their traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"
    _upstream_connection: http.client.HTTPConnection | None = None

    def setup(self) -> None:
        super().setup()
        # Small writes must not wait for the peer's delayed ACK (Nagle), or every request pays ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._upstream_connection = None
        with self.proxy._lock:
            self.proxy._sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._upstream_connection is not None:
                self._upstream_connection.close()
            with self.proxy._lock:
                self.proxy._sockets.discard(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        """Silence: one line per request would drown the test output."""

    def _upstream(self) -> http.client.HTTPConnection:
        # One upstream connection per client connection, kept alive as long as it is.
        if self._upstream_connection is None:
            self._upstream_connection = http.client.HTTPConnection(*self.proxy.upstream, timeout=30)
            self._upstream_connection.connect()
            self._upstream_connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._upstream_connection

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            headers.append(("Content-Length", str(len(body))))
        for attempt in range(2):
            connection = self._upstream()
            try:
                connection.putrequest(
                    self.command, self.path, skip_host=True, skip_accept_encoding=True
                )
                for name, value in headers:
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                # A kept-alive upstream connection may have been closed by the server meanwhile.
                connection.close()
                self._upstream_connection = None
                if attempt:
                    raise
                continue
            if response.will_close:
                connection.close()
                self._upstream_connection = None
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, response.reason, kept, data
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _send(
        self,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        data: bytes,
        *,
        cut: int = -1,
    ) -> None:
        """Answer in one write (headers and body); with ``cut`` ≥ 0, only that much of the body."""
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if self.command != "HEAD" and not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(data)))
        self._headers_buffer.append(b"\r\n")
        head = b"".join(self._headers_buffer)
        self._headers_buffer = []
        body = b"" if self.command == "HEAD" else data if cut < 0 else data[:cut]
        self.wfile.write(head + body)

    def _handle(self) -> None:
        proxy = self.proxy
        body = self._read_body()
        fault = proxy._decide(self.command, self.path)
        if proxy.latency and proxy._stopped.wait(proxy.latency):
            return self._reset()
        if fault == "fail_always":
            proxy._count(fault)
            size = str(len(_INTERNAL_ERROR_BODY))
            headers = [("Content-Type", "application/xml"), ("Content-Length", size)]
            return self._send(500, "Internal Server Error", headers, _INTERNAL_ERROR_BODY)
        if fault == "slowdown":
            proxy._count(fault)
            headers = [
                ("Content-Type", "application/xml"),
                ("Content-Length", str(len(_SLOWDOWN_BODY))),
            ]
            return self._send(503, "Slow Down", headers, _SLOWDOWN_BODY)
        if fault == "reset":
            proxy._count(fault)
            return self._reset()
        if fault == "delay":
            proxy._count(fault)
            if self._wait_for_hang_up():
                proxy._count("hung_up")
            return self._reset()
        answer = proxy.respond(self.command, self.path) if proxy.respond else None
        if answer is not None:
            status, headers, data = answer
            reason = self.responses.get(status, ("",))[0]
        else:
            status, reason, headers, data = self._forward(body)
        if fault == "truncate" and len(data) > 1 and self.command != "HEAD":
            proxy._count(fault)
            self._send(status, reason, headers, data, cut=len(data) // 2)
            return self._reset()
        proxy._count("forwarded")
        self._send(status, reason, headers, data)

    def _wait_for_hang_up(self) -> bool:
        """Block until the client closes the connection (True) or the proxy stops (False)."""
        while not self.proxy._stopped.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return True
        return False

    def _serve(self) -> None:
        proxy = self.proxy
        with proxy._lock:
            proxy._in_flight += 1
            proxy.max_in_flight = max(proxy.max_in_flight, proxy._in_flight)
        try:
            self._handle()
        except OSError:
            # The client went away (it timed out, or the proxy is stopping).
            self.close_connection = True
        finally:
            with proxy._lock:
                proxy._in_flight -= 1

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _serve


def main(argv: list[str] | None = None) -> None:
    """Serve until standard input closes; print the proxy's URL first."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:<port> of the server")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--lifetime", type=float, default=3600.0)
    options = parser.parse_args(argv)
    with FaultProxy(
        options.upstream, latency=options.latency_ms / 1000, lifetime=options.lifetime
    ) as proxy:
        print(proxy.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
