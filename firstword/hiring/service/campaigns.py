"""Campaigns: a role to hire for, its competencies (suggested from the job description, then
edited), the questionnaire candidates take, and an optional structured interview plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import UnknownInstrumentError, get_instrument
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service.accounts import check_text, clean_name
from firstword.hiring.service.errors import invalid, not_found
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.service.tokens import new_id
from firstword.hiring.store.tables import campaigns

# A campaign's competencies and interview questions at most: a structured interview of an hour
# has room for about a dozen questions; the caps keep one campaign's JSON small.
MAX_COMPETENCIES = 20
MAX_QUESTIONS = 30
MAX_QUESTION_CHARS = 1000
MAX_JOB_DESCRIPTION = 50_000


@dataclass
class CampaignDraft:
    name: str
    role: str
    job_description: str = ""
    instrument: str = "ipip-50"
    competencies: list[dict[str, Any]] = field(default_factory=list)
    interview_plan: list[dict[str, str]] = field(default_factory=list)


def _competencies(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(entries) > MAX_COMPETENCIES:
        raise invalid(f"at most {MAX_COMPETENCIES} competencies")
    seen: set[str] = set()
    clean: list[dict[str, Any]] = []
    for entry in entries:
        name = clean_name(str(entry.get("name", "")), "competency's name")
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        source = entry.get("source") if entry.get("source") in ("suggested", "added") else "added"
        evidence = [check_text(str(term), "evidence")[:60] for term in entry.get("evidence") or []][:20]
        clean.append({"name": name, "source": source, "evidence": evidence})
    return clean


def _plan(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    if len(entries) > MAX_QUESTIONS:
        raise invalid(f"at most {MAX_QUESTIONS} interview questions")
    plan: list[dict[str, str]] = []
    for entry in entries:
        question = " ".join(check_text(str(entry.get("question", "")), "interview question").split())
        if not question:
            continue
        if len(question) > MAX_QUESTION_CHARS:
            raise invalid(f"an interview question has at most {MAX_QUESTION_CHARS} characters")
        competency = " ".join(check_text(str(entry.get("competency", "")), "competency").split())[:200]
        plan.append({"competency": competency, "question": question})
    return plan


def _job_description(text: str) -> str:
    if len(text) > MAX_JOB_DESCRIPTION:
        raise invalid(f"the job description has at most {MAX_JOB_DESCRIPTION} characters")
    return check_text(text, "job description")


def _instrument(name: str) -> str:
    try:
        return get_instrument(name).name
    except UnknownInstrumentError as exc:
        raise invalid(str(exc)) from None


def as_dict(row: sa.Row) -> dict[str, Any]:
    return {
        "campaign_id": row.id,
        "org_id": row.org_id,
        "name": row.name,
        "role": row.role,
        "job_description": row.job_description,
        "competencies": row.competencies,
        "instrument": row.instrument,
        "interview_plan": row.interview_plan,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def create(hiring: Hiring, conn: AsyncConnection, org_id: str, draft: CampaignDraft, actor: audit_log.Actor) -> str:
    campaign_id, now = new_id(), hiring.now()
    await conn.execute(
        campaigns.insert().values(
            id=campaign_id,
            org_id=org_id,
            name=clean_name(draft.name, "campaign's name"),
            role=clean_name(draft.role, "role"),
            job_description=_job_description(draft.job_description),
            competencies=_competencies(draft.competencies),
            instrument=_instrument(draft.instrument),
            interview_plan=_plan(draft.interview_plan),
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
    )
    await audit_log.record(conn, org_id, actor, "campaign.created", "campaign", campaign_id, now)
    return campaign_id


async def get(conn: AsyncConnection, org_id: str, campaign_id: str) -> sa.Row:
    row = (
        await conn.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id, campaigns.c.org_id == org_id))
    ).first()
    if row is None:
        raise not_found("campaign")
    return row


async def org_of(conn: AsyncConnection, campaign_id: str) -> str | None:
    return (await conn.execute(sa.select(campaigns.c.org_id).where(campaigns.c.id == campaign_id))).scalar()


async def list_for(conn: AsyncConnection, org_id: str) -> list[sa.Row]:
    rows = await conn.execute(
        sa.select(campaigns).where(campaigns.c.org_id == org_id).order_by(campaigns.c.created_at.desc())
    )
    return list(rows)


async def update(
    hiring: Hiring, conn: AsyncConnection, org_id: str, campaign_id: str, changes: dict[str, Any], actor: audit_log.Actor
) -> None:
    await get(conn, org_id, campaign_id)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_name(changes["name"], "campaign's name")
    if "role" in changes:
        values["role"] = clean_name(changes["role"], "role")
    if "job_description" in changes:
        values["job_description"] = _job_description(changes["job_description"])
    if "competencies" in changes:
        values["competencies"] = _competencies(changes["competencies"])
    if "interview_plan" in changes:
        values["interview_plan"] = _plan(changes["interview_plan"])
    if not values:
        return
    now = hiring.now()
    await conn.execute(
        campaigns.update().where(campaigns.c.id == campaign_id, campaigns.c.org_id == org_id).values(**values, updated_at=now)
    )
    await audit_log.record(conn, org_id, actor, "campaign.updated", "campaign", campaign_id, now, {"fields": sorted(values)})
