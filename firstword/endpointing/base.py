"""The endpointing stage's interface.

A ``VoiceActivityModel`` scores fixed-size chunks of 16 kHz float32 audio; the ``Endpointer``
(engine-agnostic) applies the turn policy to those scores and emits events in *audio time*
(absolute sample indices), so its behaviour is deterministic and testable without a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class VoiceActivityModel(Protocol):
    """Scores audio chunks; stateful across calls (streaming)."""

    chunk_samples: int

    def reset(self) -> None: ...

    def speech_probability(self, chunk: np.ndarray) -> float:
        """Probability that ``chunk`` (exactly ``chunk_samples`` float32 samples) is speech."""
        ...


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    at_sample: int  # where the endpointer decided (end of the chunk that confirmed speech)
    speech_start_sample: int  # first voiced sample (pre-roll is the consumer's business)


@dataclass(frozen=True, slots=True)
class PauseCandidate:
    """Silence has lasted ``prefetch_silence_ms``: start work that clients do not see yet."""

    at_sample: int
    speech_end_sample: int  # one past the last voiced sample


@dataclass(frozen=True, slots=True)
class SpeechResumed:
    """Speech came back after a PauseCandidate but before SpeechEnded (the pause was short)."""

    at_sample: int


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    at_sample: int
    speech_end_sample: int


EndpointEvent = SpeechStarted | PauseCandidate | SpeechResumed | SpeechEnded
