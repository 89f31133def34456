"""What one persona's reply is made of, as the chat engine yields it: text, tool calls with their
progress, usage and the end. Transports turn these into their own wire: the board room into the
session's events, ``/v1/chat/completions`` into OpenAI chunks, ``/api/chat`` into AI SDK parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firstword.llm.base import FinishReason


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    # Words that are not the model's: a tool's own account quoted (firstword.board.report). The
    # critic leaves them be, as it leaves the copilot's grounded opening.
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call_id: str
    tool: str
    arguments: dict[str, Any]
    # Why this tool was called: "command" (/analyze), "rule" (a persona's routing rule) or
    # "model" (native function calling).
    chosen_by: str


@dataclass(frozen=True, slots=True)
class ToolCallProgress:
    call_id: str
    progress: float
    total: float | None
    message: str


@dataclass(frozen=True, slots=True)
class ToolCallDone:
    call_id: str
    tool: str
    summary: str
    # The result as the model read it (already cut to tools.max_result_chars).
    output: str
    duration_ms: float


@dataclass(frozen=True, slots=True)
class ToolCallFailed:
    call_id: str
    tool: str
    error: str
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    reason: FinishReason
    # Milliseconds from the request to the model's first text (None: it wrote nothing).
    llm_ttft_ms: float | None = None


ChatEvent = TextDelta | ToolCallStarted | ToolCallProgress | ToolCallDone | ToolCallFailed | Usage | Finished
