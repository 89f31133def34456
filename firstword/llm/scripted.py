"""A scripted LLM for tests and benchmarks of timing and control flow (no model involved).

It yields a fixed (or computed) list of deltas on a controllable clock, can fail mid-stream, and
records what it was asked, so tests can assert on prompts, cancellations and warm-ups without the
noise of a real model. Its streams go through a ``ModelScheduler`` like a real engine's, so
priorities, pauses and pre-emption can be tested on a fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from firstword.config import Sampling
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    LlmChunk,
    LlmError,
    Priority,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)
from firstword.llm.scheduler import Lease, ModelScheduler, Preempted

# A delta is text, or a whole tool call (native function calling, for engines that support it).
Delta = str | ToolCallChunk
ReplyFn = Callable[[list[ChatMessage]], Sequence[Delta]]
SleepFn = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    messages: list[ChatMessage]
    sampling: Sampling
    priority: Priority
    tools: list[dict[str, Any]] | None = None


@dataclass
class ScriptedLlm:
    """Yields ``reply`` (or ``reply(messages)``) delta by delta, one ``TextChunk`` each, then a
    ``UsageChunk`` (words counted as tokens) and ``FinishChunk("stop")``.

    The first delta comes after ``ttft_s``, each later one after ``interval_s``; both go through
    ``sleep`` so a test can drive a fake clock. With ``fail_after=n`` (``n <= len(deltas)``) the
    stream raises ``LlmError`` (retryable) after ``n`` deltas, at the moment the next delta would
    have come; a larger ``n`` never fails.
    ``sampling.max_tokens`` is recorded but does not cut the script: a test sees exactly what it
    wrote. At most ``capacity`` streams run at once; the others wait by priority, a paused stream
    yields nothing until it may run again, and a revoked one raises ``Preempted``.
    """

    reply: Sequence[Delta] | ReplyFn = ("Hello", ",", " world", ".")
    # Whether callers may pass tool schemas and expect ToolCallChunks (as the openai engine).
    supports_tools: bool = False
    ttft_s: float = 0.0
    interval_s: float = 0.0
    fail_after: int | None = None
    sleep: SleepFn = asyncio.sleep
    name: str = "scripted"
    capacity: int = 1

    calls: list[list[ChatMessage]] = field(default_factory=list)
    call_args: list[ScriptedCall] = field(default_factory=list)
    warmed: list[list[ChatMessage]] = field(default_factory=list)
    cancelled: int = 0
    completed: int = 0
    failed: int = 0
    preempted: int = 0
    # Streams currently between their first iteration and their end (concurrency checks).
    active: int = 0
    closed: bool = False
    scheduler: ModelScheduler = field(init=False)

    def __post_init__(self) -> None:
        self.scheduler = ModelScheduler(self.capacity)

    @property
    def warm_calls(self) -> int:
        return len(self.warmed)

    async def warm(self, prefix: list[ChatMessage], *, priority: Priority = Priority.LIVE) -> None:
        # Recorded only: there is no cache to fill, so no slot is taken either.
        self.warmed.append(list(prefix))

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        sampling: Sampling,
        priority: Priority = Priority.LIVE,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[LlmChunk]:
        if self.closed:
            raise LlmError("scripted LLM is closed")
        # Recorded at call time (not first iteration) so a stream closed before it started still
        # shows up as a call.
        snapshot = list(messages)
        self.calls.append(snapshot)
        self.call_args.append(ScriptedCall(snapshot, sampling, priority, tools))
        deltas = list(self.reply(snapshot) if callable(self.reply) else self.reply)
        prompt_words = sum(len(m.content.split()) for m in snapshot)
        return self._run(deltas, priority, prompt_words)

    async def _run(
        self, deltas: list[Delta], priority: Priority, prompt_words: int
    ) -> AsyncIterator[LlmChunk]:
        self.active += 1
        finished = False
        lease: Lease | None = None
        try:
            lease = await self.scheduler.acquire(priority)
            # One step past the script so that fail_after == len(deltas) fails after the last delta.
            for index in range(len(deltas) + 1):
                failing = self.fail_after is not None and index == self.fail_after
                if index == len(deltas) and not failing:
                    break
                # The delta is "computed" during the sleep: not started while paused, and not
                # handed out while paused either.
                await self._gate(lease)
                await self.sleep(self.ttft_s if index == 0 else self.interval_s)
                if failing:
                    self.failed += 1
                    finished = True
                    raise LlmError(
                        f"scripted failure after {self.fail_after} deltas", retryable=True
                    )
                await self._gate(lease)
                delta = deltas[index]
                yield delta if isinstance(delta, ToolCallChunk) else TextChunk(delta)
            yield UsageChunk(
                prompt_tokens=prompt_words,
                completion_tokens=sum(len(d.split()) for d in deltas if isinstance(d, str)),
                cached_tokens=None,
            )
            finished = True
            self.completed += 1
            called = any(isinstance(d, ToolCallChunk) for d in deltas)
            yield FinishChunk("tool_calls" if called else "stop")
        except Preempted:
            self.preempted += 1
            finished = True
            raise
        finally:
            if lease is not None:
                self.scheduler.release(lease)
            self.active -= 1
            if not finished:
                # Reached only through aclose() or task cancellation: the consumer walked away.
                self.cancelled += 1

    async def _gate(self, lease: Lease) -> None:
        if not await lease.wait_runnable_async():
            raise Preempted()

    async def aclose(self) -> None:
        self.closed = True
        self.scheduler.close("scripted LLM is closed")
