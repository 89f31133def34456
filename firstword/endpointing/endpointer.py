"""The turn policy: voice-activity scores in, speech events out, all in audio time.

``TurnPolicy`` is the pure decision logic over one score per chunk (it also runs on cached scores,
which is how the endpointing benchmark sweeps settings without re-running the model).
``Endpointer`` cuts arbitrary pushes of samples into the model's chunks and drives the policy.

Every position is an absolute sample index counted from the first sample pushed and every
duration is counted in samples of scored audio, never wall-clock time, so the same audio always
gives the same events. State is a handful of integers, whatever the length of the stream.
"""

from __future__ import annotations

import math

import numpy as np

from firstword.audio.format import ms_to_samples
from firstword.config import EndpointingConfig
from firstword.endpointing.base import (
    EndpointEvent,
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)


def turn_end_silence_ms(config: EndpointingConfig) -> int:
    """Silence that ends a pause before anyone asks for more or less (``require_silence_ms``):
    ``end_silence_ms`` for the copilot; for the practice interviewer (``policy = "interviewer"``)
    ``interviewer.first_wait_ms``, so that a candidate's pause is not over before its transcript
    has chosen the wait (``firstword.endpointing.interviewer``)."""
    if config.policy == "interviewer":
        return config.interviewer.first_wait_ms
    return config.end_silence_ms


class TurnPolicy:
    """Hysteresis, minimum speech, pause candidate, required end silence (see ``step``)."""

    def __init__(self, config: EndpointingConfig) -> None:
        if not 0.0 <= config.neg_threshold <= config.threshold <= 1.0:
            raise ValueError(
                f"endpointing thresholds need 0 <= neg_threshold ({config.neg_threshold}) "
                f"<= threshold ({config.threshold}) <= 1"
            )
        for name in ("min_speech_ms", "prefetch_silence_ms", "end_silence_ms"):
            if getattr(config, name) < 0:
                raise ValueError(f"endpointing {name} must not be negative")
        self._threshold = config.threshold
        self._neg_threshold = config.neg_threshold
        self._min_speech = ms_to_samples(config.min_speech_ms)
        self._prefetch_silence = ms_to_samples(config.prefetch_silence_ms)
        self._end_silence = ms_to_samples(turn_end_silence_ms(config))
        self.reset()

    def reset(self) -> None:
        self._position = 0  # one past the last scored sample
        self._voiced = False  # hysteresis state of the previous chunk
        self._run_start = -1  # first sample of the current voiced run, -1 in silence
        self._speech_end = 0  # one past the last voiced sample
        self._silence = 0  # samples in the current unvoiced run
        self._in_speech = False
        self._pause_announced = False
        self._required_silence = self._end_silence
        self._last_probability = 0.0

    @property
    def position(self) -> int:
        return self._position

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def silence_samples(self) -> int:
        return self._silence

    @property
    def last_probability(self) -> float:
        return self._last_probability

    @property
    def speech_end_sample(self) -> int:
        """One past the last voiced sample so far (0 before any)."""
        return self._speech_end

    @property
    def required_silence_samples(self) -> int:
        """Silence that will end the current (or next) pause."""
        return self._required_silence

    def require_silence_ms(self, ms: int, *, speech_end_sample: int | None = None) -> bool:
        """Make the pause in progress end only after ``ms`` of silence (instead of end_silence_ms).

        Applies only while speech is open and silent; the next pause starts again from
        ``end_silence_ms``. ``speech_end_sample`` (from the PauseCandidate the caller acted on)
        guards against a late answer: if speech resumed and paused again meanwhile, the request
        is about a pause that is over and is ignored. Returns whether it was applied.
        """
        if ms < 0:
            raise ValueError("required silence must not be negative")
        if not self._in_speech or self._voiced:
            return False
        if speech_end_sample is not None and speech_end_sample != self._speech_end:
            return False
        self._required_silence = ms_to_samples(ms)
        return True

    def step(self, probability: float, chunk_samples: int, events: list[EndpointEvent]) -> None:
        """Apply the policy to the next chunk's score, appending any events to ``events``."""
        if math.isnan(probability):
            raise ValueError("voice activity model returned NaN")
        start = self._position
        end = start + chunk_samples
        self._position = end
        self._last_probability = probability
        # Schmitt trigger: entering speech needs the high threshold, leaving it the low one, so
        # scores wobbling around one threshold do not chop speech into pieces.
        voiced = probability >= (self._neg_threshold if self._voiced else self._threshold)
        self._voiced = voiced
        if voiced:
            self._voiced_chunk(start, end, events)
        else:
            self._silent_chunk(start, end, events)

    def _voiced_chunk(self, start: int, end: int, events: list[EndpointEvent]) -> None:
        self._silence = 0
        if self._run_start < 0:
            self._run_start = start
        self._speech_end = end
        if not self._in_speech:
            if end - self._run_start >= self._min_speech:
                self._in_speech = True
                events.append(SpeechStarted(at_sample=end, speech_start_sample=self._run_start))
            return
        if self._pause_announced:
            self._pause_announced = False
            events.append(SpeechResumed(at_sample=end))
        self._required_silence = self._end_silence

    def _silent_chunk(self, start: int, end: int, events: list[EndpointEvent]) -> None:
        self._silence += end - start
        self._run_start = -1
        if not self._in_speech:
            return
        if not self._pause_announced and (
            self._silence >= self._prefetch_silence or self._silence >= self._required_silence
        ):
            # Always announced before the end, so every SpeechEnded has had its candidate.
            self._pause_announced = True
            events.append(PauseCandidate(at_sample=end, speech_end_sample=self._speech_end))
        if self._silence >= self._required_silence:
            events.append(SpeechEnded(at_sample=end, speech_end_sample=self._speech_end))
            self._in_speech = False
            self._pause_announced = False
            self._required_silence = self._end_silence

    def force_end(self, events: list[EndpointEvent]) -> None:
        """End the speech in progress now (the candidate pressed "done"), whatever the silence:
        appends a SpeechEnded (preceded by its PauseCandidate if none was announced), as the
        silence would have. Nothing happens outside speech. The current voiced run, if any, must
        start again (``min_speech_ms``) to open the next segment."""
        if not self._in_speech:
            return
        if not self._pause_announced:
            events.append(PauseCandidate(at_sample=self._position, speech_end_sample=self._speech_end))
        events.append(SpeechEnded(at_sample=self._position, speech_end_sample=self._speech_end))
        self._in_speech = False
        self._pause_announced = False
        self._required_silence = self._end_silence
        self._run_start = -1

    def run(self, probabilities: np.ndarray, chunk_samples: int) -> list[EndpointEvent]:
        """Events for a sequence of consecutive chunk scores (offline analysis)."""
        events: list[EndpointEvent] = []
        for p in np.asarray(probabilities, dtype=np.float64).tolist():
            self.step(p, chunk_samples, events)
        return events


