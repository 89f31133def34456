"""The tool runner's interface: what the chat engine codes against.

A runner lists the tools of firstword's own MCP server and of the configured ones
(``tools.servers``) and calls them; progress comes back through ``on_progress``, the result as a
``ToolOutcome`` already cut to ``tools.max_result_chars``, and every failure as a ``ToolError``
whose text is what ``tool.failed`` shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

# The ``server`` of firstword's own tools (analyze_repository, search_sessions, action_items,
# profile_facts).
BUILTIN_SERVER = "firstword"


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]
    server: str  # the configured server's name; "firstword" for the built-in tools


@dataclass(frozen=True, slots=True)
class ToolProgressUpdate:
    progress: float
    total: float | None
    message: str


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    text: str  # the result for the model, already cut to tools.max_result_chars (with a note saying it was cut)
    summary: str  # one short line for tool.done ("Analyzed /x: 3 languages, 47 components, 12 dependencies")
    truncated: bool


class ToolError(Exception):
    """A call that failed; str() is what tool.failed shows: clear, actionable."""


class ToolRunner(Protocol):
    async def list_tools(self) -> list[ToolSpec]: ...

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        on_progress: Callable[[ToolProgressUpdate], None] | None = None,
    ) -> ToolOutcome: ...

    async def aclose(self) -> None: ...
