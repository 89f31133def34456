"""The practice interviewer's wait: cues, speaker adaptation, the policy seam, "done", the bench."""

from __future__ import annotations

import numpy as np
import pytest

from firstword.bench.interviewer_wait import LabelledPause, Table, evaluate, flat
from firstword.config import EndpointingConfig, InterviewerWaitConfig
from firstword.endpointing.base import PauseCandidate, SpeechEnded, SpeechResumed, SpeechStarted
from firstword.endpointing.endpointer import Endpointer, TurnPolicy, turn_end_silence_ms
from firstword.endpointing.interviewer import (
    CopilotWait,
    InterviewerWait,
    create_wait_policy,
    cue_of,
    interviewer_endpointing,
    is_closing,
    list_in_progress,
)
from firstword.endpointing.semantic import required_silence_ms
from tests.conftest import corpus_dir

CHUNK = 512


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # A closing sentence: the candidate is done.
        ("...and that's how we cut latency by 40%.", "closing"),
        ("That's it.", "closing"),
        ("So yeah.", "closing"),
        ("So, yeah", "closing"),
        ("That's about it, really.", "closing"),
        ("I hope that answers your question.", "closing"),
        ("Alright, thanks.", "closing"),
        # A complete sentence that closes nothing.
        ("We shipped the migration in March.", "sentence"),
        ("The thanks I got was a promotion.", "sentence"),
        # Bare: no punctuation, no open ending.
        ("we shipped the migration in March", "bare"),
        ("", "bare"),
        # An open clause.
        ("I rewrote the scheduler because", "open"),
        ("and then we moved it to the", "open"),
        ("The hard part was the data,", "open"),
        ("We tried three things...", "open"),
        # Thinking.
        ("We had to, um", "filler"),
        ("It was, uh", "filler"),
        ("and it was, like", "filler"),
        ("the team was small, you know", "filler"),
        ("So.", "filler"),
        ("Okay, so.", "filler"),
        # A list in progress, or a point's heading.
        ("There were two reasons. First, cost.", "list"),
        ("First, we profiled the service.", "list"),
        ("There are three lessons. First, measure. Second, automate.", "list"),
        ("Two.", "list"),
        ("1", "list"),
        # A list that was closed.
        ("First, we profiled it. Finally, we cached the results.", "sentence"),
        ("There are two reasons. First, cost. Second, speed.", "sentence"),
    ],
)
def test_cues(text: str, cue: str) -> None:
    assert cue_of(text) == cue


def test_closing_and_list_helpers() -> None:
    assert is_closing("We cut p95 by half. So that's how we did it.")
    assert not is_closing("That's when the outage began, at 3 am.")
    assert not is_closing("It's all about the data.")
    assert not list_in_progress("At first I was sceptical.")  # "at first" opens no list
    assert list_in_progress("There are a few reasons, and first, the cost")


def test_default_waits_grow_with_doubt() -> None:
    w = InterviewerWait()
    c = w.config
    assert c.closing_ms < c.sentence_ms <= c.bare_ms <= c.list_ms <= c.filler_ms
    assert c.bare_ms <= c.open_ms <= c.filler_ms
    assert w.wait_ms("That's it.") == c.closing_ms
    long_reply = "We moved the ledger to PostgreSQL over two quarters, and we shipped it."
    assert w.wait_ms(long_reply) == c.sentence_ms
    assert w.wait_ms("and then we") == c.open_ms
    assert w.wait_ms("um") == c.filler_ms
    # Longer than the copilot's waits for the same endings.
    copilot = EndpointingConfig()
    for text in (long_reply, "and then we", "we shipped it"):
        assert w.wait_ms(text) > required_silence_ms(text, copilot)


def test_a_speaker_who_paused_long_and_went_on_is_waited_for_longer() -> None:
    config = InterviewerWaitConfig(sentence_ms=1200, closing_ms=700, adapt_margin_ms=400, max_wait_ms=3000,
                                   short_reply_words=0)
    w = InterviewerWait(config)
    assert w.wait_ms("We shipped it.") == 1200
    w.note_pause(1500)  # a 1.5 s pause, and the answer went on
    assert w.wait_ms("We shipped it.") == 1900
    assert w.wait_ms("That's it.") == 700, "a closing sentence is not waited out"
    w.note_pause(2900)
    assert w.wait_ms("We shipped it.") == 3000, "capped at max_wait_ms"
    w.note_pause(5000, resumed=False)  # an end: nothing learnt
    assert w.pause_history == (1500.0, 2900.0)
    # An explicit history replaces what was observed.
    assert w.wait_ms("We shipped it.", pause_history=[]) == 1200
    assert w.wait_ms("We shipped it.", pause_history=[900]) == 1300
    w.forget_speaker()
    assert w.wait_ms("We shipped it.") == 1200


