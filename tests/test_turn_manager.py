"""Turn manager: early starts are kept or cancelled in plain view, and timings are reported."""

from __future__ import annotations

import asyncio

import pytest

from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.turns.manager import TurnManager, TurnState, same_question
from firstword.testing import GatedAnswers, ManualClock, settle


@pytest.fixture
def rig():
    log = EventLog("t")
    clock = ManualClock()
    answers = GatedAnswers()
    manager = TurnManager(log.publish, answers, clock=clock)
    return log, clock, answers, manager


def types(log: EventLog) -> list[str]:
    return [e.type for e in log.events_after(0)]


def of(log: EventLog, kind: str) -> list:
    return [e for e in log.events_after(0) if e.type == kind]


async def test_speculative_answer_is_hidden_until_speech_ends_then_revealed_with_buffered_words(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    speech_end = clock()
    clock.advance_ms(100)
    tm.pause_candidate("Tell me about yourself.")
    await settle()
    answers.release(3)
    await settle()
    assert types(log) == []  # nothing shown before the endpoint
    clock.advance_ms(220)
    tm.speech_ended(vad_end_at=clock(), speech_end_at=speech_end, interim_text="")
    tm.final("Tell me about yourself.")
    started = of(log, EventType.ANSWER_STARTED)
    assert len(started) == 1 and started[0].data["trigger"] == "speculative"
    assert started[0].data["lead_ms"] == pytest.approx(220)
    deltas = of(log, EventType.ANSWER_DELTA)
    assert [d.data["text"] for d in deltas] == ["Sure, I"]  # buffered words in one delta
    answers.release(3)
    await settle()
    assert of(log, EventType.ANSWER_DONE)[0].data["text"] == "Sure, I led it."
    tm.commit()
    report = of(log, EventType.TURN_LATENCY)[0].data
    assert report["trigger"] == "speculative"
    assert report["vad_to_first_word_ms"] == 0.0
    assert report["e2e_first_word_ms"] == pytest.approx(320)
    assert tm.stats.early_kept == 1 and tm.stats.early_cancelled == 0


async def test_breath_pause_discards_hidden_answer_silently(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.pause_candidate("Tell me about")
    await settle()
    answers.release(2)
    await settle()
    tm.speech_resumed()
    await settle()
    assert answers.cancelled == 1
    assert types(log) == []
    assert tm.stats.speculation_discarded == 1


async def test_speaker_continuing_cancels_shown_answer_and_answers_the_whole_question(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.pause_candidate("Tell me about a project,")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Tell me about a project,")
    answers.release(2)
    await settle()
    turn, continued = tm.speech_started()
    assert continued and turn == 1
    await settle()
    # Nothing is taken back until the new speech says something (it might be a cough).
    assert of(log, EventType.ANSWER_CANCELLED) == []
    tm.pause_candidate("that you led.")
    await settle()
    cancelled = of(log, EventType.ANSWER_CANCELLED)
    assert cancelled[0].data["reason"] == "speaker_continued"
    assert cancelled[0].data["text"] == "Sure,"  # what was shown is kept in the record
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("that you led.")
    assert answers.questions[-1] == "Tell me about a project, that you led."
    assert tm.stats.early_cancelled == 1


async def test_final_that_differs_restarts_in_plain_view(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    # The STT was slow: no candidate before the endpoint, so the answer starts on the interim.
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="Why do you want")
    assert of(log, EventType.ANSWER_STARTED)[0].data["trigger"] == "interim"
    answers.release(1)
    await settle()
    tm.final("Why do you want this job?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "transcript_changed"
    assert [e.data["trigger"] for e in of(log, EventType.ANSWER_STARTED)] == ["interim", "final"]
    assert tm.stats.early_cancelled == 1


async def test_final_equal_up_to_punctuation_keeps_interim_answer(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="why do you want this job")
    tm.final("Why do you want this job?")
    assert len(of(log, EventType.ANSWER_STARTED)) == 1
    assert of(log, EventType.ANSWER_CANCELLED) == []


async def test_llm_error_mid_answer_publishes_error_and_session_carries_on(rig):
    log, clock, answers, tm = rig
    answers.fail_at = 2
    tm.speech_started()
    tm.pause_candidate("First question?")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("First question?")
    answers.release(3)
    await settle()
    error = of(log, EventType.ERROR)[0].data
    assert error["code"] == "llm_error" and "went away" in error["message"]
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "error"
    tm.commit()
    assert of(log, EventType.TURN_LATENCY)
    # The next turn works.
    answers.fail_at = None
    tm.speech_started()
    tm.pause_candidate("Second question?")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Second question?")
    answers.release(6)
    await settle()
    assert of(log, EventType.ANSWER_DONE)[-1].data["text"] == "Sure, I led it."


async def test_stop_and_close_cancel_the_model_call(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="A question")
    answers.release(1)
    await settle()
    tm.stop()
    await settle()
    assert answers.cancelled == 1
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "stopped"
    tm.speech_started()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="Another")
    await settle()
    await tm.aclose()
    assert answers.cancelled == 2


async def test_empty_final_opens_no_answer_and_still_reports(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("")
    tm.commit()
    assert of(log, EventType.ANSWER_STARTED) == []
    assert of(log, EventType.TURN_LATENCY)[0].data["trigger"] is None
    assert tm.state is TurnState.IDLE


async def _answered_turn(tm: TurnManager, clock: ManualClock, question: str) -> None:
    tm.speech_started()
    tm.pause_candidate(question)
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final(question)
    tm.commit()


async def test_next_question_never_cancels_a_finished_answer(rig):
    log, clock, answers, tm = rig
    await _answered_turn(tm, clock, "First question?")
    answers.release(6)
    await settle()
    assert of(log, EventType.ANSWER_DONE)[0].turn == 1
    await _answered_turn(tm, clock, "Second question?")
    answers.release(6)
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert [e.turn for e in of(log, EventType.ANSWER_DONE)] == [1, 2]
    assert [e.data["trigger"] for e in of(log, EventType.TURN_LATENCY)] == ["speculative"] * 2


async def test_streaming_answer_runs_on_until_the_next_answer_starts_then_is_superseded(rig):
    log, clock, answers, tm = rig
    await _answered_turn(tm, clock, "First question?")
    answers.release(2)
    await settle()
    # The interviewer speaks again: the first answer keeps streaming while they talk.
    tm.speech_started()
    answers.release(1)
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert "".join(e.data["text"] for e in of(log, EventType.ANSWER_DELTA)) == "Sure, I"
    # The next answer starts (hidden): the model moves on, the shown words stand.
    tm.pause_candidate("Second question?")
    await settle()
    cancelled = of(log, EventType.ANSWER_CANCELLED)
    assert len(cancelled) == 1 and cancelled[0].turn == 1
    assert cancelled[0].data["reason"] == "superseded" and cancelled[0].data["text"] == "Sure, I"
    assert answers.cancelled == 1
    # Superseding is not an early start gone wrong, and turn 1 keeps its answer and report.
    assert tm.stats.early_cancelled == 0 and tm.stats.early_kept == 1
    report = of(log, EventType.TURN_LATENCY)[0]
    assert report.turn == 1 and report.data["trigger"] == "speculative"
    assert report.data["answers_cancelled"] == 0


async def test_report_waits_for_first_word_even_when_the_next_turn_has_started(rig):
    log, clock, answers, tm = rig
    await _answered_turn(tm, clock, "First question?")
    tm.speech_started()  # no word of answer 1 yet
    assert of(log, EventType.TURN_LATENCY) == []
    clock.advance_ms(150)
    answers.release(1)
    await settle()
    report = of(log, EventType.TURN_LATENCY)[0]
    assert report.turn == 1 and report.data["vad_to_first_word_ms"] == pytest.approx(150)


async def test_stop_also_stops_the_previous_turns_streaming_answer(rig):
    log, clock, answers, tm = rig
    await _answered_turn(tm, clock, "First question?")
    answers.release(1)
    await settle()
    tm.speech_started()
    tm.stop()
    await settle()
    assert [e.data["reason"] for e in of(log, EventType.ANSWER_CANCELLED)] == ["stopped"]
    assert answers.cancelled == 1


def test_same_question_ignores_case_and_punctuation():
    assert same_question("Why this job?", "why this job")
    assert not same_question("Why this job", "Why this job now")


async def test_a_typed_message_is_a_turn_answered_at_once_with_its_latency(rig):
    log, clock, answers, tm = rig
    turn = tm.ask("Why do you want this job?")
    assert [e.type for e in log.events_after(0)] == ["message", "answer.started"]
    assert of(log, EventType.ANSWER_STARTED)[0].data["trigger"] == "message"
    assert of(log, EventType.TURN_LATENCY) == []  # waits for the first word
    clock.advance_ms(90)
    answers.release(1)
    await settle()
    report = of(log, EventType.TURN_LATENCY)[0]
    assert report.turn == turn and report.data["trigger"] == "message"
    assert report.data["e2e_first_word_ms"] == pytest.approx(90)
    assert tm.stats.turns == 1 and tm.state is TurnState.IDLE


async def test_a_follow_up_is_answered_about_the_question_before_it(rig):
    log, clock, answers, tm = rig
    story = "Tell me about a time you calmed an angry customer."
    for question in (story, "And how did she take that?", "What happened in the end?", "Why this company?"):
        tm.ask(question)
        answers.release(4)
        await settle()
    # A follow-up of a follow-up is about the question the first one followed; a question of its
    # own is about nothing before it.
    assert answers.follows == [None, story, story, None]
    started = of(log, EventType.ANSWER_STARTED)
    assert [e.data.get("follows") for e in started] == [None, story, story, None]


async def test_a_follow_up_spoken_in_pieces_follows_the_turn_before_not_itself(rig):
    log, clock, answers, tm = rig
    tm.ask("Tell me about the outage.")
    answers.release(4)
    await settle()
    tm.speech_started()
    tm.pause_candidate("And what was")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("And what was the outcome?")
    await settle()
    assert answers.follows[-1] == "Tell me about the outage."


async def test_a_message_while_someone_speaks_leaves_the_spoken_turn_alone(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    message_turn = tm.ask("Quick: what is my notice period?")
    answers.release(2)
    await settle()
    # The spoken turn goes on and gets its own answer; the message's is superseded only then.
    tm.pause_candidate("Tell me about a time you failed.")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Tell me about a time you failed.")
    cancelled = of(log, EventType.ANSWER_CANCELLED)
    assert [(e.turn, e.data["reason"]) for e in cancelled] == [(message_turn, "superseded")]
    started = of(log, EventType.ANSWER_STARTED)
    assert [e.data["trigger"] for e in started] == ["message", "speculative"]
    assert started[1].turn != message_turn


def _holding(log: EventLog, clock: ManualClock, answers: GatedAnswers) -> TurnManager:
    # Statements (no "?") wait 80 ms more before they are shown; questions do not.
    return TurnManager(log.publish, answers, clock=clock, reveal_hold=lambda q, resumed: 0.0 if "?" in q else 0.08)


async def test_a_statement_waits_and_is_dropped_unseen_when_the_speaker_goes_on():
    log, clock, answers = EventLog("t"), ManualClock(), GatedAnswers()
    tm = _holding(log, clock, answers)
    tm.speech_started()
    tm.pause_candidate("We've had a lot of turnover.")
    await settle()
    answers.release(3)
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("We've had a lot of turnover.")
    await settle()
    assert of(log, EventType.ANSWER_STARTED) == []  # held: not shown at the endpoint
    _, continued = tm.speech_started()  # "... How would you keep the team?"
    assert continued
    await asyncio.sleep(0.12)
    assert of(log, EventType.ANSWER_STARTED) == [] and of(log, EventType.ANSWER_CANCELLED) == []
    assert tm.stats.speculation_discarded == 1 and tm.stats.early_cancelled == 0


async def test_a_held_statement_is_shown_after_the_hold_or_when_the_turn_ends():
    log, clock, answers = EventLog("t"), ManualClock(), GatedAnswers()
    tm = _holding(log, clock, answers)
    tm.speech_started()
    tm.pause_candidate("Tell us more about your background.")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    await asyncio.sleep(0.12)
    assert len(of(log, EventType.ANSWER_STARTED)) == 1
    # A question is shown at the endpoint, without waiting.
    tm.commit()
    tm.speech_started()
    tm.pause_candidate("Why us?")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    assert len(of(log, EventType.ANSWER_STARTED)) == 2
    # A statement whose turn is committed before the hold ends is shown at the commit.
    tm.commit()
    tm.speech_started()
    tm.pause_candidate("That's all from me.")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.commit()
    assert len(of(log, EventType.ANSWER_STARTED)) == 3


async def test_a_cough_or_a_repeat_after_the_answer_is_shown_takes_nothing_back(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.pause_candidate("Why do you want to leave your current job?")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Why do you want to leave your current job?")
    answers.release(2)
    await settle()
    shown = of(log, EventType.ANSWER_STARTED)
    # A cough opens speech: decoded as nothing, or as a filler.
    for noise in ("", "Hmm."):
        assert tm.speech_started() == (1, True)
        tm.pause_candidate(noise)
        tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
        tm.final(noise)
        await settle()
    # The question asked again, within the continuation window.
    assert tm.speech_started() == (1, True)
    tm.pause_candidate("why do you want to leave your current job")
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Why do you want to leave your current job?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert of(log, EventType.ANSWER_STARTED) == shown
    assert answers.questions == ["Why do you want to leave your current job?"]
    # Something new after all that does continue the turn.
    tm.speech_started()
    tm.pause_candidate("And what would you miss?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "speaker_continued"
    assert answers.questions[-1] == "Why do you want to leave your current job? And what would you miss?"


async def test_a_continuation_only_its_final_shows_is_timed_from_its_own_end(rig):
    """The speaker went on after an answer was shown, and the interim at the new end was stale
    (it held only the old words): the final brings the new words, the turn is answered again,
    and the report times that answer from the newest end of speech, not the first."""
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.pause_candidate("And so my fellow Americans, ask not what your country can do for you.")
    await settle()
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    answers.release(2)
    await settle()
    clock.advance_ms(3000)
    assert tm.speech_started() == (1, True)
    clock.advance_ms(2000)
    second_end = clock()
    clock.advance_ms(300)
    tm.speech_ended(vad_end_at=clock(), speech_end_at=second_end,
                    interim_text="And so my fellow Americans, ask not what your country can do for you.")
    clock.advance_ms(200)
    tm.final("Ask what you can do for your country.")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "speaker_continued"
    answers.release(3)
    await settle()
    tm.commit()
    report = of(log, EventType.TURN_LATENCY)[0].data
    assert report["trigger"] == "final"
    assert report["stt_final_ms"] == pytest.approx(500)
    assert report["e2e_first_word_ms"] == pytest.approx(500)


async def test_a_filler_alone_is_not_answered(rig):
    log, clock, answers, tm = rig
    tm.speech_started()
    tm.pause_candidate("Um.")
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("Um.")
    await settle()
    assert of(log, EventType.ANSWER_STARTED) == [] and answers.questions == []
    # The question that follows is answered, whole.
    tm.speech_started()
    tm.pause_candidate("why do you want this job?")
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    await settle()
    assert answers.questions == ["Um. why do you want this job?"]


async def _shown_then_continued(answers: GatedAnswers) -> tuple[EventLog, ManualClock, TurnManager, float]:
    """"What makes a good manager," answered by ``answers`` and shown in full; the speaker goes
    on. Returns the log, the clock, the manager and the first end of speech."""
    log, clock = EventLog("t"), ManualClock()
    tm = TurnManager(log.publish, answers, clock=clock)
    tm.speech_started()
    tm.pause_candidate("What makes a good manager,")
    first_end = clock()
    clock.advance_ms(250)
    tm.speech_ended(vad_end_at=clock(), speech_end_at=first_end, interim_text="")
    answers.release(len(answers.tokens))
    await settle()
    tm.final("What makes a good manager,")
    assert len(of(log, EventType.ANSWER_DONE)) == 1
    clock.advance_ms(400)
    assert tm.speech_started() == (1, True)
    return log, clock, tm, first_end


async def test_a_shown_answer_that_answers_the_longer_question_word_for_word_stands():
    answers = GatedAnswers(settles=True)
    log, clock, tm, first_end = await _shown_then_continued(answers)
    tm.pause_candidate("in your opinion?")
    clock.advance_ms(600)
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("in your opinion?")
    await settle()
    tm.commit()
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert len(of(log, EventType.ANSWER_STARTED)) == 1
    assert answers.questions == ["What makes a good manager,"]  # not asked again
    assert tm.stats.early_stood >= 1 and tm.stats.early_cancelled == 0 and tm.stats.early_kept == 1
    report = of(log, EventType.TURN_LATENCY)[0].data
    # Timed from the end it was shown at, not from the end of the longer question.
    assert report["question"] == "What makes a good manager, in your opinion?"
    assert report["e2e_first_word_ms"] == pytest.approx(250)
    assert clock() - first_end == pytest.approx(1.25)


async def test_an_answer_streamed_by_a_model_is_taken_back_when_the_speaker_goes_on():
    """Without an answer known ahead (``settled`` None), a shown answer cannot be known to stand:
    it is taken back as before, and the whole question answered."""
    answers = GatedAnswers(settles=False)
    log, clock, tm, _ = await _shown_then_continued(answers)
    tm.pause_candidate("in your opinion?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "speaker_continued"
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    tm.final("in your opinion?")
    assert answers.questions[-1] == "What makes a good manager, in your opinion?"
    assert tm.stats.early_stood == 0 and tm.stats.early_cancelled == 1


async def test_a_shown_answer_that_the_longer_question_changes_is_taken_back():
    class Changes(GatedAnswers):
        def settled(self, question: str, *, follows: str | None = None) -> str | None:
            return "".join(self.tokens) if "opinion" not in question else "A different answer."

    log, clock, tm, _ = await _shown_then_continued(Changes(settles=True))
    tm.pause_candidate("in your opinion?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "speaker_continued"
    assert tm.stats.early_stood == 0


async def test_an_answer_still_streaming_does_not_stand():
    """Only a finished answer can be compared word for word with the longer question's."""
    log, clock, answers = EventLog("t"), ManualClock(), GatedAnswers(settles=True)
    tm = TurnManager(log.publish, answers, clock=clock)
    tm.speech_started()
    tm.pause_candidate("What makes a good manager,")
    tm.speech_ended(vad_end_at=clock(), speech_end_at=clock(), interim_text="")
    answers.release(2)  # "Sure," shown, the rest still coming
    await settle()
    tm.speech_started()
    tm.pause_candidate("in your opinion?")
    await settle()
    assert of(log, EventType.ANSWER_CANCELLED)[0].data["reason"] == "speaker_continued"
