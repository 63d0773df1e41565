"""A small threaded HTTP server that the faithful imitations of GitHub and the platforms share.

Each imitation subclasses `FakeServer` and declares routes with `@route`. The base gives every
imitation the same things a test or the demo needs: a free port on 127.0.0.1, a log of every
request (to count API calls and to prove that nothing was sent twice), added latency, and faults
that fail the way real services fail: an HTTP error, a 429 with `Retry-After`, a reply that never
comes (timeout), or a connection dropped after the request arrived — before or after the service
acted on it.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

__all__ = ["Fault", "FakeServer", "Request", "Response", "route"]


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query-string value (first one)."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, Any]:
        """Fields of a urlencoded or multipart body; multipart file parts come back as bytes."""
        ctype = self.header("content-type", "") or ""
        if ctype.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.body
            )
            fields: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                fields[str(name)] = payload if part.get_filename() else payload.decode()
            return fields
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        self.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    """A failure to serve instead of (or after) the normal answer.

    `status`/`body`/`headers`: answer this instead. `delay`: wait before answering (longer than
    the client's timeout = a timeout). `drop`: close the connection without answering.
    `apply`: let the service act on the request first (the post exists, the client never hears).
    `times`: how many matching requests it hits.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    apply: bool = False
    times: int = 1

    def matches(self, request: Request) -> bool:
        return (self.method is None or self.method == request.method) and (
            self.path is None or re.search(self.path, request.path) is not None
        )


Handler = Callable[[Any, Request], Response]


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Declare a handler for `method` and a path pattern with `{name}` placeholders."""

    def mark(func: Handler) -> Handler:
        func._route = (method, pattern)  # type: ignore[attr-defined]
        return func

    return mark


def _compile(pattern: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile("^" + regex + "$")


class FakeServer:
    """Base of every imitation: routing, request log, latency and faults, on a free local port."""

    name: ClassVar[str] = "fake"
    _routes: ClassVar[list[tuple[str, re.Pattern[str], str]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._routes = []
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if callable(value) and hasattr(value, "_route"):
                    method, pattern = value._route
                    cls._routes.append((method, _compile(pattern), attr))

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.latency = latency
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small answers go out at once, not after 40 ms

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                server._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ----------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    @contextmanager
    def injected(self, fault: Fault) -> Iterator[Fault]:
        self.inject(fault)
        try:
            yield fault
        finally:
            with self.lock:
                if fault in self.faults:
                    self.faults.remove(fault)

    def calls(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """The requests received so far, optionally only those matching a method and path regex."""
        probe = Fault(method=method, path=path)
        with self.lock:
            return [r for r in self.requests if probe.matches(r)]

    # -- dispatch ---------------------------------------------------------------------------
    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: Request) -> Response:
        """Find the route for a request and run it; unknown routes get the service's 404."""
        for method, regex, attr in self._routes:
            match = regex.match(request.path)
            if match and method == request.method:
                request.params = match.groupdict()
                return getattr(self, attr)(request)
        return self.not_found(request)

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": "Not Found"})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        response: Response | None = None
        if fault is None or fault.apply or (fault.status is None and not fault.drop):
            with self.lock:
                response = self.dispatch(request)
        delay = self.latency + (fault.delay if fault else 0.0)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.drop:
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None and fault.status is not None:
            response = Response(fault.status, fault.body, dict(fault.headers))
        assert response is not None
        payload = response.encode()
        try:
            handler.send_response(response.status)
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
