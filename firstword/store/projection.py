"""What the writer stores: the ops the hub hands over, and the rows a batch of them becomes.

The events table keeps every event as published; turns, transcripts and answers are a projection
of them, derived here in the writer so that history is a few indexed reads, not a replay.

``project`` is pure: it takes the projection state (the text of answers still streaming) and
returns the rows to write plus the next state. The writer adopts the next state only once the
batch is committed, so a batch that failed is projected again from the same state when retried,
and every row holds absolute values (the whole answer so far, never "append this delta"): a
retried batch writes exactly what the first try did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from firstword.events import (
    AnswerCancelled,
    AnswerCorrected,
    AnswerDelta,
    AnswerDone,
    AnswerRetracted,
    AnswerStarted,
    AnswerTrigger,
    Event,
    EventType,
    Payload,
    TranscriptFinal,
    TurnLatency,
)
from firstword.store.base import SessionRecord

log = logging.getLogger("firstword.store")

# The event types that become rows beyond the event log itself.
_PROJECTED = frozenset(
    {
        EventType.TRANSCRIPT_FINAL,
        EventType.ANSWER_STARTED,
        EventType.ANSWER_DELTA,
        EventType.ANSWER_DONE,
        EventType.ANSWER_CANCELLED,
        EventType.ANSWER_RETRACTED,
        EventType.ANSWER_CORRECTED,
        EventType.TURN_LATENCY,
    }
)
EARLY_TRIGGERS = frozenset({AnswerTrigger.SPECULATIVE.value, AnswerTrigger.INTERIM.value})


@dataclass(frozen=True, slots=True)
class OpenSession:
    record: SessionRecord


@dataclass(frozen=True, slots=True)
class ChangeProfile:
    session_id: str
    version: int
    profile: dict[str, Any]
    at: float


@dataclass(frozen=True, slots=True)
class AppendEvent:
    session_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class CloseSession:
    session_id: str
    at: float


Op = OpenSession | ChangeProfile | AppendEvent | CloseSession


@dataclass(frozen=True, slots=True)
class AnswerState:
    turn_id: int | None
    trigger: str | None  # None: its answer.started was never seen (dropped while unreachable)
    text: str
    status: str
    cancel_reason: str | None = None

    def row(self, session_id: str, answer_id: int) -> dict[str, Any]:
        return {
            "session_id": session_id,
            "answer_id": answer_id,
            "turn_id": self.turn_id,
            "trigger": self.trigger,
            "text": self.text,
            "status": self.status,
            "cancel_reason": self.cancel_reason,
            "early": None if self.trigger is None else self.trigger in EARLY_TRIGGERS,
            "retracted": False,
        }


@dataclass(frozen=True, slots=True)
class ProjectionState:
    # (session id, answer id) -> the answer as projected so far; only answers still streaming
    # are kept between batches (finished ones are written whole and forgotten).
    answers: dict[tuple[str, int], AnswerState] = field(default_factory=dict)
    # Each open session's latest turn already written: a batch of deltas for it has no turn row
    # to write (one statement fewer per flush, which is most flushes).
    last_turn: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class TurnRow:
    session_id: str
    turn_id: int
    started_at: float | None = None
    question: str | None = None
    timings: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "turn_id": self.turn_id,
            "started_at": self.started_at,
            "question": self.question,
            "timings": self.timings,
        }


@dataclass(slots=True)
class WritePlan:
    """The rows of one batch, grouped by statement; the writer runs them in this order."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    turns: dict[tuple[str, int], TurnRow] = field(default_factory=dict)
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    # (session id, replaced seq, replacing seq)
    replacements: list[tuple[str, int, int]] = field(default_factory=list)
    answers: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    retractions: list[tuple[str, int]] = field(default_factory=list)
    amendments: list[dict[str, Any]] = field(default_factory=list)
    last_seq: dict[str, int] = field(default_factory=dict)
    closes: dict[str, float] = field(default_factory=dict)


def project(ops: list[Op], state: ProjectionState) -> tuple[WritePlan, ProjectionState]:
    plan = WritePlan()
    answers = dict(state.answers)
    last_turn = dict(state.last_turn)
    touched: set[tuple[str, int]] = set()
    for op in ops:
        if isinstance(op, AppendEvent):
            _event(plan, answers, last_turn, touched, op.session_id, op.event)
        elif isinstance(op, OpenSession):
            rec = op.record
            plan.sessions.append(
                {
                    "id": rec.session_id,
                    "node_id": rec.node_id,
                    "persona": rec.persona,
                    "owner_token_hash": rec.owner_token_hash,
                    "status": "active",
                    "created_at": rec.created_at,
                    "closed_at": None,
                    "last_seq": 0,
                }
            )
            plan.profiles.append(
                {"session_id": rec.session_id, "version": 1, "profile": rec.profile, "at": rec.created_at}
            )
        elif isinstance(op, ChangeProfile):
            plan.profiles.append(
                {"session_id": op.session_id, "version": op.version, "profile": op.profile, "at": op.at}
            )
        elif isinstance(op, CloseSession):
            plan.closes[op.session_id] = op.at
            last_turn.pop(op.session_id, None)
            # A closed session's answers will get no more deltas: forget them.
            for key in [k for k in answers if k[0] == op.session_id]:
                if key in touched:
                    plan.answers[key] = answers[key].row(*key)
                del answers[key]
                touched.discard(key)
    for key in touched:
        plan.answers[key] = answers[key].row(*key)
        if answers[key].status != "streaming":
            del answers[key]
    return plan, ProjectionState(answers, last_turn)


