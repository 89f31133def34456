"""The hiring pages: plain files from ``web/static/hiring`` with the app's page headers (a CSP
that allows only this server's own scripts and styles). Nothing the server knows is written into
them: each page asks the API, with the browser's session cookie, for what it shows."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from firstword.server.routes.web import PAGE_HEADERS, STATIC_DIR

PAGES = STATIC_DIR / "hiring"

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(PAGES / name, media_type="text/html", headers=PAGE_HEADERS)


@router.get("/hiring")
async def home() -> FileResponse:
    # Campaigns, members and the audit log of the signed-in member's organisation.
    return _page("home.html")


@router.get("/hiring/login")
async def login() -> FileResponse:
    return _page("login.html")


@router.get("/hiring/join")
async def join() -> FileResponse:
    # A member's invitation: the token is in the link's fragment (#invite=...).
    return _page("login.html")


@router.get("/hiring/campaigns/{campaign_id}")
async def campaign(campaign_id: str) -> FileResponse:
    return _page("campaign.html")


@router.get("/hiring/candidates/{candidate_id}/report")
async def report(candidate_id: str) -> FileResponse:
    return _page("report.html")


@router.get("/hiring/candidate")
async def candidate() -> FileResponse:
    # The candidate's questionnaire: the invitation's token is in the fragment (#invite=...).
    return _page("candidate.html")
