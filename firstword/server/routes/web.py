"""The pages (``firstword/web/static``): the overlay (``/``), the board room (``/board``), the
practice interview (``/practice``), the observer page (``/watch/{id}``) and their static files.

The pages are plain files with no templating: nothing the server knows (tokens, keys, settings)
is ever written into them. The owner's token reaches the overlay only as the answer to its own
``POST /sessions``; an observer's token only through the link's fragment, which browsers never
send to the server.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(str(resources.files("firstword") / "web" / "static"))

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


router = APIRouter(include_in_schema=False)


@router.get("/")
async def overlay() -> FileResponse:
    return _page("overlay.html")


@router.get("/board")
async def board_room() -> FileResponse:
    return _page("board.html")


@router.get("/practice")
async def practice_page() -> FileResponse:
    # Practice mode: Nova, the spoken mock interviewer (firstword.pipeline.practice).
    return _page("practice.html")


@router.get("/watch/{session_id}")
async def watch(session_id: str) -> FileResponse:
    # The page reads the session id from its path and the token from the fragment; the server
    # checks both when the page connects, so an unknown session still gets a page that says so.
    return _page("watch.html")


def mount_static(app: FastAPI) -> None:
    app.mount("/static", _StaticFiles(directory=STATIC_DIR), name="static")
