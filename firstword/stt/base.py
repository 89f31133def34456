"""The STT stage's interface.

Engines are synchronous and CPU-bound (they release the GIL); the streaming transcriber runs them
in a worker thread and decides *when* to decode. An engine decodes a whole piece of audio at a
time: streaming is re-decoding the growing utterance, stabilised by agreement between hypotheses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    audio_ms: float  # length of the audio decoded
    compute_ms: float  # wall time the decode took
    # (start_s, end_s) of each word, when asked for and the engine can tell.
    word_times: tuple[tuple[float, float], ...] = ()


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
