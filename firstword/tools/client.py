"""The tool runner: firstword's own tools and the configured MCP servers' behind one interface
(``tools.base.ToolRunner``), over MCP all the way.

* **Built-in tools** are served by firstword's own MCP server (``tools.server``) connected
  in-process over the SDK's in-memory transport: the same JSON-RPC messages, progress
  notifications and cancellations as any other server, without a subprocess.
* **Configured servers** (``tools.servers``) are started as a subprocess (``command``, stdio) or
  reached by URL (``url``, streamable HTTP, with ``headers``).

Each server is connected on first use, once (``connect_timeout_s`` for starting and listing its
tools), and again after it died. A call is bounded by ``call_timeout_s``; a cancelled call sends
``notifications/cancelled`` before the ``CancelledError`` goes on; progress notifications reach
``on_progress`` at most ``max_progress_per_s`` times a second (the latest merged in, the last
always delivered before the result); the result is cut to ``max_result_chars``. Every failure is
a ``ToolError`` that says what happened: nothing here ends the caller's session or hangs it.

A connection is entered and left by a task of its own: the SDK's transports hold cancel scopes
that must be left by the task that entered them, whichever task calls the tools.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, Tool
from pydantic import ValidationError

from firstword.config import McpServerConfig, Settings, ToolsConfig
from firstword.server.limits import TokenBucket
from firstword.tools.base import (
    BUILTIN_SERVER,
    ToolError,
    ToolOutcome,
    ToolProgressUpdate,
    ToolSpec,
)

log = logging.getLogger("firstword.tools")

# JSON-RPC / MCP error codes the runner tells apart.
CONNECTION_CLOSED = -32000
REQUEST_TIMEOUT = -32001
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
# A server that failed to start is tried again, while resolving a tool's name, after this long.
RETRY_FAILED_AFTER_S = 30.0
# After a call timed out, the next call first checks that the server still answers (tools/list)
# within this long; one that does not is started afresh.
PROBE_TIMEOUT_S = 5.0
# Closing a connection (a stdio server gets 2 s to exit, then SIGTERM, then SIGKILL).
CLOSE_TIMEOUT_S = 8.0
SUMMARY_CHARS = 160
ERROR_CHARS = 600
LIST_PAGES = 100

ServerFactory = Callable[[], Any]  # () -> mcp.server.mcpserver.MCPServer
# Connection owners still running: held so that they are not garbage-collected mid-way.
_BACKGROUND: set[asyncio.Task[None]] = set()


@dataclass
class _Endpoint:
    """One server the runner may connect to."""

    name: str
    config: McpServerConfig | None = None  # None: the built-in server
    factory: ServerFactory | None = None
    failed_at: float | None = None
    last_error: str | None = None
    known_tools: set[str] | None = None  # from the last listing that succeeded
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connection: _Connection | None = None

    @property
    def what(self) -> str:
        if self.config is None:
            return "firstword's built-in tools"
        if self.config.command:
            return f"MCP server {self.name!r} (command {' '.join(self.config.command)!r})"
        return f"MCP server {self.name!r} ({self.config.url})"


class _Connection:
    """A connected ``mcp.Client`` owned by a task of its own (see the module's docstring)."""

    def __init__(self, endpoint: _Endpoint, client: Client) -> None:
        self.endpoint = endpoint
        self.client = client
        self.tools: list[Tool] = []
        self.in_flight = 0
        # A call on it timed out: it may be wedged (checked before its next use).
        self.suspect = False
        self._stop = asyncio.Event()
        self._ready: asyncio.Future[list[Tool]] = asyncio.get_running_loop().create_future()
        self._task: asyncio.Task[None] | None = None
        self._dead = False

    async def open(self, timeout_s: float) -> None:
        # Retrieved here whatever happens, so that a late failure is never "never retrieved".
        self._ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._task = task = asyncio.create_task(self._own(), name=f"mcp:{self.endpoint.name}")
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)
        try:
            async with asyncio.timeout(timeout_s):
                self.tools = await asyncio.shield(self._ready)
        except BaseException as exc:
            self._dead = True
            self._stop.set()
            if not self._ready.done():
                task.cancel()
            if not isinstance(exc, asyncio.CancelledError):
                # Let the owner unwind (a subprocess is stopped within bounded waits); a cancelled
                # caller goes at once and the owner finishes in the background.
                await asyncio.wait({task}, timeout=CLOSE_TIMEOUT_S)
            raise

    async def _own(self) -> None:
        try:
            async with self.client as client:
                tools: list[Tool] = []
                cursor: str | None = None
                for _ in range(LIST_PAGES):
                    page = await client.list_tools(cursor=cursor)
                    tools += page.tools
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                self._ready.set_result(tools)
                await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 - handed to the opener, or logged
            if not self._ready.done():
                self._ready.set_exception(_leaf(exc))
            elif not isinstance(exc, asyncio.CancelledError):
                log.info("%s: connection ended: %s", self.endpoint.what, _leaf(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._dead = True

    @property
    def alive(self) -> bool:
        if self._dead or self._task is None or self._task.done():
            return False
        # The session's dispatcher stops when the transport ends (a server that exited).
        dispatcher = getattr(self.client._session, "_dispatcher", None)  # noqa: SLF001
        return not bool(getattr(dispatcher, "_closed", False))

    def mark_dead(self) -> None:
        self._dead = True

    async def close(self) -> None:
        self._dead = True
        self._stop.set()
        if self._task is not None and not self._task.done():
            done, _ = await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT_S)
            if not done:
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT_S)


