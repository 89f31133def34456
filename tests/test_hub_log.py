import asyncio

import pytest

from firstword.events import AnswerDelta, AnswerDone, AnswerStarted, AnswerTrigger, Message
from firstword.hub.log import EventLog, ReplayGap, SubscriberDropped


def answer_started(answer_id: int) -> AnswerStarted:
    return AnswerStarted(answer_id=answer_id, trigger=AnswerTrigger.FINAL, question="?")


async def test_sequence_numbers_are_gap_free_and_replayable():
    log = EventLog("s1")
    for i in range(5):
        log.publish(AnswerDelta(answer_id=1, text=f" {i}"), turn=1)
    assert [e.seq for e in log.events_after(0)] == [1, 2, 3, 4, 5]
    assert [e.seq for e in log.events_after(3)] == [4, 5]


async def test_late_joiner_gets_replay_then_live_without_gap_or_duplicate():
    log = EventLog("s1")
    for i in range(3):
        log.publish(Message(text=str(i)))
    sub = log.subscribe(after=1)
    log.publish(Message(text="3"))
    got = [(await sub.get()).seq for _ in range(3)]
    assert got == [2, 3, 4]


async def test_subscribe_beyond_last_seq_waits_for_new_events():
    log = EventLog("s1")
    log.publish(Message(text="x"))
    sub = log.subscribe(after=99)
    log.publish(Message(text="y"))
    event = await asyncio.wait_for(sub.get(), 1)
    assert event.seq == 2


async def test_slow_reader_is_dropped_not_waited_for():
    log = EventLog("s1", subscriber_queue=10)
    sub = log.subscribe()
    for i in range(50):
        log.publish(Message(text=str(i)))  # the producer never blocks
    with pytest.raises(SubscriberDropped) as info:
        while True:
            await sub.get()
    assert "behind" in info.value.reason
    # It may resume from the last id it saw and get everything after it.
    resumed = log.subscribe(after=info.value.last_seq)
    assert (await resumed.get()).seq == info.value.last_seq + 1


async def test_replay_gap_is_reported_when_history_was_trimmed():
    log = EventLog("s1", replay_capacity=5)
    for _ in range(10):
        log.publish(Message(text="x"))
    with pytest.raises(ReplayGap):
        log.subscribe(after=1)
    assert [e.seq for e in log.events_after(5)] == [6, 7, 8, 9, 10]


async def test_close_ends_subscribers():
    log = EventLog("s1")
    sub = log.subscribe()
    log.publish(Message(text="x"))
    log.close()
    assert (await sub.get()).seq == 1
    assert await sub.get() is None


async def test_lagging_reader_gets_coalesced_deltas_with_the_same_text():
    log = EventLog("s1")
    fast = log.subscribe()
    slow = log.subscribe()
    log.publish(answer_started(1), turn=1)
    assert (await fast.get()).type == "answer.started"
    words = [f" w{i}" for i in range(100)]
    received = []
    for word in words:
        log.publish(AnswerDelta(answer_id=1, text=word), turn=1)
        received.append(await fast.get())
    log.publish(AnswerDone(answer_id=1, text="".join(words).strip(), trigger=AnswerTrigger.FINAL), turn=1)
    # The fast reader took every delta as it came; the slow one gets one merged delta.
    assert [e.data["text"] for e in received] == words
    started, merged, done = [await slow.get() for _ in range(3)]
    assert started.type == "answer.started" and done.type == "answer.done"
    assert merged.data["text"] == "".join(words)
    assert merged.seq == 101 and merged.data["coalesced"] == [2, 101]
    # The log itself is untouched: a late joiner replays every delta.
    assert len([e for e in log.events_after(0) if e.type == "answer.delta"]) == 100


async def test_readers_that_never_read_hold_bounded_memory_and_are_dropped():
    log = EventLog("s1", subscriber_queue=1000, subscriber_bytes=50_000)
    frozen = [log.subscribe() for _ in range(100)]
    for answer in range(250):
        log.publish(answer_started(answer), turn=answer)
        for i in range(20):
            log.publish(AnswerDelta(answer_id=answer, text=f" word{i}"), turn=answer)
        # Every queue stays within its byte bound while the producer goes on.
        assert all(sub.queued_bytes <= 50_000 for sub in frozen)
    for sub in frozen:
        assert sub.ended.is_set() and sub.queued == 0
        with pytest.raises(SubscriberDropped, match="resume after event 0"):
            await sub.get()
