"""The store stage's interface.

The write side is synchronous and never blocks: the session hub hands every event to ``append``
as it is published, and a background writer puts them in the database in batches. Nothing on the
token path ever waits for a database, a disk or a network. The read side (history) is async and
goes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from firstword.events import Event


class SessionStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    # The process serving it stopped without closing it (crash, kill -9, power loss).
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session_id: str
    node_id: str
    persona: str
    # sha256 hex of the owner token: the token itself is never stored.
    owner_token_hash: str
    created_at: float  # seconds since the epoch
    profile: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session_id: str
    node_id: str
    persona: str
    status: SessionStatus
    created_at: float
    closed_at: float | None
    turns: int
    last_seq: int
    # The first question heard, shortened: what a list of sessions shows.
    title: str


@dataclass(frozen=True, slots=True)
class Amendment:
    """A sentence of a shown answer retracted by the critic, or the correction put in its place."""

    kind: str  # "retracted" / "corrected"
    start: int | None  # character offsets in the answer's text
    end: int | None
    reason: str | None = None  # retracted: echo / unsupported / self_reference / degenerate
    evidence: str | None = None  # retracted: what was looked for and not found
    text: str | None = None  # corrected: the replacement


@dataclass(slots=True)
class AnswerRecord:
    answer_id: int
    trigger: str  # speculative / interim / final / message
    text: str  # everything shown (the whole answer once done)
    status: str  # streaming / done / cancelled
    cancel_reason: str | None = None
    early: bool = False  # started before the final transcript (speculative or interim)
    retracted: bool = False
    amendments: list[Amendment] = field(default_factory=list)
    # The advisor who gave it (its answer.started's persona): board-room answers only.
    persona: str | None = None


@dataclass(slots=True)
class TurnRecord:
    turn_id: int
    question: str  # the standing final transcripts of the turn, joined
    transcripts: list[str] = field(default_factory=list)
    answers: list[AnswerRecord] = field(default_factory=list)
    # The turn.latency report, as published.
    timings: dict[str, Any] = field(default_factory=dict)
    started_at: float | None = None


@dataclass(slots=True)
class SessionHistory:
    summary: SessionSummary
    owner_token_hash: str
    profile: dict[str, Any]
    turns: list[TurnRecord]
    # The items of its actions.extracted events, in order: text, owner, due, rule, source_seq.
    action_items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WriterStats:
    buffered: int  # offered, not yet written
    written: int
    dropped: int  # lost to the buffer bound while the database was unreachable
    failed_flushes: int
    last_error: str | None


class Store(Protocol):
    async def start(self) -> None:
        """Migrate the schema, mark this node's sessions left active as interrupted, start the
        writer."""
        ...

    # -- write side: never blocks, never raises for a database problem ------------------------
    def session_opened(self, record: SessionRecord) -> None: ...

    def profile_changed(self, session_id: str, profile: dict[str, Any]) -> None: ...

    def append(self, session_id: str, event: Event) -> None: ...

    def session_closed(self, session_id: str) -> None: ...

    async def flush(self) -> None:
        """Return once everything offered so far is written (or the database is unreachable
        and it stays buffered)."""
        ...

    async def aclose(self) -> None:
        """Flush what is buffered (graceful shutdown) and stop."""
        ...

    def stats(self) -> WriterStats: ...

    # -- read side -------------------------------------------------------------------------------
    async def list_sessions(self, *, limit: int = 50, offset: int = 0) -> list[SessionSummary]: ...

    async def history(self, session_id: str) -> SessionHistory | None: ...
