"""Answers written before the question (``firstword.prefetch.prefetcher``) and their hand-over in
the turn manager: prepared only in idle time, shown at once on a hit (trigger ``prefetched``),
never on a near miss, an ambiguous question, a stale context or an old profile; and the whole
server's background work bounded by one gate.

The writer is a fake that yields scripted words on a schedule (the real engines' pre-generation
runs in ``firstword bench prefetch`` and ``tests/test_board.py``'s server test below)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from firstword.config import PrefetchConfig, Settings
from firstword.events import EventType
from firstword.grounding.questions import QuestionType
from firstword.hub.log import EventLog
from firstword.llm.scripted import ScriptedLlm
from firstword.prefetch.predict import Prediction
from firstword.prefetch.prefetcher import BackgroundGate, NotPreparable, Prefetcher, Prepared
from firstword.server.app import create_app
from firstword.turns.manager import TurnManager
from tests.conftest import InLoopServer
from tests.test_server import fake_engines, new_session

ROLE = "What was your role in that?"
DIFFERENTLY = "What would you do differently?"
MEASURE = "How did you measure the result?"


def prediction(text: str, score: float = 0.5) -> Prediction:
    return Prediction(text=text, source="pattern:test", kind=QuestionType.OTHER, score=score)


class Writer:
    """Writes "Prepared: <question>" word by word, ``delay_s`` a word; counts what it was asked."""

    def __init__(self, delay_s: float = 0.005, refuse: frozenset[str] = frozenset()) -> None:
        self.delay_s = delay_s
        self.refuse = refuse
        self.asked: list[tuple[str, str]] = []
        self.finished = 0
        self.cancelled = 0

    def __call__(self, prediction: Prediction, who: str, history) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
        self.asked.append((prediction.text, who))
        return self._write(prediction.text)

    async def _write(self, question: str) -> AsyncIterator[str]:
        if question in self.refuse:
            raise NotPreparable("would use a tool")
        try:
            for word in f"Prepared: {question}".split():
                await asyncio.sleep(self.delay_s)
                yield word + " "
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled += 1
            raise
        self.finished += 1


class LiveAnswers:
    """The live path: answers at once, and records the questions it was asked."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.read_ahead_of: list[str] = []

    def stream(self, question: str, *, follows: str | None = None) -> AsyncIterator[str]:
        self.questions.append(question)
        return self._run()

    def settled(self, question: str, *, follows: str | None = None) -> str | None:
        return None

    def tells(self, question: str, text: str, *, follows: str | None = None) -> bool:
        return False

    def read_ahead(self, question: str, *, follows: str | None = None) -> None:
        self.read_ahead_of.append(question)

    async def _run(self) -> AsyncIterator[str]:
        for word in ("Live", " answer", "."):
            await asyncio.sleep(0.001)
            yield word


def rig(predictions: list[str], *, writer: Writer | None = None, gate: BackgroundGate | None = None, **config):
    log = EventLog("p")
    writer = writer or Writer()
    made: list[list[str]] = [predictions]
    prefetcher = Prefetcher(
        persona="copilot",
        generate=writer,
        predict=lambda who, history: [prediction(t, 1.0 - i / 100) for i, t in enumerate(made[0])],
        gate=gate or BackgroundGate(1.0),
        config=PrefetchConfig(**{"idle_after_s": 0.05, **config}),
    )
    log.add_listener(prefetcher.listener)
    live = LiveAnswers()
    manager = TurnManager(log.publish, live, prefetch=prefetcher)
    return log, manager, prefetcher, writer, live, made


def of(log: EventLog, kind: EventType) -> list[dict]:
    return [e.data for e in log.events_after(0) if e.type == kind]


async def until(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.005)