def test_a_reply_of_a_few_words_is_given_the_long_wait_unless_it_signs_off() -> None:
    w = InterviewerWait()
    c = w.config
    # JFK's first pause, as tiny.en decodes it at the cut: 1.0 s of silence follows.
    assert w.wait_ms("And so my fellow American.") == c.short_reply_ms > 1100
    assert w.wait_ms("and so my fellow americans") == c.short_reply_ms
    assert w.wait_ms("That's it.") == c.closing_ms, "a sign-off is not waited out"
    assert w.wait_ms("um") == c.filler_ms, "longer waits stay longer"
    seven = "We cut the API's latency in half."
    assert w.wait_ms(seven) == c.short_reply_ms
    assert w.wait_ms(seven + " It took six weeks.") == c.sentence_ms
    off = InterviewerWait(InterviewerWaitConfig(short_reply_words=0))
    assert off.wait_ms("And so my fellow American.") == off.config.sentence_ms


def test_adaptation_remembers_only_recent_pauses_and_can_be_switched_off() -> None:
    w = InterviewerWait(InterviewerWaitConfig(sentence_ms=1000, adapt_margin_ms=0, adapt_memory=2, short_reply_words=0))
    for ms in (2500, 1100, 1200):
        w.note_pause(ms)
    assert w.wait_ms("Done.") == 1200, "the 2.5 s pause is three pauses ago"
    off = InterviewerWait(InterviewerWaitConfig(sentence_ms=1000, adapt_margin_ms=-1, short_reply_words=0))
    off.note_pause(2500)
    assert off.wait_ms("Done.") == 1000


def test_observe_learns_pauses_from_endpoint_events() -> None:
    w = InterviewerWait(InterviewerWaitConfig(sentence_ms=1000, adapt_margin_ms=100, short_reply_words=0), chunk_samples=CHUNK)
    # Voice ended at chunk 10; the first voiced chunk after the pause ends at chunk 60: 49 silent
    # chunks = 1568 ms.
    w.observe(SpeechStarted(at_sample=3 * CHUNK, speech_start_sample=0))
    w.observe(PauseCandidate(at_sample=13 * CHUNK, speech_end_sample=10 * CHUNK))
    w.observe(SpeechResumed(at_sample=60 * CHUNK))
    assert w.pause_history == (1568.0,)
    # A pause that ended the segment teaches nothing by itself.
    w.observe(PauseCandidate(at_sample=73 * CHUNK, speech_end_sample=70 * CHUNK))
    w.observe(SpeechEnded(at_sample=140 * CHUNK, speech_end_sample=70 * CHUNK))
    w.observe(SpeechResumed(at_sample=200 * CHUNK))
    assert w.pause_history == (1568.0,)
    assert w.wait_ms("We shipped it.") == 1668


def test_policy_is_selected_by_config() -> None:
    copilot = EndpointingConfig()
    assert copilot.policy == "copilot"
    policy = create_wait_policy(copilot)
    assert isinstance(policy, CopilotWait)
    for text in ("Why?", "and the", "for your country"):
        assert policy.wait_ms(text) == required_silence_ms(text, copilot)
    interviewer = EndpointingConfig(policy="interviewer", interviewer={"sentence_ms": 1500, "short_reply_words": 0})
    policy = create_wait_policy(interviewer)
    assert isinstance(policy, InterviewerWait)
    assert policy.wait_ms("We shipped it.") == 1500
    assert interviewer_endpointing(copilot).policy == "interviewer"
    with pytest.raises(ValueError):
        EndpointingConfig(policy="chatty")


def test_interviewer_policy_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from firstword.config import load_settings

    monkeypatch.setenv("FIRSTWORD_ENDPOINTING__POLICY", "interviewer")
    monkeypatch.setenv("FIRSTWORD_ENDPOINTING__INTERVIEWER__OPEN_MS", "2600")
    ep = load_settings().endpointing
    assert ep.policy == "interviewer" and ep.interviewer.open_ms == 2600


def _probabilities(*runs: tuple[float, int]) -> np.ndarray:
    return np.concatenate([np.full(n, p, np.float32) for p, n in runs])


def test_interviewer_endpointer_waits_first_wait_until_the_transcript_chooses() -> None:
    config = EndpointingConfig(
        threshold=0.5, neg_threshold=0.3, min_speech_ms=96, prefetch_silence_ms=96, end_silence_ms=320,
        policy="interviewer", interviewer={"first_wait_ms": 2240},
    )
    assert turn_end_silence_ms(config) == 2240
    assert turn_end_silence_ms(config.model_copy(update={"policy": "copilot"})) == 320
    policy = TurnPolicy(config)
    events = policy.run(_probabilities((0.9, 10), (0.0, 40)), CHUNK)
    # 40 silent chunks = 1280 ms: far past the copilot's 320, not the interviewer's first wait.
    assert [type(e) for e in events] == [SpeechStarted, PauseCandidate]
    # The transcript came: "That's it." -> closing, 700 ms: already passed, ends on the next chunk.
    wait = InterviewerWait(config.interviewer).wait_ms("That's it.")
    assert policy.require_silence_ms(wait, speech_end_sample=10 * CHUNK)
    events = policy.run(_probabilities((0.0, 1)), CHUNK)
    assert events == [SpeechEnded(at_sample=51 * CHUNK, speech_end_sample=10 * CHUNK)]


