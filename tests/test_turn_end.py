"""The end-of-turn predictor: its features (words, prosody, the speaker's pauses), the shipped
model, the policy it drives, and the copilot pipeline ending a turn by it."""

from __future__ import annotations

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.config import EndpointingConfig, Settings, TurnEndConfig
from firstword.endpointing.turn_end import (
    FEATURES,
    PauseContext,
    TurnEndModel,
    TurnEndPredictor,
    features,
    fit_logistic,
    load_model,
    pitch_track,
    prosody_features,
    text_features,
)


def glide(start_hz: float, end_hz: float, ms: int, harmonics: int = 4) -> np.ndarray:
    """A voiced-like tone whose pitch moves from start_hz to end_hz (harmonics, as a voice has)."""
    n = int(SAMPLE_RATE * ms / 1000)
    f = np.linspace(start_hz, end_hz, n)
    phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
    wave = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    return (0.2 * wave).astype(np.float32)


# ----- the words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Why do you want to leave your current job?", {"question_mark": 1, "asks": 1, "open_end": 0}),
        ("Tell me about a time you disagreed with your manager.", {"sentence_end": 1, "asks": 1}),
        ("Tell me about a time when you had to,", {"open_end": 1, "sentence_end": 0}),
        # Whisper closes a cut clause with a full stop: a sentence cannot end on "to".
        ("Tell me about a time when you had to.", {"open_end": 1, "sentence_end": 0}),
        ("So what I would like to know is, um", {"filler_end": 1, "open_end": 0}),
        ("I see you led a migration. How did you plan it?", {"question_mark": 1, "asks": 1}),
        ("I see you led a migration.", {"sentence_end": 1, "asks": 0}),
        ("", {"question_mark": 0, "sentence_end": 0, "open_end": 0}),
    ],
)
def test_text_features(text: str, expected: dict[str, int]) -> None:
    values = text_features(text)
    for name, value in expected.items():
        assert values[name] == value, (name, values)


# ----- the prosody -------------------------------------------------------------------------


def test_pitch_track_finds_the_pitch_of_a_voiced_tone() -> None:
    f0, loud = pitch_track(glide(150, 150, 600))
    voiced = f0[~np.isnan(f0)]
    assert len(voiced) >= 0.8 * len(f0)
    assert abs(float(np.median(voiced)) - 150) < 5
    assert len(loud) == len(f0)


def test_pitch_track_calls_noise_unvoiced() -> None:
    noise = np.random.default_rng(1).normal(0, 0.1, SAMPLE_RATE).astype(np.float32)
    f0, _ = pitch_track(noise)
    assert np.isnan(f0).mean() > 0.8


def test_a_falling_ending_reads_as_falling_and_a_rising_one_as_rising() -> None:
    steady = glide(160, 160, 1000)
    falling = prosody_features(np.concatenate([steady, glide(160, 110, 400)]))
    rising = prosody_features(np.concatenate([steady, glide(160, 230, 400)]))
    assert falling["pitch_slope"] < -0.3 < 0.3 < rising["pitch_slope"]
    assert falling["pitch_fall"] < 0 < rising["pitch_fall"]


def test_energy_decaying_into_the_pause_has_a_negative_slope() -> None:
    voice = glide(150, 150, 1000)
    fading = voice * np.linspace(1.0, 0.05, len(voice)).astype(np.float32)
    assert prosody_features(fading)["energy_slope"] < prosody_features(voice)["energy_slope"]


def test_silence_or_too_little_audio_gives_neutral_prosody() -> None:
    for tail in (np.zeros(0, np.float32), np.zeros(200, np.float32), np.zeros(SAMPLE_RATE, np.float32)):
        assert prosody_features(tail) == {"pitch_slope": 0.0, "pitch_fall": 0.0, "energy_slope": 0.0, "final_run": 0.0}


# ----- the speaker, the model, the policy --------------------------------------------------


def test_the_shipped_model_loads_and_reads_every_feature() -> None:
    model = load_model()
    assert len(model.weights) == len(FEATURES)
    context = PauseContext("Why do you want this job?", glide(150, 120, 1500))
    assert set(features(context)) == set(FEATURES)


