"""The speech front end every listening pipeline builds on: endpointing events, interims while the
voice goes on, segments with pre-roll, finals with a tail, and when each frame arrived."""

from __future__ import annotations

import numpy as np

from firstword.audio.format import SAMPLE_RATE, ms_to_samples
from firstword.config import Settings
from firstword.endpointing.base import PauseCandidate, SpeechEnded, SpeechResumed, SpeechStarted
from firstword.speech.front_end import FINAL_TAIL_MS, SpeechFrontEnd
from firstword.stt.streaming import FinalTranscript, InterimTranscript
from firstword.testing import BurstStt, InlineExecutor, LoudnessVad, ManualClock, settle, silence, tone


class Recorder:
    """A listener that writes down what it hears and opens a segment at each speech start."""

    def __init__(self) -> None:
        self.front: SpeechFrontEnd | None = None
        self.heard: list[object] = []
        self.segment_starts: list[int] = []

    def speech_started(self, event: SpeechStarted) -> None:
        self.heard.append(event)
        assert self.front is not None
        self.segment_starts.append(self.front.start_segment(event.speech_start_sample))

    def pause_candidate(self, event: PauseCandidate) -> None:
        self.heard.append(event)

    def speech_resumed(self, event: SpeechResumed) -> None:
        self.heard.append(event)

    def speech_ended(self, event: SpeechEnded) -> None:
        self.heard.append(event)
        assert self.front is not None
        self.front.end_segment()

    def interim(self, interim: InterimTranscript) -> None:
        self.heard.append(interim)

    def forced_final(self, final: FinalTranscript) -> None:
        self.heard.append(final)


def make(clock: ManualClock | None = None) -> tuple[SpeechFrontEnd, Recorder, BurstStt]:
    settings = Settings()
    recorder = Recorder()
    stt = BurstStt([("Why this role", "?")])
    front = SpeechFrontEnd(
        recorder,
        vad=LoudnessVad(),
        stt=stt,
        endpointing=settings.endpointing,
        stt_config=settings.stt,
        clock=clock or ManualClock(),
        stt_executor=InlineExecutor(),
    )
    recorder.front = front
    return front, recorder, stt


async def play(front: SpeechFrontEnd, audio: np.ndarray, clock: ManualClock | None = None) -> None:
    for i in range(0, len(audio), 320):
        if clock is not None:
            clock.advance_ms(20)
        front.feed(audio[i : i + 320])
        await settle(3)


async def test_one_utterance_gives_started_pause_ended_and_interims_only_while_voiced():
    front, recorder, _ = make()
    await play(front, np.concatenate([silence(1000), tone(1500), silence(1500)]))
    kinds = [type(h).__name__ for h in recorder.heard]
    assert kinds.count("SpeechStarted") == 1 and kinds.count("SpeechEnded") == 1
    assert kinds.index("SpeechStarted") < kinds.index("PauseCandidate") < kinds.index("SpeechEnded")
    interims = [h for h in recorder.heard if isinstance(h, InterimTranscript)]
    assert interims, "a 1.5 s utterance gets interims while it is spoken"
    ended = next(h for h in recorder.heard if isinstance(h, SpeechEnded))
    # No interim reaches past the end of the voice: the decoder is kept free in the pause.
    assert all(i.end_sample <= ended.at_sample for i in interims)
    await front.aclose()


async def test_segments_start_with_the_pre_roll_but_never_before_the_audio_held():
    front, recorder, _ = make()
    await play(front, np.concatenate([silence(1000), tone(800), silence(1200)]))
    started = next(h for h in recorder.heard if isinstance(h, SpeechStarted))
    pre_roll = ms_to_samples(Settings().endpointing.pre_roll_ms)
    assert recorder.segment_starts == [started.speech_start_sample - pre_roll]

    early, early_recorder, _ = make()
    await play(early, np.concatenate([tone(800), silence(1200)]))  # speech from the first sample
    assert early_recorder.segment_starts == [0]
    await front.aclose()
    await early.aclose()


async def test_final_end_adds_the_tail_but_not_audio_not_yet_received():
    front, recorder, _ = make()
    await play(front, np.concatenate([silence(500), tone(1000), silence(1200)]))
    ended = next(h for h in recorder.heard if isinstance(h, SpeechEnded))
    assert front.final_end(ended.speech_end_sample) == ended.speech_end_sample + ms_to_samples(FINAL_TAIL_MS)
    assert front.final_end(front.audio_end) == front.audio_end
    final = await front.transcribe_window(recorder.segment_starts[0], front.final_end(ended.speech_end_sample), None)
    assert final.text == "Why this role?"
    await front.aclose()


async def test_arrival_of_places_a_sample_on_the_feeding_clock():
    clock = ManualClock(start=100.0)
    front, _, _ = make(clock)
    await play(front, silence(1000), clock)  # 50 frames of 20 ms, the clock moving with them
    # Sample 0 arrived with the first frame (t = 100.02); the last sample with the 50th.
    assert front.arrival_of(1) == 100.02
    assert abs(front.arrival_of(SAMPLE_RATE - 1) - 101.0) < 1e-9
    assert front.last_audio_at == clock()
    await front.aclose()


async def test_closed_front_end_takes_no_more_audio():
    front, recorder, stt = make()
    await front.aclose()
    front.feed(tone(1500))
    await settle()
    assert recorder.heard == [] and stt.decodes == 0 and front.audio_end == 0
