"""The one follow-up Nova asks after an answer, or None to move on: by rules, in a fixed order.

A real interviewer digs where a story is thin, once or twice, then moves on. The rules, in the
order they are tried (the first that applies is asked; one already asked for this question is
not asked again):

1. ``too_short``: fewer than ``SHORT_ANSWER_WORDS`` words other than hesitations (or nothing
   heard): "Take your time — could you tell me more about …?", once; still short after it, Nova
   moves on rather than press. Every kind of question but the closing one, where "no, I think
   you've covered it" is a full answer.
2. For behavioural questions (stories), and partly for technical ones:
   - ``no_example``: no story at all (at most one of situation, action and result heard, and
     not both action and result): "Could you give me one specific example?";
   - ``own_role``: "we" heavy (see ``feedback.WE_HEAVY_MIN``): "You said, "we …" — what did you
     do yourself?", quoting the candidate's own words (also for technical questions);
   - ``missing_action`` then ``missing_result``: the STAR part the story lacks;
   - ``no_number``: no figure or measured outcome anywhere: "Can you put a number on that?"
     (also for technical questions);
   - ``missing_context``: neither situation nor task heard: "Could you set the scene?" (the task
     is often said inside the situation, so either one is enough);
   - ``reflection``: a complete story (context, action and result): "Looking back, what would
     you do differently?".
3. Never more than ``MAX_FOLLOWUPS`` per question: at that count, None whatever the answer.

Quotes are exact substrings of the transcript (the ``feedback`` module finds them); nothing is
put in the candidate's mouth.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from firstword.practice.feedback import (
    SHORT_ANSWER_WORDS,
    content_words,
    find_specifics,
    find_star,
    own_role,
)
from firstword.practice.plan import PlannedQuestion, QuestionKind

MAX_FOLLOWUPS = 2

REASONS = (
    "too_short", "no_example", "own_role", "missing_action", "missing_result", "no_number", "missing_context",
    "reflection",
)


@dataclass(frozen=True, slots=True)
class FollowUp:
    text: str  # what Nova says, plain spoken English
    reason: str  # one of ``REASONS``
    quote: str | None  # the candidate's words it refers to (an exact substring of the transcript)


def next_followup(
    question: PlannedQuestion,
    transcript: str,
    duration_s: float | None = None,
    *,
    asked_so_far: int = 0,
    asked: Collection[str] = (),
) -> FollowUp | None:
    """The follow-up to ask after ``transcript`` (the candidate's answer so far to ``question``,
    follow-up answers included), or None to move on. ``asked_so_far``: follow-ups already asked
    for this question; ``asked``: their reasons (each rule fires once per question).
    ``duration_s`` is accepted for symmetry with feedback; the rules read words, not time, so a
    slow but complete answer is never cut short."""
    if asked_so_far >= MAX_FOLLOWUPS or question.kind is QuestionKind.CLOSING:
        return None

    def fresh(reason: str) -> bool:
        return reason not in asked

    if content_words(transcript) < SHORT_ANSWER_WORDS:
        if not fresh("too_short"):
            return None  # prompted once and still little: move on rather than press
        return FollowUp(f"Take your time — could you tell me more about {question.about}?", "too_short", None)
    if question.kind not in (QuestionKind.BEHAVIOURAL, QuestionKind.TECHNICAL):
        return None  # opener and motivation: one good answer is enough

    star = find_star(transcript)
    role = own_role(transcript)
    behavioural = question.kind is QuestionKind.BEHAVIOURAL
    story_parts = sum(1 for p in ("situation", "action", "result") if star[p])
    if behavioural and fresh("no_example") and story_parts <= 1 and not (star["action"] and star["result"]):
        return FollowUp("Could you give me one specific example, a particular time, and walk me through it?",
                        "no_example", None)
    if fresh("own_role") and role.we_heavy and role.we_quote is not None:
        said = role.we_quote.text
        return FollowUp(f'You said, "{said}" — what did you do yourself?', "own_role", said)
    if behavioural and fresh("missing_action") and not star["action"]:
        return FollowUp("What did you do yourself, step by step?", "missing_action", None)
    if behavioural and fresh("missing_result") and not star["result"]:
        return FollowUp("How did it turn out? What was the result?", "missing_result", None)
    if fresh("no_number") and not find_specifics(transcript):
        anchor = star["result"][0].text if star["result"] else None
        if anchor:
            return FollowUp(f'You said, "{anchor}". Can you put a number on that?', "no_number", anchor)
        return FollowUp("Can you put a number on that? How much time, money or how many people did it affect?",
                        "no_number", None)
    if behavioural and fresh("missing_context") and not (star["situation"] or star["task"]):
        return FollowUp("Could you set the scene for me: where were you, and what was your responsibility?",
                        "missing_context", None)
    if behavioural and fresh("reflection") and (star["situation"] or star["task"]) and star["action"] and star["result"]:
        return FollowUp("Looking back, what would you do differently?", "reflection", None)
    return None
