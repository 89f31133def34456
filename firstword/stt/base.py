"""The STT stage's interface.

Engines are synchronous and CPU-bound (they release the GIL); the streaming transcriber runs them
in a worker thread and decides *when* to decode. An engine decodes a whole piece of audio at a
time: streaming is re-decoding the growing utterance, stabilised by agreement between hypotheses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from firstword.audio.buffer import AudioBuffer
    from firstword.config import SttConfig
    from firstword.stt.streaming import FinalTranscript, InterimTranscript


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    audio_ms: float  # length of the audio decoded
    compute_ms: float  # wall time the decode took
    # (start_s, end_s) of each word, when asked for and the engine can tell.
    word_times: tuple[tuple[float, float], ...] = ()
    # The words themselves, one per ``word_times`` entry (same condition).
    words: tuple[str, ...] = ()
    # Where the engine closed a timed segment inside the audio: (end_s, the text up to and
    # including that segment), in order; empty when the engine does not time its decode. A
    # streaming transcriber may commit up to one and decode on from its end.
    closed: tuple[tuple[float, str], ...] = ()


class SpeechToTextEngine(Protocol):
    name: str

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        """Decode 16 kHz float32 ``audio`` (at most ``max_audio_s``) with the streaming path.

        ``prompt`` is the text said just before this audio (previous segment of the same turn),
        used as decoder context.
        """
        ...

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        """The model's ordinary path (for Whisper: 30-s windows), the WER baseline."""
        ...

    @property
    def max_audio_s(self) -> float: ...

    def close(self) -> None:
        """Release what the engine holds (model weights, connections); idempotent. Called once
        at shutdown, after the last decode."""
        ...


class Transcriber(Protocol):
    """One session's streaming transcription, as the speech front end drives it.

    ``firstword.stt.streaming.StreamingTranscriber`` re-decodes a local engine's audio; a cloud
    engine that streams (Deepgram) implements the same surface over its own connection. The
    front end appends audio to the shared ``AudioBuffer`` and calls ``poll`` after each frame.
    """

    def start_segment(self, start_sample: int, prompt: str | None = None) -> None: ...

    def end_segment(self) -> None: ...

    def poll(self) -> None: ...

    async def transcribe_until(self, end_sample: int) -> FinalTranscript: ...

    async def transcribe_window(self, start: int, end: int, prompt: str | None) -> FinalTranscript: ...

    async def aclose(self) -> None: ...


class StreamingEngine(Protocol):
    """An engine that transcribes a stream itself (no local decodes to schedule): the front end
    asks it for each session's transcriber instead of building a ``StreamingTranscriber``."""

    name: str

    def open_transcriber(
        self,
        buffer: AudioBuffer,
        config: SttConfig,
        *,
        on_interim: Callable[[InterimTranscript], None],
        on_forced_final: Callable[[FinalTranscript], None],
    ) -> Transcriber: ...
