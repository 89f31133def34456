"""A scripted LLM for tests and benchmarks of timing and control flow (no model involved).

It yields a fixed (or computed) list of deltas on a controllable clock, can fail mid-stream, and
records what it was asked, so tests can assert on prompts, cancellations and warm-ups without the
noise of a real model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from firstword.llm.base import ChatMessage, LlmError

ReplyFn = Callable[[list[ChatMessage]], Sequence[str]]
SleepFn = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    messages: list[ChatMessage]
    max_tokens: int
    temperature: float


@dataclass
class ScriptedLlm:
    """Yields ``reply`` (or ``reply(messages)``) delta by delta.

    The first delta comes after ``ttft_s``, each later one after ``interval_s``; both go through
    ``sleep`` so a test can drive a fake clock. With ``fail_after=n`` (``n <= len(deltas)``) the
    stream raises ``LlmError`` (retryable) after ``n`` deltas, at the moment the next delta would
    have come; a larger ``n`` never fails.
    ``max_tokens`` is recorded but does not cut the script: a test sees exactly what it wrote.
    """

    reply: Sequence[str] | ReplyFn = ("Hello", ",", " world", ".")
    ttft_s: float = 0.0
    interval_s: float = 0.0
    fail_after: int | None = None
    sleep: SleepFn = asyncio.sleep
    name: str = "scripted"

    calls: list[list[ChatMessage]] = field(default_factory=list)
    call_args: list[ScriptedCall] = field(default_factory=list)
    warmed: list[list[ChatMessage]] = field(default_factory=list)
    cancelled: int = 0
    completed: int = 0
    failed: int = 0
    # Streams currently between their first iteration and their end (concurrency checks).
    active: int = 0
    closed: bool = False

    @property
    def warm_calls(self) -> int:
        return len(self.warmed)

    async def warm(self, prefix: list[ChatMessage]) -> None:
        self.warmed.append(list(prefix))

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int, temperature: float
    ) -> AsyncIterator[str]:
        if self.closed:
            raise LlmError("scripted LLM is closed")
        # Recorded at call time (not first iteration) so a stream closed before it started still
        # shows up as a call.
        snapshot = list(messages)
        self.calls.append(snapshot)
        self.call_args.append(ScriptedCall(snapshot, max_tokens, temperature))
        deltas = list(self.reply(snapshot) if callable(self.reply) else self.reply)
        return self._run(deltas)

    async def _run(self, deltas: list[str]) -> AsyncIterator[str]:
        self.active += 1
        finished = False
        try:
            # One step past the script so that fail_after == len(deltas) fails after the last delta.
            for index in range(len(deltas) + 1):
                failing = self.fail_after is not None and index == self.fail_after
                if index == len(deltas) and not failing:
                    break
                await self.sleep(self.ttft_s if index == 0 else self.interval_s)
                if failing:
                    self.failed += 1
                    finished = True
                    raise LlmError(
                        f"scripted failure after {self.fail_after} deltas", retryable=True
                    )
                yield deltas[index]
            finished = True
            self.completed += 1
        finally:
            self.active -= 1
            if not finished:
                # Reached only through aclose() or task cancellation: the consumer walked away.
                self.cancelled += 1

    async def aclose(self) -> None:
        self.closed = True
