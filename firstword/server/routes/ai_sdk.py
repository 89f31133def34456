"""``POST /api/chat``: a persona's reply as a Vercel AI SDK UI message stream (v1), for ``useChat``
and ``DefaultChatTransport`` (``ai`` 5 and later; checked against ``ai`` 7's own reader by
tests/test_ai_sdk.py).

The body is what ``useChat`` sends, ``{id, messages: [{id, role, parts}], trigger, messageId}``,
plus the persona: ``persona`` (or ``model``) in the body, else ``?persona=``, else ``atlas``.
The conversation becomes a reply as ``server.chat_request`` says (text parts only; tool, data
and file parts of earlier messages are not sent to the model). Same API key as ``/v1``, same
OpenAI error objects before the stream begins.

The stream, one ``data: {json}`` event per part, then ``data: [DONE]``:

* ``start`` (``messageId``); ``text-start`` / ``text-delta`` / ``text-end`` per run of text;
* per tool call the persona makes on the server: ``tool-input-available`` (``toolCallId``,
  ``toolName``, ``input``), its progress as ``data-progress`` parts (``id`` = the call's id, so
  each replaces the last in the message: ``{callId, progress, total, message}``), then
  ``tool-output-available`` (``output``: ``{summary, result, durationMs}``) or
  ``tool-output-error`` (``errorText``); a call refused before it ran (an unknown tool, a
  command that cannot run here) is one ``tool-input-error``;
* ``error`` (``errorText``) if the model fails mid-reply, then ``finish`` with ``finishReason``
  (``stop``, ``length`` or ``error``) and ``messageMetadata`` (the persona, token usage).

The critic's corrections are not part of a persona's reply stream (``board.chat``), so no
``data-correction`` parts are sent. A client that disconnects stops the model and the tool.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from firstword.board.chat import ChatEngine
from firstword.board.events import (
    ChatEvent,
    Finished,
    TextDelta,
    ToolCallDone,
    ToolCallFailed,
    ToolCallProgress,
    ToolCallStarted,
    Usage,
)
from firstword.llm.base import ChatMessage, LlmError, Priority
from firstword.server.api_keys import require_api_key
from firstword.server.chat_request import (
    PreparedReply,
    api_dossier,
    model_error,
    prepare_reply,
    resolve_persona,
)
from firstword.server.chat_stream import ClosingStreamingResponse, sse_data, start
from firstword.server.openai_errors import OpenAiError, OpenAiRoute, openai_error_responses

router = APIRouter(tags=["ai-sdk"], route_class=OpenAiRoute, dependencies=[Depends(require_api_key)])

DEFAULT_PERSONA = "atlas"
# As the AI SDK's own UI_MESSAGE_STREAM_HEADERS.
STREAM_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "x-vercel-ai-ui-message-stream": "v1",
}


class UiPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class UiMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    role: Literal["system", "user", "assistant"]
    parts: list[UiPart] | None = None
    # ai 4's messages carried their text here.
    content: str | None = None

    def text(self) -> str:
        if self.parts is None:
            return self.content or ""
        return "\n".join(p.text for p in self.parts if p.type == "text" and p.text)


class UiChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    messages: list[UiMessage]
    trigger: str | None = None
    messageId: str | None = None
    persona: str | None = None
    model: str | None = None


async def _parse(request: Request) -> UiChatRequest:
    raw = await request.body()
    try:
        return UiChatRequest.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise OpenAiError(400, "the body is not valid JSON", code="invalid_json") from None
        where = ".".join(str(p) for p in error.get("loc", ()))
        raise OpenAiError(400, f"{where or 'body'}: {error.get('msg', 'invalid')}", param=where or None) from None


def _chat_messages(body: UiChatRequest) -> list[ChatMessage]:
    messages = list(body.messages)
    # Regenerating: useChat sends the conversation up to the answer being replaced.
    while body.trigger == "regenerate-message" and messages and messages[-1].role == "assistant":
        messages.pop()
    return [ChatMessage(m.role, m.text()) for m in messages]


@router.post(
    "/api/chat",
    responses=openai_error_responses(400, 401, 403, 404, 413, 415, 500, 503),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": "useChat's body: {id, messages, trigger}, plus persona"}}}}},
)
async def api_chat(
    request: Request,
    persona_query: Annotated[str | None, Query(alias="persona", description="the persona (else the body's)")] = None,
) -> Response:
    body = await _parse(request)
    name, param = next(
        ((value, param) for value, param in ((body.persona, "persona"), (body.model, "model"),
                                             (persona_query, "persona")) if value),
        (DEFAULT_PERSONA, "persona"),
    )
    persona = resolve_persona(request, name, param)
    prepared = prepare_reply(request.app.state.settings, persona, _chat_messages(body), await api_dossier(request))
    chat: ChatEngine = request.app.state.chat
    try:
        started = await start(chat.reply(persona, prepared.question, prepared.context, priority=Priority.LIVE))
    except LlmError as exc:
        raise model_error(exc) from None
    return ClosingStreamingResponse(
        _ui_stream(started, prepared), media_type="text/event-stream", headers={**STREAM_HEADERS, **prepared.headers()}
    )


def _output(event: ToolCallDone) -> dict[str, Any]:
    return {"summary": event.summary, "result": event.output, "durationMs": event.duration_ms}


async def _ui_stream(events: AsyncIterator[ChatEvent], prepared: PreparedReply) -> AsyncIterator[bytes]:
    text_ids = (f"text_{n}" for n in itertools.count(1))
    text_id: str | None = None
    started: set[str] = set()
    usage: list[Usage] = []
    finish = "stop"
    yield sse_data({"type": "start", "messageId": f"msg_{secrets.token_hex(12)}"})
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    if text_id is None:
                        text_id = next(text_ids)
                        yield sse_data({"type": "text-start", "id": text_id})
                    yield sse_data({"type": "text-delta", "id": text_id, "delta": event.text})
                    continue
                if isinstance(event, Usage):
                    usage.append(event)
                    continue
                if isinstance(event, Finished):
                    finish = "length" if event.reason == "length" else "stop"
                    continue
                # A tool's part ends the run of text before it.
                if text_id is not None:
                    yield sse_data({"type": "text-end", "id": text_id})
                    text_id = None
                for part in _tool_parts(event, started):
                    yield sse_data(part)
        except LlmError as exc:
            if text_id is not None:
                yield sse_data({"type": "text-end", "id": text_id})
                text_id = None
            yield sse_data({"type": "error", "errorText": model_error(exc).message})
            finish = "error"
    if text_id is not None:
        yield sse_data({"type": "text-end", "id": text_id})
    metadata: dict[str, Any] = {"persona": prepared.persona.id}
    if usage:
        prompt = sum(u.prompt_tokens for u in usage)
        completion = sum(u.completion_tokens for u in usage)
        metadata["usage"] = {"promptTokens": prompt, "completionTokens": completion, "totalTokens": prompt + completion}
    yield sse_data({"type": "finish", "finishReason": finish, "messageMetadata": metadata})
    yield sse_data("[DONE]")


def _tool_parts(event: ChatEvent, started: set[str]) -> list[dict[str, Any]]:
    if isinstance(event, ToolCallStarted):
        started.add(event.call_id)
        return [{"type": "tool-input-available", "toolCallId": event.call_id, "toolName": event.tool,
                 "input": event.arguments}]
    if isinstance(event, ToolCallProgress):
        return [{"type": "data-progress", "id": event.call_id, "data": {
            "callId": event.call_id, "progress": event.progress, "total": event.total, "message": event.message}}]
    if isinstance(event, ToolCallDone):
        return [{"type": "tool-output-available", "toolCallId": event.call_id, "output": _output(event)}]
    if isinstance(event, ToolCallFailed):
        if event.call_id in started:
            return [{"type": "tool-output-error", "toolCallId": event.call_id, "errorText": event.error}]
        # Refused before it ran: the reader has no call to attach an output error to.
        return [{"type": "tool-input-error", "toolCallId": event.call_id, "toolName": event.tool, "input": {},
                 "errorText": event.error}]
    return []
