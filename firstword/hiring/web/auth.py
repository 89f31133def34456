"""Signing up, in and out, joining an organisation by invitation, and who is signed in.

Sign-up (``POST /hiring/api/signup``) makes an organisation and its first owner; it is open
only while the server has no organisation yet, unless ``hiring.open_signup`` is set. Otherwise
the first owner comes from ``firstword hiring create-org`` and everyone else from an owner's
invitation (``POST /hiring/api/join``).
"""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.service import accounts
from firstword.hiring.service import sessions as web_sessions
from firstword.hiring.service.errors import HiringError
from firstword.hiring.service.passwords import MAX_LENGTH
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.store.tables import users
from firstword.hiring.web.common import api_router, responses
from firstword.hiring.web.deps import (
    CSRF_COOKIE,
    MEMBER_COOKIE,
    HiringDep,
    MemberDep,
    PreSessionCsrf,
    clear_cookie,
    client_address,
    issue_pre_session_csrf,
    read_cookie,
    require_safe_transport,
    set_cookie,
)

router = api_router("hiring: access")


class CsrfOut(BaseModel):
    csrf_token: str
    signup_open: bool


class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_LENGTH)


class SignupIn(Credentials):
    organisation: str = Field(min_length=1, max_length=200)


class JoinIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=MAX_LENGTH)


class OrgRef(BaseModel):
    org_id: str
    name: str
    role: str


class MeOut(BaseModel):
    user_id: str
    email: str
    organisations: list[OrgRef]
    csrf_token: str


def _admit(request: Request, hiring: Hiring, account: str) -> None:
    """The login limits (per address, per account) for every form that checks a password."""
    wait = hiring.limiter.admit(client_address(request), account)
    if wait is not None:
        raise HiringError(
            429, "too_many_requests", f"too many sign-in attempts: try again in {wait} s", headers={"Retry-After": str(wait)}
        )


@router.get("/csrf", response_model=CsrfOut)
async def csrf(request: Request, response: Response, hiring: HiringDep) -> CsrfOut:
    """A token for the forms sent before a session exists (set as a cookie and returned)."""
    token = issue_pre_session_csrf(request, response, hiring)
    async with hiring.engine.connect() as conn:
        open_ = hiring.config.open_signup or not await accounts.any_organisation(conn)
    return CsrfOut(csrf_token=token, signup_open=open_)


async def _start_session(request: Request, response: Response, hiring: Hiring, user_id: str) -> MeOut:
    async with hiring.engine.begin() as conn:
        old = read_cookie(request, hiring, MEMBER_COOKIE)
        if old is not None:
            # A fresh token at every sign-in: one planted before it (fixation) is worth nothing.
            await web_sessions.end(conn, old)
        issued = await web_sessions.issue(
            conn, "member", now=hiring.now(), lifetime_s=hiring.config.session_hours * 3600, user_id=user_id
        )
        me = await _me(conn, user_id, issued.csrf_token)
    set_cookie(response, request, hiring, MEMBER_COOKIE, issued.token, hiring.config.session_hours * 3600)
    # The pre-session token has done its work; the session's own one takes over.
    clear_cookie(response, request, hiring, CSRF_COOKIE)
    return me


async def _me(conn: AsyncConnection, user_id: str, csrf_token: str) -> MeOut:
    user = (await conn.execute(users.select().where(users.c.id == user_id))).one()
    orgs = await accounts.memberships(conn, user_id)
    return MeOut(
        user_id=user_id, email=user.email, csrf_token=csrf_token,
        organisations=[OrgRef(org_id=m.org_id, name=m.org_name, role=m.role) for m in orgs],
    )


@router.post("/signup", response_model=MeOut, status_code=201, dependencies=[PreSessionCsrf], responses=responses(429))
async def signup(body: SignupIn, request: Request, response: Response, hiring: HiringDep) -> MeOut:
    """A new organisation with you as its owner (see the module's note on when this is open)."""
    require_safe_transport(request, hiring)
    # An existing account's password is checked here too: limited like a sign-in.
    _admit(request, hiring, body.email.strip().lower())
    async with hiring.engine.begin() as conn:
        _, user_id = await accounts.create_org_with_owner(
            hiring, conn, name=body.organisation, email=body.email, password=body.password, signup=True
        )
    return await _start_session(request, response, hiring, user_id)


@router.post("/login", response_model=MeOut, dependencies=[PreSessionCsrf], responses=responses(429))
async def login(body: Credentials, request: Request, response: Response, hiring: HiringDep) -> MeOut:
    require_safe_transport(request, hiring)
    account = body.email.strip().lower()
    _admit(request, hiring, account)
    async with hiring.engine.begin() as conn:
        user = await accounts.authenticate(hiring, conn, account, body.password)
    if user is None:
        raise HiringError(401, "bad_credentials", "wrong email or password")
    return await _start_session(request, response, hiring, user.id)


@router.post("/logout", status_code=204)
async def logout(request: Request, member: MemberDep, hiring: HiringDep) -> Response:
    async with hiring.engine.begin() as conn:
        await web_sessions.end(conn, member.session_token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    clear_cookie(response, request, hiring, MEMBER_COOKIE)
    return response


@router.get("/me", response_model=MeOut)
async def me(member: MemberDep, hiring: HiringDep) -> MeOut:
    """You, your organisations and roles, and the CSRF token of your session."""
    async with hiring.engine.connect() as conn:
        return await _me(conn, member.user_id, member.csrf_token)


@router.post("/join", response_model=MeOut, dependencies=[PreSessionCsrf], responses=responses(409, 410, 429))
async def join(body: JoinIn, request: Request, response: Response, hiring: HiringDep) -> MeOut:
    """Accept a member's invitation: with the account's password when the invited email has
    one, else with the password for a new account. Signs you in."""
    require_safe_transport(request, hiring)
    # An existing account's password is checked: limited per invitation like one account.
    _admit(request, hiring, f"invite:{body.token[:24]}")
    async with hiring.engine.begin() as conn:
        _, user_id = await accounts.accept_member_invite(hiring, conn, body.token, body.password)
    return await _start_session(request, response, hiring, user_id)
