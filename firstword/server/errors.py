"""Every HTTP error leaves as one body, ``{"error": {"status", "code", "message"}}``
(``events.wire.http_error_body``): raised ``HTTPException``s, access refusals, and FastAPI's own
request validation, which would otherwise answer ``{"detail": [...]}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from firstword.events.wire import ErrorCode, http_error_body
from firstword.server.auth import AccessError


class ApiError(HTTPException):
    """An HTTP error with a machine-readable code (``ErrorCode``) beside its message."""

    def __init__(
        self, status: int, message: str, code: ErrorCode | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.code = code


def error_response(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(http_error_body(status, message, code), status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts: list[str] = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None)
        return error_response(exc.status_code, str(exc.detail), code, getattr(exc, "headers", None))

    @app.exception_handler(AccessError)
    async def access_error(_: Request, exc: AccessError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc), ErrorCode.INVALID_REQUEST)


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorBody(BaseModel):
    """The one error body, as the OpenAPI document's schema for every 4xx a route declares."""

    error: ErrorDetail


# Documented on every route that can answer them, so the OpenAPI document lists the 4xx too.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "model": ErrorBody,
        "content": {"application/json": {"example": http_error_body(status, description)}},
    }
    for status, description in {
        400: "bad request (or a Host this server does not answer to)",
        401: "missing token",
        403: "wrong, revoked or read-only token (or a page from another origin)",
        404: "unknown session",
        409: "served by another node",
        410: "session closed",
        413: "request too large",
        415: "unsupported media type: send application/json (multipart/form-data for uploads)",
        422: "invalid request",
        429: "too many requests: retry after Retry-After seconds",
        503: "unavailable: at capacity, or a dependency unreachable",
    }.items()
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route decorator: these statuses' entries of ERROR_RESPONSES."""
    return {status: ERROR_RESPONSES[status] for status in statuses}
