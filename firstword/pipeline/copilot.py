"""The live copilot pipeline for one session: PCM frames → endpointing → STT → turns → answers.

Everything here runs on the event loop except model calls: VAD scoring is ~0.3 ms a chunk and
runs inline (so endpointing never waits behind a decode), Whisper decodes run in the
transcriber's worker thread and the LLM in its engine's. Timestamps are this process's monotonic
clock; each frame's arrival time is remembered so a turn's speech end can be placed in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import ms_to_samples, pcm16_to_float32, samples_to_ms
from firstword.config import Settings
from firstword.endpointing.base import (
    EndpointEvent,
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)
from firstword.endpointing.endpointer import Endpointer
from firstword.endpointing.semantic import required_silence_ms
from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.streaming import FinalTranscript, InterimTranscript, StreamingTranscriber
from firstword.turns.manager import AnswerRun, TurnManager, TurnState


# Labels this pipeline's transcripts; the user's own microphone is "user" (pipeline.user_voice).
SPEAKER = "interviewer"


@dataclass(frozen=True, slots=True)
class _Pause:
    pause_id: int
    speech_end_sample: int
    task: asyncio.Task[FinalTranscript]


@dataclass(frozen=True, slots=True)
class _Piece:
    """A published final of the current turn: the audio it transcribed and its event."""

    start: int
    end: int
    seq: int
    text: str


class CopilotPipeline:
    # Audio after the last voiced sample given to a decode: the VAD works in 32 ms chunks, and a
    # word's soft ending can fall in the first chunks it calls silence. The pause candidate has
    # only prefetch_silence_ms of it; the final, decoded once the endpoint is declared, has more.
    FINAL_TAIL_MS = 200
    # A final transcribes the turn's earlier segments again with the one that ended, as far back
    # as this reaches: Whisper cut at every pause guesses the words at each cut (see
    # docs/ARCHITECTURE.md; on the corpus this is the difference between 9 % and 7 % WER).
    FINAL_WINDOW_MS = 12_000
    # The final waits for the shown answer's first word, at most this long: on a small CPU a
    # Whisper decode and the LLM's first tokens running at once both take twice as long, and
    # the final only confirms an answer the user already sees.
    FINAL_DEFER_MAX_MS = 1500

    def __init__(
        self,
        log: EventLog,
        settings: Settings,
        *,
        vad: VoiceActivityModel,
        stt: SpeechToTextEngine,
        answers: object,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: object | None = None,
    ) -> None:
        self._log = log
        self._settings = settings
        self._clock = clock
        ep = settings.endpointing
        self._endpointer = Endpointer(vad, ep)
        self._buffer = AudioBuffer(capacity_s=settings.stt.max_segment_ms / 1000 + 10)
        self._transcriber = StreamingTranscriber(
            stt,
            self._buffer,
            settings.stt,
            on_interim=self._on_interim,
            on_forced_final=self._on_forced_final,
            executor=stt_executor,  # type: ignore[arg-type]
        )
        self.turns = TurnManager(self._publish, answers, clock=clock)  # type: ignore[arg-type]
        self._pre_roll = ms_to_samples(ep.pre_roll_ms)
        self._tail = ms_to_samples(self.FINAL_TAIL_MS)
        self._window = ms_to_samples(self.FINAL_WINDOW_MS)
        self._segment_start = 0
        self._pieces: list[_Piece] = []
        self._continuation = ms_to_samples(ep.continuation_ms)
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=4096)
        self._pause: _Pause | None = None
        self._pause_seq = 0
        self._speech_ended_sample: int | None = None
        self._latest_interim = ""
        self._finals_pending = 0
        self._commit_due = False
        self._tasks: set[asyncio.Task[object]] = set()
        self._closed = False

    # ----- audio in -----------------------------------------------------------------------

    def feed_pcm(self, pcm: bytes) -> None:
        self.feed(pcm16_to_float32(pcm))

    def feed(self, samples: np.ndarray) -> None:
        if self._closed:
            return
        self._buffer.append(samples)
        self._arrivals.append((self._buffer.end, self._clock()))
        for event in self._endpointer.push(samples):
            self._handle(event)
        if self._endpointer.silence_samples == 0:
            # Once a pause begins, the decoder is kept free for the pause candidate's decode.
            self._transcriber.poll()
        if (
            self.turns.state is TurnState.PAUSED
            and self._speech_ended_sample is not None
            and self._buffer.end - self._speech_ended_sample >= self._continuation
        ):
            self._speech_ended_sample = None
            if self._finals_pending:
                self._commit_due = True  # commit once the segment's final has been taken in
            else:
                self.turns.commit()

    async def end_of_audio(self) -> None:
        """The client has no more audio: play out silence so the open turn ends and commits."""
        ep = self._settings.endpointing
        silence_ms = max(ep.end_silence_ms, ep.mid_sentence_silence_ms) + ep.continuation_ms + 200
        frame = np.zeros(ms_to_samples(20), dtype=np.float32)
        for _ in range(int(silence_ms / 20)):
            self.feed(frame)
            # Let decodes and answers started by that silence progress as they would live.
            await asyncio.sleep(0)
        await self.drain()

    async def drain(self) -> None:
        """Wait until pending transcription work has finished (answers may still be streaming)."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    def stop_answer(self) -> None:
        self.turns.stop()

    def ask(self, text: str) -> int:
        """A typed question (board room, or a copilot user typing): answered at once."""
        return self.turns.ask(text)

    async def aclose(self) -> None:
        self._closed = True
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        await self.turns.aclose()
        await self._transcriber.aclose()

    # ----- endpointing events -------------------------------------------------------------

    def _handle(self, event: EndpointEvent) -> None:
        if isinstance(event, SpeechStarted):
            self._on_speech_started(event)
        elif isinstance(event, PauseCandidate):
            self._on_pause_candidate(event)
        elif isinstance(event, SpeechResumed):
            self._pause_seq += 1
            self._pause = None
            self.turns.speech_resumed()
        elif isinstance(event, SpeechEnded):
            self._on_speech_ended(event)

    def _on_speech_started(self, event: SpeechStarted) -> None:
        self._pause_seq += 1
        self._pause = None
        self._speech_ended_sample = None
        self._commit_due = False
        self._latest_interim = ""
        turn, continued = self.turns.speech_started()
        if not continued:
            self._pieces = []
        self._publish(
            EventType.SPEECH_STARTED,
            {"audio_ms": _ms(event.speech_start_sample), "continued": continued},
            turn,
        )
        start = max(self._buffer.start, event.speech_start_sample - self._pre_roll)
        self._segment_start = start
        self._transcriber.start_segment(start, prompt=self.turns.current_text() or None)

    def _on_pause_candidate(self, event: PauseCandidate) -> None:
        self._pause_seq += 1
        pause_id = self._pause_seq
        end = self._buffer.end
        task = self._spawn(self._transcriber.transcribe_until(end))
        self._pause = _Pause(pause_id, event.speech_end_sample, task)

        def candidate_ready(done: asyncio.Task[FinalTranscript]) -> None:
            if done.cancelled() or done.exception() is not None or pause_id != self._pause_seq:
                return
            text = done.result().text
            if text:
                required = required_silence_ms(text, self._settings.endpointing)
                if required != self._settings.endpointing.end_silence_ms:
                    self._endpointer.require_silence_ms(required)
            self.turns.pause_candidate(text)

        task.add_done_callback(candidate_ready)

    def _on_speech_ended(self, event: SpeechEnded) -> None:
        turn = self.turns.turn
        turn_id = turn.turn_id if turn is not None else None
        now = self._clock()
        self._speech_ended_sample = event.at_sample
        self._publish(
            EventType.SPEECH_ENDED,
            {"audio_ms": _ms(event.at_sample), "speech_end_audio_ms": _ms(event.speech_end_sample)},
            turn_id,
        )
        pause = self._pause
        candidate_ready = (
            pause is not None
            and pause.speech_end_sample == event.speech_end_sample
            and pause.task.done()
        )
        self.turns.speech_ended(
            vad_end_at=now,
            speech_end_at=self._arrival_of(event.speech_end_sample),
            interim_text="" if candidate_ready else self._latest_interim,
        )
        end = min(self._buffer.end, event.speech_end_sample + self._tail)
        start, replaced = self._final_window(end)
        prompt = " ".join(p.text for p in self._pieces[: len(self._pieces) - len(replaced)] if p.text)
        final_task = self._spawn(
            self._final_after_first_word(self.turns.run, start, end, prompt or None)
        )
        self._finals_pending += 1
        self._spawn(self._finish_segment(final_task, turn_id, replaced))

    async def _final_after_first_word(
        self, run: AnswerRun | None, start: int, end: int, prompt: str | None
    ) -> FinalTranscript:
        if run is not None and run.visible:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.first_word.wait(), self.FINAL_DEFER_MAX_MS / 1000)
        return await self._transcriber.transcribe_window(start, end, prompt)

    def _final_window(self, end: int) -> tuple[int, list[_Piece]]:
        """Where the final decode starts, and the earlier finals of the turn it takes in."""
        if self._finals_pending:
            return self._segment_start, []  # an earlier final is still decoding: no overlap
        start = self._segment_start
        replaced: list[_Piece] = []
        for piece in reversed(self._pieces):
            if end - piece.start > self._window or piece.start >= start:
                break
            start = piece.start
            replaced.insert(0, piece)
        return start, replaced

    async def _finish_segment(
        self, final_task: asyncio.Task[FinalTranscript], turn_id: int | None, replaced: list[_Piece]
    ) -> None:
        try:
            final = await final_task
        finally:
            self._finals_pending -= 1
        self._transcriber.end_segment()
        replaced = [p for p in replaced if p in self._pieces]
        event = self._publish(
            EventType.TRANSCRIPT_FINAL,
            {
                "text": final.text,
                "speaker": SPEAKER,
                "audio_start_ms": _ms(final.start_sample),
                "audio_end_ms": _ms(final.end_sample),
                "compute_ms": round(final.compute_ms, 1),
                "forced_cut": False,
                "replaces": [p.seq for p in replaced],
            },
            turn_id,
        )
        self._pieces = [p for p in self._pieces if p not in replaced]
        self._pieces.append(_Piece(final.start_sample, final.end_sample, event.seq, final.text))
        self.turns.final(final.text, replaces=len(replaced))
        if self._commit_due and not self._finals_pending:
            self._commit_due = False
            self.turns.commit()

    # ----- transcriber callbacks ----------------------------------------------------------

    def _on_interim(self, interim: InterimTranscript) -> None:
        if self.turns.state is not TurnState.SPEAKING:
            return  # a late interim of a segment that has already ended
        self._latest_interim = interim.text
        turn = self.turns.turn
        self._publish(
            EventType.TRANSCRIPT_INTERIM,
            {
                "text": interim.text,
                "speaker": SPEAKER,
                "stable": interim.stable,
                "unstable": interim.unstable,
                "turn_text": " ".join(t for t in (self.turns.current_text(), interim.text) if t),
                "audio_start_ms": _ms(interim.start_sample),
                "audio_end_ms": _ms(interim.end_sample),
                "compute_ms": round(interim.compute_ms, 1),
            },
            turn.turn_id if turn is not None else None,
        )

    def _on_forced_final(self, final: FinalTranscript) -> None:
        turn = self.turns.turn
        event = self._publish(
            EventType.TRANSCRIPT_FINAL,
            {
                "text": final.text,
                "speaker": SPEAKER,
                "audio_start_ms": _ms(final.start_sample),
                "audio_end_ms": _ms(final.end_sample),
                "compute_ms": round(final.compute_ms, 1),
                "forced_cut": True,
                "replaces": [],
            },
            turn.turn_id if turn is not None else None,
        )
        self._pieces.append(_Piece(final.start_sample, final.end_sample, event.seq, final.text))
        self._segment_start = final.end_sample  # the segment goes on from the cut
        self.turns.add_segment(final.text)

    # ----- helpers ------------------------------------------------------------------------

    def _publish(self, type: str, data: dict, turn: int | None = None):  # type: ignore[no-untyped-def]
        return self._log.publish(type, data, turn)

    def _spawn(self, coro):  # type: ignore[no-untyped-def]
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _arrival_of(self, sample: int) -> float | None:
        """This process's clock when the frame holding ``sample`` arrived."""
        for end, at in self._arrivals:
            if end >= sample:
                return at
        return self._arrivals[-1][1] if self._arrivals else None


def _ms(samples: int) -> float:
    return round(samples_to_ms(samples), 1)

