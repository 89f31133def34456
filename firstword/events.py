"""The events every client sees: one ordered, gap-free log per session (see docs/PROTOCOL.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from collections.abc import Iterable
from typing import Any


class EventType(StrEnum):
    SESSION_READY = "session.ready"
    SPEECH_STARTED = "speech.started"
    SPEECH_ENDED = "speech.ended"
    TRANSCRIPT_INTERIM = "transcript.interim"
    TRANSCRIPT_FINAL = "transcript.final"
    # The user's own microphone (a second audio source): shown beside the questions, never
    # answered, and in no turn (see firstword.pipeline.user_voice).
    USER_TRANSCRIPT_INTERIM = "user.transcript.interim"
    USER_TRANSCRIPT_FINAL = "user.transcript.final"
    ANSWER_STARTED = "answer.started"
    ANSWER_DELTA = "answer.delta"
    ANSWER_DONE = "answer.done"
    ANSWER_CANCELLED = "answer.cancelled"
    TURN_LATENCY = "turn.latency"
    PROFILE_UPDATED = "profile.updated"
    MESSAGE = "message"
    SESSION_CLOSED = "session.closed"
    ERROR = "error"


class AnswerTrigger(StrEnum):
    # Started on a transcript decoded during the pause, before the endpoint was declared; its
    # words are held back until speech.ended and then released at once.
    SPECULATIVE = "speculative"
    # Started on the last stable interim transcript after speech.ended.
    INTERIM = "interim"
    # Started on (or restarted for) the final transcript.
    FINAL = "final"
    # A typed message: the question is known exactly, there is nothing to start early.
    MESSAGE = "message"


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
    """One entry of a session's log. ``seq`` is assigned by the hub on publish.

    A published event is shared by every reader and never changed; its JSON and SSE encodings
    are made once, on first use, however many readers send it.
    """

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    turn: int | None = None
    seq: int = 0
    ts: float = 0.0  # server wall-clock time (seconds since the epoch) at publish
    _json: str | None = field(default=None, repr=False, compare=False)
    _sse: bytes | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "ts": self.ts, "turn": self.turn, "data": self.data}

    def to_json(self) -> str:
        if self._json is None:
            self._json = json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)
        return self._json

    def sse_frame(self) -> bytes:
        """The Server-Sent Events frame: ``id:`` is the sequence number, ``event:`` the type."""
        if self._sse is None:
            self._sse = f"id: {self.seq}\nevent: {self.type}\ndata: {self.to_json()}\n\n".encode()
        return self._sse

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            type=str(raw["type"]),
            data=dict(raw.get("data") or {}),
            turn=raw.get("turn"),
            seq=int(raw.get("seq", 0)),
            ts=float(raw.get("ts", 0.0)),
        )


def standing_finals(events: Iterable[Event]) -> list[Event]:
    """The ``transcript.final`` events not replaced by a later final, in order.

    A final may transcribe a turn's earlier segments again together with the one that ended;
    it lists the events it stands in for in ``data.replaces``.
    """
    finals = [e for e in events if e.type == EventType.TRANSCRIPT_FINAL]
    replaced = {seq for e in finals for seq in e.data.get("replaces") or ()}
    return [e for e in finals if e.seq not in replaced]
