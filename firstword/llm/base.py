"""The LLM stage's interface: an async stream of text deltas that can be cancelled.

Cancellation is by closing the async iterator (``aclose()``) or cancelling the task that iterates
it; either way the engine must stop the underlying work (a local decode loop, an HTTP stream)
promptly rather than let it run on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class LlmError(RuntimeError):
    """The model failed (before or during the stream); ``retryable`` if a retry may succeed."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class LlmEngine(Protocol):
    name: str

    async def warm(self, prefix: list[ChatMessage]) -> None:
        """Make later prompts that start with ``prefix`` cheap (e.g. evaluate it into a KV cache).

        Called when a session starts and whenever its profile changes. Engines without a local
        cache may do nothing.
        """
        ...

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int, temperature: float
    ) -> AsyncIterator[str]:
        """Yield the answer's text deltas as they are produced. Raises ``LlmError``."""
        ...

    async def aclose(self) -> None: ...
