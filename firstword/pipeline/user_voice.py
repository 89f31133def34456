"""The user's own voice (their microphone): transcribed and labelled, never answered.

The interviewer's audio drives ``CopilotPipeline``; the user's goes through this much smaller
pipeline so a page can show what the user said beside the questions. It has a speech front end
of its own (its own VAD state and audio buffer: sample positions are counted in the user's
audio, not the interviewer's), shares the Whisper engine, and publishes only
``user.transcript.*`` events: no speech.* events, no turns, no answers, so nothing the user says
can start or cancel one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable

import numpy as np

from firstword.config import Settings
from firstword.endpointing.base import (
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)
from firstword.events import Payload, Speaker, UserTranscriptFinal, UserTranscriptInterim
from firstword.hub.log import EventLog
from firstword.speech.front_end import SpeechFrontEnd, audio_ms
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.streaming import FinalTranscript, InterimTranscript
from firstword.stt.scheduler import DecodeScheduler
from firstword.events import ErrorPayload
from firstword.events.wire import ErrorCode

log = logging.getLogger(__name__)


class UserVoicePipeline:
    def __init__(
        self,
        log: EventLog,
        settings: Settings,
        *,
        vad: VoiceActivityModel,
        stt: SpeechToTextEngine,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: concurrent.futures.Executor | None = None,
        stt_decoder: DecodeScheduler | None = None,
    ) -> None:
        self._log = log
        ep = settings.endpointing
        # Nobody waits on the user's final, so an utterance ends only after the pause a
        # mid-sentence breath gets: Whisper hears whole sentences instead of pieces cut at every
        # short pause (fewer guessed words at the cuts, fewer decodes on a small CPU).
        self._end_silence_ms = max(ep.end_silence_ms, ep.mid_sentence_silence_ms)
        self._speech = SpeechFrontEnd(
            self,
            vad=vad,
            stt=stt,
            endpointing=ep.model_copy(update={"end_silence_ms": self._end_silence_ms}),
            stt_config=settings.stt,
            clock=clock,
            stt_executor=stt_executor,
            stt_decoder=stt_decoder,
        )
        self._segment_start = 0  # first sample of the utterance's piece still to be finalised
        self._prompt: str | None = None  # text of a forced piece the rest of the utterance follows
        self._utterance = 0  # counts SpeechStarted events
        self._speaking = False
        self._shown = False  # an interim or forced piece of this utterance has been published
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def last_audio_at(self) -> float | None:
        """This process's clock at the last frame."""
        return self._speech.last_audio_at

    # ----- audio in -----------------------------------------------------------------------

    def feed_pcm(self, pcm: bytes) -> None:
        if not self._closed:
            self._speech.feed_pcm(pcm)

    def feed(self, samples: np.ndarray) -> None:
        if not self._closed:
            self._speech.feed(samples)

    async def end_of_audio(self) -> None:
        """No more microphone audio: play out silence so an open utterance gets its final."""
        await self._speech.play_out_silence(self._end_silence_ms + 200)
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
        await self._speech.aclose()

    # ----- what the speech front end hears ------------------------------------------------

    def speech_started(self, event: SpeechStarted) -> None:
        self._utterance += 1
        self._speaking = True
        self._shown = False
        self._prompt = None
        self._segment_start = self._speech.start_segment(event.speech_start_sample)

    def pause_candidate(self, event: PauseCandidate) -> None:
        pass  # early answers are the copilot's business: the user is never answered

    def speech_resumed(self, event: SpeechResumed) -> None:
        pass

    def speech_ended(self, event: SpeechEnded) -> None:
        self._speaking = False
        end = self._speech.final_end(event.speech_end_sample)
        # Ended now, not once the final is in: the next utterance may start while it decodes,
        # and its interims must not be switched off by this one's end.
        self._speech.end_segment()
        final = self._final(self._utterance, self._segment_start, end, self._prompt, self._shown)
        task = asyncio.get_running_loop().create_task(final)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def interim(self, interim: InterimTranscript) -> None:
        if not self._speaking:
            return  # a late interim of an utterance that has already ended
        if not interim.text and not self._shown:
            return  # a click heard as nothing (the first interim comes 200 ms in): nothing to show
        self._shown = True
        self._publish(
            UserTranscriptInterim(
                text=interim.text,
                speaker=Speaker.USER,
                stable=interim.stable,
                unstable=interim.unstable,
                audio_start_ms=audio_ms(interim.start_sample),
                audio_end_ms=audio_ms(interim.end_sample),
                compute_ms=round(interim.compute_ms, 1),
            )
        )

    def forced_final(self, final: FinalTranscript) -> None:
        # Over max_segment_ms of speech without a pause: the piece is final now, and the rest
        # of the utterance is decoded from the cut, continuing its text.
        self._shown = True
        if final.start_sample >= self._segment_start:  # not a late piece of an earlier utterance
            self._segment_start = final.end_sample
            self._prompt = final.text or self._prompt
        self._publish(self._final_payload(final))

    # ----- finals -------------------------------------------------------------------------

    async def _final(self, utterance: int, start: int, end: int, prompt: str | None, shown: bool) -> None:
        try:
            if utterance == self._utterance:
                # Still the transcriber's current segment: transcribe_until also takes care of
                # a forced cut that lands while it waits for the decoder.
                final = await self._speech.transcribe_until(end)
            else:
                # The next utterance started in the same push of audio, so the transcriber's
                # current piece is that one: decode this utterance's own range.
                final = await self._speech.transcribe_window(start, end, prompt)
        except Exception:
            # The user's words are a courtesy display: a failed decode loses one line, and
            # must never take the session's connection down with it.
            log.exception("user voice: final decode failed")
            return
        if not final.text and not shown:
            return  # a cough or a click: nothing was shown, nothing to close
        self._publish(self._final_payload(final))

    @staticmethod
    def _final_payload(final: FinalTranscript) -> UserTranscriptFinal:
        return UserTranscriptFinal(
            text=final.text,
            speaker=Speaker.USER,
            audio_start_ms=audio_ms(final.start_sample),
            audio_end_ms=audio_ms(final.end_sample),
            compute_ms=round(final.compute_ms, 1),
            forced_cut=final.forced_cut,
        )

    def speech_engine_error(self, message: str) -> None:
        """The cloud speech engine gave up (a refused key, a stream closed mid-utterance); the
        message says whether transcription goes on locally. Never holds a key (stt.deepgram)."""
        self._publish(ErrorPayload(code=ErrorCode.UNAVAILABLE, message=message, retryable=False))

    def _publish(self, payload: Payload) -> None:
        if self._closed or self._log.closed:
            return
        # turn=None: the user's words belong to no question (they are not one).
        self._log.publish(payload, None)
