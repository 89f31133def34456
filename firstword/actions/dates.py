"""When an action is due: the time expression a sentence states, resolved against the
conversation's date with dateparser. Only expressions found by the patterns below count (a
number in "send 3 slides" is not a date); the few dateparser does not resolve as people mean
them ("end of the month", "next week", "end of day") are resolved here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import dateparser

_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|" \
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
EXPRESSION = re.compile(
    r"\b(?:by|before|on|until|till|due|for|no later than|at the latest by)?\s*(?:"
    r"(?:the\s+)?end of (?:the |this |next )?(?:day|week|month|quarter)|EOD|EOW|COB|"
    r"today|tonight|tomorrow|this (?:afternoon|evening|morning)|"
    r"(?:this|next|coming)\s+(?:week|month|" + _DAYS + r")|"
    r"(?:" + _DAYS + r")(?:\s+(?:morning|afternoon|evening))?|"
    r"in (?:a|one|two|three|four|five|six|\d+) (?:days?|weeks?|months?)|"
    r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)(?:\s+of\s+(?:" + _MONTHS + r"))?|"
    r"(?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?|\d{4}-\d{2}-\d{2}"
    r")\b",
    re.I,
)
_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True, slots=True)
class Due:
    date: dt.date
    span: tuple[int, int]  # the expression's place in the sentence


def find_due(sentence: str, on: dt.date) -> Due | None:
    """The first time expression of ``sentence`` as a date on or after ``on``, else None."""
    for match in EXPRESSION.finditer(sentence):
        phrase = match.group(0).strip()
        if not phrase or not re.search(r"[a-z0-9]", phrase, re.I):
            continue
        date = resolve(phrase, on)
        if date is not None:
            start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            return Due(date, (start, match.end()))
    return None


def resolve(phrase: str, on: dt.date) -> dt.date | None:
    text = re.sub(r"^(?:by|before|on|until|till|due|for|no later than|at the latest by)\s+", "", phrase.strip(), flags=re.I)
    lowered = text.lower()
    if lowered in ("eod", "cob", "today", "tonight", "end of day", "end of the day") or lowered.startswith("this "):
        if lowered.startswith("this ") and lowered.split()[1] in ("week", "month"):
            return _end_of(lowered.split()[1], on)
        if lowered.startswith("this ") and lowered.split()[1] in _DAYS.split("|"):
            return _weekday(on, lowered.split()[1], allow_today=True)
        return on
    if m := re.match(r"(?:the\s+)?end of (?:the |this )?(week|month|quarter)$", lowered):
        return _end_of(m.group(1), on)
    if m := re.match(r"(?:the\s+)?end of next (week|month)$", lowered):
        nxt = on + dt.timedelta(days=7) if m.group(1) == "week" else (on.replace(day=28) + dt.timedelta(days=4))
        return _end_of(m.group(1), nxt)
    if lowered == "eow":
        return _end_of("week", on)
    if lowered in ("next week", "coming week"):
        return on + dt.timedelta(days=7 - on.weekday())  # the Monday of next week
    if lowered == "next month":
        return (on.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if m := re.match(r"(?:next|coming)\s+(" + _DAYS + r")$", lowered):
        # "next Tuesday" said on a Monday means the Tuesday of next week.
        day = _weekday(on, m.group(1), allow_today=False)
        return day if (day - on).days > 6 - on.weekday() else day + dt.timedelta(days=7)
    if m := re.match(r"in (a|one|two|three|four|five|six|\d+) (day|week|month)s?$", lowered):
        n = int(m.group(1)) if m.group(1).isdigit() else _WORD_NUMBERS[m.group(1)]
        if m.group(2) == "day":
            return on + dt.timedelta(days=n)
        if m.group(2) == "week":
            return on + dt.timedelta(weeks=n)
    if m := re.match(r"(" + _DAYS + r")(?:\s+(?:morning|afternoon|evening))?$", lowered):
        return _weekday(on, m.group(1), allow_today=False)
    base = dt.datetime.combine(on, dt.time())
    parsed = dateparser.parse(
        text, languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "PREFER_DAY_OF_MONTH": "first"}
    )
    return parsed.date() if parsed is not None and parsed.date() >= on else None


def _weekday(on: dt.date, name: str, *, allow_today: bool) -> dt.date:
    target = _DAYS.split("|").index(name)
    ahead = (target - on.weekday()) % 7
    if ahead == 0 and not allow_today:
        ahead = 7
    return on + dt.timedelta(days=ahead)


def _end_of(unit: str, on: dt.date) -> dt.date:
    if unit == "week":
        return on + dt.timedelta(days=4 - on.weekday()) if on.weekday() <= 4 else on
    if unit == "month":
        return on.replace(day=calendar.monthrange(on.year, on.month)[1])
    quarter_end_month = ((on.month - 1) // 3 + 1) * 3
    return dt.date(on.year, quarter_end_month, calendar.monthrange(on.year, quarter_end_month)[1])
