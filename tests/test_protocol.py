"""The wire protocol has one source: the models in firstword/events. docs/PROTOCOL.md, the
generated protocol.js and the pages are held to it here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from firstword.events import (
    PAYLOADS,
    AnswerDelta,
    AnswerRetracted,
    AnswerStarted,
    AnswerTrigger,
    Event,
    EventType,
    RetractReason,
    TurnLatency,
    UnknownEventType,
    payload_model,
)
from firstword.events import js
from firstword.events.wire import FATAL_CLOSE_CODES, CloseCode, ErrorCode, connection_error, http_error_body
from firstword.hub.log import EventLog

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_MD = ROOT / "docs" / "PROTOCOL.md"
STATIC = ROOT / "firstword" / "web" / "static"
PAGES = [p for p in STATIC.glob("*.js") if p.name != "protocol.js"]


def documented_events() -> dict[str, str]:
    """``| `type` | data |`` rows of the Events table: type → the row's data column."""
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    section = text.split("## Events", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`([a-z_.]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_event_type_has_a_model_and_every_model_a_type() -> None:
    assert set(PAYLOADS) == {t.value for t in EventType}
    for kind, model in PAYLOADS.items():
        assert model.event_type == kind


def test_protocol_md_lists_every_event_type_and_every_field() -> None:
    rows = documented_events()
    assert set(rows) == {t.value for t in EventType}, "PROTOCOL.md's event table and EventType differ"
    for kind, data in rows.items():
        mentioned = set(re.findall(r"`([a-z0-9_]+)`", data)) | set(re.findall(r"[{,]\s*([a-z0-9_]+)", data))
        missing = set(payload_model(kind).model_fields) - mentioned
        assert not missing, f"PROTOCOL.md's row for {kind} does not mention {sorted(missing)}"


def test_protocol_md_names_every_error_and_close_code() -> None:
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    for code in ErrorCode:
        assert f"`{code.value}`" in text, f"error code {code.value} is not documented"
    documented = {int(n) for n in re.findall(r"\b(1000|1009|1011|1013|4\d{3})\b", text)}
    assert documented == {int(c) for c in CloseCode}, "close codes in PROTOCOL.md and CloseCode differ"


def test_generated_protocol_js_is_up_to_date() -> None:
    on_disk = (STATIC / "protocol.js").read_text(encoding="utf-8")
    assert on_disk == js.render(), "web/static/protocol.js is stale: run `firstword protocol js`"


def test_pages_never_retype_event_names_close_codes_or_control_types() -> None:
    dotted = {t.value for t in EventType if "." in t.value}
    codes = {str(int(c)) for c in CloseCode if c != CloseCode.NORMAL} - {"4000"}
    for page in PAGES:
        source = page.read_text(encoding="utf-8")
        strings = set(re.findall(r"""["'`]([^"'`\n]*)["'`]""", source))
        assert not strings & dotted, f"{page.name} retypes event names {sorted(strings & dotted)}"
        controls = re.findall(r"""type\s*[:=]{1,3}\s*["'](start|stop|end|message|ping|pong)["']""", source)
        assert not controls, f"{page.name} retypes control types {controls}"
        numbers = set(re.findall(r"(?<![\w.])(\d{4})(?![\w.])", source))
        assert not numbers & codes, f"{page.name} retypes close codes {sorted(numbers & codes)}"
        for ref in re.findall(r"\b(?:EventType|CloseCode|ErrorCode|CancelReason|AnswerTrigger|ControlType)\.([A-Z_]+)", source):
            assert ref in (js.render()), f"{page.name} uses an unknown protocol name {ref}"


def test_fatal_close_codes_are_the_ones_reconnecting_cannot_fix() -> None:
    assert CloseCode.TRY_AGAIN not in FATAL_CLOSE_CODES and CloseCode.CLIENT_DROP not in FATAL_CLOSE_CODES
    assert CloseCode.UNAUTHORIZED in FATAL_CLOSE_CODES and CloseCode.NOT_FOUND in FATAL_CLOSE_CODES
    assert CloseCode.for_status(404) is CloseCode.NOT_FOUND


def test_published_events_read_back_as_their_models() -> None:
    log = EventLog("p")
    started = AnswerStarted(answer_id=3, trigger=AnswerTrigger.SPECULATIVE, question="Why us?", lead_ms=12.5)
    event = log.publish(started, turn=2)
    assert event.type == "answer.started" and event.turn == 2 and event.seq == 1
    assert event.data == {"answer_id": 3, "trigger": "speculative", "question": "Why us?", "lead_ms": 12.5}
    assert Event.from_dict(event.to_dict()).payload() == started
    assert event.payload(AnswerStarted).trigger is AnswerTrigger.SPECULATIVE
    with pytest.raises(TypeError):
        event.payload(AnswerDelta)


def test_optional_fields_absent_on_the_wire_stay_absent() -> None:
    # A delta carries no "coalesced" until the hub merges it; old readers see the same JSON.
    assert AnswerDelta(answer_id=1, text=" I").to_data() == {"answer_id": 1, "text": " I"}
    # Fields of turn.latency are always there, null when unknown (the pages rely on it).
    data = TurnLatency(question="q", segments=1, answers_cancelled=0).to_data()
    assert data["e2e_first_word_ms"] is None and data["trigger"] is None


def test_malformed_and_unknown_events_are_refused_with_a_reason() -> None:
    with pytest.raises(ValidationError, match="answer_id"):
        Event(type="answer.delta", data={"answer_id": True, "text": "x"}).payload()
    with pytest.raises(ValidationError, match="reason"):
        Event(type="answer.retracted", data={"answer_id": 1, "start": 0, "end": 4, "reason": "rude"}).payload()
    with pytest.raises(UnknownEventType):
        Event(type="answer.teleported", data={}).payload()
    # Readers tolerate fields added by a newer server.
    newer = Event(type="answer.delta", data={"answer_id": 1, "text": "x", "confidence": 0.9})
    assert newer.payload(AnswerDelta).text == "x"


def test_retraction_carries_offsets_reason_and_evidence() -> None:
    retracted = AnswerRetracted(
        answer_id=7, start=10, end=42, reason=RetractReason.UNSUPPORTED, evidence="no '40 %' in the profile"
    )
    assert retracted.to_data() == {
        "answer_id": 7, "start": 10, "end": 42, "reason": "unsupported", "evidence": "no '40 %' in the profile",
    }


def test_one_error_body_for_every_transport() -> None:
    assert http_error_body(404, "unknown session 'x'") == {
        "error": {"status": 404, "code": "not_found", "message": "unknown session 'x'"}
    }
    assert http_error_body(403, "no", ErrorCode.READ_ONLY)["error"]["code"] == "read_only"
    frame = connection_error(ErrorCode.SUBSCRIBER_DROPPED, "too slow", resume_after=41)
    assert frame == {
        "seq": None, "type": "error", "turn": None,
        "data": {"code": "subscriber_dropped", "message": "too slow", "resume_after": 41},
    }
