"""Structured interviews over HTTP: a campaign's anchored scales, a candidate's transcript (JSON
utterances or "Interviewer: / Candidate:" text), the rule-based suggestions, the raters' own
ratings, and the campaign's inter-rater agreement.

Viewers read; recruiters and owners upload transcripts, edit scales and rate. Views of a
candidate's interview are audited like the candidate's other data.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.interviews import service
from firstword.hiring.interviews.quality import assess
from firstword.hiring.interviews.transcript import MAX_TOTAL_CHARS, MAX_UTTERANCES, TranscriptError, parse_json, parse_text
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service import campaigns as campaign_service
from firstword.hiring.service import candidates as candidate_service
from firstword.hiring.service.errors import invalid
from firstword.hiring.web.common import api_router, responses
from firstword.hiring.web.deps import CampaignAccess, CandidateAccess, HiringDep, campaign_role, candidate_role

router = api_router("hiring: interviews")

CampaignViewer = Annotated[CampaignAccess, Depends(campaign_role("viewer"))]
CampaignRecruiter = Annotated[CampaignAccess, Depends(campaign_role("recruiter"))]
Viewer = Annotated[CandidateAccess, Depends(candidate_role("viewer"))]
Recruiter = Annotated[CandidateAccess, Depends(candidate_role("recruiter"))]


class UtteranceIn(BaseModel):
    seq: int | None = None
    speaker: str = Field(max_length=32)
    text: str = Field(max_length=5_000)
    confidence: float | None = None


class TranscriptIn(BaseModel):
    """Exactly one of ``utterances`` (JSON) and ``text`` ("Interviewer: ..." lines)."""

    utterances: list[UtteranceIn] | None = Field(default=None, max_length=MAX_UTTERANCES)
    text: str | None = Field(default=None, max_length=MAX_TOTAL_CHARS * 2)

    @model_validator(mode="after")
    def _one_of(self) -> TranscriptIn:
        if (self.utterances is None) == (self.text is None):
            raise ValueError("give either utterances or text")
        return self


class UploadedOut(BaseModel):
    interview_id: str
    utterances: int
    replaced: bool
    quality: dict[str, Any]


class ScaleIn(BaseModel):
    competency: str = Field(min_length=1, max_length=200)
    # None: back to the default anchors.
    anchors: dict[str, str] | None = None


class ScalesIn(BaseModel):
    scales: list[ScaleIn] = Field(max_length=30)


class RatingIn(BaseModel):
    competency: str = Field(min_length=1, max_length=200)
    rating: int = Field(ge=1, le=5)
    note: str = Field(default="", max_length=service.MAX_NOTE_CHARS)


@router.get("/campaigns/{campaign_id}/interview-scales")
async def get_scales(access: CampaignViewer, hiring: HiringDep) -> dict[str, Any]:
    """The plan's competencies, each with its question and anchored 1-5 scale (default or edited)."""
    async with hiring.engine.connect() as conn:
        campaign = await campaign_service.get(conn, access.org_id, access.campaign_id)
        return {"scales": await service.scales_of(conn, access.org_id, campaign)}


@router.put("/campaigns/{campaign_id}/interview-scales")
async def put_scales(body: ScalesIn, access: CampaignRecruiter, hiring: HiringDep) -> dict[str, Any]:
    """Edits the anchors of the competencies given (1, 3 and 5 required); null anchors restore the default."""
    async with hiring.engine.begin() as conn:
        campaign = await campaign_service.get(conn, access.org_id, access.campaign_id)
        await service.set_scales(hiring, conn, access.org_id, campaign, [s.model_dump() for s in body.scales],
                                 access.actor)
        return {"scales": await service.scales_of(conn, access.org_id, campaign)}


@router.post("/candidates/{candidate_id}/interview", response_model=UploadedOut, status_code=201)
async def upload(body: TranscriptIn, access: Recruiter, hiring: HiringDep) -> UploadedOut:
    """Stores the candidate's interview transcript, replacing an earlier one and its ratings."""
    try:
        if body.text is not None:
            utterances, source = parse_text(body.text), "text"
        else:
            utterances = parse_json([u.model_dump() for u in body.utterances or []])
            source = "json"
    except TranscriptError as exc:
        raise invalid(str(exc)) from None
    async with hiring.engine.begin() as conn:
        candidate = await candidate_service.for_org(conn, access.org_id, access.candidate_id)
        interview_id, replaced = await service.upload(hiring, conn, candidate, utterances, source, access.actor)
    return UploadedOut(interview_id=interview_id, utterances=len(utterances), replaced=replaced,
                       quality=assess(utterances).as_dict())


async def _campaign_of(conn: AsyncConnection, access: CandidateAccess) -> sa.Row:
    candidate = await candidate_service.for_org(conn, access.org_id, access.candidate_id)
    return await campaign_service.get(conn, access.org_id, candidate.campaign_id)


@router.get("/candidates/{candidate_id}/interview")
async def get_interview(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    """The transcript, its quality, and per competency the raters' ratings and the score (the
    raters' mean; none when the transcript fails the quality gate). Audited."""
    async with hiring.engine.begin() as conn:
        campaign = await _campaign_of(conn, access)
        data = await service.view(conn, access.org_id, access.candidate_id, campaign)
        await audit_log.record(conn, access.org_id, access.actor, "candidate.interview_viewed", "candidate",
                               access.candidate_id, hiring.now())
    return data


@router.get("/candidates/{candidate_id}/interview/suggestions")
async def get_suggestions(access: Viewer, hiring: HiringDep) -> dict[str, Any]:
    """Suggested ratings by rule, each citing the transcript by sequence number, or the reason
    there is none. Advice for the rater only: never a score. Audited."""
    async with hiring.engine.begin() as conn:
        campaign = await _campaign_of(conn, access)
        data = await service.suggestions(conn, access.org_id, access.candidate_id, campaign)
        await audit_log.record(conn, access.org_id, access.actor, "candidate.interview_viewed", "candidate",
                               access.candidate_id, hiring.now(), {"suggestions": True})
    return data


@router.post("/candidates/{candidate_id}/interview/ratings", responses=responses(409))
async def rate(body: RatingIn, access: Recruiter, hiring: HiringDep) -> dict[str, Any]:
    """The caller's own 1-5 rating of one competency, with a note (replacing theirs if any)."""
    async with hiring.engine.begin() as conn:
        campaign = await _campaign_of(conn, access)
        await service.rate(hiring, conn, access.org_id, access.candidate_id, campaign, body.competency,
                           body.rating, body.note, access.actor)
        return await service.view(conn, access.org_id, access.candidate_id, campaign)


@router.get("/campaigns/{campaign_id}/interview-agreement")
async def get_agreement(access: CampaignViewer, hiring: HiringDep) -> dict[str, Any]:
    """Inter-rater agreement over the campaign's scored interviews: quadratic weighted kappa,
    exact and adjacent agreement, with n, overall and per pair of raters."""
    async with hiring.engine.connect() as conn:
        await campaign_service.get(conn, access.org_id, access.campaign_id)
        return await service.campaign_agreement(conn, access.org_id, access.campaign_id)