def test_force_end_ends_the_answer_at_once() -> None:
    class ValueVad:
        chunk_samples = CHUNK

        def reset(self) -> None: ...

        def speech_probability(self, chunk: np.ndarray) -> float:
            return float(chunk[0])

    ep = Endpointer(ValueVad(), EndpointingConfig(policy="interviewer", threshold=0.5, neg_threshold=0.3))
    assert ep.force_end() == [], "nothing to end outside speech"
    ep.push(np.full(10 * CHUNK, 0.9, np.float32))
    ep.push(np.zeros(CHUNK, np.float32))  # 32 ms of silence: no pause candidate yet
    assert ep.in_speech
    events = ep.force_end()
    assert events == [
        PauseCandidate(at_sample=11 * CHUNK, speech_end_sample=10 * CHUNK),
        SpeechEnded(at_sample=11 * CHUNK, speech_end_sample=10 * CHUNK),
    ]
    assert not ep.in_speech
    assert ep.force_end() == []
    # Pressed while still talking: the end is where the voice is now; more voice opens a new
    # segment only after min_speech.
    ep.push(np.full(5 * CHUNK, 0.9, np.float32))
    events = ep.force_end()
    assert isinstance(events[-1], SpeechEnded) and events[-1].speech_end_sample == 16 * CHUNK
    assert [type(e) for e in ep.push(np.full(4 * CHUNK, 0.9, np.float32))] == [SpeechStarted]


def _pause(file: str, index: int, silence: float | None, text: str) -> LabelledPause:
    return LabelledPause(file, index, 0.0, silence, silence is None, False, text, text)


def test_bench_scores_false_ends_and_end_waits() -> None:
    pauses = [
        _pause("a", 0, 900.0, "We started."),  # sentence
        _pause("a", 1, 1500.0, "and the"),  # open
        _pause("a", 2, None, "That's it."),  # closing end
        _pause("b", 0, 1300.0, "We started."),
        _pause("b", 1, None, "We finished."),
    ]
    table = Table(closing=700, sentence=1000, bare=1000, list=2000, open=2000, filler=2500, adapt_margin=None)
    long_replies = InterviewerWaitConfig(short_reply_words=0)  # these replies are all a few words
    r = evaluate(pauses, table, base=long_replies)
    assert (r["mid_pauses"], r["false_ends"], r["files_cut"]) == (3, 1, ["b"])
    # Ends wait 700 -> 704 (22 chunks of 32 ms) and 1000 -> 1024.
    assert r["end_wait_mean_ms"] == pytest.approx((704 + 1024) / 2)
    # With the adaptation, b's end waits for its 1300 ms pause plus the margin.
    r = evaluate(pauses, Table(700, 1000, 1000, 2000, 2000, 2500, 200), base=long_replies)
    assert r["end_wait_max_ms"] == 1504
    assert evaluate(pauses, flat(3200))["false_ends"] == 0
    # As shipped, a reply of a few words that reads complete waits short_reply_ms: b is not cut.
    shipped = evaluate(pauses, table)
    assert shipped["false_ends"] == 0 and shipped["end_wait_max_ms"] == 2240
    copilot = evaluate(pauses, table, copilot=True)
    assert copilot["false_ends"] == 3


@pytest.mark.engine
def test_harvard_sentences_are_not_cut_by_the_shipped_waits() -> None:
    """Real recording: ten read sentences ~1 s apart (joinly_OSR_us_000_0034_8k.wav). Silero and
    the endpointer find the pauses; taking every pause as after a complete sentence (as the live
    decode reads them), the shipped waits with the speaker adaptation cut none of them, where the
    copilot's 320 ms and a flat 1.2 s would."""
    from firstword.audio.recording import load_recording
    from firstword.bench.interviewer_wait import _pauses_in
    from firstword.endpointing.silero import SileroVad

    audio = load_recording(corpus_dir() / "joinly_OSR_us_000_0034_8k.wav")
    padded = np.concatenate([audio, np.zeros(48_000, np.float32)])
    start, pauses = _pauses_in(SileroVad().score(padded))
    assert start is not None
    mids = [s / 16 for _, s in pauses if s is not None]
    assert pauses[-1][1] is None and len(mids) >= 9
    assert max(mids) > 1200, "the reader pauses longer than the copilot would ever wait"
    wait = InterviewerWait()
    cut = []
    for ms in mids:
        if ms >= wait.wait_ms("The long journey home took a year."):
            cut.append(ms)
        wait.note_pause(ms)
    assert cut == []
    assert sum(ms >= 1200 for ms in mids) > 0