async def test_a_predicted_question_is_shown_at_once_from_the_answer_prepared_in_idle_time():
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY, MEASURE, "Why this company?"], prepared_per_pause=3)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 3)
    assert [q for q, _ in writer.asked] == [ROLE, DIFFERENTLY, MEASURE]  # the best 3, in rank order
    manager.ask("so um what was your role there")
    # Shown in the same step as the question: no turn of the loop between them.
    assert of(log, EventType.ANSWER_DELTA) and of(log, EventType.ANSWER_DELTA)[0]["text"] == f"Prepared: {ROLE}"
    await until(lambda: bool(of(log, EventType.TURN_LATENCY)) and bool(of(log, EventType.ANSWER_DONE)))
    started = of(log, EventType.ANSWER_STARTED)[0]
    assert started["trigger"] == "prefetched" and started["prepared_for"] == ROLE
    assert started["prepared_ago_ms"] >= 0
    assert of(log, EventType.ANSWER_DELTA)[0]["text"] == f"Prepared: {ROLE}"
    assert of(log, EventType.ANSWER_DONE)[0]["trigger"] == "prefetched"
    latency = of(log, EventType.TURN_LATENCY)[0]
    assert latency["trigger"] == "prefetched" and latency["prepared_ago_ms"] is not None
    assert live.questions == []  # the model was not asked again
    assert prefetcher.stats.hits == 1


async def test_a_near_miss_or_an_unpredicted_question_is_answered_live_and_nothing_is_shown_early():
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 2)
    manager.ask("What did you do differently?")  # past, not the hypothetical
    await until(lambda: len(of(log, EventType.ANSWER_DONE)) == 1)
    manager.ask("What was your manager's role in that?")
    await until(lambda: len(of(log, EventType.ANSWER_DONE)) == 2)
    assert [s["trigger"] for s in of(log, EventType.ANSWER_STARTED)] == ["message", "message"]
    assert live.questions == ["What did you do differently?", "What was your manager's role in that?"]
    assert all("Prepared" not in d["text"] for d in of(log, EventType.ANSWER_DELTA))


async def test_a_question_that_matches_two_predictions_gets_a_live_answer():
    # Two predictions the question asks equally: picking one would be a guess.
    log, manager, prefetcher, _, live, _ = rig(["What was your role in that?", "What was your role in that project?"])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 2)
    manager.ask("what was your role")
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert of(log, EventType.ANSWER_STARTED)[0]["trigger"] == "message"
    assert prefetcher.stats.ambiguous == 1 and live.questions == ["what was your role"]


async def test_answers_prepared_for_one_context_are_dropped_when_the_conversation_moves_on():
    log, manager, prefetcher, writer, live, made = rig([ROLE])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    made[0] = [DIFFERENTLY]  # what is predicted after the next answer
    manager.ask("Tell me about your last project.")  # a miss: answered live
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert prefetcher.prepared() == [] or prefetcher.prepared()[0].prediction.text == DIFFERENTLY
    manager.ask("What was your role in that?")  # no longer predicted: never the old answer
    await until(lambda: len(of(log, EventType.ANSWER_DONE)) == 2)
    assert of(log, EventType.ANSWER_STARTED)[1]["trigger"] == "message"


async def test_a_profile_change_drops_what_was_prepared_and_nothing_stale_is_shown():
    log, manager, prefetcher, writer, live, _ = rig([ROLE], idle_after_s=0.05)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    prefetcher.suspend()  # the profile is being replaced
    manager.ask("What was your role in that?")
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert of(log, EventType.ANSWER_STARTED)[0]["trigger"] == "message"
    assert prefetcher.stats.dropped >= 1
    # Once the new profile is in, predictions (and preparations) start again from it.
    prefetcher.invalidate()
    await until(lambda: len(prefetcher.prepared()) == 1)
    assert prefetcher.prepared()[0].context > 1


async def test_a_session_that_never_pauses_prepares_nothing_and_its_answers_are_not_slowed():
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY], idle_after_s=0.3)
    prefetcher.start()
    for i in range(8):  # a question every 0.1 s: never idle for 0.3 s
        manager.ask(f"Question number {i} about the roadmap?")
        await asyncio.sleep(0.1)
    await until(lambda: len(of(log, EventType.ANSWER_DONE)) == 8)
    assert writer.asked == [] and prefetcher.stats.compute_s == 0.0
    assert all(s["trigger"] == "message" for s in of(log, EventType.ANSWER_STARTED))


async def test_activity_cancels_a_preparation_in_progress_at_once():
    writer = Writer(delay_s=0.2)  # slow: still writing when the question comes
    log, manager, prefetcher, writer, live, _ = rig([ROLE], writer=writer)
    prefetcher.start()
    await until(lambda: len(writer.asked) == 1)
    manager.ask("How do you prioritise your work?")
    await until(lambda: writer.cancelled == 1, timeout=0.5)
    assert prefetcher.stats.cancelled == 1 and prefetcher.prepared() == []


