"""Request bodies are bounded as they arrive, before anything parses or spools them.

FastAPI reads a whole JSON body, and Starlette spools a whole multipart upload to a temporary
file, before any route or dependency sees them: a limit checked there (the upload's 2 MB, the
profile's field lengths) is checked after the memory or the disk was spent (the probe sent 3
million stories). This middleware refuses a declared ``Content-Length`` over
``limits.max_body_bytes`` at once, and counts a chunked body as it comes, with the one error body.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from firstword.events.wire import ErrorCode, http_error_body
from firstword.server.errors import ApiError


class _TooLarge(ApiError):
    """Raised from ``receive``: an HTTP error, because FastAPI turns any other exception while it
    reads a body into "400 There was an error parsing the body"; this one it lets through to
    the error handlers (server.errors)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes", ErrorCode.MESSAGE_TOO_LARGE)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> JSONResponse:
        message = f"request body larger than {self.max_bytes} bytes"
        return JSONResponse(http_error_body(413, message, ErrorCode.MESSAGE_TOO_LARGE), 413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refusal()(scope, receive, send)
            await self._discard(receive, int(declared))
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refusal()(scope, receive, send)

    async def _discard(self, receive: Receive, declared: int) -> None:
        """Read and drop what the client is still sending, so that it reads the 413 rather than
        a connection reset (most clients only read once they have sent the whole body). Only up
        to a few times the limit, for a few seconds: past that the connection is simply closed."""
        budget = min(declared, 4 * self.max_bytes)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                while budget > 0:
                    message = await receive()
                    if message["type"] != "http.request":
                        return
                    budget -= len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return
