"""The board room's API: the personas, a question to one advisor or the whole board, and the
conversation's export. Answers stream as the session's events (SSE or WebSocket), like every
other answer; stopping is the session's ``POST /sessions/{id}/stop``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from firstword.answerer.personas import current_personas
from firstword.board.export import room_to_json, room_to_markdown
from firstword.events.wire import ErrorCode
from firstword.personas import Persona, UnknownPersona
from firstword.server.dependencies import RegistryDep, SessionAccess, SettingsDep, owned_session
from firstword.server.errors import ApiError, error_responses
from firstword.sessions import Session

router = APIRouter(tags=["board"])

BOARD = "board"


class AskBody(BaseModel):
    text: str
    # A persona id, a list of them, or "board": every advisor in the room, in turn.
    to: str | list[str] = Field(default=BOARD)


def persona_json(persona: Persona) -> dict[str, Any]:
    return {
        "id": persona.id,
        "name": persona.name,
        "title": persona.title,
        "description": persona.description,
        "greeting": persona.greeting,
        "tools": persona.tools,
        "voice": persona.voice.model_dump() if persona.voice else None,
        "grounded": persona.grounded,
    }


def board_members() -> list[Persona]:
    """Who answers "the board": every advisor, not the copilot (it writes the user's own words,
    which is not advice)."""
    return [p for p in current_personas().values() if not p.grounded]


@router.get("/personas", responses=error_responses(400))
async def list_personas() -> dict[str, Any]:
    personas = current_personas()
    return {
        "personas": [persona_json(p) for p in personas.values()],
        "board": [p.id for p in board_members()],
        # Files that could not be read: each names the file, the field and the fix.
        "errors": [str(e) for e in personas.errors],
    }


def _recipients(to: str | list[str]) -> list[Persona]:
    names = [to] if isinstance(to, str) else list(to)
    if not names:
        raise ApiError(400, "'to' names nobody: give a persona id, a list of them, or \"board\"", ErrorCode.BAD_REQUEST)
    if len(names) > 16:
        raise ApiError(400, "'to' names more than 16 personas", ErrorCode.BAD_REQUEST)
    chosen: list[Persona] = []
    for name in names:
        try:
            group = board_members() if name == BOARD else [current_personas().get_persona(name)]
        except UnknownPersona as exc:
            raise ApiError(404, str(exc), ErrorCode.NOT_FOUND) from None
        chosen += [p for p in group if p not in chosen]
    return chosen


@router.post(
    "/sessions/{session_id}/board",
    status_code=202,
    responses=error_responses(400, 401, 403, 404, 409, 410, 413, 415, 422),
)
async def ask_board(
    body: AskBody,
    settings: SettingsDep,
    session: Annotated[Session, Depends(owned_session("ask the board"))],
) -> dict[str, Any]:
    if session.board is None:
        raise ApiError(409, "this server has no chat engine for the board room", ErrorCode.CONFLICT)
    text = body.text.strip()
    if not text:
        raise ApiError(400, "empty message", ErrorCode.BAD_MESSAGE)
    limit = settings.server.max_message_chars
    if len(text) > limit:
        raise ApiError(
            413, f"message of {len(text)} characters is longer than {limit}; shorten it or split it",
            ErrorCode.MESSAGE_TOO_LARGE,
        )
    personas = _recipients(body.to)
    turn = session.board.ask(text, personas)
    return {"ok": True, "turn": turn, "personas": [p.id for p in personas]}


@router.get(
    "/sessions/{session_id}/board/export",
    responses={
        **error_responses(400, 401, 403, 404, 409, 422),
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
    },
)
async def export_board(
    session_id: str,
    access: SessionAccess,
    registry: RegistryDep,
    format: Annotated[Literal["markdown", "json"], Query(description="markdown or json")] = "markdown",
) -> Response:
    session = registry.local(session_id)
    if session is None or session.board is None:
        raise ApiError(409, "this conversation is not served here; export it from the node serving it",
                       ErrorCode.CONFLICT)
    name = f"firstword-board-{session_id}"
    if format == "json":
        return JSONResponse(room_to_json(session.board),
                            headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
    return PlainTextResponse(room_to_markdown(session.board), media_type="text/markdown; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.md"'})