def _leaf(exc: BaseException) -> BaseException:
    """The exception that says what happened, out of task groups' exception groups."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)] or list(exc.exceptions)
        exc = inner[0]
    return exc


class _ProgressThrottle:
    """Progress notifications to ``callback``, at most ``per_s`` a second: one that comes sooner
    than its turn waits, merged with any later one (the latest wins); the one still waiting
    when the result comes is delivered before it (``close(flush=True)``)."""

    def __init__(self, callback: Callable[[ToolProgressUpdate], None] | None, per_s: float, burst: int = 1) -> None:
        self._callback = callback
        # A burst passes whole (a quick analysis says its 7 steps in 50 ms and each is worth
        # reading); beyond it, per_s a second.
        unlimited = not (per_s > 0 and math.isfinite(per_s))
        self._bucket = None if unlimited else TokenBucket(float(max(1, burst)), per_s)
        self._last_progress = -math.inf
        self._pending: ToolProgressUpdate | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.received = 0
        self.delivered = 0

    async def receive(self, progress: float, total: float | None, message: str | None) -> None:
        """The SDK's progress callback."""
        self.offer(ToolProgressUpdate(progress=progress, total=total, message=message or ""))

    def offer(self, update: ToolProgressUpdate) -> None:
        if self._closed or self._callback is None:
            return
        self.received += 1
        if update.progress < self._last_progress:
            return  # progress only increases: an out-of-order one is stale
        self._last_progress = update.progress
        if self._pending is None and (self._bucket is None or self._bucket.take()):
            self._emit(update)
            return
        self._pending = update
        if self._timer is None:
            delay = self._bucket.retry_after() if self._bucket is not None else 0.0
            self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self._pending is not None and not self._closed:
            if self._bucket is not None and not self._bucket.take():
                self._timer = asyncio.get_running_loop().call_later(self._bucket.retry_after(), self._fire)
                return
            update, self._pending = self._pending, None
            self._emit(update)

    def _emit(self, update: ToolProgressUpdate) -> None:
        self.delivered += 1
        try:
            self._callback(update)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - a listener's bug must not fail the call
            log.exception("on_progress raised")

    def close(self, *, flush: bool) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if flush and self._pending is not None and not self._closed:
            update, self._pending = self._pending, None
            self._emit(update)
        self._pending = None
        self._closed = True


