"""Engine for any OpenAI-compatible chat completions server (OpenAI, vLLM, Ollama, llama.cpp).

Streams ``chat.completions`` over SSE. Closing the iterator closes the HTTP response, which drops
the connection mid-stream, so the server sees the disconnect and stops generating.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import openai

from firstword.config import OpenAiLlmConfig
from firstword.llm.base import ChatMessage, LlmError


class OpenAiCompatEngine:
    name = "openai"

    def __init__(self, config: OpenAiLlmConfig) -> None:
        self.config = config
        self._secret = config.api_key.get_secret_value()
        self._where = _safe_url(config.base_url)
        self._client = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=self._secret,
            timeout=config.timeout_s,
            # A retry would resend the prompt after the user is already waiting; the answerer
            # decides whether to retry (LlmError.retryable), with the turn's timing in view.
            max_retries=0,
        )

    async def warm(self, prefix: list[ChatMessage]) -> None:
        """Does nothing: the cache lives in the server, not here.

        vLLM (automatic prefix caching), llama.cpp server (cache_prompt) and OpenAI (prompt
        caching) already reuse a repeated prompt prefix on their own. Priming it with a dummy
        request would cost a paid call or a server slot per session and profile change, for a
        cache that a shared server may evict before the question comes anyway.
        """

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int, temperature: float
    ) -> AsyncIterator[str]:
        return self._stream(list(messages), max_tokens, temperature)

    async def _stream(
        self, messages: list[ChatMessage], max_tokens: int, temperature: float
    ) -> AsyncIterator[str]:
        failure: LlmError | None = None
        try:
            response = await self._client.chat.completions.create(
                model=self.config.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                # max_tokens rather than max_completion_tokens: every compatible server
                # (llama.cpp, vLLM, Ollama) understands it; some ignore the newer name.
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            )
        except Exception as exc:  # noqa: BLE001 - the contract is: every failure is an LlmError
            failure = self._error(exc, streaming=False)
        if failure is not None:
            raise failure
        finished = False
        try:
            async for chunk in response:
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason is not None:
                        finished = True
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed SSE payload, not only HTTP
            failure = self._error(exc, streaming=True)
        finally:
            # Reached on completion, error, aclose() or cancellation alike; on the last two this
            # drops the connection, which is how the server learns to stop generating.
            await response.close()
        if failure is not None:
            raise failure
        if not finished:
            raise LlmError(
                f"LLM server at {self._where} ended the stream before the answer finished",
                retryable=True,
            )

    async def aclose(self) -> None:
        await self._client.close()

    def _error(self, exc: Exception, *, streaming: bool) -> LlmError:
        """An LlmError naming the server and the cause, never the API key.

        The callers raise it outside their ``except`` blocks, so the original exception (whose
        request carries the key in its headers) is not even its ``__context__``.
        """
        retryable = True
        if isinstance(exc, openai.APITimeoutError):
            detail = f"timed out after {self.config.timeout_s:g} s"
        elif isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            detail = ("connection lost" if streaming else "connection failed") + (
                f" ({type(cause).__name__})" if cause else ""
            )
        elif isinstance(exc, openai.APIStatusError):
            retryable = exc.status_code == 429 or exc.status_code >= 500
            detail = f"HTTP {exc.status_code}: {_server_message(exc)}"
        else:
            retryable = False
            detail = f"{type(exc).__name__}: {exc}"
        what = "stream broke off" if streaming else "request failed"
        message = f"LLM server at {self._where}: {what}: {detail}"
        return LlmError(self._scrub(message), retryable=retryable)

    def _scrub(self, text: str) -> str:
        # Servers sometimes echo the key they rejected; a short or empty "key" ("not-needed",
        # "") is not a secret worth mangling messages for.
        if len(self._secret) >= 8:
            text = text.replace(self._secret, "***")
        return text


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return exc.message


def _safe_url(url: str) -> str:
    """The base URL without userinfo, query or fragment (places where credentials hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
