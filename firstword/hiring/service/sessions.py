"""Browser sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, and a
CSRF token (synchronizer) that the session's every state-changing request must echo in a header.

Members and candidates have separate kinds of session (and cookies): a candidate's session
reaches only their own questionnaire and data, a member's only their organisations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.service.tokens import new_token, token_hash
from firstword.hiring.store.tables import web_sessions

Kind = Literal["member", "candidate"]


@dataclass(frozen=True)
class WebSession:
    kind: Kind
    user_id: str | None
    candidate_id: str | None
    csrf_token: str
    expires_at: float


@dataclass(frozen=True)
class Issued:
    token: str
    csrf_token: str
    expires_at: float


async def issue(
    conn: AsyncConnection, kind: Kind, *, now: float, lifetime_s: float,
    user_id: str | None = None, candidate_id: str | None = None,
) -> Issued:
    token, csrf = new_token(), new_token()
    expires = now + lifetime_s
    await conn.execute(
        web_sessions.insert().values(
            token_hash=token_hash(token), kind=kind, user_id=user_id, candidate_id=candidate_id,
            csrf_token=csrf, created_at=now, expires_at=expires,
        )
    )
    return Issued(token, csrf, expires)


async def lookup(conn: AsyncConnection, token: str, kind: Kind, now: float) -> WebSession | None:
    row = (
        await conn.execute(
            sa.select(web_sessions).where(
                web_sessions.c.token_hash == token_hash(token),
                web_sessions.c.kind == kind,
                web_sessions.c.expires_at > now,
            )
        )
    ).first()
    if row is None:
        return None
    return WebSession(row.kind, row.user_id, row.candidate_id, row.csrf_token, row.expires_at)


async def end(conn: AsyncConnection, token: str) -> None:
    await conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash(token)))


async def end_all_of_user(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))
