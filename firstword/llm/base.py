"""The LLM stage's interface: an async stream of typed chunks, cancellable, scheduled by priority.

A stream yields ``TextChunk``s as the answer is written, a ``ToolCallChunk`` per complete tool
call, at most one ``UsageChunk`` (when the engine knows the token counts), and ends every
successful stream with exactly one ``FinishChunk``.

Cancellation is by closing the async iterator (``aclose()``) or cancelling the task that iterates
it; either way the engine must stop the underlying work (a local decode loop, an HTTP stream)
promptly rather than let it run on. A request carries a ``Priority``: engines serve a live answer
ahead of a critic, and both ahead of background work (``firstword.llm.scheduler``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal, Protocol

from firstword.config import Sampling


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    # An assistant message that called tools (native function calling), and a "tool" message's
    # answer to one of those calls.
    tool_calls: tuple[ToolCallChunk, ...] = ()
    tool_call_id: str | None = None


class LlmError(RuntimeError):
    """The model failed (before or during the stream); ``retryable`` if a retry may succeed."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class Priority(IntEnum):
    """Who needs the model most; a lower value is served first.

    Defined with the interface because every caller passes one; ``firstword.llm.scheduler``
    (which imports ``LlmError`` from here) re-exports it.
    """

    # Someone is waiting for the first word: never paused or pre-empted for anything else.
    LIVE = 0
    # Checks a live answer while it streams: useful only while that answer is fresh, but nobody
    # waits on it directly, so it yields to live answers.
    CRITIC = 1
    # Work nobody waits on yet (follow-up answers generated ahead of time): paused whenever
    # anything else runs, and its slot taken back when a higher priority needs one.
    BACKGROUND = 2


@dataclass(frozen=True, slots=True)
class TextChunk:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallChunk:
    """One complete tool call, as the model wrote it (the engine assembles streamed fragments)."""

    call_id: str
    name: str
    arguments_json: str

    def arguments(self) -> dict[str, Any]:
        """The arguments as a JSON object; ``LlmError`` if the model wrote anything else."""
        try:
            value = json.loads(self.arguments_json) if self.arguments_json.strip() else {}
        except json.JSONDecodeError as exc:
            raise LlmError(
                f"tool call {self.name!r} ({self.call_id}) has arguments that are not JSON: "
                f"{exc.msg} at character {exc.pos} of {self.arguments_json[:200]!r}"
            ) from None
        if not isinstance(value, dict):
            raise LlmError(
                f"tool call {self.name!r} ({self.call_id}) has arguments that are a JSON "
                f"{type(value).__name__}, not an object: {self.arguments_json[:200]!r}"
            )
        return value


@dataclass(frozen=True, slots=True)
class UsageChunk:
    prompt_tokens: int
    completion_tokens: int
    # Prompt tokens the engine did not evaluate again (a warm KV cache, a server's prompt cache);
    # None where the engine does not say.
    cached_tokens: int | None


FinishReason = Literal["stop", "length", "tool_calls", "cancelled"]


@dataclass(frozen=True, slots=True)
class FinishChunk:
    reason: FinishReason


LlmChunk = TextChunk | ToolCallChunk | UsageChunk | FinishChunk


class LlmEngine(Protocol):
    name: str

    async def warm(self, prefix: list[ChatMessage], *, priority: Priority = Priority.LIVE) -> None:
        """Make later prompts that start with ``prefix`` cheap (e.g. evaluate it into a KV cache).

        Called when a session starts and whenever its profile changes. Engines without a local
        cache may do nothing.
        """
        ...

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        sampling: Sampling,
        priority: Priority = Priority.LIVE,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[LlmChunk]:
        """Yield the answer's chunks as they are produced. ``tools``: OpenAI function-tool
        schemas the model may call (``ToolCallChunk``); engines that cannot call tools (the
        bundled model) ignore them, and the caller routes by rules instead. Raises ``LlmError``; a request whose
        model slot was taken back for higher-priority work raises ``Preempted`` (retryable)."""
        ...

    async def aclose(self) -> None: ...


async def text_of(chunks: AsyncIterator[LlmChunk]) -> AsyncIterator[str]:
    """The text of a chunk stream; closing this closes ``chunks`` (and so stops the model)."""
    try:
        async for chunk in chunks:
            if isinstance(chunk, TextChunk):
                yield chunk.text
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
