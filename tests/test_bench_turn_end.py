"""`firstword bench turn-end`: scoring policies on labelled pauses (hand-made pauses, no audio)."""

from __future__ import annotations

import random

import pytest

from firstword.bench.turn_end import (
    FEATURES,
    Pause,
    choose,
    cross_validated,
    fit,
    predictive_wait,
    score,
    semantic_wait,
    tradeoff,
)
from firstword.config import EndpointingConfig, TurnEndConfig


def pause(label: str, silence: float | None, text: str, *, file: str = "f.wav", resumed=(), decode: float = 60.0,
          **values: float) -> Pause:
    features = {name: 0.0 for name in FEATURES}
    features.update(values)
    return Pause(file=file, corpus="c", index=0, speech_end_ms=1000.0, silence_ms=silence, label=label, text=text,
                 resumed_ms=list(resumed), decode_ms=decode, features=features)


def test_todays_policy_waits_by_the_ending_and_never_before_the_transcript() -> None:
    config = EndpointingConfig()
    assert semantic_wait(pause("end", None, "Why this job?"), config) == 320
    assert semantic_wait(pause("mid", 500, "a time when you had to,"), config) == 800
    assert semantic_wait(pause("end", None, "why this job"), config) == 480
    # A slow decode: the transcript is known only after 96 + 400 ms.
    assert semantic_wait(pause("end", None, "Why this job?", decode=400), config) == 320


def test_the_predictive_wait_follows_the_probability_the_speaker_and_the_transcript() -> None:
    config = EndpointingConfig(prefetch_silence_ms=96, turn_end=TurnEndConfig(short_ms=160, sure_end=0.7, likely_end=0.4, medium_ms=320,
                                                      long_ms=800, speaker_margin_ms=150,
                                                      sure_overrides_speaker=False))
    assert predictive_wait(pause("end", None, "Why this job?"), 0.9, config) == 160
    assert predictive_wait(pause("end", None, "Why this job?"), 0.5, config) == 320
    assert predictive_wait(pause("mid", 300, "and the,"), 0.1, config) == 800
    # Not before the pause's transcript exists: 96 ms + a 200 ms decode.
    assert predictive_wait(pause("end", None, "Why this job?", decode=200), 0.9, config) == 320
    # The speaker came back after 600 ms earlier in the turn.
    assert predictive_wait(pause("end", None, "Why this job?", resumed=(600.0,)), 0.9, config) == 768
    # Unless a sure end may override it.
    config.turn_end.sure_overrides_speaker = True
    assert predictive_wait(pause("end", None, "Why this job?", resumed=(600.0,)), 0.9, config) == 160
    assert predictive_wait(pause("end", None, "Why this job?", resumed=(600.0,)), 0.5, config) == 768
    # "um" and lists wait hesitation_ms whatever the probability.
    assert predictive_wait(pause("mid", 900, "So, um"), 0.9, config) == 1216


def test_score_counts_take_backs_as_the_live_benchmark_does_and_precision_recall_by_the_labels() -> None:
    pauses = [
        pause("end", None, "a"),  # a turn end
        pause("end", 2000, "b"),  # a turn end (longer than the continuation window)
        pause("end", 500, "c"),  # labelled end, but the speaker went on: a take-back if called
        pause("mid", 700, "d"),  # a mid pause called over: a take-back
        pause("mid", 100, "e"),  # too short to be called
    ]
    waits = [200, 200, 320, 320, 320]
    s = score(pauses, waits)
    assert s["turns"] == 2 and s["taken_back"] == 2 and s["taken_back_per_turn"] == 1.0
    assert s["end_wait_ms"]["p50"] == 200 and s["mid_cut"] == 1
    assert s["at"]["150"] == {"precision": None, "recall": 0.0}
    assert s["at"]["200"] == {"precision": 1.0, "recall": round(2 / 3, 3)}
    assert s["at"]["300"]["recall"] == round(2 / 3, 3)
    assert s["at"]["300"]["precision"] == 1.0  # the mid pause's 320 ms wait is past 300
    assert s["single_end_wait_ms"] == {"n": 2, "p50": 200.0, "p95": 200.0}


def test_the_model_learns_from_labelled_pauses_and_is_judged_on_recordings_it_did_not_see() -> None:
    rng = random.Random(4)
    pauses = []
    for i in range(200):
        end = rng.random() < 0.5
        pauses.append(pause("end" if end else "mid", None if end else 600.0, "x", file=f"{i % 20}.wav",
                            question_mark=float(end and rng.random() < 0.9), open_end=float(not end and rng.random() < 0.8)))
    model = fit(pauses)
    weights = dict(zip(FEATURES, model.weights))
    assert weights["question_mark"] > 1 and weights["open_end"] < -1
    probabilities = cross_validated(pauses)
    ends = [q for p, q in zip(pauses, probabilities) if p.end]
    mids = [q for p, q in zip(pauses, probabilities) if not p.end]
    assert sum(ends) / len(ends) > 0.7 > 0.3 > sum(mids) / len(mids)
    # The grid's choice and the trade-off curve come out of the same probabilities.
    rows = [{"single_end_wait_ms": {"p50": 192, "p95": 320}, "taken_back_per_turn": 0.4, "end_wait_ms": {"mean": 1}},
            {"single_end_wait_ms": {"p50": 192, "p95": 320}, "taken_back_per_turn": 0.2, "end_wait_ms": {"mean": 1}},
            {"single_end_wait_ms": {"p50": 480, "p95": 480}, "taken_back_per_turn": 0.0, "end_wait_ms": {"mean": 1}}]
    assert choose(rows) is rows[1]  # the fewest take-backs among the quick ones
    curves = tradeoff(pauses, probabilities)
    assert set(curves) == {"semantic", "predictive"} and curves["predictive"]


@pytest.mark.parametrize("knob", ["short_ms", "sure_end"])
def test_the_tradeoff_front_has_no_point_beaten_on_both_axes(knob: str) -> None:
    pauses = [pause("end", None, "Why?", question_mark=1.0), pause("mid", 400, "So I", open_end=1.0)] * 5
    front = tradeoff(pauses, [0.9, 0.2] * 5)["predictive"]
    for p in front:
        assert not any(q["cut_per_turn"] <= p["cut_per_turn"] and q["end_wait_p50"] < p["end_wait_p50"] for q in front)
        assert knob in p
