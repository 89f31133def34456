"""An organisation's settings, members, member invitations and audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from firstword.hiring.service import accounts
from firstword.hiring.service import audit as audit_log
from firstword.hiring.web.common import api_router, responses
from firstword.hiring.web.deps import HiringDep, IdPath, OrgAccess, base_url, org_role

router = api_router("hiring: organisations")

Viewer = Annotated[OrgAccess, Depends(org_role("viewer"))]
Owner = Annotated[OrgAccess, Depends(org_role("owner"))]

# Audit entries per page: a screen's worth; older ones page back with ?before=.
AUDIT_PAGE = 100


class OrgOut(BaseModel):
    org_id: str
    name: str
    role: str
    retention_days: int
    members: int


class OrgPatch(BaseModel):
    retention_days: int = Field(ge=1, le=3650)


class MemberOut(BaseModel):
    user_id: str
    email: str
    role: str
    since: float


class InviteIn(BaseModel):
    email: str = Field(max_length=320)
    role: Literal["owner", "recruiter", "viewer"]


class InviteOut(BaseModel):
    invite_url: str
    expires_at: float


class PendingInvite(BaseModel):
    invite_id: str
    email: str
    role: str
    expires_at: float


@router.get("/orgs/{org_id}", response_model=OrgOut)
async def get_org(access: Viewer, hiring: HiringDep) -> OrgOut:
    async with hiring.engine.connect() as conn:
        org = await accounts.organisation(conn, access.org_id)
        members = await accounts.count_members(conn, access.org_id)
    return OrgOut(org_id=org.id, name=org.name, role=access.role, retention_days=org.retention_days, members=members)


@router.patch("/orgs/{org_id}", response_model=OrgOut)
async def patch_org(body: OrgPatch, access: Owner, hiring: HiringDep) -> OrgOut:
    """Owners set how long candidates' data is kept (the consent page states it)."""
    async with hiring.engine.begin() as conn:
        await accounts.set_retention(hiring, conn, access.org_id, body.retention_days, access.actor)
    return await get_org(access, hiring)


@router.get("/orgs/{org_id}/members", response_model=list[MemberOut])
async def list_members(access: Viewer, hiring: HiringDep) -> list[dict[str, Any]]:
    async with hiring.engine.connect() as conn:
        return await accounts.list_members(conn, access.org_id)


@router.delete("/orgs/{org_id}/members/{user_id}", status_code=204, responses=responses(409))
async def remove_member(user_id: IdPath, access: Owner, hiring: HiringDep) -> Response:
    async with hiring.engine.begin() as conn:
        await accounts.remove_member(hiring, conn, access.org_id, user_id, access.actor)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.post("/orgs/{org_id}/invites", response_model=InviteOut, status_code=201, responses=responses(409))
async def invite_member(body: InviteIn, request: Request, access: Owner, hiring: HiringDep) -> InviteOut:
    """A single-use link (the token is in its fragment, shown only now) for the invited person
    to join with the role given."""
    async with hiring.engine.begin() as conn:
        token, expires = await accounts.invite_member(
            hiring, conn, access.org_id, email=body.email, role=body.role, actor=access.actor
        )
    return InviteOut(invite_url=f"{base_url(request, hiring)}/hiring/join#invite={token}", expires_at=expires)


@router.get("/orgs/{org_id}/invites", response_model=list[PendingInvite])
async def list_invites(access: Owner, hiring: HiringDep) -> list[dict[str, Any]]:
    async with hiring.engine.connect() as conn:
        return await accounts.list_invites(conn, access.org_id, hiring.now())


@router.get("/orgs/{org_id}/audit")
async def audit(
    access: Owner,
    hiring: HiringDep,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="entries older than this id")] = None,
) -> dict[str, Any]:
    """Who viewed, exported or deleted what, newest first (owners only)."""
    async with hiring.engine.connect() as conn:
        entries = await audit_log.entries(conn, access.org_id, limit=AUDIT_PAGE, before_id=before)
    return {"entries": entries, "next_before": entries[-1]["id"] if len(entries) == AUDIT_PAGE else None}
