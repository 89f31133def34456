"""A batch's rows into the database: one executemany per statement kind, all idempotent.

Every statement may run twice for the same rows (a commit whose acknowledgement was lost to the
network is retried): inserts skip rows already there, upserts set absolute values, updates
set what they set the first time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.store import schema
from firstword.store.database import greatest, insert_for
from firstword.store.projection import WritePlan


@dataclass(frozen=True, slots=True)
class Statements:
    sessions: Any
    profiles: Any
    events: Any
    turns: Any
    transcripts: Any
    replacements: Any
    answers: Any
    retractions: Any
    amendments: Any
    last_seq: Any
    closes: Any


@functools.cache
def statements(dialect: str) -> Statements:
    """Built once per dialect: building an upsert (``excluded`` proxies every column) costs more
    CPU than running it, and the writer runs the same few statements for ever."""
    s, p, e, t, tr, a = (
        schema.sessions,
        schema.profiles,
        schema.events,
        schema.turns,
        schema.transcripts,
        schema.answers,
    )
    turns = insert_for(dialect, t)
    turns = turns.on_conflict_do_update(
        index_elements=["session_id", "turn_id"],
        set_={
            # The first batch that saw the turn knew when it started.
            "started_at": sa.func.coalesce(t.c.started_at, turns.excluded.started_at),
            # A later batch that reports nothing keeps what an earlier one wrote.
            "question": sa.func.coalesce(turns.excluded.question, t.c.question),
            "timings": sa.func.coalesce(turns.excluded.timings, t.c.timings),
        },
    )
    answers = insert_for(dialect, a)
    answers = answers.on_conflict_do_update(
        index_elements=["session_id", "answer_id"],
        set_={
            # Unknown (None) when the answer's start was never seen: keep what is stored.
            "turn_id": sa.func.coalesce(answers.excluded.turn_id, a.c.turn_id),
            "trigger": sa.func.coalesce(answers.excluded.trigger, a.c.trigger),
            "early": sa.func.coalesce(answers.excluded.early, a.c.early),
            "text": answers.excluded.text,
            "status": answers.excluded.status,
            "cancel_reason": answers.excluded.cancel_reason,
            # ``retracted`` is left alone: only an answer.retracted sets it.
        },
    )
    return Statements(
        sessions=insert_for(dialect, s).on_conflict_do_nothing(index_elements=["id"]),
        profiles=insert_for(dialect, p).on_conflict_do_nothing(index_elements=["session_id", "version"]),
        events=insert_for(dialect, e).on_conflict_do_nothing(index_elements=["session_id", "seq"]),
        turns=turns,
        transcripts=insert_for(dialect, tr).on_conflict_do_nothing(index_elements=["session_id", "seq"]),
        replacements=sa.update(tr)
        .where(tr.c.session_id == sa.bindparam("b_session"), tr.c.seq == sa.bindparam("b_seq"))
        .values(replaced_by=sa.bindparam("b_by")),
        answers=answers,
        retractions=sa.update(a)
        .where(a.c.session_id == sa.bindparam("b_session"), a.c.answer_id == sa.bindparam("b_answer"))
        .values(retracted=True),
        amendments=insert_for(dialect, schema.amendments).on_conflict_do_nothing(index_elements=["session_id", "seq"]),
        last_seq=sa.update(s)
        .where(s.c.id == sa.bindparam("b_session"))
        .values(last_seq=greatest(s.c.last_seq, sa.bindparam("b_seq", type_=sa.Integer()))),
        closes=sa.update(s)
        .where(s.c.id == sa.bindparam("b_session"))
        .values(status="closed", closed_at=sa.bindparam("b_at")),
    )


async def write_plan(conn: AsyncConnection, plan: WritePlan) -> None:
    st = statements(conn.dialect.name)
    if plan.sessions:
        await conn.execute(st.sessions, plan.sessions)
    if plan.profiles:
        await conn.execute(st.profiles, plan.profiles)
    if plan.events:
        await conn.execute(st.events, plan.events)
    if plan.turns:
        await conn.execute(st.turns, [row.row() for row in plan.turns.values()])
    if plan.transcripts:
        await conn.execute(st.transcripts, plan.transcripts)
    if plan.replacements:
        rows = [{"b_session": s, "b_seq": old, "b_by": by} for s, old, by in plan.replacements]
        await conn.execute(st.replacements, rows)
    if plan.answers:
        await conn.execute(st.answers, list(plan.answers.values()))
    if plan.retractions:
        rows = [{"b_session": s, "b_answer": aid} for s, aid in plan.retractions]
        await conn.execute(st.retractions, rows)
    if plan.amendments:
        await conn.execute(st.amendments, plan.amendments)
    if plan.last_seq:
        rows = [{"b_session": sid, "b_seq": seq} for sid, seq in plan.last_seq.items()]
        await conn.execute(st.last_seq, rows)
    if plan.closes:
        rows = [{"b_session": sid, "b_at": at} for sid, at in plan.closes.items()]
        await conn.execute(st.closes, rows)
