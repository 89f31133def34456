"""The OpenAI-compatible API over the personas: ``GET /v1/models`` (one model per persona) and
``POST /v1/chat/completions`` (``model`` = a persona id or alias), streamed or not, for any
OpenAI client (the openai SDKs, LangChain, editors' assistants).

The persona answers as in the board room: it may run one of firstword's own tools on the server
(``/analyze PATH`` to Cipher, or the model's own function call) before it answers. Those calls
are not part of this API's stream (an OpenAI client would take a ``tool_calls`` delta as a call
for *it* to run); their progress shows on ``/api/chat`` and the session's events. A request's
``tools`` are ignored for the same reason: this API never asks the client to run anything.

Errors are OpenAI error objects (``server.openai_errors``); one that happens after the stream
began is sent as a last ``data: {"error": {...}}`` event, without ``[DONE]`` (the openai SDKs
raise ``APIError`` on it). The rest of the conversation is turned into a reply as
``server.chat_request`` says.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from firstword.board.chat import ChatEngine
from firstword.board.events import ChatEvent, Finished, TextDelta, Usage
from firstword.llm.base import ChatMessage, LlmError, Priority
from firstword.server.api_keys import require_api_key
from firstword.server.chat_request import (
    PreparedReply,
    api_dossier,
    estimate_tokens,
    model_error,
    personas_of,
    prepare_reply,
    resolve_persona,
    with_sampling,
)
from firstword.server.chat_stream import ClientGone, ClosingStreamingResponse, sse_data, start, until_disconnected
from firstword.server.openai_errors import OpenAiError, OpenAiRoute, openai_error_responses

router = APIRouter(
    prefix="/v1", tags=["openai"], route_class=OpenAiRoute, dependencies=[Depends(require_api_key)],
    responses=openai_error_responses(400, 401),
)

# /v1/models' "created": when this process started (a persona has no creation date of its own).
STARTED = int(time.time())
# Sampling.max_tokens' own bound (personas.SamplingOverride).
MAX_TOKENS = 4096
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_call_id: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The fields firstword reads; any other (``tools``, ``stop``, ``seed``…) is ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message]
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    n: int | None = Field(default=None, ge=1, le=1)
    user: str | None = None


def _text(message: Message, index: int) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts: list[str] = []
    for j, part in enumerate(message.content):
        if part.type != "text" or part.text is None:
            raise OpenAiError(
                400, f"messages[{index}].content[{j}] is a {part.type!r} part: the personas read text only",
                param=f"messages[{index}].content[{j}]",
            )
        texts.append(part.text)
    return "\n".join(texts)


def _chat_messages(messages: list[Message]) -> list[ChatMessage]:
    converted: list[ChatMessage] = []
    for index, message in enumerate(messages):
        text = _text(message, index)
        if message.role in ("system", "developer"):
            converted.append(ChatMessage("system", text))
        elif message.role in ("tool", "function"):
            converted.append(ChatMessage("tool", text, tool_call_id=message.tool_call_id or message.name))
        else:
            converted.append(ChatMessage(message.role, text))
    return converted


async def _parse(request: Request) -> ChatCompletionRequest:
    raw = await request.body()
    try:
        return ChatCompletionRequest.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise OpenAiError(400, "the body is not valid JSON", code="invalid_json") from None
        where = ".".join(str(p) for p in error.get("loc", ()))
        raise OpenAiError(400, f"{where or 'body'}: {error.get('msg', 'invalid')}", param=where or None) from None


@router.get("/models")
async def list_models(request: Request) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": pid, "object": "model", "created": STARTED, "owned_by": "firstword"}
            for pid in personas_of(request).by_id
        ],
    }


@router.get("/models/{model}", responses=openai_error_responses(404))
async def get_model(request: Request, model: str) -> dict[str, Any]:
    persona = resolve_persona(request, model)
    return {"id": persona.id, "object": "model", "created": STARTED, "owned_by": "firstword"}


@router.post(
    "/chat/completions",
    responses=openai_error_responses(403, 404, 413, 415, 500, 503),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": "OpenAI's chat completion request; model is a persona id"}}}}},
)
async def chat_completions(request: Request) -> Response:
    body = await _parse(request)
    persona = with_sampling(
        resolve_persona(request, body.model),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
    )
    prepared = prepare_reply(
        request.app.state.settings, persona, _chat_messages(body.messages), await api_dossier(request)
    )
    chat: ChatEngine = request.app.state.chat
    events = chat.reply(persona, prepared.question, prepared.context, priority=Priority.LIVE)
    completion_id = f"chatcmpl-{secrets.token_urlsafe(18)}"
    created = int(time.time())
    if not body.stream:
        try:
            return await until_disconnected(request, _complete(events, prepared, completion_id, created))
        except ClientGone:
            return Response(status_code=499)
    try:
        started = await start(events)
    except LlmError as exc:
        raise model_error(exc) from None
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    chunks = _stream(started, prepared, completion_id, created, include_usage)
    return ClosingStreamingResponse(chunks, media_type="text/event-stream",
                                    headers={**SSE_HEADERS, **prepared.headers()})


def _finish_reason(event: Finished) -> str:
    return "length" if event.reason == "length" else "stop"


class _Tally:
    """Token counts as the engine reported them (summed over tool rounds), else estimated."""

    def __init__(self, prepared: PreparedReply) -> None:
        self.prepared = prepared
        self.reported: list[Usage] = []

    def usage(self, text: str) -> dict[str, int]:
        if self.reported:
            prompt = sum(u.prompt_tokens for u in self.reported)
            completion = sum(u.completion_tokens for u in self.reported)
        else:
            prompt, completion = estimate_tokens(self.prepared.prompt_chars), estimate_tokens(len(text))
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


async def _complete(
    events: AsyncIterator[ChatEvent], prepared: PreparedReply, completion_id: str, created: int
) -> JSONResponse:
    text: list[str] = []
    finish = "stop"
    tally = _Tally(prepared)
    try:
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta):
                    text.append(event.text)
                elif isinstance(event, Usage):
                    tally.reported.append(event)
                elif isinstance(event, Finished):
                    finish = _finish_reason(event)
    except LlmError as exc:
        raise model_error(exc) from None
    content = "".join(text)
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": prepared.persona.id,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }],
            "usage": tally.usage(content),
        },
        headers=prepared.headers(),
    )


async def _stream(
    events: AsyncIterator[ChatEvent], prepared: PreparedReply, completion_id: str, created: int, include_usage: bool
) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        value: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": prepared.persona.id,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        if include_usage:
            value["usage"] = None
        return sse_data(value)

    tally = _Tally(prepared)
    written: list[str] = []
    # One delta is held back so that the last one can carry the finish reason (as OpenAI's
    # streams do), rather than a separate empty chunk after it.
    pending: str | None = None
    finish = "stop"
    async with contextlib.aclosing(events):
        yield chunk({"role": "assistant", "content": ""})
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    if pending is not None:
                        yield chunk({"content": pending})
                    pending = event.text
                    written.append(event.text)
                elif isinstance(event, Usage):
                    tally.reported.append(event)
                elif isinstance(event, Finished):
                    finish = _finish_reason(event)
        except LlmError as exc:
            if pending is not None:
                yield chunk({"content": pending})
            yield sse_data(model_error(exc).body())
            return
    yield chunk({"content": pending} if pending is not None else {}, finish)
    if include_usage:
        yield sse_data({
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": prepared.persona.id,
            "choices": [],
            "usage": tally.usage("".join(written)),
        })
    yield sse_data("[DONE]")

