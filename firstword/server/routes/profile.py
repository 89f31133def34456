"""The profile: the sample one, a resume's text before any session exists, and a session's
profile replaced whole or by a resume upload (the prompt prefix is re-warmed)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile

from firstword.answerer.pdf_worker import PdfError, PdfExtractor
from firstword.answerer.profile import MAX_FIELD_CHARS, Profile, ProfileError, sample_profile
from firstword.events.wire import ErrorCode
from firstword.server.dependencies import RegistryDep, owned_session
from firstword.server.errors import ApiError, error_responses
from firstword.sessions import Session

router = APIRouter(tags=["profile"])

MAX_UPLOAD_BYTES = 2_000_000
# 400 also for a bad Host, 403 for a page from another origin, 415 for a body of another type
# (server.guard); 410 once the session is closed.
_OWNER_ERRORS = error_responses(400, 401, 403, 404, 409, 410, 415, 422)


_INSTEAD = "paste the resume's text instead"


async def pdf_extractor(request: Request) -> PdfExtractor:
    """The app's PDF reader, made on first use. ``async`` so that it runs on the event loop:
    two requests cannot make one each, and its semaphore belongs to the server's loop."""
    state = request.app.state
    extractor: PdfExtractor | None = getattr(state, "pdf_extractor", None)
    if extractor is None:
        extractor = state.pdf_extractor = PdfExtractor.from_config(state.settings.server)
    return extractor


PdfDep = Annotated[PdfExtractor, Depends(pdf_extractor)]


def pdf_refusal(exc: PdfError, retry_after_s: float) -> ApiError:
    """The HTTP answer to a PDF that was not read: which limit, and what to do instead."""
    if exc.kind == "too_large":
        return ApiError(413, f"{exc.message}: upload a shorter resume, or paste the parts that matter as text",
                        ErrorCode.MESSAGE_TOO_LARGE)
    if exc.kind == "empty":
        return ApiError(400, f"{exc.message}: {_INSTEAD}", ErrorCode.BAD_REQUEST)
    if exc.kind == "busy":
        error = ApiError(503, f"{exc.message}: try again in a few seconds or {_INSTEAD}", ErrorCode.UNAVAILABLE)
        error.headers = {"Retry-After": str(math.ceil(retry_after_s))}
        return error
    # timeout, memory, unreadable: trying this PDF again will not help.
    limit = " (the limit)" if exc.kind in ("timeout", "memory") else ""
    return ApiError(422, f"{exc.message}{limit}: {_INSTEAD}", ErrorCode.INVALID_REQUEST)


async def extract_resume_text(data: bytes, pdfs: PdfExtractor) -> str:
    """Text of an uploaded resume: a PDF (read in a child process, see answerer.pdf_worker) or
    UTF-8 text, at most ``MAX_FIELD_CHARS`` characters, the limit ``PUT .../profile`` keeps."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"resume file larger than {MAX_UPLOAD_BYTES // 1_000_000} MB", ErrorCode.MESSAGE_TOO_LARGE)
    if data.startswith(b"%PDF"):
        try:
            text = await pdfs.extract(data)
        except PdfError as exc:
            raise pdf_refusal(exc, pdfs.limits.timeout_s) from None
    else:
        try:
            text = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ApiError(415, "resume must be a PDF or UTF-8 text", ErrorCode.BAD_REQUEST) from None
    if not text:
        raise ApiError(400, "the resume file is empty", ErrorCode.BAD_REQUEST)
    if len(text) > MAX_FIELD_CHARS:
        raise ApiError(413, f"the resume's text is longer than {MAX_FIELD_CHARS} characters: shorten it",
                       ErrorCode.MESSAGE_TOO_LARGE)
    return text


@router.get("/profile/sample", responses=error_responses(400))
async def sample() -> dict[str, Any]:
    """The demo profile that ships with firstword, for the overlay's "load sample" button."""
    return sample_profile().to_dict()


@router.post("/profile/extract", responses=error_responses(400, 403, 413, 415, 422, 503))
async def extract(file: Annotated[UploadFile, File()], pdfs: PdfDep) -> dict[str, Any]:
    """Text of a resume file, before any session exists (the page fills its form with it)."""
    text = await extract_resume_text(await file.read(MAX_UPLOAD_BYTES + 1), pdfs)
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


@router.post("/sessions/{session_id}/profile/resume", responses={**_OWNER_ERRORS, **error_responses(413, 503)})
async def upload_resume(
    file: Annotated[UploadFile, File()],
    registry: RegistryDep,
    session: Annotated[Session, Depends(owned_session("change the profile"))],
    pdfs: PdfDep,
) -> dict[str, Any]:
    text = await extract_resume_text(await file.read(MAX_UPLOAD_BYTES + 1), pdfs)
    profile = Profile(**{**session.answerer.profile.to_dict(), "resume": text})
    await registry.update_profile(session, profile)
    return {"ok": True, "resume_chars": len(text), "resume": text}
