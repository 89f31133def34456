"""A session's event log to its readers: Server-Sent Events, and the WebSocket that also takes
audio and control messages up (the protocol machinery is in ``server.streams``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, WebSocket

from firstword.events.wire import ErrorCode
from firstword.server.dependencies import BookDep, RegistryDep, SessionAccess, get_book, get_registry, get_settings
from firstword.server.errors import ERROR_RESPONSES, ApiError, error_responses
from firstword.server.sse import SseResponse
from firstword.server.streams import serve_sse, serve_websocket

router = APIRouter(tags=["events"])


@router.get(
    "/sessions/{session_id}/events",
    responses={**error_responses(400, 401, 403, 404, 422), 410: {**ERROR_RESPONSES[410], "description": "replay gap"}},
    response_class=SseResponse, status_code=200,  # documents the 200 as text/event-stream
)
async def sse_events(
    access: SessionAccess,
    registry: RegistryDep,
    book: BookDep,
    after: Annotated[int | None, Query(ge=0, description="resume after this sequence number")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Any:
    start = after or 0
    if last_event_id:
        try:
            start = int(last_event_id)
        except ValueError:
            raise ApiError(400, "Last-Event-ID must be an event sequence number", ErrorCode.BAD_REQUEST) from None
    return await serve_sse(book, registry, access, start)


@router.websocket("/sessions/{session_id}/ws")
async def websocket_session(websocket: WebSocket, session_id: str) -> None:
    # Access is checked after the handshake, inside the protocol: a refused WebSocket gets an
    # error message and a 44xx close code it can read, not a bare handshake failure.
    await serve_websocket(
        websocket, session_id, get_book(websocket), get_registry(websocket), get_settings(websocket)
    )
