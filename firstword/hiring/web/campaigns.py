"""Campaigns: created and edited by recruiters and owners, read by every member; competencies
suggested from a job description; candidates invited; the dashboard's data and the CSV export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field

from firstword.hiring.instruments import known_instruments
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service import campaigns as campaign_service
from firstword.hiring.service import candidates as candidate_service
from firstword.hiring.service import results
from firstword.hiring.service.campaigns import MAX_COMPETENCIES, MAX_JOB_DESCRIPTION, MAX_QUESTIONS, CampaignDraft
from firstword.hiring.service.competencies import LEXICON, suggest
from firstword.hiring.web.common import api_router
from firstword.hiring.web.deps import CampaignAccess, HiringDep, OrgAccess, base_url, campaign_role, org_role

router = api_router("hiring: campaigns")

OrgViewer = Annotated[OrgAccess, Depends(org_role("viewer"))]
OrgRecruiter = Annotated[OrgAccess, Depends(org_role("recruiter"))]
Viewer = Annotated[CampaignAccess, Depends(campaign_role("viewer"))]
Recruiter = Annotated[CampaignAccess, Depends(campaign_role("recruiter"))]


class CompetencyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    source: str = "added"
    evidence: list[str] = Field(default_factory=list, max_length=20)


class QuestionIn(BaseModel):
    competency: str = Field(default="", max_length=200)
    question: str = Field(min_length=1, max_length=1000)


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    job_description: str = Field(default="", max_length=MAX_JOB_DESCRIPTION)
    instrument: str = Field(default="ipip-50", max_length=32)
    competencies: list[CompetencyIn] = Field(default_factory=list, max_length=MAX_COMPETENCIES)
    interview_plan: list[QuestionIn] = Field(default_factory=list, max_length=MAX_QUESTIONS)


class CampaignPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = Field(default=None, min_length=1, max_length=200)
    job_description: str | None = Field(default=None, max_length=MAX_JOB_DESCRIPTION)
    competencies: list[CompetencyIn] | None = Field(default=None, max_length=MAX_COMPETENCIES)
    interview_plan: list[QuestionIn] | None = Field(default=None, max_length=MAX_QUESTIONS)


class CampaignOut(BaseModel):
    campaign_id: str
    org_id: str
    name: str
    role: str
    job_description: str
    competencies: list[dict[str, Any]]
    instrument: str
    interview_plan: list[dict[str, str]]
    created_at: float
    updated_at: float


class CampaignListed(CampaignOut):
    funnel: dict[str, int]


class SuggestIn(BaseModel):
    job_description: str = Field(max_length=MAX_JOB_DESCRIPTION)


class SuggestOut(BaseModel):
    suggestions: list[dict[str, Any]]
    lexicon: list[dict[str, str]]
    instruments: list[str]


class CandidateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class InvitedOut(BaseModel):
    candidate_id: str
    invite_url: str
    expires_at: float


@router.get("/orgs/{org_id}/campaigns", response_model=list[CampaignListed])
async def list_campaigns(access: OrgViewer, hiring: HiringDep) -> list[dict[str, Any]]:
    async with hiring.engine.connect() as conn:
        listed = []
        for row in await campaign_service.list_for(conn, access.org_id):
            people = await results.campaign_candidates(conn, row)
            listed.append({**campaign_service.as_dict(row), "funnel": results.funnel(people)})
    return listed


@router.post("/orgs/{org_id}/campaigns", response_model=CampaignOut, status_code=201)
async def create_campaign(body: CampaignIn, access: OrgRecruiter, hiring: HiringDep) -> dict[str, Any]:
    draft = CampaignDraft(
        name=body.name, role=body.role, job_description=body.job_description, instrument=body.instrument,
        competencies=[c.model_dump() for c in body.competencies],
        interview_plan=[q.model_dump() for q in body.interview_plan],
    )
    async with hiring.engine.begin() as conn:
        campaign_id = await campaign_service.create(hiring, conn, access.org_id, draft, access.actor)
        return campaign_service.as_dict(await campaign_service.get(conn, access.org_id, campaign_id))


@router.post("/orgs/{org_id}/competencies/suggest", response_model=SuggestOut)
async def suggest_competencies(body: SuggestIn, access: OrgRecruiter) -> SuggestOut:
    """Competencies found in a job description (with the terms that matched and a behavioural
    question each), the whole lexicon to pick from, and the questionnaires on offer."""
    return SuggestOut(
        suggestions=[asdict(s) for s in suggest(body.job_description)],
        lexicon=[{"name": c.name, "description": c.description, "question": c.question} for c in LEXICON],
        instruments=list(known_instruments()),
    )


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    async with hiring.engine.connect() as conn:
        return campaign_service.as_dict(await campaign_service.get(conn, access.org_id, access.campaign_id))


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut)
async def patch_campaign(body: CampaignPatch, access: Recruiter, hiring: HiringDep) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            changes[key] = value
    async with hiring.engine.begin() as conn:
        await campaign_service.update(hiring, conn, access.org_id, access.campaign_id, changes, access.actor)
        return campaign_service.as_dict(await campaign_service.get(conn, access.org_id, access.campaign_id))


@router.post("/campaigns/{campaign_id}/candidates", response_model=InvitedOut, status_code=201)
async def invite_candidate(body: CandidateIn, request: Request, access: Recruiter, hiring: HiringDep) -> InvitedOut:
    """A candidate and their single-use invitation link (shown only now: send it to them)."""
    async with hiring.engine.begin() as conn:
        await campaign_service.get(conn, access.org_id, access.campaign_id)
        candidate_id, token, expires = await candidate_service.invite(
            hiring, conn, access.org_id, access.campaign_id, name=body.name, email=body.email or None, actor=access.actor
        )
    return InvitedOut(candidate_id=candidate_id, invite_url=candidate_link(request, hiring, token), expires_at=expires)


def candidate_link(request: Request, hiring: Any, token: str) -> str:
    # The token rides in the fragment: browsers never send it to a server, so it stays out of
    # access logs and Referer headers; the page posts it once to open the session.
    return f"{base_url(request, hiring)}/hiring/candidate#invite={token}"


@router.get("/campaigns/{campaign_id}/dashboard")
async def dashboard(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    """The funnel, every candidate with their percentiles and flags, and Cronbach's alpha per
    scale with n (a warning below n = 30). Viewing it is audited: it shows candidates' scores."""
    async with hiring.engine.begin() as conn:
        campaign = await campaign_service.get(conn, access.org_id, access.campaign_id)
        data = await results.dashboard(conn, campaign)
        await audit_log.record(conn, access.org_id, access.actor, "campaign.dashboard_viewed", "campaign",
                               access.campaign_id, hiring.now(), {"candidates": len(data["candidates"])})
    return {"campaign": campaign_service.as_dict(campaign), "role": access.role, **data}


@router.get(
    "/campaigns/{campaign_id}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per candidate"}},
)
async def export_csv(access: Recruiter, hiring: HiringDep) -> Response:
    """Every candidate's status and scores as CSV (recruiters and owners; audited)."""
    async with hiring.engine.begin() as conn:
        campaign = await campaign_service.get(conn, access.org_id, access.campaign_id)
        text = await results.campaign_csv(conn, campaign)
        await audit_log.record(conn, access.org_id, access.actor, "campaign.exported_csv", "campaign",
                               access.campaign_id, hiring.now())
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{access.campaign_id[:8]}.csv"',
            "Cache-Control": "no-store",
        },
    )
