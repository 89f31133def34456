"""Sessions: create one, read its state, ask a typed question, stop an answer, close it."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from firstword.answerer.personas import UnknownPersona
from firstword.answerer.personas import persona as get_persona
from firstword.answerer.profile import Profile, ProfileError, sample_profile
from firstword.events.wire import ErrorCode
from firstword.server.dependencies import RegistryDep, SessionAccess, SettingsDep, owned_session
from firstword.server.errors import ApiError, error_responses
from firstword.capacity.admission import NodeFull
from firstword.sessions import Session

router = APIRouter(tags=["sessions"])

# 400 also for a Host this server does not answer to, 403 for a page from another origin
# (server.guard); 410 once the session is closed.
_SESSION_ERRORS = error_responses(400, 401, 403, 404, 422)
_OWNER_ERRORS = error_responses(400, 401, 403, 404, 409, 410, 422)


class CreateSessionBody(BaseModel):
    persona: str | None = None
    profile: dict[str, Any] | None = Field(
        default=None, description="resume, job description, notes, stories; omit for the sample profile"
    )
    use_sample_profile: bool = True
    prefetch: bool | None = Field(
        default=None,
        description="answer predicted questions in idle time and show a matching one at once "
        "(default: the server's prefetch.enabled)",
    )


class MessageBody(BaseModel):
    text: str


def _admit(request: Request) -> None:
    """Sessions one client address may create (``limits.create_*``): 429 beyond, with when to retry."""
    client = request.client.host if request.client is not None else "unknown"
    wait = request.app.state.creation_limiter.admit(client)
    if wait is not None:
        retry = max(1, math.ceil(wait))
        raise ApiError(
            429, f"too many sessions created from {client}; try again in {retry} s",
            ErrorCode.RATE_LIMITED, headers={"Retry-After": str(retry)},
        )


def session_urls(request: Request, session_id: str) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    return {
        "base_url": base,
        "ws_url": f"{ws_base}/sessions/{session_id}/ws",
        "events_url": f"{base}/sessions/{session_id}/events",
    }


@router.post("/sessions", status_code=201, responses=error_responses(400, 403, 415, 422, 429, 503))
async def create_session(
    request: Request, registry: RegistryDep, body: CreateSessionBody | None = None
) -> dict[str, Any]:
    body = body or CreateSessionBody()
    # Several nodes sharing Redis: the session may run on another (firstword.capacity.placement).
    placement = getattr(request.app.state, "placement", None)
    arrival = await placement.arrival(request.headers) if placement is not None else None
    if arrival is None or not arrival.trusted:
        _admit(request)  # a signed placement was limited where the client connected
    try:
        if body.profile is not None:
            profile = Profile.from_dict(body.profile)
        elif body.use_sample_profile:
            profile = sample_profile()
        else:
            profile = Profile()
        # Checked before another node is asked: a wrong persona is the client's 400 anywhere.
        persona, prefetch = body.persona, body.prefetch
        get_persona(persona or request.app.state.settings.answer.persona)

        async def here() -> dict[str, Any]:
            session, owner_token = await registry.create(profile=profile, persona=persona, prefetch=prefetch)
            return {"session_id": session.id, "owner_token": owner_token, "mode": session.mode,
                    **session_urls(request, session.id)}

        if placement is None:
            node = registry.hub.node_id
            return {**await here(), "node": node, "placement": {"node": node, "by": node, "reason": "single node"}}
        client = request.client.host if request.client is not None else None
        return await placement.create(await request.body(), request.headers, here, arrival, client=client)
    except (ProfileError, UnknownPersona) as exc:
        raise ApiError(400, str(exc), ErrorCode.BAD_REQUEST) from None
    except NodeFull as exc:
        raise ApiError(
            503, f"{exc}; try again in {exc.retry_after_s} s", ErrorCode.UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None


@router.get("/sessions/{session_id}", responses=_SESSION_ERRORS)
async def get_session(session_id: str, access: SessionAccess, registry: RegistryDep) -> dict[str, Any]:
    meta = access.meta
    info: dict[str, Any] = {
        "session_id": session_id,
        "role": access.role,
        "persona": meta.persona,
        "node": meta.node_id,
        "status": meta.status,
        "created_at": meta.created_at,
    }
    session = registry.local(session_id)
    if session is None:
        info["served_here"] = False
        info["node_alive"] = await registry.hub.node_alive(meta.node_id)
        return info
    info["served_here"] = True
    info["mode"] = session.mode
    info["ready"] = session.ready.is_set()
    info["last_seq"] = session.log.last_seq
    if access.is_owner:
        stats = session.pipeline.stats
        info["profile"] = session.answerer.profile.to_dict()
        info["stats"] = {
            "turns": stats.turns,
            "early_kept": stats.early_kept,
            "early_cancelled": stats.early_cancelled,
            "speculation_discarded": stats.speculation_discarded,
        }
        prefetch = session.prefetch
        info["prefetch"] = None if prefetch is None else {
            # What is predicted and what is written ahead (never the answers themselves: they
            # are shown only when asked).
            "predicted": [p.text for p in prefetch.predictions],
            "prepared": [p.prediction.text for p in prefetch.prepared()],
            "hits": prefetch.stats.hits,
            "compute_s": round(prefetch.stats.compute_s, 2),
            # Turns looked up, and of them those decided beside the loop (prefetch.match_worker).
            "lookups": prefetch.stats.lookups,
            "decided_beside": prefetch.stats.beside,
        }
    return info


@router.post("/sessions/{session_id}/messages", status_code=202, responses={**_OWNER_ERRORS, **error_responses(413, 415)})
async def post_message(
    body: MessageBody,
    settings: SettingsDep,
    session: Annotated[Session, Depends(owned_session("send messages"))],
) -> dict[str, Any]:
    text = body.text.strip()
    if not text:
        raise ApiError(400, "empty message", ErrorCode.BAD_MESSAGE)
    limit = settings.server.max_message_chars
    if len(text) > limit:
        raise ApiError(413, f"message longer than {limit} characters", ErrorCode.MESSAGE_TOO_LARGE)
    turn = session.pipeline.ask(text)
    return {"ok": True, "turn": turn}


@router.post("/sessions/{session_id}/stop", responses={**_OWNER_ERRORS, **error_responses(415)})
async def stop_answer(session: Annotated[Session, Depends(owned_session("stop answers"))]) -> dict[str, Any]:
    session.pipeline.stop_answer()
    if session.board is not None:
        session.board.stop()
    return {"ok": True}


@router.delete("/sessions/{session_id}", responses=_OWNER_ERRORS)
async def delete_session(
    registry: RegistryDep, session: Annotated[Session, Depends(owned_session("close the session"))]
) -> dict[str, Any]:
    await registry.close(session.id)
    return {"ok": True}
