"""Candidates: invited by a link, consenting, answering page by page, then seeing, downloading
or deleting their own data.

The link carries a random token (stored hashed) that works once and until it expires: opening
it starts a candidate session in that browser (a cookie), which is what lets the candidate close
the tab and come back. Opened elsewhere later, the link says it has been used; a member can
issue a new one (which ends the old browser's session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import get_instrument
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service.accounts import clean_name, normal_email
from firstword.hiring.service.errors import HiringError, conflict, not_found
from firstword.hiring.service.questionnaire import MAX_ITEM_MS, PageAnswers, page_count
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.service.tokens import new_id, new_token, token_hash
from firstword.hiring.store.tables import answers, campaigns, candidates, orgs, web_sessions
from firstword.store.database import insert

Status = Literal["invited", "opened", "consented", "started", "completed"]


@dataclass(frozen=True)
class Answers:
    values: dict[str, int | None]
    times_ms: dict[str, int]
    saved_pages: list[int]


def status_of(row: Any) -> Status:
    if row.completed_at is not None:
        return "completed"
    if row.started_at is not None:
        return "started"
    if row.consented_at is not None:
        return "consented"
    if row.redeemed_at is not None:
        return "opened"
    return "invited"


async def invite(
    hiring: Hiring, conn: AsyncConnection, org_id: str, campaign_id: str, *, name: str, email: str | None,
    actor: audit_log.Actor,
) -> tuple[str, str, float]:
    """(candidate id, link token, expiry). The token is shown once, to the inviting member."""
    candidate_id, token, now = new_id(), new_token(), hiring.now()
    expires = now + hiring.config.invite_days * 86_400
    await conn.execute(
        candidates.insert().values(
            id=candidate_id, org_id=org_id, campaign_id=campaign_id,
            name=clean_name(name, "candidate's name"), email=normal_email(email) if email else None,
            invite_token_hash=token_hash(token), invite_expires_at=expires, invited_by=actor.user_id, invited_at=now,
        )
    )
    await audit_log.record(conn, org_id, actor, "candidate.invited", "candidate", candidate_id, now, {"campaign_id": campaign_id})
    return candidate_id, token, expires


async def for_org(conn: AsyncConnection, org_id: str, candidate_id: str) -> sa.Row:
    row = (
        await conn.execute(sa.select(candidates).where(candidates.c.id == candidate_id, candidates.c.org_id == org_id))
    ).first()
    if row is None:
        raise not_found("candidate")
    return row


async def org_of(conn: AsyncConnection, candidate_id: str) -> str | None:
    return (await conn.execute(sa.select(candidates.c.org_id).where(candidates.c.id == candidate_id))).scalar()


async def by_id(conn: AsyncConnection, candidate_id: str) -> sa.Row:
    row = (await conn.execute(sa.select(candidates).where(candidates.c.id == candidate_id))).first()
    if row is None:
        raise not_found("candidate")
    return row


async def reissue(hiring: Hiring, conn: AsyncConnection, org_id: str, candidate_id: str, actor: audit_log.Actor) -> tuple[str, float]:
    row = await for_org(conn, org_id, candidate_id)
    if row.completed_at is not None:
        raise conflict("completed", "this candidate has completed the questionnaire; a new link would change nothing")
    token, now = new_token(), hiring.now()
    expires = now + hiring.config.invite_days * 86_400
    await conn.execute(
        candidates.update()
        .where(candidates.c.id == candidate_id)
        .values(invite_token_hash=token_hash(token), invite_expires_at=expires, redeemed_at=None)
    )
    # The browser that opened the old link loses access: one link, one browser.
    await conn.execute(web_sessions.delete().where(web_sessions.c.candidate_id == candidate_id))
    await audit_log.record(conn, org_id, actor, "candidate.link_reissued", "candidate", candidate_id, now)
    return token, expires


async def redeem(hiring: Hiring, conn: AsyncConnection, token: str) -> str:
    """The candidate id of an unused, unexpired link, now marked used."""
    row = (await conn.execute(sa.select(candidates).where(candidates.c.invite_token_hash == token_hash(token)))).first()
    if row is None:
        raise HiringError(404, "invite_unknown", "this invitation link is not valid (it may have been replaced or deleted)")
    if row.redeemed_at is not None:
        raise HiringError(
            410, "invite_used",
            "this invitation link has already been opened in another browser; ask the organisation for a new link",
        )
    now = hiring.now()
    if row.invite_expires_at <= now:
        raise HiringError(410, "invite_expired", "this invitation link has expired; ask the organisation for a new link")
    claimed = await conn.execute(
        candidates.update().where(candidates.c.id == row.id, candidates.c.redeemed_at.is_(None)).values(redeemed_at=now)
    )
    if claimed.rowcount != 1:  # opened twice at the same moment: the other one won
        raise HiringError(410, "invite_used", "this invitation link has already been opened in another browser")
    return str(row.id)


async def context(conn: AsyncConnection, candidate: sa.Row) -> tuple[sa.Row, sa.Row]:
    """(campaign, organisation) of a candidate."""
    campaign = (await conn.execute(sa.select(campaigns).where(campaigns.c.id == candidate.campaign_id))).one()
    org = (await conn.execute(sa.select(orgs).where(orgs.c.id == candidate.org_id))).one()
    return campaign, org


async def answers_of(conn: AsyncConnection, candidate_id: str) -> Answers:
    rows = list(await conn.execute(sa.select(answers).where(answers.c.candidate_id == candidate_id)))
    return Answers(
        values={row.item_id: row.value for row in rows},
        times_ms={row.item_id: row.time_ms for row in rows if row.time_ms is not None},
        saved_pages=sorted({int(row.page) for row in rows}),
    )


async def answers_of_many(conn: AsyncConnection, candidate_ids: list[str]) -> dict[str, Answers]:
    result: dict[str, Answers] = {cid: Answers({}, {}, []) for cid in candidate_ids}
    if not candidate_ids:
        return result
    rows = await conn.execute(sa.select(answers).where(answers.c.candidate_id.in_(candidate_ids)))
    pages: dict[str, set[int]] = {cid: set() for cid in candidate_ids}
    for row in rows:
        entry = result[row.candidate_id]
        entry.values[row.item_id] = row.value
        if row.time_ms is not None:
            entry.times_ms[row.item_id] = row.time_ms
        pages[row.candidate_id].add(int(row.page))
    return {cid: Answers(a.values, a.times_ms, sorted(pages[cid])) for cid, a in result.items()}


async def consent(hiring: Hiring, conn: AsyncConnection, candidate: sa.Row) -> float:
    if candidate.consented_at is not None:
        return float(candidate.consented_at)
    now = hiring.now()
    await conn.execute(candidates.update().where(candidates.c.id == candidate.id).values(consented_at=now))
    return now


async def save_page(hiring: Hiring, conn: AsyncConnection, candidate: sa.Row, page: int, submitted: PageAnswers) -> None:
    if candidate.consented_at is None:
        raise conflict("consent_required", "agree to the consent statement before answering")
    if candidate.completed_at is not None:
        raise conflict("completed", "the questionnaire has been submitted; answers can no longer change")
    now = hiring.now()
    existing = {
        row.item_id: row.time_ms
        for row in await conn.execute(
            sa.select(answers.c.item_id, answers.c.time_ms).where(
                answers.c.candidate_id == candidate.id, answers.c.item_id.in_(list(submitted.values))
            )
        )
    }
    rows = []
    for item_id, value in submitted.values.items():
        before, added = existing.get(item_id), submitted.times_ms.get(item_id)
        # A page visited again adds its time to the first visit's: both were spent on the item.
        time_ms = None if before is None and added is None else min((before or 0) + (added or 0), MAX_ITEM_MS)
        rows.append({"candidate_id": candidate.id, "item_id": item_id, "value": value, "time_ms": time_ms,
                     "page": page, "saved_at": now})
    statement = insert(conn, answers)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[answers.c.candidate_id, answers.c.item_id],
            set_={"value": statement.excluded.value, "time_ms": statement.excluded.time_ms,
                  "page": statement.excluded.page, "saved_at": statement.excluded.saved_at},
        ),
        rows,
    )
    if candidate.started_at is None:
        await conn.execute(candidates.update().where(candidates.c.id == candidate.id).values(started_at=now))


async def complete(hiring: Hiring, conn: AsyncConnection, candidate: sa.Row) -> float:
    if candidate.completed_at is not None:
        return float(candidate.completed_at)
    campaign, _ = await context(conn, candidate)
    saved = set((await answers_of(conn, candidate.id)).saved_pages)
    missing = [page + 1 for page in range(page_count(get_instrument(campaign.instrument))) if page not in saved]
    if missing:
        raise conflict("pages_missing", f"pages {', '.join(map(str, missing))} are not saved yet")
    now = hiring.now()
    await conn.execute(candidates.update().where(candidates.c.id == candidate.id).values(completed_at=now))
    return now


async def delete(hiring: Hiring, conn: AsyncConnection, candidate: sa.Row, actor: audit_log.Actor) -> None:
    """Deletes the candidate's row; their answers and sessions go with it (ON DELETE CASCADE)."""
    await conn.execute(candidates.delete().where(candidates.c.id == candidate.id))
    await audit_log.record(
        conn, candidate.org_id, actor, "candidate.deleted", "candidate", candidate.id, hiring.now(),
        {"campaign_id": candidate.campaign_id},
    )
