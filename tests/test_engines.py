"""The engine factories (VAD, STT) and the process-wide Engines: dispatch, errors, closing."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from firstword.audio.format import SAMPLE_RATE
from firstword.config import ENGINE_DEFAULTS, EndpointingConfig, Settings, SttConfig
from firstword.endpointing.factory import VadLoadError, create_vad_factory
from firstword.engines import Engines, load_engines
from firstword.stt.factory import SttLoadError, create_stt
from firstword.testing import BurstStt, LoudnessVad


def voice_like(seconds: float = 1.0) -> np.ndarray:
    """Harmonics of 150 Hz, amplitude-modulated at a syllable rate: WebRTC calls it voiced."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    harmonics = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 12))
    return (0.1 * harmonics * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


# ----- settings ----------------------------------------------------------------------------------


def test_unknown_engines_are_refused_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="'silero' or 'webrtc'"):
        EndpointingConfig(engine="rnnoise")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'whisper'"):
        SttConfig(engine="vosk")  # type: ignore[arg-type]
    monkeypatch.setenv("FIRSTWORD_ENDPOINTING__ENGINE", "webrtcvad")
    with pytest.raises(ValidationError, match="endpointing.engine"):
        Settings()


def test_webrtc_takes_its_own_min_speech_unless_one_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    silero, webrtc = EndpointingConfig(), EndpointingConfig(engine="webrtc")
    assert webrtc.min_speech_ms == ENGINE_DEFAULTS["webrtc"]["min_speech_ms"] != silero.min_speech_ms
    assert EndpointingConfig(engine="webrtc", min_speech_ms=150).min_speech_ms == 150
    # Every other policy value is the engine-independent default.
    same = {k: v for k, v in silero.model_dump().items() if k not in ("engine", "min_speech_ms")}
    assert {k: v for k, v in webrtc.model_dump().items() if k in same} == same
    # The same through the environment, as a deployment sets it.
    monkeypatch.setenv("FIRSTWORD_ENDPOINTING__ENGINE", "webrtc")
    monkeypatch.setenv("FIRSTWORD_ENDPOINTING__WEBRTC_MODE", "1")
    settings = Settings()
    assert (settings.endpointing.min_speech_ms, settings.endpointing.webrtc_mode) == (270, 1)


# ----- VAD factory -------------------------------------------------------------------------------


@pytest.mark.engine
def test_vad_factory_follows_the_setting_and_makes_a_new_model_per_call() -> None:
    from firstword.endpointing.silero import SileroVad
    from firstword.endpointing.webrtc import WebRtcVad

    silero = create_vad_factory(EndpointingConfig())
    assert silero.name == "silero"
    first, second = silero(), silero()
    assert isinstance(first, SileroVad) and isinstance(second, SileroVad) and first is not second

    webrtc = create_vad_factory(EndpointingConfig(engine="webrtc", webrtc_mode=1))
    assert webrtc.name == "webrtc"
    made = webrtc()
    assert isinstance(made, WebRtcVad) and made.mode == 1 and webrtc() is not made


def test_each_webrtc_model_keeps_its_own_state() -> None:
    """One session's audio must not change what another session's VAD hears."""
    factory = create_vad_factory(EndpointingConfig(engine="webrtc"))
    busy, fresh = factory(), factory()
    speech = voice_like()
    chunks = speech[: len(speech) // busy.chunk_samples * busy.chunk_samples].reshape(-1, busy.chunk_samples)
    for chunk in chunks:
        busy.speech_probability(chunk)
    quiet = np.zeros(busy.chunk_samples, np.float32)
    # Right after speech, the busy one is in its hangover (still voiced); the fresh one is not.
    assert busy.speech_probability(quiet) == 1.0
    assert fresh.speech_probability(quiet) == 0.0


def test_missing_webrtcvad_names_the_engine_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "webrtcvad", None)  # import webrtcvad now raises ImportError
    with pytest.raises(VadLoadError) as caught:
        create_vad_factory(EndpointingConfig(engine="webrtc"))
    message = str(caught.value)
    assert "endpointing.engine = 'webrtc'" in message and "pip install webrtcvad-wheels" in message


def test_missing_silero_model_names_the_engine_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # the package that ships the model
    with pytest.raises(VadLoadError) as caught:
        create_vad_factory(EndpointingConfig())
    message = str(caught.value)
    assert "endpointing.engine = 'silero'" in message and "faster-whisper" in message


def test_vad_factory_refuses_an_engine_the_settings_did_not_validate() -> None:
    with pytest.raises(ValueError, match="'silero' or 'webrtc'"):
        create_vad_factory(EndpointingConfig.model_construct(engine="rnnoise"))


