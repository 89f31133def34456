"""A whole session's events, as the pipeline publishes them, for the store and export tests.

Two turns:

1. "Why do you want this job?": a speculative answer, shown at the endpoint, kept (done).
2. "What is your biggest... strength?" spoken in two segments: an interim answer on the first
   segment is cancelled when the speaker goes on; the second final re-transcribes both segments
   (``replaces`` the first final); an answer on the final is written, then one of its sentences
   retracted and corrected.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import time
from collections.abc import Callable
from typing import Any, Self

from firstword.events import Event, payload_model
from firstword.hub.log import EventLog
from firstword.store.base import SessionHistory, SessionRecord, SessionStatus, Store

OWNER_TOKEN = "owner-token-for-tests"
PROFILE = {"resume": "Nurse, 8 years.", "job_description": "Charge nurse", "notes": "", "stories": []}


def record(session_id: str, node_id: str = "node-a", created_at: float = 1_700_000_000.0) -> SessionRecord:
    return SessionRecord(
        session_id=session_id,
        node_id=node_id,
        persona="copilot",
        owner_token_hash=hashlib.sha256(OWNER_TOKEN.encode()).hexdigest(),
        created_at=created_at,
        profile=PROFILE,
    )


def session_events(start_ts: float = 1_700_000_000.0) -> list[Event]:
    clock = itertools.count()
    log = EventLog("scenario", wall_clock=lambda: start_ts + next(clock) * 0.1)

    def pub(kind: str, data: dict[str, Any], turn: int | None = None) -> Event:
        # Through the payload models, as the pipeline publishes: the scenario must be valid.
        return log.publish(payload_model(kind).model_validate(data), turn)

    pub(
        "session.ready",
        {"session_id": "scenario", "engines": {}, "persona": "copilot", "node": "n1", "warm_ms": 10.0, "warm_error": None},
    )
    # Turn 1: speculative, kept.
    pub("speech.started", {"audio_ms": 100.0, "continued": False}, 1)
    pub(
        "transcript.interim",
        {
            "text": "Why do you",
            "speaker": "interviewer",
            "stable": "Why",
            "unstable": "do you",
            "turn_text": "Why do you",
            "audio_start_ms": 100.0,
            "audio_end_ms": 900.0,
            "compute_ms": 60.0,
        },
        1,
    )
    pub(
        "answer.started",
        {"answer_id": 1, "trigger": "speculative", "question": "Why do you want this job?", "lead_ms": 80.0},
        1,
    )
    for word in ("I", " care", " about", " patients", "."):
        pub("answer.delta", {"answer_id": 1, "text": word}, 1)
    pub("speech.ended", {"audio_ms": 1500.0, "speech_end_audio_ms": 1180.0}, 1)
    pub(
        "transcript.final",
        {
            "text": "Why do you want this job?",
            "audio_start_ms": 100.0,
            "audio_end_ms": 1180.0,
            "compute_ms": 90.0,
            "forced_cut": False,
            "replaces": [],
        },
        1,
    )
    pub("answer.done", {"answer_id": 1, "text": "I care about patients.", "trigger": "speculative"}, 1)
    pub("turn.latency", latency("Why do you want this job?", answer_id=1, trigger="speculative"), 1)

    # Turn 2: an interim answer cancelled when the speaker goes on; the final replaces the first
    # final; the answer on the final is done, then retracted.
    pub("speech.started", {"audio_ms": 3000.0, "continued": False}, 2)
    pub("speech.ended", {"audio_ms": 4000.0, "speech_end_audio_ms": 3700.0}, 2)
    pub(
        "answer.started",
        {"answer_id": 2, "trigger": "interim", "question": "What is your biggest", "lead_ms": 0.0},
        2,
    )
    pub("answer.delta", {"answer_id": 2, "text": "My biggest"}, 2)
    first_final = pub(
        "transcript.final",
        {
            "text": "What is your biggest",
            "audio_start_ms": 3000.0,
            "audio_end_ms": 3700.0,
            "compute_ms": 70.0,
            "forced_cut": False,
            "replaces": [],
        },
        2,
    )
    pub("speech.started", {"audio_ms": 4300.0, "continued": True}, 2)
    pub("answer.cancelled", {"answer_id": 2, "reason": "speaker_continued", "text": "My biggest"}, 2)
    pub("speech.ended", {"audio_ms": 5200.0, "speech_end_audio_ms": 4900.0}, 2)
    pub(
        "transcript.final",
        {
            "text": "What is your biggest strength?",
            "audio_start_ms": 3000.0,
            "audio_end_ms": 4900.0,
            "compute_ms": 120.0,
            "forced_cut": False,
            "replaces": [first_final.seq],
        },
        2,
    )
    pub(
        "answer.started",
        {"answer_id": 3, "trigger": "final", "question": "What is your biggest strength?", "lead_ms": 0.0},
        2,
    )
    for word in ("Staying", " calm", ".", " I led 40 nurses", "."):
        pub("answer.delta", {"answer_id": 3, "text": word}, 2)
    pub("answer.done", {"answer_id": 3, "text": "Staying calm. I led 40 nurses.", "trigger": "final"}, 2)
    pub(
        "turn.latency",
        latency("What is your biggest strength?", answer_id=3, trigger="final", cancelled=1),
        2,
    )
    pub(
        "answer.retracted",
        {"answer_id": 3, "start": 14, "end": 30, "reason": "unsupported", "evidence": "the number '40': not in your profile"},
        2,
    )
    pub("answer.corrected", {"answer_id": 3, "text": "I run a ward of 12 beds.", "start": 14, "end": 30}, 2)
    return list(log.events_after(0))


def latency(question: str, *, answer_id: int, trigger: str, cancelled: int = 0) -> dict[str, Any]:
    return {
        "question": question,
        "segments": 1 + cancelled,
        "answers_cancelled": cancelled,
        "endpoint_delay_ms": 320.0,
        "stt_final_ms": 690.0,
        "answer_id": answer_id,
        "trigger": trigger,
        "llm_ttft_ms": 104.0,
        "vad_to_first_word_ms": 49.0,
        "e2e_first_word_ms": 475.0,
        "lead_ms": 80.0,
    }


def write_session(
    store: Store, session_id: str, node_id: str = "node-a", *, close: bool = True
) -> list[Event]:
    """Offer the scenario to ``store`` (synchronously, as the hub does); returns the events."""
    store.session_opened(record(session_id, node_id))
    events = session_events()
    for event in events:
        store.append(session_id, event)
    if close:
        store.session_closed(session_id)
    return events


def assert_scenario_history(history: SessionHistory | None, session_id: str) -> None:
    """What ``history()`` must give back for ``write_session``'s session (closed)."""
    assert history is not None
    s = history.summary
    assert (s.session_id, s.persona, s.status) == (session_id, "copilot", SessionStatus.CLOSED)
    assert s.closed_at is not None and s.turns == 2 and s.last_seq == len(session_events())
    assert s.title == "Why do you want this job?"
    assert history.profile == PROFILE
    assert history.owner_token_hash == hashlib.sha256(OWNER_TOKEN.encode()).hexdigest()
    assert [t.turn_id for t in history.turns] == [1, 2]

    one, two = history.turns
    assert one.question == "Why do you want this job?"
    assert one.transcripts == ["Why do you want this job?"]
    assert one.started_at is not None
    assert [(a.answer_id, a.trigger, a.status, a.early, a.text) for a in one.answers] == [
        (1, "speculative", "done", True, "I care about patients.")
    ]
    assert one.timings["e2e_first_word_ms"] == 475.0 and one.timings["trigger"] == "speculative"

    # The first final of turn 2 was replaced by the one that heard both segments.
    assert two.transcripts == ["What is your biggest strength?"]
    assert two.question == "What is your biggest strength?"
    cancelled, final = two.answers
    assert (cancelled.answer_id, cancelled.trigger, cancelled.status, cancelled.cancel_reason) == (
        2,
        "interim",
        "cancelled",
        "speaker_continued",
    )
    assert cancelled.early and cancelled.text == "My biggest" and not cancelled.retracted
    assert (final.answer_id, final.trigger, final.status, final.early, final.retracted) == (
        3,
        "final",
        "done",
        False,
        True,
    )
    assert final.text == "Staying calm. I led 40 nurses."
    # The critic's retraction of the second sentence, and the correction in its place.
    retracted, corrected = final.amendments
    assert (retracted.kind, retracted.start, retracted.end, retracted.reason) == ("retracted", 14, 30, "unsupported")
    assert final.text[retracted.start : retracted.end] == "I led 40 nurses."
    assert (corrected.kind, corrected.text) == ("corrected", "I run a ward of 12 beds.")
    assert two.timings["answers_cancelled"] == 1


