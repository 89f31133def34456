"""What one connection may hold of a node before it has even asked for anything.

**Header read timeout.** uvicorn (0.54) times out nothing before a connection's first request:
its keep-alive timer runs only after a response, and any byte received cancels it. An
independent probe opened 300 connections that never finished their request headers; all were
still open 80 s later, each holding a descriptor and a slot. uvicorn has no option for this, so
it is added here by hand: a subclass of the HTTP protocol uvicorn would pick (httptools when
installed, else h11) closes a connection whose request line and headers are not all in within
``server.header_timeout_s`` of its opening or of its previous response. A request's body and a
stream's lifetime are not bounded by it: once the headers are in, the timer is off.

**Connection budget.** Every connection is a file descriptor, and so are the database's, Redis's
and the model files. ``connection_limit`` reads the process's limit (RLIMIT_NOFILE) at start,
keeps ``server.fd_reserve`` of it back and gives uvicorn the rest as ``limit_concurrency``: past
it new requests get 503 at once, rather than the process failing to open its database or
accept() failing with EMFILE while every slot is taken.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import resource
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from firstword.config import ServerConfig

log = logging.getLogger("firstword.server")


class _HeaderTimeout:
    """Mixin over uvicorn's HTTP protocol classes (which it relies on for ``loop``, ``transport``
    and ``timeout_keep_alive_task``)."""

    header_timeout_s: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    timeout_keep_alive_task: asyncio.TimerHandle | None

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timed_out)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.debug("closing a connection whose request headers took over %.1f s", self.header_timeout_s)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # uvicorn arms its keep-alive timer exactly when the connection now waits for a new
        # request (not when a pipelined one is already parsed, nor when it is closing): so does
        # this one. The keep-alive timer ends at the first byte; this one at the last header.
        if self.timeout_keep_alive_task is not None:
            self._arm_header_timer()


def _httptools_class() -> type[asyncio.Protocol] | None:
    if importlib.util.find_spec("httptools") is None:
        return None
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsHeaderTimeout(_HeaderTimeout, HttpToolsProtocol):
        def on_headers_complete(self) -> None:
            self._disarm_header_timer()
            super().on_headers_complete()

    return HttpToolsHeaderTimeout


class H11HeaderTimeout(_HeaderTimeout, H11Protocol):
    def handle_events(self) -> None:
        super().handle_events()
        # h11 leaves IDLE once a request's line and headers are parsed (or on a protocol error,
        # after which the connection is closing anyway).
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()


def header_timeout_protocol(timeout_s: float, http: str = "auto") -> type[asyncio.Protocol]:
    """The HTTP protocol class for ``uvicorn.run(http=...)``: uvicorn's own choice for ``http``
    ("auto": httptools when installed, else h11), closing connections whose headers take longer
    than ``timeout_s``."""
    base: type[Any] | None = _httptools_class() if http in ("auto", "httptools") else None
    if base is None:
        if http == "httptools":
            raise RuntimeError("http = httptools, but httptools is not installed")
        base = H11HeaderTimeout
    return type(base.__name__, (base,), {"header_timeout_s": float(timeout_s), "__module__": __name__})


def connection_limit(config: ServerConfig) -> int | None:
    """uvicorn's ``limit_concurrency``: ``server.max_connections`` if set, else the descriptor
    limit less ``server.fd_reserve``; never more than the descriptors allow. Logs the budget."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        log.info("file descriptors: no limit; connections: %s", config.max_connections or "no limit")
        return config.max_connections or None
    budget = soft - config.fd_reserve
    if budget < 16:
        log.warning("file descriptors: limit %d leaves %d for connections after the %d kept back; raise it "
                    "(ulimit -n)", soft, budget, config.fd_reserve)
        budget = max(16, soft // 2)
    limit = budget
    if config.max_connections:
        if config.max_connections > budget:
            log.warning("server.max_connections = %d is more than the %d descriptors left for connections; "
                        "using %d (raise ulimit -n, hard limit %d)", config.max_connections, budget, budget, hard)
        limit = min(config.max_connections, budget)
    log.info("file descriptors: limit %d (hard %d), %d kept back for the database, Redis, models and logs: "
             "up to %d connections at once, 503 beyond", soft, hard, config.fd_reserve, limit)
    return limit
