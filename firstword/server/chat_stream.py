"""Streaming one persona's reply over HTTP, for ``/v1/chat/completions`` and ``/api/chat``: the
reply is started before the response is (so that a prompt the model refuses is still an HTTP
error with its status), and it stops when the client goes away, streamed or not.

Starlette's ``StreamingResponse`` stops *sending* when the client disconnects, but leaves the
body's generator suspended for the garbage collector to close, some time later: the model would
go on writing for nobody. ``ClosingStreamingResponse`` closes it at once, which closes the chat
engine's stream, which stops the model and any tool call (``board.chat``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from firstword.board.events import ChatEvent

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before the reply was ready."""


class ClosingStreamingResponse(StreamingResponse):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


def sse_data(value: Any) -> bytes:
    """One Server-Sent Event, ``data: JSON``. Any text that is not valid Unicode (a lone
    surrogate from a model) is replaced rather than allowed to end the stream."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n".encode("utf-8", "replace")


async def start(events: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
    """``events`` with its first event already taken: raises (``LlmError``) here, before any
    response is sent, when the reply fails at once. Closing the result closes ``events``."""
    try:
        first = await anext(events)
    except StopAsyncIteration:
        await events.aclose()
        return _empty()
    except BaseException:
        await events.aclose()
        raise
    return _chain(first, events)


async def _chain(first: ChatEvent, rest: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
    async with contextlib.aclosing(rest):
        yield first
        async for event in rest:
            yield event


async def _empty() -> AsyncIterator[ChatEvent]:
    return
    yield  # an async generator that yields nothing


async def until_disconnected(request: Request, work: Awaitable[T]) -> T:
    """``work``'s result, or ``ClientGone`` (with ``work`` cancelled) if the client disconnects
    first. For replies that are not streamed: nothing is sent until the end, so nothing else
    would notice the client leave."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        raise ClientGone()
    finally:
        for pending in (task, watcher):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending


async def _disconnect(request: Request) -> None:
    # The body has been read: the next message the server has for this request is its end.
    while (await request.receive())["type"] != "http.disconnect":
        pass