class Endpointer:
    """Streaming endpointer: ``push`` any number of 16 kHz float32 samples, get speech events."""

    def __init__(self, vad: VoiceActivityModel, config: EndpointingConfig) -> None:
        self._vad = vad
        self._chunk = int(vad.chunk_samples)
        if self._chunk <= 0:
            raise ValueError(f"voice activity model has chunk_samples={self._chunk}")
        self._policy = TurnPolicy(config)
        # Audio pushed but not yet a whole chunk; at most chunk - 1 samples wait here.
        self._pending = np.zeros(self._chunk, dtype=np.float32)
        self._pending_len = 0
        self._samples_seen = 0

    def reset(self) -> None:
        self._vad.reset()
        self._policy.reset()
        self._pending_len = 0
        self._samples_seen = 0

    @property
    def in_speech(self) -> bool:
        return self._policy.in_speech

    @property
    def samples_seen(self) -> int:
        """Samples pushed so far (the last ``< chunk_samples`` of them may not be scored yet)."""
        return self._samples_seen

    @property
    def silence_samples(self) -> int:
        return self._policy.silence_samples

    @property
    def last_probability(self) -> float:
        return self._policy.last_probability

    @property
    def speech_end_sample(self) -> int:
        return self._policy.speech_end_sample

    def require_silence_ms(self, ms: int, *, speech_end_sample: int | None = None) -> bool:
        """See ``TurnPolicy.require_silence_ms``."""
        return self._policy.require_silence_ms(ms, speech_end_sample=speech_end_sample)

    def force_end(self) -> list[EndpointEvent]:
        """End the speech in progress now (see ``TurnPolicy.force_end``); audio pushed but not yet
        scored (under one chunk) belongs to what follows."""
        events: list[EndpointEvent] = []
        self._policy.force_end(events)
        return events

    def push(self, samples: np.ndarray) -> list[EndpointEvent]:
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"expected mono samples, got shape {samples.shape}")
        events: list[EndpointEvent] = []
        n = len(samples)
        self._samples_seen += n
        chunk = self._chunk
        i = 0
        if self._pending_len:
            take = min(n, chunk - self._pending_len)
            self._pending[self._pending_len : self._pending_len + take] = samples[:take]
            self._pending_len += take
            i = take
            if self._pending_len < chunk:
                return events
            self._score(self._pending, events)
            self._pending_len = 0
        while n - i >= chunk:
            self._score(samples[i : i + chunk], events)
            i += chunk
        rest = n - i
        self._pending[:rest] = samples[i:]
        self._pending_len = rest
        return events

    def _score(self, chunk: np.ndarray, events: list[EndpointEvent]) -> None:
        self._policy.step(self._vad.speech_probability(chunk), self._chunk, events)
