"""Serves the overlay (``/``), the observer page (``/watch/{id}``) and their static files.

The pages are plain files with no templating: nothing the server knows (tokens, keys, settings)
is ever written into them. The owner's token reaches the overlay only as the answer to its own
``POST /sessions``; an observer's token only through the link's fragment, which browsers never
send to the server.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from firstword.answerer.profile import ProfileError, read_pdf_text, sample_profile

STATIC_DIR = Path(str(resources.files("firstword") / "web" / "static"))
MAX_UPLOAD_BYTES = 2_000_000

# Pages may talk only to this server; no inline script, no framing by other sites.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


class _StaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Any:
        response = await super().get_response(path, scope)
        response.headers.update(PAGE_HEADERS)
        return response


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers=PAGE_HEADERS)


def extract_resume_text(data: bytes) -> str:
    """Text of an uploaded resume: a PDF (through pypdf) or UTF-8 text."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"resume file larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
    try:
        text = read_pdf_text(data) if data.startswith(b"%PDF") else data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise HTTPException(415, "resume must be a PDF or UTF-8 text") from None
    except ProfileError as exc:
        raise HTTPException(400, str(exc)) from None
    if not text:
        raise HTTPException(400, "the resume file is empty")
    return text


def web_router() -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    async def overlay() -> FileResponse:
        return _page("overlay.html")

    @router.get("/watch/{session_id}", include_in_schema=False)
    async def watch(session_id: str) -> FileResponse:
        # The page reads the session id from its path and the token from the fragment; the
        # server checks both when the page connects, so an unknown session still gets a page
        # that says so.
        return _page("watch.html")

    @router.get("/profile/sample")
    async def sample() -> dict[str, Any]:
        """The demo profile that ships with firstword, for the overlay's "load sample" button."""
        return sample_profile().to_dict()

    @router.post("/profile/extract")
    async def extract(file: UploadFile = File(...)) -> dict[str, Any]:
        """Text of a resume file, before any session exists (the page fills its form with it)."""
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        text = extract_resume_text(data)
        return {"text": text, "chars": len(text), "filename": file.filename}

    return router


def mount_web(app: Any) -> None:
    app.include_router(web_router())
    app.mount("/static", _StaticFiles(directory=STATIC_DIR), name="static")
