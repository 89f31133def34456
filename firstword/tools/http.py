"""``/mcp``: firstword's MCP server over streamable HTTP, inside the app, for the admin.

* **Who.** Only the bearer of the admin token (``Authorization: Bearer <server.admin_token>``):
  the tools read every stored session. No token sent → ``401``; a wrong one → ``403``; no admin
  token configured on the server → ``403`` saying how to set one. Errors have the app's body,
  ``{"error": {"status", "code", "message"}}``.
* **Where from.** The app's ``EdgeGuard`` runs before the mount as before any route (``Host``
  allowlist: ``400`` for a foreign Host; ``Origin``; body type), and the SDK's own DNS-rebinding
  check is given the same hosts and origins (switched off only where the guard accepts what the
  SDK cannot express: any host, or any IP literal on a wildcard bind).
* **When.** The SDK's session manager runs a task group that must be started and stopped with
  the app: a sub-application's lifespan does not run when mounted, so the app's lifespan calls
  ``McpMount.start`` and ``McpMount.stop`` (the same task, as the SDK requires). Until started
  (and after stopped) ``/mcp`` answers ``503``.
"""

from __future__ import annotations

import hmac
import logging
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from firstword.answerer.profile import Profile
from firstword.config import ServerConfig, Settings
from firstword.events.wire import ErrorCode, http_error_body
from firstword.server.guard import LOOPBACK_NAMES, WILDCARD_BINDS
from firstword.store.base import Store

log = logging.getLogger("firstword.tools")

MCP_PATH = "/mcp"
# Concurrent MCP sessions over HTTP (the SDK's default is 10 000).
MAX_SESSIONS = 64


def transport_security(config: ServerConfig) -> Any:
    """The SDK's Host/Origin check, with the hosts and origins ``EdgeGuard`` accepts."""
    from mcp.server.transport_security import TransportSecuritySettings

    if "*" in config.allowed_hosts or config.host.strip("[]") in WILDCARD_BINDS:
        # EdgeGuard accepts any host (or any IP literal): the SDK's exact list cannot say that.
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    names: list[str] = [*LOOPBACK_NAMES, config.host, *config.allowed_hosts]
    origins: list[str] = list(config.allowed_origins)
    if config.public_url:
        public = urlsplit(config.public_url)
        if public.hostname:
            names.append(public.hostname)
            origins.append(f"{public.scheme}://{public.netloc}")
    hosts: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name.startswith("["):  # "[::1]" or "[::1]:8765"
            name = name[1:].split("]", 1)[0]
        elif name.count(":") == 1:  # "lan-box:8765" names lan-box
            name = name.rsplit(":", 1)[0]
        # else: a host name, or an IPv6 literal as is ("::1")
        shown = f"[{name}]" if ":" in name else name
        for value in (shown, f"{shown}:*"):
            if value not in hosts:
                hosts.append(value)
        for scheme in ("http", "https"):
            for value in (f"{scheme}://{shown}", f"{scheme}://{shown}:*"):
                if value not in origins:
                    origins.append(value)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class McpMount:
    """The ASGI app at ``/mcp``: checks the admin token, then hands the request to the SDK's
    session manager (started by ``start``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._manager: Any = None
        self._stack: AsyncExitStack | None = None

    @property
    def running(self) -> bool:
        return self._manager is not None

    async def start(self, store: Store | None = None, profile: Profile | Any = None) -> None:
        """Build firstword's MCP server over ``store`` and start the session manager. Call it
        from the app's lifespan, and ``stop`` from the same task."""
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        from firstword.tools.server import build_mcp_server

        if self._stack is not None:
            return
        server = build_mcp_server(self.settings, store=store, profile=profile)
        manager = StreamableHTTPSessionManager(
            app=server._lowlevel_server,  # noqa: SLF001 - what MCPServer.streamable_http_app passes
            security_settings=transport_security(self.settings.server),
            max_request_body_size=self.settings.limits.max_body_bytes,
            max_sessions=MAX_SESSIONS,
        )
        stack = AsyncExitStack()
        await stack.enter_async_context(manager.run())
        self._stack = stack
        self._manager = manager

    async def stop(self) -> None:
        stack, self._stack, self._manager = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            status, code, message = refusal
            headers = {"WWW-Authenticate": 'Bearer realm="firstword-mcp"'} if status == 401 else None
            await JSONResponse(http_error_body(status, message, code), status, headers=headers)(scope, receive, send)
            return
        manager = self._manager
        if manager is None:
            await JSONResponse(
                http_error_body(503, "the MCP endpoint is not running (the server is starting or stopping)",
                                ErrorCode.UNAVAILABLE),
                503,
            )(scope, receive, send)
            return
        await manager.handle_request(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, ErrorCode, str] | None:
        secret = self.settings.server.admin_token
        admin = secret.get_secret_value() if secret is not None else ""
        if not admin:
            return (403, ErrorCode.FORBIDDEN,
                    "the MCP endpoint needs an admin token: set FIRSTWORD_SERVER__ADMIN_TOKEN on the server, "
                    "then send 'Authorization: Bearer TOKEN'")
        authorization = ""
        for key, value in scope.get("headers", ()):
            if key == b"authorization":
                authorization = value.decode("latin-1")
                break
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not token:
            return 401, ErrorCode.UNAUTHORIZED, "missing admin token: send 'Authorization: Bearer TOKEN'"
        if not hmac.compare_digest(token.encode(), admin.encode()):
            return 403, ErrorCode.FORBIDDEN, "invalid admin token"
        return None


def mount_mcp(app: Starlette, settings: Settings) -> McpMount:
    """Route ``/mcp`` of ``app`` to firstword's MCP server; the returned mount must be started
    and stopped by the app's lifespan (``await mount.start(store)`` / ``await mount.stop()``)."""
    mount = McpMount(settings)
    # A Route, not a Mount: a Mount matches "/mcp/..." only. An ASGI app as endpoint takes every
    # method (POST messages, GET the event stream, DELETE the session).
    app.router.routes.append(Route(MCP_PATH, endpoint=mount, include_in_schema=False))
    return mount
