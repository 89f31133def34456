"""Derive the bundled IPIP-50 norms table from the Open-Source Psychometrics Project BIG5 data.

Not used at run time: this is the exact, repeatable computation behind
``data/ipip50_norms.json``. Run it on the raw file of https://openpsychometrics.org/_rawdata/BIG5.zip
(``BIG5/data.csv``, tab-separated; items coded 1..5, 0 = missed)::

    python -m firstword.hiring.instruments.derive_ipip50_norms BIG5/data.csv > ipip50_norms.json

The BIG5 columns E1..E10, A1..A10, C1..C10, N1..N10, O1..O10 are the same 50 items as
``ipip50`` (the codebook lists the same texts with a leading "I"); within a scale, column j is
the scale's j-th item in administration order. The N columns are the Emotional Stability items:
they are scored here with the IPIP key for stability, exactly as a candidate's answers are.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from firstword.hiring.instruments.ipip50 import INSTRUMENT, SCALE_ORDER
from firstword.hiring.quality import INCONSISTENT_PAIRS

DATASET_COLUMN_PREFIX = {
    "extraversion": "E",
    "agreeableness": "A",
    "conscientiousness": "C",
    "emotional_stability": "N",
    "intellect": "O",
}
# BIG5/codebook.txt: "All were presented on one page in the order E1, N2, A1, C1, O1, E2......"
# (read as E1, N1, A1, C1, O1, E2, ...: the order candidates of that sample saw, used for runs).
DATASET_PAGE_ORDER = tuple(f"{prefix}{j}" for j in range(1, 11) for prefix in "ENACO")
_ITEM_COLUMNS = frozenset(DATASET_PAGE_ORDER)


def dataset_column(item_id: str) -> str:
    item = INSTRUMENT.item(item_id)
    assert item is not None
    position = INSTRUMENT.scale_items(item.scale).index(item) + 1
    return f"{DATASET_COLUMN_PREFIX[item.scale]}{position}"


def keyed_score(response: int, keyed: str) -> int:
    return response if keyed == "+" else 6 - response


def read_rows(path: Path) -> list[dict[str, int]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return [{key: int(value) for key, value in row.items() if key in _ITEM_COLUMNS} for row in reader]


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance)


def cronbach_alpha(rows: Sequence[Sequence[int]]) -> float:
    k = len(rows[0])
    item_variances = [mean_sd([row[i] for row in rows])[1] ** 2 for i in range(k)]
    total_variance = mean_sd([sum(row) for row in rows])[1] ** 2
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


def midrank_percentiles(scores: Iterable[int], lowest: int, highest: int) -> tuple[dict[int, int], dict[int, float]]:
    counts = Counter(scores)
    n = sum(counts.values())
    below = 0
    table: dict[int, float] = {}
    for score in range(lowest, highest + 1):
        at = counts.get(score, 0)
        table[score] = round(100.0 * (below + 0.5 * at) / n, 1)
        below += at
    return {score: counts.get(score, 0) for score in range(lowest, highest + 1)}, table


def longest_run(values: Sequence[int]) -> int:
    best = run = 1
    for previous, current in zip(values, values[1:]):
        run = run + 1 if current == previous else 1
        best = max(best, run)
    return best


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, sx = mean_sd(xs)
    my, sy = mean_sd(ys)
    covariance = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)
    return covariance / (sx * sy)


def derive(path: Path) -> dict[str, Any]:
    rows = read_rows(path)
    scales: dict[str, Any] = {}
    for scale in SCALE_ORDER:
        items = INSTRUMENT.scale_items(scale)
        columns = [dataset_column(item.id) for item in items]
        complete = [
            [keyed_score(row[column], item.keyed) for column, item in zip(columns, items)]
            for row in rows
            if all(1 <= row[column] <= 5 for column in columns)
        ]
        raws = [sum(row) for row in complete]
        mean, sd = mean_sd(raws)
        counts, percentiles = midrank_percentiles(raws, 10, 50)
        scales[scale] = {
            "n": len(complete),
            "mean": round(mean, 2),
            "sd": round(sd, 2),
            "alpha_in_this_sample": round(cronbach_alpha(complete), 3),
            "percentile_by_raw": {str(score): value for score, value in percentiles.items()},
            "count_by_raw": {str(score): value for score, value in counts.items()},
        }

    complete_rows = [row for row in rows if all(1 <= row[column] <= 5 for column in DATASET_PAGE_ORDER)]
    runs = Counter(longest_run([row[column] for column in DATASET_PAGE_ORDER]) for row in complete_rows)
    n_complete = len(complete_rows)
    share_at_least = {
        str(length): round(100.0 * sum(c for run, c in runs.items() if run >= length) / n_complete, 2)
        for length in range(4, 16)
    }

    pair_evidence = []
    contradictions_per_row = [0] * n_complete
    for first_id, second_id, _relation in INCONSISTENT_PAIRS:
        first, second = INSTRUMENT.item(first_id), INSTRUMENT.item(second_id)
        assert first is not None and second is not None
        a = [keyed_score(row[dataset_column(first_id)], first.keyed) for row in complete_rows]
        b = [keyed_score(row[dataset_column(second_id)], second.keyed) for row in complete_rows]
        contradicted = [abs(x - y) >= 3 for x, y in zip(a, b)]
        for index, flag in enumerate(contradicted):
            contradictions_per_row[index] += flag
        pair_evidence.append({
            "items": [first_id, second_id],
            "keyed_correlation": round(pearson(a, b), 3),
            "percent_contradicted": round(100.0 * sum(contradicted) / n_complete, 2),
        })
    contradiction_counts = Counter(contradictions_per_row)
    share_pairs_at_least = {
        str(k): round(100.0 * sum(c for m, c in contradiction_counts.items() if m >= k) / n_complete, 2)
        for k in range(1, len(INCONSISTENT_PAIRS) + 1)
    }

    return {
        "instrument": INSTRUMENT.name,
        "population": "combined",
        "source": {
            "dataset": "Open-Source Psychometrics Project, answers to the IPIP Big-Five Factor Markers (collected c. 2012)",
            "url": "https://openpsychometrics.org/_rawdata/BIG5.zip",
            "file": "BIG5/data.csv",
            "rows": len(rows),
            "copy_read": (
                "github.com/haghish/openpsychometrics BIG5/data.csv at commit "
                "5c97a7eebd2809cc526b1671d1fdeb82cedd5545; byte-identical (after CRLF->LF) to "
                "github.com/bhoomeendra/BRSM BIG5/data.csv at commit cd4c84c9354256fa719e8e8f92a31fc0bac89b24; "
                "sha256 of the LF file ccf2440c364b7cf4aa131b83968084aa7c7388be5808ff1920a27b3d6a07f3d9"
            ),
            "response_labels_in_sample": "1=Disagree, 3=Neutral, 5=Agree (0=missed), one page, order E1, N1, A1, C1, O1, E2, ...",
            "caveat": (
                "self-selected online volunteers from many countries, not job applicants; they answered on a "
                "scale labelled 1=Disagree, 3=Neutral, 5=Agree rather than the IPIP accuracy labels"
            ),
        },
        "computation": (
            "Per scale: respondents who answered all 10 of its items (1..5; 0=missed excluded for that scale); "
            "raw = sum of keyed item scores ('-' keyed: 6 - response), as in firstword.hiring.scoring. "
            "mean and sd (n-1) of raw; percentile_by_raw[s] = 100 * (count(raw < s) + 0.5 * count(raw == s)) / n "
            "(mid-rank percentile), rounded to 0.1. All respondents pooled: no split by sex, age, race or country."
        ),
        "scales": scales,
        "response_quality_evidence": {
            "n_all_50_answered": n_complete,
            "straight_lining_percent_with_longest_identical_run_at_least": share_at_least,
            "inconsistent_pairs": pair_evidence,
            "percent_with_at_least_k_contradicted_pairs": share_pairs_at_least,
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m firstword.hiring.instruments.derive_ipip50_norms BIG5/data.csv")
    json.dump(derive(Path(args[0])), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
