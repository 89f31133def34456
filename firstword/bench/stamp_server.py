"""A stdio MCP server for ``firstword bench board --progress``: a stand-in ``analyze_repository``
whose argument is a step count, and whose every progress message ends with its send time
("step 3/20 @1764547200.123456"), so a reader on the other side of firstword can time the
notification's way to it. Never configured outside the benchmark."""

from __future__ import annotations

import asyncio
import time

from mcp.server.mcpserver import Context, MCPServer

server: MCPServer = MCPServer("stamp")


@server.tool()
async def analyze_repository(path: str, ctx: Context) -> str:
    steps = max(1, min(200, int(path))) if path.isdigit() else 20
    for step in range(1, steps + 1):
        # 60 ms apart: slower than the runner's 20-a-second throttle, so none is merged away.
        await asyncio.sleep(0.06)
        await ctx.report_progress(step, steps, f"step {step}/{steps} @{time.time():.6f}")
    return f"{steps} steps"


if __name__ == "__main__":
    server.run("stdio")
