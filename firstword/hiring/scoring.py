"""Score one candidate's answers to a questionnaire: raw scores, percentiles, ranges, flags.

Rules (the same for every scale):

- ``raw`` is the plain sum of keyed item scores over the answered items ("-" keyed: 6 - answer),
  so 10..50 for a complete 10-item scale. It is never prorated.
- A scale is scored when at least ``MIN_ANSWERED`` of its 10 items are answered. With 8 or 9,
  ``prorated_raw`` = raw * 10 / answered (the mean keyed answer on the 10-item metric) is what
  the percentile and range are computed from (``percentile_basis`` says which). Below 8: raw,
  percentile and range are null and ``reason`` says why.
- ``percentile``: the score's place in the bundled combined-population norm table
  (``firstword.hiring.norms``; an empirical table, not a normal approximation).
- ``range``: a 90 % band, observed score +/- 1.645 SEM, with SEM = SD(norm sample) * sqrt(1 - alpha),
  alpha being the published alpha of the 10-item scale (stepped down by Spearman-Brown for 8 or
  9 answered items), clipped to the scale's 10..50; its ends are also given as percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Any, Literal

from firstword.hiring import quality
from firstword.hiring.instruments import Instrument
from firstword.hiring.norms import Norms, ScaleNorm, load_norms

MIN_ANSWERED = 8
RANGE_LEVEL = 0.90
RANGE_Z = 1.645  # two-sided 90 % of the normal distribution


@dataclass(frozen=True)
class ScoreRange:
    level: float
    sem: float
    raw_low: float
    raw_high: float
    percentile_low: float | None
    percentile_high: float | None
    method: str


@dataclass(frozen=True)
class ScaleScore:
    scale: str
    items_answered: int
    items_total: int
    raw: int | None
    prorated_raw: float | None
    percentile: float | None
    percentile_basis: Literal["raw", "prorated_raw"] | None
    range: ScoreRange | None
    reason: str | None
    alpha: float
    alpha_source: str
    norm_source: str | None


@dataclass(frozen=True)
class ScoreReport:
    instrument: str
    scales: dict[str, ScaleScore]
    flags: list[quality.Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scales": {name: asdict(score) for name, score in self.scales.items()},
            "flags": [asdict(flag) for flag in self.flags],
        }


def validate_responses(instrument: Instrument, responses: Mapping[str, Any]) -> dict[str, int | None]:
    """Answers by item id; raises ValueError naming the first unknown item or bad value."""
    if not isinstance(responses, Mapping):
        raise ValueError("responses must be an object mapping item ids to answers")
    low, high = instrument.min_response, instrument.max_response
    clean: dict[str, int | None] = {}
    for item_id, value in responses.items():
        if instrument.item(item_id) is None:
            raise ValueError(f"unknown item {item_id!r} for instrument {instrument.name}")
        if value is None:
            clean[item_id] = None
            continue
        # bool is an int in Python; true/false are not answers.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"item {item_id!r}: answer must be an integer {low}..{high} or null, got {value!r}")
        clean[item_id] = value
    return clean


def validate_times(instrument: Instrument, times_ms: Mapping[str, Any] | None) -> dict[str, float]:
    if times_ms is None:
        return {}
    if not isinstance(times_ms, Mapping):
        raise ValueError("times_ms must be an object mapping item ids to milliseconds")
    clean: dict[str, float] = {}
    for item_id, value in times_ms.items():
        if instrument.item(item_id) is None:
            raise ValueError(f"unknown item {item_id!r} in times_ms for instrument {instrument.name}")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value < 0:
            raise ValueError(f"item {item_id!r}: time must be a non-negative number of ms, got {value!r}")
        clean[item_id] = float(value)
    return clean


def spearman_brown(alpha: float, length_factor: float) -> float:
    return length_factor * alpha / (1 + (length_factor - 1) * alpha)


def _range(score: float, alpha: float, norm: ScaleNorm, lowest: int, highest: int) -> ScoreRange:
    sem = norm.sd * math.sqrt(1 - alpha)
    low = max(lowest, score - RANGE_Z * sem)
    high = min(highest, score + RANGE_Z * sem)
    return ScoreRange(
        level=RANGE_LEVEL,
        sem=round(sem, 2),
        raw_low=round(low, 1),
        raw_high=round(high, 1),
        percentile_low=norm.percentile(low),
        percentile_high=norm.percentile(high),
        method="score +/- 1.645 * SEM, SEM = SD(norm sample) * sqrt(1 - alpha)",
    )


def score_scale(
    instrument: Instrument, scale_name: str, responses: Mapping[str, int | None], norms: Norms | None
) -> ScaleScore:
    scale = instrument.scale(scale_name)
    items = instrument.scale_items(scale_name)
    keyed = [quality.keyed_score(value, item.keyed) for item in items if (value := responses.get(item.id)) is not None]
    answered, total = len(keyed), len(items)
    norm = norms.scales.get(scale_name) if norms is not None else None
    common: dict[str, Any] = {
        "scale": scale_name,
        "items_answered": answered,
        "items_total": total,
        "alpha": scale.reliability.alpha,
        "alpha_source": scale.reliability.source,
        "norm_source": norms.citation if norms is not None and norm is not None else None,
    }
    if answered < MIN_ANSWERED:
        return ScaleScore(
            raw=None, prorated_raw=None, percentile=None, percentile_basis=None, range=None,
            reason=f"only {answered} of {total} items answered; at least {MIN_ANSWERED} are needed for a score",
            **common,
        )
    raw = sum(keyed)
    complete = answered == total
    score = float(raw) if complete else raw * total / answered
    if norm is None:
        return ScaleScore(
            raw=raw, prorated_raw=None if complete else round(score, 2), percentile=None, percentile_basis=None,
            range=None, reason="no cited norms are bundled for this scale: no percentile", **common,
        )
    alpha = scale.reliability.alpha if complete else spearman_brown(scale.reliability.alpha, answered / total)
    lowest, highest = instrument.min_response * total, instrument.max_response * total
    return ScaleScore(
        raw=raw,
        prorated_raw=None if complete else round(score, 2),
        percentile=norm.percentile(score),
        percentile_basis="raw" if complete else "prorated_raw",
        range=_range(score, alpha, norm, lowest, highest),
        reason=None,
        **common,
    )


def score_responses(
    instrument: Instrument,
    responses: Mapping[str, Any],
    times_ms: Mapping[str, Any] | None = None,
) -> ScoreReport:
    answers = validate_responses(instrument, responses)
    times = validate_times(instrument, times_ms)
    norms = load_norms(instrument)
    scales = {scale.name: score_scale(instrument, scale.name, answers, norms) for scale in instrument.scales}
    unscored = [name for name, score in scales.items() if score.raw is None]
    flags = [
        flag
        for flag in (
            quality.straight_lining(instrument, answers),
            quality.too_fast(times),
            quality.inconsistent(instrument, answers),
            quality.incomplete(instrument, answers, unscored),
        )
        if flag is not None
    ]
    return ScoreReport(instrument=instrument.name, scales=scales, flags=flags)
