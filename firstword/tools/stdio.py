"""``firstword mcp``: the MCP server over stdin/stdout, one JSON-RPC message a line.

The SDK's stdio transport drops a line it cannot parse without a word to the client; here each
such line is answered as JSON-RPC says: ``-32700 Parse error`` for text that is not JSON,
``-32600 Invalid Request`` (with the request's id when it has one) for JSON that is not a
JSON-RPC message, and the server carries on with the next line. Standard output is the SDK's,
claimed as it does it: anything else printed goes to standard error, never onto the wire.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from io import TextIOWrapper
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import ErrorData, JSONRPCError, jsonrpc_message_adapter
from pydantic import ValidationError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
# A line longer than this is refused as a whole (a JSON-RPC message from a client is small).
MAX_LINE_CHARS = 16 * 1024 * 1024


def check_line(line: str) -> JSONRPCError | None:
    """None for a JSON-RPC message; else the error response it gets."""
    if len(line) > MAX_LINE_CHARS:
        return _error(None, INVALID_REQUEST, f"Invalid Request: a message of {len(line):,} characters is too long")
    try:
        raw = json.loads(line)
    except ValueError as exc:
        return _error(None, PARSE_ERROR, f"Parse error: not JSON ({exc})")
    try:
        jsonrpc_message_adapter.validate_python(raw, by_name=False)
    except ValidationError:
        request_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(request_id, bool) or not isinstance(request_id, (str, int)):
            request_id = None
        what = "a JSON array (batches are not supported)" if isinstance(raw, list) else "not a JSON-RPC 2.0 message"
        return _error(request_id, INVALID_REQUEST, f"Invalid Request: {what}")
    return None


def _error(request_id: str | int | None, code: int, message: str) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))


class _CheckedLines:
    """Standard input's lines, minus those that are not JSON-RPC (answered on ``errors``)."""

    def __init__(self, source: Any, errors: MemoryObjectSendStream[JSONRPCError]) -> None:
        self._source = source
        self._errors = errors

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async with self._errors:
            async for line in self._source:
                if not line.strip():
                    continue
                error = check_line(line)
                if error is None:
                    yield line
                else:
                    await self._errors.send(error)


async def serve_stdio(server: MCPServer[Any]) -> None:
    """Serve ``server`` on this process's stdin/stdout until stdin closes."""
    stdin = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    errors_in, errors_out = anyio.create_memory_object_stream[JSONRPCError](16)
    lines = _CheckedLines(stdin, errors_in)
    # The low-level server: MCPServer serves stdio only through the SDK's own transport.
    lowlevel = server._lowlevel_server  # noqa: SLF001 - the SDK's in-memory transport does the same
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]

        async def answer_errors() -> None:
            async with errors_out:
                async for error in errors_out:
                    try:
                        await write_stream.send(SessionMessage(error))
                    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                        return

        async with anyio.create_task_group() as tg:
            tg.start_soon(answer_errors)
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
            tg.cancel_scope.cancel()
