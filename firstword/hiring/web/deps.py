"""Who is asking, as FastAPI dependencies: the hiring runtime, a member's session and their role
in the organisation a path names, a candidate's session, and the CSRF checks.

* **Cookies.** One per kind of session (``fw_hiring`` for members, ``fw_candidate`` for
  candidates), HttpOnly (no script reads them), SameSite=Strict (no other site's page or link
  sends them), Path=/. Secure (and then named with the ``__Host-`` prefix, which browsers accept
  only from a secure origin, for the whole host) as ``hiring.secure_cookies`` says: see
  ``cookie_secure``.
* **CSRF.** Every POST, PUT, PATCH and DELETE must carry ``X-CSRF-Token``: for a session, the
  token stored with it (a synchronizer token, handed to the page by ``GET /hiring/api/me`` or
  ``/hiring/api/candidate``); before there is a session (sign-up, sign-in, joining, opening an
  invitation), the value of the ``fw_hiring_csrf`` cookie, handed out by
  ``GET /hiring/api/csrf`` (double submit: another site can neither read it nor set it).
  SameSite=Strict and the app's Origin check (``server.guard``) stand behind it.
* **Isolation.** A path's organisation, campaign or candidate is looked up together with the
  caller's membership: another organisation's object is "not found" (404), never "forbidden",
  so that its existence is not revealed; a role too low for the route is 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Path, Request, Response
from starlette.requests import HTTPConnection

from firstword.hiring.service import accounts, campaigns, candidates
from firstword.hiring.service import sessions as web_sessions
from firstword.hiring.service.accounts import ROLE_RANK, Role
from firstword.hiring.service.audit import Actor
from firstword.hiring.service.errors import HiringError, not_found
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.service.tokens import new_token, same
from firstword.hiring.store.tables import users

MEMBER_COOKIE = "fw_hiring"
CANDIDATE_COOKIE = "fw_candidate"
CSRF_COOKIE = "fw_hiring_csrf"
CSRF_HEADER = "X-CSRF-Token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# Ids are secrets.token_hex(16): anything else in a path is refused before a query is made.
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="an id (32 hex digits)")]
# The pre-session CSRF cookie lives as long as a sign-in form may stay open: a day.
CSRF_COOKIE_S = 86_400


def get_hiring(conn: HTTPConnection) -> Hiring:
    hiring = getattr(conn.app.state, "hiring", None)
    if hiring is None:
        raise HiringError(503, "hiring_off", "hiring is off on this server (hiring.enabled, or the store is disabled)")
    return hiring  # type: ignore[no-any-return]


HiringDep = Annotated[Hiring, Depends(get_hiring)]


def no_store(response: Response) -> None:
    """Personal data is never kept by a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"


# ----- cookies ---------------------------------------------------------------------------------


def cookie_secure(request: HTTPConnection, hiring: Hiring) -> bool:
    mode = hiring.config.secure_cookies
    if mode != "auto":
        return mode == "always"
    return request.url.scheme in ("https", "wss") or hiring.public_url.lower().startswith("https://")


def cookie_name(base: str, secure: bool) -> str:
    return f"__Host-{base}" if secure else base


def require_safe_transport(request: Request, hiring: Hiring) -> None:
    """Refuses to hand out a session cookie in clear across a network ("auto" on plain http from
    a host that is not loopback): the password or the session would travel readable."""
    if hiring.config.secure_cookies == "auto" and not cookie_secure(request, hiring) \
            and (request.url.hostname or "") not in LOOPBACK_HOSTS:
        raise HiringError(
            403, "https_required",
            "signing in needs https here: serve this server behind TLS (and set server.public_url), "
            "or set hiring.secure_cookies = \"never\" to allow plain http on a trusted network",
        )


def set_cookie(response: Response, request: Request, hiring: Hiring, base: str, value: str, max_age_s: float) -> None:
    secure = cookie_secure(request, hiring)
    response.set_cookie(
        cookie_name(base, secure), value, max_age=int(max_age_s), path="/", secure=secure, httponly=True, samesite="strict"
    )


def clear_cookie(response: Response, request: Request, hiring: Hiring, base: str) -> None:
    secure = cookie_secure(request, hiring)
    response.delete_cookie(cookie_name(base, secure), path="/", secure=secure, httponly=True, samesite="strict")


def read_cookie(request: HTTPConnection, hiring: Hiring, base: str) -> str | None:
    return request.cookies.get(cookie_name(base, cookie_secure(request, hiring))) or None


# ----- CSRF ------------------------------------------------------------------------------------


def _check_csrf(request: Request, expected: str | None) -> None:
    if request.method not in STATE_CHANGING:
        return
    presented = request.headers.get(CSRF_HEADER)
    if not expected or not presented or not same(presented, expected):
        raise HiringError(
            403, "csrf", f"missing or wrong {CSRF_HEADER} header: reload the page (it fetches a fresh token)"
        )


