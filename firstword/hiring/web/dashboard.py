"""One candidate as members see them: their scores beside the campaign, the printable report's
data, a new invitation link, and deletion (owners). Every view is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from firstword.hiring.service import audit as audit_log
from firstword.hiring.service import campaigns as campaign_service
from firstword.hiring.service import candidates as candidate_service
from firstword.hiring.service import results
from firstword.hiring.web.campaigns import candidate_link
from firstword.hiring.web.common import api_router, responses
from firstword.hiring.web.deps import CandidateAccess, HiringDep, candidate_role

router = api_router("hiring: candidates (members)")

Viewer = Annotated[CandidateAccess, Depends(candidate_role("viewer"))]
Recruiter = Annotated[CandidateAccess, Depends(candidate_role("recruiter"))]
Owner = Annotated[CandidateAccess, Depends(candidate_role("owner"))]


class LinkOut(BaseModel):
    invite_url: str
    expires_at: float


async def _detail(access: CandidateAccess, hiring: Any, action: str) -> dict[str, Any]:
    async with hiring.engine.begin() as conn:
        candidate = await candidate_service.for_org(conn, access.org_id, access.candidate_id)
        campaign = await campaign_service.get(conn, access.org_id, candidate.campaign_id)
        detail = await results.candidate_detail(conn, candidate, campaign)
        await audit_log.record(conn, access.org_id, access.actor, action, "candidate", candidate.id, hiring.now(),
                               {"campaign_id": campaign.id})
    return detail


@router.get("/candidates/{candidate_id}")
async def candidate(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    """Status, and once completed: raw score, percentile and 90 % range per scale, and each
    response-quality flag with its explanation (audited: candidate.viewed)."""
    return await _detail(access, hiring, "candidate.viewed")


@router.get("/candidates/{candidate_id}/report")
async def report(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    """The same, for the printable report page (audited: candidate.report_viewed)."""
    detail = await _detail(access, hiring, "candidate.report_viewed")
    async with hiring.engine.connect() as conn:
        campaign = await campaign_service.get(conn, access.org_id, detail["campaign_id"])
    detail["campaign"]["competencies"] = campaign.competencies
    detail["campaign"]["interview_plan"] = campaign.interview_plan
    return detail


@router.post("/candidates/{candidate_id}/link", response_model=LinkOut, responses=responses(409))
async def new_link(request: Request, access: Recruiter, hiring: HiringDep) -> LinkOut:
    """A new single-use link for a candidate who has not completed (the old link and the browser
    that opened it stop working)."""
    async with hiring.engine.begin() as conn:
        token, expires = await candidate_service.reissue(hiring, conn, access.org_id, access.candidate_id, access.actor)
    return LinkOut(invite_url=candidate_link(request, hiring, token), expires_at=expires)


@router.delete("/candidates/{candidate_id}", status_code=204)
async def delete_candidate(access: Owner, hiring: HiringDep) -> Response:
    """Deletes the candidate and everything held about them (owners; audited)."""
    async with hiring.engine.begin() as conn:
        row = await candidate_service.for_org(conn, access.org_id, access.candidate_id)
        await candidate_service.delete(hiring, conn, row, access.actor)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
