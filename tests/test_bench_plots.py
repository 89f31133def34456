"""Benchmark variants and pictures: `bench latency --variant/--plot`, the turn-end trade-off."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from firstword.bench.latency import Variant, parse_variant
from firstword.bench.plots import latency_plot, tradeoff_plot
from firstword.config import Settings


def test_a_variant_names_settings_that_the_server_reads_from_its_environment(monkeypatch) -> None:
    variant = parse_variant("today: endpointing.turn_end.policy=semantic, endpointing.end_silence_ms=400")
    assert variant == Variant("today", {"endpointing.turn_end.policy": "semantic", "endpointing.end_silence_ms": "400"})
    for key, value in variant.env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.endpointing.turn_end.policy == "semantic" and settings.endpointing.end_silence_ms == 400
    assert parse_variant("defaults") == Variant("defaults", {})


@pytest.mark.parametrize("text", [":a.b=1", "x:a.b", "x:=3"])
def test_a_malformed_variant_says_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="variant"):
        parse_variant(text)


def _report(name: str, e2e: list[float], cancelled: float) -> dict:
    turns = [{"e2e_first_word_ms": v, "endpoint_delay_ms": v - 5, "vad_to_first_word_ms": 5.0, "stt_final_ms": None}
             for v in e2e]
    return {"name": name, "turns": turns,
            "summary": {"e2e_first_word_ms": {"p50": sorted(e2e)[len(e2e) // 2]},
                        "early_cancelled_shown_per_turn": cancelled}}


def _texts(svg: Path) -> str:
    root = ET.parse(svg).getroot()  # a well-formed SVG
    assert root.tag.endswith("svg")
    return svg.read_text()


def test_the_latency_plot_draws_every_variant(tmp_path: Path) -> None:
    out = tmp_path / "latency.svg"
    latency_plot([_report("today", [390, 400, 450], 2.3), _report("predictive", [230, 250, 300], 0.2)], out,
                 title="questions")
    text = _texts(out)
    for label in ("today", "predictive", "end of speech → first word", "per turn"):
        assert label in text


def test_the_tradeoff_plot_draws_curves_and_marks(tmp_path: Path) -> None:
    out = tmp_path / "tradeoff.svg"
    tradeoff_plot({"semantic": [(0.5, 320.0), (0.2, 480.0)], "predictive": [(0.3, 200.0), (0.1, 260.0)]}, out,
                  marks={"shipped": (0.15, 230.0)}, title="labelled pauses")
    text = _texts(out)
    assert "semantic" in text and "predictive" in text and "shipped" in text
