"""Fakes for timing and control-flow tests: a manual clock and an LLM whose tokens the test releases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from firstword.llm.base import LlmError


class ManualClock:
    """An injectable monotonic clock that only moves when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000.0


@dataclass
class GatedAnswers:
    """Answer source whose tokens appear only when the test releases them.

    ``tokens`` is the reply to every question; ``fail_at`` raises LlmError before that token.
    """

    tokens: list[str] = field(default_factory=lambda: ["Sure", ",", " I", " led", " it", "."])
    fail_at: int | None = None
    questions: list[str] = field(default_factory=list)
    cancelled: int = 0
    completed: int = 0
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._gate.release()

    def stream(self, question: str) -> AsyncIterator[str]:
        self.questions.append(question)
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        finished = False
        try:
            for i, token in enumerate(self.tokens):
                await self._gate.acquire()
                if self.fail_at is not None and i == self.fail_at:
                    raise LlmError("model server went away mid-answer")
                yield token
            finished = True
            self.completed += 1
        finally:
            if not finished:
                self.cancelled += 1


async def settle(rounds: int = 5) -> None:
    """Let scheduled tasks run (several hops: task start, generator step, publish)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