async def test_an_answer_that_would_use_a_tool_is_not_prepared():
    writer = Writer(refuse=frozenset({ROLE}))
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY], writer=writer)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    assert prefetcher.prepared()[0].prediction.text == DIFFERENTLY and prefetcher.stats.not_preparable == 1


async def test_the_session_budget_stops_prefetching():
    writer = Writer(delay_s=0.02)
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY, MEASURE], writer=writer, session_cpu_s=0.05)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) >= 1)
    await asyncio.sleep(0.3)
    assert len(writer.asked) == 1, "one preparation spent the budget"


async def test_a_spoken_interim_hit_stands_only_if_the_final_asks_the_same():
    log, manager, prefetcher, writer, live, _ = rig(["How would you monitor it?"])
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 1)
    manager.speech_started()
    manager.pause_candidate("how would you monitor it")
    await asyncio.sleep(0.01)
    manager.speech_ended(vad_end_at=time.monotonic(), speech_end_at=time.monotonic(), interim_text="")
    assert of(log, EventType.ANSWER_STARTED)[0]["trigger"] == "prefetched"
    manager.final("How would you monitor the database layer?")
    await until(lambda: len(of(log, EventType.ANSWER_STARTED)) == 2)
    assert of(log, EventType.ANSWER_CANCELLED)[0]["reason"] == "transcript_changed"
    assert of(log, EventType.ANSWER_STARTED)[1]["trigger"] == "final"


async def test_a_spoken_hit_shown_early_stands_when_the_final_says_the_same():
    # The prepared answer is taken when shown and, once streamed, the context moves on (new
    # predictions, nothing prepared): the final's check is against the match that was made, so
    # the answer on screen is not cancelled and written again with the same words.
    log, manager, prefetcher, writer, live, _ = rig(["Tell me about yourself.", ROLE], idle_after_s=0.5)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 2)
    manager.speech_started()
    manager.pause_candidate("Tell me about yourself")
    await asyncio.sleep(0.01)
    manager.speech_ended(vad_end_at=time.monotonic(), speech_end_at=time.monotonic(), interim_text="")
    assert of(log, EventType.ANSWER_STARTED)[0]["trigger"] == "prefetched"
    await until(lambda: len(of(log, EventType.ANSWER_DONE)) == 1)
    assert prefetcher.prepared() == []  # taken, and the context moved on
    manager.final("Tell me about yourself.")
    manager.commit()
    await asyncio.sleep(0.05)
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert len(of(log, EventType.ANSWER_STARTED)) == 1 and live.questions == []


def test_asks_same_judges_among_the_predictions_of_the_first_match():
    prefetcher = Prefetcher(
        persona="copilot", generate=Writer(), predict=lambda who, history: [], gate=BackgroundGate(0.5),
        config=PrefetchConfig(),
    )
    monitor, role = prediction("How would you monitor it?"), prediction(ROLE)
    prepared = Prepared(prediction=monitor, persona="copilot", text="x", ready_at=0.0, context=1, compute_s=0.0,
                        among=(monitor, role))
    assert prefetcher.asks_same("How would you monitor it?", prepared)
    assert not prefetcher.asks_same("How would you monitor the database layer?", prepared)
    assert not prefetcher.asks_same("What was your role in that?", prepared)
    assert prefetcher.stats.reasons == {}, "a re-check is not a lookup"


async def test_a_hundred_idle_sessions_share_the_gate_and_take_at_most_its_share():
    gate = BackgroundGate(0.5)
    rigs = [rig([ROLE, DIFFERENTLY, MEASURE], writer=Writer(delay_s=0.002), gate=gate, idle_after_s=0.0) for _ in range(100)]
    started = time.monotonic()
    for _, _, prefetcher, *_ in rigs:
        prefetcher.start()
    await asyncio.sleep(1.5)
    elapsed = time.monotonic() - started
    for _, _, prefetcher, *_ in rigs:
        await prefetcher.aclose()
    assert gate.passes >= 10, "background work went on"
    # One at a time, each followed by a rest as long as itself: at most half of wall time.
    assert gate.busy_s / elapsed <= 0.5 + 0.05, (gate.busy_s, elapsed)


