"""The speech front end: one audio stream in, speech events and transcripts out.

Every pipeline that listens (the copilot's interviewer, the user's own microphone, the spoken
practice mode) needs the same three things in the same order: a bounded buffer of the stream's
audio, an endpointer that says when speech starts, pauses and ends, and a streaming transcriber
that gives interims while the voice goes on and finals on demand. This class owns those three
and hands what they see to a ``SpeechListener``; what a pause *means* (answer early, close an
utterance, wait for the candidate) is the pipeline's business.

Everything runs on the event loop except the model calls: VAD scoring (~0.3 ms a chunk) runs
inline, so endpointing never waits behind a decode; Whisper decodes run in the transcriber's
worker thread. Each frame's arrival time on this process's monotonic clock is remembered, so a
speech end found in audio time can be placed in real time (the latency reports need it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import ms_to_samples, pcm16_to_float32, samples_to_ms
from firstword.config import EndpointingConfig, SttConfig
from firstword.endpointing.base import (
    EndpointEvent,
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)
from firstword.endpointing.endpointer import Endpointer
from firstword.stt.base import SpeechToTextEngine, Transcriber
from firstword.stt.scheduler import DecodeScheduler
from firstword.stt.streaming import FinalTranscript, InterimTranscript, StreamingTranscriber

# Audio after the last voiced sample given to a final decode: the VAD works in 32 ms chunks, and
# a word's soft ending can fall in the first chunks it calls silence.
FINAL_TAIL_MS = 200
# Frames remembered with their arrival time (4096 x 20 ms: the last 80 s of audio).
ARRIVALS_KEPT = 4096


class SpeechListener(Protocol):
    """What a pipeline hears from its front end, in audio order, on the event loop."""

    def speech_started(self, event: SpeechStarted) -> None: ...

    def pause_candidate(self, event: PauseCandidate) -> None: ...

    def speech_resumed(self, event: SpeechResumed) -> None: ...

    def speech_ended(self, event: SpeechEnded) -> None: ...

    def interim(self, interim: InterimTranscript) -> None: ...

    def forced_final(self, final: FinalTranscript) -> None:
        """A piece of speech longer than ``stt.max_segment_ms`` was cut and transcribed."""
        ...


class SpeechFrontEnd:
    def __init__(
        self,
        listener: SpeechListener,
        *,
        vad: VoiceActivityModel,
        stt: SpeechToTextEngine,
        endpointing: EndpointingConfig,
        stt_config: SttConfig,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: concurrent.futures.Executor | None = None,
        stt_decoder: DecodeScheduler | None = None,
    ) -> None:
        self._listener = listener
        self._clock = clock
        self.endpointing = endpointing
        self._endpointer = Endpointer(vad, endpointing)
        self._buffer = AudioBuffer(capacity_s=stt_config.max_segment_ms / 1000 + 10)
        self._transcriber: Transcriber
        open_transcriber = getattr(stt, "open_transcriber", None)
        if open_transcriber is not None:
            # An engine that streams by itself (Deepgram): it brings its own transcriber.
            # Its local fallback (if configured) shares the node's decoder; a failure of the
            # cloud engine is told to the session (the listener's speech_engine_error).
            self._transcriber = open_transcriber(
                self._buffer, stt_config, on_interim=listener.interim,
                on_forced_final=listener.forced_final,
                on_error=getattr(listener, "speech_engine_error", None),
                executor=stt_executor, decoder=stt_decoder,
            )
        else:
            self._transcriber = StreamingTranscriber(
                stt,
                self._buffer,
                stt_config,
                on_interim=listener.interim,
                on_forced_final=listener.forced_final,
                executor=stt_executor,
                decoder=stt_decoder,
            )
        self._pre_roll = ms_to_samples(endpointing.pre_roll_ms)
        self._tail = ms_to_samples(FINAL_TAIL_MS)
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=ARRIVALS_KEPT)
        self._closed = False
        self.last_audio_at: float | None = None  # this process's clock at the last frame

    # ----- audio in -----------------------------------------------------------------------

    def feed_pcm(self, pcm: bytes) -> None:
        self.feed(pcm16_to_float32(pcm))

    def feed(self, samples: np.ndarray) -> None:
        if self._closed:
            return
        now = self._clock()
        self.last_audio_at = now
        self._buffer.append(samples)
        self._arrivals.append((self._buffer.end, now))
        for event in self._endpointer.push(samples):
            self._dispatch(event)
        if self._endpointer.silence_samples == 0:
            # Interims only while the voice goes on: once a pause begins, the decoder is kept
            # free for the decode the pause asks for.
            self._transcriber.poll()

    async def play_out_silence(self, ms: int) -> None:
        """Feed ``ms`` of silence as 20 ms frames, letting the work it starts run as it would
        live (the client has no more audio, and an open segment must still end)."""
        frame = np.zeros(ms_to_samples(20), dtype=np.float32)
        for _ in range(max(0, ms) // 20):
            self.feed(frame)
            await asyncio.sleep(0)

    def force_end(self) -> None:
        """End the speech in progress now (the candidate's "done" key): the listener hears
        the pause and the end as if the silence had passed."""
        for event in self._endpointer.force_end():
            self._dispatch(event)

    @property
    def last_probability(self) -> float:
        """The VAD's speech probability of the newest scored chunk."""
        return self._endpointer.last_probability

    def _dispatch(self, event: EndpointEvent) -> None:
        if isinstance(event, SpeechStarted):
            self._listener.speech_started(event)
        elif isinstance(event, PauseCandidate):
            self._listener.pause_candidate(event)
        elif isinstance(event, SpeechResumed):
            self._listener.speech_resumed(event)
        elif isinstance(event, SpeechEnded):
            self._listener.speech_ended(event)

    # ----- segments and decodes -----------------------------------------------------------

    def start_segment(self, speech_start_sample: int, prompt: str | None = None) -> int:
        """Open a segment at the first voiced sample, less the pre-roll (so the first phoneme
        reaches the decoder); returns where it starts."""
        start = max(self._buffer.start, speech_start_sample - self._pre_roll)
        self._transcriber.start_segment(start, prompt=prompt)
        return start

    def end_segment(self) -> None:
        """No more interims for the open segment; finals still decode its audio."""
        self._transcriber.end_segment()

    def final_end(self, speech_end_sample: int) -> int:
        """Where a final decode of speech ending at ``speech_end_sample`` should stop."""
        return min(self._buffer.end, speech_end_sample + self._tail)

    async def transcribe_until(self, end_sample: int) -> FinalTranscript:
        """The open segment's audio up to ``end_sample`` (cached by range)."""
        return await self._transcriber.transcribe_until(end_sample)

    async def transcribe_window(self, start: int, end: int, prompt: str | None) -> FinalTranscript:
        """``[start, end)`` as one decode, reaching back before the open segment if need be."""
        return await self._transcriber.transcribe_window(start, end, prompt)

    def audio_before(self, end_sample: int, ms: int) -> np.ndarray:
        """Up to ``ms`` of the audio that ends at ``end_sample`` (less where the buffer is shorter)."""
        end = min(end_sample, self._buffer.end)
        start = max(self._buffer.start, end - ms_to_samples(ms))
        return self._buffer.slice(start, end) if end > start else np.zeros(0, dtype=np.float32)

    def require_silence_ms(self, ms: int) -> None:
        """The pause now going on must last ``ms`` to end the segment (semantic end of turn)."""
        if ms != self.endpointing.end_silence_ms:
            self._endpointer.require_silence_ms(ms)

    # ----- time ---------------------------------------------------------------------------

    @property
    def audio_end(self) -> int:
        """Samples received so far (absolute index one past the newest)."""
        return self._buffer.end

    def arrival_of(self, sample: int) -> float | None:
        """This process's clock when the frame holding ``sample`` arrived."""
        for end, at in self._arrivals:
            if end >= sample:
                return at
        return self._arrivals[-1][1] if self._arrivals else None

    async def aclose(self) -> None:
        self._closed = True
        await self._transcriber.aclose()


def audio_ms(samples: int) -> float:
    """A stream position as published in events: milliseconds, one decimal."""
    return round(samples_to_ms(samples), 1)
