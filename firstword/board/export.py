"""A board conversation as Markdown and JSON: who said what, the tools each answer used, what
the critic struck (and why), and the action items with the line they came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from firstword.board.room import USER, BoardRoom, Said


def room_to_json(room: BoardRoom) -> dict[str, Any]:
    return {
        "session_id": room.session_id,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "messages": [_said_json(s) for s in room.said],
        "action_items": [item.model_dump(mode="json") for item in room.items],
    }


def _said_json(said: Said) -> dict[str, Any]:
    data: dict[str, Any] = {"role": "user" if said.kind == "user" else "assistant", "turn": said.turn, "seq": said.seq}
    if said.persona is not None:
        data.update(persona=said.persona.id, name=said.persona.name, answer_id=said.answer_id, status=said.status)
    data["text"] = said.text
    if said.struck:
        data["standing_text"] = said.standing
        data["struck"] = [
            {"start": start, "end": end, "text": said.text[start:end], "reason": reason, "correction": correction or None}
            for start, end, reason, correction in said.struck
        ]
    if said.tools:
        data["tools"] = [
            {k: call.get(k) for k in ("call_id", "tool", "arguments", "chosen_by", "progress", "summary", "error", "status")}
            for call in said.tools
        ]
    return data


def room_to_markdown(room: BoardRoom) -> str:
    lines = ["# Board room conversation", "", f"- **Session:** `{room.session_id}`",
             f"- **Exported:** {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}", ""]
    for said in room.said:
        if said.kind == "user":
            lines += [f"## {USER}", "", _quote(said.text), ""]
            continue
        who = f"{said.persona.name}, {said.persona.title}" if said.persona else "Advisor"
        status = "" if said.status == "done" else f" ({said.status})"
        lines += [f"### {who}{status}", ""]
        for call in said.tools:
            outcome = call.get("summary") or call.get("error") or ""
            lines.append(f"- Tool `{call['tool']}` ({call.get('status', 'running')}): {outcome}")
        if said.tools:
            lines.append("")
        lines += [_markdown_text(said), ""]
        for start, end, reason, correction in said.struck:
            note = f"- Struck by the critic ({reason}): “{said.text[start:end].strip()}”"
            if correction:
                note += f" → “{correction}”"
            lines.append(note)
        if said.struck:
            lines.append("")
    if room.items:
        lines += ["## Action items", ""]
        for item in room.items:
            extra = ", ".join(x for x in (f"owner: {item.owner}" if item.owner else "", f"due: {item.due}" if item.due else "") if x)
            lines.append(f"- [ ] {item.text}" + (f" ({extra})" if extra else ""))
        lines.append("")
    return "\n".join(lines)


def _markdown_text(said: Said) -> str:
    if not said.struck:
        return said.text.strip()
    text = said.text
    for start, end, _, correction in sorted(said.struck, reverse=True):
        struck = text[start:end].strip()
        replacement = f"~~{struck}~~" + (f" {correction}" if correction else "")
        text = text[:start] + replacement + text[end:]
    return text.strip()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])
