"""Stand-ins for tests of timing and control flow (and for benchmarks that need one): a manual
clock, answer sources whose tokens come when told, a VAD that hears any tone, a Whisper stand-in
that "transcribes" tone bursts, an executor that runs work at once.

They live in the package, not under ``tests/``, so every test and every later feature uses the
same ones. None of them is ever a default: the real engines have their own tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.llm.base import LlmError
from firstword.stt.base import Decoded

# ----- time and scheduling ----------------------------------------------------------------------


class ManualClock:
    """An injectable monotonic clock that only moves when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000.0


async def settle(rounds: int = 5) -> None:
    """Let scheduled tasks run (several hops: task start, generator step, publish)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class InlineExecutor(concurrent.futures.Executor):
    """Runs submitted work at once on the caller's thread, so decodes complete in a fixed order
    and take no wall time between frames."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            future.set_exception(exc)
        return future


# ----- answer sources (what the turn manager streams from) ---------------------------------------


@dataclass
class GatedAnswers:
    """Answers whose tokens appear only when the test releases them.

    ``tokens`` is the reply to every question; ``fail_at`` raises LlmError before that token.
    """

    tokens: list[str] = field(default_factory=lambda: ["Sure", ",", " I", " led", " it", "."])
    fail_at: int | None = None
    # Whether the reply counts as known without a model (``AnswerSource.settled``): then it is
    # the answer to every question.
    settles: bool = False
    questions: list[str] = field(default_factory=list)
    # What each stream was told the question follows (``AnswerSource.stream``).
    follows: list[str | None] = field(default_factory=list)
    cancelled: int = 0
    completed: int = 0
    # The questions read ahead of their answer (``AnswerSource.read_ahead``).
    read_ahead_of: list[str] = field(default_factory=list)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._gate.release()

    def settled(self, question: str, *, follows: str | None = None) -> str | None:
        return "".join(self.tokens) if self.settles else None

    def tells(self, question: str, text: str, *, follows: str | None = None) -> bool:
        return self.settled(question, follows=follows) == text

    def read_ahead(self, question: str, *, follows: str | None = None) -> None:
        self.read_ahead_of.append(question)

    def stream(self, question: str, *, follows: str | None = None) -> AsyncIterator[str]:
        self.questions.append(question)
        self.follows.append(follows)
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


@dataclass
class InstantAnswers:
    """Answers that stream a fixed reply at once (one loop hop a token), recording questions and
    cancellations. An empty ``tokens`` answers nothing at all."""

    tokens: Sequence[str] = ("I", " led", " it", ".")
    questions: list[str] = field(default_factory=list)
    # What each stream was told the question follows (``AnswerSource.stream``).
    follows: list[str | None] = field(default_factory=list)
    cancelled: int = 0
    # The questions read ahead of their answer (``AnswerSource.read_ahead``).
    read_ahead_of: list[str] = field(default_factory=list)

    def settled(self, question: str, *, follows: str | None = None) -> str | None:
        return None  # streamed as a model would: never known ahead

    def tells(self, question: str, text: str, *, follows: str | None = None) -> bool:
        return False

    def read_ahead(self, question: str, *, follows: str | None = None) -> None:
        self.read_ahead_of.append(question)

    def stream(self, question: str, *, follows: str | None = None) -> AsyncIterator[str]:
        self.questions.append(question)
        self.follows.append(follows)
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        done = False
        try:
            for token in self.tokens:
                await asyncio.sleep(0)
                yield token
            done = True
        finally:
            if not done:
                self.cancelled += 1


def no_answers() -> InstantAnswers:
    """An answer source that writes nothing (transcription-only runs)."""
    return InstantAnswers(tokens=())


# ----- speech -----------------------------------------------------------------------------------


