"""The questionnaire as candidates take it: the instrument's items in administration order,
``PAGE_SIZE`` to a page, each page saved on the server as it is left (so a closed tab resumes at
the first page not yet saved), with the time spent on each item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from firstword.hiring.instruments import Instrument, Item
from firstword.hiring.service.errors import invalid

# Items per page: short enough to see whole on a phone with a few scrolls, and 50 items make 5
# pages, so the progress bar moves in steps a candidate notices.
PAGE_SIZE = 10
# One item's time is clamped to this: longer means the candidate left the page (a coffee, a
# closed laptop), and a stored hour would only say so while distorting sums and means. The
# quality check (``quality.too_fast``) reads the median, which the clamp never moves.
MAX_ITEM_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class PageAnswers:
    values: dict[str, int | None]
    times_ms: dict[str, int]


def pages(instrument: Instrument) -> list[tuple[Item, ...]]:
    items = instrument.items
    return [items[start : start + PAGE_SIZE] for start in range(0, len(items), PAGE_SIZE)]


def page_count(instrument: Instrument) -> int:
    return math.ceil(len(instrument.items) / PAGE_SIZE)


def check_page(instrument: Instrument, page: int, answers: Mapping[str, Any], times_ms: Mapping[str, Any]) -> PageAnswers:
    """The page's answers, every one of its items present (a blank as None), and the times.

    Refused (422, naming the item): an item that is not on this page, an answer outside the
    instrument's scale, a time that is not a finite non-negative number. Accepted but clamped:
    a time over MAX_ITEM_MS."""
    all_pages = pages(instrument)
    if not 0 <= page < len(all_pages):
        raise invalid(f"page must be 0..{len(all_pages) - 1}, got {page}")
    on_page = {item.id for item in all_pages[page]}
    low, high = instrument.min_response, instrument.max_response
    values: dict[str, int | None] = {item_id: None for item_id in on_page}
    for item_id, value in answers.items():
        if item_id not in on_page:
            raise invalid(f"item {item_id!r} is not on page {page}")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid(f"item {item_id!r}: an answer is an integer {low}..{high} or null, got {value!r}")
        values[item_id] = value
    times: dict[str, int] = {}
    for item_id, value in times_ms.items():
        if item_id not in on_page:
            raise invalid(f"times_ms: item {item_id!r} is not on page {page}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise invalid(f"times_ms: item {item_id!r}: a time is a non-negative number of ms, got {value!r}")
        times[item_id] = min(int(round(value)), MAX_ITEM_MS)
    return PageAnswers(values, times)
