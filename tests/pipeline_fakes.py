"""Fakes for pipeline tests: a VAD that hears any tone, a Whisper stand-in, an inline executor."""

from __future__ import annotations

import concurrent.futures
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.stt.base import Decoded


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


class InlineExecutor(concurrent.futures.Executor):
    """Runs submitted work at once, so decode completion order is deterministic in tests."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> concurrent.futures.Future:  # type: ignore[override]
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            future.set_exception(exc)
        return future


@dataclass
class InstantAnswers:
    """Answer source that streams a fixed reply at once, recording questions and cancellations."""

    tokens: tuple[str, ...] = ("I", " led", " it", ".")
    questions: list[str] = field(default_factory=list)
    cancelled: int = 0

    def stream(self, question: str) -> AsyncIterator[str]:
        self.questions.append(question)
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        import asyncio

        done = False
        try:
            for token in self.tokens:
                await asyncio.sleep(0)
                yield token
            done = True
        finally:
            if not done:
                self.cancelled += 1


def tone(ms: int, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(SAMPLE_RATE * ms / 1000)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(ms: int) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * ms / 1000), dtype=np.float32)