def pre_session_csrf(request: Request, hiring: HiringDep) -> None:
    """Double submit for forms sent before any session exists."""
    _check_csrf(request, read_cookie(request, hiring, CSRF_COOKIE))


def issue_pre_session_csrf(request: Request, response: Response, hiring: Hiring) -> str:
    token = read_cookie(request, hiring, CSRF_COOKIE) or new_token()
    set_cookie(response, request, hiring, CSRF_COOKIE, token, CSRF_COOKIE_S)
    return token


PreSessionCsrf = Depends(pre_session_csrf)


# ----- members ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    csrf_token: str
    session_token: str

    @property
    def actor(self) -> Actor:
        return Actor("member", self.email, self.user_id)


async def member_session(request: Request, hiring: HiringDep) -> Member:
    token = read_cookie(request, hiring, MEMBER_COOKIE)
    if token is None:
        raise HiringError(401, "unauthorized", "sign in first (/hiring/login)")
    async with hiring.engine.connect() as conn:
        session = await web_sessions.lookup(conn, token, "member", hiring.now())
        email = None
        if session is not None and session.user_id is not None:
            email = (await conn.execute(sa.select(users.c.email).where(users.c.id == session.user_id))).scalar()
    if session is None or session.user_id is None or email is None:
        raise HiringError(401, "unauthorized", "your session has ended: sign in again (/hiring/login)")
    _check_csrf(request, session.csrf_token)
    return Member(session.user_id, email, session.csrf_token, token)


MemberDep = Annotated[Member, Depends(member_session)]


@dataclass(frozen=True)
class OrgAccess:
    org_id: str
    role: Role
    member: Member

    @property
    def actor(self) -> Actor:
        return self.member.actor


async def _access(hiring: Hiring, member: Member, org_id: str | None, minimum: Role, what: str) -> OrgAccess:
    if org_id is None:
        raise not_found(what)
    async with hiring.engine.connect() as conn:
        role = await accounts.role_in(conn, org_id, member.user_id)
    if role is None:
        # Not a member: the organisation's objects do not exist for this caller.
        raise not_found(what)
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise HiringError(403, "forbidden", f"this needs the {minimum} role or above; you are a {role}")
    return OrgAccess(org_id, role, member)


def org_role(minimum: Role) -> Callable[..., Awaitable[OrgAccess]]:
    async def dependency(org_id: IdPath, member: MemberDep, hiring: HiringDep) -> OrgAccess:
        return await _access(hiring, member, org_id, minimum, "organisation")

    return dependency


@dataclass(frozen=True)
class CampaignAccess(OrgAccess):
    campaign_id: str = ""


def campaign_role(minimum: Role) -> Callable[..., Awaitable[CampaignAccess]]:
    async def dependency(campaign_id: IdPath, member: MemberDep, hiring: HiringDep) -> CampaignAccess:
        async with hiring.engine.connect() as conn:
            org_id = await campaigns.org_of(conn, campaign_id)
        access = await _access(hiring, member, org_id, minimum, "campaign")
        return CampaignAccess(access.org_id, access.role, access.member, campaign_id)

    return dependency


@dataclass(frozen=True)
class CandidateAccess(OrgAccess):
    candidate_id: str = ""


def candidate_role(minimum: Role) -> Callable[..., Awaitable[CandidateAccess]]:
    async def dependency(candidate_id: IdPath, member: MemberDep, hiring: HiringDep) -> CandidateAccess:
        async with hiring.engine.connect() as conn:
            org_id = await candidates.org_of(conn, candidate_id)
        access = await _access(hiring, member, org_id, minimum, "candidate")
        return CandidateAccess(access.org_id, access.role, access.member, candidate_id)

    return dependency


# ----- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateSelf:
    candidate_id: str
    csrf_token: str
    session_token: str


async def candidate_session(request: Request, hiring: HiringDep) -> CandidateSelf:
    token = read_cookie(request, hiring, CANDIDATE_COOKIE)
    if token is None:
        raise HiringError(401, "unauthorized", "open the link from your invitation to continue")
    async with hiring.engine.connect() as conn:
        session = await web_sessions.lookup(conn, token, "candidate", hiring.now())
    if session is None or session.candidate_id is None:
        raise HiringError(401, "unauthorized", "this browser's session has ended (or your data was deleted)")
    _check_csrf(request, session.csrf_token)
    return CandidateSelf(session.candidate_id, session.csrf_token, token)


CandidateSelfDep = Annotated[CandidateSelf, Depends(candidate_session)]


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def base_url(request: Request, hiring: Hiring) -> str:
    """Where browsers reach this server, for links handed to people."""
    return (hiring.public_url or str(request.base_url)).rstrip("/")
