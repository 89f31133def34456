"""Retention: candidates' data deleted when their organisation's retention runs out, and
expired sessions and invitations deleted with it. Run hourly by the runtime, and by
``firstword hiring purge``."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from firstword.hiring.service import audit as audit_log
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.store.tables import candidates, member_invites, orgs, web_sessions

DAY_S = 86_400


@dataclass(frozen=True)
class Purged:
    candidates: int
    sessions: int
    invites: int


async def purge_expired(hiring: Hiring) -> Purged:
    now = hiring.now()
    # Completed: kept retention_days after completion; never completed: after the invitation.
    kept_from = sa.func.coalesce(candidates.c.completed_at, candidates.c.invited_at)
    async with hiring.engine.begin() as conn:
        expired = list(
            await conn.execute(
                sa.select(candidates.c.id, candidates.c.org_id, candidates.c.campaign_id)
                .join(orgs, orgs.c.id == candidates.c.org_id)
                .where(kept_from + orgs.c.retention_days * DAY_S < now)
            )
        )
        for row in expired:
            await conn.execute(candidates.delete().where(candidates.c.id == row.id))
            await audit_log.record(conn, row.org_id, audit_log.RETENTION, "candidate.deleted", "candidate", row.id, now,
                                   {"campaign_id": row.campaign_id, "reason": "retention"})
        sessions = await conn.execute(web_sessions.delete().where(web_sessions.c.expires_at <= now))
        invites = await conn.execute(
            member_invites.delete().where(member_invites.c.expires_at <= now, member_invites.c.accepted_at.is_(None))
        )
    return Purged(len(expired), int(sessions.rowcount or 0), int(invites.rowcount or 0))
