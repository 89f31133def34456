"""Tools over MCP: firstword's own MCP server (``firstword mcp``, ``/mcp``) and the runner that
calls its tools and the configured servers' for the personas (``create_tool_runner``)."""

from firstword.tools.base import (
    BUILTIN_SERVER,
    ToolError,
    ToolOutcome,
    ToolProgressUpdate,
    ToolRunner,
    ToolSpec,
)

__all__ = [
    "BUILTIN_SERVER",
    "ToolError",
    "ToolOutcome",
    "ToolProgressUpdate",
    "ToolRunner",
    "ToolSpec",
    "create_tool_runner",
]


def __getattr__(name: str) -> object:
    # The runner imports the MCP SDK: only when asked for.
    if name == "create_tool_runner":
        from firstword.tools.client import create_tool_runner

        return create_tool_runner
    raise AttributeError(name)