class McpToolRunner:
    """``ToolRunner`` over MCP. ``builtin_server_factory`` builds firstword's own server
    (``tools.server.build_mcp_server``), or None for no built-in tools."""

    def __init__(self, config: ToolsConfig, *, builtin_server_factory: ServerFactory | None = None) -> None:
        self.config = config
        self._endpoints: dict[str, _Endpoint] = {}
        if builtin_server_factory is not None:
            self._endpoints[BUILTIN_SERVER] = _Endpoint(BUILTIN_SERVER, factory=builtin_server_factory)
        for server in config.servers:
            if server.name in self._endpoints:
                raise ValueError(f"two MCP servers are named {server.name!r}: give each a name of its own")
            self._endpoints[server.name] = _Endpoint(server.name, config=server)
        self._builtin: Any = None
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()

    # -- connections ------------------------------------------------------------------------------

    def _client(self, endpoint: _Endpoint) -> Client:
        if endpoint.config is None:
            from mcp.client._memory import InMemoryTransport

            if self._builtin is None:
                assert endpoint.factory is not None
                self._builtin = endpoint.factory()
            return Client(InMemoryTransport(self._builtin), cache=None)
        config = endpoint.config
        if config.command:
            params = StdioServerParameters(command=config.command[0], args=list(config.command[1:]),
                                           env=dict(config.env) or None)
            return Client(params, cache=None)
        return Client(_http_transport(config.url, dict(config.headers)), cache=None)

    async def _connection(self, endpoint: _Endpoint) -> _Connection:
        if self._closed:
            raise ToolError("the tool runner is closed")
        current = endpoint.connection
        if current is not None and current.alive and not current.suspect:
            return current
        async with endpoint.lock:
            current = endpoint.connection
            if current is not None and current.alive and current.suspect:
                await self._probe(current)
            if current is not None and current.alive:
                return current
            if current is not None:
                endpoint.connection = None
                self._close_later(current)
            connection = _Connection(endpoint, self._client(endpoint))
            try:
                await connection.open(self.config.connect_timeout_s)
            except TimeoutError:
                error = f"{endpoint.what} did not answer within {self.config.connect_timeout_s:g} s of starting"
                self._failed(endpoint, error)
                raise ToolError(error) from None
            except Exception as exc:  # noqa: BLE001 - every failure to connect says why
                error = _connect_error(endpoint, exc)
                self._failed(endpoint, error)
                raise ToolError(error) from None
            endpoint.connection = connection
            endpoint.failed_at = None
            endpoint.last_error = None
            endpoint.known_tools = {tool.name for tool in connection.tools}
            return connection

    async def _probe(self, connection: _Connection) -> None:
        """A server whose call timed out: kept if it still answers, else marked dead."""
        try:
            with anyio.fail_after(min(PROBE_TIMEOUT_S, self.config.connect_timeout_s)):
                await connection.client.list_tools()
        except Exception:  # noqa: BLE001 - any failure: it is started afresh
            log.warning("%s stopped answering after a call timed out: starting it again", connection.endpoint.what)
            connection.mark_dead()
        else:
            connection.suspect = False

    def _failed(self, endpoint: _Endpoint, error: str) -> None:
        endpoint.failed_at = time.monotonic()
        endpoint.last_error = error
        log.warning("%s", error)

    def _close_later(self, connection: _Connection) -> None:
        connection.mark_dead()
        task = asyncio.create_task(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    # -- listing ----------------------------------------------------------------------------------

    async def list_tools(self) -> list[ToolSpec]:
        """Every server's tools (those that could be reached; see ``errors`` for the others). A
        name two servers share is qualified as "server.tool"."""
        endpoints = list(self._endpoints.values())
        results = await asyncio.gather(*(self._connection(e) for e in endpoints), return_exceptions=True)
        listed: list[tuple[_Endpoint, Tool]] = []
        for endpoint, outcome in zip(endpoints, results, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                continue  # said in ``errors`` and logged
            listed += [(endpoint, tool) for tool in outcome.tools]
        counts: dict[str, int] = {}
        for _endpoint, tool in listed:
            counts[tool.name] = counts.get(tool.name, 0) + 1
        return [
            ToolSpec(
                name=tool.name if counts[tool.name] == 1 else f"{endpoint.name}.{tool.name}",
                description=tool.description or tool.title or "",
                input_schema=dict(tool.input_schema or {"type": "object"}),
                server=endpoint.name,
            )
            for endpoint, tool in listed
        ]

    @property
    def errors(self) -> dict[str, str]:
        """Servers that could not be reached, with why."""
        return {name: e.last_error for name, e in self._endpoints.items() if e.last_error}

    async def _resolve(self, name: str) -> tuple[_Endpoint, str]:
        for attempt in range(2):
            owners = [e for e in self._endpoints.values() if e.known_tools is not None and name in e.known_tools]
            if len(owners) == 1:
                return owners[0], name
            if len(owners) > 1:
                options = ", ".join(f"'{e.name}.{name}'" for e in owners)
                raise ToolError(f"tool {name!r} is offered by {len(owners)} servers: call it as {options}")
            server, dot, tool = name.partition(".")
            if dot and server in self._endpoints:
                endpoint = self._endpoints[server]
                if endpoint.known_tools is None or tool in endpoint.known_tools:
                    return endpoint, tool
            if attempt == 0:
                await self._discover()
        offered: dict[str, int] = {}
        for e in self._endpoints.values():
            for t in e.known_tools or ():
                offered[t] = offered.get(t, 0) + 1
        known = sorted(
            f"{e.name}.{t}" if offered[t] > 1 else t for e in self._endpoints.values() for t in (e.known_tools or ())
        )
        unreachable = [e.last_error for e in self._endpoints.values() if e.known_tools is None and e.last_error]
        message = f"unknown tool {name!r}"
        message += f"; available: {', '.join(known[:30])}" if known else "; no tools are available"
        if unreachable:
            message += "; " + "; ".join(unreachable)
        raise ToolError(message)

    async def _discover(self) -> None:
        """Connect the servers never listed (and those that failed a while ago)."""
        now = time.monotonic()
        pending = [
            e for e in self._endpoints.values()
            if e.known_tools is None and (e.failed_at is None or now - e.failed_at >= RETRY_FAILED_AFTER_S)
        ]
        if pending:
            await asyncio.gather(*(self._connection(e) for e in pending), return_exceptions=True)

    # -- calling ----------------------------------------------------------------------------------

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        on_progress: Callable[[ToolProgressUpdate], None] | None = None,
    ) -> ToolOutcome:
        endpoint, tool = await self._resolve(name)
        connection = await self._connection(endpoint)
        throttle = _ProgressThrottle(on_progress, self.config.max_progress_per_s, self.config.progress_burst)
        timeout = self.config.call_timeout_s
        connection.in_flight += 1
        try:
            try:
                with anyio.fail_after(timeout if timeout > 0 else None):
                    result = await connection.client.call_tool(
                        tool, dict(arguments or {}), progress_callback=throttle.receive if on_progress else None
                    )
            except TimeoutError:
                # notifications/cancelled went out; a server that ran out the clock may also be
                # wedged: the next call checks that it still answers before using it.
                connection.suspect = True
                raise ToolError(f"{tool} timed out after {timeout:g} s") from None
            except MCPError as exc:
                raise self._mcp_error(endpoint, connection, tool, exc) from None
            except ValidationError as exc:
                raise ToolError(
                    f"{endpoint.what} sent a malformed result for {tool}: {_first_error(exc)}"
                ) from None
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
                connection.mark_dead()
                raise ToolError(
                    f"{endpoint.what} closed the connection during {tool} (it exited or crashed); "
                    "it is started again on the next call"
                ) from None
            except ToolError:
                raise
            except Exception as exc:  # noqa: BLE001 - anything else is still a failed call, said plainly
                log.warning("%s: %s failed", endpoint.what, tool, exc_info=True)
                raise ToolError(f"{tool} failed on {endpoint.what}: {_plain(exc)}") from None
            # Progress notifications that came just before the result run as tasks of their own.
            await asyncio.sleep(0)
            throttle.close(flush=True)
            return _outcome(result, tool, endpoint, self.config.max_result_chars)
        except asyncio.CancelledError:
            throttle.close(flush=False)
            raise
        finally:
            throttle.close(flush=False)
            connection.in_flight -= 1

    def _mcp_error(self, endpoint: _Endpoint, connection: _Connection, tool: str, exc: MCPError) -> ToolError:
        if exc.code == CONNECTION_CLOSED:
            connection.mark_dead()
            return ToolError(
                f"{endpoint.what} closed the connection during {tool} (it exited or crashed); "
                "it is started again on the next call"
            )
        if exc.code == REQUEST_TIMEOUT:
            return ToolError(f"{tool} timed out ({_shorten(exc.message, ERROR_CHARS)})")
        if exc.code in (METHOD_NOT_FOUND, INVALID_PARAMS):
            return ToolError(f"{tool} was refused by {endpoint.what}: {_shorten(exc.message, ERROR_CHARS)}")
        return ToolError(f"{tool} failed on {endpoint.what}: {_shorten(exc.message, ERROR_CHARS)}")

    async def aclose(self) -> None:
        self._closed = True
        connections = [e.connection for e in self._endpoints.values() if e.connection is not None]
        for endpoint in self._endpoints.values():
            endpoint.connection = None
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=CLOSE_TIMEOUT_S)


