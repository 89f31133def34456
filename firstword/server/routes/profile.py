"""The profile: the sample one, a resume's text before any session exists, and a session's
profile replaced whole or by a resume upload (the prompt prefix is re-warmed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile

from firstword.answerer.profile import Profile, ProfileError, read_pdf_text, sample_profile
from firstword.events.wire import ErrorCode
from firstword.server.dependencies import RegistryDep, owned_session
from firstword.server.errors import ERROR_RESPONSES, ApiError
from firstword.sessions import Session

router = APIRouter(tags=["profile"])

MAX_UPLOAD_BYTES = 2_000_000
_OWNER_ERRORS = {k: ERROR_RESPONSES[k] for k in (400, 401, 403, 404, 409)}


def extract_resume_text(data: bytes) -> str:
    """Text of an uploaded resume: a PDF (through pypdf) or UTF-8 text."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"resume file larger than {MAX_UPLOAD_BYTES // 1_000_000} MB", ErrorCode.MESSAGE_TOO_LARGE)
    try:
        text = read_pdf_text(data) if data.startswith(b"%PDF") else data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ApiError(415, "resume must be a PDF or UTF-8 text", ErrorCode.BAD_REQUEST) from None
    except ProfileError as exc:
        raise ApiError(400, str(exc), ErrorCode.BAD_REQUEST) from None
    if not text:
        raise ApiError(400, "the resume file is empty", ErrorCode.BAD_REQUEST)
    return text


@router.get("/profile/sample")
async def sample() -> dict[str, Any]:
    """The demo profile that ships with firstword, for the overlay's "load sample" button."""
    return sample_profile().to_dict()


@router.post("/profile/extract", responses={400: ERROR_RESPONSES[400]})
async def extract(file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Text of a resume file, before any session exists (the page fills its form with it)."""
    text = extract_resume_text(await file.read(MAX_UPLOAD_BYTES + 1))
    return {"text": text, "chars": len(text), "filename": file.filename}


@router.put("/sessions/{session_id}/profile", responses=_OWNER_ERRORS)
async def put_profile(
    body: dict[str, Any],
    registry: RegistryDep,
    session: Annotated[Session, Depends(owned_session("change the profile"))],
) -> dict[str, Any]:
    try:
        profile = Profile.from_dict(body)
    except ProfileError as exc:
        raise ApiError(400, str(exc), ErrorCode.BAD_REQUEST) from None
    await registry.update_profile(session, profile)
    return {"ok": True, "profile": profile.to_dict()}


@router.post("/sessions/{session_id}/profile/resume", responses=_OWNER_ERRORS)
async def upload_resume(
    file: Annotated[UploadFile, File()],
    registry: RegistryDep,
    session: Annotated[Session, Depends(owned_session("change the profile"))],
) -> dict[str, Any]:
    text = extract_resume_text(await file.read(MAX_UPLOAD_BYTES + 1))
    profile = Profile(**{**session.answerer.profile.to_dict(), "resume": text})
    await registry.update_profile(session, profile)
    return {"ok": True, "resume_chars": len(text), "resume": text}
