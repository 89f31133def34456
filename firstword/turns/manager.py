"""The turn manager decides when to answer, and keeps every early start honest.

A turn is one question, possibly spoken in several segments separated by pauses. The pipeline
tells the manager what the endpointer and the STT saw; the manager runs answers:

* ``pause_candidate``: a short silence; the transcript of the speech so far is known. An answer
  starts *hidden* (trigger ``speculative``): its words are buffered, not published.
* ``speech_resumed``: the pause was only a breath; the hidden answer is dropped unseen.
* ``speech_ended``: the endpointer declared the segment over. A hidden answer is revealed now,
  buffered words first; if none exists yet (the STT was slower than the pause), one starts
  visibly on the last interim (trigger ``interim``).
* ``final``: the segment's final transcript (it may re-transcribe earlier segments of the turn
  with it, replacing their text). An answer whose question still fits the turn's text is kept;
  otherwise it is cancelled in plain view and restarted on the final (trigger ``final``).
* ``speech_started`` again within the continuation window: the speaker was not done. Once the
  new speech says something, the shown answer is cancelled (``speaker_continued``) and the turn
  goes on; its question becomes all its segments joined, so a long or multi-part question is
  answered as one. The one exception: a shown answer that *stands* (``_stands``), because the
  answer to the longer question is, word for word, the one already on screen ("What makes a good
  manager, | in your opinion?"). Nothing is taken back then, and the answer is the turn's.
* ``commit``: the continuation window passed; the turn is over and its ``turn.latency`` report
  goes out once the kept answer's first word is known.
* a new turn: the previous turn's answer keeps streaming while the next question is spoken, and
  is stopped (``superseded``; what was shown stands) only when the next answer starts, so the two
  never compete for the model. A finished answer is never cancelled.
* ``ask``: a typed message is a turn of its own, over as soon as it arrives and answered at once
  (trigger ``message``), its latency counted from its arrival.
* prefetched answers (``firstword.prefetch``): wherever an answer would start (a typed message,
  a pause's transcript, the interim at the endpoint, a final), the question is first looked up
  among the answers prepared in idle time; on a hit the prepared text is the answer (trigger
  ``prefetched``), at once. A hit on a spoken interim is provisional: the final must match the
  same prediction, or the answer is cancelled in plain view and restarted on the final.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Protocol

from firstword.answerer.base import AnswerSource
from firstword.events import (
    AnswerCancelled,
    AnswerDelta,
    AnswerDone,
    AnswerStarted,
    AnswerTrigger,
    CancelReason,
    ErrorPayload,
    Event,
    Message,
    Payload,
    TurnLatency,
)
from firstword.events.wire import ErrorCode
from firstword.llm.base import LlmError
from firstword.prefetch.prefetcher import Prepared, prepared_text, then_live
from firstword.endpointing.interviewer import FILLER_WORDS, LEAD_IN_WORDS
from firstword.grounding.questions import follows_up
from firstword.stt.textnorm import word_errors

# Publishes one event into the session's log (``EventLog.publish``).
Publish = Callable[[Payload, int | None], Event]


class TurnState(Enum):
    IDLE = "idle"
    SPEAKING = "speaking"
    PAUSED = "paused"  # speech ended, continuation window open


_WORD = re.compile(r"[a-z0-9']+")


def same_question(a: str, b: str) -> bool:
    """Equal up to case and punctuation."""
    return _WORD.findall(a.lower()) == _WORD.findall(b.lower())


# Word edits (after normalising case, punctuation and numbers) a final may make to the question
# an answer started on, as a share of its words, and still keep the answer: "go forward 10
# meters" and "go forward ten meters", or a dropped "uh", ask the same thing.
FIT_EDIT_SHARE = 0.15


def question_fits(answered: str, final: str) -> bool:
    """Whether an answer to ``answered`` still answers ``final``."""
    if same_question(answered, final):
        return True
    edits, words = word_errors(final, answered)
    longest = max(words, len(answered.split()))
    return edits <= round(FIT_EDIT_SHARE * longest)


# Hesitations and lead-ins ("um", "so", "okay"): a transcript of nothing else asks nothing
# (firstword.endpointing.interviewer).
_FILLERS = FILLER_WORDS | LEAD_IN_WORDS
# A continuation this long or longer that repeats the turn's last words is the question asked
# again, not a new one; shorter repeats ("yes", "okay") may be new.
REPEAT_MIN_WORDS = 3


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _FILLERS]


def says_nothing_new(turn_text: str, new: str) -> bool:
    """Whether speech after the endpoint adds nothing to the turn: no words but fillers (a cough,
    a keyboard, "um"), or the turn's last words again (the question asked twice)."""
    words = content_words(new)
    if not words:
        return True
    before = content_words(turn_text)
    if len(words) < REPEAT_MIN_WORDS or len(before) < len(words):
        return False
    return question_fits(" ".join(before[-len(words):]), " ".join(words))


