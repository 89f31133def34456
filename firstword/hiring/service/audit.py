"""The audit log: who viewed, exported or deleted what, and who changed the organisation.

Written in the same transaction as what it records (a view that is logged was served; a
deletion that failed leaves no entry). Entries name candidates by id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.store.tables import audit

ActorKind = Literal["member", "candidate", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    user_id: str | None = None


CANDIDATE = Actor("candidate", "candidate")
RETENTION = Actor("system", "retention")


async def record(
    conn: AsyncConnection,
    org_id: str,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | None,
    at: float,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        audit.insert().values(
            org_id=org_id,
            at=at,
            actor_kind=actor.kind,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
        )
    )


async def entries(conn: AsyncConnection, org_id: str, *, limit: int, before_id: int | None = None) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages back."""
    query = sa.select(audit).where(audit.c.org_id == org_id)
    if before_id is not None:
        query = query.where(audit.c.id < before_id)
    rows = await conn.execute(query.order_by(audit.c.id.desc()).limit(limit))
    return [
        {
            "id": row.id,
            "at": row.at,
            "actor": {"kind": row.actor_kind, "label": row.actor_label, "user_id": row.actor_user_id},
            "action": row.action,
            "target": {"type": row.target_type, "id": row.target_id},
            "detail": row.detail,
        }
        for row in rows
    ]
