"""Where did the speaker stop? The judge of ``speech_end`` for the latency benchmarks.

DESIGN.md defines ``speech_end`` as the last voiced sample of the question. No single measure
finds it reliably on real recordings: an energy threshold calls a noisy tail speech (JFK's crowd,
a 64 kbit/s hiss), Whisper's word timestamps drift by 100-300 ms on tiny.en, and Silero run
offline misses whispered speech. So three estimates, each independent of the streaming endpointer
being measured, are made of the last speech before a point, and their median is the judge; one
estimate going wrong cannot move it. On the five corpus files whose sources annotate the end of
speech, the median lies 167 ms before to 62 ms after the annotation (tests/test_speech_end.py);
an early judge makes the measured delays longer, never shorter.

- ``energy``: the last 10-ms frame above the recording's adaptive level threshold
  (``audio.recording.voiced_mask``);
- ``words``: the end of the last word in Whisper's ordinary 30-s transcription, word timestamps on;
- ``silero``: the end of the last speech region Silero finds with the whole file in view
  (faster-whisper's ``get_speech_timestamps``, no padding), not the streaming turn policy.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import last_voiced_sample


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # samples
    end: int


@dataclass(frozen=True, slots=True)
class SpeechEnd:
    sample: int
    estimates: dict[str, int | None] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.sample / SAMPLE_RATE


def _last_end(spans: list[Span], before: int) -> int | None:
    ends = [min(s.end, before) for s in spans if s.start < before]
    return max(ends) if ends else None


@dataclass
class SpeechEndJudge:
    audio: np.ndarray
    words: list[Span]
    silero: list[Span]

    def before(self, limit: int) -> SpeechEnd | None:
        """The judged end of the last speech at or before sample ``limit`` (None: no speech)."""
        limit = min(limit, len(self.audio))
        estimates: dict[str, int | None] = {
            "energy": last_voiced_sample(self.audio, before=limit),
            "words": _last_end(self.words, limit),
            "silero": _last_end(self.silero, limit),
        }
        found = [v for v in estimates.values() if v is not None]
        if not found:
            return None
        # With two estimates the median is their mean; with one, that one.
        return SpeechEnd(int(statistics.median(found)), estimates)


def silero_regions(audio: np.ndarray) -> list[Span]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=0.5, min_silence_duration_ms=200, min_speech_duration_ms=100, speech_pad_ms=0
    )
    return [Span(int(r["start"]), int(r["end"])) for r in get_speech_timestamps(audio, options)]


def word_spans(word_times: tuple[tuple[float, float], ...]) -> list[Span]:
    return [Span(int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)) for start, end in word_times]