# ----- results -------------------------------------------------------------------------------------


def _outcome(result: CallToolResult, tool: str, endpoint: _Endpoint, max_chars: int) -> ToolOutcome:
    text = _text_of(result)
    if result.is_error:
        reason = " ".join(text.split())
        # MCPServer words a tool's error "Error executing tool NAME: why"; the why is what counts.
        prefix = f"Error executing tool {tool}"
        if reason.startswith(prefix):
            reason = reason[len(prefix):].lstrip(": ") or "it raised an unexpected error (see the server's log)"
        raise ToolError(f"{tool} failed: {_shorten(reason, ERROR_CHARS) or 'the server gave no reason'}")
    structured = result.structured_content if isinstance(result.structured_content, dict) else {}
    summary = structured.get("summary") if isinstance(structured.get("summary"), str) else None
    if not summary:
        summary = next((line.strip() for line in text.splitlines() if line.strip()), "")
    summary = _shorten(" ".join(summary.split()), SUMMARY_CHARS) or f"{tool} returned nothing"
    cut, truncated = cut_text(text, max_chars)
    return ToolOutcome(text=cut, summary=summary, truncated=truncated)


def cut_text(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` within ``max_chars``, a note at the end saying how much was cut."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text, False
    def note(keep: int) -> str:
        return f"\n[result cut: {len(text):,} characters, the first {keep:,} shown]"

    keep = max_chars
    for _ in range(4):  # the note's length depends on the number it states
        keep = max(0, max_chars - len(note(keep)))
    while keep > 0 and keep + len(note(keep)) > max_chars:
        keep -= 1
    return (text[:keep] + note(keep))[:max_chars], True


def _text_of(result: CallToolResult) -> str:
    parts: list[str] = []
    for block in result.content or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)  # type: ignore[union-attr]
        elif kind == "resource":
            resource = block.resource  # type: ignore[union-attr]
            text = getattr(resource, "text", None)
            parts.append(text if isinstance(text, str) else f"[resource {resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[link {block.uri}]")  # type: ignore[union-attr]
        elif kind in ("image", "audio"):
            parts.append(f"[{kind} {getattr(block, 'mime_type', '')}]".replace(" ]", "]"))
        else:
            parts.append(f"[{kind or 'content'}]")
    if not parts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False, indent=1)
    return "\n".join(parts)


# ----- errors --------------------------------------------------------------------------------------


def _connect_error(endpoint: _Endpoint, exc: BaseException) -> str:
    exc = _leaf(exc)
    config = endpoint.config
    if config is not None and config.command and isinstance(exc, OSError):
        program = config.command[0]
        if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
            return (f"MCP server {endpoint.name!r} could not start: {program!r} was not found; is it installed "
                    "and on PATH? (tools.servers)")
        if isinstance(exc, PermissionError):
            return f"MCP server {endpoint.name!r} could not start: {program!r} is not executable"
        return f"MCP server {endpoint.name!r} could not start {program!r}: {exc}"
    if isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED:
        return f"{endpoint.what} exited or closed the connection while starting"
    if isinstance(exc, MCPError):
        return f"{endpoint.what} refused the connection: {_shorten(exc.message, ERROR_CHARS)}"
    if config is not None and config.url:
        return f"{endpoint.what} is unreachable: {_plain(exc)}"
    return f"{endpoint.what} could not be started: {_plain(exc)}"


def _plain(exc: BaseException) -> str:
    text = str(exc).strip()
    return _shorten(f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__, ERROR_CHARS)


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return _shorten(f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", "")), ERROR_CHARS)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@asynccontextmanager
async def _http_transport(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with create_mcp_http_client(headers=headers or None) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            yield streams


# ----- the factory ---------------------------------------------------------------------------------


def create_tool_runner(
    settings: Settings,
    *,
    store: Any = None,
    profile_provider: Callable[[], Any] | None = None,
) -> McpToolRunner:
    """The runner for this server's personas: the built-in tools (unless ``tools.builtin`` is
    off) over ``store`` and the profile ``profile_provider`` gives, and ``tools.servers``."""
    factory: ServerFactory | None = None
    if settings.tools.builtin:

        def factory() -> Any:
            from firstword.tools.server import build_mcp_server

            return build_mcp_server(settings, store=store, profile=profile_provider)

    return McpToolRunner(settings.tools, builtin_server_factory=factory)
