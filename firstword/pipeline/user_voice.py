"""The user's own voice (their microphone): transcribed and labelled, never answered.

The interviewer's audio drives ``CopilotPipeline``; the user's goes through this much smaller
pipeline so a page can show what the user said beside the questions. It has its own VAD state,
audio buffer and streaming transcriber (sample positions are counted in the user's audio, not
the interviewer's), shares the Whisper engine, and publishes only ``user.transcript.*`` events:
no speech.* events, no turns, no answers, so nothing the user says can start or cancel one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import ms_to_samples, pcm16_to_float32, samples_to_ms
from firstword.config import Settings
from firstword.endpointing.base import SpeechEnded, SpeechStarted, VoiceActivityModel
from firstword.endpointing.endpointer import Endpointer
from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.streaming import FinalTranscript, InterimTranscript, StreamingTranscriber

log = logging.getLogger(__name__)

SPEAKER = "user"


class UserVoicePipeline:
    # Audio after the last voiced sample given to the final decode, as in CopilotPipeline: a
    # word's soft ending can fall in the first chunks the VAD calls silence.
    FINAL_TAIL_MS = 200

    def __init__(
        self,
        log: EventLog,
        settings: Settings,
        *,
        vad: VoiceActivityModel,
        stt: SpeechToTextEngine,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: object | None = None,
    ) -> None:
        self._log = log
        self._clock = clock
        ep = settings.endpointing
        # Nobody waits on the user's final, so an utterance ends only after the pause a
        # mid-sentence breath gets: Whisper hears whole sentences instead of pieces cut at every
        # short pause (fewer guessed words at the cuts, fewer decodes on a small CPU).
        self._end_silence_ms = max(ep.end_silence_ms, ep.mid_sentence_silence_ms)
        self._endpointer = Endpointer(vad, ep.model_copy(update={"end_silence_ms": self._end_silence_ms}))
        self._buffer = AudioBuffer(capacity_s=settings.stt.max_segment_ms / 1000 + 10)
        self._transcriber = StreamingTranscriber(
            stt,
            self._buffer,
            settings.stt,
            on_interim=self._on_interim,
            on_forced_final=self._on_forced_final,
            executor=stt_executor,  # type: ignore[arg-type]
        )
        self._pre_roll = ms_to_samples(ep.pre_roll_ms)
        self._tail = ms_to_samples(self.FINAL_TAIL_MS)
        self._segment_start = 0  # first sample of the utterance's piece still to be finalised
        self._prompt: str | None = None  # text of a forced piece the rest of the utterance follows
        self._utterance = 0  # counts SpeechStarted events
        self._speaking = False
        self._shown = False  # an interim or forced piece of this utterance has been published
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.last_audio_at: float | None = None  # this process's clock at the last frame

    # ----- audio in -----------------------------------------------------------------------

    def feed_pcm(self, pcm: bytes) -> None:
        self.feed(pcm16_to_float32(pcm))

    def feed(self, samples: np.ndarray) -> None:
        if self._closed:
            return
        self.last_audio_at = self._clock()
        self._buffer.append(samples)
        for event in self._endpointer.push(samples):
            if isinstance(event, SpeechStarted):
                self._on_speech_started(event)
            elif isinstance(event, SpeechEnded):
                self._on_speech_ended(event)
            # PauseCandidate / SpeechResumed only matter for early answers: nothing to do here.
        if self._speaking and self._endpointer.silence_samples == 0:
            # As in CopilotPipeline: interims while the voice goes on, not while it is silent.
            self._transcriber.poll()

    async def end_of_audio(self) -> None:
        """No more microphone audio: play out silence so an open utterance gets its final."""
        frame = np.zeros(ms_to_samples(20), dtype=np.float32)
        for _ in range((self._end_silence_ms + 200) // 20):
            self.feed(frame)
            await asyncio.sleep(0)
        await self.drain()

    async def drain(self) -> None:
        """Wait until the finals already due have been published."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        self._closed = True
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        await self._transcriber.aclose()

    # ----- endpointing --------------------------------------------------------------------

    def _on_speech_started(self, event: SpeechStarted) -> None:
        self._utterance += 1
        self._speaking = True
        self._shown = False
        self._prompt = None
        self._segment_start = max(self._buffer.start, event.speech_start_sample - self._pre_roll)
        self._transcriber.start_segment(self._segment_start)

    def _on_speech_ended(self, event: SpeechEnded) -> None:
        self._speaking = False
        end = min(self._buffer.end, event.speech_end_sample + self._tail)
        # Ended now, not once the final is in: the next utterance may start while it decodes,
        # and its interims must not be switched off by this one's end.
        self._transcriber.end_segment()
        final = self._final(self._utterance, self._segment_start, end, self._prompt, self._shown)
        task = asyncio.get_running_loop().create_task(final)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _final(self, utterance: int, start: int, end: int, prompt: str | None, shown: bool) -> None:
        try:
            if utterance == self._utterance:
                # Still the transcriber's current segment: transcribe_until also takes care of
                # a forced cut that lands while it waits for the decoder.
                final = await self._transcriber.transcribe_until(end)
            else:
                # The next utterance started in the same push of audio, so the transcriber's
                # current piece is that one: decode this utterance's own range.
                final = await self._transcriber.transcribe_window(start, end, prompt)
        except Exception:
            # The user's words are a courtesy display: a failed decode loses one line, and
            # must never take the session's connection down with it.
            log.exception("user voice: final decode failed")
            return
        if not final.text and not shown:
            return  # a cough or a click: nothing was shown, nothing to close
        self._publish(EventType.USER_TRANSCRIPT_FINAL, self._final_data(final))

    # ----- transcriber callbacks ----------------------------------------------------------

    def _on_interim(self, interim: InterimTranscript) -> None:
        if not self._speaking:
            return  # a late interim of an utterance that has already ended
        self._shown = True
        self._publish(
            EventType.USER_TRANSCRIPT_INTERIM,
            {
                "text": interim.text,
                "speaker": SPEAKER,
                "stable": interim.stable,
                "unstable": interim.unstable,
                "audio_start_ms": _ms(interim.start_sample),
                "audio_end_ms": _ms(interim.end_sample),
                "compute_ms": round(interim.compute_ms, 1),
            },
        )

    def _on_forced_final(self, final: FinalTranscript) -> None:
        # Over max_segment_ms of speech without a pause: the piece is final now, and the rest
        # of the utterance is decoded from the cut, continuing its text.
        self._shown = True
        if final.start_sample >= self._segment_start:  # not a late piece of an earlier utterance
            self._segment_start = final.end_sample
            self._prompt = final.text or self._prompt
        self._publish(EventType.USER_TRANSCRIPT_FINAL, self._final_data(final))

    # ----- helpers ------------------------------------------------------------------------

    @staticmethod
    def _final_data(final: FinalTranscript) -> dict[str, Any]:
        return {
            "text": final.text,
            "speaker": SPEAKER,
            "audio_start_ms": _ms(final.start_sample),
            "audio_end_ms": _ms(final.end_sample),
            "compute_ms": round(final.compute_ms, 1),
            "forced_cut": final.forced_cut,
        }

    def _publish(self, type: str, data: dict[str, Any]) -> None:
        if self._closed or self._log.closed:
            return
        # turn=None: the user's words belong to no question (they are not one).
        self._log.publish(type, data, None)


def _ms(samples: int) -> float:
    return round(samples_to_ms(samples), 1)