class LoudnessVad:
    """Speech probability 1 for a chunk with energy, 0 for digital silence."""

    chunk_samples = 512

    def reset(self) -> None:
        pass

    def speech_probability(self, chunk: np.ndarray) -> float:
        return 1.0 if float(np.sqrt(np.mean(chunk**2))) > 0.02 else 0.0


@dataclass
class BurstStt:
    """Transcribes by counting tone bursts: burst k of the audio is ``parts[k]``.

    Like Whisper, it punctuates a part that the audio shows finished (a burst followed by at least
    60 ms of silence) with that part's punctuation, and leaves a part still being spoken bare.
    """

    parts: list[tuple[str, str]]
    name: str = "burst-stt"
    decodes: int = 0
    max_audio_s: float = 29.0

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        self.decodes += 1
        return Decoded(self._text(audio, offset=self._offset(prompt)), len(audio) / 16, 0.1)

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        return self.decode(audio)

    def close(self) -> None:
        pass  # no model to release

    def _offset(self, prompt: str | None) -> int:
        # Later segments of a turn continue the script where the prompt (earlier text) left off.
        if not prompt:
            return 0
        said = prompt.split()
        count, words = 0, 0
        for text, _ in self.parts:
            if words >= len(said):
                break
            words += len(text.split())
            count += 1
        return count

    def _text(self, audio: np.ndarray, offset: int) -> str:
        frame = SAMPLE_RATE // 100
        n = len(audio) // frame
        if n == 0:
            return ""
        loud = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1)) > 0.02
        bursts, trailing_silence, prev = 0, 0, False
        for v in loud:
            if v and not prev:
                bursts += 1
            trailing_silence = 0 if v else trailing_silence + 1
            prev = bool(v)
        words = []
        for k in range(bursts):
            idx = offset + k
            if idx >= len(self.parts):
                break
            text, punct = self.parts[idx]
            finished = k < bursts - 1 or trailing_silence >= 6
            words.append(text + (punct if finished else ""))
        return " ".join(words)


def tone(ms: int, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(SAMPLE_RATE * ms / 1000)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(ms: int) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * ms / 1000), dtype=np.float32)


# ----- tools ------------------------------------------------------------------------------------


@dataclass
class ScriptedToolRunner:
    """A tool runner (``firstword.tools.base.ToolRunner``) whose tools report ``progress``
    messages ``interval_s`` apart and then return ``result``; ``fail`` raises ToolError instead,
    ``hang`` never returns. Records calls and cancellations. The real runner (MCP) has its own
    tests; this one is for the chat engine's and the room's control flow."""

    tools: Sequence[str] = ("analyze_repository", "profile_facts", "search_sessions", "action_items")
    progress: Sequence[str] = ("Analyzing repository structure…", "Found 3 components…", "Checking dependencies…")
    result: str = "languages: Python (12 files)\ndependencies: fastapi (pyproject.toml)"
    summary: str = "Analyzed: 1 language, 3 components, 1 dependency"
    interval_s: float = 0.0
    fail: str | None = None
    hang: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    cancelled: int = 0

    async def list_tools(self) -> list[Any]:
        from firstword.tools.base import BUILTIN_SERVER, ToolSpec

        return [ToolSpec(name, f"the {name} tool", {"type": "object", "properties": {}}, BUILTIN_SERVER) for name in self.tools]

    async def call(self, name: str, arguments: dict[str, Any], *, on_progress: Callable[[Any], None] | None = None) -> Any:
        from firstword.tools.base import ToolError, ToolOutcome, ToolProgressUpdate

        self.calls.append((name, dict(arguments)))
        try:
            for index, message in enumerate(self.progress):
                await asyncio.sleep(self.interval_s)
                if on_progress is not None:
                    on_progress(ToolProgressUpdate(index + 1, len(self.progress), message))
            if self.hang:
                await asyncio.Event().wait()
            if self.fail is not None:
                raise ToolError(self.fail)
            return ToolOutcome(self.result, self.summary, False)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise

    async def aclose(self) -> None:
        return None