class CallTimer:
    """Times calls two ways: CPU time of this thread (what the call itself costs, immune to the
    OS running something else meanwhile on a busy 2-core machine) and wall-clock time.

    A call during which Python's garbage collector ran is left out: a collection falls into
    whichever call happens to allocate when it is due, and its pause is the process's, not the
    call's. Such calls are counted (``collected``) and must stay rare.
    """

    def __init__(self) -> None:
        self.cpu_s: list[float] = []
        self.wall_s: list[float] = []
        self.collected = 0
        self._collections = 0

    def _on_gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._collections += 1

    def __enter__(self) -> Self:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def __call__(self, fn: Callable[..., object], *args: object) -> None:
        before = self._collections
        wall, cpu = time.perf_counter(), time.thread_time()
        fn(*args)
        cpu_s, wall_s = time.thread_time() - cpu, time.perf_counter() - wall
        if self._collections != before:
            self.collected += 1
            return
        self.cpu_s.append(cpu_s)
        self.wall_s.append(wall_s)

    def assert_each_under(self, limit_s: float) -> None:
        calls = len(self.cpu_s) + self.collected
        assert self.collected <= calls // 20, f"{self.collected} of {calls} calls ran into a collection"
        worst_cpu = max(self.cpu_s)
        wall = sorted(self.wall_s)
        p99_wall = wall[int(0.99 * (len(wall) - 1))]
        assert worst_cpu < limit_s, f"a call used {worst_cpu * 1000:.2f} ms of CPU"
        assert p99_wall < limit_s, f"99th percentile call took {p99_wall * 1000:.2f} ms"
