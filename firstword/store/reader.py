"""The read side: the list of sessions and one session's history, from the projected tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from firstword.events import ActionItem, EventType
from firstword.store import schema
from firstword.store.base import (
    Amendment,
    AnswerRecord,
    SessionHistory,
    SessionStatus,
    SessionSummary,
    TurnRecord,
)

TITLE_CHARS = 80
# The most words of a search query that are matched (each one more LIKE per row).
SEARCH_MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A stored transcript or answer that holds every word of a search (MCP search_sessions)."""

    session_id: str
    created_at: float  # the session's start
    at: float | None  # the turn's start, when known
    turn_id: int | None
    kind: str  # "transcript" (a standing final) or "answer"
    text: str  # the whole stored text



class HistoryReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_sessions(self, *, limit: int = 50, offset: int = 0) -> list[SessionSummary]:
        s = schema.sessions
        query = (
            sa.select(s)
            .order_by(s.c.created_at.desc(), s.c.id.desc())
            .limit(max(0, limit))
            .offset(max(0, offset))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
            ids = [row["id"] for row in rows]
            counts = await _turn_counts(conn, ids)
            titles = await _titles(conn, ids)
        return [_summary(row, counts.get(row["id"], 0), titles.get(row["id"], "")) for row in rows]

    async def history(self, session_id: str) -> SessionHistory | None:
        s, p, t, tr, a = schema.sessions, schema.profiles, schema.turns, schema.transcripts, schema.answers
        async with self._engine.connect() as conn:
            session = (await conn.execute(sa.select(s).where(s.c.id == session_id))).mappings().first()
            if session is None:
                return None
            profile = (
                await conn.execute(
                    sa.select(p.c.profile)
                    .where(p.c.session_id == session_id)
                    .order_by(p.c.version.desc())
                    .limit(1)
                )
            ).scalar()
            turn_rows = (
                (await conn.execute(sa.select(t).where(t.c.session_id == session_id).order_by(t.c.turn_id)))
                .mappings()
                .all()
            )
            finals = (
                await conn.execute(
                    sa.select(tr.c.turn_id, tr.c.text)
                    .where(tr.c.session_id == session_id, tr.c.replaced_by.is_(None))
                    .order_by(tr.c.seq)
                )
            ).all()
            answer_rows = (
                (await conn.execute(sa.select(a).where(a.c.session_id == session_id).order_by(a.c.answer_id)))
                .mappings()
                .all()
            )
            am = schema.amendments
            amendment_rows = (
                (await conn.execute(sa.select(am).where(am.c.session_id == session_id).order_by(am.c.seq)))
                .mappings()
                .all()
            )
            e = schema.events
            # What only the events hold: the action items extracted, the advisor of each answer.
            event_rows = (
                await conn.execute(
                    sa.select(e.c.type, e.c.data)
                    .where(e.c.session_id == session_id, e.c.type.in_(_EXTRA_EVENTS))
                    .order_by(e.c.seq)
                )
            ).all()

        turns: dict[int, TurnRecord] = {}
        for row in turn_rows:
            turns[row["turn_id"]] = TurnRecord(
                turn_id=row["turn_id"],
                question=row["question"] or "",
                timings=dict(row["timings"] or {}),
                started_at=row["started_at"],
            )
        transcripts: dict[int, list[str]] = defaultdict(list)
        for turn_id, text in finals:
            if turn_id is not None and text:
                transcripts[turn_id].append(text)
        for turn_id, texts in transcripts.items():
            record = turns.setdefault(turn_id, TurnRecord(turn_id=turn_id, question=""))
            record.transcripts = texts
            # What was heard, as finally transcribed, is the question; the answered question
            # (possibly an early transcript) stays the fallback.
            record.question = " ".join(texts)
        personas, action_items = _from_events(event_rows)
        amended: dict[int, list[Amendment]] = defaultdict(list)
        for row in amendment_rows:
            amended[row["answer_id"]].append(
                Amendment(
                    kind=row["kind"],
                    start=row["start_offset"],
                    end=row["end_offset"],
                    reason=row["reason"],
                    evidence=row["evidence"],
                    text=row["text"],
                )
            )
        for row in answer_rows:
            turn_id = row["turn_id"]
            if turn_id is None:
                continue
            record = turns.setdefault(turn_id, TurnRecord(turn_id=turn_id, question=""))
            record.answers.append(
                AnswerRecord(
                    answer_id=row["answer_id"],
                    trigger=row["trigger"] or "unknown",
                    text=row["text"] or "",
                    status=row["status"],
                    cancel_reason=row["cancel_reason"],
                    early=bool(row["early"]),
                    retracted=bool(row["retracted"]),
                    amendments=amended.get(row["answer_id"], []),
                    persona=personas.get(row["answer_id"]),
                )
            )
        ordered = [turns[k] for k in sorted(turns)]
        title = _shorten(next((r.question for r in ordered if r.question), ""))
        return SessionHistory(
            summary=_summary(session, len(ordered), title),
            owner_token_hash=session["owner_token_hash"],
            profile=dict(profile or {}),
            turns=ordered,
            action_items=action_items,
        )


    async def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Standing final transcripts and answers that contain every word of ``query`` (case
        apart), newest session first; at most ``limit``."""
        words = [w.lower() for w in query.split()][:SEARCH_MAX_WORDS]
        if not words or limit <= 0:
            return []
        s, t, tr, a = schema.sessions, schema.turns, schema.transcripts, schema.answers

        def matching(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
            return sa.and_(*(sa.func.lower(column).like(f"%{_like_escape(w)}%", escape="\\") for w in words))

        heard = (
            sa.select(tr.c.session_id, s.c.created_at, t.c.started_at, tr.c.turn_id, tr.c.text, tr.c.seq)
            .join(s, s.c.id == tr.c.session_id)
            .outerjoin(t, sa.and_(t.c.session_id == tr.c.session_id, t.c.turn_id == tr.c.turn_id))
            .where(tr.c.replaced_by.is_(None), matching(tr.c.text))
            .order_by(s.c.created_at.desc(), tr.c.seq)
            .limit(limit)
        )
        answered = (
            sa.select(a.c.session_id, s.c.created_at, t.c.started_at, a.c.turn_id, a.c.text, a.c.answer_id)
            .join(s, s.c.id == a.c.session_id)
            .outerjoin(t, sa.and_(t.c.session_id == a.c.session_id, t.c.turn_id == a.c.turn_id))
            .where(matching(a.c.text))
            .order_by(s.c.created_at.desc(), a.c.answer_id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            hits = [
                (row[1], row[0], 0, row[5], SearchHit(row[0], row[1], row[2], row[3], "transcript", row[4]))
                for row in (await conn.execute(heard)).all()
            ]
            hits += [
                (row[1], row[0], 1, row[5], SearchHit(row[0], row[1], row[2], row[3], "answer", row[4]))
                for row in (await conn.execute(answered)).all()
            ]
        # Newest session first; within one, what was heard before what was answered, in order.
        hits.sort(key=lambda h: (-h[0], h[1], h[4].turn_id if h[4].turn_id is not None else -1, h[2], h[3]))
        return [h[4] for h in hits[:limit]]

    async def conversation(self, session_id: str) -> tuple[float, list[tuple[int, str, str]]] | None:
        """What was said and answered in a session, in order: the session's start and
        ``(seq, who, text)`` for each standing final transcript (``who``: its speaker,
        ``interviewer`` or ``user``), typed message (``message``) and finished answer
        (``answer``). None for an unknown session. (MCP action_items reads it.)"""
        s, e, tr = schema.sessions, schema.events, schema.transcripts
        kinds = ("transcript.final", "user.transcript.final", "message", "answer.done")
        async with self._engine.connect() as conn:
            created = (await conn.execute(sa.select(s.c.created_at).where(s.c.id == session_id))).scalar()
            if created is None:
                return None
            replaced = set(
                (
                    await conn.execute(
                        sa.select(tr.c.seq).where(tr.c.session_id == session_id, tr.c.replaced_by.is_not(None))
                    )
                ).scalars()
            )
            rows = (
                await conn.execute(
                    sa.select(e.c.seq, e.c.type, e.c.data)
                    .where(e.c.session_id == session_id, e.c.type.in_(kinds))
                    .order_by(e.c.seq)
                )
            ).all()
        lines: list[tuple[int, str, str]] = []
        for seq, kind, data in rows:
            if seq in replaced or not isinstance(data, dict):
                continue
            text = data.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            if kind == "message":
                who = "message"
            elif kind == "answer.done":
                who = "answer"
            else:
                who = str(data.get("speaker") or ("user" if kind.startswith("user.") else "interviewer"))
            lines.append((seq, who, text))
        return float(created), lines


_EXTRA_EVENTS = (EventType.ACTIONS_EXTRACTED.value, EventType.ANSWER_STARTED.value)


def _from_events(rows: Sequence[Any]) -> tuple[dict[int, str], list[dict[str, Any]]]:
    """Each answer's persona (where its ``answer.started`` names one) and the action items of
    the ``actions.extracted`` events, in order; malformed data is skipped."""
    personas: dict[int, str] = {}
    items: list[dict[str, Any]] = []
    for kind, data in rows:
        if not isinstance(data, dict):
            continue
        if kind == EventType.ANSWER_STARTED.value:
            answer_id, persona = data.get("answer_id"), data.get("persona")
            if isinstance(answer_id, int) and isinstance(persona, str) and persona:
                personas[answer_id] = persona
            continue
        for raw in data.get("items") or ():
            try:
                items.append(ActionItem.model_validate(raw).model_dump(mode="json"))
            except ValidationError:
                continue
    return personas, items


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(row: Any, turns: int, title: str) -> SessionSummary:
    return SessionSummary(
        session_id=row["id"],
        node_id=row["node_id"],
        persona=row["persona"],
        status=SessionStatus(row["status"]),
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        turns=turns,
        last_seq=row["last_seq"],
        title=title,
    )


async def _turn_counts(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    t = schema.turns
    query = sa.select(t.c.session_id, sa.func.count()).where(t.c.session_id.in_(ids)).group_by(t.c.session_id)
    return {sid: int(n) for sid, n in (await conn.execute(query)).all()}


async def _titles(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, str]:
    """Each session's first question: its first turn's standing finals, else what was answered."""
    if not ids:
        return {}
    t, tr = schema.turns, schema.transcripts
    first = (
        sa.select(t.c.session_id, sa.func.min(t.c.turn_id).label("turn_id"))
        .where(
            t.c.session_id.in_(ids),
            sa.or_(sa.and_(t.c.question.is_not(None), t.c.question != ""), _has_final(t)),
        )
        .group_by(t.c.session_id)
        .subquery()
    )
    answered = dict(
        (
            await conn.execute(
                sa.select(t.c.session_id, t.c.question).join(
                    first, sa.and_(t.c.session_id == first.c.session_id, t.c.turn_id == first.c.turn_id)
                )
            )
        ).all()
    )
    heard: dict[str, list[str]] = defaultdict(list)
    finals = await conn.execute(
        sa.select(tr.c.session_id, tr.c.text)
        .join(first, sa.and_(tr.c.session_id == first.c.session_id, tr.c.turn_id == first.c.turn_id))
        .where(tr.c.replaced_by.is_(None))
        .order_by(tr.c.session_id, tr.c.seq)
    )
    for sid, text in finals.all():
        if text:
            heard[sid].append(text)
    return {
        sid: _shorten(" ".join(heard[sid]) if heard.get(sid) else (answered.get(sid) or "")) for sid in ids
    }


def _has_final(t: sa.Table) -> sa.ColumnElement[bool]:
    tr = schema.transcripts
    return sa.exists().where(
        tr.c.session_id == t.c.session_id, tr.c.turn_id == t.c.turn_id, tr.c.replaced_by.is_(None)
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
