"""Practice mode for one session: Nova asks, listens like an interviewer, follows up, gives feedback.

The candidate's microphone goes through the same speech front end as the copilot's interviewer
(``firstword.speech``), with the interviewer's wait (``firstword.endpointing.interviewer``): a
pause ends the answer only after a silence chosen from what was said before it (longer after
"um" or "and", shorter after "...and that's how we did it."). The "done" key ends it at once.

What Nova says is decided by rules (``firstword.practice``): the plan from the job description
and the profile, at most two follow-ups per question, feedback per answer and a report at the
end. No model writes her words, so they are known in full before she says them: the next planned
question is synthesized while the candidate is still answering, and the first audio of her reply
follows the end-of-answer decision by one sentence's first chunk at most. Her words are also an
answer in the log (``answer.started`` with persona "nova", trigger ``planned``), so the critic
reads them and observers see them like any advisor's, sentence by sentence as she says them.

Barge-in: while she speaks, the microphone also goes to a ``BargeInDetector``. ``hold`` pauses
her frames; ``barge_in`` ends her utterance (``voice.ended`` reason ``barge_in``, the answer
``answer.cancelled`` with what she had said) and she listens; ``resume`` (a cough, "mm-hm")
goes on from the same sample.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from firstword.answerer.profile import Profile
from firstword.config import Settings
from firstword.endpointing.barge_in import BargeInDetector, Decision
from firstword.endpointing.base import PauseCandidate, SpeechEnded, SpeechResumed, SpeechStarted, VoiceActivityModel
from firstword.endpointing.interviewer import InterviewerWait, interviewer_endpointing
from firstword.events import (
    AnswerCancelled,
    AnswerDelta,
    AnswerDone,
    AnswerEndedBy,
    AnswerStarted,
    AnswerTrigger,
    CancelReason,
    Event,
    Message,
    Payload,
    PlannedQuestionData,
    PracticeAnswerEnded,
    PracticeFeedback,
    PracticeListening,
    PracticePaused,
    PracticePlan,
    PracticeQuestion,
    PracticeReport,
    PracticeResumed,
    Speaker,
    UserTranscriptFinal,
    UserTranscriptInterim,
    VoiceEndReason,
)
from firstword.hub.log import EventLog
from firstword.pipeline.voice_out import AudioSink, Utterance, VoiceOut
from firstword.practice import script
from firstword.practice.feedback import analyse_answer
from firstword.practice.followup import next_followup
from firstword.practice.plan import InterviewPlan, PlannedQuestion, plan_interview
from firstword.practice.report import AnsweredQuestion, InterviewReport, build_report
from firstword.audio.format import ms_to_samples
from firstword.speech.front_end import FINAL_TAIL_MS, SpeechFrontEnd, audio_ms
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.streaming import FinalTranscript, InterimTranscript
from firstword.tts.base import TtsEngine
from firstword.turns.manager import TurnStats
from firstword.stt.scheduler import DecodeScheduler
from firstword.events import ErrorPayload
from firstword.events.wire import ErrorCode

log = logging.getLogger("firstword.practice")

_T = TypeVar("_T")
PERSONA = "nova"
FINAL_TAIL_SAMPLES = ms_to_samples(FINAL_TAIL_MS)


class Phase(StrEnum):
    IDLE = "idle"  # created, not started
    ASKING = "asking"  # Nova is saying a question (or a follow-up)
    LISTENING = "listening"  # waiting for, or hearing, the candidate's answer
    PAUSED = "paused"  # a long silence paused the interview; speech or start resumes it
    DONE = "done"  # the report is out


@dataclass(slots=True)
class _Answer:
    """Everything said to one planned question: its first reply and the replies to its
    follow-ups (the follow-up rules and the feedback read them together)."""

    question: PlannedQuestion
    segments: list[tuple[int, str]] = field(default_factory=list)  # (seq, text) of its finals
    followups: list[str] = field(default_factory=list)  # reasons of the follow-ups asked
    spoken_s: float = 0.0  # speech time of the finished replies
    reply_from: int = 0  # index in ``segments`` where the reply being given starts
    started_at: float | None = None  # clock at the reply's first voiced audio
    speech_start_ms: float | None = None  # audio position of the reply's first and last voiced sample
    speech_end_ms: float | None = None

    @property
    def text(self) -> str:
        return " ".join(t for _, t in self.segments if t)

    @property
    def reply(self) -> list[tuple[int, str]]:
        return self.segments[self.reply_from :]

    def close_reply(self) -> None:
        if self.speech_start_ms is not None and self.speech_end_ms is not None:
            self.spoken_s += max(0.0, (self.speech_end_ms - self.speech_start_ms) / 1000.0)
        self.reply_from = len(self.segments)
        self.started_at = self.speech_start_ms = self.speech_end_ms = None

    def answered(self) -> AnsweredQuestion:
        return AnsweredQuestion(self.question, list(self.segments), self.spoken_s or None)


class PracticePipeline:
    """One session's practice interview (the ``CopilotPipeline`` interface the server uses, and
    the practice controls)."""

    def __init__(
        self,
        log: EventLog,
        settings: Settings,
        *,
        vad: VoiceActivityModel,
        stt: SpeechToTextEngine,
        tts: TtsEngine | None,
        profile: Callable[[], Profile],
        barge_in_vad: VoiceActivityModel | None = None,
        clock: Callable[[], float] = time.monotonic,
        stt_executor: concurrent.futures.Executor | None = None,
        stt_decoder: DecodeScheduler | None = None,
    ) -> None:
        self._log = log
        self._config = settings.practice
        self._clock = clock
        self._profile = profile
        endpointing = interviewer_endpointing(settings.endpointing)
        # The candidate's answer ends by the pause's transcript (InterviewerWait), which must be
        # ready within end_silence_ms; an interim already decoding when the pause comes delays
        # it, and quicker interims make that twice as likely. The candidate's words on screen
        # gain little from them, so practice keeps the full interim step.
        stt_config = settings.stt.model_copy(update={"interim_min_step_ms": 0})
        self._speech = SpeechFrontEnd(
            self, vad=vad, stt=stt, endpointing=endpointing, stt_config=stt_config, clock=clock,
            stt_executor=stt_executor,
            stt_decoder=stt_decoder,
        )
        self._wait = InterviewerWait(endpointing.interviewer)
        self._voice: VoiceOut | None = None
        self._barge: BargeInDetector | None = None
        if tts is not None:
            # A VAD of its own (the model keeps state across chunks): None loads Silero.
            self._barge = BargeInDetector(vad=barge_in_vad, clock=clock)
            self._voice = VoiceOut(
                self._log.publish, tts, lead_ms=self._config.voice_lead_ms, clock=clock,
                on_sent=self._barge.note_playback, last_seq=lambda: self._log.last_seq,
            )
        self.phase = Phase.IDLE
        self._plan: InterviewPlan | None = None
        self._next = 0  # index of the next planned question
        self._answer: _Answer | None = None  # the answer to the planned question being asked
        self._asked_id: str | None = None  # the question (or follow-up) Nova asked last
        self._answers: list[_Answer] = []  # answers to the questions already done with
        self._turn = 0
        self._answer_ids = 0
        self._nova: tuple[int, list[str]] | None = None  # Nova's answer being said, its sentences shown
        self._pause_seq = 0
        self._segment_start = 0
        self._speaking = False
        self._last_voice_at = clock()
        self._checked_in = False
        self._unheard: str | None = None  # what a dropped connection did not hear of her question
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._closed = False
        self._finishing = False
        # What ends the reply whose speech was cut short (the "done" key, a too-long answer).
        self._forced: AnswerEndedBy | None = None
        self.report: InterviewReport | None = None
        self.stats = TurnStats()

    # ----- the server's pipeline interface --------------------------------------------------

    def feed_pcm(self, pcm: bytes) -> None:
        if self._closed:
            return
        if self._barge is not None and self._voice is not None and self._voice.speaking:
            for decision in self._barge.feed_pcm(pcm):
                self._barge_in_decision(decision)
        self._speech.feed_pcm(pcm)

    async def end_of_audio(self) -> None:
        """No more microphone audio: the reply in progress ends as if the candidate said "done"."""
        await self._end_when_transcribed(AnswerEndedBy.DONE_KEY)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    def ask(self, text: str) -> int:
        """A typed answer to the question being asked (it starts the interview if it had not)."""
        if self.phase == Phase.IDLE:
            self.start()
        elif self.phase == Phase.PAUSED:
            self._resume("typed")
        if self.phase == Phase.DONE:
            self._publish(Message(text=text))
            return self._turn
        if self._voice is not None and self._voice.speaking:
            self._end_nova(VoiceEndReason.STOPPED, CancelReason.STOPPED)
            self._listen()
        answer = self._answer
        # A typed reply is a message in the log (its seq is what the report quotes).
        event = self._publish(Message(text=text))
        if answer is not None:
            answer.segments.append((event.seq, text))
            self._end_reply(AnswerEndedBy.TYPED, None)
        return self._turn

    def allocate_turn(self) -> int:
        self._turn += 1
        return self._turn

    def allocate_answer(self) -> int:
        self._answer_ids += 1
        return self._answer_ids

    def stop_answer(self) -> None:
        """The stop button: Nova stops talking and listens."""
        if self._voice is not None and self._voice.speaking:
            self._end_nova(VoiceEndReason.STOPPED, CancelReason.STOPPED)
            self._listen()

    def cancel_answers(self, reason: CancelReason) -> None:
        if self._voice is not None and self._voice.speaking:
            self._end_nova(VoiceEndReason.STOPPED, reason)

    async def aclose(self) -> None:
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        if self._voice is not None:
            await self._voice.aclose()
        await self._speech.aclose()

    # ----- practice controls ----------------------------------------------------------------

    def start(self) -> None:
        """Begin (idempotent): the plan, then Nova's greeting and first question."""
        if self.phase == Phase.PAUSED:
            self._resume("start")
            return
        if self.phase != Phase.IDLE or self._closed:
            return
        plan = plan_interview(self._profile())
        self._plan = plan
        self._publish(PracticePlan(
            questions=[PlannedQuestionData(**q.to_json()) for q in plan.questions],
            notices=[n.message for n in plan.notices],
        ))
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        self._ask_next(prefix=script.greeting(plan))

    def done_key(self) -> None:
        """The candidate says their reply is complete."""
        if self.phase == Phase.LISTENING and self._answer is not None:
            self._spawn(self._end_when_transcribed(AnswerEndedBy.DONE_KEY))

    def finish(self) -> None:
        """End the interview now: what was answered is reported."""
        if self.phase in (Phase.IDLE, Phase.DONE):
            return
        if self._voice is not None and self._voice.speaking:
            self._end_nova(VoiceEndReason.STOPPED, CancelReason.STOPPED)
        self._spawn(self._finish_after_transcripts())

    def played(self, utterance_id: int, played_ms: float) -> None:
        if self._voice is not None:
            self._voice.played(utterance_id, played_ms)

    def voice_unavailable(self, reason: str) -> None:
        """The page cannot play audio: Nova goes on in text only on that connection."""
        if self._voice is not None and self._voice.sink is not None:
            self.detach_voice(self._voice.sink)
            self._unheard = None
            log.info("practice: the page cannot play audio (%s); text only", reason or "no reason given")

    def attach_voice(self, sink: AudioSink) -> None:
        if self._voice is None:
            return
        self._voice.sink = sink
        unheard, self._unheard = self._unheard, None
        if unheard and self.phase == Phase.LISTENING and self._answer is not None and not self._answer.reply:
            # A dropped connection cut her question off: she says again what was not heard
            # (its words were published once and are not repeated).
            self._voice.say(unheard, None, self._turn)

    def detach_voice(self, sink: AudioSink) -> None:
        if self._voice is None:
            return
        cut = self._voice.detach(sink)
        if cut is not None:
            self._unheard = cut.unsaid()
            if self.phase == Phase.ASKING:
                # The words not said yet are shown, so the text is whole; she listens.
                self._show(" ".join(cut.sentences[len(self._shown()) :]))
                self._finish_nova_text()
                self._listen()

    def current_report(self) -> InterviewReport:
        """The report: the final one once the interview is over, else what was answered so far."""
        if self.report is not None:
            return self.report
        done = [a.answered() for a in self._answers]
        if self._answer is not None and self._answer.segments:
            done.append(self._answer.answered())
        return build_report(done)

    # ----- what the speech front end hears -------------------------------------------------

    def speech_started(self, event: SpeechStarted) -> None:
        self._wait.observe(event)
        self._speaking = True
        self._last_voice_at = self._clock()
        if self.phase == Phase.PAUSED:
            self._resume("speech")
        if self._voice is not None and self._voice.speaking and not self._voice.audible:
            # The candidate talks before a word of hers has played (her voice is still being
            # made): nothing to hear back, no echo to doubt. She does not start over them.
            self._barge_in_decision(Decision.BARGE_IN)
        answer = self._answer
        if answer is not None and answer.started_at is None and self.phase in (Phase.LISTENING, Phase.ASKING):
            answer.started_at = self._clock()
            answer.speech_start_ms = audio_ms(event.speech_start_sample)
        self._segment_start = self._speech.start_segment(event.speech_start_sample)

    def pause_candidate(self, event: PauseCandidate) -> None:
        self._wait.observe(event)
        self._pause_seq += 1
        pause_id = self._pause_seq
        task = self._spawn(self._speech.transcribe_until(self._speech.audio_end))

        def ready(done: asyncio.Task[FinalTranscript]) -> None:
            if done.cancelled() or done.exception() is not None or pause_id != self._pause_seq:
                return
            so_far = " ".join(t for t in (self._reply_text(), done.result().text) if t)
            wait = self._wait.wait_ms(so_far)
            self._speech.require_silence_ms(wait)
            self._prepare_followup(so_far)
            # The final this pause will need, decoded now, during the wait (a second or more),
            # rather than after it: the reply's first audio then follows the wait at once. Its
            # range is the final's (speech end + the tail) once the audio holds it; a pause the
            # candidate talks through wastes this one decode.
            end = self._speech.final_end(event.speech_end_sample)
            if end >= event.speech_end_sample + FINAL_TAIL_SAMPLES:
                self._spawn(self._speech.transcribe_until(end))

        task.add_done_callback(ready)

    def _prepare_followup(self, so_far: str) -> None:
        """Synthesize now, during the wait, the follow-up she would ask if the answer ended
        here: at the decision it is then said at once (a follow-up made at the decision waited
        ~200-270 ms for its first sentence, in the practice bench). A candidate who goes on, or
        a final that reads differently, costs one synthesis."""
        answer = self._answer
        if self._voice is None or answer is None or self._finishing or not so_far.strip():
            return
        before = " ".join(t for _, t in answer.segments[: answer.reply_from] if t)  # earlier replies to it
        text = " ".join(t for t in (before, so_far) if t)
        follow = next_followup(answer.question, text, answer.spoken_s or None,
                               asked_so_far=len(answer.followups), asked=answer.followups)
        if follow is not None:
            self._voice.prepare(follow.text)

    def speech_resumed(self, event: SpeechResumed) -> None:
        self._wait.observe(event)
        self._pause_seq += 1
        self._last_voice_at = self._clock()

    def speech_ended(self, event: SpeechEnded) -> None:
        self._wait.observe(event)
        self._pause_seq += 1
        self._speaking = False
        self._last_voice_at = self._clock()
        end = self._speech.final_end(event.speech_end_sample)
        self._speech.end_segment()
        if self._answer is not None and self._answer.started_at is not None:
            self._answer.speech_end_ms = audio_ms(event.speech_end_sample)
        # The silence actually waited (the policy's choice, or the first wait when the pause's
        # transcript was not ready in time).
        wait = audio_ms(max(0, event.at_sample - event.speech_end_sample))
        self._spawn(self._final_then_decide(end, wait))

    def interim(self, interim: InterimTranscript) -> None:
        if not self._speaking:
            return
        self._publish(UserTranscriptInterim(
            text=interim.text, speaker=Speaker.USER, stable=interim.stable, unstable=interim.unstable,
            audio_start_ms=audio_ms(interim.start_sample), audio_end_ms=audio_ms(interim.end_sample),
            compute_ms=round(interim.compute_ms, 1),
        ))
        if self._barge is not None and self._voice is not None and self._voice.held:
            self._barge_in_decision(self._barge.note_transcript(interim.text))

    def forced_final(self, final: FinalTranscript) -> None:
        self._segment_start = final.end_sample
        self._take_final(final)

    # ----- replies -------------------------------------------------------------------------

    def _reply_text(self) -> str:
        return " ".join(t for _, t in self._answer.reply) if self._answer is not None else ""

    async def _final_then_decide(self, end: int, wait: float | None) -> None:
        final = await self._speech.transcribe_until(end)
        self._take_final(final)
        if self.phase == Phase.LISTENING and not self._speaking:
            forced = self._forced
            self._end_reply(forced or AnswerEndedBy.PAUSE, None if forced else wait)

    def _take_final(self, final: FinalTranscript) -> None:
        if not final.text or self._closed:
            return
        event = self._publish(UserTranscriptFinal(
            text=final.text, speaker=Speaker.USER, audio_start_ms=audio_ms(final.start_sample),
            audio_end_ms=audio_ms(final.end_sample), compute_ms=round(final.compute_ms, 1),
            forced_cut=final.forced_cut,
        ))
        if self._answer is not None and self.phase in (Phase.LISTENING, Phase.ASKING):
            self._answer.segments.append((event.seq, final.text))

    async def _end_when_transcribed(self, by: AnswerEndedBy) -> None:
        if self._speaking:
            self._forced = by
            self._speech.force_end()  # speech_ended: its final is decoded now, and ends the reply
        current = asyncio.current_task()
        while pending := [t for t in self._tasks if t is not current and not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
        if self.phase == Phase.LISTENING:
            self._end_reply(by, None)

    def _end_reply(self, by: AnswerEndedBy, wait: float | None) -> None:
        answer = self._answer
        if answer is None or self.phase not in (Phase.LISTENING, Phase.ASKING) or not answer.reply:
            return  # nothing said (a cough, a click, a "done" before a word)
        reply = answer.reply
        self._forced = None
        self.stats.turns += 1
        self._publish(PracticeAnswerEnded(
            question_id=self._asked_id or answer.question.id, by=by, wait_ms=wait,
            text=" ".join(t for _, t in reply), source_seqs=[seq for seq, _ in reply],
        ))
        answer.close_reply()
        feedback = analyse_answer(answer.question, answer.text, answer.spoken_s or None)
        self._publish(PracticeFeedback(question_id=answer.question.id, feedback=feedback.to_json()))
        if self._finishing:
            return
        if by == AnswerEndedBy.TIMEOUT:
            self._done_with(answer)
            self._say_then(script.TOO_LONG, self._ask_next)
            return
        follow = next_followup(answer.question, answer.text, answer.spoken_s or None,
                               asked_so_far=len(answer.followups), asked=answer.followups)
        if follow is None:
            self._done_with(answer)
            self._ask_next(prefix=script.ACKNOWLEDGEMENT)
            return
        answer.followups.append(follow.reason)
        self._ask(answer.question, follow.text, question_id=f"{answer.question.id}-f{len(answer.followups)}",
                  reason=follow.reason, quote=follow.quote)

    def _done_with(self, answer: _Answer) -> None:
        self._answers.append(answer)
        self._answer = None

    # ----- Nova speaks -------------------------------------------------------------------

    def _ask_next(self, prefix: str = "") -> None:
        plan = self._plan
        if plan is None or self.phase == Phase.DONE:
            return
        if self._next >= len(plan.questions):
            self._conclude()
            return
        question = plan.questions[self._next]
        self._next += 1
        self._answer = _Answer(question)
        self._ask(question, question.text, question_id=question.id, prefix=prefix)
        # The next one is synthesized while this one is answered.
        if self._voice is not None and self._next < len(plan.questions):
            self._voice.prepare(f"{script.ACKNOWLEDGEMENT} {plan.questions[self._next].text}")

    def _ask(self, question: PlannedQuestion, text: str, *, question_id: str, prefix: str = "",
             reason: str | None = None, quote: str | None = None) -> None:
        self._asked_id = question_id
        self._checked_in = False  # one check-in per question
        turn = self.allocate_turn()
        answer_id = self.allocate_answer()
        self._publish(PracticeQuestion(
            question_id=question_id, text=text, kind=question.kind.value, competency=question.competency.value,
            followup=question_id != question.id, reason=reason, quote=quote, answer_id=answer_id,
        ), turn)
        self._say(" ".join(p for p in (prefix, text) if p), answer_id, then=self._listen)

    def _say_then(self, text: str, then: Callable[[], None]) -> None:
        self.allocate_turn()
        self._say(text, self.allocate_answer(), then=then)

    def _say(self, text: str, answer_id: int, *, then: Callable[[], None]) -> None:
        if self.phase != Phase.DONE:
            self.phase = Phase.ASKING
        self._publish(AnswerStarted(answer_id=answer_id, trigger=AnswerTrigger.PLANNED, question="", persona=PERSONA))
        self._nova = (answer_id, [])
        if self._barge is not None:
            self._barge.reset()
        utterance = None
        if self._voice is not None:
            utterance = self._voice.say(text, answer_id, self._turn, on_sentence=self._show_sentence)
        if utterance is None:
            # Nobody hears her (text only): the words are shown at once.
            self._show(text)
            self._finish_nova_text()
            then()
            return
        self._spawn(self._after_voice(utterance, then))

    async def _after_voice(self, utterance: Utterance, then: Callable[[], None]) -> None:
        await utterance.done.wait()
        if utterance.reason not in (VoiceEndReason.DONE, VoiceEndReason.ERROR):
            return  # barge-in, stop or a dropped connection: handled where it happened
        if self._nova is not None and self._nova[0] == utterance.answer_id:
            # What the voice did not get to say (an engine error) is shown.
            self._show(" ".join(utterance.sentences[len(self._shown()) :]))
            self._finish_nova_text()
        if self.phase == Phase.ASKING:
            then()

    def _shown(self) -> list[str]:
        return self._nova[1] if self._nova is not None else []

    def _show_sentence(self, utterance: Utterance, index: int) -> None:
        if self._nova is not None and self._nova[0] == utterance.answer_id:
            self._show(utterance.sentences[index])

    def _show(self, text: str) -> None:
        if self._nova is None or not text.strip():
            return
        answer_id, shown = self._nova
        self._publish(AnswerDelta(answer_id=answer_id, text=text if not shown else " " + text))
        shown.append(text)

    def _finish_nova_text(self) -> None:
        if self._nova is None:
            return
        answer_id, shown = self._nova
        self._nova = None
        self._publish(AnswerDone(answer_id=answer_id, text=" ".join(shown), trigger=AnswerTrigger.PLANNED))

    def _end_nova(self, voice_reason: VoiceEndReason, cancel: CancelReason) -> None:
        if self._voice is not None:
            self._voice.stop(voice_reason)
        if self._nova is not None:
            answer_id, shown = self._nova
            self._nova = None
            self._publish(AnswerCancelled(answer_id=answer_id, reason=cancel, text=" ".join(shown)))

    def _listen(self) -> None:
        if self._closed or self.phase == Phase.DONE:
            return
        self.phase = Phase.LISTENING
        self._last_voice_at = self._clock()
        if self._asked_id is not None:
            self._publish(PracticeListening(question_id=self._asked_id))

    # ----- barge-in ----------------------------------------------------------------------

    def _barge_in_decision(self, decision: Decision | None) -> None:
        voice, barge = self._voice, self._barge
        if decision is None or voice is None or barge is None:
            return
        # A hold stops what is sent; the page plays on what it holds (the voice's lead), so the
        # detector's picture of her playback, which ends where the sent audio ends, stays true.
        if decision == Decision.HOLD:
            voice.hold()
        elif decision == Decision.RESUME:
            voice.resume()
        elif decision == Decision.BARGE_IN:
            barge.stop_playback()
            self._end_nova(VoiceEndReason.BARGE_IN, CancelReason.BARGE_IN)
            self._listen()

    # ----- silence, long answers, the end --------------------------------------------------

    async def _watch(self) -> None:
        c = self._config
        while not self._closed and self.phase != Phase.DONE:
            await asyncio.sleep(c.watch_interval_s)
            now = self._clock()
            answer = self._answer
            if self.phase != Phase.LISTENING:
                continue
            if self._speaking:
                if answer is not None and answer.started_at is not None and now - answer.started_at >= c.max_answer_s:
                    answer.started_at = None  # once
                    self._spawn(self._end_when_transcribed(AnswerEndedBy.TIMEOUT))
                continue
            silent = now - self._last_voice_at
            if not self._checked_in and silent >= c.checkin_after_silence_s:
                self._checked_in = True
                self._say_then(script.CHECK_IN, self._listen)
            elif self._checked_in and silent >= c.pause_after_silence_s:
                self.phase = Phase.PAUSED
                self._publish(PracticePaused(
                    reason=f"no answer for {silent:.0f} s: the interview is paused; speak, type or press start to go on"
                ))

    def _resume(self, reason: str) -> None:
        self.phase = Phase.LISTENING
        self._last_voice_at = self._clock()
        self._publish(PracticeResumed(reason=reason))

    async def _finish_after_transcripts(self) -> None:
        self._finishing = True  # the reply in progress is kept, and nothing more is asked
        if self._speaking:
            self._speech.force_end()
        current = asyncio.current_task()
        while pending := [t for t in self._tasks if t is not current and not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
        if self.phase in (Phase.LISTENING, Phase.ASKING, Phase.PAUSED):
            self.phase = Phase.LISTENING
            self._end_reply(AnswerEndedBy.DONE_KEY, None)
        self._conclude()

    def _conclude(self) -> None:
        if self.phase == Phase.DONE:
            return
        if self._answer is not None and self._answer.segments:
            self._done_with(self._answer)
        self._answer = None
        self.report = build_report([a.answered() for a in self._answers])
        self.phase = Phase.DONE
        self._publish(PracticeReport(report=self.report.to_json(), markdown=self.report.to_markdown()))
        self._say_then(script.CLOSING, lambda: None)

    # ----- plumbing ----------------------------------------------------------------------

    def speech_engine_error(self, message: str) -> None:
        """The cloud speech engine gave up (a refused key, a stream closed mid-utterance); the
        message says whether transcription goes on locally. Never holds a key (stt.deepgram)."""
        self._publish(ErrorPayload(code=ErrorCode.UNAVAILABLE, message=message, retryable=False))

    def _publish(self, payload: Payload, turn: int | None = None) -> Event:
        return self._log.publish(payload, turn if turn is not None else (self._turn or None))

    def _spawn(self, coro: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        return task


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("practice task failed", exc_info=task.exception())