# ----- STT factory -------------------------------------------------------------------------------


@pytest.mark.engine
def test_stt_factory_builds_whisper() -> None:
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    stt = create_stt(SttConfig())
    try:
        assert isinstance(stt, WhisperCt2Engine) and stt.name == "whisper"
    finally:
        stt.close()


def test_a_whisper_model_path_without_a_model_names_the_engine_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SttLoadError) as caught:
        create_stt(SttConfig(model_path=str(tmp_path)))
    message = str(caught.value)
    assert "stt.engine = 'whisper'" in message and str(tmp_path) in message and "model.bin" in message


def test_stt_factory_refuses_an_engine_the_settings_did_not_validate() -> None:
    with pytest.raises(ValueError, match="'whisper'"):
        create_stt(SttConfig.model_construct(engine="vosk"))


@pytest.mark.engine
def test_whisper_close_releases_the_model_once_and_refuses_later_decodes() -> None:
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    stt = WhisperCt2Engine(SttConfig())
    sweep = stt.with_tuning(stt.tuning)  # shares the model: closing it must not release it
    stt.decode(voice_like(2.0))
    sweep.close()
    assert stt.decode(voice_like(2.0)).audio_ms == 2000
    stt.close()
    stt.close()
    assert not stt._ct2.model_is_loaded
    with pytest.raises(RuntimeError, match="closed"):
        stt.decode(voice_like(1.0))
    with pytest.raises(RuntimeError, match="closed"):
        stt.decode_offline(voice_like(1.0))


# ----- Engines -----------------------------------------------------------------------------------


@dataclass
class ClosingStt:
    """An STT engine that only records being closed (or fails to close)."""

    name: str = "fake-stt"
    fail: bool = False
    closed: int = 0

    def close(self) -> None:
        self.closed += 1
        if self.fail:
            raise RuntimeError("stt close failed")


@dataclass
class ClosingLlm:
    name: str = "fake-llm"
    fail: bool = False
    closed: int = 0

    async def aclose(self) -> None:
        self.closed += 1
        if self.fail:
            raise RuntimeError("llm close failed")


@pytest.mark.parametrize(("llm_fails", "stt_fails"), [(False, False), (True, False), (False, True), (True, True)])
async def test_aclose_closes_stt_and_llm_once_even_when_one_fails(
    llm_fails: bool, stt_fails: bool, caplog: pytest.LogCaptureFixture
) -> None:
    llm, stt = ClosingLlm(fail=llm_fails), ClosingStt(fail=stt_fails)
    engines = Engines(vad_factory=LoudnessVad, stt=stt, llm=llm)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="firstword.engines"):
        await engines.aclose()
        await engines.aclose()
    assert (llm.closed, stt.closed) == (1, 1)
    logged = caplog.text
    assert ("llm close failed" in logged) == llm_fails
    assert ("stt close failed" in logged) == stt_fails


def test_describe_names_the_engines_given_directly() -> None:
    engines = Engines(
        vad_factory=create_vad_factory(EndpointingConfig(engine="webrtc")),
        stt=BurstStt([("Hello", ".")]),
        llm=ClosingLlm(),  # type: ignore[arg-type]
    )
    # No voice given: practice mode runs in text.
    assert engines.describe() == {"vad": "webrtc", "stt": BurstStt.name, "llm": "fake-llm", "tts": "none"}
    # A class passed as the factory, as the server tests do, is named after itself.
    assert Engines(vad_factory=LoudnessVad, stt=BurstStt([]), llm=ClosingLlm()).vad_name == "LoudnessVad"  # type: ignore[arg-type]


@pytest.mark.engine
@pytest.mark.parametrize("vad", ["silero", "webrtc"])
async def test_load_engines_builds_every_stage_from_the_settings(vad: str) -> None:
    settings = Settings(endpointing={"engine": vad}, llm={"engine": "scripted"})  # type: ignore[arg-type]
    engines = load_engines(settings)
    try:
        # The voice is made, not loaded (the first practice session loads it): Piper where the
        # `voice` extra is installed (make installs it), else espeak-ng, else none.
        assert engines.describe() == {"vad": vad, "stt": "whisper", "llm": "scripted",
                                      "tts": engines.tts.name if engines.tts is not None else "none"}
        assert set(engines.load_ms) == {"vad", "stt", "llm"}
        assert engines.vad_factory() is not engines.vad_factory()
    finally:
        await engines.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        engines.stt.decode(voice_like(1.0))
