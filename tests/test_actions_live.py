"""Action items of a live session, read from its final transcripts as they come (LiveActions)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import httpx
import numpy as np
import pytest
import websockets

from firstword.actions.live import LiveActions
from firstword.config import Settings
from firstword.engines import Engines
from firstword.events import (
    ActionsExtracted,
    Event,
    EventType,
    Message,
    TranscriptFinal,
    UserTranscriptFinal,
)
from firstword.hub.log import EventLog
from firstword.llm.scripted import ScriptedLlm
from firstword.server.app import create_app
from firstword.testing import BurstStt, LoudnessVad, silence, tone
from tests.conftest import InLoopServer
from tests.test_server import collect_until, frames, new_session

MONDAY = dt.date(2026, 3, 2)
TAKE_HOME = "I'll send you the take-home by Friday."


def live(log: EventLog) -> LiveActions:
    actions = LiveActions(log.publish, today=lambda: MONDAY)
    log.add_listener(actions.listener)
    return actions


def heard(text: str, replaces: list[int] | None = None, *, forced_cut: bool = False) -> TranscriptFinal:
    return TranscriptFinal(
        text=text, audio_start_ms=0.0, audio_end_ms=1000.0, compute_ms=50.0,
        replaces=replaces or [], forced_cut=forced_cut,
    )


def said(text: str) -> UserTranscriptFinal:
    return UserTranscriptFinal(text=text, audio_start_ms=0.0, audio_end_ms=1000.0, compute_ms=50.0)


async def settle() -> None:
    # The extraction runs on the loop's next turn (call_soon), never inside the publish.
    for _ in range(3):
        await asyncio.sleep(0)


def extracted(log: EventLog) -> list[Event]:
    return [e for e in log.events_after(0) if e.type == EventType.ACTIONS_EXTRACTED]


async def test_a_commitment_in_a_final_is_published_after_it_with_owner_due_and_source() -> None:
    log = EventLog("s1")
    live(log)
    log.publish(heard("Thanks for coming in today."), 1)
    final = log.publish(heard(f"So, next steps. {TAKE_HOME}"), 1)
    assert log.last_seq == final.seq  # nothing published inside the final's publish
    await settle()
    [event] = extracted(log)
    assert event.seq == final.seq + 1 and event.turn == 1
    [item] = event.payload(ActionsExtracted).items
    assert (item.text, item.owner, item.due, item.rule, item.source_seq) == (
        "send you the take-home", "Interviewer", "2026-03-06", "self", final.seq
    )


async def test_the_same_task_said_again_is_not_a_new_item() -> None:
    log = EventLog("s1")
    actions = live(log)
    log.publish(heard(TAKE_HOME), 1)
    await settle()
    log.publish(heard(f"As I said, {TAKE_HOME}"), 2)
    log.publish(heard("I will send you the take-home by Friday!"), 2)
    await settle()
    assert len(extracted(log)) == 1 and len(actions.items) == 1
    # The user's own commitment is theirs, and new.
    mine = log.publish(said("Great, I'll send the take-home back by next Monday."), 2)
    await settle()
    last = extracted(log)[-1].payload(ActionsExtracted).items
    assert [(i.text, i.owner, i.due, i.source_seq) for i in last] == [
        ("send the take-home back", "You", "2026-03-09", mine.seq)
    ]


async def test_a_replaced_final_does_not_make_its_item_twice() -> None:
    log = EventLog("s1")
    live(log)
    first = log.publish(heard(TAKE_HOME), 1)
    await settle()
    # The turn's segments transcribed again together: the item is the same.
    log.publish(heard(f"{TAKE_HOME} Do you have any questions?", replaces=[first.seq]), 1)
    await settle()
    [event] = extracted(log)
    assert event.payload(ActionsExtracted).items[0].source_seq == first.seq

    # Replaced before it was read (both finals in one loop turn): read once, from the new one.
    log2 = EventLog("s2")
    live(log2)
    cut = log2.publish(heard("So I'll send you the", forced_cut=True), 1)
    whole = log2.publish(heard(TAKE_HOME, replaces=[cut.seq]), 1)
    await settle()
    [event] = extracted(log2)
    assert [(i.text, i.source_seq) for i in event.payload(ActionsExtracted).items] == [
        ("send you the take-home", whole.seq)
    ]


async def test_a_final_cut_mid_speech_waits_for_the_one_that_follows() -> None:
    log = EventLog("s1")
    live(log)
    cut = log.publish(heard("So I'll send you the", forced_cut=True), 1)
    await settle()
    assert extracted(log) == []
    whole = log.publish(heard(TAKE_HOME, replaces=[cut.seq]), 1)
    await settle()
    [event] = extracted(log)
    assert [i.source_seq for i in event.payload(ActionsExtracted).items] == [whole.seq]


async def test_questions_past_tense_and_typed_messages_are_not_items() -> None:
    log = EventLog("s1")
    actions = live(log)
    for text in (
        "Why do you want this job?",
        "Did you send the report to your manager last week?",
        "Maybe we'll talk about salary someday.",
    ):
        log.publish(heard(text), 1)
    log.publish(said("I sent the report last week and we shipped it on time."), 1)
    # Typed messages are the board room's (or questions to the copilot), not this listener's.
    log.publish(Message(text=TAKE_HOME), 2)
    await settle()
    assert extracted(log) == [] and actions.items == []


async def test_a_listener_error_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    log = EventLog("s1")
    live(log)
    # Malformed data, as a mirror could hand over: logged, not raised.
    log.append(Event(type="transcript.final", data={"text": TAKE_HOME, "replaces": 3}, turn=1, seq=1, ts=0.0))
    assert log.last_seq == 1

    # A publish that fails is logged; the log carries on.
    def broken(payload, turn):  # type: ignore[no-untyped-def]
        raise ValueError("boom")

    other = EventLog("s2")
    other.add_listener(LiveActions(broken, today=lambda: MONDAY).listener)
    with caplog.at_level(logging.ERROR, logger="firstword.actions"):
        other.publish(heard(TAKE_HOME), 1)
        await settle()
    assert "extraction failed" in caplog.text


async def test_it_stays_quiet_once_the_session_is_closed(caplog: pytest.LogCaptureFixture) -> None:
    log = EventLog("s1")
    actions = live(log)
    log.publish(heard(TAKE_HOME), 1)
    log.close()  # before the extraction runs: its publish raises RuntimeError
    with caplog.at_level(logging.ERROR, logger="firstword.actions"):
        await settle()
    assert caplog.text == "" and extracted(log) == []
    # Nothing more is read or scheduled.
    actions.listener(Event(type="transcript.final", data={"text": "Let's meet on Monday."}, turn=2, seq=9))
    await settle()
    assert actions.items == []


def test_a_log_fed_outside_an_event_loop_is_not_an_error() -> None:
    log = EventLog("s1")
    live(log)
    log.publish(heard(TAKE_HOME), 1)  # no loop to schedule on: nothing published, nothing raised
    assert extracted(log) == []


# ----- end to end ----------------------------------------------------------------------------------


async def test_a_spoken_commitment_reaches_websocket_and_sse_readers_after_its_final() -> None:
    engines = Engines(
        vad_factory=LoudnessVad,
        stt=BurstStt([("I'll send you the take-home by Friday", ".")]),
        llm=ScriptedLlm(reply=["Thank", " you", "."], interval_s=0.01),
    )
    async with InLoopServer(create_app(Settings(), engines)) as srv:
        s = await new_session(srv)
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            for frame in frames(np.concatenate([silence(200), tone(1200), silence(2600)])):
                await ws.send(frame)
            events = await collect_until(ws, lambda e, _: e["type"] == "actions.extracted")
        final = next(e for e in events if e["type"] == "transcript.final")
        assert final["data"]["text"] == TAKE_HOME
        action = events[-1]
        assert action["seq"] > final["seq"] and action["turn"] == final["turn"]
        [item] = action["data"]["items"]
        assert (item["text"], item["owner"], item["rule"], item["source_seq"]) == (
            "send you the take-home", "Interviewer", "self", final["seq"]
        )
        assert dt.date.fromisoformat(item["due"]).weekday() == 4  # a Friday
        # An SSE reader replaying the log sees the same event, after the final.
        async with httpx.AsyncClient(base_url=srv.url, timeout=10) as http:
            async with http.stream(
                "GET", f"/sessions/{s['session_id']}/events", params={"token": s["owner_token"]}
            ) as response:
                seen: list[dict] = []
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        seen.append(json.loads(line[5:]))
                        if seen[-1]["type"] == "actions.extracted":
                            break
        assert seen[-1] == action
        assert [e["seq"] for e in seen if e["type"] == "transcript.final"] == [final["seq"]]