def test_the_gate_refuses_a_share_outside_zero_to_one():
    with pytest.raises(ValueError):
        BackgroundGate(0.0)
    with pytest.raises(ValueError):
        BackgroundGate(1.5)


# ----- over the server: the board room --------------------------------------------------------


async def test_the_board_room_shows_an_advisors_prepared_follow_up_at_once_and_marks_it():
    llm = ScriptedLlm(reply=["Start", " with", " the", " riskiest", " part", "."], interval_s=0.005)
    settings = Settings(prefetch=PrefetchConfig(idle_after_s=0.1))
    app = create_app(settings, fake_engines(llm))
    async with InLoopServer(app) as srv:
        s = await new_session(srv, persona="atlas")
        headers = {"Authorization": f"Bearer {s['owner_token']}"}
        async with httpx.AsyncClient(base_url=srv.url) as http:
            asked = await http.post(f"/sessions/{s['session_id']}/board",
                                    json={"text": "Should we build or buy our billing system?", "to": "atlas"},
                                    headers=headers)
            assert asked.status_code in (200, 202), asked.text
            registry = app.state.registry
            session = registry.get(s["session_id"])
            await until(lambda: session.prefetch is not None and len(session.prefetch.prepared()) >= 1, timeout=10)
            prepared = session.prefetch.prepared()[0]
            assert prepared.persona == "board:atlas"
            question = prepared.prediction.text
            await http.post(f"/sessions/{s['session_id']}/board", json={"text": question, "to": "atlas"}, headers=headers)
            await until(lambda: sum(e.type == "answer.done" for e in session.log.events_after(0)) == 2, timeout=10)
    started = [e.data for e in session.log.events_after(0) if e.type == "answer.started"]
    assert started[0]["trigger"] == "message"
    assert started[1]["trigger"] == "prefetched" and started[1]["persona"] == "atlas"
    assert started[1]["prepared_for"] == question


def test_a_follow_up_is_written_with_the_question_it_follows_and_other_predictions_alone():
    from firstword.prefetch.prefetcher import with_topic

    history = [("user", "Tell me about a time you cut latency."), ("assistant", "At Acme I…")]
    follow = Prediction(text=ROLE, source="pattern:behavioural.role", kind=QuestionType.OTHER, score=0.9)
    jd = Prediction(text="How do you handle on-call?", source="job_description:on-call", kind=QuestionType.OTHER, score=0.5)
    assert with_topic(follow, history) == f"Tell me about a time you cut latency. {ROLE}"
    assert with_topic(jd, history) == "How do you handle on-call?"
    assert with_topic(follow, []) == ROLE
    # A follow-up that asks something of its own is written as asked: "When could you start?"
    # after the salary question is not about the salary.
    start = Prediction(text="When could you start?", source="pattern:start", kind=QuestionType.LOGISTICS, score=0.5)
    assert with_topic(start, [("user", "What are your salary expectations?"), ("assistant", "…")]) == "When could you start?"


async def test_predictions_are_made_when_idle_not_inside_the_answer_that_moved_the_context_on():
    calls: list[int] = []
    log, manager, prefetcher, writer, live, _ = rig([ROLE])
    original = prefetcher._predict
    prefetcher._predict = lambda who, history: calls.append(len(history)) or original(who, history)  # type: ignore[method-assign]
    manager.ask("Tell me about your last project.")
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert calls == [] and prefetcher.predictions == [], "nothing predicted while the answer is delivered"
    await until(lambda: len(prefetcher.prepared()) == 1)
    assert calls == [2]


async def test_a_live_answer_waits_for_a_stopped_preparation_to_let_go_of_the_model():
    writer = Writer(delay_s=0.05)
    log, manager, prefetcher, writer, live, _ = rig([ROLE], writer=writer)
    prefetcher.start()
    await until(lambda: len(writer.asked) == 1)
    manager.ask("How do you prioritise your work?")
    await until(lambda: bool(of(log, EventType.ANSWER_DONE)))
    assert writer.cancelled == 1 and live.questions == ["How do you prioritise your work?"]
    await prefetcher.quiet()  # nothing left to wait for: returns at once