def test_the_shipped_model_orders_a_question_above_a_cut_clause() -> None:
    model = load_model()
    tail = glide(150, 150, 1500)
    question = model.probability(features(PauseContext("Why do you want to leave your current job?", tail)))
    clause = model.probability(features(PauseContext("Tell me about a time when you had to,", tail)))
    filler = model.probability(features(PauseContext("What I want to ask is, um", tail)))
    assert question > 0.5 > max(clause, filler)


def test_fit_logistic_recovers_a_separating_direction() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 2 * x[:, 2] + rng.normal(scale=0.3, size=400) > 0).astype(float)
    bias, weights = fit_logistic(x, y, l2=0.1)
    assert weights[0] > 1 and weights[2] / weights[0] == pytest.approx(-2, rel=0.25)
    assert abs(weights[1]) < 0.2 * weights[0] and abs(bias) < 0.2 * weights[0]


def test_the_probability_picks_the_silence_and_the_speaker_rule_lengthens_it() -> None:
    config = EndpointingConfig(turn_end=TurnEndConfig(sure_end=0.8, likely_end=0.4, short_ms=160,
                                                      medium_ms=320, long_ms=800, speaker_margin_ms=150,
                                                      speaker_ceiling_ms=1100, sure_overrides_speaker=False))
    predictor = TurnEndPredictor(config, TurnEndModel(0.0, (0.0,) * len(FEATURES)))
    assert predictor.decide_from_probability(0.9, ()).wait_ms == 160
    assert predictor.decide_from_probability(0.5, ()).wait_ms == 320
    assert predictor.decide_from_probability(0.1, ()).wait_ms == 800
    # This speaker came back after 600 ms: a pause is not over before 750 ms.
    decision = predictor.decide_from_probability(0.9, (200.0, 600.0))
    assert decision.model_ms == 160 and decision.wait_ms == 750
    # Up to the ceiling only.
    assert predictor.decide_from_probability(0.9, (3000.0,)).wait_ms == 1100
    # A breath at a comma (under speaker_min_pause_ms) is not a held pause.
    assert predictor.decide_from_probability(0.9, (150.0, 250.0)).wait_ms == 160


def test_a_speaker_habit_from_earlier_turns_holds_even_a_sure_end_when_on() -> None:
    config = EndpointingConfig(turn_end=TurnEndConfig(sure_end=0.6, short_ms=192, speaker_margin_ms=300,
                                                      speaker_ceiling_ms=1100, speaker_habit_pauses=2,
                                                      speaker_habit_memory=3))
    predictor = TurnEndPredictor(config, TurnEndModel(0.0, (0.0,) * len(FEATURES)))
    # One held pause in earlier turns is not yet a habit; breaths never count.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(600.0, 200.0, 250.0)).wait_ms == 192
    # Two are: the longest of them plus the margin, even for a sure end.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(600.0, 450.0)).wait_ms == 900
    assert predictor.decide_from_probability(0.9, (), habit_ms=(900.0, 1000.0)).wait_ms == 1100  # the ceiling
    # Only the last speaker_habit_memory pauses are remembered.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(800.0, 700.0, 100.0, 100.0)).wait_ms == 192
    off = TurnEndPredictor(EndpointingConfig(), TurnEndModel(0.0, (0.0,) * len(FEATURES)))
    assert off.decide_from_probability(0.9, (), habit_ms=(600.0, 700.0, 800.0)).wait_ms == EndpointingConfig().turn_end.short_ms


def test_a_habit_holds_only_while_the_speaker_pauses_in_enough_of_their_turns() -> None:
    config = EndpointingConfig(turn_end=TurnEndConfig(sure_end=0.6, short_ms=192, speaker_margin_ms=300,
                                                      speaker_ceiling_ms=1100, speaker_habit_pauses=1,
                                                      speaker_habit_memory=8, speaker_habit_share=0.5))
    predictor = TurnEndPredictor(config, TurnEndModel(0.0, (0.0,) * len(FEATURES)))
    # One turn of two paused in: half, a habit.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(600.0, 0.0)).wait_ms == 900
    # The same pause three turns said in one go later is no longer the speaker's habit.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(600.0, 0.0, 0.0, 0.0)).wait_ms == 192
    # A reader who pauses in most turns keeps it, at the longest pause remembered.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(500.0, 0.0, 700.0, 400.0)).wait_ms == 1000
    # Share counted over the remembered turns only.
    assert predictor.decide_from_probability(0.9, (), habit_ms=(0.0,) * 6 + (500.0,) * 8).wait_ms == 800


