"""The live copilot pipeline for one session: PCM frames → speech front end → turns → answers.

The speech front end (``firstword.speech``) gives speech events and transcripts; this pipeline
decides what they mean for an interview: a short pause starts a hidden answer on the pause's
transcript, the endpoint reveals it, and each segment's final confirms or overturns it (the turn
manager keeps those rules). Timestamps are this process's monotonic clock.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import contextlib
import difflib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from firstword.answerer.base import AnswerSource
from firstword.audio.format import ms_to_samples
from firstword.config import Settings
from firstword.endpointing.base import (
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)
from firstword.endpointing.semantic import required_silence_ms
from firstword.endpointing.turn_end import TAIL_MS, PauseContext, TurnEndDecision, TurnEndPredictor
from firstword.events import CancelReason, Event, Payload, Speaker
from firstword.events import SpeechEnded as SpeechEndedPayload
from firstword.events import SpeechStarted as SpeechStartedPayload
from firstword.events import TranscriptFinal, TranscriptInterim
from firstword.grounding.questions import QuestionType, classify
from firstword.hub.log import EventLog
from firstword.speech.front_end import SpeechFrontEnd, audio_ms
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.stabilizer import word_key
from firstword.stt.streaming import FinalTranscript, InterimTranscript
from firstword.turns.manager import PreparedAnswers, TurnManager, TurnStats
from firstword.stt.scheduler import DecodeScheduler
from firstword.events import ErrorPayload
from firstword.events.wire import ErrorCode

_T = TypeVar("_T")
# Share of the earlier finals' words a window decode must open with to replace them. Re-hearing
# changes a word in ten or so ("feet" / "feeds"); the reordered decode this guards against kept
# 1 of 5.
_KEEPS_ORDER_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class _Pause:
    pause_id: int
    speech_end_sample: int
    task: asyncio.Task[FinalTranscript]
    # Where its decode starts: the segment's start, or an earlier segment's of the same turn
    # when it decodes the turn's last segments together (``stt.pause_decodes_turn``).
    start: int = -1


@dataclass(slots=True)
class _EarlyFinal:
    """The segment's pause decode, shown as its final until the deferred final replaces it."""

    seq: int | None = None  # set once published
    superseded: bool = False  # the segment's own final has been published


def _keeps_order(earlier: str, window: str) -> bool:
    """Whether a decode of a window that takes in the turn's earlier finals (``earlier``) opens
    with what they said, near enough: Whisper on a window with seconds of silence inside can put
    a clause after the words that follow it ("And I think this is probably good. Thanks. Here's
    a long pause," for "And here's a long pause … and I think …"), and such a decode must not
    replace them."""
    said = [word_key(w) for w in earlier.split()]
    if not said:
        return True
    heard = [word_key(w) for w in window.split()][: len(said) + 2]
    blocks = difflib.SequenceMatcher(a=said, b=heard, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) >= _KEEPS_ORDER_SHARE * len(said)


def _of_segment(decoded: FinalTranscript, segment_start: int) -> bool:
    """A pause decode that can stand for the segment's final: it heard something, and of this
    segment's audio (a forced cut may have moved the segment on while it decoded)."""
    return decoded.start_sample == segment_start and bool(decoded.text.strip())


@dataclass(frozen=True, slots=True)
class _Piece:
    """A published final of the current turn: the audio it transcribed and its event."""

    start: int
    end: int
    seq: int
    text: str


def statement_hold(first_ms: int, resumed_ms: int) -> Callable[[str, int], float]:
    """How long an answer to ``question`` waits after the endpoint: nothing for a question; for
    a statement (no "?" and no question cue in ``firstword.grounding.questions``) ``first_ms``
    at the turn's first pause, ``resumed_ms`` once the speaker has gone on after one."""

    def hold(question: str, resumed: int) -> float:
        # What the speaker just said, not the whole turn: a reading may hold a "?" three lines up.
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s]
        last = sentences[-1] if sentences else question
        if last.rstrip().endswith("?"):
            return 0.0
        if classify(last).kind not in (QuestionType.OTHER, QuestionType.NOT_A_QUESTION):
            return 0.0
        return (resumed_ms if resumed else first_ms) / 1000.0

    return hold


