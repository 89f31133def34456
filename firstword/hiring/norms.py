"""Bundled norms: raw score -> percentile in a cited, combined (all respondents pooled) sample.

Only combined-population norms are bundled, never norms by sex, race, age or national origin:
in US hiring, 42 U.S.C. 2000e-2(l) makes it unlawful to adjust scores, use different cutoffs or
otherwise alter the results of employment tests on the basis of race, color, religion, sex or
national origin, and separate norm tables per group would do exactly that.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from firstword.hiring.instruments import Instrument


@dataclass(frozen=True)
class ScaleNorm:
    n: int
    mean: float
    sd: float
    percentile_by_raw: dict[int, float]

    @property
    def lowest(self) -> int:
        return min(self.percentile_by_raw)

    @property
    def highest(self) -> int:
        return max(self.percentile_by_raw)

    def percentile(self, score: float) -> float:
        """The table's percentile of a score, linearly interpolated for a prorated (fractional) one."""
        score = min(max(score, self.lowest), self.highest)
        below, above = math.floor(score), math.ceil(score)
        low, high = self.percentile_by_raw[below], self.percentile_by_raw[above]
        return round(low + (high - low) * (score - below), 1)


@dataclass(frozen=True)
class Norms:
    instrument: str
    population: str
    citation: str
    method: str
    scales: dict[str, ScaleNorm]


def _parse(document: dict[str, Any]) -> Norms:
    if document.get("population") != "combined":
        # Group-specific tables must never be loaded (see the module docstring).
        raise ValueError(f"refusing norms for population {document.get('population')!r}: only 'combined' is allowed")
    source = document["source"]
    scales = {
        name: ScaleNorm(
            n=int(entry["n"]),
            mean=float(entry["mean"]),
            sd=float(entry["sd"]),
            percentile_by_raw={int(raw): float(p) for raw, p in entry["percentile_by_raw"].items()},
        )
        for name, entry in document["scales"].items()
    }
    n = min(scale.n for scale in scales.values())
    citation = f"{source['dataset']}, {source['url']} ({source['file']}), N = {n}; {source['caveat']}"
    method = "empirical mid-rank percentile table of the raw score (fractional scores interpolated)"
    return Norms(document["instrument"], document["population"], citation, method, scales)


def load_norms(instrument: Instrument) -> Norms | None:
    """The instrument's bundled norms, or None where it bundles no cited norms."""
    if instrument.norms_file is None:
        return None
    return _load(instrument.norms_file)


@cache
def _load(norms_file: str) -> Norms:
    path = resources.files("firstword.hiring.instruments").joinpath(norms_file)
    return _parse(json.loads(path.read_text(encoding="utf-8")))
