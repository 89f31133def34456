"""The assistant over HTTP: ``POST /hiring/api/orgs/{org_id}/assistant`` answers a question as a
stream of Server-Sent Events, and ``GET /hiring/assistant`` is its page.

A POST (with the CSRF token, like every hiring POST) rather than an EventSource GET, so that the
question, which may hold a candidate's name, travels in the body and never in a URL or an access
log. The first event (``start``) is sent before any query runs; then ``query`` (which of the
fixed queries was chosen, with its slots), one ``sentence`` per sentence (Markdown, parts and
citations), and ``done``. Viewers and up may ask; nothing is written but the audit entry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from firstword.hiring.assistant.answer import MAX_QUESTION, answer
from firstword.hiring.assistant.compose import event
from firstword.hiring.service import campaigns as campaign_service
from firstword.hiring.service.accounts import check_text
from firstword.hiring.web.common import api_router
from firstword.hiring.web.deps import HiringDep, OrgAccess, org_role
from firstword.hiring.web.pages import PAGES
from firstword.server.chat_stream import ClosingStreamingResponse
from firstword.server.routes.web import PAGE_HEADERS

log = logging.getLogger("firstword.hiring")

router = api_router("hiring: assistant")
pages = APIRouter(include_in_schema=False)

Viewer = Annotated[OrgAccess, Depends(org_role("viewer"))]
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


class Ask(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    # The campaign the page is looking at: used when the question names none.
    campaign_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


def frame(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode("utf-8", "replace")


@router.post(
    "/orgs/{org_id}/assistant",
    response_class=ClosingStreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "events start, query, sentence (one per sentence), done; or error"}},
)
async def ask(body: Ask, access: Viewer, hiring: HiringDep) -> ClosingStreamingResponse:
    """Answers a question about the organisation's hiring data from a fixed set of read-only
    queries, every figure linked to its record (audited: assistant.answered)."""
    question = " ".join(check_text(body.question, "question").split())
    if body.campaign_id is not None:
        async with hiring.engine.connect() as conn:
            await campaign_service.get(conn, access.org_id, body.campaign_id)  # 404 for another org's
    return ClosingStreamingResponse(_stream(question, body.campaign_id, access, hiring),
                                    media_type="text/event-stream", headers=SSE_HEADERS)


async def _stream(question: str, campaign_id: str | None, access: OrgAccess, hiring: Any) -> AsyncIterator[bytes]:
    yield frame("start", {"question": question})
    try:
        async with hiring.engine.begin() as conn:
            result = await answer(conn, access.org_id, question, now=hiring.now(), actor=access.actor,
                                  campaign_id=campaign_id)
    except Exception as exc:  # noqa: BLE001 - the stream has started: the reader is told, not cut off
        log.exception("hiring assistant failed")
        yield frame("error", {"message": f"the answer could not be computed ({type(exc).__name__})"})
        return
    yield frame("query", {"query": result.query, "params": result.params})
    citations = 0
    for sentence in result.sentences:
        data = event(sentence)
        citations += len(data["citations"])
        yield frame("sentence", data)
    yield frame("done", {"answered": result.answered, "sentences": len(result.sentences), "citations": citations})


@pages.get("/hiring/assistant")
async def page() -> FileResponse:
    return FileResponse(PAGES / "assistant.html", media_type="text/html", headers=PAGE_HEADERS)
