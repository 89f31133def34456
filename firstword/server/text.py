"""Text that comes in must be Unicode that can be written out again.

JSON may carry a lone surrogate (``"\\ud800"``), and Python's ``json`` decodes one (from an
escape, or from raw bytes, which it reads with ``surrogatepass``) into a ``str`` that no UTF-8
encoder accepts. Taken into a session, one such character made every later event, the store's
rows and the replay fail (an independent probe). So it is refused at the edge with
``400 invalid_text``, naming where it was; the event encoder repairs anything that still gets
through (``events.envelope``).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from starlette.requests import HTTPConnection

from firstword.events.wire import ErrorCode
from firstword.server.errors import ApiError

_SURROGATE = re.compile("[\ud800-\udfff]")
# What a body must contain for json.loads to produce a surrogate: an escape, or a raw UTF-8
# encoded surrogate (0xED 0xA0-0xBF ...), which strict UTF-8 would reject but json does not.
_MAYBE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def invalid_text_at(value: Any, where: str = "") -> str | None:
    """The path of the first string (or key) in ``value`` with a lone surrogate, else None.

    Iterative: a body nested thousands deep must not overflow the stack here."""
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path or "text"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    return path or "a key"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def invalid_text_message(where: str) -> str:
    return f"{where} holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text; send UTF-8"


async def check_request_body(conn: HTTPConnection) -> None:
    """An app-wide dependency: a JSON body with a lone surrogate anywhere is refused (400).

    FastAPI has parsed (and cached) the body before this runs, and answers a body it cannot
    parse, one nested too deeply included, with 400 itself; only a body that could hold a
    surrogate is looked at again, from that cache."""
    # WebSockets check their messages as they come (server.streams).
    if not isinstance(conn, Request) or conn.method not in ("POST", "PUT", "PATCH"):
        return
    if "json" not in conn.headers.get("content-type", ""):
        return
    if not _MAYBE.search(await conn.body()):
        return
    try:
        value = await conn.json()
    except (ValueError, RecursionError):
        return  # a route without a body never parsed it: nothing of it is used
    where = invalid_text_at(value)
    if where is not None:
        raise ApiError(400, invalid_text_message(where), ErrorCode.INVALID_TEXT)
