"""The HTTP edge, before any route: which Host the server answers to, which pages may drive it,
and what a request body must say it is.

* **Host.** A server on loopback is reachable from any page the user opens, through a name its
  author points at 127.0.0.1 (DNS rebinding): the browser then treats the server as that site's
  own. Only the names this server is meant to be reached by are answered: the bind host,
  ``localhost``, ``127.0.0.1``, ``[::1]``, ``server.public_url``'s host and
  ``server.allowed_hosts`` (any port). Bound to every interface (``0.0.0.0``, ``::``), any IP
  literal is answered too: rebinding needs a name. A request with no Host (HTTP/1.0) passes: a
  browser always sends one. Refused: ``400 bad_request``.
* **Origin.** A browser names the page behind a WebSocket handshake and a cross-site POST in
  ``Origin``; a page on another site must not open a session's socket or change it with the
  browser's access to this server. When present, it must be the request's own host (the port
  and host of ``Host``), ``public_url``'s origin or one of ``server.allowed_origins``. Checked on
  every WebSocket and on POST, PUT, PATCH and DELETE; a client that sends none (the CLI, Python,
  curl) is not a page and passes. Refused: ``403 forbidden``.
* **Content type.** A page may POST ``text/plain`` to any site without asking first (no CORS
  preflight), so a JSON endpoint that reads any body would act on a form another site submits.
  A POST, PUT or PATCH with a body must say ``application/json``, or ``multipart/form-data`` on
  the two upload routes. Refused: ``415 invalid_request``. A request with no body passes.

A refused WebSocket is accepted, sent an ``error`` frame and closed with 4400 or 4403, as
``server.streams`` refuses one (a page can read why; a bare handshake failure says nothing).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from firstword.config import ServerConfig
from firstword.events.wire import CloseCode, ErrorCode, connection_error_json, http_error_body

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("", "0.0.0.0", "::")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WITH_JSON_BODY = frozenset({"POST", "PUT", "PATCH"})
# The routes that take multipart/form-data (server/routes/profile.py); a test holds this list
# and the OpenAPI document's multipart operations together.
MULTIPART_PATHS = (
    re.compile(r"^/profile/extract$"),
    re.compile(r"^/sessions/[^/]+/profile/resume$"),
)
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _split_host(value: str) -> tuple[str, int | None] | None:
    """(host name, port) of a Host header or an origin's netloc, lower case, without brackets;
    None when it is not a host at all (user info, spaces, a bad port)."""
    value = value.strip().lower()
    if not value or any(c in value for c in "@/\\ \t?#"):
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else ""
    else:
        host, _, port_text = value.partition(":")
        if ":" in port_text:
            return None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            return None
        port: int | None = int(port_text)
    else:
        port = None
    host = host.rstrip(".")
    return (host, port) if host else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL; None for ``null`` and anything not http(s)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        return None
    split = _split_host(parts.netloc)
    if split is None:
        return None
    host, port = split
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


class EdgeGuard:
    """Pure ASGI middleware: checks Host, Origin and the body's type, then passes the request on
    untouched (streams included)."""

    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self._any_host = "*" in config.allowed_hosts
        self._any_ip = config.host.strip("[]") in WILDCARD_BINDS
        hosts = {
            (_split_host(name) or (name.lower().strip("[]"), None))[0]  # "lan-box:8765" names lan-box
            for name in (*LOOPBACK_NAMES, config.host, *config.allowed_hosts)
        }
        public = _origin(config.public_url) if config.public_url else None
        if config.public_url and public is None:
            raise ValueError(f"server.public_url must be an http(s) URL, got {config.public_url!r}")
        origins: set[tuple[str, str, int]] = set()
        if public is not None:
            hosts.add(public[1])
            origins.add(public)
        for allowed in config.allowed_origins:
            parsed = _origin(allowed)
            if parsed is None:
                raise ValueError(f"server.allowed_origins takes http(s) origins, got {allowed!r}")
            origins.add(parsed)
        self._hosts = frozenset(hosts)
        self._origins = frozenset(origins)

    def host_allowed(self, host: str | None) -> bool:
        if host is None or self._any_host:
            return True
        split = _split_host(host)
        if split is None:
            return False
        name = split[0]
        return name in self._hosts or (self._any_ip and _is_ip(name))

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        parsed = _origin(origin)
        if parsed is None:
            return False
        if parsed in self._origins:
            return True
        # Same origin as the request: the page was served by this very host and port. The scheme
        # is not compared: behind a TLS proxy the page is https and the request reaches us as http.
        split = _split_host(host) if host else None
        if split is None:
            return False
        scheme, name, port = parsed
        return split[0] == name and (split[1] if split[1] is not None else DEFAULT_PORTS[scheme]) == port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        origin = headers.get("origin")
        refusal: tuple[int, ErrorCode, str] | None = None
        if not self.host_allowed(host):
            refusal = (400, ErrorCode.BAD_REQUEST,
                       f"this server does not answer to Host {str(host)[:80]!r}: add it to server.allowed_hosts "
                       "or set server.public_url")
        elif origin is not None and (kind == "websocket" or scope["method"] in STATE_CHANGING) \
                and not self.origin_allowed(origin, host):
            refusal = (403, ErrorCode.FORBIDDEN,
                       f"requests from pages at {origin[:80]!r} are not allowed: add the origin to "
                       "server.allowed_origins or set server.public_url")
        elif kind == "http" and scope["method"] in WITH_JSON_BODY and _has_body(headers):
            refusal = _wrong_type(scope["path"], headers.get("content-type", ""))
        if refusal is None:
            await self.app(scope, receive, send)
        elif kind == "websocket":
            await _refuse_websocket(receive, send, *refusal)
        else:
            status, code, message = refusal
            await JSONResponse(http_error_body(status, message, code), status)(scope, receive, send)


def _has_body(headers: Headers) -> bool:
    if "transfer-encoding" in headers:
        return True
    length = headers.get("content-length", "0").strip()
    return not length.isdigit() or int(length) > 0


def _wrong_type(path: str, content_type: str) -> tuple[int, ErrorCode, str] | None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    expected = "multipart/form-data" if any(p.match(path) for p in MULTIPART_PATHS) else "application/json"
    if media_type == expected:
        return None
    sent = f"not {media_type[:60]!r}" if media_type else "with a Content-Type"
    return 415, ErrorCode.INVALID_REQUEST, f"send the body as {expected}, {sent}"


async def _refuse_websocket(receive: Receive, send: Send, status: int, code: ErrorCode, message: str) -> None:
    message_in = await receive()
    if message_in["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": connection_error_json(code, message)})
    # A close reason is at most 123 bytes of UTF-8.
    reason = message.encode()[:120].decode(errors="ignore")
    await send({"type": "websocket.close", "code": int(CloseCode.for_status(status)), "reason": reason})
