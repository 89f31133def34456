"""The events every client sees: one ordered, gap-free log per session (see docs/PROTOCOL.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    SESSION_READY = "session.ready"
    SPEECH_STARTED = "speech.started"
    SPEECH_ENDED = "speech.ended"
    TRANSCRIPT_INTERIM = "transcript.interim"
    TRANSCRIPT_FINAL = "transcript.final"
    ANSWER_STARTED = "answer.started"
    ANSWER_DELTA = "answer.delta"
    ANSWER_DONE = "answer.done"
    ANSWER_CANCELLED = "answer.cancelled"
    TURN_LATENCY = "turn.latency"
    PROFILE_UPDATED = "profile.updated"
    ERROR = "error"


class AnswerTrigger(StrEnum):
    # Started on a transcript decoded during the pause, before the endpoint was declared; its
    # words are held back until speech.ended and then released at once.
    SPECULATIVE = "speculative"
    # Started on the last stable interim transcript after speech.ended.
    INTERIM = "interim"
    # Started on (or restarted for) the final transcript.
    FINAL = "final"


class CancelReason(StrEnum):
    SPEAKER_CONTINUED = "speaker_continued"
    TRANSCRIPT_CHANGED = "transcript_changed"
    STOPPED = "stopped"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    # The next question's answer started while this one was still streaming: what it showed
    # stands, the model moves on to the new question.
    SUPERSEDED = "superseded"


@dataclass(slots=True)
class Event:
    """One entry of a session's log. ``seq`` is assigned by the hub on publish."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    turn: int | None = None
    seq: int = 0
    ts: float = 0.0  # server wall-clock time (seconds since the epoch) at publish

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "ts": self.ts, "turn": self.turn, "data": self.data}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            type=str(raw["type"]),
            data=dict(raw.get("data") or {}),
            turn=raw.get("turn"),
            seq=int(raw.get("seq", 0)),
            ts=float(raw.get("ts", 0.0)),
        )