class PreparedAnswers(Protocol):
    """Answers written ahead (``firstword.prefetch.Prefetcher``)."""

    def lookup(
        self, question: str, persona: str | None = None, *, partly: bool = False,
        meanwhile: Callable[[], object] | None = None,
    ) -> Prepared | None: ...

    def took(self, prepared: Prepared) -> None: ...

    def asks_same(self, question: str, prepared: Prepared) -> bool: ...

    async def quiet(self) -> None:
        """Until background work stopped for this answer has let go of the model."""
        ...


@dataclass(slots=True)
class Turn:
    turn_id: int
    segments: list[str] = field(default_factory=list)
    speech_end_at: float | None = None
    vad_end_at: float | None = None
    final_at: float | None = None
    visible_cancelled: int = 0
    # Times the speaker went on after an endpoint within this turn (a reading, a long question).
    resumed: int = 0
    committed: bool = False
    reported: bool = False
    # The answer that stands for this turn (the latest one not cancelled for being wrong).
    answer: AnswerRun | None = None

    @property
    def text(self) -> str:
        return " ".join(s for s in self.segments if s)


@dataclass(slots=True)
class AnswerRun:
    answer_id: int
    turn: Turn
    question: str
    trigger: AnswerTrigger
    visible: bool
    requested_at: float
    task: asyncio.Task[None] | None = None
    buffered: list[str] = field(default_factory=list)
    text: str = ""
    first_token_at: float | None = None
    first_word_published_at: float | None = None
    revealed_at: float | None = None
    finished: bool = False
    failed: LlmError | None = None
    cancelled: bool = False
    # The answer written ahead that this run shows (trigger ``prefetched``).
    prepared: Prepared | None = None
    # The question of the turn before, where this one is a follow-up that points back to it.
    follows: str | None = None
    # Set when the first word is shown, or the run ends without one.
    first_word: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def turn_id(self) -> int:
        return self.turn.turn_id


@dataclass(slots=True)
class TurnStats:
    early_kept: int = 0
    early_cancelled: int = 0
    speculation_discarded: int = 0
    restarted_on_final: int = 0
    # Shown answers kept when the speaker went on, because they answer the longer question too.
    early_stood: int = 0
    turns: int = 0