async def test_nothing_is_prepared_while_someone_is_speaking_however_long():
    from firstword.events import SpeechEnded, SpeechStarted

    log, manager, prefetcher, writer, live, _ = rig([ROLE], idle_after_s=0.05)
    log.publish(SpeechStarted(audio_ms=0.0))
    prefetcher.start()
    await asyncio.sleep(0.3)  # a long question: one speech.started, no other event
    assert writer.asked == []
    log.publish(SpeechEnded(audio_ms=1300.0, speech_end_audio_ms=1000.0))
    await until(lambda: len(writer.asked) == 1)


async def test_a_turn_asking_two_prepared_questions_is_answered_by_both_and_both_are_used() -> None:
    from firstword.prefetch.prefetcher import Prefetcher

    salary = Prediction(text="What are your salary expectations?", source="common:salary", kind=QuestionType.LOGISTICS, score=0.5)
    start = Prediction(text="When could you start?", source="common:start", kind=QuestionType.LOGISTICS, score=0.4)

    async def generate(prediction, who, history):  # type: ignore[no-untyped-def]
        yield {"What are your salary expectations?": "Around 90k.", "When could you start?": "In a month."}[prediction.text]

    prefetcher = Prefetcher(persona="copilot", generate=generate, predict=lambda who, history: [salary, start],
                            gate=BackgroundGate(1.0), config=PrefetchConfig(idle_after_s=0.0))
    prefetcher.start()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if len(prefetcher.prepared()) == 2:
            break
    both = prefetcher.lookup("What's your salary expectation, and when could you start?")
    assert both is not None and both.text == "Around 90k. In a month."
    assert both.prediction.text == "What are your salary expectations? When could you start?"
    prefetcher.took(both)
    assert prefetcher.prepared() == [] and prefetcher.stats.hits == 1
    await prefetcher.aclose()


def test_answers_shown_together_say_each_sentence_once() -> None:
    from firstword.prefetch.prefetcher import joined_answers

    # Set b: the pay had and the pay wanted were one note, said twice.
    note = "Currently $118k base plus up to 15% bonus, and looking for $130k–$145k base plus bonus."
    assert joined_answers([note, note]) == note
    assert joined_answers(["Now €39.5k + tips.", "I'd ask for €42k.", "1 month."]) == "Now €39.5k + tips. I'd ask for €42k. 1 month."
    assert joined_answers(["8 wks NWAS per contract. Home since May.", "8 wks NWAS per contract."]) == "8 wks NWAS per contract. Home since May."


async def _closing_prepared(asked: str, answer: str, resume: str) -> Prefetcher:
    """A copilot prefetcher whose one prediction is the closing question, prepared, and which
    knows whose name is the person's (``Grounding.handed_over``)."""
    from firstword.answerer.profile import Profile
    from firstword.grounding.grounding import Grounding

    closing = Prediction(text=asked, source="common:closing", kind=QuestionType.CLOSING, score=0.5)

    async def generate(prediction, who, history):  # type: ignore[no-untyped-def]
        yield answer

    grounding = Grounding(Profile(resume=resume))
    prefetcher = Prefetcher(persona="copilot", generate=generate, predict=lambda who, history: [closing],
                            gate=BackgroundGate(1.0), config=PrefetchConfig(idle_after_s=0.0),
                            handed_over=grounding.handed_over, for_the_person=grounding.for_the_person)
    prefetcher.start()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if prefetcher.prepared():
            break
    return prefetcher


async def test_a_turn_handing_the_floor_to_a_colleague_shows_nothing_prepared() -> None:
    # Set q: "Faith, do you have your questions?" (the chair to HR) had shown the person's own
    # questions for the panel; the same words said to the person are theirs.
    prefetcher = await _closing_prepared("Do you have any questions for us?", "I'd like to ask about housing allowance.",
                                         "BRIAN OTIENO OCHIENG\nField Agronomist\n")
    assert prefetcher.lookup("Faith, do you have your questions?") is None
    assert prefetcher.stats.reasons["handed_over"] == 1
    assert prefetcher.lookup("Brian, do you have any questions for us?") is not None
    await prefetcher.aclose()


