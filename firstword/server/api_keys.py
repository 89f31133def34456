"""The API key of the OpenAI-compatible and AI SDK endpoints: ``Authorization: Bearer KEY`` with
KEY one of ``server.api_keys`` (``FIRSTWORD_SERVER__API_KEYS="k1,k2"``).

Unlike a session's token, a key is not tied to a session: it lets its bearer talk to every
persona and spend the model. With no key configured these endpoints answer 401 to everyone (the
message says how to set one), so a server is never opened to the network by default. The key
presented is never echoed, logged or compared in a way that leaks its length or prefix
(``secrets.compare_digest`` against every configured key).
"""

from __future__ import annotations

import secrets

from fastapi import Request

from firstword.server.openai_errors import OpenAiError

INVALID_API_KEY = "invalid_api_key"
ENV_NAME = "FIRSTWORD_SERVER__API_KEYS"


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def key_matches(presented: str, accepted: list[str]) -> bool:
    given = presented.encode("utf-8", "surrogatepass")
    # Every key is compared, so the time taken does not say which one (or whether any) matched.
    matched = False
    for key in accepted:
        matched |= secrets.compare_digest(given, key.encode("utf-8", "surrogatepass"))
    return matched


async def require_api_key(request: Request) -> None:
    """A dependency: 401 (an OpenAI error object, code ``invalid_api_key``) unless the request
    carries one of the configured keys."""
    accepted = [k.get_secret_value() for k in request.app.state.settings.server.api_keys if k.get_secret_value()]
    if not accepted:
        raise _unauthorized(
            f"this server accepts no API keys yet: set {ENV_NAME} (comma-separated) and send one as "
            "'Authorization: Bearer KEY'"
        )
    presented = presented_key(request)
    if presented is None:
        raise _unauthorized("no API key given: send 'Authorization: Bearer KEY' with one of the server's keys")
    if not key_matches(presented, accepted):
        raise _unauthorized("incorrect API key provided")


def _unauthorized(message: str) -> OpenAiError:
    return OpenAiError(401, message, code=INVALID_API_KEY, headers={"WWW-Authenticate": "Bearer"})