class CopilotPipeline:
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
        answers: AnswerSource,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: concurrent.futures.Executor | None = None,
        stt_decoder: DecodeScheduler | None = None,
        prefetch: PreparedAnswers | None = None,
    ) -> None:
        self._log = log
        self._settings = settings
        self._clock = clock
        self._speech = SpeechFrontEnd(
            self,
            vad=vad,
            stt=stt,
            endpointing=settings.endpointing,
            stt_config=settings.stt,
            clock=clock,
            stt_executor=stt_executor,
            stt_decoder=stt_decoder,
        )
        self._turns = TurnManager(
            self._publish,
            answers,
            clock=clock,
            reveal_hold=statement_hold(settings.answer.statement_hold_ms, settings.answer.resumed_hold_ms),
            prefetch=prefetch,
            keep_standing=settings.answer.keep_standing,
        )
        self._window = ms_to_samples(self.FINAL_WINDOW_MS)
        self._continuation = ms_to_samples(settings.endpointing.continuation_ms)
        self._segment_start = 0
        self._pieces: list[_Piece] = []
        self._pause: _Pause | None = None
        self._pause_seq = 0
        self._speech_ended_sample: int | None = None
        self._latest_interim = ""
        # End of turn: the predictor (None: the semantic policy), this turn's pauses the speaker
        # came back from (ms), the decision for the pause in progress, the last segment's end.
        self._turn_end = (
            TurnEndPredictor(settings.endpointing)
            if settings.endpointing.turn_end.policy == "predictive"
            else None
        )
        self._resumed_ms: list[float] = []
        # The speaker's habit: per earlier turn of this session, the longest held pause they came
        # back from in it (0: none), so that both how long and how often they pause are known.
        self._habit_ms: deque[float] = deque(maxlen=max(1, settings.endpointing.turn_end.speaker_habit_memory))
        self._turn_open = False
        self._end_decision: TurnEndDecision | None = None
        self._last_speech_end: int | None = None
        self._vad_chunk = int(vad.chunk_samples)
        self._finals_pending = 0
        self._commit_due = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    # ----- what a session does with it ---------------------------------------------------

    @property
    def stats(self) -> TurnStats:
        return self._turns.stats

    def feed_pcm(self, pcm: bytes) -> None:
        self._speech.feed_pcm(pcm)
        self._maybe_commit()

    def feed(self, samples: np.ndarray) -> None:
        if self._closed:
            return
        self._speech.feed(samples)
        self._maybe_commit()

    async def end_of_audio(self) -> None:
        """The client has no more audio: play out silence so the open turn ends and commits."""
        ep = self._settings.endpointing
        silence_ms = max(ep.end_silence_ms, ep.mid_sentence_silence_ms) + ep.continuation_ms + 200
        frame = np.zeros(ms_to_samples(20), dtype=np.float32)
        for _ in range(silence_ms // 20):
            self.feed(frame)
            # Let decodes and answers started by that silence progress as they would live.
            await asyncio.sleep(0)
        await self.drain()

    async def drain(self) -> None:
        """Wait until pending transcription work has finished (answers may still be streaming)."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    def ask(self, text: str) -> int:
        """A typed question (board room, or a copilot user typing): answered at once."""
        return self._turns.ask(text)

    def allocate_turn(self) -> int:
        return self._turns.allocate_turn()

    def allocate_answer(self) -> int:
        return self._turns.allocate_answer()

    def stop_answer(self) -> None:
        """The owner pressed stop."""
        self._turns.stop()

    def cancel_answers(self, reason: CancelReason) -> None:
        """Stop the answers being written for ``reason`` (nobody is connected any more)."""
        self._turns.stop_with(reason)

    async def aclose(self) -> None:
        self._closed = True
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        await self._turns.aclose()
        await self._speech.aclose()

    def _maybe_commit(self) -> None:
        """The continuation window after the endpoint has passed: the turn is over."""
        if (
            self._turns.is_paused
            and self._speech_ended_sample is not None
            and self._speech.audio_end - self._speech_ended_sample >= self._continuation
        ):
            self._speech_ended_sample = None
            if self._finals_pending:
                self._commit_due = True  # commit once the segment's final has been taken in
            else:
                self._turns.commit()

    # ----- what the speech front end hears ------------------------------------------------

    def speech_started(self, event: SpeechStarted) -> None:
        self._pause_seq += 1
        self._pause = None
        self._speech_ended_sample = None
        self._commit_due = False
        self._latest_interim = ""
        turn, continued = self._turns.speech_started()
        if not continued:
            self._pieces = []
            if self._turn_open:  # the turn before this one is over: remember how it was said
                # Its longest pause; the predictor decides whether that was held or a breath.
                self._habit_ms.append(max(self._resumed_ms, default=0.0))
            self._turn_open = True
            self._resumed_ms = []
        elif self._last_speech_end is not None:
            self._resumed_ms.append(audio_ms(event.speech_start_sample - self._last_speech_end))
        self._end_decision = None
        self._publish(
            SpeechStartedPayload(audio_ms=audio_ms(event.speech_start_sample), continued=continued), turn
        )
        self._segment_start = self._speech.start_segment(
            event.speech_start_sample, prompt=self._turns.current_text() or None
        )

    def pause_candidate(self, event: PauseCandidate) -> None:
        self._pause_seq += 1
        pause_id = self._pause_seq
        end = self._speech.audio_end
        start, replaced = self._final_window(end) if self._settings.stt.pause_decodes_turn else (self._segment_start, [])
        if replaced:
            # A segment that continues the turn ("…a colleague" | "who is struggling?"): heard
            # alone it is a fragment ("Is struggling..."), which reads as unfinished and gets
            # the long wait; heard with the turn's last segments, as its final will be, it is the
            # whole question. The final then takes this decode as it is.
            task = self._spawn(self._speech.transcribe_window(start, end, self._prompt_before(replaced)))
        else:
            task = self._spawn(self._speech.transcribe_until(end))  # start is the segment's
        self._pause = _Pause(pause_id, event.speech_end_sample, task, start)
        replaces = len(replaced)

        def candidate_ready(done: asyncio.Task[FinalTranscript]) -> None:
            if done.cancelled() or done.exception() is not None or pause_id != self._pause_seq:
                return
            text = done.result().text
            if text:
                self._speech.require_silence_ms(self._turn_end_silence(text, event.speech_end_sample))
            self._turns.pause_candidate(text, replaces=replaces)

        task.add_done_callback(candidate_ready)

    def _turn_end_silence(self, text: str, speech_end_sample: int) -> int:
        """The silence this pause must last to end the segment (``firstword.endpointing.turn_end``)."""
        ep = self._settings.endpointing
        if self._turn_end is None:
            self._end_decision = None
            return required_silence_ms(text, ep)
        context = PauseContext(
            text, self._speech.audio_before(speech_end_sample, TAIL_MS), tuple(self._resumed_ms), tuple(self._habit_ms)
        )
        self._end_decision = self._turn_end.decide(context)
        return self._end_decision.wait_ms

    def speech_resumed(self, event: SpeechResumed) -> None:
        if self._pause is not None:
            # The voice came back in the chunk that ends at at_sample.
            self._resumed_ms.append(audio_ms(event.at_sample - self._vad_chunk - self._pause.speech_end_sample))
        self._pause_seq += 1
        self._pause = None
        self._end_decision = None
        self._turns.speech_resumed()

    def speech_ended(self, event: SpeechEnded) -> None:
        turn_id = self._turns.turn_id
        now = self._clock()
        self._speech_ended_sample = event.at_sample
        decision = self._end_decision
        self._last_speech_end = event.speech_end_sample
        self._publish(
            SpeechEndedPayload(
                audio_ms=audio_ms(event.at_sample),
                speech_end_audio_ms=audio_ms(event.speech_end_sample),
                required_silence_ms=None if decision is None else decision.wait_ms,
                end_probability=None if decision is None else round(decision.probability, 3),
            ),
            turn_id,
        )
        pause = self._pause
        this_pause = pause if pause is not None and pause.speech_end_sample == event.speech_end_sample else None
        candidate_ready = this_pause is not None and this_pause.task.done()
        end = self._speech.final_end(event.speech_end_sample)
        # Ended now, not once its final is in: the final waits for the answer's first word, the
        # speaker may go on meanwhile, and the next segment's interims must not be switched off
        # by this one's end (they were, for whole segments of a reading: README, Capacity).
        self._speech.end_segment()
        start, replaced = self._final_window(end)
        # A pause decode of the same window as the final is the final (``stt.early_finals``): a
        # turn's first segment, or a later one whose pause heard the turn (``pause_decodes_turn``).
        # Otherwise the pause decode is shown now, and the final that decodes the turn's last
        # segments together replaces it.
        reuse = self._settings.stt.early_finals and this_pause is not None and this_pause.start == start
        early = None if reuse else self._early_final(this_pause, turn_id)
        self._turns.speech_ended(
            vad_end_at=now,
            speech_end_at=self._speech.arrival_of(event.speech_end_sample),
            interim_text="" if candidate_ready else self._latest_interim,
        )
        final = self._final_after_first_word(self._turns.first_word_signal(), start, end, self._prompt_before(replaced))
        if reuse:
            assert this_pause is not None
            final = self._pause_final(this_pause.task, start, final, " ".join(p.text for p in replaced))
        final_task = self._spawn(final)
        self._finals_pending += 1
        self._spawn(self._finish_segment(final_task, turn_id, replaced, early))

    def interim(self, interim: InterimTranscript) -> None:
        if not self._turns.is_speaking:
            return  # a late interim of a segment that has already ended
        self._latest_interim = interim.text
        self._publish(
            TranscriptInterim(
                text=interim.text,
                speaker=Speaker.INTERVIEWER,
                stable=interim.stable,
                unstable=interim.unstable,
                turn_text=" ".join(t for t in (self._turns.current_text(), interim.text) if t),
                audio_start_ms=audio_ms(interim.start_sample),
                audio_end_ms=audio_ms(interim.end_sample),
                compute_ms=round(interim.compute_ms, 1),
            ),
            self._turns.turn_id,
        )

    def forced_final(self, final: FinalTranscript) -> None:
        event = self._publish(self._final_payload(final, forced_cut=True, replaces=[]), self._turns.turn_id)
        self._pieces.append(_Piece(final.start_sample, final.end_sample, event.seq, final.text))
        self._segment_start = final.end_sample  # the segment goes on from the cut
        self._turns.add_segment(final.text)

    # ----- finals -------------------------------------------------------------------------

    async def _final_after_first_word(
        self, first_word: asyncio.Event | None, start: int, end: int, prompt: str | None
    ) -> FinalTranscript:
        if first_word is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_word.wait(), self.FINAL_DEFER_MAX_MS / 1000)
        return await self._speech.transcribe_window(start, end, prompt)

    async def _pause_final(
        self,
        pause: asyncio.Task[FinalTranscript],
        start: int,
        otherwise: Coroutine[object, object, FinalTranscript],
        earlier: str = "",
    ) -> FinalTranscript:
        """The pause's decode as the segment's final: the same speech, decoded once. Where it
        is of other audio (a forced cut moved the segment on) or heard nothing, the usual final."""
        try:
            decoded: FinalTranscript | None = await asyncio.shield(pause)
        except asyncio.CancelledError:
            otherwise.close()
            raise
        except Exception:
            decoded = None
        if decoded is not None and _of_segment(decoded, start) and _keeps_order(earlier, decoded.text):
            otherwise.close()
            return decoded
        return await otherwise

    def _prompt_before(self, replaced: list[_Piece]) -> str | None:
        """The turn's text before the pieces a window decode takes in: its decoder context."""
        return " ".join(p.text for p in self._pieces[: len(self._pieces) - len(replaced)] if p.text) or None

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
        self,
        final_task: asyncio.Task[FinalTranscript],
        turn_id: int | None,
        replaced: list[_Piece],
        early: _EarlyFinal | None,
    ) -> None:
        try:
            final = await final_task
        finally:
            self._finals_pending -= 1
        replaced = [p for p in replaced if p in self._pieces]
        replaces = [p.seq for p in replaced]
        if early is not None:
            early.superseded = True
            if early.seq is not None:
                replaces.append(early.seq)
        event = self._publish(self._final_payload(final, forced_cut=False, replaces=replaces), turn_id)
        self._pieces = [p for p in self._pieces if p not in replaced]
        self._pieces.append(_Piece(final.start_sample, final.end_sample, event.seq, final.text))
        self._turns.final(final.text, replaces=len(replaced))
        if self._commit_due and not self._finals_pending:
            self._commit_due = False
            self._turns.commit()

    def _early_final(self, pause: _Pause | None, turn_id: int | None) -> _EarlyFinal | None:
        """Show the segment's pause decode as its final now (``stt.early_finals``).

        The segment's own final waits for the answer's first word and then decodes the turn's
        last few segments again, together; until it comes, the words the pause decode already
        holds are as final as this segment alone can make them. It is for the reader only: the
        turn manager takes the deferred final, which lists this one in ``replaces``."""
        if not self._settings.stt.early_finals or pause is None or pause.task.cancelled():
            return None
        early = _EarlyFinal()
        segment_start = self._segment_start

        def publish(done: asyncio.Task[FinalTranscript]) -> None:
            if early.superseded or done.cancelled() or done.exception() is not None:
                return
            decoded = done.result()
            if not _of_segment(decoded, segment_start):
                return
            event = self._publish(self._final_payload(decoded, forced_cut=False, replaces=[]), turn_id)
            early.seq = event.seq

        if pause.task.done():
            publish(pause.task)
        else:
            pause.task.add_done_callback(publish)
        return early

    @staticmethod
    def _final_payload(final: FinalTranscript, *, forced_cut: bool, replaces: list[int]) -> TranscriptFinal:
        return TranscriptFinal(
            text=final.text,
            speaker=Speaker.INTERVIEWER,
            audio_start_ms=audio_ms(final.start_sample),
            audio_end_ms=audio_ms(final.end_sample),
            compute_ms=round(final.compute_ms, 1),
            forced_cut=forced_cut,
            replaces=replaces,
        )

    # ----- helpers ------------------------------------------------------------------------

    def speech_engine_error(self, message: str) -> None:
        """The cloud speech engine gave up (a refused key, a stream closed mid-utterance); the
        message says whether transcription goes on locally. Never holds a key (stt.deepgram)."""
        self._publish(ErrorPayload(code=ErrorCode.UNAVAILABLE, message=message, retryable=False))

    def _publish(self, payload: Payload, turn: int | None = None) -> Event:
        return self._log.publish(payload, turn)

    def _spawn(self, coro: Coroutine[object, object, _T]) -> asyncio.Task[_T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
