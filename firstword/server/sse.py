"""Server-Sent Events written straight to the ASGI server, for the fan-out path.

Hand-written rather than sse-starlette's ``EventSourceResponse`` because every event goes to
every reader: per send it adds an anyio cancel scope, a lock and a task per connection for
heartbeats, and FastAPI's middleware wraps each send twice more. With a thousand readers that was
~40 % of the server's CPU (py-spy during ``firstword bench fanout``). Here each event's frame is
encoded once and shared by all readers, a reader that fell behind gets its queued events in one
write, the frames go to the server's own ``send`` (captured by ``FirstwordApp`` before the
middleware), and heartbeats and the send timeout are run for all readers by one ticker
(``ConnectionBook``) instead of a task each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from firstword.events.wire import ErrorCode, connection_error_sse
from firstword.hub.log import HEARTBEAT, SubscriberDropped, Subscription

log = logging.getLogger("firstword.server")

RAW_SEND = "firstword.raw_send"


class SseStream:
    """One reader's stream: what the ticker needs to see of it."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.task: asyncio.Task[Any] | None = None
        self.sending_since: float | None = None
        self.gone = False


class SseResponse(Response):
    media_type = "text/event-stream"

    def __init__(
        self,
        subscription: Subscription,
        *,
        on_open: Callable[[SseStream], None],
        on_close: Callable[[SseStream], None],
    ) -> None:
        self._stream = SseStream(subscription)
        self._on_open = on_open
        self._on_close = on_close
        # As StreamingResponse does: no body attribute, so no Content-Length.
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server's own send, not the middleware's wrappers: nothing below may raise once the
        # response has started (the wrappers would not know it had), so everything is caught.
        raw: Send = scope.get(RAW_SEND, send)
        stream = self._stream
        stream.task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        watcher = loop.create_task(self._watch(receive))
        self._on_open(stream)
        try:
            await raw({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await self._pump(raw, loop)
        except (asyncio.CancelledError, OSError):
            pass  # cancelled by the ticker (a send that did not drain) or the client went away
        except Exception as exc:
            # Never a silent stop: the reader is told and resumes by Last-Event-ID (EventSource
            # reconnects by itself when the response ends).
            log.exception("SSE stream failed")
            with contextlib.suppress(Exception):
                body = connection_error_sse(
                    ErrorCode.INTERNAL, f"the server could not send an event ({type(exc).__name__}); resume by Last-Event-ID"
                )
                await raw({"type": "http.response.body", "body": body, "more_body": True})
                await raw({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            stream.subscription.close()
            self._on_close(stream)

    async def _pump(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        stream = self._stream
        sub = stream.subscription
        try:
            while batch := await sub.get_batch():
                body = batch[0].sse_frame() if len(batch) == 1 else b"".join(e.sse_frame() for e in batch)
                stream.sending_since = loop.time()
                await send({"type": "http.response.body", "body": body, "more_body": True})
                stream.sending_since = None
            if stream.gone:
                return
            if sub.end_reason is not None:
                body = connection_error_sse(ErrorCode.REVOKED, sub.end_reason)
                await send({"type": "http.response.body", "body": body, "more_body": True})
        except SubscriberDropped as exc:
            body = connection_error_sse(ErrorCode.SUBSCRIBER_DROPPED, exc.reason, resume_after=exc.last_seq)
            await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self._stream.gone = True
                self._stream.subscription.close()
                return


__all__ = ["HEARTBEAT", "RAW_SEND", "SseResponse", "SseStream"]
