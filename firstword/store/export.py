"""A session's history as JSON (for tools) or Markdown (for people).

Neither carries the owner token's hash: an export is meant to be shared.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from firstword.answerer.personas import current_personas
from firstword.store.base import (
    Amendment,
    AnswerRecord,
    SessionHistory,
    SessionSummary,
    TurnRecord,
)

EXPORT_VERSION = 1

# (timings key, label) in the order the latency line shows them: the headline first.
LATENCY_FIELDS: tuple[tuple[str, str], ...] = (
    ("e2e_first_word_ms", "e2e"),
    ("vad_to_first_word_ms", "vad→word"),
    ("endpoint_delay_ms", "endpoint"),
    ("stt_final_ms", "stt final"),
    ("llm_ttft_ms", "llm ttft"),
)


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def summary_to_json(summary: SessionSummary) -> dict[str, Any]:
    return {
        "session_id": summary.session_id,
        "node_id": summary.node_id,
        "persona": summary.persona,
        "status": summary.status.value,
        "created_at": summary.created_at,
        "created_at_iso": iso(summary.created_at),
        "closed_at": summary.closed_at,
        "closed_at_iso": iso(summary.closed_at),
        "turns": summary.turns,
        "last_seq": summary.last_seq,
        "title": summary.title,
    }


def history_to_json(history: SessionHistory) -> dict[str, Any]:
    return {
        "version": EXPORT_VERSION,
        "session": summary_to_json(history.summary),
        "profile": _json_safe(history.profile),
        "turns": [_turn_json(turn) for turn in history.turns],
        # Read by rules as the session went (firstword.actions): text, owner, due, rule and the
        # seq of the event each was read from.
        "action_items": _json_safe(history.action_items),
    }


def _turn_json(turn: TurnRecord) -> dict[str, Any]:
    return {
        "turn_id": turn.turn_id,
        "started_at": turn.started_at,
        "started_at_iso": iso(turn.started_at),
        "question": turn.question,
        "transcripts": list(turn.transcripts),
        "answers": [_answer_json(a) for a in turn.answers],
        "timings": _json_safe(turn.timings),
    }


def _answer_json(answer: AnswerRecord) -> dict[str, Any]:
    return {
        "answer_id": answer.answer_id,
        # The board-room advisor who answered (None for the copilot).
        "persona": answer.persona,
        "trigger": answer.trigger,
        "status": answer.status,
        "cancel_reason": answer.cancel_reason,
        "early": answer.early,
        "retracted": answer.retracted,
        "text": answer.text,
        # Sentences the critic withdrew (offsets in ``text``) and what was put in their place.
        "retractions": [
            {"start": m.start, "end": m.end, "reason": m.reason, "evidence": m.evidence,
             "sentence": _span(answer.text, m.start, m.end)}
            for m in answer.amendments
            if m.kind == "retracted"
        ],
        "corrections": [
            {"start": m.start, "end": m.end, "text": m.text} for m in answer.amendments if m.kind == "corrected"
        ],
    }


def advisor(persona: str) -> str:
    """'Atlas, Strategy advisor' for a persona id this server knows; the id itself otherwise."""
    try:
        found = current_personas().find(persona)
    except Exception:  # noqa: BLE001 - an export never fails for want of a persona's name
        found = None
    return f"{found.name}, {found.title}" if found is not None else persona


def _span(text: str, start: int | None, end: int | None) -> str | None:
    if start is None or end is None or not 0 <= start <= end <= len(text):
        return None
    return text[start:end]


def _json_safe(value: Any) -> Any:
    """Plain JSON values only: NaN and infinities become null, odd objects their text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return str(value)


# ----- Markdown ------------------------------------------------------------------------------------


def history_to_markdown(history: SessionHistory) -> str:
    s = history.summary
    title = s.title or f"Session {s.session_id}"
    lines = [
        f"# {_inline(title)}",
        "",
        f"- **Session:** `{s.session_id}`",
        f"- **Date:** {_when(s.created_at)}",
        f"- **Persona:** {_inline(s.persona)}",
        f"- **Status:** {s.status.value}" + (f" (ended {_when(s.closed_at)})" if s.closed_at else ""),
        f"- **Turns:** {len(history.turns)}",
        "",
    ]
    if not history.turns:
        lines += ["*No questions were heard in this session.*", ""]
    for turn in history.turns:
        lines += _turn_markdown(turn)
    lines += _actions_markdown(history.action_items)
    return "\n".join(lines).rstrip() + "\n"