async def test_a_partial_hit_leaves_a_colleagues_ask_unanswered() -> None:
    # Set r: "…Sunita, did you have anything else? No? Okay. Hannah?" had been answered live
    # after the prepared closing questions, with "I'm Hannah Whitfield." (the name read as a topic).
    prefetcher = await _closing_prepared("What questions do you have for us?", "I'd like to ask about mentorship for new staff.",
                                         "Hannah Whitfield\nOccupational Therapist\n")
    turn = "Okay, we're nearly at time. Sunita, did you have anything else? No? Okay. Hannah, what questions do you have for us?"
    prepared = prefetcher.lookup(turn, partly=True)
    assert prepared is not None and prepared.live == ""
    assert prefetcher.asks_same(turn, prepared)
    # An ask of the person's own is still answered live after the prepared part.
    other = "Sunita, did you have anything else? No? Okay. Hannah, where are you based now, and what questions do you have for us?"
    other_prepared = prefetcher.lookup(other, partly=True)
    assert other_prepared is None or other_prepared.live
    # Set ac: the colleague asked by name in a sentence of its own, before the closing question
    # cut at its question mark (``match.decide_by_sentence``): the colleague's ask is dropped.
    cut = "Brilliant. Priya, anything else from you? No? Okay, over to you then. What questions have you got for us?"
    cut_prepared = prefetcher.lookup(cut, partly=True)
    assert cut_prepared is not None and cut_prepared.live == ""
    # One asked of the person beside it is still answered live.
    kept = "Is the commute okay for you? Priya, anything else from you? What questions have you got for us?"
    kept_prepared = prefetcher.lookup(kept, partly=True)
    assert kept_prepared is not None and kept_prepared.live == "Is the commute okay for you?"
    await prefetcher.aclose()


async def test_a_turn_that_shares_no_needed_word_with_any_prediction_is_a_miss_read_no_further():
    log, manager, prefetcher, writer, live, _ = rig([ROLE, DIFFERENTLY, MEASURE], idle_after_s=0.0)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == 3)
    assert prefetcher.lookup("Which stadium do you support on Saturdays?") is None
    assert prefetcher.stats.reasons == {"no_shared_words": 1}
    assert prefetcher.lookup("And what would you do differently?") is not None
    await prefetcher.aclose()


async def _prepared_for(*predictions: Prediction) -> Prefetcher:
    """A copilot prefetcher whose predictions are ``predictions``, each prepared."""
    prefetcher = Prefetcher(persona="copilot", generate=Writer(delay_s=0.0), predict=lambda who, history: list(predictions),
                            gate=BackgroundGate(1.0), config=PrefetchConfig(idle_after_s=0.01))
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == len(predictions))
    return prefetcher


async def test_a_story_read_by_the_classifier_is_shown_only_as_the_live_answer_would_tell_it():
    failed = Prediction(text="Tell me about a time you failed.", source="common:failed",
                        kind=QuestionType.BEHAVIOURAL, score=0.9)
    named = Prediction(text="Tell me about the job I got wrong at Acme.", source="own_work:story:1",
                       kind=QuestionType.OTHER, score=0.5)
    prefetcher = await _prepared_for(failed, named)
    turn = "Tell me about a time you stuffed something up on a job. Everyone has. What happened?"
    # Without the live answer's reading, or where it tells another story: a miss.
    assert prefetcher.lookup(turn) is None
    assert prefetcher.lookup(turn, agrees=lambda text: False) is None
    assert prefetcher.stats.reasons["not_the_live_answer"] == 2
    hit = prefetcher.lookup(turn, agrees=lambda text: text == f"Prepared: {failed.text}")
    assert hit is not None and hit.prediction is failed
    # Another of the person's stories, named by the request ("job"), when it is the live answer.
    other = prefetcher.lookup(turn, agrees=lambda text: text == f"Prepared: {named.text}")
    assert other is not None and other.prediction is named
    await prefetcher.aclose()


async def test_a_common_question_read_less_surely_is_shown_only_as_the_live_answer_would_give_it():
    notice = Prediction(text="What is your notice period?", source="common:notice", kind=QuestionType.LOGISTICS,
                        score=0.9)
    prefetcher = await _prepared_for(notice)
    # "medical centre": words no training turn of the notice says, so the reading is a doubt.
    turn = "And how long's your notice at the medical centre?"
    assert prefetcher.lookup(turn) is None
    assert prefetcher.lookup(turn, agrees=lambda text: False) is None
    # No word of a kind to say, as a story must: the live answer's agreement is the whole test.
    hit = prefetcher.lookup(turn, agrees=lambda text: text == f"Prepared: {notice.text}")
    assert hit is not None and hit.prediction is notice
    await prefetcher.aclose()
