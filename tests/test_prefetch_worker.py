"""The lookup beside the live path (``firstword.prefetch.worker``): a real child process that
decides every turn exactly as the loop would, while the loop reads the turn for its live answer;
and, whenever it is not up, slow, dead, or holds other predictions, the same decision made
in-process."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import pytest

from firstword.answerer.profile import sample_profile
from firstword.config import PrefetchConfig
from firstword.grounding.questions import QuestionType
from firstword.hub.log import EventLog
from firstword.prefetch import predict_questions
from firstword.prefetch.match import Choice, choose
from firstword.prefetch.predict import Prediction
from firstword.prefetch.prefetcher import BackgroundGate, Prefetcher
from firstword.prefetch.worker import MatchWorker
from firstword.turns.manager import TurnManager
from tests.test_prefetcher import LiveAnswers, until

SALARY = Prediction(text="What are your salary expectations?", source="common:salary", kind=QuestionType.LOGISTICS, score=0.5)
START = Prediction(text="When could you start?", source="common:start", kind=QuestionType.LOGISTICS, score=0.4)
ANSWERS = {SALARY.text: "Around 90k.", START.text: "In a month."}

# Turns of every kind the decision has: a hit, two asks each predicted, an ask predicted and one
# not (answered partly live), a near miss, a turn sharing no needed word, an empty one.
TURNS = (
    "What salary are you expecting?",
    "What's your salary expectation, and when could you start?",
    "When could you start, and what is the team you would want to join?",
    "When did you start your current role?",
    "Which stadium do you support on Saturdays?",
    "",
)


def started(wait_s: float) -> MatchWorker:
    """A real lookup worker, up."""
    worker = MatchWorker(wait_s=wait_s)
    worker.start()
    deadline = time.monotonic() + 30.0
    while not worker.ready:
        assert time.monotonic() < deadline, "the lookup worker did not come up"
        time.sleep(0.01)
    return worker


@pytest.fixture(scope="module")
def worker() -> Iterator[MatchWorker]:
    w = started(5.0)  # a loaded CI machine: this file tests decisions, not speed
    yield w
    w.close()


def decided_beside(worker: MatchWorker, key: int, generation: int, turn: str, *, partly: bool) -> Choice | None:
    request = worker.ask(key, generation, turn, partly=partly)
    assert request is not None
    return worker.reply(request)


def test_the_worker_decides_every_turn_as_the_loop_does(worker: MatchWorker) -> None:
    profile = sample_profile()
    history: list[tuple[str, str]] = []
    key = worker.register()
    seen: set[str] = set()
    for turn in ("What are your salary expectations, and what is the hardest bug you ever fixed?", "Tell me about yourself.",
                 "Why are you leaving your current role?", "Tell me about a time you cut latency. What was your role in that?",
                 "How did you measure it, and what would you do differently?", "Which stadium do you support?"):
        predictions = predict_questions(profile, history, persona="copilot")
        generation = worker.install(key, predictions)
        assert generation is not None
        for partly in (False, True):
            here = choose(turn, predictions, partly=partly)
            assert decided_beside(worker, key, generation, turn, partly=partly) == here
            seen.add("hit" if here.chosen and not here.live else "partly" if here.chosen else "miss")
        history += [("user", turn), ("assistant", "")]
    assert seen == {"hit", "partly", "miss"}  # every kind of decision crossed the pipe


def test_a_choice_is_never_made_among_predictions_the_worker_does_not_hold(worker: MatchWorker) -> None:
    key = worker.register()
    old = worker.install(key, [SALARY])
    new = worker.install(key, [START, SALARY])
    assert old is not None and new is not None
    assert decided_beside(worker, key, old, "When could you start?", partly=False) is None  # the caller decides
    assert decided_beside(worker, key, new, "When could you start?", partly=False) == Choice((0,), "", "hit")
    worker.forget(key)
    assert decided_beside(worker, key, new, "When could you start?", partly=False) is None
    assert decided_beside(worker, worker.register(), 1, "When could you start?", partly=False) is None


async def prepared_prefetcher(matcher: MatchWorker | None, predictions: list[Prediction]) -> Prefetcher:
    async def generate(prediction, who, history):  # type: ignore[no-untyped-def]
        yield ANSWERS[prediction.text]

    prefetcher = Prefetcher(persona="copilot", generate=generate, predict=lambda who, history: list(predictions),
                            gate=BackgroundGate(1.0), config=PrefetchConfig(idle_after_s=0.0), matcher=matcher)
    prefetcher.start()
    await until(lambda: len(prefetcher.prepared()) == len(predictions), timeout=5.0)
    return prefetcher


async def test_a_lookup_decided_beside_reads_ahead_meanwhile_and_gives_what_the_loop_would(worker: MatchWorker) -> None:
    fallbacks = worker.fallbacks
    beside = await prepared_prefetcher(worker, [SALARY, START])
    here = await prepared_prefetcher(None, [SALARY, START])
    for turn in TURNS:
        read: list[str] = []
        got = beside.lookup(turn, partly=True, meanwhile=lambda turn=turn: read.append(turn))
        want = here.lookup(turn, partly=True, meanwhile=lambda: read.append("in-process"))
        assert (got and (got.text, got.live, got.prediction.text)) == (want and (want.text, want.live, want.prediction.text))
        # Read ahead only beside the worker (the live answer's grounding runs now, not later).
        assert read == [turn]
    assert beside.lookup(TURNS[1]).text == "Around 90k. In a month."  # type: ignore[union-attr]
    assert beside.stats.reasons == here.stats.reasons | {"asks_several": beside.stats.reasons["asks_several"]}
    assert worker.fallbacks == fallbacks and beside.stats.beside == beside.stats.lookups == len(TURNS) + 1
    await beside.aclose()
    await here.aclose()


async def test_without_the_worker_up_the_lookup_is_made_in_process_and_nothing_is_read_ahead() -> None:
    idle = MatchWorker(wait_s=5.0)  # never started
    prefetcher = await prepared_prefetcher(idle, [SALARY, START])
    read: list[str] = []
    hit = prefetcher.lookup("What salary are you expecting?", meanwhile=lambda: read.append("x"))
    assert hit is not None and hit.text == "Around 90k." and read == []
    await prefetcher.aclose()


async def test_a_reply_that_comes_late_is_decided_in_process_and_dropped_when_it_comes() -> None:
    slow = started(1e-9)
    try:
        prefetcher = await prepared_prefetcher(slow, [SALARY, START])
        hit = prefetcher.lookup("What salary are you expecting?", meanwhile=lambda: None)
        assert hit is not None and hit.text == "Around 90k."
        assert slow.late == 1
        slow.wait_s = 5.0
        # The late reply (salary) is read first and dropped; this one's (start) is taken.
        hit = prefetcher.lookup("And when could you start?", meanwhile=lambda: None)
        assert hit is not None and hit.text == "In a month."
        assert slow.fallbacks == 1
        await prefetcher.aclose()
    finally:
        slow.close()


async def test_a_worker_that_dies_leaves_every_lookup_in_process() -> None:
    doomed = started(5.0)
    prefetcher = await prepared_prefetcher(doomed, [SALARY, START])
    assert doomed._process is not None
    doomed._process.kill()
    doomed._process.wait()
    for _ in range(2):  # the first notices (a broken pipe or an end of file), the second never asks
        hit = prefetcher.lookup("What salary are you expecting?", meanwhile=lambda: None)
        assert hit is not None and hit.text == "Around 90k."
    assert not doomed.ready
    await prefetcher.aclose()


async def test_predictions_made_since_are_never_decided_among_the_old(worker: MatchWorker) -> None:
    prefetcher = await prepared_prefetcher(worker, [SALARY, START])
    read: list[str] = []
    prefetcher.predictions = [START]  # not the list the worker holds
    assert prefetcher.lookup("What salary are you expecting?", meanwhile=lambda: read.append("x")) is None
    assert read == []  # decided in-process, among the new predictions
    prefetcher.suspend()  # the profile is changing
    assert prefetcher.lookup("When could you start?", meanwhile=lambda: read.append("x")) is None
    await prefetcher.aclose()


async def test_the_turn_manager_reads_the_turn_ahead_while_the_worker_decides(worker: MatchWorker) -> None:
    log = EventLog("w")
    prefetcher = await prepared_prefetcher(worker, [SALARY, START])
    log.add_listener(prefetcher.listener)
    live = LiveAnswers()
    manager = TurnManager(log.publish, live, prefetch=prefetcher)
    manager.ask("Tell me about the hardest bug you fixed.")
    assert live.read_ahead_of == ["Tell me about the hardest bug you fixed."]
    await until(lambda: bool(live.questions))
    assert live.questions == ["Tell me about the hardest bug you fixed."]
    await prefetcher.aclose()


async def test_the_answerers_reading_ahead_is_the_one_its_answer_starts_from(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_answerer import answerer

    a, _ = answerer(["I", " did", "."])
    question = "What did you do at Northwind?"
    a.read_ahead(question)
    grounded: list[str] = []
    real = a.grounding._ground
    monkeypatch.setattr(a.grounding, "_ground", lambda *args, **kw: grounded.append(args[0]) or real(*args, **kw))
    pieces = [piece async for piece in a.stream(question)]
    assert pieces[0].startswith("At Northwind Logistics I led the move")
    assert grounded == []  # the answer started from what was read ahead, not read again


async def test_a_stuck_worker_is_stopped_after_two_late_replies_and_the_loop_decides_from_then_on() -> None:
    import os
    import signal

    from firstword.prefetch.worker import LATE_IN_A_ROW

    stuck = started(0.02)
    prefetcher = await prepared_prefetcher(stuck, [SALARY, START])
    assert stuck._process is not None
    os.kill(stuck._process.pid, signal.SIGSTOP)  # alive, answering nothing
    read: list[str] = []
    for _ in range(LATE_IN_A_ROW):
        hit = prefetcher.lookup("What salary are you expecting?", meanwhile=lambda: read.append("x"))
        assert hit is not None and hit.text == "Around 90k."
    assert stuck.late == LATE_IN_A_ROW and stuck._process is None  # killed, not waited for
    hit = prefetcher.lookup("And when could you start?", meanwhile=lambda: read.append("x"))
    assert hit is not None and hit.text == "In a month."
    assert read == ["x"] * LATE_IN_A_ROW  # the last was decided on the loop, with nothing to read ahead
    await prefetcher.aclose()


def test_the_wire_reads_whole_messages_however_the_pipe_cuts_them() -> None:
    import os

    from firstword.prefetch.worker import Wire

    r, w = os.pipe()
    reader, writer = Wire(r, None), Wire(None, w)
    assert reader.recv(0) == (False, None) and not reader.recv_pending()
    big = ("install", 1, 2, ["x" * 50_000])  # more than one read of the pipe
    writer.send(("a", 1))
    writer.send(big)
    assert reader.recv(1.0) == (True, ("a", 1))
    assert reader.recv(1.0) == (True, big)
    # Half a message is not one: it waits for the rest.
    body = __import__("pickle").dumps(("b", 2))
    os.write(w, len(body).to_bytes(4, "big") + body[:3])
    assert reader.recv(0.01) == (False, None) and reader.recv_pending()
    os.write(w, body[3:])
    assert reader.recv(0) == (True, ("b", 2))
    writer.close()
    with pytest.raises(EOFError):
        reader.recv(1.0)
    reader.close()


def test_the_child_ends_by_itself_when_the_server_closes_its_pipe() -> None:
    w = started(1.0)
    process = w._process
    assert process is not None
    w.close()
    assert process.returncode == 0  # it ended on the closed pipe, not killed
    assert not w.ready and w.ask(1, 1, "When could you start?", partly=False) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="scheduling policies are Linux's")
def test_the_child_never_takes_the_loops_core_when_a_question_wakes_it(worker: MatchWorker) -> None:
    # A batch task is not run ahead of the task that woke it (``worker.behind_the_loop``).
    assert worker._process is not None
    assert os.sched_getscheduler(worker._process.pid) == os.SCHED_BATCH
