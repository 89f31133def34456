"""Errors of the OpenAI-compatible and AI SDK endpoints (``/v1/*``, ``/api/chat``) as OpenAI error
objects, ``{"error": {"message", "type", "param", "code"}}``, rather than the app's own body
(``server.errors``): the openai SDKs read ``error.message`` and ``error.code`` from exactly this
shape, and the AI SDK shows the body's text as the error.

The app's exception handlers are app-wide, so the routers of those endpoints use ``OpenAiRoute``,
which turns every error raised inside their handlers (the API-key check, body validation, the
app-wide body check's ``ApiError``) into this shape before the app's handlers see it. Refusals
made before routing (``EdgeGuard``'s 400/403/415, ``BodyLimit``'s 413) keep the app's body; both
carry ``error.message``, which is what a client shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

INVALID_REQUEST = "invalid_request_error"
SERVER_ERROR = "server_error"


class OpenAiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID_REQUEST,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return error_body(self.message, type=self.type, param=self.param, code=self.code)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), self.status, headers=self.headers)


def error_body(message: str, *, type: str = INVALID_REQUEST, param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


class OpenAiErrorDetail(BaseModel):
    """An OpenAI error object. ``type`` and ``param`` are absent, and ``status`` present, in the
    app's own body, which the refusals made before routing send (see the module's docstring)."""

    message: str
    type: str | None = None
    param: str | None = None
    code: str | None = None
    status: int | None = None


class OpenAiErrorBody(BaseModel):
    error: OpenAiErrorDetail


_DESCRIPTIONS = {
    400: "invalid body, unknown parameter, or a Host this server does not answer to",
    401: "missing or wrong API key",
    403: "a page from another origin",
    404: "unknown model (persona)",
    413: "request too large",
    415: "unsupported media type: send application/json",
    500: "the model failed",
    503: "the model is unavailable",
}


def openai_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route of these endpoints: its errors, as OpenAI error objects."""
    return {status: {"description": _DESCRIPTIONS[status], "model": OpenAiErrorBody} for status in statuses}


def _type_for(status: int) -> str:
    return SERVER_ERROR if status >= 500 else INVALID_REQUEST


def _validation_error(exc: RequestValidationError) -> OpenAiError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    if first.get("type") == "json_invalid":
        return OpenAiError(400, "the body is not valid JSON", code="invalid_json")
    message = f"{where or 'body'}: {first.get('msg', 'invalid')}"
    return OpenAiError(400, message, param=where or None)


class OpenAiRoute(APIRoute):
    """A route whose errors leave as OpenAI error objects (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAiError as exc:
                return exc.response()
            except RequestValidationError as exc:
                return _validation_error(exc).response()
            except StarletteHTTPException as exc:
                code = getattr(exc, "code", None)
                return OpenAiError(
                    exc.status_code, str(exc.detail), type=_type_for(exc.status_code),
                    code=str(code) if code else None, headers=getattr(exc, "headers", None),
                ).response()

        return handle