class TurnManager:
    def __init__(
        self,
        publish: Publish,
        answers: AnswerSource,
        *,
        clock: Callable[[], float] = time.monotonic,
        reveal_hold: Callable[[str, int], float] | None = None,
        prefetch: PreparedAnswers | None = None,
        keep_standing: bool = True,
    ) -> None:
        self._publish = publish
        self._answers = answers
        self._keep_standing = keep_standing
        self._prefetch = prefetch
        self._clock = clock
        # Seconds to keep a ready answer hidden after the endpoint, by the question heard so far
        # and how often this turn's speaker already went on after a pause (a statement may be
        # the first half of a question: "We've had turnover. How would you…").
        self._reveal_hold = reveal_hold or (lambda question, resumed: 0.0)
        self._held: asyncio.TimerHandle | None = None
        # (vad_end_at, speech_end_at) of the newest speech end of the turn.
        self._last_end: tuple[float, float | None] | None = None
        # Speech resumed after a shown answer's endpoint and has not yet said anything new.
        self._unconfirmed = False
        self._state = TurnState.IDLE
        self._turn: Turn | None = None
        self._run: AnswerRun | None = None
        # The previous turn's answer, still streaming while the next question is spoken.
        self._previous: AnswerRun | None = None
        # The latest question answered: its turn, its words, and what it followed; a follow-up
        # in the next turn is answered about it (``_follows``).
        self._asked: tuple[int, str, str | None] | None = None
        self._asked_before: tuple[int, str, str | None] | None = None
        self._stats = TurnStats()
        self._next_turn = 0
        self._next_answer = 0
        self._closed = False

    # ----- what the pipeline may read -----------------------------------------------------

    @property
    def state(self) -> TurnState:
        return self._state

    @property
    def is_speaking(self) -> bool:
        """A spoken question is being heard (interims belong to it)."""
        return self._state is TurnState.SPEAKING

    @property
    def is_paused(self) -> bool:
        """The question's speech ended; the continuation window is open."""
        return self._state is TurnState.PAUSED

    @property
    def turn_id(self) -> int | None:
        """The spoken turn in progress or last heard (None before the first)."""
        return self._turn.turn_id if self._turn is not None else None

    @property
    def stats(self) -> TurnStats:
        return replace(self._stats)

    def first_word_signal(self) -> asyncio.Event | None:
        """Set once the answer now shown for the spoken turn shows its first word (or ends
        without one); None when no answer of that turn is shown."""
        run = self._turn_run()
        return run.first_word if run is not None and run.visible else None

    # ----- inputs from the pipeline -------------------------------------------------------

    def speech_started(self) -> tuple[int, bool]:
        """Returns (turn id, whether this continues the previous segment's turn)."""
        self._cancel_hold()
        if self._state is TurnState.PAUSED and self._turn is not None and not self._turn.committed:
            self._state = TurnState.SPEAKING
            self._turn.resumed += 1
            run = self._turn_run()
            if run is not None and run.visible:
                # Shown answers stay until the new speech says something: a cough, a keyboard or
                # the question asked again must not take one back (``says_nothing_new``).
                self._unconfirmed = True
            else:
                self._drop_turn_run(CancelReason.SPEAKER_CONTINUED)
            return self._turn.turn_id, True
        self._unconfirmed = False
        self._retire_run()
        self._next_turn += 1
        self._turn = Turn(self._next_turn)
        self._state = TurnState.SPEAKING
        return self._turn.turn_id, False

    def allocate_turn(self) -> int:
        """A turn id for a question answered elsewhere in the session (the board room), so that
        its turns and this manager's never share a number."""
        self._next_turn += 1
        return self._next_turn

    def allocate_answer(self) -> int:
        self._next_answer += 1
        return self._next_answer

    def ask(self, text: str) -> int:
        """A typed question: published as a ``message`` and answered at once. Returns its turn.

        A spoken turn in progress is left as it is: it goes on, and its answer (when it comes)
        supersedes this one's if this one is still streaming, as any next answer would.
        """
        now = self._clock()
        self._next_turn += 1
        turn = Turn(
            self._next_turn, segments=[text], speech_end_at=now, vad_end_at=now, final_at=now, committed=True
        )
        self._stats.turns += 1
        self._publish(Message(text=text), turn.turn_id)
        self._start(text, AnswerTrigger.MESSAGE, visible=True, turn=turn)
        return turn.turn_id

    def _confirm_continuation(self, new_text: str) -> bool:
        """While a continuation is unconfirmed: whether ``new_text`` makes it real (the shown
        answer is then taken back, as the speaker went on). True when nothing is pending."""
        if not self._unconfirmed or self._turn is None:
            return True
        if says_nothing_new(self._turn.text, new_text):
            return False
        self._unconfirmed = False
        run = self._turn_run()
        if run is None or not self._stands(run, _join(self._turn.text, new_text)):
            self._drop_turn_run(CancelReason.SPEAKER_CONTINUED)
        return True

    def pause_candidate(self, candidate_text: str, *, replaces: int = 0) -> None:
        """The pause's transcript of the open segment, or with ``replaces`` of the turn's last
        segments decoded again together with it (it stands for them too)."""
        if self._state is not TurnState.SPEAKING or self._turn is None:
            return
        if not self._confirm_continuation(candidate_text):
            return
        kept = self._turn.segments[: len(self._turn.segments) - replaces]
        question = _join(" ".join(s for s in kept if s), candidate_text)
        if not content_words(question):
            return  # "um": nothing asked yet
        run = self._turn_run()
        if run is not None and (same_question(run.question, question) or self._stands(run, question)):
            return
        self._drop_turn_run(CancelReason.TRANSCRIPT_CHANGED)
        self._start(question, AnswerTrigger.SPECULATIVE, visible=False)

    def speech_resumed(self) -> None:
        run = self._turn_run()
        if run is not None and not run.visible:
            self._drop_turn_run(CancelReason.SPEAKER_CONTINUED)

    def speech_ended(self, *, vad_end_at: float, speech_end_at: float | None, interim_text: str) -> None:
        if self._turn is None:
            return
        self._state = TurnState.PAUSED
        # Kept for a continuation that only its final shows to be real (below, in final()).
        self._last_end = (vad_end_at, speech_end_at)
        if self._unconfirmed:
            if not self._confirm_continuation(interim_text):
                return  # noise or a repeat after the answer was shown: it stands, timings too
        run = self._turn_run()
        if run is not None and run.visible:
            # Shown at an earlier end and standing for the longer question (``_stands``): the
            # turn stays timed from the end its answer was shown at.
            return
        self._turn.vad_end_at = vad_end_at
        self._turn.speech_end_at = speech_end_at
        if run is not None:
            self._reveal_or_hold(run)
        elif run is None:
            question = _join(self._turn.text, interim_text)
            if content_words(question):
                hold = self._reveal_hold(question, self._turn.resumed)
                self._start(question, AnswerTrigger.INTERIM, visible=hold <= 0)
                if hold > 0 and self._run is not None:
                    self._hold_reveal(self._run, hold)

    def _reveal_or_hold(self, run: AnswerRun) -> None:
        hold = self._reveal_hold(run.question, run.turn.resumed)
        if hold <= 0:
            self._reveal(run)
        else:
            self._hold_reveal(run, hold)

    def _hold_reveal(self, run: AnswerRun, seconds: float) -> None:
        """Show ``run`` after ``seconds`` of silence more, unless the speaker goes on first (the
        answer is then dropped unseen) or the turn is over sooner (it is shown at once)."""
        self._cancel_hold()

        def reveal() -> None:
            self._held = None
            if self._turn_run() is run and not run.visible and not run.cancelled:
                self._reveal(run)

        self._held = asyncio.get_running_loop().call_later(seconds, reveal)

    def _cancel_hold(self) -> None:
        if self._held is not None:
            self._held.cancel()
            self._held = None

    def add_segment(self, text: str) -> None:
        """A final transcript for a piece of a segment that has not ended (forced cut)."""
        if self._turn is not None and text:
            self._turn.segments.append(text)

    def final(self, text: str, *, replaces: int = 0) -> None:
        """The final transcript of the segment that ended, standing in for the turn's last
        ``replaces`` segments too (it transcribed their audio again, with this one's)."""
        turn = self._turn
        if turn is None:
            return
        if self._unconfirmed and not replaces and says_nothing_new(turn.text, text):
            return  # the continuation's words add nothing; the shown answer stands
        if replaces:
            del turn.segments[-replaces:]
        turn.segments.append(text)
        if self._unconfirmed and self._state is TurnState.PAUSED:
            # The continuation said something after all (the interim at its end was stale): the
            # turn ended where it last ended, and its answer is timed from there.
            self._unconfirmed = False
            run = self._turn_run()
            fits = run is not None and question_fits(run.question, turn.text)
            stood = run is not None and not fits and self._stands(run, turn.text)
            if self._last_end is not None and not stood:
                turn.vad_end_at, turn.speech_end_at = self._last_end
            if run is not None and not fits and not stood:
                self._drop_turn_run(CancelReason.SPEAKER_CONTINUED)
        turn.final_at = self._clock()
        if self._state is not TurnState.PAUSED:
            return  # the speaker resumed before this segment's final was ready
        question = turn.text
        run = self._turn_run()
        if not content_words(question):
            self._drop_turn_run(CancelReason.TRANSCRIPT_CHANGED)
            return
        if run is not None and run.failed is None and question_fits(run.question, question) and self._still_prepared(
            run, question
        ):
            if not run.visible and self._held is None:
                self._reveal(run)
            return
        if run is not None and self._stands(run, question):
            return
        if run is not None:
            self._stats.restarted_on_final += 1
        self._drop_turn_run(CancelReason.TRANSCRIPT_CHANGED)
        self._start(question, AnswerTrigger.FINAL, visible=True)

    def _stands(self, run: AnswerRun, question: str) -> bool:
        """Whether a shown answer still answers the turn, now ``question``, and is kept as its
        answer (it then answers ``question``): it was written in full, and the answer to
        ``question`` is known without a model and is, word for word, what is on screen. A rule
        about answers rather than pauses: the reader sees nothing change, so nothing was taken
        back; any other shown answer is cancelled as before."""
        if not self._keep_standing or not run.visible or not run.finished or run.failed is not None or run.cancelled:
            return False
        settled = self._answers.settled(question, follows=self._follows(question, run.turn))
        if settled is None or settled.strip() != run.text.strip():
            return False
        run.question = question
        self._stats.early_stood += 1
        return True

    def _still_prepared(self, run: AnswerRun, question: str) -> bool:
        """A prefetched answer started on an interim stands only if the final asks the same
        prediction ("how would you monitor" / "how would you monitor the database")."""
        if run.prepared is None or self._prefetch is None:
            return True
        return self._prefetch.asks_same(question, run.prepared)

    def commit(self) -> None:
        turn = self._turn
        if turn is None or self._state is not TurnState.PAUSED:
            return
        turn.committed = True
        self._state = TurnState.IDLE
        self._unconfirmed = False
        self._stats.turns += 1
        if self._held is not None:  # the turn is over: nothing left to wait for
            self._cancel_hold()
            if turn.answer is not None and not turn.answer.visible:
                self._reveal(turn.answer)
        run = turn.answer
        if run is not None and run.trigger in (AnswerTrigger.SPECULATIVE, AnswerTrigger.INTERIM):
            self._stats.early_kept += 1
        self._maybe_report(turn)

    def stop(self) -> None:
        self.stop_with(CancelReason.STOPPED)

    def stop_with(self, reason: CancelReason) -> None:
        """Cancel the answers being written (the owner pressed stop, or its connection went away)."""
        self._supersede(reason)
        self._drop_run(reason)

    async def aclose(self) -> None:
        self._closed = True
        self._cancel_hold()
        runs = [r for r in (self._run, self._previous) if r is not None]
        self._supersede(CancelReason.DISCONNECTED, publish=False)
        self._drop_run(CancelReason.DISCONNECTED, publish=False)
        for run in runs:
            if run.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await run.task

    def current_text(self) -> str:
        return self._turn.text if self._turn is not None and not self._turn.committed else ""

    # ----- answer runs --------------------------------------------------------------------

    def _retire_run(self) -> None:
        """The current run belongs to a turn that is over: let a shown one stream on until the
        next answer starts (then it is superseded); drop a hidden one."""
        previous = self._run
        self._run = None
        if previous is None:
            return
        if previous.visible and not previous.finished:
            self._supersede()
            self._previous = previous
        elif not previous.visible:
            self._drop(previous, CancelReason.SPEAKER_CONTINUED)

    def _start(
        self, question: str, trigger: AnswerTrigger, *, visible: bool, turn: Turn | None = None
    ) -> None:
        turn = turn or self._turn
        assert turn is not None
        if self._run is not None and self._run.turn is not turn:
            self._retire_run()
        self._supersede()
        self._next_answer += 1
        # Before the lookup and the reading ahead: both are on the way to the first word.
        requested_at = self._clock()
        follows = self._follows(question, turn)
        # A turn that asks several things, some predicted, starts with what was prepared and
        # goes on live with the rest (``Prepared.live``). Where the lookup runs beside the loop
        # (``prefetch.worker``), the live answer's reading of the turn is done meanwhile: a miss
        # then costs the live first word two pipe messages, not the lookup.
        prepared = self._prefetch.lookup(
            question, partly=True, meanwhile=lambda: self._answers.read_ahead(question, follows=follows),
            agrees=lambda text: self._answers.tells(question, text, follows=follows),
        ) if self._prefetch is not None else None
        if self._asked is not None and self._asked[0] != turn.turn_id:
            self._asked_before = self._asked
        self._asked = (turn.turn_id, question, follows)
        run = AnswerRun(
            answer_id=self._next_answer,
            turn=turn,
            question=question,
            trigger=AnswerTrigger.PREFETCHED if prepared is not None else trigger,
            visible=visible,
            requested_at=requested_at,
            prepared=prepared,
            follows=follows,
        )
        self._run = run
        turn.answer = run
        if visible:
            run.revealed_at = run.requested_at
            self._publish_started(run)
            if prepared is not None:
                # Written ahead: its words go out now, not at the task's first step, which waits
                # behind whatever else the loop has ready (~4 ms of the bench's ~5 ms server-side).
                self._take_delta(run, prepared.text)
        run.task = asyncio.get_running_loop().create_task(self._generate(run))
        if trigger is AnswerTrigger.MESSAGE:
            self._maybe_report(turn)

    def _follows(self, question: str, turn: Turn) -> str | None:
        """The question of the turn before ``turn``, where ``question`` is a follow-up that
        points back to it ("How did she take that?"); a follow-up of a follow-up is about the
        question the first one followed."""
        before = self._asked if self._asked is not None and self._asked[0] != turn.turn_id else self._asked_before
        if before is None or before[0] >= turn.turn_id or not follows_up(question):
            return None
        return before[2] or before[1]

    def _publish_started(self, run: AnswerRun) -> None:
        prepared = run.prepared
        if prepared is not None and self._prefetch is not None:
            self._prefetch.took(prepared)
        self._publish(
            AnswerStarted(
                answer_id=run.answer_id,
                trigger=run.trigger,
                question=run.question,
                lead_ms=_ms((run.revealed_at or run.requested_at) - run.requested_at),
                prepared_for=None if prepared is None else prepared.prediction.text,
                prepared_ago_ms=None if prepared is None else _diff(run.revealed_at or run.requested_at, prepared.ready_at),
                answered_live=(prepared.live or None) if prepared is not None else None,
                follows=run.follows,
            ),
            run.turn_id,
        )

    def _reveal(self, run: AnswerRun) -> None:
        run.visible = True
        run.revealed_at = self._clock()
        self._publish_started(run)
        if run.buffered:
            self._publish_delta(run, "".join(run.buffered))
            run.buffered.clear()
        if run.finished:
            self._publish_done(run)
        elif run.failed is not None:
            self._publish_failure(run, run.failed)

    def _take_delta(self, run: AnswerRun, delta: str) -> None:
        if run.first_token_at is None:
            run.first_token_at = self._clock()
        run.text += delta
        if run.visible:
            self._publish_delta(run, delta)
        else:
            run.buffered.append(delta)

    async def _generate(self, run: AnswerRun) -> None:
        prepared = run.prepared
        if (prepared is None or prepared.live) and self._prefetch is not None:
            await self._prefetch.quiet()
        if prepared is not None:
            # Shown already by _start when visible; otherwise held until revealed.
            source = prepared_text("" if run.text else prepared.text)
            if prepared.live:
                source = then_live(source, self._answers.stream(prepared.live, follows=run.follows), said=prepared.text)
        else:
            source = self._answers.stream(run.question, follows=run.follows)
        try:
            async with contextlib.aclosing(source) as stream:
                async for delta in stream:
                    if not delta:
                        continue
                    self._take_delta(run, delta)
        except LlmError as exc:
            run.failed = exc
            if run.visible:
                self._publish_failure(run, exc)
            return
        finally:
            run.first_word.set()
        run.finished = True
        if run.visible:
            self._publish_done(run)

    def _publish_delta(self, run: AnswerRun, text: str) -> None:
        self._publish(AnswerDelta(answer_id=run.answer_id, text=text), run.turn_id)
        if run.first_word_published_at is None and text.strip():
            run.first_word_published_at = self._clock()
            run.first_word.set()
            self._maybe_report(run.turn)

    def _publish_done(self, run: AnswerRun) -> None:
        self._publish(
            AnswerDone(answer_id=run.answer_id, text=run.text.strip(), trigger=run.trigger), run.turn_id
        )
        self._maybe_report(run.turn)

    def _publish_failure(self, run: AnswerRun, exc: LlmError) -> None:
        self._publish(
            ErrorPayload(
                code=ErrorCode.LLM_ERROR, message=str(exc), answer_id=run.answer_id, retryable=exc.retryable
            ),
            run.turn_id,
        )
        self._publish(
            AnswerCancelled(answer_id=run.answer_id, reason=CancelReason.ERROR, text=run.text), run.turn_id
        )
        if self._run is run:
            self._run = None
        if self._previous is run:
            self._previous = None
        if run.turn.answer is run:
            run.turn.answer = None
        self._maybe_report(run.turn)

    def _turn_run(self) -> AnswerRun | None:
        """The current run if it answers the spoken turn in progress (not a typed message)."""
        run = self._run
        return run if run is not None and run.turn is self._turn else None

    def _drop_turn_run(self, reason: CancelReason) -> None:
        if self._turn_run() is not None:
            self._drop_run(reason)

    def _drop_run(self, reason: CancelReason, *, publish: bool = True) -> None:
        run = self._run
        if run is None:
            return
        self._run = None
        self._drop(run, reason, publish=publish)
        self._maybe_report(run.turn)

    def _supersede(
        self, reason: CancelReason = CancelReason.SUPERSEDED, *, publish: bool = True
    ) -> None:
        """Stop the previous turn's answer if it is still streaming; what it showed stands."""
        run = self._previous
        self._previous = None
        if run is not None and not run.finished:
            self._drop(run, reason, publish=publish)
            self._maybe_report(run.turn)

    def _drop(self, run: AnswerRun, reason: CancelReason, *, publish: bool = True) -> None:
        if run.task is not None and not run.task.done():
            run.task.cancel()
        wrong = reason in (CancelReason.SPEAKER_CONTINUED, CancelReason.TRANSCRIPT_CHANGED)
        if run.visible and (run.failed is not None or (run.finished and not wrong)):
            # Already ended in plain view (cancelled with "error"), or finished and still right:
            # stopping or superseding a finished answer changes nothing the user sees.
            return
        run.cancelled = True
        if wrong and run.turn.answer is run:
            run.turn.answer = None
        if run.visible:
            if run.trigger is not AnswerTrigger.FINAL and wrong:
                self._stats.early_cancelled += 1
            if wrong:
                run.turn.visible_cancelled += 1
            if publish and not self._closed:
                self._publish(
                    AnswerCancelled(answer_id=run.answer_id, reason=reason, text=run.text), run.turn_id
                )
        else:
            self._stats.speculation_discarded += 1

    # ----- latency report -----------------------------------------------------------------

    def _maybe_report(self, turn: Turn | None) -> None:
        if turn is None or not turn.committed or turn.reported or self._closed:
            return
        run = turn.answer
        waiting = run is not None and not (run.finished or run.cancelled or run.failed)
        if waiting and run.first_word_published_at is None:
            return  # wait for the first word (or the end of a wordless answer)
        turn.reported = True
        self._publish(self._latency(turn, run), turn.turn_id)

    def _latency(self, turn: Turn, run: AnswerRun | None) -> TurnLatency:
        speech_end = turn.speech_end_at
        report = TurnLatency(
            question=turn.text,
            segments=len(turn.segments),
            answers_cancelled=turn.visible_cancelled,
            endpoint_delay_ms=_diff(turn.vad_end_at, speech_end),
            stt_final_ms=_diff(turn.final_at, speech_end),
        )
        if run is None:
            return report
        return report.model_copy(
            update={
                "answer_id": run.answer_id,
                "trigger": run.trigger,
                "llm_ttft_ms": _diff(run.first_token_at, run.requested_at),
                "vad_to_first_word_ms": _diff(run.first_word_published_at, turn.vad_end_at),
                "e2e_first_word_ms": _diff(run.first_word_published_at, speech_end),
                "lead_ms": _diff(run.revealed_at, run.requested_at),
                "prepared_ago_ms": None if run.prepared is None else _diff(run.revealed_at, run.prepared.ready_at),
            }
        )




def _join(previous: str, new: str) -> str:
    return f"{previous} {new}".strip() if previous else new.strip()


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 1)


def _diff(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return _ms(later - earlier)
