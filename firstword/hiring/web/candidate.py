"""The candidate's side: open the invitation, read and accept the consent statement, answer the
questionnaire page by page (resumable), finish, then download or delete their data.

A candidate session reaches only its own candidate: no route here takes an id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import Path, Request, Response
from pydantic import BaseModel, Field, StrictFloat, StrictInt
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import get_instrument
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service import candidates as candidate_service
from firstword.hiring.service import sessions as web_sessions
from firstword.hiring.service.accounts import count_members
from firstword.hiring.service.own_data import consent_statement, export
from firstword.hiring.service.questionnaire import PAGE_SIZE, check_page, pages
from firstword.hiring.web.common import api_router, responses
from firstword.hiring.web.deps import (
    CANDIDATE_COOKIE,
    CSRF_COOKIE,
    CandidateSelfDep,
    HiringDep,
    PreSessionCsrf,
    clear_cookie,
    read_cookie,
    require_safe_transport,
    set_cookie,
)

router = api_router("hiring: candidate")
PREFIX = "/candidate"


class OpenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class PageIn(BaseModel):
    # Strict: "3" or true is not an answer (JSON numbers only).
    answers: dict[str, StrictInt | None] = Field(max_length=100)
    # Milliseconds per item, measured by the page; validated and clamped by the server.
    times_ms: dict[str, StrictInt | StrictFloat] = Field(default_factory=dict, max_length=100)


class PageOut(BaseModel):
    saved_pages: list[int]
    answered: int
    next_page: int | None


class Done(BaseModel):
    completed_at: float


async def _state(conn: AsyncConnection, candidate_id: str, csrf_token: str) -> dict[str, Any]:
    candidate = await candidate_service.by_id(conn, candidate_id)
    campaign, org = await candidate_service.context(conn, candidate)
    instrument = get_instrument(campaign.instrument)
    answered = await candidate_service.answers_of(conn, candidate.id)
    all_pages = pages(instrument)
    next_page = next((i for i in range(len(all_pages)) if i not in answered.saved_pages), None)
    number = {item.id: index + 1 for index, item in enumerate(instrument.items)}
    return {
        "csrf_token": csrf_token,
        "candidate": {"name": candidate.name, "status": candidate_service.status_of(candidate)},
        "consent": consent_statement(org, campaign, await count_members(conn, org.id)),
        "consented_at": candidate.consented_at,
        "completed_at": candidate.completed_at,
        "questionnaire": {
            "name": instrument.name,
            "title": instrument.title,
            "page_size": PAGE_SIZE,
            "responses": [{"value": v, "label": label} for v, label in instrument.response_labels.items()],
            "pages": [[{"id": i.id, "number": number[i.id], "text": i.text} for i in page] for page in all_pages],
        },
        "answers": answered.values,
        "saved_pages": answered.saved_pages,
        "next_page": next_page,
    }


@router.post(PREFIX + "/session", dependencies=[PreSessionCsrf], responses=responses(410))
async def open_invitation(body: OpenIn, request: Request, response: Response, hiring: HiringDep) -> dict[str, Any]:
    """Opens the invitation link's token (once) and starts this browser's candidate session.
    The browser that opened it may come back with it: its session is recognised."""
    require_safe_transport(request, hiring)
    now = hiring.now()
    async with hiring.engine.begin() as conn:
        current = read_cookie(request, hiring, CANDIDATE_COOKIE)
        if current is not None:
            session = await web_sessions.lookup(conn, current, "candidate", now)
            if session is not None and session.candidate_id is not None:
                same_candidate = await _token_is_for(conn, body.token, session.candidate_id)
                if same_candidate:
                    return await _state(conn, session.candidate_id, session.csrf_token)
        candidate_id = await candidate_service.redeem(hiring, conn, body.token)
        lifetime = hiring.config.candidate_session_days * 86_400
        issued = await web_sessions.issue(conn, "candidate", now=now, lifetime_s=lifetime, candidate_id=candidate_id)
        state = await _state(conn, candidate_id, issued.csrf_token)
    set_cookie(response, request, hiring, CANDIDATE_COOKIE, issued.token, lifetime)
    clear_cookie(response, request, hiring, CSRF_COOKIE)
    return state


async def _token_is_for(conn: AsyncConnection, token: str, candidate_id: str) -> bool:
    from firstword.hiring.service.tokens import token_hash
    from firstword.hiring.store.tables import candidates

    found = await conn.execute(
        sa.select(candidates.c.id).where(candidates.c.id == candidate_id, candidates.c.invite_token_hash == token_hash(token))
    )
    return found.first() is not None


@router.get(PREFIX)
async def state(me: CandidateSelfDep, hiring: HiringDep) -> dict[str, Any]:
    """Everything the candidate's page shows: the consent statement, the questionnaire's pages,
    the answers saved so far and the page to resume at, and the session's CSRF token."""
    async with hiring.engine.connect() as conn:
        return await _state(conn, me.candidate_id, me.csrf_token)