def test_a_model_with_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="features"):
        TurnEndModel.from_json({"features": ["x"], "bias": 0, "weights": [1]})


# ----- in the pipeline ---------------------------------------------------------------------


async def test_a_question_ends_sooner_than_a_cut_clause_in_the_pipeline() -> None:
    from tests.test_pipeline import make, of, play
    from firstword.events import EventType
    from firstword.testing import silence, tone

    ended_after = {}
    for text, punct in (("Why do you want this job", "?"), ("Tell me about a time when you had to", ",")):
        pipeline, log, _, _ = make([(text, punct)], Settings())
        await play(pipeline, np.concatenate([silence(300), tone(1500), silence(2500)]))
        ended = of(log, EventType.SPEECH_ENDED)[0].data
        ended_after[punct] = ended["audio_ms"] - ended["speech_end_audio_ms"]
        assert ended["end_probability"] is not None and ended["required_silence_ms"] is not None
        await pipeline.aclose()
    # (a steady tone has no prosody to speak of: the words decide here)
    assert ended_after["?"] <= 352 and ended_after[","] >= 800


async def test_the_semantic_policy_is_still_there_when_chosen() -> None:
    from tests.test_pipeline import make, of, play
    from firstword.events import EventType
    from firstword.testing import silence, tone

    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    pipeline, log, _, _ = make([("Why do you want this job", "?")], settings)
    await play(pipeline, np.concatenate([silence(300), tone(1500), silence(2500)]))
    ended = of(log, EventType.SPEECH_ENDED)[0].data
    assert ended["audio_ms"] - ended["speech_end_audio_ms"] >= 320 and ended["end_probability"] is None
    await pipeline.aclose()


async def test_a_speaker_who_came_back_after_a_long_pause_is_given_longer() -> None:
    from tests.test_pipeline import make, of, play
    from firstword.events import EventType
    from firstword.testing import silence, tone

    # A list read with 700 ms pauses: after the first, every pause must outlast 700 ms + margin.
    parts = [("First, the design", ","), ("second, the tests", ","), ("and third, the rollout", "?")]
    pipeline, log, _, _ = make(parts, Settings())
    gap = silence(700)
    await play(pipeline, np.concatenate([silence(300), tone(900), gap, tone(900), gap, tone(900), silence(3000)]))
    ended = of(log, EventType.SPEECH_ENDED)
    assert len(ended) == 1  # no pause of the list ended the turn
    # (the VAD hears each 700 ms gap as ~670 ms: its chunks straddle the tone's edges)
    assert ended[0].data["required_silence_ms"] >= 600 + 150
    await pipeline.aclose()


async def test_a_speaker_who_paused_inside_an_earlier_question_is_waited_for_in_the_next() -> None:
    from tests.test_pipeline import make, of, play
    from firstword.events import EventType
    from firstword.testing import silence, tone

    # Turn one: a question read with a 700 ms pause inside it; turn two, 3 s later, said in one
    # go. With the habit on, turn two's end waits for the 700 ms pause plus the margin; off,
    # its sure end comes as soon as ever.
    # (A new turn is transcribed from the script's start: turn two reads as part one.)
    parts = [("Why do you want to leave your job", "?"), ("and why now", "?")]
    audio = np.concatenate([silence(300), tone(900), silence(700), tone(900), silence(3000), tone(1500), silence(3000)])
    required = {}
    for habit in (0, 1):
        settings = Settings()
        settings.endpointing.turn_end.speaker_habit_pauses = habit
        pipeline, log, _, _ = make(parts, settings)
        await play(pipeline, audio)
        ended = of(log, EventType.SPEECH_ENDED)
        # Turn one's first pause ends its segment (a sure end, taken back when the voice comes
        # back); turn two's end is the last.
        assert len(ended) == 3 and ended[-1].turn != ended[0].turn, [e.data for e in ended]
        required[habit] = ended[-1].data["required_silence_ms"]
        await pipeline.aclose()
    margin = TurnEndConfig().speaker_margin_ms
    assert required[0] == TurnEndConfig().short_ms
    assert required[1] >= 600 + margin
