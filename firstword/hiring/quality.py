"""Response-quality flags: patterns that make a questionnaire's scores doubtful.

A flag never changes a score: it tells the reviewer why the answers may not describe the
candidate. Thresholds are set so that flags are rare among ordinary respondents; the rates
quoted below were computed on the norm sample (the Open-Source Psychometrics Project BIG5
data, 19,718 respondents who answered all 50 items) by ``derive_ipip50_norms`` and are stored in
``instruments/data/ipip50_norms.json`` under ``response_quality_evidence``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firstword.hiring.instruments import Instrument

# In the administration order the five scales cycle, so any 10 consecutive items hold two
# neighbouring items of every scale, and neighbouring Extraversion items are always keyed
# opposite ways (+, -, +, ...). A run of 10 identical answers therefore affirms (or denies) a
# statement and its reverse alike. Among the norm sample 0.56 % had such a run (2.5 % a run of 7).
STRAIGHT_LINE_RUN = 10

# Median time per item; only judged when at least this many items carry a time.
TOO_FAST_MEDIAN_MS = 2000
TOO_FAST_MIN_TIMED_ITEMS = 10

# Pairs of items of the same scale whose texts say the same thing (or its exact opposite),
# kept only where the norm sample agrees: keyed-score correlation r >= .52 and at most 5.6 % of
# respondents contradicting the pair. Candidate pairs that failed this ("Seldom feel blue." /
# "Often feel blue.", r = .39, 9.7 %; "Don't like to draw attention to myself." / "Don't mind
# being the center of attention.", 8.5 %; "Leave my belongings around." / "Often forget to put
# things back in their proper place.", 8.4 %) are left out.
INCONSISTENT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("ipip50_34", "ipip50_39", "same meaning"),      # Change my mood a lot. / Have frequent mood swings. (r = .77)
    ("ipip50_15", "ipip50_30", "opposite meaning"),  # Have a vivid imagination. / Do not have a good imagination. (r = .53)
    ("ipip50_25", "ipip50_50", "same meaning"),      # Have excellent ideas. / Am full of ideas. (r = .62)
    ("ipip50_07", "ipip50_32", "opposite meaning"),  # Am interested in people. / Am not really interested in others. (r = .57)
    ("ipip50_06", "ipip50_26", "same meaning"),      # Don't talk a lot. / Have little to say. (r = .57)
    ("ipip50_29", "ipip50_44", "same meaning"),      # Get upset easily. / Get irritated easily. (r = .60)
)
# A pair is contradicted when its keyed scores differ by 3 or more (e.g. 1 and 4): the answers
# sit on opposite sides of the midpoint, at least one of them firmly. Contradicting one pair is
# common (17.8 % of the norm sample), two 2.8 %, three or more 0.36 %: the flag needs three.
CONTRADICTION_GAP = 3
INCONSISTENT_MIN_PAIRS = 3

# More than this many blanks out of the whole questionnaire (10 %) is flagged even when every
# scale still has enough answers to be scored.
INCOMPLETE_MAX_BLANKS = 5


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


def keyed_score(response: int, keyed: str) -> int:
    return response if keyed == "+" else 6 - response


def straight_lining(instrument: Instrument, responses: Mapping[str, int | None]) -> Flag | None:
    best_length, best_start, run_length, run_start = 0, 0, 0, 0
    previous: int | None = None
    for index, item in enumerate(instrument.items):
        value = responses.get(item.id)
        if value is not None and value == previous:
            run_length += 1
        else:
            run_length, run_start = (1, index) if value is not None else (0, index)
        previous = value
        if run_length > best_length:
            best_length, best_start = run_length, run_start
    if best_length < STRAIGHT_LINE_RUN:
        return None
    first, last = instrument.items[best_start], instrument.items[best_start + best_length - 1]
    value = responses[first.id]
    assert value is not None
    return Flag(
        code="straight_lining",
        message=(
            f"{best_length} answers in a row were the same ({instrument.response_labels[value]!r}), "
            "including statements that say opposite things; the answers may not have been read."
        ),
        evidence={
            "longest_run": best_length,
            "value": value,
            "first_item": first.id,
            "last_item": last.id,
            "threshold": STRAIGHT_LINE_RUN,
        },
    )


def _duration(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def too_fast(times_ms: Mapping[str, float] | None) -> Flag | None:
    if not times_ms or len(times_ms) < TOO_FAST_MIN_TIMED_ITEMS:
        return None
    median = statistics.median(times_ms.values())
    if median >= TOO_FAST_MEDIAN_MS:
        return None
    return Flag(
        code="too_fast",
        message=(
            f"The median time per statement was {_duration(median)} (under "
            f"{TOO_FAST_MEDIAN_MS / 1000:.0f} s); reading and weighing a statement usually takes "
            "longer, so some may have been answered unread."
        ),
        evidence={"median_ms": median, "items_timed": len(times_ms), "threshold_ms": TOO_FAST_MEDIAN_MS},
    )


def inconsistent(instrument: Instrument, responses: Mapping[str, int | None]) -> Flag | None:
    contradicted: list[dict[str, Any]] = []
    for first_id, second_id, relation in INCONSISTENT_PAIRS:
        first, second = instrument.item(first_id), instrument.item(second_id)
        if first is None or second is None:
            continue  # pairs of another instrument
        a, b = responses.get(first_id), responses.get(second_id)
        if a is None or b is None:
            continue
        if abs(keyed_score(a, first.keyed) - keyed_score(b, second.keyed)) >= CONTRADICTION_GAP:
            contradicted.append({
                "items": [first_id, second_id],
                "texts": [first.text, second.text],
                "relation": relation,
                "answers": [instrument.response_labels[a], instrument.response_labels[b]],
            })
    if len(contradicted) < INCONSISTENT_MIN_PAIRS:
        return None
    return Flag(
        code="inconsistent",
        message=(
            f"{len(contradicted)} pairs of statements that mean the same (or the exact opposite) "
            "were answered in contradiction, e.g. "
            f"{contradicted[0]['texts'][0]!r} as {contradicted[0]['answers'][0]!r} and "
            f"{contradicted[0]['texts'][1]!r} as {contradicted[0]['answers'][1]!r}."
        ),
        evidence={"pairs": contradicted, "threshold_pairs": INCONSISTENT_MIN_PAIRS, "pairs_checked": len(INCONSISTENT_PAIRS)},
    )


def incomplete(instrument: Instrument, responses: Mapping[str, int | None], unscored_scales: list[str]) -> Flag | None:
    blanks = [item.id for item in instrument.items if responses.get(item.id) is None]
    if len(blanks) <= INCOMPLETE_MAX_BLANKS and not unscored_scales:
        return None
    unscored = f"; no score for {', '.join(unscored_scales)}" if unscored_scales else ""
    return Flag(
        code="incomplete",
        message=f"{len(blanks)} of {len(instrument.items)} statements were left blank{unscored}.",
        evidence={
            "blank": len(blanks),
            "answered": len(instrument.items) - len(blanks),
            "blank_items": blanks,
            "unscored_scales": unscored_scales,
            "threshold_blank": INCOMPLETE_MAX_BLANKS,
        },
    )
