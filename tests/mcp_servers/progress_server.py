"""A small MCP server for the runner's tests (tests/test_mcp_client.py), run over stdio:
``python tests/mcp_servers/progress_server.py``.

Tools: ``slow_count(n, delay)`` counts with a progress notification a step; ``flood(n)`` sends
n progress notifications as fast as it can; ``huge()`` returns 10 MB of text; ``crash()``
exits the process mid-call; ``hang()`` never returns; ``wedge()`` blocks the whole server for 20 s;
``fail()`` raises; ``cancellations()``
says how many calls this process saw cancelled; ``stamp(n, delay)`` sends progress whose
messages are the time they were sent (latency); ``echo(text)`` returns its argument.
"""

from __future__ import annotations

import os
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

HUGE_CHARS = 10 * 1024 * 1024

server = MCPServer(name="progress", log_level="ERROR")
cancelled = 0


@server.tool()
async def slow_count(n: int, delay: float, ctx: Context) -> str:
    """Count to n, one progress notification a step, delay seconds apart."""
    global cancelled
    try:
        for i in range(1, n + 1):
            await ctx.report_progress(i, n, f"counted {i} of {n}")
            await anyio.sleep(delay)
    except anyio.get_cancelled_exc_class():
        cancelled += 1
        raise
    return f"counted to {n}"


@server.tool()
async def flood(n: int, ctx: Context) -> str:
    """n progress notifications, as fast as they can be written."""
    for i in range(1, n + 1):
        await ctx.report_progress(i, n, f"step {i}")
    return f"flooded {n}"


@server.tool(structured_output=False)
def huge() -> str:
    """10 MB of text."""
    line = "0123456789abcdef" * 4 + "\n"
    return (line * (HUGE_CHARS // len(line) + 1))[:HUGE_CHARS]


@server.tool()
def crash() -> str:
    """Exit the process, mid-call."""
    os._exit(3)


@server.tool()
async def hang() -> str:
    """Never return (until cancelled)."""
    global cancelled
    try:
        await anyio.sleep_forever()
    except anyio.get_cancelled_exc_class():
        cancelled += 1
        raise
    return "unreachable"


@server.tool()
async def wedge() -> str:
    """Block the server's event loop for 20 s: it answers nothing meanwhile."""
    time.sleep(20)
    return "unwedged"


@server.tool()
def fail() -> str:
    """Fail, always."""
    raise ToolError("fail() failed as asked: nothing to see here")


@server.tool()
def cancellations() -> int:
    """How many calls this process saw cancelled."""
    return cancelled


@server.tool()
async def stamp(n: int, delay: float, ctx: Context) -> str:
    """n progress notifications, delay seconds apart, each message the wall-clock time it was sent."""
    for i in range(1, n + 1):
        await ctx.report_progress(i, n, f"{time.time():.6f}")
        await anyio.sleep(delay)
    return f"stamped {n}"


@server.tool()
def echo(text: str) -> str:
    """Its argument, back."""
    return text


if __name__ == "__main__":
    server.run()
