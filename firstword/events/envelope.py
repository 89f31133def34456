"""The envelope every event travels in: type, sequence number, time, turn and data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from firstword.events.kinds import EventType
from firstword.events.payloads import Payload, TranscriptFinal, payload_model

_P = TypeVar("_P", bound=Payload)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text``, or, where a lone surrogate got past the edge (server.text), the same with
    U+FFFD in its place: an event is still sent and stored rather than failing every reader."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


@dataclass(slots=True)
class Event:
    """One entry of a session's log. ``seq`` is assigned by the hub on publish.

    A published event is shared by every reader and never changed; its JSON and SSE encodings
    are made once, on first use, however many readers send it. ``data`` is the payload model's
    JSON form (``payload()`` gives the model back).
    """

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    turn: int | None = None
    seq: int = 0
    ts: float = 0.0  # server wall-clock time (seconds since the epoch) at publish
    _json: str | None = field(default=None, repr=False, compare=False)
    _sse: bytes | None = field(default=None, repr=False, compare=False)

    @overload
    def payload(self) -> Payload: ...

    @overload
    def payload(self, model: type[_P]) -> _P: ...

    def payload(self, model: type[Payload] | None = None) -> Payload:
        """The typed data. Raises ``pydantic.ValidationError`` for malformed data and
        ``UnknownEventType`` for a type this version does not know; with ``model`` given, the
        event must be of that model's type (``TypeError`` otherwise)."""
        expected = payload_model(self.type)
        if model is not None and model is not expected:
            raise TypeError(f"event {self.seq} is {self.type}, not {model.event_type}")
        return expected.model_validate(self.data)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "ts": self.ts, "turn": self.turn, "data": self.data}

    def to_json(self) -> str:
        if self._json is None:
            self._json = encodable(json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False))
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
    replaced = {seq for e in finals for seq in e.payload(TranscriptFinal).replaces}
    return [e for e in finals if e.seq not in replaced]
