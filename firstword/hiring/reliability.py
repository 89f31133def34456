"""Campaign-level internal consistency: Cronbach's alpha of each scale over candidates' answers.

alpha = k / (k - 1) * (1 - sum of item variances / variance of the scale total), computed on keyed
item scores ("-" keyed items reversed first) and over the response sets that answered every item
of the scale. Few response sets give an unstable alpha: below ``MIN_N`` the result carries a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from firstword.hiring.instruments import Instrument
from firstword.hiring.quality import keyed_score
from firstword.hiring.scoring import validate_responses

MIN_N = 30


@dataclass(frozen=True)
class ScaleReliability:
    scale: str
    alpha: float | None
    n: int
    k: int
    published_alpha: float
    warning: str | None


def _variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((value - mean) ** 2 for value in values) / (len(values) - 1)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """alpha of a respondents x items matrix; None when it is undefined (n < 2, k < 2, no variance)."""
    if len(rows) < 2:
        return None
    k = len(rows[0])
    if k < 2 or any(len(row) != k for row in rows):
        raise ValueError("every row needs the same number (>= 2) of items")
    total_variance = _variance([sum(row) for row in rows])
    if total_variance == 0:
        return None
    item_variance = sum(_variance([row[i] for row in rows]) for i in range(k))
    return k / (k - 1) * (1 - item_variance / total_variance)


def campaign_reliability(
    instrument: Instrument, response_sets: Iterable[Mapping[str, Any]]
) -> dict[str, ScaleReliability]:
    answer_sets = [validate_responses(instrument, responses) for responses in response_sets]
    result: dict[str, ScaleReliability] = {}
    for scale in instrument.scales:
        items = instrument.scale_items(scale.name)
        rows: list[list[float]] = []
        for answers in answer_sets:
            values = [answers.get(item.id) for item in items]
            if all(value is not None for value in values):
                rows.append([float(keyed_score(value, item.keyed)) for value, item in zip(values, items) if value is not None])
        alpha = cronbach_alpha(rows)
        warnings = []
        if len(rows) < MIN_N:
            warnings.append(f"only {len(rows)} complete response sets (fewer than {MIN_N}): alpha is unstable")
        if alpha is None:
            warnings.append("alpha is undefined (fewer than 2 complete response sets, or no variance in the totals)")
        result[scale.name] = ScaleReliability(
            scale=scale.name,
            alpha=alpha,
            n=len(rows),
            k=len(items),
            published_alpha=scale.reliability.alpha,
            warning="; ".join(warnings) or None,
        )
    return result