@router.post(PREFIX + "/consent", status_code=204)
async def give_consent(me: CandidateSelfDep, hiring: HiringDep) -> Response:
    async with hiring.engine.begin() as conn:
        await candidate_service.consent(hiring, conn, await candidate_service.by_id(conn, me.candidate_id))
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.put(PREFIX + "/pages/{page}", response_model=PageOut, responses=responses(409))
async def save_page(
    body: PageIn, me: CandidateSelfDep, hiring: HiringDep, page: int = Path(ge=0, le=1000)
) -> PageOut:
    """Saves one page's answers (each 1..5 or null for a blank) and the time spent on each item."""
    async with hiring.engine.begin() as conn:
        candidate = await candidate_service.by_id(conn, me.candidate_id)
        campaign, _ = await candidate_service.context(conn, candidate)
        instrument = get_instrument(campaign.instrument)
        submitted = check_page(instrument, page, body.answers, body.times_ms)
        await candidate_service.save_page(hiring, conn, candidate, page, submitted)
        answered = await candidate_service.answers_of(conn, candidate.id)
    total = len(pages(instrument))
    return PageOut(
        saved_pages=answered.saved_pages,
        answered=sum(1 for v in answered.values.values() if v is not None),
        next_page=next((i for i in range(total) if i not in answered.saved_pages), None),
    )


@router.post(PREFIX + "/complete", response_model=Done, responses=responses(409))
async def complete(me: CandidateSelfDep, hiring: HiringDep) -> Done:
    async with hiring.engine.begin() as conn:
        at = await candidate_service.complete(hiring, conn, await candidate_service.by_id(conn, me.candidate_id))
    return Done(completed_at=at)


@router.get(PREFIX + "/export", response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": "everything held about you"}})
async def export_own(me: CandidateSelfDep, hiring: HiringDep) -> Response:
    """Everything held about the candidate, as a JSON file."""
    async with hiring.engine.begin() as conn:
        candidate = await candidate_service.by_id(conn, me.candidate_id)
        data = await export(conn, candidate)
        await audit_log.record(conn, candidate.org_id, audit_log.CANDIDATE, "candidate.exported_own_data", "candidate",
                               candidate.id, hiring.now())
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{day}.json"', "Cache-Control": "no-store"},
    )


@router.delete(PREFIX, status_code=204)
async def delete_own(request: Request, me: CandidateSelfDep, hiring: HiringDep) -> Response:
    """Deletes everything held about the candidate, at once and for good; ends the session."""
    async with hiring.engine.begin() as conn:
        candidate = await candidate_service.by_id(conn, me.candidate_id)
        await candidate_service.delete(hiring, conn, candidate, audit_log.CANDIDATE)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    clear_cookie(response, request, hiring, CANDIDATE_COOKIE)
    return response