def _turn(plan: WritePlan, session_id: str, event: Event) -> TurnRow | None:
    if event.turn is None:
        return None
    key = (session_id, event.turn)
    row = plan.turns.get(key)
    if row is None:
        # The first event of the turn in this batch. For a turn begun in an earlier batch the
        # stored start is kept (the upsert prefers it).
        row = plan.turns[key] = TurnRow(session_id, event.turn, started_at=event.ts)
    return row


def _event(
    plan: WritePlan,
    answers: dict[tuple[str, int], AnswerState],
    last_turn: dict[str, int],
    touched: set[tuple[str, int]],
    session_id: str,
    event: Event,
) -> None:
    plan.events.append(
        {
            "session_id": session_id,
            "seq": event.seq,
            "type": event.type,
            "turn": event.turn,
            "ts": event.ts,
            "data": event.data,
        }
    )
    if event.seq > plan.last_seq.get(session_id, 0):
        plan.last_seq[session_id] = event.seq
    if event.turn is not None and last_turn.get(session_id) != event.turn:
        _turn(plan, session_id, event)
        last_turn[session_id] = event.turn
    if event.type not in _PROJECTED:
        return
    try:
        payload = event.payload()
    except ValidationError as exc:
        # Stored as published (above), but not projected: say which event and why, once.
        log.warning(
            "store: event %d (%s) of session %s is malformed and is kept unprojected: %s",
            event.seq, event.type, session_id, exc.errors()[0].get("msg", exc),
        )
        return
    _project(payload, plan, answers, touched, session_id, event)


def _project(
    payload: Payload,
    plan: WritePlan,
    answers: dict[tuple[str, int], AnswerState],
    touched: set[tuple[str, int]],
    session_id: str,
    event: Event,
) -> None:
    if isinstance(payload, TranscriptFinal):
        plan.transcripts.append(
            {
                "session_id": session_id,
                "seq": event.seq,
                "turn_id": event.turn,
                "text": payload.text,
                "audio_start_ms": payload.audio_start_ms,
                "audio_end_ms": payload.audio_end_ms,
                "replaced_by": None,
            }
        )
        for old in payload.replaces:
            plan.replacements.append((session_id, old, event.seq))
    elif isinstance(payload, AnswerStarted):
        key = (session_id, payload.answer_id)
        answers[key] = AnswerState(event.turn, payload.trigger.value, "", "streaming")
        touched.add(key)
        if payload.question and (turn := _turn(plan, session_id, event)) is not None:
            turn.question = payload.question
    elif isinstance(payload, AnswerDelta):
        key, current = _answer(answers, session_id, payload.answer_id, event)
        answers[key] = replace(current, text=current.text + payload.text)
        touched.add(key)
    elif isinstance(payload, AnswerDone):
        key, current = _answer(answers, session_id, payload.answer_id, event)
        answers[key] = replace(
            current, text=payload.text, status="done", trigger=current.trigger or payload.trigger.value
        )
        touched.add(key)
    elif isinstance(payload, AnswerCancelled):
        key, current = _answer(answers, session_id, payload.answer_id, event)
        answers[key] = replace(
            current, text=payload.text or current.text, status="cancelled", cancel_reason=payload.reason.value
        )
        touched.add(key)
    elif isinstance(payload, AnswerRetracted):
        plan.retractions.append((session_id, payload.answer_id))
        plan.amendments.append(
            {
                "session_id": session_id,
                "seq": event.seq,
                "answer_id": payload.answer_id,
                "kind": "retracted",
                "start_offset": payload.start,
                "end_offset": payload.end,
                "reason": payload.reason.value,
                "evidence": payload.evidence,
                "text": None,
            }
        )
    elif isinstance(payload, AnswerCorrected):
        plan.amendments.append(
            {
                "session_id": session_id,
                "seq": event.seq,
                "answer_id": payload.answer_id,
                "kind": "corrected",
                "start_offset": payload.start,
                "end_offset": payload.end,
                "reason": None,
                "evidence": None,
                "text": payload.text,
            }
        )
    elif isinstance(payload, TurnLatency) and (turn := _turn(plan, session_id, event)) is not None:
        turn.timings = dict(event.data)
        if payload.question:
            turn.question = payload.question


def _answer(
    answers: dict[tuple[str, int], AnswerState], session_id: str, answer_id: int, event: Event
) -> tuple[tuple[str, int], AnswerState]:
    key = (session_id, answer_id)
    current = answers.get(key)
    if current is None:
        # Its start was not seen (dropped at the buffer bound, or it began before a restart):
        # what follows is still worth keeping; the trigger stays unknown.
        current = AnswerState(event.turn, None, "", "streaming")
    return key, current
