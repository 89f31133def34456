"""An MCP server that breaks the protocol, for the runner's tests: raw JSON-RPC on stdio (no SDK,
so it starts in a blink). It answers the handshake, tools/list and ``echo`` properly, and
``malformed``'s call with a result that is no CallToolResult (``content`` is a number)."""

from __future__ import annotations

import json
import sys

TOOLS = [
    {"name": "malformed", "description": "Answers with a malformed result.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "echo", "description": "Its argument, back.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
]


def answer(request_id: object, *, result: object = None, error: dict[str, object] | None = None) -> None:
    message: dict[str, object] = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        message["error"] = error
    else:
        message["result"] = result
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if request_id is None:
        continue  # a notification
    if method == "initialize":
        answer(request_id, result={"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                                   "serverInfo": {"name": "bad", "version": "0"}})
    elif method == "tools/list":
        answer(request_id, result={"tools": TOOLS})
    elif method == "tools/call" and message["params"]["name"] == "echo":
        answer(request_id, result={"content": [{"type": "text", "text": message["params"]["arguments"]["text"]}]})
    elif method == "tools/call":
        answer(request_id, result={"content": 5, "isError": "perhaps"})
    else:
        answer(request_id, error={"code": -32601, "message": f"Method not found: {method}"})