def _actions_markdown(items: list[dict[str, Any]]) -> list[str]:
    """'- [ ] send the take-home (owner: Interviewer, due: 2026-03-06)', one line an item."""
    if not items:
        return []
    lines = ["## Action items", ""]
    for item in items:
        details = [f"{label}: {_inline(str(item[key]))}" for key, label in (("owner", "owner"), ("due", "due"))
                   if item.get(key)]
        lines.append(f"- [ ] {_inline(str(item.get('text') or ''))}" + (f" ({', '.join(details)})" if details else ""))
    return lines + [""]


def _turn_markdown(turn: TurnRecord) -> list[str]:
    heading = f"## Turn {turn.turn_id}"
    if turn.started_at is not None:
        heading += f" · {datetime.fromtimestamp(turn.started_at, UTC):%H:%M:%S} UTC"
    lines = [heading, ""]
    question = turn.question.strip()
    lines += [f"**Question:** {_inline(question) if question else '*(no transcript)*'}", ""]
    if not turn.answers:
        lines += ["*No answer.*", ""]
    for answer in turn.answers:
        lines += _answer_markdown(answer)
    latency = latency_line(turn.timings)
    if latency:
        lines += [f"*Latency:* {latency}", ""]
    return lines


def _answer_markdown(answer: AnswerRecord) -> list[str]:
    tags = [answer.trigger]
    if answer.early:
        tags.append("early")
    if answer.status == "cancelled":
        tags.append(f"cancelled: {answer.cancel_reason}" if answer.cancel_reason else "cancelled")
    else:
        tags.append(answer.status)
    if answer.retracted:
        tags.append("retracted")
    # A whole answer withdrawn (cancelled, or retracted with no sentence named) is struck
    # through; one with retracted sentences shows them struck where they stood.
    withdrawn = answer.status == "cancelled" or (answer.retracted and not answer.amendments)
    label = f"Answer {answer.answer_id}"
    if answer.persona:
        label += f" · {_inline(advisor(answer.persona))}"
    lines = [f"**{f'~~{label}~~' if withdrawn else label}** ({', '.join(tags)})", ""]
    text = answer.text.strip()
    if not text:
        return lines + ["> *(nothing shown)*", ""]
    retracted = [m for m in answer.amendments if m.kind == "retracted"]
    if retracted and not withdrawn:
        return lines + _amended_markdown(answer.text, answer.amendments)
    for paragraph in text.splitlines():
        if not paragraph.strip():
            lines.append(">")
        elif withdrawn:
            # Struck through line by line: a strikethrough cannot span a line break.
            lines.append(f"> ~~{_inline(paragraph.strip())}~~")
        else:
            lines.append(f"> {paragraph}")
    return lines + [""]


def _amended_markdown(text: str, amendments: list[Amendment]) -> list[str]:
    """The answer with each retracted sentence struck through where it stood, its reason after
    it, and the correction in its place."""
    corrections = {(m.start, m.end): m.text for m in amendments if m.kind == "corrected" and m.text}
    out: list[str] = []
    cursor = 0
    for m in sorted((m for m in amendments if m.kind == "retracted"), key=lambda m: m.start or 0):
        if m.start is None or m.end is None or m.start < cursor or m.end > len(text):
            continue
        out.append(_inline(text[cursor : m.start]))
        out.append(f"~~{_inline(text[m.start : m.end])}~~ *(retracted: {m.reason}; {_inline(m.evidence or '')})*")
        if (fix := corrections.get((m.start, m.end))) is not None:
            out.append(f"**{_inline(fix)}**")
        cursor = m.end
    out.append(_inline(text[cursor:]))
    return ["> " + " ".join(part for part in out if part.strip()), ""]


def latency_line(timings: dict[str, Any]) -> str:
    """'e2e 475 ms · vad→word 49 ms · endpoint 362 ms · stt final 690 ms · llm ttft 104 ms'."""
    if not timings:
        return ""
    parts = []
    for key, label in LATENCY_FIELDS:
        value = timings.get(key)
        shown = f"{value:.0f} ms" if isinstance(value, (int, float)) and not isinstance(value, bool) else "–"
        parts.append(f"{label} {shown}")
    return " · ".join(parts)


def _when(ts: float | None) -> str:
    if ts is None:
        return "–"
    return f"{datetime.fromtimestamp(ts, UTC):%Y-%m-%d %H:%M:%S} UTC"


def _inline(text: str) -> str:
    # Transcripts are plain speech; keep them from turning into Markdown structure.
    return " ".join(text.split()).replace("~~", "\\~\\~")
