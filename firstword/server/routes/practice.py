"""Practice mode's report: ``GET /sessions/{id}/practice/report`` (owner and observers), as
Markdown or JSON, from the node serving the session. The interview itself runs over the
session's WebSocket (docs/PROTOCOL.md, "Practice mode")."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from firstword.events.wire import ErrorCode
from firstword.server.dependencies import RegistryDep, SessionAccess
from firstword.server.errors import ApiError, error_responses

router = APIRouter(tags=["practice"])


@router.get(
    "/sessions/{session_id}/practice/report",
    responses={
        **error_responses(400, 401, 403, 404, 409, 422),
        200: {"content": {"text/markdown": {"schema": {"type": "string"}},
                          "application/json": {"schema": {"type": "object"}}}},
    },
)
async def practice_report(
    session_id: str,
    access: SessionAccess,
    registry: RegistryDep,
    format: Annotated[Literal["markdown", "json"], Query(description="markdown or json")] = "markdown",
) -> Response:
    session = registry.local(session_id)
    if session is None:
        raise ApiError(409, "this session is not served here; ask the node serving it", ErrorCode.CONFLICT)
    practice = session.practice
    if practice is None:
        raise ApiError(404, "this session is not a practice interview (create it with persona \"nova\")",
                       ErrorCode.NOT_FOUND)
    report = practice.current_report()
    name = f"firstword-practice-{session_id}"
    if format == "json":
        return JSONResponse(report.to_json(), headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
    return PlainTextResponse(report.to_markdown(), media_type="text/markdown; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.md"'})
