"""Inter-rater agreement on the 1-5 interview ratings of a campaign.

Items are (candidate, competency) pairs rated by both raters of a pair. Per pair of raters:

* **Quadratic weighted Cohen's kappa** on the fixed categories 1..5:
  ``kappa = 1 - sum(w * O) / sum(w * E)`` with ``w[i][j] = (i - j)^2 / (k - 1)^2``, ``O`` the
  observed proportions and ``E`` the product of the two raters' marginal proportions. Quadratic
  weights suit an ordinal scale: a 2 against a 4 disagrees four times as much as a 3 against a 4.
  Undefined (None, with the reason) when the expected disagreement is 0, i.e. both raters gave
  one and the same rating to every item.
* **Exact** agreement (same rating) and **adjacent** agreement (within one point), in %.

With three or more raters every pair is reported, and the overall figure is the mean of the
pairs' kappas (Light's kappa) with exact and adjacent agreement pooled over all pairs' items.
Kappa on fewer than ``MIN_ITEMS`` items is reported with a warning: its sampling error is large.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

CATEGORIES = (1, 2, 3, 4, 5)
# Below about ten items the standard error of kappa is of the order of 0.2 or more.
MIN_ITEMS = 10


def weighted_kappa(a: Sequence[int], b: Sequence[int], categories: Sequence[int] = CATEGORIES) -> float | None:
    """Quadratic weighted kappa of paired ratings; None when it is undefined."""
    if len(a) != len(b) or not a:
        return None
    k, n = len(categories), len(a)
    index = {c: i for i, c in enumerate(categories)}
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[index[x]][index[y]] += 1 / n
    row = [sum(observed[i]) for i in range(k)]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    weight = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    disagreement = sum(weight[i][j] * observed[i][j] for i in range(k) for j in range(k))
    expected = sum(weight[i][j] * row[i] * col[j] for i in range(k) for j in range(k))
    if expected == 0:
        return None
    return 1 - disagreement / expected


def _pair(a: list[int], b: list[int]) -> dict[str, Any]:
    n = len(a)
    kappa = weighted_kappa(a, b)
    exact = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    adjacent = sum(1 for x, y in zip(a, b, strict=True) if abs(x - y) <= 1)
    notes = []
    if n == 0:
        notes.append("no item rated by both")
    elif kappa is None:
        notes.append("kappa is undefined: both raters gave the same single rating to every item")
    elif n < MIN_ITEMS:
        notes.append(f"only {n} items rated by both (under {MIN_ITEMS}): kappa is imprecise")
    return {
        "n": n,
        "kappa_quadratic": None if kappa is None else round(kappa, 4),
        "exact_pct": round(100 * exact / n, 1) if n else None,
        "adjacent_pct": round(100 * adjacent / n, 1) if n else None,
        "notes": notes,
    }


def agreement(ratings: Iterable[tuple[str, str, int]]) -> dict[str, Any]:
    """``ratings``: (item, rater, rating) triples, an item being one candidate's competency."""
    by_rater: dict[str, dict[str, int]] = {}
    for item, rater, rating in ratings:
        by_rater.setdefault(rater, {})[item] = rating
    raters = sorted(by_rater)
    pairs = []
    pooled_n = pooled_exact = pooled_adjacent = 0
    for first, second in combinations(raters, 2):
        shared = sorted(set(by_rater[first]) & set(by_rater[second]))
        a = [by_rater[first][i] for i in shared]
        b = [by_rater[second][i] for i in shared]
        result = _pair(a, b)
        pairs.append({"raters": [first, second], **result})
        pooled_n += len(shared)
        pooled_exact += sum(1 for x, y in zip(a, b, strict=True) if x == y)
        pooled_adjacent += sum(1 for x, y in zip(a, b, strict=True) if abs(x - y) <= 1)
    kappas = [p["kappa_quadratic"] for p in pairs if p["kappa_quadratic"] is not None]
    overall: dict[str, Any] = {
        "n": pooled_n,
        "kappa_quadratic": round(sum(kappas) / len(kappas), 4) if kappas else None,
        "exact_pct": round(100 * pooled_exact / pooled_n, 1) if pooled_n else None,
        "adjacent_pct": round(100 * pooled_adjacent / pooled_n, 1) if pooled_n else None,
        "method": "quadratic weighted Cohen's kappa" if len(raters) == 2
        else "mean of pairwise quadratic weighted kappas (Light's kappa)",
    }
    reason = None
    if len(raters) < 2:
        reason = "agreement needs at least two raters who rated the same candidates' competencies"
    elif not pooled_n:
        reason = "no candidate's competency was rated by two raters"
    return {"raters": len(raters), "overall": overall if reason is None else None, "reason": reason, "pairs": pairs}
